//! Full calls per second through the harness: two sip-session user agents
//! as [`UaNode`](sip_harness::adapters::ua::UaNode)s on the simulated
//! network (no trace, no latency), Alice calling Bob 1000 times
//! (INVITE/100/180/200/ACK/BYE/200), then every cleanup timer played out.
//! Unlike `sip-session`'s `calls` bench (the smallest possible driver),
//! this includes the simulator's event queue, links and the nodes'
//! policies and event records (the trace and the nodes' watch, which
//! parses every message once more and formats every event, are off). The
//! workload is [`Load`]; `examples/prof_calls.rs` runs it for profiling.
//!
//! Run: `cargo bench -p sip-harness --bench calls`

#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sip_core::time::Duration;
use sip_harness::scenarios::calls::Load;
use std::hint::black_box;

const CALLS: u64 = 1000;

/// Runs every call and its timers; panics unless every call was
/// established and ended.
fn run(mut load: Load) -> Load {
    assert_eq!(load.run().unwrap(), CALLS, "every call completes");
    load
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
                || Load::new(CALLS, gap),
                |load| black_box(run(load)),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, calls);
criterion_main!(benches);
