//! The `sip-harness` binary end to end.

use std::path::PathBuf;
use std::process::{Command, Output};

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sip-harness"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sip-harness-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn list_names_the_scenarios() {
    let o = harness(&["list"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("selftest-udp"));
}

#[test]
fn run_writes_a_trace_that_replays() {
    let trace = tmp("run.jsonl");
    let pcap = tmp("run.pcap");
    let o = harness(&[
        "run",
        "selftest-udp",
        "--seed",
        "9",
        "--loss",
        "0.2",
        "--ladder",
        "--trace",
        trace.to_str().unwrap(),
        "--pcap",
        pcap.to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("|--------OPTIONS------->|"), "{out}");
    assert!(out.contains("PASS selftest-udp seed 9"), "{out}");
    assert!(std::fs::metadata(&pcap).unwrap().len() > 24);

    let o = harness(&["replay", trace.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("replay OK: selftest-udp seed 9: "));

    // A tampered trace is caught, with the line that differs.
    let text = std::fs::read_to_string(&trace).unwrap();
    let tampered = tmp("tampered.jsonl");
    std::fs::write(&tampered, text.replacen("OPTIONS sip:", "OPTIONZ sip:", 1)).unwrap();
    let o = harness(&["replay", tampered.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("replay MISMATCH"), "{}", stdout(&o));
    assert!(stdout(&o).contains("differs"), "{}", stdout(&o));

    let o = harness(&["ladder", trace.to_str().unwrap()]);
    assert!(stdout(&o).contains("OPTIONS"));
}

#[test]
fn sweep_reports_failing_seeds_with_a_command_that_reproduces_them() {
    let dir = tmp("sweep-traces");
    let o = harness(&[
        "sweep",
        "selftest-udp",
        "--seeds",
        "30",
        "--first-seed",
        "1000",
        "--loss",
        "0.6",
        "--no-progress",
        "--trace-dir",
        dir.to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("selftest-udp: 30 seeds (1000..=1029), "),
        "{out}"
    );
    let line = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("reproduce: "))
        .expect("a failing seed")
        .to_owned();
    let args: Vec<&str> = line.split(' ').collect();
    assert_eq!(args[0], "sip-harness");
    let again = harness(&args[1..]);
    let again_out = stdout(&again);
    assert_eq!(again.status.code(), Some(1), "{again_out}");
    assert!(again_out.contains("1 seeds"), "{again_out}");
    assert!(again_out.contains("0 passed, 1 failed"), "{again_out}");
    // The saved trace of a failing seed replays.
    let saved = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("trace: "))
        .expect("a saved trace");
    let o = harness(&["replay", saved]);
    assert!(o.status.success(), "{}", stdout(&o));
}

#[test]
fn clean_sweeps_pass_and_bad_input_is_an_error() {
    let o = harness(&[
        "sweep",
        "selftest-tcp",
        "--seeds",
        "5",
        "--check-replay",
        "--no-progress",
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
    let o = harness(&["sweep", "nope", "--seeds", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(err.contains("no scenario \"nope\"; registered: "), "{err}");
    assert!(
        err.contains("invite") && err.contains("selftest-udp"),
        "{err}"
    );
    let o = harness(&["sweep", "selftest-udp", "--seeds", "1", "--loss", "2"]);
    assert_eq!(o.status.code(), Some(2));
}
