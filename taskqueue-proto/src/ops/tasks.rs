//! The task operations: create, get, list, update, cancel, delete.
//!
//! Each is written for the documented API; its `Upstream` type names how it
//! runs against the public server (see the `upstream` layer).

use crate::models::TaskId;
use http::{Method, Request, Response};

use super::upstream::{self, AsSpec};
use super::{Operation, json_body, parse_delete, parse_json, parse_json_list};
use crate::error::Missing;
use crate::{Config, Error, Task, TaskCreateRequest, TaskFilters, TaskUpdateRequest};

/// A typical task's size in JSON: with every field, as servers send it, a task
/// takes 700 to 900 bytes. Used to reserve room when reading a list.
pub(crate) const TASK_JSON_BYTES: usize = 700;

/// `/tasks/{id}`.
pub(crate) fn task_path(id: &TaskId) -> String {
    super::id_path("/tasks/", id.as_uuid())
}

/// `POST /api/tasks`: creates a task (201, the task). Carries an idempotency key.
///
/// Upstream: the server requires `description` (sent empty if not given) and
/// answers an acknowledgement; the SDK then fetches the task. A 400 is
/// checked against the project: if it does not exist, `ProjectNotFound`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateTask {
    /// The new task's fields.
    pub request: TaskCreateRequest,
    pub(crate) idempotency_key: Option<String>,
}

impl CreateTask {
    /// Creates the task described by `request`.
    pub fn new(request: TaskCreateRequest) -> Self {
        CreateTask {
            request,
            idempotency_key: None,
        }
    }

    /// Carries this idempotency key (1–255 visible ASCII characters): run
    /// again with the same key, the create makes no second task — the
    /// documented server replays its first answer, and on the public server
    /// the SDK finds the task it marked with the key. A key given in the
    /// call's options takes precedence.
    #[must_use]
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

impl super::Sealed for CreateTask {}

impl Operation for CreateTask {
    type Output = Task;
    type Upstream = upstream::CreateTaskFlow;

    const NAME: &'static str = "create_task";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        self.request.validate()?;
        config.request(Method::POST, "/tasks", &[], Some(json_body(&self.request)?))
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Task, Error> {
        // A 404 here means the named project does not exist.
        parse_json(response, Missing::Project(self.request.project_id))
    }

    fn wants_idempotency_key(&self) -> bool {
        true
    }

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn outcome_check(&self) -> String {
        let project = self.request.project_id.map(|p| p.to_string()).unwrap_or_default();
        format!(
            "list project {project}'s tasks and look for one named {:?} before creating it again",
            self.request.name
        )
    }
}

/// `GET /api/tasks/{id}`: one task; 404 is [`Error::TaskNotFound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetTask {
    /// The task's id.
    pub id: TaskId,
}

impl GetTask {
    /// Fetches the task `id`.
    pub fn new(id: impl Into<TaskId>) -> Self {
        GetTask { id: id.into() }
    }
}

impl super::Sealed for GetTask {}

impl Operation for GetTask {
    type Output = Task;
    type Upstream = upstream::GetTaskFlow;

    const NAME: &'static str = "get_task";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::GET, &task_path(&self.id), &[], None)
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Task, Error> {
        parse_json(response, Missing::Task(Some(self.id)))
    }
}

/// `GET /api/tasks?…`: one page of tasks matching the filters, oldest first.
///
/// Upstream: the server honours only some `status` values and no other
/// filter, and answers in no fixed order; the SDK fetches the tasks (of the
/// project, if one is given) and applies every filter, the order, `offset`
/// and `limit` itself, so the answer is the one a spec server gives.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ListTasks {
    /// Which tasks, and which page.
    pub filters: TaskFilters,
    /// Upstream, every task from `offset` on, not one page: the public
    /// server answers a listing whole, so a walk reads it once.
    pub(crate) whole_listing: bool,
}

impl ListTasks {
    /// Lists the tasks matching `filters`.
    pub fn new(filters: TaskFilters) -> Self {
        ListTasks {
            filters,
            whole_listing: false,
        }
    }

    /// Every task matching `filters` from its `offset` on, in one exchange,
    /// where the server answers listings whole (the public server); a page
    /// elsewhere.
    pub(crate) fn whole(filters: TaskFilters) -> Self {
        ListTasks {
            filters,
            whole_listing: true,
        }
    }
}

impl super::Sealed for ListTasks {}

impl Operation for ListTasks {
    type Output = Vec<Task>;
    type Upstream = upstream::ListTasksFlow;

    const NAME: &'static str = "list_tasks";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        self.filters.validate()?;
        config.request(Method::GET, "/tasks", &self.filters.query_pairs(), None)
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Vec<Task>, Error> {
        parse_json_list(response, TASK_JSON_BYTES)
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
#[non_exhaustive]
pub struct UpdateTask {
    /// The task's id.
    pub id: TaskId,
    /// The fields to change.
    pub update: TaskUpdateRequest,
}

impl UpdateTask {
    /// Applies `update` to the task `id`.
    pub fn new(id: impl Into<TaskId>, update: TaskUpdateRequest) -> Self {
        UpdateTask { id: id.into(), update }
    }
}

impl super::Sealed for UpdateTask {}

impl Operation for UpdateTask {
    type Output = Task;
    type Upstream = upstream::UpdateTaskFlow;

    const NAME: &'static str = "update_task";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        self.update.validate()?;
        config.request(Method::PUT, &task_path(&self.id), &[], Some(json_body(&self.update)?))
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Task, Error> {
        parse_json(response, Missing::Task(Some(self.id)))
    }
}

/// `POST /api/tasks/{id}/cancel`: cancels the task, with an optional reason.
/// 409 ([`Error::Conflict`]) if it already finished. Carries an idempotency key.
///
/// Upstream: the server cancels in any status and its `GET` may keep showing
/// the old status. The SDK fetches the task first (`Conflict` if it already
/// finished), cancels, fetches it again and reports it `Cancelled`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CancelTask {
    /// The task's id.
    pub id: TaskId,
    /// Why it is cancelled.
    pub reason: Option<String>,
}

impl CancelTask {
    /// Cancels the task `id` without a reason.
    pub fn new(id: impl Into<TaskId>) -> Self {
        CancelTask {
            id: id.into(),
            reason: None,
        }
    }

    /// Records why the task is cancelled.
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

impl super::Sealed for CancelTask {}

impl Operation for CancelTask {
    type Output = Task;
    type Upstream = upstream::CancelTaskFlow;

    const NAME: &'static str = "cancel_task";

    /// `POST …/cancel` with `{}` or `{"reason": …}` (the public server insists on a JSON body too).
    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
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

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Task, Error> {
        parse_json(response, Missing::Task(Some(self.id)))
    }

    fn wants_idempotency_key(&self) -> bool {
        true
    }

    /// Cancelling twice on the public server leaves the task as once (it
    /// answers 200 in any status); the documented server deduplicates by key.
    fn repeatable_in(&self, dialect: crate::Dialect) -> bool {
        dialect == crate::Dialect::Upstream
    }
}

/// `DELETE /api/tasks/{id}`: `true` if it was deleted, `false` if there was no such task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteTask {
    /// The task's id.
    pub id: TaskId,
}

impl DeleteTask {
    /// Deletes the task `id`.
    pub fn new(id: impl Into<TaskId>) -> Self {
        DeleteTask { id: id.into() }
    }
}

impl super::Sealed for DeleteTask {}

impl Operation for DeleteTask {
    type Output = bool;
    type Upstream = AsSpec;

    const NAME: &'static str = "delete_task";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::DELETE, &task_path(&self.id), &[], None)
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<bool, Error> {
        parse_delete(response, Missing::Task(Some(self.id)))
    }
}
