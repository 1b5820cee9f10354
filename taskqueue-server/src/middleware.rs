//! The middleware of the spec router (request ids, auth, rate limiting,
//! faults, counting); the upstream router uses the last two. Below the
//! routers, above the state.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use crate::api_error::ApiError;
use crate::faults::{Fault, respond, truncate};
use crate::state::{AppState, ReceivedRequest, lock};

/// The client's address, put on every request by the accept loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) std::net::SocketAddr);

/// The request id of a request, for the log line.
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub(crate) HeaderValue);

/// Echoes the client's `X-Request-Id` (or makes one) on every response; one
/// the contract does not allow (empty, longer than 255 bytes, not visible
/// ASCII) is refused with 400 `validation_error` naming the header.
pub(crate) async fn request_id(mut request: Request, next: Next) -> Response {
    let id = match request.headers().get("x-request-id") {
        Some(given) if (1..=MAX_REQUEST_ID).contains(&given.len()) && given.to_str().is_ok() => given.clone(),
        Some(_) => {
            let mut refused = ApiError::invalid_header(
                "X-Request-Id",
                format!("must be 1 to {MAX_REQUEST_ID} visible ASCII characters"),
            )
            .into_response();
            refused.headers_mut().insert("x-request-id", fresh_request_id());
            return refused;
        }
        None => fresh_request_id(),
    };
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    response.headers_mut().insert("x-request-id", id.clone());
    response.extensions_mut().insert(RequestId(id));
    response
}

/// The longest `X-Request-Id` the contract allows.
const MAX_REQUEST_ID: usize = 255;

fn fresh_request_id() -> HeaderValue {
    HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).unwrap_or(HeaderValue::from_static("unknown"))
}

fn route_of(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default()
}

pub(crate) async fn count(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let received = received_from(&request);
    state.counters.count(received);
    next.run(request).await
}

/// What the counters keep of a request.
fn received_from(request: &Request) -> ReceivedRequest {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    ReceivedRequest {
        method: request.method().to_string(),
        route: route_of(request),
        path: request.uri().path().to_owned(),
        request_id: header("x-request-id"),
        idempotency_key: header("idempotency-key"),
    }
}

pub(crate) async fn apply_faults(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let route = route_of(&request);
    let Some(fault) = state.faults.take(request.method(), &route, request.uri().path()) else {
        return next.run(request).await;
    };
    match fault {
        Fault::Delay(pause) => {
            tokio::time::sleep(pause).await;
            next.run(request).await
        }
        Fault::Truncate => truncate(next.run(request).await).await,
        Fault::FailAfterApplying { status } => {
            let _applied = next.run(request).await;
            let page = "<html><body><h1>Bad Gateway</h1><p>the upstream answered too late</p></body></html>";
            respond(&Fault::Status {
                status,
                body: crate::faults::FaultBody::Html(page.to_owned()),
            })
            .unwrap_or_else(|| StatusCode::BAD_GATEWAY.into_response())
        }
        Fault::DropAfterApplying => {
            let _applied = next.run(request).await;
            respond(&Fault::Drop).unwrap_or_else(|| StatusCode::BAD_GATEWAY.into_response())
        }
        other => respond(&other).unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    }
}

pub(crate) async fn rate_limit(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if let (Some(limiter), Some(peer)) = (&state.limiter, request.extensions().get::<Peer>()) {
        let verdict = lock(limiter).check(peer.0.ip(), Instant::now());
        if let Err(wait) = verdict {
            return ApiError::rate_limited(wait).into_response();
        }
    }
    next.run(request).await
}

/// With a token or API key configured, every route but health needs one of them.
pub(crate) async fn authenticate(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if (state.token.is_none() && state.api_key.is_none()) || route_of(&request) == "/api/health" {
        return next.run(request).await;
    }
    let headers = request.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let token_ok = matches!((&state.token, bearer), (Some(t), Some(b)) if constant_time_eq(t.expose(), b));
    let key_ok = matches!((&state.api_key, key), (Some(k), Some(given)) if constant_time_eq(k.expose(), given));
    if token_ok || key_ok {
        return next.run(request).await;
    }
    let mut response = if bearer.is_none() && key.is_none() {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "authentication required: send a bearer token or an X-API-Key",
        )
    } else {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the credentials given are not valid",
        )
    }
    .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Bodies larger than this are sent gzip-compressed to a client that asks.
pub(crate) const COMPRESS_ABOVE: usize = 1024;
/// Bodies held in memory to compress: past this they go as they are.
const COMPRESS_AT_MOST: usize = 16 << 20;

/// Compresses a response body over 1 KiB with gzip when the request's
/// `Accept-Encoding` allows it (innermost: faults are not compressed).
pub(crate) async fn compress(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let wants_gzip = request
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        });
    let response = next.run(request).await;
    let size = http_body::Body::size_hint(response.body()).exact();
    let worth_it = size.is_some_and(|n| (COMPRESS_ABOVE as u64..=COMPRESS_AT_MOST as u64).contains(&n));
    if !wants_gzip || !worth_it || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, COMPRESS_AT_MOST).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::fast());
    if std::io::Write::write_all(&mut encoder, &bytes).is_err() {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    }
    let Ok(compressed) = encoder.finish() else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    state
        .counters
        .compressed
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Response::from_parts(parts, axum::body::Body::from(compressed))
}
