//! The reference server, started in-process for tests (`taskqueue.testing`).

use std::time::Duration;

use pyo3::prelude::*;
use taskqueue::Dialect;
use taskqueue_server::{RunningServer, ServerConfig};

use crate::error::py_error;

/// A reference server on a free port of 127.0.0.1, stopped with
/// [`stop`](ReferenceServer::stop) or when collected.
#[pyclass(module = "taskqueue._core")]
pub(crate) struct ReferenceServer {
    running: Option<RunningServer>,
    base_url: String,
}

#[pymethods]
impl ReferenceServer {
    /// Starts a server of `dialect` (`spec` or `upstream`); tasks complete
    /// `complete_after` seconds after they are created when it is given;
    /// `token` requires that bearer token; `rate_limit` answers 429 (with
    /// `Retry-After`) past that many requests a second.
    #[new]
    #[pyo3(signature = (dialect="spec", complete_after=None, token=None, rate_limit=None))]
    fn new(
        py: Python<'_>,
        dialect: &str,
        complete_after: Option<f64>,
        token: Option<String>,
        rate_limit: Option<u32>,
    ) -> PyResult<Self> {
        let dialect = match dialect.to_ascii_lowercase().as_str() {
            "spec" => Dialect::Spec,
            "upstream" => Dialect::Upstream,
            other => {
                return Err(py_error(taskqueue::Error::invalid_input(
                    "dialect",
                    format!("{other:?} is not a dialect: `spec` or `upstream`"),
                )));
            }
        };
        let mut config = ServerConfig::ephemeral().dialect(dialect);
        if let Some(after) = complete_after {
            if !(0.0..=86_400.0).contains(&after) {
                return Err(py_error(taskqueue::Error::invalid_input(
                    "complete_after",
                    "must be a number of seconds in [0, 86400]",
                )));
            }
            config = config.complete_after(Duration::from_secs_f64(after));
        }
        if let Some(token) = token {
            config = config.token(token);
        }
        if let Some(per_second) = rate_limit {
            config = config.rate_limit(per_second);
        }
        let running = py
            .detach(|| taskqueue_server::spawn(config))
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("could not start the reference server: {e}")))?;
        let base_url = running.base_url();
        Ok(ReferenceServer {
            running: Some(running),
            base_url,
        })
    }

    /// The server's base URL (`http://127.0.0.1:PORT`).
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Stops the server (again: nothing).
    fn stop(&mut self, py: Python<'_>) {
        if let Some(running) = self.running.take() {
            py.detach(move || drop(running));
        }
    }
}
