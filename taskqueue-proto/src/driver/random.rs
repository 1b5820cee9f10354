//! Randomness, passed in: a machine draws its request id, idempotency key
//! and jitter from one seed the transport supplies, so tests are deterministic.
//!
//! Ids that leave the machine (request ids, idempotency keys, a workflow's
//! id) and the seeds of inner machines come from a [`SeedSource`]: SipHash
//! keyed by the seed, over a counter, so one observed id tells nothing of the
//! others short of a search of the seed's 2^64 values — and the built-in
//! transports draw every seed from a [`ThreadRandom`] keyed from the
//! operating system's CSPRNG, so one call's ids tell nothing of the next
//! call's. [`SplitMix64`] stays for jitter and tests.

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

/// A per-thread, per-process [`SeedSource`], keyed on each thread's first
/// draw by two calls of a function the transport supplies (the operating
/// system's generator, say): what a transport's
/// [`random_u64`](super::BlockingTransport::random_u64) can return, with
/// one system call per thread for the key instead of one per number.
///
/// Its numbers are SipHash of a counter under a 128-bit secret key, so one
/// tells nothing of the others (a call's seed, and so its request id and
/// idempotency key, tells nothing of the next call's). A process made by
/// `fork` keys its own: the key is kept with the process id it was drawn
/// in, checked on each draw, so a forked child never repeats its parent's
/// ids.
#[derive(Debug, Clone, Copy)]
pub struct ThreadRandom {
    seed: fn() -> u64,
}

thread_local! {
    static THREAD_SOURCE: std::cell::Cell<Option<(u32, SeedSource)>> = const { std::cell::Cell::new(None) };
}

impl ThreadRandom {
    /// Draws from this thread's sequence, keying it with `seed()` first if
    /// this thread (in this process) has none.
    pub const fn new(seed: fn() -> u64) -> Self {
        ThreadRandom { seed }
    }

    /// The next number of this thread's sequence.
    pub fn next_u64(&self) -> u64 {
        let process = std::process::id();
        THREAD_SOURCE.with(|cell| {
            let mut source = match cell.take() {
                Some((owner, source)) if owner == process => source,
                _ => SeedSource::keyed((self.seed)(), (self.seed)()),
            };
            let value = source.next_u64();
            cell.set(Some((process, source)));
            value
        })
    }
}

/// A one-way generator: SipHash-2-4 keyed by a seed, over a counter. Unlike
/// [`SplitMix64`], whose outputs give its state away, its outputs reveal
/// neither the seed nor each other: what ids that a server or a proxy sees
/// are drawn from.
#[derive(Debug, Clone, Copy)]
pub struct SeedSource {
    k0: u64,
    k1: u64,
    counter: u64,
}

impl SeedSource {
    /// The sequence keyed by `seed`.
    pub fn new(seed: u64) -> Self {
        SeedSource {
            k0: seed,
            k1: seed.rotate_left(29) ^ 0x5ee0_5eed_7a5c_0de5,
            counter: 0,
        }
    }

    /// The sequence keyed by a 128-bit key (what [`ThreadRandom`] draws from).
    pub(crate) fn keyed(k0: u64, k1: u64) -> Self {
        SeedSource { k0, k1, counter: 0 }
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.counter = self.counter.wrapping_add(1);
        siphash24(self.k0, self.k1, self.counter)
    }

    /// A uniformly distributed number in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Moves past `draws` numbers without computing them: the numbers after
    /// are the ones they would have been (a draw a call may not need, such
    /// as a read's idempotency key, costs nothing).
    pub(crate) fn skip(&mut self, draws: u64) {
        self.counter = self.counter.wrapping_add(draws);
    }
}

/// SipHash-2-4 of one 64-bit word (eight little-endian bytes) under the key `(k0, k1)`.
fn siphash24(k0: u64, k1: u64, message: u64) -> u64 {
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    fn round(v: &mut [u64; 4]) {
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }
    // The message word, then the final block: its length (8) in the top byte.
    for block in [message, 8u64 << 56] {
        v[3] ^= block;
        round(&mut v);
        round(&mut v);
        v[0] ^= block;
    }
    v[2] ^= 0xff;
    for _ in 0..4 {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// A version-4 UUID from 128 bits of `random`.
pub(crate) fn uuid_v4(random: &mut SeedSource) -> uuid::Uuid {
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
    fn siphash_matches_the_reference_vector() {
        // The reference implementation's vector for key 00..0f and the message 00..07.
        let (k0, k1) = (0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908);
        assert_eq!(siphash24(k0, k1, 0x0706_0504_0302_0100), 0x93f5_f579_9a93_2462);
    }

    #[test]
    fn a_seed_source_is_deterministic_and_its_outputs_differ() {
        let (mut a, mut b) = (SeedSource::new(7), SeedSource::new(7));
        let first: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..4).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(SeedSource::new(8).next_u64(), first[0]);
        assert!(first.windows(2).all(|w| w[0] != w[1]));
    }

    #[test]
    fn skipped_draws_leave_the_later_ones_as_they_were() {
        let mut drawn = SeedSource::new(7);
        let all: Vec<u64> = (0..5).map(|_| drawn.next_u64()).collect();
        let mut skipping = SeedSource::new(7);
        assert_eq!(skipping.next_u64(), all[0]);
        skipping.skip(2);
        assert_eq!((skipping.next_u64(), skipping.next_u64()), (all[3], all[4]));
    }

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
    fn thread_random_keys_each_thread_once_from_two_draws() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static DRAWS: AtomicU64 = AtomicU64::new(0);
        fn seed() -> u64 {
            DRAWS.fetch_add(1, Ordering::SeqCst) + 100
        }
        let random = ThreadRandom::new(seed);
        let here = [random.next_u64(), random.next_u64(), random.next_u64()];
        assert_eq!(DRAWS.load(Ordering::SeqCst), 2, "one key a thread, two draws");
        let mut expected = SeedSource::keyed(100, 101);
        assert_eq!(here, [expected.next_u64(), expected.next_u64(), expected.next_u64()]);
        let there = std::thread::spawn(move || [random.next_u64(), random.next_u64()])
            .join()
            .unwrap();
        assert_eq!(DRAWS.load(Ordering::SeqCst), 4, "a new thread keys its own");
        let mut fresh = SeedSource::keyed(102, 103);
        assert_eq!(there, [fresh.next_u64(), fresh.next_u64()]);
        assert_eq!(random.next_u64(), expected.next_u64(), "this thread's sequence goes on");
    }

    #[test]
    fn thread_random_rekeys_in_another_process() {
        fn seed() -> u64 {
            7
        }
        let random = ThreadRandom::new(seed);
        random.next_u64();
        // What a forked child finds: its parent's source, under the parent's id.
        let parent = std::process::id().wrapping_add(1);
        THREAD_SOURCE.with(|cell| cell.set(Some((parent, SeedSource::keyed(1, 2)))));
        let mut parents = SeedSource::keyed(1, 2);
        let mut own = SeedSource::keyed(7, 7);
        let drawn = random.next_u64();
        assert_ne!(
            drawn,
            parents.next_u64(),
            "the child does not go on with its parent's sequence"
        );
        assert_eq!(drawn, own.next_u64(), "it keys its own");
    }

    #[test]
    fn uuids_are_version_4() {
        let id = uuid_v4(&mut SeedSource::new(1));
        assert_eq!(id.get_version_num(), 4);
        assert_ne!(id, uuid_v4(&mut SeedSource::new(2)));
    }
}
