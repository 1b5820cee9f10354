//! Both clients over transports that are neither ureq nor hyper: every
//! endpoint through a scripted in-memory server on virtual time, each call's
//! first attempt answered 503 and retried. The async client runs on
//! `futures_executor::block_on`, with no tokio runtime at all.

#![cfg(all(feature = "blocking", feature = "async"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use http::{Request, Response};
use taskqueue::driver::{Outcome, Simulated};
use taskqueue::{
    Config, Error, ProjectCreateRequest, ProjectUpdateRequest, TaskCreateRequest, TaskFilters, TaskStatus,
    TaskUpdateRequest,
};
use uuid::Uuid;

const PROJECT: Uuid = Uuid::from_u128(0x90f92073_d0a3_4d9f_b713_4c06876dde15);
const TASK: Uuid = Uuid::from_u128(0x6f1c2b9e_8a4d_4c1e_9f3a_2b7d5e8c1a90);

fn json(status: u16, body: String) -> Outcome {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap())
}

fn task(status: &str) -> String {
    format!(
        r#"{{"id":"{TASK}","name":"build","command":"make","project_id":"{PROJECT}","status":"{status}",
        "created_at":"2026-11-26T05:06:00Z","updated_at":"2026-11-26T05:06:00Z"}}"#
    )
}

fn project() -> String {
    format!(
        r#"{{"id":"{PROJECT}","name":"site","created_at":"2026-11-26T05:06:00Z","updated_at":"2026-11-26T05:06:00Z"}}"#
    )
}

/// A scripted in-memory server for the documented API: the first attempt
/// of every logical call (by `X-Request-Id`) gets a 503; a retry gets a
/// canned answer by method and route.
fn scripted_server() -> impl FnMut(&Request<Vec<u8>>) -> Outcome + Send {
    let mut seen = HashSet::new();
    move |request| {
        let id = request.headers()["x-request-id"].to_str().unwrap().to_owned();
        if seen.insert(id) {
            return json(503, r#"{"error":"unavailable","message":"warming up"}"#.into());
        }
        let path = request.uri().path();
        let segments: Vec<&str> = path.trim_start_matches("/api/").split('/').collect();
        match (request.method().as_str(), segments.as_slice()) {
            ("GET", ["health"]) => json(200, r#"{"status":"healthy"}"#.into()),
            ("POST", ["projects"]) => json(201, project()),
            ("GET", ["projects"]) => json(200, format!("[{}]", project())),
            ("GET" | "PUT", ["projects", _]) => json(200, project()),
            ("POST", ["tasks"]) => json(201, task("Planning")),
            ("GET", ["tasks"]) => json(200, format!("[{}]", task("Running"))),
            ("GET", ["tasks", _]) => json(200, task("Completed")),
            ("PUT", ["tasks", _]) => json(200, task("Implementation")),
            ("POST", ["tasks", _, "cancel"]) => json(200, task("Cancelled")),
            ("DELETE", [_, _]) => Ok(Response::builder().status(204).body(Vec::new()).unwrap()),
            _ => json(404, format!(r#"{{"error":"not_found","message":"no route {path}"}}"#)),
        }
    }
}

fn transport() -> Simulated<impl FnMut(&Request<Vec<u8>>) -> Outcome + Send> {
    Simulated::new(Instant::now(), scripted_server()).latency(Duration::from_millis(2))
}

fn config() -> Config {
    Config::new("http://tq.test").unwrap()
}

/// Calls every endpoint of `$client` and checks the answers; `$finish` turns
/// a method's return value into its result (the value itself for the
/// blocking client, `block_on` of the future for the async one).
macro_rules! call_every_endpoint {
    ($client:expr, $finish:path) => {{
        let c = &$client;
        assert!($finish(c.health()).unwrap().is_healthy());
        assert_eq!(
            $finish(c.create_project(ProjectCreateRequest::new("site"))).unwrap().id,
            PROJECT
        );
        assert_eq!($finish(c.get_project(PROJECT)).unwrap().name, "site");
        assert_eq!($finish(c.list_projects()).unwrap().len(), 1);
        assert_eq!(
            $finish(c.update_project(PROJECT, ProjectUpdateRequest::new().name("site")))
                .unwrap()
                .id,
            PROJECT
        );
        assert!($finish(c.delete_project(PROJECT)).unwrap());
        let created = $finish(c.create_task(TaskCreateRequest::new("build", "make", PROJECT))).unwrap();
        assert_eq!(created.status, TaskStatus::Planning);
        assert_eq!($finish(c.get_task(TASK)).unwrap().status, TaskStatus::Completed);
        assert_eq!($finish(c.list_tasks(TaskFilters::new())).unwrap().len(), 1);
        let updated = $finish(c.update_task(TASK, TaskUpdateRequest::new().status(TaskStatus::Implementation)));
        assert_eq!(updated.unwrap().status, TaskStatus::Implementation);
        assert_eq!(
            $finish(c.execute(taskqueue::ops::CancelTask::new(TASK).reason("done")))
                .unwrap()
                .status,
            TaskStatus::Cancelled
        );
        assert!($finish(c.delete_task(TASK)).unwrap());
        let batch = $finish(c.create_tasks(vec![
            TaskCreateRequest::new("a", "make", PROJECT),
            TaskCreateRequest::new("b", "make", PROJECT),
            TaskCreateRequest::new("c", "make", PROJECT),
        ]))
        .unwrap();
        assert_eq!(batch.len(), 3);
        assert!(batch.iter().all(Result::is_ok), "{batch:?}");
        let waited = $finish(c.wait_for_completion(TASK, Duration::from_secs(60))).unwrap();
        assert_eq!(waited.status, TaskStatus::Completed);
        let invalid = $finish(c.create_task(TaskCreateRequest::new("", "make", PROJECT))).unwrap_err();
        assert!(matches!(invalid, Error::InvalidInput { .. }));
    }};
}

/// The value itself: what a blocking method returns is already its result.
fn now<T>(value: T) -> T {
    value
}

/// Checks what the transport saw: every call (16 of them: 12 single calls, 3
/// creates of the batch, one fetch of the wait; the invalid create sends nothing)
/// sent twice with the same request id, the 503 retried after a backoff of
/// virtual time.
fn assert_every_call_was_retried<F>(transport: &Simulated<F>) {
    let sent = transport.sent();
    let ids: Vec<String> = sent
        .iter()
        .map(|s| s.request.headers()["x-request-id"].to_str().unwrap().to_owned())
        .collect();
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 16, "{} sends", sent.len());
    assert_eq!(ids.len(), 2 * distinct.len(), "each call: a 503, then the answer");
    assert_eq!(transport.sleeps().len(), 16, "one backoff per call");
    assert!(transport.elapsed() > Duration::from_millis(2 * 32));
}

#[test]
fn the_blocking_client_over_an_in_memory_transport() {
    let client = taskqueue::blocking::Client::with_transport(config(), transport());
    let started = Instant::now();
    call_every_endpoint!(client, now);
    assert_every_call_was_retried(client.transport());
    assert!(
        started.elapsed() < client.transport().elapsed(),
        "virtual time passed, not real"
    );
    let all: Vec<_> = client.list_tasks_all(TaskFilters::new()).collect();
    assert_eq!(all.len(), 1);
}

#[test]
fn the_async_client_over_an_in_memory_transport_without_tokio() {
    let client = taskqueue::Client::with_transport(config(), transport());
    call_every_endpoint!(client, futures_executor::block_on);
    assert_every_call_was_retried(client.transport());
    let mut all = client.list_tasks_all(TaskFilters::new());
    let first = futures_executor::block_on(all.next_task());
    assert_eq!(first.unwrap().unwrap().id, TASK);
    assert!(futures_executor::block_on(all.next_task()).is_none());
}
