//! The reference server of the Task Queue API, spec dialect (CONTRACT §1):
//! what the SDK, its examples and its integration tests run against, the way
//! stripe-mock serves Stripe's SDKs.
//!
//! It keeps everything in memory, answers exactly as `openapi.yaml` says,
//! and can misbehave on demand: a [`FaultPlan`] makes chosen requests fail
//! with a status, a delay, a dropped connection, a truncated or oversized
//! body, invalid JSON or a 429. It counts the requests it received per route,
//! so tests can assert on retries. It reuses `taskqueue-proto`'s models, so
//! the wire format cannot drift from the SDK's.
//!
//! With [`ServerConfig::dialect`] set to `Upstream` (`--dialect upstream`)
//! it answers as the public Task Queue server does instead: no `/api`
//! prefix, acknowledgements, `{secs_since_epoch, …}` times, empty or text
//! error bodies (CONTRACT §2), for testing the SDK's upstream dialect.
//!
//! It depends on tokio, hyper and axum; the SDK's own crates never depend on it
//! except in tests and examples.
//!
//! ```
//! use taskqueue_server::{Fault, FaultBody, FaultRule, ServerConfig, spawn};
//!
//! let server = spawn(ServerConfig::ephemeral())?;          // 127.0.0.1:<free port>
//! println!("listening on {}", server.base_url());
//! server.faults().push(
//!     FaultRule::new(Fault::Status { status: 503, body: FaultBody::Empty })
//!         .times(2)
//!         .on(http::Method::GET, "/api/tasks/{task_id}"),
//! );
//! assert_eq!(server.request_count("GET", "/api/tasks/{task_id}"), 0);
//! server.shutdown();
//! # Ok::<(), std::io::Error>(())
//! ```

mod api_error;
mod config;
mod extract;
mod faults;
mod handlers;
mod idempotency;
mod in_process;
mod middleware;
mod rate_limit;
mod routes;
mod running;
mod service;
mod simulation;
mod state;
mod store;
mod upstream;
mod upstream_extras;
mod upstream_extras_store;
mod upstream_store;

pub use config::{DEFAULT_ADDR, ServerConfig};
pub use extract::MAX_REQUEST_BODY;
pub use faults::{Fault, FaultBody, FaultPlan, FaultRule, Faults};
pub use idempotency::{KEY_TTL as IDEMPOTENCY_KEY_TTL, MAX_KEYS as IDEMPOTENCY_MAX_KEYS};
pub use in_process::InProcess;
pub use running::{RunningServer, spawn};
pub use service::serve_until;
pub use state::ReceivedRequest;
