//! `Task` and `TaskPhase`, as the server returns them.

use std::collections::BTreeMap;

use super::{ProjectId, TaskId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Json, TaskPriority, TaskStatus, TaskType, null_as_default, wire};

/// A task: a command with a priority, a status lifecycle, phases and AI-review counters.
///
/// Unknown fields from a newer server are ignored; missing optional fields take
/// the specification's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Task {
    /// The task's id.
    pub id: TaskId,
    /// A short name.
    pub name: String,
    /// The command the task runs.
    pub command: String,
    /// Free text; empty when none was given.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// Technical specification text.
    pub technical_specs: Option<String>,
    /// Acceptance criteria, one per entry.
    #[serde(default, deserialize_with = "null_as_default")]
    pub acceptance_criteria: Vec<String>,
    /// Name of the project, when the server includes it.
    pub project: Option<String>,
    /// What kind of task this is.
    #[serde(default)]
    pub task_type: TaskType,
    /// How urgent it is.
    #[serde(default)]
    pub priority: TaskPriority,
    /// The project the task belongs to.
    pub project_id: Option<ProjectId>,
    /// Dependencies, as structured objects (a JSON list, kept as sent).
    #[serde(default = "Json::empty_array", deserialize_with = "super::json::array_or_empty")]
    pub dependencies: Json,
    /// Execution timeout in seconds.
    #[serde(default, deserialize_with = "wire::opt_seconds")]
    pub timeout: Option<u64>,
    /// How often execution is retried (default 3).
    #[serde(default = "default_retry_attempts")]
    pub retry_attempts: u32,
    /// Seconds between execution retries (default 30).
    #[serde(default = "default_retry_delay", deserialize_with = "wire::seconds")]
    pub retry_delay: u64,
    /// Environment variables for the command.
    #[serde(default, deserialize_with = "null_as_default")]
    pub environment: BTreeMap<String, String>,
    /// Working directory for the command.
    pub working_directory: Option<String>,
    /// When the task was created.
    #[serde(deserialize_with = "wire::timestamp")]
    pub created_at: DateTime<Utc>,
    /// When the task last changed.
    #[serde(deserialize_with = "wire::timestamp")]
    pub updated_at: DateTime<Utc>,
    /// Where the task is in its lifecycle.
    #[serde(default)]
    pub status: TaskStatus,
    /// The execution result, if any (kept as sent; [`TaskResult::from_json`](crate::TaskResult::from_json) reads it).
    #[serde(default)]
    pub result: Option<Json>,
    /// The development phases the task went through.
    #[serde(default, deserialize_with = "null_as_default")]
    pub phases: Vec<TaskPhase>,
    /// The phase the task is in.
    #[serde(default)]
    pub current_phase: TaskStatus,
    /// AI reviews required before finalizing (default 3).
    #[serde(default = "default_ai_reviews_required")]
    pub ai_reviews_required: u32,
    /// AI reviews done so far.
    #[serde(default)]
    pub ai_reviews_completed: u32,
    /// The development workflow, if any (kept as sent).
    #[serde(default)]
    pub development_workflow: Option<Json>,
    /// Free-form metadata (a JSON object, kept as sent).
    #[serde(default = "Json::empty_object", deserialize_with = "super::json::object_or_empty")]
    pub metadata: Json,
}

/// One development phase of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskPhase {
    /// Which phase this is.
    pub phase: TaskStatus,
    /// When the phase started.
    #[serde(default, deserialize_with = "wire::opt_timestamp")]
    pub started_at: Option<DateTime<Utc>>,
    /// When the phase ended, if it has.
    #[serde(default, deserialize_with = "wire::opt_timestamp")]
    pub completed_at: Option<DateTime<Utc>>,
    /// Notes written during the phase.
    pub documentation: Option<String>,
    /// Artifacts produced (paths or URLs).
    #[serde(default, deserialize_with = "null_as_default")]
    pub artifacts: Vec<String>,
    /// AI reviews of the phase (a JSON list, kept as sent).
    #[serde(default = "Json::empty_array", deserialize_with = "super::json::array_or_empty")]
    pub ai_reviews: Json,
}

impl TaskPhase {
    /// A phase that started at `started_at` and has not ended.
    pub fn new(phase: TaskStatus, started_at: DateTime<Utc>) -> Self {
        TaskPhase {
            phase,
            started_at: Some(started_at),
            completed_at: None,
            documentation: None,
            artifacts: Vec::new(),
            ai_reviews: Json::empty_array(),
        }
    }
}

impl Task {
    /// A task as a server creates it from the essential fields, with every other
    /// field at the specification's default. Servers and test doubles use this;
    /// clients get tasks from the server.
    pub fn new(id: impl Into<TaskId>, name: impl Into<String>, command: impl Into<String>, now: DateTime<Utc>) -> Self {
        Task {
            id: id.into(),
            name: name.into(),
            command: command.into(),
            description: String::new(),
            technical_specs: None,
            acceptance_criteria: Vec::new(),
            project: None,
            task_type: TaskType::default(),
            priority: TaskPriority::default(),
            project_id: None,
            dependencies: Json::empty_array(),
            timeout: None,
            retry_attempts: default_retry_attempts(),
            retry_delay: default_retry_delay(),
            environment: BTreeMap::new(),
            working_directory: None,
            created_at: now,
            updated_at: now,
            status: TaskStatus::default(),
            result: None,
            phases: Vec::new(),
            current_phase: TaskStatus::default(),
            ai_reviews_required: default_ai_reviews_required(),
            ai_reviews_completed: 0,
            development_workflow: None,
            metadata: Json::empty_object(),
        }
    }
}

impl Task {
    /// The ids of the tasks this one depends on (each dependency's
    /// `task_id`; a dependency without a readable one is skipped).
    pub fn dependency_ids(&self) -> impl Iterator<Item = TaskId> + '_ {
        self.dependencies
            .as_array()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|d| d.get("task_id")?.as_str()?.parse().ok())
    }
}

pub(crate) fn default_retry_attempts() -> u32 {
    3
}
pub(crate) fn default_retry_delay() -> u64 {
    30
}
fn default_ai_reviews_required() -> u32 {
    3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_task_takes_the_specification_defaults() {
        let t: Task = serde_json::from_str(
            r#"{"id":"6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90","name":"n","command":"c",
                "created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(t.description, "");
        assert_eq!(t.retry_attempts, 3);
        assert_eq!(t.retry_delay, 30);
        assert_eq!(t.ai_reviews_required, 3);
        assert_eq!(t.ai_reviews_completed, 0);
        assert_eq!(t.status, TaskStatus::Planning);
        assert_eq!(t.current_phase, TaskStatus::Planning);
        assert_eq!(t.priority, TaskPriority::Normal);
        assert_eq!(t.task_type, TaskType::Simple);
    }

    #[test]
    fn nulls_in_collection_fields_read_as_empty_and_unknown_fields_are_ignored() {
        let t: Task = serde_json::from_str(
            r#"{"id":"6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90","name":"n","command":"c","description":null,
                "acceptance_criteria":null,"environment":null,"metadata":null,"shiny_new_field":[1,2],
                "created_at":"2026-01-01T00:00:00+02:00","updated_at":"2026-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert!(t.acceptance_criteria.is_empty() && t.environment.is_empty() && t.metadata.is_empty());
        assert_eq!(t.created_at.to_rfc3339(), "2025-12-31T22:00:00+00:00");
    }
}
