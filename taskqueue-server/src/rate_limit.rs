//! `--rate-limit N`: at most N requests per second per client address, as a
//! token bucket of N tokens refilled at N per second.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

/// Token buckets per client address.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_second: f64,
    buckets: HashMap<IpAddr, (f64, Instant)>,
}

impl RateLimiter {
    pub(crate) fn new(per_second: u32) -> Self {
        RateLimiter {
            per_second: f64::from(per_second.max(1)),
            buckets: HashMap::new(),
        }
    }

    /// `Ok` if the request may go ahead; otherwise the whole seconds to wait.
    pub(crate) fn check(&mut self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let rate = self.per_second;
        let (tokens, last) = self.buckets.entry(client).or_insert((rate, now));
        let elapsed = now.saturating_duration_since(*last).as_secs_f64();
        *tokens = (*tokens + elapsed * rate).min(rate);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - *tokens) / rate;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_n_per_second_per_client() {
        let mut limiter = RateLimiter::new(2);
        let now = Instant::now();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(limiter.check(a, now).is_ok());
        assert!(limiter.check(a, now).is_ok());
        assert_eq!(limiter.check(a, now), Err(1));
        assert!(limiter.check(b, now).is_ok(), "another client has its own bucket");
        assert!(limiter.check(a, now + Duration::from_millis(500)).is_ok(), "refilled");
    }
}
