//! `/api/projects…`: create, list, get, update, delete.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http::{HeaderMap, StatusCode, Uri};
use taskqueue_proto::ProjectUpdateRequest;

use super::{created, found, json, send};
use crate::api_error::ApiError;
use crate::extract::{BodyBytes, JsonBody, PathId};
use crate::state::{AppState, lock};
use crate::store::Store;

type Shared = State<Arc<AppState>>;

pub(crate) async fn create(State(state): Shared, headers: HeaderMap, uri: Uri, BodyBytes(body): BodyBytes) -> Response {
    created(&state, &headers, uri.path(), body, Store::create_project)
}

pub(crate) async fn list(State(state): Shared) -> Response {
    let projects = lock(&state.store).list_projects();
    send(json(StatusCode::OK, &projects))
}

pub(crate) async fn get(State(state): Shared, PathId(id): PathId) -> Response {
    found(lock(&state.store).get_project(id))
}

pub(crate) async fn update(
    State(state): Shared,
    PathId(id): PathId,
    JsonBody(update): JsonBody<ProjectUpdateRequest>,
) -> Response {
    found(lock(&state.store).update_project(id, update, Utc::now()))
}

pub(crate) async fn delete(State(state): Shared, PathId(id): PathId) -> Response {
    match lock(&state.store).delete_project(id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
