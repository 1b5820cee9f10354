//! How the task operations run against the public server.

use http::{Response, StatusCode};

use super::{acknowledged_id, conflict, error_of, get, list_request, list_tasks, task_of, unsupported};
use crate::error::Missing;
use crate::ops::UpdateTask;
use crate::ops::projects::project_path;
use crate::ops::tasks::task_path;
use crate::ops::{CancelTask, CreateTask, Flow, GetTask, ListTasks, Operation, Reading, Transition, json_body};
use crate::{Config, Error, TaskStatus};

/// [`CreateTask`] upstream: create (the server answers an acknowledgement),
/// then fetch the task. A 400 for a named project asks whether the project
/// exists (`ProjectNotFound` if not, else the server's error).
#[derive(Debug, Clone)]
pub enum CreateTaskFlow {
    /// `POST /tasks`.
    Create,
    /// `GET /tasks/{id}` of the acknowledged id.
    Fetch,
    /// `GET /projects/{id}` after a 400, holding the server's error.
    ProbeProject(Box<Error>),
}

impl Flow<CreateTask> for CreateTaskFlow {
    fn start(op: &CreateTask, config: &Config) -> Result<(Self, http::Request<Vec<u8>>), Error> {
        op.request.validate()?;
        // The public server requires a description.
        let body = if op.request.description.is_none() {
            json_body(&op.request.clone().description(""))?
        } else {
            json_body(&op.request)?
        };
        let request = config.request(http::Method::POST, "/tasks", &[], Some(body))?;
        Ok((CreateTaskFlow::Create, request))
    }

    fn read(&self, op: &CreateTask, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, CreateTask> {
        let project = op.request.project_id;
        let status = response.status();
        match self {
            CreateTaskFlow::Create if status.is_success() => {
                let id = acknowledged_id(&response, "task_id")?;
                Ok(Transition::Next(CreateTaskFlow::Fetch, get(config, &task_path(&id))?))
            }
            CreateTaskFlow::Create => match project {
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
        list_tasks(&response, &op.filters).map(Transition::Done)
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
