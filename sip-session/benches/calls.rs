//! Full calls per second between two user agents on one core: INVITE,
//! 100, 180, 200, ACK, BYE, 200, parsing and serialization included, plus
//! the timers that clean up after them (Timers M, L, J, K...).
//!
//! Run: `cargo bench -p sip-session --bench calls`

#![allow(missing_docs)]

mod common;

use criterion::{criterion_group, criterion_main, Criterion};

fn full_calls(c: &mut Criterion) {
    common::full_call::full_calls(c, "full_call");
}

criterion_group!(benches, full_calls);
criterion_main!(benches);
