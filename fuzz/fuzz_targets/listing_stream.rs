//! libFuzzer entry point of [`taskqueue_fuzz::listing_stream`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| taskqueue_fuzz::listing_stream(data));
