//! Scenarios on the sip-core transaction layer (RFC 3261 §17, RFC 6026):
//! a UAC and a UAS, each a [`TxnNode`] with a minimal transaction user.
//!
//! * `non-invite`: three MESSAGE requests in turn, each answered 200; the
//!   client retransmits (Timer E) until answered, the server transaction
//!   absorbs retransmitted requests and resends its final response.
//! * `invite`: INVITE, 180 Ringing, 200 OK after a second, ACK. Timer A
//!   retransmits the INVITE; the UAS core retransmits its 2xx until the ACK
//!   arrives (§13.3.1.4); the UAC ACKs every 2xx retransmission.
//! * `invite-rejected`: INVITE answered 486 Busy Here; the transaction
//!   layer ACKs it (§17.1.1.3) and absorbs the retransmissions (Timer G).
//! * `non-invite-tcp`: the non-INVITE exchange over TCP, with stream
//!   framing and no retransmissions.
//!
//! Each checks what both sides saw: the final responses the UAC got, that
//! each request reached the UAS core exactly once however often it was
//! retransmitted, and that every transaction terminated at the end.

use crate::adapters::txn::{TransactionUser, TuContext, TxnNode};
use crate::sim::{Faults, LinkConfig, NodeRef, Sim, SimError};
use serde_json::json;
use sip_core::header::HeaderName;
use sip_core::message::{Message, Request, Response};
use sip_core::method::Method;
use sip_core::random::TokenSource;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::{Config, Event, SentBy, TransactionId, TransactionLayer};
use sip_core::transport::{Destination, Transport};
use sip_core::uri::Uri;
use std::net::SocketAddr;

/// RFC 3261 §17.1.1.1 T1.
const T1: Duration = Duration::from_millis(500);
/// RFC 3261 §17.1.1.1 T2.
const T2: Duration = Duration::from_secs(4);

/// What the UAC does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UacPlan {
    /// Send this many MESSAGE requests, one after the other's final
    /// response.
    Messages(u32),
    /// Send one INVITE; ACK its 2xx.
    Invite,
}

/// A user agent client core, just enough to drive the transaction layer.
#[derive(Debug)]
pub struct Uac {
    local: SocketAddr,
    peer: SocketAddr,
    transport: Transport,
    plan: UacPlan,
    call_id: String,
    from_tag: String,
    sent: u32,
    current: Option<TransactionId>,
    finals: Vec<u16>,
    provisionals: Vec<u16>,
    ack: Option<Request>,
    acks_sent: u32,
    failure: Option<String>,
}

impl Uac {
    /// A UAC at `local` talking to `peer` over `transport`.
    pub fn new(
        local: SocketAddr,
        peer: SocketAddr,
        transport: Transport,
        plan: UacPlan,
        tokens: &mut TokenSource,
    ) -> Self {
        Uac {
            local,
            peer,
            transport,
            plan,
            call_id: format!("{}@{}", tokens.call_id(), local.ip()),
            from_tag: tokens.tag(),
            sent: 0,
            current: None,
            finals: Vec::new(),
            provisionals: Vec::new(),
            ack: None,
            acks_sent: 0,
            failure: None,
        }
    }

    /// The final status codes received, in order (2xx retransmissions
    /// not counted).
    pub fn finals(&self) -> &[u16] {
        &self.finals
    }

    /// Provisional status codes received.
    pub fn provisionals(&self) -> &[u16] {
        &self.provisionals
    }

    /// ACKs for 2xx sent (one per 2xx received, retransmissions included).
    pub fn acks_sent(&self) -> u32 {
        self.acks_sent
    }

    /// Why the UAC failed, if it did.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// True when every planned request got its final response.
    pub fn done(&self) -> bool {
        let want = match self.plan {
            UacPlan::Messages(n) => n as usize,
            UacPlan::Invite => 1,
        };
        self.finals.len() == want
    }

    fn dest(&self) -> Destination {
        Destination::Addr {
            transport: self.transport,
            addr: self.peer,
        }
    }

    /// Sends the next request of the plan.
    pub fn start(&mut self, cx: &mut TuContext<'_>) {
        let (method, body) = match self.plan {
            UacPlan::Messages(n) if self.sent < n => {
                (Method::Message, format!("hello {}", self.sent + 1))
            }
            UacPlan::Invite if self.sent == 0 => (Method::Invite, String::new()),
            _ => return,
        };
        self.sent += 1;
        let uri: Uri = format!("sip:bob@{}", self.peer)
            .parse()
            .expect("a valid SIP URI");
        let mut req = Request::new(method.clone(), uri);
        let h = &mut req.headers;
        h.push(
            HeaderName::From,
            format!("<sip:alice@{}>;tag={}", self.local.ip(), self.from_tag),
        );
        h.push(HeaderName::To, format!("<sip:bob@{}>", self.peer.ip()));
        h.push(HeaderName::CallId, &self.call_id);
        h.push(HeaderName::CSeq, format!("{} {}", self.sent, method));
        h.push(HeaderName::Contact, format!("<sip:alice@{}>", self.local));
        if !body.is_empty() {
            h.push(HeaderName::ContentType, "text/plain");
            req.body = body.into_bytes();
        }
        match cx.layer.send_request(cx.now, req, self.dest()) {
            Ok(id) => self.current = Some(id),
            Err(e) => self.fail(cx, format!("send_request: {e}")),
        }
    }

    fn fail(&mut self, cx: &mut TuContext<'_>, why: String) {
        cx.report(json!({ "uac failed": why }));
        self.failure.get_or_insert(why);
    }

    /// The ACK for a 2xx (RFC 3261 §13.2.2.4): to the Contact of the 2xx,
    /// the To of the 2xx, the INVITE's CSeq number.
    fn ack_for(&self, resp: &Response) -> Request {
        let target = resp
            .headers
            .get(&HeaderName::Contact)
            .and_then(|c| c.trim().strip_prefix('<')?.split('>').next())
            .and_then(|u| u.parse::<Uri>().ok())
            .unwrap_or_else(|| {
                format!("sip:bob@{}", self.peer)
                    .parse()
                    .expect("a valid SIP URI")
            });
        let mut ack = Request::new(Method::Ack, target);
        let h = &mut ack.headers;
        h.push(
            HeaderName::From,
            format!("<sip:alice@{}>;tag={}", self.local.ip(), self.from_tag),
        );
        h.push(
            HeaderName::To,
            resp.headers.get(&HeaderName::To).unwrap_or_default(),
        );
        h.push(HeaderName::CallId, &self.call_id);
        h.push(HeaderName::CSeq, format!("{} ACK", self.sent));
        ack
    }
}

impl TransactionUser for Uac {
    fn on_event(&mut self, cx: &mut TuContext<'_>, event: Event) {
        match event {
            Event::Response { id, response } if Some(id) == self.current => {
                let code = response.status.as_u16();
                if response.status.is_provisional() {
                    self.provisionals.push(code);
                    return;
                }
                if response.status.is_success() && self.plan == UacPlan::Invite {
                    // Every 2xx (the first and each retransmission) gets
                    // the same ACK (§13.2.2.4).
                    let ack = self.ack.clone().unwrap_or_else(|| self.ack_for(&response));
                    match cx.layer.send_ack_2xx(cx.now, ack, self.dest()) {
                        Ok(stamped) => {
                            self.ack = Some(stamped);
                            self.acks_sent += 1;
                        }
                        Err(e) => self.fail(cx, format!("send_ack_2xx: {e}")),
                    }
                    if self.finals.is_empty() {
                        self.finals.push(code);
                    }
                    return;
                }
                self.finals.push(code);
                self.start(cx);
            }
            Event::Timeout { id, timer } if Some(id) == self.current && !self.done() => {
                self.fail(cx, format!("{timer} fired"));
            }
            Event::TransportError { id, error } if Some(id) == self.current && !self.done() => {
                self.fail(cx, format!("transport error: {error}"));
            }
            _ => {}
        }
    }
}

/// What the UAS answers to an INVITE.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct InviteAnswer {
    /// Ring this long (after a 180) before the final response.
    pub ring: Duration,
    /// The final response.
    pub status: StatusCode,
}

/// A 2xx the UAS core retransmits until the ACK (RFC 3261 §13.3.1.4).
#[derive(Debug)]
struct Retransmit2xx {
    id: TransactionId,
    response: Response,
    dest: Destination,
    next: Instant,
    interval: Duration,
    give_up: Instant,
}

/// A user agent server core: answers non-INVITE requests 200 and INVITEs
/// as told.
#[derive(Debug)]
pub struct Uas {
    local: SocketAddr,
    to_tag: String,
    invite: InviteAnswer,
    requests: Vec<String>,
    acks: u32,
    pending_final: Option<(Instant, TransactionId, Request, Destination)>,
    retransmit: Option<Retransmit2xx>,
    failure: Option<String>,
}

impl Uas {
    /// A UAS at `local` answering INVITEs with `invite`.
    pub fn new(local: SocketAddr, invite: InviteAnswer, tokens: &mut TokenSource) -> Self {
        Uas {
            local,
            to_tag: tokens.tag(),
            invite,
            requests: Vec::new(),
            acks: 0,
            pending_final: None,
            retransmit: None,
            failure: None,
        }
    }

    /// The methods of the requests that reached the core, in order (each
    /// once, however often it was retransmitted).
    pub fn requests(&self) -> &[String] {
        &self.requests
    }

    /// ACKs for 2xx that reached the core.
    pub fn acks(&self) -> u32 {
        self.acks
    }

    /// Why the UAS failed, if it did.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    fn response(&self, request: &Request, status: StatusCode) -> Response {
        let mut r = Response::from_request(request, status);
        if status != StatusCode::TRYING {
            r = r.with_to_tag(&self.to_tag);
            r.headers
                .push(HeaderName::Contact, format!("<sip:bob@{}>", self.local));
        }
        r
    }

    fn send(&mut self, cx: &mut TuContext<'_>, id: TransactionId, resp: Response) {
        if let Err(e) = cx.layer.send_response(cx.now, id, resp) {
            let why = format!("send_response: {e}");
            cx.report(json!({ "uas failed": why }));
            self.failure.get_or_insert(why);
        }
    }
}

impl TransactionUser for Uas {
    fn on_event(&mut self, cx: &mut TuContext<'_>, event: Event) {
        match event {
            Event::Request {
                id,
                request,
                source,
                ..
            } => {
                self.requests.push(request.method.to_string());
                if request.method == Method::Invite {
                    let ringing = self.response(&request, StatusCode::RINGING);
                    self.send(cx, id, ringing);
                    let at = cx.now + self.invite.ring;
                    self.pending_final = Some((at, id, *request, source.reply_destination()));
                } else {
                    let ok = self.response(&request, StatusCode::OK);
                    self.send(cx, id, ok);
                }
            }
            Event::Ack { .. } => {
                self.acks += 1;
                if self.retransmit.take().is_some() {
                    cx.report(json!("call confirmed"));
                }
            }
            _ => {}
        }
    }

    fn on_timeout(&mut self, cx: &mut TuContext<'_>) {
        if let Some((at, id, request, dest)) = self.pending_final.take() {
            if at > cx.now {
                self.pending_final = Some((at, id, request, dest));
            } else {
                let resp = self.response(&request, self.invite.status);
                if resp.status.is_success() {
                    self.retransmit = Some(Retransmit2xx {
                        id,
                        response: resp.clone(),
                        dest,
                        next: cx.now + T1,
                        interval: T1,
                        give_up: cx.now + T1 * 64,
                    });
                }
                self.send(cx, id, resp);
            }
        }
        if let Some(r) = &mut self.retransmit {
            if cx.now >= r.give_up {
                self.retransmit = None;
                let why = "no ACK for the 2xx within 64*T1".to_owned();
                cx.report(json!({ "uas failed": why }));
                self.failure.get_or_insert(why);
            } else if cx.now >= r.next {
                r.interval = (r.interval * 2).min(T2);
                r.next = cx.now + r.interval;
                let (id, resp, dest) = (r.id, r.response.clone(), r.dest);
                // While the transaction is Accepted it passes the 2xx on;
                // after Timer L the core sends it itself.
                if cx.layer.send_response(cx.now, id, resp.clone()).is_err() {
                    let _ = cx
                        .layer
                        .send_stateless(cx.now, Message::Response(resp), dest);
                }
            }
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let a = self.pending_final.as_ref().map(|p| p.0);
        let b = self.retransmit.as_ref().map(|r| r.next.min(r.give_up));
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

fn layer_for(local: SocketAddr, sim: &mut Sim) -> TransactionLayer {
    let sent_by = SentBy::new(local.ip().to_string(), Some(local.port()));
    let cfg = Config {
        default_sent_by: sent_by,
        ..Config::default()
    };
    TransactionLayer::new(cfg, TokenSource::from_seed(sim.derive_seed()))
}

/// The UAC and UAS nodes of a scenario.
pub type Pair = (NodeRef<TxnNode<Uac>>, NodeRef<TxnNode<Uas>>);

/// Builds alice (UAC) at 10.0.0.1 and bob (UAS) at 10.0.0.2 on a 20 ms
/// link with `faults`, and schedules alice's first request at time zero.
pub fn setup(
    sim: &mut Sim,
    faults: &Faults,
    transport: Transport,
    plan: UacPlan,
    answer: InviteAnswer,
) -> Pair {
    sim.set_default_link(LinkConfig::with_latency(Duration::from_millis(20)).with_faults(faults));
    let alice_addr = SocketAddr::from(([10, 0, 0, 1], 5060));
    let bob_addr = SocketAddr::from(([10, 0, 0, 2], 5060));
    let mut tokens = TokenSource::from_seed(sim.derive_seed());
    let uac = Uac::new(alice_addr, bob_addr, transport, plan, &mut tokens);
    let uas = Uas::new(bob_addr, answer, &mut tokens);
    let alice_layer = layer_for(alice_addr, sim);
    let bob_layer = layer_for(bob_addr, sim);
    let alice = sim.add_node_at("alice", [alice_addr], TxnNode::new(alice_layer, uac));
    let bob = sim.add_node_at("bob", [bob_addr], TxnNode::new(bob_layer, uas));
    sim.at(Instant::ZERO)
        .label("alice starts")
        .call(alice, |n, now| n.act(now, |uac, cx| uac.start(cx)));
    (alice, bob)
}

/// Runs until the UAC is done or failed, then long enough for every timer
/// (Timer D/J/L/M: 32 s) to end the transactions, and checks both sides:
/// no failure, these final responses at alice, these requests (each once)
/// at bob's core, no transaction left.
pub fn finish(
    sim: &mut Sim,
    (alice, bob): Pair,
    want_finals: &[u16],
    want_requests: &[&str],
) -> Result<(), String> {
    let ended = sim.run_until(|s| {
        let uac = s.node(alice).tu();
        uac.done() || uac.failure().is_some()
    });
    match ended {
        // Nothing left to happen: the checks below say what is missing.
        Ok(()) | Err(SimError::Stalled { .. }) => {}
        Err(e) => return Err(e.to_string()),
    }
    sim.run_for(Duration::from_secs(70))
        .map_err(|e| e.to_string())?;
    let uac = sim.node(alice).tu();
    let uas = sim.node(bob).tu();
    if let Some(why) = uac.failure() {
        return Err(format!("alice: {why}"));
    }
    if let Some(why) = uas.failure() {
        return Err(format!("bob: {why}"));
    }
    if uac.finals() != want_finals {
        return Err(format!(
            "alice got finals {:?}, expected {want_finals:?}",
            uac.finals()
        ));
    }
    if uas.requests() != want_requests {
        return Err(format!(
            "bob's core saw {:?}, expected {want_requests:?} (a retransmission leaked past the server transaction?)",
            uas.requests()
        ));
    }
    for (name, layer) in [
        ("alice", sim.node(alice).layer()),
        ("bob", sim.node(bob).layer()),
    ] {
        if !layer.is_empty() {
            return Err(format!(
                "{name} still has {} live transactions after 70 s",
                layer.len()
            ));
        }
    }
    Ok(())
}

/// For scenarios without INVITE.
pub const NO_INVITE: InviteAnswer = InviteAnswer {
    ring: Duration::ZERO,
    status: StatusCode::OK,
};

/// `non-invite`.
pub fn non_invite(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let p = setup(sim, faults, Transport::Udp, UacPlan::Messages(3), NO_INVITE);
    finish(sim, p, &[200, 200, 200], &["MESSAGE"; 3])
}

/// `non-invite-tcp`.
pub fn non_invite_tcp(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let p = setup(sim, faults, Transport::Tcp, UacPlan::Messages(3), NO_INVITE);
    finish(sim, p, &[200, 200, 200], &["MESSAGE"; 3])
}

/// `invite`.
pub fn invite(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let answer = InviteAnswer {
        ring: Duration::from_secs(1),
        status: StatusCode::OK,
    };
    let p = setup(sim, faults, Transport::Udp, UacPlan::Invite, answer);
    finish(sim, p, &[200], &["INVITE"])?;
    let (alice, bob) = p;
    if sim.node(bob).tu().acks() == 0 {
        return Err("bob's core never saw the ACK".to_owned());
    }
    if sim.node(alice).tu().acks_sent() == 0 {
        return Err("alice never sent the ACK".to_owned());
    }
    Ok(())
}

/// `invite-rejected`.
pub fn invite_rejected(sim: &mut Sim, faults: &Faults) -> Result<(), String> {
    let answer = InviteAnswer {
        ring: Duration::from_millis(500),
        status: StatusCode::BUSY_HERE,
    };
    let p = setup(sim, faults, Transport::Udp, UacPlan::Invite, answer);
    finish(sim, p, &[486], &["INVITE"])?;
    if sim.node(p.1).tu().acks() != 0 {
        return Err(
            "the ACK for a non-2xx leaked to bob's core (§17.2.1: the transaction absorbs it)"
                .to_owned(),
        );
    }
    Ok(())
}
