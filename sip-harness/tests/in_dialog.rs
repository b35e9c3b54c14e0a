//! In-dialog scenarios (hold, INFO/MESSAGE, glare, blind and attended
//! transfer) between sip-session user agents through the simulator: ladders as snapshots on
//! a perfect network, and seed sweeps with loss, duplication and
//! reordering.

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
fn hold_ladder() {
    insta::assert_snapshot!(ladder("call-hold", 1, &Faults::NONE));
}

#[test]
fn info_ladder() {
    insta::assert_snapshot!(ladder("call-info", 1, &Faults::NONE));
}

#[test]
fn glare_ladder() {
    let l = ladder("call-glare", 1, &Faults::NONE);
    assert_eq!(l.matches("491 Request Pending").count(), 2, "{l}");
    insta::assert_snapshot!(l);
}

#[test]
fn transfer_ladder() {
    let l = ladder("call-transfer", 1, &Faults::NONE);
    assert!(l.contains("REFER progress 200 (final)"), "{l}");
    insta::assert_snapshot!(l);
}

#[test]
fn attended_transfer_ladder() {
    let l = ladder("call-attended-transfer", 1, &Faults::NONE);
    assert!(l.contains("REFER progress 200 (final)"), "{l}");
    insta::assert_snapshot!(l);
}

#[test]
fn prack_ladder() {
    insta::assert_snapshot!(ladder("call-prack", 1, &Faults::NONE));
}

#[test]
fn session_timer_ladder() {
    let l = ladder("call-session-timer", 1, &Faults::NONE);
    assert_eq!(l.matches("--UPDATE--").count(), 4, "{l}");
    insta::assert_snapshot!(l);
}

#[test]
fn in_dialog_scenarios_survive_faults_over_a_hundred_seeds() {
    let faults = Faults {
        loss: 0.2,
        duplicate: 0.1,
        reorder: 0.1,
        jitter_ms: Some(10),
    };
    for name in [
        "call-hold",
        "call-info",
        "call-glare",
        "call-transfer",
        "call-attended-transfer",
        "call-prack",
        "call-session-timer",
    ] {
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
