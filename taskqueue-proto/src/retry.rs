//! The retry policy: which failures are retried and how long to wait, the
//! one rule for writes whose outcome is in doubt, and a shared budget so
//! retries cannot storm a struggling server. Pure: the random jitter and the
//! time left are passed in.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::{Error, TimeoutKind};

/// The statuses retried by default: 408, 429, 500, 502, 503, 504.
pub const DEFAULT_RETRYABLE_STATUSES: &[u16] = &[408, 429, 500, 502, 503, 504];

/// The error code of a 409 that says a request under the same
/// `Idempotency-Key` is still being handled: retried like a 503.
pub const KEY_IN_USE: &str = "idempotency_key_in_use";

/// The most attempts a policy may make.
pub const MAX_ATTEMPTS: u32 = 100;
/// The longest wait a policy may set (a backoff, or a `Retry-After` it waits out).
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// Whether a failed attempt may already have been applied by the server.
///
/// This is the SDK's one rule for writes under ambiguity: a request that may
/// already have been applied is sent again only when repeating it is harmless
/// (a read, a `PUT`, a `DELETE`, a write the operation declares repeatable)
/// or the server deduplicates it (an `Idempotency-Key` in a dialect that
/// honours it, [`Dialect::deduplicates_writes`](crate::Dialect::deduplicates_writes));
/// otherwise the SDK reconciles or reports [`Error::OutcomeUnknown`].
///
/// Not applied: a failure before anything was sent (connection refused, DNS,
/// a connect timeout) and a status that says the request was refused or not
/// processed (every 4xx, 408 and 429 included). May have been applied: a
/// timeout or a broken connection after sending, a truncated or undecodable
/// reply, and any 5xx, from the server or from anything on the way.
pub fn may_have_been_applied(error: &Error, sent: bool) -> bool {
    match error {
        Error::Connection { sent, .. } => *sent,
        Error::Timeout {
            kind: TimeoutKind::Connect,
            ..
        } => false,
        Error::Timeout { .. } => sent,
        Error::Decode { .. } | Error::ResponseTooLarge { .. } => sent,
        other => other.status().is_some_and(|s| s.is_server_error()),
    }
}

/// When and how often a failed attempt is tried again.
///
/// The wait before retry *n* (1-based) is drawn uniformly from
/// `[0, min(max_backoff, initial_backoff × 2^(n-1))]` ("full jitter"). A
/// `Retry-After` from the server raises the wait to at least that long; one
/// longer than `max_retry_after`, or one that would end past the call's
/// deadline, stops the call at once with the server's error.
///
/// What is retried:
/// - connection failures before the request was sent, always;
/// - the statuses in [`retryable_statuses`](RetryPolicy::retryable_statuses)
///   (408, 429, 500, 502, 503, 504), and timeouts and broken connections
///   after sending, when sending the request again is harmless (see
///   [`may_have_been_applied`] for the rule);
/// - for a write that is not, only 408 and 429, which say the request was
///   not processed: a 5xx may come after a create was applied.
///
/// A policy is a plain value: two policies with the same settings are equal.
/// The fleet state it asks for — the shared [`RetryBudget`] and the adaptive
/// mode's [`AdaptiveRateLimiter`](crate::AdaptiveRateLimiter) — belongs to the
/// [`Config`](crate::Config) (so to a client, its clones and its views), made
/// once when the config is built from the config's policy. A policy given for
/// one call ([`CallOptions::retry`](crate::CallOptions::retry)) changes that
/// call's attempts and backoff only; it cannot switch the client's budget or
/// limiter off, nor give the call one of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    retryable_statuses: Vec<u16>,
    budget: bool,
    adaptive: bool,
}

impl Default for RetryPolicy {
    /// 3 attempts, 1 s initial backoff, 30 s cap, `Retry-After` honoured up to
    /// 60 s, a [`RetryBudget::standard`] for the config built with it (shared
    /// by every clone of the config, so by a client's clones), no rate limiter.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            retryable_statuses: DEFAULT_RETRYABLE_STATUSES.to_vec(),
            budget: true,
            adaptive: false,
        }
    }
}

/// Why the policy stopped retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUp {
    /// The failure is not one that a retry can fix.
    NotRetryable,
    /// The request might have been applied and is not idempotent.
    NotIdempotent,
    /// Every allowed attempt was made.
    AttemptsExhausted,
    /// The server asked for a wait longer than `max_retry_after`.
    RetryAfterTooLong,
    /// The wait would end after the call's deadline.
    DeadlineWouldPass,
    /// The shared retry budget is empty.
    BudgetExhausted,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Wait this long, then send the request again.
    Retry(Duration),
    /// Stop, and return the attempt's error.
    GiveUp(GiveUp),
}

/// What the policy needs to know about a failed attempt.
///
/// ```
/// use taskqueue_proto::{Error, RetryPolicy, retry::{Attempt, RetryDecision}};
/// let error = Error::connection("reset", false);
/// let attempt = Attempt::new(&error, false, false, 1).jitter(0.5);
/// assert!(matches!(RetryPolicy::default().decide(&attempt), RetryDecision::Retry(_)));
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// The attempt's error.
    pub error: &'a Error,
    /// Whether the request may have reached the server (false only for
    /// failures before anything was sent).
    pub sent: bool,
    /// Whether sending the request again is harmless even if it was applied:
    /// a read, a `PUT` or `DELETE`, a write the operation declares
    /// repeatable, or a keyed write the server deduplicates.
    pub idempotent: bool,
    /// How many attempts were made so far, this one included (1 after the first).
    pub attempts_made: u32,
    /// Time left before the call's deadline, if it has one.
    pub time_left: Option<Duration>,
    /// A uniformly random number in `[0, 1)` for the jitter.
    pub jitter: f64,
}

impl<'a> Attempt<'a> {
    /// The `attempts_made`-th attempt (1 for the first), failed with
    /// `error`; no deadline, jitter 0.
    pub fn new(error: &'a Error, sent: bool, idempotent: bool, attempts_made: u32) -> Self {
        Attempt {
            error,
            sent,
            idempotent,
            attempts_made,
            time_left: None,
            jitter: 0.0,
        }
    }

    /// With `left` before the call's deadline.
    #[must_use]
    pub fn time_left(mut self, left: Duration) -> Self {
        self.time_left = Some(left);
        self
    }

    /// With this draw in `[0, 1)` for the jitter.
    #[must_use]
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter;
        self
    }
}

impl RetryPolicy {
    /// The default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// The AWS SDKs' adaptive mode: the default policy (standard budget
    /// included) asking for an [`AdaptiveRateLimiter`](crate::AdaptiveRateLimiter)
    /// that slows every call of the config built with it when the server
    /// throttles, and speeds up again gradually.
    pub fn adaptive() -> Self {
        RetryPolicy {
            adaptive: true,
            ..Self::default()
        }
    }

    /// A policy that never retries (one attempt).
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (default 3; at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }
    /// The upper bound of the first retry's wait (default 1 s).
    #[must_use]
    pub fn with_initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }
    /// The largest upper bound of a wait (default 30 s).
    #[must_use]
    pub fn with_max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }
    /// The longest `Retry-After` the client waits out (default 60 s).
    #[must_use]
    pub fn with_max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }
    /// Replaces the statuses that are retried.
    #[must_use]
    pub fn with_retryable_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.retryable_statuses = statuses.into_iter().collect();
        self
    }
    /// No retry budget for the config built with this policy: every failure
    /// the policy retries is retried, however many calls fail at once (a
    /// fleet can then multiply a struggling server's load).
    #[must_use]
    pub fn without_budget(mut self) -> Self {
        self.budget = false;
        self
    }

    /// Attempts in all, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }
    /// The upper bound of the first retry's wait.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }
    /// The largest upper bound of a wait.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }
    /// The longest `Retry-After` the client waits out.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }
    /// The statuses that are retried.
    pub fn retryable_statuses(&self) -> &[u16] {
        &self.retryable_statuses
    }
    /// Whether a config built with this policy has a retry budget.
    pub fn uses_budget(&self) -> bool {
        self.budget
    }
    /// Whether a config built with this policy runs in adaptive mode.
    pub fn is_adaptive(&self) -> bool {
        self.adaptive
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if !(1..=MAX_ATTEMPTS).contains(&self.max_attempts) {
            return Err(Error::invalid_input(
                "retry.max_attempts",
                format!("must be 1 to {MAX_ATTEMPTS}"),
            ));
        }
        let bounded = [
            ("retry.initial_backoff", self.initial_backoff),
            ("retry.max_backoff", self.max_backoff),
            ("retry.max_retry_after", self.max_retry_after),
        ];
        if let Some((field, _)) = bounded.iter().find(|(_, d)| *d > MAX_WAIT) {
            return Err(Error::invalid_input(*field, "must be at most one day"));
        }
        if self.initial_backoff > self.max_backoff {
            return Err(Error::invalid_input(
                "retry.initial_backoff",
                "must not exceed max_backoff",
            ));
        }
        Ok(())
    }

    /// The wait before retry number `retry` (1-based), for a jitter in `[0, 1)`.
    pub fn backoff(&self, retry: u32, jitter: f64) -> Duration {
        let exp = retry.saturating_sub(1).min(31);
        let ceiling = self.initial_backoff.saturating_mul(1u32 << exp).min(self.max_backoff);
        // NaN (or any jitter outside [0, 1]) is clamped, never a panic.
        let jitter = if jitter.is_nan() { 0.0 } else { jitter.clamp(0.0, 1.0) };
        ceiling.mul_f64(jitter)
    }

    /// Whether this status is retried.
    pub fn retries_status(&self, status: u16) -> bool {
        self.retryable_statuses.contains(&status)
    }

    /// Decides whether to retry after a failed attempt. Does not touch the budget.
    pub fn decide(&self, attempt: &Attempt<'_>) -> RetryDecision {
        let error = attempt.error;
        let retryable = match error {
            Error::Connection { .. } | Error::Timeout { .. } => true,
            // The first send under this key is still being handled (the
            // retry after a timeout overtook it): ask again shortly.
            Error::Conflict(api) if api.code.as_deref() == Some(KEY_IN_USE) => true,
            _ => error.status().is_some_and(|s| self.retries_status(s.as_u16())),
        };
        if !retryable {
            return RetryDecision::GiveUp(GiveUp::NotRetryable);
        }
        if !attempt.idempotent && may_have_been_applied(error, attempt.sent) {
            return RetryDecision::GiveUp(GiveUp::NotIdempotent);
        }
        if attempt.attempts_made >= self.max_attempts {
            return RetryDecision::GiveUp(GiveUp::AttemptsExhausted);
        }
        let mut wait = self.backoff(attempt.attempts_made, attempt.jitter);
        if let Some(asked) = error.retry_after() {
            if asked > self.max_retry_after {
                return RetryDecision::GiveUp(GiveUp::RetryAfterTooLong);
            }
            wait = wait.max(asked);
        }
        if attempt.time_left.is_some_and(|left| wait >= left) {
            return RetryDecision::GiveUp(GiveUp::DeadlineWouldPass);
        }
        RetryDecision::Retry(wait)
    }
}

/// A token bucket shared across calls (and clients) that caps how many
/// retries can happen when many calls fail at once. Cloning shares the bucket.
///
/// With [`RetryBudget::standard`] (the AWS SDKs' values) the bucket holds 500
/// tokens; a retry costs 5 (10 after a timeout); a call that succeeds on its
/// first attempt puts 1 back, one that succeeds after retries puts back what
/// its retries took.
#[derive(Debug, Clone)]
pub struct RetryBudget {
    tokens: Arc<AtomicU32>,
    capacity: u32,
    retry_cost: u32,
    timeout_retry_cost: u32,
    success_refund: u32,
}

impl PartialEq for RetryBudget {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.tokens, &other.tokens)
    }
}

impl RetryBudget {
    /// The AWS standard values: 500 tokens, retry cost 5, timeout retry cost 10, refund 1.
    pub fn standard() -> Self {
        Self::new(500, 5, 10, 1)
    }

    /// A bucket of `capacity` tokens with the given costs.
    pub fn new(capacity: u32, retry_cost: u32, timeout_retry_cost: u32, success_refund: u32) -> Self {
        RetryBudget {
            tokens: Arc::new(AtomicU32::new(capacity)),
            capacity,
            retry_cost,
            timeout_retry_cost,
            success_refund,
        }
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    /// What a retry after this error costs.
    pub fn cost_of(&self, error: &Error) -> u32 {
        match error {
            Error::Timeout { .. } => self.timeout_retry_cost,
            _ => self.retry_cost,
        }
    }

    /// Takes `cost` tokens; false (and nothing taken) if there are not enough.
    pub fn try_acquire(&self, cost: u32) -> bool {
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Puts tokens back after a call succeeded: what its retries took, or the
    /// success refund if it needed none. Never above capacity.
    pub fn release(&self, spent_on_retries: u32) {
        let amount = if spent_on_retries == 0 {
            self.success_refund
        } else {
            spent_on_retries
        };
        let capacity = self.capacity;
        let _ = self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
            Some(t.saturating_add(amount).min(capacity))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Missing, error_from_response};
    use http::{HeaderMap, StatusCode};

    fn status_error(status: u16, retry_after: Option<&str>) -> Error {
        let mut h = HeaderMap::new();
        if let Some(ra) = retry_after {
            h.insert(http::header::RETRY_AFTER, ra.parse().unwrap());
        }
        error_from_response(StatusCode::from_u16(status).unwrap(), &h, b"", Missing::Nothing)
    }

    fn key_in_use() -> Error {
        let body = br#"{"error":"idempotency_key_in_use","message":"still being handled"}"#;
        error_from_response(StatusCode::CONFLICT, &HeaderMap::new(), body, Missing::Nothing)
    }

    fn connection(sent: bool) -> Error {
        Error::connection("reset", sent)
    }

    fn timeout() -> Error {
        Error::timeout(crate::TimeoutKind::Attempt, Duration::from_secs(30))
    }

    fn decide(error: &Error, sent: bool, idempotent: bool, attempts_made: u32) -> RetryDecision {
        RetryPolicy::default().decide(&Attempt {
            error,
            sent,
            idempotent,
            attempts_made,
            time_left: None,
            jitter: 0.5,
        })
    }

    use RetryDecision::Retry;

    #[allow(non_snake_case)]
    fn GiveUp(reason: GiveUp) -> RetryDecision {
        RetryDecision::GiveUp(reason)
    }
    use GiveUp::*;

    /// The decision table: (failure, sent, idempotent) → decision on the first failure.
    #[test]
    fn decision_table() {
        let half_second = Retry(Duration::from_millis(500));
        let cases: Vec<(&str, Error, bool, bool, RetryDecision)> = vec![
            ("408 GET", status_error(408, None), true, true, half_second),
            ("429 POST unkeyed", status_error(429, None), true, false, half_second),
            ("500 GET", status_error(500, None), true, true, half_second),
            ("502 PUT", status_error(502, None), true, true, half_second),
            ("503 DELETE", status_error(503, None), true, true, half_second),
            ("504 keyed POST", status_error(504, None), true, true, half_second),
            (
                "500 unkeyed POST: may have been applied",
                status_error(500, None),
                true,
                false,
                GiveUp(NotIdempotent),
            ),
            (
                "503 unkeyed POST",
                status_error(503, None),
                true,
                false,
                GiveUp(NotIdempotent),
            ),
            (
                "408 unkeyed POST: not processed",
                status_error(408, None),
                true,
                false,
                half_second,
            ),
            ("400", status_error(400, None), true, true, GiveUp(NotRetryable)),
            ("401", status_error(401, None), true, true, GiveUp(NotRetryable)),
            ("404", status_error(404, None), true, true, GiveUp(NotRetryable)),
            ("409", status_error(409, None), true, true, GiveUp(NotRetryable)),
            ("409 key in use, keyed POST", key_in_use(), true, true, half_second),
            ("501", status_error(501, None), true, true, GiveUp(NotRetryable)),
            ("refused, unkeyed POST", connection(false), false, false, half_second),
            ("refused, GET", connection(false), false, true, half_second),
            ("reset after send, GET", connection(true), true, true, half_second),
            (
                "reset after send, keyed POST",
                connection(true),
                true,
                true,
                half_second,
            ),
            (
                "reset after send, unkeyed POST",
                connection(true),
                true,
                false,
                GiveUp(NotIdempotent),
            ),
            ("timeout, PUT", timeout(), true, true, half_second),
            ("timeout, unkeyed POST", timeout(), true, false, GiveUp(NotIdempotent)),
            (
                "decode",
                Error::invalid_input("x", "y"),
                true,
                true,
                GiveUp(NotRetryable),
            ),
        ];
        for (name, error, sent, idempotent, expected) in cases {
            assert_eq!(decide(&error, sent, idempotent, 1), expected, "{name}");
        }
    }

    #[test]
    fn the_third_failure_exhausts_three_attempts() {
        assert_eq!(
            decide(&status_error(503, None), true, true, 2),
            Retry(Duration::from_secs(1))
        );
        assert_eq!(
            decide(&status_error(503, None), true, true, 3),
            GiveUp(AttemptsExhausted)
        );
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_full_jitter() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1, 0.999_999), Duration::from_secs(1).mul_f64(0.999_999));
        assert_eq!(p.backoff(3, 1.0), Duration::from_secs(4));
        assert_eq!(p.backoff(6, 1.0), Duration::from_secs(30));
        assert_eq!(p.backoff(40, 1.0), Duration::from_secs(30));
        assert_eq!(p.backoff(2, 0.0), Duration::ZERO);
        assert_eq!(p.backoff(2, 0.25), Duration::from_millis(500));
    }

    #[test]
    fn retry_after_raises_the_wait() {
        let e = status_error(429, Some("7"));
        assert_eq!(decide(&e, true, false, 1), Retry(Duration::from_secs(7)));
        let short = status_error(503, Some("0"));
        assert_eq!(decide(&short, true, true, 1), Retry(Duration::from_millis(500)));
    }

    #[test]
    fn retry_after_beyond_the_limit_stops_at_once() {
        let e = status_error(429, Some("61"));
        assert_eq!(decide(&e, true, true, 1), GiveUp(RetryAfterTooLong));
    }

    #[test]
    fn a_wait_past_the_deadline_stops_at_once() {
        let e = status_error(429, Some("10"));
        let d = RetryPolicy::default().decide(&Attempt {
            error: &e,
            sent: true,
            idempotent: true,
            attempts_made: 1,
            time_left: Some(Duration::from_secs(5)),
            jitter: 0.0,
        });
        assert_eq!(d, GiveUp(DeadlineWouldPass));
    }

    #[test]
    fn custom_statuses_replace_the_defaults() {
        let p = RetryPolicy::default().with_retryable_statuses([418]);
        assert!(p.retries_status(418));
        assert!(!p.retries_status(503));
    }

    #[test]
    fn budget_takes_costs_and_refunds_up_to_capacity() {
        let b = RetryBudget::standard();
        assert_eq!(b.cost_of(&timeout()), 10);
        assert_eq!(b.cost_of(&status_error(503, None)), 5);
        assert!(b.try_acquire(10));
        assert_eq!(b.available(), 490);
        b.release(10);
        assert_eq!(b.available(), 500);
        b.release(0);
        assert_eq!(b.available(), 500, "never above capacity");
        let small = RetryBudget::new(7, 5, 10, 1);
        assert!(small.try_acquire(5));
        assert!(!small.try_acquire(5));
        assert_eq!(small.available(), 2);
        let shared = small.clone();
        shared.release(0);
        assert_eq!(small.available(), 3, "clones share one bucket");
    }

    #[test]
    fn zero_attempts_is_invalid() {
        assert!(RetryPolicy::default().with_max_attempts(0).validate().is_err());
        assert!(RetryPolicy::never().validate().is_ok());
    }
}
