//! [`Driver`]: runs any sans-IO endpoint behind the [`Node`] trait over real
//! sockets (std only): one UDP socket, a TCP listener on the same address,
//! and outbound TCP connections opened on demand.
//!
//! The simulator ([`Sim`](crate::Sim)) and this driver take the same
//! nodes: a scenario that passes in simulation runs unchanged on the
//! loopback interface or a real network. The driver is the only place the
//! stack meets a wall clock: [`Instant`] is milliseconds since the driver
//! was bound.
//!
//! # The loop
//!
//! Single-threaded, no readiness API (std has none): every
//! [`step`](Driver::step) handles what is ready on every socket
//! (nonblocking), fires the node's timer when due, and, when nothing was
//! ready, waits. The wait blocks on the UDP socket, so a datagram wakes the
//! driver at once; while stream sockets are open it is cut to
//! [`DriverConfig::poll_interval`] to look at them again. Outbound connects
//! run on short-lived helper threads (std's `connect` blocks) and report
//! back through a channel; the node is only ever called from the loop.
//!
//! After every input the driver drains the node: transmits first (sent at
//! once), then application events (to the trace hook and
//! [`poll_event`](Driver::poll_event)), again until both are empty, then
//! reads [`Node::poll_timeout`].
//!
//! # Robustness
//!
//! Socket errors never stop the loop: they go to the trace hook and the
//! loop goes on. Peers are bounded by [`DriverConfig`]: datagrams over
//! [`max_datagram_size`](DriverConfig::max_datagram_size) are dropped,
//! connections are capped (the one that made progress least recently is
//! closed first), a message on a stream may not grow past
//! [`max_stream_message`](DriverConfig::max_stream_message), a peer that
//! does not read may not make the driver queue more than
//! [`max_write_buffer`](DriverConfig::max_write_buffer), and a connection
//! holding an unfinished message (or an inbound one that sent nothing) is
//! closed after [`incomplete_timeout`](DriverConfig::incomplete_timeout).
//! The node still frames the stream itself; the driver only tracks message
//! boundaries to enforce these limits and to trace whole messages.
//!
//! ```no_run
//! use sip_harness::realnet::Driver;
//! use sip_harness::scenarios::selftest::SelftestServer;
//! use sip_core::transport::Transport;
//! use std::time::Duration;
//!
//! let addr = "127.0.0.1:5060".parse().unwrap();
//! let mut driver = Driver::bind(SelftestServer::new(), addr, &[Transport::Udp, Transport::Tcp])?;
//! driver.trace_to(std::io::stderr());
//! driver.run_for(Duration::from_secs(60));
//! # Ok::<(), std::io::Error>(())
//! ```

mod config;
mod meter;
mod stream;
#[cfg(test)]
mod tests;
mod trace;

pub use config::DriverConfig;
pub use trace::{write_to, CloseReason, DropReason, Packet, Record, TraceEvent, TraceHook};

use crate::sim::{AppEvent, Node, TransportFailure};
use sip_core::time::Instant;
use sip_core::transport::{ConnectionId, Destination, Transmit, Transport, TransportError};
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc;
use std::time::Duration;
use stream::Conn;

/// The largest UDP payload over IPv4 (65 535 minus the IP and UDP
/// headers); larger sends fail.
const MAX_UDP_PAYLOAD_V4: usize = 65_507;

/// The largest UDP payload over IPv6 without jumbograms (65 535 minus the
/// UDP header).
const MAX_UDP_PAYLOAD_V6: usize = 65_527;

/// How often binding UDP and TCP to the same ephemeral port is retried.
const BIND_ATTEMPTS: usize = 16;

/// Counters of what the driver did, for tests and diagnostics.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DriverStats {
    /// Datagrams handed to the node.
    pub datagrams_in: u64,
    /// Datagrams sent.
    pub datagrams_out: u64,
    /// Datagrams dropped as larger than the limit.
    pub datagrams_oversized: u64,
    /// Inbound connections accepted.
    pub accepted: u64,
    /// Outbound connections established.
    pub connected: u64,
    /// Outbound connects that failed.
    pub connect_failures: u64,
    /// Whole messages received on streams.
    pub stream_messages_in: u64,
    /// Messages written to streams.
    pub stream_messages_out: u64,
    /// Stream bytes handed to the node.
    pub stream_bytes_in: u64,
    /// Connections closed by the peer or reset.
    pub closed_by_peer: u64,
    /// Connections the driver closed: idle or incomplete for too long.
    pub closed_timeout: u64,
    /// Connections closed to stay under the connection limit.
    pub evicted: u64,
    /// Connections closed for a message or a write queue over the limits.
    pub closed_limit: u64,
    /// Socket errors (traced and survived).
    pub socket_errors: u64,
}

/// A [`Node`] running over real sockets; see the [module docs](self).
pub struct Driver<N> {
    node: N,
    cfg: DriverConfig,
    start: std::time::Instant,
    local: SocketAddr,
    udp: Option<UdpSocket>,
    listener: Option<TcpListener>,
    conns: BTreeMap<ConnectionId, Conn>,
    next_conn: u64,
    connect_tx: mpsc::Sender<(ConnectionId, io::Result<TcpStream>)>,
    connect_rx: mpsc::Receiver<(ConnectionId, io::Result<TcpStream>)>,
    timeout: Option<Instant>,
    hook: Option<TraceHook>,
    events: VecDeque<AppEvent>,
    stats: DriverStats,
    /// Datagram receive buffer.
    buf: Vec<u8>,
    /// Stream read buffer.
    read_buf: Vec<u8>,
}

impl<N> std::fmt::Debug for Driver<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("local", &self.local)
            .field("udp", &self.udp.is_some())
            .field("tcp", &self.listener.is_some())
            .field("connections", &self.conns.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// The unspecified address of `like`'s family.
fn unspecified(like: SocketAddr) -> SocketAddr {
    let ip = match like {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    SocketAddr::new(ip, 0)
}

/// Binds the sockets for `transports` on `addr`; with port 0, UDP and
/// TCP get the same ephemeral port.
fn bind_sockets(
    addr: SocketAddr,
    transports: &[Transport],
) -> io::Result<(SocketAddr, Option<UdpSocket>, Option<TcpListener>)> {
    let want_udp = transports.contains(&Transport::Udp);
    let want_tcp = transports.contains(&Transport::Tcp);
    if let Some(t) = transports
        .iter()
        .find(|t| !matches!(t, Transport::Udp | Transport::Tcp))
    {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("the real-network driver runs UDP and TCP, not {t}"),
        ));
    }
    if !want_udp && !want_tcp {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no transport to bind",
        ));
    }
    let mut last = None;
    for _ in 0..BIND_ATTEMPTS {
        let udp = want_udp.then(|| UdpSocket::bind(addr)).transpose()?;
        let at = match &udp {
            Some(u) => u.local_addr()?,
            None => addr,
        };
        let listener = match want_tcp.then(|| TcpListener::bind(at)).transpose() {
            Ok(l) => l,
            // The ephemeral UDP port is taken for TCP: try another.
            Err(e) if addr.port() == 0 && udp.is_some() => {
                last = Some(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let local = match (&udp, &listener) {
            (Some(u), _) => u.local_addr()?,
            (None, Some(l)) => l.local_addr()?,
            (None, None) => unreachable!("checked above"),
        };
        if let Some(u) = &udp {
            u.set_nonblocking(true)?;
        }
        if let Some(l) = &listener {
            l.set_nonblocking(true)?;
        }
        return Ok((local, udp, listener));
    }
    Err(last.unwrap_or_else(|| io::Error::other("could not bind")))
}

impl<N: Node> Driver<N> {
    /// Binds `transports` (UDP and/or TCP) on `addr` with the default
    /// [`DriverConfig`] and runs `node` there. With port 0 the system picks
    /// one port for both; [`local_addr`](Self::local_addr) tells which.
    pub fn bind(node: N, addr: SocketAddr, transports: &[Transport]) -> io::Result<Self> {
        Self::bind_with(addr, transports, DriverConfig::default(), |_| node)
    }

    /// Binds like [`bind`](Self::bind) with `cfg`, then builds the node
    /// from the bound address (the port is known only now when `addr` has
    /// port 0; a transaction layer writes it into its Via).
    pub fn bind_with(
        addr: SocketAddr,
        transports: &[Transport],
        cfg: DriverConfig,
        make: impl FnOnce(SocketAddr) -> N,
    ) -> io::Result<Self> {
        let (local, udp, listener) = bind_sockets(addr, transports)?;
        let (connect_tx, connect_rx) = mpsc::channel();
        let node = make(local);
        let mut driver = Driver {
            node,
            cfg,
            start: std::time::Instant::now(),
            local,
            udp,
            listener,
            conns: BTreeMap::new(),
            next_conn: 1,
            connect_tx,
            connect_rx,
            timeout: None,
            hook: None,
            events: VecDeque::new(),
            stats: DriverStats::default(),
            buf: Vec::new(),
            read_buf: Vec::new(),
        };
        driver.timeout = driver.node.poll_timeout();
        Ok(driver)
    }

    /// The bound address (UDP and TCP).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The node.
    pub fn node(&self) -> &N {
        &self.node
    }

    /// The node, mutably. What it queues is sent at the next
    /// [`step`](Self::step); prefer [`act`](Self::act), which sends at
    /// once and passes the time.
    pub fn node_mut(&mut self) -> &mut N {
        &mut self.node
    }

    /// The node, the sockets closed.
    pub fn into_node(self) -> N {
        self.node
    }

    /// The configuration.
    pub fn config(&self) -> &DriverConfig {
        &self.cfg
    }

    /// The configuration, to change limits while running.
    pub fn config_mut(&mut self) -> &mut DriverConfig {
        &mut self.cfg
    }

    /// The counters so far.
    pub fn stats(&self) -> DriverStats {
        self.stats
    }

    /// Stream connections open or opening.
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    /// The driver's time: milliseconds since it was bound. The only clock
    /// the stack sees.
    pub fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    /// Calls `hook` with every [`Record`] from now on (replacing any
    /// previous hook). Whole stream messages are traced only for
    /// connections opened after this call.
    pub fn set_trace(&mut self, hook: impl FnMut(&Record<'_>) + Send + 'static) {
        self.hook = Some(Box::new(hook));
    }

    /// Prints every [`Record`] to `w` (see [`write_to`]).
    pub fn trace_to(&mut self, w: impl io::Write + Send + 'static) {
        self.hook = Some(write_to(w));
    }

    /// The next application event the node reported (the most recent
    /// [`DriverConfig::max_queued_events`] are kept).
    pub fn poll_event(&mut self) -> Option<AppEvent> {
        self.events.pop_front()
    }

    /// Runs `f` on the node with the current time (to start a request, a
    /// call...), then sends what it queued.
    pub fn act<R>(&mut self, f: impl FnOnce(&mut N, Instant) -> R) -> R {
        let now = self.now();
        let r = f(&mut self.node, now);
        self.drain(now);
        r
    }

    /// Steps until `done` returns true (checked before every step) or
    /// `limit` of wall time passed; returns whether `done` did.
    pub fn run_until(&mut self, mut done: impl FnMut(&mut N) -> bool, limit: Duration) -> bool {
        let end = std::time::Instant::now().checked_add(limit);
        loop {
            if done(&mut self.node) {
                return true;
            }
            let left = match end {
                Some(end) => end.saturating_duration_since(std::time::Instant::now()),
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                return false;
            }
            self.step(left);
        }
    }

    /// Runs for `limit` of wall time.
    pub fn run_for(&mut self, limit: Duration) {
        self.run_until(|_| false, limit);
    }

    /// One turn of the loop: handles everything ready and the node's timer
    /// if due; when nothing was, waits up to `max_wait` (less if the
    /// node's timer is earlier) for input and handles it. Returns the
    /// number of inputs handled (datagrams, reads, connection changes,
    /// timer firings).
    pub fn step(&mut self, max_wait: Duration) -> usize {
        let mut handled = self.poll_ready();
        if handled == 0 {
            let wait = self.wait_time(max_wait);
            if !wait.is_zero() {
                handled += self.wait(wait);
            }
            handled += self.poll_ready();
        }
        handled
    }

    /// Handles what is ready without waiting.
    fn poll_ready(&mut self) -> usize {
        let now = self.now();
        self.drain(now);
        let mut n = self.fire_timer();
        n += self.read_udp();
        n += self.accept();
        n += self.finish_connects();
        n += self.read_streams();
        self.flush_all();
        n += self.housekeeping();
        n + self.fire_timer()
    }

    fn fire_timer(&mut self) -> usize {
        let now = self.now();
        match self.timeout {
            Some(t) if t <= now => {
                self.node.handle_timeout(now);
                self.drain(now);
                1
            }
            _ => 0,
        }
    }

    /// How long to wait: `max_wait`, cut to the node's next deadline and,
    /// while stream sockets need looking at, to the poll interval.
    fn wait_time(&self, max_wait: Duration) -> Duration {
        let mut wait = max_wait;
        if let Some(t) = self.timeout {
            let at = self.start.checked_add(Duration::from_millis(t.as_millis()));
            if let Some(at) = at {
                wait = wait.min(at.saturating_duration_since(std::time::Instant::now()));
            }
        }
        if self.listener.is_some() || !self.conns.is_empty() {
            wait = wait.min(self.cfg.poll_interval.max(Duration::from_millis(1)));
        }
        wait
    }

    /// Blocks up to `wait` on the UDP socket (or sleeps without one);
    /// handles a datagram if one came.
    fn wait(&mut self, wait: Duration) -> usize {
        if self.udp.is_none() {
            std::thread::sleep(wait);
            return 0;
        }
        self.recv_datagram(Some(wait)).unwrap_or(0)
    }

    /// Reads a batch of ready datagrams.
    fn read_udp(&mut self) -> usize {
        let mut n = 0;
        for _ in 0..self.cfg.batch.max(1) {
            match self.recv_datagram(None) {
                Some(k) => n += k,
                None => break,
            }
        }
        n
    }

    /// Receives one datagram, waiting up to `wait` (else only if one is
    /// ready), and hands it to the node. `None` when nothing came;
    /// `Some(0)` when something was read but not delivered.
    fn recv_datagram(&mut self, wait: Option<Duration>) -> Option<usize> {
        let udp = self.udp.as_ref()?;
        // One byte more than the limit tells an oversized datagram from
        // one exactly at it (recv truncates silently).
        let size = self.cfg.max_datagram_size.min(MAX_UDP_PAYLOAD_V6) + 1;
        if self.buf.len() != size {
            self.buf = vec![0; size];
        }
        let received = match wait {
            None => udp.recv_from(&mut self.buf),
            Some(wait) => {
                let blocking = udp
                    .set_nonblocking(false)
                    .and_then(|()| udp.set_read_timeout(Some(wait)));
                let r = match blocking {
                    Ok(()) => udp.recv_from(&mut self.buf),
                    Err(e) => {
                        std::thread::sleep(wait);
                        Err(e)
                    }
                };
                if let Err(e) = udp.set_nonblocking(true) {
                    self.socket_error("set_nonblocking", None, &e);
                }
                r
            }
        };
        let (len, remote) = match received {
            Ok(r) => r,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return None
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Some(0),
            Err(e) => {
                // ICMP errors of earlier sends surface here on some
                // systems: note them and go on (without spinning on an
                // error that persists).
                self.socket_error("recv_from", None, &e);
                if let Some(wait) = wait {
                    std::thread::sleep(wait.min(self.cfg.poll_interval));
                }
                return Some(0);
            }
        };
        let now = self.now();
        if len > self.cfg.max_datagram_size {
            self.stats.datagrams_oversized += 1;
            self.record(
                now,
                TraceEvent::Dropped {
                    transport: Transport::Udp,
                    remote: Some(remote),
                    len,
                    reason: DropReason::Oversized,
                },
            );
            return Some(0);
        }
        self.stats.datagrams_in += 1;
        let buf = std::mem::take(&mut self.buf);
        let data = &buf[..len];
        self.record(
            now,
            TraceEvent::Received(Packet {
                transport: Transport::Udp,
                local: Some(self.local),
                remote,
                conn: None,
                data,
            }),
        );
        self.node.handle_datagram(now, self.local, remote, data);
        self.buf = buf;
        self.drain(now);
        Some(1)
    }

    /// Sends everything the node queued, records its events, and reads
    /// its next deadline.
    fn drain(&mut self, now: Instant) {
        loop {
            let mut any = false;
            while let Some(t) = self.node.poll_transmit(now) {
                self.route(now, t);
                any = true;
            }
            while let Some(ev) = self.node.poll_event() {
                self.record(now, TraceEvent::App(&ev));
                if self.events.len() >= self.cfg.max_queued_events.max(1) {
                    self.events.pop_front();
                }
                self.events.push_back(ev);
                any = true;
            }
            if !any {
                break;
            }
        }
        self.timeout = self.node.poll_timeout();
    }

    /// Sends one transmit where it goes.
    fn route(&mut self, now: Instant, t: Transmit) {
        match t.destination {
            Destination::Addr {
                transport: Transport::Udp,
                addr,
            } => self.send_datagram(now, addr, &t.payload),
            Destination::Addr {
                transport: Transport::Tcp,
                addr,
            } if self.listener.is_some() => self.send_to_addr(now, addr, t.payload.to_vec()),
            Destination::Connection(conn) => self.send_on_conn(now, conn, t.payload.to_vec()),
            Destination::Addr { transport, addr } => {
                self.record(
                    now,
                    TraceEvent::Dropped {
                        transport,
                        remote: Some(addr),
                        len: t.payload.len(),
                        reason: DropReason::UnsupportedTransport,
                    },
                );
                let error = if transport.is_stream() {
                    TransportError::ConnectionRefused
                } else {
                    TransportError::Unreachable
                };
                self.fail(now, error, transport, addr, None);
            }
            // Destinations added to sip-core later.
            _ => {
                self.record(
                    now,
                    TraceEvent::Dropped {
                        transport: Transport::Udp,
                        remote: None,
                        len: t.payload.len(),
                        reason: DropReason::UnsupportedTransport,
                    },
                );
            }
        }
    }

    fn send_datagram(&mut self, now: Instant, addr: SocketAddr, data: &[u8]) {
        let Some(udp) = &self.udp else {
            self.record(
                now,
                TraceEvent::Dropped {
                    transport: Transport::Udp,
                    remote: Some(addr),
                    len: data.len(),
                    reason: DropReason::UnsupportedTransport,
                },
            );
            self.fail(now, TransportError::Unreachable, Transport::Udp, addr, None);
            return;
        };
        let max = match addr {
            SocketAddr::V4(_) => MAX_UDP_PAYLOAD_V4,
            SocketAddr::V6(_) => MAX_UDP_PAYLOAD_V6,
        };
        if data.len() > max {
            self.record(
                now,
                TraceEvent::Dropped {
                    transport: Transport::Udp,
                    remote: Some(addr),
                    len: data.len(),
                    reason: DropReason::TooLargeForUdp,
                },
            );
            self.fail(now, TransportError::TooLarge, Transport::Udp, addr, None);
            return;
        }
        match udp.send_to(data, addr) {
            Ok(_) => {
                self.stats.datagrams_out += 1;
                self.record(
                    now,
                    TraceEvent::Sent(Packet {
                        transport: Transport::Udp,
                        local: Some(self.local),
                        remote: addr,
                        conn: None,
                        data,
                    }),
                );
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.record(
                now,
                TraceEvent::Dropped {
                    transport: Transport::Udp,
                    remote: Some(addr),
                    len: data.len(),
                    reason: DropReason::WouldBlock,
                },
            ),
            Err(e) => {
                self.socket_error("send_to", Some(addr), &e);
                self.fail(now, TransportError::Unreachable, Transport::Udp, addr, None);
            }
        }
    }

    /// Tells the node a send failed.
    fn fail(
        &mut self,
        now: Instant,
        error: TransportError,
        transport: Transport,
        remote: SocketAddr,
        conn: Option<ConnectionId>,
    ) {
        let failure = TransportFailure {
            error,
            transport,
            local: self.local,
            remote,
            conn,
        };
        self.node.handle_transport_error(now, &failure);
    }

    fn socket_error(&mut self, op: &'static str, remote: Option<SocketAddr>, error: &io::Error) {
        self.stats.socket_errors += 1;
        let now = self.now();
        self.record(now, TraceEvent::SocketError { op, remote, error });
    }

    fn record(&mut self, t: Instant, event: TraceEvent<'_>) {
        if let Some(hook) = &mut self.hook {
            hook(&Record { t, event });
        }
    }
}
