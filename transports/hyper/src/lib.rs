//! The async transport of the Task Queue SDK, on hyper 1, hyper-util and tokio.
//!
//! For services in a tokio application: a pooled connection per host (at
//! most 20 idle), at most 100 requests in flight, every attempt under a
//! tokio timer (kept for the next attempt once it ends: no timer-wheel
//! lock and no driver wake-up an attempt), bodies read through
//! `http_body_util::Limited`,
//! no redirects, HTTPS through rustls with the `ring` provider (Mozilla's
//! roots plus `Config`'s extra roots), HTTP/2 behind the `http2` feature.
//!
//! It drives the same sans-IO state machines as every transport, through
//! [`taskqueue_proto::driver::run`]: this crate only implements
//! [`AsyncTransport`](taskqueue_proto::driver::AsyncTransport) (send, sleep,
//! now, random) for hyper and tokio, as [`HyperTransport`]. To run the SDK
//! on another runtime or HTTP client, implement that trait for yours and
//! give it to [`Client::with_transport`] (see `examples/any_runtime.rs`).
//!
//! ```no_run
//! use std::time::Duration;
//! use taskqueue_hyper::Client;
//! use taskqueue_proto::{Config, ProjectCreateRequest, TaskCreateRequest};
//!
//! # async fn demo() -> Result<(), taskqueue_proto::Error> {
//! let client = Client::builder(Config::new("http://127.0.0.1:8080")?).max_in_flight(32).build()?;
//! let project = client.create_project(ProjectCreateRequest::new("website")).await?;
//! let task = client.create_task(TaskCreateRequest::new("build", "make", project.id)).await?;
//! let done = client.wait_for_completion(task.id, Duration::from_secs(60)).await?;
//! let mut all = client.list_tasks_all(Default::default());
//! while let Some(task) = all.next_task().await {
//!     println!("{}", task?.name);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! With the `tracing` feature (on by default) each call is a
//! `taskqueue.call` span and each attempt an event, from the same code as
//! the blocking client's.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod classify;
mod client;
mod connector;
mod deadline;
mod host;
mod pool;
mod stream;
pub mod transport;

pub use client::{Client, ClientBuilder, DEFAULT_MAX_IDLE_PER_HOST, DEFAULT_MAX_IN_FLIGHT};
pub use stream::{ItemStream, TaskStream, WatchStream};
pub use transport::HyperTransport;
