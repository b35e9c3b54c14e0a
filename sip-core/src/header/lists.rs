//! Comma-separated token lists, one typed value per token: Require,
//! Proxy-Require, Supported, Unsupported (RFC 3261 §20.32, §20.29, §20.37,
//! §20.40; option tags §19.2), Allow (§20.5) and Allow-Events (RFC 6665
//! §8.2.2).

use super::lex::{self, malformed};
use super::{HeaderError, HeaderName, TypedHeader};
use crate::method::Method;
use core::fmt;

/// Option tags registered for the extensions this stack knows (RFC 3261
/// §19.2, §27.1).
pub mod option_tag {
    /// Reliable provisional responses (RFC 3262).
    pub const REL100: &str = "100rel";
    /// Session timers (RFC 4028).
    pub const TIMER: &str = "timer";
    /// The Replaces header (RFC 3891).
    pub const REPLACES: &str = "replaces";
    /// REFER without an implicit subscription (RFC 4488).
    pub const NOREFERSUB: &str = "norefersub";
    /// The Path header (RFC 3327).
    pub const PATH: &str = "path";
    /// GRUUs (RFC 5627).
    pub const GRUU: &str = "gruu";
    /// SIP outbound (RFC 5626).
    pub const OUTBOUND: &str = "outbound";
    /// Preconditions (RFC 3312).
    pub const PRECONDITION: &str = "precondition";
}

macro_rules! token_header {
    ($(#[$doc:meta])* $ty:ident, $hname:ident, $wire:literal) => {
        $(#[$doc])*
        ///
        /// One value per token; a header line `a, b` yields two values
        /// through [`Headers::typed_all`](super::Headers::typed_all).
        /// Tokens compare case-insensitively with [`Self::is`] (RFC 3261
        /// §7.3.1); `==` compares them as written.
        #[derive(Clone, PartialEq, Eq, Debug, Hash)]
        pub struct $ty(pub String);

        impl $ty {
            /// A value from a token.
            pub fn new(token: &str) -> Self {
                $ty(token.to_owned())
            }

            /// The token.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// True when the token equals `token`, case-insensitively.
            pub fn is(&self, token: &str) -> bool {
                self.0.eq_ignore_ascii_case(token)
            }
        }

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$hname;
            const LIST: bool = true;

            fn parse(value: &str) -> Result<Self, HeaderError> {
                let s = lex::non_empty(value, $wire)?;
                if !lex::is_token(s) {
                    return Err(malformed($wire, "expected a token"));
                }
                Ok($ty(s.to_owned()))
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

token_header! {
    /// One option tag of the Require header (RFC 3261 §20.32): extensions
    /// the UAS must support (else 420, §8.2.2.3).
    Require, Require, "Require"
}

token_header! {
    /// One option tag of the Proxy-Require header (RFC 3261 §20.29).
    ProxyRequire, ProxyRequire, "Proxy-Require"
}

token_header! {
    /// One option tag of the Supported header (RFC 3261 §20.37, compact
    /// `k`).
    Supported, Supported, "Supported"
}

token_header! {
    /// One option tag of the Unsupported header (RFC 3261 §20.40), listed
    /// in a 420 response.
    Unsupported, Unsupported, "Unsupported"
}

token_header! {
    /// One event package of the Allow-Events header (RFC 6665 §8.2.2,
    /// compact `u`). Event types match byte-for-byte (RFC 6665 §8.2.1), so
    /// prefer `==` over [`Self::is`] here.
    AllowEvents, AllowEvents, "Allow-Events"
}

/// One method of the Allow header (RFC 3261 §20.5). Methods are
/// case-sensitive (§7.1).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Allow(pub Method);

impl TypedHeader for Allow {
    const NAME: HeaderName = HeaderName::Allow;
    const LIST: bool = true;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let s = lex::non_empty(value, "Allow")?;
        if !lex::is_token(s) {
            return Err(malformed("Allow", "expected a method"));
        }
        Ok(Allow(Method::from_token(s)))
    }
}

impl fmt::Display for Allow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::Headers;

    #[test]
    fn tokens() {
        assert_eq!(Supported::parse(" 100rel "), Ok(Supported::new("100rel")));
        assert!(Require::parse("Timer").unwrap().is(option_tag::TIMER));
        assert_eq!(ProxyRequire::parse("foo").unwrap().to_string(), "foo");
        for bad in ["", "a b", "a,b", "a;b", "\"a\"", "é"] {
            assert!(Unsupported::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn through_headers() {
        let mut h = Headers::new();
        h.push(HeaderName::Supported, "100rel, timer");
        h.push(HeaderName::parse("k"), "replaces");
        h.push(HeaderName::Allow, "INVITE,ACK ,BYE, FOO");
        let sup: Vec<Supported> = h.typed_all().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            sup.iter().map(Supported::as_str).collect::<Vec<_>>(),
            ["100rel", "timer", "replaces"]
        );
        let allow: Vec<Allow> = h.typed_all().collect::<Result<_, _>>().unwrap();
        assert_eq!(allow[1], Allow(Method::Ack));
        assert_eq!(allow[3].to_string(), "FOO");
        assert!(Allow::parse("INV ITE").is_err());
        assert_eq!(
            AllowEvents::parse("presence.winfo").unwrap().as_str(),
            "presence.winfo"
        );
    }
}
