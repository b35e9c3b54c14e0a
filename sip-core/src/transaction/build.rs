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

    fn request(&self, method: Method, to: &str) -> Request {
        let mut headers = Headers::with_capacity(8 + self.routes.len());
        headers.push(HeaderName::Via, self.via.clone());
        headers.push(
            HeaderName::MaxForwards,
            self.max_forwards.clone().unwrap_or_else(|| "70".to_owned()),
        );
        for r in &self.routes {
            headers.push(HeaderName::Route, r.clone());
        }
        headers.push(HeaderName::From, self.from.clone());
        headers.push(HeaderName::To, to.to_owned());
        headers.push(HeaderName::CallId, self.call_id.clone());
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
