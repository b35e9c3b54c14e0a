//! Media types: Content-Type (RFC 3261 §20.15), Accept (§20.1), and the
//! `qvalue` weights used by Accept and Contact (§20.10, §25.1).

use super::lex::{self, malformed};
use super::{HeaderError, HeaderName, TypedHeader};
use crate::params::Params;
use core::fmt;

/// A `qvalue` (RFC 3261 §25.1): a preference between 0 and 1 with up to
/// three decimals, stored in thousandths so it compares exactly.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct QValue(u16);

impl QValue {
    /// q=1, the highest preference.
    pub const MAX: QValue = QValue(1000);
    /// q=0, "not acceptable".
    pub const ZERO: QValue = QValue(0);

    /// A qvalue from thousandths; `None` above 1000.
    pub const fn from_thousandths(t: u16) -> Option<QValue> {
        if t <= 1000 {
            Some(QValue(t))
        } else {
            None
        }
    }

    /// The value in thousandths (0..=1000).
    pub const fn thousandths(self) -> u16 {
        self.0
    }

    /// Parses `"0" ["." 0*3DIGIT] / "1" ["." 0*3("0")]`.
    pub fn parse(s: &str) -> Option<QValue> {
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut t: u16 = 0;
        for (i, b) in frac.bytes().enumerate() {
            t += u16::from(b - b'0') * [100, 10, 1][i];
        }
        match int {
            "0" => Some(QValue(t)),
            "1" if t == 0 => Some(QValue(1000)),
            _ => None,
        }
    }
}

impl fmt::Display for QValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1000 => f.write_str("1"),
            0 => f.write_str("0"),
            t => {
                let s = format!("{t:03}");
                write!(f, "0.{}", s.trim_end_matches('0'))
            }
        }
    }
}

/// A media type or media range (RFC 3261 §20.15 `media-type`, §20.1
/// `media-range`): `type/subtype` and parameters.
///
/// Type and subtype are tokens compared case-insensitively (RFC 3261
/// §7.3.1); `*` is allowed for ranges.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct MediaType {
    /// The top-level type (`application`), as written.
    pub ty: String,
    /// The subtype (`sdp`), as written.
    pub subtype: String,
    /// The parameters (`;charset=...`, `;q=...` for Accept).
    pub params: Params,
}

impl MediaType {
    /// A media type without parameters.
    pub fn new(ty: &str, subtype: &str) -> MediaType {
        MediaType {
            ty: ty.to_owned(),
            subtype: subtype.to_owned(),
            params: Params::new(),
        }
    }

    /// True when this is `ty/subtype`, case-insensitively, ignoring
    /// parameters (`ct.is("application", "sdp")`).
    pub fn is(&self, ty: &str, subtype: &str) -> bool {
        self.ty.eq_ignore_ascii_case(ty) && self.subtype.eq_ignore_ascii_case(subtype)
    }

    /// True when this media range (possibly `*/*` or `type/*`) covers
    /// `other` (RFC 3261 §20.1, HTTP media-range semantics).
    pub fn covers(&self, other: &MediaType) -> bool {
        (self.ty == "*" || self.ty.eq_ignore_ascii_case(&other.ty))
            && (self.subtype == "*" || self.subtype.eq_ignore_ascii_case(&other.subtype))
    }

    fn parse_in(value: &str, header: &'static str) -> Result<MediaType, HeaderError> {
        let s = lex::non_empty(value, header)?;
        let (ty, rest) = lex::split_token(s);
        let rest = lex::trim_start(rest)
            .strip_prefix('/')
            .ok_or(malformed(header, "expected type/subtype"))?;
        let (subtype, rest) = lex::split_token(lex::trim_start(rest));
        if ty.is_empty() || subtype.is_empty() {
            return Err(malformed(header, "expected type/subtype"));
        }
        let params = lex::params_only(rest, header)?;
        Ok(MediaType {
            ty: ty.to_owned(),
            subtype: subtype.to_owned(),
            params,
        })
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}{}", self.ty, self.subtype, self.params)
    }
}

/// The Content-Type header (RFC 3261 §20.15, compact form `c`).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct ContentType(pub MediaType);

impl ContentType {
    /// `application/sdp` (RFC 3264).
    pub fn sdp() -> ContentType {
        ContentType(MediaType::new("application", "sdp"))
    }

    /// True when this is `ty/subtype`, case-insensitively.
    pub fn is(&self, ty: &str, subtype: &str) -> bool {
        self.0.is(ty, subtype)
    }
}

impl core::ops::Deref for ContentType {
    type Target = MediaType;
    fn deref(&self) -> &MediaType {
        &self.0
    }
}

impl TypedHeader for ContentType {
    const NAME: HeaderName = HeaderName::ContentType;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let m = MediaType::parse_in(value, "Content-Type")?;
        if m.ty == "*" || m.subtype == "*" {
            return Err(malformed("Content-Type", "wildcard in a media type"));
        }
        Ok(ContentType(m))
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One media range of the Accept header (RFC 3261 §20.1). An empty Accept
/// header means no body is acceptable; it yields no values.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Accept(pub MediaType);

impl Accept {
    /// The `q` preference, default 1 when absent; `None` when malformed.
    pub fn q(&self) -> Option<QValue> {
        match self.0.params.get("q") {
            None => Some(QValue::MAX),
            Some(v) => QValue::parse(v),
        }
    }

    /// True when this range covers `media` with a non-zero preference.
    pub fn accepts(&self, media: &MediaType) -> bool {
        self.0.covers(media) && self.q().is_some_and(|q| q > QValue::ZERO)
    }
}

impl core::ops::Deref for Accept {
    type Target = MediaType;
    fn deref(&self) -> &MediaType {
        &self.0
    }
}

impl TypedHeader for Accept {
    const NAME: HeaderName = HeaderName::Accept;
    const LIST: bool = true;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let m = MediaType::parse_in(value, "Accept")?;
        if m.ty == "*" && m.subtype != "*" {
            return Err(malformed("Accept", "bad media range"));
        }
        Ok(Accept(m))
    }
}

impl fmt::Display for Accept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qvalues() {
        assert_eq!(QValue::parse("1"), Some(QValue::MAX));
        assert_eq!(QValue::parse("1.000"), Some(QValue::MAX));
        assert_eq!(QValue::parse("0.7"), QValue::from_thousandths(700));
        assert_eq!(QValue::parse("0.075"), QValue::from_thousandths(75));
        assert_eq!(QValue::parse("0."), Some(QValue::ZERO));
        for bad in ["1.001", "2", "0.1234", "", ".5", "0.a", "-0"] {
            assert_eq!(QValue::parse(bad), None, "{bad:?}");
        }
        for t in 0..=1000 {
            let q = QValue::from_thousandths(t).unwrap();
            assert_eq!(QValue::parse(&q.to_string()), Some(q));
        }
        assert_eq!(QValue::from_thousandths(50).unwrap().to_string(), "0.05");
        assert_eq!(QValue::from_thousandths(1001), None);
    }

    #[test]
    fn content_type() {
        let c = ContentType::parse("Application/SDP").unwrap();
        assert!(c.is("application", "sdp"));
        assert_eq!(c.to_string(), "Application/SDP");
        let c = ContentType::parse(" multipart / mixed ; boundary = \"unique;boundary\" ").unwrap();
        assert!(c.is("multipart", "mixed"));
        assert_eq!(c.params.get("boundary"), Some("unique;boundary"));
        assert_eq!(
            c.to_string(),
            "multipart/mixed;boundary=\"unique;boundary\""
        );
        assert_eq!(ContentType::parse(&c.to_string()), Ok(c));
        assert_eq!(ContentType::sdp().to_string(), "application/sdp");
        for bad in [
            "",
            "application",
            "application/",
            "/sdp",
            "*/*",
            "text/plain junk",
            "a/b;;",
        ] {
            assert!(ContentType::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn accept() {
        let sdp = MediaType::new("application", "sdp");
        let a = Accept::parse("application/*;q=0.5").unwrap();
        assert!(a.accepts(&sdp));
        assert_eq!(a.q(), QValue::from_thousandths(500));
        assert!(Accept::parse("*/*").unwrap().accepts(&sdp));
        assert!(!Accept::parse("text/*").unwrap().accepts(&sdp));
        assert!(!Accept::parse("application/sdp;q=0").unwrap().accepts(&sdp));
        assert!(Accept::parse("*/sdp").is_err());
    }
}
