//! From the borrowed view to the owned [`Message`], with the checks RFC
//! 3261 and RFC 4475 expect of the headers every element reads.

use super::error::{ParseError, ParseErrorKind as K};
use super::marks::TopViaMarks;
use super::split::{LineFacts, FOLDED};
use super::view::{MessageView, StartLine};
use crate::header::{HeaderName, Headers};
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::status::StatusCode;
use crate::uri::Uri;
use std::borrow::Cow;

/// Room kept in an owned message's header text for what a receiver adds in
/// place: `received` and `rport` in the top Via (RFC 3261 §18.2.1, RFC 3581
/// §4), a To tag.
const SPARE: usize = 64;

/// Replaces each folded line break (CRLF or LF followed by whitespace) and
/// the whitespace around it by one SP (RFC 3261 §7.3.1).
pub fn unfold(v: &str) -> Cow<'_, str> {
    if memchr::memchr2(b'\n', b'\r', v.as_bytes()).is_none() {
        return Cow::Borrowed(v);
    }
    let mut out = String::with_capacity(v.len());
    let mut pending_space = false;
    let mut in_break = false;
    for c in v.chars() {
        match c {
            '\r' | '\n' => {
                in_break = true;
                pending_space = true;
            }
            ' ' | '\t' if in_break => {}
            _ => {
                if pending_space {
                    while out.ends_with([' ', '\t']) {
                        out.pop();
                    }
                    out.push(' ');
                    pending_space = false;
                }
                in_break = false;
                out.push(c);
            }
        }
    }
    Cow::Owned(out)
}

impl MessageView<'_> {
    /// Converts to an owned [`Message`]: parses the Request-URI, unfolds
    /// header values, and checks the headers a SIP element relies on
    /// ([`super::validate`]). A failure keeps the request's partial fields
    /// so a 400 can still be sent.
    pub fn to_message(&self) -> Result<Message, ParseError> {
        self.build(false, None)
    }

    /// [`MessageView::to_message`]. `fresh`: the view is as framing left
    /// it (the caller framed it and nothing else saw it), so the facts
    /// about its lines hold without checking. With `top`, also where the
    /// fields of the top Via of a request lie when the check read it in
    /// one pass.
    pub(crate) fn build(
        &self,
        fresh: bool,
        top: Option<&mut Option<TopViaMarks>>,
    ) -> Result<Message, ParseError> {
        let facts = (fresh || self.facts.matches(&self.headers)).then_some(&self.facts);
        // The classes of the lines, when no value was unfolded: the
        // checks then read the lines of the view, which the owned headers
        // copy.
        let mut unfolded = None;
        let headers = match facts {
            // The class of each line and whether it may be folded, read in
            // step with the lines.
            Some(f) if f.bytes.len() == self.headers.len() => {
                let (headers, plain) = self.headers_by_class(f);
                unfolded = plain.then_some(&f.bytes[..]);
                headers
            }
            // Lines edited since framing: every name classified again,
            // every value unfolded.
            _ => {
                let mut headers = Headers::with_capacity_and_text(
                    self.headers.len(),
                    self.headers.iter().map(|h| h.value.len()).sum::<usize>() + SPARE,
                );
                for h in self.headers.iter() {
                    headers.push(HeaderName::parse(h.name), unfold(h.value));
                }
                headers
            }
        };
        let body = self.body.to_vec();
        // Each message is built in the return value once checked: a
        // `Message` is a few hundred bytes, and moving it costs.
        match self.start {
            StartLine::Request { method, uri: text } => {
                let method = Method::from_token(method);
                let mut uri = Uri::blank();
                uri.parse_into(text)
                    .map_err(|e| self.fail(ParseError::new(K::RequestUri(e), 0)))?;
                // RFC 3261 §19.1.1 (table 1): headers are not allowed in a
                // Request-URI (RFC 4475 §3.1.2.11).
                if matches!(&uri, Uri::Sip(u) if !u.headers.is_empty()) {
                    return Err(self.fail(ParseError::new(K::RequestUriHeaders, 0)));
                }
                self.check(&headers, unfolded, Some(&method), top)?;
                Ok(Message::Request(Request {
                    method,
                    uri,
                    headers,
                    body,
                }))
            }
            StartLine::Response { code, reason } => {
                let status =
                    StatusCode::new(code).ok_or_else(|| ParseError::new(K::StatusCode, 0))?;
                // The marks serve the server transaction's matching
                // (requests only): `top` stays `None`.
                self.check(&headers, unfolded, None, None)?;
                let canonical = status.default_reason();
                Ok(Message::Response(Response {
                    status,
                    reason: if reason == canonical {
                        Cow::Borrowed(canonical)
                    } else {
                        Cow::Owned(reason.to_owned())
                    },
                    headers,
                    body,
                }))
            }
        }
    }

    /// The owned lines, from the classes framing recorded (`f`, one per
    /// line). Without folded lines, and with the values slices of the
    /// head text, the values are copied in one go
    /// ([`Headers::from_source`]); otherwise one by one.
    fn headers_by_class(&self, f: &LineFacts) -> (Headers, bool) {
        let names = || {
            f.bytes
                .iter()
                .zip(self.headers.iter())
                .map(|(&byte, h)| HeaderName::of_class(byte & !FOLDED, h.name))
        };
        // A head split in one pass has no folded line (framing records
        // the head only then).
        debug_assert!(self.head.is_empty() || f.bytes.iter().all(|&b| b & FOLDED == 0));
        let plain = !self.head.is_empty() || f.bytes.iter().all(|&b| b & FOLDED == 0);
        if !self.head.is_empty() {
            let values = self.headers.iter().map(|h| h.value);
            if let Some(h) = Headers::from_source(self.head, values, names(), SPARE) {
                return (h, true);
            }
        }
        let text = self.headers.iter().map(|h| h.value.len()).sum::<usize>() + SPARE;
        let mut headers = Headers::with_capacity_and_text(self.headers.len(), text);
        for ((&byte, h), name) in f.bytes.iter().zip(self.headers.iter()).zip(names()) {
            if byte & FOLDED != 0 {
                headers.push(name, unfold(h.value));
            } else {
                headers.push(name, h.value);
            }
        }
        (headers, plain)
    }

    /// The parse-time checks ([`super::validate`]) of `headers`, built
    /// from this view; with `classes` (no value unfolded), reading the
    /// view's lines with those classes.
    fn check(
        &self,
        headers: &Headers,
        classes: Option<&[u8]>,
        method: Option<&Method>,
        top: Option<&mut Option<TopViaMarks>>,
    ) -> Result<(), ParseError> {
        match classes {
            Some(c) => super::validate::check_lines(
                c.iter()
                    .zip(self.headers.iter())
                    .map(|(&c, h)| (c, h.value)),
                headers,
                method,
                top,
            ),
            None => super::validate::check(headers, method, top),
        }
        .map_err(|e| self.fail(e))
    }

    fn fail(&self, mut e: ParseError) -> ParseError {
        e.partial = self.partial();
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolds_continuations() {
        assert_eq!(unfold("a,\r\n  b"), "a, b");
        assert_eq!(unfold("a \r\n\tb"), "a b");
        assert_eq!(unfold("plain"), "plain");
    }
}
