//! Async calls: a Tokio runtime of the module's runs each call; an asyncio
//! future on the caller's loop receives its result, and cancelling that
//! future aborts the call (its request is dropped mid-flight).
//!
//! A finished call does not take the GIL on the runtime's thread: its
//! result goes into the loop's [`Completions`] queue, and the first result
//! of a batch writes one byte to a socket the loop watches
//! (`loop.add_reader`). The loop's thread then settles every future in the
//! queue at once (`taskqueue._bridge`). Settling each future through
//! `Python::attach` + `call_soon_threadsafe` instead cost an async
//! `get_task` 503 µs against 398 µs this way (medians of seven alternating
//! runs, docs/PERFORMANCE.md): the runtime's thread made and dropped a
//! Python thread state per call, and the loop's thread, woken by its
//! self-pipe, then waited for the GIL the runtime's thread still held.
//! Loops without `add_reader` (Windows' proactor) are woken by
//! `call_soon_threadsafe`.

use std::future::Future;
#[cfg(unix)]
use std::io::{ErrorKind, Read, Write};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use tokio::runtime::Runtime;
use tokio::task::AbortHandle;

use crate::error::{panicked, py_error};

/// The runtime every async call of the process runs on (two workers: the
/// calls are I/O, the CPU work is parsing).
fn runtime() -> PyResult<&'static Runtime> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("taskqueue")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("could not start the SDK's runtime: {e}")))
}

/// A finished call: its JSON, or the error to raise.
type Outcome = Result<Vec<u8>, PyErr>;

/// The finished calls of one event loop, waiting for its thread.
struct Queue {
    done: Mutex<Vec<(u64, Outcome)>>,
    /// The socket pair whose reading end the loop watches (`writer`, `reader`).
    #[cfg(unix)]
    socket: Option<(UnixStream, UnixStream)>,
    /// Set for a loop that cannot watch a socket: `loop.call_soon_threadsafe(drain)`.
    by_loop: OnceLock<(Py<PyAny>, Py<PyAny>)>,
}

impl Queue {
    /// Queues a finished call; the first of a batch wakes the loop.
    fn push(&self, id: u64, outcome: Outcome) {
        let first = match self.done.lock() {
            Ok(mut done) => {
                done.push((id, outcome));
                done.len() == 1
            }
            // A panic while the lock was held cannot happen (pushes and
            // takes only); were it to, the caller's future stays pending
            // until cancelled rather than this thread panicking.
            Err(_) => return,
        };
        if first {
            self.wake();
        }
    }

    fn wake(&self) {
        if let Some((event_loop, drain)) = self.by_loop.get() {
            Python::attach(|py| {
                // The loop may be closed by now: nobody is waiting any more.
                let _ = event_loop.bind(py).call_method1("call_soon_threadsafe", (drain,));
            });
            return;
        }
        #[cfg(unix)]
        if let Some((writer, _)) = &self.socket {
            // Full means a wake-up is already waiting to be read.
            let _ = (&*writer).write(b"!");
        }
    }
}

/// The queue of one asyncio loop's finished calls (`taskqueue._bridge`
/// makes one per loop): the loop watches `fileno()` and calls `take()`.
#[pyclass(frozen, module = "taskqueue._core")]
pub(crate) struct Completions {
    queue: Arc<Queue>,
    next_id: AtomicU64,
}

#[pymethods]
impl Completions {
    #[new]
    fn new() -> PyResult<Self> {
        #[cfg(unix)]
        let socket = {
            let (writer, reader) = UnixStream::pair()?;
            writer.set_nonblocking(true)?;
            reader.set_nonblocking(true)?;
            Some((writer, reader))
        };
        Ok(Completions {
            queue: Arc::new(Queue {
                done: Mutex::new(Vec::new()),
                #[cfg(unix)]
                socket,
                by_loop: OnceLock::new(),
            }),
            next_id: AtomicU64::new(1),
        })
    }

    /// The socket to watch for readability; `None` where there is none
    /// (then call `wake_with`).
    fn fileno(&self) -> Option<i64> {
        #[cfg(unix)]
        if let Some((_, reader)) = &self.queue.socket {
            use std::os::fd::AsRawFd;
            return Some(i64::from(reader.as_raw_fd()));
        }
        None
    }

    /// Wakes `event_loop` by `call_soon_threadsafe(drain)` instead of the
    /// socket (a loop without `add_reader`); before its first call.
    fn wake_with(&self, event_loop: Py<PyAny>, drain: Py<PyAny>) {
        let _ = self.queue.by_loop.set((event_loop, drain));
    }

    /// Every finished call since the last `take`, as `(id, ok, value)`:
    /// the JSON bytes, or the exception to raise. Reads the wake-up bytes.
    fn take<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        #[cfg(unix)]
        if let Some((_, reader)) = &self.queue.socket {
            // Read before taking: a push after the take writes again.
            let mut sink = [0u8; 256];
            loop {
                match (&*reader).read(&mut sink) {
                    Ok(0) => break,
                    Ok(_) => continue,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
        }
        let done = match self.queue.done.lock() {
            Ok(mut done) => std::mem::take(&mut *done),
            Err(_) => Vec::new(),
        };
        let items = done.into_iter().map(|(id, outcome)| -> PyResult<Bound<'py, PyTuple>> {
            let (ok, value) = match outcome {
                Ok(bytes) => (true, PyBytes::new(py, &bytes).into_any()),
                Err(error) => (false, error.into_value(py).into_bound(py).into_any()),
            };
            (id, ok, value).into_pyobject(py)
        });
        PyList::new(py, items.collect::<PyResult<Vec<_>>>()?)
    }
}

/// An async call on its way: `id` names its result in the loop's
/// `Completions`; called as its future's done callback, it aborts the call
/// when the future was cancelled and forgets the future.
#[pyclass(frozen, module = "taskqueue._core")]
pub(crate) struct Pending {
    #[pyo3(get)]
    id: u64,
    handle: AbortHandle,
    /// The bridge's futures by call id.
    futures: Py<PyAny>,
}

#[pymethods]
impl Pending {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.handle.abort();
            self.futures
                .bind(future.py())
                .call_method1("pop", (self.id, future.py().None()))?;
        }
        Ok(())
    }
}

/// An asyncio future (on the running loop) of `call`'s JSON bytes.
pub(crate) fn awaitable<'py, F>(py: Python<'py>, call: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<Vec<u8>, taskqueue::Error>> + Send + 'static,
{
    static BRIDGE: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    let running = BRIDGE.import(py, "taskqueue._bridge", "running")?;
    let bridge = running.call0()?;
    let completions = bridge.getattr("completions")?;
    let completions = completions.cast::<Completions>()?.get();
    let id = completions.next_id.fetch_add(1, Ordering::Relaxed);
    let queue = Arc::clone(&completions.queue);
    let task = runtime()?.spawn(async move {
        let outcome = match futures_catch(call).await {
            Ok(Ok(bytes)) => Ok(bytes),
            Ok(Err(error)) => Err(py_error(error)),
            Err(payload) => Err(panicked(&*payload)),
        };
        queue.push(id, outcome);
    });
    let futures = bridge.getattr("futures")?.unbind();
    bridge.call_method1(
        "future",
        (Pending {
            id,
            handle: task.abort_handle(),
            futures,
        },),
    )
}

/// Runs `call`, a panic inside it caught as its payload.
async fn futures_catch<F: Future>(call: F) -> Result<F::Output, Box<dyn std::any::Any + Send>> {
    let mut call = std::pin::pin!(call);
    std::future::poll_fn(
        move |cx| match std::panic::catch_unwind(AssertUnwindSafe(|| call.as_mut().poll(cx))) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(out)) => std::task::Poll::Ready(Ok(out)),
            Err(payload) => std::task::Poll::Ready(Err(payload)),
        },
    )
    .await
}
