//! `TaskFilters`: the query of `list_tasks`.

use super::ProjectId;
use crate::setters::option_setters;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{TaskPriority, TaskStatus, TaskType};
use crate::Error;

/// The default page size of `list_tasks`.
pub const DEFAULT_LIMIT: u32 = 100;
/// The largest page size the contract allows.
pub const MAX_LIMIT: u32 = 1000;

/// Which tasks `list_tasks` returns. Every field is optional; `limit`
/// defaults to 100 (1..=1000) and `offset` to 0.
///
/// Times keep the offset they were given, so `2026-03-01T10:00:00+01:00`
/// reaches the server exactly as written.
///
/// ```
/// use taskqueue_proto::{TaskFilters, TaskStatus};
/// let f = TaskFilters::new().status(TaskStatus::Running).limit(50);
/// assert!(f.validate().is_ok());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskFilters {
    /// Only tasks in this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
    /// Only tasks of this project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
    /// Only tasks with this priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<TaskPriority>,
    /// Only tasks of this type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<TaskType>,
    /// Only tasks created at or after this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_after: Option<DateTime<FixedOffset>>,
    /// Only tasks created at or before this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_before: Option<DateTime<FixedOffset>>,
    /// Page size (1..=1000); `None` means the server's default, 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// How many matching tasks to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl TaskFilters {
    /// No filter: the first page of every task.
    pub fn new() -> Self {
        Self::default()
    }
    option_setters! {
        /// Only tasks in this status.
        status: TaskStatus;
        /// Only tasks of this project.
        project_id: impl Into<ProjectId> => into;
        /// Only tasks with this priority.
        priority: TaskPriority;
        /// Only tasks of this type.
        task_type: TaskType;
        /// Only tasks created at or after `time` (any offset: `Utc::now()` works).
        created_after: impl Into<DateTime<FixedOffset>> => into;
        /// Only tasks created at or before `time` (any offset).
        created_before: impl Into<DateTime<FixedOffset>> => into;
        /// The page size, 1..=1000.
        limit: u32;
        /// How many matching tasks to skip.
        offset: u64;
    }

    /// The page size that will be asked for.
    pub fn effective_limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT)
    }

    /// Checks that `limit` is within 1..=1000 and `offset` within the contract's `int64`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming `limit` or `offset`.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(offset) = self.offset {
            super::requests::check_json_integer("offset", offset)?;
        }
        match self.limit {
            Some(l) if !(1..=MAX_LIMIT).contains(&l) => Err(Error::invalid_input(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}, got {l}"),
            )),
            _ => Ok(()),
        }
    }

    /// The query pairs, in the contract's order, with values in wire form.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(v) = &self.status {
            q.push(("status", v.as_str().to_owned()));
        }
        if let Some(v) = &self.project_id {
            q.push(("project_id", v.to_string()));
        }
        if let Some(v) = &self.priority {
            q.push(("priority", v.as_str().to_owned()));
        }
        if let Some(v) = &self.task_type {
            q.push(("task_type", v.as_str().to_owned()));
        }
        if let Some(v) = &self.created_after {
            q.push(("created_after", v.to_rfc3339()));
        }
        if let Some(v) = &self.created_before {
            q.push(("created_before", v.to_rfc3339()));
        }
        if let Some(v) = self.limit {
            q.push(("limit", v.to_string()));
        }
        if let Some(v) = self.offset {
            q.push(("offset", v.to_string()));
        }
        q
    }
}
