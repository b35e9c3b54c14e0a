//! The `calls` benchmark with mimalloc as the global allocator: what an
//! embedder that picks a faster allocator than the system's gets. The
//! protocol crates do not choose an allocator; this only measures the
//! choice.
//!
//! Run: `cargo bench -p sip-session --bench calls_mimalloc`

#![allow(missing_docs)]

mod common;

use criterion::{criterion_group, criterion_main, Criterion};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn full_calls(c: &mut Criterion) {
    common::full_call::full_calls(c, "full_call_mimalloc");
}

criterion_group!(benches, full_calls);
criterion_main!(benches);
