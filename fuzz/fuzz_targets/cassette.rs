//! libFuzzer entry point of [`taskqueue_fuzz::cassette`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskqueue_fuzz::cassette(data));
