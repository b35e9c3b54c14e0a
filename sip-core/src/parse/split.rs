//! Splitting the header block into lines (RFC 3261 §7.3.1, §25.1).
//!
//! [`split_headers_sip`] is the grammar: `HCOLON = *( SP / HTAB ) ":"
//! SWS`, continuation lines start with white space, names are tokens.
//! [`split_plain`] reads the usual block (every line ends in CRLF, no
//! folding, no white space before the colon, UTF-8) in one pass, finding
//! each line's end with `memchr2`: it gives exactly what the grammar gives
//! or declines, and [`split_general`] then asks the grammar.
//! While splitting it classifies each name once ([`LineFacts`]), so
//! neither the Content-Length check, the transaction fields nor
//! [`to_message`](super::MessageView::to_message) look at the names again.

use super::error::{ParseError, ParseErrorKind as K};
use super::view::{is_token_byte, strip_cr, Known, RawHeader};
use super::ParserConfig;
use crate::header::name::{classify, known_before_colon};
use crate::header::HeaderName;
use crate::uri::chars::{run, TOKEN};
use smallvec::SmallVec;

/// The header lines of a message being framed.
pub(crate) type Lines<'a> = SmallVec<[RawHeader<'a>; 20]>;

/// Set in a [`LineFacts`] byte when the line's value may hold a folded
/// line break, so it must go through [`unfold`](super::unfold).
pub(crate) const FOLDED: u8 = 0x80;

/// What framing learnt about each header line: one byte per line, the
/// class of the name ([`classify`]) and the [`FOLDED`] bit. Valid for the
/// lines it was computed on: [`LineFacts::matches`] checks that the
/// (public, mutable) line list was not changed since.
#[derive(Clone, Debug, Default)]
pub(crate) struct LineFacts {
    pub(crate) bytes: SmallVec<[u8; 24]>,
    /// The number of Content-Length lines and the index of the first
    /// (the framing reads them; [`Known`] has the other positions).
    pub(crate) content_lengths: (u8, Option<u8>),
    /// Whether the fingerprint is kept (set before splitting, for a view
    /// its owner may edit before converting it): [`LineFacts::matches`]
    /// is false without it.
    pub(crate) seal: bool,
    fingerprint: u64,
}

impl LineFacts {
    /// Facts for lines split by the grammar: names classified, every value
    /// marked [`FOLDED`] (unfolding finds out).
    fn of(lines: &[RawHeader<'_>]) -> LineFacts {
        let mut f = LineFacts::default();
        f.bytes
            .extend(lines.iter().map(|h| classify(h.name.as_bytes()) | FOLDED));
        let k = Known::of(&f);
        f.content_lengths = (k.content_lengths, k.content_length);
        f.fingerprint = fingerprint(lines);
        f.seal = true;
        f
    }

    /// True when these facts were computed on `lines` as they are now.
    pub(crate) fn matches(&self, lines: &[RawHeader<'_>]) -> bool {
        self.seal && self.bytes.len() == lines.len() && self.fingerprint == fingerprint(lines)
    }
}

/// Where each line's name and value are: two lines with the same address
/// and length hold the same text, as the input is borrowed immutably.
fn fingerprint(lines: &[RawHeader<'_>]) -> u64 {
    lines
        .iter()
        .fold(lines.len() as u64, |h, l| fold_line(h, l.name, l.value))
}

/// One step of [`fingerprint`].
#[inline(always)]
fn fold_line(h: u64, name: &str, value: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let a = (name.as_ptr() as u64) ^ (name.len() as u64).rotate_left(48);
    let b = (value.as_ptr() as u64) ^ (value.len() as u64).rotate_left(48);
    ((h ^ a).wrapping_mul(K) ^ b).wrapping_mul(K)
}

/// Splits the header block starting at `pos` into `out`. Returns the offset
/// of the body, or `None` when the block is not terminated yet. (Framing
/// does the same in two steps: [`split_plain`], then [`split_general`].)
#[cfg(test)]
pub(crate) fn split_headers<'a>(
    buf: &'a [u8],
    pos: usize,
    cfg: &ParserConfig,
    out: &mut Lines<'a>,
    facts: &mut LineFacts,
) -> Result<Option<usize>, ParseError> {
    if let Some(end) = split_plain(buf, (pos, pos), cfg, out, facts, &mut "") {
        return Ok(Some(end));
    }
    split_general(buf, pos, cfg, out, facts)
}

/// What [`split_headers`] does when [`split_plain`] declined: forgets the
/// lines it may have taken and asks the grammar.
pub(crate) fn split_general<'a>(
    buf: &'a [u8],
    pos: usize,
    cfg: &ParserConfig,
    out: &mut Lines<'a>,
    facts: &mut LineFacts,
) -> Result<Option<usize>, ParseError> {
    out.clear();
    let r = split_headers_sip(buf, pos, cfg, out);
    *facts = LineFacts::of(out);
    r
}

/// How many lines [`split_plain`] takes; a longer block goes to the grammar.
const PLAIN_LINES: usize = 32;
const _: () = assert!(PLAIN_LINES < u8::MAX as usize);

/// The class of `Content-Length`.
const CONTENT_LENGTH: u8 = crate::header::name::Class::ContentLength as u8;

/// The usual block split in one pass, or `None` ("ask the grammar"): every
/// line is `token ":" *(SP / HTAB) value` ending in CRLF, with no folding,
/// no white space before the colon, no CR or LF inside a value, at most
/// [`PLAIN_LINES`] lines within the limits, and the block is UTF-8. For
/// such a block [`split_headers_sip`] gives the same lines: the value is
/// what follows the colon's white space up to the CRLF, trimmed of SP and
/// HTAB at its end. Each line's end is found with one `memchr2` for CR or
/// LF from the start of its value.
///
/// The UTF-8 check covers `buf[text_from..]` up to the end of the block
/// (`text_from <= pos`: the caller may put the start line in front), and
/// that text is put in `head`.
// A call of its own: inlined into the parser, it cost more (callgrind).
#[inline(never)]
pub(crate) fn split_plain<'a>(
    buf: &'a [u8],
    (text_from, pos): (usize, usize),
    cfg: &ParserConfig,
    out: &mut Lines<'a>,
    facts: &mut LineFacts,
    head: &mut &'a str,
) -> Option<usize> {
    let from = buf.get(text_from..)?;
    // One UTF-8 validation for the start line, the block and whatever
    // follows (the body, usually text too); a message whose body is not
    // UTF-8 is checked up to where it stops being so, and the block must
    // end before that.
    let all = match core::str::from_utf8(from) {
        Ok(s) => s,
        Err(e) => core::str::from_utf8(from.get(..e.valid_up_to())?).ok()?,
    };
    let skip = pos.checked_sub(text_from)?;
    let text = all.get(skip..)?;
    let b = text.as_bytes();
    let limit = cfg.max_headers.min(PLAIN_LINES);
    let first = out.len();
    // `i`: the start of a line.
    let mut i = 0;
    loop {
        let c = *b.get(i)?;
        if c == b'\r' {
            if b.get(i + 1) != Some(&b'\n') {
                return None;
            }
            break;
        }
        // A usual name with its colon compared at once, else the token
        // run before the colon.
        let (class, n) = match known_before_colon(&b[i..]) {
            Some(k) => k,
            None => {
                let n = run(b, i, &TOKEN);
                if n == 0 || b.get(i + n) != Some(&b':') {
                    return None;
                }
                (classify(&b[i..i + n]), n)
            }
        };
        let name = text.get(i..i + n)?;
        let mut v = i + n + 1;
        while matches!(b.get(v), Some(b' ' | b'\t')) {
            v += 1;
        }
        // The first CR or LF after the colon's white space must be the
        // line's CRLF.
        let cr = cr_or_lf(b, v)?;
        if b[cr] != b'\r' || b.get(cr + 1) != Some(&b'\n') || cr + 1 - i > cfg.max_line_length {
            return None;
        }
        // `v <= cr`; SP and HTAB before the CRLF are not the value's.
        let mut e = cr;
        if matches!(b[e - 1], b' ' | b'\t') {
            while e > v && matches!(b[e - 1], b' ' | b'\t') {
                e -= 1;
            }
        }
        if out.len() - first >= limit {
            return None;
        }
        out.push(RawHeader {
            name,
            value: text.get(v..e)?,
        });
        facts.bytes.push(class);
        i = cr + 2;
        // A continuation line (folding) is the grammar's.
        if matches!(b.get(i), Some(b' ' | b'\t')) {
            return None;
        }
    }
    let n = i + 2;
    *head = all.get(..skip + n)?;
    // The Content-Length lines, counted from the classes afterwards (a
    // second look at a few bytes costs less than keeping the count in
    // the loop above).
    let classes = facts.bytes.get(facts.bytes.len() - (out.len() - first)..)?;
    facts.content_lengths = match classes.iter().position(|&c| c == CONTENT_LENGTH) {
        // At most PLAIN_LINES lines: the index and count fit.
        Some(first) => {
            let more = classes[first + 1..]
                .iter()
                .filter(|&&c| c == CONTENT_LENGTH)
                .count();
            (1 + more as u8, Some(first as u8))
        }
        None => (0, None),
    };
    if facts.seal {
        // The lines just taken, as `fingerprint` reads them.
        facts.fingerprint = fingerprint(out.get(first..)?);
    }
    Some(pos + n)
}

/// The index of the first CR or LF in `b` from `i`. Eight bytes at a
/// time, a word's lowest byte below 0x0e is found at once (the zero-byte
/// test on `word - 0x0e` per byte: the lowest mark is exact); most of
/// those are CR or LF, and the search goes on after any other.
#[inline(always)]
fn cr_or_lf(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    while let Some(w) = b.get(i..i.wrapping_add(8)) {
        let x = u64::from_le_bytes(w.try_into().ok()?);
        let m = x.wrapping_sub(ONES * 0x0e) & !x & HIGH;
        if m == 0 {
            i += 8;
            continue;
        }
        let k = i + (m.trailing_zeros() / 8) as usize;
        if matches!(b[k], b'\r' | b'\n') {
            return Some(k);
        }
        i = k + 1;
    }
    b.get(i..)?
        .iter()
        .position(|&c| c == b'\r' || c == b'\n')
        .map(|k| i + k)
}

/// The SIP header grammar (RFC 3261 §7.3.1, §25.1): `HCOLON = *( SP / HTAB )
/// ":" SWS`, continuation lines start with whitespace, names are tokens.
pub(crate) fn split_headers_sip<'a>(
    buf: &'a [u8],
    mut pos: usize,
    cfg: &ParserConfig,
    out: &mut Lines<'a>,
) -> Result<Option<usize>, ParseError> {
    loop {
        let Some(nl) = memchr::memchr(b'\n', &buf[pos..]) else {
            if buf.len() - pos > cfg.max_line_length {
                return Err(ParseError::new(
                    K::LineTooLong {
                        limit: cfg.max_line_length,
                    },
                    pos,
                ));
            }
            return Ok(None);
        };
        let line_start = pos;
        let mut line_end = pos + nl; // index of '\n'
        let first = strip_cr(&buf[line_start..line_end], cfg)
            .ok_or_else(|| ParseError::new(K::HeaderLine, line_end))?;
        if first.is_empty() {
            return Ok(Some(line_end + 1));
        }
        if nl > cfg.max_line_length {
            return Err(ParseError::new(
                K::LineTooLong {
                    limit: cfg.max_line_length,
                },
                line_start,
            ));
        }
        // Gather continuation lines.
        loop {
            let next = line_end + 1;
            match buf.get(next) {
                Some(b' ') | Some(b'\t') => {
                    let Some(nl2) = memchr::memchr(b'\n', &buf[next..]) else {
                        return Ok(None);
                    };
                    if nl2 > cfg.max_line_length {
                        return Err(ParseError::new(
                            K::LineTooLong {
                                limit: cfg.max_line_length,
                            },
                            next,
                        ));
                    }
                    strip_cr(&buf[next..next + nl2], cfg)
                        .ok_or_else(|| ParseError::new(K::HeaderLine, next + nl2))?;
                    line_end = next + nl2;
                }
                None => return Ok(None),
                _ => break,
            }
        }
        if out.len() >= cfg.max_headers {
            return Err(ParseError::new(
                K::TooManyHeaders {
                    limit: cfg.max_headers,
                },
                line_start,
            ));
        }
        let mut logical = &buf[line_start..line_end];
        if logical.last() == Some(&b'\r') {
            logical = &logical[..logical.len() - 1];
        }
        let name_end = logical
            .iter()
            .position(|&b| !is_token_byte(b))
            .unwrap_or(logical.len());
        if name_end == 0 {
            return Err(ParseError::new(K::HeaderLine, line_start));
        }
        let mut i = name_end;
        while i < logical.len() && (logical[i] == b' ' || logical[i] == b'\t') {
            i += 1;
        }
        if logical.get(i) != Some(&b':') {
            return Err(ParseError::new(K::HeaderLine, line_start + i));
        }
        let name = core::str::from_utf8(&logical[..name_end])
            .map_err(|_| ParseError::new(K::HeaderLine, line_start))?;
        let value = core::str::from_utf8(&logical[i + 1..]).map_err(|_| {
            ParseError::new(K::HeaderEncoding, line_start).at_header(HeaderName::parse(name))
        })?;
        out.push(RawHeader {
            name,
            value: value.trim_matches([' ', '\t', '\r', '\n']),
        });
        pos = line_end + 1;
    }
}

#[cfg(test)]
pub(crate) fn split_headers_sip_for_test<'a>(
    buf: &'a [u8],
    cfg: &ParserConfig,
) -> Result<Option<(usize, Vec<RawHeader<'a>>)>, ParseError> {
    let mut out = SmallVec::new();
    Ok(split_headers_sip(buf, 0, cfg, &mut out)?.map(|n| (n, out.into_vec())))
}

/// The one-pass splitter alone: `None` when it declines.
#[cfg(test)]
pub(crate) fn split_plain_for_test<'a>(
    buf: &'a [u8],
    cfg: &ParserConfig,
) -> Option<(usize, Vec<RawHeader<'a>>, Vec<u8>)> {
    let mut out = SmallVec::new();
    let mut facts = LineFacts::default();
    let n = split_plain(buf, (0, 0), cfg, &mut out, &mut facts, &mut "")?;
    Some((n, out.into_vec(), facts.bytes.into_vec()))
}

/// Whether the one-pass splitter's [`Known`] positions and fingerprint
/// are what [`LineFacts::of`] computes on its lines; `None` when it
/// declines.
#[cfg(test)]
pub(crate) fn split_plain_facts_agree_for_test(buf: &[u8], cfg: &ParserConfig) -> Option<bool> {
    let mut out = SmallVec::new();
    let mut facts = LineFacts {
        seal: true,
        ..LineFacts::default()
    };
    split_plain(buf, (0, 0), cfg, &mut out, &mut facts, &mut "")?;
    let general = LineFacts::of(&out);
    Some(
        facts.content_lengths == general.content_lengths
            && facts.matches(&out)
            && general.matches(&out),
    )
}

#[cfg(test)]
pub(crate) fn split_headers_fast_for_test<'a>(
    buf: &'a [u8],
    cfg: &ParserConfig,
) -> Result<Option<(usize, Vec<RawHeader<'a>>)>, ParseError> {
    let mut out = SmallVec::new();
    let mut facts = LineFacts::default();
    Ok(split_headers(buf, 0, cfg, &mut out, &mut facts)?.map(|n| (n, out.into_vec())))
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        /// The word-wise search finds the first CR or LF, as a byte-wise
        /// one does.
        #[test]
        fn cr_or_lf_agrees_with_position(
            s in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'\r', b'\n', 0x8d, 0x8a, 0x0c, 0x0e, 0x0b, 0xff, 0]),
                0..40,
            ),
            from in 0usize..42,
        ) {
            let want = s
                .get(from..)
                .and_then(|t| t.iter().position(|&c| c == b'\r' || c == b'\n'))
                .map(|k| from + k);
            proptest::prop_assert_eq!(super::cr_or_lf(&s, from), want);
        }
    }
}
