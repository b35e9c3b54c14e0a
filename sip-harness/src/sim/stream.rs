//! Stream connections (TCP, TLS, WS): connect, accept, refuse, segments
//! with random sizes and in-order arrival, reads of random sizes, reset and
//! orderly close.

use super::link::Dice;
use super::net::Pending;
use super::node::{ConnectionInfo, NodeId, TransportFailure};
use super::{ConnectionSummary, Sim};
use crate::trace::{DropReason, Event};
use sip_core::time::Instant;
use sip_core::transport::{ConnectionId, Transport, TransportError};
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum ConnState {
    Connecting,
    Open,
    Refused,
    Reset,
    Closed,
}

struct Segment {
    arrival: Instant,
    off: u64,
    data: Vec<u8>,
    retransmitted: bool,
}

/// One direction of a stream connection.
#[derive(Default)]
struct Flow {
    /// Bytes written so far (the next offset).
    written: u64,
    /// Bytes the receiver has read.
    read: u64,
    /// Arrival of the last segment; later segments never arrive earlier.
    last_arrival: Instant,
    /// Segments on the wire, in order.
    inflight: VecDeque<Segment>,
    /// Writes made before the connection was established.
    unsent: Vec<(u64, Vec<u8>)>,
    /// Messages not fully read yet: id and end offset.
    msgs: VecDeque<(u64, u64)>,
    /// The writer closed this direction.
    fin: bool,
}

pub(super) struct Conn {
    transport: Transport,
    client: NodeId,
    server: Option<NodeId>,
    client_addr: SocketAddr,
    server_addr: SocketAddr,
    state: ConnState,
    /// `[upstream (client to server), downstream]`.
    flows: [Flow; 2],
}

impl Conn {
    pub(super) fn summary(&self, index: u64) -> ConnectionSummary {
        ConnectionSummary {
            index,
            transport: self.transport,
            client: (self.client, client_cid(index as usize)),
            server: self.server.map(|s| (s, server_cid(index as usize))),
            client_addr: self.client_addr,
            server_addr: self.server_addr,
            open: self.state == ConnState::Open,
        }
    }
}

fn client_cid(conn: usize) -> ConnectionId {
    ConnectionId(conn as u64 * 2)
}

fn server_cid(conn: usize) -> ConnectionId {
    ConnectionId(conn as u64 * 2 + 1)
}

impl Sim {
    // ----- streams -----------------------------------------------------

    /// The delay for one packet from `from` to `to`, held until the end
    /// of a partition window.
    fn stream_delay(&mut self, from: IpAddr, to: IpAddr) -> (Instant, bool) {
        let link = self.links.get(&(from, to)).unwrap_or(&self.default_link);
        let mut dice = Dice(&mut self.rng);
        let mut at = self.now + dice.delay(link);
        let lost = dice.chance(link.loss);
        if lost {
            at += link.stream_retransmit;
        }
        if let Some((_, end)) = link.partition_at(self.now) {
            at = at.max(end + link.latency);
        }
        (at, lost)
    }

    pub(super) fn stream_to_addr(
        &mut self,
        id: NodeId,
        transport: Transport,
        addr: SocketAddr,
        data: Vec<u8>,
    ) {
        let existing = self.conns.iter().position(|c| {
            c.transport == transport
                && matches!(c.state, ConnState::Connecting | ConnState::Open)
                && ((c.client == id && c.server_addr == addr)
                    || (c.server == Some(id) && c.client_addr == addr))
        });
        if let Some(k) = existing {
            let upstream = self.conns[k].client == id;
            self.write(k, upstream, data);
            return;
        }
        let Some(local) = self.local_for(id, addr) else {
            self.no_local_addr(id, transport, addr, &data);
            return;
        };
        let port = self.nodes[id.0].next_port;
        self.nodes[id.0].next_port = port.checked_add(1).unwrap_or(super::FIRST_EPHEMERAL_PORT);
        let client_addr = SocketAddr::new(local.ip(), port);
        let k = self.conns.len();
        let server = self.by_addr.get(&addr).copied();
        self.record(Event::Connect {
            conn: k as u64,
            from: self.name_of(id),
            to: server.map(|s| self.name_of(s)),
            proto: transport,
            src: client_addr,
            dst: addr,
        });
        self.conns.push(Conn {
            transport,
            client: id,
            server: None,
            client_addr,
            server_addr: addr,
            state: ConnState::Connecting,
            flows: Default::default(),
        });
        let (at, _) = self.stream_delay(client_addr.ip(), addr.ip());
        self.schedule(at, Pending::Syn { conn: k });
        self.write(k, true, data);
    }

    pub(super) fn stream_on_conn(&mut self, id: NodeId, cid: ConnectionId, data: Vec<u8>) {
        let k = (cid.0 / 2) as usize;
        let upstream = cid.0 & 1 == 0;
        let owner = self
            .conns
            .get(k)
            .and_then(|c| if upstream { Some(c.client) } else { c.server });
        if owner != Some(id) {
            let msg = self.new_msg();
            let from = Some(self.name_of(id));
            let any = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
            let data = self.payload(&data);
            self.record(Event::Send {
                msg,
                from,
                to: None,
                proto: Transport::Tcp,
                src: any,
                dst: any,
                conn: Some(cid.0 / 2),
                off: None,
                data,
            });
            self.dropped(msg, DropReason::BadConnection, 0);
            return;
        }
        self.write(k, upstream, data);
    }

    /// Writes one message on connection `k` in one direction.
    fn write(&mut self, k: usize, upstream: bool, data: Vec<u8>) {
        let msg = self.new_msg();
        let c = &self.conns[k];
        let (src, dst, from, to) = if upstream {
            (c.client_addr, c.server_addr, c.client, c.server)
        } else {
            (
                c.server_addr,
                c.client_addr,
                c.server.expect("server wrote"),
                Some(c.client),
            )
        };
        let to_name = match to {
            Some(t) => Some(self.name_of(t)),
            None => self.by_addr.get(&dst).map(|&t| self.name_of(t)),
        };
        let (transport, state) = (c.transport, c.state);
        let flow = &mut self.conns[k].flows[usize::from(!upstream)];
        let off = flow.written;
        let usable = match state {
            ConnState::Connecting => upstream,
            ConnState::Open => !flow.fin,
            _ => false,
        };
        if usable {
            flow.written += data.len() as u64;
            flow.msgs.push_back((msg, flow.written));
        }
        self.record(Event::Send {
            msg,
            from: Some(self.name_of(from)),
            to: to_name,
            proto: transport,
            src,
            dst,
            conn: Some(k as u64),
            off: Some(off),
            data: self.payload(&data),
        });
        if !usable {
            self.dropped(msg, DropReason::Closed, 0);
            let failure = TransportFailure {
                error: TransportError::ConnectionReset,
                transport,
                local: src,
                remote: dst,
                conn: Some(if upstream {
                    client_cid(k)
                } else {
                    server_cid(k)
                }),
            };
            self.schedule(
                self.now,
                Pending::Failure {
                    node: from,
                    failure,
                    msg: None,
                },
            );
            return;
        }
        if state == ConnState::Connecting {
            self.conns[k].flows[0].unsent.push((off, data));
        } else {
            self.push_segments(k, upstream, off, data);
        }
    }

    /// Cuts `data` (starting at stream offset `off`) into segments and puts
    /// them on the wire.
    fn push_segments(&mut self, k: usize, upstream: bool, off: u64, data: Vec<u8>) {
        let c = &self.conns[k];
        let (from, to) = if upstream {
            (c.client_addr.ip(), c.server_addr.ip())
        } else {
            (c.server_addr.ip(), c.client_addr.ip())
        };
        let mss = self.config.max_segment.max(1);
        let mut pos = 0usize;
        while pos < data.len() {
            let rest = (data.len() - pos).min(mss);
            let mut dice = Dice(&mut self.rng);
            let size = if dice.chance(0.5) {
                rest
            } else {
                1 + dice.below(rest as u64) as usize
            };
            let (at, lost) = self.stream_delay(from, to);
            let flow = &mut self.conns[k].flows[usize::from(!upstream)];
            let arrival = at.max(flow.last_arrival);
            flow.last_arrival = arrival;
            flow.inflight.push_back(Segment {
                arrival,
                off: off + pos as u64,
                data: data[pos..pos + size].to_vec(),
                retransmitted: lost,
            });
            self.schedule(arrival, Pending::Readable { conn: k, upstream });
            pos += size;
        }
    }

    pub(super) fn on_syn(&mut self, k: usize) {
        if self.conns[k].state != ConnState::Connecting {
            return;
        }
        let addr = self.conns[k].server_addr;
        let client_ip = self.conns[k].client_addr.ip();
        let server = self.by_addr.get(&addr).copied();
        let (back, _) = self.stream_delay(addr.ip(), client_ip);
        match server {
            Some(s) if !self.refusing.contains(&addr) => {
                self.conns[k].server = Some(s);
                self.record(Event::Accept { conn: k as u64 });
                // Nothing the server writes may overtake the SYN-ACK.
                self.conns[k].flows[1].last_arrival = back;
                self.schedule(back, Pending::SynAck { conn: k });
                let c = &self.conns[k];
                let info = ConnectionInfo {
                    conn: server_cid(k),
                    transport: c.transport,
                    local: c.server_addr,
                    remote: c.client_addr,
                    inbound: true,
                };
                let now = self.now;
                self.nodes[s.0].node.handle_connection_opened(now, &info);
                self.drain(s);
            }
            _ => self.schedule(back, Pending::Refusal { conn: k }),
        }
    }

    pub(super) fn on_syn_ack(&mut self, k: usize) {
        if self.conns[k].state != ConnState::Connecting {
            return;
        }
        self.conns[k].state = ConnState::Open;
        self.record(Event::Established { conn: k as u64 });
        for (off, data) in std::mem::take(&mut self.conns[k].flows[0].unsent) {
            self.push_segments(k, true, off, data);
        }
        let c = &self.conns[k];
        let info = ConnectionInfo {
            conn: client_cid(k),
            transport: c.transport,
            local: c.client_addr,
            remote: c.server_addr,
            inbound: false,
        };
        let client = c.client;
        let now = self.now;
        self.nodes[client.0]
            .node
            .handle_connection_opened(now, &info);
        self.drain(client);
    }

    pub(super) fn on_refusal(&mut self, k: usize) {
        if self.conns[k].state != ConnState::Connecting {
            return;
        }
        self.conns[k].state = ConnState::Refused;
        self.record(Event::Refused { conn: k as u64 });
        let lost: Vec<u64> = self.conns[k].flows[0]
            .msgs
            .drain(..)
            .map(|(m, _)| m)
            .collect();
        self.conns[k].flows[0].unsent.clear();
        for m in lost {
            self.dropped(m, DropReason::Refused, 0);
        }
        let c = &self.conns[k];
        let failure = TransportFailure {
            error: TransportError::ConnectionRefused,
            transport: c.transport,
            local: c.client_addr,
            remote: c.server_addr,
            conn: Some(client_cid(k)),
        };
        let client = c.client;
        let now = self.now;
        self.nodes[client.0]
            .node
            .handle_transport_error(now, &failure);
        self.drain(client);
    }

    pub(super) fn on_readable(&mut self, k: usize, upstream: bool) {
        let now = self.now;
        let d = usize::from(!upstream);
        let mut buf = Vec::new();
        while self.conns[k].flows[d]
            .inflight
            .front()
            .is_some_and(|s| s.arrival <= now)
        {
            let seg = self.conns[k].flows[d]
                .inflight
                .pop_front()
                .expect("checked");
            self.record(Event::Segment {
                conn: k as u64,
                upstream,
                off: seg.off,
                len: seg.data.len() as u64,
                retransmitted: seg.retransmitted,
            });
            buf.extend_from_slice(&seg.data);
        }
        if buf.is_empty() || !matches!(self.conns[k].state, ConnState::Open | ConnState::Closed) {
            return;
        }
        let c = &self.conns[k];
        let (to, cid, local, remote) = if upstream {
            (
                c.server.expect("accepted"),
                server_cid(k),
                c.server_addr,
                c.client_addr,
            )
        } else {
            (c.client, client_cid(k), c.client_addr, c.server_addr)
        };
        let name = self.name_of(to);
        let mut pos = 0;
        while pos < buf.len() {
            let rest = buf.len() - pos;
            let mut dice = Dice(&mut self.rng);
            let size = if dice.chance(0.5) {
                rest
            } else {
                1 + dice.below(rest as u64) as usize
            };
            let flow = &mut self.conns[k].flows[d];
            flow.read += size as u64;
            let read = flow.read;
            let mut done = Vec::new();
            while flow.msgs.front().is_some_and(|&(_, end)| end <= read) {
                done.push(flow.msgs.pop_front().expect("checked").0);
            }
            for msg in done {
                self.stats.delivered += 1;
                self.record(Event::Deliver {
                    msg,
                    to: name.clone(),
                    copy: 0,
                });
            }
            self.nodes[to.0].node.handle_stream_data(
                now,
                cid,
                local,
                remote,
                &buf[pos..pos + size],
            );
            self.drain(to);
            pos += size;
            if self.conns[k].state == ConnState::Reset {
                break;
            }
        }
    }

    pub(super) fn on_fin(&mut self, k: usize, to_client: bool) {
        let c = &self.conns[k];
        if c.state == ConnState::Reset {
            return;
        }
        let (node, cid) = if to_client {
            (c.client, client_cid(k))
        } else {
            (c.server.expect("accepted"), server_cid(k))
        };
        let name = self.name_of(node);
        self.record(Event::PeerClosed {
            conn: k as u64,
            node: name,
        });
        let now = self.now;
        self.nodes[node.0].node.handle_connection_closed(now, cid);
        self.drain(node);
    }

    /// Resets the connection `cid` (either end's handle): both ends are
    /// told now, bytes still on the wire are dropped.
    ///
    /// # Panics
    ///
    /// If no such connection was opened.
    pub fn reset_connection(&mut self, cid: ConnectionId) {
        let k = (cid.0 / 2) as usize;
        assert!(k < self.conns.len(), "no connection {cid}");
        if !matches!(
            self.conns[k].state,
            ConnState::Connecting | ConnState::Open | ConnState::Closed
        ) {
            return;
        }
        self.conns[k].state = ConnState::Reset;
        self.record(Event::Reset { conn: k as u64 });
        for d in 0..2 {
            let flow = &mut self.conns[k].flows[d];
            flow.inflight.clear();
            flow.unsent.clear();
            let lost: Vec<u64> = flow.msgs.drain(..).map(|(m, _)| m).collect();
            for m in lost {
                self.dropped(m, DropReason::Reset, 0);
            }
        }
        let c = &self.conns[k];
        let mut told = vec![(c.client, client_cid(k), c.client_addr, c.server_addr)];
        if let Some(s) = c.server {
            told.push((s, server_cid(k), c.server_addr, c.client_addr));
        }
        let transport = c.transport;
        for (node, conn, local, remote) in told {
            let failure = TransportFailure {
                error: TransportError::ConnectionReset,
                transport,
                local,
                remote,
                conn: Some(conn),
            };
            let now = self.now;
            self.nodes[node.0]
                .node
                .handle_transport_error(now, &failure);
            self.drain(node);
        }
    }

    /// Closes the connection `cid` in an orderly way from that handle's
    /// end: the end is told now, the peer when the FIN arrives after the
    /// bytes already on the wire. Later writes on it fail.
    ///
    /// # Panics
    ///
    /// If no such connection was opened.
    pub fn close_connection(&mut self, cid: ConnectionId) {
        let k = (cid.0 / 2) as usize;
        assert!(k < self.conns.len(), "no connection {cid}");
        if self.conns[k].state != ConnState::Open {
            return;
        }
        let from_client = cid.0 & 1 == 0;
        let c = &self.conns[k];
        let (closer, peer_ip, my_ip) = if from_client {
            (c.client, c.server_addr.ip(), c.client_addr.ip())
        } else {
            (
                c.server.expect("open"),
                c.client_addr.ip(),
                c.server_addr.ip(),
            )
        };
        self.conns[k].state = ConnState::Closed;
        for flow in &mut self.conns[k].flows {
            flow.fin = true;
        }
        let name = self.name_of(closer);
        self.record(Event::Closed {
            conn: k as u64,
            closed_by: name,
        });
        let (at, _) = self.stream_delay(my_ip, peer_ip);
        let last = self.conns[k].flows[usize::from(!from_client)].last_arrival;
        self.schedule(
            at.max(last),
            Pending::Fin {
                conn: k,
                to_client: !from_client,
            },
        );
        let now = self.now;
        self.nodes[closer.0].node.handle_connection_closed(now, cid);
        self.drain(closer);
    }
}
