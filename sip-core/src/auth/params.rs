//! The `scheme auth-param, auth-param, ...` syntax shared by challenges
//! and credentials (RFC 3261 §25.1 `challenge` / `credentials`, RFC 7235
//! §2.1).
//!
//! ```text
//! challenge   = ("Digest" LWS digest-cln *(COMMA digest-cln)) / other-challenge
//! auth-param  = auth-param-name EQUAL ( token / quoted-string )
//! ```
//!
//! The parser is deliberately a little more liberal than the grammar where
//! deployed servers are: an unquoted value may hold any character except
//! whitespace, `,` and `"` (base64 nonces are often sent unquoted), and
//! empty list elements (`a=1,,b=2`) are skipped as RFC 7230 §7 asks. It is
//! strict where ambiguity would be dangerous: a parameter named twice is an
//! error, and so is anything after an unterminated quote.

use core::fmt;

/// Limits on attacker-controlled sizes in authentication headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthLimits {
    /// Longest header value accepted, in bytes.
    pub max_value_len: usize,
    /// Most auth-params accepted in one value.
    pub max_params: usize,
}

impl Default for AuthLimits {
    fn default() -> Self {
        AuthLimits {
            max_value_len: 4096,
            max_params: 32,
        }
    }
}

/// Why an authentication header value did not parse.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthParseError {
    /// The value is empty or only whitespace.
    #[error("empty authentication value")]
    Empty,
    /// The value does not start with an auth-scheme token.
    #[error("missing authentication scheme")]
    MissingScheme,
    /// The value is longer than [`AuthLimits::max_value_len`].
    #[error("authentication value of {len} bytes exceeds the limit of {max}")]
    TooLong {
        /// Length of the value.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// More parameters than [`AuthLimits::max_params`].
    #[error("more than {max} authentication parameters")]
    TooManyParams {
        /// The configured limit.
        max: usize,
    },
    /// A parameter appears twice.
    #[error("parameter {0:?} appears more than once")]
    DuplicateParam(String),
    /// A quoted-string without its closing quote.
    #[error("unterminated quoted-string")]
    UnterminatedQuote,
    /// Something else that does not follow the grammar.
    #[error("malformed authentication parameters at byte {at}: {reason}")]
    Malformed {
        /// Byte offset in the value.
        at: usize,
        /// What was expected.
        reason: &'static str,
    },
}

/// One `name=value` auth-param.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AuthParam {
    /// The parameter name as written (compared case-insensitively).
    pub name: String,
    /// The value, with quotes removed and quoted-pairs unescaped.
    pub value: String,
    /// True when the value was written as a quoted-string.
    pub quoted: bool,
}

impl AuthParam {
    /// A parameter written as a token (`algorithm=MD5`).
    pub fn token(name: impl Into<String>, value: impl Into<String>) -> Self {
        AuthParam {
            name: name.into(),
            value: value.into(),
            quoted: false,
        }
    }

    /// A parameter written as a quoted-string (`realm="x"`).
    pub fn quoted(name: impl Into<String>, value: impl Into<String>) -> Self {
        AuthParam {
            name: name.into(),
            value: value.into(),
            quoted: true,
        }
    }
}

impl fmt::Display for AuthParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        f.write_str("=")?;
        if self.quoted {
            write_quoted(f, &self.value)
        } else {
            f.write_str(&self.value)
        }
    }
}

/// A scheme and its auth-params: one challenge or one set of credentials.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AuthValue {
    /// The auth-scheme as written (`Digest`); compare case-insensitively.
    pub scheme: String,
    /// The parameters in order.
    pub params: Vec<AuthParam>,
}

impl AuthValue {
    /// Parses one challenge or credentials value with default limits.
    pub fn parse(value: &str) -> Result<AuthValue, AuthParseError> {
        Self::parse_with_limits(value, &AuthLimits::default())
    }

    /// Parses one challenge or credentials value.
    pub fn parse_with_limits(
        value: &str,
        limits: &AuthLimits,
    ) -> Result<AuthValue, AuthParseError> {
        if value.len() > limits.max_value_len {
            return Err(AuthParseError::TooLong {
                len: value.len(),
                max: limits.max_value_len,
            });
        }
        let b = value.as_bytes();
        let mut i = skip_ws(b, 0);
        if i == b.len() {
            return Err(AuthParseError::Empty);
        }
        let scheme_end = scan_token(b, i);
        if scheme_end == i {
            return Err(AuthParseError::MissingScheme);
        }
        let scheme = value[i..scheme_end].to_owned();
        i = scheme_end;
        let mut params: Vec<AuthParam> = Vec::new();
        if i < b.len() && !is_ws(b[i]) {
            return Err(AuthParseError::Malformed {
                at: i,
                reason: "expected whitespace after the scheme",
            });
        }
        loop {
            // Skip whitespace and empty list elements.
            loop {
                i = skip_ws(b, i);
                if i < b.len() && b[i] == b',' {
                    i += 1;
                } else {
                    break;
                }
            }
            if i == b.len() {
                break;
            }
            let name_end = scan_token(b, i);
            if name_end == i {
                return Err(AuthParseError::Malformed {
                    at: i,
                    reason: "expected a parameter name",
                });
            }
            let name = &value[i..name_end];
            i = skip_ws(b, name_end);
            if i == b.len() || b[i] != b'=' {
                return Err(AuthParseError::Malformed {
                    at: i,
                    reason: "expected '=' after the parameter name",
                });
            }
            i = skip_ws(b, i + 1);
            let (val, quoted, end) = if i < b.len() && b[i] == b'"' {
                let (v, end) = parse_quoted(value, i)?;
                (v, true, end)
            } else {
                let end = b[i..]
                    .iter()
                    .position(|&c| is_ws(c) || c == b',' || c == b'"')
                    .map_or(b.len(), |p| i + p);
                if end == i {
                    return Err(AuthParseError::Malformed {
                        at: i,
                        reason: "expected a parameter value",
                    });
                }
                (value[i..end].to_owned(), false, end)
            };
            if params.iter().any(|p| p.name.eq_ignore_ascii_case(name)) {
                return Err(AuthParseError::DuplicateParam(name.to_owned()));
            }
            if params.len() == limits.max_params {
                return Err(AuthParseError::TooManyParams {
                    max: limits.max_params,
                });
            }
            params.push(AuthParam {
                name: name.to_owned(),
                value: val,
                quoted,
            });
            i = skip_ws(b, end);
            if i < b.len() && b[i] != b',' {
                return Err(AuthParseError::Malformed {
                    at: i,
                    reason: "expected ',' between parameters",
                });
            }
        }
        Ok(AuthValue { scheme, params })
    }

    /// True when the scheme is `scheme` (case-insensitive, RFC 7235 §2.1).
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The parameter named `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&AuthParam> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The unquoted value of the parameter named `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.param(name).map(|p| p.value.as_str())
    }
}

impl fmt::Display for AuthValue {
    /// Writes `Scheme a=b, c="d"`, re-escaping quoted values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        for (n, p) in self.params.iter().enumerate() {
            f.write_str(if n == 0 { " " } else { ", " })?;
            p.fmt(f)?;
        }
        Ok(())
    }
}

/// Writes `s` as a quoted-string, escaping `"` and `\` (RFC 3261 §25.1
/// `quoted-pair`).
pub(crate) fn write_quoted(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        if c == '"' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    i
}

/// RFC 3261 §25.1 `token` characters.
fn is_token_char(c: u8) -> bool {
    crate::header::lex::is_token_byte(c)
}

fn scan_token(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_token_char(b[i]) {
        i += 1;
    }
    i
}

/// Parses the quoted-string starting at `start` (a `"`); returns the
/// unescaped content and the index just past the closing quote.
fn parse_quoted(s: &str, start: usize) -> Result<(String, usize), AuthParseError> {
    let mut out = String::new();
    let mut chars = s[start + 1..].char_indices();
    while let Some((off, c)) = chars.next() {
        match c {
            '"' => return Ok((out, start + 1 + off + 1)),
            '\\' => match chars.next() {
                Some((_, esc)) => out.push(esc),
                None => return Err(AuthParseError::UnterminatedQuote),
            },
            _ => out.push(c),
        }
    }
    Err(AuthParseError::UnterminatedQuote)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mixed_params() {
        let v = AuthValue::parse(
            "Digest realm=\"x\", nonce=\"y\", qop=\"auth,auth-int\", algorithm=SHA-256, stale=true, opaque=\"z\"",
        )
        .unwrap();
        assert!(v.is_scheme("digest"));
        assert_eq!(v.get("REALM"), Some("x"));
        assert_eq!(v.get("qop"), Some("auth,auth-int"));
        assert_eq!(v.get("algorithm"), Some("SHA-256"));
        assert!(!v.param("algorithm").unwrap().quoted);
        assert!(v.param("opaque").unwrap().quoted);
        assert_eq!(v.params.len(), 6);
    }

    #[test]
    fn tolerates_whitespace_and_empty_elements() {
        let v = AuthValue::parse("  Digest \t realm = \"a b\" ,, nonce=abc/+==  ,  ").unwrap();
        assert_eq!(v.get("realm"), Some("a b"));
        assert_eq!(v.get("nonce"), Some("abc/+=="));
        let v = AuthValue::parse("Digest").unwrap();
        assert!(v.params.is_empty());
    }

    #[test]
    fn unescapes_and_reescapes_quoted_pairs() {
        let v = AuthValue::parse(r#"Digest realm="a\"b\\c", nonce="n,1""#).unwrap();
        assert_eq!(v.get("realm"), Some("a\"b\\c"));
        assert_eq!(v.get("nonce"), Some("n,1"));
        assert_eq!(v.to_string(), r#"Digest realm="a\"b\\c", nonce="n,1""#);
        assert_eq!(AuthValue::parse(&v.to_string()).unwrap(), v);
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(AuthValue::parse("   "), Err(AuthParseError::Empty));
        assert_eq!(AuthValue::parse("=x"), Err(AuthParseError::MissingScheme));
        assert_eq!(
            AuthValue::parse("Digest realm=\"x"),
            Err(AuthParseError::UnterminatedQuote)
        );
        assert_eq!(
            AuthValue::parse("Digest realm=\"x\\"),
            Err(AuthParseError::UnterminatedQuote)
        );
        assert!(matches!(
            AuthValue::parse("Digest realm"),
            Err(AuthParseError::Malformed { .. })
        ));
        assert!(matches!(
            AuthValue::parse("Digest realm="),
            Err(AuthParseError::Malformed { .. })
        ));
        assert!(matches!(
            AuthValue::parse("Digest realm=\"x\" nonce=\"y\""),
            Err(AuthParseError::Malformed { .. })
        ));
        assert!(matches!(
            AuthValue::parse("Digest,realm=x"),
            Err(AuthParseError::Malformed { .. })
        ));
        assert_eq!(
            AuthValue::parse("Digest realm=x, Realm=y"),
            Err(AuthParseError::DuplicateParam("Realm".into()))
        );
    }

    #[test]
    fn enforces_limits() {
        let limits = AuthLimits {
            max_value_len: 20,
            max_params: 2,
        };
        assert_eq!(
            AuthValue::parse_with_limits("Digest a=1, b=2, c=3", &limits),
            Err(AuthParseError::TooManyParams { max: 2 })
        );
        assert_eq!(
            AuthValue::parse_with_limits("Digest a=1, b=2, c=34", &limits),
            Err(AuthParseError::TooLong { len: 21, max: 20 })
        );
        assert!(AuthValue::parse_with_limits("Digest a=1, b=2", &limits).is_ok());
    }
}
