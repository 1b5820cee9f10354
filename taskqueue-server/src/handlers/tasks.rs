//! `/api/tasks…`: create, list, get, update, cancel, delete.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http::{HeaderMap, StatusCode, Uri};
use taskqueue_proto::TaskUpdateRequest;

use super::{created, found, idempotent, json, send};
use crate::api_error::ApiError;
use crate::extract::{BodyBytes, JsonBody, PathId, parse_filters, parse_json};
use crate::state::{AppState, lock};
use crate::store::Store;

type Shared = State<Arc<AppState>>;

pub(crate) async fn create(State(state): Shared, headers: HeaderMap, uri: Uri, BodyBytes(body): BodyBytes) -> Response {
    created(&state, &headers, uri.path(), body, Store::create_task)
}

pub(crate) async fn list(State(state): Shared, uri: Uri) -> Response {
    send(parse_filters(uri.query()).and_then(|filters| {
        let tasks = lock(&state.store).list_tasks(&filters, Utc::now());
        json(StatusCode::OK, &tasks)
    }))
}

pub(crate) async fn get(State(state): Shared, PathId(id): PathId) -> Response {
    found(lock(&state.store).get_task(id, Utc::now()))
}

pub(crate) async fn update(
    State(state): Shared,
    PathId(id): PathId,
    JsonBody(update): JsonBody<TaskUpdateRequest>,
) -> Response {
    found(lock(&state.store).update_task(id, update, Utc::now()))
}

#[derive(serde::Deserialize)]
struct CancelBody {
    #[serde(default)]
    reason: Option<String>,
}

pub(crate) async fn cancel(
    State(state): Shared,
    PathId(id): PathId,
    headers: HeaderMap,
    uri: Uri,
    BodyBytes(body): BodyBytes,
) -> Response {
    idempotent(&state, &headers, uri.path(), body, |bytes| {
        let CancelBody { reason } = parse_json(&headers, bytes, true)?;
        let task = lock(&state.store).cancel_task(id, reason, Utc::now())?;
        json(StatusCode::OK, &task)
    })
}

pub(crate) async fn delete(State(state): Shared, PathId(id): PathId) -> Response {
    match lock(&state.store).delete_task(id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
