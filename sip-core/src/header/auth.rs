//! Authentication headers (RFC 3261 §20.44, §20.27, §20.7, §20.28,
//! §20.6; RFC 7616 §3.3-§3.5).
//!
//! WWW-Authenticate / Proxy-Authenticate (challenges) and Authorization /
//! Proxy-Authorization (credentials) are typed as the generic
//! `scheme auth-param, ...` form, [`AuthValue`] from [`crate::auth`], so
//! unknown schemes parse and round-trip (RFC 4475 §3.3.7 regaut01,
//! `NoOneKnowsThisScheme opaque-data=here`). The Digest meaning of a
//! challenge is one call away ([`WwwAuthenticate::digest`]); credentials
//! are checked with [`crate::auth::verify`].
//!
//! Authentication-Info (a bare auth-param list, which [`crate::auth`]
//! does not type) is [`AuthenticationInfo`].
//!
//! None of these is a comma list (`LIST = false`): commas separate the
//! parameters of one value (RFC 3261 §7.3.1 exception).

use super::lex;
use super::{HeaderError, HeaderName, TypedHeader};
use crate::auth::{AuthParam, AuthParseError, AuthValue, ChallengeError, DigestChallenge};
use core::fmt;

fn auth_error(header: &'static str, e: AuthParseError) -> HeaderError {
    let reason = match e {
        AuthParseError::Empty => return HeaderError::Empty { header },
        AuthParseError::MissingScheme => "missing auth-scheme",
        AuthParseError::TooLong { .. } => "value too long",
        AuthParseError::TooManyParams { .. } => "too many auth-params",
        AuthParseError::DuplicateParam(_) => "repeated auth-param",
        AuthParseError::UnterminatedQuote => "unterminated quoted-string",
        AuthParseError::Malformed { reason, .. } => reason,
    };
    HeaderError::Malformed { header, reason }
}

macro_rules! auth_header {
    ($(#[$doc:meta])* $ty:ident, $hname:ident, $wire:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Debug)]
        pub struct $ty(pub AuthValue);

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$hname;
            const LIST: bool = false;

            fn parse(value: &str) -> Result<Self, HeaderError> {
                AuthValue::parse(value).map($ty).map_err(|e| auth_error($wire, e))
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl core::ops::Deref for $ty {
            type Target = AuthValue;
            fn deref(&self) -> &AuthValue {
                &self.0
            }
        }

        impl core::ops::DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut AuthValue {
                &mut self.0
            }
        }

        impl core::convert::From<AuthValue> for $ty {
            fn from(v: AuthValue) -> Self {
                $ty(v)
            }
        }
    };
}

auth_header! {
    /// WWW-Authenticate (RFC 3261 §20.44): a UAS or registrar's challenge
    /// in a 401. One challenge per header line.
    WwwAuthenticate, WwwAuthenticate, "WWW-Authenticate"
}

auth_header! {
    /// Proxy-Authenticate (RFC 3261 §20.27): a proxy's challenge in a 407.
    /// One challenge per header line.
    ProxyAuthenticate, ProxyAuthenticate, "Proxy-Authenticate"
}

auth_header! {
    /// Authorization (RFC 3261 §20.7): credentials answering a 401.
    Authorization, Authorization, "Authorization"
}

auth_header! {
    /// Proxy-Authorization (RFC 3261 §20.28): credentials answering a 407.
    ProxyAuthorization, ProxyAuthorization, "Proxy-Authorization"
}

impl WwwAuthenticate {
    /// The Digest reading of this challenge (RFC 7616 §3.3).
    pub fn digest(&self) -> Result<DigestChallenge, ChallengeError> {
        DigestChallenge::from_auth_value(self.0.clone())
    }
}

impl ProxyAuthenticate {
    /// The Digest reading of this challenge (RFC 7616 §3.3).
    pub fn digest(&self) -> Result<DigestChallenge, ChallengeError> {
        DigestChallenge::from_auth_value(self.0.clone())
    }
}

/// Which Authentication-Info values are quoted-strings (RFC 7616 §3.5:
/// `nextnonce`, `rspauth`, `cnonce`; `qop` and `nc` are tokens).
fn info_quoted(name: &str) -> bool {
    ["nextnonce", "rspauth", "cnonce"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// Authentication-Info (RFC 3261 §20.6, RFC 7616 §3.5): the server's
/// mutual-authentication proof and next nonce, a bare list of auth-params
/// (`nextnonce="...", qop=auth, rspauth="...", cnonce="...", nc=00000001`).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct AuthenticationInfo(pub Vec<AuthParam>);

impl AuthenticationInfo {
    /// The value of parameter `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.value.as_str())
    }

    /// Sets `name` in place or appends it, quoted as RFC 7616 §3.5 says.
    pub fn set(&mut self, name: &str, value: &str) {
        let quoted = info_quoted(name);
        match self
            .0
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        {
            Some(p) => {
                p.value = value.to_owned();
                p.quoted = quoted;
            }
            None => self.0.push(AuthParam {
                name: name.to_owned(),
                value: value.to_owned(),
                quoted,
            }),
        }
    }

    /// Builder form of [`Self::set`].
    pub fn with(mut self, name: &str, value: &str) -> AuthenticationInfo {
        self.set(name, value);
        self
    }

    /// `nextnonce`: the nonce to use in the next request.
    pub fn next_nonce(&self) -> Option<&str> {
        self.get("nextnonce")
    }

    /// `rspauth`: the server's response digest (mutual authentication).
    pub fn rspauth(&self) -> Option<&str> {
        self.get("rspauth")
    }

    /// `qop`.
    pub fn qop(&self) -> Option<&str> {
        self.get("qop")
    }

    /// `cnonce`, echoed from the request.
    pub fn cnonce(&self) -> Option<&str> {
        self.get("cnonce")
    }

    /// `nc`, echoed from the request (8 hex digits); `None` when absent or
    /// malformed.
    pub fn nc(&self) -> Option<u32> {
        let v = self.get("nc")?;
        if v.len() == 8 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
            u32::from_str_radix(v, 16).ok()
        } else {
            None
        }
    }

    /// Sets `nc` as 8 lowercase hex digits.
    pub fn set_nc(&mut self, nc: u32) {
        self.set("nc", &format!("{nc:08x}"));
    }
}

impl TypedHeader for AuthenticationInfo {
    const NAME: HeaderName = HeaderName::AuthenticationInfo;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        const H: &str = "Authentication-Info";
        let s = lex::non_empty(value, H)?;
        // The auth-param list grammar is the one after a scheme in
        // challenges and credentials; reuse that parser (and its limits)
        // behind a placeholder scheme rather than keeping a second copy.
        let v = AuthValue::parse(&format!("{H} {s}")).map_err(|e| auth_error(H, e))?;
        if v.params.is_empty() {
            return Err(HeaderError::Empty { header: H });
        }
        Ok(AuthenticationInfo(v.params))
    }
}

impl fmt::Display for AuthenticationInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            p.fmt(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_challenge() {
        let w = WwwAuthenticate::parse(
            "Digest realm=\"atlanta.example.com\", qop=\"auth, auth-int\",\r\n nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\" ,\
             opaque=\"\", stale=FALSE, algorithm=SHA-256",
        )
        .unwrap();
        assert!(w.is_scheme("digest"));
        assert_eq!(w.get("realm"), Some("atlanta.example.com"));
        assert_eq!(
            w.to_string(),
            "Digest realm=\"atlanta.example.com\", qop=\"auth, auth-int\", \
             nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"\", stale=FALSE, algorithm=SHA-256"
        );
        let d = w.digest().unwrap();
        assert_eq!(d.realm, "atlanta.example.com");
        assert_eq!(d.nonce, "ea9c8e88df84f1cec4341ae6cbe5a359");
        assert_eq!(WwwAuthenticate::parse(&w.to_string()), Ok(w));
        let p = ProxyAuthenticate::parse("Digest realm=\"a\"").unwrap();
        assert!(p.digest().is_err(), "no nonce");
    }

    #[test]
    fn credentials() {
        let s = "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
                 uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", \
                 response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
        let a = ProxyAuthorization::parse(s).unwrap();
        assert_eq!(a.get("USERNAME"), Some("bob"));
        assert_eq!(a.get("nc"), Some("00000001"));
        assert_eq!(a.to_string(), s);
    }

    #[test]
    fn unknown_scheme_regaut01() {
        // RFC 4475 §3.3.7 (regaut01): an unknown scheme must still parse.
        let a = Authorization::parse("NoOneKnowsThisScheme opaque-data=here").unwrap();
        assert!(!a.is_scheme("Digest"));
        assert_eq!(a.scheme, "NoOneKnowsThisScheme");
        assert_eq!(a.get("OPAQUE-DATA"), Some("here"));
        assert_eq!(a.to_string(), "NoOneKnowsThisScheme opaque-data=here");
    }

    #[test]
    fn errors() {
        assert_eq!(
            Authorization::parse(" "),
            Err(HeaderError::Empty {
                header: "Authorization"
            })
        );
        for bad in [
            "\"Digest\" realm=x",
            "Digest realm",
            "Digest realm=\"open",
            "Digest realm=a b",
            "Digest realm=a, REALM=b",
            "Digest, realm=x",
        ] {
            assert!(WwwAuthenticate::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn authentication_info() {
        let mut i = AuthenticationInfo::default()
            .with("nextnonce", "47364c23432d2e131a5fb210812c")
            .with("qop", "auth")
            .with("rspauth", "abcd")
            .with("cnonce", "x");
        i.set_nc(10);
        assert_eq!(
            i.to_string(),
            "nextnonce=\"47364c23432d2e131a5fb210812c\", qop=auth, rspauth=\"abcd\", cnonce=\"x\", nc=0000000a"
        );
        let p = AuthenticationInfo::parse(&i.to_string()).unwrap();
        assert_eq!(p, i);
        assert_eq!(p.next_nonce(), Some("47364c23432d2e131a5fb210812c"));
        assert_eq!(p.nc(), Some(10));
        assert_eq!(p.rspauth(), Some("abcd"));
        assert_eq!(p.qop(), Some("auth"));
        assert_eq!(p.cnonce(), Some("x"));
        for bad in [" , ", "", "nextnonce", "a=1 b=2", "a=1, A=2"] {
            assert!(AuthenticationInfo::parse(bad).is_err(), "{bad:?}");
        }
    }
}
