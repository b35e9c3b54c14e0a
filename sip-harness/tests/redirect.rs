//! The redirected call (`call-redirect`, `sip-harness demo --scenario
//! redirect`): its ladder as a snapshot, and a seed sweep with loss,
//! duplication and reordering.

use sip_harness::scenarios;
use sip_harness::sim::Faults;
use sip_harness::sweep::{sweep, SweepConfig};

#[test]
fn redirect_ladder() {
    let scenario = scenarios::find("call-redirect").expect("registered");
    let out = scenario.run(1, &Faults::NONE);
    out.result.unwrap_or_else(|e| panic!("call-redirect: {e}"));
    insta::assert_snapshot!(sip_harness::ladder::render(&out.trace.records));
}

#[test]
fn redirect_survives_faults_over_a_hundred_seeds() {
    let faults = Faults {
        loss: 0.2,
        duplicate: 0.1,
        reorder: 0.1,
        jitter_ms: Some(10),
    };
    let scenario = scenarios::find("call-redirect").expect("registered");
    let mut cfg = SweepConfig::new(scenario, 0, 120, faults);
    cfg.jobs = 2;
    let report = sweep(&cfg, &|_| {});
    assert_eq!(report.runs, 120);
    let failures: Vec<String> = report
        .failures
        .iter()
        .map(|f| format!("seed {}: {} ({})", f.seed, f.reason, f.command))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}
