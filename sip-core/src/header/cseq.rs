//! Sequence-number headers: CSeq (RFC 3261 §20.16) and RAck (RFC 3262
//! §7.2).

use super::lex::{self, malformed};
use super::{HeaderError, HeaderName, TypedHeader};
use crate::method::Method;
use core::fmt;

/// Reads `1*DIGIT` at the start of `s` as a u32; returns it and the rest.
fn leading_u32<'a>(s: &'a str, header: &'static str) -> Result<(u32, &'a str), HeaderError> {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    let n = lex::parse_u32(&s[..end]).ok_or(lex::bad_number(header))?;
    Ok((n, &s[end..]))
}

/// Reads `LWS Method` at the start of `s` up to the end of the value.
fn trailing_method(s: &str, header: &'static str) -> Result<Method, HeaderError> {
    if !s
        .as_bytes()
        .first()
        .is_some_and(|&b| lex::is_ws(char::from(b)))
    {
        return Err(malformed(header, "expected whitespace before the method"));
    }
    let m = lex::trim(s);
    if !lex::is_token(m) {
        return Err(malformed(header, "bad method"));
    }
    Ok(Method::from_token(m))
}

/// The CSeq header (RFC 3261 §20.16): `1*DIGIT LWS Method`.
///
/// The number is below 2^31 when generated (§8.1.1.5) but any value up to
/// 2^32-1 is accepted; larger values are an error (RFC 4475 §3.1.2.4
/// scalar02). Leading zeros are accepted.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct CSeq {
    /// The sequence number.
    pub seq: u32,
    /// The method, which matches the request's (§8.1.1.5).
    pub method: Method,
}

impl CSeq {
    /// A CSeq.
    pub fn new(seq: u32, method: Method) -> CSeq {
        CSeq { seq, method }
    }

    /// The method token of the usual value, `1*9DIGIT SP token`, which
    /// [`CSeq::parse`] accepts with `Method::from_token` of that token;
    /// `None` for any other value (then [`CSeq::parse`] judges it).
    #[inline]
    pub(crate) fn plain_method(value: &str) -> Option<&str> {
        let b = value.as_bytes();
        let d = b.iter().take(9).take_while(|c| c.is_ascii_digit()).count();
        if d == 0 || b.get(d) != Some(&b' ') {
            return None;
        }
        // `b[d]` is ASCII: a char boundary.
        let m = value.get(d + 1..)?;
        // A known method's name is a token.
        (known_method(m.as_bytes()).is_some()
            || !m.is_empty()
                && crate::uri::chars::run(m.as_bytes(), 0, &crate::uri::chars::TOKEN) == m.len())
        .then_some(m)
    }
}

/// [`Method::from_token`] of `m` when it is a known method's name,
/// compared here at once (no call); `None` for any other token.
#[inline(always)]
fn known_method(m: &[u8]) -> Option<Method> {
    Some(match m {
        b"INVITE" => Method::Invite,
        b"ACK" => Method::Ack,
        b"BYE" => Method::Bye,
        b"CANCEL" => Method::Cancel,
        b"OPTIONS" => Method::Options,
        b"REGISTER" => Method::Register,
        b"PRACK" => Method::Prack,
        b"SUBSCRIBE" => Method::Subscribe,
        b"NOTIFY" => Method::Notify,
        b"PUBLISH" => Method::Publish,
        b"INFO" => Method::Info,
        b"REFER" => Method::Refer,
        b"MESSAGE" => Method::Message,
        b"UPDATE" => Method::Update,
        _ => return None,
    })
}

impl TypedHeader for CSeq {
    const NAME: HeaderName = HeaderName::CSeq;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        // The usual `1*9DIGIT SP token`, read in one pass; the same value
        // as below.
        let b = value.as_bytes();
        let mut d = 0;
        let mut seq = 0u32;
        // At most nine digits: no overflow.
        while d < 9 {
            let x = match b.get(d) {
                Some(&c) if c.is_ascii_digit() => c - b'0',
                _ => break,
            };
            seq = seq * 10 + u32::from(x);
            d += 1;
        }
        let m = d + 1;
        if d > 0 && b.get(d) == Some(&b' ') && m < b.len() {
            if let Some(method) = known_method(&b[m..]) {
                return Ok(CSeq { seq, method });
            }
            // A known method name is a token; another must be checked.
            let method = Method::from_token(&value[m..]);
            if !matches!(method, Method::Extension(_))
                || crate::uri::chars::run(b, m, &crate::uri::chars::TOKEN) == b.len() - m
            {
                return Ok(CSeq { seq, method });
            }
        }
        let s = lex::non_empty(value, "CSeq")?;
        let (seq, rest) = leading_u32(s, "CSeq")?;
        let method = trailing_method(rest, "CSeq")?;
        Ok(CSeq { seq, method })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// The RAck header (RFC 3262 §7.2): `response-num LWS CSeq-num LWS
/// Method`, acknowledging a reliable provisional response in a PRACK.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct RAck {
    /// The RSeq of the acknowledged response.
    pub rseq: u32,
    /// The CSeq number of the acknowledged response.
    pub cseq: u32,
    /// The CSeq method of the acknowledged response.
    pub method: Method,
}

impl TypedHeader for RAck {
    const NAME: HeaderName = HeaderName::RAck;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let s = lex::non_empty(value, "RAck")?;
        let (rseq, rest) = leading_u32(s, "RAck")?;
        if !rest.starts_with(lex::is_ws) {
            return Err(malformed(
                "RAck",
                "expected whitespace after the RSeq number",
            ));
        }
        let (cseq, rest) = leading_u32(lex::trim_start(rest), "RAck")?;
        let method = trailing_method(rest, "RAck")?;
        Ok(RAck { rseq, cseq, method })
    }
}

impl fmt::Display for RAck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.rseq, self.cseq, self.method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// What the usual-value reader takes, `CSeq::parse` takes with the
        /// method of that token.
        #[test]
        fn plain_method_agrees_with_parse(s in "[0-9]{0,11}[ \t]{0,2}(INVITE|ACK|BYE|FOO|inv-ite|x y|[a-z<;,]{0,4}) ?") {
            if let Some(t) = CSeq::plain_method(&s) {
                let c = CSeq::parse(&s);
                proptest::prop_assert!(c.is_ok(), "{s:?}");
                proptest::prop_assert_eq!(c.unwrap().method, Method::from_token(t));
            }
        }
    }

    proptest::proptest! {
        /// The names compared at once are exactly the known methods, as
        /// `Method::from_token` reads them (case-sensitive).
        #[test]
        fn known_method_agrees_with_from_token(
            s in "(INVITE|ACK|BYE|CANCEL|OPTIONS|REGISTER|PRACK|SUBSCRIBE|NOTIFY|PUBLISH|INFO|REFER|MESSAGE|UPDATE|invite|Bye|[A-Z]{0,9})",
        ) {
            let general = Method::from_token(&s);
            let want = (!matches!(general, Method::Extension(_))).then_some(general);
            proptest::prop_assert_eq!(known_method(s.as_bytes()), want);
        }
    }

    #[test]
    fn cseq() {
        assert_eq!(
            CSeq::parse("314159 INVITE"),
            Ok(CSeq::new(314159, Method::Invite))
        );
        assert_eq!(
            CSeq::parse("  0009 \t ACK  "),
            Ok(CSeq::new(9, Method::Ack))
        );
        assert_eq!(
            CSeq::parse("4294967295 REGISTER"),
            Ok(CSeq::new(u32::MAX, Method::Register))
        );
        let c = CSeq::parse("1 NEWMETHOD").unwrap();
        assert_eq!(c.method, Method::Extension("NEWMETHOD".into()));
        assert_eq!(c.to_string(), "1 NEWMETHOD");
        assert_eq!(CSeq::parse("0009 ACK").unwrap().to_string(), "9 ACK");
    }

    proptest::proptest! {
        /// The one-pass reading agrees with the general one.
        #[test]
        fn fast_cseq_agrees(s in "[ \t]?[0-9]{0,11}[ \t]{0,2}(INVITE|ACK|x-y|a/b|)[ \t]?") {
            let general = lex::non_empty(&s, "CSeq").and_then(|t| {
                let (seq, rest) = leading_u32(t, "CSeq")?;
                Ok(CSeq { seq, method: trailing_method(rest, "CSeq")? })
            });
            proptest::prop_assert_eq!(CSeq::parse(&s), general);
        }
    }

    #[test]
    fn cseq_errors() {
        for bad in [
            "",
            "INVITE",
            "1",
            "1 ",
            "1INVITE",
            "-1 INVITE",
            "+1 INVITE",
            "36893488147419103232 REGISTER", // RFC 4475 §3.1.2.4 scalar02
            "4294967296 INVITE",
            "1 INVITE extra",
            "1 INV/TE",
            "1.5 INVITE",
        ] {
            assert!(CSeq::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            CSeq::parse("4294967296 INVITE"),
            Err(HeaderError::BadNumber { header: "CSeq" })
        );
    }

    #[test]
    fn rack() {
        let r = RAck::parse("776656 1 INVITE").unwrap();
        assert_eq!(
            r,
            RAck {
                rseq: 776656,
                cseq: 1,
                method: Method::Invite
            }
        );
        assert_eq!(r.to_string(), "776656 1 INVITE");
        assert_eq!(RAck::parse(" 1  2\tPRACK ").unwrap().method, Method::Prack);
        for bad in [
            "",
            "1",
            "1 2",
            "1 INVITE",
            "12 INVITE",
            "1 2 3 INVITE",
            "1 99999999999 INVITE",
        ] {
            assert!(RAck::parse(bad).is_err(), "{bad:?}");
        }
    }
}
