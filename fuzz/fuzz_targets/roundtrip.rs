//! Datagrams that parse serialize to bytes that parse to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sip_core::fuzzing::roundtrip(data);
});
