//! Delivery: the queue of pending events, routing transmits, datagrams
//! through the link faults. Stream connections are in `stream`.

use super::link::Dice;
use super::node::{NodeId, TransportFailure};
use super::Sim;
use crate::trace::{DropReason, Event, Payload};
use sip_core::transport::{Destination, Transmit, Transport, TransportError};
/// The bytes of a datagram in flight: the buffer the sending node handed
/// over, shared by every copy (no copy per delivery).
type Bytes = sip_core::transport::Payload;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Something due at a virtual time.
pub(super) enum Pending {
    /// A datagram (or a copy) reaches `to`.
    Datagram {
        msg: u64,
        copy: u8,
        to: NodeId,
        src: SocketAddr,
        dst: SocketAddr,
        data: Bytes,
    },
    /// The SYN reaches the listening side.
    Syn { conn: usize },
    /// The SYN-ACK reaches the connecting side.
    SynAck { conn: usize },
    /// The refusal (RST) reaches the connecting side.
    Refusal { conn: usize },
    /// Segments of one direction may have arrived.
    Readable { conn: usize, upstream: bool },
    /// The FIN of the side opposite `to_client`'s reaches it.
    Fin { conn: usize, to_client: bool },
    /// Tell a node about a transport failure.
    Failure {
        node: NodeId,
        failure: TransportFailure,
        msg: Option<u64>,
    },
    /// A scripted action.
    Action {
        label: Option<String>,
        f: Box<dyn FnOnce(&mut Sim)>,
    },
}

/// The unspecified address of `like`'s family (for records of messages
/// that never had a source).
pub(super) fn unspecified(like: SocketAddr) -> SocketAddr {
    match like {
        SocketAddr::V4(_) => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        SocketAddr::V6(_) => SocketAddr::new(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), 0),
    }
}

impl Sim {
    pub(super) fn name_of(&self, id: NodeId) -> String {
        self.nodes[id.0].name.clone()
    }

    pub(super) fn local_for(&self, id: NodeId, dst: SocketAddr) -> Option<SocketAddr> {
        self.nodes[id.0]
            .addrs
            .iter()
            .copied()
            .find(|a| a.is_ipv4() == dst.is_ipv4())
    }

    pub(super) fn new_msg(&mut self) -> u64 {
        let m = self.next_msg;
        self.next_msg += 1;
        self.stats.sent += 1;
        m
    }

    pub(super) fn dropped(&mut self, msg: u64, reason: DropReason, copy: u8) {
        self.stats.dropped += 1;
        self.record(Event::Drop { msg, reason, copy });
    }

    pub(super) fn payload(&self, data: &[u8]) -> Payload {
        if self.config.trace {
            Payload(data.to_vec())
        } else {
            Payload::default()
        }
    }

    /// Sends what node `id` handed over.
    pub(super) fn route(&mut self, id: NodeId, t: Transmit) {
        match t.destination {
            Destination::Addr { transport, addr } if transport.is_stream() => {
                self.stream_to_addr(id, transport, addr, t.payload.to_vec());
            }
            Destination::Addr { transport, addr } => match self.local_for(id, addr) {
                Some(src) => self.send_datagram(Some(id), transport, src, addr, t.payload),
                None => self.no_local_addr(id, transport, addr, &t.payload),
            },
            Destination::Connection(cid) => self.stream_on_conn(id, cid, t.payload.to_vec()),
            other => panic!("sip-harness does not support destination {other:?} yet"),
        }
    }

    /// Records and drops a message node `id` sent to `addr` from no
    /// address of its own (none of the destination's IP family).
    pub(super) fn no_local_addr(
        &mut self,
        id: NodeId,
        transport: Transport,
        addr: SocketAddr,
        data: &[u8],
    ) {
        let msg = self.new_msg();
        if self.config.trace {
            let from = Some(self.name_of(id));
            let data = self.payload(data);
            self.record(Event::Send {
                msg,
                from,
                to: None,
                proto: transport,
                src: unspecified(addr),
                dst: addr,
                conn: None,
                off: None,
                data,
            });
        }
        self.dropped(msg, DropReason::NoLocalAddr, 0);
    }

    /// Sends a datagram from `src` (owned by `sender`, or injected from
    /// outside) through the link's faults.
    pub(super) fn send_datagram(
        &mut self,
        sender: Option<NodeId>,
        transport: Transport,
        src: SocketAddr,
        dst: SocketAddr,
        data: Bytes,
    ) {
        let msg = self.new_msg();
        let to = self.by_addr.get(&dst).copied();
        if self.config.trace {
            self.record(Event::Send {
                msg,
                from: sender.map(|s| self.name_of(s)),
                to: to.map(|t| self.name_of(t)),
                proto: transport,
                src,
                dst,
                conn: None,
                off: None,
                data: self.payload(&data),
            });
        }
        let Some(to) = to else {
            self.dropped(msg, DropReason::NoRoute, 0);
            if let (Some(sender), true) = (sender, self.config.icmp_unreachable) {
                let delay = self.link(dst.ip(), src.ip()).latency;
                let failure = TransportFailure {
                    error: TransportError::Unreachable,
                    transport,
                    local: src,
                    remote: dst,
                    conn: None,
                };
                self.schedule(
                    self.now + delay,
                    Pending::Failure {
                        node: sender,
                        failure,
                        msg: Some(msg),
                    },
                );
            }
            return;
        };
        let link = self.link(src.ip(), dst.ip());
        if link.partition_at(self.now).is_some() {
            self.dropped(msg, DropReason::Partition, 0);
            return;
        }
        if link.is_clean() {
            // No draw to make: the RNG sequence is the same as through
            // the general path below, which draws nothing for zero
            // probabilities and zero jitter.
            let at = self.now + link.latency;
            self.schedule(
                at,
                Pending::Datagram {
                    msg,
                    copy: 0,
                    to,
                    src,
                    dst,
                    data,
                },
            );
            return;
        }
        let link = link.clone();
        let mut dice = Dice(&mut self.rng);
        let copies = if dice.chance(link.duplicate) { 2 } else { 1 };
        if copies == 2 {
            self.stats.duplicated += 1;
            self.record(Event::Duplicate { msg });
        }
        let mut data = Some(data);
        for copy in 0..copies {
            let mut dice = Dice(&mut self.rng);
            if dice.chance(link.loss) {
                self.dropped(msg, DropReason::Loss, copy);
                continue;
            }
            let mut delay = dice.delay(&link);
            if dice.chance(link.reorder) {
                let extra = dice.up_to(
                    link.reorder_delay
                        .saturating_sub(sip_core::time::Duration::from_millis(1)),
                );
                delay += extra + sip_core::time::Duration::from_millis(1);
                self.record(Event::Reorder { msg, copy });
            }
            let bytes = if copy + 1 == copies {
                data.take()
            } else {
                data.clone()
            }
            .unwrap_or_else(|| Bytes::from(Vec::new()));
            self.schedule(
                self.now + delay,
                Pending::Datagram {
                    msg,
                    copy,
                    to,
                    src,
                    dst,
                    data: bytes,
                },
            );
        }
    }

    /// Runs a due event.
    pub(super) fn process(&mut self, event: Pending) {
        match event {
            Pending::Datagram {
                msg,
                copy,
                to,
                src,
                dst,
                data,
            } => {
                self.stats.delivered += 1;
                if self.config.trace {
                    let name = self.name_of(to);
                    self.record(Event::Deliver {
                        msg,
                        to: name,
                        copy,
                    });
                }
                let now = self.now;
                self.nodes[to.0].node.handle_datagram(now, dst, src, &data);
                self.drain(to);
            }
            Pending::Syn { conn } => self.on_syn(conn),
            Pending::SynAck { conn } => self.on_syn_ack(conn),
            Pending::Refusal { conn } => self.on_refusal(conn),
            Pending::Readable { conn, upstream } => self.on_readable(conn, upstream),
            Pending::Fin { conn, to_client } => self.on_fin(conn, to_client),
            Pending::Failure { node, failure, msg } => {
                if let Some(msg) = msg {
                    let name = self.name_of(node);
                    self.record(Event::Unreachable { msg, node: name });
                }
                let now = self.now;
                self.nodes[node.0]
                    .node
                    .handle_transport_error(now, &failure);
                self.drain(node);
            }
            Pending::Action { label, f } => {
                if let Some(label) = label {
                    self.record(Event::Action { label });
                }
                f(self);
                self.dirty = true;
            }
        }
    }

    /// Injects a datagram from `src` (any address, a node's or not) to
    /// `dst` now, through the link's faults.
    pub fn inject_datagram(&mut self, src: SocketAddr, dst: SocketAddr, data: impl Into<Vec<u8>>) {
        self.settle();
        let sender = self.by_addr.get(&src).copied();
        self.send_datagram(sender, Transport::Udp, src, dst, Bytes::from(data.into()));
    }
}
