//! The ordered header list of a message (RFC 3261 §7.3).

use super::{HeaderError, HeaderName, TypedHeader};
use core::fmt;

/// One header field line: a name and its value with folding collapsed and
/// surrounding whitespace trimmed (RFC 3261 §7.3.1).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Header {
    /// The field name.
    pub name: HeaderName,
    /// The field value as written, possibly holding several comma-separated
    /// values.
    pub value: String,
}

/// The ordered header fields of a message.
///
/// Order is kept, including across names, so unknown headers survive and
/// messages round-trip. Lookups compare names case-insensitively and treat
/// compact forms as their long names.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Headers(Vec<Header>);

impl Headers {
    /// An empty list.
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// An empty list with room for `n` fields.
    pub fn with_capacity(n: usize) -> Self {
        Headers(Vec::with_capacity(n))
    }

    /// Number of header lines.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no header line.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over the header lines in order.
    pub fn iter(&self) -> core::slice::Iter<'_, Header> {
        self.0.iter()
    }

    /// Appends a header line.
    pub fn push(&mut self, name: HeaderName, value: impl Into<String>) {
        self.0.push(Header {
            name,
            value: value.into(),
        });
    }

    /// Inserts a header line before every other line of the same name, or
    /// at the end if there is none (used for Via, RFC 3261 §8.1.1.7, and
    /// Record-Route, §16.6).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<String>) {
        let at = self
            .0
            .iter()
            .position(|h| h.name == name)
            .unwrap_or(self.0.len());
        self.0.insert(
            at,
            Header {
                name,
                value: value.into(),
            },
        );
    }

    /// The value of the first line named `name`.
    pub fn get(&self, name: &HeaderName) -> Option<&str> {
        self.0
            .iter()
            .find(|h| &h.name == name)
            .map(|h| h.value.as_str())
    }

    /// Mutable access to the first line named `name`.
    pub fn get_mut(&mut self, name: &HeaderName) -> Option<&mut String> {
        self.0
            .iter_mut()
            .find(|h| &h.name == name)
            .map(|h| &mut h.value)
    }

    /// True when at least one line is named `name`.
    pub fn contains(&self, name: &HeaderName) -> bool {
        self.0.iter().any(|h| &h.name == name)
    }

    /// Every line named `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |h| &h.name == name)
            .map(|h| h.value.as_str())
    }

    /// Every value of `name`: each line split at commas outside quotes and
    /// angle brackets (RFC 3261 §7.3.1), trimmed, empty pieces skipped.
    pub fn values<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.get_all(name).flat_map(split_comma)
    }

    /// Number of lines named `name`.
    pub fn count(&self, name: &HeaderName) -> usize {
        self.0.iter().filter(|h| &h.name == name).count()
    }

    /// Removes every line named `name`; returns how many were removed.
    pub fn remove(&mut self, name: &HeaderName) -> usize {
        let before = self.0.len();
        self.0.retain(|h| &h.name != name);
        before - self.0.len()
    }

    /// Inserts a header line before every other line.
    pub fn prepend(&mut self, name: HeaderName, value: impl Into<String>) {
        self.0.insert(
            0,
            Header {
                name,
                value: value.into(),
            },
        );
    }

    /// Removes and returns the first line named `name`.
    pub fn remove_first(&mut self, name: &HeaderName) -> Option<String> {
        let i = self.0.iter().position(|h| &h.name == name)?;
        Some(self.0.remove(i).value)
    }

    /// Replaces every line named `name` by one line with `value`, kept at
    /// the position of the first former line (or appended).
    pub fn set(&mut self, name: HeaderName, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter().position(|h| h.name == name) {
            Some(i) => {
                self.0[i].value = value;
                let mut j = i + 1;
                while j < self.0.len() {
                    if self.0[j].name == name {
                        self.0.remove(j);
                    } else {
                        j += 1;
                    }
                }
            }
            None => self.push(name, value),
        }
    }

    /// The first value of the typed header `T`, parsed. For list headers
    /// (`T::LIST`), the first comma-separated value of the first line.
    pub fn typed<T: TypedHeader>(&self) -> Option<Result<T, HeaderError>> {
        if T::LIST {
            self.values(&T::NAME).next().map(T::parse)
        } else {
            self.get(&T::NAME).map(T::parse)
        }
    }

    /// Every value of the typed header `T`, parsed, in order.
    pub fn typed_all<'a, T: TypedHeader + 'a>(
        &'a self,
    ) -> impl Iterator<Item = Result<T, HeaderError>> + 'a {
        let list = T::LIST;
        self.0
            .iter()
            .filter(|h| h.name == T::NAME)
            .map(|h| h.value.as_str())
            .flat_map(move |line| {
                let mut v: smallvec::SmallVec<[&str; 2]> = smallvec::SmallVec::new();
                if list {
                    v.extend(split_comma(line));
                } else {
                    v.push(line);
                }
                v
            })
            .map(T::parse)
    }

    /// Replaces every line of `T`'s name by the serialization of `value`.
    pub fn set_typed<T: TypedHeader>(&mut self, value: &T) {
        self.set(T::NAME, value.to_string());
    }

    /// Appends `value` as a new line.
    pub fn push_typed<T: TypedHeader>(&mut self, value: &T) {
        self.push(T::NAME, value.to_string());
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a Header;
    type IntoIter = core::slice::Iter<'a, Header>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<Header> for Headers {
    fn from_iter<I: IntoIterator<Item = Header>>(iter: I) -> Self {
        Headers(iter.into_iter().collect())
    }
}

impl Extend<Header> for Headers {
    fn extend<I: IntoIterator<Item = Header>>(&mut self, iter: I) {
        self.0.extend(iter)
    }
}

impl fmt::Display for Headers {
    /// Writes each line as `Name: value\r\n` with the canonical long name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for h in &self.0 {
            write!(f, "{}: {}\r\n", h.name, h.value)?;
        }
        Ok(())
    }
}

/// Splits a header value at commas that are outside double quotes and
/// outside `<...>` (RFC 3261 §7.3.1); pieces are trimmed and empty pieces
/// skipped.
pub fn split_comma(s: &str) -> impl Iterator<Item = &str> {
    SplitComma { s, pos: 0 }
        .map(|p| p.trim_matches([' ', '\t']))
        .filter(|p| !p.is_empty())
}

struct SplitComma<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for SplitComma<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let b = self.s.as_bytes();
        if self.pos > b.len() {
            return None;
        }
        let start = self.pos;
        let mut i = start;
        // Jump between the bytes that matter: `,` ends a value, `"` opens
        // a quoted string (with `\` quoted-pairs), `<` opens an address.
        while let Some(off) = memchr::memchr3(b',', b'"', b'<', &b[i..]) {
            let j = i + off;
            match b[j] {
                b',' => {
                    self.pos = j + 1;
                    return Some(&self.s[start..j]);
                }
                b'"' => {
                    let mut k = j + 1;
                    loop {
                        match memchr::memchr2(b'"', b'\\', &b[k..]) {
                            Some(o) if b[k + o] == b'\\' => k = (k + o + 2).min(b.len()),
                            Some(o) => {
                                k += o + 1;
                                break;
                            }
                            None => {
                                k = b.len();
                                break;
                            }
                        }
                    }
                    i = k;
                }
                _ => {
                    i = match memchr::memchr(b'>', &b[j + 1..]) {
                        Some(o) => j + 1 + o + 1,
                        None => b.len(),
                    };
                }
            }
        }
        self.pos = b.len() + 1;
        Some(&self.s[start.min(b.len())..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_brackets() {
        let v: Vec<_> = split_comma(r#""a, b" <sip:x@y;p=1,2>;q=1 , <sip:z>,,"#).collect();
        assert_eq!(v, vec![r#""a, b" <sip:x@y;p=1,2>;q=1"#, "<sip:z>"]);
        let v: Vec<_> = split_comma(r#""q\",x", y"#).collect();
        assert_eq!(v, vec![r#""q\",x""#, "y"]);
    }

    #[test]
    fn set_replaces_all_and_keeps_position() {
        let mut h = Headers::new();
        h.push(HeaderName::Via, "a");
        h.push(HeaderName::To, "t");
        h.push(HeaderName::Via, "b");
        h.set(HeaderName::Via, "c");
        assert_eq!(h.to_string(), "Via: c\r\nTo: t\r\n");
        h.push_front(HeaderName::Via, "d");
        assert_eq!(h.get_all(&HeaderName::Via).collect::<Vec<_>>(), ["d", "c"]);
        assert_eq!(h.remove(&HeaderName::Via), 2);
    }

    #[test]
    fn values_span_lines() {
        let mut h = Headers::new();
        h.push(HeaderName::Supported, "100rel, timer");
        h.push(HeaderName::parse("k"), "replaces");
        assert_eq!(
            h.values(&HeaderName::Supported).collect::<Vec<_>>(),
            ["100rel", "timer", "replaces"]
        );
    }

    /// The byte-at-a-time definition the memchr version must agree with.
    fn reference(s: &str) -> Vec<&str> {
        let b = s.as_bytes();
        let (mut out, mut start, mut i) = (Vec::new(), 0, 0);
        let (mut in_quote, mut in_angle) = (false, false);
        while i < b.len() {
            match b[i] {
                b'\\' if in_quote => i += 1,
                b'"' if !in_angle => in_quote = !in_quote,
                b'<' if !in_quote => in_angle = true,
                b'>' if !in_quote => in_angle = false,
                b',' if !in_quote && !in_angle => {
                    out.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        out.push(&s[start.min(s.len())..]);
        out.into_iter()
            .map(|p| p.trim_matches([' ', '\t']))
            .filter(|p| !p.is_empty())
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn split_comma_matches_the_reference(s in "[a ,\"<>\\\\;=]{0,40}") {
            let fast: Vec<&str> = split_comma(&s).collect();
            proptest::prop_assert_eq!(fast, reference(&s));
        }
    }
}
