//! The upstream mode's store: the public server's rules, as recorded.

use std::collections::HashMap;
use std::time::Duration;

use crate::simulation::Runs;
use chrono::{DateTime, Utc};
use taskqueue_proto::{
    Project, Task, TaskMetrics, TaskPhase, TaskPriority, TaskResult, TaskStatus, TaskType, Workflow,
};
use uuid::Uuid;

/// Why the upstream store refused: each maps to the public server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 404, empty body.
    NotFound,
    /// 400, empty body (empty name, unknown project).
    BadRequest,
    /// 500, empty body (unknown project on update or delete).
    Internal,
}

/// A task create as the public server reads it.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct NewTask {
    pub(crate) name: String,
    pub(crate) command: String,
    pub(crate) description: String,
    pub(crate) task_type: TaskType,
    pub(crate) priority: TaskPriority,
    pub(crate) project_id: Uuid,
    #[serde(default)]
    pub(crate) technical_specs: Option<String>,
    #[serde(default)]
    pub(crate) acceptance_criteria: Option<Vec<String>>,
    /// Kept in the task's `metadata.tags`, as the public server does.
    #[serde(default)]
    pub(crate) tags: Option<Vec<String>>,
}

/// A task update as the public server applies it.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct TaskChanges {
    pub(crate) name: Option<String>,
    pub(crate) command: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) priority: Option<TaskPriority>,
    pub(crate) status: Option<TaskStatus>,
    pub(crate) project_id: Option<Uuid>,
}

/// A project create or update.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ProjectFields {
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
}

/// The public server's rule for a status change, from the task's current
/// phase: one step along Planning → Implementation → TestCreation → Testing
/// → AIReview → Finalized (Finalized only after the required AI reviews),
/// AIReview → Implementation, Failed → Planning or Implementation, the
/// same status, or anything to Cancelled.
pub(crate) fn allowed(task: &Task, to: &TaskStatus) -> bool {
    use TaskStatus::*;
    match (&task.current_phase, to) {
        (_, Cancelled) => true,
        (from, to) if from == to => true,
        (Planning, Implementation)
        | (Implementation, TestCreation)
        | (TestCreation, Testing)
        | (Testing, AiReview)
        | (AiReview, Implementation)
        | (Failed, Implementation)
        | (Failed, Planning) => true,
        (AiReview, Finalized) => task.ai_reviews_completed >= task.ai_reviews_required,
        _ => false,
    }
}

/// What the public server counts for `GET /metrics`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counters {
    pub(crate) tasks_submitted: u64,
    pub(crate) tasks_cancelled: u64,
    pub(crate) tasks_completed: u64,
    pub(crate) tasks_failed: u64,
    pub(crate) workflows_submitted: u64,
}

/// Tasks and projects in hash maps (the public server lists them in no
/// particular order), with the status it stores apart from the one its
/// `GET /tasks/{id}` shows.
#[derive(Debug, Default)]
pub(crate) struct UpstreamStore {
    pub(crate) tasks: HashMap<Uuid, Task>,
    pub(crate) stored_status: HashMap<Uuid, TaskStatus>,
    projects: HashMap<Uuid, Project>,
    pub(crate) workflows: HashMap<Uuid, Workflow>,
    pub(crate) counters: Counters,
    runs: Runs,
}

impl UpstreamStore {
    pub(crate) fn new(complete_after: Option<Duration>) -> Self {
        UpstreamStore {
            runs: Runs::new(complete_after),
            ..Self::default()
        }
    }

    /// Finishes the simulated runs whose time has come, with the result
    /// forms the public server writes.
    pub(crate) fn settle(&mut self, now: DateTime<Utc>) {
        for (id, run) in self.runs.ended(now) {
            if let Some(task) = self.tasks.get_mut(&id) {
                task.status = run.outcome();
                task.updated_at = run.ends_at;
                let result = if run.fails {
                    self.counters.tasks_failed += 1;
                    TaskResult::Failure {
                        error: "the command exited with 1".into(),
                        exit_code: Some(1),
                        logs: Vec::new(),
                    }
                } else {
                    self.counters.tasks_completed += 1;
                    TaskResult::Success {
                        output: String::new(),
                        artifacts: Vec::new(),
                        metrics: Some(TaskMetrics::new(Duration::ZERO)),
                    }
                };
                task.result = Some(result.to_json().into());
                self.stored_status.insert(id, run.outcome());
            }
        }
    }

    /// Whether the project exists.
    pub(crate) fn knows_project(&self, id: &Uuid) -> bool {
        self.projects.contains_key(id)
    }

    /// Starts the simulated run of a new task, if the simulation is on.
    pub(crate) fn start_run(&mut self, task: &mut Task, now: DateTime<Utc>) {
        self.runs.start(task, now);
    }

    /// Forgets a task's run.
    pub(crate) fn stop_run(&mut self, id: &Uuid) {
        self.runs.stop(id);
    }

    pub(crate) fn create_task(&mut self, new: NewTask, now: DateTime<Utc>) -> Result<Uuid, Refusal> {
        if new.name.is_empty() || !self.projects.contains_key(&new.project_id) {
            return Err(Refusal::BadRequest);
        }
        let mut task = Task::new(Uuid::new_v4(), new.name, new.command, now);
        task.description = new.description;
        task.task_type = new.task_type;
        task.priority = new.priority;
        task.project_id = Some(new.project_id.into());
        task.technical_specs = new.technical_specs;
        task.acceptance_criteria = new.acceptance_criteria.unwrap_or_default();
        if let Some(tags) = new.tags {
            task.metadata = serde_json::json!({ "tags": tags }).into();
        }
        task.phases = vec![TaskPhase::new(TaskStatus::Planning, now)];
        task.development_workflow = Some(taskqueue_proto::Json::from_value(&serde_json::json!({
            "technical_documentation_path": null, "test_coverage_percentage": null, "ai_review_reports": [],
            "workflow_status": "NotStarted", "started_at": null, "completed_at": null
        })));
        self.runs.start(&mut task, now);
        let id = task.id;
        self.stored_status.insert(id.into_uuid(), task.status.clone());
        self.tasks.insert(id.into_uuid(), task);
        self.counters.tasks_submitted += 1;
        Ok(id.into_uuid())
    }

    pub(crate) fn task(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<Task, Refusal> {
        self.settle(now);
        self.tasks.get(&id).cloned().ok_or(Refusal::NotFound)
    }

    pub(crate) fn stored_status(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<TaskStatus, Refusal> {
        self.settle(now);
        self.stored_status.get(&id).cloned().ok_or(Refusal::NotFound)
    }

    /// Every task (of a project), in hash order; `status` matches the
    /// lowercase form, except that `implementation` never matches.
    pub(crate) fn tasks(&mut self, project: Option<Uuid>, status: Option<&str>, now: DateTime<Utc>) -> Vec<Task> {
        self.settle(now);
        self.tasks
            .values()
            .filter(|t| project.is_none_or(|p| t.project_id == Some(p.into())))
            .filter(|t| {
                status.is_none_or(|s| {
                    t.status != TaskStatus::Implementation && t.status.as_str().to_ascii_lowercase() == s
                })
            })
            .cloned()
            .collect()
    }

    pub(crate) fn update_task(&mut self, id: Uuid, changes: TaskChanges, now: DateTime<Utc>) -> Result<Task, Refusal> {
        self.settle(now);
        let task = self.tasks.get_mut(&id).ok_or(Refusal::NotFound)?;
        if let Some(to) = &changes.status {
            // A refused change is answered like a missing task: 404, no body.
            if !allowed(task, to) {
                return Err(Refusal::NotFound);
            }
        }
        if let Some(v) = changes.name {
            task.name = v;
        }
        if let Some(v) = changes.command {
            task.command = v;
        }
        if let Some(v) = changes.description {
            task.description = v;
        }
        if let Some(v) = changes.priority {
            task.priority = v;
        }
        if let Some(v) = changes.project_id {
            task.project_id = Some(v.into());
        }
        if let Some(status) = changes.status {
            self.runs.stop(&id);
            task.current_phase = status.clone();
            task.status = status.clone();
            self.stored_status.insert(id, status);
        }
        task.updated_at = now;
        Ok(task.clone())
    }

    /// Cancels in any status. The stored status becomes `Cancelled`; the task
    /// keeps showing its old status, with `{"Cancelled": …}` as its result.
    pub(crate) fn cancel_task(&mut self, id: Uuid, reason: Option<String>, now: DateTime<Utc>) -> Result<(), Refusal> {
        self.settle(now);
        let task = self.tasks.get_mut(&id).ok_or(Refusal::NotFound)?;
        self.runs.stop(&id);
        let reason = reason.unwrap_or_else(|| "User requested cancellation".to_owned());
        task.result = Some(TaskResult::Cancelled { reason }.to_json().into());
        task.updated_at = now;
        self.stored_status.insert(id, TaskStatus::Cancelled);
        self.counters.tasks_cancelled += 1;
        Ok(())
    }

    pub(crate) fn delete_task(&mut self, id: Uuid) -> Result<(), Refusal> {
        self.runs.stop(&id);
        self.stored_status.remove(&id);
        self.tasks.remove(&id).map(|_| ()).ok_or(Refusal::NotFound)
    }

    pub(crate) fn create_project(&mut self, fields: ProjectFields, now: DateTime<Utc>) -> Result<Uuid, Refusal> {
        let name = fields.name.filter(|n| !n.is_empty()).ok_or(Refusal::BadRequest)?;
        let mut project = Project::new(Uuid::new_v4(), name, now);
        project.description = fields.description;
        let id = project.id;
        self.projects.insert(id.into_uuid(), project);
        Ok(id.into_uuid())
    }

    pub(crate) fn project(&self, id: Uuid) -> Result<Project, Refusal> {
        self.projects.get(&id).cloned().ok_or(Refusal::NotFound)
    }

    pub(crate) fn projects(&self) -> Vec<Project> {
        self.projects.values().cloned().collect()
    }

    pub(crate) fn has_project(&self, id: Uuid) -> bool {
        self.projects.contains_key(&id)
    }

    pub(crate) fn update_project(
        &mut self,
        id: Uuid,
        fields: ProjectFields,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let project = self.projects.get_mut(&id).ok_or(Refusal::Internal)?;
        if let Some(v) = fields.name {
            project.name = v;
        }
        if let Some(v) = fields.description {
            project.description = Some(v);
        }
        project.updated_at = now;
        Ok(())
    }

    /// Deletes the project, whatever tasks reference it.
    pub(crate) fn delete_project(&mut self, id: Uuid) -> Result<(), Refusal> {
        self.projects.remove(&id).map(|_| ()).ok_or(Refusal::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc()
    }

    fn store_with_task() -> (UpstreamStore, Uuid) {
        let mut s = UpstreamStore::new(None);
        let p = s
            .create_project(
                ProjectFields {
                    name: Some("p".into()),
                    description: None,
                },
                now(),
            )
            .unwrap();
        let new = NewTask {
            name: "t".into(),
            command: "x".into(),
            description: String::new(),
            task_type: TaskType::Simple,
            priority: TaskPriority::Normal,
            project_id: p,
            technical_specs: None,
            acceptance_criteria: None,
            tags: None,
        };
        let id = s.create_task(new, now()).unwrap();
        (s, id)
    }

    #[test]
    fn status_changes_follow_the_workflow() {
        let (mut s, id) = store_with_task();
        let to = |st: TaskStatus| TaskChanges {
            status: Some(st),
            ..TaskChanges::default()
        };
        assert_eq!(
            s.update_task(id, to(TaskStatus::Finalized), now()),
            Err(Refusal::NotFound)
        );
        assert!(s.update_task(id, to(TaskStatus::Implementation), now()).is_ok());
        assert_eq!(
            s.update_task(id, to(TaskStatus::Completed), now()),
            Err(Refusal::NotFound)
        );
        assert!(s.update_task(id, to(TaskStatus::Cancelled), now()).is_ok());
    }

    #[test]
    fn cancel_keeps_the_shown_status_and_stores_cancelled() {
        let (mut s, id) = store_with_task();
        s.cancel_task(id, Some("why".into()), now()).unwrap();
        assert_eq!(s.task(id, now()).unwrap().status, TaskStatus::Planning);
        assert_eq!(s.stored_status(id, now()).unwrap(), TaskStatus::Cancelled);
        assert!(s.cancel_task(id, None, now()).is_ok(), "again: still 200 upstream");
    }

    #[test]
    fn the_status_filter_is_lowercase_and_never_matches_implementation() {
        let (mut s, id) = store_with_task();
        assert_eq!(s.tasks(None, Some("planning"), now()).len(), 1);
        assert_eq!(s.tasks(None, Some("Planning"), now()).len(), 0);
        s.update_task(
            id,
            TaskChanges {
                status: Some(TaskStatus::Implementation),
                ..Default::default()
            },
            now(),
        )
        .unwrap();
        assert_eq!(s.tasks(None, Some("implementation"), now()).len(), 0);
    }
}
