//! SIP.js's `registration.spec.ts` and `subscription.spec.ts` checklists
//! ported as harness scenarios (`sip_harness::scenarios::spec_cases`:
//! `spec-reg-*` against the fixture registrar, `spec-sub-*` against our
//! Notifier or the scripted notifier fixture): every case on a perfect
//! network, then in a seed sweep with loss, duplication and reordering,
//! where the RFC-predicted outcome each case checks must still hold.

use sip_harness::scenarios::{self, Scenario};
use sip_harness::sim::Faults;
use sip_harness::sweep::{sweep, SweepConfig};

fn cases(prefix: &str) -> Vec<&'static Scenario> {
    scenarios::spec_cases()
        .filter(|s| s.name.starts_with(prefix))
        .collect()
}

fn perfect(prefix: &str, expected: usize) {
    let all = cases(prefix);
    assert_eq!(all.len(), expected, "{prefix} cases");
    let failed: Vec<String> = all
        .iter()
        .filter_map(|s| {
            let out = s.run(1, &Faults::NONE);
            // Only the transport-error cases send where nobody listens.
            if !s.name.ends_with("transport-error") {
                assert_eq!(out.stats.dropped, 0, "{}", s.name);
            }
            out.result.err().map(|e| format!("{}: {e}", s.name))
        })
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

/// 100 seeds per case with 10% loss, 5% duplication and 5% reordering,
/// replayed byte for byte.
fn swept(prefix: &str) {
    let faults = Faults {
        loss: 0.1,
        duplicate: 0.05,
        reorder: 0.05,
        jitter_ms: None,
    };
    let mut failed = Vec::new();
    for s in cases(prefix) {
        let mut cfg = SweepConfig::new(s, 0, 100, faults);
        cfg.jobs = 2;
        cfg.check_replay = true;
        let report = sweep(&cfg, &|_| {});
        assert_eq!(report.runs, 100);
        failed.extend(
            report
                .failures
                .iter()
                .map(|f| format!("{} seed {}: {} ({})", s.name, f.seed, f.reason, f.command)),
        );
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn registration_spec_cases_pass_on_a_perfect_network() {
    perfect("spec-reg-", 18);
}

#[test]
fn subscription_spec_cases_pass_on_a_perfect_network() {
    perfect("spec-sub-", 16);
}

#[test]
fn registration_spec_cases_pass_a_seed_sweep_with_faults() {
    swept("spec-reg-");
}

#[test]
fn subscription_spec_cases_pass_a_seed_sweep_with_faults() {
    swept("spec-sub-");
}

#[test]
fn every_spec_case_is_found_by_name_and_documented() {
    for s in scenarios::spec_cases() {
        assert!(scenarios::find(s.name).is_some(), "{}", s.name);
        assert!(
            s.about.contains(".spec") || s.about.starts_with("SIP.js"),
            "{}: {}",
            s.name,
            s.about
        );
    }
}
