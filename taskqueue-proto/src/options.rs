//! `CallOptions`: per-call settings that override the [`Config`](crate::Config)'s.

use crate::setters::option_setters;
use std::time::Duration;

use crate::RetryPolicy;

/// The default number of requests a batch keeps in flight.
pub const DEFAULT_BATCH_CONCURRENCY: usize = 8;

/// Per-call settings that override the [`Config`](crate::Config)'s.
///
/// ```
/// use std::time::Duration;
/// use taskqueue_proto::{CallOptions, RetryPolicy};
/// let options = CallOptions::new()
///     .timeout(Duration::from_secs(5))
///     .total_timeout(Duration::from_secs(20))
///     .retry(RetryPolicy::never());
/// assert_eq!(options.timeout, Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CallOptions {
    /// Per-attempt timeout.
    pub timeout: Option<Duration>,
    /// Deadline for the whole call, retries and sleeps included.
    pub total_timeout: Option<Duration>,
    /// Retry policy.
    pub retry: Option<RetryPolicy>,
    /// An idempotency key of the caller's choosing (1–255 visible ASCII
    /// characters) instead of a generated one; sent on any POST.
    pub idempotency_key: Option<String>,
    /// How many creates a batch keeps in flight (default
    /// [`DEFAULT_BATCH_CONCURRENCY`], at least 1).
    pub batch_concurrency: Option<usize>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }
    option_setters! {
        /// Overrides the per-attempt timeout.
        timeout: Duration;
        /// Sets a deadline for the whole call.
        total_timeout: Duration;
        /// Overrides the retry policy.
        retry: RetryPolicy;
        /// Uses this idempotency key.
        idempotency_key: impl Into<String> => into;
    }
    /// Keeps at most `concurrency` creates of a batch in flight (at least 1).
    pub fn batch_concurrency(mut self, concurrency: usize) -> Self {
        self.batch_concurrency = Some(concurrency.max(1));
        self
    }
}
