//! `taskqueue`: the Rust SDK for the Task Queue HTTP API.
//!
//! This facade holds at its root what users write: [`Config`], [`Dialect`],
//! [`Error`], [`RetryPolicy`], [`CallOptions`], the models, [`ops`], and the
//! two clients. The state machines and drivers, for transport authors, are
//! under [`driver`]. The clients come behind cargo features; the default is
//! the blocking client with no tokio in the build, and the async one is
//! `features = ["async"]`:
//!
//! | feature | client | built on |
//! |---|---|---|
//! | `blocking` (default) | [`blocking::Client`] | ureq 3; no tokio anywhere |
//! | `async` | [`Client`] | hyper 1, hyper-util, tokio |
//! | `http2` | HTTP/2 for the async client | ALPN, or prior knowledge |
//! | `tracing` (default) | spans per call, events per attempt | the `tracing` facade |
//! | `gzip` (default) | gzip answers, inflated under the body limit | flate2 (zlib-rs) |
//! | `metrics` | `observe::MetricsObserver` | the `metrics` facade |
//! | `testing` | [`testing`]: mock, record, replay | virtual time, no network |
//!
//! ```
//! use taskqueue::{Config, TaskFilters, TaskStatus, ops::{ListTasks, Operation}};
//! let request = ListTasks::new(TaskFilters::new().status(TaskStatus::Running).limit(20))
//!     .build_request(&Config::default())?;
//! assert_eq!(request.uri(), "http://localhost:8080/api/tasks?status=Running&limit=20");
//! # Ok::<(), taskqueue::Error>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use taskqueue_proto::models::*;
pub use taskqueue_proto::{
    ApiError, BODY_SNIPPET_LIMIT, CallOptions, Config, ConfigBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_BASE_URL,
    DEFAULT_BATCH_CONCURRENCY, DEFAULT_BODY_LIMIT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_LISTING_ITEMS,
    DEFAULT_USER_AGENT, Dialect, Error, ErrorKind, FieldError, HealthStatus, RetryBudget, RetryPolicy, Secret,
    TimeoutKind, models, observe, ops, rate_limiter, retry,
};

/// The crates whose types the SDK's signatures use, at the versions it uses:
/// a crate that depends on `taskqueue` alone names `taskqueue::uuid::Uuid`,
/// `taskqueue::chrono::Utc` and `taskqueue::serde_json::Value`.
pub use taskqueue_proto::{chrono, http, serde_json, uuid};

/// What a transport author needs, beside the user's API at the root: the
/// state machines and the two loops that run them ([`taskqueue_proto::driver`]),
/// the SDK's own transports, the endpoint table, the headers the SDK sends,
/// and what a transport needs to honour a [`Config`] as the built-in ones do
/// — proxy resolution ([`proxy`](driver::proxy)), gzip
/// ([`encoding`](driver::encoding), feature `gzip`) and listings read while
/// they arrive ([`streaming`](driver::streaming)).
pub mod driver {
    #[cfg(feature = "async")]
    pub use taskqueue_hyper::{HyperTransport, ItemStream};
    pub use taskqueue_proto::driver::*;
    #[cfg(feature = "gzip")]
    pub use taskqueue_proto::encoding;
    pub use taskqueue_proto::{BoxError, IDEMPOTENCY_KEY_HEADER, REQUEST_ID_HEADER, endpoints, proxy, streaming};
    #[cfg(feature = "blocking")]
    pub use taskqueue_ureq::{ItemIter, UreqTransport};
}

/// The blocking client (feature `blocking`): see [`taskqueue_ureq`].
#[cfg(feature = "blocking")]
pub mod blocking {
    pub use taskqueue_ureq::{Client, ClientBuilder, TaskIter, WatchIter};
}

#[cfg(feature = "testing")]
pub mod testing;

/// The async client (feature `async`): see [`taskqueue_hyper`].
#[cfg(feature = "async")]
pub use taskqueue_hyper::{Client, ClientBuilder, TaskStream, WatchStream};

/// Every Rust block of the README, compiled (and run, unless marked
/// `no_run`) as a doctest, so the README cannot drift from the API.
#[cfg(all(doctest, feature = "blocking", feature = "async", feature = "testing"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
