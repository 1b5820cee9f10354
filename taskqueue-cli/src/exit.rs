//! Exit codes (documented in `--help` and the README) and error lines.

use std::process::ExitCode;

use taskqueue_proto::Error;

use crate::terminal::safe;

/// Why the command failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The SDK's error.
    Sdk(Error),
    /// Something the command itself found: exit `code`, print `message`.
    Plain { code: u8, message: String },
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Sdk(e)
    }
}

impl Failure {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Failure::Plain {
            code,
            message: message.into(),
        }
    }

    /// Invalid input from the command line (exit 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure::new(2, message)
    }

    pub(crate) fn code(&self) -> u8 {
        match self {
            Failure::Plain { code, .. } => *code,
            Failure::Sdk(e) => code_of(e),
        }
    }

    /// One line for stderr (server text made terminal-safe); with `verbose`,
    /// the request id, the call (operation, attempts), body snippet and
    /// causes on lines of their own.
    pub(crate) fn report(&self, verbose: bool) -> String {
        match self {
            Failure::Plain { message, .. } => format!("error: {}", safe(message)),
            Failure::Sdk(e) => {
                let mut line = format!("error: {}", safe(&e.to_string()));
                if verbose {
                    if let Some(id) = e.request_id() {
                        line.push_str(&format!("\n  request id: {}", safe(id)));
                    }
                    if let (Some(operation), Some(attempts)) = (e.operation(), e.attempts()) {
                        line.push_str(&format!("\n  call: {operation}, {attempts} attempt(s)"));
                    }
                    if let Some(body) = e.response_body().filter(|b| !b.trim().is_empty()) {
                        line.push_str(&format!("\n  response body: {}", safe(body.trim())));
                    }
                    let mut source = std::error::Error::source(e);
                    while let Some(cause) = source {
                        line.push_str(&format!("\n  caused by: {}", safe(&cause.to_string())));
                        source = cause.source();
                    }
                }
                line
            }
        }
    }

    pub(crate) fn exit(&self) -> ExitCode {
        ExitCode::from(self.code())
    }
}

/// The exit code of an SDK error.
pub(crate) fn code_of(e: &Error) -> u8 {
    match e {
        Error::InvalidInput { .. } | Error::Validation(_) | Error::Transport { .. } => 2,
        Error::TaskNotFound(_) | Error::ProjectNotFound(_) | Error::WorkflowNotFound(_) => 3,
        Error::Unsupported { .. } => 2,
        Error::Authentication(_) | Error::Authorization(_) => 4,
        Error::Conflict(_) => 5,
        Error::RateLimited(_) => 6,
        Error::Connection { .. } | Error::Timeout { .. } => 7,
        Error::WaitTimedOut { .. } | Error::WaitsTimedOut { .. } => 8,
        Error::OutcomeUnknown { .. } => 10,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_documented_table() {
        assert_eq!(code_of(&Error::invalid_input("x", "y")), 2);
        assert_eq!(
            code_of(&Error::timeout(
                taskqueue_proto::TimeoutKind::Attempt,
                std::time::Duration::from_secs(1)
            )),
            7
        );
        assert_eq!(code_of(&Error::connection("c", false)), 7);
        assert_eq!(code_of(&Error::response_too_large(1)), 1);
    }
}
