//! The endpoint handlers of CONTRACT §1.

pub(crate) mod health;
pub(crate) mod projects;
pub(crate) mod tasks;

use std::time::Instant;

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde::Serialize;

use crate::api_error::ApiError;
use crate::extract::parse_json;
use crate::idempotency::{Claim, Fingerprint};
use crate::state::{AppState, lock};

/// A handler's answer before it is sent (and, for keyed POSTs, stored).
pub(crate) type Answer = Result<(StatusCode, Vec<u8>), ApiError>;

/// `status` with `value` as the JSON body.
pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Answer {
    serde_json::to_vec(value)
        .map(|body| (status, body))
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
}

fn json_response(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    let mut r = (status, body.into()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Turns an answer into a response.
/// 200 with the value found, or the store's error.
pub(crate) fn found<T: Serialize>(result: Result<T, crate::store::StoreError>) -> Response {
    send(
        result
            .map_err(ApiError::from)
            .and_then(|value| json(StatusCode::OK, &value)),
    )
}

pub(crate) fn send(answer: Answer) -> Response {
    match answer {
        Ok((status, body)) => json_response(status, body),
        Err(e) => e.into_response(),
    }
}

/// A creating POST (under its idempotency key): the body read as `T`,
/// stored by `create`, answered 201 with what was made.
pub(crate) fn created<T: serde::de::DeserializeOwned, R: Serialize>(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    body: Bytes,
    create: impl FnOnce(&mut crate::store::Store, T, chrono::DateTime<chrono::Utc>) -> Result<R, crate::store::StoreError>,
) -> Response {
    idempotent(state, headers, path, body, |bytes| {
        let request: T = parse_json(headers, bytes, false)?;
        let made = create(&mut lock(&state.store), request, chrono::Utc::now())?;
        json(StatusCode::CREATED, &made)
    })
}

/// Runs a creating or cancelling POST under its `Idempotency-Key`, if it has one:
/// the first answer is stored, a repeat of the same request gets it again
/// (with `Idempotent-Replayed: true`), another request with the key gets 409 (`idempotency_key_reused`).
pub(crate) fn idempotent(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    body: Bytes,
    handle: impl FnOnce(&[u8]) -> Answer,
) -> Response {
    let Some(raw) = headers.get("idempotency-key") else {
        return send(handle(&body));
    };
    let key = match raw.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) => k.to_owned(),
        _ => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            )
            .into_response();
        }
    };
    let fingerprint = Fingerprint {
        method: Method::POST,
        path: path.to_owned(),
        body: body.clone(),
    };
    let claim = lock(&state.keys).claim(&key, fingerprint, Instant::now());
    match claim {
        Claim::Fresh => {
            let (status, bytes) = match handle(&body) {
                Ok(answer) => answer,
                Err(e) => (e.status, e.body()),
            };
            let bytes = Bytes::from(bytes);
            lock(&state.keys).complete(&key, status, bytes.clone());
            json_response(status, bytes)
        }
        Claim::Replay { status, body } => {
            let mut r = json_response(status, body);
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            r
        }
        Claim::Reused => ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            "this Idempotency-Key was already used for a different request",
        )
        .into_response(),
        Claim::InFlight => ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_in_use",
            "a request with this Idempotency-Key is still being handled; retry shortly",
        )
        .into_response(),
    }
}
