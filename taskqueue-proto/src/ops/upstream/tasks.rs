//! How the task operations run against the public server.

use http::{Response, StatusCode};

use super::{acknowledged_id, conflict, error_of, get, list_request, list_tasks, normalize, task_of, unsupported};
use crate::error::Missing;
use crate::ops::UpdateTask;
use crate::ops::projects::project_path;
use crate::ops::tasks::task_path;
use crate::ops::{
    CallKey, CancelTask, CreateTask, Flow, GetTask, ListTasks, Operation, Reading, Transition, decode, json_body,
};
use crate::{Config, Error, Task, TaskStatus};

/// The prefix of the tag that marks a task created through the SDK on the
/// public server: `taskqueue-key:<idempotency key>`. The server keeps a
/// create's `tags` in the task's `metadata.tags`, where users see it.
pub const CREATE_MARKER_PREFIX: &str = "taskqueue-key:";

/// The marker tag of a create carrying `key`.
pub fn create_marker(key: &str) -> String {
    format!("{CREATE_MARKER_PREFIX}{key}")
}

/// Whether `task` carries the marker tag of `key` in `metadata.tags`.
pub fn has_marker(task: &Task, key: &str) -> bool {
    let marker = create_marker(key);
    task.metadata.get("tags").is_some_and(|tags| {
        tags.as_array()
            .is_some_and(|tags| tags.iter().any(|t| t == marker.as_str()))
    })
}

/// [`CreateTask`] upstream: create (the server answers an acknowledgement),
/// then fetch the task. A 400 for a named project asks whether the project
/// exists (`ProjectNotFound` if not, else the server's error).
///
/// The public server does not deduplicate by `Idempotency-Key`, so the
/// create carries the call's key as a marker tag
/// ([`CREATE_MARKER_PREFIX`]); after a failure that may have applied it, the
/// SDK looks for the marker in the project's tasks: found, that task is the
/// call's result; not found, sending the create again is safe. With a key
/// of the caller's, the SDK looks first, so a create run again with the same
/// key (a batch after a crash) finds the task instead of making a second.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CreateTaskFlow {
    /// `GET /projects/{id}/tasks`: is a task with the caller's key already there?
    Find(String),
    /// `POST /tasks`, marked with the key if there is one.
    Create(Option<String>),
    /// `GET /tasks/{id}` of the acknowledged id.
    Fetch,
    /// `GET /projects/{id}` after a 400, holding the server's error.
    ProbeProject(Box<Error>),
    /// `GET /projects/{id}/tasks` after a create that may have been applied:
    /// is the marked task there?
    Reconcile(String),
}

impl CreateTaskFlow {
    /// The create's request, marked with `key`.
    fn create(op: &CreateTask, config: &Config, key: Option<&str>) -> Result<http::Request<Vec<u8>>, Error> {
        let mut body = serde_json::to_value(&op.request).map_err(|e| Error::invalid_input("body", e.to_string()))?;
        if let Some(fields) = body.as_object_mut() {
            // The public server requires a description.
            fields.entry("description").or_insert_with(|| "".into());
            if let Some(key) = key {
                fields.insert("tags".into(), serde_json::json!([create_marker(key)]));
            }
        }
        config.request(http::Method::POST, "/tasks", &[], Some(json_body(&body)?))
    }

    /// The listing a marked task is looked for in.
    fn project_tasks(op: &CreateTask, config: &Config) -> Result<Option<http::Request<Vec<u8>>>, Error> {
        op.request
            .project_id
            .map(|p| get(config, &format!("{}/tasks", project_path(&p))))
            .transpose()
    }

    /// The task marked with `key` in a project listing, if there is one.
    fn marked(response: &Response<Vec<u8>>, key: &str) -> Result<Option<Task>, Error> {
        let tasks: Vec<Task> = decode(response.status(), response.headers(), response.body())?;
        let mut found: Option<Task> = tasks
            .into_iter()
            .filter(|t| has_marker(t, key))
            .min_by_key(|t| t.created_at);
        if let Some(task) = found.as_mut() {
            normalize(task);
        }
        Ok(found)
    }
}

impl Flow<CreateTask> for CreateTaskFlow {
    fn start(op: &CreateTask, config: &Config) -> Result<(Self, http::Request<Vec<u8>>), Error> {
        Self::start_keyed(op, config, 0, None)
    }

    fn start_keyed(
        op: &CreateTask,
        config: &Config,
        _seed: u64,
        key: Option<CallKey<'_>>,
    ) -> Result<(Self, http::Request<Vec<u8>>), Error> {
        op.request.validate()?;
        let create = Self::create(op, config, key.map(|k| k.key))?;
        match (key, Self::project_tasks(op, config)?) {
            // A key of the caller's may have been used before: look first.
            (Some(key), Some(find)) if key.given => Ok((CreateTaskFlow::Find(key.key.to_owned()), find)),
            _ => Ok((CreateTaskFlow::Create(key.map(|k| k.key.to_owned())), create)),
        }
    }

    fn reconcile(&self, op: &CreateTask, config: &Config) -> Option<crate::ops::Step<Self>> {
        let CreateTaskFlow::Create(Some(key)) = self else {
            return None;
        };
        let find = Self::project_tasks(op, config).transpose()?;
        Some(find.map(|request| (CreateTaskFlow::Reconcile(key.clone()), request)))
    }

    fn read(&self, op: &CreateTask, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, CreateTask> {
        let project = op.request.project_id;
        let status = response.status();
        match self {
            CreateTaskFlow::Find(key) | CreateTaskFlow::Reconcile(key) if status.is_success() => {
                match Self::marked(&response, key)? {
                    Some(task) => Ok(Transition::Done(task)),
                    None => {
                        let create = Self::create(op, config, Some(key))?;
                        Ok(Transition::Next(CreateTaskFlow::Create(Some(key.clone())), create))
                    }
                }
            }
            CreateTaskFlow::Find(_) | CreateTaskFlow::Reconcile(_) => {
                Err(error_of(&response, Missing::Project(project)))
            }
            CreateTaskFlow::Create(_) if status.is_success() => {
                let id = acknowledged_id(&response, "task_id")?;
                Ok(Transition::Next(CreateTaskFlow::Fetch, get(config, &task_path(&id))?))
            }
            CreateTaskFlow::Create(_) => match project {
                Some(id) if status == StatusCode::BAD_REQUEST => {
                    let original = Box::new(error_of(&response, Missing::Project(project)));
                    let probe = get(config, &project_path(&id))?;
                    Ok(Transition::Next(CreateTaskFlow::ProbeProject(original), probe))
                }
                _ => Err(error_of(&response, Missing::Project(project))),
            },
            CreateTaskFlow::Fetch if status.is_success() => task_of(&response).map(Transition::Done),
            CreateTaskFlow::Fetch => Err(error_of(&response, Missing::Task(None))),
            CreateTaskFlow::ProbeProject(_) if status == StatusCode::NOT_FOUND => {
                Err(error_of(&response, Missing::Project(project)))
            }
            CreateTaskFlow::ProbeProject(original) => Err((**original).clone()),
        }
    }
}

/// [`GetTask`] upstream: the spec exchange, with the task normalized
/// (a cancelled task the server still shows in its old status is `Cancelled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetTaskFlow;

impl Flow<GetTask> for GetTaskFlow {
    fn start(op: &GetTask, config: &Config) -> Result<(Self, http::Request<Vec<u8>>), Error> {
        Ok((GetTaskFlow, op.build_spec_request(config)?))
    }

    fn read(&self, op: &GetTask, _config: &Config, response: Response<Vec<u8>>) -> Reading<Self, GetTask> {
        if response.status().is_success() {
            return task_of(&response).map(Transition::Done);
        }
        op.parse_spec_response(response).map(Transition::Done)
    }
}

/// [`ListTasks`] upstream: one listing (the project's tasks, or all), with
/// every filter, the order, `offset` and `limit` applied by the SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListTasksFlow;

impl Flow<ListTasks> for ListTasksFlow {
    fn start(op: &ListTasks, config: &Config) -> Result<(Self, http::Request<Vec<u8>>), Error> {
        op.filters.validate()?;
        Ok((ListTasksFlow, list_request(config, &op.filters)?))
    }

    fn read(&self, op: &ListTasks, _config: &Config, response: Response<Vec<u8>>) -> Reading<Self, ListTasks> {
        list_tasks(&response, &op.filters, op.whole_listing).map(Transition::Done)
    }
}

/// [`UpdateTask`] upstream: update, then fetch the task. A 404 to a status
/// change asks whether the task exists: if it does, the change was refused
/// (`Conflict`, `invalid_transition`).
#[derive(Debug, Clone)]
pub enum UpdateTaskFlow {
    /// `PUT /tasks/{id}`.
    Update,
    /// `GET /tasks/{id}` after the update.
    Fetch,
    /// `GET /tasks/{id}` after a 404 to a status change.
    ProbeTransition,
}

impl Flow<UpdateTask> for UpdateTaskFlow {
    fn start(op: &UpdateTask, config: &Config) -> Result<(Self, http::Request<Vec<u8>>), Error> {
        op.update.validate()?;
        let u = &op.update;
        let dropped = [
            ("technical_specs", u.technical_specs.is_some()),
            ("acceptance_criteria", u.acceptance_criteria.is_some()),
            ("task_type", u.task_type.is_some()),
            ("timeout", u.timeout.is_some()),
            ("retry_attempts", u.retry_attempts.is_some()),
            ("retry_delay", u.retry_delay.is_some()),
            ("environment", u.environment.is_some()),
            ("working_directory", u.working_directory.is_some()),
            ("metadata", u.metadata.is_some()),
        ];
        if let Some((field, _)) = dropped.iter().find(|(_, set)| *set) {
            return Err(unsupported(field));
        }
        Ok((UpdateTaskFlow::Update, op.build_spec_request(config)?))
    }

    fn read(&self, op: &UpdateTask, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, UpdateTask> {
        let missing = Missing::Task(Some(op.id));
        let status = response.status();
        let fetch = || get(config, &task_path(&op.id));
        match self {
            UpdateTaskFlow::Update if status.is_success() => Ok(Transition::Next(UpdateTaskFlow::Fetch, fetch()?)),
            UpdateTaskFlow::Update if status == StatusCode::NOT_FOUND && op.update.status.is_some() => {
                Ok(Transition::Next(UpdateTaskFlow::ProbeTransition, fetch()?))
            }
            UpdateTaskFlow::Fetch if status.is_success() => task_of(&response).map(Transition::Done),
            UpdateTaskFlow::ProbeTransition if status.is_success() => {
                let current = task_of(&response)?;
                let to = op.update.status.clone().unwrap_or(TaskStatus::Planning);
                Err(conflict(
                    "invalid_transition",
                    format!(
                        "Task {} cannot go from {} to {to}: the server allows Planning → Implementation → \
                         TestCreation → Testing → AIReview → Finalized, or Cancelled",
                        op.id, current.status
                    ),
                    &response,
                ))
            }
            _ => Err(error_of(&response, missing)),
        }
    }
}

/// [`CancelTask`] upstream: check the task (`Conflict` if it already
/// finished), cancel it, fetch it and report it `Cancelled` (the server's
/// `GET` may lag behind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelTaskFlow {
    /// `GET /tasks/{id}`: is it still running?
    Check,
    /// `POST /tasks/{id}/cancel`.
    Cancel,
    /// `GET /tasks/{id}` after the cancel.
    Fetch,
}

impl Flow<CancelTask> for CancelTaskFlow {
    fn start(op: &CancelTask, config: &Config) -> Result<(Self, http::Request<Vec<u8>>), Error> {
        Ok((CancelTaskFlow::Check, get(config, &task_path(&op.id))?))
    }

    fn read(&self, op: &CancelTask, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, CancelTask> {
        if !response.status().is_success() {
            return Err(error_of(&response, Missing::Task(Some(op.id))));
        }
        match self {
            CancelTaskFlow::Check => {
                let task = task_of(&response)?;
                if task.status.is_terminal() {
                    let message = format!("Task {} is already {}", op.id, task.status);
                    return Err(conflict("already_terminal", message, &response));
                }
                Ok(Transition::Next(CancelTaskFlow::Cancel, op.build_spec_request(config)?))
            }
            CancelTaskFlow::Cancel => Ok(Transition::Next(
                CancelTaskFlow::Fetch,
                get(config, &task_path(&op.id))?,
            )),
            CancelTaskFlow::Fetch => {
                let mut task = task_of(&response)?;
                // The server said it cancelled the task; its GET may lag behind.
                if !task.status.is_terminal() {
                    task.status = TaskStatus::Cancelled;
                }
                Ok(Transition::Done(task))
            }
        }
    }
}
