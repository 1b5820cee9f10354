//! A task's stored status and result, and the changes the server
//! acknowledges: retry, priority, phase advance, status change.

use crate::models::TaskId;
use http::{Method, Request, Response};
use serde::{Deserialize, Serialize};

use super::{Exchange, OneExchange, TaskAction, ThenTask, json_request, read_json, task_path, upstream_only};
use crate::error::Missing;
use crate::ops::upstream::conflict;
use crate::{Config, Error, Task, TaskPriority, TaskResult, TaskStatus};

/// `GET /tasks/{id}/status`: the status the server stores (which its
/// `GET /tasks/{id}` may not show yet, after a cancel or a retry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetTaskStatus {
    /// The task.
    pub id: TaskId,
}

impl GetTaskStatus {
    /// Reads the stored status of task `id`.
    pub fn new(id: impl Into<TaskId>) -> Self {
        GetTaskStatus { id: id.into() }
    }
}

upstream_only!(GetTaskStatus, TaskStatus, Exchange, "get_task_status");

impl OneExchange for GetTaskStatus {
    fn request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::GET, &format!("{}/status", task_path(&self.id)), &[], None)
    }

    fn read(&self, response: &Response<Vec<u8>>) -> Result<TaskStatus, Error> {
        #[derive(Deserialize)]
        struct Body {
            status: TaskStatus,
        }
        let subject = format!("task {}", self.id);
        read_json::<Body>("get_task_status", &subject, response, Missing::Task(Some(self.id))).map(|b| b.status)
    }
}

/// `GET /tasks/{id}/result`: the task's result, `None` while it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetTaskResult {
    /// The task.
    pub id: TaskId,
}

impl GetTaskResult {
    /// Reads the result of task `id`.
    pub fn new(id: impl Into<TaskId>) -> Self {
        GetTaskResult { id: id.into() }
    }
}

upstream_only!(GetTaskResult, Option<TaskResult>, Exchange, "get_task_result");

impl OneExchange for GetTaskResult {
    fn request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::GET, &format!("{}/result", task_path(&self.id)), &[], None)
    }

    fn read(&self, response: &Response<Vec<u8>>) -> Result<Option<TaskResult>, Error> {
        #[derive(Deserialize)]
        struct Body {
            result: Option<TaskResult>,
        }
        let subject = format!("task {}", self.id);
        read_json::<Body>("get_task_result", &subject, response, Missing::Task(Some(self.id))).map(|b| b.result)
    }
}

/// `POST /tasks/{id}/retry`, then the task: the server clears the result and
/// stores `Pending` (optionally resetting the retry count to 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryTask {
    /// The task.
    pub id: TaskId,
    /// Whether to reset `retry_attempts` to 0.
    pub reset_retry_count: bool,
}

impl RetryTask {
    /// Queues task `id` again, keeping its retry count.
    pub fn new(id: impl Into<TaskId>) -> Self {
        RetryTask {
            id: id.into(),
            reset_retry_count: false,
        }
    }

    /// Resets the task's retry count to 0 as well.
    #[must_use]
    pub fn reset_retry_count(mut self) -> Self {
        self.reset_retry_count = true;
        self
    }
}

upstream_only!(RetryTask, Task, ThenTask, "retry_task";
    /// Queueing a task again twice leaves it as once.
    fn repeatable_in(&self, _dialect: crate::Dialect) -> bool {
        true
    }
);

impl TaskAction for RetryTask {
    fn task_id(&self) -> TaskId {
        self.id
    }

    fn act(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        let body = serde_json::json!({ "reset_retry_count": self.reset_retry_count });
        json_request(config, Method::POST, &format!("{}/retry", task_path(&self.id)), &body)
    }

    fn finish(&self, _ack: serde_json::Value, task: Task) -> Task {
        task
    }
}

/// `PUT /tasks/{id}/priority`, then the task.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SetTaskPriority {
    /// The task.
    pub id: TaskId,
    /// Its new priority (one the server knows).
    pub priority: TaskPriority,
}

impl SetTaskPriority {
    /// Sets task `id`'s priority.
    pub fn new(id: impl Into<TaskId>, priority: TaskPriority) -> Self {
        SetTaskPriority {
            id: id.into(),
            priority,
        }
    }
}

upstream_only!(SetTaskPriority, Task, ThenTask, "set_task_priority");

impl TaskAction for SetTaskPriority {
    fn task_id(&self) -> TaskId {
        self.id
    }

    fn act(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        if let TaskPriority::Unknown(p) = &self.priority {
            return Err(Error::invalid_input(
                "priority",
                format!("{p:?} is not one of Low, Normal, High, Critical"),
            ));
        }
        let body = serde_json::json!({ "priority": self.priority });
        json_request(config, Method::PUT, &format!("{}/priority", task_path(&self.id)), &body)
    }

    fn finish(&self, _ack: serde_json::Value, task: Task) -> Task {
        task
    }
}

/// What [`AdvancePhase`] answers: whether the task moved to its next phase
/// (the server says `false` when it cannot: already finalized, too few AI
/// reviews), and the task afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PhaseAdvance {
    /// Whether it moved.
    pub advanced: bool,
    /// The task afterwards.
    pub task: Task,
}

/// `POST /tasks/{id}/advance-phase`, then the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdvancePhase {
    /// The task.
    pub id: TaskId,
}

impl AdvancePhase {
    /// Moves task `id` to its next phase.
    pub fn new(id: impl Into<TaskId>) -> Self {
        AdvancePhase { id: id.into() }
    }
}

upstream_only!(AdvancePhase, PhaseAdvance, ThenTask, "advance_phase";
    fn outcome_check(&self) -> String {
        format!("get task {} and look at its current phase before advancing it again", self.id)
    }
);

impl TaskAction for AdvancePhase {
    fn task_id(&self) -> TaskId {
        self.id
    }

    fn act(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(
            Method::POST,
            &format!("{}/advance-phase", task_path(&self.id)),
            &[],
            None,
        )
    }

    fn finish(&self, ack: serde_json::Value, task: Task) -> PhaseAdvance {
        PhaseAdvance {
            advanced: ack
                .get("advanced")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
            task,
        }
    }
}

/// The statuses `PUT /tasks/{id}/status` accepts.
pub const SETTABLE_STATUSES: &[TaskStatus] = &[
    TaskStatus::Planning,
    TaskStatus::Implementation,
    TaskStatus::TestCreation,
    TaskStatus::Testing,
    TaskStatus::AiReview,
    TaskStatus::Finalized,
    TaskStatus::Cancelled,
    TaskStatus::Failed,
];

/// `PUT /tasks/{id}/status`, then the task. The server refuses a change
/// off its workflow with an empty 400; the SDK then fetches the task and
/// answers [`Error::Conflict`] (`invalid_transition`), or `TaskNotFound`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SetTaskStatus {
    /// The task.
    pub id: TaskId,
    /// The status to move to.
    pub status: TaskStatus,
}

impl SetTaskStatus {
    /// Moves task `id` to `status`.
    pub fn new(id: impl Into<TaskId>, status: TaskStatus) -> Self {
        SetTaskStatus { id: id.into(), status }
    }
}

upstream_only!(SetTaskStatus, Task, ThenTask, "set_task_status");

impl TaskAction for SetTaskStatus {
    fn task_id(&self) -> TaskId {
        self.id
    }

    fn act(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        if !SETTABLE_STATUSES.contains(&self.status) {
            let known: Vec<&str> = SETTABLE_STATUSES.iter().map(TaskStatus::as_str).collect();
            return Err(Error::invalid_input(
                "status",
                format!("the server cannot set {}; it sets {}", self.status, known.join(", ")),
            ));
        }
        let body = serde_json::json!({ "status": self.status });
        json_request(config, Method::PUT, &format!("{}/status", task_path(&self.id)), &body)
    }

    fn finish(&self, _ack: serde_json::Value, task: Task) -> Task {
        task
    }

    fn refusal(&self, current: &Task, response: &Response<Vec<u8>>) -> Option<Error> {
        let message = format!(
            "Task {} cannot go from {} to {}: the server allows one step along Planning → Implementation → \
             TestCreation → Testing → AIReview → Finalized (Finalized only after the required AI reviews), \
             AIReview → Implementation, Failed → Planning or Implementation, or any status to Cancelled",
            self.id, current.current_phase, self.status
        );
        Some(conflict("invalid_transition", message, response))
    }
}
