//! The reference server without sockets: a request goes straight through
//! its routers and middleware on a small runtime of its own. For tests that
//! want no port, and for fuzzing the request handling.

use std::sync::Arc;

use axum::body::Body;
use http_body_util::BodyExt;
use tower_service::Service;

use crate::config::ServerConfig;
use crate::routes::router;
use crate::state::AppState;

/// The reference server's request handling in this process, without a
/// listener: [`InProcess::handle`] answers one request at a time.
///
/// ```
/// let server = taskqueue_server::InProcess::new(&taskqueue_server::ServerConfig::ephemeral())?;
/// let health = http::Request::get("/api/health").body(Vec::new())?;
/// assert_eq!(server.handle(health).status(), 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct InProcess {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
}

impl std::fmt::Debug for InProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcess").finish_non_exhaustive()
    }
}

impl InProcess {
    /// A server with this configuration (its address is not used).
    ///
    /// # Errors
    ///
    /// The I/O error of starting the server's runtime.
    pub fn new(config: &ServerConfig) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
        let app = router(Arc::new(AppState::new(config)));
        Ok(Self { runtime, app })
    }

    /// The server's answer to `request`, its body read whole. A fault that
    /// drops the connection answers with its status and an empty body.
    pub fn handle(&self, request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        let mut app = self.app.clone();
        self.runtime.block_on(async move {
            let response = match app.call(request.map(Body::from)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let (parts, body) = response.into_parts();
            let bytes = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
            http::Response::from_parts(parts, bytes)
        })
    }
}
