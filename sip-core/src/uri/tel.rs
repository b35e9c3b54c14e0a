//! `tel:` URIs (RFC 3966 §3):
//!
//! ```text
//! telephone-uri = "tel:" telephone-subscriber
//! global-number = global-number-digits *par
//! local-number  = local-number-digits *par context *par
//! ```
//!
//! The number grammar is enforced; the RFC 3966 requirement that a local
//! number carry `phone-context` is not (peers omit it), see
//! [`TelUri::phone_context`].

use super::sip::scan;
use super::{chars, scheme_end, TelUri, UriError};
use crate::params::Params;
use core::fmt;
use core::str::FromStr;

/// `visual-separator = "-" / "." / "(" / ")"`.
fn is_separator(c: u8) -> bool {
    matches!(c, b'-' | b'.' | b'(' | b')')
}

/// Checks `global-number-digits = "+" *phonedigit DIGIT *phonedigit` or
/// `local-number-digits = *phonedigit-hex (HEXDIG / "*" / "#") *phonedigit-hex`.
fn valid_number(n: &[u8]) -> bool {
    if let Some(digits) = n.strip_prefix(b"+") {
        digits
            .iter()
            .all(|&c| c.is_ascii_digit() || is_separator(c))
            && digits.iter().any(u8::is_ascii_digit)
    } else {
        n.iter()
            .all(|&c| c.is_ascii_hexdigit() || matches!(c, b'*' | b'#') || is_separator(c))
            && n.iter().any(|&c| !is_separator(c))
    }
}

impl TelUri {
    /// Parses a `tel:` URI (scheme case-insensitive).
    pub fn parse(s: &str) -> Result<TelUri, UriError> {
        let colon = scheme_end(s.as_bytes())?;
        if !s[..colon].eq_ignore_ascii_case("tel") {
            return Err(UriError::UnexpectedScheme);
        }
        TelUri::parse_body(s, colon + 1)
    }

    /// Parses `s[start..]`, the part after `tel:`.
    pub(crate) fn parse_body(s: &str, start: usize) -> Result<TelUri, UriError> {
        let b = s.as_bytes();
        let end = memchr::memchr(b';', &b[start..]).map_or(b.len(), |e| e + start);
        if !valid_number(&b[start..end]) {
            return Err(UriError::BadTelNumber { offset: start });
        }
        let mut params = Params::new();
        let mut i = end;
        while i < b.len() {
            // b[i] == ';'
            let n0 = i + 1;
            let n1 = n0 + chars::run(b, n0, &chars::TEL_PNAME);
            if n1 == n0 {
                return Err(UriError::BadParam { offset: n0 });
            }
            let name = &s[n0..n1];
            i = n1;
            let mut value = None;
            if b.get(i) == Some(&b'=') {
                let v0 = i + 1;
                // isdn-subaddress = ";isub=" 1*uric; everything else is paramchar.
                let table = if name.eq_ignore_ascii_case("isub") {
                    &chars::TEL_URIC
                } else {
                    &chars::PARAM
                };
                let v1 = scan(b, v0, table)?;
                if v1 == v0 {
                    return Err(UriError::BadParam { offset: v0 });
                }
                value = Some(s[v0..v1].to_owned());
                i = v1;
            }
            match b.get(i) {
                None | Some(b';') => {}
                Some(_) => return Err(UriError::BadChar { offset: i }),
            }
            params.push(name, value);
        }
        Ok(TelUri {
            number: s[start..end].to_owned(),
            params,
        })
    }

    /// A global number such as `+1-201-555-0123` (no validation).
    pub fn new(number: impl Into<String>) -> TelUri {
        TelUri {
            number: number.into(),
            params: Params::new(),
        }
    }

    /// True for a global number (`+` followed by digits, RFC 3966 §5.1.4).
    pub fn is_global(&self) -> bool {
        self.number.starts_with('+')
    }

    /// The number without visual separators (`+12015550123`).
    pub fn digits(&self) -> String {
        strip_separators(&self.number)
    }

    /// The `phone-context` parameter (RFC 3966 §5.1.5).
    pub fn phone_context(&self) -> Option<&str> {
        self.params.get("phone-context")
    }

    /// The `ext` parameter (RFC 3966 §5.1.2).
    pub fn extension(&self) -> Option<&str> {
        self.params.get("ext")
    }

    /// The `isub` parameter (RFC 3966 §5.1.3).
    pub fn isub(&self) -> Option<&str> {
        self.params.get("isub")
    }
}

/// Removes the visual separators `- . ( )` (RFC 3966 §5.1.1).
pub(crate) fn strip_separators(s: &str) -> String {
    s.chars()
        .filter(|&c| !(c.is_ascii() && is_separator(c as u8)))
        .collect()
}

impl fmt::Display for TelUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tel:")?;
        f.write_str(&self.number)?;
        self.params.fmt(f)
    }
}

impl FromStr for TelUri {
    type Err = UriError;
    fn from_str(s: &str) -> Result<TelUri, UriError> {
        TelUri::parse(s)
    }
}
