//! `ServerConfig`: address, credentials, limits, simulation and faults.

use std::net::SocketAddr;
use std::time::Duration;

use taskqueue_proto::{Dialect, Secret};

use crate::faults::FaultPlan;

/// The address the binary listens on by default.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// How a reference server behaves. Every setting is off by default: no
/// auth, no rate limit, no simulated execution, no faults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// Require `Authorization: Bearer <token>` (or the API key, if set).
    pub token: Option<Secret>,
    /// Require `X-API-Key: <key>` (or the token, if set).
    pub api_key: Option<Secret>,
    /// Requests per second per client address; beyond it, 429 with `Retry-After`.
    pub rate_limit: Option<u32>,
    /// New tasks start `Running` and become `Completed` (or `Failed`, for the
    /// command `false`) after this long. Commands are never run.
    pub complete_after: Option<Duration>,
    /// One line per request on stderr.
    pub log_requests: bool,
    /// Faults armed from the start (more can be added while running).
    pub faults: FaultPlan,
    /// Which wire dialect to answer in: the documented API (default), or the
    /// public server's (`Upstream`, see the crate docs).
    pub dialect: Dialect,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            token: None,
            api_key: None,
            rate_limit: None,
            complete_after: None,
            log_requests: false,
            faults: FaultPlan::new(),
            dialect: Dialect::Spec,
        }
    }
}

impl ServerConfig {
    /// The defaults, listening on `127.0.0.1:8080`.
    pub fn new() -> Self {
        Self::default()
    }
    /// The defaults on a free port of `127.0.0.1`: what tests and examples use.
    pub fn ephemeral() -> Self {
        Self::default().addr(SocketAddr::from(([127, 0, 0, 1], 0)))
    }
    /// Listens on `addr`.
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }
    /// Requires this bearer token.
    #[must_use]
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }
    /// Requires this API key.
    #[must_use]
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }
    /// Limits each client address to `per_second` requests per second.
    #[must_use]
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = Some(per_second);
        self
    }
    /// Simulates execution: tasks finish `after` their creation.
    #[must_use]
    pub fn complete_after(mut self, after: Duration) -> Self {
        self.complete_after = Some(after);
        self
    }
    /// Logs one line per request to stderr.
    #[must_use]
    pub fn log_requests(mut self, on: bool) -> Self {
        self.log_requests = on;
        self
    }
    /// Answers in this wire dialect.
    #[must_use]
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }
    /// Arms these faults from the start.
    #[must_use]
    pub fn faults(mut self, plan: FaultPlan) -> Self {
        self.faults = plan;
        self
    }

    /// Checks that the server can honour every setting in its dialect: the
    /// public server has no auth and no rate limit, so in
    /// [`Dialect::Upstream`] a token, an API key or a rate limit is refused
    /// rather than silently ignored (a server that fails open).
    ///
    /// # Errors
    /// The settings the dialect cannot honour, named.
    pub fn validate(&self) -> Result<(), std::io::Error> {
        if self.dialect != Dialect::Upstream {
            return Ok(());
        }
        let unsupported: Vec<&str> = [
            ("--token", self.token.is_some()),
            ("--api-key", self.api_key.is_some()),
            ("--rate-limit", self.rate_limit.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, set)| set.then_some(flag))
        .collect();
        if unsupported.is_empty() {
            return Ok(());
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{} cannot be honoured with --dialect upstream: the public Task Queue server has no \
                 authentication and no rate limit, so this server would silently accept every request",
                unsupported.join(", ")
            ),
        ))
    }
}
