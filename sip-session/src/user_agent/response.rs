//! Responses built from the request they answer (RFC 3261 §8.2.6.2), in
//! one pass: the lines copied (or taken from a request not needed any
//! more), the To tag written once at its size.

use sip_core::header::{HeaderName, Headers};
use sip_core::message::{Request, Response};
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

/// Length of a tag from [`TokenSource::tag`].
pub(crate) const TAG_LEN: usize = 10;

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

/// `to` with `;tag=` and the tag, built at its final size; a fresh tag is
/// drawn into it (and `tag` left `None`).
fn tagged_to(to: &str, tag: &mut Option<ToTag<'_>>) -> Option<String> {
    let len = match tag.as_ref()? {
        ToTag::Given(t) => t.len(),
        ToTag::Fresh(..) => TAG_LEN,
    };
    let mut v = String::with_capacity(to.len() + 5 + len);
    v.push_str(to);
    v.push_str(";tag=");
    match tag {
        Some(ToTag::Given(t)) => v.push_str(t),
        Some(ToTag::Fresh(tokens, _)) => {
            tokens.fill_token(&mut v, TAG_LEN);
            *tag = None;
        }
        None => {}
    }
    Some(v)
}

/// The end of a response: a fresh tag not taken drawn anyway, Timestamp
/// (RFC 3261 §8.2.6.1: a 100 copies it), Server.
fn finish(
    mut headers: Headers,
    status: StatusCode,
    tag: Option<ToTag<'_>>,
    timestamp: Option<String>,
    server: Option<&str>,
) -> Response {
    if let Some(ToTag::Fresh(tokens, scratch)) = tag {
        scratch.clear();
        tokens.fill_token(scratch, TAG_LEN);
    }
    if let Some(ts) = timestamp {
        headers.push(HeaderName::Timestamp, ts);
    }
    if let Some(ua) = server {
        headers.push(HeaderName::Server, ua);
    }
    Response {
        status,
        reason: status.default_reason().to_owned(),
        headers,
        body: Vec::new(),
    }
}

/// The names of [`copied`], indexed as [`copied_once`] reports them.
const COPIED: [HeaderName; 5] = [
    HeaderName::Via,
    HeaderName::From,
    HeaderName::To,
    HeaderName::CallId,
    HeaderName::CSeq,
];

/// When each copied name is on one line at most (the usual case): the
/// copied lines of `req` in order, as indexes into [`COPIED`], and how
/// many there are.
fn copied_once(req: &Request) -> Option<([usize; 5], usize)> {
    let mut order = [0usize; 5];
    let mut seen = [false; 5];
    let mut n = 0;
    for h in &req.headers {
        let k = match h.name {
            HeaderName::Via => 0,
            HeaderName::From => 1,
            HeaderName::To => 2,
            HeaderName::CallId => 3,
            HeaderName::CSeq => 4,
            _ => continue,
        };
        if seen[k] {
            return None;
        }
        seen[k] = true;
        order[n] = k;
        n += 1;
    }
    Some((order, n))
}

/// The lines [`lend_response`] moved out of a request, to be given back
/// with [`give_back`].
pub(crate) struct Lent {
    /// The names lent, as indexes into [`COPIED`]: the response's first
    /// `lines` lines.
    order: [usize; 5],
    /// How many of the response's first lines came from the request.
    lines: usize,
    /// Whether the To line is among them (it is not when the response's
    /// To is the tagged copy).
    to: bool,
}

/// [`response_to`] for a request that is needed again once the response
/// is sent: the copied lines move into the response and [`give_back`]
/// returns them, so that nothing is copied. A request with a copied name
/// on several lines gets a copied response (and nothing to give back).
/// Lines added to the response go after the lent ones.
pub(crate) fn lend_response(
    req: &mut Request,
    status: StatusCode,
    mut tag: Option<ToTag<'_>>,
    to_tagged: Option<bool>,
    extra: usize,
    server: Option<&str>,
) -> (Response, Lent) {
    let Some((order, n)) = copied_once(req) else {
        let r = response_to(req, status, tag, to_tagged, extra, server);
        return (
            r,
            Lent {
                order: [0; 5],
                lines: 0,
                to: false,
            },
        );
    };
    let trying = status == StatusCode::TRYING;
    let mut headers = Headers::with_capacity(8 + extra);
    let mut to = false;
    for &k in &order[..n] {
        let name = &COPIED[k];
        let Some(value) = req.headers.get_mut(name) else {
            continue;
        };
        if k == 2 && takes_tag(value, true, trying, to_tagged) {
            if let Some(v) = tagged_to(value, &mut tag) {
                headers.push(name.clone(), v);
                continue;
            }
        }
        to |= k == 2;
        headers.push(name.clone(), core::mem::take(value));
    }
    let timestamp = trying
        .then(|| req.headers.get(&HeaderName::Timestamp).map(str::to_owned))
        .flatten();
    let r = finish(headers, status, tag, timestamp, server);
    (
        r,
        Lent {
            order,
            lines: n,
            to,
        },
    )
}

/// Returns the lines [`lend_response`] moved from `req` into `resp`.
/// The lent lines are the first of their names in `resp`.
pub(crate) fn give_back(req: &mut Request, mut resp: Response, lent: Lent) {
    for &k in &lent.order[..lent.lines] {
        if k == 2 && !lent.to {
            continue;
        }
        let name = &COPIED[k];
        if let (Some(v), Some(r)) = (req.headers.get_mut(name), resp.headers.get_mut(name)) {
            *v = core::mem::take(r);
        }
    }
}

/// A response to `req` (RFC 3261 §8.2.6.2): the same lines as
/// `Response::from_request` (Via, From, To, Call-ID and CSeq in the order
/// of the request, Timestamp for a 100), with `;tag=` added to the first
/// To when it has none and the status is not 100 (as `add_to_tag` does),
/// then Server when `server` is given. Built with room for `extra` more
/// lines, and the tagged To written once at its final size. `to_tagged`:
/// whether the request's To has a tag, when the caller knows.
pub(crate) fn response_to(
    req: &Request,
    status: StatusCode,
    mut tag: Option<ToTag<'_>>,
    to_tagged: Option<bool>,
    extra: usize,
    server: Option<&str>,
) -> Response {
    let trying = status == StatusCode::TRYING;
    let mut headers = Headers::with_capacity(8 + extra);
    let mut first_to = true;
    for h in req.headers.iter().filter(|h| copied(&h.name)) {
        let mut value = None;
        if matches!(h.name, HeaderName::To) {
            if takes_tag(&h.value, first_to, trying, to_tagged) {
                value = tagged_to(&h.value, &mut tag);
            }
            first_to = false;
        }
        headers.push(h.name.clone(), value.unwrap_or_else(|| h.value.clone()));
    }
    let timestamp = trying
        .then(|| req.headers.get(&HeaderName::Timestamp).map(str::to_owned))
        .flatten();
    finish(headers, status, tag, timestamp, server)
}

/// [`response_to`] from a request that is not needed any more: its lines
/// move into the response instead of being copied (`req` loses them).
pub(crate) fn response_from(
    req: &mut Request,
    status: StatusCode,
    mut tag: Option<ToTag<'_>>,
    to_tagged: Option<bool>,
    extra: usize,
    server: Option<&str>,
) -> Response {
    let trying = status == StatusCode::TRYING;
    let mut headers = Headers::with_capacity(8 + extra);
    let mut first_to = true;
    let timestamp = if trying {
        req.headers.remove_first(&HeaderName::Timestamp)
    } else {
        None
    };
    // The copied lines in order. When each name is there once (the usual
    // case) each value is taken in place; otherwise the lines are removed
    // one at a time (the first copied line left is always the next one).
    let names = &COPIED;
    let (order, n, once) = match copied_once(req) {
        Some((order, n)) => (order, n, true),
        None => ([0; 5], 0, false),
    };
    let next = |req: &mut Request, i: usize| -> Option<(HeaderName, String)> {
        if once {
            let name = names.get(*order[..n].get(i)?)?.clone();
            let value = core::mem::take(req.headers.get_mut(&name)?);
            Some((name, value))
        } else {
            let name = req
                .headers
                .iter()
                .map(|h| &h.name)
                .find(|n| copied(n))?
                .clone();
            let value = req.headers.remove_first(&name)?;
            Some((name, value))
        }
    };
    let mut i = 0;
    while let Some((name, mut value)) = next(req, i) {
        i += 1;
        if matches!(name, HeaderName::To) {
            if takes_tag(&value, first_to, trying, to_tagged) {
                if let Some(v) = tagged_to(&value, &mut tag) {
                    value = v;
                }
            }
            first_to = false;
        }
        headers.push(name, value);
    }
    finish(headers, status, tag, timestamp, server)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sip_core::uri::Uri;

    /// Adds `;tag=` to the To of `r` unless it has one (RFC 3261
    /// §8.2.6.2): what `response_to` does, the long way.
    fn add_to_tag(r: &mut Response, tag: &str) {
        if let Some(to) = r.headers.get_mut(&HeaderName::To) {
            if sip_core::transaction::key::tag(to).is_none() {
                to.push_str(";tag=");
                to.push_str(tag);
            }
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

    /// `response_to` and `response_from` build what
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
                        assert_eq!(
                            response_from(&mut req.clone(), status, None, to_tagged, 0, server),
                            expected(None)
                        );
                        let given = Some(ToTag::Given("t1"));
                        assert_eq!(
                            response_to(&req, status, given, to_tagged, 3, server),
                            expected(Some("t1"))
                        );
                        let given = Some(ToTag::Given("t1"));
                        assert_eq!(
                            response_from(&mut req.clone(), status, given, to_tagged, 3, server),
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
                    let mut a = TokenSource::from_seed(9);
                    let mut b = TokenSource::from_seed(9);
                    let fresh = response_from(
                        &mut req.clone(),
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

    /// `lend_response` builds what `response_to` builds (lines added
    /// after it included), and `give_back` leaves the request as it was,
    /// for the usual requests, one with two Via lines and one with two To
    /// lines (copied, nothing lent).
    #[test]
    fn lent_response_matches_response_to() {
        for req in requests() {
            for status in [StatusCode::TRYING, StatusCode::RINGING, StatusCode::OK] {
                let known = Some(sip_core::transaction::key::to_tag(&req.headers).is_some());
                for to_tagged in [None, known] {
                    for tag in [None, Some("t1")] {
                        let expected = response_to(
                            &req,
                            status,
                            tag.map(ToTag::Given),
                            to_tagged,
                            2,
                            Some("ua/1"),
                        );
                        let mut lender = req.clone();
                        let (mut r, lent) = lend_response(
                            &mut lender,
                            status,
                            tag.map(ToTag::Given),
                            to_tagged,
                            2,
                            Some("ua/1"),
                        );
                        assert_eq!(r, expected);
                        // Lines pushed after the lent ones, one of them a
                        // copied name, are not given back.
                        r.headers.push(HeaderName::Contact, "<sip:b@b.example>");
                        r.headers.push(HeaderName::Via, "SIP/2.0/UDP x.example");
                        give_back(&mut lender, r, lent);
                        assert_eq!(lender, req);
                    }
                }
            }
        }
    }
}
