//! SDK errors as Python exceptions: `CoreError` carries what the Python side
//! needs to raise the specified class (`taskqueue.exceptions`).

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    _core,
    CoreError,
    PyException,
    "An SDK error: args are (kind, message, status, body, request_id, retry_after, operation, attempts)."
);

/// What Python is told of an SDK error, in `CoreError`'s argument order:
/// its stable kind (`task_not_found`, `timeout`, …), message, HTTP status,
/// the start of the body, the request id, `Retry-After` in seconds, and the
/// call's operation and attempts. A batch's failed items carry the same.
pub(crate) type ErrorFields = (
    &'static str,
    String,
    Option<u16>,
    Option<String>,
    Option<String>,
    Option<f64>,
    Option<&'static str>,
    Option<u32>,
);

/// The fields of `error`.
pub(crate) fn fields(error: &taskqueue::Error) -> ErrorFields {
    (
        error.kind().as_str(),
        error.message(),
        error.status().map(|s| s.as_u16()),
        error.response_body().map(str::to_owned),
        error.request_id().map(str::to_owned),
        error.retry_after().map(|d| d.as_secs_f64()),
        error.operation(),
        error.attempts(),
    )
}

/// The `CoreError` of an SDK error.
pub(crate) fn py_error(error: taskqueue::Error) -> PyErr {
    CoreError::new_err(fields(&error))
}

/// The `CoreError` of a panic inside the SDK: a bug, reported as an error
/// of kind `internal` rather than crossing into Python.
pub(crate) fn panicked(payload: &(dyn std::any::Any + Send)) -> PyErr {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned());
    let fields: ErrorFields = (
        "internal",
        format!("internal error in the Task Queue SDK: {what}"),
        None,
        None,
        None,
        None,
        None,
        None,
    );
    CoreError::new_err(fields)
}
