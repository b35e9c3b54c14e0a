//! What the tests of the SIP.js spec ports share (`in_dialog_spec.rs`,
//! `session_spec.rs`): finding a case, running it on a perfect network,
//! its ladder, the replay check and the seed sweep under faults.

#![allow(dead_code)]

use sip_harness::scenarios::{self, Scenario};
use sip_harness::sim::Faults;
use sip_harness::sweep::{sweep, SweepConfig};

/// The faults of the sweeps: 20% loss, 10% duplication, 10% reordering,
/// 10 ms jitter.
pub const FAULTS: Faults = Faults {
    loss: 0.2,
    duplicate: 0.1,
    reorder: 0.1,
    jitter_ms: Some(10),
};

/// The registered scenario called `name`.
pub fn scenario(name: &str) -> &'static Scenario {
    scenarios::find(name).unwrap_or_else(|| panic!("{name} is not registered"))
}

/// Runs `name` with seeds 1 and 2 on a perfect network (the scenario
/// checks the exact messages, states and statuses).
pub fn perfect(name: &str) {
    for seed in [1, 2] {
        let out = scenario(name).run(seed, &Faults::NONE);
        if let Err(e) = out.result {
            panic!("{name} seed {seed}: {e}");
        }
    }
}

/// The ladder of `name` with seed 1 on a perfect network.
pub fn ladder(name: &str) -> String {
    let out = scenario(name).run(1, &Faults::NONE);
    out.result.unwrap_or_else(|e| panic!("{name}: {e}"));
    sip_harness::ladder::render(&out.trace.records)
}

/// The same seed and faults give the same trace bytes (what `sip-harness
/// replay` relies on): `seeds` seeds of each of `cases`.
pub fn assert_replays(cases: &'static [Scenario], seeds: u64) {
    for s in cases {
        let mut cfg = SweepConfig::new(s, 0, seeds, FAULTS);
        cfg.check_replay = true;
        let report = sweep(&cfg, &|_| {});
        let failures: Vec<_> = report
            .failures
            .iter()
            .filter(|f| f.reason.starts_with("nondeterministic"))
            .map(|f| format!("{} seed {}: {}", s.name, f.seed, f.reason))
            .collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }
}

/// Sweeps each of `names` over `seeds` seeds under [`FAULTS`]; returns
/// one line per failing run, with the command that reproduces it.
pub fn sweep_these(names: &[&str], seeds: u64) -> Vec<String> {
    let mut failures = Vec::new();
    for name in names {
        let mut cfg = SweepConfig::new(scenario(name), 0, seeds, FAULTS);
        cfg.jobs = 2;
        let report = sweep(&cfg, &|_| {});
        assert_eq!(report.runs, seeds);
        failures.extend(report.failures.iter().map(|f| {
            format!(
                "{name} seed {}: {} ({})",
                f.seed,
                f.reason.lines().next().unwrap_or(""),
                f.command
            )
        }));
    }
    failures
}
