//! The `sip-harness` command line (clap derive).
//!
//! Adding a subcommand takes one variant in [`Command`] (holding a clap
//! `Args` struct) and one arm in [`Command::execute`] calling a function
//! that returns [`CmdResult`]; put the args struct and that function in the
//! subcommand's own module.

use crate::scenarios;
use crate::sim::Faults;
use crate::sweep::{self, SweepConfig};
use crate::trace::Trace;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// What a subcommand returns: the exit code, or an error printed as
/// `sip-harness: ERROR` with exit code 2.
pub type CmdResult = Result<ExitCode, Box<dyn std::error::Error>>;

/// Deterministic simulated network and clock for the SIP stack.
#[derive(Debug, Parser)]
#[command(name = "sip-harness", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the registered scenarios.
    List,
    /// Run one scenario with one seed; print the outcome, optionally the
    /// ladder, and write the trace and a pcap.
    Run(RunArgs),
    /// Run a scenario under many seeds and report each failing seed with
    /// the command that reproduces it.
    Sweep(SweepArgs),
    /// Rerun the scenario and seed recorded in a trace file and check the
    /// new trace is byte-identical.
    Replay(ReplayArgs),
    /// Print the ladder diagram of a trace file.
    Ladder(TraceFileArgs),
    /// Convert a trace file to a pcap file.
    Pcap(PcapArgs),
    /// Parse a SIP message (file or stdin) and print it normalized, or why
    /// it is rejected.
    Parse(crate::parse_cmd::ParseArgs),
    /// Alice calls Bob in simulated time; prints the ladder diagram.
    Demo(crate::demo::DemoArgs),
    /// Place a call over real sockets (UAC).
    Call(crate::phone_cmd::CallArgs),
    /// Answer calls over real sockets (UAS).
    Answer(crate::phone_cmd::AnswerArgs),
    /// Register with a registrar over real sockets (or unregister).
    Register(crate::ua_cmd::RegisterArgs),
    /// Send an out-of-dialog MESSAGE over real sockets.
    Message(crate::ua_cmd::MessageArgs),
    /// Send OPTIONS over real sockets and print the capabilities.
    Options(crate::ua_cmd::OptionsArgs),
}

impl Command {
    /// Runs the subcommand.
    pub fn execute(self) -> CmdResult {
        match self {
            Command::List => list(),
            Command::Run(args) => run(args),
            Command::Sweep(args) => sweep_cmd(args),
            Command::Replay(args) => replay(args),
            Command::Ladder(args) => ladder(args),
            Command::Pcap(args) => pcap(args),
            Command::Parse(args) => Ok(crate::parse_cmd::run(&args)),
            Command::Demo(args) => crate::demo::run(args),
            Command::Call(args) => crate::phone_cmd::call(args),
            Command::Answer(args) => crate::phone_cmd::answer(args),
            Command::Register(args) => crate::ua_cmd::register(args),
            Command::Message(args) => crate::ua_cmd::message(args),
            Command::Options(args) => crate::ua_cmd::options(args),
        }
    }
}

/// Parses the process arguments, runs the subcommand and returns its exit
/// code; what `main` calls.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.execute() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sip-harness: {e}");
            ExitCode::from(2)
        }
    }
}

/// Writes to standard output, ignoring a closed pipe (`| head`).
fn print_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn probability(s: &str) -> Result<f64, String> {
    let p: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{p} is not a probability between 0 and 1"))
    }
}

/// Fault flags shared by `run` and `sweep`.
#[derive(Debug, Clone, Copy, Args)]
pub struct FaultArgs {
    /// Datagram loss probability on every link.
    #[arg(long, default_value = "0", value_parser = probability)]
    pub loss: f64,
    /// Datagram duplication probability on every link.
    #[arg(long, default_value = "0", value_parser = probability)]
    pub dup: f64,
    /// Datagram reordering probability on every link.
    #[arg(long, default_value = "0", value_parser = probability)]
    pub reorder: f64,
    /// Jitter on every link, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub jitter: Option<u64>,
}

impl FaultArgs {
    /// The faults these flags describe.
    pub fn faults(&self) -> Faults {
        Faults {
            loss: self.loss,
            duplicate: self.dup,
            reorder: self.reorder,
            jitter_ms: self.jitter,
        }
    }
}

fn find_scenario(name: &str) -> Result<&'static scenarios::Scenario, String> {
    scenarios::find(name)
        .ok_or_else(|| format!("no scenario {name:?}; registered: {}", scenarios::names()))
}

fn list() -> CmdResult {
    let width = scenarios::ALL
        .iter()
        .chain(scenarios::spec_cases())
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    for s in scenarios::ALL {
        println!("{:width$}  {}", s.name, s.about);
    }
    println!("\nPorts of SIP.js's spec checklists, one scenario per case:");
    for s in scenarios::spec_cases() {
        println!("{:width$}  {}", s.name, s.about);
    }
    Ok(ExitCode::SUCCESS)
}

/// `sip-harness run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario name (see `sip-harness list`).
    pub scenario: String,
    /// The simulator seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Fault flags.
    #[command(flatten)]
    pub faults: FaultArgs,
    /// Print the ladder diagram.
    #[arg(long)]
    pub ladder: bool,
    /// Write the trace (JSON lines, replayable) to this file.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Write a pcap capture to this file.
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
}

fn run(args: RunArgs) -> CmdResult {
    let scenario = find_scenario(&args.scenario)?;
    let faults = args.faults.faults();
    let out = scenario.run(args.seed, &faults);
    if args.ladder {
        print_out(&crate::ladder::render(&out.trace.records));
    }
    if let Some(path) = &args.trace {
        std::fs::write(path, out.trace.to_jsonl())
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &args.pcap {
        std::fs::write(path, crate::pcap::to_vec(&out.trace.records))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let end = out.trace.records.last().map(|r| r.t).unwrap_or_default();
    let what = format!(
        "{} seed {} ({} messages, {} virtual)",
        scenario.name, args.seed, out.stats.sent, end
    );
    match out.result {
        Ok(()) => {
            println!("PASS {what}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("FAIL {what}: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `sip-harness sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario name (see `sip-harness list`).
    pub scenario: String,
    /// How many seeds to run.
    #[arg(long)]
    pub seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    pub first_seed: u64,
    /// Fault flags.
    #[command(flatten)]
    pub faults: FaultArgs,
    /// Worker threads (default: the number of CPUs).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run every seed twice and fail seeds whose traces differ.
    #[arg(long)]
    pub check_replay: bool,
    /// Write the trace of each failing seed to DIR/SCENARIO-seed-S.jsonl.
    #[arg(long, value_name = "DIR")]
    pub trace_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

fn sweep_cmd(args: SweepArgs) -> CmdResult {
    let scenario = find_scenario(&args.scenario)?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let cfg = SweepConfig {
        scenario,
        first_seed: args.first_seed,
        seeds: args.seeds,
        faults: args.faults.faults(),
        jobs,
        check_replay: args.check_replay,
        keep_failing_traces: args.trace_dir.is_some(),
    };
    let bar = if args.no_progress || args.seeds < 2 {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(args.seeds);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} seeds {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar
    };
    // Panics in scenarios are reported per seed; keep them off the bar.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let started = std::time::Instant::now();
    let report = sweep::sweep(&cfg, &|failed| {
        bar.inc(1);
        if failed > 0 {
            bar.set_message(format!("({failed} failing)"));
        }
    });
    let wall = started.elapsed();
    std::panic::set_hook(hook);
    bar.finish_and_clear();
    for f in &report.failures {
        println!("FAIL seed {}: {}", f.seed, f.reason);
        println!("  reproduce: {}", f.command);
        if let (Some(dir), Some(trace)) = (&args.trace_dir, &f.trace) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = dir.join(format!("{}-seed-{}.jsonl", scenario.name, f.seed));
            std::fs::write(&path, trace.to_jsonl())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            println!("  trace: {}", path.display());
        }
    }
    println!("{}; {:.2} s wall", report.summary(), wall.as_secs_f64());
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `sip-harness replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A trace file written by `sip-harness run --trace` or `sweep --trace-dir`.
    pub trace: PathBuf,
}

fn read_trace(path: &PathBuf) -> Result<(String, Trace), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let trace = Trace::from_jsonl(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((text, trace))
}

fn replay(args: ReplayArgs) -> CmdResult {
    let (text, trace) = read_trace(&args.trace)?;
    let header = trace.header.ok_or_else(|| {
        format!(
            "{}: no header line naming the scenario and seed",
            args.trace.display()
        )
    })?;
    let scenario = find_scenario(&header.scenario)?;
    let again = scenario.run(header.seed, &header.faults).trace.to_jsonl();
    match sweep::first_difference(&text, &again) {
        None => {
            println!(
                "replay OK: {} seed {}: {} lines byte-identical",
                header.scenario,
                header.seed,
                text.lines().count()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(diff) => {
            println!(
                "replay MISMATCH: {} seed {}: {diff}",
                header.scenario, header.seed
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// A trace file argument.
#[derive(Debug, Args)]
pub struct TraceFileArgs {
    /// The trace file (JSON lines).
    pub trace: PathBuf,
}

fn ladder(args: TraceFileArgs) -> CmdResult {
    let (_, trace) = read_trace(&args.trace)?;
    print_out(&crate::ladder::render(&trace.records));
    Ok(ExitCode::SUCCESS)
}

/// `sip-harness pcap`.
#[derive(Debug, Args)]
pub struct PcapArgs {
    /// The trace file (JSON lines).
    pub trace: PathBuf,
    /// The pcap file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

fn pcap(args: PcapArgs) -> CmdResult {
    let (_, trace) = read_trace(&args.trace)?;
    let file = std::fs::File::create(&args.output)
        .map_err(|e| format!("{}: {e}", args.output.display()))?;
    let stats = crate::pcap::write(&trace.records, std::io::BufWriter::new(file))?;
    println!(
        "{}: {} packets ({} messages left out)",
        args.output.display(),
        stats.packets,
        stats.skipped
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sweep_flags_parse() {
        let cli = Cli::try_parse_from([
            "sip-harness",
            "sweep",
            "selftest-udp",
            "--seeds",
            "1",
            "--first-seed",
            "17",
            "--loss",
            "0.5",
            "--dup",
            "0.1",
        ])
        .unwrap();
        let Command::Sweep(args) = cli.command else {
            panic!("not a sweep")
        };
        assert_eq!((args.seeds, args.first_seed), (1, 17));
        assert_eq!(args.faults.faults().to_flags(), " --loss 0.5 --dup 0.1");
        assert!(Cli::try_parse_from([
            "sip-harness",
            "sweep",
            "x",
            "--seeds",
            "1",
            "--loss",
            "1.5"
        ])
        .is_err());
    }
}
