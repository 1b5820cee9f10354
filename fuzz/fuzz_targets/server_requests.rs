//! libFuzzer entry point of [`taskqueue_fuzz::server_requests`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskqueue_fuzz::server_requests(data));
