//! Randomness for request ids, idempotency keys and jitter, from the OS.

use std::sync::atomic::{AtomicU64, Ordering};

use taskqueue_proto::Entropy;

/// The operating system's random generator. If it ever fails, a per-process
/// mix of the clock and a counter keeps ids unique (they are identifiers,
/// not secrets).
pub(crate) struct OsEntropy;

impl Entropy for OsEntropy {
    fn next_u64(&mut self) -> u64 {
        getrandom::u64().unwrap_or_else(|_| fallback())
    }
}

fn fallback() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut z = nanos ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(std::process::id()).rotate_left(32);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
