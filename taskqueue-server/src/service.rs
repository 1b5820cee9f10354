//! The accept loop with graceful shutdown, on top of the routers
//! ([`crate::routes`]): HTTP/1.1 or h2c per connection, the request log, and
//! dropped connections for the `Drop` fault.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::body::Body;
use axum::response::Response;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::sync::watch;
use tower_service::Service;

use crate::faults::DropConnection;
use crate::middleware::{Peer, RequestId};
use crate::routes::router;
use crate::state::AppState;

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
///
/// # Errors
///
/// The I/O error of accepting on the listener.
pub async fn serve_until(
    listener: std::net::TcpListener,
    config: crate::ServerConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    config.validate()?;
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    serve(listener, Arc::new(AppState::new(&config)), shutdown).await
}

pub(crate) async fn until_signalled(mut rx: watch::Receiver<bool>) {
    // Either the sender said so, or it is gone: both mean stop.
    let _ = rx.wait_for(|stop| *stop).await;
}
