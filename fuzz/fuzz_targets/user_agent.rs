//! Fuzz target `user_agent`: two sip-session user agents over a fuzzed
//! network, with fuzzed datagrams, timer ticks and application commands.
//! The body and its invariants live in `sip_session::fuzzing::run`, so a
//! normal test replays the corpus (`sip-session/tests/fuzz_corpus.rs`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sip_session::fuzzing::run(data);
});
