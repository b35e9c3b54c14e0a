//! Unit tests of the real-network driver on 127.0.0.1 (ephemeral ports,
//! every wait bounded), with a node that records what it is told.

use super::*;
use crate::sim::ConnectionInfo;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

/// What the recorder was told, in order.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Seen {
    Datagram(SocketAddr, Vec<u8>),
    Stream(ConnectionId, Vec<u8>),
    Opened(ConnectionInfo),
    Closed(ConnectionId),
    Failure(TransportError, Option<ConnectionId>),
    Timeout(Instant),
}

/// A node that records its inputs and sends what it is given.
#[derive(Default)]
struct Recorder {
    seen: Vec<Seen>,
    out: VecDeque<Transmit>,
    timer: Option<Instant>,
}

impl Recorder {
    fn stream_bytes(&self, conn: ConnectionId) -> Vec<u8> {
        self.seen
            .iter()
            .filter_map(|s| match s {
                Seen::Stream(c, d) if *c == conn => Some(d.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn opened(&self) -> Vec<ConnectionInfo> {
        self.seen
            .iter()
            .filter_map(|s| match s {
                Seen::Opened(i) => Some(*i),
                _ => None,
            })
            .collect()
    }
}

impl Node for Recorder {
    fn handle_datagram(&mut self, _: Instant, _: SocketAddr, remote: SocketAddr, data: &[u8]) {
        self.seen.push(Seen::Datagram(remote, data.to_vec()));
    }
    fn handle_stream_data(
        &mut self,
        _: Instant,
        conn: ConnectionId,
        _: SocketAddr,
        _: SocketAddr,
        data: &[u8],
    ) {
        self.seen.push(Seen::Stream(conn, data.to_vec()));
    }
    fn handle_connection_opened(&mut self, _: Instant, info: &ConnectionInfo) {
        self.seen.push(Seen::Opened(*info));
    }
    fn handle_connection_closed(&mut self, _: Instant, conn: ConnectionId) {
        self.seen.push(Seen::Closed(conn));
    }
    fn handle_transport_error(&mut self, _: Instant, f: &TransportFailure) {
        self.seen.push(Seen::Failure(f.error, f.conn));
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.timer = None;
        self.seen.push(Seen::Timeout(now));
    }
    fn poll_transmit(&mut self, _: Instant) -> Option<Transmit> {
        self.out.pop_front()
    }
    fn poll_timeout(&mut self) -> Option<Instant> {
        self.timer
    }
}

const LOCALHOST: &str = "127.0.0.1:0";
const BOTH: &[Transport] = &[Transport::Udp, Transport::Tcp];
const LIMIT: Duration = Duration::from_secs(5);

fn driver(cfg: DriverConfig) -> Driver<Recorder> {
    Driver::bind_with(LOCALHOST.parse().unwrap(), BOTH, cfg, |_| {
        Recorder::default()
    })
    .unwrap()
}

fn send(d: &mut Driver<Recorder>, destination: Destination, payload: &[u8]) {
    d.act(|n, _| {
        n.out.push_back(Transmit {
            destination,
            payload: payload.into(),
        })
    });
}

fn tcp(addr: SocketAddr) -> Destination {
    Destination::Addr {
        transport: Transport::Tcp,
        addr,
    }
}

#[test]
fn binds_udp_and_tcp_on_one_ephemeral_port() {
    let d = driver(DriverConfig::default());
    let addr = d.local_addr();
    assert_ne!(addr.port(), 0);
    // Both sockets hold the port: binding either again fails.
    assert!(UdpSocket::bind(addr).is_err());
    assert!(TcpListener::bind(addr).is_err());
    let only_udp = Driver::bind(
        Recorder::default(),
        LOCALHOST.parse().unwrap(),
        &[Transport::Udp],
    )
    .unwrap();
    assert!(TcpListener::bind(only_udp.local_addr()).is_ok());
}

#[test]
fn refuses_transports_it_does_not_run() {
    let r = Driver::bind(
        Recorder::default(),
        LOCALHOST.parse().unwrap(),
        &[Transport::Tls],
    );
    assert_eq!(r.unwrap_err().kind(), io::ErrorKind::Unsupported);
    let r = Driver::bind(Recorder::default(), LOCALHOST.parse().unwrap(), &[]);
    assert_eq!(r.unwrap_err().kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn datagrams_both_ways_and_oversized_ones_dropped() {
    let mut d = driver(DriverConfig {
        max_datagram_size: 100,
        ..DriverConfig::default()
    });
    let peer = UdpSocket::bind(LOCALHOST).unwrap();
    peer.set_read_timeout(Some(LIMIT)).unwrap();
    let peer_addr = peer.local_addr().unwrap();
    peer.send_to(&[b'x'; 101], d.local_addr()).unwrap();
    peer.send_to(&[b'y'; 100], d.local_addr()).unwrap();
    assert!(d.run_until(|n| !n.seen.is_empty(), LIMIT));
    assert_eq!(
        d.node().seen,
        vec![Seen::Datagram(peer_addr, vec![b'y'; 100])]
    );
    assert_eq!(d.stats().datagrams_oversized, 1);

    let to_peer = Destination::Addr {
        transport: Transport::Udp,
        addr: peer_addr,
    };
    send(&mut d, to_peer, b"pong");
    let mut buf = [0; 16];
    let (n, from) = peer.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from), (&b"pong"[..], d.local_addr()));
    assert_eq!(d.stats().datagrams_out, 1);
}

#[test]
fn timer_fires_on_time() {
    let mut d = driver(DriverConfig::default());
    let at = d.now() + Duration::from_millis(30);
    d.node_mut().timer = Some(at);
    assert!(d.run_until(|n| !n.seen.is_empty(), LIMIT));
    let Seen::Timeout(fired) = d.node().seen[0] else {
        panic!("{:?}", d.node().seen)
    };
    assert!(fired >= at, "fired at {fired}, due {at}");
    assert!(
        fired - at < Duration::from_millis(500),
        "late: {fired} for {at}"
    );
}

#[test]
fn outbound_connection_is_opened_reused_and_closed_by_the_peer() {
    let mut d = driver(DriverConfig::default());
    let listener = TcpListener::bind(LOCALHOST).unwrap();
    let peer = listener.local_addr().unwrap();
    send(&mut d, tcp(peer), b"one ");
    send(&mut d, tcp(peer), b"two");
    let (mut s, _) = listener.accept().unwrap();
    s.set_read_timeout(Some(LIMIT)).unwrap();
    assert!(d.run_until(|n| !n.opened().is_empty(), LIMIT));
    let info = d.node().opened()[0];
    assert!(!info.inbound);
    assert_eq!((info.remote, info.transport), (peer, Transport::Tcp));
    assert_eq!(info.local, s.peer_addr().unwrap());
    let mut got = [0; 7];
    s.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"one two");
    // The reply comes back on the same connection.
    s.write_all(b"reply").unwrap();
    assert!(d.run_until(|n| n.stream_bytes(info.conn) == b"reply", LIMIT));
    send(&mut d, Destination::Connection(info.conn), b"three");
    let mut got = [0; 5];
    s.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"three");
    assert_eq!(d.connections(), 1, "one connection, reused");
    drop(s);
    assert!(d.run_until(|n| n.seen.contains(&Seen::Closed(info.conn)), LIMIT));
    assert_eq!(d.connections(), 0);
}

#[test]
fn refused_connect_and_unknown_connection_are_reported() {
    let mut d = driver(DriverConfig::default());
    let closed = {
        let l = TcpListener::bind(LOCALHOST).unwrap();
        l.local_addr().unwrap()
    };
    send(&mut d, tcp(closed), b"hello");
    assert!(d.run_until(
        |n| n
            .seen
            .iter()
            .any(|s| matches!(s, Seen::Failure(TransportError::ConnectionRefused, Some(_)))),
        LIMIT
    ));
    assert_eq!(d.stats().connect_failures, 1);
    send(&mut d, Destination::Connection(ConnectionId(999)), b"x");
    assert_eq!(
        d.node().seen.last(),
        Some(&Seen::Failure(
            TransportError::ConnectionReset,
            Some(ConnectionId(999))
        ))
    );
    // UDP-only drivers refuse TCP sends instead of connecting.
    let mut u = Driver::bind(
        Recorder::default(),
        LOCALHOST.parse().unwrap(),
        &[Transport::Udp],
    )
    .unwrap();
    send(&mut u, tcp(closed), b"x");
    assert_eq!(
        u.node().seen,
        vec![Seen::Failure(TransportError::ConnectionRefused, None)]
    );
}

#[test]
fn inbound_stream_in_chunks_and_whole_messages_traced() {
    let mut d = driver(DriverConfig::default());
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    d.set_trace(move |r| sink.lock().unwrap().push(r.to_string()));
    let msg = b"MESSAGE sip:b@h SIP/2.0\r\nContent-Length: 2\r\n\r\nhi";
    let mut s = TcpStream::connect(d.local_addr()).unwrap();
    s.write_all(&msg[..10]).unwrap();
    assert!(d.run_until(|n| !n.opened().is_empty(), LIMIT));
    let conn = d.node().opened()[0].conn;
    assert!(d.node().opened()[0].inbound);
    std::thread::sleep(Duration::from_millis(20));
    s.write_all(&msg[10..]).unwrap();
    assert!(d.run_until(|n| n.stream_bytes(conn) == msg, LIMIT));
    assert_eq!(d.stats().stream_messages_in, 1);
    let lines = lines.lock().unwrap();
    let recv: Vec<&String> = lines.iter().filter(|l| l.contains("RECV TCP")).collect();
    assert_eq!(recv.len(), 1, "{lines:?}");
    assert!(
        recv[0].contains("(48 bytes)\n    MESSAGE sip:b@h SIP/2.0\n"),
        "{}",
        recv[0]
    );
    assert!(lines.iter().any(|l| l.contains("OPEN conn#1")), "{lines:?}");
}

/// Reads until end of stream or error; true if the driver closed it.
fn closed_by_driver(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(LIMIT)).unwrap();
    let mut buf = [0; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => return e.kind() == io::ErrorKind::ConnectionReset,
        }
    }
}

#[test]
fn half_open_and_silent_connections_time_out() {
    let mut d = driver(DriverConfig {
        incomplete_timeout: Duration::from_millis(200),
        ..DriverConfig::default()
    });
    let mut silent = TcpStream::connect(d.local_addr()).unwrap();
    let mut partial = TcpStream::connect(d.local_addr()).unwrap();
    partial
        .write_all(b"OPTIONS sip:x SIP/2.0\r\nVia: ")
        .unwrap();
    let mut good = TcpStream::connect(d.local_addr()).unwrap();
    good.write_all(b"OPTIONS sip:x SIP/2.0\r\n\r\n").unwrap();
    assert!(d.run_until(
        |n| n
            .seen
            .iter()
            .filter(|s| matches!(s, Seen::Closed(_)))
            .count()
            == 2,
        LIMIT
    ));
    d.run_for(Duration::from_millis(50));
    assert_eq!(d.stats().closed_timeout, 2);
    assert_eq!(
        d.connections(),
        1,
        "the connection that sent a message stays"
    );
    assert!(closed_by_driver(&mut silent));
    assert!(closed_by_driver(&mut partial));
    let closed: Vec<_> = d
        .node()
        .seen
        .iter()
        .filter(|s| matches!(s, Seen::Closed(_)))
        .collect();
    assert_eq!(closed.len(), 2);
}

#[test]
fn connection_limit_closes_the_least_recently_active() {
    let mut d = driver(DriverConfig {
        max_connections: 2,
        ..DriverConfig::default()
    });
    let mut idle = TcpStream::connect(d.local_addr()).unwrap();
    assert!(d.run_until(|n| n.opened().len() == 1, LIMIT));
    std::thread::sleep(Duration::from_millis(5));
    let mut active = TcpStream::connect(d.local_addr()).unwrap();
    active.write_all(b"OPTIONS sip:x SIP/2.0\r\n\r\n").unwrap();
    assert!(d.run_until(
        |n| n.seen.iter().any(|s| matches!(s, Seen::Stream(..))),
        LIMIT
    ));
    let (first, second) = (d.node().opened()[0].conn, d.node().opened()[1].conn);
    let _third = TcpStream::connect(d.local_addr()).unwrap();
    assert!(d.run_until(|n| n.opened().len() == 3, LIMIT));
    assert_eq!(d.connections(), 2);
    assert_eq!(d.stats().evicted, 1);
    assert!(closed_by_driver(&mut idle));
    assert!(d.node().seen.contains(&Seen::Closed(first)));
    assert!(!d.node().seen.contains(&Seen::Closed(second)));
    active.write_all(b"OPTIONS sip:y SIP/2.0\r\n\r\n").unwrap();
    assert!(d.run_until(|n| n.stream_bytes(second).len() == 50, LIMIT));
}

#[test]
fn oversized_stream_messages_close_the_connection() {
    let mut d = driver(DriverConfig {
        max_stream_message: 1000,
        ..DriverConfig::default()
    });
    let mut long_head = TcpStream::connect(d.local_addr()).unwrap();
    long_head.write_all(&[b'a'; 1200]).unwrap();
    let mut big_body = TcpStream::connect(d.local_addr()).unwrap();
    big_body
        .write_all(b"MESSAGE sip:x SIP/2.0\r\nContent-Length: 5000\r\n\r\n")
        .unwrap();
    let mut bad_length = TcpStream::connect(d.local_addr()).unwrap();
    bad_length
        .write_all(b"MESSAGE sip:x SIP/2.0\r\nContent-Length: -1\r\n\r\n")
        .unwrap();
    assert!(d.run_until(
        |n| n
            .seen
            .iter()
            .filter(|s| matches!(s, Seen::Closed(_)))
            .count()
            == 3,
        LIMIT
    ));
    assert_eq!(d.stats().closed_limit, 3);
    for s in [&mut long_head, &mut big_body, &mut bad_length] {
        assert!(closed_by_driver(s));
    }
}

#[test]
fn a_peer_that_does_not_read_cannot_fill_memory() {
    let mut d = driver(DriverConfig {
        max_write_buffer: 64 * 1024,
        ..DriverConfig::default()
    });
    let _lazy = TcpStream::connect(d.local_addr()).unwrap();
    assert!(d.run_until(|n| !n.opened().is_empty(), LIMIT));
    let conn = d.node().opened()[0].conn;
    let chunk = vec![b'z'; 16 * 1024];
    // Socket buffers take some megabytes on loopback; the queue takes
    // the rest up to the limit, then the connection is reset.
    for _ in 0..4096 {
        send(&mut d, Destination::Connection(conn), &chunk);
        if d.connections() == 0 {
            break;
        }
    }
    assert_eq!(d.connections(), 0);
    assert_eq!(d.stats().closed_limit, 1);
    assert!(d
        .node()
        .seen
        .contains(&Seen::Failure(TransportError::ConnectionReset, Some(conn))));
}

#[test]
fn datagrams_too_large_for_udp_fail_at_once() {
    let mut d = driver(DriverConfig::default());
    let to = Destination::Addr {
        transport: Transport::Udp,
        addr: "127.0.0.1:9".parse().unwrap(),
    };
    send(&mut d, to, &vec![b'x'; 65_508]);
    assert_eq!(
        d.node().seen,
        vec![Seen::Failure(TransportError::TooLarge, None)]
    );
    assert_eq!(d.stats().datagrams_out, 0);
}

#[test]
fn idle_connections_are_closed() {
    let mut d = driver(DriverConfig {
        idle_timeout: Duration::from_millis(150),
        ..DriverConfig::default()
    });
    let listener = TcpListener::bind(LOCALHOST).unwrap();
    let peer = listener.local_addr().unwrap();
    send(&mut d, tcp(peer), b"OPTIONS sip:x SIP/2.0\r\n\r\n");
    let (mut s, _) = listener.accept().unwrap();
    assert!(d.run_until(|n| !n.opened().is_empty(), LIMIT));
    let conn = d.node().opened()[0].conn;
    let opened_at = std::time::Instant::now();
    assert!(d.run_until(|n| n.seen.contains(&Seen::Closed(conn)), LIMIT));
    assert!(opened_at.elapsed() >= Duration::from_millis(100));
    assert_eq!(d.stats().closed_timeout, 1);
    assert!(closed_by_driver(&mut s));
}

#[test]
fn trace_records_sends_drops_and_app_events() {
    struct Chatty(bool);
    impl Node for Chatty {
        fn handle_datagram(&mut self, _: Instant, _: SocketAddr, _: SocketAddr, _: &[u8]) {}
        fn handle_stream_data(
            &mut self,
            _: Instant,
            _: ConnectionId,
            _: SocketAddr,
            _: SocketAddr,
            _: &[u8],
        ) {
        }
        fn handle_transport_error(&mut self, _: Instant, _: &TransportFailure) {}
        fn handle_timeout(&mut self, _: Instant) {}
        fn poll_transmit(&mut self, _: Instant) -> Option<Transmit> {
            None
        }
        fn poll_timeout(&mut self) -> Option<Instant> {
            None
        }
        fn poll_event(&mut self) -> Option<AppEvent> {
            std::mem::take(&mut self.0).then(|| serde_json::json!("hello"))
        }
    }
    let mut d = Driver::bind(Chatty(false), LOCALHOST.parse().unwrap(), BOTH).unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    d.set_trace(move |r| sink.lock().unwrap().push(r.to_string()));
    d.act(|n, _| n.0 = true);
    assert_eq!(d.poll_event(), Some(serde_json::json!("hello")));
    assert_eq!(d.poll_event(), None);
    let peer = UdpSocket::bind(LOCALHOST).unwrap();
    d.config_mut().max_datagram_size = 10;
    peer.send_to(&[0; 11], d.local_addr()).unwrap();
    d.run_for(Duration::from_millis(100));
    let lines = lines.lock().unwrap();
    assert!(lines[0].ends_with(" APP \"hello\""), "{lines:?}");
    assert!(
        lines[1].ends_with(&format!(
            "DROP UDP {} (11 bytes): oversized datagram",
            peer.local_addr().unwrap()
        )),
        "{lines:?}"
    );
}
