//! `/api/projects…`: create, list, get, update, delete.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http::{HeaderMap, StatusCode, Uri};
use taskqueue_proto::{ProjectCreateRequest, ProjectUpdateRequest};

use super::{idempotent, json, send};
use crate::api_error::ApiError;
use crate::extract::{parse_id, parse_json, read_body};
use crate::state::{AppState, lock};

type Shared = State<Arc<AppState>>;

pub(crate) async fn create(State(state): Shared, headers: HeaderMap, uri: Uri, body: Body) -> Response {
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
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

pub(crate) async fn get(State(state): Shared, Path(id): Path<String>) -> Response {
    send(parse_id("project", &id).and_then(|id| {
        let project = lock(&state.store).get_project(id)?;
        json(StatusCode::OK, &project)
    }))
}

pub(crate) async fn update(State(state): Shared, Path(id): Path<String>, headers: HeaderMap, body: Body) -> Response {
    let id = match parse_id("project", &id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    send(
        parse_json::<ProjectUpdateRequest>(&headers, &body, false).and_then(|update| {
            let project = lock(&state.store).update_project(id, update, Utc::now())?;
            json(StatusCode::OK, &project)
        }),
    )
}

pub(crate) async fn delete(State(state): Shared, Path(id): Path<String>) -> Response {
    let result: Result<(), ApiError> =
        parse_id("project", &id).and_then(|id| Ok(lock(&state.store).delete_project(id)?));
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}
