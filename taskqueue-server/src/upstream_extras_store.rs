//! The upstream store's rules for the public server's endpoints beyond the
//! documents: retry, priority, dependencies, phases, status changes,
//! upsert, workflows, statistics — as its source and the recording show them.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use taskqueue_proto::{Task, TaskPhase, TaskPriority, TaskStatus, Workflow};
use uuid::Uuid;

use crate::upstream_store::{Refusal, UpstreamStore, allowed};

/// What `POST /tasks/upsert` reads.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Upsert {
    pub(crate) name: String,
    pub(crate) command: String,
    pub(crate) description: String,
    pub(crate) project_id: Uuid,
    pub(crate) priority: TaskPriority,
    pub(crate) technical_specs: Option<String>,
    pub(crate) acceptance_criteria: Option<Vec<String>>,
}

/// A dependency as `POST /tasks/{id}/dependencies` adds it.
#[derive(Debug)]
pub(crate) struct NewDependency {
    pub(crate) on: Uuid,
    pub(crate) name: Option<String>,
    pub(crate) condition: String,
    pub(crate) required: bool,
    pub(crate) correlation_id: Option<String>,
}

/// The counts of `GET /stats`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Counts {
    pub(crate) total: usize,
    pub(crate) running: usize,
    pub(crate) pending: usize,
    pub(crate) completed: usize,
    pub(crate) failed: usize,
    pub(crate) workflows: usize,
}

/// The phase that follows `phase` in the development workflow.
fn next_phase(task: &Task) -> Option<TaskStatus> {
    use TaskStatus::*;
    match task.current_phase {
        Planning => Some(Implementation),
        Implementation => Some(TestCreation),
        TestCreation => Some(Testing),
        Testing => Some(AiReview),
        AiReview if task.ai_reviews_completed >= task.ai_reviews_required => Some(Finalized),
        _ => None,
    }
}

impl UpstreamStore {
    fn task_mut(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<&mut Task, Refusal> {
        self.settle(now);
        self.tasks.get_mut(&id).ok_or(Refusal::NotFound)
    }

    /// Clears the result and stores `Pending` (the task keeps showing its phase).
    pub(crate) fn retry_task(&mut self, id: Uuid, reset: bool, now: DateTime<Utc>) -> Result<(), Refusal> {
        let task = self.task_mut(id, now)?;
        if reset {
            task.retry_attempts = 0;
        }
        task.result = None;
        task.updated_at = now;
        self.stored_status.insert(id, TaskStatus::Pending);
        Ok(())
    }

    pub(crate) fn set_priority(&mut self, id: Uuid, priority: TaskPriority, now: DateTime<Utc>) -> Result<(), Refusal> {
        let task = self.task_mut(id, now)?;
        task.priority = priority;
        task.updated_at = now;
        Ok(())
    }

    /// Adds the dependency without looking at what it depends on (no cycle
    /// check, no existence check), as the public server does.
    pub(crate) fn add_dependency(&mut self, id: Uuid, dep: NewDependency, now: DateTime<Utc>) -> Result<(), Refusal> {
        let task = self.task_mut(id, now)?;
        let mut dependencies = task.dependencies.as_array().unwrap_or_default();
        dependencies.push(json!({
            "task_id": dep.on, "task_name": dep.name, "condition": dep.condition, "required": dep.required,
            "correlation_id": dep.correlation_id, "metadata": {}
        }));
        task.dependencies = dependencies.into();
        task.updated_at = now;
        Ok(())
    }

    pub(crate) fn dependencies(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<Vec<Value>, Refusal> {
        Ok(self.task_mut(id, now)?.dependencies.as_array().unwrap_or_default())
    }

    pub(crate) fn correlations(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<Vec<String>, Refusal> {
        let task = self.task_mut(id, now)?;
        Ok(task
            .dependencies
            .as_array()
            .unwrap_or_default()
            .iter()
            .filter_map(|d| d.get("correlation_id").and_then(Value::as_str).map(str::to_owned))
            .collect())
    }

    /// Moves the task to its next phase: `false` when there is none.
    pub(crate) fn advance_phase(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<bool, Refusal> {
        let task = self.task_mut(id, now)?;
        let Some(next) = next_phase(task) else {
            return Ok(false);
        };
        task.current_phase = next.clone();
        task.status = next.clone();
        task.updated_at = now;
        self.stop_run(&id);
        self.stored_status.insert(id, next);
        Ok(true)
    }

    /// A status change by the public server's rule: the current phase ends,
    /// a new one starts. Refused or unknown task: both 400, as upstream.
    pub(crate) fn set_status(&mut self, id: Uuid, to: TaskStatus, now: DateTime<Utc>) -> Result<(), Refusal> {
        let task = self.task_mut(id, now).map_err(|_| Refusal::BadRequest)?;
        if !allowed(task, &to) {
            return Err(Refusal::BadRequest);
        }
        if task.current_phase != to {
            if let Some(last) = task.phases.last_mut() {
                last.completed_at = Some(now);
            }
            if to != TaskStatus::Finalized {
                task.phases.push(TaskPhase::new(to.clone(), now));
            }
        }
        task.current_phase = to.clone();
        task.status = to.clone();
        task.updated_at = now;
        self.stop_run(&id);
        self.stored_status.insert(id, to);
        Ok(())
    }

    /// Changes the task of that name (any project), or creates one; an
    /// unknown project is a 500.
    pub(crate) fn upsert(&mut self, u: Upsert, now: DateTime<Utc>) -> Result<Task, Refusal> {
        if !self.knows_project(&u.project_id) {
            return Err(Refusal::Internal);
        }
        self.settle(now);
        let existing = self.tasks.values().find(|t| t.name == u.name).map(|t| t.id);
        let task = match existing {
            Some(id) => {
                let task = self.tasks.get_mut(id.as_uuid()).ok_or(Refusal::Internal)?;
                task.command = u.command;
                task.description = u.description;
                task.priority = u.priority;
                task.project_id = Some(u.project_id.into());
                if let Some(specs) = u.technical_specs {
                    task.technical_specs = Some(specs);
                }
                if let Some(criteria) = u.acceptance_criteria {
                    task.acceptance_criteria = criteria;
                }
                task.updated_at = now;
                task.clone()
            }
            None => {
                let mut task = Task::new(Uuid::new_v4(), u.name, u.command, now);
                task.description = u.description;
                task.priority = u.priority;
                task.project_id = Some(u.project_id.into());
                task.technical_specs = u.technical_specs;
                task.acceptance_criteria = u.acceptance_criteria.unwrap_or_default();
                task.phases = vec![TaskPhase::new(TaskStatus::Planning, now)];
                self.start_run(&mut task, now);
                self.stored_status.insert(task.id.into_uuid(), task.status.clone());
                self.tasks.insert(task.id.into_uuid(), task.clone());
                self.counters.tasks_submitted += 1;
                task
            }
        };
        Ok(task)
    }

    /// Stores a workflow: a name, at least one task, and no cycle among its
    /// tasks' own dependencies (each refusal an empty 400).
    pub(crate) fn submit_workflow(&mut self, workflow: Workflow) -> Result<Uuid, Refusal> {
        if workflow.name.is_empty() || workflow.tasks.is_empty() || has_cycle(&workflow.tasks) {
            return Err(Refusal::BadRequest);
        }
        let id = workflow.id;
        self.workflows.insert(id.into_uuid(), workflow);
        self.counters.workflows_submitted += 1;
        Ok(id.into_uuid())
    }

    pub(crate) fn workflow(&self, id: Uuid) -> Result<Workflow, Refusal> {
        self.workflows.get(&id).cloned().ok_or(Refusal::NotFound)
    }

    pub(crate) fn list_workflows(&self) -> Vec<Workflow> {
        self.workflows.values().cloned().collect()
    }

    pub(crate) fn counts(&mut self, now: DateTime<Utc>) -> Counts {
        self.settle(now);
        let count = |s: TaskStatus| self.stored_status.values().filter(|v| **v == s).count();
        Counts {
            total: self.tasks.len(),
            running: count(TaskStatus::Running),
            pending: count(TaskStatus::Pending),
            completed: count(TaskStatus::Completed),
            failed: count(TaskStatus::Failed),
            workflows: self.workflows.len(),
        }
    }
}

/// Whether the tasks' dependencies on each other form a cycle.
fn has_cycle(tasks: &[Task]) -> bool {
    let ids: Vec<taskqueue_proto::TaskId> = tasks.iter().map(|t| t.id).collect();
    let edges: Vec<(taskqueue_proto::TaskId, taskqueue_proto::TaskId)> = tasks
        .iter()
        .flat_map(|t| t.dependency_ids().map(move |on| (t.id, on)))
        .collect();
    taskqueue_proto::graph::find_cycle(&ids, &edges).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc()
    }

    fn task(n: u128, on: &[u128]) -> Task {
        let mut t = Task::new(Uuid::from_u128(n), "t", "c", now());
        t.dependencies = on
            .iter()
            .map(|d| json!({ "task_id": Uuid::from_u128(*d) }))
            .collect::<Vec<_>>()
            .into();
        t
    }

    #[test]
    fn cycles_among_a_workflows_tasks_are_found() {
        assert!(!has_cycle(&[task(1, &[2]), task(2, &[3])]), "3 is outside the workflow");
        assert!(has_cycle(&[task(1, &[2]), task(2, &[1])]));
        assert!(has_cycle(&[task(1, &[1])]));
    }

    #[test]
    fn phases_advance_until_the_reviews_are_missing() {
        let mut t = task(1, &[]);
        for expected in [
            TaskStatus::Implementation,
            TaskStatus::TestCreation,
            TaskStatus::Testing,
            TaskStatus::AiReview,
        ] {
            assert_eq!(next_phase(&t), Some(expected.clone()));
            t.current_phase = expected;
        }
        assert_eq!(next_phase(&t), None, "3 reviews required, none done");
        t.ai_reviews_completed = 3;
        assert_eq!(next_phase(&t), Some(TaskStatus::Finalized));
    }
}
