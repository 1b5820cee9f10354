//! `GET /api/health`.

use axum::response::Response;
use http::StatusCode;
use taskqueue_proto::HealthStatus;

use super::{json, send};

pub(crate) async fn health() -> Response {
    send(json(
        StatusCode::OK,
        &HealthStatus::new("healthy", Some(env!("CARGO_PKG_VERSION").to_owned())),
    ))
}
