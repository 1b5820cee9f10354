//! Randomness for request ids, idempotency keys and jitter: a fast
//! per-thread generator seeded once from the operating system.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use taskqueue_proto::{Entropy, SplitMix64};

thread_local! {
    static GENERATOR: RefCell<SplitMix64> = RefCell::new(SplitMix64::new(seed()));
}

/// Draws from this thread's generator. Ids only need to be unique and
/// unpredictable enough not to collide; they are not secrets.
pub(crate) struct OsEntropy;

impl Entropy for OsEntropy {
    fn next_u64(&mut self) -> u64 {
        GENERATOR.with(|g| g.borrow_mut().next_u64())
    }
}

/// 64 bits from the OS; if that ever fails, a mix of the clock, the process
/// id and a counter, so threads still get distinct sequences.
fn seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    getrandom::u64().unwrap_or_else(|_| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        nanos ^ COUNTER.fetch_add(1, Ordering::Relaxed).rotate_left(17) ^ u64::from(std::process::id()).rotate_left(40)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_draw_different_sequences() {
        let here: Vec<u64> = (0..4).map(|_| OsEntropy.next_u64()).collect();
        let there: Vec<u64> = std::thread::spawn(|| (0..4).map(|_| OsEntropy.next_u64()).collect())
            .join()
            .unwrap();
        assert_ne!(here, there);
        assert_ne!(here[0], here[1]);
    }
}
