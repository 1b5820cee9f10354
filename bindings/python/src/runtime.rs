//! Async calls: a Tokio runtime of the module's runs each call; an asyncio
//! future on the caller's loop receives its result, and cancelling that
//! future aborts the call (its request is dropped mid-flight).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
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

/// Aborts the call when its asyncio future is cancelled (a done callback).
#[pyclass(frozen)]
struct AbortOnCancel {
    handle: AbortHandle,
}

#[pymethods]
impl AbortOnCancel {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.handle.abort();
        }
        Ok(())
    }
}

/// An asyncio future (on the running loop) of `call`'s JSON bytes.
pub(crate) fn awaitable<'py, F>(py: Python<'py>, call: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<Vec<u8>, taskqueue::Error>> + Send + 'static,
{
    let asyncio = py.import("asyncio")?;
    let event_loop = asyncio.call_method0("get_running_loop")?;
    let future = event_loop.call_method0("create_future")?;
    let resolve = py.import("taskqueue._bridge")?.getattr("resolve")?;
    let (loop_ref, future_ref, resolve) = (event_loop.unbind(), future.clone().unbind(), resolve.unbind());
    let task = runtime()?.spawn(async move {
        let result = futures_catch(call).await;
        Python::attach(|py| {
            let (ok, value): (bool, Py<PyAny>) = match result {
                Ok(Ok(bytes)) => (true, PyBytes::new(py, &bytes).into_any().unbind()),
                Ok(Err(error)) => (false, py_error(error).into_value(py).into_any()),
                Err(payload) => (false, panicked(&*payload).into_value(py).into_any()),
            };
            // The loop may be closed by now: nobody is waiting any more.
            let _ = loop_ref
                .bind(py)
                .call_method1("call_soon_threadsafe", (resolve, future_ref, ok, value));
        });
    });
    future.call_method1(
        "add_done_callback",
        (AbortOnCancel {
            handle: task.abort_handle(),
        },),
    )?;
    Ok(future)
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
