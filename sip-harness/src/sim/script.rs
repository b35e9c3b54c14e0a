//! Scripting: actions scheduled at virtual times ([`At`]) and assertions on
//! what each node saw ([`Expect`], [`Seen`]), so scenario tests read like a
//! call flow:
//!
//! ```text
//! sim.at(ms(0)).call(alice, |a, now| a.start(now));
//! sim.at(ms(500)).partition(alice, bob, Duration::from_secs(2));
//! sim.run_for(Duration::from_secs(40))?;
//! sim.expect(bob).received(&["OPTIONS", "OPTIONS"]);
//! ```

use super::net::Pending;
use super::node::{AppEvent, Node, NodeId, NodeRef};
use super::Sim;
use crate::ladder;
use crate::trace::{Event, Record};
use sip_core::time::{Duration, Instant};
use sip_core::transport::{ConnectionId, Transport};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// Something to do at a virtual time; made by [`Sim::at`] and
/// [`Sim::after`], consumed by one of its methods.
#[must_use = "an At does nothing until one of its methods schedules the action"]
pub struct At<'a> {
    sim: &'a mut Sim,
    at: Instant,
    label: Option<String>,
}

impl Sim {
    /// Schedules something at virtual time `t`.
    ///
    /// # Panics
    ///
    /// If `t` is in the past.
    pub fn at(&mut self, t: Instant) -> At<'_> {
        assert!(
            t >= self.now,
            "cannot schedule at {t}: the clock already reads {}",
            self.now
        );
        At {
            sim: self,
            at: t,
            label: None,
        }
    }

    /// Schedules something `d` from now.
    pub fn after(&mut self, d: Duration) -> At<'_> {
        let t = self.now + d;
        self.at(t)
    }
}

impl At<'_> {
    /// Records this label in the trace (an `action` record) when the
    /// action runs.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Runs `f` on the whole simulator.
    pub fn act(self, f: impl FnOnce(&mut Sim) + 'static) {
        let label = self.label;
        self.sim.schedule(
            self.at,
            Pending::Action {
                label,
                f: Box::new(f),
            },
        );
    }

    /// Runs `f` on one node with the current time; its outputs are sent
    /// right after.
    pub fn call<T: Node + 'static>(
        self,
        node: NodeRef<T>,
        f: impl FnOnce(&mut T, Instant) + 'static,
    ) {
        self.act(move |sim| {
            let now = sim.now();
            f(sim.node_mut(node), now);
        });
    }

    /// Injects a UDP datagram from `src` (anyone's address) to `dst`.
    pub fn inject(self, src: SocketAddr, dst: SocketAddr, data: impl Into<Vec<u8>>) {
        let data = data.into();
        self.act(move |sim| sim.inject_datagram(src, dst, data));
    }

    /// Resets a stream connection (either end's handle).
    pub fn reset(self, conn: ConnectionId) {
        self.act(move |sim| sim.reset_connection(conn));
    }

    /// Closes a stream connection from that handle's end.
    pub fn close(self, conn: ConnectionId) {
        self.act(move |sim| sim.close_connection(conn));
    }

    /// Partitions `a` and `b` (both directions) from this time for `d`.
    pub fn partition(self, a: impl Into<NodeId>, b: impl Into<NodeId>, d: Duration) {
        let (start, end) = (self.at, self.at + d);
        self.sim.partition(a, b, start, end);
    }

    /// Makes connection attempts to `addr` fail (or succeed again) from
    /// this time on.
    pub fn refuse_connections(self, addr: SocketAddr, refuse: bool) {
        self.act(move |sim| sim.refuse_connections(addr, refuse));
    }
}

/// A message a node sent or received, read back from the trace.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Seen {
    /// When it was sent.
    pub sent: Instant,
    /// When it arrived (for received messages), else the send time.
    pub at: Instant,
    /// The message id in the trace.
    pub msg: u64,
    /// The sending node, absent for injected messages.
    pub from: Option<String>,
    /// The receiving node, if the destination had one.
    pub to: Option<String>,
    /// The transport.
    pub transport: Transport,
    /// Source address.
    pub src: SocketAddr,
    /// Destination address.
    pub dst: SocketAddr,
    /// The bytes.
    pub data: Vec<u8>,
}

impl Seen {
    /// The ladder label: the method of a request, `200 OK`-style for a
    /// response.
    pub fn label(&self) -> String {
        ladder::start_line_label(&self.data)
    }
}

fn sends(records: &[Record]) -> BTreeMap<u64, Seen> {
    let mut map = BTreeMap::new();
    for r in records {
        if let Event::Send {
            msg,
            from,
            to,
            proto,
            src,
            dst,
            data,
            ..
        } = &r.event
        {
            map.insert(
                *msg,
                Seen {
                    sent: r.t,
                    at: r.t,
                    msg: *msg,
                    from: from.clone(),
                    to: to.clone(),
                    transport: *proto,
                    src: *src,
                    dst: *dst,
                    data: data.0.clone(),
                },
            );
        }
    }
    map
}

impl Sim {
    /// Every message (or duplicate copy) node `id` received, in arrival
    /// order. Needs the trace.
    pub fn received(&self, id: impl Into<NodeId>) -> Vec<Seen> {
        let name = self.name(id).to_owned();
        let sent = sends(&self.trace);
        self.trace
            .iter()
            .filter_map(|r| match &r.event {
                Event::Deliver { msg, to, .. } if *to == name => sent.get(msg).map(|s| Seen {
                    at: r.t,
                    ..s.clone()
                }),
                _ => None,
            })
            .collect()
    }

    /// Every message node `id` sent, in order. Needs the trace.
    pub fn sent(&self, id: impl Into<NodeId>) -> Vec<Seen> {
        let name = self.name(id).to_owned();
        sends(&self.trace)
            .into_values()
            .filter(|s| s.from.as_deref() == Some(name.as_str()))
            .collect()
    }

    /// Every application event node `id` reported, in order.
    pub fn events(&self, id: impl Into<NodeId>) -> Vec<&AppEvent> {
        let name = self.name(id);
        self.trace
            .iter()
            .filter_map(|r| match &r.event {
                Event::App { node, event } if node == name => Some(event),
                _ => None,
            })
            .collect()
    }

    /// Assertions on what node `id` saw; failures panic with the ladder
    /// diagram of the run.
    pub fn expect(&self, id: impl Into<NodeId>) -> Expect<'_> {
        Expect {
            sim: self,
            node: id.into(),
        }
    }
}

/// Assertions on one node, made by [`Sim::expect`]. Each panics with the
/// ladder diagram when it fails.
pub struct Expect<'a> {
    sim: &'a Sim,
    node: NodeId,
}

impl Expect<'_> {
    #[track_caller]
    fn fail(&self, what: String) -> ! {
        panic!(
            "expectation failed for {} at {}: {what}\n\n{}",
            self.sim.name(self.node),
            self.sim.now(),
            self.sim.ladder()
        );
    }

    /// The node received exactly these messages, by ladder label
    /// (`"OPTIONS"`, `"200 OK"`), in this order.
    #[track_caller]
    pub fn received(&self, labels: &[&str]) -> &Self {
        let got: Vec<String> = self
            .sim
            .received(self.node)
            .iter()
            .map(Seen::label)
            .collect();
        if got != labels {
            self.fail(format!("received {got:?}, expected {labels:?}"));
        }
        self
    }

    /// The node sent exactly these messages, by ladder label, in order.
    #[track_caller]
    pub fn sent(&self, labels: &[&str]) -> &Self {
        let got: Vec<String> = self.sim.sent(self.node).iter().map(Seen::label).collect();
        if got != labels {
            self.fail(format!("sent {got:?}, expected {labels:?}"));
        }
        self
    }

    /// The node received `n` messages with this label.
    #[track_caller]
    pub fn received_count(&self, label: &str, n: usize) -> &Self {
        let got = self
            .sim
            .received(self.node)
            .iter()
            .filter(|s| s.label() == label)
            .count();
        if got != n {
            self.fail(format!("received {got} {label:?}, expected {n}"));
        }
        self
    }

    /// The node reported this application event.
    #[track_caller]
    pub fn event(&self, event: &AppEvent) -> &Self {
        if !self.sim.events(self.node).contains(&event) {
            self.fail(format!("no event {event}"));
        }
        self
    }
}
