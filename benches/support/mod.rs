//! What the transport benchmarks share: one reference server holding one
//! task, started once per benchmark process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed setup should be loud

use std::sync::OnceLock;

use taskqueue::blocking::Client;
use taskqueue::{ProjectCreateRequest, TaskCreateRequest};
use taskqueue_server::{RunningServer, ServerConfig, spawn};
use uuid::Uuid;

/// The server and the id of the task every benchmark fetches.
pub(crate) struct Fixture {
    pub(crate) server: RunningServer,
    pub(crate) task: Uuid,
}

/// Starts the server on first use.
pub(crate) fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let server = spawn(ServerConfig::ephemeral()).unwrap();
        let client = Client::with_base_url(&server.base_url()).unwrap();
        let project = client.create_project(ProjectCreateRequest::new("bench")).unwrap();
        let task = client
            .create_task(TaskCreateRequest::new("bench", "cargo test --workspace", project.id).description("a task"))
            .unwrap();
        Fixture { server, task: task.id }
    })
}
