//! libFuzzer entry point of [`taskqueue_fuzz::workflow_file`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskqueue_fuzz::workflow_file(data));
