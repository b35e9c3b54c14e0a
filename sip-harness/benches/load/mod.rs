//! The body of the harness `calls` benches: 1000 full calls through the
//! simulator ([`Load`]), sequential and all at once, then every timer.

use criterion::{BatchSize, Criterion, Throughput};
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

/// Benchmarks the two workloads in the group `group`.
pub fn full_calls(c: &mut Criterion, group: &str) {
    let mut g = c.benchmark_group(group);
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
