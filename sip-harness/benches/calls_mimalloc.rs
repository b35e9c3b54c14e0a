//! The harness `calls` benchmark with mimalloc as the global allocator:
//! what an embedder that picks a faster allocator than the system's gets.
//! The protocol crates do not choose an allocator; this only measures the
//! choice.
//!
//! Run: `cargo bench -p sip-harness --bench calls_mimalloc`

#![allow(missing_docs)]

mod load;

use criterion::{criterion_group, criterion_main, Criterion};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn calls(c: &mut Criterion) {
    load::full_calls(c, "harness_full_call_mimalloc");
}

criterion_group!(benches, calls);
criterion_main!(benches);
