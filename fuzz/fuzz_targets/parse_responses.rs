//! libFuzzer entry point of [`taskqueue_fuzz::parse_responses`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskqueue_fuzz::parse_responses(data));
