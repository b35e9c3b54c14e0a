//! Fuzz target `transactions`: arbitrary sequences of datagrams, stream
//! chunks, timer ticks, TU calls and transport errors against one
//! transaction layer. The body lives in the library
//! (`sip_core::transaction::fuzzing::run`) so a unit test runs it over the
//! seed inputs (`sip_core::transaction::fuzzing::seeds`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sip_core::transaction::fuzzing::run(data);
});
