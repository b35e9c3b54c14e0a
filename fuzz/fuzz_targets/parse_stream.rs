//! Arbitrary bytes as a stream: one chunk and pseudo-random chunkings give the same messages and errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sip_core::fuzzing::parse_stream(data);
});
