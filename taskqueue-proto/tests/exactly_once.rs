//! Exactly once, as a property on virtual time: whatever sequence of faults
//! the network throws at creates and batches — refused connections, 503s
//! before anything is applied, replies lost after the write was applied
//! (a 502 from a gateway, a reset, a timeout) — the tasks on the server are
//! exactly the creates reported successful (reconciled ones included), each
//! once; a create reported failed with a known outcome left nothing; an
//! unknown outcome left at most one task. In both dialects.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should be loud

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::{Method, Request, Response};
use proptest::prelude::*;
use taskqueue_proto::driver::{IntoMachine, Outcome, Simulated, TransportError, TransportErrorKind, run_blocking};
use taskqueue_proto::ops::upstream::has_marker;
use taskqueue_proto::ops::{CreateTask, CreateTasks};
use taskqueue_proto::{CallOptions, Config, Dialect, Error, RetryPolicy, Task, TaskCreateRequest};
use uuid::Uuid;

const PROJECT: taskqueue_proto::ProjectId = taskqueue_proto::ProjectId::from_u128(0x5eed);

/// What the network does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Nothing: the server answers.
    None,
    /// Connection refused: nothing sent, nothing applied.
    Refused,
    /// A 503 from the server before it applied anything.
    Unavailable,
    /// Applied, then a gateway's 502.
    AppliedThen502,
    /// Applied, then the connection reset.
    AppliedThenReset,
    /// Applied, then no reply in time.
    AppliedThenTimeout,
}

fn any_fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        4 => Just(Fault::None),
        1 => Just(Fault::Refused),
        1 => Just(Fault::Unavailable),
        1 => Just(Fault::AppliedThen502),
        1 => Just(Fault::AppliedThenReset),
        1 => Just(Fault::AppliedThenTimeout),
    ]
}

/// A server of either dialect, in memory: tasks, and (in the documented
/// dialect) the answers it keeps per idempotency key.
#[derive(Default)]
struct Server {
    tasks: Vec<Task>,
    replies: HashMap<String, Vec<u8>>,
    faults: Vec<Fault>,
    next: usize,
}

impl Server {
    fn fault(&mut self) -> Fault {
        let fault = self.faults.get(self.next).copied().unwrap_or(Fault::None);
        self.next += 1;
        fault
    }

    fn create(&mut self, body: &[u8]) -> Task {
        let body: serde_json::Value = serde_json::from_slice(body).unwrap();
        let mut task = Task::new(
            Uuid::from_u128(self.tasks.len() as u128 + 1),
            body["name"].as_str().unwrap(),
            "true",
            chrono::DateTime::UNIX_EPOCH + chrono::Duration::seconds(self.tasks.len() as i64),
        );
        task.project_id = Some(PROJECT);
        if let Some(tags) = body.get("tags") {
            task.metadata = serde_json::json!({ "tags": tags }).into();
        }
        self.tasks.push(task.clone());
        task
    }

    /// The answer to `request` as the server would give it, applying it.
    fn handle(&mut self, dialect: Dialect, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let ok = |status: u16, body: Vec<u8>| Response::builder().status(status).body(body).unwrap();
        let path = request.uri().path().to_owned();
        match (request.method().clone(), dialect) {
            (Method::POST, Dialect::Spec) => {
                let key = request
                    .headers()
                    .get("idempotency-key")
                    .map(|k| k.to_str().unwrap().to_owned());
                if let Some(body) = key.as_ref().and_then(|k| self.replies.get(k)) {
                    return ok(201, body.clone());
                }
                let body = serde_json::to_vec(&self.create(request.body())).unwrap();
                if let Some(key) = key {
                    self.replies.insert(key, body.clone());
                }
                ok(201, body)
            }
            (Method::POST, _) => {
                let task = self.create(request.body());
                ok(
                    200,
                    format!(r#"{{"status":"submitted","task_id":"{}"}}"#, task.id).into_bytes(),
                )
            }
            (Method::GET, _) if path.ends_with("/tasks") => ok(200, serde_json::to_vec(&self.tasks).unwrap()),
            (Method::GET, _) => {
                let id: Uuid = path.rsplit('/').next().unwrap().parse().unwrap();
                match self.tasks.iter().find(|t| t.id == id) {
                    Some(task) => ok(200, serde_json::to_vec(task).unwrap()),
                    None => ok(404, Vec::new()),
                }
            }
            other => panic!("unexpected request {other:?} {path}"),
        }
    }

    /// What the client sees of `request` under the next fault.
    fn exchange(&mut self, dialect: Dialect, request: &Request<Vec<u8>>) -> Outcome {
        let status = |s: u16| Ok(Response::builder().status(s).body(Vec::new()).unwrap());
        match self.fault() {
            Fault::None => Ok(self.handle(dialect, request)),
            Fault::Refused => Err(TransportError::new(TransportErrorKind::Connect, "refused")),
            Fault::Unavailable => status(503),
            Fault::AppliedThen502 => {
                self.handle(dialect, request);
                status(502)
            }
            Fault::AppliedThenReset => {
                self.handle(dialect, request);
                Err(TransportError::new(TransportErrorKind::Io, "connection reset"))
            }
            Fault::AppliedThenTimeout => {
                self.handle(dialect, request);
                Err(TransportError::new(TransportErrorKind::Timeout, "no reply"))
            }
        }
    }
}

fn config(dialect: Dialect) -> Config {
    Config::builder()
        .dialect(dialect)
        .retry_policy(RetryPolicy::default().with_max_backoff(Duration::from_secs(2)))
        .build()
        .unwrap()
}

/// Checks the property over the results of creates named `names`.
fn check(server: &Server, results: &[(String, Result<Task, Error>)]) -> Result<(), TestCaseError> {
    for (name, result) in results {
        let on_server: Vec<&Task> = server.tasks.iter().filter(|t| &t.name == name).collect();
        match result {
            Ok(task) => {
                prop_assert_eq!(
                    on_server.len(),
                    1,
                    "{} reported created: exactly one on the server",
                    name
                );
                prop_assert_eq!(on_server[0].id, task.id, "{}: the reported task is the server's", name);
            }
            Err(Error::OutcomeUnknown { .. }) => {
                prop_assert!(on_server.len() <= 1, "{}: an unknown outcome, never two", name);
            }
            Err(e) => prop_assert!(on_server.is_empty(), "{} failed ({}) yet exists on the server", name, e),
        }
    }
    Ok(())
}

fn scenario(dialect: Dialect, faults: Vec<Fault>, batch_key: Option<String>) -> Result<(), TestCaseError> {
    let server = Arc::new(Mutex::new(Server {
        faults,
        ..Server::default()
    }));
    let shared = server.clone();
    let transport = Simulated::new(Instant::now(), move |request: &Request<Vec<u8>>| {
        shared.lock().unwrap().exchange(dialect, request)
    });
    let config = config(dialect);
    let mut results = Vec::new();
    // Single creates.
    for i in 0..4 {
        let name = format!("single-{i}");
        let call = CreateTask::new(TaskCreateRequest::new(&name, "true", PROJECT)).into_machine(
            &config,
            &CallOptions::new(),
            i,
        );
        results.push((name, run_blocking(&transport, call)));
    }
    // A batch, keyed or not.
    let requests: Vec<TaskCreateRequest> = (0..6)
        .map(|i| TaskCreateRequest::new(format!("batch-{i}"), "true", PROJECT))
        .collect();
    let mut options = CallOptions::new();
    if let Some(key) = &batch_key {
        options = options.idempotency_key(key.clone());
    }
    let batch = CreateTasks::new(requests.clone()).into_machine(&config, &options, 99);
    let batched = run_blocking(&transport, batch).unwrap();
    results.extend(requests.iter().map(|r| r.name.clone()).zip(batched));
    check(&server.lock().unwrap(), &results)?;

    // With a key, the same batch run again (the network healthy now) completes
    // it: every item once, those created before with the same task.
    if let Some(key) = batch_key {
        server.lock().unwrap().faults.clear();
        let again =
            CreateTasks::new(requests.clone()).into_machine(&config, &CallOptions::new().idempotency_key(key), 7);
        let again = run_blocking(&transport, again).unwrap();
        for ((name, before), after) in results[4..].iter().zip(&again) {
            let after = after
                .as_ref()
                .map_err(|e| TestCaseError::fail(format!("{name} on the second run: {e}")))?;
            if let Ok(before) = before {
                prop_assert_eq!(before.id, after.id, "{}: the same task both times", name);
            }
        }
        let rerun: Vec<(String, Result<Task, Error>)> = requests.iter().map(|r| r.name.clone()).zip(again).collect();
        check(&server.lock().unwrap(), &rerun)?;
    }
    if dialect == Dialect::Upstream {
        let server = server.lock().unwrap();
        prop_assert!(
            server.tasks.iter().all(|t| t.metadata.get("tags").is_some()),
            "every create is marked"
        );
        let _ = has_marker;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn tasks_on_the_documented_server_are_the_creates_reported(
        faults in prop::collection::vec(any_fault(), 0..40),
        keyed in any::<bool>(),
    ) {
        scenario(Dialect::Spec, faults, keyed.then(|| "spec-batch".to_owned()))?;
    }

    #[test]
    fn tasks_on_the_public_server_are_the_creates_reported(
        faults in prop::collection::vec(any_fault(), 0..40),
        keyed in any::<bool>(),
    ) {
        scenario(Dialect::Upstream, faults, keyed.then(|| "upstream-batch".to_owned()))?;
    }
}

#[test]
fn a_marker_names_its_key() {
    let mut task = Task::new(Uuid::nil(), "t", "true", chrono::DateTime::UNIX_EPOCH);
    task.metadata = serde_json::json!({ "tags": ["taskqueue-key:k-1", "other"] }).into();
    assert!(has_marker(&task, "k-1"));
    assert!(!has_marker(&task, "k-2"));
}
