//! Other typed headers: Retry-After (RFC 3261 §20.33), Warning (§20.43),
//! Reason (RFC 3326 §2), Privacy (RFC 3323 §4.2), SIP-ETag and
//! SIP-If-Match (RFC 3903 §11.3).

use super::lex::{self, malformed};
use super::{HeaderError, HeaderName, TypedHeader};
use crate::params::Params;
use core::fmt;

/// The Retry-After header (RFC 3261 §20.33):
/// `delta-seconds [comment] *(SEMI retry-param)`.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct RetryAfter {
    /// Seconds to wait before retrying.
    pub seconds: u32,
    /// The comment's text between the outer parentheses, as written
    /// (nested comments and quoted-pairs kept); must be balanced.
    pub comment: Option<String>,
    /// Parameters (`duration`, extensions), in order.
    pub params: Params,
}

impl RetryAfter {
    /// A Retry-After without comment or parameters.
    pub fn new(seconds: u32) -> RetryAfter {
        RetryAfter {
            seconds,
            comment: None,
            params: Params::new(),
        }
    }

    /// The `duration` parameter: how long the callee stays available, in
    /// seconds (§20.33). `None` when absent or malformed.
    pub fn duration(&self) -> Option<u32> {
        self.params.get("duration").and_then(lex::parse_u32)
    }
}

impl TypedHeader for RetryAfter {
    const NAME: HeaderName = HeaderName::RetryAfter;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        const H: &str = "Retry-After";
        let s = lex::non_empty(value, H)?;
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let seconds = lex::parse_u32(&s[..end]).ok_or(lex::bad_number(H))?;
        let mut rest = lex::trim_start(&s[end..]);
        let mut comment = None;
        if rest.starts_with('(') {
            let close = lex::comment_end(rest).ok_or(malformed(H, "unterminated comment"))?;
            comment = Some(rest[1..close - 1].to_owned());
            rest = &rest[close..];
        }
        let params = lex::params_only(rest, H)?;
        if params
            .find("duration")
            .is_some_and(|p| p.value.as_deref().and_then(lex::parse_u32).is_none())
        {
            return Err(lex::bad_number(H));
        }
        Ok(RetryAfter {
            seconds,
            comment,
            params,
        })
    }
}

impl fmt::Display for RetryAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.seconds)?;
        if let Some(c) = &self.comment {
            write!(f, " ({c})")?;
        }
        write!(f, "{}", self.params)
    }
}

/// One value of the Reason header (RFC 3326 §2):
/// `protocol *(SEMI reason-params)`, for example
/// `SIP;cause=200;text="Call completed elsewhere"` or `Q.850;cause=16`.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Reason {
    /// The protocol: `SIP`, `Q.850` or another token.
    pub protocol: String,
    /// The `cause` parameter: a status code for `SIP`, a Q.850 cause value.
    pub cause: Option<u32>,
    /// The `text` parameter, unquoted with quoted-pairs resolved.
    pub text: Option<String>,
    /// Other parameters, in order.
    pub params: Params,
}

impl Reason {
    /// `protocol;cause=<cause>` with an optional text.
    pub fn new(protocol: &str, cause: u32, text: Option<&str>) -> Reason {
        Reason {
            protocol: protocol.to_owned(),
            cause: Some(cause),
            text: text.map(str::to_owned),
            params: Params::new(),
        }
    }
}

impl TypedHeader for Reason {
    const NAME: HeaderName = HeaderName::Reason;
    const LIST: bool = true;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        const H: &str = "Reason";
        let s = lex::non_empty(value, H)?;
        let (protocol, rest) = lex::split_params(s);
        if !lex::is_token(protocol) {
            return Err(malformed(H, "bad protocol"));
        }
        let all = lex::params_only(rest, H)?;
        let mut out = Reason {
            protocol: protocol.to_owned(),
            cause: None,
            text: None,
            params: Params::new(),
        };
        for p in &all {
            let v = p.value.as_deref();
            if p.name.eq_ignore_ascii_case("cause") {
                if out.cause.is_some() {
                    return Err(malformed(H, "repeated cause"));
                }
                out.cause = Some(v.and_then(lex::parse_u32).ok_or(lex::bad_number(H))?);
            } else if p.name.eq_ignore_ascii_case("text") {
                if out.text.is_some() {
                    return Err(malformed(H, "repeated text"));
                }
                let (t, rest) = v
                    .and_then(lex::quoted)
                    .ok_or(malformed(H, "text must be quoted"))?;
                if !rest.is_empty() {
                    return Err(malformed(H, "text must be quoted"));
                }
                out.text = Some(t);
            } else {
                out.params.push(p.name.clone(), p.value.clone());
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.protocol)?;
        if let Some(c) = self.cause {
            write!(f, ";cause={c}")?;
        }
        if let Some(t) = &self.text {
            f.write_str(";text=")?;
            lex::write_quoted(f, t)?;
        }
        write!(f, "{}", self.params)
    }
}

/// One privacy value (RFC 3323 §4.2, RFC 3325 §9.3 `id`).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum PrivValue {
    /// `header`: hide headers that reveal the user.
    Header,
    /// `session`: hide the session (media) addresses.
    Session,
    /// `user`: user-level privacy.
    User,
    /// `none`: no privacy.
    None,
    /// `critical`: privacy is mandatory.
    Critical,
    /// `id`: do not pass P-Asserted-Identity out of the trust domain.
    Id,
    /// Any other token, as written. Must not spell one of the above.
    Other(String),
}

impl PrivValue {
    const KNOWN: [(PrivValue, &'static str); 6] = [
        (PrivValue::Header, "header"),
        (PrivValue::Session, "session"),
        (PrivValue::User, "user"),
        (PrivValue::None, "none"),
        (PrivValue::Critical, "critical"),
        (PrivValue::Id, "id"),
    ];

    /// Maps a token, case-insensitively.
    pub fn from_token(s: &str) -> PrivValue {
        Self::KNOWN
            .into_iter()
            .find(|(_, t)| t.eq_ignore_ascii_case(s))
            .map_or_else(|| PrivValue::Other(s.to_owned()), |(v, _)| v)
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        match self {
            PrivValue::Header => "header",
            PrivValue::Session => "session",
            PrivValue::User => "user",
            PrivValue::None => "none",
            PrivValue::Critical => "critical",
            PrivValue::Id => "id",
            PrivValue::Other(s) => s,
        }
    }
}

/// The Privacy header (RFC 3323 §4.2): `priv-value *(";" priv-value)`.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Privacy(pub Vec<PrivValue>);

impl Privacy {
    /// True when `v` is among the values.
    pub fn contains(&self, v: &PrivValue) -> bool {
        self.0.contains(v)
    }
}

impl TypedHeader for Privacy {
    const NAME: HeaderName = HeaderName::Privacy;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let s = lex::non_empty(value, "Privacy")?;
        s.split(';')
            .map(|v| {
                let v = lex::trim(v);
                if lex::is_token(v) {
                    Ok(PrivValue::from_token(v))
                } else {
                    Err(malformed("Privacy", "bad priv-value"))
                }
            })
            .collect::<Result<_, _>>()
            .map(Privacy)
    }
}

impl fmt::Display for Privacy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            f.write_str(v.as_str())?;
        }
        Ok(())
    }
}

macro_rules! etag_header {
    ($(#[$doc:meta])* $ty:ident, $hname:ident, $wire:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Debug, Hash)]
        pub struct $ty(pub String);

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$hname;
            const LIST: bool = false;

            fn parse(value: &str) -> Result<Self, HeaderError> {
                let s = lex::non_empty(value, $wire)?;
                if !lex::is_token(s) {
                    return Err(malformed($wire, "entity-tag must be a token"));
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

etag_header! {
    /// The SIP-ETag header (RFC 3903 §11.3.1): the entity-tag an event
    /// state compositor assigned to published state.
    SipETag, SipETag, "SIP-ETag"
}

etag_header! {
    /// The SIP-If-Match header (RFC 3903 §11.3.2): the entity-tag a
    /// PUBLISH refreshes, modifies or removes.
    SipIfMatch, SipIfMatch, "SIP-If-Match"
}

/// One value of the Warning header (RFC 3261 §20.43):
/// `warn-code SP warn-agent SP warn-text`.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Warning {
    /// The three-digit code (§20.43 lists 300-399).
    pub code: u16,
    /// The agent: a hostport or pseudonym, as written.
    pub agent: String,
    /// The text, unquoted with quoted-pairs resolved.
    pub text: String,
}

impl TypedHeader for Warning {
    const NAME: HeaderName = HeaderName::Warning;
    const LIST: bool = true;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        const H: &str = "Warning";
        let s = lex::non_empty(value, H)?;
        let (code, rest) = s.split_at(s.find(lex::is_ws).unwrap_or(s.len()));
        if code.len() != 3 {
            return Err(lex::bad_number(H));
        }
        let code = lex::parse_u16(code).ok_or(lex::bad_number(H))?;
        let rest = lex::trim_start(rest);
        let (agent, rest) = rest.split_at(rest.find(lex::is_ws).unwrap_or(rest.len()));
        let agent_ok = !agent.is_empty()
            && agent
                .bytes()
                .all(|b| lex::is_token_byte(b) || matches!(b, b':' | b'[' | b']'));
        if !agent_ok {
            return Err(malformed(H, "bad warn-agent"));
        }
        let (text, rest) =
            lex::quoted(lex::trim_start(rest)).ok_or(malformed(H, "warn-text must be quoted"))?;
        if !lex::trim(rest).is_empty() {
            return Err(malformed(H, "text after warn-text"));
        }
        Ok(Warning {
            code,
            agent: agent.to_owned(),
            text,
        })
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03} {} ", self.code, self.agent)?;
        lex::write_quoted(f, &self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after() {
        let r = RetryAfter::parse("18000;duration=3600").unwrap();
        assert_eq!(r.seconds, 18000);
        assert_eq!(r.duration(), Some(3600));
        let r = RetryAfter::parse("120 (I'm in a (long) meeting) ;x").unwrap();
        assert_eq!(r.comment.as_deref(), Some("I'm in a (long) meeting"));
        assert_eq!(r.to_string(), "120 (I'm in a (long) meeting);x");
        assert_eq!(RetryAfter::parse(&r.to_string()), Ok(r));
        assert_eq!(RetryAfter::parse("5"), Ok(RetryAfter::new(5)));
        for bad in [
            "",
            "x",
            "5 (open",
            "5 junk",
            "5;duration=x",
            "18446744073709551616",
            "5;;",
        ] {
            assert!(RetryAfter::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reason() {
        let r = Reason::parse("SIP ;cause=200 ;text=\"Call completed \\\"elsewhere\\\"\"").unwrap();
        assert_eq!(r.protocol, "SIP");
        assert_eq!(r.cause, Some(200));
        assert_eq!(r.text.as_deref(), Some("Call completed \"elsewhere\""));
        assert_eq!(
            r.to_string(),
            "SIP;cause=200;text=\"Call completed \\\"elsewhere\\\"\""
        );
        assert_eq!(Reason::parse(&r.to_string()), Ok(r));
        assert_eq!(
            Reason::parse("Q.850;cause=16"),
            Ok(Reason::new("Q.850", 16, None))
        );
        // Control characters are escaped; CR/LF cannot be and turn to spaces,
        // so a text never breaks the header line.
        let r = Reason::new("SIP", 480, Some("a\r\nb\u{1}c"));
        assert_eq!(r.to_string(), "SIP;cause=480;text=\"a  b\\\u{1}c\"");
        assert_eq!(
            Reason::parse(&r.to_string()).unwrap().text.as_deref(),
            Some("a  b\u{1}c")
        );
        for bad in [
            "",
            "SIP;cause=x",
            "SIP;text=unquoted",
            "SIP;cause=1;cause=2",
            "S IP",
        ] {
            assert!(Reason::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn privacy() {
        let p = Privacy::parse("id ; Header;foo").unwrap();
        assert_eq!(
            p.0,
            vec![
                PrivValue::Id,
                PrivValue::Header,
                PrivValue::Other("foo".into())
            ]
        );
        assert_eq!(p.to_string(), "id;header;foo");
        assert!(p.contains(&PrivValue::Id));
        assert!(Privacy::parse("id;;user").is_err());
        assert!(Privacy::parse("").is_err());
    }

    #[test]
    fn etags() {
        assert_eq!(
            SipETag::parse(" dx200xyz ").unwrap().to_string(),
            "dx200xyz"
        );
        assert!(SipIfMatch::parse("a b").is_err());
    }

    #[test]
    fn warning() {
        let w = Warning::parse("307 isi.edu \"Session parameter 'foo' not understood\"").unwrap();
        assert_eq!(w.code, 307);
        assert_eq!(w.agent, "isi.edu");
        assert_eq!(
            w.to_string(),
            "307 isi.edu \"Session parameter 'foo' not understood\""
        );
        assert_eq!(
            Warning::parse("399 [::1]:5060 \"x\"").unwrap().agent,
            "[::1]:5060"
        );
        for bad in [
            "",
            "30 a \"x\"",
            "3000 a \"x\"",
            "307 \"x\"",
            "307 a x",
            "307 a \"x\" y",
        ] {
            assert!(Warning::parse(bad).is_err(), "{bad:?}");
        }
    }
}
