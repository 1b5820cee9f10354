//! `ErrorKind`: what kind of failure an [`Error`] is, as a small `Copy` value
//! with a stable name, to switch on, count or log.

use std::fmt;

use crate::Error;

/// What kind of failure an [`Error`] is ([`Error::kind`]): one per variant,
/// `Copy`, with a stable [`as_str`](ErrorKind::as_str) name for metrics and
/// logs (the names the [`observe`](crate::observe) module reports).
///
/// ```
/// use taskqueue_proto::{Error, ErrorKind};
/// let e = Error::invalid_input("name", "must not be empty");
/// assert_eq!(e.kind(), ErrorKind::InvalidInput);
/// assert_eq!(e.kind().as_str(), "invalid_input");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::Validation`].
    Validation,
    /// [`Error::Authentication`].
    Authentication,
    /// [`Error::Authorization`].
    Authorization,
    /// [`Error::TaskNotFound`].
    TaskNotFound,
    /// [`Error::ProjectNotFound`].
    ProjectNotFound,
    /// [`Error::WorkflowNotFound`].
    WorkflowNotFound,
    /// [`Error::Conflict`].
    Conflict,
    /// [`Error::RateLimited`].
    RateLimited,
    /// [`Error::Api`].
    Api,
    /// [`Error::Connection`].
    Connection,
    /// [`Error::Transport`].
    Transport,
    /// [`Error::Timeout`].
    Timeout,
    /// [`Error::NeedsDriver`].
    NeedsDriver,
    /// [`Error::ResponseTooLarge`].
    ResponseTooLarge,
    /// [`Error::Decode`].
    Decode,
    /// [`Error::InvalidInput`].
    InvalidInput,
    /// [`Error::Unsupported`].
    Unsupported,
    /// [`Error::OutcomeUnknown`].
    OutcomeUnknown,
    /// [`Error::ListingDidNotEnd`].
    ListingDidNotEnd,
    /// [`Error::WaitTimedOut`].
    WaitTimedOut,
}

impl ErrorKind {
    /// The stable name: `task_not_found`, `outcome_unknown`, …
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation",
            ErrorKind::Authentication => "authentication",
            ErrorKind::Authorization => "authorization",
            ErrorKind::TaskNotFound => "task_not_found",
            ErrorKind::ProjectNotFound => "project_not_found",
            ErrorKind::WorkflowNotFound => "workflow_not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Api => "api",
            ErrorKind::Connection => "connection",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::NeedsDriver => "needs_driver",
            ErrorKind::ResponseTooLarge => "response_too_large",
            ErrorKind::Decode => "decode",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::OutcomeUnknown => "outcome_unknown",
            ErrorKind::ListingDidNotEnd => "listing_did_not_end",
            ErrorKind::WaitTimedOut => "wait_timed_out",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Validation(_) => ErrorKind::Validation,
            Error::Authentication(_) => ErrorKind::Authentication,
            Error::Authorization(_) => ErrorKind::Authorization,
            Error::TaskNotFound(_) => ErrorKind::TaskNotFound,
            Error::ProjectNotFound(_) => ErrorKind::ProjectNotFound,
            Error::WorkflowNotFound(_) => ErrorKind::WorkflowNotFound,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::RateLimited(_) => ErrorKind::RateLimited,
            Error::Api(_) => ErrorKind::Api,
            Error::Connection { .. } => ErrorKind::Connection,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::NeedsDriver { .. } => ErrorKind::NeedsDriver,
            Error::ResponseTooLarge { .. } => ErrorKind::ResponseTooLarge,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            Error::ListingDidNotEnd { .. } => ErrorKind::ListingDidNotEnd,
            Error::WaitTimedOut { .. } | Error::WaitsTimedOut { .. } => ErrorKind::WaitTimedOut,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_distinct_name() {
        let kinds = [
            ErrorKind::Validation,
            ErrorKind::Authentication,
            ErrorKind::Authorization,
            ErrorKind::TaskNotFound,
            ErrorKind::ProjectNotFound,
            ErrorKind::WorkflowNotFound,
            ErrorKind::Conflict,
            ErrorKind::RateLimited,
            ErrorKind::Api,
            ErrorKind::Connection,
            ErrorKind::Transport,
            ErrorKind::Timeout,
            ErrorKind::NeedsDriver,
            ErrorKind::ResponseTooLarge,
            ErrorKind::Decode,
            ErrorKind::InvalidInput,
            ErrorKind::Unsupported,
            ErrorKind::OutcomeUnknown,
            ErrorKind::ListingDidNotEnd,
            ErrorKind::WaitTimedOut,
        ];
        let mut names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), kinds.len());
    }
}
