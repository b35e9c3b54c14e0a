//! N sequential full calls between two user agents (the `calls` bench's
//! workload) as a plain program, for instruction-level profiling:
//!
//! ```text
//! cargo build --release -p sip-session --example prof_calls
//! valgrind --tool=callgrind ./target/release/examples/prof_calls 2000
//! ```
//!
//! Instruction counts are stable on a shared machine where timings are not.

#[path = "../benches/common/mod.rs"]
mod common;
use sip_core::time::Duration;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let mut p = common::Pair::new();
    for _ in 0..n {
        p.call();
        p.pump();
        p.advance(Duration::from_millis(1));
    }
    p.advance(Duration::from_secs(70));
    assert_eq!(p.terminated, n);
    eprintln!("{n} calls completed");
}
