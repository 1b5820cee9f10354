//! Workflows (upstream servers only): [`Workflow`], its edges, and the
//! [`WorkflowCreateRequest`] a user gives.

use std::collections::HashSet;

use super::{TaskId, WorkflowId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{DependencyCondition, Task, WorkflowStatus, null_as_default, wire};
use crate::Error;

/// An edge of a workflow: `to` runs after `from`, when `condition` holds.
///
/// On the wire `from_task` and `to_task`; a workflow file may say `from`
/// and `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WorkflowDependency {
    /// The task that goes first.
    #[serde(rename = "from_task", alias = "from")]
    pub from: TaskId,
    /// The task that waits for it.
    #[serde(rename = "to_task", alias = "to")]
    pub to: TaskId,
    /// When the edge counts as met (`Success` by default).
    #[serde(default)]
    pub condition: DependencyCondition,
}

impl WorkflowDependency {
    /// `to` waits for `from` to succeed.
    pub fn new(from: impl Into<TaskId>, to: impl Into<TaskId>) -> Self {
        WorkflowDependency {
            from: from.into(),
            to: to.into(),
            condition: DependencyCondition::Success,
        }
    }

    /// When the edge counts as met.
    #[must_use]
    pub fn condition(mut self, condition: DependencyCondition) -> Self {
        self.condition = condition;
        self
    }
}

/// A workflow as the public server keeps it: its tasks embedded whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Workflow {
    /// The workflow's id.
    pub id: WorkflowId,
    /// Its name.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Its tasks, as they were when it was submitted.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tasks: Vec<Task>,
    /// The order between its tasks.
    #[serde(default, deserialize_with = "null_as_default")]
    pub dependencies: Vec<WorkflowDependency>,
    /// When it was submitted.
    #[serde(deserialize_with = "wire::timestamp")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(deserialize_with = "wire::timestamp")]
    pub updated_at: DateTime<Utc>,
    /// Where it is.
    #[serde(default)]
    pub status: WorkflowStatus,
}

/// What a user gives to [`submit_workflow`](crate::ops::SubmitWorkflow):
/// existing tasks by id and the order between them. The SDK fetches the
/// tasks and builds the whole workflow the server wants.
///
/// The JSON form (a workflow file of the CLI):
/// `{"name", "description", "tasks": [ids], "dependencies": [{"from", "to", "condition"}]}`.
///
/// ```
/// use taskqueue_proto::{WorkflowCreateRequest, WorkflowDependency};
/// let (a, b) = (taskqueue_proto::TaskId::from_u128(1), taskqueue_proto::TaskId::from_u128(2));
/// let wf = WorkflowCreateRequest::new("release", vec![a, b])
///     .description("build, then ship")
///     .dependency(WorkflowDependency::new(a, b));
/// assert!(wf.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WorkflowCreateRequest {
    /// The workflow's name (not blank).
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// The ids of its tasks (at least one, no repeats).
    pub tasks: Vec<TaskId>,
    /// The order between them; both ends of each edge must be in `tasks`.
    #[serde(default)]
    pub dependencies: Vec<WorkflowDependency>,
}

impl WorkflowCreateRequest {
    /// A workflow of these tasks, with no order between them yet.
    pub fn new(name: impl Into<String>, tasks: Vec<TaskId>) -> Self {
        WorkflowCreateRequest {
            name: name.into(),
            description: None,
            tasks,
            dependencies: Vec::new(),
        }
    }

    /// What it is for.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds an edge.
    #[must_use]
    pub fn dependency(mut self, edge: WorkflowDependency) -> Self {
        self.dependencies.push(edge);
        self
    }

    /// Checks everything that can be checked without the server: a name, at
    /// least one task and no repeats, edges between listed tasks with a
    /// settable condition, and no cycle among the edges.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming what is wrong (`tasks`, `dependencies[1].to`), or [`Error::Conflict`] (`dependency_cycle`) for a cycle.
    pub fn validate(&self) -> Result<(), Error> {
        if self.name.trim().is_empty() {
            return Err(Error::invalid_input("name", "must not be blank"));
        }
        if self.tasks.is_empty() {
            return Err(Error::invalid_input("tasks", "a workflow needs at least one task"));
        }
        let mut seen = HashSet::with_capacity(self.tasks.len());
        for (i, id) in self.tasks.iter().enumerate() {
            if !seen.insert(id) {
                return Err(Error::invalid_input(
                    format!("tasks[{i}]"),
                    format!("{id} is listed twice"),
                ));
            }
        }
        for (i, edge) in self.dependencies.iter().enumerate() {
            for (end, id) in [("from", edge.from), ("to", edge.to)] {
                if !seen.contains(&id) {
                    return Err(Error::invalid_input(
                        format!("dependencies[{i}].{end}"),
                        format!("{id} is not one of the workflow's tasks"),
                    ));
                }
            }
            if !DependencyCondition::SETTABLE.contains(&edge.condition) {
                return Err(Error::invalid_input(
                    format!("dependencies[{i}].condition"),
                    format!("{} is not one of Success, Failure, Completion", edge.condition),
                ));
            }
        }
        let edges: Vec<(TaskId, TaskId)> = self.dependencies.iter().map(|e| (e.to, e.from)).collect();
        if let Some(cycle) = crate::graph::find_cycle(&self.tasks, &edges) {
            return Err(Error::invalid_input(
                "dependencies",
                format!("they form a cycle: {}", crate::graph::show_cycle(&cycle)),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (TaskId, TaskId, TaskId) {
        (TaskId::from_u128(1), TaskId::from_u128(2), TaskId::from_u128(3))
    }

    #[test]
    fn a_workflow_file_reads_with_from_and_to() {
        let (a, b, _) = ids();
        let wf: WorkflowCreateRequest = serde_json::from_str(&format!(
            r#"{{"name":"w","tasks":["{a}","{b}"],"dependencies":[{{"from":"{a}","to":"{b}","condition":"Completion"}}]}}"#
        ))
        .unwrap();
        assert_eq!(
            wf.dependencies[0],
            WorkflowDependency::new(a, b).condition(DependencyCondition::Completion)
        );
        let wire = serde_json::to_value(&wf.dependencies[0]).unwrap();
        assert_eq!(wire["from_task"], serde_json::json!(a));
        assert!(serde_json::from_str::<WorkflowCreateRequest>(r#"{"name":"w","tasks":[],"extra":1}"#).is_err());
    }

    #[test]
    fn validation_names_what_is_wrong() {
        let (a, b, c) = ids();
        let cases = [
            (WorkflowCreateRequest::new(" ", vec![a]), "name"),
            (WorkflowCreateRequest::new("w", vec![]), "tasks"),
            (WorkflowCreateRequest::new("w", vec![a, b, a]), "tasks[2]"),
            (
                WorkflowCreateRequest::new("w", vec![a]).dependency(WorkflowDependency::new(a, c)),
                "dependencies[0].to",
            ),
            (
                WorkflowCreateRequest::new("w", vec![a, b])
                    .dependency(WorkflowDependency::new(a, b))
                    .dependency(WorkflowDependency::new(b, a)),
                "dependencies",
            ),
        ];
        for (wf, field) in cases {
            match wf.validate() {
                Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }
}
