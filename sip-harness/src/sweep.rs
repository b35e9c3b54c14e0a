//! Seed sweeps: run a scenario under many seeds with a fault
//! configuration, in parallel, and report each failing seed with the one
//! command that reproduces it.

use crate::scenarios::Scenario;
use crate::sim::Faults;
use crate::trace::Trace;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// What to sweep.
#[derive(Clone, Debug)]
pub struct SweepConfig {
    /// The scenario.
    pub scenario: &'static Scenario,
    /// The first seed.
    pub first_seed: u64,
    /// How many seeds, from `first_seed` up.
    pub seeds: u64,
    /// Faults applied to every run.
    pub faults: Faults,
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Run every seed twice and fail it when the traces differ.
    pub check_replay: bool,
    /// Keep the traces of failing seeds in the report.
    pub keep_failing_traces: bool,
}

impl SweepConfig {
    /// One seed at a time, no replay check, traces not kept.
    pub fn new(scenario: &'static Scenario, first_seed: u64, seeds: u64, faults: Faults) -> Self {
        SweepConfig {
            scenario,
            first_seed,
            seeds,
            faults,
            jobs: 1,
            check_replay: false,
            keep_failing_traces: false,
        }
    }
}

/// A seed whose run failed.
#[derive(Debug)]
pub struct SeedFailure {
    /// The seed.
    pub seed: u64,
    /// What went wrong (the scenario's error, a panic message, or a trace
    /// mismatch).
    pub reason: String,
    /// The command that reruns exactly this seed.
    pub command: String,
    /// The run's trace, when asked for and the run did not panic.
    pub trace: Option<Trace>,
}

/// The result of a sweep.
#[derive(Debug)]
pub struct SweepReport {
    /// The scenario name.
    pub scenario: &'static str,
    /// The first seed.
    pub first_seed: u64,
    /// Seeds run.
    pub runs: u64,
    /// Failing seeds, in seed order.
    pub failures: Vec<SeedFailure>,
    /// Messages simulated over all runs.
    pub messages: u64,
    /// Virtual milliseconds simulated over all runs.
    pub virtual_ms: u64,
}

impl SweepReport {
    /// A one-line summary.
    pub fn summary(&self) -> String {
        let last = (self.first_seed + self.runs).saturating_sub(1);
        format!(
            "{}: {} seeds ({}..={}), {} passed, {} failed; {} messages, {:.1} s of virtual time simulated",
            self.scenario,
            self.runs,
            self.first_seed,
            last,
            self.runs - self.failures.len() as u64,
            self.failures.len(),
            self.messages,
            self.virtual_ms as f64 / 1000.0,
        )
    }
}

/// The command that reruns `scenario` with `seed` and `faults`.
pub fn repro_command(scenario: &str, seed: u64, faults: &Faults) -> String {
    format!(
        "sip-harness sweep {scenario} --seeds 1 --first-seed {seed}{}",
        faults.to_flags()
    )
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

struct SeedResult {
    failure: Option<SeedFailure>,
    messages: u64,
    virtual_ms: u64,
}

fn run_seed(cfg: &SweepConfig, seed: u64) -> SeedResult {
    let fail = |reason: String, trace: Option<Trace>| SeedFailure {
        seed,
        reason,
        command: repro_command(cfg.scenario.name, seed, &cfg.faults),
        trace: if cfg.keep_failing_traces { trace } else { None },
    };
    let run = catch_unwind(AssertUnwindSafe(|| cfg.scenario.run(seed, &cfg.faults)));
    let out = match run {
        Ok(out) => out,
        Err(payload) => {
            return SeedResult {
                failure: Some(fail(
                    format!("panicked: {}", panic_message(&*payload)),
                    None,
                )),
                messages: 0,
                virtual_ms: 0,
            }
        }
    };
    let messages = out.stats.sent;
    let virtual_ms = out.trace.records.last().map_or(0, |r| r.t.as_millis());
    let mut failure = out.result.err().map(|e| fail(e, Some(out.trace.clone())));
    if failure.is_none() && cfg.check_replay {
        let again = catch_unwind(AssertUnwindSafe(|| cfg.scenario.run(seed, &cfg.faults)));
        match again {
            Ok(again) => {
                if let Some(diff) = first_difference(&out.trace.to_jsonl(), &again.trace.to_jsonl())
                {
                    failure = Some(fail(format!("nondeterministic: {diff}"), Some(out.trace)));
                }
            }
            Err(payload) => {
                failure = Some(fail(
                    format!(
                        "nondeterministic: the second run panicked: {}",
                        panic_message(&*payload)
                    ),
                    Some(out.trace),
                ));
            }
        }
    }
    SeedResult {
        failure,
        messages,
        virtual_ms,
    }
}

/// Where two JSON-lines texts first differ, `None` when identical.
pub fn first_difference(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let mut e = expected.lines();
    let mut a = actual.lines();
    let mut n = 0;
    loop {
        n += 1;
        match (e.next(), a.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(x), Some(y)) => {
                return Some(format!(
                    "line {n} differs:\n  expected: {x}\n  actual:   {y}"
                ))
            }
            (Some(x), None) => {
                return Some(format!(
                    "line {n} missing from the new run:\n  expected: {x}"
                ))
            }
            (None, Some(y)) => {
                return Some(format!(
                    "line {n} is extra in the new run:\n  actual:   {y}"
                ))
            }
            (None, None) => return Some("the texts differ only in line endings".to_owned()),
        }
    }
}

/// Runs the sweep. `on_done` is called once per finished seed (from the
/// worker threads) with the number of failures so far; use it for
/// progress.
pub fn sweep(cfg: &SweepConfig, on_done: &(dyn Fn(u64) + Sync)) -> SweepReport {
    let next = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let results = Mutex::new(Vec::with_capacity(cfg.seeds.min(1 << 20) as usize));
    std::thread::scope(|s| {
        for _ in 0..cfg.jobs.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= cfg.seeds {
                    break;
                }
                let seed = cfg.first_seed.wrapping_add(i);
                let r = run_seed(cfg, seed);
                if r.failure.is_some() {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                results
                    .lock()
                    .expect("no worker panics holding the lock")
                    .push((seed, r));
                on_done(failed.load(Ordering::Relaxed));
            });
        }
    });
    let mut results = results.into_inner().expect("workers finished");
    results.sort_by_key(|(seed, _)| *seed);
    let mut report = SweepReport {
        scenario: cfg.scenario.name,
        first_seed: cfg.first_seed,
        runs: results.len() as u64,
        failures: Vec::new(),
        messages: 0,
        virtual_ms: 0,
    };
    for (_, r) in results {
        report.messages += r.messages;
        report.virtual_ms += r.virtual_ms;
        report.failures.extend(r.failure);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{self, Scenario};
    use crate::sim::Sim;

    #[test]
    fn repro_command_carries_seed_and_faults() {
        let f = Faults {
            loss: 0.5,
            reorder: 0.1,
            ..Faults::NONE
        };
        assert_eq!(
            repro_command("selftest-udp", 17, &f),
            "sip-harness sweep selftest-udp --seeds 1 --first-seed 17 --loss 0.5 --reorder 0.1"
        );
    }

    #[test]
    fn heavy_loss_fails_some_seeds_and_every_failure_reproduces() {
        let scenario = scenarios::find("selftest-udp").unwrap();
        let faults = Faults {
            loss: 0.6,
            ..Faults::NONE
        };
        let mut cfg = SweepConfig::new(scenario, 100, 40, faults);
        cfg.jobs = 2;
        cfg.check_replay = true;
        cfg.keep_failing_traces = true;
        let calls = AtomicU64::new(0);
        let report = sweep(&cfg, &|_| {
            calls.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(calls.load(Ordering::Relaxed), 40);
        assert_eq!(report.runs, 40);
        assert!(
            !report.failures.is_empty() && report.failures.len() < 40,
            "{}",
            report.summary()
        );
        assert!(report.failures.windows(2).all(|w| w[0].seed < w[1].seed));
        for f in &report.failures {
            assert!(f.reason.contains("unanswered"), "{}", f.reason);
            assert!(!f.reason.contains("nondeterministic"));
            let again = scenario.run(f.seed, &faults);
            assert!(again.result.is_err());
            assert_eq!(Some(again.trace), f.trace);
        }
        assert!(report
            .summary()
            .starts_with("selftest-udp: 40 seeds (100..=139), "));
    }

    #[test]
    fn panics_are_failures_with_their_message() {
        fn boom(sim: &mut Sim, _: &Faults) -> Result<(), String> {
            if sim.now().as_millis() == 0 {
                panic!("node fell over");
            }
            Ok(())
        }
        static BOOM: Scenario = Scenario {
            name: "boom",
            about: "panics",
            body: boom,
        };
        let report = sweep(&SweepConfig::new(&BOOM, 0, 2, Faults::NONE), &|_| {});
        assert_eq!(report.failures.len(), 2);
        assert_eq!(report.failures[0].reason, "panicked: node fell over");
        assert_eq!(
            report.failures[1].command,
            "sip-harness sweep boom --seeds 1 --first-seed 1"
        );
    }

    #[test]
    fn differences_name_the_line() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
        assert_eq!(
            first_difference("a\nb\n", "a\nc\n").unwrap(),
            "line 2 differs:\n  expected: b\n  actual:   c"
        );
        assert!(first_difference("a\n", "a\nz\n")
            .unwrap()
            .starts_with("line 2 is extra"));
    }
}
