//! The bodies the client sends: create and update requests for tasks and
//! projects, with builders and the client-side validation of CONTRACT §1.

use crate::setters::{option_setters, setters};
use std::collections::BTreeMap;

use super::ProjectId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::task::{default_retry_attempts, default_retry_delay};
use super::{ProjectStatus, TaskPriority, TaskStatus, TaskType};
use crate::Error;

/// The largest `retry_attempts` the contract accepts.
pub const MAX_RETRY_ATTEMPTS: u32 = 100;

/// The fields of a new task. Build it with [`TaskCreateRequest::new`] and the
/// chained setters; fields the caller does not set take the specification's
/// defaults.
///
/// ```
/// use taskqueue_proto::{TaskCreateRequest, TaskPriority};
/// let id = taskqueue_proto::ProjectId::nil();
/// let req = TaskCreateRequest::new("build", "cargo build", id)
///     .priority(TaskPriority::High)
///     .execution_timeout(std::time::Duration::from_secs(600))
///     .env("RUST_LOG", "info");
/// assert!(req.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskCreateRequest {
    /// A short name (must not be blank).
    pub name: String,
    /// The command to run (must not be blank).
    pub command: String,
    /// The project the task belongs to (required; optional here only so that a
    /// request read from a file without it gets a clear validation error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Technical specification text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technical_specs: Option<String>,
    /// Acceptance criteria.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acceptance_criteria: Vec<String>,
    /// Priority (default `Normal`).
    #[serde(default)]
    pub priority: TaskPriority,
    /// Kind of task (default `Simple`).
    #[serde(default)]
    pub task_type: TaskType,
    /// Execution timeout in seconds; must be positive when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// Execution retries (default 3, at most 100).
    #[serde(default = "default_retry_attempts")]
    pub retry_attempts: u32,
    /// Seconds between execution retries (default 30).
    #[serde(default = "default_retry_delay")]
    pub retry_delay: u64,
    /// Environment variables for the command.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// Working directory for the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
}

impl TaskCreateRequest {
    /// A request with the three required fields; everything else at its default.
    pub fn new(name: impl Into<String>, command: impl Into<String>, project_id: impl Into<ProjectId>) -> Self {
        TaskCreateRequest {
            name: name.into(),
            command: command.into(),
            project_id: Some(project_id.into()),
            description: None,
            technical_specs: None,
            acceptance_criteria: Vec::new(),
            priority: TaskPriority::default(),
            task_type: TaskType::default(),
            timeout: None,
            retry_attempts: default_retry_attempts(),
            retry_delay: default_retry_delay(),
            environment: BTreeMap::new(),
            working_directory: None,
        }
    }

    option_setters! {
        /// Sets the description.
        description: impl Into<String> => into;
        /// Sets the technical specification.
        technical_specs: impl Into<String> => into;
    }
    /// Adds one acceptance criterion.
    #[must_use]
    pub fn criterion(mut self, criterion: impl Into<String>) -> Self {
        self.acceptance_criteria.push(criterion.into());
        self
    }
    setters! {
        /// Sets the priority.
        priority: TaskPriority;
        /// Sets the task type.
        task_type: TaskType;
    }
    /// Sets how long the task may run (its execution timeout; whole seconds
    /// on the wire, a fraction rounded up). Not to be confused with a
    /// call's attempt timeout or deadline ([`CallOptions`](crate::CallOptions)).
    #[must_use]
    pub fn execution_timeout(mut self, limit: std::time::Duration) -> Self {
        self.timeout = Some(whole_seconds_up(limit));
        self
    }
    setters! {
        /// Sets how often execution is retried.
        retry_attempts: u32;
        /// Sets the seconds between execution retries.
        retry_delay: u64;
    }
    /// Adds one environment variable.
    #[must_use]
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }
    /// Sets the working directory.
    #[must_use]
    pub fn working_directory(mut self, dir: impl Into<String>) -> Self {
        self.working_directory = Some(dir.into());
        self
    }

    /// Checks the contract's rules: non-blank name and command, a project id,
    /// a positive timeout, at most 100 retry attempts. The error names the field.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] whose field errors name each field that breaks a rule.
    pub fn validate(&self) -> Result<(), Error> {
        not_blank("name", &self.name)?;
        not_blank("command", &self.command)?;
        if self.project_id.is_none() {
            return Err(Error::invalid_input("project_id", "is required"));
        }
        check_timeout(self.timeout)?;
        check_json_integer("retry_delay", self.retry_delay)?;
        check_retry_attempts(Some(self.retry_attempts))
    }
}

/// The fields of a task to change; only the fields that were set are sent.
///
/// ```
/// use taskqueue_proto::{TaskUpdateRequest, TaskStatus};
/// let req = TaskUpdateRequest::new().status(TaskStatus::Testing).name("renamed");
/// assert_eq!(
///     serde_json::to_string(&req).unwrap(),
///     r#"{"name":"renamed","status":"Testing"}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskUpdateRequest {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New technical specification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technical_specs: Option<String>,
    /// New acceptance criteria (replacing the old ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance_criteria: Option<Vec<String>>,
    /// New priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<TaskPriority>,
    /// New task type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<TaskType>,
    /// New status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
    /// New execution timeout in seconds (positive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// New execution retry count (at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_attempts: Option<u32>,
    /// New seconds between execution retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_delay: Option<u64>,
    /// New environment (replacing the old one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<BTreeMap<String, String>>,
    /// New working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    /// New metadata (replacing the old one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

impl TaskUpdateRequest {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    option_setters! {
        /// Sets the new name.
        name: impl Into<String> => into;
        /// Sets the new command.
        command: impl Into<String> => into;
        /// Sets the new description.
        description: impl Into<String> => into;
        /// Sets the new technical specification.
        technical_specs: impl Into<String> => into;
        /// Replaces the acceptance criteria.
        acceptance_criteria: Vec<String>;
        /// Sets the new priority.
        priority: TaskPriority;
        /// Sets the new task type.
        task_type: TaskType;
        /// Sets the new status.
        status: TaskStatus;
        /// Sets the new execution retry count.
        retry_attempts: u32;
        /// Sets the new seconds between execution retries.
        retry_delay: u64;
        /// Replaces the environment.
        environment: BTreeMap<String, String>;
        /// Sets the new working directory.
        working_directory: impl Into<String> => into;
        /// Replaces the metadata.
        metadata: serde_json::Map<String, serde_json::Value>;
    }

    /// Whether no field is set (such an update would change nothing).
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Sets how long the task may run (whole seconds on the wire, a
    /// fraction rounded up).
    #[must_use]
    pub fn execution_timeout(mut self, limit: std::time::Duration) -> Self {
        self.timeout = Some(whole_seconds_up(limit));
        self
    }

    /// Checks the fields that are set: non-blank name and command, a positive
    /// timeout, at most 100 retry attempts.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] whose field errors name each field that breaks a rule.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(name) = &self.name {
            not_blank("name", name)?;
        }
        if let Some(command) = &self.command {
            not_blank("command", command)?;
        }
        check_timeout(self.timeout)?;
        if let Some(delay) = self.retry_delay {
            check_json_integer("retry_delay", delay)?;
        }
        check_retry_attempts(self.retry_attempts)
    }
}

/// The fields of a new project.
///
/// ```
/// use taskqueue_proto::ProjectCreateRequest;
/// let req = ProjectCreateRequest::new("website").description("the new site").tag("web");
/// assert!(req.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProjectCreateRequest {
    /// The name (must not be blank).
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Initial status (the server's default is `Planning`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ProjectStatus>,
    /// When it is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<DateTime<Utc>>,
    /// Labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

impl ProjectCreateRequest {
    /// A request with a name; everything else at its default.
    pub fn new(name: impl Into<String>) -> Self {
        ProjectCreateRequest {
            name: name.into(),
            description: None,
            status: None,
            due_date: None,
            tags: Vec::new(),
            metadata: serde_json::Map::new(),
        }
    }
    option_setters! {
        /// Sets the description.
        description: impl Into<String> => into;
        /// Sets the initial status.
        status: ProjectStatus;
        /// Sets the due date.
        due_date: DateTime<Utc>;
    }
    /// Adds a tag.
    #[must_use]
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Checks that the name is not blank.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming `name`.
    pub fn validate(&self) -> Result<(), Error> {
        not_blank("name", &self.name)
    }
}

/// The fields of a project to change; only the fields that were set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProjectUpdateRequest {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ProjectStatus>,
    /// New due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<DateTime<Utc>>,
    /// New tags (replacing the old ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// New metadata (replacing the old one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ProjectUpdateRequest {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    option_setters! {
        /// Sets the new name.
        name: impl Into<String> => into;
        /// Sets the new description.
        description: impl Into<String> => into;
        /// Sets the new status.
        status: ProjectStatus;
        /// Sets the new due date.
        due_date: DateTime<Utc>;
        /// Replaces the tags.
        tags: Vec<String>;
        /// Replaces the metadata.
        metadata: serde_json::Map<String, serde_json::Value>;
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Checks that a new name, if set, is not blank.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming `name`.
    pub fn validate(&self) -> Result<(), Error> {
        match &self.name {
            Some(name) => not_blank("name", name),
            None => Ok(()),
        }
    }
}

/// Whether `c` counts as whitespace for a blank name or command: Unicode's
/// `White_Space`, plus what other regex dialects call whitespace (the
/// information separators U+001C–U+001F, as Python; U+FEFF, as ECMAScript),
/// so that `openapi.yaml`'s pattern, listing exactly these, means the same
/// to every validator.
pub fn is_blank_char(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}' | '\u{feff}')
}

/// Whether `value` is blank: empty, or whitespace only ([`is_blank_char`]).
pub fn is_blank(value: &str) -> bool {
    value.chars().all(is_blank_char)
}

pub(crate) fn not_blank(field: &str, value: &str) -> Result<(), Error> {
    if is_blank(value) {
        Err(Error::invalid_input(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// A duration in whole seconds, a fraction rounded up (a limit is never cut short).
fn whole_seconds_up(limit: std::time::Duration) -> u64 {
    limit.as_secs().saturating_add(u64::from(limit.subsec_nanos() > 0))
}

fn check_timeout(timeout: Option<u64>) -> Result<(), Error> {
    match timeout {
        Some(0) => Err(Error::invalid_input("timeout", "must be greater than 0 seconds")),
        Some(t) => check_json_integer("timeout", t),
        None => Ok(()),
    }
}

/// The largest integer the contract allows in a request (`int64`).
pub const MAX_JSON_INTEGER: u64 = i64::MAX as u64;

/// An integer field within the contract's `int64` range.
pub(crate) fn check_json_integer(field: &str, value: u64) -> Result<(), Error> {
    if value > MAX_JSON_INTEGER {
        return Err(Error::invalid_input(
            field,
            format!("must be at most {MAX_JSON_INTEGER}"),
        ));
    }
    Ok(())
}

fn check_retry_attempts(attempts: Option<u32>) -> Result<(), Error> {
    match attempts {
        Some(n) if n > MAX_RETRY_ATTEMPTS => Err(Error::invalid_input(
            "retry_attempts",
            format!("must be at most {MAX_RETRY_ATTEMPTS}, got {n}"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: Error) -> String {
        match err {
            Error::InvalidInput { field, .. } => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn blank_name_and_command_are_rejected_by_field() {
        let p = ProjectId::nil();
        assert_eq!(
            field_of(TaskCreateRequest::new(" ", "c", p).validate().unwrap_err()),
            "name"
        );
        assert_eq!(
            field_of(TaskCreateRequest::new("n", "", p).validate().unwrap_err()),
            "command"
        );
    }

    #[test]
    fn missing_project_id_from_a_file_is_rejected() {
        let req: TaskCreateRequest = serde_json::from_str(r#"{"name":"n","command":"c"}"#).unwrap();
        assert_eq!(field_of(req.validate().unwrap_err()), "project_id");
    }

    #[test]
    fn an_execution_timeout_is_whole_seconds_on_the_wire_rounded_up() {
        use std::time::Duration;
        let p = ProjectId::nil();
        for (limit, seconds) in [
            (Duration::from_millis(1500), 2),
            (Duration::from_secs(600), 600),
            (Duration::from_nanos(1), 1),
        ] {
            let req = TaskCreateRequest::new("n", "c", p).execution_timeout(limit);
            assert_eq!(serde_json::to_value(&req).unwrap()["timeout"], seconds);
            assert_eq!(TaskUpdateRequest::new().execution_timeout(limit).timeout, Some(seconds));
        }
    }

    #[test]
    fn zero_timeout_and_too_many_retries_are_rejected() {
        let p = ProjectId::nil();
        assert_eq!(
            field_of(
                TaskCreateRequest::new("n", "c", p)
                    .execution_timeout(std::time::Duration::from_secs(0))
                    .validate()
                    .unwrap_err()
            ),
            "timeout"
        );
        assert_eq!(
            field_of(
                TaskCreateRequest::new("n", "c", p)
                    .retry_attempts(101)
                    .validate()
                    .unwrap_err()
            ),
            "retry_attempts"
        );
        assert!(
            TaskCreateRequest::new("n", "c", p)
                .retry_attempts(100)
                .validate()
                .is_ok()
        );
        assert_eq!(
            field_of(
                TaskUpdateRequest::new()
                    .execution_timeout(std::time::Duration::from_secs(0))
                    .validate()
                    .unwrap_err()
            ),
            "timeout"
        );
        assert_eq!(
            field_of(TaskUpdateRequest::new().name("").validate().unwrap_err()),
            "name"
        );
        assert_eq!(field_of(ProjectCreateRequest::new("").validate().unwrap_err()), "name");
        assert_eq!(
            field_of(ProjectUpdateRequest::new().name("\t").validate().unwrap_err()),
            "name"
        );
    }

    #[test]
    fn empty_updates_serialize_to_an_empty_object() {
        assert_eq!(serde_json::to_string(&TaskUpdateRequest::new()).unwrap(), "{}");
        assert_eq!(serde_json::to_string(&ProjectUpdateRequest::new()).unwrap(), "{}");
        assert!(TaskUpdateRequest::new().is_empty());
        assert!(!TaskUpdateRequest::new().priority(TaskPriority::Low).is_empty());
    }

    #[test]
    fn create_request_read_from_json_takes_defaults() {
        let req: TaskCreateRequest =
            serde_json::from_str(r#"{"name":"n","command":"c","project_id":"00000000-0000-0000-0000-000000000001"}"#)
                .unwrap();
        assert_eq!(req.retry_attempts, 3);
        assert_eq!(req.retry_delay, 30);
        assert_eq!(req.priority, TaskPriority::Normal);
    }
}
