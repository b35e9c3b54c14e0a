//! Parser and serializer benchmarks on realistic messages.
//!
//! `cargo bench -p sip-core --bench parser`
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use sip_core::parse::{parse_datagram, ParserConfig};

#[path = "common/messages.rs"]
mod messages;

fn parse(c: &mut Criterion) {
    let cfg = ParserConfig::default();
    for (name, msg) in messages::all() {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(msg.len() as u64));
        g.bench_function("parse", |b| {
            b.iter(|| {
                let v = parse_datagram(black_box(&msg), &cfg).unwrap();
                black_box(v.headers.len())
            })
        });
        g.bench_function("parse+fields", |b| {
            b.iter(|| {
                let v = parse_datagram(black_box(&msg), &cfg).unwrap();
                black_box(v.transaction_fields().unwrap())
            })
        });
        g.bench_function("owned", |b| {
            b.iter(|| {
                let v = parse_datagram(black_box(&msg), &cfg).unwrap();
                black_box(v.to_message().unwrap())
            })
        });
        let owned = parse_datagram(&msg, &cfg).unwrap().to_message().unwrap();
        let mut out = Vec::with_capacity(2048);
        g.bench_function("serialize", |b| {
            b.iter(|| {
                out.clear();
                black_box(&owned).write_to(&mut out);
                black_box(out.len())
            })
        });
        g.finish();
    }
}

criterion_group!(benches, parse);
criterion_main!(benches);
