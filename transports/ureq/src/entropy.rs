//! Randomness for request ids, idempotency keys and jitter: a per-thread
//! generator seeded once per thread from the operating system.

use std::hash::BuildHasher;

use taskqueue_proto::ThreadEntropy;

/// The entropy every call of this transport draws from.
pub(crate) const ENTROPY: ThreadEntropy = ThreadEntropy::new(seed);

/// 64 bits from the OS; should that fail, std's randomly keyed hasher.
fn seed() -> u64 {
    getrandom::u64().unwrap_or_else(|_| std::collections::hash_map::RandomState::new().hash_one(std::process::id()))
}
