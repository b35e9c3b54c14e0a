//! Splitting the header block into lines (RFC 3261 §7.3.1, §25.1).
//!
//! [`split_headers_sip`] is the grammar: `HCOLON = *( SP / HTAB ) ":"
//! SWS`, continuation lines start with white space, names are tokens.
//! [`split_plain`] is a single pass for the usual block (every line ends
//! in CRLF, no folding, no stray CR, UTF-8): it gives exactly what the
//! grammar gives or declines, and [`split_headers`] then asks the grammar.
//! While splitting it classifies each name once ([`LineFacts`]), so
//! neither the Content-Length check, the transaction fields nor
//! [`to_message`](super::MessageView::to_message) look at the names again.

use super::error::{ParseError, ParseErrorKind as K};
use super::view::{is_token_byte, strip_cr, Framing, RawHeader};
use super::ParserConfig;
use crate::header::name::{classify, classify_prefix};
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
    fingerprint: u64,
}

impl LineFacts {
    /// Facts for lines split by the grammar: names classified, every value
    /// marked [`FOLDED`] (unfolding finds out).
    fn of(lines: &[RawHeader<'_>]) -> LineFacts {
        let mut f = LineFacts::default();
        f.bytes
            .extend(lines.iter().map(|h| classify(h.name.as_bytes()) | FOLDED));
        f.seal(lines);
        f
    }

    fn seal(&mut self, lines: &[RawHeader<'_>]) {
        self.fingerprint = fingerprint(lines);
    }

    /// True when these facts were computed on `lines` as they are now.
    pub(crate) fn matches(&self, lines: &[RawHeader<'_>]) -> bool {
        self.bytes.len() == lines.len() && self.fingerprint == fingerprint(lines)
    }
}

/// Where each line's name and value are: two lines with the same address
/// and length hold the same text, as the input is borrowed immutably.
fn fingerprint(lines: &[RawHeader<'_>]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    lines.iter().fold(lines.len() as u64, |h, l| {
        let a = (l.name.as_ptr() as u64) ^ (l.name.len() as u64).rotate_left(48);
        let b = (l.value.as_ptr() as u64) ^ (l.value.len() as u64).rotate_left(48);
        ((h ^ a).wrapping_mul(K) ^ b).wrapping_mul(K)
    })
}

/// Splits the header block starting at `pos` into `out`. Returns the offset
/// of the body, or `None` when the block is not terminated yet.
pub(crate) fn split_headers<'a>(
    buf: &'a [u8],
    pos: usize,
    cfg: &ParserConfig,
    framing: Framing,
    out: &mut Lines<'a>,
    facts: &mut LineFacts,
) -> Result<Option<usize>, ParseError> {
    if let Some(end) = split_plain(buf, pos, cfg, framing, out, facts) {
        facts.seal(out);
        return Ok(Some(end));
    }
    out.clear();
    let r = split_headers_sip(buf, pos, cfg, out);
    *facts = LineFacts::of(out);
    r
}

/// The plain block in one pass, or `None` ("ask the grammar"). Every line
/// is `token *(SP / HTAB) ":" value CRLF` with no control character (CR,
/// LF, HTAB...) in the value and no continuation line, within the limits, and the block is UTF-8: for
/// such a block [`split_headers_sip`] gives the same lines.
fn split_plain<'a>(
    buf: &'a [u8],
    pos: usize,
    cfg: &ParserConfig,
    framing: Framing,
    out: &mut Lines<'a>,
    facts: &mut LineFacts,
) -> Option<usize> {
    let rest = &buf[pos..];
    // One UTF-8 validation for the whole block; the lines are then sliced
    // out of it. A datagram holds one message, so its end bounds the
    // block; on a stream, the first empty line does.
    let window = match framing {
        Framing::Datagram => rest,
        Framing::Stream if rest.starts_with(b"\r\n") => &rest[..2],
        Framing::Stream => &rest[..memchr::memmem::find(rest, b"\r\n\r\n")? + 4],
    };
    let text = match core::str::from_utf8(window) {
        Ok(t) => t,
        Err(e) => core::str::from_utf8(&window[..e.valid_up_to()]).ok()?,
    };
    let b = text.as_bytes();
    let mut p = 0;
    loop {
        let (class, mut c) = match classify_prefix(&b[p..]) {
            Some((class, len)) => (class, p + len),
            None => {
                let mut c = p;
                while c < b.len() && TOKEN[usize::from(b[c])] {
                    c += 1;
                }
                (classify(&b[p..c]), c)
            }
        };
        if c == p {
            // The empty line ending the block.
            return (b.get(p) == Some(&b'\r') && b.get(p + 1) == Some(&b'\n'))
                .then_some(pos + p + 2);
        }
        let name_end = c;
        if b.get(c) != Some(&b':') {
            while matches!(b.get(c), Some(b' ' | b'\t')) {
                c += 1;
            }
            if b.get(c) != Some(&b':') {
                return None;
            }
        }
        c += 1;
        while matches!(b.get(c), Some(b' ')) {
            c += 1;
        }
        let v0 = c;
        let cr = first_control(b, c)?;
        if b[cr] != b'\r'
            || b.get(cr + 1) != Some(&b'\n')
            || cr + 1 - p > cfg.max_line_length
            || matches!(b.get(cr + 2), None | Some(b' ' | b'\t'))
            || out.len() >= cfg.max_headers
        {
            return None;
        }
        let mut v1 = cr;
        while v1 > v0 && b[v1 - 1] == b' ' {
            v1 -= 1;
        }
        let name = &text[p..name_end];
        out.push(RawHeader {
            name,
            value: &text[v0..v1],
        });
        facts.bytes.push(class);
        p = cr + 2;
    }
}

/// The index of the first byte below 0x0e (a CR, an LF, an HTAB...) in
/// `b[from..]`, eight bytes at a time; `None` when there is none.
fn first_control(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().ok()?);
        // High bit set in each byte below 0x0e; the lowest is exact (a
        // borrow only spreads upwards).
        let m = w.wrapping_sub(ONES * 0x0e) & !w & HIGH;
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..].iter().position(|&c| c < 0x0e).map(|k| i + k)
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

/// The class of line `i` and whether its value must be unfolded, from
/// `facts` when they still describe `lines`.
pub(crate) fn line_class(
    facts: Option<&LineFacts>,
    lines: &[RawHeader<'_>],
    i: usize,
) -> (u8, bool) {
    match facts {
        Some(f) => (f.bytes[i] & !FOLDED, f.bytes[i] & FOLDED != 0),
        None => (classify(lines[i].name.as_bytes()), true),
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
    framing: Framing,
) -> Option<(usize, Vec<RawHeader<'a>>, Vec<u8>)> {
    let mut out = SmallVec::new();
    let mut facts = LineFacts::default();
    let n = split_plain(buf, 0, cfg, framing, &mut out, &mut facts)?;
    Some((n, out.into_vec(), facts.bytes.into_vec()))
}

#[cfg(test)]
pub(crate) fn split_headers_fast_for_test<'a>(
    buf: &'a [u8],
    cfg: &ParserConfig,
) -> Result<Option<(usize, Vec<RawHeader<'a>>)>, ParseError> {
    let mut out = SmallVec::new();
    let mut facts = LineFacts::default();
    Ok(
        split_headers(buf, 0, cfg, Framing::Datagram, &mut out, &mut facts)?
            .map(|n| (n, out.into_vec())),
    )
}
