//! Randomness, passed in: request ids, idempotency keys and jitter all come
//! from an [`Entropy`] the caller supplies, so tests are deterministic.

/// A source of random 64-bit numbers. Transports back it with the operating
/// system's generator; tests use [`SplitMix64`] with a fixed seed.
pub trait Entropy {
    /// The next random number.
    fn next_u64(&mut self) -> u64;
}

impl<F: FnMut() -> u64> Entropy for F {
    fn next_u64(&mut self) -> u64 {
        self()
    }
}

/// A small, fast, deterministic generator (SplitMix64). Not for secrets:
/// seed it from a real random source outside tests.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator that yields the same sequence for the same seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// A uniformly distributed number in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        // The top 53 bits fill an f64's mantissa exactly.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Entropy for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A version-4 UUID from 128 random bits.
pub(crate) fn uuid_v4(entropy: &mut dyn Entropy) -> uuid::Uuid {
    let hi = entropy.next_u64().to_le_bytes();
    let lo = entropy.next_u64().to_le_bytes();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi);
    bytes[8..].copy_from_slice(&lo);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_units_in_range() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        for _ in 0..100 {
            let u = a.next_unit();
            assert_eq!(u, b.next_unit());
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn uuids_are_version_4() {
        let id = uuid_v4(&mut SplitMix64::new(1));
        assert_eq!(id.get_version_num(), 4);
        assert_ne!(id, uuid_v4(&mut SplitMix64::new(2)));
    }
}
