//! The blocking transport of the Task Queue SDK, on ureq 3.
//!
//! A small, synchronous client for scripts and tools: **no tokio and no async
//! runtime anywhere in its dependency tree**. [`UreqTransport`] implements
//! the sans-IO core's [`BlockingTransport`](taskqueue_proto::driver::BlockingTransport)
//! (send with ureq, `std::thread::sleep`, `Instant::now`), and proto's one
//! blocking driver runs every call over it, so retries, backoff, idempotency
//! keys and deadlines behave exactly as in every other transport. The
//! [`Client`] runs over any other `BlockingTransport` the same way. HTTPS uses rustls
//! with the `ring` provider and Mozilla's roots (plus `Config`'s extra roots);
//! `HTTPS_PROXY`/`NO_PROXY` are honoured; redirects are never followed.
//!
//! ```no_run
//! use std::time::Duration;
//! use taskqueue_proto::{Config, ProjectCreateRequest, TaskCreateRequest, TaskFilters, TaskStatus};
//! use taskqueue_ureq::Client;
//!
//! let client = Client::new(Config::builder().base_url("http://127.0.0.1:8080").token("s3cret").build()?)?;
//! let project = client.create_project(ProjectCreateRequest::new("website"))?;
//! let task = client.create_task(TaskCreateRequest::new("build", "make", project.id))?;
//! let done = client.wait_for_completion(task.id, Duration::from_secs(60))?;
//! for task in client.list_tasks_all(TaskFilters::new().status(TaskStatus::Completed)) {
//!     println!("{}", task?.name);
//! }
//! # Ok::<(), taskqueue_proto::Error>(())
//! ```
//!
//! With the `tracing` feature (on by default) every call is a
//! `taskqueue.call` span (operation, request id) and every attempt an event
//! (method, path, status or error, duration, attempt, retry decision).
//! Credentials and bodies are never recorded.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod agent;
mod classify;
mod client;
mod iter;
mod resolver;
pub mod transport;

pub use client::{Client, ClientBuilder};
pub use iter::{ItemIter, TaskIter, WatchIter};
pub use transport::UreqTransport;
