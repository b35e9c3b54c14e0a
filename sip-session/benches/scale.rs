//! 100 000 concurrent established sessions: the cost of `poll_timeout` and
//! `handle_timeout` must not grow with the number of sessions.
//!
//! Run: `cargo bench -p sip-session --bench scale`

#![allow(missing_docs)]

mod common;

use common::Pair;
use criterion::{criterion_group, criterion_main, Criterion};
use sip_core::time::Duration;

/// 100 000 established sessions: poll_timeout and handle_timeout must stay
/// cheap (no scan of the sessions).
fn many_sessions(c: &mut Criterion) {
    let mut p = Pair::new();
    p.hang_up = false;
    for chunk in 0..100 {
        for _ in 0..1000 {
            p.call();
        }
        p.pump();
        assert_eq!(p.established, 1000 * (chunk + 1));
    }
    p.pump();
    p.advance(Duration::from_secs(70));
    assert_eq!(p.established, 100_000);
    let mut g = c.benchmark_group("established_100k");
    g.bench_function("poll_timeout", |b| {
        b.iter(|| (p.a.poll_timeout(), p.b.poll_timeout()))
    });
    let now = p.now;
    g.bench_function("handle_timeout_nothing_due", |b| {
        b.iter(|| {
            p.a.handle_timeout(now);
            p.b.handle_timeout(now);
        })
    });
    g.finish();
}

criterion_group!(benches, many_sessions);
criterion_main!(benches);
