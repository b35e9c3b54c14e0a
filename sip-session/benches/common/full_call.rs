//! The full-call benchmark body, shared by `calls` (the system allocator)
//! and `calls_mimalloc` (the same workload with mimalloc as the global
//! allocator, which is the embedder's choice, not the stack's).

use super::Pair;
use criterion::{BatchSize, Criterion, Throughput};
use sip_core::time::Duration;

const BATCH: u64 = 1_000;

/// 1000 sequential calls, then 1000 at once, each batch followed by the
/// timers that clean up after them; `group` names the criterion group.
pub fn full_calls(c: &mut Criterion, group: &str) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(BATCH));
    g.sample_size(20);
    g.bench_function("sequential_1000_calls_then_timers", |b| {
        b.iter_batched(
            Pair::new,
            |mut p| {
                for _ in 0..BATCH {
                    p.call();
                    p.pump();
                    p.advance(Duration::from_millis(1));
                }
                p.advance(Duration::from_secs(70));
                assert_eq!(p.terminated as u64, BATCH);
                assert_eq!(p.a.session_count() + p.b.session_count(), 0);
                p
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("concurrent_1000_calls_then_timers", |b| {
        b.iter_batched(
            Pair::new,
            |mut p| {
                for _ in 0..BATCH {
                    p.call();
                }
                p.pump();
                p.advance(Duration::from_secs(70));
                assert_eq!(p.terminated as u64, BATCH);
                p
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}
