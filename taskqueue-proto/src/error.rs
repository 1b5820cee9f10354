//! The one error type of the SDK, and the mapping from an HTTP error response to it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use crate::models::Task;

/// The most bytes of a response body an error keeps.
pub const BODY_SNIPPET_LIMIT: usize = 2048;

/// A shared, cloneable source error (a transport's I/O error, say).
pub type BoxError = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// The call an error ended: its operation, the `X-Request-Id` it sent on
/// every attempt, and how many requests it sent. Every error of a call that
/// sent a request carries one ([`Error::call`]); quote the request id to
/// the server's operators.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallInfo {
    operation: &'static str,
    request_id: String,
    attempts: u32,
}

impl CallInfo {
    /// The call of `operation` that sent `attempts` requests, each with `request_id`.
    pub fn new(operation: &'static str, request_id: impl Into<String>, attempts: u32) -> Self {
        CallInfo {
            operation,
            request_id: request_id.into(),
            attempts,
        }
    }
    /// The operation's name (`get_task`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }
    /// The `X-Request-Id` the SDK sent on the call's attempts.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }
    /// Requests the call sent, retries and every exchange included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

/// One field the server (or the client's own validation) rejected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    /// The field's name, as on the wire (`name`, `tasks[3].command`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// What the server answered when it refused a request: the status is always
/// there, whatever the body was (JSON, text, HTML or nothing).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The machine-readable code from a JSON error body (`task_not_found`).
    pub code: Option<String>,
    /// A human-readable message: the server's, or one made from the status.
    pub message: String,
    /// Field errors from a validation failure.
    pub field_errors: Vec<FieldError>,
    /// The `details` object of a JSON error body.
    pub details: Option<serde_json::Value>,
    /// The server's `X-Request-Id`, if it sent one.
    pub request_id: Option<String>,
    /// At most [`BODY_SNIPPET_LIMIT`] bytes of the body, as text.
    pub body: String,
    /// How long the server asked the client to wait (`Retry-After`).
    pub retry_after: Option<Duration>,
    /// The call that got this answer (set by the driver).
    pub call: Option<CallInfo>,
}

impl ApiError {
    /// An error answer of `status`, with the message a status alone gives
    /// (`Not Found`), for a fake of the client in a test: set the rest with
    /// the setters, and wrap it in the [`Error`] variant its status maps to
    /// (`Error::TaskNotFound(Box::new(api))`).
    ///
    /// ```
    /// use taskqueue_proto::{ApiError, Error};
    /// let api = ApiError::new(http::StatusCode::TOO_MANY_REQUESTS)
    ///     .retry_after(std::time::Duration::from_secs(3))
    ///     .request_id("req-1");
    /// let error = Error::RateLimited(Box::new(api));
    /// assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(3)));
    /// assert_eq!(error.to_string(), "[429] Too Many Requests");
    /// ```
    pub fn new(status: StatusCode) -> Self {
        ApiError {
            status,
            code: None,
            message: status.canonical_reason().unwrap_or("error").to_owned(),
            field_errors: Vec::new(),
            details: None,
            request_id: None,
            body: String::new(),
            retry_after: None,
            call: None,
        }
    }

    /// The machine-readable code (`task_not_found`).
    #[must_use]
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// The human-readable message.
    #[must_use]
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// One more field error.
    #[must_use]
    pub fn field_error(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.field_errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
        self
    }

    /// The `details` object.
    #[must_use]
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    /// The server's `X-Request-Id`.
    #[must_use]
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// The start of the body (cut to [`BODY_SNIPPET_LIMIT`] bytes).
    #[must_use]
    pub fn body(mut self, body: &str) -> Self {
        self.body = snippet(body.as_bytes());
        self
    }

    /// The wait the server asked for (`Retry-After`).
    #[must_use]
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.status.as_u16(), self.message)?;
        for fe in self.field_errors.iter().take(SHOWN_FIELD_ERRORS) {
            write!(f, "; {}: {}", fe.field, fe.message)?;
        }
        let more = self.field_errors.len().saturating_sub(SHOWN_FIELD_ERRORS);
        if more > 0 {
            write!(f, "; and {more} more field error(s)")?;
        }
        Ok(())
    }
}

/// Every way a Task Queue call can fail.
///
/// The variants mirror the original SDK's exception hierarchy. The accessors
/// ([`status`](Error::status), [`message`](Error::message), …) work on any
/// variant, so most callers never need to match.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server rejected the input (400 or 422).
    #[error("{0}")]
    Validation(Box<ApiError>),
    /// Missing or wrong credentials (401).
    #[error("{0}")]
    Authentication(Box<ApiError>),
    /// The credentials do not allow this (403).
    #[error("{0}")]
    Authorization(Box<ApiError>),
    /// The task does not exist (404 on a task operation).
    #[error("{0}")]
    TaskNotFound(Box<ApiError>),
    /// The project does not exist (404 on a project operation, or on a task
    /// create naming an unknown project).
    #[error("{0}")]
    ProjectNotFound(Box<ApiError>),
    /// The workflow does not exist (404 on a workflow operation; upstream servers only).
    #[error("{0}")]
    WorkflowNotFound(Box<ApiError>),
    /// The request conflicts with the resource's state (409).
    #[error("{0}")]
    Conflict(Box<ApiError>),
    /// Too many requests (429); see [`retry_after`](Error::retry_after).
    #[error("{0}")]
    RateLimited(Box<ApiError>),
    /// Any other error status (5xx and the rest).
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The server could not be reached, or the connection broke.
    #[error("connection error: {message}")]
    #[non_exhaustive]
    Connection {
        /// What went wrong.
        message: String,
        /// Whether the request may have reached the server.
        sent: bool,
        /// The transport's own error.
        #[source]
        source: Option<BoxError>,
        /// The call, when one sent a request ([`Error::call`]).
        call: Option<Box<CallInfo>>,
    },
    /// The transport could not make the request at all (a proxy or URI it
    /// cannot use, an async client outside a Tokio runtime, a cassette it
    /// cannot write): nothing was sent, and sending again will not help.
    #[error("the transport could not send the request: {message}")]
    #[non_exhaustive]
    Transport {
        /// What the transport said.
        message: String,
        /// The transport's own error.
        #[source]
        source: Option<BoxError>,
    },
    /// No answer in time: which bound was hit, and after how long.
    #[error("timed out: {}", kind.describe(*after))]
    #[non_exhaustive]
    Timeout {
        /// Which bound: connecting, one attempt, or the whole call's deadline.
        kind: TimeoutKind,
        /// The bound's length (the time the call waited against it).
        after: Duration,
        /// The call, when one sent a request ([`Error::call`]).
        call: Option<Box<CallInfo>>,
    },
    /// An upstream operation of several exchanges was given to the
    /// single-exchange [`parse_response`](crate::ops::Operation::parse_response):
    /// run it through a client or a [`driver`](crate::driver) instead.
    #[error("`{operation}` takes more than one exchange in this dialect: run it through a client or a driver")]
    #[non_exhaustive]
    NeedsDriver {
        /// The operation's name (`create_task`).
        operation: &'static str,
    },
    /// The response body was larger than the configured limit.
    #[error("response body exceeds the limit of {limit} bytes")]
    #[non_exhaustive]
    ResponseTooLarge {
        /// The configured limit in bytes.
        limit: u64,
        /// The call, when one sent a request ([`Error::call`]).
        call: Option<Box<CallInfo>>,
    },
    /// A success response whose body is not what the contract says.
    #[error("[{}] could not decode the response at `{path}`: {message}", status.as_u16())]
    #[non_exhaustive]
    Decode {
        /// The response's status.
        status: StatusCode,
        /// The serde path of the field that failed (`[3].created_at`), `.` for the root.
        path: String,
        /// What the decoder said.
        message: String,
        /// At most [`BODY_SNIPPET_LIMIT`] bytes of the body.
        body: String,
        /// The server's `X-Request-Id`, if any.
        request_id: Option<String>,
        /// The call, when one sent a request ([`Error::call`]).
        call: Option<Box<CallInfo>>,
    },
    /// The caller's input was rejected before anything was sent.
    #[error("invalid {field}: {message}")]
    #[non_exhaustive]
    InvalidInput {
        /// The field or setting (`name`, `base_url`, `tasks[2].command`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The operation does not exist in the config's dialect (the documented
    /// API has no workflows, say); nothing was sent.
    #[error("{operation} is not part of the {} dialect's API: it needs a server of the upstream dialect (`--dialect upstream`)", dialect.as_str())]
    #[non_exhaustive]
    Unsupported {
        /// The operation's name (`submit_workflow`).
        operation: &'static str,
        /// The dialect the client was configured with.
        dialect: crate::Dialect,
    },
    /// A write failed in a way that leaves its outcome unknown: it may have
    /// been applied or not, the server would not deduplicate a second send,
    /// and the SDK could not find out which (see README "Retries and
    /// idempotency"); or it was acknowledged but reading what it made
    /// failed. Nothing was sent again. `check` says what to look at before
    /// trying again; `source` is the failure itself.
    #[error(
        "the outcome of {operation} is unknown: it may have been applied (request id {request_id}, {attempts} attempt(s)); {check}. Cause: {source}"
    )]
    #[non_exhaustive]
    OutcomeUnknown {
        /// The operation's name (`create_task`).
        operation: &'static str,
        /// The `X-Request-Id` the SDK sent on every attempt of the call.
        request_id: String,
        /// Requests sent by the call, every exchange included.
        attempts: u32,
        /// The `Idempotency-Key` or marker the write carried, if any: sending
        /// it again with this key (`CallOptions::idempotency_key`) is safe
        /// where the server deduplicates, or reconciled where it does not.
        idempotency_key: Option<String>,
        /// What to check before trying again.
        check: String,
        /// The failure that left the outcome in doubt.
        #[source]
        source: Box<Error>,
    },
    /// A listing of many pages did not end as a listing must: the server sent
    /// the same page again, or more items than the config's
    /// [`max_listing_items`](crate::Config::max_listing_items). The walk stops
    /// rather than loop (and grow) forever.
    #[error("the listing did not end after {pages} page(s) and {items} item(s): {reason}")]
    #[non_exhaustive]
    ListingDidNotEnd {
        /// What the server did.
        reason: String,
        /// Pages read.
        pages: u64,
        /// Items read.
        items: u64,
        /// The call that read the last page ([`Error::call`]).
        call: Option<Box<CallInfo>>,
    },
    /// `wait_for_completion` ran out of time; the last task seen is kept.
    #[error("task {} still {} after waiting {:.1}s", task.id, task.status, waited.as_secs_f64())]
    #[non_exhaustive]
    WaitTimedOut {
        /// The task as last fetched.
        task: Box<Task>,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// `wait_all` ran out of time before every task finished, or `wait_any`
    /// before one did: the report says where each task stood (the same kind
    /// as [`Error::WaitTimedOut`]: `wait_timed_out`).
    #[error(
        "{} of {} tasks still running after waiting {:.1}s",
        report.outcomes.iter().filter(|o| matches!(o, crate::ops::WaitOutcome::StillRunning(_))).count(),
        report.outcomes.len(),
        waited.as_secs_f64()
    )]
    #[non_exhaustive]
    WaitsTimedOut {
        /// Each task's outcome when the time was up.
        report: Box<crate::ops::WaitReport>,
        /// How long the wait lasted.
        waited: Duration,
    },
}

/// The boxed [`ApiError`] of the variants that come from an error response.
macro_rules! api_error_of {
    ($error:expr) => {
        match $error {
            Error::Validation(e)
            | Error::Authentication(e)
            | Error::Authorization(e)
            | Error::TaskNotFound(e)
            | Error::ProjectNotFound(e)
            | Error::WorkflowNotFound(e)
            | Error::Conflict(e)
            | Error::RateLimited(e)
            | Error::Api(e) => Some(e),
            _ => None,
        }
    };
}

impl Error {
    /// An [`Error::InvalidInput`] for `field`.
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An [`Error::Timeout`] of bound `kind` after `after`, for a fake of
    /// the client in a test (the driver makes the real ones).
    pub fn timeout(kind: TimeoutKind, after: Duration) -> Self {
        Error::Timeout {
            kind,
            after,
            call: None,
        }
    }

    /// An [`Error::Connection`], `sent` if the request may have reached the
    /// server, for a fake of the client in a test.
    pub fn connection(message: impl Into<String>, sent: bool) -> Self {
        Error::Connection {
            message: message.into(),
            sent,
            source: None,
            call: None,
        }
    }

    /// An [`Error::Unsupported`]: `operation` does not exist in `dialect`.
    pub fn unsupported(operation: &'static str, dialect: crate::Dialect) -> Self {
        Error::Unsupported { operation, dialect }
    }

    /// An [`Error::ResponseTooLarge`] over `limit` bytes.
    pub fn response_too_large(limit: u64) -> Self {
        Error::ResponseTooLarge { limit, call: None }
    }

    /// This error, as the end of `call` (for a fake of the client that
    /// reports the operation, request id and attempts as the SDK does).
    #[must_use]
    pub fn with_call(mut self, call: CallInfo) -> Self {
        self.attach_call(|| call);
        self
    }

    /// The server's answer, for the variants that come from an error response.
    pub fn api_error(&self) -> Option<&ApiError> {
        api_error_of!(self)
    }

    /// The server's answer, to add context to (the SDK's own flows).
    pub(crate) fn api_error_mut(&mut self) -> Option<&mut ApiError> {
        api_error_of!(self)
    }

    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Decode { status, .. } => Some(*status),
            Error::OutcomeUnknown { source, .. } => source.status(),
            _ => self.api_error().map(|e| e.status),
        }
    }

    /// A human-readable message without the status prefix.
    pub fn message(&self) -> String {
        match self {
            Error::Decode { message, .. } => message.clone(),
            Error::Connection { message, .. } => message.clone(),
            Error::Timeout { kind, after, .. } => kind.describe(*after),
            Error::InvalidInput { field, message } => format!("{field}: {message}"),
            other => match other.api_error() {
                Some(e) => e.message.clone(),
                None => other.to_string(),
            },
        }
    }

    /// The start (≤ 2 KiB) of the response body, when there was one.
    pub fn response_body(&self) -> Option<&str> {
        match self {
            Error::Decode { body, .. } => Some(body),
            _ => self.api_error().map(|e| e.body.as_str()),
        }
    }

    /// The `X-Request-Id` of the failed exchange: the server's for an error
    /// answer; the one the SDK sent for a timeout, a broken connection or an
    /// [`Error::OutcomeUnknown`].
    pub fn request_id(&self) -> Option<&str> {
        let server = match self {
            Error::Decode { request_id, .. } => request_id.as_deref(),
            Error::OutcomeUnknown { request_id, .. } => Some(request_id.as_str()),
            _ => self.api_error().and_then(|e| e.request_id.as_deref()),
        };
        server.or_else(|| self.call().map(CallInfo::request_id))
    }

    /// The call this error ended, when it sent a request: the operation,
    /// the request id the SDK sent, the attempts made. Errors before
    /// anything was sent (invalid input, an unsupported operation, a
    /// transport that could not send) have none; a wait that ran out of
    /// time is many calls and has none either.
    pub fn call(&self) -> Option<&CallInfo> {
        match self {
            Error::Connection { call, .. }
            | Error::Timeout { call, .. }
            | Error::ResponseTooLarge { call, .. }
            | Error::Decode { call, .. }
            | Error::ListingDidNotEnd { call, .. } => call.as_deref(),
            _ => self.api_error().and_then(|e| e.call.as_ref()),
        }
    }

    /// The operation that failed (`get_task`), when a call sent a request.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::OutcomeUnknown { operation, .. } => Some(operation),
            _ => self.call().map(CallInfo::operation),
        }
    }

    /// Requests sent by the call that failed, retries included, when it sent any.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::OutcomeUnknown { attempts, .. } => Some(*attempts),
            _ => self.call().map(CallInfo::attempts),
        }
    }

    /// Records the call this error ended, unless it already names one.
    pub(crate) fn attach_call(&mut self, info: impl FnOnce() -> CallInfo) {
        let slot: &mut Option<Box<CallInfo>> = match self {
            Error::Connection { call, .. }
            | Error::Timeout { call, .. }
            | Error::ResponseTooLarge { call, .. }
            | Error::Decode { call, .. }
            | Error::ListingDidNotEnd { call, .. } => call,
            _ => {
                if let Some(api) = self.api_error_mut() {
                    if api.call.is_none() {
                        api.call = Some(info());
                    }
                }
                return;
            }
        };
        if slot.is_none() {
            *slot = Some(Box::new(info()));
        }
    }

    /// Field errors of a validation failure (the server's or the client's own).
    pub fn field_errors(&self) -> &[FieldError] {
        self.api_error().map(|e| e.field_errors.as_slice()).unwrap_or(&[])
    }

    /// How long the server asked the client to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(|e| e.retry_after)
    }

    /// Whether the same request may succeed if sent again, by the error alone:
    /// 408, 429, 500, 502, 503, 504, a connection failure, or a timeout. The
    /// [`RetryPolicy`](crate::RetryPolicy) also weighs whether the request was
    /// idempotent before it retries.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::OutcomeUnknown { .. } => false,
            Error::Connection { .. } | Error::Timeout { .. } => true,
            _ => self
                .status()
                .is_some_and(|s| crate::retry::DEFAULT_RETRYABLE_STATUSES.contains(&s.as_u16())),
        }
    }

    /// Whether this is an [`Error::OutcomeUnknown`]: a write that may have
    /// been applied, which must be checked before it is sent again.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }

    /// Whether this is a 404 of any kind (task, project or workflow).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Error::TaskNotFound(_) | Error::ProjectNotFound(_) | Error::WorkflowNotFound(_)
        )
    }
}

/// Which bound of a call ran out ([`Error::Timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Connecting took longer than the config's connect timeout; nothing was sent.
    Connect,
    /// One attempt had no complete response within its timeout.
    Attempt,
    /// The whole call's deadline (`call_deadline`) passed, retries included.
    Deadline,
}

impl TimeoutKind {
    /// `no connection within 10.0s`, and the like.
    fn describe(self, after: Duration) -> String {
        let secs = after.as_secs_f64();
        match self {
            TimeoutKind::Connect => format!("no connection within {secs:.1}s"),
            TimeoutKind::Attempt => format!("no complete response within {secs:.1}s"),
            TimeoutKind::Deadline => format!("the call's deadline of {secs:.1}s passed"),
        }
    }
}

/// Which "not found" a 404 means for the operation that got it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// A task operation: 404 is `TaskNotFound`.
    Task(Option<crate::TaskId>),
    /// A project operation: 404 is `ProjectNotFound`.
    Project(Option<crate::ProjectId>),
    /// A workflow operation: 404 is `WorkflowNotFound`.
    Workflow(Option<crate::WorkflowId>),
    /// No resource in the path (health, list): 404 is `Api`.
    Nothing,
}

/// Reads an error response into an [`Error`], by status and the operation's
/// notion of what a 404 means. Never fails: whatever the body, the status is kept.
pub(crate) fn error_from_response(status: StatusCode, headers: &HeaderMap, body: &[u8], missing: Missing) -> Error {
    let mut api = ApiError {
        status,
        code: None,
        message: String::new(),
        field_errors: Vec::new(),
        details: None,
        request_id: request_id_of(headers),
        body: snippet(body),
        retry_after: retry_after_of(headers),
        call: None,
    };
    read_error_body(&mut api, headers, body);
    if api.message.is_empty() {
        api.message = default_message(status, missing);
    }
    // A create naming an unknown project gets 404 `project_not_found` even
    // though it is a task operation: the code decides when the server says.
    let missing = match api.code.as_deref() {
        Some("project_not_found") => Missing::Project(None),
        Some("task_not_found") => Missing::Task(None),
        _ => missing,
    };
    let api = Box::new(api);
    match status.as_u16() {
        400 | 422 => Error::Validation(api),
        401 => Error::Authentication(api),
        403 => Error::Authorization(api),
        404 => match missing {
            Missing::Task(_) => Error::TaskNotFound(api),
            Missing::Project(_) => Error::ProjectNotFound(api),
            Missing::Workflow(_) => Error::WorkflowNotFound(api),
            Missing::Nothing => Error::Api(api),
        },
        409 => Error::Conflict(api),
        429 => Error::RateLimited(api),
        _ => Error::Api(api),
    }
}

fn default_message(status: StatusCode, missing: Missing) -> String {
    match (status.as_u16(), missing) {
        (404, Missing::Task(Some(id))) => format!("Task {id} not found"),
        (404, Missing::Task(None)) => "Task not found".to_owned(),
        (404, Missing::Project(Some(id))) => format!("Project {id} not found"),
        (404, Missing::Project(None)) => "Project not found".to_owned(),
        (404, Missing::Workflow(Some(id))) => format!("Workflow {id} not found"),
        (404, Missing::Workflow(None)) => "Workflow not found".to_owned(),
        _ => status.canonical_reason().unwrap_or("Unknown status").to_owned(),
    }
}

/// Fills code, message, details and field errors from a JSON body of the
/// contract's shape (`{"error","message","details"}`), a JSON body of another
/// shape, or a plain-text body. HTML and empty bodies leave the message empty.
fn read_error_body(api: &mut ApiError, headers: &HeaderMap, body: &[u8]) {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default)]
        error: Option<serde_json::Value>,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        detail: Option<serde_json::Value>,
        #[serde(default, deserialize_with = "crate::models::budget_optional_value")]
        details: Option<serde_json::Value>,
    }
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return;
    }
    if let Ok(parsed) = crate::models::within_budget(body.len(), || serde_json::from_str::<Body>(trimmed)) {
        match parsed.error {
            Some(serde_json::Value::String(code)) => api.code = Some(code),
            Some(serde_json::Value::Object(obj)) => {
                // `{"error": {"code": ..., "message": ...}}`, as some gateways send.
                api.code = obj.get("code").and_then(|v| v.as_str()).map(str::to_owned);
                if parsed.message.is_none() {
                    let nested = obj.get("message").and_then(|v| v.as_str()).unwrap_or_default();
                    api.message = truncate_chars(nested, MESSAGE_LIMIT);
                }
            }
            _ => {}
        }
        if let Some(m) = parsed.message {
            api.message = truncate_chars(&m, MESSAGE_LIMIT);
        } else if let Some(serde_json::Value::String(d)) = &parsed.detail {
            api.message = truncate_chars(d, MESSAGE_LIMIT);
        }
        api.code = api.code.take().map(|code| truncate_chars(&code, MESSAGE_LIMIT));
        if let Some(details) = parsed.details {
            api.field_errors = details
                .get("fields")
                .and_then(|f| serde_json::from_value::<Vec<FieldError>>(f.clone()).ok())
                .unwrap_or_default()
                .into_iter()
                .take(FIELD_ERROR_LIMIT)
                .map(|e| FieldError {
                    field: truncate_chars(&e.field, MESSAGE_LIMIT),
                    message: truncate_chars(&e.message, MESSAGE_LIMIT),
                })
                .collect();
            api.details = Some(capped_details(details));
        }
        return;
    }
    let is_html = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        || trimmed.starts_with('<');
    if !is_html {
        // A plain-text body is the server's message; keep its first line, short.
        let first_line = trimmed.lines().next().unwrap_or_default();
        api.message = truncate_chars(first_line, 300);
    }
}

/// The field errors an error's `Display` shows (all are kept in `field_errors`).
const SHOWN_FIELD_ERRORS: usize = 3;

/// The longest message, code, field name or field message kept of an error body, in characters.
const MESSAGE_LIMIT: usize = 300;
/// The most field errors kept of an error body.
const FIELD_ERROR_LIMIT: usize = 100;

/// `details` as the server sent them when they are small; otherwise the start
/// of their JSON, so an error holds [`BODY_SNIPPET_LIMIT`] bytes of it at most.
fn capped_details(details: serde_json::Value) -> serde_json::Value {
    let text = details.to_string();
    if text.len() <= BODY_SNIPPET_LIMIT {
        return details;
    }
    serde_json::json!({ "truncated": true, "start": snippet(text.as_bytes()) })
}

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// The server's request id header, if it is printable.
pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// At most [`BODY_SNIPPET_LIMIT`] bytes of `body` as text, cut at a character boundary.
pub(crate) fn snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(BODY_SNIPPET_LIMIT)];
    let mut text = String::from_utf8_lossy(head).into_owned();
    if text.len() > BODY_SNIPPET_LIMIT {
        let mut cut = BODY_SNIPPET_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// `Retry-After` as delta-seconds, or as an HTTP-date measured against the
/// response's own `Date` header (the SDK has no clock of its own). A date with
/// no `Date` header to compare against, or a value that parses as neither, is
/// ignored.
pub(crate) fn retry_after_of(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let date = headers.get(http::header::DATE)?.to_str().ok()?;
    let now = chrono::DateTime::parse_from_rfc2822(date.trim()).ok()?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn a_nested_error_message_is_capped_like_the_rest() {
        let long = "x".repeat(10_000);
        let body = format!(r#"{{"error":{{"code":"gateway","message":"{long}"}}}}"#);
        let e = error_from_response(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            body.as_bytes(),
            Missing::Nothing,
        );
        assert!(
            e.message().chars().count() <= MESSAGE_LIMIT + 1,
            "{}",
            e.message().len()
        );
        assert_eq!(e.api_error().unwrap().code.as_deref(), Some("gateway"));
    }

    #[test]
    fn retry_after_reads_seconds() {
        assert_eq!(
            retry_after_of(&headers(&[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
    }

    #[test]
    fn retry_after_reads_an_http_date_against_the_date_header() {
        let h = headers(&[
            ("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT"),
            ("date", "Wed, 21 Oct 2015 07:28:00 GMT"),
        ]);
        assert_eq!(retry_after_of(&h), Some(Duration::from_secs(30)));
    }

    #[test]
    fn retry_after_in_the_past_is_zero_and_garbage_is_ignored() {
        let h = headers(&[
            ("retry-after", "Wed, 21 Oct 2015 07:27:00 GMT"),
            ("date", "Wed, 21 Oct 2015 07:28:00 GMT"),
        ]);
        assert_eq!(retry_after_of(&h), Some(Duration::ZERO));
        assert_eq!(retry_after_of(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(
            retry_after_of(&headers(&[("retry-after", "Wed, 21 Oct 2015 07:27:00 GMT")])),
            None
        );
    }

    #[test]
    fn snippet_is_capped_at_a_char_boundary() {
        let body = "é".repeat(2000); // 4000 bytes
        let s = snippet(body.as_bytes());
        assert!(s.len() <= BODY_SNIPPET_LIMIT);
        assert!(s.chars().all(|c| c == 'é'));
    }

    #[test]
    fn display_has_the_status_prefix_and_field_errors() {
        let err = error_from_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &HeaderMap::new(),
            br#"{"error":"validation_error","message":"invalid task","details":{"fields":[{"field":"name","message":"must not be empty"}]}}"#,
            Missing::Task(None),
        );
        assert_eq!(err.to_string(), "[422] invalid task; name: must not be empty");
        assert_eq!(err.field_errors().len(), 1);
    }
}
