//! Arbitrary bytes as one datagram: parse_datagram, transaction_fields and to_message never panic and report usable errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sip_core::fuzzing::parse_datagram(data);
});
