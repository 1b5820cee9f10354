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
//! # The Call loop
//!
//! A [`Call`] runs one logical call: it yields [`Action::Send`] (send this
//! request, with this timeout), [`Action::Sleep`] (back off) or
//! [`Action::Done`]. Every transport is this loop with its own `send` and
//! `sleep`; here the "network" is a closure that fails once with 503:
//!
//! ```
//! use std::time::Instant;
//! use taskqueue_proto::{Action, Call, CallOptions, Config, SplitMix64, ops::GetTask};
//!
//! let config = Config::default();
//! let id = uuid::Uuid::nil();
//! let mut server_calls = 0;
//! let mut send = |req: http::Request<Vec<u8>>| {
//!     server_calls += 1;
//!     let status = if server_calls == 1 { 503 } else { 200 };
//!     let body = format!(r#"{{"id":"{id}","name":"n","command":"c",
//!         "created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}}"#);
//!     assert!(req.headers().contains_key("x-request-id"));
//!     Ok(http::Response::builder().status(status).body(body.into_bytes()).unwrap())
//! };
//!
//! let mut now = Instant::now(); // the transport's clock, not the crate's
//! let mut call = Call::new(GetTask::new(id), &config, CallOptions::new(), &mut SplitMix64::new(42));
//! let task = loop {
//!     match call.poll(now) {
//!         Action::Send { request, timeout: _ } => {
//!             let outcome = send(request);
//!             call.record(outcome, now);
//!         }
//!         Action::Sleep(pause) => now += pause, // a real transport sleeps here
//!         Action::Done(result) => break result?,
//!     }
//! };
//! assert_eq!(task.id, id);
//! assert_eq!(call.attempts(), 2);
//! # Ok::<(), taskqueue_proto::Error>(())
//! ```
//!
//! [`Pager`] (every page of a listing) and [`Wait`] (poll a task until it
//! finishes) are driven the same way; [`BatchCreate`] validates a batch
//! before anything is sent and keeps results in input order.
//!
//! In an async runtime, [`driver::run`] is this loop once and for all: give
//! it an [`driver::AsyncTransport`] (send, sleep, now, a random number) built
//! on any HTTP client and timer.

mod batch;
mod call;
mod config;
mod dialect;
pub mod driver;
mod entropy;
mod error;
pub mod models;
pub mod ops;
mod paging;
mod query;
mod retry;
mod secret;
mod wait;

pub use batch::{BatchCreate, BatchResults, DEFAULT_BATCH_CONCURRENCY};
pub use call::{
    Action, Call, CallOptions, IDEMPOTENCY_KEY_HEADER, REQUEST_ID_HEADER, TransportError, TransportErrorKind,
};
pub use config::{
    Config, ConfigBuilder, DEFAULT_BASE_URL, DEFAULT_BODY_LIMIT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT,
};
pub use dialect::Dialect;
pub use entropy::{Entropy, SplitMix64, ThreadEntropy};
pub use error::{ApiError, BODY_SNIPPET_LIMIT, BoxError, Error, FieldError};
pub use models::*;
pub use ops::{HealthStatus, Operation, Step};
pub use paging::Pager;
pub use retry::{Attempt, DEFAULT_RETRYABLE_STATUSES, GiveUp, RetryBudget, RetryDecision, RetryPolicy};
pub use secret::Secret;
pub use wait::{WAIT_INITIAL_DELAY, WAIT_MAX_DELAY, Wait, WaitAction};
