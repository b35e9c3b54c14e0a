//! The ordered header list of a message (RFC 3261 §7.3).

use super::{HeaderError, HeaderName, TypedHeader};
use core::fmt;

/// One owned header field line: a name and its value with folding
/// collapsed and surrounding whitespace trimmed (RFC 3261 §7.3.1).
///
/// [`Headers`] does not store `Header`s: it keeps every value of a message
/// in one text buffer. `Header` is the owned form used to build a list
/// ([`FromIterator`], [`Extend`]) or to keep one line apart from its
/// message; [`HeaderRef`] is the borrowed form the list hands out.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Header {
    /// The field name.
    pub name: HeaderName,
    /// The field value as written, possibly holding several comma-separated
    /// values.
    pub value: String,
}

/// One header field line of a [`Headers`] list, borrowed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HeaderRef<'a> {
    /// The field name.
    pub name: &'a HeaderName,
    /// The field value (see [`Header::value`]).
    pub value: &'a str,
}

impl HeaderRef<'_> {
    /// An owned copy of the line.
    pub fn to_owned(&self) -> Header {
        Header {
            name: self.name.clone(),
            value: self.value.to_owned(),
        }
    }
}

/// Where one line's value lives in the list's text buffer.
#[derive(Clone, Debug)]
struct Line {
    name: HeaderName,
    start: usize,
    end: usize,
}

/// The ordered header fields of a message.
///
/// Order is kept, including across names, so unknown headers survive and
/// messages round-trip. Lookups compare names case-insensitively and treat
/// compact forms as their long names.
///
/// All values live in one text buffer with a `(name, range)` entry per
/// line, so a parsed message costs two allocations for its headers however
/// many lines it has, and cloning or dropping it is as cheap. Replacing or
/// removing a value leaves its old bytes unused in the buffer until the
/// buffer is compacted (when more than half of it is unused).
///
/// ```
/// use sip_core::{HeaderName, Headers};
///
/// let mut h = Headers::new();
/// h.push(HeaderName::Via, "SIP/2.0/UDP a.example;branch=z9hG4bK1");
/// h.push(HeaderName::To, "<sip:bob@b.example>");
/// // A value is edited in the buffer, not through a `&mut String`.
/// h.append_to_first(&HeaderName::To, &[";tag=", "x1"]);
/// assert_eq!(h.get(&HeaderName::To), Some("<sip:bob@b.example>;tag=x1"));
/// for line in &h {
///     assert!(!line.value.is_empty());
/// }
/// assert_eq!(h.iter().next().unwrap().name, HeaderName::Via);
/// ```
#[derive(Clone, Default)]
pub struct Headers {
    text: String,
    lines: Vec<Line>,
}

impl PartialEq for Headers {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Headers {}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|h| (h.name, h.value)))
            .finish()
    }
}

/// Iterator over the lines of a [`Headers`] list, in order.
#[derive(Clone)]
pub struct Iter<'a> {
    text: &'a str,
    lines: core::slice::Iter<'a, Line>,
}

impl<'a> Iter<'a> {
    #[inline]
    fn item(text: &'a str, l: &'a Line) -> HeaderRef<'a> {
        HeaderRef {
            name: &l.name,
            value: &text[l.start..l.end],
        }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = HeaderRef<'a>;
    #[inline]
    fn next(&mut self) -> Option<HeaderRef<'a>> {
        let text = self.text;
        self.lines.next().map(|l| Iter::item(text, l))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.lines.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let text = self.text;
        self.lines.next_back().map(|l| Iter::item(text, l))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl Headers {
    /// An empty list.
    pub fn new() -> Self {
        Headers::default()
    }

    /// An empty list with room for `n` lines.
    pub fn with_capacity(n: usize) -> Self {
        Headers::with_capacity_and_text(n, n * 32)
    }

    /// An empty list with room for `n` lines holding `text` bytes of
    /// values in all.
    pub fn with_capacity_and_text(n: usize, text: usize) -> Self {
        Headers {
            text: String::with_capacity(text),
            lines: Vec::with_capacity(n),
        }
    }

    /// A list of lines named `names` with the values `values`, all slices
    /// of `source` (the text a parser split them from): the bytes from the
    /// first value to the end of the last are copied in one go and the
    /// lines point into that copy, so the names and line ends between the
    /// values stay in the buffer, unused (compaction drops them once edits
    /// make them more than half of it). `spare` bytes are reserved for
    /// edits. `None` when a value does not lie inside `source`.
    pub(crate) fn from_source<'a, V>(
        source: &'a str,
        values: V,
        names: impl Iterator<Item = HeaderName>,
        spare: usize,
    ) -> Option<Self>
    where
        V: ExactSizeIterator<Item = &'a str> + DoubleEndedIterator + Clone,
    {
        let base = source.as_ptr() as usize;
        let offset = |v: &str| -> Option<(usize, usize)> {
            let start = (v.as_ptr() as usize).checked_sub(base)?;
            let end = start.checked_add(v.len())?;
            (end <= source.len()).then_some((start, end))
        };
        // The values of a parsed head come in order: the span runs from
        // the start of the first to the end of the last.
        let (lo, hi) = match (values.clone().next(), values.clone().next_back()) {
            (Some(first), Some(last)) => (offset(first)?.0, offset(last)?.1),
            _ => (0, 0),
        };
        let mut text = String::with_capacity(hi.saturating_sub(lo) + spare);
        text.push_str(source.get(lo..hi)?);
        // `lo <= hi <= source.len()` now. A value lies in the span when
        // its offsets from the span's start, taken modulo the word size,
        // satisfy `start <= end <= span`: a value starting before the span
        // wraps to a start above it.
        let span = hi - lo;
        let from = base.wrapping_add(lo);
        let mut lines = Vec::with_capacity(values.len());
        // One extend (the lines are written without a capacity check
        // each); a value outside the span is noted and refused after.
        let mut outside = false;
        lines.extend(names.zip(values).map(|(name, v)| {
            let start = (v.as_ptr() as usize).wrapping_sub(from);
            let end = start.wrapping_add(v.len());
            outside |= end > span || start > end;
            Line { name, start, end }
        }));
        (!outside).then_some(Headers { text, lines })
    }

    /// Number of header lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when there is no header line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Iterates over the header lines in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            text: &self.text,
            lines: self.lines.iter(),
        }
    }

    /// The line at index `i` (in [`Headers::iter`] order).
    pub fn line(&self, i: usize) -> Option<HeaderRef<'_>> {
        self.lines.get(i).map(|l| Iter::item(&self.text, l))
    }

    /// Index of the first line named `name`.
    pub fn position(&self, name: &HeaderName) -> Option<usize> {
        self.lines.iter().position(|l| &l.name == name)
    }

    /// Copies `value` to the end of the buffer and returns its range.
    fn store(&mut self, value: &str) -> (usize, usize) {
        let start = self.text.len();
        self.text.push_str(value);
        (start, self.text.len())
    }

    fn line_of(&mut self, name: HeaderName, value: &str) -> Line {
        let (start, end) = self.store(value);
        Line { name, start, end }
    }

    /// Appends a header line.
    pub fn push(&mut self, name: HeaderName, value: impl AsRef<str>) {
        let l = self.line_of(name, value.as_ref());
        self.lines.push(l);
    }

    /// Appends a header line whose value is written by `write` at the end
    /// of the buffer (no intermediate `String`).
    pub fn push_with(&mut self, name: HeaderName, write: impl FnOnce(&mut String)) {
        let start = self.text.len();
        write(&mut self.text);
        self.lines.push(Line {
            name,
            start,
            end: self.text.len(),
        });
    }

    /// Inserts a header line before every other line of the same name, or
    /// at the end if there is none (used for Via, RFC 3261 §8.1.1.7, and
    /// Record-Route, §16.6).
    pub fn push_front(&mut self, name: HeaderName, value: impl AsRef<str>) {
        let at = self.position(&name).unwrap_or(self.lines.len());
        let l = self.line_of(name, value.as_ref());
        self.lines.insert(at, l);
    }

    /// The value of the first line named `name`.
    pub fn get(&self, name: &HeaderName) -> Option<&str> {
        self.lines
            .iter()
            .find(|l| &l.name == name)
            .map(|l| &self.text[l.start..l.end])
    }

    /// Replaces the value of line `i`; returns false when there is no such
    /// line.
    pub fn replace_at(&mut self, i: usize, value: &str) -> bool {
        if i >= self.lines.len() {
            return false;
        }
        let (start, end) = self.store(value);
        let l = &mut self.lines[i];
        l.start = start;
        l.end = end;
        self.compact_if_wasteful();
        true
    }

    /// Rewrites the value of the first line named `name` with `edit`, which
    /// gets the current value and the buffer to append the new value to,
    /// and returns true when it wrote one (false keeps the old value and
    /// drops whatever it appended). Returns false when there is no such
    /// line (without calling `edit`) or when `edit` returned false.
    pub fn edit_first(
        &mut self,
        name: &HeaderName,
        edit: impl FnOnce(&str, &mut String) -> bool,
    ) -> bool {
        let Some(i) = self.position(name) else {
            return false;
        };
        self.edit_at(i, edit)
    }

    /// Rewrites the value of line `i` as [`Headers::edit_first`] does.
    pub fn edit_at(&mut self, i: usize, edit: impl FnOnce(&str, &mut String) -> bool) -> bool {
        let Some(l) = self.lines.get(i) else {
            return false;
        };
        let (start, end) = (l.start, l.end);
        // The old value is read from a copy of its range so that the
        // buffer can grow while `edit` writes.
        let old: smallvec::SmallVec<[u8; 160]> = self.text.as_bytes()[start..end].into();
        let old = core::str::from_utf8(&old).unwrap_or_default();
        let new_start = self.text.len();
        if !edit(old, &mut self.text) {
            self.text.truncate(new_start);
            return false;
        }
        let l = &mut self.lines[i];
        l.start = new_start;
        l.end = self.text.len();
        self.compact_if_wasteful();
        true
    }

    /// Inserts the concatenation of `parts` into the value of line `i` at
    /// byte `at` of that value (the values stored after it move along).
    /// Returns false, changing nothing, when there is no such line or `at`
    /// is not a character boundary inside the value.
    pub fn insert_in_value(&mut self, i: usize, at: usize, parts: &[&str]) -> bool {
        let Some(l) = self.lines.get(i) else {
            return false;
        };
        let (start, end) = (l.start, l.end);
        if at > end - start || !self.text[start..end].is_char_boundary(at) {
            return false;
        }
        if start == end {
            // An empty value may sit anywhere, even inside another line's
            // range (an empty range overlaps nothing): its new text goes to
            // the end of the buffer instead.
            let new_start = self.text.len();
            parts.iter().for_each(|s| self.text.push_str(s));
            let l = &mut self.lines[i];
            l.start = new_start;
            l.end = self.text.len();
            return true;
        }
        let pos = start + at;
        let mut n = 0;
        for s in parts {
            self.text.insert_str(pos + n, s);
            n += s.len();
        }
        for (j, l) in self.lines.iter_mut().enumerate() {
            if j == i {
                l.end += n;
            } else if l.start >= pos {
                l.start += n;
                l.end += n;
            }
        }
        true
    }

    /// Appends the concatenation of `suffix` to the value of the first
    /// line named `name` (`[";tag=", tag]` to a To value, say); returns
    /// false when there is no such line.
    pub fn append_to_first(&mut self, name: &HeaderName, suffix: &[&str]) -> bool {
        let Some(i) = self.position(name) else {
            return false;
        };
        if self.lines[i].end == self.text.len() {
            suffix.iter().for_each(|s| self.text.push_str(s));
            self.lines[i].end = self.text.len();
            return true;
        }
        self.edit_at(i, |old, out| {
            out.push_str(old);
            suffix.iter().for_each(|s| out.push_str(s));
            true
        })
    }

    /// True when at least one line is named `name`.
    pub fn contains(&self, name: &HeaderName) -> bool {
        self.lines.iter().any(|l| &l.name == name)
    }

    /// Every line named `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.iter().filter(move |h| h.name == name).map(|h| h.value)
    }

    /// Every value of `name`: each line split at commas outside quotes and
    /// angle brackets (RFC 3261 §7.3.1), trimmed, empty pieces skipped.
    pub fn values<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.get_all(name).flat_map(split_comma)
    }

    /// Number of lines named `name`.
    pub fn count(&self, name: &HeaderName) -> usize {
        self.lines.iter().filter(|l| &l.name == name).count()
    }

    /// Keeps only the lines for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(HeaderRef<'_>) -> bool) {
        let text = &self.text;
        self.lines.retain(|l| keep(Iter::item(text, l)));
        self.compact_if_wasteful();
    }

    /// Removes every line named `name`; returns how many were removed.
    pub fn remove(&mut self, name: &HeaderName) -> usize {
        let before = self.lines.len();
        self.lines.retain(|l| &l.name != name);
        let removed = before - self.lines.len();
        if removed > 0 {
            self.compact_if_wasteful();
        }
        removed
    }

    /// Inserts a header line before every other line.
    pub fn prepend(&mut self, name: HeaderName, value: impl AsRef<str>) {
        let l = self.line_of(name, value.as_ref());
        self.lines.insert(0, l);
    }

    /// Removes and returns the first line named `name`.
    pub fn remove_first(&mut self, name: &HeaderName) -> Option<String> {
        let i = self.position(name)?;
        let l = self.lines.remove(i);
        let value = self.text[l.start..l.end].to_owned();
        self.compact_if_wasteful();
        Some(value)
    }

    /// Replaces every line named `name` by one line with `value`, kept at
    /// the position of the first former line (or appended).
    pub fn set(&mut self, name: HeaderName, value: impl AsRef<str>) {
        match self.position(&name) {
            Some(i) => {
                let mut j = i + 1;
                while j < self.lines.len() {
                    if self.lines[j].name == name {
                        self.lines.remove(j);
                    } else {
                        j += 1;
                    }
                }
                self.replace_at(i, value.as_ref());
            }
            None => self.push(name, value),
        }
    }

    /// Bytes of the buffer no line points to any more.
    fn unused(&self) -> usize {
        let live: usize = self.lines.iter().map(|l| l.end - l.start).sum();
        self.text.len() - live
    }

    /// Rewrites the buffer without its unused bytes when they are more than
    /// half of it (so that repeated edits cannot grow a list without bound).
    fn compact_if_wasteful(&mut self) {
        if self.text.len() < 256 || self.unused() * 2 <= self.text.len() {
            return;
        }
        let mut text = String::with_capacity(self.text.len() - self.unused());
        for l in &mut self.lines {
            let start = text.len();
            text.push_str(&self.text[l.start..l.end]);
            l.start = start;
            l.end = text.len();
        }
        self.text = text;
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
        self.iter()
            .filter(|h| *h.name == T::NAME)
            .map(|h| h.value)
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
    type Item = HeaderRef<'a>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl FromIterator<Header> for Headers {
    fn from_iter<I: IntoIterator<Item = Header>>(iter: I) -> Self {
        let mut h = Headers::new();
        h.extend(iter);
        h
    }
}

impl Extend<Header> for Headers {
    fn extend<I: IntoIterator<Item = Header>>(&mut self, iter: I) {
        for h in iter {
            self.push(h.name, h.value);
        }
    }
}

impl<'a> Extend<HeaderRef<'a>> for Headers {
    fn extend<I: IntoIterator<Item = HeaderRef<'a>>>(&mut self, iter: I) {
        for h in iter {
            self.push(h.name.clone(), h.value);
        }
    }
}

impl fmt::Display for Headers {
    /// Writes each line as `Name: value\r\n` with the canonical long name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for h in self {
            write!(f, "{}: {}\r\n", h.name, h.value)?;
        }
        Ok(())
    }
}

/// `str::trim` for a header value, not called when both ends are ASCII
/// and not white space (the usual value, which the parser already trimmed
/// of SP and HTAB): then the value itself.
pub fn trim_value(v: &str) -> &str {
    let plain = |c: Option<&u8>| c.is_some_and(|&c| c.is_ascii() && !char::from(c).is_whitespace());
    let b = v.as_bytes();
    if plain(b.first()) && plain(b.last()) {
        v
    } else {
        v.trim()
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
mod model_tests;

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

    /// A list is two pointers' worth of buffers and nothing inline: every
    /// parsed message and every kept request carries one, and messages are
    /// moved several times on their way. Keeping the usual twelve lines
    /// inline (a `SmallVec` of 12-byte lines, 200 bytes a list) saved the
    /// line allocation of each parsed message but cost more in copies
    /// (harness prof_calls 2000: 246.8M -> 260.9M instructions).
    #[test]
    fn a_list_stays_two_buffers() {
        assert!(core::mem::size_of::<Headers>() <= 48);
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
