//! The HTTP side: routes, middleware (request ids, auth, rate limiting,
//! faults, counting), the accept loop with graceful shutdown, and `spawn`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderValue, StatusCode, header};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::sync::watch;
use tower_service::Service;

use crate::api_error::ApiError;
use crate::faults::{DropConnection, Fault, respond, truncate};
use crate::handlers::{health, projects, tasks};
use crate::state::{AppState, ReceivedRequest, lock};

/// The client's address, put on every request by the accept loop.
#[derive(Debug, Clone, Copy)]
struct Peer(SocketAddr);

/// The request id of a request, for the log line.
#[derive(Debug, Clone)]
struct RequestId(HeaderValue);

pub(crate) fn router(state: Arc<AppState>) -> Router {
    if state.dialect == taskqueue_proto::Dialect::Upstream {
        return crate::upstream::router(state);
    }
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
        // Innermost first: auth, then rate limiting, then faults, then counting (outermost).
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

/// Echoes the client's `X-Request-Id` (or makes one) on every response.
async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get("x-request-id")
        .filter(|v| (1..=255).contains(&v.len()) && v.to_str().is_ok())
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).unwrap_or(HeaderValue::from_static("unknown"))
        });
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    response.headers_mut().insert("x-request-id", id.clone());
    response.extensions_mut().insert(RequestId(id));
    response
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
        other => respond(&other).unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    }
}

async fn rate_limit(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if let (Some(limiter), Some(peer)) = (&state.limiter, request.extensions().get::<Peer>()) {
        let verdict = lock(limiter).check(peer.0.ip(), Instant::now());
        if let Err(wait) = verdict {
            return ApiError::rate_limited(wait).into_response();
        }
    }
    next.run(request).await
}

/// With a token or API key configured, every route but health needs one of them.
async fn authenticate(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
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

/// Why a connection was closed on purpose (the `Drop` fault).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault rule")
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until `shutdown` resolves, then lets requests in
/// flight finish (up to 10 s) before returning.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = router(state.clone());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                // Out of file descriptors and the like: pause instead of spinning.
                Err(_) => { tokio::time::sleep(std::time::Duration::from_millis(50)).await; continue; }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        state.counters.connections_accepted.fetch_add(1, Ordering::Relaxed);
        state.counters.connections_open.fetch_add(1, Ordering::Relaxed);
        let app = app.clone();
        let state_for_conn = state.clone();
        let service = hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
            let mut app = app.clone();
            let state = state_for_conn.clone();
            async move {
                let started = Instant::now();
                let (method, path) = (request.method().clone(), request.uri().path().to_owned());
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(Peer(peer));
                let response: Response = match app.call(request).await {
                    Ok(r) => r,
                    Err(never) => match never {},
                };
                let dropped = response.extensions().get::<DropConnection>().is_some();
                if state.log_requests {
                    let id = response
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|r| r.0.to_str().ok().map(str::to_owned));
                    let outcome = if dropped {
                        "dropped".to_owned()
                    } else {
                        response.status().as_u16().to_string()
                    };
                    eprintln!(
                        "{peer} {method} {path} {outcome} {:.1}ms request_id={}",
                        started.elapsed().as_secs_f64() * 1000.0,
                        id.as_deref().unwrap_or("-")
                    );
                }
                if dropped {
                    Err(Dropped)
                } else {
                    Ok::<_, Dropped>(response)
                }
            }
        });
        // HTTP/1.1, or HTTP/2 with prior knowledge (h2c), whichever the client speaks.
        let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(std::time::Duration::from_secs(30));
        let connection = builder.serve_connection(TokioIo::new(stream), service).into_owned();
        let watched = graceful.watch(connection);
        let state = state.clone();
        tokio::spawn(async move {
            let _ = watched.await;
            state.counters.connections_open.fetch_sub(1, Ordering::Relaxed);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), graceful.shutdown()).await;
    Ok(())
}

/// Serves until `shutdown` resolves; for binaries and async callers with
/// their own tokio runtime. The listener must be bound already.
pub async fn serve_until(
    listener: std::net::TcpListener,
    config: crate::ServerConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    serve(listener, Arc::new(AppState::new(&config)), shutdown).await
}

pub(crate) async fn until_signalled(mut rx: watch::Receiver<bool>) {
    // Either the sender said so, or it is gone: both mean stop.
    let _ = rx.wait_for(|stop| *stop).await;
}
