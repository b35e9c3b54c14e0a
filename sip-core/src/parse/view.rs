//! The zero-copy layer: framing, start line and header split, borrowing
//! from the input (the raw view of RFC 3261 §7).

use super::error::{ParseError, ParseErrorKind as K, PartialRequest};
use super::split::{split_general, split_headers_sip, split_plain, LineFacts, FOLDED};
use super::ParserConfig;
use crate::header::name::Class;
use crate::header::{HeaderName, Headers};
use crate::method::Method;
use smallvec::SmallVec;

/// The start line of a message, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartLine<'a> {
    /// `Method SP Request-URI SP SIP/2.0`
    Request {
        /// The method token.
        method: &'a str,
        /// The Request-URI text.
        uri: &'a str,
    },
    /// `SIP/2.0 SP Status-Code SP Reason-Phrase`
    Response {
        /// The status code, 100..=699.
        code: u16,
        /// The reason phrase (may be empty).
        reason: &'a str,
    },
}

/// One header line, borrowed. `value` is trimmed and may still contain
/// folded line breaks (CRLF followed by whitespace, RFC 3261 §7.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawHeader<'a> {
    /// The name as written (compact or long, any case).
    pub name: &'a str,
    /// The value as written, trimmed.
    pub value: &'a str,
}

impl RawHeader<'_> {
    /// True when this line is a `name` header (compact forms included).
    pub fn is(&self, name: &HeaderName) -> bool {
        name_matches(self.name, name)
    }
}

/// True when the written name `s` denotes `name`.
pub(crate) fn name_matches(s: &str, name: &HeaderName) -> bool {
    if s.len() == 1 {
        return name
            .compact()
            .is_some_and(|c| s.as_bytes()[0].eq_ignore_ascii_case(&(c as u8)));
    }
    s.eq_ignore_ascii_case(name.as_str())
}

/// A message parsed without copying: start line, header lines and body
/// borrow from the input.
#[derive(Clone, Debug)]
pub struct MessageView<'a> {
    /// The start line.
    pub start: StartLine<'a>,
    /// The header lines, in order.
    pub headers: SmallVec<[RawHeader<'a>; 20]>,
    /// The body (Content-Length bytes, or the rest of a datagram without one).
    pub body: &'a [u8],
    /// Bytes of the input this message used, leading CRLFs included.
    pub len: usize,
    /// The class of each line's name and whether it was folded.
    pub(crate) facts: LineFacts,
    /// The start line and header block as one text, when framing split
    /// the block in one pass ([`split_plain`](super::split)); empty
    /// otherwise. The values are slices of it, so building the owned
    /// message copies them in one go.
    pub(crate) head: &'a str,
}

/// Positions of the first Via, From, To, Call-ID and CSeq lines, and the
/// number of Content-Length lines, from the classes of the lines recorded
/// while framing ([`LineFacts`]), so [`MessageView::transaction_fields`]
/// does not compare header names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Known {
    pub(crate) via: Option<u8>,
    pub(crate) from: Option<u8>,
    pub(crate) to: Option<u8>,
    pub(crate) call_id: Option<u8>,
    pub(crate) cseq: Option<u8>,
    pub(crate) content_length: Option<u8>,
    pub(crate) content_lengths: u8,
}

impl Known {
    /// The positions, from the classes of the lines ([`LineFacts`]).
    pub(crate) fn of(facts: &LineFacts) -> Known {
        Known::of_classes(facts.bytes.iter().map(|&c| c & !FOLDED))
    }

    /// The positions in `view`, from its facts when they still describe
    /// its lines.
    pub(crate) fn of_view(view: &MessageView<'_>) -> Known {
        if view.facts.matches(&view.headers) {
            Known::of(&view.facts)
        } else {
            Known::of_classes(
                view.headers
                    .iter()
                    .map(|h| crate::header::name::classify(h.name.as_bytes())),
            )
        }
    }

    fn of_classes(classes: impl Iterator<Item = u8>) -> Known {
        let mut k = Known::default();
        for (i, c) in classes.enumerate() {
            k.note(i, c);
        }
        k
    }

    /// Records line `i` of class `class` ([`classify`](crate::header::name::classify)).
    /// Lines from the 255th on are not recorded.
    fn note(&mut self, i: usize, class: u8) {
        const VIA: u8 = Class::Via as u8;
        const FROM: u8 = Class::From as u8;
        const TO: u8 = Class::To as u8;
        const CALL_ID: u8 = Class::CallId as u8;
        const CSEQ: u8 = Class::CSeq as u8;
        const CONTENT_LENGTH: u8 = Class::ContentLength as u8;
        let Ok(i) = u8::try_from(i) else {
            return;
        };
        if i == u8::MAX {
            return;
        }
        let slot = match class {
            VIA => &mut self.via,
            FROM => &mut self.from,
            TO => &mut self.to,
            CALL_ID => &mut self.call_id,
            CSEQ => &mut self.cseq,
            CONTENT_LENGTH => {
                self.content_lengths = self.content_lengths.saturating_add(1);
                &mut self.content_length
            }
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(i);
        }
    }
}

impl<'a> MessageView<'a> {
    /// The first value line of `name`.
    pub fn header(&self, name: &HeaderName) -> Option<&'a str> {
        self.headers.iter().find(|h| h.is(name)).map(|h| h.value)
    }

    /// Every value line of `name`.
    pub fn header_all<'s>(&'s self, name: &'s HeaderName) -> impl Iterator<Item = &'a str> + 's {
        self.headers
            .iter()
            .filter(move |h| h.is(name))
            .map(|h| h.value)
    }

    /// True for a request.
    pub fn is_request(&self) -> bool {
        matches!(self.start, StartLine::Request { .. })
    }

    /// The method of a request.
    pub fn method(&self) -> Option<&'a str> {
        match self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    pub(crate) fn partial(&self) -> Option<Box<PartialRequest>> {
        partial_from(self.method(), &self.headers)
    }
}

pub(crate) fn partial_from(
    method: Option<&str>,
    headers: &[RawHeader<'_>],
) -> Option<Box<PartialRequest>> {
    let method = method?;
    let mut out = Headers::new();
    for h in headers {
        for n in [
            HeaderName::Via,
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
            HeaderName::CSeq,
        ] {
            if h.is(&n) {
                out.push(n, super::owned::unfold(h.value));
            }
        }
    }
    Some(Box::new(PartialRequest {
        method: Some(Method::from_token(method)),
        headers: out,
    }))
}

/// How the body is delimited.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// One message per datagram (RFC 3261 §18.3): Content-Length optional,
    /// trailing bytes discarded, a short body is an error.
    Datagram,
    /// Stream: Content-Length mandatory, a short body means "wait".
    Stream,
}

/// Result of [`frame_into`].
pub(crate) enum Framed {
    /// The view holds the message.
    Complete,
    /// More bytes are needed (stream only); `needed` is the total length
    /// of the message once its head has been read.
    Incomplete { needed: Option<usize> },
}

/// `token` characters of RFC 3261 §25.1.
pub(crate) fn is_token_byte(b: u8) -> bool {
    crate::header::lex::is_token_byte(b)
}

fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_token_byte(b))
}

impl MessageView<'_> {
    /// A view to fill ([`frame_into`]).
    pub(crate) fn empty() -> Self {
        MessageView {
            start: StartLine::Response {
                code: 0,
                reason: "",
            },
            headers: SmallVec::new(),
            body: &[],
            len: 0,
            facts: LineFacts::default(),
            head: "",
        }
    }
}

/// Parses one message from the start of `buf` into `view` (from
/// [`MessageView::empty`]), which the caller owns, so the view (several
/// hundred bytes) is not moved on its way out.
pub(crate) fn frame_into<'a>(
    buf: &'a [u8],
    cfg: &ParserConfig,
    framing: Framing,
    view: &mut MessageView<'a>,
) -> Result<Framed, ParseError> {
    // RFC 3261 §7.5: ignore CRLFs before the start line.
    let mut pos = 0;
    while pos < buf.len() && (buf[pos] == b'\r' || buf[pos] == b'\n') {
        pos += 1;
    }
    if pos == buf.len() {
        return match framing {
            Framing::Datagram => Err(ParseError::new(K::Empty, 0)),
            Framing::Stream => Ok(Framed::Incomplete { needed: None }),
        };
    }
    // Start line.
    let Some(nl) = memchr::memchr(b'\n', &buf[pos..]) else {
        if buf.len() - pos > cfg.max_line_length {
            return Err(ParseError::new(
                K::LineTooLong {
                    limit: cfg.max_line_length,
                },
                pos,
            ));
        }
        return match framing {
            Framing::Datagram => Err(ParseError::new(K::UnterminatedHeaders, buf.len())),
            Framing::Stream => Ok(Framed::Incomplete { needed: None }),
        };
    };
    let line_end = pos + nl;
    if nl > cfg.max_line_length {
        return Err(ParseError::new(
            K::LineTooLong {
                limit: cfg.max_line_length,
            },
            pos,
        ));
    }
    let line = strip_cr(&buf[pos..line_end], cfg)
        .ok_or_else(|| ParseError::new(K::StartLine("bare LF"), line_end))?;
    let head_start = line_end + 1;
    let headers = &mut view.headers;
    let facts = &mut view.facts;
    // The usual head: the header block split in one pass, and one UTF-8
    // check for it and the start line together. Otherwise the start line
    // first, then the header grammar, each checked on its own.
    let mut head = "";
    let plain = split_plain(buf, (pos, head_start), cfg, headers, facts, &mut head);
    let start_text = match plain {
        Some(_) => head.get(..line.len()).map(Ok),
        None => None,
    }
    .unwrap_or_else(|| {
        core::str::from_utf8(line).map_err(|_| ParseError::new(K::StartLine("not UTF-8"), pos))
    });
    let start = match start_text.and_then(|l| parse_start_line(l, pos, cfg)) {
        Ok(s) => s,
        Err(e) => {
            headers.clear();
            return Err(start_line_failure(e, buf, line, line_end + 1, cfg));
        }
    };
    let method = match start {
        StartLine::Request { method, .. } => Some(method),
        StartLine::Response { .. } => None,
    };

    // Header block.
    view.head = if plain.is_some() { head } else { "" };
    let split = match plain {
        Some(end) => Ok(Some(end)),
        None => split_general(buf, head_start, cfg, headers, facts),
    };
    let body_start = match split {
        Ok(Some(b)) => b,
        Ok(None) => {
            if buf.len() > cfg.max_message_size {
                return Err(ParseError::new(
                    K::TooLarge {
                        limit: cfg.max_message_size,
                    },
                    cfg.max_message_size,
                ));
            }
            return match framing {
                Framing::Datagram => Err(with_partial(
                    ParseError::new(K::UnterminatedHeaders, buf.len()),
                    method,
                    headers,
                )),
                Framing::Stream => Ok(Framed::Incomplete { needed: None }),
            };
        }
        Err(e) => return Err(with_partial(e, method, headers)),
    };
    if body_start > cfg.max_message_size {
        return Err(with_partial(
            ParseError::new(
                K::TooLarge {
                    limit: cfg.max_message_size,
                },
                cfg.max_message_size,
            ),
            method,
            headers,
        ));
    }

    // Content-Length (RFC 3261 §18.3, §20.14).
    let (cl_count, cl_first) = facts.content_lengths;
    let mut declared: Option<usize> = None;
    let cl_lines: &[RawHeader<'_>] = match (cl_count, cl_first) {
        (1, Some(i)) => headers
            .get(usize::from(i))
            .map_or(&[][..], core::slice::from_ref),
        (0, _) => &[],
        _ => headers,
    };
    let is_cl = |h: &RawHeader<'_>| cl_count == 1 || h.is(&HeaderName::ContentLength);
    for h in cl_lines.iter().filter(|h| is_cl(h)) {
        let v = parse_content_length(h.value).ok_or_else(|| {
            with_partial(
                ParseError::new(K::ContentLength, body_start),
                method,
                headers,
            )
            .at_header(HeaderName::ContentLength)
        })?;
        if declared.is_some_and(|d| d != v) {
            return Err(with_partial(
                ParseError::new(K::ContentLength, body_start),
                method,
                headers,
            )
            .at_header(HeaderName::ContentLength));
        }
        declared = Some(v);
    }
    let available = buf.len() - body_start;
    let body_len = match (declared, framing) {
        (Some(n), _) => n,
        (None, Framing::Datagram) => available,
        (None, Framing::Stream) if cfg.lenient_stream_missing_content_length => 0,
        (None, Framing::Stream) => {
            return Err(with_partial(
                ParseError::new(K::MissingContentLength, body_start),
                method,
                headers,
            ))
        }
    };
    if body_start.saturating_add(body_len) > cfg.max_message_size {
        return Err(with_partial(
            ParseError::new(
                K::TooLarge {
                    limit: cfg.max_message_size,
                },
                body_start,
            ),
            method,
            headers,
        ));
    }
    if body_len > available {
        return match framing {
            Framing::Stream => Ok(Framed::Incomplete {
                needed: Some(body_start + body_len),
            }),
            Framing::Datagram => Err(with_partial(
                ParseError::new(
                    K::BodyTooShort {
                        declared: body_len,
                        available,
                    },
                    buf.len(),
                ),
                method,
                headers,
            )),
        };
    }
    let end = body_start + body_len;
    view.start = start;
    view.body = &buf[body_start..end];
    view.len = end;
    Ok(Framed::Complete)
}

/// Keeps what a 400 or 505 needs when the start line of what looks like a
/// request is rejected (RFC 4475 §3.1.2.7-§3.1.2.10, §3.1.2.16): the
/// method is the first token, and the headers are split leniently.
fn start_line_failure(
    e: ParseError,
    buf: &[u8],
    line: &[u8],
    head_start: usize,
    cfg: &ParserConfig,
) -> ParseError {
    let Ok(line) = core::str::from_utf8(line) else {
        return e;
    };
    if starts_with_version(line) {
        return e;
    }
    let method = line.split([' ', '\t']).next().unwrap_or("");
    if !is_token(method.as_bytes()) {
        return e;
    }
    let mut headers: SmallVec<[RawHeader<'_>; 20]> = SmallVec::new();
    let _ = split_headers_sip(buf, head_start, cfg, &mut headers);
    with_partial(e, Some(method), &headers)
}

fn with_partial(mut e: ParseError, method: Option<&str>, headers: &[RawHeader<'_>]) -> ParseError {
    e.partial = partial_from(method, headers);
    e
}

pub(crate) fn strip_cr<'a>(line: &'a [u8], cfg: &ParserConfig) -> Option<&'a [u8]> {
    match line.last() {
        Some(b'\r') => Some(&line[..line.len() - 1]),
        _ if cfg.lenient_bare_lf => Some(line),
        _ => None,
    }
}

fn parse_content_length(v: &str) -> Option<usize> {
    let mut b = v.as_bytes();
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    if b.is_empty() || b.len() > 10 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = b.iter().fold(0u64, |n, &c| n * 10 + u64::from(c - b'0'));
    usize::try_from(n).ok()
}

/// The head of `buf` (no leading CRLFs) read the way [`frame_into`] does
/// when the one-pass split declines: the start line checked on its own,
/// then the header grammar. `Ok(None)`: the block is not terminated.
#[cfg(test)]
#[allow(clippy::type_complexity)]
pub(crate) fn head_general_for_test<'a>(
    buf: &'a [u8],
    cfg: &ParserConfig,
) -> Result<Option<(StartLine<'a>, Vec<RawHeader<'a>>, usize)>, ParseError> {
    let nl = memchr::memchr(b'\n', buf).ok_or_else(|| ParseError::new(K::Empty, 0))?;
    let line =
        strip_cr(&buf[..nl], cfg).ok_or_else(|| ParseError::new(K::StartLine("bare LF"), nl))?;
    let start = core::str::from_utf8(line)
        .map_err(|_| ParseError::new(K::StartLine("not UTF-8"), 0))
        .and_then(|l| parse_start_line(l, 0, cfg))
        .map_err(|e| start_line_failure(e, buf, line, nl + 1, cfg))?;
    let mut out = SmallVec::new();
    let mut facts = LineFacts::default();
    let method = match start {
        StartLine::Request { method, .. } => Some(method),
        StartLine::Response { .. } => None,
    };
    let end = split_general(buf, nl + 1, cfg, &mut out, &mut facts)
        .map_err(|e| with_partial(e, method, &out))?;
    Ok(end.map(|e| (start, out.into_vec(), e)))
}

/// The start line (RFC 3261 §7.1, §7.2), already known to be UTF-8.
fn parse_start_line<'a>(
    line: &'a str,
    at: usize,
    cfg: &ParserConfig,
) -> Result<StartLine<'a>, ParseError> {
    let err = |m: &'static str| ParseError::new(K::StartLine(m), at);
    let line = if cfg.lenient_start_line_whitespace {
        line.trim_start_matches([' ', '\t'])
    } else {
        line
    };
    // The Request-URI's byte classes, when the split read them already.
    let mut uri_bad = None;
    // At most three parts, `n` of them.
    let mut parts = [""; 3];
    let mut n = 0;
    let mut push = |p: &'a str| {
        parts[n] = p;
        n += 1;
    };
    if cfg.lenient_start_line_whitespace {
        // Status lines keep their reason phrase whole.
        let mut rest = line;
        for _ in 0..2 {
            let Some(i) = rest.find([' ', '\t']) else {
                break;
            };
            push(&rest[..i]);
            rest = rest[i..].trim_start_matches([' ', '\t']);
        }
        push(rest);
    } else if let Some(([a, b, c], bad)) = usual_parts(line) {
        // What `splitn(3, ' ')` gives the usual line, found without
        // searching it.
        push(a);
        push(b);
        push(c);
        uri_bad = bad;
    } else {
        // `splitn(3, ' ')`
        let b = line.as_bytes();
        match memchr::memchr(b' ', b) {
            None => push(line),
            Some(i) => {
                push(&line[..i]);
                match memchr::memchr(b' ', &b[i + 1..]) {
                    None => push(&line[i + 1..]),
                    Some(j) => {
                        push(&line[i + 1..i + 1 + j]);
                        push(&line[i + 2 + j..]);
                    }
                }
            }
        }
    }
    if n < 3 {
        if n == 2 && is_version(parts[0]) {
            // `SIP/2.0 100` without the SP before an empty reason.
            return Err(err("missing SP after status code"));
        }
        return Err(err("expected three elements"));
    }
    if starts_with_version(parts[0]) {
        if !is_v2(parts[0]) {
            return Err(ParseError::new(K::Version, at));
        }
        // Three digits, read as they are checked.
        let code = match *parts[1].as_bytes() {
            [a, b, c] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
                u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
            }
            _ => return Err(ParseError::new(K::StatusCode, at)),
        };
        if !(100..=699).contains(&code) {
            return Err(ParseError::new(K::StatusCode, at));
        }
        if parts[2].bytes().any(|b| b < 0x20 && b != b'\t') {
            return Err(err("control character in reason phrase"));
        }
        return Ok(StartLine::Response {
            code,
            reason: parts[2],
        });
    }
    let (method, mut uri, mut version) = (parts[0], parts[1], parts[2]);
    if cfg.lenient_start_line_whitespace {
        version = version.trim_end_matches([' ', '\t']);
    }
    if !is_token(method.as_bytes()) {
        return Err(ParseError::new(K::Method, at));
    }
    if !is_version(version) {
        return Err(err("trailing characters after SIP version"));
    }
    if !is_v2(version) {
        return Err(ParseError::new(K::Version, at));
    }
    if cfg.lenient_bracketed_request_uri
        && uri.len() > 2
        && uri.starts_with('<')
        && uri.ends_with('>')
    {
        uri = &uri[1..uri.len() - 1];
        uri_bad = None;
    }
    // One pass for both checks; the first kind of byte is reported first.
    let bad = uri_bad.unwrap_or_else(|| uri_classes(uri));
    if uri.is_empty() || bad & 1 != 0 {
        return Err(err("whitespace or control character in Request-URI"));
    }
    if bad & 2 != 0 {
        return Err(err("'<', '>' or '\"' in Request-URI"));
    }
    Ok(StartLine::Request { method, uri })
}

/// The [`URI_BAD`] classes of the bytes of `uri`, or-ed.
fn uri_classes(uri: &str) -> u8 {
    uri.bytes().fold(0u8, |k, b| k | URI_BAD[usize::from(b)])
}

/// `splitn(3, ' ')` of the usual start line, or `None` (then split it):
/// a status line `SIP/2.0 DDD reason` (its first two spaces are at fixed
/// places), or a request line `method SP uri SP SIP/2.0` whose method is
/// a short run and whose URI holds no white space or control byte (so
/// its second space is the one before the version); for a request line,
/// also the [`uri_classes`] of the URI.
#[inline(always)]
fn usual_parts(line: &str) -> Option<([&str; 3], Option<u8>)> {
    let b = line.as_bytes();
    if let Some(w) = b.first_chunk::<12>() {
        if w.starts_with(b"SIP/2.0 ") && w[8..11].iter().all(u8::is_ascii_digit) && w[11] == b' ' {
            return Some(([line.get(..7)?, line.get(8..11)?, line.get(12..)?], None));
        }
    }
    let i = b.iter().take(16).position(|&c| c == b' ')?;
    let v = b.len().checked_sub(8)?;
    if i >= v || !b.ends_with(b" SIP/2.0") {
        return None;
    }
    let uri = line.get(i + 1..v)?;
    let bad = uri_classes(uri);
    if bad & 1 != 0 {
        return None;
    }
    Some(([line.get(..i)?, uri, line.get(v + 1..)?], Some(bad)))
}

/// Bytes a Request-URI may not hold: 1 for white space and controls
/// (`<= SP`, DEL), 2 for `<`, `>` and `"`.
static URI_BAD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = if c <= 0x20 || c == 0x7f {
            1
        } else if c == b'<' as usize || c == b'>' as usize || c == b'"' as usize {
            2
        } else {
            0
        };
        c += 1;
    }
    t
};

fn starts_with_version(s: &str) -> bool {
    s.len() >= 4 && s.as_bytes()[..4].eq_ignore_ascii_case(b"SIP/")
}

/// `SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT` (RFC 3261 §25.1).
fn is_version(s: &str) -> bool {
    if !starts_with_version(s) {
        return false;
    }
    let b = &s.as_bytes()[4..];
    let a = b.iter().take_while(|c| c.is_ascii_digit()).count();
    a > 0 && b.get(a) == Some(&b'.') && b.len() > a + 1 && b[a + 1..].iter().all(u8::is_ascii_digit)
}

fn is_v2(s: &str) -> bool {
    s.len() == 7 && s[4..] == *"2.0"
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The one-pass Request-URI byte check finds what the two
        /// predicates it replaces find.
        #[test]
        fn uri_byte_table_agrees(s in "[ -~\t\x00-\x1f\x7f\u{e9}]{0,16}") {
            let bad = s.bytes().fold(0u8, |k, b| k | URI_BAD[usize::from(b)]);
            proptest::prop_assert_eq!(bad & 1 != 0, s.bytes().any(|b| b <= b' ' || b == 0x7f));
            proptest::prop_assert_eq!(
                bad & 2 != 0,
                s.bytes().any(|b| matches!(b, b'<' | b'>' | b'"'))
            );
        }
    }

    proptest::proptest! {
        /// A status line's code is read as `parse::<u16>` of three ASCII
        /// digits reads it, and its parts are those of `splitn(3, ' ')`.
        #[test]
        fn status_line_reading_agrees(code in "[0-9a+\u{e9}]{0,4}", reason in "[ A-Za-z]{0,4}") {
            let line = format!("SIP/2.0 {code} {reason}");
            let cfg = ParserConfig::default();
            let want = (code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
                .then(|| code.parse::<u16>().ok())
                .flatten()
                .filter(|c| (100..=699).contains(c));
            let got = parse_start_line(&line, 0, &cfg);
            match want {
                Some(c) => proptest::prop_assert_eq!(
                    got.ok(),
                    Some(StartLine::Response { code: c, reason: line.splitn(3, ' ').nth(2).unwrap() })
                ),
                None => proptest::prop_assert_eq!(
                    got.map_err(|e| e.kind),
                    Err(K::StatusCode)
                ),
            }
        }
    }

    proptest::proptest! {
        /// The usual start line's parts are those of `splitn(3, ' ')`.
        #[test]
        fn usual_parts_are_those_of_splitn(
            line in "(SIP/2.0 |INVITE |ACK  |X |SIP/2.0  |)[0-9a-z: \t]{0,6}( |)(SIP/2.0|sip/2.0|OK| ok|[0-9 ]{0,4})",
        ) {
            if let Some((p, bad)) = usual_parts(&line) {
                let want: Vec<&str> = line.splitn(3, ' ').collect();
                proptest::prop_assert_eq!(&p[..], &want[..]);
                if let Some(bad) = bad {
                    proptest::prop_assert_eq!(bad, uri_classes(p[1]));
                }
            }
        }
    }

    proptest::proptest! {
        /// The byte-wise readers agree with the string-method readings.
        #[test]
        fn version_and_length_readers_agree(s in "(SIP/|sip/|)[0-9 .\t]{0,12}") {
            let version = starts_with_version(&s)
                && s[4..].split_once('.').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && a.bytes().all(|c| c.is_ascii_digit())
                        && b.bytes().all(|c| c.is_ascii_digit())
                });
            proptest::prop_assert_eq!(is_version(&s), version);
            let v = s.trim_matches([' ', '\t']);
            let length = (!v.is_empty() && v.len() <= 10 && v.bytes().all(|b| b.is_ascii_digit()))
                .then(|| v.parse::<usize>().ok())
                .flatten();
            proptest::prop_assert_eq!(parse_content_length(&s), length);
        }
    }
}
