//! Out-of-dialog requests (SIP.js `Messager`, and the OPTIONS capability
//! query of RFC 3261 §11): MESSAGE (RFC 3428 §4) and OPTIONS sent in
//! their own client transaction, digest retried (§22.2), the final
//! response reported as [`Event::Response`].
//!
//! Receiving: an out-of-dialog MESSAGE goes to the application as
//! [`Event::Request`] when MESSAGE is in
//! [`app_methods`](crate::UserAgentConfig::app_methods) (answered 200
//! otherwise); OPTIONS is answered 200 with Allow, Accept and Supported
//! by the agent (§11.2).

use crate::body::Body;
use crate::events::Event;
use crate::roles::{auth_retry, Reply, RoleError};
use crate::user_agent::core::Link;
use crate::UserAgent;
use core::fmt;
use sip_core::auth::{AuthSession, DigestClient};
use sip_core::header::HeaderName;
use sip_core::message::Request;
use sip_core::method::Method;
use sip_core::time::Instant;
use sip_core::transaction::TransactionId;
use sip_core::uri::Uri;
use sip_core::NameAddr;

/// The handle of one outgoing out-of-dialog request (kept across digest
/// retries).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct OutgoingId(pub(crate) u32);

impl fmt::Display for OutgoingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "outgoing#{}", self.0)
    }
}

/// Options of [`UserAgent::message`], [`UserAgent::options`] and
/// [`UserAgent::send_out_of_dialog`].
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct RequestOptions {
    /// The body (the MESSAGE's content, RFC 3428 §4).
    pub body: Option<Body>,
    /// Headers added to the request.
    pub extra_headers: Vec<(HeaderName, String)>,
    /// The To address; default: the target.
    pub to: Option<NameAddr>,
}

/// An out-of-dialog request waiting for its final response.
pub(crate) struct OutgoingData {
    txn: TransactionId,
    req: Request,
    auth: AuthSession,
    digest: Option<DigestClient>,
}

impl UserAgent {
    /// Sends MESSAGE with `body` to `target` (RFC 3428 §4: no Contact, a
    /// new Call-ID). The final response comes as [`Event::Response`].
    pub fn message(
        &mut self,
        now: Instant,
        target: Uri,
        body: Body,
        mut opts: RequestOptions,
    ) -> Result<OutgoingId, RoleError> {
        opts.body = Some(body);
        self.send_out_of_dialog(now, Method::Message, target, opts)
    }

    /// Sends OPTIONS to `target` (RFC 3261 §11.1: a capability query with
    /// `Accept`); the answer's Allow, Accept, Supported come with
    /// [`Event::Response`].
    pub fn options(
        &mut self,
        now: Instant,
        target: Uri,
        mut opts: RequestOptions,
    ) -> Result<OutgoingId, RoleError> {
        let accept = self.core.wire.accept.clone();
        opts.extra_headers.push((HeaderName::Accept, accept));
        self.send_out_of_dialog(now, Method::Options, target, opts)
    }

    /// Sends an out-of-dialog `method` request to `target` (RFC 3261
    /// §8.1.1: From with a new tag, To without, new Call-ID, CSeq 1,
    /// Max-Forwards 70, the preloaded route). Not for INVITE, ACK, CANCEL
    /// or REGISTER, which have their own roles.
    pub fn send_out_of_dialog(
        &mut self,
        now: Instant,
        method: Method,
        target: Uri,
        opts: RequestOptions,
    ) -> Result<OutgoingId, RoleError> {
        let core = &mut self.core;
        let tag = core.tokens.tag();
        let to = opts.to.unwrap_or_else(|| NameAddr::new(target.clone()));
        let mut req = Request::new(method.clone(), target);
        let h = &mut req.headers;
        h.push(HeaderName::MaxForwards, "70");
        for r in &core.cfg.preloaded_route {
            h.push(HeaderName::Route, format!("<{r}>"));
        }
        h.push(
            HeaderName::From,
            core.wire.from.clone().with_tag(&tag).to_string(),
        );
        h.push(HeaderName::To, to.to_string());
        h.push(HeaderName::CallId, core.tokens.call_id());
        h.push(HeaderName::CSeq, format!("1 {method}"));
        if method != Method::Message {
            h.push(HeaderName::Contact, &core.wire.contact);
        }
        for (n, v) in &opts.extra_headers {
            h.push(n.clone(), v);
        }
        core.decorate_request(&mut req);
        if let Some(b) = &opts.body {
            b.apply_to_request(&mut req);
        }
        let id = OutgoingId(self.roles.next_outgoing);
        let (txn, _) = core.send_request(now, req.clone(), Link::Outgoing(id))?;
        self.roles.next_outgoing += 1;
        self.roles.outgoing.insert(
            id,
            OutgoingData {
                txn,
                req,
                auth: AuthSession::with_config(core.cfg.auth),
                digest: None,
            },
        );
        Ok(id)
    }

    /// Outgoing requests still waiting for their final response.
    pub fn pending_outgoing(&self) -> usize {
        self.roles.outgoing.len()
    }
}

/// A response (or failure) for outgoing request `id` in `txn`.
pub(crate) fn on_reply(
    ua: &mut UserAgent,
    now: Instant,
    id: OutgoingId,
    txn: TransactionId,
    reply: Reply,
) {
    let core = &mut ua.core;
    let Some(o) = ua.roles.outgoing.get_mut(&id) else {
        return;
    };
    if o.txn != txn {
        return;
    }
    let resp = reply.into_response();
    let code = resp.status.as_u16();
    if code < 200 {
        return;
    }
    if matches!(code, 401 | 407) {
        if let Some(req) = auth_retry(core, &o.req, &mut o.auth, &mut o.digest, &resp) {
            if let Ok((t, _)) = core.send_request(now, req.clone(), Link::Outgoing(id)) {
                o.txn = t;
                o.req = req;
                return;
            }
        }
    }
    ua.roles.outgoing.remove(&id);
    core.emit(Event::Response {
        request: id,
        response: Box::new(resp),
    });
}
