//! TCP for the [`Driver`]: accepting, connecting on demand (on helper
//! threads, std's connect blocks), reading into the node, queued writes,
//! and the limits: connection count, message size, write queue, idle and
//! incomplete timeouts (RFC 3261 §18.3 leaves them to the implementation;
//! without them a peer can hold resources forever).

use super::meter::{Meter, MeterError};
use super::{unspecified, CloseReason, Driver, Packet, TraceEvent};
use crate::sim::{ConnectionInfo, Node};
use sip_core::time::Instant;
use sip_core::transport::{ConnectionId, Transport, TransportError};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

/// Bytes read from one connection at a time.
const READ_CHUNK: usize = 16 * 1024;

/// One TCP connection, open or opening.
#[derive(Debug)]
pub(super) struct Conn {
    /// The peer.
    remote: SocketAddr,
    /// The driver's end, once connected.
    local: Option<SocketAddr>,
    /// The socket, once connected.
    stream: Option<TcpStream>,
    /// True when the peer connected.
    inbound: bool,
    /// Bytes queued for the peer, from `out_pos`.
    out: Vec<u8>,
    out_pos: usize,
    /// Incoming message boundaries.
    meter: Meter,
    /// Messages written.
    sent: u64,
    /// When it was accepted or asked for.
    opened: Instant,
    /// The last whole message in or out (or the opening).
    progress: Instant,
}

impl Conn {
    fn queued(&self) -> usize {
        self.out.len() - self.out_pos
    }
}

impl<N: Node> Driver<N> {
    fn new_conn_id(&mut self) -> ConnectionId {
        let id = ConnectionId(self.next_conn);
        self.next_conn += 1;
        id
    }

    /// Closes connections until one more fits under the limit; false if
    /// the limit is zero.
    fn make_room(&mut self, now: Instant) -> bool {
        if self.cfg.max_connections == 0 {
            return false;
        }
        while self.conns.len() >= self.cfg.max_connections {
            let victim = self
                .conns
                .iter()
                .min_by_key(|(id, c)| (c.progress, **id))
                .map(|(id, _)| *id);
            match victim {
                Some(id) => {
                    self.stats.evicted += 1;
                    self.close(now, id, CloseReason::Evicted);
                }
                None => break,
            }
        }
        true
    }

    /// Accepts a batch of inbound connections.
    pub(super) fn accept(&mut self) -> usize {
        let mut n = 0;
        for _ in 0..self.cfg.batch.max(1) {
            let Some(listener) = &self.listener else {
                return n;
            };
            let (stream, remote) = match listener.accept() {
                Ok(r) => r,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Out of descriptors, aborted handshakes...: the
                    // backlog is looked at again next time.
                    self.socket_error("accept", None, &e);
                    break;
                }
            };
            n += 1;
            let now = self.now();
            if !self.make_room(now) {
                let _ = stream.shutdown(Shutdown::Both);
                continue;
            }
            if let Err(e) = stream.set_nonblocking(true) {
                self.socket_error("set_nonblocking", Some(remote), &e);
                continue;
            }
            let _ = stream.set_nodelay(true);
            let local = stream.local_addr().unwrap_or(self.local);
            let id = self.new_conn_id();
            self.conns.insert(
                id,
                Conn {
                    remote,
                    local: Some(local),
                    stream: Some(stream),
                    inbound: true,
                    out: Vec::new(),
                    out_pos: 0,
                    meter: Meter::new(self.hook.is_some()),
                    sent: 0,
                    opened: now,
                    progress: now,
                },
            );
            self.stats.accepted += 1;
            self.opened(now, id, local, remote, true);
        }
        n
    }

    fn opened(
        &mut self,
        now: Instant,
        conn: ConnectionId,
        local: SocketAddr,
        remote: SocketAddr,
        inbound: bool,
    ) {
        self.record(
            now,
            TraceEvent::Opened {
                conn,
                local,
                remote,
                inbound,
            },
        );
        let info = ConnectionInfo {
            conn,
            transport: Transport::Tcp,
            local,
            remote,
            inbound,
        };
        self.node.handle_connection_opened(now, &info);
        self.drain(now);
    }

    /// Sends on an open (or opening) connection to `addr`, or opens one.
    pub(super) fn send_to_addr(&mut self, now: Instant, addr: SocketAddr, data: Vec<u8>) {
        let existing = self
            .conns
            .iter()
            .find(|(_, c)| c.remote == addr)
            .map(|(id, _)| *id);
        if let Some(id) = existing {
            self.write(now, id, data);
            return;
        }
        if !self.make_room(now) {
            self.fail(
                now,
                TransportError::ConnectionRefused,
                Transport::Tcp,
                addr,
                None,
            );
            return;
        }
        let id = self.new_conn_id();
        let tx = self.connect_tx.clone();
        let timeout = self.cfg.connect_timeout.max(Duration::from_millis(1));
        let spawned = std::thread::Builder::new()
            .name(format!("sip-connect-{addr}"))
            .spawn(move || {
                let r = TcpStream::connect_timeout(&addr, timeout);
                let _ = tx.send((id, r));
            });
        if let Err(e) = spawned {
            self.socket_error("spawn connect", Some(addr), &e);
            self.fail(
                now,
                TransportError::ConnectionRefused,
                Transport::Tcp,
                addr,
                Some(id),
            );
            return;
        }
        self.conns.insert(
            id,
            Conn {
                remote: addr,
                local: None,
                stream: None,
                inbound: false,
                out: Vec::new(),
                out_pos: 0,
                meter: Meter::new(self.hook.is_some()),
                sent: 0,
                opened: now,
                progress: now,
            },
        );
        self.write(now, id, data);
    }

    /// Sends on connection `id`.
    pub(super) fn send_on_conn(&mut self, now: Instant, id: ConnectionId, data: Vec<u8>) {
        if self.conns.contains_key(&id) {
            self.write(now, id, data);
            return;
        }
        self.record(
            now,
            TraceEvent::Dropped {
                transport: Transport::Tcp,
                remote: None,
                len: data.len(),
                reason: super::DropReason::UnknownConnection,
            },
        );
        let any = unspecified(self.local);
        self.fail(
            now,
            TransportError::ConnectionReset,
            Transport::Tcp,
            any,
            Some(id),
        );
    }

    /// Queues one message on `id` and writes what the socket takes.
    fn write(&mut self, now: Instant, id: ConnectionId, data: Vec<u8>) {
        let max = self.cfg.max_write_buffer;
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        if c.queued() + data.len() > max {
            self.stats.closed_limit += 1;
            self.close(now, id, CloseReason::WriteBufferFull);
            return;
        }
        if c.out_pos > 0 && c.out_pos >= c.out.len() / 2 {
            c.out.drain(..c.out_pos);
            c.out_pos = 0;
        }
        c.out.extend_from_slice(&data);
        c.sent += 1;
        c.progress = now;
        let (local, remote) = (c.local, c.remote);
        self.stats.stream_messages_out += 1;
        self.record(
            now,
            TraceEvent::Sent(Packet {
                transport: Transport::Tcp,
                local,
                remote,
                conn: Some(id),
                data: &data,
            }),
        );
        self.flush(now, id);
    }

    /// Writes queued bytes of `id` until the socket would block.
    fn flush(&mut self, now: Instant, id: ConnectionId) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        let Some(stream) = &mut c.stream else {
            return;
        };
        while c.out_pos < c.out.len() {
            match stream.write(&c.out[c.out_pos..]) {
                Ok(0) => {
                    let e = io::Error::from(io::ErrorKind::WriteZero);
                    let remote = c.remote;
                    self.socket_error("write", Some(remote), &e);
                    self.close(now, id, CloseReason::Reset);
                    return;
                }
                Ok(n) => c.out_pos += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let remote = c.remote;
                    self.socket_error("write", Some(remote), &e);
                    self.close(now, id, CloseReason::Reset);
                    return;
                }
            }
        }
        c.out.clear();
        c.out_pos = 0;
    }

    /// Writes what every connection has queued.
    pub(super) fn flush_all(&mut self) {
        let now = self.now();
        let pending: Vec<ConnectionId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.stream.is_some() && c.queued() > 0)
            .map(|(id, _)| *id)
            .collect();
        for id in pending {
            self.flush(now, id);
        }
        self.drain(now);
    }

    /// Takes the results of outbound connects.
    pub(super) fn finish_connects(&mut self) -> usize {
        let mut n = 0;
        while let Ok((id, result)) = self.connect_rx.try_recv() {
            n += 1;
            let now = self.now();
            let Some(c) = self.conns.get(&id) else {
                continue; // closed while connecting; the socket drops
            };
            let remote = c.remote;
            let stream = result.and_then(|s| s.set_nonblocking(true).map(|()| s));
            match stream {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    let local = stream.local_addr().unwrap_or(self.local);
                    if let Some(c) = self.conns.get_mut(&id) {
                        c.local = Some(local);
                        c.stream = Some(stream);
                        c.progress = now;
                    }
                    self.stats.connected += 1;
                    self.opened(now, id, local, remote, false);
                    self.flush(now, id);
                }
                Err(e) => {
                    self.stats.connect_failures += 1;
                    self.socket_error("connect", Some(remote), &e);
                    self.close(now, id, CloseReason::ConnectFailed);
                }
            }
            self.drain(now);
        }
        n
    }

    /// Reads what every connection has, a batch each.
    pub(super) fn read_streams(&mut self) -> usize {
        let ids: Vec<ConnectionId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.stream.is_some())
            .map(|(id, _)| *id)
            .collect();
        let mut buf = std::mem::take(&mut self.read_buf);
        buf.resize(READ_CHUNK, 0);
        let mut n = 0;
        for id in ids {
            for _ in 0..self.cfg.batch.max(1) {
                match self.read_once(id, &mut buf) {
                    Some(k) => n += k,
                    None => break,
                }
            }
        }
        self.read_buf = buf;
        n
    }

    /// One read on `id`; `None` when there is nothing more to read now.
    fn read_once(&mut self, id: ConnectionId, buf: &mut [u8]) -> Option<usize> {
        let now = self.now();
        let c = self.conns.get_mut(&id)?;
        let stream = c.stream.as_mut()?;
        let remote = c.remote;
        let len = match stream.read(buf) {
            Ok(0) => {
                self.stats.closed_by_peer += 1;
                self.close(now, id, CloseReason::PeerClosed);
                self.drain(now);
                return Some(1);
            }
            Ok(len) => len,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return None,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Some(0),
            Err(e) => {
                self.socket_error("read", Some(remote), &e);
                self.stats.closed_by_peer += 1;
                self.close(now, id, CloseReason::Reset);
                self.drain(now);
                return Some(1);
            }
        };
        let data = &buf[..len];
        let max = self.cfg.max_stream_message;
        let local = c.local.unwrap_or(self.local);
        let mut whole = Vec::new();
        let keep = self.hook.is_some();
        let fed = c.meter.feed(now, data, max, |m| {
            if keep {
                whole.push(m.to_vec());
            }
        });
        let completed = match fed {
            Ok(k) => k,
            Err(e) => {
                self.stats.closed_limit += 1;
                let reason = match e {
                    MeterError::TooLarge => CloseReason::TooLarge,
                    MeterError::Unframeable => CloseReason::Unframeable,
                };
                self.close(now, id, reason);
                self.drain(now);
                return Some(1);
            }
        };
        if completed > 0 {
            c.progress = now;
        }
        self.stats.stream_messages_in += completed as u64;
        self.stats.stream_bytes_in += len as u64;
        for m in &whole {
            self.record(
                now,
                TraceEvent::Received(Packet {
                    transport: Transport::Tcp,
                    local: Some(local),
                    remote,
                    conn: Some(id),
                    data: m,
                }),
            );
        }
        self.node.handle_stream_data(now, id, local, remote, data);
        self.drain(now);
        Some(1)
    }

    /// Closes connections idle or incomplete for too long.
    pub(super) fn housekeeping(&mut self) -> usize {
        let now = self.now();
        let incomplete = self.cfg.incomplete_timeout;
        let idle = self.cfg.idle_timeout;
        let expired: Vec<(ConnectionId, CloseReason)> = self
            .conns
            .iter()
            .filter(|(_, c)| c.stream.is_some())
            .filter_map(|(id, c)| {
                let stuck = match c.meter.pending_since() {
                    Some(since) => now - since >= incomplete,
                    // An inbound connection that never carried a message.
                    None => {
                        c.inbound
                            && c.meter.messages() == 0
                            && c.sent == 0
                            && now - c.opened >= incomplete
                    }
                };
                if stuck {
                    Some((*id, CloseReason::Incomplete))
                } else if now - c.progress >= idle {
                    Some((*id, CloseReason::Idle))
                } else {
                    None
                }
            })
            .collect();
        let n = expired.len();
        for (id, reason) in expired {
            self.stats.closed_timeout += 1;
            self.close(now, id, reason);
        }
        if n > 0 {
            self.drain(now);
        }
        n
    }

    /// Removes connection `id` and tells the node: an opening connection
    /// as refused, a broken one as reset, others as closed. Does not
    /// drain the node (callers do).
    fn close(&mut self, now: Instant, id: ConnectionId, reason: CloseReason) {
        let Some(c) = self.conns.remove(&id) else {
            return;
        };
        self.record(
            now,
            TraceEvent::Closed {
                conn: id,
                remote: c.remote,
                reason,
            },
        );
        let Some(stream) = c.stream else {
            self.fail(
                now,
                TransportError::ConnectionRefused,
                Transport::Tcp,
                c.remote,
                Some(id),
            );
            return;
        };
        let _ = stream.shutdown(Shutdown::Both);
        match reason {
            CloseReason::Reset | CloseReason::WriteBufferFull => {
                let failure = crate::sim::TransportFailure {
                    error: TransportError::ConnectionReset,
                    transport: Transport::Tcp,
                    local: c.local.unwrap_or(self.local),
                    remote: c.remote,
                    conn: Some(id),
                };
                self.node.handle_transport_error(now, &failure);
            }
            _ => self.node.handle_connection_closed(now, id),
        }
    }
}
