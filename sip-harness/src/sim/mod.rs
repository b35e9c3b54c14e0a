//! The simulator: a virtual clock, nodes with addresses, links with faults,
//! one seeded RNG, and the run loop.
//!
//! [`Sim`] owns everything. Time only moves when the run loop jumps to the
//! next deadline (a packet due or a node timer), so an hour of SIP timers
//! runs in milliseconds; every random decision comes from one ChaCha8 RNG
//! seeded by the caller, in a fixed order, so a seed reproduces a run byte
//! for byte.
//!
//! Submodules: [`node`] (the [`Node`] trait), [`link`] (links and faults),
//! `net` (the event queue and datagram delivery), `stream` (stream
//! connections), `script` (scheduled actions and
//! expectations).

mod error;
pub mod link;
mod net;
pub mod node;
mod queue;
mod script;
mod stream;
#[cfg(test)]
mod tests;

pub use error::SimError;
pub use link::{Faults, LinkConfig};
pub use node::{AppEvent, ConnectionInfo, Node, NodeId, NodeRef, TransportFailure};
pub use script::{At, Expect, Seen};

use crate::trace::{Event, Record, Trace};
use net::Pending;
use node::AnyNode;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use sip_core::time::{Duration, Instant};
use sip_core::transport::{ConnectionId, Transport};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use stream::Conn;

/// Simulator settings.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SimConfig {
    /// Record the trace. Turn off for long benchmarks; expectations and
    /// ladders need it.
    pub trace: bool,
    /// Livelock guard: how many steps may run without the clock advancing
    /// before the run loop gives up with [`SimError::Livelock`].
    pub max_steps_per_instant: u64,
    /// Tell the sender of a datagram that has no route that the
    /// destination is unreachable (as an ICMP error would), one link
    /// latency later.
    pub icmp_unreachable: bool,
    /// The largest TCP segment; stream writes are cut at this size or
    /// smaller, at random.
    pub max_segment: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            trace: true,
            max_steps_per_instant: 100_000,
            icmp_unreachable: false,
            max_segment: 1460,
        }
    }
}

/// Counters of what the run loop did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SimStats {
    /// Messages nodes handed over (datagrams and stream writes).
    pub sent: u64,
    /// Messages (or copies) that reached a node.
    pub delivered: u64,
    /// Messages (or copies) dropped, whatever the reason.
    pub dropped: u64,
    /// Datagrams the network duplicated.
    pub duplicated: u64,
    /// Node timers fired.
    pub timers: u64,
    /// Run loop steps.
    pub steps: u64,
}

struct Slot {
    name: String,
    addrs: Vec<SocketAddr>,
    node: Box<dyn AnyNode>,
    timeout: Option<Instant>,
    next_port: u16,
}

/// The deterministic simulated network and clock. See the
/// [crate documentation](crate) for an example.
pub struct Sim {
    now: Instant,
    rng: ChaCha8Rng,
    config: SimConfig,
    nodes: Vec<Slot>,
    by_addr: BTreeMap<SocketAddr, NodeId>,
    default_link: LinkConfig,
    links: BTreeMap<(IpAddr, IpAddr), LinkConfig>,
    queue: queue::EventQueue<Pending>,
    next_msg: u64,
    conns: Vec<Conn>,
    refusing: BTreeSet<SocketAddr>,
    trace: Vec<Record>,
    stats: SimStats,
    steps_at_instant: u64,
    dirty: bool,
}

/// How a bounded run ended without error.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RunEnd {
    /// Nothing left to happen.
    Idle,
    /// The time limit was reached.
    TimeUp,
    /// The stop condition held.
    Stopped,
}

const FIRST_EPHEMERAL_PORT: u16 = 49152;

impl Sim {
    /// A simulator with default settings whose RNG is seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Sim::with_config(seed, SimConfig::default())
    }

    /// A simulator with these settings.
    pub fn with_config(seed: u64, config: SimConfig) -> Self {
        Sim {
            now: Instant::ZERO,
            rng: ChaCha8Rng::seed_from_u64(seed),
            config,
            nodes: Vec::new(),
            by_addr: BTreeMap::new(),
            default_link: LinkConfig::default(),
            links: BTreeMap::new(),
            queue: queue::EventQueue::default(),
            next_msg: 0,
            conns: Vec::new(),
            refusing: BTreeSet::new(),
            trace: Vec::new(),
            stats: SimStats::default(),
            steps_at_instant: 0,
            dirty: false,
        }
    }

    // ----- nodes -------------------------------------------------------

    /// The address [`add_node`](Sim::add_node) gives the next node:
    /// `10.0.0.N:5060` for the N-th node.
    pub fn next_addr(&self) -> SocketAddr {
        let n = self.nodes.len() + 1;
        let ip = Ipv4Addr::new(10, 0, (n / 250) as u8, (n % 250) as u8);
        SocketAddr::new(IpAddr::V4(ip), 5060)
    }

    /// Adds a node at [`next_addr`](Sim::next_addr). Names must be unique.
    pub fn add_node<T: Node + 'static>(&mut self, name: &str, node: T) -> NodeRef<T> {
        let addr = self.next_addr();
        self.add_node_at(name, [addr], node)
    }

    /// Adds a node built from the address it will have.
    pub fn add_node_with<T: Node + 'static>(
        &mut self,
        name: &str,
        build: impl FnOnce(SocketAddr) -> T,
    ) -> NodeRef<T> {
        let addr = self.next_addr();
        let node = build(addr);
        self.add_node_at(name, [addr], node)
    }

    /// Adds a node owning these addresses (datagrams to them reach it,
    /// stream connections to them are accepted by it).
    ///
    /// # Panics
    ///
    /// If the name or an address is taken, or no address is given.
    pub fn add_node_at<T: Node + 'static>(
        &mut self,
        name: &str,
        addrs: impl IntoIterator<Item = SocketAddr>,
        node: T,
    ) -> NodeRef<T> {
        let addrs: Vec<SocketAddr> = addrs.into_iter().collect();
        assert!(!addrs.is_empty(), "node {name:?} needs an address");
        assert!(
            self.node_id(name).is_none(),
            "a node is already named {name:?}"
        );
        let id = NodeId(self.nodes.len());
        for a in &addrs {
            if let Some(other) = self.by_addr.insert(*a, id) {
                panic!(
                    "address {a} of {name:?} is taken by {}",
                    self.nodes[other.0].name
                );
            }
        }
        self.record(Event::Node {
            name: name.to_owned(),
            addrs: addrs.clone(),
        });
        self.nodes.push(Slot {
            name: name.to_owned(),
            addrs,
            node: Box::new(node),
            timeout: None,
            next_port: FIRST_EPHEMERAL_PORT,
        });
        self.dirty = true;
        NodeRef::new(id)
    }

    /// The node named `name`.
    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|s| s.name == name).map(NodeId)
    }

    /// The node's name.
    pub fn name(&self, id: impl Into<NodeId>) -> &str {
        &self.nodes[id.into().0].name
    }

    /// The node's first address.
    pub fn addr(&self, id: impl Into<NodeId>) -> SocketAddr {
        self.nodes[id.into().0].addrs[0]
    }

    /// All the node's addresses.
    pub fn addrs(&self, id: impl Into<NodeId>) -> &[SocketAddr] {
        &self.nodes[id.into().0].addrs
    }

    /// The ids of all nodes, in the order they were added.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).map(NodeId)
    }

    /// The node, as its concrete type.
    pub fn node<T: Node + 'static>(&self, r: NodeRef<T>) -> &T {
        self.nodes[r.id().0]
            .node
            .as_any()
            .downcast_ref()
            .expect("NodeRef type matches the node it was made for")
    }

    /// The node, mutably. The run loop polls every node again before it
    /// continues, so changes made here (e.g. starting a request) are
    /// picked up.
    pub fn node_mut<T: Node + 'static>(&mut self, r: NodeRef<T>) -> &mut T {
        self.dirty = true;
        self.nodes[r.id().0]
            .node
            .as_any_mut()
            .downcast_mut()
            .expect("NodeRef type matches the node it was made for")
    }

    /// The node as a trait object.
    pub fn node_dyn_mut(&mut self, id: impl Into<NodeId>) -> &mut dyn Node {
        self.dirty = true;
        let slot = &mut self.nodes[id.into().0];
        &mut *slot.node
    }

    /// The node downcast to `T`, if it is one.
    pub fn downcast_mut<T: Node + 'static>(&mut self, id: impl Into<NodeId>) -> Option<&mut T> {
        self.dirty = true;
        self.nodes[id.into().0].node.as_any_mut().downcast_mut()
    }

    /// A seed drawn from the simulator's RNG, for a node's own
    /// randomness (a `TokenSource` for branches, tags, Call-IDs), so the
    /// simulator seed fixes those too. Draw them while building the
    /// scenario, in a fixed order.
    pub fn derive_seed(&mut self) -> u64 {
        rand_core::RngCore::next_u64(&mut self.rng)
    }

    // ----- links -------------------------------------------------------

    /// The link used between addresses with no link of their own.
    pub fn set_default_link(&mut self, link: LinkConfig) {
        self.default_link = link;
    }

    /// Sets the link between two nodes, both directions (every address
    /// pair).
    pub fn set_link(&mut self, a: impl Into<NodeId>, b: impl Into<NodeId>, link: LinkConfig) {
        let (a, b) = (a.into(), b.into());
        self.set_link_oneway(a, b, link.clone());
        self.set_link_oneway(b, a, link);
    }

    /// Sets the link from node `from` to node `to` only.
    pub fn set_link_oneway(
        &mut self,
        from: impl Into<NodeId>,
        to: impl Into<NodeId>,
        link: LinkConfig,
    ) {
        let (from, to) = (from.into(), to.into());
        for s in self.nodes[from.0].addrs.clone() {
            for d in self.nodes[to.0].addrs.clone() {
                self.links.insert((s.ip(), d.ip()), link.clone());
            }
        }
    }

    /// The link from IP `from` to IP `to`, created from the default link
    /// on first use, to change in place.
    pub fn link_mut(&mut self, from: IpAddr, to: IpAddr) -> &mut LinkConfig {
        let default = &self.default_link;
        self.links
            .entry((from, to))
            .or_insert_with(|| default.clone())
    }

    /// The link from IP `from` to IP `to`.
    pub fn link(&self, from: IpAddr, to: IpAddr) -> &LinkConfig {
        self.links.get(&(from, to)).unwrap_or(&self.default_link)
    }

    /// Applies `faults` to the default link and every link set so far.
    pub fn apply_faults(&mut self, faults: &Faults) {
        self.default_link.apply(faults);
        for link in self.links.values_mut() {
            link.apply(faults);
        }
    }

    /// Partitions nodes `a` and `b` (both directions) during
    /// `[start, end)`.
    pub fn partition(
        &mut self,
        a: impl Into<NodeId>,
        b: impl Into<NodeId>,
        start: Instant,
        end: Instant,
    ) {
        let (a, b) = (a.into(), b.into());
        for (x, y) in [(a, b), (b, a)] {
            for s in self.nodes[x.0].addrs.clone() {
                for d in self.nodes[y.0].addrs.clone() {
                    self.link_mut(s.ip(), d.ip()).partitions.push((start, end));
                }
            }
        }
    }

    /// Makes connection attempts to `addr` be refused (or accepted again).
    pub fn refuse_connections(&mut self, addr: SocketAddr, refuse: bool) {
        if refuse {
            self.refusing.insert(addr);
        } else {
            self.refusing.remove(&addr);
        }
    }

    // ----- clock and run loop -----------------------------------------

    /// The virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// What the run loop did so far.
    pub fn stats(&self) -> SimStats {
        self.stats
    }

    /// Runs until `d` of virtual time has passed (events due at the end
    /// included); the clock then reads `now + d`.
    pub fn run_for(&mut self, d: Duration) -> Result<(), SimError> {
        let limit = self.now + d;
        self.run(limit, u64::MAX, &mut |_| false)?;
        self.now = self.now.max(limit);
        Ok(())
    }

    /// Runs until `pred` holds (checked before each step). Fails with
    /// [`SimError::Stalled`] if nothing is left to happen first.
    pub fn run_until(&mut self, mut pred: impl FnMut(&Sim) -> bool) -> Result<(), SimError> {
        match self.run(Instant::MAX, u64::MAX, &mut pred)? {
            RunEnd::Stopped => Ok(()),
            _ => Err(SimError::Stalled { at: self.now }),
        }
    }

    /// Runs until nothing is left to happen, at most `max_steps` steps.
    pub fn drive(&mut self, max_steps: u64) -> Result<(), SimError> {
        self.run(Instant::MAX, max_steps, &mut |_| false)
            .map(|_| ())
    }

    /// The time of the next thing to happen, if anything is left.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        self.settle();
        self.peek_deadline()
    }

    fn peek_deadline(&self) -> Option<Instant> {
        let q = self.queue.next_at();
        let t = self.nodes.iter().filter_map(|s| s.timeout).min();
        match (q, t) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Polls every node if something outside the run loop touched them.
    fn settle(&mut self) {
        if self.dirty {
            self.dirty = false;
            for i in 0..self.nodes.len() {
                self.drain(NodeId(i));
            }
        }
    }

    fn run(
        &mut self,
        limit: Instant,
        max_steps: u64,
        stop: &mut dyn FnMut(&Sim) -> bool,
    ) -> Result<RunEnd, SimError> {
        let mut steps = 0u64;
        loop {
            self.settle();
            if stop(self) {
                return Ok(RunEnd::Stopped);
            }
            let Some(next) = self.peek_deadline() else {
                return Ok(RunEnd::Idle);
            };
            if next > limit {
                return Ok(RunEnd::TimeUp);
            }
            if steps >= max_steps {
                return Err(SimError::StepLimit {
                    at: self.now,
                    steps,
                });
            }
            steps += 1;
            if next > self.now {
                self.now = next;
                self.steps_at_instant = 0;
            }
            self.steps_at_instant += 1;
            self.stats.steps += 1;
            if self.steps_at_instant > self.config.max_steps_per_instant {
                return Err(SimError::Livelock {
                    at: self.now,
                    steps: self.steps_at_instant,
                    recent: self.recent_trace(20),
                });
            }
            self.step_once();
        }
    }

    /// One step at the current time: the earliest queued event due, else
    /// the first node whose timer is due.
    fn step_once(&mut self) {
        if let Some(event) = self.queue.pop_due(self.now) {
            self.process(event);
            return;
        }
        let due = self
            .nodes
            .iter()
            .position(|s| s.timeout.is_some_and(|t| t <= self.now));
        if let Some(i) = due {
            let id = NodeId(i);
            self.stats.timers += 1;
            if self.config.trace {
                let name = self.nodes[i].name.clone();
                self.record(Event::Timer { node: name });
            }
            let now = self.now;
            self.nodes[i].node.handle_timeout(now);
            self.drain(id);
        }
    }

    /// Hands every output of node `id` to the network and the trace, then
    /// reads its next timeout.
    ///
    /// Events go first: they usually tell what led to the transmits (a
    /// request arrived, then its response left), and the trace reads in
    /// that order.
    fn drain(&mut self, id: NodeId) {
        let now = self.now;
        loop {
            while let Some(ev) = self.nodes[id.0].node.poll_event() {
                if self.config.trace {
                    let node = self.nodes[id.0].name.clone();
                    self.record(Event::App { node, event: ev });
                }
            }
            let Some(t) = self.nodes[id.0].node.poll_transmit(now) else {
                break;
            };
            self.route(id, t);
            while let Some(t) = self.nodes[id.0].node.poll_transmit(now) {
                self.route(id, t);
            }
        }
        self.nodes[id.0].timeout = self.nodes[id.0].node.poll_timeout();
    }

    fn schedule(&mut self, at: Instant, event: Pending) {
        self.queue.push(at, event);
    }

    // ----- trace -------------------------------------------------------

    fn record(&mut self, event: Event) {
        if self.config.trace {
            self.trace.push(Record { t: self.now, event });
        }
    }

    /// The records so far.
    pub fn trace(&self) -> &[Record] {
        &self.trace
    }

    /// The trace so far (without header), leaving the simulator's empty.
    pub fn take_trace(&mut self) -> Trace {
        Trace {
            header: None,
            records: std::mem::take(&mut self.trace),
        }
    }

    /// The ladder diagram of the trace so far.
    pub fn ladder(&self) -> String {
        crate::ladder::render(&self.trace)
    }

    fn recent_trace(&self, n: usize) -> String {
        let start = self.trace.len().saturating_sub(n);
        let t = Trace {
            header: None,
            records: self.trace[start..].to_vec(),
        };
        t.to_jsonl()
    }

    // ----- connections -------------------------------------------------

    /// The stream connections so far, in the order they were opened.
    pub fn connections(&self) -> Vec<ConnectionSummary> {
        self.conns
            .iter()
            .enumerate()
            .map(|(i, c)| c.summary(i as u64))
            .collect()
    }
}

/// A stream connection as [`Sim::connections`] lists it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ConnectionSummary {
    /// The connection's number in the trace.
    pub index: u64,
    /// The transport.
    pub transport: Transport,
    /// The connecting node and its handle.
    pub client: (NodeId, ConnectionId),
    /// The accepting node and its handle, once accepted.
    pub server: Option<(NodeId, ConnectionId)>,
    /// The connecting end.
    pub client_addr: SocketAddr,
    /// The listening end.
    pub server_addr: SocketAddr,
    /// True while data can flow.
    pub open: bool,
}
