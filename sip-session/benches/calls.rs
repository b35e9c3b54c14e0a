//! Full calls per second between two user agents on one core: INVITE,
//! 100, 180, 200, ACK, BYE, 200, parsing and serialization included, plus
//! the timers that clean up after them (Timers M, L, J, K...).
//!
//! Run: `cargo bench -p sip-session --bench calls`

#![allow(missing_docs)]

mod common;

use common::Pair;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sip_core::time::Duration;

const BATCH: u64 = 1_000;

fn full_calls(c: &mut Criterion) {
    let mut g = c.benchmark_group("full_call");
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

criterion_group!(benches, full_calls);
criterion_main!(benches);
