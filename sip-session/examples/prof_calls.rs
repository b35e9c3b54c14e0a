//! N full calls between two user agents (the `calls` bench's workload) as
//! a plain program, for instruction-level profiling:
//!
//! ```text
//! cargo build --release -p sip-session --example prof_calls
//! valgrind --tool=callgrind ./target/release/examples/prof_calls 2000
//! valgrind --tool=callgrind ./target/release/examples/prof_calls 2000 1000
//! ```
//!
//! The second argument (default 1) is how many calls are started before
//! the messages are pumped: 1 is the bench's sequential workload, 1000 its
//! concurrent one. Instruction counts are stable on a shared machine where
//! timings are not.

#[path = "../benches/common/mod.rs"]
mod common;
use sip_core::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1).map(|s| s.parse::<usize>().ok());
    let n = args.next().flatten().unwrap_or(2000);
    let batch = args.next().flatten().unwrap_or(1).max(1);
    let mut p = common::Pair::new();
    let mut started = 0;
    while started < n {
        let k = batch.min(n - started);
        for _ in 0..k {
            p.call();
        }
        started += k;
        p.pump();
        p.advance(Duration::from_millis(1));
        if batch > 1 {
            p.advance(Duration::from_secs(70));
        }
    }
    p.advance(Duration::from_secs(70));
    assert_eq!(p.terminated, n);
    eprintln!("{n} calls completed ({batch} at a time)");
}
