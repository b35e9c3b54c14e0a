//! The `sip-harness` command; everything lives in the library
//! ([`sip_harness::cli`]).

fn main() -> std::process::ExitCode {
    sip_harness::cli::main()
}
