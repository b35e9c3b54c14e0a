//! [`TransactionLayer`]: the four machines behind one quinn-proto style
//! driving API.

mod index;
mod receive;
mod send;
mod top_via;
mod written;

pub(crate) use top_via::TopVia;

use super::config::Config;
use super::events::{Event, Stats};
use super::key::{ClientTxnKey, PackedMergeKey, ServerTxnKey};
use super::timer::{Timer, TimerQueue};
use super::{
    Action, Actions, InviteClient, InviteServer, Kind, NonInviteClient, NonInviteServer, State,
    TransactionId,
};
use crate::method::Method;
use crate::parse::StreamParser;
use crate::random::{KeyedMap, KeyedState, TokenSource};
use crate::time::Instant;
use crate::transport::{ConnectionId, Destination, Payload, Source, Transmit, Transport};
use index::Index;
use std::collections::VecDeque;
use std::net::SocketAddr;

/// The transaction layer of RFC 3261 §17 with the transport rules of §18:
/// a pure state machine, driven by the embedder.
///
/// # Inputs
///
/// * [`handle_datagram`](Self::handle_datagram): a UDP datagram with its
///   local and remote addresses.
/// * [`handle_connection_opened`](Self::handle_connection_opened),
///   [`handle_stream_data`](Self::handle_stream_data),
///   [`handle_connection_closed`](Self::handle_connection_closed): stream
///   connections (TCP, TLS, WebSocket), framed per connection (§18.3).
/// * [`handle_timeout`](Self::handle_timeout): the clock reached the
///   deadline given by `poll_timeout`.
/// * [`handle_transport_error`](Self::handle_transport_error): a send
///   failed (§17.1.4, §17.2.4, §18.4).
/// * From the transaction user (TU): [`send_request`](Self::send_request),
///   [`send_response`](Self::send_response), [`cancel`](Self::cancel),
///   [`send_ack_2xx`](Self::send_ack_2xx),
///   [`send_stateless`](Self::send_stateless).
///
/// # Outputs and polling order
///
/// After any input, drain the outputs in this order:
///
/// 1. [`poll_transmit`](Self::poll_transmit) until `None`: send each
///    [`Transmit`] to its [`Destination`];
/// 2. [`poll_event`](Self::poll_event) until `None`: hand each [`Event`]
///    to the TU (which may call the TU methods, producing more transmits:
///    loop back to 1);
/// 3. [`poll_timeout`](Self::poll_timeout): the earliest deadline over all
///    transactions; call `handle_timeout` when the clock reaches it.
///
/// Transmits and events are queued in the order they were produced, so a
/// TU that drains events before transmits still sees a consistent story;
/// the order above just sends as early as possible.
///
/// # Example
///
/// A non-INVITE client transaction over UDP: the request goes out with the
/// layer's Via, Timer E retransmits it, the 200 completes it.
///
/// ```
/// use sip_core::builder::RequestBuilder;
/// use sip_core::random::TokenSource;
/// use sip_core::time::Instant;
/// use sip_core::transaction::{Config, Event, SentBy, State, TransactionLayer};
/// use sip_core::transport::{Destination, Transport};
/// use sip_core::{Method, NameAddr, Response, StatusCode, Uri};
///
/// let cfg = Config {
///     default_sent_by: SentBy::new("192.0.2.1", Some(5060)),
///     ..Config::default()
/// };
/// let mut layer = TransactionLayer::new(cfg, TokenSource::from_seed(1));
/// let bob: Uri = "sip:bob@biloxi.com".parse().unwrap();
/// let options = RequestBuilder::new(Method::Options, bob.clone())
///     .from(NameAddr::new("sip:alice@atlanta.com".parse::<Uri>().unwrap()), "1928301774")
///     .to(NameAddr::new(bob))
///     .call_id("a84b4c76e66710")
///     .cseq(1)
///     .build()
///     .unwrap();
/// let local = "192.0.2.1:5060".parse().unwrap();
/// let peer = "198.51.100.7:5060".parse().unwrap();
/// let dest = Destination::Addr { transport: Transport::Udp, addr: peer };
///
/// let id = layer.send_request(Instant::ZERO, options, dest).unwrap();
/// let sent = layer.poll_transmit().unwrap(); // the embedder sends it
/// assert_eq!(sent.destination, dest);
/// assert!(sent.payload.starts_with(
///     b"OPTIONS sip:bob@biloxi.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK"
/// ));
///
/// // Timer E: T1 later, the same bytes again.
/// assert_eq!(layer.poll_timeout(), Some(Instant::from_millis(500)));
/// layer.handle_timeout(Instant::from_millis(500));
/// assert_eq!(layer.poll_transmit().unwrap().payload, sent.payload);
///
/// // The peer answers; the response reaches the TU.
/// let request = sip_core::parse::parse_message(&sent.payload).unwrap();
/// let sip_core::Message::Request(request) = request else { unreachable!() };
/// let ok = Response::from_request(&request, StatusCode::OK).with_to_tag("b1");
/// layer.handle_datagram(Instant::from_millis(700), local, peer, &ok.to_bytes());
/// assert!(matches!(layer.poll_event(), Some(Event::Response { id: i, .. }) if i == id));
/// assert_eq!(layer.state(id), Some(State::Completed));
///
/// // Timer K (T4) ends it.
/// layer.handle_timeout(Instant::from_millis(5_700));
/// assert_eq!(layer.poll_event(), Some(Event::Terminated { id }));
/// assert!(layer.is_empty());
/// ```
///
/// # Costs
///
/// Deadlines live in one binary heap with lazy deletion: `poll_timeout`
/// and `handle_timeout` cost O(log n) per timer, whatever the number of
/// pending transactions. Matching is a hash lookup. Transport errors scan
/// the transactions (they are rare, and embedder-reported).
#[derive(Debug)]
pub struct TransactionLayer {
    cfg: Config,
    tokens: TokenSource,
    slots: Vec<Slot>,
    /// The first free slot ([`NO_SLOT`] when none); each free slot names
    /// the next one (last freed, first reused).
    free: u32,
    live: usize,
    /// The keyed hash of the match indexes.
    hash: KeyedState,
    clients: Index,
    servers: Index,
    merges: Index,
    connections: KeyedMap<ConnectionId, Connection>,
    timers: TimerQueue,
    /// The earliest live deadline as [`poll_timeout`](Self::poll_timeout)
    /// last found it; `None` once anything that may change it happened: a
    /// machine acted ([`apply`](Self::apply) follows every input of a
    /// machine, and arms its timers), a transaction was removed, timers
    /// fired. (An embedder polls after every input, often with nothing
    /// changed for the transactions.)
    next_deadline: Option<Option<Instant>>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    scratch: Actions,
    stats: Stats,
    /// The start of the layer's Via for each transport, up to the branch
    /// value: `SIP/2.0/UDP host:port;branch=` (§18.1.1; the config does
    /// not change).
    via_prefix: [Box<str>; TRANSPORTS.len()],
    /// The buffer a Via is written in before it goes into a request.
    via_buf: String,
    /// The buffer a message is serialized in before its bytes are shared
    /// ([`Payload`]): one allocation of the exact size per message.
    wire: Vec<u8>,
    /// The `received`/`rport` text for the last source a request came
    /// from (§18.2.1).
    stamp: Option<crate::transport_rules::StampText>,
}

/// Every transport, in the order of [`transport_index`].
const TRANSPORTS: [Transport; 6] = [
    Transport::Udp,
    Transport::Tcp,
    Transport::Tls,
    Transport::Sctp,
    Transport::Ws,
    Transport::Wss,
];

/// The position of `t` in [`TRANSPORTS`].
fn transport_index(t: Transport) -> usize {
    match t {
        Transport::Udp => 0,
        Transport::Tcp => 1,
        Transport::Tls => 2,
        Transport::Sctp => 3,
        Transport::Ws => 4,
        Transport::Wss => 5,
    }
}

#[derive(Debug)]
struct Slot {
    generation: u32,
    /// The next free slot, while this one is free.
    next_free: u32,
    txn: Option<Txn>,
}

/// One live transaction and what the layer needs to route and remove it.
#[derive(Debug)]
struct Txn {
    machine: Machine,
    /// Client: where the request goes. Server: the §18.2.2 fallback route
    /// (used when `connection` is closed or absent).
    destination: Destination,
    /// Server: the connection the request came on (§18.2.2 prefers it).
    connection: Option<ConnectionId>,
    key: TxnKey,
    /// The index hash of `key`.
    key_hash: u64,
    /// The merged-request key (§8.2.2.2) and its index hash.
    merge: Option<(PackedMergeKey, u64)>,
    /// RFC 2543 fallback only: the request's and the final response's To
    /// tags (§17.2.3).
    legacy_tags: Option<Box<LegacyTags>>,
    /// Server: where the request came from.
    source: Option<Source>,
}

#[derive(Debug, Default)]
struct LegacyTags {
    request: Option<Box<str>>,
    response: Option<Box<str>>,
}

#[derive(Debug)]
enum TxnKey {
    Client(ClientTxnKey),
    Server(ServerTxnKey),
}

#[derive(Debug)]
enum Machine {
    InviteClient(InviteClient),
    NonInviteClient(NonInviteClient),
    InviteServer(InviteServer),
    NonInviteServer(NonInviteServer),
}

impl Machine {
    fn kind(&self) -> Kind {
        match self {
            Machine::InviteClient(_) => Kind::InviteClient,
            Machine::NonInviteClient(_) => Kind::NonInviteClient,
            Machine::InviteServer(_) => Kind::InviteServer,
            Machine::NonInviteServer(_) => Kind::NonInviteServer,
        }
    }

    fn state(&self) -> State {
        match self {
            Machine::InviteClient(m) => m.state().name(),
            Machine::NonInviteClient(m) => m.state().name(),
            Machine::InviteServer(m) => m.state().name(),
            Machine::NonInviteServer(m) => m.state().name(),
        }
    }

    fn deadline(&self, timer: Timer) -> Option<Instant> {
        match self {
            Machine::InviteClient(m) => m.deadline(timer),
            Machine::NonInviteClient(m) => m.deadline(timer),
            Machine::InviteServer(m) => m.deadline(timer),
            Machine::NonInviteServer(m) => m.deadline(timer),
        }
    }

    fn on_timer(&mut self, now: Instant, cfg: &Config, timer: Timer, out: &mut Actions) {
        match self {
            Machine::InviteClient(m) => m.on_timer(now, cfg, timer, out),
            Machine::NonInviteClient(m) => m.on_timer(now, cfg, timer, out),
            Machine::InviteServer(m) => m.on_timer(now, cfg, timer, out),
            Machine::NonInviteServer(m) => m.on_timer(now, cfg, timer, out),
        }
    }

    fn on_transport_error(&mut self, error: crate::transport::TransportError, out: &mut Actions) {
        match self {
            Machine::InviteClient(m) => m.on_transport_error(error, out),
            Machine::NonInviteClient(m) => m.on_transport_error(error, out),
            Machine::InviteServer(m) => m.on_transport_error(error, out),
            Machine::NonInviteServer(m) => m.on_transport_error(error, out),
        }
    }

    /// Heap bytes held by the machine (approximate: buffers and boxes).
    fn heap_bytes(&self) -> usize {
        use super::{InviteClientState as Ic, InviteServerState as Is, NonInviteServerState as Ns};
        match self {
            Machine::InviteClient(m) => {
                let state = match m.state() {
                    Ic::Completed { ack, .. } => ack.len(),
                    _ => 0,
                };
                m.request_bytes().len() + m.original_heap_bytes() + state
            }
            Machine::NonInviteClient(m) => m.request_bytes().len(),
            Machine::InviteServer(m) => match m.state() {
                Is::Proceeding {
                    trying,
                    last_provisional,
                } => {
                    trying.as_ref().map_or(0, |t| t.1.len())
                        + last_provisional.as_ref().map_or(0, |p| p.len())
                }
                Is::Completed { response, .. } => response.len(),
                _ => 0,
            },
            Machine::NonInviteServer(m) => match m.state() {
                Ns::Proceeding { last_provisional } => last_provisional.len(),
                Ns::Completed { response, .. } => response.len(),
                _ => 0,
            },
        }
    }
}

impl Txn {
    /// The method of the transaction's request: kept in its key (a
    /// server transaction's request is never an ACK, whose mapping to
    /// INVITE the key applies).
    fn method(&self) -> &Method {
        match &self.key {
            TxnKey::Client(k) => &k.method,
            TxnKey::Server(ServerTxnKey::Branch { method, .. }) => method,
            TxnKey::Server(ServerTxnKey::Legacy(k)) => &k.method,
        }
    }
}

/// A stream connection the embedder announced.
#[derive(Debug)]
struct Connection {
    transport: Transport,
    local: SocketAddr,
    remote: SocketAddr,
    parser: StreamParser,
}

impl TransactionLayer {
    /// A layer with `cfg`, drawing branch ids from `tokens`.
    pub fn new(cfg: Config, tokens: TokenSource) -> Self {
        let hash = tokens.hash_state();
        let via_prefix = TRANSPORTS.map(|t| {
            let sb = cfg.sent_by_for(t);
            crate::transport_rules::via_value(t, &sb.host, sb.port, "", false).into_boxed_str()
        });
        TransactionLayer {
            cfg,
            tokens,
            slots: Vec::new(),
            free: NO_SLOT,
            live: 0,
            clients: Index::default(),
            servers: Index::default(),
            merges: Index::default(),
            connections: KeyedMap::with_hasher(hash.clone()),
            hash,
            timers: TimerQueue::default(),
            next_deadline: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            scratch: Vec::with_capacity(8),
            stats: Stats::default(),
            via_prefix,
            via_buf: String::new(),
            wire: Vec::new(),
            stamp: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Counters since creation.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Number of live (pending) transactions.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when no transaction is live.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The state of a transaction; `None` once it terminated.
    pub fn state(&self, id: TransactionId) -> Option<State> {
        self.get(id).map(|t| t.machine.state())
    }

    /// The kind of a transaction; `None` once it terminated.
    pub fn kind(&self, id: TransactionId) -> Option<Kind> {
        self.get(id).map(|t| t.machine.kind())
    }

    /// The method of a transaction's request; `None` once it terminated.
    pub fn method(&self, id: TransactionId) -> Option<&Method> {
        self.get(id).map(Txn::method)
    }

    /// The next transmit to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the TU.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest deadline over all transactions, if any.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        if let Some(known) = self.next_deadline {
            debug_assert_eq!(known, self.earliest_deadline());
            return known;
        }
        let at = self.earliest_deadline();
        self.next_deadline = Some(at);
        at
    }

    /// The earliest live deadline, read from the queue (stale entries
    /// met on the way are dropped).
    pub(crate) fn earliest_deadline(&mut self) -> Option<Instant> {
        let slots = &self.slots;
        self.timers
            .peek(|id, timer, at| timer_live(slots, id, timer, at))
    }

    /// Fires every timer due at `now`, in deadline order.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.next_deadline = None;
        loop {
            let slots = &self.slots;
            let Some((_, id, timer)) = self
                .timers
                .pop_due(now, |id, t, at| timer_live(slots, id, t, at))
            else {
                break;
            };
            let mut out = core::mem::take(&mut self.scratch);
            let cfg = &self.cfg;
            if let Some(txn) = self.slots[id.index() as usize].txn.as_mut() {
                txn.machine.on_timer(now, cfg, timer, &mut out);
            }
            if matches!(timer, Timer::A | Timer::E | Timer::G) {
                self.stats.retransmissions += out
                    .iter()
                    .filter(|a| matches!(a, Action::Transmit(_)))
                    .count() as u64;
            }
            self.apply(id, &mut out, None);
            self.restore_scratch(out);
        }
        self.maybe_compact();
    }

    /// Rebuilds the timer heap when stale entries dominate, so its size
    /// stays proportional to the live timers (at most ~3 per transaction).
    fn maybe_compact(&mut self) {
        if self.timers.len() > 1024 && self.timers.len() > 8 * self.live.max(1) {
            let slots = &self.slots;
            self.timers
                .compact(|id, t, at| timer_live(slots, id, t, at));
        }
    }

    /// Approximate memory held by the layer, in bytes: the slot table, the
    /// match indexes, the timer heap and each transaction's buffers.
    pub fn memory_usage(&self) -> usize {
        use core::mem::size_of;
        let mut n = size_of::<Self>()
            + self.slots.capacity() * size_of::<Slot>()
            + self.clients.heap_bytes()
            + self.servers.heap_bytes()
            + self.merges.heap_bytes()
            + self.timers.heap_bytes();
        for t in self.slots.iter().filter_map(|s| s.txn.as_ref()) {
            n += t.machine.heap_bytes();
            n += match &t.key {
                TxnKey::Client(k) => k.branch.heap_bytes(),
                TxnKey::Server(ServerTxnKey::Branch { branch, host, .. }) => {
                    branch.heap_bytes()
                        + match host {
                            crate::uri::Host::Domain(d) => d.capacity(),
                            _ => 0,
                        }
                }
                TxnKey::Server(ServerTxnKey::Legacy(k)) => {
                    core::mem::size_of::<super::key::LegacyKey>() + k.call_id.len() + k.via.len()
                }
            };
            n += t.merge.as_ref().map_or(0, |m| m.0.heap_bytes());
        }
        n
    }

    fn get(&self, id: TransactionId) -> Option<&Txn> {
        let slot = self.slots.get(id.index() as usize)?;
        if slot.generation != id.generation() {
            return None;
        }
        slot.txn.as_ref()
    }

    fn get_mut(&mut self, id: TransactionId) -> Option<&mut Txn> {
        let slot = self.slots.get_mut(id.index() as usize)?;
        if slot.generation != id.generation() {
            return None;
        }
        slot.txn.as_mut()
    }

    fn remove(&mut self, id: TransactionId) {
        self.next_deadline = None;
        let Some(slot) = self.slots.get_mut(id.index() as usize) else {
            return;
        };
        if slot.generation != id.generation() {
            return;
        }
        let Some(txn) = slot.txn.as_ref() else {
            return;
        };
        match &txn.key {
            TxnKey::Client(_) => self.clients.remove(txn.key_hash, id),
            TxnKey::Server(_) => self.servers.remove(txn.key_hash, id),
        }
        if let Some((_, hash)) = &txn.merge {
            self.merges.remove(*hash, id);
        }
        // Dropped where it lies.
        slot.txn = None;
        slot.generation = slot.generation.wrapping_add(1);
        slot.next_free = self.free;
        self.free = id.index();
        self.live -= 1;
        self.stats.terminated += 1;
    }

    /// Where a transaction's messages go now: a server transaction prefers
    /// the connection its request came on while it is open (§18.2.2).
    fn route(&self, txn: &Txn) -> Destination {
        match txn.connection {
            Some(c) if self.connections.contains_key(&c) => Destination::Connection(c),
            _ => txn.destination,
        }
    }

    /// The wire form `write` appends, as shared bytes: written in the
    /// reused buffer, then copied once into an allocation of its size.
    #[inline]
    fn payload(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> Payload {
        self.wire.clear();
        write(&mut self.wire);
        Payload::from(&self.wire[..])
    }

    /// Puts the action buffer taken with `mem::take(&mut self.scratch)`
    /// back for the next input. What it replaces is the empty `Vec` that
    /// `take` left (nothing in between puts a buffer there), which has no
    /// allocation: it is forgotten rather than dropped, which saves a call
    /// to the drop glue on every input.
    #[inline]
    fn restore_scratch(&mut self, out: Actions) {
        let left = core::mem::replace(&mut self.scratch, out);
        debug_assert!(left.capacity() == 0);
        if left.capacity() == 0 {
            core::mem::forget(left);
        }
    }

    /// Carries out a machine's actions for transaction `id`. `source` is
    /// the source of the message being processed (for ACKs passed up).
    fn apply(&mut self, id: TransactionId, out: &mut Actions, source: Option<Source>) {
        // The machine of `id` acted (or was just added): its timers may
        // have changed.
        self.next_deadline = None;
        // Each action is taken out in place (a `Terminated` left behind,
        // which owns nothing) and the buffer cleared at the end: cheaper
        // than a `Drain`, whose drop is a call on every input. Timers, the
        // most frequent action, are read where they lie.
        for slot in out.iter_mut() {
            if let Action::Arm(timer, at) = *slot {
                self.timers.push(at, id, timer);
                continue;
            }
            match core::mem::replace(slot, Action::Terminated) {
                Action::Transmit(payload) => {
                    if let Some(txn) = self.get(id) {
                        let destination = self.route(txn);
                        self.transmits.push_back(Transmit {
                            destination,
                            payload,
                        });
                    }
                }
                // Read in place above.
                Action::Arm(..) => {}
                Action::Response(response) => {
                    self.events.push_back(Event::Response { id, response })
                }
                Action::Ack(request) => {
                    let source = source.or_else(|| self.get(id).and_then(|t| t.source));
                    if let Some(source) = source {
                        self.events.push_back(Event::Ack {
                            request,
                            source,
                            transaction: Some(id),
                        });
                    }
                }
                Action::Timeout(timer) => self.events.push_back(Event::Timeout { id, timer }),
                Action::TransportError(error) => {
                    self.events.push_back(Event::TransportError { id, error })
                }
                Action::Terminated => {
                    self.remove(id);
                    self.events.push_back(Event::Terminated { id });
                }
            }
        }
        out.clear();
    }
}

/// No slot: the end of the free list.
const NO_SLOT: u32 = u32::MAX;

/// Puts `txn` in a free slot (or a new one) of the slot table.
fn insert_slot(slots: &mut Vec<Slot>, free: &mut u32, live: &mut usize, txn: Txn) -> TransactionId {
    *live += 1;
    match slots.get_mut(*free as usize) {
        Some(slot) => {
            let i = *free;
            *free = slot.next_free;
            slot.txn = Some(txn);
            TransactionId::new(i, slot.generation)
        }
        None => {
            let i = slots.len() as u32;
            slots.push(Slot {
                generation: 0,
                next_free: NO_SLOT,
                txn: Some(txn),
            });
            TransactionId::new(i, 0)
        }
    }
}

/// The key of transaction `id`, if it is a live client transaction.
fn client_key(slots: &[Slot], id: TransactionId) -> Option<&ClientTxnKey> {
    match &live(slots, id)?.key {
        TxnKey::Client(k) => Some(k),
        TxnKey::Server(_) => None,
    }
}

/// The key of transaction `id`, if it is a live server transaction.
fn server_key(slots: &[Slot], id: TransactionId) -> Option<&ServerTxnKey> {
    match &live(slots, id)?.key {
        TxnKey::Server(k) => Some(k),
        TxnKey::Client(_) => None,
    }
}

/// The merged-request key of transaction `id`, if it has one.
fn merge_key(slots: &[Slot], id: TransactionId) -> Option<&PackedMergeKey> {
    live(slots, id)?.merge.as_ref().map(|m| &m.0)
}

fn live(slots: &[Slot], id: TransactionId) -> Option<&Txn> {
    slots
        .get(id.index() as usize)
        .filter(|s| s.generation == id.generation())?
        .txn
        .as_ref()
}

fn timer_live(slots: &[Slot], id: TransactionId, timer: Timer, at: Instant) -> bool {
    slots
        .get(id.index() as usize)
        .filter(|s| s.generation == id.generation())
        .and_then(|s| s.txn.as_ref())
        .is_some_and(|t| t.machine.deadline(timer) == Some(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::SentBy;
    use crate::transport_rules::via_value;

    #[test]
    fn via_prefixes_start_the_via_value_of_each_transport() {
        let cfg = Config {
            sent_by: vec![
                (Transport::Tls, SentBy::new("ua.example.com", None)),
                (Transport::Ws, SentBy::new("[2001:db8::1]", Some(8080))),
            ],
            default_sent_by: SentBy::new("192.0.2.1", Some(5060)),
            ..Config::default()
        };
        let layer = TransactionLayer::new(cfg, TokenSource::from_seed(1));
        for t in TRANSPORTS {
            let sb = layer.cfg.sent_by_for(t);
            let want = via_value(t, &sb.host, sb.port, "z9hG4bKab", false);
            let got = format!("{}z9hG4bKab", layer.via_prefix[transport_index(t)]);
            assert_eq!(got, want);
        }
    }
}
