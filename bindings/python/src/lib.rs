//! `taskqueue._core`: the Rust SDK under the Python package `taskqueue`.
//!
//! The Python side (`bindings/python/python/taskqueue`) holds the
//! specification's API: pydantic models, the exception hierarchy, the two
//! clients. This module is what they call: one `Core` per client, whose
//! calls take an operation's name and its arguments as JSON and answer the
//! result as JSON bytes (which pydantic validates in one pass) or raise
//! `CoreError` with what the Python side needs to raise the specified class.
//! Every call releases the GIL while it runs; an async call runs on a Tokio
//! runtime of the module's and resolves an asyncio future, and cancelling
//! that future aborts the call.

mod args;
mod cursor;
mod error;
mod jobs;
mod runtime;
mod server;

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use taskqueue::{CallOptions, Config, Dialect, RetryPolicy};

use crate::error::{CoreError, panicked, py_error};
use crate::jobs::Job;

/// A configured pair of clients (blocking and async) over one config.
#[pyclass(frozen, module = "taskqueue._core")]
struct Core {
    blocking: taskqueue::blocking::Client,
    nonblocking: taskqueue::Client,
}

#[pymethods]
impl Core {
    /// Builds the clients; a setting the SDK refuses raises `CoreError`
    /// (kind `invalid_input`) naming it.
    #[new]
    #[pyo3(signature = (base_url, timeout, headers, max_connections, max_keepalive_connections,
                        retry_attempts, retry_backoff, token=None, api_key=None, dialect=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        base_url: &str,
        timeout: f64,
        headers: Vec<(String, String)>,
        max_connections: usize,
        max_keepalive_connections: usize,
        retry_attempts: u32,
        retry_backoff: f64,
        token: Option<String>,
        api_key: Option<String>,
        dialect: Option<&str>,
    ) -> PyResult<Self> {
        let dialect = match dialect.map(str::to_ascii_lowercase).as_deref() {
            None | Some("spec") => Dialect::Spec,
            Some("upstream") => Dialect::Upstream,
            Some(other) => {
                return Err(py_error(taskqueue::Error::invalid_input(
                    "dialect",
                    format!("{other:?} is not a dialect: `spec` or `upstream`"),
                )));
            }
        };
        let mut builder = Config::builder()
            .base_url(base_url)
            .dialect(dialect)
            .attempt_timeout(seconds("timeout", timeout)?)
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(retry_attempts.max(1))
                    .with_initial_backoff(seconds("retry_backoff", retry_backoff)?),
            );
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        if let Some(token) = token {
            builder = builder.token(token);
        }
        if let Some(key) = api_key {
            builder = builder.api_key(key);
        }
        let config = builder.build().map_err(py_error)?;
        let blocking = taskqueue::blocking::Client::builder(config.clone())
            .max_idle_per_host(max_keepalive_connections)
            .build()
            .map_err(py_error)?;
        let nonblocking = taskqueue::Client::builder(config)
            .max_in_flight(max_connections.max(1))
            .max_idle_per_host(max_keepalive_connections)
            .build()
            .map_err(py_error)?;
        Ok(Core { blocking, nonblocking })
    }

    /// Runs operation `op` with `args` (a JSON object) on the blocking
    /// client, the GIL released; answers the result as JSON.
    #[pyo3(signature = (op, args, options=None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        args: &[u8],
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let job = Job::parse(op, args).map_err(py_error)?;
        let options = call_options(options)?;
        let client = &self.blocking;
        let out = py.detach(|| std::panic::catch_unwind(AssertUnwindSafe(|| job.run_blocking(client, options))));
        match out {
            Ok(Ok(bytes)) => Ok(PyBytes::new(py, &bytes)),
            Ok(Err(error)) => Err(py_error(error)),
            Err(payload) => Err(panicked(&*payload)),
        }
    }

    /// Runs operation `op` on the async client: an awaitable of the
    /// result's JSON, on the running asyncio loop. Cancelling it aborts the call.
    #[pyo3(signature = (op, args, options=None))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        args: &[u8],
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let job = Job::parse(op, args).map_err(py_error)?;
        let options = call_options(options)?;
        let client = self.nonblocking.clone();
        runtime::awaitable(py, async move { job.run_async(&client, options).await })
    }

    /// Opens a listing of every page (`list_tasks_all`) or a watch
    /// (`watch`) on the blocking client: a cursor whose `next()` reads the
    /// next item as it is asked for.
    fn open(&self, op: &str, args: &[u8]) -> PyResult<cursor::Cursor> {
        let follow = cursor::Follow::parse(op, args).map_err(py_error)?;
        Ok(cursor::Cursor::open(&self.blocking, follow))
    }

    /// The same on the async client: a cursor whose `next()` is an awaitable.
    fn open_async(&self, op: &str, args: &[u8]) -> PyResult<cursor::AsyncCursor> {
        let follow = cursor::Follow::parse(op, args).map_err(py_error)?;
        Ok(cursor::AsyncCursor::open(&self.nonblocking, follow))
    }
}

/// A duration from seconds given by Python, refused when negative, not a
/// number or past a day.
fn seconds(field: &str, value: f64) -> PyResult<Duration> {
    if !value.is_finite() || value <= 0.0 || value > 86_400.0 {
        return Err(py_error(taskqueue::Error::invalid_input(
            field,
            format!("{value} is not a number of seconds in (0, 86400]"),
        )));
    }
    Ok(Duration::from_secs_f64(value))
}

/// Per-call options from `{"timeout": seconds, "idempotency_key": str}`.
fn call_options(options: Option<&Bound<'_, PyDict>>) -> PyResult<Option<CallOptions>> {
    let Some(options) = options else {
        return Ok(None);
    };
    let mut out = CallOptions::new();
    if let Some(timeout) = options.get_item("timeout")?.filter(|v| !v.is_none()) {
        out = out.attempt_timeout(seconds("timeout", timeout.extract()?)?);
    }
    if let Some(deadline) = options.get_item("deadline")?.filter(|v| !v.is_none()) {
        out = out.call_deadline(seconds("deadline", deadline.extract()?)?);
    }
    if let Some(key) = options.get_item("idempotency_key")?.filter(|v| !v.is_none()) {
        out = out.idempotency_key(key.extract::<String>()?);
    }
    Ok(Some(out))
}

/// The module.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Core>()?;
    m.add_class::<server::ReferenceServer>()?;
    m.add_class::<cursor::Cursor>()?;
    m.add_class::<cursor::AsyncCursor>()?;
    m.add_class::<runtime::Completions>()?;
    m.add_class::<runtime::Pending>()?;
    m.add("CoreError", m.py().get_type::<CoreError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
