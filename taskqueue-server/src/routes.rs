//! The routers, on top: the spec dialect's routes with their middleware,
//! or the upstream dialect's ([`crate::upstream`]), as the config says.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;

use crate::api_error::ApiError;
use crate::handlers::{health, projects, tasks};
use crate::middleware::{apply_faults, authenticate, compress, count, rate_limit, request_id};
use crate::state::AppState;

/// The router of the config's dialect.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    if state.dialect == taskqueue_proto::Dialect::Upstream {
        return crate::upstream::router(state);
    }
    spec(state)
}

/// The documented API (CONTRACT §1) under `/api`.
fn spec(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/tasks", post(tasks::create).get(tasks::list))
        .route(
            "/api/tasks/{task_id}",
            get(tasks::get).put(tasks::update).delete(tasks::delete),
        )
        .route("/api/tasks/{task_id}/cancel", post(tasks::cancel))
        .route("/api/projects", post(projects::create).get(projects::list))
        .route(
            "/api/projects/{project_id}",
            get(projects::get).put(projects::update).delete(projects::delete),
        )
        .route("/api/health", get(health::health))
        // Innermost first: compression, auth, then rate limiting, then faults, then counting (outermost).
        .route_layer(from_fn_with_state(state.clone(), compress))
        .route_layer(from_fn_with_state(state.clone(), authenticate))
        .route_layer(from_fn_with_state(state.clone(), rate_limit))
        .route_layer(from_fn_with_state(state.clone(), apply_faults))
        .route_layer(from_fn_with_state(state.clone(), count))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn(request_id))
        .with_state(state)
}

async fn not_found(request: Request) -> Response {
    ApiError::not_found_route(request.method(), request.uri().path()).into_response()
}

async fn method_not_allowed(request: Request) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed on {}", request.method(), request.uri().path()),
    )
    .into_response()
}
