//! Hooks for metrics and logs: an [`Observer`] the drivers call for every
//! attempt, every finished call, and every send the rate limiter holds back.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use taskqueue_proto::observe::{AttemptEvent, Observer};
//! use taskqueue_proto::Config;
//!
//! #[derive(Default)]
//! struct Attempts(AtomicU32);
//! impl Observer for Attempts {
//!     fn attempt(&self, event: &AttemptEvent<'_>) {
//!         assert!(!event.route.contains("00000000"), "routes never carry ids");
//!         self.0.fetch_add(1, Ordering::Relaxed);
//!     }
//! }
//! let attempts = Arc::new(Attempts::default());
//! let config = Config::builder().observer(attempts.clone()).build()?;
//! # let _ = config;
//! # Ok::<(), taskqueue_proto::Error>(())
//! ```

#[cfg(feature = "metrics")]
mod metrics;

#[cfg(feature = "metrics")]
pub use self::metrics::MetricsObserver;

use std::borrow::Cow;
use std::time::Duration;

use http::Method;

use crate::Error;
use crate::driver::TransportErrorKind;
use crate::retry::{GiveUp, RetryDecision};

/// What one attempt came to: the status the server answered, or how the
/// transport failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// A response with this status.
    Status(http::StatusCode),
    /// No response.
    Transport(TransportErrorKind),
}

impl AttemptOutcome {
    /// A stable label: the status code (`"503"`), or the transport failure's
    /// [`as_str`](TransportErrorKind::as_str) (`"connect_timeout"`, …).
    pub fn label(&self) -> Cow<'static, str> {
        match self {
            AttemptOutcome::Status(s) => Cow::Owned(s.as_u16().to_string()),
            AttemptOutcome::Transport(kind) => Cow::Borrowed(kind.as_str()),
        }
    }
}

/// One attempt, answered or failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AttemptEvent<'a> {
    /// The operation (`get_task`).
    pub operation: &'static str,
    /// The request's method.
    pub method: &'a Method,
    /// The route template: the path with every id written `{id}`
    /// (`/api/tasks/{id}`), never the id itself.
    pub route: &'a str,
    /// The attempt's number in the call, from 1 (follow-up exchanges count on).
    pub attempt: u32,
    /// What it came to.
    pub outcome: AttemptOutcome,
    /// How long it took.
    pub duration: Duration,
    /// After a failure, what the retry policy decided (a retry and its wait,
    /// or why it gave up: `BudgetExhausted` when the budget refused).
    pub decision: Option<RetryDecision>,
}

impl AttemptEvent<'_> {
    /// Whether the attempt failed and will be retried.
    pub fn retried(&self) -> bool {
        matches!(self.decision, Some(RetryDecision::Retry(_)))
    }

    /// Whether the retry budget refused a retry after this attempt.
    pub fn budget_refused(&self) -> bool {
        matches!(self.decision, Some(RetryDecision::GiveUp(GiveUp::BudgetExhausted)))
    }
}

/// One finished call.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallEvent<'a> {
    /// The operation (`get_task`).
    pub operation: &'static str,
    /// Attempts sent, over every exchange of the call.
    pub attempts: u32,
    /// From the first poll to the end, sleeps included.
    pub duration: Duration,
    /// The error, when the call failed.
    pub error: Option<&'a Error>,
}

impl CallEvent<'_> {
    /// A stable label: `"ok"`, or the error's kind (`"task_not_found"`, `"timeout"`, …).
    pub fn outcome(&self) -> &'static str {
        match self.error {
            None => "ok",
            Some(e) => error_kind(e),
        }
    }
}

/// A send the adaptive rate limiter held back.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ThrottleEvent {
    /// The operation (`get_task`).
    pub operation: &'static str,
    /// How long the call waits before it asks again.
    pub wait: Duration,
}

/// Told about every attempt and call of the clients whose
/// [`Config`](crate::Config) holds it. Every method has an empty default;
/// implement what you need. Called on the driver's thread, inline: keep it
/// quick (count, record, send to a channel).
pub trait Observer: Send + Sync {
    /// An attempt was answered or failed.
    fn attempt(&self, event: &AttemptEvent<'_>) {
        let _ = event;
    }
    /// A call finished.
    fn call(&self, event: &CallEvent<'_>) {
        let _ = event;
    }
    /// The rate limiter held a send back.
    fn throttled(&self, event: &ThrottleEvent) {
        let _ = event;
    }
}

/// The path of a request with every segment that is an id (a UUID) written
/// `{id}`: `/api/tasks/6f1c…/cancel` → `/api/tasks/{id}/cancel`.
pub fn route_template(path: &str) -> Cow<'_, str> {
    if !path.split('/').any(is_id) {
        return Cow::Borrowed(path);
    }
    let parts: Vec<&str> = path.split('/').map(|p| if is_id(p) { "{id}" } else { p }).collect();
    Cow::Owned(parts.join("/"))
}

fn is_id(segment: &str) -> bool {
    segment.len() >= 32 && uuid::Uuid::try_parse(segment).is_ok()
}

/// A stable name for an error's kind ([`ErrorKind::as_str`](crate::ErrorKind::as_str)).
pub fn error_kind(e: &Error) -> &'static str {
    e.kind().as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_never_carry_ids() {
        assert_eq!(
            route_template("/api/tasks/6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90/cancel"),
            "/api/tasks/{id}/cancel"
        );
        assert_eq!(route_template("/api/tasks"), "/api/tasks");
        assert_eq!(
            route_template("/projects/6f1c2b9e8a4d4c1e9f3a2b7d5e8c1a90/tasks"),
            "/projects/{id}/tasks"
        );
    }

    #[test]
    fn outcomes_have_stable_labels() {
        assert_eq!(
            AttemptOutcome::Status(http::StatusCode::SERVICE_UNAVAILABLE).label(),
            "503"
        );
        assert_eq!(
            AttemptOutcome::Transport(TransportErrorKind::ConnectTimeout).label(),
            "connect_timeout"
        );
    }
}
