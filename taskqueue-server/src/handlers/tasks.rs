//! `/api/tasks…`: create, list, get, update, cancel, delete.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http::{HeaderMap, StatusCode, Uri};
use taskqueue_proto::{TaskCreateRequest, TaskUpdateRequest};

use super::{idempotent, json, send};
use crate::api_error::ApiError;
use crate::extract::{parse_filters, parse_id, parse_json, read_body};
use crate::state::{AppState, lock};

type Shared = State<Arc<AppState>>;

pub(crate) async fn create(State(state): Shared, headers: HeaderMap, uri: Uri, body: Body) -> Response {
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    idempotent(&state, &headers, uri.path(), body, |bytes| {
        let req: TaskCreateRequest = parse_json(&headers, bytes, false)?;
        let task = lock(&state.store).create_task(req, Utc::now())?;
        json(StatusCode::CREATED, &task)
    })
}

pub(crate) async fn list(State(state): Shared, uri: Uri) -> Response {
    send(parse_filters(uri.query()).and_then(|filters| {
        let tasks = lock(&state.store).list_tasks(&filters, Utc::now());
        json(StatusCode::OK, &tasks)
    }))
}

pub(crate) async fn get(State(state): Shared, Path(id): Path<String>) -> Response {
    send(parse_id("task", &id).and_then(|id| {
        let task = lock(&state.store).get_task(id, Utc::now())?;
        json(StatusCode::OK, &task)
    }))
}

pub(crate) async fn update(State(state): Shared, Path(id): Path<String>, headers: HeaderMap, body: Body) -> Response {
    let id = match parse_id("task", &id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    send(
        parse_json::<TaskUpdateRequest>(&headers, &body, false).and_then(|update| {
            let task = lock(&state.store).update_task(id, update, Utc::now())?;
            json(StatusCode::OK, &task)
        }),
    )
}

#[derive(serde::Deserialize)]
struct CancelBody {
    #[serde(default)]
    reason: Option<String>,
}

pub(crate) async fn cancel(
    State(state): Shared,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let id = match parse_id("task", &id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    idempotent(&state, &headers, uri.path(), body, |bytes| {
        let CancelBody { reason } = parse_json(&headers, bytes, true)?;
        let task = lock(&state.store).cancel_task(id, reason, Utc::now())?;
        json(StatusCode::OK, &task)
    })
}

pub(crate) async fn delete(State(state): Shared, Path(id): Path<String>) -> Response {
    let result: Result<(), ApiError> = parse_id("task", &id).and_then(|id| Ok(lock(&state.store).delete_task(id)?));
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}
