//! Requests inside a dialog: building them (RFC 3261 §12.2.1.1, the ACK of
//! §13.2.2.4) and checking the ones received (§12.2.2).

use super::create::contact_uri;
use super::{Dialog, DialogError};
use crate::header::{CSeq, HeaderName, Headers, TypedHeader};
use crate::message::Request;
use crate::method::Method;
use crate::name_addr::NameAddr;
use crate::status::StatusCode;
use crate::uri::Uri;
use core::fmt::Write;

/// Why an incoming in-dialog request is refused (RFC 3261 §12.2.2).
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InDialogError {
    /// The CSeq number is not above the last one received: the request is
    /// out of order and is answered 500 (Server Internal Error) with a
    /// Retry-After (§12.2.2, §14.2).
    #[error("CSeq {received} out of order (last was {last})")]
    OutOfOrder {
        /// The CSeq number of the request.
        received: u32,
        /// The remote sequence number of the dialog.
        last: u32,
    },
    /// The CSeq header is missing or malformed: answered 400.
    #[error("bad CSeq")]
    BadCSeq,
    /// The Contact of a target refresh request is malformed: answered 400.
    #[error("bad Contact: {0}")]
    BadContact(DialogError),
}

impl InDialogError {
    /// The status code to answer with.
    pub fn status(&self) -> StatusCode {
        match self {
            InDialogError::OutOfOrder { .. } => StatusCode::SERVER_INTERNAL_ERROR,
            InDialogError::BadCSeq | InDialogError::BadContact(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// True for the methods whose requests refresh the remote target: INVITE
/// (§12.2), UPDATE (RFC 3311 §5.2), SUBSCRIBE and NOTIFY (RFC 6665
/// §4.1.2.1, §4.2.2), REFER (RFC 3515 via RFC 6665).
pub fn is_target_refresh(method: &Method) -> bool {
    matches!(
        method,
        Method::Invite | Method::Update | Method::Subscribe | Method::Notify | Method::Refer
    )
}

/// Writes a name-addr in the form header values use.
fn write_addr(out: &mut String, a: &NameAddr) {
    let _ = write!(out, "{a}");
}

/// The URI of a route-set entry stripped of what a Request-URI may not
/// hold (§12.2.1.1 strict routing; §19.1.1 table: `method` and headers).
fn as_request_uri(uri: &Uri) -> Uri {
    let mut u = uri.clone();
    if let Some(s) = u.as_sip_mut() {
        s.remove_param("method");
        s.headers.clear();
    }
    u
}

impl Dialog {
    /// The CSeq number the next request will carry.
    pub fn next_seq(&self) -> u32 {
        match self.local_seq {
            Some(n) => n.wrapping_add(1),
            // §12.2.1.1: an empty local sequence number gets an initial
            // value per §8.1.1.5; 1 keeps the dialog's numbers readable.
            None => 1,
        }
    }

    /// A new request inside the dialog (RFC 3261 §12.2.1.1), consuming the
    /// next local sequence number:
    ///
    /// * To: the remote URI and tag; From: the local URI and tag; the
    ///   Call-ID of the dialog; CSeq: the local sequence number plus one;
    /// * Request-URI and Route: with an empty route set, the remote target
    ///   and no Route; if the first route is a loose router (`;lr`), the
    ///   remote target and the route set as Route; otherwise (strict
    ///   router) the first route's URI, and the rest of the route set
    ///   followed by the remote target as Route;
    /// * Max-Forwards: 70. No Via (the transaction layer stamps it), no
    ///   Contact (a target refresh request adds one, §12.2.1.1).
    ///
    /// ACK for a 2xx is built by [`ack`](Self::ack); CANCEL by the
    /// transaction layer. Passing them here is allowed but consumes a
    /// sequence number, which they must not.
    pub fn request(&mut self, method: Method) -> Request {
        let (request, seq) = self.next_request(method);
        self.commit_local_seq(seq);
        request
    }

    /// The request [`request`](Self::request) would build, with its CSeq
    /// number, leaving the dialog unchanged: for a caller that may fail to
    /// send it and wants a refused send to change nothing. Once it is
    /// sent, [`commit_local_seq`](Self::commit_local_seq) records the
    /// number (§12.2.1.1: each new request's number is one higher).
    pub fn next_request(&self, method: Method) -> (Request, u32) {
        let seq = self.next_seq();
        (self.build(method, seq), seq)
    }

    /// Records `seq`, the CSeq number of a request sent in the dialog
    /// (from [`next_request`](Self::next_request) or [`next_seq`](Self::next_seq)),
    /// as the local sequence number.
    pub fn commit_local_seq(&mut self, seq: u32) {
        self.local_seq = Some(seq);
    }

    /// The ACK for a 2xx to the INVITE (or re-INVITE) sent with CSeq
    /// number `invite_seq` (RFC 3261 §13.2.2.4): built like any in-dialog
    /// request, but with the INVITE's sequence number (not consuming a
    /// new one) and CSeq method ACK. Credentials the INVITE carried must
    /// be added by the caller.
    pub fn ack(&self, invite_seq: u32) -> Request {
        self.build(Method::Ack, invite_seq)
    }

    /// The request [`next_request`](Self::next_request) builds for
    /// number `seq` (from [`next_seq`](Self::next_seq)), lent to `send`
    /// and dropped after it: when its Request-URI is the remote target
    /// (no route set, or a loose router first) the target is moved into
    /// the request and back into the dialog once `send` returns, not
    /// copied. `send` must leave the Request-URI as it is (a borrowed
    /// send, which only adds a Via and Max-Forwards). The local sequence
    /// number is not changed: [`commit_local_seq`](Self::commit_local_seq)
    /// records `seq` once the request went.
    pub fn lend_request<R>(
        &mut self,
        method: Method,
        seq: u32,
        send: impl FnOnce(&mut Request) -> R,
    ) -> R {
        if !self.route_set.first().is_none_or(is_loose) {
            return send(&mut self.build(method, seq));
        }
        // Swapped in and out (no copy of the URI through a temporary).
        let mut req = self.build_with(method, seq, true);
        core::mem::swap(&mut req.uri, &mut self.remote_target);
        let out = send(&mut req);
        core::mem::swap(&mut req.uri, &mut self.remote_target);
        out
    }

    /// Writes the wire form of the request [`next_request`](Self::next_request)
    /// builds for number `seq` (or [`ack`](Self::ack) for an ACK), with
    /// `via` as its Via line, the lines `more` writes after the request's
    /// own (with [`write_header_line`](crate::message::write_header_line)),
    /// and `body`: the bytes `Request::write_to` writes for that request
    /// with the Via put first and those lines and body added, without
    /// building it. Only when the Request-URI is the remote target and
    /// there is no Route (an empty route set): false otherwise, and
    /// nothing is written.
    pub fn write_request(
        &self,
        method: &Method,
        seq: u32,
        via: &str,
        more: impl FnOnce(&mut Vec<u8>),
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> bool {
        use crate::message::write_header_line;
        if !self.route_set.is_empty() {
            return false;
        }
        let lines = |out: &mut Vec<u8>| {
            // The lines of `build_with`, in its order.
            write_header_line(&HeaderName::MaxForwards, "70", out);
            write_header_line(&HeaderName::From, self.local(), out);
            write_header_line(&HeaderName::To, self.remote(), out);
            write_header_line(&HeaderName::CallId, self.id.call_id(), out);
            out.extend_from_slice(b"\r\nCSeq: ");
            crate::text::push_u64(out, u64::from(seq));
            out.push(b' ');
            out.extend_from_slice(method.as_str().as_bytes());
            more(out);
        };
        crate::message::write_request_parts(method, &self.remote_target, via, lines, body, out);
        true
    }

    pub(super) fn build(&self, method: Method, seq: u32) -> Request {
        self.build_with(method, seq, false)
    }

    /// [`build`](Self::build); `lent`: when the Request-URI is the remote
    /// target, a placeholder instead of a copy of it (the caller swaps
    /// the remote target in).
    fn build_with(&self, method: Method, seq: u32, lent: bool) -> Request {
        // Room for what the TU and the transaction layer add (Via, Contact...).
        let mut headers = Headers::with_capacity(10 + self.route_set.len());
        headers.push(HeaderName::MaxForwards, "70");
        let strict = match self.route_set.first() {
            None => None,
            Some(first) if is_loose(first) => {
                for r in &self.route_set {
                    let mut v = String::with_capacity(64);
                    write_addr(&mut v, r);
                    headers.push(HeaderName::Route, v);
                }
                None
            }
            Some(first) => {
                for r in &self.route_set[1..] {
                    let mut v = String::with_capacity(64);
                    write_addr(&mut v, r);
                    headers.push(HeaderName::Route, v);
                }
                headers.push(HeaderName::Route, format!("<{}>", self.remote_target));
                Some(first)
            }
        };
        headers.push(HeaderName::From, self.local());
        headers.push(HeaderName::To, self.remote());
        headers.push(HeaderName::CallId, self.id.call_id());
        headers.push_with(HeaderName::CSeq, |v| {
            crate::text::push_u64_str(v, u64::from(seq));
            v.push(' ');
            v.push_str(method.as_str());
        });
        // The URI written straight into the request (a URI is some 300
        // bytes).
        Request {
            method,
            uri: match strict {
                Some(first) => as_request_uri(&first.uri),
                None if lent => placeholder(),
                None => self.remote_target.clone(),
            },
            headers,
            body: Vec::new(),
        }
    }

    /// Checks a request received inside the dialog (RFC 3261 §12.2.2) and
    /// updates the dialog from it:
    ///
    /// * CSeq: an empty remote sequence number takes the request's; a
    ///   number not above it means the request is out of order
    ///   ([`InDialogError::OutOfOrder`], answered 500 with Retry-After);
    ///   otherwise it becomes the remote sequence number. ACK and CANCEL
    ///   reuse the CSeq number of their INVITE and are not checked.
    ///   Equal numbers are refused too: a retransmission never reaches the
    ///   dialog (the transaction layer absorbs it) and §12.2.1.1 makes each
    ///   new request's number larger.
    /// * target refresh requests (INVITE, UPDATE, SUBSCRIBE, NOTIFY, REFER) with a Contact
    ///   replace the remote target.
    ///
    /// Nothing changes when an error is returned.
    pub fn receive_request(&mut self, request: &Request) -> Result<(), InDialogError> {
        let seq = match request.headers.get(&HeaderName::CSeq).map(CSeq::parse) {
            Some(Ok(c)) => c.seq,
            _ => return Err(InDialogError::BadCSeq),
        };
        let checked = !matches!(request.method, Method::Ack | Method::Cancel);
        if checked {
            if let Some(last) = self.remote_seq {
                if seq <= last {
                    return Err(InDialogError::OutOfOrder {
                        received: seq,
                        last,
                    });
                }
            }
        }
        let target = if is_target_refresh(&request.method) {
            contact_uri(&request.headers)
                .transpose()
                .map_err(InDialogError::BadContact)?
        } else {
            None
        };
        if checked {
            self.remote_seq = Some(seq);
        }
        if let Some(t) = target {
            self.set_remote_target(t);
        }
        Ok(())
    }
}

/// A URI holding nothing, put in place of one moved out for a while
/// (nothing to allocate or free).
fn placeholder() -> Uri {
    Uri::Other(crate::uri::OpaqueUri {
        scheme: String::new(),
        rest: String::new(),
    })
}

fn is_loose(r: &NameAddr) -> bool {
    matches!(&r.uri, Uri::Sip(u) if u.params.contains("lr"))
}
