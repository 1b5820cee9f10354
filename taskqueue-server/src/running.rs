//! `spawn`: a server on its own thread and runtime, usable from sync and async code.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::watch;

use crate::ServerConfig;
use crate::faults::Faults;
use crate::service::{serve, until_signalled};
use crate::state::{AppState, Counters, ReceivedRequest};

/// Starts a server on a thread of its own (with its own two-worker tokio
/// runtime) and returns once it is listening. Works from plain `#[test]`s and
/// from inside any async runtime alike; starting one takes about a millisecond.
///
/// # Errors
///
/// The I/O error of binding the address or starting the server's thread.
pub fn spawn(config: ServerConfig) -> std::io::Result<RunningServer> {
    config.validate()?;
    let listener = std::net::TcpListener::bind(config.addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let state = Arc::new(AppState::new(&config));
    let (stop, stopped) = watch::channel(false);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("taskqueue-server")
        .enable_all()
        .build()?;
    let serving = state.clone();
    let thread = std::thread::Builder::new()
        .name("taskqueue-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                serve(listener, serving, until_signalled(stopped)).await
            })
        })?;
    Ok(RunningServer {
        addr,
        state,
        stop,
        thread: Some(thread),
    })
}

/// A server started by [`spawn`]. Dropping it stops it too.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://<addr>`, ready for the SDK's `Config`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// The live fault plan.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }
    /// Requests received for `method` on `route` (the template, as in
    /// `/api/tasks/{task_id}`), faulted ones included.
    pub fn request_count(&self, method: &str, route: &str) -> u64 {
        self.state.counters.get(method, route)
    }
    /// Requests received on any known route.
    pub fn total_requests(&self) -> u64 {
        self.state.counters.total()
    }
    /// Every (method, route) → count.
    pub fn request_counts(&self) -> BTreeMap<(String, String), u64> {
        self.state.counters.snapshot()
    }
    /// The requests received on known routes, oldest first (the last 10 000).
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.state.counters.received()
    }
    /// Forgets the request counts and the received requests.
    pub fn reset_counts(&self) {
        self.state.counters.reset();
    }
    /// Responses sent gzip-compressed (bodies over 1 KiB, to clients that ask).
    pub fn compressed_responses(&self) -> u64 {
        Counters::load(&self.state.counters.compressed)
    }
    /// TCP connections accepted since start.
    pub fn connections_accepted(&self) -> u64 {
        Counters::load(&self.state.counters.connections_accepted)
    }
    /// TCP connections open now.
    pub fn connections_open(&self) -> u64 {
        Counters::load(&self.state.counters.connections_open)
    }
    /// Stops accepting, lets requests in flight finish (up to 10 s), and waits.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
