//! The determinism proof: every registered scenario, run twice with the
//! same seed and faults, writes byte-identical traces; and a trace read
//! back from its JSON lines writes the same bytes again.

use sip_harness::scenarios;
use sip_harness::sim::Faults;
use sip_harness::sweep::first_difference;
use sip_harness::Trace;

const FAULTS: [Faults; 3] = [
    Faults::NONE,
    Faults {
        loss: 0.2,
        duplicate: 0.1,
        reorder: 0.1,
        jitter_ms: Some(10),
    },
    Faults {
        loss: 0.5,
        duplicate: 0.3,
        reorder: 0.3,
        jitter_ms: None,
    },
];

#[test]
fn every_scenario_replays_byte_identically() {
    for scenario in scenarios::ALL {
        for faults in &FAULTS {
            for seed in [0, 1, 2, 0xdead_beef] {
                let a = scenario.run(seed, faults).trace.to_jsonl();
                let b = scenario.run(seed, faults).trace.to_jsonl();
                if let Some(diff) = first_difference(&a, &b) {
                    panic!(
                        "{} seed {seed} {faults:?} is not deterministic: {diff}",
                        scenario.name
                    );
                }
                let parsed = Trace::from_jsonl(&a).expect("traces parse");
                assert_eq!(
                    parsed.to_jsonl(),
                    a,
                    "{} does not round-trip",
                    scenario.name
                );
                let header = parsed.header.expect("scenario traces have a header");
                assert_eq!(
                    (header.scenario.as_str(), header.seed),
                    (scenario.name, seed)
                );
                assert_eq!(&header.faults, faults);
            }
        }
    }
}

#[test]
fn every_scenario_passes_on_a_clean_network() {
    for scenario in scenarios::ALL {
        for seed in 0..5 {
            let out = scenario.run(seed, &Faults::NONE);
            assert_eq!(out.result, Ok(()), "{} seed {seed}", scenario.name);
        }
    }
}

#[test]
fn seeds_matter_under_faults() {
    for scenario in scenarios::ALL {
        let a = scenario.run(1, &FAULTS[2]).trace.records;
        let b = scenario.run(2, &FAULTS[2]).trace.records;
        assert_ne!(a, b, "{}: seeds 1 and 2 gave the same run", scenario.name);
    }
}
