//! Responses built from the request they answer (RFC 3261 §8.2.6.2), in
//! one pass: the lines copied into one buffer, the To tag written in
//! place.

use sip_core::header::{HeaderName, HeaderRef, Headers};
use sip_core::message::{write_header_line, write_response_parts, Request, Response};
use sip_core::random::TokenSource;
use sip_core::status::StatusCode;

/// The To tag a response gets when the request's To has none.
pub(crate) enum ToTag<'a> {
    /// This tag.
    Given(&'a str),
    /// A fresh tag drawn from the token source (always drawn, taken or
    /// not, so that the token sequence does not depend on the request),
    /// written straight into the To value; `scratch` takes it when the To
    /// keeps its own.
    Fresh(&'a mut TokenSource, &'a mut String),
}

/// Bytes `response_to` reserves for the lines a response copies (a Via,
/// From, To, Call-ID and CSeq usually take about 200).
const COPIED_TEXT: usize = 320;

/// Length of a tag from [`TokenSource::tag`].
pub(crate) const TAG_LEN: usize = 10;

/// Length of a Call-ID from [`TokenSource::call_id`].
pub(crate) const CALL_ID_LEN: usize = 20;

/// True for the lines a response copies from its request (RFC 3261
/// §8.2.6.2): Via, From, To, Call-ID, CSeq.
fn copied(name: &HeaderName) -> bool {
    matches!(
        name,
        HeaderName::Via | HeaderName::From | HeaderName::To | HeaderName::CallId | HeaderName::CSeq
    )
}

/// Whether the To `value` of a request gets `;tag=`: the first To, not in
/// a 100, when it has no tag. `known` is the answer for the tag when the
/// caller already has it (the request was routed by its To tag).
fn takes_tag(value: &str, first: bool, trying: bool, known: Option<bool>) -> bool {
    if !first || trying {
        return false;
    }
    let has_tag = match known {
        Some(k) => {
            debug_assert_eq!(k, sip_core::transaction::key::tag(value).is_some());
            k
        }
        None => sip_core::transaction::key::tag(value).is_some(),
    };
    !has_tag
}

/// Writes `;tag=` and the tag after a To value; a fresh tag is drawn
/// into it (and `tag` left `None`).
fn write_tag(out: &mut String, tag: &mut Option<ToTag<'_>>) {
    out.push_str(";tag=");
    match tag {
        Some(ToTag::Given(t)) => out.push_str(t),
        Some(ToTag::Fresh(tokens, _)) => {
            tokens.fill_token(out, TAG_LEN);
            *tag = None;
        }
        None => {}
    }
}

/// A response to `req` (RFC 3261 §8.2.6.2): the same lines as
/// `Response::from_request` (Via, From, To, Call-ID and CSeq in the order
/// of the request, Timestamp for a 100), with `;tag=` added to the first
/// To when it has none and the status is not 100 (as `add_to_tag` does),
/// then Server when `server` is given. Built in one pass into one buffer
/// with room for the copied lines and `extra` more; a fresh tag not taken is
/// drawn anyway (into `scratch`). `to_tagged`: whether the request's To
/// has a tag, when the caller knows.
pub(crate) fn response_to(
    req: &Request,
    status: StatusCode,
    tag: Option<ToTag<'_>>,
    to_tagged: Option<bool>,
    extra: usize,
    server: Option<&str>,
) -> Response {
    response_to_seeing(req, status, tag, to_tagged, extra, server, |_, _| {})
}

/// [`response_to`], showing `see` every line of `req` (with its index)
/// in the pass that copies them: a caller reading the request's lines
/// needs no pass of its own.
pub(crate) fn response_to_seeing<'r>(
    req: &'r Request,
    status: StatusCode,
    mut tag: Option<ToTag<'_>>,
    to_tagged: Option<bool>,
    extra: usize,
    server: Option<&str>,
    mut see: impl FnMut(usize, HeaderRef<'r>),
) -> Response {
    let trying = status == StatusCode::TRYING;
    // Room for the copied lines of a usual request, not measured (a pass
    // over the lines costs more than the rare regrowth of a long one).
    let text = COPIED_TEXT + 5 + TAG_LEN + server.map_or(0, str::len) + 64 * extra;
    let mut headers = Headers::with_capacity_and_text(8 + extra, text);
    let mut first_to = true;
    for (i, h) in req.headers.iter().enumerate() {
        see(i, h);
        if !copied(h.name) {
            continue;
        }
        if matches!(h.name, HeaderName::To) {
            let tagged = tag.is_some() && takes_tag(h.value, first_to, trying, to_tagged);
            first_to = false;
            if tagged {
                headers.push_with(HeaderName::To, |out| {
                    out.push_str(h.value);
                    write_tag(out, &mut tag);
                });
                continue;
            }
        }
        headers.push(h.name.clone(), h.value);
    }
    if let Some(ToTag::Fresh(tokens, scratch)) = tag {
        scratch.clear();
        tokens.fill_token(scratch, TAG_LEN);
    }
    if trying {
        if let Some(ts) = req.headers.get(&HeaderName::Timestamp) {
            headers.push(HeaderName::Timestamp, ts);
        }
    }
    with_server(headers, status, server)
}

/// [`response_to`] with a fresh tag ([`ToTag::Fresh`]) for a request that
/// is given up and whose To has a tag (a request in a dialog), for any
/// status but 100: the request's own header list (`headers`, taken out of
/// it) becomes the response's,
/// its lines other than those a response copies dropped (no copy of the
/// copied ones). The fresh tag is drawn into `scratch` all the same.
pub(crate) fn response_from_tagged(
    mut headers: Headers,
    status: StatusCode,
    tokens: &mut TokenSource,
    scratch: &mut String,
    server: Option<&str>,
) -> Response {
    debug_assert!(status != StatusCode::TRYING);
    debug_assert!(sip_core::transaction::key::to_tag(&headers).is_some());
    headers.retain(|h| copied(h.name));
    scratch.clear();
    tokens.fill_token(scratch, TAG_LEN);
    with_server(headers, status, server)
}

/// The wire form of [`response_from_tagged`]'s response (of the request
/// whose lines are `headers`), written without building it; the tag it
/// draws is not drawn here.
pub(crate) fn write_from_tagged(
    headers: &Headers,
    status: StatusCode,
    server: Option<&str>,
    out: &mut Vec<u8>,
) {
    let lines = |out: &mut Vec<u8>| {
        for h in headers {
            if copied(h.name) {
                write_header_line(h.name, h.value, out);
            }
        }
        if let Some(ua) = server {
            write_header_line(&HeaderName::Server, ua, out);
        }
    };
    write_response_parts(status, status.default_reason(), lines, &[], out);
}

/// The response with `headers`, Server appended when `server` is given,
/// and the canonical reason phrase.
fn with_server(mut headers: Headers, status: StatusCode, server: Option<&str>) -> Response {
    if let Some(ua) = server {
        headers.push(HeaderName::Server, ua);
    }
    Response {
        status,
        reason: status.default_reason().into(),
        headers,
        body: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sip_core::uri::Uri;

    /// Adds `;tag=` to the To of `r` unless it has one (RFC 3261
    /// §8.2.6.2): what `response_to` does, the long way.
    fn add_to_tag(r: &mut Response, tag: &str) {
        let to = r.headers.get(&HeaderName::To).unwrap();
        if sip_core::transaction::key::tag(to).is_none() {
            let tagged = format!("{to};tag={tag}");
            let i = r.headers.position(&HeaderName::To).unwrap();
            r.headers.replace_at(i, &tagged);
        }
    }

    fn requests() -> Vec<Request> {
        let texts = [
            "INVITE sip:bob@b.example SIP/2.0\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP p.example;branch=z9hG4bK2, SIP/2.0/UDP q.example;branch=z9hG4bK3\r\nMax-Forwards: 70\r\nFrom: <sip:alice@a.example>;tag=1\r\nTo: \"Bob\" <sip:bob@b.example>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nTimestamp: 54\r\nContact: <sip:alice@a.example>\r\nContent-Length: 0\r\n\r\n",
            "BYE sip:bob@b.example SIP/2.0\r\nv: SIP/2.0/UDP a.example;branch=z9hG4bK4\r\nt: <sip:bob@b.example>;tag=xyz\r\nf: <sip:alice@a.example>;tag=1\r\ni: c1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
        ];
        let mut v: Vec<Request> = texts
            .iter()
            .map(
                |t| match sip_core::parse::parse_message(t.as_bytes()).unwrap() {
                    sip_core::Message::Request(r) => r,
                    _ => unreachable!(),
                },
            )
            .collect();
        // Two Via lines (not one with two values).
        let mut vias = v[0].clone();
        vias.headers
            .push(HeaderName::Via, "SIP/2.0/UDP z.example;branch=z9hG4bK9");
        v.push(vias);
        // Built by hand: the parser refuses two To lines.
        let mut odd = Request::new(
            sip_core::Method::Options,
            Uri::parse("sip:bob@b.example").unwrap(),
        );
        for (n, val) in [
            (HeaderName::Via, "SIP/2.0/UDP a.example;branch=z9hG4bK5"),
            (HeaderName::To, "<sip:bob@b.example>;tag="),
            (HeaderName::To, "<sip:carol@b.example>"),
            (HeaderName::From, "<sip:alice@a.example>;tag=1"),
            (HeaderName::CallId, "c2"),
            (HeaderName::CSeq, "3 OPTIONS"),
        ] {
            odd.headers.push(n, val);
        }
        v.push(odd);
        v
    }

    /// The token lengths are those of `TokenSource::tag` and `call_id`:
    /// filling that many characters draws the same text.
    #[test]
    fn token_lengths_agree_with_the_token_source() {
        let mut a = TokenSource::from_seed(4);
        let mut b = TokenSource::from_seed(4);
        let mut v = String::new();
        a.fill_token(&mut v, TAG_LEN);
        assert_eq!(v, b.tag());
        v.clear();
        a.fill_token(&mut v, CALL_ID_LEN);
        assert_eq!(v, b.call_id());
        assert_eq!(a.next_u64(), b.next_u64());
    }

    /// `response_from_tagged` builds what `response_to` builds from the
    /// same request with a fresh tag, and draws the same tokens;
    /// `write_from_tagged` writes its bytes.
    #[test]
    fn response_from_tagged_is_response_to() {
        let tagged = requests()
            .into_iter()
            .filter(|r| sip_core::transaction::key::to_tag(&r.headers).is_some());
        let mut n = 0;
        for req in tagged {
            for status in [StatusCode::OK, StatusCode::CALL_DOES_NOT_EXIST] {
                for server in [None, Some("ua/1")] {
                    let mut a = TokenSource::from_seed(9);
                    let mut b = TokenSource::from_seed(9);
                    let (mut sa, mut sb) = (String::new(), String::from("x"));
                    let fresh = Some(ToTag::Fresh(&mut a, &mut sa));
                    let expected = response_to(&req, status, fresh, Some(true), 4, server);
                    let r =
                        response_from_tagged(req.headers.clone(), status, &mut b, &mut sb, server);
                    assert_eq!(r, expected);
                    assert_eq!(r.to_bytes(), expected.to_bytes());
                    // Written without building it: the same bytes.
                    let mut written = Vec::new();
                    write_from_tagged(&req.headers, status, server, &mut written);
                    assert_eq!(written, expected.to_bytes());
                    assert_eq!(sa, sb);
                    assert_eq!(a.next_u64(), b.next_u64());
                    n += 1;
                }
            }
        }
        assert!(n > 0);
    }

    /// `response_to` builds what
    /// `Response::from_request`, `add_to_tag` and a pushed Server header
    /// build, and draw the same tokens as `TokenSource::tag` for a fresh
    /// tag.
    #[test]
    fn response_to_matches_from_request() {
        let statuses = [
            StatusCode::TRYING,
            StatusCode::RINGING,
            StatusCode::OK,
            StatusCode::CALL_DOES_NOT_EXIST,
        ];
        for req in requests() {
            for status in statuses {
                for server in [None, Some("ua/1")] {
                    let expected = |tag: Option<&str>| {
                        let mut r = Response::from_request(&req, status);
                        if status != StatusCode::TRYING {
                            if let Some(tag) = tag {
                                add_to_tag(&mut r, tag);
                            }
                        }
                        if let Some(s) = server {
                            r.headers.push(HeaderName::Server, s);
                        }
                        r
                    };
                    let known = Some(sip_core::transaction::key::to_tag(&req.headers).is_some());
                    for to_tagged in [None, known] {
                        assert_eq!(
                            response_to(&req, status, None, to_tagged, 0, server),
                            expected(None)
                        );
                        let given = Some(ToTag::Given("t1"));
                        assert_eq!(
                            response_to(&req, status, given, to_tagged, 3, server),
                            expected(Some("t1"))
                        );
                    }
                    let mut a = TokenSource::from_seed(9);
                    let mut b = TokenSource::from_seed(9);
                    let mut scratch = String::new();
                    let fresh = response_to(
                        &req,
                        status,
                        Some(ToTag::Fresh(&mut a, &mut scratch)),
                        None,
                        0,
                        server,
                    );
                    let tag = b.tag();
                    assert_eq!(fresh, expected(Some(&tag)));
                    assert_eq!(a.next_u64(), b.next_u64());
                }
            }
        }
    }
}
