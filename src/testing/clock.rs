//! The virtual time and randomness the test transports share: sleeping
//! moves the clock, nothing waits.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::driver::SplitMix64;

/// A clock that only sleeping moves, and a seeded generator.
#[derive(Debug)]
pub(crate) struct VirtualClock {
    start: Instant,
    state: Mutex<(Duration, SplitMix64)>,
}

impl VirtualClock {
    pub(crate) fn new(seed: u64) -> Self {
        VirtualClock {
            start: Instant::now(),
            state: Mutex::new((Duration::ZERO, SplitMix64::new(seed))),
        }
    }

    fn state(&self) -> MutexGuard<'_, (Duration, SplitMix64)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.state().0
    }

    pub(crate) fn advance(&self, by: Duration) {
        let mut state = self.state();
        state.0 = state.0.saturating_add(by);
    }

    pub(crate) fn now(&self) -> Instant {
        self.start.checked_add(self.elapsed()).unwrap_or(self.start)
    }

    pub(crate) fn random(&self) -> u64 {
        self.state().1.next_u64()
    }

    pub(crate) fn reseed(&self, seed: u64) {
        self.state().1 = SplitMix64::new(seed);
    }
}

/// Implements both transport traits for a type with a `clock()` and an
/// `answer(request, timeout)` on virtual time.
macro_rules! virtual_transport {
    ($($ty:ty),+) => {$(
        impl crate::driver::BlockingTransport for $ty {
            fn send(&self, request: http::Request<Vec<u8>>, timeout: std::time::Duration) -> crate::driver::Outcome {
                self.answer(request, timeout)
            }
            fn sleep(&self, duration: std::time::Duration) {
                self.clock().advance(duration);
            }
            fn now(&self) -> std::time::Instant {
                self.clock().now()
            }
            fn random_u64(&self) -> u64 {
                self.clock().random()
            }
        }

        impl crate::driver::AsyncTransport for $ty {
            fn send(
                &self,
                request: http::Request<Vec<u8>>,
                timeout: std::time::Duration,
            ) -> impl std::future::Future<Output = crate::driver::Outcome> + Send {
                std::future::ready(self.answer(request, timeout))
            }
            fn sleep(&self, duration: std::time::Duration) -> impl std::future::Future<Output = ()> + Send {
                self.clock().advance(duration);
                std::future::ready(())
            }
            fn now(&self) -> std::time::Instant {
                self.clock().now()
            }
            fn random_u64(&self) -> u64 {
                self.clock().random()
            }
        }
    )+};
}

pub(crate) use virtual_transport;

/// `GET /api/tasks?limit=5`: a request as the kit's messages name it.
pub(crate) fn described(request: &http::Request<Vec<u8>>) -> String {
    format!(
        "{} {}",
        request.method(),
        request.uri().path_and_query().map_or("/", |p| p.as_str())
    )
}

/// Panics with `what` and the problems, a line each, unless there are none.
#[allow(clippy::panic)] // the kit's `verify`: failing loudly is its job
pub(crate) fn assert_no_problems(what: &str, problems: &[String]) {
    if !problems.is_empty() {
        panic!("{what}:\n  - {}", problems.join("\n  - "));
    }
}
