//! The upstream dialect as its own layer: how each operation runs against
//! the public Task Queue server ([`Dialect::Upstream`](crate::Dialect::Upstream)),
//! as a flow state type per operation (private to the SDK), and what the flows share
//! (reading acknowledgements, normalizing tasks, the filters the server ignores).
//!
//! How each difference of CONTRACT §2 is met:
//! - creates answer an acknowledgement: the SDK fetches the created entity;
//! - updates answer a partial task or `{"status":"updated"}`: it fetches the entity;
//! - a refused status change is a 404 with an empty body: the SDK fetches the
//!   task; if it exists the change was refused (`Conflict`), else `TaskNotFound`;
//! - cancel answers 200 for any status and `GET` may still show the old
//!   status: the SDK checks the task first (`Conflict` if it already
//!   finished) and reports `Cancelled` when the `result` says `Cancelled`;
//! - an unknown project is a 400 (create task) or a 500 (update, delete
//!   project) with an empty body: the SDK asks for the project; a 404 makes
//!   `ProjectNotFound` certain, anything else keeps the server's error;
//! - deleting a project that tasks reference succeeds upstream: the SDK
//!   lists the project's tasks first and answers `Conflict` like the spec;
//! - lists come in no order and ignore most filters: the SDK filters, sorts
//!   (oldest first) and pages them itself.

mod projects;
mod tasks;

pub(crate) use projects::{CreateProjectFlow, DeleteProjectFlow, ListProjectsFlow, UpdateProjectFlow};
pub use tasks::{CREATE_MARKER_PREFIX, create_marker, has_marker};
pub(crate) use tasks::{CancelTaskFlow, CreateTaskFlow, GetTaskFlow, ListTasksFlow, UpdateTaskFlow};

use http::{Method, Request, Response, StatusCode};
use uuid::Uuid;

use super::{Flow, Operation, Reading, Transition, decode, decode_value};
use crate::error::{ApiError, Missing, error_from_response};
use crate::{Config, Error, Task, TaskFilters, TaskStatus};

/// The flow of an operation the public server answers as documented: the
/// spec request (under the upstream paths), the spec reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsSpec;

impl<O: Operation> Flow<O> for AsSpec {
    fn start(op: &O, config: &Config) -> Result<(Self, Request<Vec<u8>>), Error> {
        Ok((AsSpec, op.build_spec_request(config)?))
    }

    fn read(&self, op: &O, _config: &Config, response: Response<Vec<u8>>) -> Reading<Self, O> {
        op.parse_spec_response(response).map(Transition::Done)
    }
}

/// `GET path`.
pub(crate) fn get(config: &Config, path: &str) -> Result<Request<Vec<u8>>, Error> {
    config.request(Method::GET, path, &[], None)
}

/// The error of a non-2xx response, mapped as the operation says.
pub(crate) fn error_of(response: &Response<Vec<u8>>, missing: Missing) -> Error {
    error_from_response(response.status(), response.headers(), response.body(), missing)
}

/// The id in an acknowledgement such as `{"status":"submitted","task_id":…}`.
pub(crate) fn acknowledged_id<Id: From<Uuid>>(response: &Response<Vec<u8>>, field: &str) -> Result<Id, Error> {
    let ack = decode_value(response.status(), response.headers(), response.body())?;
    ack.get(field)
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<Uuid>().ok())
        .map(Id::from)
        .ok_or_else(|| Error::Decode {
            status: response.status(),
            path: field.to_owned(),
            message: format!("the acknowledgement has no `{field}` id"),
            body: crate::error::snippet(response.body()),
            request_id: crate::error::request_id_of(response.headers()),
            call: None,
        })
}

/// The public server keeps a stale status in `GET /tasks/{id}` after a
/// cancel but records `{"Cancelled": …}` in `result`: report `Cancelled`.
pub(crate) fn normalize(task: &mut Task) {
    let cancelled = task
        .result
        .as_ref()
        // Read only when the text can hold it: most results are something else.
        .is_some_and(|r| r.as_str().contains("Cancelled") && r.get("Cancelled").is_some());
    if cancelled && !task.status.is_terminal() {
        task.status = TaskStatus::Cancelled;
    }
}

/// A task from a 2xx body, normalized.
pub(crate) fn task_of(response: &Response<Vec<u8>>) -> Result<Task, Error> {
    let mut task: Task = decode(response.status(), response.headers(), response.body())?;
    normalize(&mut task);
    Ok(task)
}

/// A conflict the SDK reports on the server's behalf (the public server
/// answers these with a 404 or not at all).
pub(crate) fn conflict(code: &str, message: String, response: &Response<Vec<u8>>) -> Error {
    Error::Conflict(Box::new(ApiError {
        status: StatusCode::CONFLICT,
        code: Some(code.to_owned()),
        message,
        field_errors: Vec::new(),
        details: None,
        request_id: crate::error::request_id_of(response.headers()),
        body: String::new(),
        retry_after: None,
        call: None,
    }))
}

/// Statuses whose lowercase form the public server's `?status=` matches.
const SERVER_FILTERABLE: &[TaskStatus] = &[TaskStatus::Planning, TaskStatus::TestCreation, TaskStatus::AiReview];

/// The request of a task listing: one project's tasks, or all with a
/// `status` the server can match; everything else is filtered here.
pub(crate) fn list_request(config: &Config, filters: &TaskFilters) -> Result<Request<Vec<u8>>, Error> {
    if let Some(project) = filters.project_id {
        return get(
            config,
            &format!("/projects/{}/tasks", project.as_uuid().as_hyphenated()),
        );
    }
    let query = match &filters.status {
        Some(status) if SERVER_FILTERABLE.contains(status) => vec![("status", status.as_str().to_ascii_lowercase())],
        _ => Vec::new(),
    };
    config.request(Method::GET, "/tasks", &query, None)
}

/// Applies every filter, creation order, then `offset` and `limit` (unless
/// `whole`: every task from `offset` on), as a spec server would.
pub(crate) fn list_tasks(response: &Response<Vec<u8>>, filters: &TaskFilters, whole: bool) -> Result<Vec<Task>, Error> {
    if response.status() == StatusCode::NOT_FOUND && filters.project_id.is_some() {
        return Ok(Vec::new()); // no such project: no tasks, as a spec server answers
    }
    if !response.status().is_success() {
        return Err(error_of(response, Missing::Nothing));
    }
    let mut tasks: Vec<Task> = decode(response.status(), response.headers(), response.body())?;
    tasks.iter_mut().for_each(normalize);
    tasks.retain(|t| matches_filters(t, filters));
    tasks.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let offset = usize::try_from(filters.offset.unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = if whole {
        usize::MAX
    } else {
        filters.effective_limit() as usize
    };
    if offset == 0 && limit >= tasks.len() {
        return Ok(tasks);
    }
    Ok(tasks.into_iter().skip(offset).take(limit).collect())
}

/// Whether an (upstream-normalized) task matches every filter but the
/// page's: what the public server does not filter itself.
pub(crate) fn matches_filters(t: &Task, filters: &TaskFilters) -> bool {
    filters.status.as_ref().is_none_or(|s| &t.status == s)
        && filters.project_id.is_none_or(|p| t.project_id == Some(p))
        && filters.priority.as_ref().is_none_or(|p| &t.priority == p)
        && filters.task_type.as_ref().is_none_or(|ty| &t.task_type == ty)
        && filters.created_after.is_none_or(|after| t.created_at >= after)
        && filters.created_before.is_none_or(|before| t.created_at <= before)
}

/// Rejects update fields the public server drops, so nothing pretends they were stored.
pub(crate) fn unsupported(field: &str) -> Error {
    Error::invalid_input(
        field,
        "is not supported by the upstream Task Queue server (it would be dropped)",
    )
}
