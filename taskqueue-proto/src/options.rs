//! `CallOptions`: per-call settings that override the [`Config`](crate::Config)'s.

use crate::setters::option_setters;
use std::time::Duration;

use crate::{Error, RetryPolicy};

/// The default number of requests a batch keeps in flight.
pub const DEFAULT_BATCH_CONCURRENCY: usize = 8;

/// Per-call settings that override the [`Config`](crate::Config)'s.
///
/// Given to one call (`execute_with`), they apply to that call; given to a
/// client view (`with_options`), they are merged into the view's (what the
/// new options leave unset is kept). An idempotency key belongs to one
/// write: it is given per call, never to a view (a view whose options carry
/// one refuses every call with [`Error::InvalidInput`](crate::Error::InvalidInput),
/// nothing sent), and [`create_tasks`](crate::ops::CreateTasks) derives one
/// key per item from it (`{key}/{index}`). A per-call [`RetryPolicy`]
/// changes attempts and backoff only: the retry budget and the adaptive
/// limiter are the client's.
///
/// ```
/// use std::time::Duration;
/// use taskqueue_proto::{CallOptions, RetryPolicy};
/// let options = CallOptions::new()
///     .attempt_timeout(Duration::from_secs(5))
///     .call_deadline(Duration::from_secs(20))
///     .retry(RetryPolicy::never());
/// assert_eq!(options.attempt_timeout, Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CallOptions {
    /// Per-attempt timeout.
    pub attempt_timeout: Option<Duration>,
    /// Deadline for the whole call, retries and sleeps included.
    pub call_deadline: Option<Duration>,
    /// Retry policy.
    pub retry: Option<RetryPolicy>,
    /// An idempotency key of the caller's choosing (1–255 visible ASCII
    /// characters) instead of a generated one, for this call's write: run
    /// again with the same key, a create makes nothing twice.
    pub idempotency_key: Option<String>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }
    option_setters! {
        /// Overrides the per-attempt timeout.
        attempt_timeout: Duration;
        /// Sets a deadline for the whole call.
        call_deadline: Duration;
        /// Overrides the retry policy.
        retry: RetryPolicy;
        /// Uses this idempotency key.
        idempotency_key: impl Into<String> => into;
    }

    /// The options of one call made through a client view holding these:
    /// `per_call`'s on top (see [`merge`](CallOptions::merge)). A key in the
    /// view's own options is refused — one key belongs to one write, and a
    /// view makes many — so nothing is sent.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`idempotency_key`) if the view holds a key.
    pub fn for_call(&self, per_call: Option<CallOptions>) -> Result<CallOptions, Error> {
        if self.idempotency_key.is_some() {
            return Err(Error::invalid_input(
                "idempotency_key",
                "belongs to one call: give it to execute_with (or the operation), not to with_options, whose \
                 every call would reuse it",
            ));
        }
        Ok(match per_call {
            Some(call) => self.clone().merge(call),
            None => self.clone(),
        })
    }

    /// These options with `newer`'s set fields on top: what `newer` leaves
    /// unset is kept.
    #[must_use]
    pub fn merge(self, newer: CallOptions) -> CallOptions {
        CallOptions {
            attempt_timeout: newer.attempt_timeout.or(self.attempt_timeout),
            call_deadline: newer.call_deadline.or(self.call_deadline),
            retry: newer.retry.or(self.retry),
            idempotency_key: newer.idempotency_key.or(self.idempotency_key),
        }
    }
}
