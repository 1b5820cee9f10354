//! [`TaskUpsertRequest`]: create a task, or change the one of that name.

use super::ProjectId;
use serde::{Deserialize, Serialize};

use super::TaskPriority;
use super::requests::not_blank;
use crate::Error;

/// What [`upsert_task`](crate::ops::UpsertTask) sends (upstream servers
/// only): the public server looks for a task of this name and changes it,
/// or creates one.
///
/// ```
/// use taskqueue_proto::{TaskPriority, TaskUpsertRequest};
/// let req = TaskUpsertRequest::new("nightly", "make all", taskqueue_proto::ProjectId::nil(), "the nightly build")
///     .priority(TaskPriority::High);
/// assert!(req.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskUpsertRequest {
    /// The name to match (and the new task's name).
    pub name: String,
    /// The command.
    pub command: String,
    /// A description (the server requires one).
    pub description: String,
    /// The project the task is in.
    pub project_id: ProjectId,
    /// The priority (`Normal` when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<TaskPriority>,
    /// Technical specification text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technical_specs: Option<String>,
    /// Acceptance criteria (replacing the old ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance_criteria: Option<Vec<String>>,
}

impl TaskUpsertRequest {
    /// The four fields the server requires.
    pub fn new(
        name: impl Into<String>,
        command: impl Into<String>,
        project_id: impl Into<ProjectId>,
        description: impl Into<String>,
    ) -> Self {
        TaskUpsertRequest {
            name: name.into(),
            command: command.into(),
            description: description.into(),
            project_id: project_id.into(),
            priority: None,
            technical_specs: None,
            acceptance_criteria: None,
        }
    }

    /// Sets the priority.
    #[must_use]
    pub fn priority(mut self, priority: TaskPriority) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Sets the technical specification.
    #[must_use]
    pub fn technical_specs(mut self, specs: impl Into<String>) -> Self {
        self.technical_specs = Some(specs.into());
        self
    }

    /// Sets the acceptance criteria.
    #[must_use]
    pub fn acceptance_criteria(mut self, criteria: Vec<String>) -> Self {
        self.acceptance_criteria = Some(criteria);
        self
    }

    /// Non-blank name and command, and a priority the server knows (it
    /// would read any other as `Normal`).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field that breaks a rule.
    pub fn validate(&self) -> Result<(), Error> {
        not_blank("name", &self.name)?;
        not_blank("command", &self.command)?;
        match &self.priority {
            Some(TaskPriority::Unknown(p)) => Err(Error::invalid_input(
                "priority",
                format!("{p:?} is not one of Low, Normal, High, Critical (the server would store Normal)"),
            )),
            _ => Ok(()),
        }
    }
}
