//! `taskqueue`: the Rust SDK for the Task Queue HTTP API.
//!
//! This facade re-exports the sans-IO protocol core, [`taskqueue_proto`], at
//! its root: models, operations, [`Config`], [`Error`], [`RetryPolicy`] and
//! the [`Call`] state machine. The clients that send the requests come behind
//! cargo features:
//!
//! | feature | client | built on |
//! |---|---|---|
//! | `blocking` (default) | [`blocking::Client`] | ureq 3; no tokio anywhere |
//! | `async` (default) | [`Client`] | hyper 1, hyper-util, tokio |
//! | `http2` | HTTP/2 for the async client | ALPN, or prior knowledge |
//! | `tracing` | spans per call, events per attempt | the `tracing` facade |
//!
//! ```
//! use taskqueue::{Config, TaskFilters, TaskStatus, ops::{ListTasks, Operation}};
//! let request = ListTasks::new(TaskFilters::new().status(TaskStatus::Running).limit(20))
//!     .build_request(&Config::default())?;
//! assert_eq!(request.uri(), "http://localhost:8080/api/tasks?status=Running&limit=20");
//! # Ok::<(), taskqueue::Error>(())
//! ```

pub use taskqueue_proto::*;

/// The blocking client (feature `blocking`): see [`taskqueue_ureq`].
#[cfg(feature = "blocking")]
pub mod blocking {
    pub use taskqueue_ureq::{Client, TaskPages};
}

/// The async client (feature `async`): see [`taskqueue_hyper`].
#[cfg(feature = "async")]
pub use taskqueue_hyper::{Client, ClientBuilder, TaskStream};
