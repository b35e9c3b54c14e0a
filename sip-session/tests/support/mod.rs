//! A deterministic network of user agents for scenario tests: a virtual
//! clock, datagram delivery with latency, and optional seeded loss,
//! duplication and reordering. It records every message on the wire so a
//! scenario can assert the sequence, snapshot it, and check that every
//! request got a final response.

#![allow(dead_code)]

pub mod call;
pub mod dialog;
pub mod refer_world;

use sip_core::header::HeaderName;
use sip_core::message::Message;
use sip_core::parse::parse_message;
use sip_core::random::TokenSource;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::SentBy;
use sip_core::transport::Destination;
use sip_core::uri::Uri;
use sip_session::{Event, SessionId, SessionState, TerminationCause, UserAgent, UserAgentConfig};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// Network impairments.
#[derive(Clone, Copy, Debug)]
pub struct Impairments {
    /// Probability (percent) that a datagram is lost.
    pub loss: u64,
    /// Probability (percent) that a datagram is delivered twice.
    pub duplicate: u64,
    /// Extra random delay up to this many ms (reordering).
    pub jitter_ms: u64,
}

impl Impairments {
    pub const PERFECT: Impairments = Impairments {
        loss: 0,
        duplicate: 0,
        jitter_ms: 0,
    };
    pub const BAD: Impairments = Impairments {
        loss: 20,
        duplicate: 10,
        jitter_ms: 30,
    };
}

/// What the application of a node does by itself when an event arrives.
pub type Policy = Box<dyn FnMut(&mut UserAgent, Instant, &Event)>;

pub struct Node {
    pub name: &'static str,
    pub addr: SocketAddr,
    pub ua: UserAgent,
    pub events: Vec<(Instant, Event)>,
    pub policy: Option<Policy>,
    pub kind: Kind,
    /// Messages received by a raw node.
    pub inbox: Vec<Message>,
}

/// What a node is.
pub enum Kind {
    /// A user agent.
    Ua,
    /// Records what it receives; sends what the test injects.
    Raw,
    /// A stateless forking proxy (RFC 3261 §16.11), optionally
    /// challenging INVITEs with 407 (digest, realm "example.com").
    Proxy(Proxy),
}

pub struct Proxy {
    pub targets: Vec<usize>,
    /// (username, password): challenge INVITEs without valid credentials.
    pub challenge: Option<(String, String)>,
    pub nonces: u32,
    /// Nonces issued; a challenge marks the previous one stale.
    pub stale_next: bool,
}

/// Decides whether a message is delivered, and may rewrite it.
pub type Filter = Box<dyn FnMut(usize, &mut Message) -> bool>;

/// One message on the wire.
#[derive(Clone, Debug)]
pub struct Wire {
    pub at: Instant,
    pub from: usize,
    pub to: Option<usize>,
    pub message: Message,
    pub delivered: bool,
}

struct Flight {
    at: Instant,
    seq: u64,
    from: usize,
    to: usize,
    payload: Vec<u8>,
}

pub struct Net {
    pub now: Instant,
    pub nodes: Vec<Node>,
    pub wire: Vec<Wire>,
    pub latency: Duration,
    pub impair: Impairments,
    rng: TokenSource,
    flights: Vec<Flight>,
    seq: u64,
    pub filter: Option<Filter>,
}

/// A user agent configuration for node `name` at `addr`.
pub fn config(name: &str, addr: SocketAddr) -> UserAgentConfig {
    let mut c = UserAgentConfig {
        aor: Uri::parse(&format!("sip:{name}@example.com")).unwrap(),
        display_name: Some(capitalize(name)),
        contact: Uri::parse(&format!("sip:{name}@{addr}")).unwrap(),
        user_agent: Some("sip-session-test".to_owned()),
        ..Default::default()
    };
    c.transaction.default_sent_by = SentBy::new(addr.ip().to_string(), Some(addr.port()));
    c
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub fn addr(i: usize) -> SocketAddr {
    format!("192.0.2.{}:5060", 10 + i).parse().unwrap()
}

impl Net {
    pub fn new(seed: u64, impair: Impairments) -> Net {
        Net {
            now: Instant::from_millis(1_000),
            nodes: Vec::new(),
            wire: Vec::new(),
            latency: Duration::from_millis(10),
            impair,
            rng: TokenSource::from_seed(seed ^ 0x5eed),
            flights: Vec::new(),
            seq: 0,
            filter: None,
        }
    }

    /// Adds a node; `tweak` adjusts its configuration.
    pub fn add(
        &mut self,
        name: &'static str,
        seed: u64,
        tweak: impl FnOnce(&mut UserAgentConfig),
    ) -> usize {
        let i = self.nodes.len();
        let a = addr(i);
        let mut c = config(name, a);
        tweak(&mut c);
        self.nodes.push(Node {
            name,
            addr: a,
            ua: UserAgent::new(c, seed),
            events: Vec::new(),
            policy: None,
            kind: Kind::Ua,
            inbox: Vec::new(),
        });
        i
    }

    /// Adds a raw node.
    pub fn add_raw(&mut self, name: &'static str) -> usize {
        let i = self.add(name, 0, |_| {});
        self.nodes[i].kind = Kind::Raw;
        i
    }

    /// Adds a stateless proxy forking to `targets`.
    pub fn add_proxy(
        &mut self,
        name: &'static str,
        targets: Vec<usize>,
        challenge: Option<(&str, &str)>,
    ) -> usize {
        let i = self.add(name, 0, |_| {});
        self.nodes[i].kind = Kind::Proxy(Proxy {
            targets,
            challenge: challenge.map(|(u, p)| (u.to_owned(), p.to_owned())),
            nonces: 0,
            stale_next: false,
        });
        i
    }

    /// Sends raw bytes from node `from` to node `to`.
    pub fn inject(&mut self, from: usize, to: usize, bytes: &[u8]) {
        let dest = Destination::Addr {
            transport: sip_core::transport::Transport::Udp,
            addr: self.nodes[to].addr,
        };
        self.send(from, dest, bytes.to_vec());
    }

    /// Messages a raw node received.
    pub fn inbox(&self, i: usize) -> &[Message] {
        &self.nodes[i].inbox
    }

    /// Adds a node that shares the AOR of `name` (a fork target).
    pub fn uri(&self, i: usize) -> Uri {
        Uri::parse(&format!(
            "sip:{}@{}",
            self.nodes[i].name, self.nodes[i].addr
        ))
        .unwrap()
    }

    pub fn ua(&mut self, i: usize) -> &mut UserAgent {
        &mut self.nodes[i].ua
    }

    pub fn set_policy(&mut self, i: usize, p: Policy) {
        self.nodes[i].policy = Some(p);
    }

    fn node_at(&self, a: SocketAddr) -> Option<usize> {
        self.nodes.iter().position(|n| n.addr == a)
    }

    /// Drains every node's transmits and events until nothing is left.
    pub fn drain(&mut self) {
        loop {
            let mut any = false;
            for i in 0..self.nodes.len() {
                while let Some(t) = self.nodes[i].ua.poll_transmit() {
                    any = true;
                    self.send(i, t.destination, t.payload.to_vec());
                }
                while let Some(e) = self.nodes[i].ua.poll_event() {
                    any = true;
                    let now = self.now;
                    let node = &mut self.nodes[i];
                    if let Some(p) = node.policy.as_mut() {
                        p(&mut node.ua, now, &e);
                    }
                    node.events.push((now, e));
                }
            }
            if !any {
                break;
            }
        }
    }

    fn send(&mut self, from: usize, dest: Destination, payload: Vec<u8>) {
        let to = match dest {
            Destination::Addr { addr, .. } => self.node_at(addr),
            _ => None,
        };
        let mut message = parse_message(&payload).expect("the stack sends parseable messages");
        let mut payload = payload;
        let mut lost = self.rng.below(100) < self.impair.loss;
        if let Some(f) = self.filter.as_mut() {
            let before = message.clone();
            if !f(from, &mut message) {
                lost = true;
            } else if message != before {
                payload = message.to_bytes();
            }
        }
        self.wire.push(Wire {
            at: self.now,
            from,
            to,
            message,
            delivered: !lost && to.is_some(),
        });
        let Some(to) = to else { return };
        if lost {
            return;
        }
        let copies = if self.rng.below(100) < self.impair.duplicate {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let jitter = if self.impair.jitter_ms > 0 {
                self.rng.below(self.impair.jitter_ms + 1)
            } else {
                0
            };
            self.seq += 1;
            self.flights.push(Flight {
                at: self.now + self.latency + Duration::from_millis(jitter),
                seq: self.seq,
                from,
                to,
                payload: payload.clone(),
            });
        }
    }

    /// The next instant something happens.
    fn next_at(&mut self) -> Option<Instant> {
        let f = self.flights.iter().map(|f| f.at).min();
        let t = self
            .nodes
            .iter_mut()
            .filter_map(|n| n.ua.poll_timeout())
            .min();
        match (f, t) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs one step: drain, advance to the next instant (not beyond
    /// `limit`), deliver and fire timers. False when nothing is left
    /// before `limit`.
    pub fn step(&mut self, limit: Instant) -> bool {
        self.drain();
        let Some(at) = self.next_at() else {
            return false;
        };
        if at > limit {
            return false;
        }
        self.now = self.now.max(at);
        let now = self.now;
        self.flights.sort_by_key(|f| (f.at, f.seq));
        let due: Vec<Flight> = {
            let n = self.flights.iter().take_while(|f| f.at <= now).count();
            self.flights.drain(..n).collect()
        };
        for f in due {
            let from = self.nodes[f.from].addr;
            match self.nodes[f.to].kind {
                Kind::Ua => {
                    let node = &mut self.nodes[f.to];
                    node.ua.handle_datagram(now, node.addr, from, &f.payload);
                }
                Kind::Raw => {
                    let m = parse_message(&f.payload).unwrap();
                    self.nodes[f.to].inbox.push(m);
                }
                Kind::Proxy(_) => self.proxy(f.to, f.from, &f.payload),
            }
            self.drain();
        }
        for i in 0..self.nodes.len() {
            if !matches!(self.nodes[i].kind, Kind::Ua) {
                continue;
            }
            if self.nodes[i].ua.poll_timeout().is_some_and(|t| t <= now) {
                self.nodes[i].ua.handle_timeout(now);
                self.drain();
            }
        }
        true
    }

    /// Runs for `d` of virtual time (or until nothing is left).
    pub fn run_for(&mut self, d: Duration) {
        let limit = self.now + d;
        while self.step(limit) {}
        self.drain();
        self.now = self.now.max(limit);
    }

    /// Runs until `cond` holds (checked after every step) or `d` elapsed;
    /// returns whether it held.
    pub fn run_until(&mut self, d: Duration, mut cond: impl FnMut(&Net) -> bool) -> bool {
        let limit = self.now + d;
        loop {
            self.drain();
            if cond(self) {
                return true;
            }
            if !self.step(limit) {
                self.drain();
                return cond(self);
            }
        }
    }

    /// Runs until every timer of every node has fired and nothing is in
    /// flight (at most `d`).
    pub fn settle(&mut self, d: Duration) {
        self.run_for(d);
    }

    // ----- queries -------------------------------------------------------

    pub fn events(&self, i: usize) -> impl Iterator<Item = &Event> {
        self.nodes[i].events.iter().map(|(_, e)| e)
    }

    /// The first Invitation node `i` received.
    pub fn invitation(&self, i: usize) -> Option<SessionId> {
        self.invitations(i).into_iter().next()
    }

    pub fn invitations(&self, i: usize) -> Vec<SessionId> {
        self.events(i)
            .filter_map(|e| match e {
                Event::Invitation { session } => Some(*session),
                _ => None,
            })
            .collect()
    }

    /// The state sequence of `s` on node `i`, starting with Initial.
    pub fn states(&self, i: usize, s: SessionId) -> Vec<SessionState> {
        let mut v = vec![SessionState::Initial];
        v.extend(self.events(i).filter_map(|e| match e {
            Event::StateChanged { session, to, .. } if *session == s => Some(*to),
            _ => None,
        }));
        v
    }

    pub fn cause(&self, i: usize, s: SessionId) -> Option<TerminationCause> {
        self.events(i).find_map(|e| match e {
            Event::Terminated { session, cause } if *session == s => Some(*cause),
            _ => None,
        })
    }

    pub fn state(&self, i: usize, s: SessionId) -> SessionState {
        *self.states(i, s).last().unwrap()
    }

    /// "alice -> bob: INVITE" / "bob -> alice: 180 Ringing (INVITE)", one
    /// per message sent, lost ones marked.
    pub fn trace(&self) -> Vec<String> {
        self.wire
            .iter()
            .map(|w| {
                let to = w.to.map_or("?", |t| self.nodes[t].name);
                let what = match &w.message {
                    Message::Request(r) => r.method.to_string(),
                    Message::Response(r) => {
                        let m = r
                            .headers
                            .get(&HeaderName::CSeq)
                            .and_then(|c| c.split_whitespace().nth(1))
                            .unwrap_or("");
                        format!("{} {} ({m})", r.status.as_u16(), r.reason)
                    }
                };
                let lost = if w.delivered { "" } else { " [lost]" };
                format!("{} -> {}: {what}{lost}", self.nodes[w.from].name, to)
            })
            .collect()
    }

    /// The trace with messages only (no names), for sequences.
    pub fn methods(&self, from: usize) -> Vec<String> {
        self.wire
            .iter()
            .filter(|w| w.from == from)
            .map(|w| match &w.message {
                Message::Request(r) => r.method.to_string(),
                Message::Response(r) => r.status.as_u16().to_string(),
            })
            .collect()
    }

    /// Every non-ACK request that reached a node got a final response
    /// from that node (sent, even if lost afterwards). Returns the
    /// unanswered ones.
    pub fn unanswered(&self) -> Vec<String> {
        let key = |m: &Message| -> Option<(String, String)> {
            let h = m.headers();
            let branch = sip_core::header::Via::branch_of(h.get(&HeaderName::Via)?)?.to_owned();
            let method = h
                .get(&HeaderName::CSeq)?
                .split_whitespace()
                .nth(1)?
                .to_owned();
            Some((branch, method))
        };
        let mut requests: BTreeMap<(String, String), (usize, String)> = BTreeMap::new();
        let mut finals: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for w in &self.wire {
            match &w.message {
                Message::Request(r) if r.method != sip_core::Method::Ack && w.delivered => {
                    if let (Some(k), Some(to)) = (key(&w.message), w.to) {
                        requests.insert(k, (to, r.method.to_string()));
                    }
                }
                Message::Response(r) if r.status.as_u16() >= 200 => {
                    if let Some(k) = key(&w.message) {
                        finals.entry(k).or_default().push(w.from);
                    }
                }
                _ => {}
            }
        }
        requests
            .into_iter()
            .filter(|(k, (to, _))| !finals.get(k).is_some_and(|v| v.contains(to)))
            .map(|((b, _), (to, m))| format!("{m} {b} to {}", self.nodes[to].name))
            .collect()
    }

    /// Final statuses node `from` sent for `method`.
    pub fn finals(&self, from: usize, method: &str) -> Vec<StatusCode> {
        self.wire
            .iter()
            .filter(|w| w.from == from)
            .filter_map(|w| match &w.message {
                Message::Response(r)
                    if r.status.as_u16() >= 200
                        && r.headers
                            .get(&HeaderName::CSeq)
                            .is_some_and(|c| c.ends_with(method)) =>
                {
                    Some(r.status)
                }
                _ => None,
            })
            .collect()
    }

    /// Full wire text of every message, for snapshots.
    pub fn transcript(&self) -> String {
        let mut out = String::new();
        for w in &self.wire {
            let to = w.to.map_or("?", |t| self.nodes[t].name);
            out.push_str(&format!(
                "=== {} {} -> {}\n",
                w.at, self.nodes[w.from].name, to
            ));
            out.push_str(&w.message.to_string().replace("\r\n", "\n"));
            out.push('\n');
        }
        out
    }
}

pub fn sdp(who: &str, what: &str) -> sip_session::Body {
    sip_session::Body::sdp(
        format!("v=0\r\no={who} 1 1 IN IP4 192.0.2.1\r\ns={what}\r\n").into_bytes(),
    )
}

impl Net {
    /// The stateless proxy at node `p` got a datagram from node `from`.
    fn proxy(&mut self, p: usize, from: usize, payload: &[u8]) {
        use sip_core::header::Via;
        let Ok(msg) = parse_message(payload) else {
            return;
        };
        let me = self.nodes[p].addr;
        match msg {
            Message::Request(mut req) => {
                let branch = req
                    .headers
                    .get(&HeaderName::Via)
                    .and_then(Via::branch_of)
                    .unwrap_or("none")
                    .to_owned();
                if let Some(resp) = self.proxy_challenge(p, &req) {
                    let dest = Destination::Addr {
                        transport: sip_core::transport::Transport::Udp,
                        addr: self.nodes[from].addr,
                    };
                    self.send(p, dest, resp.to_bytes());
                    return;
                }
                if req.method == sip_core::Method::Ack
                    && sip_core::transaction::key::to_tag(&req.headers)
                        .is_some_and(|t| t.starts_with("proxy"))
                {
                    return; // the ACK of our own 407
                }
                let Kind::Proxy(px) = &self.nodes[p].kind else {
                    return;
                };
                let targets = px.targets.clone();
                for (k, t) in targets.into_iter().enumerate() {
                    let mut fwd = req.clone();
                    fwd.uri = self.uri(t);
                    fwd.headers.push_front(
                        HeaderName::Via,
                        format!("SIP/2.0/UDP {me};branch=z9hG4bK{branch}-{k}"),
                    );
                    let dest = Destination::Addr {
                        transport: sip_core::transport::Transport::Udp,
                        addr: self.nodes[t].addr,
                    };
                    self.send(p, dest, fwd.to_bytes());
                }
                let _ = &mut req;
            }
            Message::Response(mut resp) => {
                resp.headers.remove_first(&HeaderName::Via);
                let Some(Ok(via)) = resp.headers.typed::<Via>() else {
                    return;
                };
                let host = via.received().or_else(|| via.host.ip()).unwrap();
                let port = via.rport().flatten().unwrap_or(via.sent_by_port());
                let dest = Destination::Addr {
                    transport: sip_core::transport::Transport::Udp,
                    addr: SocketAddr::new(host, port),
                };
                self.send(p, dest, resp.to_bytes());
            }
        }
    }

    /// A 407 for an INVITE without valid credentials, when the proxy
    /// challenges.
    fn proxy_challenge(&mut self, p: usize, req: &sip_core::Request) -> Option<sip_core::Response> {
        use sip_core::auth::{verify, Credentials, DigestChallenge, Qop};
        let Kind::Proxy(px) = &mut self.nodes[p].kind else {
            return None;
        };
        let (user, password) = px.challenge.clone()?;
        if req.method != sip_core::Method::Invite {
            return None;
        }
        let creds = Credentials::password(user, password);
        let current = format!("nonce{}", px.nonces);
        let valid = req
            .headers
            .get(&HeaderName::ProxyAuthorization)
            .and_then(|v| verify(v, &req.method, &creds, "example.com", &req.body).ok())
            .is_some_and(|a| a.nonce == current);
        // Valid credentials pass, unless the proxy was told to call the
        // nonce stale once (RFC 7616 §3.3 stale=true).
        let stale = valid && px.stale_next;
        if valid && !stale {
            return None;
        }
        if stale {
            px.stale_next = false;
        }
        px.nonces += 1;
        let nonce = format!("nonce{}", px.nonces);
        let c = DigestChallenge::new("example.com", nonce)
            .with_qop(&[Qop::Auth])
            .with_stale(stale);
        let mut r =
            sip_core::Response::from_request(req, StatusCode::PROXY_AUTHENTICATION_REQUIRED);
        r.headers.append_to_first(&HeaderName::To, &[";tag=proxy1"]);
        r.headers.push(HeaderName::ProxyAuthenticate, c.to_string());
        Some(r)
    }
}
