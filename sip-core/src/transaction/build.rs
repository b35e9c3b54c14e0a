//! Requests the transaction layer builds itself: the ACK for a non-2xx
//! final response (RFC 3261 §17.1.1.3) and CANCEL (§9.1). Responses built
//! from a request (§8.2.6.2: the 100 (Trying) of §17.2.1, the 400 of
//! §21.4.1) come from [`Response::from_request`](crate::Response::from_request)
//! and [`PartialRequest::response`](crate::parse::PartialRequest::response).

use crate::header::{HeaderName, Headers};
use crate::message::Request;
use crate::method::Method;
use crate::uri::Uri;

/// The parts of a client INVITE that its ACK (§17.1.1.3) and its CANCEL
/// (§9.1) copy: Request-URI, top Via, Route set, From, To, Call-ID, CSeq
/// number and Max-Forwards.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OriginalRequest {
    /// The Request-URI.
    pub uri: Uri,
    /// The top Via value (the one the layer stamped).
    pub via: String,
    /// The Route header lines, in order.
    pub routes: Vec<String>,
    /// The From value.
    pub from: String,
    /// The To value of the request.
    pub to: String,
    /// The Call-ID.
    pub call_id: String,
    /// The CSeq sequence number.
    pub cseq: u32,
    /// The Max-Forwards value, if the request had one.
    pub max_forwards: Option<String>,
}

impl OriginalRequest {
    /// Collects the fields from a request whose Via has been stamped.
    /// `None` when one of Via, From, To, Call-ID or CSeq is missing.
    pub fn from_request(req: &Request) -> Option<Self> {
        let h = &req.headers;
        let via = crate::header::split_comma(h.get(&HeaderName::Via)?)
            .next()?
            .to_owned();
        Some(OriginalRequest {
            uri: req.uri.clone(),
            via,
            routes: h.get_all(&HeaderName::Route).map(str::to_owned).collect(),
            from: h.get(&HeaderName::From)?.to_owned(),
            to: h.get(&HeaderName::To)?.to_owned(),
            call_id: h.get(&HeaderName::CallId)?.to_owned(),
            cseq: super::key::cseq(h)?.0,
            max_forwards: h.get(&HeaderName::MaxForwards).map(str::to_owned),
        })
    }

    /// Approximate heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        core::mem::size_of::<OriginalRequest>()
            + self.via.capacity()
            + self.from.capacity()
            + self.to.capacity()
            + self.call_id.capacity()
            + self.routes.iter().map(|r| r.capacity() + 24).sum::<usize>()
    }

    fn request(&self, method: Method, to: &str) -> Request {
        let mut headers = Headers::with_capacity(8 + self.routes.len());
        headers.push(HeaderName::Via, &self.via);
        headers.push(
            HeaderName::MaxForwards,
            self.max_forwards.clone().unwrap_or_else(|| "70".to_owned()),
        );
        for r in &self.routes {
            headers.push(HeaderName::Route, r);
        }
        headers.push(HeaderName::From, &self.from);
        headers.push(HeaderName::To, to);
        headers.push(HeaderName::CallId, &self.call_id);
        headers.push(HeaderName::CSeq, format!("{} {}", self.cseq, method));
        Request {
            method,
            uri: self.uri.clone(),
            headers,
            body: Vec::new(),
        }
    }

    /// The ACK for a non-2xx final response whose To value is
    /// `response_to` (RFC 3261 §17.1.1.3): same Request-URI, Call-ID,
    /// From, CSeq number and single Via as the INVITE, the To of the
    /// response, the INVITE's Route set, CSeq method ACK.
    pub fn ack(&self, response_to: &str) -> Request {
        self.request(Method::Ack, response_to)
    }

    /// The CANCEL for this request (RFC 3261 §9.1): same Request-URI,
    /// Call-ID, To, From, CSeq number, top Via and Route set; CSeq method
    /// CANCEL.
    pub fn cancel(&self) -> Request {
        self.request(Method::Cancel, &self.to)
    }
}

/// The fields of [`OriginalRequest`] as places in the INVITE's wire form
/// (which the INVITE client transaction keeps for retransmission anyway):
/// the transaction builds the [`OriginalRequest`] only for a CANCEL or the
/// ACK of a non-2xx, and copies nothing before. The Request-URI is read
/// back from the wire form too: the CANCEL's must be identical to the
/// INVITE's (RFC 3261 §9.1).
#[derive(Clone, Debug)]
pub(crate) struct PackedOriginal {
    /// Where the Request-URI lies in the wire form (start, end).
    uri: (u32, u32),
    /// Where the top Via value, From, To, Call-ID, each Route line, then
    /// Max-Forwards lie in the wire form (start, end).
    spans: smallvec::SmallVec<[(u32, u32); 5]>,
    routes: usize,
    has_max_forwards: bool,
    cseq: u32,
}

/// The text of `wire` between `span`'s ends (UTF-8: the places are those
/// of `str` values written whole).
fn span_text(wire: &[u8], span: (u32, u32)) -> std::borrow::Cow<'_, str> {
    let bytes = wire
        .get(span.0 as usize..span.1 as usize)
        .unwrap_or_default();
    String::from_utf8_lossy(bytes)
}

impl PackedOriginal {
    /// The fields [`OriginalRequest::from_request`] would copy; `None`
    /// exactly when it would be. `wire` is the request's wire form
    /// ([`Request::write_to`]).
    #[cfg(test)]
    pub(crate) fn from_request(req: &Request, wire: &[u8]) -> Option<Self> {
        PackedOriginal::with_cseq(req, None, wire, None)
    }

    /// [`PackedOriginal::from_request`] for a request whose CSeq number
    /// the caller read already (`Some`); `None` reads it here. `lead_via`:
    /// a Via line written before the request's lines
    /// ([`Request::write_to_with_via`]), its top Via.
    pub(crate) fn with_cseq(
        req: &Request,
        known_cseq: Option<u32>,
        wire: &[u8],
        lead_via: Option<&str>,
    ) -> Option<Self> {
        use crate::message::line_prefix_len;
        // One pass over the lines: the first of each field, every Route,
        // each with where its value starts after the start line (counted
        // as the serializer writes them).
        type Field<'a> = Option<(&'a str, usize)>;
        let (mut via, mut from, mut to, mut call_id, mut max_forwards): (
            Field,
            Field,
            Field,
            Field,
            Field,
        ) = (None, None, None, None, None);
        let mut cseq = None;
        let mut routes: smallvec::SmallVec<[(&str, usize); 4]> = smallvec::SmallVec::new();
        let mut pos = 0;
        if let Some(v) = lead_via {
            let at = line_prefix_len(&HeaderName::Via);
            via = Some((v, at));
            pos = at + v.len();
        }
        for h in &req.headers {
            if h.name == HeaderName::ContentLength {
                // Not written: the serializer writes its own.
                continue;
            }
            let at = pos + line_prefix_len(h.name);
            pos = at + h.value.len();
            let slot = match h.name {
                HeaderName::Via => &mut via,
                HeaderName::From => &mut from,
                HeaderName::To => &mut to,
                HeaderName::CallId => &mut call_id,
                HeaderName::MaxForwards => &mut max_forwards,
                HeaderName::CSeq => {
                    cseq = cseq.or(Some(h.value));
                    continue;
                }
                HeaderName::Route => {
                    routes.push((h.value, at));
                    continue;
                }
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some((h.value, at));
            }
        }
        let (via_line, via_at) = via?;
        let top = crate::transport_rules::first_value(via_line)?;
        // `top` is a part of `via_line`: its offset in the line.
        let via = (
            top,
            via_at + (top.as_ptr() as usize - via_line.as_ptr() as usize),
        );
        let (from, to, call_id, cseq) = (from?, to?, call_id?, cseq?);
        let cseq = match known_cseq {
            Some(n) => n,
            None => {
                <crate::header::CSeq as crate::header::TypedHeader>::parse(cseq)
                    .ok()?
                    .seq
            }
        };
        // The header lines end where the Content-Length line starts.
        let base = wire
            .len()
            .checked_sub(crate::message::tail_len(req.body.len()) + pos)?;
        // The start line is `METHOD SP Request-URI SP SIP/2.0`.
        let uri = (
            req.method.as_str().len() + 1,
            base.checked_sub(" SIP/2.0".len())?,
        );
        debug_assert_eq!(wire.get(..uri.0 - 1), Some(req.method.as_str().as_bytes()));
        let mut spans = smallvec::SmallVec::new();
        for (value, at) in [via, from, to, call_id]
            .iter()
            .chain(&routes)
            .chain(max_forwards.as_ref())
        {
            let start = base + at;
            debug_assert_eq!(wire.get(start..start + value.len()), Some(value.as_bytes()));
            spans.push((start as u32, (start + value.len()) as u32));
        }
        Some(PackedOriginal {
            uri: (uri.0 as u32, uri.1 as u32),
            spans,
            routes: routes.len(),
            has_max_forwards: max_forwards.is_some(),
            cseq,
        })
    }

    /// Piece `i` of `wire`, the wire form the places were taken from.
    fn piece(&self, wire: &[u8], i: usize) -> String {
        span_text(wire, self.spans[i]).into_owned()
    }

    /// The Request-URI as written in `wire`: parsed, or, if its parsed
    /// form would not be written back the same (a URI the TU filled with
    /// text the parser refuses or reads otherwise), kept verbatim, so that
    /// the CANCEL and the ACK carry the INVITE's very Request-URI.
    fn request_uri(&self, wire: &[u8]) -> Uri {
        let text = span_text(wire, self.uri);
        if let Ok(uri) = Uri::parse(&text) {
            let mut again = Vec::with_capacity(text.len());
            uri.write_to(&mut again);
            if again == text.as_bytes() {
                return uri;
            }
        }
        let (scheme, rest) = text.split_once(':').unwrap_or(("", &text));
        Uri::Other(crate::uri::OpaqueUri {
            scheme: scheme.to_owned(),
            rest: rest.to_owned(),
        })
    }

    /// The fields, copied out of `wire`, the request's wire form.
    pub(crate) fn unpack(&self, wire: &[u8]) -> OriginalRequest {
        OriginalRequest {
            uri: self.request_uri(wire),
            via: self.piece(wire, 0),
            routes: (0..self.routes).map(|i| self.piece(wire, 4 + i)).collect(),
            from: self.piece(wire, 1),
            to: self.piece(wire, 2),
            call_id: self.piece(wire, 3),
            cseq: self.cseq,
            max_forwards: self
                .has_max_forwards
                .then(|| self.piece(wire, 4 + self.routes)),
        }
    }

    /// Approximate heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        if self.spans.spilled() {
            self.spans.capacity() * 8
        } else {
            0
        }
    }
}
