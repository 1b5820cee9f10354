//! What the transport benchmarks share: one reference server holding one
//! task. By default the server runs in-process; with `TASKQUEUE_BENCH_URL`
//! set, the benchmarks use that server instead (for example a release build
//! pinned to another core with `taskset`, so the two do not share one).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed setup should be loud

use std::sync::OnceLock;

use taskqueue::blocking::Client;
use taskqueue::{ProjectCreateRequest, TaskCreateRequest};
use taskqueue_server::{RunningServer, ServerConfig, spawn};

/// The server's base URL and the id of the task every benchmark fetches.
pub(crate) struct Fixture {
    base_url: String,
    pub(crate) task: taskqueue::TaskId,
    _server: Option<RunningServer>,
}

impl Fixture {
    /// The base URL of the server under test.
    pub(crate) fn base_url(&self) -> String {
        self.base_url.clone()
    }
}

/// Starts (or finds) the server on first use and creates the task.
pub(crate) fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let (base_url, server) = match std::env::var("TASKQUEUE_BENCH_URL") {
            Ok(url) if !url.is_empty() => (url, None),
            _ => {
                let server = spawn(ServerConfig::ephemeral()).unwrap();
                (server.base_url(), Some(server))
            }
        };
        let client = Client::with_base_url(&base_url).unwrap();
        let project = client.create_project(ProjectCreateRequest::new("bench")).unwrap();
        let task = client
            .create_task(TaskCreateRequest::new("bench", "cargo test --workspace", project.id).description("a task"))
            .unwrap();
        Fixture {
            base_url,
            task: task.id,
            _server: server,
        }
    })
}
