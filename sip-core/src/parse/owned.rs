//! From the borrowed view to the owned [`Message`], with the checks RFC
//! 3261 and RFC 4475 expect of the headers every element reads.

use super::error::{ParseError, ParseErrorKind as K};
use super::split::line_class;
use super::view::{MessageView, StartLine};
use crate::header::{Header, HeaderName, Headers};
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::status::StatusCode;
use crate::uri::Uri;
use std::borrow::Cow;

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
        let mut headers = Headers::with_capacity(self.headers.len());
        let facts = self.facts.matches(&self.headers).then_some(&self.facts);
        headers.extend(self.headers.iter().enumerate().map(|(i, h)| {
            let (class, folded) = line_class(facts, &self.headers, i);
            Header {
                name: HeaderName::of_class(class, h.name),
                value: if folded {
                    unfold(h.value).into_owned()
                } else {
                    h.value.to_owned()
                },
            }
        }));
        let body = self.body.to_vec();
        let msg = match self.start {
            StartLine::Request { method, uri } => {
                let uri =
                    Uri::parse(uri).map_err(|e| self.fail(ParseError::new(K::RequestUri(e), 0)))?;
                // RFC 3261 §19.1.1 (table 1): headers are not allowed in a
                // Request-URI (RFC 4475 §3.1.2.11).
                if matches!(&uri, Uri::Sip(u) if !u.headers.is_empty()) {
                    return Err(self.fail(ParseError::new(K::RequestUriHeaders, 0)));
                }
                Message::Request(Request {
                    method: Method::from_token(method),
                    uri,
                    headers,
                    body,
                })
            }
            StartLine::Response { code, reason } => Message::Response(Response {
                status: StatusCode::new(code).ok_or_else(|| ParseError::new(K::StatusCode, 0))?,
                reason: reason.to_owned(),
                headers,
                body,
            }),
        };
        super::validate::check(&msg).map_err(|e| self.fail(e))?;
        Ok(msg)
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
