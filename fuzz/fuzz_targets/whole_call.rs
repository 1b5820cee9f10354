//! libFuzzer entry point of [`taskqueue_fuzz::whole_call`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskqueue_fuzz::whole_call(data));
