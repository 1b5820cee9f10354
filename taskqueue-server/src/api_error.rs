//! Error responses: always JSON, `{"error": code, "message": text, "details": {...}}`.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use taskqueue_proto::FieldError;

use crate::store::StoreError;

/// An error the server answers with.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) details: serde_json::Value,
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: serde_json::json!({}),
            retry_after: None,
        }
    }

    pub(crate) fn validation(message: impl Into<String>, fields: Vec<FieldError>) -> Self {
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_error", message);
        e.details = serde_json::json!({ "fields": fields });
        e
    }

    /// 400 `validation_error` naming a request header.
    pub(crate) fn invalid_header(header: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "validation_error",
            format!("{header} {message}"),
        );
        e.details = serde_json::json!({ "fields": [{ "field": header, "message": message }] });
        e
    }

    pub(crate) fn invalid_query(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message)
    }

    pub(crate) fn not_found_route(method: &http::Method, path: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no route for {method} {path}"),
        )
    }

    pub(crate) fn rate_limited(retry_after: u64) -> Self {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests; retry after {retry_after}s"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// The body as bytes, for storing an idempotent replay.
    pub(crate) fn body(&self) -> Vec<u8> {
        let body = serde_json::json!({ "error": self.code, "message": self.message, "details": self.details });
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        use StatusCode as S;
        match e {
            StoreError::TaskNotFound(id) => {
                ApiError::new(S::NOT_FOUND, "task_not_found", format!("Task {id} not found"))
            }
            StoreError::ProjectNotFound(id) => {
                ApiError::new(S::NOT_FOUND, "project_not_found", format!("Project {id} not found"))
            }
            StoreError::AlreadyTerminal(id, status) => ApiError::new(
                S::CONFLICT,
                "already_terminal",
                format!("Task {id} is already {status}"),
            ),
            StoreError::InvalidTransition { id, from, to } => ApiError::new(
                S::CONFLICT,
                "invalid_transition",
                format!("Task {id} is {from}, a final status; it cannot become {to}"),
            ),
            StoreError::ProjectNotEmpty(id, n) => ApiError::new(
                S::CONFLICT,
                "project_not_empty",
                format!("Project {id} is referenced by {n} task(s)"),
            ),
            StoreError::Validation(fields) => ApiError::validation("the request is invalid", fields),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
