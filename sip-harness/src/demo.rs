//! `sip-harness demo`: a call between two of our user agents in simulated
//! time, printed as a ladder diagram.
//!
//! `sip-harness demo [--scenario NAME] [--seed N] [--loss P] [--dup P]
//! [--reorder P] [--pcap FILE] [--trace FILE]` runs the scenario, prints its
//! ladder with virtual timestamps and a one-line summary, and exits 0 when
//! the call went as expected. `--list` names the scenarios.

use crate::cli::{CmdResult, FaultArgs};
use crate::scenarios::{self, Scenario};
use crate::trace::Event as TraceEvent;
use std::path::PathBuf;
use std::process::ExitCode;

/// The demo scenarios: the name `demo --scenario` takes, and the
/// registered scenario it runs.
pub const DEMOS: &[(&str, &str)] = &[
    ("basic", "call"),
    ("busy", "call-busy"),
    ("hold", "call-hold"),
    ("info", "call-info"),
    ("glare", "call-glare"),
    ("register", "register"),
    ("proxied-call", "proxied-call"),
    ("message", "proxied-message"),
    ("presence", "presence"),
    ("transfer", "call-transfer"),
    ("attended-transfer", "call-attended-transfer"),
    ("prack", "call-prack"),
    ("session-timer", "call-session-timer"),
    ("redirect", "call-redirect"),
];

/// Arguments of `sip-harness demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Which demo (see `--list`).
    #[arg(long, default_value = "basic")]
    pub scenario: String,
    /// List the demo scenarios and exit.
    #[arg(long)]
    pub list: bool,
    /// The simulator seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Fault flags.
    #[command(flatten)]
    pub faults: FaultArgs,
    /// Write a pcap capture (open it in Wireshark or sngrep).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// Write the trace (JSON lines; `sip-harness replay FILE` re-checks it).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
}

fn find(name: &str) -> Option<&'static Scenario> {
    DEMOS
        .iter()
        .find(|(demo, _)| *demo == name)
        .and_then(|(_, s)| scenarios::find(s))
}

/// Runs `sip-harness demo`.
pub fn run(args: DemoArgs) -> CmdResult {
    if args.list {
        for (demo, name) in DEMOS {
            let about = scenarios::find(name).map(|s| s.about).unwrap_or("");
            println!("{demo:12} {about}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let names = DEMOS.iter().map(|d| d.0).collect::<Vec<_>>().join(", ");
    let scenario = find(&args.scenario)
        .ok_or_else(|| format!("no demo {:?}; available: {names}", args.scenario))?;
    let faults = args.faults.faults();
    let out = scenario.run(args.seed, &faults);
    print!("{}", crate::ladder::render(&out.trace.records));
    if let Some(path) = &args.pcap {
        std::fs::write(path, crate::pcap::to_vec(&out.trace.records))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &args.trace {
        std::fs::write(path, out.trace.to_jsonl())
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let dropped = out
        .trace
        .records
        .iter()
        .filter(|r| matches!(r.event, TraceEvent::Drop { .. }))
        .count();
    let end = out.trace.records.last().map(|r| r.t).unwrap_or_default();
    let summary = format!(
        "{} (seed {}, loss {}): {} messages sent, {} dropped, {} virtual time",
        args.scenario, args.seed, faults.loss, out.stats.sent, dropped, end
    );
    match out.result {
        Ok(()) => {
            println!("OK   {summary}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("FAIL {summary}: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
