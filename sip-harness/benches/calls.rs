//! Full calls per second through the harness: two sip-session user agents
//! as [`UaNode`](sip_harness::adapters::ua::UaNode)s on the simulated
//! network (no trace, no latency), Alice calling Bob 1000 times
//! (INVITE/100/180/200/ACK/BYE/200), then every cleanup timer played out.
//! Unlike `sip-session`'s `calls` bench (the smallest possible driver),
//! this includes the simulator's event queue, links and the nodes'
//! policies and event records (the trace and the nodes' watch, which
//! parses every message once more and formats every event, are off). The
//! workload is [`Load`](sip_harness::scenarios::calls::Load);
//! `examples/prof_harness.rs` runs it for profiling.
//!
//! Run: `cargo bench -p sip-harness --bench calls`

#![allow(missing_docs)]

mod load;

use criterion::{criterion_group, criterion_main, Criterion};

fn calls(c: &mut Criterion) {
    load::full_calls(c, "harness_full_call");
}

criterion_group!(benches, calls);
criterion_main!(benches);
