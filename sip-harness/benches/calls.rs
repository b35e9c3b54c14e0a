//! Full calls per second through the harness: two sip-session user agents
//! as [`UaNode`]s on the simulated network (no trace, no latency), Alice
//! calling Bob 1000 times (INVITE/100/180/200/ACK/BYE/200), then every
//! cleanup timer played out. Unlike `sip-session`'s `calls` bench (the
//! smallest possible driver), this includes the simulator's event queue,
//! links and the nodes' policies and event records (the trace and the
//! nodes' watch, which parses every message once more and formats every
//! event, are off).
//!
//! Run: `cargo bench -p sip-harness --bench calls`

#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sip_core::time::{Duration, Instant};
use sip_harness::adapters::ua::{AnswerPolicy, Policy, UaNode};
use sip_harness::scenarios::calls::{add_phone, call_at, sdp_for};
use sip_harness::sim::{LinkConfig, NodeRef, Sim, SimConfig};
use std::hint::black_box;
use std::net::SocketAddr;

const CALLS: u64 = 1000;

/// Alice and Bob with `CALLS` calls scheduled `gap` apart (a zero gap
/// starts them all at once).
fn setup(gap: Duration) -> (Sim, NodeRef<UaNode>, NodeRef<UaNode>) {
    let mut sim = Sim::with_config(
        1,
        SimConfig {
            trace: false,
            ..SimConfig::default()
        },
    );
    sim.set_default_link(LinkConfig::with_latency(Duration::ZERO));
    let (a_addr, b_addr): (SocketAddr, SocketAddr) = (
        "10.0.0.1:5060".parse().unwrap(),
        "10.0.0.2:5060".parse().unwrap(),
    );
    let alice = add_phone(
        &mut sim,
        "alice",
        "Alice",
        a_addr,
        Policy {
            hangup_after: Some(Duration::ZERO),
            sdp: Some(sdp_for("alice", a_addr, 49170)),
            ..Policy::default()
        },
    );
    let bob = add_phone(
        &mut sim,
        "bob",
        "Bob",
        b_addr,
        Policy {
            answer: Some(AnswerPolicy {
                ring: Duration::ZERO,
                reject: None,
            }),
            sdp: Some(sdp_for("bob", b_addr, 3456)),
            ..Policy::default()
        },
    );
    // The nodes' watch (each message parsed once more to count requests
    // awaiting a final response, each event formatted for the trace):
    // test aids, off here like the trace.
    sim.node_mut(alice).set_watch(false);
    sim.node_mut(bob).set_watch(false);
    let target = sip_core::uri::Uri::parse("sip:bob@10.0.0.2:5060").unwrap();
    let offer = sdp_for("alice", a_addr, 49170);
    for i in 0..CALLS {
        let at = Instant::from_millis(1 + i * gap.as_millis() as u64);
        call_at(&mut sim, at, "call", alice, target.clone(), offer.clone());
    }
    (sim, alice, bob)
}

/// Runs every call and its timers; panics unless every call was
/// established and ended.
fn run(mut sim: Sim, alice: NodeRef<UaNode>) -> Sim {
    sim.run_for(Duration::from_secs(120)).unwrap();
    let done = sim
        .node(alice)
        .outcomes()
        .filter(|o| o.established && o.ended.is_some())
        .count();
    assert_eq!(done as u64, CALLS, "every call completes");
    sim
}

fn calls(c: &mut Criterion) {
    let mut g = c.benchmark_group("harness_full_call");
    g.throughput(Throughput::Elements(CALLS));
    g.sample_size(20);
    for (name, gap) in [
        (
            "sequential_1000_calls_then_timers",
            Duration::from_millis(1),
        ),
        ("concurrent_1000_calls_then_timers", Duration::ZERO),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || setup(gap),
                |(sim, alice, _)| black_box(run(sim, alice)),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, calls);
criterion_main!(benches);
