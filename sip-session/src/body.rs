//! Message bodies as the session layer sees them: opaque bytes with a
//! content type, and the rule deciding whether a body is a session
//! description (RFC 3261 §13.2.1, §20.11).

use sip_core::header::HeaderName;
use sip_core::message::{Request, Response};
use sip_core::Headers;

/// A message body: a content type and opaque bytes. The stack never looks
/// inside; the application owns SDP.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Body {
    /// The Content-Type value (`application/sdp`).
    pub content_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

impl Body {
    /// A body of `content_type`.
    pub fn new(content_type: impl Into<String>, content: impl Into<Vec<u8>>) -> Body {
        Body {
            content_type: content_type.into(),
            content: content.into(),
        }
    }

    /// An `application/sdp` body.
    pub fn sdp(content: impl Into<Vec<u8>>) -> Body {
        Body::new("application/sdp", content)
    }

    pub(crate) fn apply_to_request(&self, r: &mut Request) {
        set_content_type(&mut r.headers, self.content_type.clone());
        r.body.clone_from(&self.content);
    }

    pub(crate) fn apply_to_response(&self, r: &mut Response) {
        set_content_type(&mut r.headers, self.content_type.clone());
        r.body.clone_from(&self.content);
    }

    /// [`apply_to_request`](Self::apply_to_request), moving the body.
    pub(crate) fn put_into_request(self, r: &mut Request) {
        set_content_type(&mut r.headers, self.content_type);
        r.body = self.content;
    }

    /// [`apply_to_response`](Self::apply_to_response), moving the body.
    pub(crate) fn put_into_response(self, r: &mut Response) {
        set_content_type(&mut r.headers, self.content_type);
        r.body = self.content;
    }
}

/// `headers.set(ContentType, value)`: appended when there is none (the
/// usual case, found by a search of the names only), else replacing them.
fn set_content_type(headers: &mut Headers, value: String) {
    if headers.contains(&HeaderName::ContentType) {
        headers.set(HeaderName::ContentType, value);
    } else {
        headers.push(HeaderName::ContentType, value);
    }
}

/// What a message body means to the offer/answer exchange.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum BodyKind {
    /// No body (or an empty one).
    None,
    /// A session description of an accepted type.
    Session(Body),
    /// A session body (by its Content-Disposition) of a type the agent
    /// does not accept: 415 for a request (RFC 3261 §8.2.3).
    Unsupported,
    /// A body of another disposition (`render`, `icon`, `alert`...), not
    /// part of offer/answer.
    Other,
}

/// Classifies the body of a message: only bodies whose disposition is
/// `session` count as offers or answers. Without Content-Disposition,
/// `application/sdp` (and every type in `accepted`) is `session`, others
/// `render` (RFC 3261 §20.11).
pub(crate) fn classify(headers: &Headers, body: &[u8], accepts: impl Fn(&str) -> bool) -> BodyKind {
    match kind(headers, body, accepts) {
        Kind::Session(ct) => BodyKind::Session(Body::new(ct, body.to_vec())),
        Kind::None => BodyKind::None,
        Kind::Unsupported => BodyKind::Unsupported,
        Kind::Other => BodyKind::Other,
    }
}

/// [`classify`] of a body the caller gives up, from the first
/// Content-Type and Content-Disposition values already looked up: a
/// session description takes the bytes without copying them.
pub(crate) fn classify_owned(
    content_type: Option<&str>,
    disposition: Option<&str>,
    body: Vec<u8>,
    accepts: impl Fn(&str) -> bool,
) -> BodyKind {
    match kind_of(content_type, disposition, &body, accepts) {
        Kind::Session(ct) => BodyKind::Session(Body::new(ct, body)),
        Kind::None => BodyKind::None,
        Kind::Unsupported => BodyKind::Unsupported,
        Kind::Other => BodyKind::Other,
    }
}

/// [`BodyKind`] without the body: the content type of a session one.
enum Kind<'a> {
    None,
    Session(&'a str),
    Unsupported,
    Other,
}

fn kind<'a>(headers: &'a Headers, body: &[u8], accepts: impl Fn(&str) -> bool) -> Kind<'a> {
    if body.is_empty() {
        return Kind::None;
    }
    kind_of(
        headers.get(&HeaderName::ContentType),
        headers.get(&HeaderName::ContentDisposition),
        body,
        accepts,
    )
}

/// [`classify`] from the first Content-Type and Content-Disposition
/// values, already looked up.
pub(crate) fn classify_lines(
    content_type: Option<&str>,
    disposition: Option<&str>,
    body: &[u8],
    accepts: impl Fn(&str) -> bool,
) -> BodyKind {
    match kind_of(content_type, disposition, body, accepts) {
        Kind::Session(ct) => BodyKind::Session(Body::new(ct, body.to_vec())),
        Kind::None => BodyKind::None,
        Kind::Unsupported => BodyKind::Unsupported,
        Kind::Other => BodyKind::Other,
    }
}

fn kind_of<'a>(
    content_type: Option<&'a str>,
    disposition: Option<&str>,
    body: &[u8],
    accepts: impl Fn(&str) -> bool,
) -> Kind<'a> {
    if body.is_empty() {
        return Kind::None;
    }
    let ct = sip_core::header::trim_value(content_type.unwrap_or(""));
    let disposition = disposition.map(|d| d.split(';').next().unwrap_or("").trim());
    let accepted = accepts(ct);
    let session = match disposition {
        Some(d) => d.eq_ignore_ascii_case("session"),
        None => accepted,
    };
    match (session, accepted) {
        (false, _) => Kind::Other,
        (true, true) => Kind::Session(ct),
        (true, false) => Kind::Unsupported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(ct: Option<&str>, cd: Option<&str>) -> Headers {
        let mut h = Headers::new();
        if let Some(ct) = ct {
            h.push(HeaderName::ContentType, ct);
        }
        if let Some(cd) = cd {
            h.push(HeaderName::ContentDisposition, cd);
        }
        h
    }

    fn sdp_only(ct: &str) -> bool {
        ct.split(';')
            .next()
            .unwrap()
            .trim()
            .eq_ignore_ascii_case("application/sdp")
    }

    #[test]
    fn classifies_by_disposition_and_type() {
        assert_eq!(classify(&h(None, None), b"", sdp_only), BodyKind::None);
        assert!(matches!(
            classify(&h(Some("application/sdp"), None), b"v=0", sdp_only),
            BodyKind::Session(b) if b.content == b"v=0"
        ));
        assert_eq!(
            classify(&h(Some("text/plain"), None), b"hi", sdp_only),
            BodyKind::Other
        );
        assert_eq!(
            classify(&h(Some("text/plain"), Some("session")), b"hi", sdp_only),
            BodyKind::Unsupported
        );
        assert_eq!(
            classify(
                &h(Some("application/sdp"), Some("render;handling=optional")),
                b"v=0",
                sdp_only
            ),
            BodyKind::Other
        );
        assert!(matches!(
            classify(
                &h(Some("Application/SDP"), Some("Session")),
                b"v=0",
                sdp_only
            ),
            BodyKind::Session(_)
        ));
    }

    #[test]
    fn set_content_type_is_headers_set() {
        for lines in [
            vec![],
            vec![(HeaderName::To, "t")],
            vec![
                (HeaderName::ContentType, "a/b"),
                (HeaderName::To, "t"),
                (HeaderName::ContentType, "c/d"),
            ],
        ] {
            let mut a = Headers::new();
            for (n, v) in &lines {
                a.push(n.clone(), *v);
            }
            let mut b = a.clone();
            set_content_type(&mut a, "application/sdp".into());
            b.set(HeaderName::ContentType, "application/sdp");
            assert_eq!(a, b);
        }
    }

    #[test]
    fn classify_variants_agree() {
        let cts = [
            None,
            Some("application/sdp"),
            Some("text/plain"),
            Some("Application/SDP ; x=1"),
        ];
        let cds = [
            None,
            Some("session"),
            Some("Session;handling=required"),
            Some("render"),
        ];
        for ct in cts {
            for cd in cds {
                for body in [&b""[..], b"v=0"] {
                    let h = h(ct, cd);
                    assert_eq!(
                        classify(&h, body, sdp_only),
                        classify_owned(
                            h.get(&HeaderName::ContentType),
                            h.get(&HeaderName::ContentDisposition),
                            body.to_vec(),
                            sdp_only
                        )
                    );
                    assert_eq!(
                        classify(&h, body, sdp_only),
                        classify_lines(
                            h.get(&HeaderName::ContentType),
                            h.get(&HeaderName::ContentDisposition),
                            body,
                            sdp_only
                        )
                    );
                }
            }
        }
    }
}
