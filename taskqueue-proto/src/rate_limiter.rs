//! [`AdaptiveRateLimiter`]: a client-side send rate that falls when the
//! server throttles and climbs back gradually — the scheme of the AWS SDKs'
//! adaptive retry mode (a token bucket whose fill rate follows CUBIC), with
//! time passed in: no clock is read here.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The lowest send rate the limiter falls to, in requests per second.
pub const MIN_FILL_RATE: f64 = 0.5;
/// The bucket never holds less than one request's token.
const MIN_CAPACITY: f64 = 1.0;
/// How much of the newest measurement the measured rate takes.
const SMOOTH: f64 = 0.8;
/// The share of the rate kept after a throttle (CUBIC's β).
const BETA: f64 = 0.7;
/// How fast the rate climbs back after a throttle (CUBIC's C).
const SCALE_CONSTANT: f64 = 0.4;
/// The shortest wait the limiter asks for.
const MIN_WAIT: Duration = Duration::from_millis(1);
/// The width of a rate-measuring bucket, in seconds.
const MEASURE_BUCKET: f64 = 0.5;

/// A send-rate limiter shared by every call of the clients whose
/// [`RetryPolicy`](crate::RetryPolicy) holds it (cloning shares it).
///
/// Until the server first throttles (a 429, or a 503 with `Retry-After`),
/// it lets everything through. From then on each send takes a token from a
/// bucket refilled at the *fill rate*: a throttle cuts the rate to 70 % of
/// the rate measured, each success lets it climb back along a cubic curve
/// towards (and past) the rate it had when throttled, never above twice the
/// rate measured. A call that finds the bucket empty waits (its driver
/// sleeps) until a token is there.
///
/// ```
/// use std::time::{Duration, Instant};
/// use taskqueue_proto::AdaptiveRateLimiter;
///
/// let limiter = AdaptiveRateLimiter::new();
/// let t0 = Instant::now();
/// assert_eq!(limiter.acquire(t0), Ok(()), "nothing is held back before a throttle");
/// for i in 0..20 {
///     limiter.record(t0 + Duration::from_millis(50 * i), true); // the server throttles
/// }
/// assert!(limiter.fill_rate() <= 1.0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct AdaptiveRateLimiter {
    state: Arc<Mutex<State>>,
}

impl PartialEq for AdaptiveRateLimiter {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }
}

#[derive(Debug, Default)]
struct State {
    /// The instant time is measured from (the first one seen).
    epoch: Option<Instant>,
    enabled: bool,
    fill_rate: f64,
    max_capacity: f64,
    capacity: f64,
    last_refill: Option<f64>,
    measured_rate: f64,
    bucket_start: f64,
    requests_in_bucket: u64,
    last_max_rate: f64,
    last_throttle: f64,
    time_window: f64,
}

impl State {
    fn seconds(&mut self, now: Instant) -> f64 {
        let epoch = *self.epoch.get_or_insert(now);
        now.saturating_duration_since(epoch).as_secs_f64()
    }

    fn refill(&mut self, t: f64) {
        if let Some(last) = self.last_refill {
            let added = (t - last).max(0.0) * self.fill_rate;
            self.capacity = (self.capacity + added).min(self.max_capacity);
        }
        self.last_refill = Some(t);
    }

    fn measure(&mut self, t: f64) {
        let bucket = (t / MEASURE_BUCKET).floor() * MEASURE_BUCKET;
        self.requests_in_bucket += 1;
        if bucket > self.bucket_start {
            let rate = self.requests_in_bucket as f64 / (bucket - self.bucket_start);
            self.measured_rate = rate * SMOOTH + self.measured_rate * (1.0 - SMOOTH);
            self.requests_in_bucket = 0;
            self.bucket_start = bucket;
        }
    }

    fn set_rate(&mut self, t: f64, rate: f64) {
        self.refill(t);
        self.fill_rate = rate.max(MIN_FILL_RATE);
        self.max_capacity = rate.max(MIN_CAPACITY);
        self.capacity = self.capacity.min(self.max_capacity);
    }

    fn time_window(&self) -> f64 {
        (self.last_max_rate * (1.0 - BETA) / SCALE_CONSTANT).cbrt()
    }
}

impl AdaptiveRateLimiter {
    /// A limiter that has seen no throttle yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update leaves the state consistent before anything can panic.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes a send token at `now`: `Ok` to send, or how long to wait for one.
    ///
    /// # Errors
    ///
    /// How long to wait before a token is there (the send must wait; nothing is taken).
    pub fn acquire(&self, now: Instant) -> Result<(), Duration> {
        let mut s = self.lock();
        if !s.enabled {
            return Ok(());
        }
        let t = s.seconds(now);
        s.refill(t);
        if s.capacity >= 1.0 {
            s.capacity -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - s.capacity) / s.fill_rate;
        // At least a millisecond: a wait rounded down to nothing would not refill anything.
        let wait = Duration::try_from_secs_f64(wait).unwrap_or(Duration::from_secs(1));
        Err(wait.max(MIN_WAIT))
    }

    /// Records the answer to a send at `now`: whether the server throttled.
    pub fn record(&self, now: Instant, throttled: bool) {
        let mut s = self.lock();
        let t = s.seconds(now);
        s.measure(t);
        let rate = if throttled {
            let rate_to_use = if s.enabled {
                s.measured_rate.min(s.fill_rate)
            } else {
                s.measured_rate
            };
            s.last_max_rate = rate_to_use;
            s.time_window = s.time_window();
            s.last_throttle = t;
            s.enabled = true;
            rate_to_use * BETA
        } else {
            s.time_window = s.time_window();
            SCALE_CONSTANT * (t - s.last_throttle - s.time_window).powi(3) + s.last_max_rate
        };
        if s.enabled {
            let new_rate = rate.min(2.0 * s.measured_rate);
            s.set_rate(t, new_rate);
        }
    }

    /// Whether a throttle has been seen (before one, nothing is held back).
    pub fn is_enabled(&self) -> bool {
        self.lock().enabled
    }

    /// The current send rate in requests per second (meaningful once enabled).
    pub fn fill_rate(&self) -> f64 {
        self.lock().fill_rate
    }

    /// The send rate measured, in requests per second.
    pub fn measured_rate(&self) -> f64 {
        self.lock().measured_rate
    }
}

/// Whether a response says the server is throttling: a 429, or a 503 with `Retry-After`.
pub fn is_throttling(response: &http::Response<Vec<u8>>) -> bool {
    let status = response.status().as_u16();
    status == 429 || (status == 503 && response.headers().contains_key(http::header::RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends at `per_second` from `from` for `seconds`, recording each answer.
    fn traffic(l: &AdaptiveRateLimiter, from: Instant, seconds: f64, per_second: f64, throttled: bool) -> (u32, u32) {
        let (mut sent, mut held) = (0, 0);
        let n = (seconds * per_second) as u64;
        for i in 0..n {
            let at = from + Duration::from_secs_f64(i as f64 / per_second);
            match l.acquire(at) {
                Ok(()) => {
                    sent += 1;
                    l.record(at, throttled);
                }
                Err(_) => held += 1,
            }
        }
        (sent, held)
    }

    #[test]
    fn nothing_is_held_back_before_a_throttle() {
        let l = AdaptiveRateLimiter::new();
        let t0 = Instant::now();
        assert_eq!(traffic(&l, t0, 2.0, 100.0, false), (200, 0));
        assert!(!l.is_enabled());
        assert!((l.measured_rate() - 100.0).abs() < 20.0, "{}", l.measured_rate());
    }

    #[test]
    fn throttles_cut_the_rate_and_successes_bring_it_back() {
        let l = AdaptiveRateLimiter::new();
        let t0 = Instant::now();
        traffic(&l, t0, 2.0, 100.0, false);
        // Three seconds of throttling: the rate falls far below what was offered.
        let (sent, held) = traffic(&l, t0 + Duration::from_secs(2), 3.0, 100.0, true);
        assert!(l.is_enabled());
        assert!(held > 200, "sent {sent}, held back {held}");
        let low = l.fill_rate();
        assert!(low < 10.0, "{low}");
        // The server recovers: the rate climbs back, gradually.
        let (sent_first, _) = traffic(&l, t0 + Duration::from_secs(5), 1.0, 100.0, false);
        let (sent_later, _) = traffic(&l, t0 + Duration::from_secs(9), 1.0, 100.0, false);
        assert!(l.fill_rate() > low, "{} > {low}", l.fill_rate());
        assert!(sent_later > sent_first, "{sent_later} > {sent_first}");
    }

    #[test]
    fn a_held_back_send_is_told_how_long_to_wait() {
        let l = AdaptiveRateLimiter::new();
        let t0 = Instant::now();
        l.record(t0, true);
        assert!(l.is_enabled());
        assert_eq!(l.fill_rate(), MIN_FILL_RATE, "nothing measured yet: the floor");
        // The bucket starts empty: one token takes 2 s at 0.5 per second.
        let wait = l.acquire(t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(2));
        assert_eq!(l.acquire(t0 + wait), Ok(()));
        assert!(l.acquire(t0 + wait).is_err(), "one token, spent");
    }

    #[test]
    fn clones_share_the_rate() {
        let a = AdaptiveRateLimiter::new();
        let b = a.clone();
        a.record(Instant::now(), true);
        assert!(b.is_enabled());
        assert_eq!(a, b);
        assert_ne!(a, AdaptiveRateLimiter::new());
    }

    #[test]
    fn throttling_is_a_429_or_a_503_with_retry_after() {
        let r = |status: u16, retry_after: bool| {
            let mut b = http::Response::builder().status(status);
            if retry_after {
                b = b.header("retry-after", "1");
            }
            b.body(Vec::new()).unwrap()
        };
        assert!(is_throttling(&r(429, false)));
        assert!(is_throttling(&r(503, true)));
        assert!(!is_throttling(&r(503, false)));
        assert!(!is_throttling(&r(500, true)));
    }
}
