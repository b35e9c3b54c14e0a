//! Dialog identification headers: Call-ID (RFC 3261 §20.8) and Replaces
//! (RFC 3891 §6.1).

use super::lex::{self, malformed};
use super::{HeaderError, HeaderName, TypedHeader};
use crate::params::Params;
use core::fmt;

/// `word` characters (RFC 3261 §25.1).
fn is_word_byte(b: u8) -> bool {
    lex::is_token_byte(b)
        || matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'{'
                | b'}'
        )
}

/// True for `callid = word ["@" word]`.
fn is_callid(s: &str) -> bool {
    let mut parts = s.splitn(2, '@');
    let word = |w: Option<&str>| w.is_some_and(|w| !w.is_empty() && w.bytes().all(is_word_byte));
    let first = parts.next();
    let second = parts.next();
    word(first) && (second.is_none() || word(second))
}

/// The Call-ID header (RFC 3261 §20.8, compact `i`). Call-IDs are
/// case-sensitive and compared byte by byte, which `==` does.
#[derive(Clone, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct CallId(pub String);

impl CallId {
    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TypedHeader for CallId {
    const NAME: HeaderName = HeaderName::CallId;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let s = lex::non_empty(value, "Call-ID")?;
        if !is_callid(s) {
            return Err(malformed("Call-ID", "not word[@word]"));
        }
        Ok(CallId(s.to_owned()))
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Replaces header (RFC 3891 §6.1): the dialog a new INVITE replaces,
/// `callid *(SEMI replaces-param)` with exactly one `to-tag` and one
/// `from-tag` and an optional `early-only` flag.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Replaces {
    /// The Call-ID of the dialog.
    pub call_id: String,
    /// The `to-tag` parameter (RFC 3891 §6.1; matched against the
    /// dialog's tags as §3 describes).
    pub to_tag: String,
    /// The `from-tag`.
    pub from_tag: String,
    /// `early-only`: only replace an early dialog (RFC 3891 §3).
    pub early_only: bool,
    /// Other parameters, in order.
    pub params: Params,
}

impl TypedHeader for Replaces {
    const NAME: HeaderName = HeaderName::Replaces;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        const H: &str = "Replaces";
        let s = lex::non_empty(value, H)?;
        let (call_id, rest) = lex::split_params(s);
        if !is_callid(call_id) {
            return Err(malformed(H, "bad call-id"));
        }
        let all = lex::params_only(rest, H)?;
        let mut to_tag = None;
        let mut from_tag = None;
        let mut early_only = false;
        let mut params = Params::new();
        for p in &all {
            let v = p.value.as_deref();
            let slot = if p.name.eq_ignore_ascii_case("to-tag") {
                &mut to_tag
            } else if p.name.eq_ignore_ascii_case("from-tag") {
                &mut from_tag
            } else {
                if p.name.eq_ignore_ascii_case("early-only") {
                    if early_only || v.is_some() {
                        return Err(malformed(H, "bad early-only"));
                    }
                    early_only = true;
                } else {
                    params.push(p.name.clone(), p.value.clone());
                }
                continue;
            };
            if slot.is_some() {
                return Err(malformed(H, "repeated tag"));
            }
            *slot = Some(
                v.filter(|v| lex::is_token(v))
                    .ok_or(malformed(H, "bad tag"))?
                    .to_owned(),
            );
        }
        Ok(Replaces {
            call_id: call_id.to_owned(),
            to_tag: to_tag.ok_or(malformed(H, "missing to-tag"))?,
            from_tag: from_tag.ok_or(malformed(H, "missing from-tag"))?,
            early_only,
            params,
        })
    }
}

impl fmt::Display for Replaces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{};to-tag={};from-tag={}",
            self.call_id, self.to_tag, self.from_tag
        )?;
        if self.early_only {
            f.write_str(";early-only")?;
        }
        write!(f, "{}", self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_id() {
        assert_eq!(
            CallId::parse(" a84b4c76e66710@pc33.atlanta.com ")
                .unwrap()
                .as_str(),
            "a84b4c76e66710@pc33.atlanta.com"
        );
        assert_eq!(
            CallId::parse("f81d4fae-7dec-11d0-a765-00a0c91e6bf6@[2001:db8::1]")
                .unwrap()
                .to_string(),
            "f81d4fae-7dec-11d0-a765-00a0c91e6bf6@[2001:db8::1]"
        );
        assert_ne!(CallId::parse("ABC").unwrap(), CallId::parse("abc").unwrap());
        for bad in ["", "a b", "a@b@c", "@b", "a@", "a;b", "a,b", "é"] {
            assert!(CallId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn replaces() {
        let r =
            Replaces::parse("98732@sip.example.com ;from-tag=r33th4x0r ; to-tag=ff87ff;early-only")
                .unwrap();
        assert_eq!(r.call_id, "98732@sip.example.com");
        assert_eq!(r.to_tag, "ff87ff");
        assert_eq!(r.from_tag, "r33th4x0r");
        assert!(r.early_only);
        assert_eq!(
            r.to_string(),
            "98732@sip.example.com;to-tag=ff87ff;from-tag=r33th4x0r;early-only"
        );
        assert_eq!(Replaces::parse(&r.to_string()), Ok(r));
        for bad in [
            "",
            "abc;to-tag=1",
            "abc;from-tag=1",
            "abc;to-tag=1;from-tag=2;to-tag=3",
            "abc;to-tag;from-tag=2",
            "abc;to-tag=1;from-tag=2;early-only=yes",
            "a b;to-tag=1;from-tag=2",
        ] {
            assert!(Replaces::parse(bad).is_err(), "{bad:?}");
        }
    }
}
