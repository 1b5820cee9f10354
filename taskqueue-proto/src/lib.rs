//! The sans-IO core of the Task Queue SDK.
//!
//! This crate turns each API operation into an [`http::Request`] value and
//! reads [`http::Response`]s into models and typed [`Error`]s. It decides
//! whether and when to retry, walks pages, and waits for tasks — all as state
//! machines that are *told* the time and *given* randomness.
//!
//! **It never does I/O**: no sockets, no threads, no sleeping, no clock
//! (`Instant::now` is never called), no randomness of its own. It must never
//! depend on hyper, ureq, tokio or a TLS crate. The transports
//! (`taskqueue-ureq`, `taskqueue-hyper`) do the sending and sleeping; so can
//! your own code, in any runtime, or a unit test with a fake clock.
//!
//! # One request, no network
//!
//! ```
//! use taskqueue_proto::{Config, TaskCreateRequest, TaskPriority, ops::{CreateTask, Operation}};
//! let config = Config::builder().base_url("https://tq.example.com").token("t0k").build()?;
//! let project = uuid::Uuid::nil();
//! let op = CreateTask::new(TaskCreateRequest::new("build", "cargo build", project).priority(TaskPriority::High));
//! let request = op.build_request(&config)?;
//! assert_eq!(request.method(), "POST");
//! assert_eq!(request.uri(), "https://tq.example.com/api/tasks");
//! assert_eq!(request.headers()["authorization"], "Bearer t0k");
//! # Ok::<(), taskqueue_proto::Error>(())
//! ```
//!
//! # Running calls
//!
//! Everything that talks to a server runs as a state machine of the
//! [`driver`] module, run by one of its two loops: [`driver::run_blocking`]
//! over a [`driver::BlockingTransport`] or [`driver::run`] over a
//! [`driver::AsyncTransport`]. A transport sends one request, sleeps, tells
//! the time and draws random numbers; the machine does the rest. Here the
//! "network" is a closure on virtual time that fails once with 503:
//!
//! ```
//! use std::time::Instant;
//! use taskqueue_proto::driver::{IntoMachine, Simulated, run_blocking};
//! use taskqueue_proto::{CallOptions, Config, ops::GetTask};
//!
//! let id = uuid::Uuid::nil();
//! let mut server_calls = 0;
//! let transport = Simulated::new(Instant::now(), move |request: &http::Request<Vec<u8>>| {
//!     server_calls += 1;
//!     let status = if server_calls == 1 { 503 } else { 200 };
//!     let body = format!(r#"{{"id":"{id}","name":"n","command":"c",
//!         "created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}}"#);
//!     assert!(request.headers().contains_key("x-request-id"));
//!     Ok(http::Response::builder().status(status).body(body.into_bytes()).unwrap())
//! });
//! let call = GetTask::new(id).into_machine(&Config::default(), &CallOptions::new(), 42);
//! let task = run_blocking(&transport, call)?;
//! assert_eq!(task.id, id);
//! assert_eq!(transport.sent().len(), 2); // the 503 was retried after a (virtual) backoff
//! # Ok::<(), taskqueue_proto::Error>(())
//! ```
//!
//! The clients (`taskqueue-ureq`, `taskqueue-hyper`) are these loops over
//! their HTTP client; their methods come from one table of endpoints,
//! [`endpoints!`].
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod dialect;
pub mod driver;
#[cfg(feature = "gzip")]
pub mod encoding;
mod endpoints;
mod error;
mod error_kind;
#[doc(hidden)]
pub mod graph;
pub mod models;
pub mod observe;
pub mod ops;
mod options;
pub mod proxy;
mod query;
pub mod rate_limiter;
pub mod retry;
mod secret;
mod setters;
pub mod streaming;

pub use config::{
    Config, ConfigBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_BASE_URL, DEFAULT_BODY_LIMIT, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_LISTING_ITEMS, DEFAULT_USER_AGENT,
};
pub use dialect::Dialect;
pub use driver::{IDEMPOTENCY_KEY_HEADER, REQUEST_ID_HEADER};
pub use error::{ApiError, BODY_SNIPPET_LIMIT, BoxError, CallInfo, Error, FieldError, TimeoutKind};
pub use error_kind::ErrorKind;
pub use models::*;
pub use ops::HealthStatus;
pub use options::{CallOptions, DEFAULT_BATCH_CONCURRENCY};
pub use rate_limiter::AdaptiveRateLimiter;
pub use retry::{RetryBudget, RetryPolicy};
pub use secret::Secret;
/// The crates whose types the SDK's signatures use, at the versions it uses:
/// name `Uuid`, `DateTime` or a `serde_json::Value` without depending on them.
pub use {chrono, http, serde_json, uuid};
