//! The `sip-harness` command.

fn main() {}
