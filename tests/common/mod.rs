//! The integration suite every transport runs, written once.
//!
//! [`Sdk`] is either client (the async one run on a tokio runtime), with its
//! methods made from the SDK's own endpoint table, so a new endpoint reaches
//! the suite without an edit here. A transport's test file picks its variant
//! in a `connect` function and expands [`integration_suite!`]; each case
//! starts the reference server in-process on `127.0.0.1:0`.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod exactly_once;
mod extras;
mod fleet;
#[path = "../../taskqueue-proto/tests/support/hostile.rs"]
mod hostile;
mod proxy;
pub use exactly_once::*;
pub use extras::*;
pub use fleet::*;

use std::convert::Infallible;
use std::time::{Duration, Instant};

use http::Method;
use taskqueue::driver::{IntoMachine, Machine};
use taskqueue::ops::{self, WaitOutcome, WatchEvent, WatchTasks};
use taskqueue::{
    CallOptions, Config, ConfigBuilder, Dialect, Error, Project, ProjectCreateRequest, ProjectStatus,
    ProjectUpdateRequest, RetryPolicy, Task, TaskCreateRequest, TaskFilters, TaskPriority, TaskStatus, TaskType,
    TaskUpdateRequest,
};
use taskqueue_server::{Fault, FaultBody, FaultRule, RunningServer, ServerConfig, spawn};
use uuid::Uuid;

/// The client the suite drives.
#[derive(Clone)]
pub enum Sdk {
    /// `taskqueue::blocking::Client` on ureq.
    #[cfg(feature = "blocking")]
    Blocking(taskqueue::blocking::Client),
    /// `taskqueue::Client` on hyper, each call `block_on` on this runtime.
    #[cfg(feature = "async")]
    Async(taskqueue::Client, std::sync::Arc<tokio::runtime::Runtime>),
}

impl Sdk {
    /// Runs any operation or job on the chosen client.
    pub fn execute<J>(&self, job: J) -> Result<<J::Machine as Machine>::Output, Error>
    where
        J: IntoMachine,
        J::Machine: Machine<Item = Infallible>,
    {
        match self {
            #[cfg(feature = "blocking")]
            Sdk::Blocking(client) => client.execute(job),
            #[cfg(feature = "async")]
            Sdk::Async(client, runtime) => runtime.block_on(client.execute(job)),
        }
    }

    /// Runs an operation or job with per-call options.
    pub fn execute_with<J>(&self, job: J, options: CallOptions) -> Result<<J::Machine as Machine>::Output, Error>
    where
        J: IntoMachine,
        J::Machine: Machine<Item = Infallible>,
    {
        match self {
            #[cfg(feature = "blocking")]
            Sdk::Blocking(client) => client.execute_with(job, options),
            #[cfg(feature = "async")]
            Sdk::Async(client, runtime) => runtime.block_on(client.execute_with(job, options)),
        }
    }

    /// Every task of a listing, through the client's iterator or stream.
    pub fn list_tasks_all(&self, filters: TaskFilters) -> Vec<Result<Task, Error>> {
        match self {
            #[cfg(feature = "blocking")]
            Sdk::Blocking(client) => client.list_tasks_all(filters).collect(),
            #[cfg(feature = "async")]
            Sdk::Async(client, runtime) => runtime.block_on(async {
                let mut stream = client.list_tasks_all(filters);
                let mut all = Vec::new();
                while let Some(item) = stream.next_task().await {
                    all.push(item);
                }
                all
            }),
        }
    }

    /// The same client with these per-call options.
    pub fn with_options(&self, options: CallOptions) -> Sdk {
        match self {
            #[cfg(feature = "blocking")]
            Sdk::Blocking(client) => Sdk::Blocking(client.with_options(options)),
            #[cfg(feature = "async")]
            Sdk::Async(client, runtime) => Sdk::Async(client.with_options(options), runtime.clone()),
        }
    }

    /// Follows a watch, handing each event to `each` until it answers `false`.
    pub fn watch(&self, job: WatchTasks, mut each: impl FnMut(WatchEvent) -> bool) -> Result<(), Error> {
        match self {
            #[cfg(feature = "blocking")]
            Sdk::Blocking(client) => {
                for event in client.watch(job) {
                    if !each(event?) {
                        break;
                    }
                }
                Ok(())
            }
            #[cfg(feature = "async")]
            Sdk::Async(client, runtime) => {
                // One `block_on` per event, so that `each` may call the client itself.
                let mut events = client.watch(job);
                while let Some(event) = runtime.block_on(events.next_event()) {
                    if !each(event?) {
                        break;
                    }
                }
                Ok(())
            }
        }
    }

    taskqueue::driver::endpoints!(blocking);
}

/// Makes a client for a config.
pub type Connect = fn(Config) -> Sdk;

/// A fast retry policy for fault tests: 3 attempts, backoff of at most 50 ms.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(20))
        .with_max_backoff(Duration::from_millis(50))
}

/// Which server the suite runs against: the reference server in the spec
/// dialect, or in upstream mode (answering as the public server does).
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub dialect: Dialect,
}

/// The reference server speaking the documented API.
pub const SPEC: Target = Target { dialect: Dialect::Spec };
/// The reference server answering as the public Task Queue server does.
pub const UPSTREAM: Target = Target {
    dialect: Dialect::Upstream,
};

impl Target {
    /// Starts the reference server in this dialect, and a config for it.
    pub fn start(self, config: ServerConfig) -> (RunningServer, Config) {
        let server = spawn(config.dialect(self.dialect)).unwrap();
        let config = self.builder(&server.base_url()).build().unwrap();
        (server, config)
    }

    /// A config builder for this dialect at `base_url`, with quick retries.
    pub fn builder(self, base_url: &str) -> ConfigBuilder {
        Config::builder()
            .base_url(base_url)
            .dialect(self.dialect)
            .retry_policy(quick_retries())
    }

    /// The server's route for a spec path (`/tasks` is `/api/tasks` in the spec dialect).
    pub fn route(self, path: &str) -> String {
        match self.dialect {
            Dialect::Upstream => path.to_owned(),
            _ => format!("/api{path}"),
        }
    }

    fn is_upstream(self) -> bool {
        self.dialect == Dialect::Upstream
    }
}

/// Starts the spec reference server and a config for it.
pub fn start(config: ServerConfig) -> (RunningServer, Config) {
    SPEC.start(config)
}

fn project(sdk: &Sdk, name: &str) -> Project {
    sdk.create_project(ProjectCreateRequest::new(name)).unwrap()
}

/// The reference server (counts reset) and a client with one project made.
fn with_project(connect: Connect, target: Target, server: ServerConfig, name: &str) -> (RunningServer, Sdk, Project) {
    let (running, config) = target.start(server);
    let sdk = connect(config);
    let p = project(&sdk, name);
    running.reset_counts();
    (running, sdk, p)
}

fn failing(status: u16) -> Fault {
    Fault::Status {
        status,
        body: FaultBody::Empty,
    }
}

// ---- every operation, end to end -------------------------------------------------

pub fn every_operation_end_to_end(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    assert!(sdk.health().unwrap().is_healthy());

    let p = sdk
        .create_project(ProjectCreateRequest::new("website").description("the site").tag("web"))
        .unwrap();
    assert_eq!(p.status, ProjectStatus::Planning);
    assert_eq!(sdk.get_project(p.id).unwrap(), p);
    assert_eq!(sdk.list_projects().unwrap(), vec![p.clone()]);
    let p2 = sdk
        .update_project(p.id, ProjectUpdateRequest::new().description("the new site"))
        .unwrap();
    assert_eq!(
        (p2.description.as_deref(), p2.name.as_str()),
        (Some("the new site"), "website")
    );

    let t = sdk
        .create_task(
            TaskCreateRequest::new("build", "make", p.id)
                .priority(TaskPriority::High)
                .task_type(TaskType::Workflow)
                .execution_timeout(std::time::Duration::from_secs(60))
                .env("A", "1"),
        )
        .unwrap();
    assert_eq!(
        (t.status.clone(), t.priority.clone()),
        (TaskStatus::Planning, TaskPriority::High)
    );
    // The public server drops the timeout; the SDK reports what was stored.
    assert_eq!(t.timeout, if target.is_upstream() { None } else { Some(60) });
    assert_eq!(sdk.get_task(t.id).unwrap(), t);
    let low = sdk
        .create_task(TaskCreateRequest::new("lint", "clippy", p.id).priority(TaskPriority::Low))
        .unwrap();

    let updated = sdk
        .update_task(
            t.id,
            TaskUpdateRequest::new()
                .status(TaskStatus::Implementation)
                .name("build-2"),
        )
        .unwrap();
    assert_eq!(
        (updated.status.clone(), updated.name.as_str()),
        (TaskStatus::Implementation, "build-2")
    );

    // Filters.
    let high = sdk.list_tasks(TaskFilters::new().priority(TaskPriority::High)).unwrap();
    assert_eq!(high.iter().map(|t| t.id).collect::<Vec<_>>(), [t.id]);
    let implementing = sdk
        .list_tasks(TaskFilters::new().status(TaskStatus::Implementation).project_id(p.id))
        .unwrap();
    assert_eq!(implementing.iter().map(|t| t.id).collect::<Vec<_>>(), [t.id]);
    let planning = sdk.list_tasks(TaskFilters::new().status(TaskStatus::Planning)).unwrap();
    assert_eq!(planning.iter().map(|t| t.id).collect::<Vec<_>>(), [low.id]);
    let workflow = sdk
        .list_tasks(TaskFilters::new().task_type(TaskType::Workflow))
        .unwrap();
    assert_eq!(workflow.len(), 1);
    let since = sdk
        .list_tasks(TaskFilters::new().created_after(low.created_at.fixed_offset()))
        .unwrap();
    assert_eq!(since.iter().map(|t| t.id).collect::<Vec<_>>(), [low.id]);
    let until = sdk
        .list_tasks(TaskFilters::new().created_before(t.created_at.fixed_offset()))
        .unwrap();
    assert_eq!(until.iter().map(|t| t.id).collect::<Vec<_>>(), [t.id]);
    assert_eq!(
        sdk.list_tasks(TaskFilters::new().limit(1).offset(1)).unwrap()[0].id,
        low.id
    );

    let cancelled = sdk
        .execute(taskqueue::ops::CancelTask::new(low.id).reason("not needed"))
        .unwrap();
    assert_eq!(cancelled.status, TaskStatus::Cancelled);
    let again = sdk.cancel_task(low.id).unwrap_err();
    assert!(matches!(again, Error::Conflict(_)), "{again:?}");

    assert!(
        matches!(sdk.delete_project(p.id).unwrap_err(), Error::Conflict(_)),
        "tasks still reference it"
    );
    assert!(sdk.delete_task(t.id).unwrap());
    assert!(!sdk.delete_task(t.id).unwrap(), "the second delete finds nothing");
    assert!(matches!(sdk.get_task(t.id).unwrap_err(), Error::TaskNotFound(_)));
    assert!(sdk.delete_task(low.id).unwrap());
    assert!(sdk.delete_project(p.id).unwrap());
    assert!(!sdk.delete_project(p.id).unwrap());
    assert!(matches!(sdk.get_project(p.id).unwrap_err(), Error::ProjectNotFound(_)));
    drop(server);
}

pub fn invalid_input_is_rejected_before_sending(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    let err = sdk
        .create_task(TaskCreateRequest::new("", "make", Uuid::new_v4()))
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "name"),
        "{err:?}"
    );
    let err = sdk.list_tasks(TaskFilters::new().limit(0)).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "limit"));
    assert_eq!(server.total_requests(), 0);
}

pub fn a_listing_longer_than_the_body_limit_is_read_as_it_arrives(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let setup = connect(config);
    let p = project(&setup, "long");
    let requests: Vec<_> = (0..300)
        .map(|i| TaskCreateRequest::new(format!("t{i:03}"), format!("echo {i} {}", "x".repeat(300)), p.id))
        .collect();
    for result in setup.create_tasks(requests).unwrap() {
        result.unwrap();
    }
    // 300 tasks of about a kilobyte each, against a body limit of 16 KiB:
    // the limit applies to each task of a listing read as it arrives.
    let limited = target
        .builder(&server.base_url())
        .body_limit(16 * 1024)
        .build()
        .unwrap();
    let sdk = connect(limited);
    let all: Vec<Task> = sdk
        .list_tasks_all(TaskFilters::new().limit(1000))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(all.len(), 300);
    assert!(all.iter().all(|t| t.command.len() > 300));
    // One page read whole is still held to the limit.
    let whole = sdk.list_tasks(TaskFilters::new().limit(1000)).unwrap_err();
    assert!(
        matches!(whole, Error::ResponseTooLarge { limit: 16_384, .. }),
        "{whole:?}"
    );
    // A multi-wait reads the project's listing the same way.
    let ids: Vec<_> = all.iter().take(3).map(|t| t.id).collect();
    match sdk.wait_all(ids, Duration::from_millis(300)) {
        Err(Error::WaitsTimedOut { report, .. }) => {
            assert_eq!(report.outcomes.len(), 3);
            assert!(
                report.outcomes.iter().all(|o| o.task().is_some()),
                "each seen in the listing"
            );
        }
        other => panic!("the tasks never finish: {other:?}"),
    }
}

pub fn paging_walks_250_tasks(connect: Connect, target: Target) {
    let (server, sdk, p) = with_project(connect, target, ServerConfig::ephemeral(), "many");
    let requests: Vec<_> = (0..250)
        .map(|i| TaskCreateRequest::new(format!("t{i:03}"), "true", p.id))
        .collect();
    for result in sdk.create_tasks(requests).unwrap() {
        result.unwrap();
    }
    server.reset_counts();
    let all: Vec<Task> = sdk
        .list_tasks_all(TaskFilters::new())
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(all.len(), 250);
    let mut names: Vec<String> = all.iter().map(|t| t.name.clone()).collect();
    // The documented server pages in creation order; the public server's
    // one listing comes in its own order, which the walk keeps (sorting it
    // would hold the whole listing).
    if target.dialect == Dialect::Spec {
        assert!(
            all.windows(2).all(|w| w[0].created_at <= w[1].created_at),
            "in creation order"
        );
    }
    names.sort();
    let expected: Vec<String> = (0..250).map(|i| format!("t{i:03}")).collect();
    assert_eq!(names, expected, "every task exactly once");
    // Pages of 100, 100, 50; the public server answers listings whole: one download.
    let expected_gets = if target.is_upstream() { 1 } else { 3 };
    assert_eq!(server.request_count("GET", &target.route("/tasks")), expected_gets);

    let small_pages: Vec<Task> = sdk
        .list_tasks_all(TaskFilters::new().limit(50).offset(200))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(small_pages.len(), 50);
    let bad: Vec<_> = sdk.list_tasks_all(TaskFilters::new().limit(5000)).into_iter().collect();
    assert!(matches!(bad.as_slice(), [Err(Error::InvalidInput { .. })]));
}

pub fn batch_create_reports_each_item_in_order(connect: Connect, target: Target) {
    let (server, sdk, p) = with_project(connect, target, ServerConfig::ephemeral(), "batch");

    // One invalid item: nothing is sent, and the error names it.
    let err = sdk
        .create_tasks(vec![
            TaskCreateRequest::new("a", "true", p.id),
            TaskCreateRequest::new("b", " ", p.id),
            TaskCreateRequest::new("c", "true", p.id),
        ])
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "tasks[1].command"),
        "{err:?}"
    );
    assert_eq!(server.request_count("POST", &target.route("/tasks")), 0);

    // One item the server refuses (its project does not exist): the others are created.
    let results = sdk
        .create_tasks(vec![
            TaskCreateRequest::new("a", "true", p.id),
            TaskCreateRequest::new("b", "true", Uuid::new_v4()),
            TaskCreateRequest::new("c", "true", p.id),
        ])
        .unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().unwrap().name, "a");
    assert!(matches!(results[1], Err(Error::ProjectNotFound(_))), "{:?}", results[1]);
    assert_eq!(results[2].as_ref().unwrap().name, "c");
    assert_eq!(sdk.list_tasks(TaskFilters::new()).unwrap().len(), 2);
}

pub fn wait_for_completion_follows_the_simulation(connect: Connect, target: Target) {
    let (_server, sdk, p) = with_project(
        connect,
        target,
        ServerConfig::ephemeral().complete_after(Duration::from_millis(600)),
        "runs",
    );
    let ok = sdk.create_task(TaskCreateRequest::new("ok", "make", p.id)).unwrap();
    let bad = sdk.create_task(TaskCreateRequest::new("bad", "false", p.id)).unwrap();
    assert_eq!(ok.status, TaskStatus::Running);
    assert_eq!(
        sdk.wait_for_completion(ok.id, Duration::from_secs(10)).unwrap().status,
        TaskStatus::Completed
    );
    assert_eq!(
        sdk.wait_for_completion(bad.id, Duration::from_secs(10)).unwrap().status,
        TaskStatus::Failed
    );

    let slow = sdk.create_task(TaskCreateRequest::new("slow", "make", p.id)).unwrap();
    match sdk.wait_for_completion(slow.id, Duration::from_millis(100)) {
        Err(Error::WaitTimedOut { task, .. }) => assert_eq!(task.status, TaskStatus::Running),
        other => panic!("expected WaitTimedOut, got {other:?}"),
    }
    assert!(matches!(
        sdk.wait_for_completion(Uuid::new_v4(), Duration::from_secs(1)),
        Err(Error::TaskNotFound(_))
    ));
}

pub fn wait_all_reads_one_project_with_one_listing_a_round(connect: Connect, target: Target) {
    let server_config = ServerConfig::ephemeral().complete_after(Duration::from_millis(700));
    let (server, sdk, p) = with_project(connect, target, server_config, "many");
    let requests = (0..50)
        .map(|i| TaskCreateRequest::new(format!("t{i}"), "make", p.id))
        .collect();
    let ids: Vec<taskqueue::TaskId> = sdk
        .create_tasks(requests)
        .unwrap()
        .into_iter()
        .map(|t| t.unwrap().id)
        .collect();
    server.reset_counts();
    let report = sdk.wait_all(ids.clone(), Duration::from_secs(20)).unwrap();
    assert!(report.all_finished(), "{report:?}");
    let ordered: Vec<taskqueue::TaskId> = report.outcomes.iter().map(|o| o.task().unwrap().id).collect();
    assert_eq!(ordered, ids, "outcomes in the order given");
    let (one_by_one, listings) = match target.dialect {
        Dialect::Upstream => (
            server.request_count("GET", "/tasks/{id}"),
            server.request_count("GET", "/projects/{id}/tasks"),
        ),
        _ => (
            server.request_count("GET", "/api/tasks/{task_id}"),
            server.request_count("GET", "/api/tasks"),
        ),
    };
    assert_eq!(one_by_one, 1, "one task read by id, to learn the project");
    assert!((1..=10).contains(&listings), "then one listing a round: {listings}");
    assert_eq!(server.total_requests(), 1 + listings, "and nothing else");
}

pub fn wait_any_returns_the_first_to_finish(connect: Connect, target: Target) {
    let server_config = ServerConfig::ephemeral().complete_after(Duration::from_secs(30));
    let (_server, sdk, p) = with_project(connect, target, server_config, "race");
    let slow = sdk.create_task(TaskCreateRequest::new("slow", "make", p.id)).unwrap();
    let fast = sdk.create_task(TaskCreateRequest::new("fast", "make", p.id)).unwrap();
    sdk.execute(taskqueue::ops::CancelTask::new(fast.id).reason("done early"))
        .unwrap();
    let report = sdk.wait_any(vec![slow.id, fast.id], Duration::from_secs(10)).unwrap();
    let (index, first) = report.first_finished().unwrap();
    assert_eq!(
        (index, first.id, first.status.clone()),
        (1, fast.id, TaskStatus::Cancelled)
    );
    assert!(matches!(&report.outcomes[0], WaitOutcome::StillRunning(t) if t.id == slow.id));
    let missing = sdk.wait_all(vec![Uuid::new_v4()], Duration::from_secs(1)).unwrap();
    assert!(matches!(missing.outcomes[0], WaitOutcome::NotFound(_)));
}

pub fn a_watch_sees_create_change_and_delete(connect: Connect, target: Target) {
    let server_config = ServerConfig::ephemeral().complete_after(Duration::from_millis(400));
    let (_server, sdk, p) = with_project(connect, target, server_config, "watched");
    let task = sdk.create_task(TaskCreateRequest::new("w", "make", p.id)).unwrap();
    let job = WatchTasks::new(TaskFilters::new().project_id(p.id))
        .intervals(Duration::from_millis(100), Duration::from_millis(200))
        .timeout(Duration::from_secs(15));
    let mut seen = Vec::new();
    sdk.watch(job, |event| {
        seen.push(event.name());
        match &event {
            WatchEvent::Changed { to, .. } if to.is_terminal() => {
                sdk.delete_task(task.id).unwrap();
                true
            }
            WatchEvent::Deleted(id) => {
                assert_eq!(*id, task.id);
                false
            }
            _ => true,
        }
    })
    .unwrap();
    assert_eq!(seen, ["created", "changed", "deleted"]);
}

// ---- faults ----------------------------------------------------------------------

pub fn retries_503_with_the_same_request_id_and_key(connect: Connect, target: Target) {
    let (server, sdk, p) = with_project(connect, target, ServerConfig::ephemeral(), "retry");
    server
        .faults()
        .push(FaultRule::new(failing(503)).times(2).on(Method::POST, "/api/tasks"));
    let t = sdk.create_task(TaskCreateRequest::new("t", "true", p.id)).unwrap();
    assert_eq!(t.name, "t");
    let seen: Vec<_> = server
        .received()
        .into_iter()
        .filter(|r| r.route == "/api/tasks")
        .collect();
    assert_eq!(seen.len(), 3, "two 503s, then the create");
    let id = seen[0].request_id.clone().expect("a request id");
    let key = seen[0].idempotency_key.clone().expect("an idempotency key");
    for r in &seen {
        assert_eq!(r.request_id.as_deref(), Some(id.as_str()));
        assert_eq!(r.idempotency_key.as_deref(), Some(key.as_str()));
    }
    assert_eq!(sdk.list_tasks(TaskFilters::new()).unwrap().len(), 1, "created once");
}

pub fn waits_out_retry_after(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    server.faults().push(
        FaultRule::new(Fault::RateLimited {
            retry_after: "1".into(),
        })
        .on(Method::GET, "/api/projects"),
    );
    let started = Instant::now();
    sdk.list_projects().unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(server.request_count("GET", "/api/projects"), 2);
}

pub fn retry_after_beyond_the_cap_fails_at_once(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    server.faults().push(FaultRule::new(Fault::RateLimited {
        retry_after: "3600".into(),
    }));
    let err = sdk.list_projects().unwrap_err();
    assert!(matches!(err, Error::RateLimited(_)), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.request_count("GET", "/api/projects"), 1);
}

pub fn unkeyed_post_answered_500_is_not_retried(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let config = Config::builder()
        .base_url(config.base_url())
        .retry_policy(quick_retries())
        .idempotency_keys(false)
        .build()
        .unwrap();
    let sdk = connect(config);
    let p = project(&sdk, "once");
    server.reset_counts();
    server
        .faults()
        .push(FaultRule::new(failing(500)).always().on(Method::POST, "/api/tasks"));
    let err = sdk.create_task(TaskCreateRequest::new("t", "true", p.id)).unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(
        server.request_count("POST", &target.route("/tasks")),
        1,
        "exactly one request reached the server"
    );
}

pub fn connection_refused_is_a_connection_error_after_every_attempt(connect: Connect, target: Target) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = target.builder(&format!("http://127.0.0.1:{port}")).build().unwrap();
    let sdk = connect(config);
    let err = sdk.health().unwrap_err();
    assert!(matches!(err, Error::Connection { sent: false, .. }), "{err:?}");
}

/// The header lines of the one request a bare TCP server read, after answering it 404.
fn one_request_head(listener: std::net::TcpListener) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        use std::io::{BufRead, BufReader, Write};
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let headers = proxy::read_headers(&mut reader);
        let body = r#"{"error":"not_found","message":"no such task"}"#;
        write!(
            stream,
            "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        headers
    })
}

/// Every request names its server in exactly one `Host` header: the host
/// and the port, the port left out when it is the scheme's default (the
/// async transport writes the header itself, made once, where hyper-util
/// would format it for every request).
pub fn requests_carry_one_host_header(connect: Connect, target: Target) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let head = one_request_head(listener);
    let config = target.builder(&format!("http://127.0.0.1:{port}")).build().unwrap();
    let sdk = connect(config);
    let _not_found = sdk.get_task(Uuid::nil()).unwrap_err();
    let head = head.join().unwrap();
    assert_eq!(
        proxy::header_values(&head, "host"),
        [format!("127.0.0.1:{port}")],
        "{head:?}"
    );
}

pub fn delayed_headers_time_out(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let config = Config::builder()
        .base_url(config.base_url())
        .retry_policy(quick_retries())
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let sdk = connect(config);
    server.faults().push(
        FaultRule::new(Fault::Delay(Duration::from_secs(2)))
            .always()
            .on(Method::GET, "/api/projects"),
    );
    let started = Instant::now();
    let err = sdk.list_projects().unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        server.request_count("GET", "/api/projects"),
        3,
        "every attempt timed out"
    );
    // timeout × attempts + backoff (≤ 2 × 50 ms) is 0.7 s; without working
    // timeouts it would be 3 × 2 s. The bound leaves room for a loaded machine.
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

pub fn truncated_body_is_retried_for_get(connect: Connect, target: Target) {
    let (server, sdk, p) = with_project(connect, target, ServerConfig::ephemeral(), "cut");
    server
        .faults()
        .push(FaultRule::new(Fault::Truncate).on(Method::GET, "/api/projects/{project_id}"));
    assert_eq!(sdk.get_project(p.id).unwrap(), p);
    assert_eq!(server.request_count("GET", "/api/projects/{project_id}"), 2);

    // Always truncated: the error says the connection broke.
    server.faults().push(
        FaultRule::new(Fault::Truncate)
            .always()
            .on(Method::GET, "/api/projects/{project_id}"),
    );
    let err = sdk.get_project(p.id).unwrap_err();
    assert!(
        matches!(err, Error::Connection { sent: true, .. } | Error::Decode { .. }),
        "{err:?}"
    );
}

pub fn invalid_json_on_200_is_decode_and_not_retried(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    server
        .faults()
        .push(FaultRule::new(Fault::InvalidJson).on(Method::GET, "/api/projects"));
    let err = sdk.list_projects().unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.response_body().unwrap().contains("tru"));
    assert_eq!(server.request_count("GET", "/api/projects"), 1);
}

pub fn html_502_is_api_with_status_and_snippet(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    let page = "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>";
    server.faults().push(
        FaultRule::new(Fault::Status {
            status: 502,
            body: FaultBody::Html(page.into()),
        })
        .always()
        .on_route("/api/projects"),
    );
    let err = sdk.list_projects().unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(err.response_body(), Some(page));
    assert!(err.to_string().starts_with("[502] "), "{err}");
    assert_eq!(
        server.request_count("GET", "/api/projects"),
        3,
        "a GET is retried on 502"
    );
}

pub fn a_100_mib_body_hits_the_limit(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let config = Config::builder()
        .base_url(config.base_url())
        .retry_policy(quick_retries())
        .body_limit(1024 * 1024)
        .build()
        .unwrap();
    let sdk = connect(config);
    server.faults().push(
        FaultRule::new(Fault::Oversized {
            bytes: 100 * 1024 * 1024,
        })
        .on(Method::GET, "/api/projects"),
    );
    let err = sdk.list_projects().unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1_048_576, .. }),
        "{err:?}"
    );
    assert_eq!(server.request_count("GET", "/api/projects"), 1, "not retried");
}

/// A task's JSON with the raw bytes `name` (quoted or not) as its name.
fn task_json_named(id: Uuid, name: &[u8]) -> Vec<u8> {
    hostile::task_json_named(&id.to_string(), name)
}

/// Deep and hostile JSON over HTTP: each body is a typed error or a value,
/// within the body limit, read once (a decode error is not retried).
pub fn hostile_json_is_a_typed_error_or_a_value(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let id = Uuid::from_u128(7);
    let path = format!("/api/tasks/{id}");
    let answer = |body: Vec<u8>| {
        server.reset_counts();
        server.faults().push(
            FaultRule::new(Fault::Status {
                status: 200,
                body: FaultBody::Bytes(body),
            })
            .on(Method::GET, &path),
        );
    };
    let decode_error = |sdk: &Sdk, body: Vec<u8>, says: &str| {
        answer(body);
        let err = sdk.get_task(id).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(err.to_string().contains(says), "{err}");
        assert_eq!(server.request_count("GET", "/api/tasks/{task_id}"), 1, "not retried");
    };
    let sdk = connect(config.clone());
    let mut deep = task_json_named(id, br#""deep","result":"#);
    deep.pop();
    deep.extend(std::iter::repeat_n(b'[', 100_000));
    deep.extend(std::iter::repeat_n(b']', 100_000));
    deep.push(b'}');
    decode_error(&sdk, deep, "recursion limit");
    decode_error(&sdk, task_json_named(id, b"\"bad \xff byte\""), "invalid unicode");
    decode_error(&sdk, task_json_named(id, br#""\udc00""#), "surrogate");
    let twice = format!(r#"{{"id":"{id}","name":"a","name":"b","command":"true"}}"#);
    decode_error(&sdk, twice.into_bytes(), "duplicate field");

    // Ten million empty objects (30 MB, under the 32 MiB limit): the first fails.
    let mut empties = Vec::with_capacity(30_000_001);
    empties.push(b'[');
    for i in 0..10_000_000 {
        empties.extend_from_slice(if i == 0 { b"{}" } else { b",{}" });
    }
    empties.push(b']');
    server.faults().push(
        FaultRule::new(Fault::Status {
            status: 200,
            body: FaultBody::Bytes(empties),
        })
        .on(Method::GET, "/api/tasks"),
    );
    let err = sdk.list_tasks(TaskFilters::new()).unwrap_err();
    assert!(matches!(&err, Error::Decode { path, .. } if path == "[0]"), "{err:?}");

    // A 50 MB name: past the default limit it is refused, under a larger one it is read.
    let mut name = vec![b'"'];
    name.resize(50_000_001, b'n');
    name.push(b'"');
    let huge = task_json_named(id, &name);
    drop(name);
    answer(huge.clone());
    let err = sdk.get_task(id).unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
    let roomy = Config::builder()
        .base_url(config.base_url())
        .body_limit(64 * 1024 * 1024)
        .build()
        .unwrap();
    answer(huge);
    assert_eq!(connect(roomy).get_task(id).unwrap().name.len(), 50_000_000);
}

pub fn wrong_credentials_are_not_retried(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral().token("right"));
    let wrong = Config::builder()
        .base_url(config.base_url())
        .retry_policy(quick_retries())
        .token("wrong")
        .build()
        .unwrap();
    let err = connect(wrong).list_projects().unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    assert_eq!(server.request_count("GET", "/api/projects"), 1);
    let none = connect(Config::builder().base_url(config.base_url()).build().unwrap())
        .list_projects()
        .unwrap_err();
    assert!(matches!(none, Error::Authentication(_)));
    let right = Config::builder()
        .base_url(config.base_url())
        .token("right")
        .build()
        .unwrap();
    assert!(connect(right).list_projects().unwrap().is_empty());
    let key_server = spawn(ServerConfig::ephemeral().api_key("k")).unwrap();
    let with_key = Config::builder()
        .base_url(key_server.base_url())
        .api_key("k")
        .build()
        .unwrap();
    assert!(connect(with_key).list_projects().is_ok());
}

pub fn per_call_options_override_the_config(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    server
        .faults()
        .push(FaultRule::new(failing(503)).times(2).on(Method::GET, "/api/projects"));
    let once = sdk.with_options(CallOptions::new().retry(RetryPolicy::never()));
    assert!(once.list_projects().is_err());
    assert_eq!(server.request_count("GET", "/api/projects"), 1);
    // Views merge: a later view keeps the earlier view's retry policy.
    let once_and_patient = once.with_options(CallOptions::new().attempt_timeout(Duration::from_secs(20)));
    server
        .faults()
        .push(FaultRule::new(failing(503)).times(1).on(Method::GET, "/api/projects"));
    assert!(once_and_patient.list_projects().is_err(), "still one attempt");
    assert_eq!(server.request_count("GET", "/api/projects"), 2);
    server.faults().clear();

    // A key belongs to one call: given per call, it replays; a view refuses one.
    let keyed = CallOptions::new().idempotency_key("my-key-1");
    let create = || ops::CreateProject::new(ProjectCreateRequest::new("k"));
    let p = sdk.execute_with(create(), keyed.clone()).unwrap();
    let replay = sdk.execute_with(create(), keyed.clone()).unwrap();
    assert_eq!(p.id, replay.id, "the same key and body replay the first answer");
    let keys: Vec<_> = server
        .received()
        .into_iter()
        .filter_map(|r| r.idempotency_key)
        .collect();
    assert_eq!(keys, ["my-key-1", "my-key-1"]);
    let before = server.received().len();
    let view = sdk.with_options(keyed);
    let refused = view.create_project(ProjectCreateRequest::new("k")).unwrap_err();
    assert!(
        matches!(refused, Error::InvalidInput { ref field, .. } if field == "idempotency_key"),
        "{refused}"
    );
    assert_eq!(server.received().len(), before, "nothing sent");
}

/// Expands one `#[test]` per suite case for a transport: every case against
/// the spec reference server, and the operation cases again, in a module
/// `upstream`, against the reference server in upstream mode.
#[macro_export]
macro_rules! integration_suite {
    ($connect:expr) => {
        $crate::integration_suite!(@cases $connect, common::SPEC;
            every_operation_end_to_end,
            invalid_input_is_rejected_before_sending,
            paging_walks_250_tasks,
            a_listing_longer_than_the_body_limit_is_read_as_it_arrives,
            batch_create_reports_each_item_in_order,
            wait_for_completion_follows_the_simulation,
            wait_all_reads_one_project_with_one_listing_a_round,
            wait_any_returns_the_first_to_finish,
            a_watch_sees_create_change_and_delete,
            retries_503_with_the_same_request_id_and_key,
            waits_out_retry_after,
            retry_after_beyond_the_cap_fails_at_once,
            unkeyed_post_answered_500_is_not_retried,
            connection_refused_is_a_connection_error_after_every_attempt,
            requests_carry_one_host_header,
            delayed_headers_time_out,
            truncated_body_is_retried_for_get,
            invalid_json_on_200_is_decode_and_not_retried,
            html_502_is_api_with_status_and_snippet,
            a_100_mib_body_hits_the_limit,
            hostile_json_is_a_typed_error_or_a_value,
            wrong_credentials_are_not_retried,
            per_call_options_override_the_config,
            upstream_extras_are_unsupported_in_the_spec_dialect,
            the_observer_sees_every_attempt,
            gzip_responses_inflate_and_a_bomb_stops_at_the_limit,
            requests_go_through_a_proxy_unless_no_proxy_names_the_server,
            a_create_whose_reply_is_lost_leaves_exactly_one_task,
            without_keys_a_lost_create_reply_is_outcome_unknown,
            a_batch_of_50_run_again_with_its_key_creates_each_task_once,
            a_key_is_refused_on_a_client_view,
            spec_writes_under_a_lost_reply_are_replayed,
        );
        mod upstream {
            use super::*;
            $crate::integration_suite!(@cases $connect, common::UPSTREAM;
                every_operation_end_to_end,
                invalid_input_is_rejected_before_sending,
                paging_walks_250_tasks,
                a_listing_longer_than_the_body_limit_is_read_as_it_arrives,
                batch_create_reports_each_item_in_order,
                wait_for_completion_follows_the_simulation,
                wait_all_reads_one_project_with_one_listing_a_round,
                wait_any_returns_the_first_to_finish,
                a_watch_sees_create_change_and_delete,
                every_upstream_extra_end_to_end,
                a_finished_run_has_a_typed_result,
                the_observer_sees_every_attempt,
                gzip_responses_inflate_and_a_bomb_stops_at_the_limit,
                a_create_whose_reply_is_lost_leaves_exactly_one_task,
                without_keys_a_lost_create_reply_is_outcome_unknown,
                a_batch_of_50_run_again_with_its_key_creates_each_task_once,
                a_key_is_refused_on_a_client_view,
                every_upstream_write_under_a_lost_reply,
            );
        }
    };
    (@cases $connect:expr, $target:expr; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                common::$case($connect, $target);
            }
        )+
    };
}
