//! Splitting the header block into lines (RFC 3261 §7.3.1, §25.1).
//!
//! [`split_headers_sip`] is the grammar: `HCOLON = *( SP / HTAB ) ":"
//! SWS`, continuation lines start with white space, names are tokens.
//! [`split_plain`] hands the usual block (every line ends in CRLF, no
//! folding, no white space before the colon, UTF-8) to httparse's SIMD
//! scanner: it gives exactly what the grammar gives or declines, and
//! [`split_general`] then asks the grammar.
//! While splitting it classifies each name once ([`LineFacts`]), so
//! neither the Content-Length check, the transaction fields nor
//! [`to_message`](super::MessageView::to_message) look at the names again.

use super::error::{ParseError, ParseErrorKind as K};
use super::view::{is_token_byte, strip_cr, Known, RawHeader};
use super::ParserConfig;
use crate::header::name::{classify, OTHER};
use crate::header::HeaderName;
use crate::uri::chars::TOKEN;
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
/// The lines [`split_plain`] makes room for at first.
const FIRST_LINES: usize = 16;

/// The class of `Content-Length`.
const CONTENT_LENGTH: u8 = crate::header::name::Class::ContentLength as u8;

/// The usual block, split by `httparse::parse_headers` (SIMD scanning), or
/// `None` ("ask the grammar"). httparse takes `name ":" *(SP / HTAB) value`
/// lines without folding or white space before the colon; on top of that
/// every line must end in CRLF (httparse also takes a bare LF), every name
/// must be a SIP token (HTTP's `tchar` also has `#$&^|`), the block must be
/// UTF-8 and within the limits. For such a block [`split_headers_sip`] gives
/// the same lines: httparse trims the same white space from the values.
///
/// The UTF-8 check covers `buf[text_from..]` up to the end of the block
/// (`text_from <= pos`: the caller may put the start line in front), and
/// that text is put in `head`.
pub(crate) fn split_plain<'a>(
    buf: &'a [u8],
    (text_from, pos): (usize, usize),
    cfg: &ParserConfig,
    out: &mut Lines<'a>,
    facts: &mut LineFacts,
    head: &mut &'a str,
) -> Option<usize> {
    let rest = &buf[pos..];
    // Most blocks fit the smaller array, which is cheaper to set up; a
    // longer one is split again with room for PLAIN_LINES lines.
    let mut slots = [httparse::EMPTY_HEADER; FIRST_LINES];
    match httparse::parse_headers(rest, &mut slots) {
        Ok(httparse::Status::Complete((n, lines))) => {
            take_plain(buf, (text_from, pos), cfg, out, facts, head, n, lines)
        }
        Err(httparse::Error::TooManyHeaders) => {
            let mut slots = [httparse::EMPTY_HEADER; PLAIN_LINES];
            let Ok(httparse::Status::Complete((n, lines))) =
                httparse::parse_headers(rest, &mut slots)
            else {
                return None;
            };
            take_plain(buf, (text_from, pos), cfg, out, facts, head, n, lines)
        }
        _ => None,
    }
}

/// [`split_plain`] after httparse split the block into `lines`, `n`
/// bytes long.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn take_plain<'a>(
    buf: &'a [u8],
    (text_from, pos): (usize, usize),
    cfg: &ParserConfig,
    out: &mut Lines<'a>,
    facts: &mut LineFacts,
    head: &mut &'a str,
    n: usize,
    lines: &[httparse::Header<'a>],
) -> Option<usize> {
    if lines.len() > cfg.max_headers {
        return None;
    }
    // One UTF-8 validation for the whole block; the values are then sliced
    // out of it by offset (the names are ASCII).
    let whole = core::str::from_utf8(buf.get(text_from..pos + n)?).ok()?;
    let text = whole.get(pos.checked_sub(text_from)?..)?;
    *head = whole;
    let b = text.as_bytes();
    // The empty line ending the block is a CRLF (n - 1 is its LF).
    let next = n.checked_sub(2)?;
    if b[next] != b'\r' {
        return None;
    }
    let base = b.as_ptr() as usize;
    // A line ends in CRLF when the byte before its LF is a CR (httparse
    // refuses a CR not followed by LF). Lengths need checking only in a
    // block longer than a line may be.
    let short = n <= cfg.max_line_length;
    let ends_well = |start: usize, next: usize| {
        b.get(next.wrapping_sub(2)) == Some(&b'\r')
            && (short || next.saturating_sub(start + 1) <= cfg.max_line_length)
    };
    let mut prev = 0;
    for h in lines {
        let start = (h.name.as_ptr() as usize).wrapping_sub(base);
        if start != 0 && !ends_well(prev, start) {
            return None;
        }
        prev = start;
        let name = h.name.as_bytes();
        let class = classify(name);
        if class == OTHER && !name.iter().all(|&c| TOKEN[usize::from(c)]) {
            return None;
        }
        let off = (h.value.as_ptr() as usize).wrapping_sub(base);
        let value = text.get(off..off.wrapping_add(h.value.len()))?;
        out.push(RawHeader {
            name: h.name,
            value,
        });
        facts.bytes.push(class);
    }
    if !lines.is_empty() && !ends_well(prev, next) {
        return None;
    }
    // The Content-Length lines, counted from the classes afterwards (a
    // second look at a few bytes costs less than keeping the count in
    // the loop above).
    let classes = facts.bytes.get(facts.bytes.len() - lines.len()..)?;
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
        facts.fingerprint = fingerprint(out.get(out.len() - lines.len()..)?);
    }
    Some(pos + n)
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
