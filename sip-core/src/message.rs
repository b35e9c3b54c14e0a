//! The owned SIP message model (RFC 3261 §7): [`Request`], [`Response`] and
//! [`Message`].
//!
//! Headers are kept as ordered text lines ([`Headers`]) and read through
//! typed views on demand; the body is opaque bytes. Serialization
//! (`Display` and [`Message::to_bytes`]) writes canonical header names and
//! computes Content-Length from the body.

use crate::header::{HeaderName, Headers};
use crate::method::Method;
use crate::status::StatusCode;
use crate::uri::Uri;
use core::fmt;
use std::borrow::Cow;

/// A SIP request.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Request {
    /// The method of the Request-Line.
    pub method: Method,
    /// The Request-URI.
    pub uri: Uri,
    /// The header fields, in order.
    pub headers: Headers,
    /// The message body.
    pub body: Vec<u8>,
}

/// A SIP response.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Response {
    /// The status code.
    pub status: StatusCode,
    /// The reason phrase (may be empty, RFC 4475 §3.1.1.13). Borrowed
    /// when it is the status code's canonical phrase, which costs no
    /// allocation.
    pub reason: Cow<'static, str>,
    /// The header fields, in order.
    pub headers: Headers,
    /// The message body.
    pub body: Vec<u8>,
}

/// A request or a response.
#[derive(Clone, PartialEq, Eq, Debug)]
// Boxing the large variant would cost an allocation per message.
#[allow(clippy::large_enum_variant)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: Method, uri: Uri) -> Self {
        Request {
            method,
            uri,
            headers: Headers::new(),
            body: Vec::new(),
        }
    }
}

impl Response {
    /// A response with the canonical reason phrase, no headers and no body.
    pub fn new(status: StatusCode) -> Self {
        Response {
            status,
            reason: Cow::Borrowed(status.default_reason()),
            headers: Headers::new(),
            body: Vec::new(),
        }
    }
}

impl Message {
    /// The header fields.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// The header fields, mutably.
    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            Message::Request(r) => &mut r.headers,
            Message::Response(r) => &mut r.headers,
        }
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }

    /// True for a request.
    pub fn is_request(&self) -> bool {
        matches!(self, Message::Request(_))
    }

    /// The canonical wire form.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }

    /// Appends the canonical wire form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Message::Request(r) => r.write_to(out),
            Message::Response(r) => r.write_to(out),
        }
    }
}

/// Appends one header line, `Name: value` CRLF, with the canonical name.
#[inline]
pub(crate) fn write_header(name: &HeaderName, value: &str, out: &mut Vec<u8>) {
    match name.with_colon() {
        Some(prefix) => out.extend_from_slice(prefix.as_bytes()),
        None => {
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
        }
    }
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Appends CRLF (ending the line before) and then `Name: value`, with the
/// canonical name: for a known name, a copy of a fixed 32 bytes (of which
/// the prefix's are kept) and the value's copy.
#[inline(always)]
fn write_crlf_and_header(name: &HeaderName, value: &str, out: &mut Vec<u8>) {
    match name.crlf_with_colon_padded() {
        Some((prefix, len)) => {
            let end = out.len() + usize::from(*len);
            out.extend_from_slice(prefix);
            out.truncate(end);
        }
        None => {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
        }
    }
    out.extend_from_slice(value.as_bytes());
}

/// How many bytes [`write_crlf_and_header`] writes before a value of
/// `name`: CRLF, the name, `": "`. A request's wire form is its start line,
/// then for each header line but Content-Length this prefix and the value,
/// then [`tail_len`] bytes: where a value lies in the bytes can be counted
/// without searching them.
#[inline]
pub(crate) fn line_prefix_len(name: &HeaderName) -> usize {
    match name.crlf_with_colon_padded() {
        Some((_, len)) => usize::from(*len),
        None => name.as_str().len() + 4,
    }
}

/// How many bytes follow the last header value in the wire form of a
/// message with a body of `body_len` bytes: CRLF, the Content-Length line,
/// the blank line and the body.
#[inline]
pub(crate) fn tail_len(body_len: usize) -> usize {
    let digits = body_len.checked_ilog10().map_or(1, |d| d as usize + 1);
    b"\r\nContent-Length: ".len() + digits + 4 + body_len
}

/// Writes the header lines, Content-Length, blank line and body after a
/// start line written without its CRLF: each header line begins with the
/// CRLF that ends the line before it.
fn write_headers_and_body(headers: &Headers, body: &[u8], out: &mut Vec<u8>) {
    for h in headers {
        if h.name == HeaderName::ContentLength {
            continue;
        }
        write_crlf_and_header(h.name, h.value, out);
    }
    write_content_length(body.len(), out);
    out.extend_from_slice(body);
}

/// Appends CRLF (ending the last header line), `Content-Length: n` and the
/// blank line. The usual lengths (below 10 000) go in with copies of a
/// fixed size, no digit loop and no `memcpy` call.
#[inline]
fn write_content_length(n: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\r\nContent-Length: ");
    let d = |k: usize| b'0' + (n / k % 10) as u8;
    match n {
        0..=9 => out.extend_from_slice(&[d(1), b'\r', b'\n', b'\r', b'\n']),
        10..=99 => out.extend_from_slice(&[d(10), d(1), b'\r', b'\n', b'\r', b'\n']),
        100..=999 => out.extend_from_slice(&[d(100), d(10), d(1), b'\r', b'\n', b'\r', b'\n']),
        1_000..=9_999 => {
            out.extend_from_slice(&[d(1000), d(100), d(10), d(1), b'\r', b'\n', b'\r', b'\n'])
        }
        _ => {
            crate::text::push_u64(out, n as u64);
            out.extend_from_slice(b"\r\n\r\n");
        }
    }
}

/// Writes a request's wire form without a [`Request`] value, as
/// [`Request::write_to`] writes one with the same parts: the Request-Line
/// of `method` and `uri`, the Via line `via`, the lines `lines` writes
/// (each with [`write_header_line`], in order; no Content-Length, which
/// is computed), Content-Length and `body`. For a TU that writes a request
/// it builds only to send it (`TransactionLayer::send_request_written`).
pub fn write_request_parts(
    method: &Method,
    uri: &Uri,
    via: &str,
    lines: impl FnOnce(&mut Vec<u8>),
    body: &[u8],
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    uri.write_to(out);
    out.extend_from_slice(b" SIP/2.0");
    out.extend_from_slice(b"\r\nVia: ");
    out.extend_from_slice(via.as_bytes());
    lines(out);
    write_content_length(body.len(), out);
    out.extend_from_slice(body);
}

/// Writes a response's wire form without a [`Response`] value, as
/// [`Response::write_to`] writes one with the same parts: the Status-Line
/// of `status` and `reason`, the lines `lines` writes (each with
/// [`write_header_line`]; no Content-Length), Content-Length and `body`.
pub fn write_response_parts(
    status: StatusCode,
    reason: &str,
    lines: impl FnOnce(&mut Vec<u8>),
    body: &[u8],
    out: &mut Vec<u8>,
) {
    write_status_start(status, out);
    out.extend_from_slice(reason.as_bytes());
    lines(out);
    write_content_length(body.len(), out);
    out.extend_from_slice(body);
}

/// One header line of [`write_request_parts`]: `name: value` with the
/// canonical name, as the serializer writes a line of a [`Headers`].
pub fn write_header_line(name: &HeaderName, value: &str, out: &mut Vec<u8>) {
    write_crlf_and_header(name, value, out);
}

/// Appends `SIP/2.0 CODE ` with one copy of a fixed size: a status code
/// has three digits (100..=699, [`StatusCode::new`]).
#[inline]
fn write_status_start(status: StatusCode, out: &mut Vec<u8>) {
    let c = status.as_u16();
    let mut start = *b"SIP/2.0 000 ";
    start[8] = b'0' + (c / 100 % 10) as u8;
    start[9] = b'0' + (c / 10 % 10) as u8;
    start[10] = b'0' + (c % 10) as u8;
    out.extend_from_slice(&start);
}

impl Request {
    /// Appends the canonical wire form to `out`: Request-Line, headers with
    /// canonical names, a computed Content-Length, blank line, body.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        self.write_start_line(out);
        write_headers_and_body(&self.headers, &self.body, out);
    }

    /// The Request-Line without its CRLF.
    #[inline]
    fn write_start_line(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.method.as_str().as_bytes());
        out.push(b' ');
        self.uri.write_to(out);
        out.extend_from_slice(b" SIP/2.0");
    }

    /// The wire form [`write_to`](Self::write_to) gives once a Via line
    /// of `via` is put before every other line (`headers.prepend(Via,
    /// via)`), without changing the request: for a transaction layer
    /// whose TU keeps the request without that Via.
    pub(crate) fn write_to_with_via(&self, via: &str, out: &mut Vec<u8>) {
        self.write_start_line(out);
        // As `write_crlf_and_header` writes a Via line (kept to its one
        // caller, where it is inlined).
        out.extend_from_slice(b"\r\nVia: ");
        out.extend_from_slice(via.as_bytes());
        write_headers_and_body(&self.headers, &self.body, out);
    }

    /// The canonical wire form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.body.len());
        self.write_to(&mut out);
        out
    }
}

impl Response {
    /// Appends the canonical wire form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        write_status_start(self.status, out);
        out.extend_from_slice(self.reason.as_bytes());
        write_headers_and_body(&self.headers, &self.body, out);
    }

    /// The canonical wire form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.body.len());
        self.write_to(&mut out);
        out
    }
}

impl fmt::Display for Message {
    /// The wire form, with a non-UTF-8 body shown lossily.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

impl From<Request> for Message {
    fn from(r: Request) -> Self {
        Message::Request(r)
    }
}

impl From<Response> for Message {
    fn from(r: Response) -> Self {
        Message::Response(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wire form written line by line with [`write_header`], each line
    /// ending in its own CRLF: what the CRLF-first writer must equal.
    fn line_by_line(start: &str, headers: &Headers, body: &[u8]) -> Vec<u8> {
        let mut out = start.as_bytes().to_vec();
        out.extend_from_slice(b"\r\n");
        for h in headers {
            if h.name != HeaderName::ContentLength {
                write_header(h.name, h.value, &mut out);
            }
        }
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn content_length_and_status_writers_are_the_formatted_text() {
        let lengths = (0..=10_100).chain([99_999, 100_000, 123_456_789]);
        for n in lengths {
            let mut out = b"x".to_vec();
            write_content_length(n, &mut out);
            assert_eq!(
                out,
                format!("x\r\nContent-Length: {n}\r\n\r\n").into_bytes()
            );
        }
        for c in 100..=699 {
            let mut out = Vec::new();
            write_status_start(StatusCode::new(c).unwrap(), &mut out);
            assert_eq!(out, format!("SIP/2.0 {c} ").into_bytes());
        }
    }

    proptest::proptest! {
        /// Each value lies where [`line_prefix_len`] and [`tail_len`]
        /// count it, from the end of the bytes back.
        #[test]
        fn values_lie_where_the_lengths_count_them(
            lines in proptest::collection::vec(
                ("(?i)(via|from|to|call-id|content-length|route|x-[a-z]{1,6}|v|l)", "[ -~]{0,20}"),
                0..8,
            ),
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..1200),
        ) {
            let mut req = Request::new(Method::Invite, Uri::parse("sip:bob@example.com").unwrap());
            for (name, value) in &lines {
                req.headers.push(HeaderName::parse(name), value.as_str());
            }
            req.body = body;
            let wire = req.to_bytes();
            let mut pos = 0;
            let mut at = Vec::new();
            for h in &req.headers {
                if h.name != HeaderName::ContentLength {
                    pos += line_prefix_len(h.name);
                    at.push((pos, h.value));
                    pos += h.value.len();
                }
            }
            let start = wire.len() - tail_len(req.body.len()) - pos;
            proptest::prop_assert_eq!(start, "INVITE sip:bob@example.com SIP/2.0".len());
            for (p, value) in at {
                proptest::prop_assert_eq!(&wire[start + p..start + p + value.len()], value.as_bytes());
            }
        }

        #[test]
        fn crlf_first_lines_are_the_line_by_line_form(
            lines in proptest::collection::vec(
                ("(?i)(via|from|to|call-id|cseq|contact|content-length|content-type|max-forwards|x-[a-z]{1,6}|v|l)",
                 "[ -~]{0,20}"),
                0..8,
            ),
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
            status in 100u16..700,
        ) {
            let mut headers = Headers::new();
            for (name, value) in &lines {
                headers.push(HeaderName::parse(name), value.as_str());
            }
            let uri = Uri::parse("sip:bob@example.com").unwrap();
            let mut req = Request::new(Method::Invite, uri);
            req.headers = headers.clone();
            req.body = body.clone();
            let want = line_by_line("INVITE sip:bob@example.com SIP/2.0", &headers, &body);
            proptest::prop_assert_eq!(req.to_bytes(), want);

            let mut resp = Response::new(StatusCode::new(status).unwrap());
            resp.reason = Cow::Borrowed("Some Reason");
            resp.headers = headers.clone();
            resp.body = body.clone();
            let start = format!("SIP/2.0 {status} Some Reason");
            proptest::prop_assert_eq!(resp.to_bytes(), line_by_line(&start, &headers, &body));
        }
    }
}
