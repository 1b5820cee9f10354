//! libFuzzer entry point of [`taskqueue_fuzz::machines`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskqueue_fuzz::machines(data));
