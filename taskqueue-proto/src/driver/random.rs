//! Randomness, passed in: a machine draws its request id, idempotency key
//! and jitter from one seed the transport supplies, so tests are deterministic.

/// A small, fast, deterministic generator (SplitMix64). Not for secrets:
/// seed it from a real random source outside tests.
#[derive(Debug, Clone, Copy)]
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

impl SplitMix64 {
    /// The next number of the sequence.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A per-thread [`SplitMix64`], seeded on each thread's first draw by a
/// function the transport supplies (from the operating system's generator,
/// say). One seed per thread instead of a system call per number: what a
/// transport's [`random_u64`](super::BlockingTransport::random_u64) can return.
#[derive(Debug, Clone, Copy)]
pub struct ThreadRandom {
    seed: fn() -> u64,
}

thread_local! {
    static THREAD_GENERATOR: std::cell::Cell<Option<SplitMix64>> = const { std::cell::Cell::new(None) };
}

impl ThreadRandom {
    /// Draws from this thread's generator, seeding it with `seed()` first if needed.
    pub const fn new(seed: fn() -> u64) -> Self {
        ThreadRandom { seed }
    }

    /// The next number of this thread's sequence.
    pub fn next_u64(&self) -> u64 {
        THREAD_GENERATOR.with(|cell| {
            let mut generator = cell.take().unwrap_or_else(|| SplitMix64::new((self.seed)()));
            let value = generator.next_u64();
            cell.set(Some(generator));
            value
        })
    }
}

/// A version-4 UUID from 128 random bits.
pub(crate) fn uuid_v4(random: &mut SplitMix64) -> uuid::Uuid {
    let hi = random.next_u64().to_le_bytes();
    let lo = random.next_u64().to_le_bytes();
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
    fn thread_entropy_seeds_each_thread_once() {
        fn seed() -> u64 {
            7
        }
        let e = ThreadRandom::new(seed);
        let here = [e.next_u64(), e.next_u64()];
        assert_ne!(here[0], here[1]);
        let mut fresh = SplitMix64::new(7);
        let there = std::thread::spawn(move || [e.next_u64(), e.next_u64()]).join().unwrap();
        assert_eq!(
            there,
            [fresh.next_u64(), fresh.next_u64()],
            "a new thread starts from its own seed"
        );
    }

    #[test]
    fn uuids_are_version_4() {
        let id = uuid_v4(&mut SplitMix64::new(1));
        assert_eq!(id.get_version_num(), 4);
        assert_ne!(id, uuid_v4(&mut SplitMix64::new(2)));
    }
}
