//! Generic `;name=value` parameters of URIs and headers (RFC 3261 §19.1.1,
//! §25.1 `generic-param`).
//!
//! Names compare case-insensitively; values are kept exactly as written
//! (a quoted-string keeps its quotes), so parameters round-trip.

use core::fmt;
use smallvec::SmallVec;

/// One parameter: a name and an optional value.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Param {
    /// The parameter name as written.
    pub name: String,
    /// The value as written, quotes included; `None` for a flag (`;lr`).
    pub value: Option<String>,
}

/// An ordered list of parameters.
#[derive(Clone, PartialEq, Eq, Debug, Default, Hash)]
pub struct Params(SmallVec<[Param; 4]>);

impl Params {
    /// An empty list.
    pub fn new() -> Self {
        Params(SmallVec::new())
    }

    /// True when there is no parameter.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Iterates in order.
    pub fn iter(&self) -> impl Iterator<Item = &Param> {
        self.0.iter()
    }

    /// The parameter named `name` (case-insensitive).
    pub fn find(&self, name: &str) -> Option<&Param> {
        self.0.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// True when a parameter named `name` is present, with or without value.
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// The value of `name`, if present with a value. Quotes are stripped
    /// from a quoted-string value (escapes are left as written).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.find(name)
            .and_then(|p| p.value.as_deref())
            .map(unquote)
    }

    /// Sets `name` to `value`, replacing an existing parameter of that name
    /// in place or appending a new one.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(str::to_owned);
        if let Some(p) = self
            .0
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        {
            p.value = value;
        } else {
            self.0.push(Param {
                name: name.to_owned(),
                value,
            });
        }
    }

    /// Appends a parameter without checking for duplicates.
    pub fn push(&mut self, name: impl Into<String>, value: Option<String>) {
        self.0.push(Param {
            name: name.into(),
            value,
        });
    }

    /// Removes every parameter named `name`; returns whether one was removed.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|p| !p.name.eq_ignore_ascii_case(name));
        before != self.0.len()
    }

    /// Parses `;a=b;c` parameters from the start of `s` (which must begin
    /// with `;` or be empty). Stops at the first character that is not part
    /// of a parameter list and a character in `stop` (outside quotes); returns
    /// the parameters and the unparsed rest.
    ///
    /// Empty names (`;;`) are an error, as in RFC 4475 §3.1.2.1.
    pub fn parse_prefix<'a>(s: &'a str, stop: &[u8]) -> Result<(Params, &'a str), ParamError> {
        let mut out = Params::new();
        let rest = Params::visit_prefix(s, stop, |name, value| {
            out.0.push(Param {
                name: name.to_owned(),
                value: value.map(str::to_owned),
            });
        })?;
        Ok((out, rest))
    }

    /// The grammar of [`Params::parse_prefix`] without building anything:
    /// calls `f(name, value)` for each parameter in order and returns the
    /// unparsed rest. Parse-time checks use it to validate without
    /// allocating.
    pub(crate) fn visit_prefix<'a>(
        mut s: &'a str,
        stop: &[u8],
        mut f: impl FnMut(&'a str, Option<&'a str>),
    ) -> Result<&'a str, ParamError> {
        loop {
            let t = s.trim_start_matches([' ', '\t']);
            let Some(rest) = t.strip_prefix(';') else {
                return Ok(s);
            };
            let rest = rest.trim_start_matches([' ', '\t']);
            let name_end = rest
                .find(|c: char| {
                    c == '='
                        || c == ';'
                        || c == ' '
                        || c == '\t'
                        || (c.is_ascii() && stop.contains(&(c as u8)))
                })
                .unwrap_or(rest.len());
            let name = &rest[..name_end];
            if name.is_empty() {
                return Err(ParamError::EmptyName);
            }
            let mut after = rest[name_end..].trim_start_matches([' ', '\t']);
            let mut value = None;
            if let Some(v) = after.strip_prefix('=') {
                let v = v.trim_start_matches([' ', '\t']);
                let end = if v.starts_with('"') {
                    quoted_end(v).ok_or(ParamError::UnterminatedQuote)?
                } else {
                    v.find(|c: char| {
                        c == ';'
                            || c == ' '
                            || c == '\t'
                            || (c.is_ascii() && stop.contains(&(c as u8)))
                    })
                    .unwrap_or(v.len())
                };
                if end == 0 {
                    return Err(ParamError::EmptyValue);
                }
                value = Some(&v[..end]);
                after = &v[end..];
            }
            f(name, value);
            s = after;
        }
    }
}

impl<'a> IntoIterator for &'a Params {
    type Item = &'a Param;
    type IntoIter = core::slice::Iter<'a, Param>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            f.write_str(";")?;
            f.write_str(&p.name)?;
            if let Some(v) = &p.value {
                f.write_str("=")?;
                f.write_str(v)?;
            }
        }
        Ok(())
    }
}

/// Why a parameter list did not parse.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParamError {
    /// `;;` or `;=x`: a parameter without a name.
    #[error("parameter with an empty name")]
    EmptyName,
    /// `;a=` with nothing after the `=`.
    #[error("parameter with an empty value")]
    EmptyValue,
    /// A quoted value without its closing quote.
    #[error("unterminated quoted parameter value")]
    UnterminatedQuote,
}

/// Given `s` starting with `"`, the index just past the closing quote,
/// honouring `\` quoted-pairs (RFC 3261 §25.1).
pub(crate) fn quoted_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Strips surrounding double quotes, if both are present.
pub fn unquote(s: &str) -> &str {
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        let (p, rest) =
            Params::parse_prefix(";branch=z9hG4bK1;rport;Received=\"a;b\"", b",").unwrap();
        assert_eq!(rest, "");
        assert_eq!(p.get("BRANCH"), Some("z9hG4bK1"));
        assert!(p.contains("rport"));
        assert_eq!(p.get("rport"), None);
        assert_eq!(p.get("received"), Some("a;b"));
        assert_eq!(p.to_string(), ";branch=z9hG4bK1;rport;Received=\"a;b\"");
    }

    #[test]
    fn stops_at_stop_chars() {
        let (p, rest) = Params::parse_prefix(";lr>;tag=1", b">").unwrap();
        assert!(p.contains("lr"));
        assert_eq!(rest, ">;tag=1");
    }

    #[test]
    fn rejects_empty() {
        assert_eq!(Params::parse_prefix(";;", b""), Err(ParamError::EmptyName));
        assert_eq!(
            Params::parse_prefix(";a=", b""),
            Err(ParamError::EmptyValue)
        );
        assert_eq!(
            Params::parse_prefix(";a=\"x", b""),
            Err(ParamError::UnterminatedQuote)
        );
    }

    #[test]
    fn set_replaces_in_place() {
        let mut p = Params::new();
        p.set("tag", Some("a"));
        p.set("lr", None);
        p.set("TAG", Some("b"));
        assert_eq!(p.to_string(), ";tag=b;lr");
        assert!(p.remove("tag"));
        assert_eq!(p.to_string(), ";lr");
    }
}
