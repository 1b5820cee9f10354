//! Upstream mode (`--dialect upstream`): answers as the public Task Queue
//! server does on the wire (CONTRACT §2, and the recorded exchanges), so the
//! SDK's upstream dialect can be tested end to end without that server.
//!
//! No `/api` prefix; acknowledgements for creates and updates; times as
//! `{secs_since_epoch, nanos_since_epoch}` and durations as `{secs, nanos}`
//! in tasks; lists in no fixed order; the `status` filter only in lowercase
//! (and never for `implementation`); a refused status change is a 404; cancel
//! keeps the shown status; project delete is `POST /projects/{id}`; error
//! bodies empty or text; no auth, rate limits, request ids or idempotency keys.

// Helpers return the early answer (`Err(Response)`) of a handler; a response
// is made once per request and moved at once, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use taskqueue_proto::{Task, TaskPriority, TaskStatus, TaskType};
use uuid::Uuid;

use crate::upstream_store::{NewTask, ProjectFields, Refusal, TaskChanges};

use crate::extract::read_body;
use crate::state::{AppState, lock};

type Shared = State<Arc<AppState>>;

pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/tasks", get(list_tasks).post(create_task))
        .route("/tasks/{id}", get(get_task).put(update_task).delete(delete_task))
        .route("/tasks/{id}/status", get(task_status))
        .route("/tasks/{id}/cancel", axum::routing::post(cancel_task))
        .route("/projects", get(list_projects).post(create_project))
        .route(
            "/projects/{id}",
            get(get_project).put(update_project).post(delete_project),
        )
        .route("/projects/{id}/tasks", get(project_tasks))
        .route("/health", get(health))
        .merge(crate::upstream_extras::routes())
        .route_layer(from_fn_with_state(state.clone(), crate::middleware::compress))
        .route_layer(from_fn_with_state(state.clone(), crate::middleware::apply_faults))
        .route_layer(from_fn_with_state(state.clone(), crate::middleware::count))
        .fallback(|| async { empty(StatusCode::NOT_FOUND) })
        .with_state(state)
}

pub(crate) fn empty(status: StatusCode) -> Response {
    status.into_response()
}

pub(crate) fn text(status: StatusCode, message: String) -> Response {
    let mut r = (status, message).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

pub(crate) fn json_ok(value: Value) -> Response {
    let mut r = (StatusCode::OK, value.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

pub(crate) fn refused(r: Refusal) -> Response {
    match r {
        Refusal::NotFound => empty(StatusCode::NOT_FOUND),
        Refusal::BadRequest => empty(StatusCode::BAD_REQUEST),
        Refusal::Internal => empty(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// The id in the path; the public server answers a malformed one with an empty 400.
pub(crate) struct Id(pub(crate) Uuid);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Id {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut http::request::Parts, state: &S) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| empty(StatusCode::BAD_REQUEST))?;
        raw.parse().map(Id).map_err(|_| empty(StatusCode::BAD_REQUEST))
    }
}

/// A JSON body read the way the public server's framework reads it: 415, 400
/// and 422 with its text messages.
pub(crate) async fn body_of<T: DeserializeOwned>(headers: &HeaderMap, body: Body) -> Result<T, Response> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        });
    if !is_json {
        return Err(text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Expected request with `Content-Type: application/json`".into(),
        ));
    }
    let bytes = read_body(body).await.map_err(IntoResponse::into_response)?;
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            text(
                StatusCode::BAD_REQUEST,
                format!("Failed to parse the request body as JSON: {inner}"),
            )
        } else {
            let at = if path == "." {
                String::new()
            } else {
                format!("{path}: ")
            };
            text(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Failed to deserialize the JSON body into the target type: {at}{inner}"),
            )
        }
    })
}

/// The strict enums of the public server: an unknown value is a 422.
fn strict<T: PartialEq + std::fmt::Display>(field: &str, value: &T, known: &[T]) -> Result<(), Response> {
    if known.contains(value) {
        return Ok(());
    }
    let expected: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
    Err(text(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!(
            "Failed to deserialize the JSON body into the target type: {field}: unknown variant `{value}`, expected one of {}",
            expected.join(", ")
        ),
    ))
}

pub(crate) fn epoch(t: &DateTime<Utc>) -> Value {
    json!({ "secs_since_epoch": t.timestamp(), "nanos_since_epoch": t.timestamp_subsec_nanos() })
}

fn duration(secs: u64) -> Value {
    json!({ "secs": secs, "nanos": 0 })
}

/// A task as the public server serializes it.
pub(crate) fn task_json(task: &Task) -> Value {
    let mut v = serde_json::to_value(task).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("created_at".into(), epoch(&task.created_at));
        obj.insert("updated_at".into(), epoch(&task.updated_at));
        obj.insert("timeout".into(), task.timeout.map(duration).unwrap_or(Value::Null));
        obj.insert("retry_delay".into(), duration(task.retry_delay));
    }
    v
}

async fn create_task(State(s): Shared, headers: HeaderMap, body: Body) -> Response {
    let new: NewTask = match body_of(&headers, body).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    if let Err(r) = strict("priority", &new.priority, TaskPriority::KNOWN)
        .and_then(|()| strict("task_type", &new.task_type, TaskType::KNOWN))
    {
        return r;
    }
    match lock(&s.upstream).create_task(new, Utc::now()) {
        Ok(id) => json_ok(json!({ "status": "submitted", "task_id": id })),
        Err(r) => refused(r),
    }
}

async fn get_task(State(s): Shared, Id(id): Id) -> Response {
    match lock(&s.upstream).task(id, Utc::now()) {
        Ok(task) => json_ok(task_json(&task)),
        Err(r) => refused(r),
    }
}

async fn task_status(State(s): Shared, Id(id): Id) -> Response {
    match lock(&s.upstream).stored_status(id, Utc::now()) {
        Ok(status) => json_ok(json!({ "status": status })),
        Err(r) => refused(r),
    }
}

async fn list_tasks(State(s): Shared, uri: Uri) -> Response {
    let status = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "status")
        .map(|(_, v)| v.into_owned());
    let tasks = lock(&s.upstream).tasks(None, status.as_deref(), Utc::now());
    json_ok(Value::Array(tasks.iter().map(task_json).collect()))
}

async fn project_tasks(State(s): Shared, Id(id): Id) -> Response {
    let tasks = lock(&s.upstream).tasks(Some(id), None, Utc::now());
    json_ok(Value::Array(tasks.iter().map(task_json).collect()))
}

async fn update_task(State(s): Shared, Id(id): Id, headers: HeaderMap, body: Body) -> Response {
    let changes: TaskChanges = match body_of(&headers, body).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Some(Err(r)) = changes
        .priority
        .as_ref()
        .map(|p| strict("priority", p, TaskPriority::KNOWN))
    {
        return r;
    }
    if let Some(Err(r)) = changes
        .status
        .as_ref()
        .map(|st| strict("status", st, TaskStatus::KNOWN))
    {
        return r;
    }
    match lock(&s.upstream).update_task(id, changes, Utc::now()) {
        Ok(t) => json_ok(json!({
            "message": "Task updated successfully",
            "task": {
                "command": t.command, "description": t.description, "id": t.id, "name": t.name,
                "priority": t.priority, "status": t.status, "updated_at": epoch(&t.updated_at)
            }
        })),
        Err(r) => refused(r),
    }
}

#[derive(serde::Deserialize)]
struct Cancel {
    #[serde(default)]
    reason: Option<String>,
}

async fn cancel_task(State(s): Shared, Id(id): Id, headers: HeaderMap, body: Body) -> Response {
    let Cancel { reason } = match body_of(&headers, body).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match lock(&s.upstream).cancel_task(id, reason, Utc::now()) {
        Ok(()) => json_ok(json!({ "message": "Task cancelled successfully", "task_id": id })),
        Err(r) => refused(r),
    }
}

async fn delete_task(State(s): Shared, Id(id): Id) -> Response {
    match lock(&s.upstream).delete_task(id) {
        Ok(()) => json_ok(json!({ "message": "Task deleted successfully", "task_id": id })),
        Err(r) => refused(r),
    }
}

async fn create_project(State(s): Shared, headers: HeaderMap, body: Body) -> Response {
    let fields: ProjectFields = match body_of(&headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    match lock(&s.upstream).create_project(fields, Utc::now()) {
        Ok(id) => json_ok(json!({ "id": id, "status": "created" })),
        Err(r) => refused(r),
    }
}

async fn get_project(State(s): Shared, Id(id): Id) -> Response {
    match lock(&s.upstream).project(id) {
        Ok(p) => json_ok(serde_json::to_value(&p).unwrap_or(Value::Null)),
        Err(r) => refused(r),
    }
}

async fn list_projects(State(s): Shared) -> Response {
    let projects = lock(&s.upstream).projects();
    json_ok(serde_json::to_value(&projects).unwrap_or(Value::Null))
}

async fn update_project(State(s): Shared, Id(id): Id, headers: HeaderMap, body: Body) -> Response {
    let fields: ProjectFields = match body_of(&headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    match lock(&s.upstream).update_project(id, fields, Utc::now()) {
        Ok(()) => json_ok(json!({ "status": "updated" })),
        Err(r) => refused(r),
    }
}

/// `POST /projects/{id}` deletes (the public server's route for it).
async fn delete_project(State(s): Shared, Id(id): Id) -> Response {
    let mut store = lock(&s.upstream);
    if !store.has_project(id) {
        return refused(Refusal::Internal);
    }
    match store.delete_project(id) {
        Ok(()) => json_ok(json!({ "status": "deleted" })),
        Err(r) => refused(r),
    }
}

async fn health() -> Response {
    json_ok(json!({ "status": "healthy", "timestamp": Utc::now().to_rfc3339(), "version": env!("CARGO_PKG_VERSION") }))
}
