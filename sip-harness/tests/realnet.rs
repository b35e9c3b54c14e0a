//! The real-network driver with the transaction layer on 127.0.0.1: a UAC
//! and a UAS ([`TxnNode`]s with the transaction scenarios' TUs), each in
//! its own thread with its own [`Driver`], exchange MESSAGE requests over
//! UDP and over TCP; then the UAS's driver is flooded with garbage and
//! oversized datagrams and held by half-open TCP connections, and a normal
//! exchange must still complete within a few seconds.
//!
//! Ephemeral ports only; every wait is bounded.

use sip_core::random::TokenSource;
use sip_core::transaction::{Config, SentBy, TransactionLayer};
use sip_core::transport::Transport;
use sip_harness::adapters::txn::TxnNode;
use sip_harness::realnet::{CloseReason, Driver, DriverConfig, DriverStats, TraceEvent};
use sip_harness::scenarios::txn::{Uac, UacPlan, Uas, NO_INVITE};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const LOCALHOST: &str = "127.0.0.1:0";
const BOTH: &[Transport] = &[Transport::Udp, Transport::Tcp];
/// The longest any client exchange may take.
const EXCHANGE_LIMIT: Duration = Duration::from_secs(10);

fn layer(local: SocketAddr, seed: u64) -> TransactionLayer {
    let cfg = Config {
        default_sent_by: SentBy::new(local.ip().to_string(), Some(local.port())),
        ..Config::default()
    };
    TransactionLayer::new(cfg, TokenSource::from_seed(seed))
}

/// Sets a flag when dropped (also on panic), so a helper thread ends.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// What the UAS thread returns.
struct ServerEnd {
    stats: DriverStats,
    requests: Vec<String>,
    failure: Option<String>,
}

/// The UAS in its own thread.
struct Server {
    addr: SocketAddr,
    stop: StopOnDrop,
    handle: JoinHandle<ServerEnd>,
    trace: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(cfg: DriverConfig) -> Server {
        let stop = Arc::new(AtomicBool::new(false));
        let trace = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let (flag, sink) = (stop.clone(), trace.clone());
        let handle = thread::spawn(move || {
            let mut d = Driver::bind_with(LOCALHOST.parse().unwrap(), BOTH, cfg, |local| {
                let uas = Uas::new(local, NO_INVITE, &mut TokenSource::from_seed(2));
                TxnNode::new(layer(local, 1), uas)
            })
            .expect("bind the UAS");
            // Messages and connection changes only: the flood would
            // drown the rest.
            d.set_trace(move |r| {
                if matches!(
                    r.event,
                    TraceEvent::Sent(_) | TraceEvent::Closed { .. } | TraceEvent::Opened { .. }
                ) || matches!(&r.event, TraceEvent::Received(p) if p.data.starts_with(b"MESSAGE"))
                {
                    sink.lock().unwrap().push(r.to_string());
                }
            });
            tx.send(d.local_addr()).unwrap();
            d.run_until(|_| flag.load(Ordering::Relaxed), Duration::from_secs(60));
            ServerEnd {
                stats: d.stats(),
                requests: d.node().tu().requests().to_vec(),
                failure: d.node().tu().failure().map(str::to_owned),
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("the UAS bound");
        Server {
            addr,
            stop: StopOnDrop(stop),
            handle,
            trace,
        }
    }

    fn finish(self) -> (ServerEnd, Vec<String>) {
        drop(self.stop);
        let end = self.handle.join().expect("the UAS thread");
        let trace = std::mem::take(&mut *self.trace.lock().unwrap());
        (end, trace)
    }
}

/// What a UAC run gave.
#[derive(Debug)]
struct ClientEnd {
    finals: Vec<u16>,
    failure: Option<String>,
    took: Duration,
    stats: DriverStats,
}

/// Runs a UAC sending `n` MESSAGEs to `server` over `transport` in its
/// own thread, until it has every final response or failed.
fn run_client(server: SocketAddr, transport: Transport, n: u32, seed: u64) -> ClientEnd {
    thread::spawn(move || {
        let cfg = DriverConfig::default();
        let mut d = Driver::bind_with(LOCALHOST.parse().unwrap(), BOTH, cfg, |local| {
            let mut tokens = TokenSource::from_seed(seed);
            let uac = Uac::new(local, server, transport, UacPlan::Messages(n), &mut tokens);
            TxnNode::new(layer(local, seed + 1), uac)
        })
        .expect("bind the UAC");
        let started = Instant::now();
        d.act(|node, now| node.act(now, |uac, cx| uac.start(cx)));
        d.run_until(
            |node| node.tu().done() || node.tu().failure().is_some(),
            EXCHANGE_LIMIT,
        );
        ClientEnd {
            finals: d.node().tu().finals().to_vec(),
            failure: d.node().tu().failure().map(str::to_owned),
            took: started.elapsed(),
            stats: d.stats(),
        }
    })
    .join()
    .expect("the UAC thread")
}

fn count(trace: &[String], needle: &str) -> usize {
    trace.iter().filter(|l| l.contains(needle)).count()
}

#[test]
fn message_exchange_over_udp() {
    let server = Server::start(DriverConfig::default());
    let client = run_client(server.addr, Transport::Udp, 3, 10);
    let (end, trace) = server.finish();
    assert_eq!(client.failure, None);
    assert_eq!(client.finals, [200, 200, 200], "{client:?}");
    assert_eq!(end.requests, ["MESSAGE"; 3]);
    assert_eq!(end.failure, None);
    assert!(client.stats.datagrams_out >= 3);
    assert!(end.stats.datagrams_in >= 3);
    assert_eq!(end.stats.accepted, 0, "no TCP");
    assert!(count(&trace, "SEND UDP") >= 3, "{trace:#?}");
    assert!(count(&trace, "SIP/2.0 200 OK") >= 3, "{trace:#?}");
}

#[test]
fn message_exchange_over_tcp() {
    let server = Server::start(DriverConfig::default());
    let client = run_client(server.addr, Transport::Tcp, 3, 20);
    let (end, trace) = server.finish();
    assert_eq!(client.failure, None);
    assert_eq!(client.finals, [200, 200, 200], "{client:?}");
    assert_eq!(end.requests, ["MESSAGE"; 3]);
    // One connection carried all three requests and their responses.
    assert_eq!(client.stats.connected, 1);
    assert_eq!(client.stats.datagrams_out, 0);
    assert_eq!(end.stats.accepted, 1);
    assert_eq!(end.stats.stream_messages_in, 3);
    assert_eq!(end.stats.stream_messages_out, 3);
    assert_eq!(count(&trace, "RECV TCP conn#1"), 3, "{trace:#?}");
    assert_eq!(count(&trace, "SEND TCP conn#1"), 3, "{trace:#?}");
}

/// A small xorshift generator for the garbage (no seed needed beyond a
/// constant: the test is about surviving, not about particular bytes).
struct Garbage(u64);

impl Garbage {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// One datagram of junk: random bytes, broken SIP, keep-alives, or
    /// something larger than the driver's datagram limit.
    fn datagram(&mut self, oversized: usize) -> Vec<u8> {
        let len = (self.next() % 1400) as usize + 1;
        match self.next() % 8 {
            0 => vec![0; len],
            1 => b"\r\n\r\n".to_vec(),
            2 => b"INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP\r\nContent-Length: 99999\r\n\r\n"
                .to_vec(),
            3 => {
                // Almost a request: no Call-ID, CSeq garbage.
                b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\nCSeq: x\r\n\r\n"
                    .to_vec()
            }
            4 => b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnope\r\n\r\n".to_vec(),
            5 => vec![b'A'; oversized],
            _ => (0..len).map(|_| self.next() as u8).collect(),
        }
    }
}

/// Reads until the driver closes the connection; true if it did within
/// the time.
fn closed_by_driver(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => return e.kind() == ErrorKind::ConnectionReset,
        }
    }
}

#[test]
fn flood_oversized_datagrams_and_half_open_connections_do_not_stop_a_call() {
    let limit = 4096;
    let server = Server::start(DriverConfig {
        max_datagram_size: limit,
        max_connections: 8,
        incomplete_timeout: Duration::from_secs(1),
        ..DriverConfig::default()
    });
    let target = server.addr;

    // A burst of garbage first.
    let flooder = UdpSocket::bind(LOCALHOST).unwrap();
    let mut junk = Garbage(0x9e37_79b9_7f4a_7c15);
    for i in 0..3000 {
        let _ = flooder.send_to(&junk.datagram(limit + 1 + i % 3000), target);
        if i % 200 == 199 {
            thread::sleep(Duration::from_millis(1));
        }
    }
    let _ = flooder.send_to(&vec![b'B'; 65_000], target);

    // Half-open connections: partial messages never finished, silence,
    // a head that never ends, a body too large to accept.
    let mut held = Vec::new();
    for i in 0..10 {
        let mut s = TcpStream::connect(target).unwrap();
        let partial =
            format!("MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:{i}");
        s.write_all(partial.as_bytes()).unwrap();
        held.push(s);
    }
    held.push(TcpStream::connect(target).unwrap());
    let mut endless = TcpStream::connect(target).unwrap();
    endless.write_all(&vec![b'h'; 70 * 1024]).unwrap();
    held.push(endless);
    let mut huge = TcpStream::connect(target).unwrap();
    huge.write_all(b"MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\nContent-Length: 100000000\r\n\r\n")
        .unwrap();
    held.push(huge);

    // Garbage keeps coming while the calls run.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let background = thread::spawn(move || {
        let mut junk = Garbage(0x2545_f491_4f6c_dd1d);
        let mut sent = 0u64;
        while !flag.load(Ordering::Relaxed) && sent < 200_000 {
            for _ in 0..50 {
                let _ = flooder.send_to(&junk.datagram(limit + 100), target);
                sent += 1;
            }
            thread::sleep(Duration::from_millis(1));
        }
        sent
    });
    let _stop_flood = StopOnDrop(stop);
    // Let the calls start in the middle of it.
    thread::sleep(Duration::from_millis(200));

    let udp = run_client(target, Transport::Udp, 3, 30);
    let tcp = run_client(target, Transport::Tcp, 3, 40);
    drop(_stop_flood);
    let flooded = background.join().unwrap();

    for (name, c) in [("UDP", &udp), ("TCP", &tcp)] {
        assert_eq!(c.failure, None, "{name}: {c:?}");
        assert_eq!(c.finals, [200, 200, 200], "{name}: {c:?}");
        assert!(c.took < Duration::from_secs(5), "{name} took {:?}", c.took);
    }
    assert!(flooded > 0);

    // Every half-open connection is gone: evicted, timed out or over a
    // limit.
    for (i, s) in held.iter_mut().enumerate() {
        assert!(closed_by_driver(s), "half-open connection {i} still open");
    }
    let (end, trace) = server.finish();
    assert_eq!(end.failure, None);
    assert_eq!(end.requests, ["MESSAGE"; 6]);
    let s = end.stats;
    assert!(s.datagrams_oversized > 0, "{s:?}");
    assert!(s.datagrams_in > 100, "the garbage reached the node: {s:?}");
    assert_eq!(s.accepted, 14, "{s:?}");
    assert_eq!(s.closed_limit, 2, "endless head and huge body: {s:?}");
    assert!(s.evicted >= 4, "14 connections under a cap of 8: {s:?}");
    assert_eq!(
        s.evicted + s.closed_timeout + s.closed_limit + s.closed_by_peer,
        14,
        "{s:?}"
    );
    assert_eq!(s.stream_messages_in, 3, "{s:?}");
    let closed = |r: CloseReason| count(&trace, &format!(": {r}"));
    assert_eq!(closed(CloseReason::TooLarge), 2, "{trace:#?}");
}
