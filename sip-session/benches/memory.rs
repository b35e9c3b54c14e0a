//! Memory per established session, measured two ways: the growth of the
//! resident set (Linux) and the agents' own `memory_usage()` estimate;
//! and the cost of setting up 100 000 concurrent established sessions.
//!
//! Run: `cargo bench -p sip-session --bench memory`

#![allow(missing_docs)]

mod common;

use common::Pair;
use sip_core::time::Duration;
/// Resident set size in bytes (Linux `/proc/self/statm`), 0 elsewhere.
fn rss() -> isize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<isize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Sets up `n` established calls in batches of 1000, letting the INVITE
/// transactions of each batch end (70 s of virtual time) before the next,
/// so the resident set grows with the established sessions only, not with
/// transient transactions.
fn steady(n: usize) {
    let mut p = Pair::new();
    p.hang_up = false;
    // One warm-up batch, so the agents' tables and the allocator's arenas
    // exist before measuring.
    for _ in 0..1000 {
        p.call();
    }
    p.pump();
    p.advance(Duration::from_secs(70));
    let base = rss();
    let est0 = p.a.memory_usage() + p.b.memory_usage();
    for _ in 0..n / 1000 {
        for _ in 0..1000 {
            p.call();
        }
        p.pump();
        p.advance(Duration::from_secs(70));
    }
    assert_eq!(p.established, n + 1000);
    let grown = rss() - base;
    let est = p.a.memory_usage() + p.b.memory_usage() - est0;
    println!(
        "steady state, {n} more established calls set up in batches of 1000:\n  \
         RSS growth: {} B per call (both sides), {} B per session\n  \
         memory_usage() growth: {} B per call (both sides), {} B per session",
        grown / n as isize,
        grown / (2 * n as isize),
        est / n,
        est / (2 * n),
    );
}

fn main() {
    // First, in a fresh process: later runs reuse freed memory.
    steady(100_000);
    for n in [1_000usize, 100_000] {
        let mut p = Pair::new();
        p.hang_up = false;
        // Warm up the agents' tables so their growth is not counted per call.
        let base = rss();
        let t0 = std::time::Instant::now();
        for _ in 0..n / 1000 {
            for _ in 0..1000 {
                p.call();
            }
            p.pump();
        }
        p.pump();
        let setup = t0.elapsed();
        assert_eq!(p.established, n);
        let live_now = rss() - base;
        // Let the INVITE transactions end (Timers L, M: 64*T1).
        let t1 = std::time::Instant::now();
        p.advance(Duration::from_secs(70));
        let settle = t1.elapsed();
        let live = rss() - base;
        let est = p.a.memory_usage() + p.b.memory_usage();
        let txn = p.a.transactions().memory_usage() + p.b.transactions().memory_usage();
        let t2 = std::time::Instant::now();
        let rounds = 1000;
        for _ in 0..rounds {
            std::hint::black_box((p.a.poll_timeout(), p.b.poll_timeout()));
        }
        let poll = t2.elapsed() / rounds;
        println!(
            "{n} established sessions (caller + callee side each):\n  \
             set-up {setup:?} ({:.0} calls/s), timers after 70 s {settle:?}\n  \
             RSS growth right after set-up: {} B per call (both sides)\n  \
             RSS growth once the INVITE transactions ended: {} B per call (both sides), {} B per session\n  \
             memory_usage() estimate: {} B per call (both sides), of which {} B in the transaction layers' tables\n  \
             poll_timeout on both agents: {poll:?}",
            n as f64 / setup.as_secs_f64(),
            live_now / n as isize,
            live / n as isize,
            live / (2 * n as isize),
            est / n,
            txn / n,
        );
    }
}
