//! The task operations: create, get, list, update, cancel, delete.

use http::{Method, Request, Response, StatusCode};
use uuid::Uuid;

use super::upstream::{self, Flow, is_upstream};
use super::{Operation, Step, json_body, parse_delete, parse_json, parse_json_list};
use crate::error::Missing;
use crate::{Config, Error, Task, TaskCreateRequest, TaskFilters, TaskStatus, TaskUpdateRequest};

/// A typical task's size in JSON: with every field, as servers send it, a task
/// takes 700 to 900 bytes. Used to reserve room when reading a list.
const TASK_JSON_BYTES: usize = 700;

fn task_path(id: &Uuid) -> String {
    format!("/tasks/{}", id.as_hyphenated())
}

/// `POST /api/tasks`: creates a task (201, the task). Carries an idempotency key.
///
/// Upstream: the server requires `description` (sent empty if not given) and
/// answers an acknowledgement; the SDK then fetches the task. A 400 is
/// checked against the project: if it does not exist, `ProjectNotFound`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTask {
    /// The new task's fields.
    pub request: TaskCreateRequest,
    flow: Flow,
}

impl CreateTask {
    /// Creates the task described by `request`.
    pub fn new(request: TaskCreateRequest) -> Self {
        CreateTask {
            request,
            flow: Flow::Start,
        }
    }
}

impl Operation for CreateTask {
    type Output = Task;

    fn name(&self) -> &'static str {
        "create_task"
    }

    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        self.request.validate()?;
        let body = if is_upstream(config) && self.request.description.is_none() {
            json_body(&self.request.clone().description(""))?
        } else {
            json_body(&self.request)?
        };
        config.request(Method::POST, "/tasks", &[], Some(body))
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Task, Error> {
        // A 404 here means the named project does not exist.
        parse_json(response, Missing::Project(self.request.project_id))
    }

    fn wants_idempotency_key(&self) -> bool {
        true
    }

    fn next_step(&mut self, config: &Config, _step: usize, response: Response<Vec<u8>>) -> Result<Step<Task>, Error> {
        if !is_upstream(config) {
            return self.parse_response(response).map(Step::Done);
        }
        let project = self.request.project_id;
        let ok = response.status().is_success();
        match std::mem::take(&mut self.flow) {
            Flow::Start if ok => {
                let id = upstream::acknowledged_id(&response, "task_id")?;
                self.flow = Flow::Fetch;
                Ok(Step::FollowUp(upstream::get(config, &task_path(&id))?))
            }
            Flow::Start if response.status() == StatusCode::BAD_REQUEST && project.is_some() => {
                let id = project.unwrap_or_default();
                self.flow = Flow::Probe(Box::new(upstream::error_of(&response, Missing::Project(project))));
                Ok(Step::FollowUp(upstream::get(
                    config,
                    &format!("/projects/{}", id.as_hyphenated()),
                )?))
            }
            Flow::Start => Err(upstream::error_of(&response, Missing::Project(project))),
            Flow::Fetch if ok => upstream::task_of(&response).map(Step::Done),
            Flow::Fetch => {
                self.flow = Flow::Fetch; // a retry of the fetch lands here again
                Err(upstream::error_of(&response, Missing::Task(None)))
            }
            Flow::Probe(_) if response.status() == StatusCode::NOT_FOUND => {
                Err(upstream::error_of(&response, Missing::Project(project)))
            }
            Flow::Probe(original) => {
                let error = (*original).clone();
                self.flow = Flow::Probe(original);
                Err(error)
            }
        }
    }
}

/// `GET /api/tasks/{id}`: one task; 404 is [`Error::TaskNotFound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetTask {
    /// The task's id.
    pub id: Uuid,
}

impl GetTask {
    /// Fetches the task `id`.
    pub fn new(id: Uuid) -> Self {
        GetTask { id }
    }
}

impl Operation for GetTask {
    type Output = Task;

    fn name(&self) -> &'static str {
        "get_task"
    }

    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::GET, &task_path(&self.id), &[], None)
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Task, Error> {
        parse_json(response, Missing::Task(Some(self.id)))
    }

    fn next_step(&mut self, config: &Config, _step: usize, response: Response<Vec<u8>>) -> Result<Step<Task>, Error> {
        if is_upstream(config) && response.status().is_success() {
            return upstream::task_of(&response).map(Step::Done);
        }
        self.parse_response(response).map(Step::Done)
    }
}

/// `GET /api/tasks?…`: one page of tasks matching the filters, oldest first.
///
/// Upstream: the server honours only some `status` values and no other
/// filter, and answers in no fixed order; the SDK fetches the tasks (of the
/// project, if one is given) and applies every filter, the order, `offset`
/// and `limit` itself, so the answer is the one a spec server gives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListTasks {
    /// Which tasks, and which page.
    pub filters: TaskFilters,
}

impl ListTasks {
    /// Lists the tasks matching `filters`.
    pub fn new(filters: TaskFilters) -> Self {
        ListTasks { filters }
    }
}

impl Operation for ListTasks {
    type Output = Vec<Task>;

    fn name(&self) -> &'static str {
        "list_tasks"
    }

    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        self.filters.validate()?;
        if is_upstream(config) {
            return upstream::list_request(config, &self.filters);
        }
        config.request(Method::GET, "/tasks", &self.filters.query_pairs(), None)
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Vec<Task>, Error> {
        parse_json_list(response, TASK_JSON_BYTES)
    }

    fn next_step(
        &mut self,
        config: &Config,
        _step: usize,
        response: Response<Vec<u8>>,
    ) -> Result<Step<Vec<Task>>, Error> {
        if is_upstream(config) {
            return upstream::list_tasks(&response, &self.filters).map(Step::Done);
        }
        self.parse_response(response).map(Step::Done)
    }
}

/// `PUT /api/tasks/{id}`: changes the fields that are set; returns the task.
///
/// Upstream: only `name`, `command`, `description`, `priority` and `status`
/// can change (others are an `InvalidInput`, as the server would drop them);
/// the SDK fetches the task afterwards. The server answers a refused status
/// change with a 404: the SDK then fetches the task, and reports `Conflict`
/// (`invalid_transition`) if it exists, `TaskNotFound` if not.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateTask {
    /// The task's id.
    pub id: Uuid,
    /// The fields to change.
    pub update: TaskUpdateRequest,
    flow: Flow,
}

impl UpdateTask {
    /// Applies `update` to the task `id`.
    pub fn new(id: Uuid, update: TaskUpdateRequest) -> Self {
        UpdateTask {
            id,
            update,
            flow: Flow::Start,
        }
    }
}

impl Operation for UpdateTask {
    type Output = Task;

    fn name(&self) -> &'static str {
        "update_task"
    }

    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        self.update.validate()?;
        if is_upstream(config) {
            let u = &self.update;
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
                return Err(upstream::unsupported(field));
            }
        }
        config.request(Method::PUT, &task_path(&self.id), &[], Some(json_body(&self.update)?))
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Task, Error> {
        parse_json(response, Missing::Task(Some(self.id)))
    }

    fn next_step(&mut self, config: &Config, _step: usize, response: Response<Vec<u8>>) -> Result<Step<Task>, Error> {
        if !is_upstream(config) {
            return self.parse_response(response).map(Step::Done);
        }
        let missing = Missing::Task(Some(self.id));
        let status = response.status();
        match std::mem::take(&mut self.flow) {
            Flow::Start if status.is_success() => {
                self.flow = Flow::Fetch;
                Ok(Step::FollowUp(upstream::get(config, &task_path(&self.id))?))
            }
            Flow::Start if status == StatusCode::NOT_FOUND && self.update.status.is_some() => {
                self.flow = Flow::Probe(Box::new(upstream::error_of(&response, missing)));
                Ok(Step::FollowUp(upstream::get(config, &task_path(&self.id))?))
            }
            Flow::Start => Err(upstream::error_of(&response, missing)),
            Flow::Fetch if status.is_success() => upstream::task_of(&response).map(Step::Done),
            Flow::Probe(_) if status.is_success() => {
                let current = upstream::task_of(&response)?;
                let to = self.update.status.clone().unwrap_or(TaskStatus::Planning);
                Err(upstream::conflict(
                    "invalid_transition",
                    format!(
                        "Task {} cannot go from {} to {to}: the server allows Planning → Implementation → \
                         TestCreation → Testing → AIReview → Finalized, or Cancelled",
                        self.id, current.status
                    ),
                    &response,
                ))
            }
            flow => {
                self.flow = flow; // a retry of this exchange lands here again
                Err(upstream::error_of(&response, missing))
            }
        }
    }
}

/// `POST /api/tasks/{id}/cancel`: cancels the task, with an optional reason.
/// 409 ([`Error::Conflict`]) if it already finished. Carries an idempotency key.
///
/// Upstream: the server cancels in any status and its `GET` may keep showing
/// the old status. The SDK fetches the task first (`Conflict` if it already
/// finished), cancels, fetches it again and reports it `Cancelled`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelTask {
    /// The task's id.
    pub id: Uuid,
    /// Why it is cancelled.
    pub reason: Option<String>,
}

impl CancelTask {
    /// Cancels the task `id` without a reason.
    pub fn new(id: Uuid) -> Self {
        CancelTask { id, reason: None }
    }

    /// Records why the task is cancelled.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

impl Operation for CancelTask {
    type Output = Task;

    fn name(&self) -> &'static str {
        "cancel_task"
    }

    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        if is_upstream(config) {
            return upstream::get(config, &task_path(&self.id));
        }
        self.cancel_request(config)
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Task, Error> {
        parse_json(response, Missing::Task(Some(self.id)))
    }

    fn wants_idempotency_key(&self) -> bool {
        true
    }

    fn next_step(&mut self, config: &Config, step: usize, response: Response<Vec<u8>>) -> Result<Step<Task>, Error> {
        if !is_upstream(config) {
            return self.parse_response(response).map(Step::Done);
        }
        if !response.status().is_success() {
            return Err(upstream::error_of(&response, Missing::Task(Some(self.id))));
        }
        match step {
            // The check: a finished task cannot be cancelled, as on a spec server.
            0 => {
                let task = upstream::task_of(&response)?;
                if task.status.is_terminal() {
                    let message = format!("Task {} is already {}", self.id, task.status);
                    return Err(upstream::conflict("already_terminal", message, &response));
                }
                Ok(Step::FollowUp(self.cancel_request(config)?))
            }
            // Cancelled: fetch the task.
            1 => Ok(Step::FollowUp(upstream::get(config, &task_path(&self.id))?)),
            _ => {
                let mut task = upstream::task_of(&response)?;
                // The server said it cancelled the task; its GET may lag behind.
                if !task.status.is_terminal() {
                    task.status = TaskStatus::Cancelled;
                }
                Ok(Step::Done(task))
            }
        }
    }
}

impl CancelTask {
    /// `POST …/cancel` with `{}` or `{"reason": …}` (the public server insists on a JSON body).
    fn cancel_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<&'a str>,
        }
        let body = json_body(&Body {
            reason: self.reason.as_deref(),
        })?;
        config.request(
            Method::POST,
            &format!("{}/cancel", task_path(&self.id)),
            &[],
            Some(body),
        )
    }
}

/// `DELETE /api/tasks/{id}`: `true` if it was deleted, `false` if there was no such task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteTask {
    /// The task's id.
    pub id: Uuid,
}

impl DeleteTask {
    /// Deletes the task `id`.
    pub fn new(id: Uuid) -> Self {
        DeleteTask { id }
    }
}

impl Operation for DeleteTask {
    type Output = bool;

    fn name(&self) -> &'static str {
        "delete_task"
    }

    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::DELETE, &task_path(&self.id), &[], None)
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<bool, Error> {
        parse_delete(response, Missing::Task(Some(self.id)))
    }
}
