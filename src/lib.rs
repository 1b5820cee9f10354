//! `taskqueue`: the Rust SDK for the Task Queue HTTP API.
//!
//! This facade re-exports the sans-IO protocol core, [`taskqueue_proto`], at
//! its root: models, operations, [`Config`], [`Error`], [`RetryPolicy`] and
//! the [`Call`] state machine. Transports that send the requests come as
//! separate crates behind cargo features.
//!
//! ```
//! use taskqueue::{Config, TaskFilters, TaskStatus, ops::{ListTasks, Operation}};
//! let request = ListTasks::new(TaskFilters::new().status(TaskStatus::Running).limit(20))
//!     .build_request(&Config::default())?;
//! assert_eq!(request.uri(), "http://localhost:8080/api/tasks?status=Running&limit=20");
//! # Ok::<(), taskqueue::Error>(())
//! ```

pub use taskqueue_proto::*;
