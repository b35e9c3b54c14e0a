//! Builders for requests and responses that are hard to get wrong.
//!
//! * [`RequestBuilder`] fills what RFC 3261 §8.1.1 requires: the CSeq method
//!   always equals the request method, Max-Forwards defaults to 70, a body
//!   always has its Content-Type, Content-Length is computed on
//!   serialization, and `build` refuses a request without From, To or
//!   Call-ID. The Via is stamped by the transaction layer when it sends.
//! * [`Response::from_request`] copies Via, From, To, Call-ID and CSeq as
//!   §8.2.6.2 says.

use crate::header::{HeaderName, Headers};
use crate::message::{Request, Response};
use crate::method::Method;
use crate::name_addr::NameAddr;
use crate::status::StatusCode;
use crate::uri::Uri;

/// Why a request could not be built.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A header RFC 3261 §8.1.1 requires was not given.
    #[error("missing mandatory header {0}")]
    Missing(&'static str),
}

/// Builds a [`Request`]; see the module documentation.
///
/// ```
/// use sip_core::builder::RequestBuilder;
/// use sip_core::{Method, NameAddr, Uri, HeaderName};
///
/// let bob: Uri = "sip:bob@example.com".parse().unwrap();
/// let req = RequestBuilder::new(Method::Invite, bob.clone())
///     .from(NameAddr::new("sip:alice@example.com".parse::<Uri>().unwrap()), "1928301774")
///     .to(NameAddr::new(bob))
///     .call_id("a84b4c76e66710")
///     .cseq(314159)
///     .body("application/sdp", b"v=0\r\n".to_vec())
///     .build()
///     .unwrap();
/// assert_eq!(req.headers.get(&HeaderName::CSeq), Some("314159 INVITE"));
/// assert_eq!(req.headers.get(&HeaderName::MaxForwards), Some("70"));
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct RequestBuilder {
    method: Method,
    uri: Uri,
    from: Option<String>,
    to: Option<String>,
    call_id: Option<String>,
    cseq: u32,
    max_forwards: u8,
    extra: Headers,
    body: Option<(String, Vec<u8>)>,
}

impl RequestBuilder {
    /// A request with `method` to `uri`.
    pub fn new(method: Method, uri: Uri) -> Self {
        RequestBuilder {
            method,
            uri,
            from: None,
            to: None,
            call_id: None,
            cseq: 1,
            max_forwards: 70,
            extra: Headers::new(),
            body: None,
        }
    }

    /// The From address with its tag (RFC 3261 §8.1.1.3: a UAC always adds
    /// a From tag).
    pub fn from(mut self, mut from: NameAddr, tag: &str) -> Self {
        from.params.set("tag", Some(tag));
        self.from = Some(from.to_string());
        self
    }

    /// The To address (its tag, if any, is kept: in-dialog requests carry
    /// the remote tag).
    pub fn to(mut self, to: NameAddr) -> Self {
        self.to = Some(to.to_string());
        self
    }

    /// The Call-ID.
    pub fn call_id(mut self, id: &str) -> Self {
        self.call_id = Some(id.to_owned());
        self
    }

    /// The CSeq number; the CSeq method is always the request method.
    pub fn cseq(mut self, seq: u32) -> Self {
        self.cseq = seq;
        self
    }

    /// Max-Forwards (default 70, RFC 3261 §8.1.1.6).
    pub fn max_forwards(mut self, n: u8) -> Self {
        self.max_forwards = n;
        self
    }

    /// A Contact header.
    pub fn contact(self, contact: NameAddr) -> Self {
        self.header(HeaderName::Contact, contact.to_string())
    }

    /// Any other header, appended in order.
    pub fn header(mut self, name: HeaderName, value: impl AsRef<str>) -> Self {
        self.extra.push(name, value);
        self
    }

    /// A body and its Content-Type.
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.body = Some((content_type.to_owned(), body));
        self
    }

    /// The request, or which mandatory header is missing.
    pub fn build(self) -> Result<Request, BuildError> {
        let from = self.from.ok_or(BuildError::Missing("From"))?;
        let to = self.to.ok_or(BuildError::Missing("To"))?;
        let call_id = self.call_id.ok_or(BuildError::Missing("Call-ID"))?;
        let mut headers = Headers::with_capacity(8 + self.extra.len());
        headers.push(HeaderName::MaxForwards, self.max_forwards.to_string());
        headers.push(HeaderName::From, from);
        headers.push(HeaderName::To, to);
        headers.push(HeaderName::CallId, call_id);
        headers.push(HeaderName::CSeq, format!("{} {}", self.cseq, self.method));
        headers.extend(self.extra.iter());
        let mut body = Vec::new();
        if let Some((ct, b)) = self.body {
            headers.set(HeaderName::ContentType, ct);
            body = b;
        }
        Ok(Request {
            method: self.method,
            uri: self.uri,
            headers,
            body,
        })
    }
}

impl Response {
    /// A response to `req` with the canonical reason phrase, copying Via
    /// (all values, in order), From, To, Call-ID and CSeq (RFC 3261
    /// §8.2.6.2). Add the To tag with [`Response::with_to_tag`] when the
    /// request's To has none (every response but 100 needs one, §8.2.6.2).
    pub fn from_request(req: &Request, status: StatusCode) -> Response {
        let mut headers = Headers::with_capacity(8);
        for h in &req.headers {
            if copied_from_request(h.name) {
                headers.push(h.name.clone(), h.value);
            }
        }
        // RFC 3261 §8.2.6.1: a 100 Trying copies Timestamp.
        if status == StatusCode::TRYING {
            if let Some(ts) = req.headers.get(&HeaderName::Timestamp) {
                headers.push(HeaderName::Timestamp, ts);
            }
        }
        Response {
            status,
            reason: status.default_reason().into(),
            headers,
            body: Vec::new(),
        }
    }

    /// The wire form of `Response::from_request(req, status)`, written
    /// straight from the request's header lines (no intermediate
    /// [`Response`]): what the transaction layer sends as 100 (Trying).
    pub fn bytes_from_request(req: &Request, status: StatusCode) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(b"SIP/2.0 ");
        crate::text::push_u64(&mut out, u64::from(status.as_u16()));
        out.push(b' ');
        out.extend_from_slice(status.default_reason().as_bytes());
        out.extend_from_slice(b"\r\n");
        for h in &req.headers {
            if copied_from_request(h.name) {
                crate::message::write_header(h.name, h.value, &mut out);
            }
        }
        if status == StatusCode::TRYING {
            if let Some(ts) = req.headers.get(&HeaderName::Timestamp) {
                crate::message::write_header(&HeaderName::Timestamp, ts, &mut out);
            }
        }
        out.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        out
    }

    /// Adds `;tag=tag` to the To header if it has no tag yet.
    pub fn with_to_tag(mut self, tag: &str) -> Response {
        if let Some(to) = self.headers.get(&HeaderName::To) {
            if crate::transaction::key::tag(to).is_none() {
                self.headers
                    .append_to_first(&HeaderName::To, &[";tag=", tag]);
            }
        }
        self
    }

    /// Sets the reason phrase.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Response {
        self.reason = reason.into().into();
        self
    }

    /// Appends a header.
    pub fn with_header(mut self, name: HeaderName, value: impl AsRef<str>) -> Response {
        self.headers.push(name, value);
        self
    }

    /// Sets the body and its Content-Type.
    pub fn with_body(mut self, content_type: &str, body: Vec<u8>) -> Response {
        self.headers.set(HeaderName::ContentType, content_type);
        self.body = body;
        self
    }
}

/// The headers a response copies from its request (RFC 3261 §8.2.6.2).
fn copied_from_request(name: &HeaderName) -> bool {
    matches!(
        name,
        HeaderName::Via | HeaderName::From | HeaderName::To | HeaderName::CallId | HeaderName::CSeq
    )
}

impl crate::parse::PartialRequest {
    /// A response (400 or 505 from [`ParseError::response_status`]) built
    /// from what could be read of a rejected request, or `None` if a field
    /// a response needs is missing (RFC 3261 §8.2.6.2).
    ///
    /// [`ParseError::response_status`]: crate::parse::ParseError::response_status
    pub fn response(&self, status: StatusCode, reason: &str) -> Option<Response> {
        if !self.can_respond() {
            return None;
        }
        let mut r = Response::new(status).with_reason(reason);
        r.headers = self.headers.clone();
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_message;
    use crate::Message;

    const INVITE: &[u8] = b"INVITE sip:bob@biloxi.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n\
Via: SIP/2.0/UDP proxy.atlanta.com;branch=z9hG4bK1\r\n\
Max-Forwards: 70\r\nTo: Bob <sip:bob@biloxi.com>\r\n\
From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.com\r\nCSeq: 314159 INVITE\r\n\
Timestamp: 54\r\nContact: <sip:alice@pc33.atlanta.com>\r\nContent-Length: 0\r\n\r\n";

    fn invite() -> Request {
        match parse_message(INVITE).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    }

    #[test]
    fn response_copies_the_section_8_2_6_2_headers() {
        let req = invite();
        let r = Response::from_request(&req, StatusCode::RINGING).with_to_tag("a6c85cf");
        let names: Vec<_> = r.headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["Via", "Via", "To", "From", "Call-ID", "CSeq"]);
        assert_eq!(
            r.headers.get(&HeaderName::To),
            Some("Bob <sip:bob@biloxi.com>;tag=a6c85cf")
        );
        // A second with_to_tag does not add a second tag.
        let r = r.with_to_tag("other");
        assert_eq!(
            crate::header::To::tag_of(r.headers.get(&HeaderName::To).unwrap()),
            Some("a6c85cf")
        );
        // 100 Trying copies Timestamp (§8.2.6.1); other responses do not.
        let t = Response::from_request(&req, StatusCode::TRYING);
        assert_eq!(t.headers.get(&HeaderName::Timestamp), Some("54"));
        assert!(!r.headers.contains(&HeaderName::Timestamp));
        // The result re-parses.
        assert!(parse_message(&r.to_bytes()).is_ok());
    }

    #[test]
    fn response_bytes_straight_from_the_request_match_the_response() {
        let mut req = invite();
        for status in [StatusCode::TRYING, StatusCode::RINGING, StatusCode::OK] {
            assert_eq!(
                Response::bytes_from_request(&req, status),
                Response::from_request(&req, status).to_bytes()
            );
        }
        // Compact and odd-case names are written canonically, as
        // serialization does; a Content-Length in the request is not
        // copied.
        req.headers.push(HeaderName::ContentLength, "12");
        req.headers.remove(&HeaderName::Timestamp);
        assert_eq!(
            Response::bytes_from_request(&req, StatusCode::TRYING),
            Response::from_request(&req, StatusCode::TRYING).to_bytes()
        );
        let compact = b"INVITE sip:b@c SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
f: <sip:a@c>;tag=1\r\nt: <sip:b@c>\r\ni: x\r\ncseq: 1 INVITE\r\nl: 0\r\n\r\n";
        let Message::Request(req) = parse_message(compact).unwrap() else {
            unreachable!()
        };
        assert_eq!(
            Response::bytes_from_request(&req, StatusCode::TRYING),
            Response::from_request(&req, StatusCode::TRYING).to_bytes()
        );
    }

    #[test]
    fn builder_refuses_missing_headers_and_keeps_cseq_method() {
        let uri: Uri = "sip:bob@biloxi.com".parse().unwrap();
        let e = RequestBuilder::new(Method::Bye, uri.clone())
            .call_id("x")
            .build();
        assert_eq!(e.unwrap_err(), BuildError::Missing("From"));
        let req = RequestBuilder::new(Method::Bye, uri.clone())
            .from(NameAddr::new(uri.clone()), "t1")
            .to(NameAddr::new(uri))
            .call_id("x")
            .cseq(7)
            .build()
            .unwrap();
        assert_eq!(req.headers.get(&HeaderName::CSeq), Some("7 BYE"));
        let mut bytes = req.to_bytes();
        // Add the Via the transaction layer would stamp, then parse back.
        let at = bytes.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
        bytes.splice(
            at..at,
            b"Via: SIP/2.0/UDP h;branch=z9hG4bK9\r\n".iter().copied(),
        );
        assert!(parse_message(&bytes).is_ok());
    }

    #[test]
    fn partial_request_answers_400() {
        let bad = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n";
        let e = parse_message(bad).unwrap_err();
        let r = e
            .partial
            .as_ref()
            .unwrap()
            .response(e.response_status(), &e.reason_phrase())
            .unwrap();
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.headers.get(&HeaderName::CallId), Some("c"));
    }
}
