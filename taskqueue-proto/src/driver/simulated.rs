//! `Simulated`: a transport made of a closure, on virtual time.

use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use http::Request;

use super::random::SplitMix64;
use super::{AsyncTransport, BlockingTransport, Outcome, TransportErrorKind};

/// One request a [`Simulated`] transport was given.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Sent {
    /// Virtual time since the transport's start when it was sent.
    pub at: Duration,
    /// The request, headers and body as sent.
    pub request: Request<Vec<u8>>,
    /// The attempt's timeout.
    pub timeout: Duration,
}

struct Log {
    elapsed: Duration,
    random: SplitMix64,
    sent: Vec<Sent>,
    sleeps: Vec<Duration>,
}

/// A [`BlockingTransport`] and [`AsyncTransport`] made from a closure that
/// answers each request, on virtual time: `sleep` moves a virtual clock
/// instead of waiting, each send takes a fixed virtual latency (none by
/// default; an answer of [`TransportErrorKind::Timeout`] takes the attempt's
/// whole timeout), and random numbers come from a seeded generator. Every send and
/// sleep is logged.
///
/// For tests and examples: "503, 503, then 200 after seconds of backoff" runs
/// in microseconds, with any executor.
///
/// ```
/// use std::time::{Duration, Instant};
/// use taskqueue_proto::driver::{IntoMachine, Simulated, run_blocking};
/// use taskqueue_proto::{CallOptions, Config, Error, ops::Health};
///
/// let mut calls = 0;
/// let transport = Simulated::new(Instant::now(), move |_request| {
///     calls += 1;
///     let status = if calls < 3 { 503 } else { 200 };
///     Ok(http::Response::builder().status(status).body(br#"{"status":"healthy"}"#.to_vec()).unwrap())
/// });
/// let call = Health.into_machine(&Config::default(), &CallOptions::new(), 7);
/// assert!(run_blocking(&transport, call)?.is_healthy());
/// assert_eq!(transport.sent().len(), 3);
/// assert_eq!(transport.sleeps().len(), 2);
/// assert!(transport.elapsed() > Duration::ZERO);
/// # Ok::<(), Error>(())
/// ```
pub struct Simulated<F> {
    respond: Mutex<F>,
    start: Instant,
    latency: Duration,
    log: Mutex<Log>,
}

impl<F> std::fmt::Debug for Simulated<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let log = self.log();
        f.debug_struct("Simulated")
            .field("elapsed", &log.elapsed)
            .field("sent", &log.sent.len())
            .field("sleeps", &log.sleeps.len())
            .finish_non_exhaustive()
    }
}

impl<F: FnMut(&Request<Vec<u8>>) -> Outcome> Simulated<F> {
    /// A transport whose virtual clock starts at `start` and whose every
    /// request is answered by `respond`.
    pub fn new(start: Instant, respond: F) -> Self {
        Simulated {
            respond: Mutex::new(respond),
            start,
            latency: Duration::ZERO,
            log: Mutex::new(Log {
                elapsed: Duration::ZERO,
                random: SplitMix64::new(0x5EED),
                sent: Vec::new(),
                sleeps: Vec::new(),
            }),
        }
    }

    /// Each send takes this much virtual time.
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Seeds the random numbers (request ids, keys, jitter).
    #[must_use]
    pub fn seed(self, seed: u64) -> Self {
        self.log().random = SplitMix64::new(seed);
        self
    }

    fn answer(&self, request: Request<Vec<u8>>, timeout: Duration) -> Outcome {
        let at = self.log().elapsed;
        let outcome = {
            let mut respond = self.respond.lock().unwrap_or_else(|p| p.into_inner());
            (respond)(&request)
        };
        let mut log = self.log();
        log.sent.push(Sent { at, request, timeout });
        // A timed-out attempt took its whole timeout; any other, the latency.
        let took = match &outcome {
            Err(e) if e.kind() == TransportErrorKind::Timeout => timeout,
            _ => self.latency,
        };
        log.elapsed = log.elapsed.saturating_add(took);
        outcome
    }
}

impl<F> Simulated<F> {
    fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Virtual time since the start.
    pub fn elapsed(&self) -> Duration {
        self.log().elapsed
    }

    /// Every request sent so far, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.log().sent.clone()
    }

    /// Every sleep asked for so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.log().sleeps.clone()
    }

    fn advance(&self, duration: Duration) {
        let mut log = self.log();
        log.sleeps.push(duration);
        log.elapsed = log.elapsed.saturating_add(duration);
    }

    fn clock(&self) -> Instant {
        let elapsed = self.log().elapsed;
        self.start.checked_add(elapsed).unwrap_or(self.start)
    }

    fn draw(&self) -> u64 {
        self.log().random.next_u64()
    }
}

impl<F: FnMut(&Request<Vec<u8>>) -> Outcome> BlockingTransport for Simulated<F> {
    fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Outcome {
        self.answer(request, timeout)
    }
    fn sleep(&self, duration: Duration) {
        self.advance(duration);
    }
    fn now(&self) -> Instant {
        self.clock()
    }
    fn random_u64(&self) -> u64 {
        self.draw()
    }
}

impl<F: FnMut(&Request<Vec<u8>>) -> Outcome + Send> AsyncTransport for Simulated<F> {
    fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> impl Future<Output = Outcome> + Send {
        std::future::ready(self.answer(request, timeout))
    }
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        self.advance(duration);
        std::future::ready(())
    }
    fn now(&self) -> Instant {
        self.clock()
    }
    fn random_u64(&self) -> u64 {
        self.draw()
    }
}
