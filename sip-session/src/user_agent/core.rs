//! The part of the user agent every session works with: the transaction
//! layer, tokens, events, timers, the dialog and transaction indexes, and
//! the helpers that build and send messages.

use super::response::{response_from_tagged, response_to, write_from_tagged, ToTag, TAG_LEN};

use crate::config::UserAgentConfig;
use crate::error::RouteError;
use crate::events::Event;
use crate::ids::{IdMap, RequestId, SessionId};
use crate::session::SessionData;
use crate::timers::{SessionTimer, TimerOwner, TimerQueue};
use sip_core::dialog::DialogId;
use sip_core::header::{HeaderName, Route, TypedHeader};
use sip_core::message::{Request, Response};
use sip_core::random::KeyedMap;
use sip_core::random::TokenSource;
use sip_core::status::StatusCode;
use sip_core::time::Instant;
use sip_core::transaction::{SendError, TransactionId, TransactionLayer};
use sip_core::transport::{Destination, Source, Transport};
use sip_core::uri::Uri;
use sip_core::NameAddr;
use std::collections::VecDeque;
use std::net::SocketAddr;

/// What a transaction is to the user agent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Link {
    /// An Inviter's INVITE client transaction.
    InviteClient(SessionId),
    /// An Invitation's INVITE server transaction.
    InviteServer(SessionId),
    /// A PRACK sent by an Inviter.
    Prack(SessionId),
    /// A BYE (or other in-dialog request) whose response is not awaited.
    /// Not recorded in `Core::links`: every event of a transaction
    /// without a link is ignored, as one of a detached transaction.
    Detached,
    /// An INVITE client transaction given up after CANCEL (RFC 3261 §9.1)
    /// and abandoned; its Terminated event removes the link.
    Abandoned,
    /// A REGISTER of a Registerer.
    Registerer(crate::registerer::RegistererId),
    /// An out-of-dialog request (MESSAGE, OPTIONS...).
    Outgoing(crate::messager::OutgoingId),
    /// A PUBLISH of a Publisher.
    Publisher(crate::publisher::PublisherId),
    /// A SUBSCRIBE or NOTIFY of a subscription.
    Subscription(crate::subscription::SubscriptionId),
    /// A re-INVITE sent in a session's dialog (RFC 3261 §14.1).
    Reinvite(SessionId),
    /// A non-INVITE request (INFO, MESSAGE...) sent in a session's dialog
    /// whose final response is reported to the application.
    InDialog(SessionId, InDialogMethod),
    /// An UPDATE sent in a session's dialog (RFC 3311).
    Update(SessionId),
}

/// The methods of [`Link::InDialog`] requests (kept `Copy`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum InDialogMethod {
    Info,
    Message,
    Refer,
}

impl InDialogMethod {
    pub(crate) fn method(self) -> sip_core::Method {
        match self {
            InDialogMethod::Info => sip_core::Method::Info,
            InDialogMethod::Message => sip_core::Method::Message,
            InDialogMethod::Refer => sip_core::Method::Refer,
        }
    }
}

/// Work a session leaves for the user agent (it touches another session).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Deferred {
    /// An accepted INVITE with Replaces: end the replaced session (RFC 3891 §3).
    ByeReplacee(SessionId),
}

/// A request waiting for the application's answer.
#[derive(Debug)]
pub(crate) struct PendingRequest {
    pub request: Request,
    pub session: Option<SessionId>,
    pub deadline: Instant,
    pub to_tag: Option<Box<str>>,
}

/// Header values computed once from the configuration.
#[derive(Debug)]
pub(crate) struct Wire {
    pub allow: String,
    pub supported: Option<String>,
    pub contact: String,
    pub accept: String,
    pub user_agent: Option<String>,
    pub from: NameAddr,
    /// `from` as header text (no tag).
    pub from_value: String,
}

impl Wire {
    pub(crate) fn new(cfg: &UserAgentConfig) -> Wire {
        let mut allow =
            String::from("INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, MESSAGE, NOTIFY, REFER");
        if cfg.rel100.is_supported() {
            allow.push_str(", PRACK");
        }
        if cfg.allow_update {
            allow.push_str(", UPDATE");
        }
        let tags = cfg.supported_tags();
        let supported = (!tags.is_empty()).then(|| tags.join(", "));
        let mut from = NameAddr::new(cfg.aor.clone());
        from.display_name.clone_from(&cfg.display_name);
        Wire {
            allow,
            supported,
            contact: format!("<{}>", cfg.contact),
            accept: cfg.accepted_content_types.join(", "),
            user_agent: cfg.user_agent.clone(),
            from_value: from.to_string(),
            from,
        }
    }

    /// The From value of a new request: `from` with `;tag=` and a fresh
    /// tag drawn from `tokens` (the same text as formatting
    /// `from.with_tag(tokens.tag())`, `from` having no parameters).
    #[cfg(test)]
    pub(crate) fn tagged_from(&self, tokens: &mut TokenSource) -> String {
        let mut v = String::with_capacity(self.from_value.len() + 5 + TAG_LEN);
        self.write_tagged_from(tokens, &mut v);
        v
    }

    /// Appends [`tagged_from`](Self::tagged_from)'s value to `out`.
    pub(crate) fn write_tagged_from(&self, tokens: &mut TokenSource, out: &mut String) {
        out.push_str(&self.from_value);
        out.push_str(";tag=");
        tokens.fill_token(out, TAG_LEN);
    }
}

/// See the module documentation.
pub(crate) struct Core {
    pub cfg: UserAgentConfig,
    pub txn: TransactionLayer,
    pub tokens: TokenSource,
    pub events: VecDeque<Event>,
    pub timers: TimerQueue,
    pub dialogs: KeyedMap<DialogId, SessionId>,
    pub links: IdMap<TransactionId, Link>,
    pub requests: IdMap<RequestId, PendingRequest>,
    pub wire: Wire,
    pub deferred: Vec<Deferred>,
    /// 2xx responses of ended sessions still waiting for their ACK.
    pub pending_acks: super::pending_ack::PendingAcks,
    /// Reused buffer (a drawn tag not used).
    pub scratch: String,
}

impl Core {
    pub(crate) fn emit(&mut self, ev: Event) {
        self.events.push_back(ev);
    }

    /// Arms `t` of session `s` at `at` (replacing an earlier deadline).
    pub(crate) fn arm(&mut self, s: &mut SessionData, t: SessionTimer, at: Instant) {
        s.timers.set(t, at);
        self.timers.push(at, TimerOwner::Session(s.id, t));
    }

    /// 64*T1 (RFC 3261 Appendix A): Timers B, F, H, the 2xx and reliable
    /// 1xx retransmission limits.
    pub(crate) fn t1x64(&self) -> sip_core::time::Duration {
        self.cfg.transaction.t1 * 64
    }

    /// A response to `req` (RFC 3261 §8.2.6.2) with the To tag `tag` when
    /// the request's To has none and the status is not 100, and the Server
    /// header.
    pub(crate) fn response(
        &self,
        req: &Request,
        status: StatusCode,
        tag: Option<&str>,
    ) -> Response {
        let server = self.wire.user_agent.as_deref();
        response_to(req, status, tag.map(ToTag::Given), None, 0, server)
    }

    /// A response to the INVITE of an Invitation, whose To has no tag (a
    /// request with one goes to its dialog), tagged `tag` unless a 100;
    /// with room for `extra` more lines.
    pub(crate) fn invite_response(
        &self,
        invite: &Request,
        status: StatusCode,
        tag: &str,
        extra: usize,
    ) -> Response {
        let server = self.wire.user_agent.as_deref();
        response_to(
            invite,
            status,
            Some(ToTag::Given(tag)),
            Some(false),
            extra,
            server,
        )
    }

    /// Sends a response in server transaction `txn`; a refusal (the
    /// transaction ended meanwhile) is not an error for the session.
    pub(crate) fn send_response(
        &mut self,
        now: Instant,
        txn: TransactionId,
        resp: impl core::borrow::Borrow<Response>,
    ) -> bool {
        self.txn.send_response(now, txn, resp).is_ok()
    }

    /// Answers `req` in `txn` with `status` and a fresh To tag (or the
    /// request's own), adding what the status calls for: Allow with 405
    /// (RFC 3261 §8.2.1) and with a 200 to OPTIONS (§11.2), Accept and
    /// Supported with the latter, Retry-After with 500 and 503.
    pub(crate) fn reply(
        &mut self,
        now: Instant,
        txn: TransactionId,
        req: &Request,
        status: StatusCode,
    ) {
        // A fresh tag is drawn whether or not the To takes it.
        let r = response_to(
            req,
            status,
            Some(ToTag::Fresh(&mut self.tokens, &mut self.scratch)),
            None,
            4,
            self.wire.user_agent.as_deref(),
        );
        self.finish_reply(now, txn, req.method == sip_core::Method::Options, r);
    }

    /// [`reply`](Self::reply) to a request not needed any more;
    /// `to_tagged`: whether its To has a tag, when the caller knows (a
    /// tagged one becomes the response, `response_from_tagged`).
    pub(crate) fn reply_from(
        &mut self,
        now: Instant,
        txn: TransactionId,
        mut req: impl core::borrow::BorrowMut<Request>,
        status: StatusCode,
        to_tagged: Option<bool>,
    ) {
        let req = req.borrow_mut();
        let options = req.method == sip_core::Method::Options;
        if to_tagged == Some(true) && status == StatusCode::OK && !options {
            // Nothing for `finish_reply` to add: written from the
            // request's lines, as `response_from_tagged` builds it (and
            // its tag drawn all the same).
            self.scratch.clear();
            self.tokens.fill_token(&mut self.scratch, TAG_LEN);
            let server = self.wire.user_agent.as_deref();
            let h = &req.headers;
            let _ = self.txn.send_response_written(
                now,
                txn,
                status,
                || sip_core::transaction::key::to_tag(h),
                |out| write_from_tagged(h, status, server, out),
            );
            return;
        }
        if to_tagged == Some(true) && status != StatusCode::TRYING {
            let server = self.wire.user_agent.as_deref();
            let (tokens, scratch) = (&mut self.tokens, &mut self.scratch);
            let headers = core::mem::take(&mut req.headers);
            let r = response_from_tagged(headers, status, tokens, scratch, server);
            self.finish_reply(now, txn, options, r);
            return;
        }
        let r = response_to(
            req,
            status,
            Some(ToTag::Fresh(&mut self.tokens, &mut self.scratch)),
            to_tagged,
            4,
            self.wire.user_agent.as_deref(),
        );
        self.finish_reply(now, txn, options, r);
    }

    /// The lines [`reply`](Self::reply) adds for `r`'s status, and the
    /// sending; `options`: the request is an OPTIONS.
    fn finish_reply(&mut self, now: Instant, txn: TransactionId, options: bool, mut r: Response) {
        let status = r.status;
        let options_ok = status.is_success() && options;
        if status == StatusCode::METHOD_NOT_ALLOWED || options_ok {
            r.headers.push(HeaderName::Allow, &self.wire.allow);
        }
        if options_ok || status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            r.headers.push(HeaderName::Accept, &self.wire.accept);
        }
        if options_ok {
            if let Some(s) = &self.wire.supported {
                r.headers.push(HeaderName::Supported, s);
            }
        }
        if status == StatusCode::SERVER_INTERNAL_ERROR || status == StatusCode::SERVICE_UNAVAILABLE
        {
            r.headers
                .push(HeaderName::RetryAfter, self.cfg.retry_after.to_string());
        }
        self.send_response(now, txn, r);
    }

    /// Sends a response outside any transaction (503 when overloaded).
    pub(crate) fn reply_stateless(
        &mut self,
        now: Instant,
        req: &Request,
        source: &Source,
        status: StatusCode,
    ) {
        let tag = self.tokens.tag();
        let mut r = self.response(req, status, Some(&tag));
        r.headers
            .push(HeaderName::RetryAfter, self.cfg.retry_after.to_string());
        if let Ok(dest) = self.txn.response_destination(req, source) {
            let _ = self.txn.send_stateless(now, r.into(), dest);
        }
    }

    /// Where a request goes next: the outbound proxy if configured, else
    /// the first Route if it is a loose router, else the Request-URI
    /// (RFC 3261 §8.1.2; a strict router is already the Request-URI).
    pub(crate) fn next_hop(&self, req: &Request) -> Result<Destination, RouteError> {
        if let Some(d) = self.cfg.outbound_proxy {
            return Ok(d);
        }
        // As `values(&Route).next()`, the line names matched inline.
        let route = req
            .headers
            .iter()
            .filter(|h| matches!(h.name, HeaderName::Route))
            .flat_map(|h| sip_core::header::split_comma(h.value))
            .next()
            .and_then(|v| Route::parse(v).ok())
            .filter(Route::is_loose);
        match route {
            Some(r) => self.resolve(&r.uri),
            None => self.resolve(&req.uri),
        }
    }

    /// [`next_hop`](Self::next_hop) of a request whose caller knows
    /// whether it carries Route lines (`routed`): one without goes to the
    /// outbound proxy or its Request-URI, without looking for them (a
    /// request built in a dialog with an empty route set).
    pub(crate) fn next_hop_known(
        &self,
        req: &Request,
        routed: bool,
    ) -> Result<Destination, RouteError> {
        if routed {
            return self.next_hop(req);
        }
        debug_assert!(!req.headers.contains(&HeaderName::Route));
        self.next_hop_of_target(&req.uri)
    }

    /// The next hop of a request without Route lines to `target`: the
    /// outbound proxy, else `target` itself.
    pub(crate) fn next_hop_of_target(&self, target: &Uri) -> Result<Destination, RouteError> {
        match self.cfg.outbound_proxy {
            Some(d) => Ok(d),
            None => self.resolve(target),
        }
    }

    /// Maps a SIP URI to an address: `maddr` or the host, which must be an
    /// IP address or listed in the static hosts; the `transport` parameter
    /// or the default (TLS for `sips:`); the port or the transport's
    /// default (RFC 3263 is left to the embedder).
    pub(crate) fn resolve(&self, uri: &Uri) -> Result<Destination, RouteError> {
        let Uri::Sip(s) = uri else {
            return Err(RouteError::NotSip);
        };
        let transport = match s.transport() {
            Some(t) => t,
            None if s.secure => Transport::Tls,
            None => self.cfg.default_transport,
        };
        let maddr = s.maddr();
        let host = maddr.as_ref().unwrap_or(&s.host);
        let port = s.port.unwrap_or(transport.default_port());
        let addr = match host.ip() {
            Some(ip) => SocketAddr::new(ip, port),
            None => {
                let name = host.to_string();
                let (_, a) = self
                    .cfg
                    .hosts
                    .iter()
                    .find(|(h, _)| h.eq_ignore_ascii_case(&name))
                    .ok_or(RouteError::Unresolved(name))?;
                if s.port.is_some() {
                    SocketAddr::new(a.ip(), port)
                } else {
                    *a
                }
            }
        };
        Ok(Destination::Addr { transport, addr })
    }

    /// Records what transaction `id` is to the agent; a
    /// [`Link::Detached`] one is not recorded (no link means the same).
    pub(crate) fn link(&mut self, id: TransactionId, link: Link) {
        if link != Link::Detached {
            self.links.insert(id, link);
        }
    }

    /// Sends `req` in a new client transaction to its next hop and links
    /// the transaction.
    pub(crate) fn send_request(
        &mut self,
        now: Instant,
        req: Request,
        link: Link,
    ) -> Result<(TransactionId, Destination), crate::SessionError> {
        self.send_request_known(now, req, link, true)
    }

    /// [`send_request`](Self::send_request), the next hop found as
    /// [`next_hop_known`](Self::next_hop_known) finds it.
    pub(crate) fn send_request_known(
        &mut self,
        now: Instant,
        req: Request,
        link: Link,
        routed: bool,
    ) -> Result<(TransactionId, Destination), crate::SessionError> {
        let dest = self.next_hop_known(&req, routed)?;
        let id = self.txn.send_request(now, req, dest)?;
        self.link(id, link);
        Ok((id, dest))
    }

    /// [`send_request`](Self::send_request) keeping the request: on
    /// return `req` has no Via (the transaction layer's went into the
    /// wire form only, `send_request_lent`) and carries the Max-Forwards
    /// the layer added. The next hop as
    /// [`next_hop_known`](Self::next_hop_known) finds it.
    pub(crate) fn send_request_borrowed(
        &mut self,
        now: Instant,
        req: &mut Request,
        link: Link,
        routed: bool,
    ) -> Result<(TransactionId, Destination), crate::SessionError> {
        let dest = self.next_hop_known(req, routed)?;
        let id = self.txn.send_request_lent(now, req, dest)?;
        self.link(id, link);
        Ok((id, dest))
    }

    /// Sends the ACK for a 2xx (outside any transaction); returns it with
    /// its Via for retransmission.
    pub(crate) fn send_ack(&mut self, now: Instant, ack: Request) -> Result<Request, SendError> {
        self.send_ack_known(now, ack, true)
    }

    /// [`send_ack`](Self::send_ack), the next hop found as
    /// [`next_hop_known`](Self::next_hop_known) finds it.
    pub(crate) fn send_ack_known(
        &mut self,
        now: Instant,
        ack: Request,
        routed: bool,
    ) -> Result<Request, SendError> {
        let dest = self
            .next_hop_known(&ack, routed)
            .map_err(|_| SendError::MissingHeader("Request-URI"))?;
        self.txn.send_ack_2xx(now, ack, dest)
    }

    /// Adds the headers every request this agent builds carries:
    /// Supported, User-Agent.
    pub(crate) fn decorate_request(&self, req: &mut Request) {
        if let Some(s) = &self.wire.supported {
            req.headers.push(HeaderName::Supported, s);
        }
        if let Some(ua) = &self.wire.user_agent {
            req.headers.push(HeaderName::UserAgent, ua);
        }
    }

    /// Approximate bytes held by the core's indexes and queues.
    pub(crate) fn memory_usage(&self) -> usize {
        use core::mem::size_of;
        self.txn.memory_usage()
            + self.timers.heap_bytes()
            + self.dialogs.capacity() * (size_of::<(DialogId, SessionId)>() + 1)
            + self.dialogs.keys().map(DialogId::heap_bytes).sum::<usize>()
            + self.links.capacity() * (size_of::<(TransactionId, Link)>() + 1)
            + self.requests.capacity() * (size_of::<(RequestId, PendingRequest)>() + 1)
            + self.events.capacity() * size_of::<Event>()
            + self.pending_acks.memory_usage()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without Route lines, `next_hop_known` finds what `next_hop` finds,
    /// with and without an outbound proxy; with them it is `next_hop`.
    #[test]
    fn next_hop_known_agrees_with_next_hop() {
        let proxy = Destination::Addr {
            transport: Transport::Tcp,
            addr: "192.0.2.50:5060".parse().unwrap(),
        };
        for outbound in [None, Some(proxy)] {
            let cfg = UserAgentConfig {
                outbound_proxy: outbound,
                ..Default::default()
            };
            let ua = crate::UserAgent::new(cfg, 1);
            for uri in [
                "sip:bob@192.0.2.2:5060",
                "sips:bob@192.0.2.9",
                "sip:x@192.0.2.3;transport=tcp;maddr=192.0.2.4",
                "sip:unknown.example",
                "tel:+1555",
            ] {
                let mut req = Request::new(sip_core::Method::Bye, Uri::parse(uri).unwrap());
                req.headers.push(HeaderName::From, "<sip:a@x>;tag=1");
                let plain = ua.core.next_hop(&req);
                assert_eq!(ua.core.next_hop_known(&req, false), plain);
                assert_eq!(ua.core.next_hop_known(&req, true), plain);
                req.headers.push(HeaderName::Route, "<sip:192.0.2.7;lr>");
                let routed = ua.core.next_hop(&req);
                assert_eq!(ua.core.next_hop_known(&req, true), routed);
            }
        }
    }

    #[test]
    fn tagged_from_is_the_tagged_name_addr() {
        let mut cfg = UserAgentConfig::default();
        for name in [None, Some("Alice"), Some("Alice \"A\" Smith")] {
            cfg.display_name = name.map(str::to_owned);
            let wire = Wire::new(&cfg);
            let mut a = TokenSource::from_seed(3);
            let mut b = TokenSource::from_seed(3);
            assert_eq!(
                wire.tagged_from(&mut a),
                wire.from.clone().with_tag(&b.tag()).to_string()
            );
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    /// The borrowing send writes the bytes the owning send writes, and
    /// leaves the request as sent (the layer's Via on top, nothing else
    /// changed), for every method, with and without Max-Forwards.
    #[test]
    fn borrowed_send_sends_the_same_bytes() {
        use sip_core::transaction::Config;
        use sip_core::Method;
        let cfg = Config {
            default_sent_by: sip_core::transaction::SentBy::new("192.0.2.1", Some(5060)),
            ..Config::default()
        };
        let dest = Destination::Addr {
            transport: Transport::Udp,
            addr: "192.0.2.2:5060".parse().unwrap(),
        };
        for (seq, method) in [Method::Invite, Method::Options, Method::Bye]
            .into_iter()
            .enumerate()
        {
            for max_forwards in [false, true] {
                let mut req =
                    Request::new(method.clone(), Uri::parse("sip:bob@b.example").unwrap());
                let h = &mut req.headers;
                if max_forwards {
                    h.push(HeaderName::MaxForwards, "9");
                }
                h.push(HeaderName::From, "<sip:a@a.example>;tag=x1");
                h.push(HeaderName::To, "<sip:bob@b.example>");
                h.push(HeaderName::CallId, "c1@a.example");
                h.push(HeaderName::CSeq, format!("{} {method}", seq + 1));
                let mut owned = TransactionLayer::new(cfg.clone(), TokenSource::from_seed(5));
                let mut borrowed = TransactionLayer::new(cfg.clone(), TokenSource::from_seed(5));
                owned
                    .send_request(Instant::ZERO, req.clone(), dest)
                    .unwrap();
                let mut sent = req.clone();
                borrowed
                    .send_request_borrowed(Instant::ZERO, &mut sent, dest)
                    .unwrap();
                let a = owned.poll_transmit().unwrap();
                let b = borrowed.poll_transmit().unwrap();
                assert_eq!(a.payload, b.payload);
                assert_eq!(sent.to_bytes(), b.payload);
                assert_eq!(sent.headers.count(&HeaderName::Via), 1);
                if max_forwards {
                    sent.headers.remove_first(&HeaderName::Via);
                    assert_eq!(sent, req);
                }
            }
        }
    }
}
