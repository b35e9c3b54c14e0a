//! Calls between two sip-session user agents through the simulator: the
//! demo's ladder as a snapshot, and every call scenario under a seed sweep
//! with loss, duplication and reordering.

use sip_harness::scenarios;
use sip_harness::sim::Faults;
use sip_harness::sweep::{sweep, SweepConfig};

fn ladder(name: &str, seed: u64, faults: &Faults) -> String {
    let scenario = scenarios::find(name).expect("registered");
    let out = scenario.run(seed, faults);
    out.result
        .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
    sip_harness::ladder::render(&out.trace.records)
}

#[test]
fn basic_call_ladder() {
    insta::assert_snapshot!(ladder("call", 1, &Faults::NONE));
}

#[test]
fn busy_call_ladder() {
    insta::assert_snapshot!(ladder("call-busy", 1, &Faults::NONE));
}

#[test]
fn lossy_call_ladder_shows_retransmissions() {
    let faults = Faults {
        loss: 0.3,
        ..Faults::NONE
    };
    let l = ladder("call", 3, &faults);
    assert!(l.contains("x"), "no drop shown:\n{l}");
    insta::assert_snapshot!(l);
}

#[test]
fn call_scenarios_survive_faults_over_a_hundred_seeds() {
    let faults = Faults {
        loss: 0.2,
        duplicate: 0.1,
        reorder: 0.1,
        jitter_ms: Some(10),
    };
    for name in ["call", "call-busy"] {
        let scenario = scenarios::find(name).expect("registered");
        let mut cfg = SweepConfig::new(scenario, 0, 120, faults);
        cfg.jobs = 2;
        let report = sweep(&cfg, &|_| {});
        assert_eq!(report.runs, 120);
        let failures: Vec<String> = report
            .failures
            .iter()
            .map(|f| format!("seed {}: {} ({})", f.seed, f.reason, f.command))
            .collect();
        assert!(failures.is_empty(), "{name}: {failures:#?}");
    }
}
