//! `/api/projects…`: create, list, get, update, delete.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http::{HeaderMap, StatusCode, Uri};
use taskqueue_proto::{ProjectCreateRequest, ProjectUpdateRequest};

use super::{Answer, idempotent, json, send};
use crate::api_error::ApiError;
use crate::extract::{BodyBytes, PathId, parse_json};
use crate::state::{AppState, lock};

type Shared = State<Arc<AppState>>;

pub(crate) async fn create(State(state): Shared, headers: HeaderMap, uri: Uri, BodyBytes(body): BodyBytes) -> Response {
    idempotent(&state, &headers, uri.path(), body, |bytes| {
        let req: ProjectCreateRequest = parse_json(&headers, bytes, false)?;
        let project = lock(&state.store).create_project(req, Utc::now())?;
        json(StatusCode::CREATED, &project)
    })
}

pub(crate) async fn list(State(state): Shared) -> Response {
    let projects = lock(&state.store).list_projects();
    send(json(StatusCode::OK, &projects))
}

pub(crate) async fn get(State(state): Shared, PathId(id): PathId) -> Response {
    let project = lock(&state.store).get_project(id);
    send(
        project
            .map_err(ApiError::from)
            .and_then(|project| json(StatusCode::OK, &project)),
    )
}

pub(crate) async fn update(
    State(state): Shared,
    PathId(id): PathId,
    headers: HeaderMap,
    BodyBytes(body): BodyBytes,
) -> Response {
    let answer: Answer = parse_json::<ProjectUpdateRequest>(&headers, &body, false).and_then(|update| {
        let project = lock(&state.store).update_project(id, update, Utc::now())?;
        json(StatusCode::OK, &project)
    });
    send(answer)
}

pub(crate) async fn delete(State(state): Shared, PathId(id): PathId) -> Response {
    match lock(&state.store).delete_project(id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
