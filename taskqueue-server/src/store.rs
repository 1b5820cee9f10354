//! The in-memory store and the contract's rules: validation, status rules,
//! creation order, and the simulated lifecycle of `--complete-after`.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use taskqueue_proto::{
    Error as ProtoError, FieldError, Project, ProjectCreateRequest, ProjectStatus, ProjectUpdateRequest, Task,
    TaskCreateRequest, TaskFilters, TaskPriority, TaskStatus, TaskType, TaskUpdateRequest,
};
use uuid::Uuid;

use crate::simulation::Runs;

/// Why the store refused an operation; the HTTP layer maps each to a status.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StoreError {
    /// 404 `task_not_found`.
    TaskNotFound(Uuid),
    /// 404 `project_not_found`.
    ProjectNotFound(Uuid),
    /// 409 `already_terminal`: cancelling a finished task.
    AlreadyTerminal(Uuid, TaskStatus),
    /// 409 `invalid_transition`: changing a finished task's status.
    InvalidTransition { id: Uuid, from: TaskStatus, to: TaskStatus },
    /// 409 `project_not_empty`: tasks still reference the project.
    ProjectNotEmpty(Uuid, usize),
    /// 422 `validation_error`.
    Validation(Vec<FieldError>),
}

/// Items in creation order, found by id.
#[derive(Debug)]
struct Ordered<T> {
    items: BTreeMap<u64, T>,
    index: HashMap<Uuid, u64>,
    next: u64,
}

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered {
            items: BTreeMap::new(),
            index: HashMap::new(),
            next: 0,
        }
    }
}

impl<T> Ordered<T> {
    fn insert(&mut self, id: Uuid, item: T) {
        self.items.insert(self.next, item);
        self.index.insert(id, self.next);
        self.next += 1;
    }
    fn get(&self, id: &Uuid) -> Option<&T> {
        self.index.get(id).and_then(|seq| self.items.get(seq))
    }
    fn get_mut(&mut self, id: &Uuid) -> Option<&mut T> {
        self.index.get(id).and_then(|seq| self.items.get_mut(seq))
    }
    fn remove(&mut self, id: &Uuid) -> Option<T> {
        self.index.remove(id).and_then(|seq| self.items.remove(&seq))
    }
    fn values(&self) -> impl Iterator<Item = &T> {
        self.items.values()
    }
}

/// Every task and project, plus the runs the lifecycle simulation is playing.
#[derive(Debug, Default)]
pub(crate) struct Store {
    tasks: Ordered<Task>,
    projects: Ordered<Project>,
    runs: Runs,
}

fn one_field(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Validation(vec![FieldError {
        field: field.to_owned(),
        message: message.into(),
    }])
}

/// The proto crate's validation, as the server's field errors (one rule, one place).
fn validated(result: Result<(), ProtoError>) -> Result<(), StoreError> {
    match result {
        Ok(()) => Ok(()),
        Err(ProtoError::InvalidInput { field, message, .. }) => Err(one_field(&field, message)),
        Err(other) => Err(one_field("body", other.to_string())),
    }
}

/// Enum values the client sent that this server does not know.
fn known<T: PartialEq>(
    field: &str,
    value: Option<&T>,
    known: &[T],
    shown: impl Fn(&T) -> String,
) -> Result<(), StoreError> {
    match value {
        Some(v) if !known.contains(v) => Err(one_field(field, format!("unknown value {:?}", shown(v)))),
        _ => Ok(()),
    }
}

fn check_task_enums(
    priority: Option<&TaskPriority>,
    task_type: Option<&TaskType>,
    status: Option<&TaskStatus>,
) -> Result<(), StoreError> {
    known("priority", priority, TaskPriority::KNOWN, |v| v.to_string())?;
    known("task_type", task_type, TaskType::KNOWN, |v| v.to_string())?;
    known("status", status, TaskStatus::KNOWN, |v| v.to_string())
}

impl Store {
    pub(crate) fn new(complete_after: Option<Duration>) -> Self {
        Store {
            runs: Runs::new(complete_after),
            ..Store::default()
        }
    }

    /// Finishes the simulated runs whose time has come.
    fn settle(&mut self, now: DateTime<Utc>) {
        for (id, run) in self.runs.ended(now) {
            if let Some(task) = self.tasks.get_mut(&id) {
                task.status = run.outcome();
                task.result = Some(serde_json::json!({ "exit_code": if run.fails { 1 } else { 0 } }).into());
                task.updated_at = run.ends_at;
            }
        }
    }

    pub(crate) fn create_task(&mut self, req: TaskCreateRequest, now: DateTime<Utc>) -> Result<Task, StoreError> {
        validated(req.validate())?;
        check_task_enums(Some(&req.priority), Some(&req.task_type), None)?;
        let project_id = req.project_id.ok_or_else(|| one_field("project_id", "is required"))?;
        let project_name = match self.projects.get(project_id.as_uuid()) {
            Some(p) => p.name.clone(),
            None => return Err(StoreError::ProjectNotFound(project_id.into_uuid())),
        };
        let mut task = Task::new(Uuid::new_v4(), req.name, req.command, now);
        task.description = req.description.unwrap_or_default();
        task.technical_specs = req.technical_specs;
        task.acceptance_criteria = req.acceptance_criteria;
        task.project = Some(project_name);
        task.task_type = req.task_type;
        task.priority = req.priority;
        task.project_id = Some(project_id);
        task.timeout = req.timeout;
        task.retry_attempts = req.retry_attempts;
        task.retry_delay = req.retry_delay;
        task.environment = req.environment;
        task.working_directory = req.working_directory;
        self.runs.start(&mut task, now);
        self.tasks.insert(task.id.into_uuid(), task.clone());
        Ok(task)
    }

    pub(crate) fn get_task(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<Task, StoreError> {
        self.settle(now);
        self.tasks.get(&id).cloned().ok_or(StoreError::TaskNotFound(id))
    }

    /// One page of the tasks matching `filters`, oldest first. The filters
    /// were validated by the caller.
    pub(crate) fn list_tasks(&mut self, filters: &TaskFilters, now: DateTime<Utc>) -> Vec<Task> {
        self.settle(now);
        let limit = filters.effective_limit() as usize;
        let offset = usize::try_from(filters.offset.unwrap_or(0)).unwrap_or(usize::MAX);
        self.tasks
            .values()
            .filter(|t| filters.status.as_ref().is_none_or(|s| &t.status == s))
            .filter(|t| filters.project_id.is_none_or(|p| t.project_id == Some(p)))
            .filter(|t| filters.priority.as_ref().is_none_or(|p| &t.priority == p))
            .filter(|t| filters.task_type.as_ref().is_none_or(|ty| &t.task_type == ty))
            .filter(|t| filters.created_after.is_none_or(|after| t.created_at >= after))
            .filter(|t| filters.created_before.is_none_or(|before| t.created_at <= before))
            .skip(offset)
            .take(limit)
            .cloned()
            .collect()
    }

    pub(crate) fn update_task(
        &mut self,
        id: Uuid,
        update: TaskUpdateRequest,
        now: DateTime<Utc>,
    ) -> Result<Task, StoreError> {
        self.settle(now);
        validated(update.validate())?;
        check_task_enums(
            update.priority.as_ref(),
            update.task_type.as_ref(),
            update.status.as_ref(),
        )?;
        let task = self.tasks.get_mut(&id).ok_or(StoreError::TaskNotFound(id))?;
        if let Some(to) = &update.status
            && task.status.is_terminal()
            && to != &task.status
        {
            return Err(StoreError::InvalidTransition {
                id,
                from: task.status.clone(),
                to: to.clone(),
            });
        }
        let TaskUpdateRequest {
            name,
            command,
            description,
            technical_specs,
            acceptance_criteria,
            priority,
            task_type,
            status,
            timeout,
            retry_attempts,
            retry_delay,
            environment,
            working_directory,
            metadata,
            ..
        } = update;
        macro_rules! set {
            ($($field:ident),+) => { $( if let Some(v) = $field { task.$field = v.into(); } )+ };
        }
        set!(
            name,
            command,
            description,
            acceptance_criteria,
            priority,
            task_type,
            retry_attempts,
            retry_delay,
            environment,
            metadata
        );
        if let Some(v) = technical_specs {
            task.technical_specs = Some(v);
        }
        if let Some(v) = timeout {
            task.timeout = Some(v);
        }
        if let Some(v) = working_directory {
            task.working_directory = Some(v);
        }
        if let Some(status) = status {
            // A status set by hand ends the simulated run.
            self.runs.stop(&id);
            if is_workflow_phase(&status) {
                task.current_phase = status.clone();
            }
            task.status = status;
        }
        task.updated_at = now;
        Ok(task.clone())
    }

    pub(crate) fn cancel_task(
        &mut self,
        id: Uuid,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Task, StoreError> {
        self.settle(now);
        let task = self.tasks.get_mut(&id).ok_or(StoreError::TaskNotFound(id))?;
        if task.status.is_terminal() {
            return Err(StoreError::AlreadyTerminal(id, task.status.clone()));
        }
        self.runs.stop(&id);
        task.status = TaskStatus::Cancelled;
        task.result = Some(serde_json::json!({ "cancelled": true, "reason": reason }).into());
        task.updated_at = now;
        Ok(task.clone())
    }

    pub(crate) fn delete_task(&mut self, id: Uuid) -> Result<(), StoreError> {
        self.runs.stop(&id);
        self.tasks.remove(&id).map(|_| ()).ok_or(StoreError::TaskNotFound(id))
    }

    pub(crate) fn create_project(
        &mut self,
        req: ProjectCreateRequest,
        now: DateTime<Utc>,
    ) -> Result<Project, StoreError> {
        validated(req.validate())?;
        known("status", req.status.as_ref(), ProjectStatus::KNOWN, |v| v.to_string())?;
        let mut project = Project::new(Uuid::new_v4(), req.name, now);
        project.description = req.description;
        project.status = req.status.unwrap_or_default();
        project.due_date = req.due_date;
        project.tags = req.tags;
        project.metadata = req.metadata.into();
        self.projects.insert(project.id.into_uuid(), project.clone());
        Ok(project)
    }

    pub(crate) fn get_project(&self, id: Uuid) -> Result<Project, StoreError> {
        self.projects.get(&id).cloned().ok_or(StoreError::ProjectNotFound(id))
    }

    pub(crate) fn list_projects(&self) -> Vec<Project> {
        self.projects.values().cloned().collect()
    }

    pub(crate) fn update_project(
        &mut self,
        id: Uuid,
        update: ProjectUpdateRequest,
        now: DateTime<Utc>,
    ) -> Result<Project, StoreError> {
        validated(update.validate())?;
        known("status", update.status.as_ref(), ProjectStatus::KNOWN, |v| {
            v.to_string()
        })?;
        let project = self.projects.get_mut(&id).ok_or(StoreError::ProjectNotFound(id))?;
        let ProjectUpdateRequest {
            name,
            description,
            status,
            due_date,
            tags,
            metadata,
            ..
        } = update;
        if let Some(v) = name {
            project.name = v;
        }
        if let Some(v) = description {
            project.description = Some(v);
        }
        if let Some(v) = status {
            project.status = v;
        }
        if let Some(v) = due_date {
            project.due_date = Some(v);
        }
        if let Some(v) = tags {
            project.tags = v;
        }
        if let Some(v) = metadata {
            project.metadata = v.into();
        }
        project.updated_at = now;
        Ok(project.clone())
    }

    pub(crate) fn delete_project(&mut self, id: Uuid) -> Result<(), StoreError> {
        if self.projects.get(&id).is_none() {
            return Err(StoreError::ProjectNotFound(id));
        }
        let referencing = self.tasks.values().filter(|t| t.project_id == Some(id.into())).count();
        if referencing > 0 {
            return Err(StoreError::ProjectNotEmpty(id, referencing));
        }
        self.projects.remove(&id);
        Ok(())
    }
}

fn is_workflow_phase(status: &TaskStatus) -> bool {
    matches!(
        status,
        TaskStatus::Planning
            | TaskStatus::Implementation
            | TaskStatus::TestCreation
            | TaskStatus::Testing
            | TaskStatus::AiReview
            | TaskStatus::Finalized
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc()
    }

    fn with_project(store: &mut Store) -> Uuid {
        (store.create_project(ProjectCreateRequest::new("p"), t0()).unwrap().id).into_uuid()
    }

    #[test]
    fn simulated_runs_complete_or_fail_after_the_delay() {
        let mut store = Store::new(Some(Duration::from_secs(2)));
        let p = with_project(&mut store);
        let ok = store.create_task(TaskCreateRequest::new("a", "true", p), t0()).unwrap();
        let bad = store
            .create_task(TaskCreateRequest::new("b", "false", p), t0())
            .unwrap();
        assert_eq!(ok.status, TaskStatus::Running);
        let later = t0() + chrono::Duration::seconds(1);
        assert_eq!(
            store.get_task(ok.id.into_uuid(), later).unwrap().status,
            TaskStatus::Running
        );
        let done = t0() + chrono::Duration::seconds(2);
        assert_eq!(
            store.get_task(ok.id.into_uuid(), done).unwrap().status,
            TaskStatus::Completed
        );
        assert_eq!(
            store.get_task(bad.id.into_uuid(), done).unwrap().status,
            TaskStatus::Failed
        );
    }

    #[test]
    fn without_simulation_tasks_start_in_planning() {
        let mut store = Store::new(None);
        let p = with_project(&mut store);
        let t = store.create_task(TaskCreateRequest::new("a", "true", p), t0()).unwrap();
        assert_eq!(t.status, TaskStatus::Planning);
    }

    #[test]
    fn status_rules() {
        let mut store = Store::new(None);
        let p = with_project(&mut store);
        let t = store.create_task(TaskCreateRequest::new("a", "true", p), t0()).unwrap();
        store.cancel_task(t.id.into_uuid(), Some("why".into()), t0()).unwrap();
        assert!(matches!(
            store.cancel_task(t.id.into_uuid(), None, t0()),
            Err(StoreError::AlreadyTerminal(..))
        ));
        let change = TaskUpdateRequest::new().status(TaskStatus::Running);
        assert!(matches!(
            store.update_task(t.id.into_uuid(), change, t0()),
            Err(StoreError::InvalidTransition { .. })
        ));
        // Other fields of a finished task may still change; so may "setting" the same status.
        let rename = TaskUpdateRequest::new().name("renamed").status(TaskStatus::Cancelled);
        assert_eq!(
            store.update_task(t.id.into_uuid(), rename, t0()).unwrap().name,
            "renamed"
        );
        assert!(matches!(
            store.delete_project(p),
            Err(StoreError::ProjectNotEmpty(_, 1))
        ));
        store.delete_task(t.id.into_uuid()).unwrap();
        store.delete_project(p).unwrap();
    }

    #[test]
    fn unknown_enum_values_are_validation_errors() {
        let mut store = Store::new(None);
        let p = with_project(&mut store);
        let req = TaskCreateRequest::new("a", "true", p)
            .priority(serde_json::from_str::<TaskPriority>("\"Urgent\"").unwrap());
        match store.create_task(req, t0()) {
            Err(StoreError::Validation(fields)) => assert_eq!(fields[0].field, "priority"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lists_filter_and_page_in_creation_order() {
        let mut store = Store::new(None);
        let p = with_project(&mut store);
        let q = with_project(&mut store);
        for i in 0..10 {
            let project = if i % 2 == 0 { p } else { q };
            store
                .create_task(TaskCreateRequest::new(format!("t{i}"), "true", project), t0())
                .unwrap();
        }
        let page = store.list_tasks(&TaskFilters::new().project_id(p).limit(2).offset(1), t0());
        let names: Vec<&str> = page.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["t2", "t4"]);
    }
}
