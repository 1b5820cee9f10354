//! Randomness for request ids, idempotency keys and jitter: a per-thread
//! generator seeded once per thread from the operating system.

use taskqueue_proto::ThreadEntropy;

/// The entropy every call of this transport draws from.
pub(crate) const ENTROPY: ThreadEntropy = ThreadEntropy::new(seed);

/// 64 bits from the OS; should that fail, the clock's nanoseconds mixed with
/// the process id, so that processes still differ.
fn seed() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        nanos ^ u64::from(std::process::id()).rotate_left(40)
    })
}
