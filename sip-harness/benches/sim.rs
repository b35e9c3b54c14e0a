//! Simulated messages per second through the harness: the harness must
//! not be the bottleneck of later benchmarks.
//!
//! `cargo bench -p sip-harness --bench sim`

#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sip_core::time::{Duration, Instant};
use sip_core::transport::{ConnectionId, Destination, Transmit, Transport};
use sip_harness::sim::{ConnectionInfo, Node, SimConfig, TransportFailure};
use sip_harness::{Faults, LinkConfig, Sim};
use std::collections::VecDeque;
use std::hint::black_box;
use std::net::SocketAddr;

const MESSAGE: &[u8] = b"OPTIONS sip:bob@10.0.0.2 SIP/2.0\r\n\
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: <sip:bob@10.0.0.2>\r\n\
From: <sip:alice@10.0.0.1>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@10.0.0.1\r\n\
CSeq: 314159 OPTIONS\r\n\
Content-Length: 0\r\n\r\n";

/// Bounces every datagram back until its budget is spent.
struct Bouncer {
    left: u64,
    outbox: VecDeque<Transmit>,
    /// A timer every 100 ms, so timer handling is part of the cost.
    next_tick: Instant,
}

impl Bouncer {
    fn new(left: u64) -> Self {
        Bouncer {
            left,
            outbox: VecDeque::new(),
            next_tick: Instant::from_millis(100),
        }
    }
}

impl Node for Bouncer {
    fn handle_datagram(
        &mut self,
        _now: Instant,
        _local: SocketAddr,
        remote: SocketAddr,
        data: &[u8],
    ) {
        if self.left > 0 {
            self.left -= 1;
            self.outbox.push_back(Transmit {
                destination: Destination::Addr {
                    transport: Transport::Udp,
                    addr: remote,
                },
                payload: data.into(),
            });
        }
    }
    fn handle_stream_data(
        &mut self,
        _: Instant,
        _: ConnectionId,
        _: SocketAddr,
        _: SocketAddr,
        _: &[u8],
    ) {
    }
    fn handle_connection_opened(&mut self, _: Instant, _: &ConnectionInfo) {}
    fn handle_transport_error(&mut self, _: Instant, _: &TransportFailure) {}
    fn handle_timeout(&mut self, now: Instant) {
        self.next_tick = now + Duration::from_millis(100);
    }
    fn poll_transmit(&mut self, _now: Instant) -> Option<Transmit> {
        self.outbox.pop_front()
    }
    fn poll_timeout(&mut self) -> Option<Instant> {
        // Tick while there is work, and not forever when loss ended it.
        (self.left > 0 && self.next_tick < Instant::from_millis(30_000)).then_some(self.next_tick)
    }
}

/// Sets up `pairs` bouncing pairs exchanging `per_pair` messages each.
fn setup(trace: bool, pairs: u64, per_pair: u64, faults: &Faults) -> Sim {
    let mut sim = Sim::with_config(
        1,
        SimConfig {
            trace,
            ..SimConfig::default()
        },
    );
    sim.set_default_link(LinkConfig {
        jitter: Duration::from_millis(5),
        ..LinkConfig::default()
    });
    sim.apply_faults(faults);
    for p in 0..pairs {
        let a = sim.add_node(&format!("a{p}"), Bouncer::new(per_pair / 2));
        let b = sim.add_node(&format!("b{p}"), Bouncer::new(per_pair / 2));
        let to = sim.addr(b);
        sim.at(Instant::from_millis(p)).act(move |sim| {
            let from = sim.addr(a);
            sim.inject_datagram(from, to, MESSAGE.to_vec());
        });
    }
    sim
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sim");
    const N: u64 = 10_000;
    for (name, trace, faults) in [
        ("udp_messages_no_trace", false, Faults::NONE),
        ("udp_messages_traced", true, Faults::NONE),
        (
            "udp_messages_traced_faults",
            true,
            Faults {
                loss: 0.01,
                duplicate: 0.1,
                reorder: 0.1,
                jitter_ms: None,
            },
        ),
    ] {
        // Elements: messages delivered, counted on a dry run (same seed).
        let mut dry = setup(trace, 10, N / 10, &faults);
        dry.drive(u64::MAX).unwrap();
        g.throughput(Throughput::Elements(dry.stats().delivered));
        g.bench_function(name, |b| {
            b.iter_batched(
                || setup(trace, 10, N / 10, &faults),
                |mut sim| {
                    sim.drive(u64::MAX).unwrap();
                    black_box(sim.stats())
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    // Whole scenario runs (setup, the exchange, 70 s of timers, checks);
    // elements are the messages each run puts on the simulated wire.
    let mut g = c.benchmark_group("scenario");
    for name in ["selftest-tcp", "non-invite", "invite"] {
        let scenario = sip_harness::scenarios::find(name).unwrap();
        g.throughput(Throughput::Elements(
            scenario.run(0, &Faults::NONE).stats.sent,
        ));
        g.bench_function(name, |b| {
            b.iter(|| black_box(scenario.run(0, &Faults::NONE).stats))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
