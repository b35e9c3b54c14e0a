//! Transaction layer benchmarks.
//!
//! * `lifecycle/*`: one transaction created and completed (request sent or
//!   received, final response, Timer K/J/D/L run out, Terminated), for the
//!   four kinds; throughput is transactions per second.
//! * `timers/handle_timeout/{1k,10k,100k}`: one due timer fired (a Timer E
//!   retransmission re-armed) with N pending transactions; should grow at
//!   most logarithmically with N.
//! * `timers/poll_timeout/{1k,10k,100k}`: the earliest deadline with N
//!   pending transactions.
//! * Memory per pending transaction is printed before the benches
//!   (`TransactionLayer::memory_usage`, size_of plus heap).
//!
//! Run: `cargo bench -p sip-core --bench transactions`.

#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sip_core::header::HeaderName;
use sip_core::message::{Message, Request, Response};
use sip_core::parse::parse_message;
use sip_core::random::TokenSource;
use sip_core::status::StatusCode;
use sip_core::time::{Duration, Instant};
use sip_core::transaction::{Config, Event, SentBy, TransactionLayer};
use sip_core::transport::{Destination, Transport};
use sip_core::{Method, Uri};
use std::net::SocketAddr;

fn local() -> SocketAddr {
    "192.0.2.1:5060".parse().unwrap()
}

fn peer() -> SocketAddr {
    "198.51.100.7:5062".parse().unwrap()
}

fn to_peer() -> Destination {
    Destination::Addr {
        transport: Transport::Udp,
        addr: peer(),
    }
}

fn cfg() -> Config {
    Config {
        default_sent_by: SentBy::new("192.0.2.1", Some(5060)),
        max_transactions: 1_000_000,
        ..Config::default()
    }
}

fn outgoing(method: Method, cseq: u32) -> Request {
    let mut r = Request::new(method.clone(), Uri::parse("sip:bob@biloxi.com").unwrap());
    r.headers.push(
        HeaderName::From,
        "Alice <sip:alice@atlanta.com>;tag=1928301774",
    );
    r.headers.push(HeaderName::To, "Bob <sip:bob@biloxi.com>");
    r.headers
        .push(HeaderName::CallId, "a84b4c76e66710@pc33.atlanta.com");
    r.headers.push(HeaderName::CSeq, format!("{cseq} {method}"));
    r.headers.push(HeaderName::Contact, "<sip:alice@192.0.2.1>");
    r
}

fn incoming(method: &str, branch: u64) -> Vec<u8> {
    format!(
        "{method} sip:alice@192.0.2.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP client.biloxi.com:5062;branch=z9hG4bK{branch};rport\r\n\
         Max-Forwards: 70\r\n\
         From: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n\
         To: <sip:alice@atlanta.com>\r\n\
         Call-ID: {branch}@biloxi.com\r\n\
         CSeq: 1 {method}\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

/// The peer's final response to the request we just sent: the request's
/// Via, From, To, Call-ID and CSeq, as a real peer would copy them.
fn answer(sent: &[u8], status: StatusCode) -> Vec<u8> {
    let Ok(Message::Request(req)) = parse_message(sent) else {
        panic!("our request parses")
    };
    let mut r = Response::from_request(&req, status);
    r.headers.append_to_first(&HeaderName::To, &[";tag=b1"]);
    r.to_bytes()
}

fn drain(l: &mut TransactionLayer) -> (usize, Option<Request>) {
    let mut n = 0;
    let mut req = None;
    while let Some(t) = l.poll_transmit() {
        black_box(&t);
        n += 1;
    }
    while let Some(e) = l.poll_event() {
        if let Event::Request { request, .. } = e {
            req = Some(*request);
        }
    }
    (n, req)
}

/// Runs out the timers after `now` (Timer K, J, D, L...).
fn run_out(l: &mut TransactionLayer, mut now: Instant) -> Instant {
    while let Some(d) = l.poll_timeout() {
        now = d;
        l.handle_timeout(d);
        drain(l);
    }
    now
}

/// A response template for the client lifecycles; the branch differs per
/// request, so the response is rebuilt from each request (parse included:
/// that is the cost a real response pays on arrival anyway).
fn lifecycle(c: &mut Criterion) {
    let mut g = c.benchmark_group("lifecycle");
    g.throughput(Throughput::Elements(1));
    for (name, method, status) in [
        ("client_non_invite", Method::Options, StatusCode::OK),
        ("client_invite_2xx", Method::Invite, StatusCode::OK),
        ("client_invite_486", Method::Invite, StatusCode::BUSY_HERE),
    ] {
        g.bench_function(name, |b| {
            let mut l = TransactionLayer::new(cfg(), TokenSource::from_seed(1));
            let mut now = Instant::ZERO;
            let mut n = 0u32;
            b.iter(|| {
                n += 1;
                l.send_request(now, outgoing(method.clone(), n), to_peer())
                    .unwrap();
                let sent = l.poll_transmit().unwrap();
                let resp = answer(&sent.payload, status);
                l.handle_datagram(now, local(), peer(), &resp);
                drain(&mut l);
                now = run_out(&mut l, now);
                assert!(l.is_empty());
            });
        });
    }
    for (name, method, status) in [
        ("server_non_invite", "OPTIONS", StatusCode::OK),
        ("server_invite_2xx", "INVITE", StatusCode::OK),
    ] {
        g.bench_function(name, |b| {
            let mut l = TransactionLayer::new(cfg(), TokenSource::from_seed(1));
            let mut now = Instant::ZERO;
            let mut n = 0u64;
            b.iter(|| {
                n += 1;
                l.handle_datagram(now, local(), peer(), &incoming(method, n));
                let Event::Request { id, request, .. } = l.poll_event().unwrap() else {
                    panic!("request event")
                };
                let mut resp = Response::from_request(&request, status);
                resp.headers.append_to_first(&HeaderName::To, &[";tag=s1"]);
                l.send_response(now, id, resp).unwrap();
                drain(&mut l);
                now = run_out(&mut l, now);
                assert!(l.is_empty());
            });
        });
    }
    g.finish();
}

/// A layer with `n` pending non-INVITE client transactions on UDP whose
/// Timer E deadlines are all distinct (one per millisecond), with T1 = T2 =
/// n ms so every transaction retransmits once per n ms and each
/// `handle_timeout` fires exactly one timer.
fn pending(n: usize) -> (TransactionLayer, Instant) {
    let cfg = Config {
        t1: Duration::from_millis(n as u64),
        t2: Duration::from_millis(n as u64),
        ..cfg()
    };
    let mut l = TransactionLayer::new(cfg, TokenSource::from_seed(2));
    for i in 0..n {
        let now = Instant::from_millis(i as u64);
        l.send_request(now, outgoing(Method::Options, i as u32), to_peer())
            .unwrap();
        drain(&mut l);
    }
    (l, Instant::from_millis(n as u64))
}

fn timers(c: &mut Criterion) {
    let mut g = c.benchmark_group("timers");
    for n in [1_000usize, 10_000, 100_000] {
        let (mut l, _) = pending(n);
        g.bench_with_input(BenchmarkId::new("poll_timeout", n), &n, |b, _| {
            b.iter(|| black_box(l.poll_timeout()));
        });
        g.bench_with_input(BenchmarkId::new("handle_timeout", n), &n, |b, &n| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for i in 0..iters {
                    let d = l.poll_timeout().unwrap();
                    let start = std::time::Instant::now();
                    l.handle_timeout(d);
                    total += start.elapsed();
                    drain(&mut l);
                    // Timer F ends a transaction after 64 rounds: refill
                    // outside the timed region to keep n pending.
                    while l.len() < n {
                        l.send_request(d, outgoing(Method::Options, i as u32), to_peer())
                            .unwrap();
                        drain(&mut l);
                    }
                }
                total
            });
        });
    }
    g.finish();
}

/// Prints the memory per pending transaction of each kind.
fn memory(_: &mut Criterion) {
    let n = 10_000;
    let mut l = TransactionLayer::new(cfg(), TokenSource::from_seed(3));
    let base = l.memory_usage();
    for i in 0..n {
        l.send_request(Instant::ZERO, outgoing(Method::Options, i), to_peer())
            .unwrap();
    }
    drain(&mut l);
    println!(
        "memory: non-INVITE client (Trying): {} bytes per transaction",
        (l.memory_usage() - base) / n as usize
    );
    let mut l = TransactionLayer::new(cfg(), TokenSource::from_seed(3));
    for i in 0..n {
        l.send_request(Instant::ZERO, outgoing(Method::Invite, i), to_peer())
            .unwrap();
    }
    drain(&mut l);
    println!(
        "memory: INVITE client (Calling): {} bytes per transaction",
        (l.memory_usage() - base) / n as usize
    );
    let mut l = TransactionLayer::new(cfg(), TokenSource::from_seed(3));
    for i in 0..n {
        l.handle_datagram(
            Instant::ZERO,
            local(),
            peer(),
            &incoming("INVITE", u64::from(i)),
        );
    }
    drain(&mut l);
    println!(
        "memory: INVITE server (Proceeding): {} bytes per transaction",
        (l.memory_usage() - base) / n as usize
    );
    let mut l = TransactionLayer::new(cfg(), TokenSource::from_seed(3));
    for i in 0..n {
        l.handle_datagram(
            Instant::ZERO,
            local(),
            peer(),
            &incoming("OPTIONS", u64::from(i)),
        );
    }
    drain(&mut l);
    println!(
        "memory: non-INVITE server (Trying): {} bytes per transaction",
        (l.memory_usage() - base) / n as usize
    );
}

criterion_group!(benches, memory, lifecycle, timers);
criterion_main!(benches);
