//! The harness `calls` bench's workload ([`Load`]) as a plain program, for
//! instruction-level profiling of the simulator and the nodes around the
//! two stacks:
//!
//! ```text
//! cargo build --release -p sip-harness --example prof_harness
//! valgrind --tool=callgrind ./target/release/examples/prof_harness 2000
//! valgrind --tool=callgrind ./target/release/examples/prof_harness 2000 0
//! ```
//!
//! The first argument is the number of calls, the second the gap between
//! two calls in milliseconds (default 1, the bench's sequential workload;
//! 0 starts them all at once). Instruction counts are stable on a shared
//! machine where timings are not.

use sip_core::time::Duration;
use sip_harness::scenarios::calls::Load;

fn main() {
    let mut args = std::env::args().skip(1).map(|s| s.parse::<u64>().ok());
    let n = args.next().flatten().unwrap_or(2000);
    let gap = args.next().flatten().unwrap_or(1);
    let mut load = Load::new(n, Duration::from_millis(gap));
    let done = load.run().expect("the simulator runs");
    assert_eq!(done, n, "every call completes");
    eprintln!("{n} calls completed ({gap} ms apart)");
}
