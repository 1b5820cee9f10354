//! Listings and watches as Python iterators: each item is read from the
//! network as it is asked for (the GIL released while it is), not gathered
//! first. The blocking cursor wraps the blocking client's iterators, the
//! async one its streams, polled on the module's runtime.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use taskqueue::blocking::{TaskIter, WatchIter};
use taskqueue::ops::WatchTasks;
use taskqueue::{Error, TaskFilters, TaskStream, WatchStream};

use crate::args::Args;
use crate::error::py_error;

/// What to follow: every task of a listing, or a watch's events.
pub(crate) enum Follow {
    Tasks(TaskFilters),
    Watch(WatchTasks),
}

impl Follow {
    /// `list_tasks_all` or `watch`, with its arguments (a JSON object).
    pub(crate) fn parse(op: &str, args: &[u8]) -> Result<Follow, Error> {
        let args = Args::parse(args)?;
        let filters = args.filters()?;
        match op {
            "list_tasks_all" => Ok(Follow::Tasks(filters)),
            "watch" => {
                let mut job = WatchTasks::new(filters);
                if args.field::<Option<bool>>("skip_existing")? == Some(true) {
                    job = job.skip_existing();
                }
                if let Some(initial) = args.seconds("interval")? {
                    let max = args
                        .seconds("max_interval")?
                        .unwrap_or(Duration::from_secs(10))
                        .max(initial);
                    job = job.intervals(initial, max);
                }
                if let Some(timeout) = args.seconds("timeout")? {
                    job = job.timeout(timeout);
                }
                Ok(Follow::Watch(job))
            }
            other => Err(Error::invalid_input(
                "op",
                format!("{other:?} is not a listing or a watch"),
            )),
        }
    }
}

enum Blocking {
    Tasks(Box<TaskIter>),
    Events(Box<WatchIter>),
}

/// A blocking cursor: `next()` answers the next item's JSON, `None` at the end.
#[pyclass(module = "taskqueue._core")]
pub(crate) struct Cursor {
    source: Mutex<Option<Blocking>>,
}

impl Cursor {
    pub(crate) fn open(client: &taskqueue::blocking::Client, follow: Follow) -> Cursor {
        let source = match follow {
            Follow::Tasks(filters) => Blocking::Tasks(Box::new(client.list_tasks_all(filters))),
            Follow::Watch(job) => Blocking::Events(Box::new(client.watch(job))),
        };
        Cursor {
            source: Mutex::new(Some(source)),
        }
    }
}

#[pymethods]
impl Cursor {
    /// The next item as JSON, or `None` when the listing or watch is over.
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let next = py.detach(|| {
            let mut guard = self.source.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let item = match guard.as_mut() {
                None => return Ok(None),
                Some(Blocking::Tasks(tasks)) => tasks.next().map(|r| r.and_then(|t| json(&t))),
                Some(Blocking::Events(events)) => events.next().map(|r| r.and_then(|e| json(&e))),
            };
            if item.is_none() || matches!(item, Some(Err(_))) {
                *guard = None;
            }
            item.transpose()
        });
        next.map(|item| item.map(|bytes| PyBytes::new(py, &bytes)))
            .map_err(py_error)
    }

    /// Stops following: the cursor answers `None` from now on.
    fn close(&self) {
        if let Ok(mut guard) = self.source.lock() {
            *guard = None;
        }
    }
}

enum Nonblocking {
    Tasks(Box<TaskStream>),
    Events(Box<WatchStream>),
}

/// An async cursor: `next()` is an awaitable of the next item's JSON, `b""`
/// at the end. Cancelling it leaves the cursor usable.
#[pyclass(module = "taskqueue._core")]
pub(crate) struct AsyncCursor {
    source: Arc<tokio::sync::Mutex<Option<Nonblocking>>>,
}

impl AsyncCursor {
    pub(crate) fn open(client: &taskqueue::Client, follow: Follow) -> AsyncCursor {
        let source = match follow {
            Follow::Tasks(filters) => Nonblocking::Tasks(Box::new(client.list_tasks_all(filters))),
            Follow::Watch(job) => Nonblocking::Events(Box::new(client.watch(job))),
        };
        AsyncCursor {
            source: Arc::new(tokio::sync::Mutex::new(Some(source))),
        }
    }
}

#[pymethods]
impl AsyncCursor {
    /// An awaitable of the next item as JSON; `b""` when it is over.
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let source = Arc::clone(&self.source);
        crate::runtime::awaitable(py, async move {
            let mut guard = source.lock().await;
            let item = match guard.as_mut() {
                None => return Ok(Vec::new()),
                Some(Nonblocking::Tasks(tasks)) => tasks.next_task().await.map(|r| r.and_then(|t| json(&t))),
                Some(Nonblocking::Events(events)) => events.next_event().await.map(|r| r.and_then(|e| json(&e))),
            };
            if item.is_none() || matches!(item, Some(Err(_))) {
                *guard = None;
            }
            item.unwrap_or(Ok(Vec::new()))
        })
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error::invalid_input("output", e.to_string()))
}
