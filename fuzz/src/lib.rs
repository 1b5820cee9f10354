//! The SDK's fuzz targets. Each takes arbitrary bytes and must return
//! without panicking, within bounds; `cargo +nightly fuzz run TARGET` runs
//! one under libFuzzer (coverage-guided), `cargo test` runs every one over
//! the seed corpus and generated inputs for a bounded time, on stable.
//! Findings and figures: `docs/RELIABILITY.md`.
//!
//! `batch_file` and `workflow_file` include the CLI's `src/batch.rs` and
//! `src/workflow_file.rs` by path: the CLI is a binary, and each reader is
//! one pure file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a broken invariant must be loud

use std::time::{Duration, Instant};

use http::{Request, Response};
use taskqueue_proto::driver::{IntoMachine, Outcome, Simulated, TransportError, TransportErrorKind, run_blocking};
use taskqueue_proto::ops::{
    AddTaskDependency, AdvancePhase, CancelTask, CreateProject, CreateTask, DeleteProject, DeleteTask, GetMetrics,
    GetProject, GetStats, GetTask, GetTaskResult, GetTaskStatus, GetWorkflow, GetWorkflowStatus, Health,
    ListCorrelations, ListDependencies, ListProjects, ListTasks, ListWorkflows, Operation, Raw, RetryTask,
    SetTaskPriority, SetTaskStatus, SubmitWorkflow, UpdateProject, UpdateTask, UpsertTask, WaitForTasks, WatchTasks,
};
use taskqueue_proto::streaming::{ArraySplitter, ListingDecoder};
use taskqueue_proto::{
    AddDependency, BODY_SNIPPET_LIMIT, CallOptions, Config, Dialect, Error, ProjectCreateRequest, ProjectUpdateRequest,
    TaskCreateRequest, TaskFilters, TaskPriority, TaskStatus, TaskUpdateRequest, TaskUpsertRequest,
    WorkflowCreateRequest, WorkflowDependency,
};
use uuid::Uuid;

/// Reads input bytes front to back.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// The next `len` bytes (fewer at the end).
    fn take(&mut self, len: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        taken
    }

    fn rest(&mut self) -> &'a [u8] {
        self.take(usize::MAX)
    }
}

fn dialect(flag: u8) -> Config {
    let dialect = if flag & 1 == 0 {
        Dialect::Spec
    } else {
        Dialect::Upstream
    };
    Config::builder().dialect(dialect).build().unwrap()
}

/// An `http::Response` from input: status, a few headers, the body.
fn response(input: &mut Input<'_>) -> Option<Response<Vec<u8>>> {
    let status = 100 + input.u16() % 500;
    let flags = input.byte();
    let mut builder = Response::builder().status(status);
    let content_types = [
        "application/json",
        "text/plain",
        "text/html",
        "application/json; charset=utf-8",
    ];
    if flags & 1 != 0 {
        builder = builder.header(
            "content-type",
            content_types[usize::from(flags >> 1) % content_types.len()],
        );
    }
    if flags & 8 != 0 {
        let len = usize::from(input.byte() % 40);
        builder = builder.header("retry-after", input.take(len));
    }
    if flags & 16 != 0 {
        let len = usize::from(input.byte() % 40);
        builder = builder.header("x-request-id", input.take(len));
    }
    if flags & 32 != 0 {
        builder = builder.header("date", "Thu, 26 Nov 2026 10:00:00 GMT");
    }
    let len = usize::from(input.u16());
    builder.body(input.take(len).to_vec()).ok()
}

/// What every error must keep within bounds, whatever the body.
fn check_error(error: &Error) {
    let shown = error.to_string();
    assert!(shown.len() < 8 * 1024, "Display is bounded: {} bytes", shown.len());
    assert!(
        error.message().chars().count() <= 2 * BODY_SNIPPET_LIMIT,
        "message is bounded"
    );
    assert!(error.response_body().is_none_or(|b| b.len() <= BODY_SNIPPET_LIMIT));
    let _ = (
        error.status(),
        error.request_id(),
        error.retry_after(),
        error.is_retryable(),
    );
}

fn check<T>(result: Result<T, Error>) {
    if let Err(error) = result {
        check_error(&error);
    }
}

/// Every operation's response parsing, in both dialects, on an arbitrary
/// status, headers and body.
pub fn parse_responses(data: &[u8]) {
    let mut input = Input(data);
    let config = dialect(input.byte());
    let Some(r) = response(&mut input) else { return };
    let again = || {
        let mut copy = Response::new(r.body().clone());
        *copy.status_mut() = r.status();
        *copy.headers_mut() = r.headers().clone();
        copy
    };
    let id = Uuid::from_u128(7);
    check(GetTask::new(id).parse_response(&config, again()));
    check(ListTasks::default().parse_response(&config, again()));
    check(CreateTask::new(TaskCreateRequest::new("n", "c", id)).parse_response(&config, again()));
    check(UpdateTask::new(id, TaskUpdateRequest::new().status(TaskStatus::Testing)).parse_response(&config, again()));
    check(CancelTask::new(id).parse_response(&config, again()));
    check(DeleteTask::new(id).parse_response(&config, again()));
    check(CreateProject::new(ProjectCreateRequest::new("p")).parse_response(&config, again()));
    check(GetProject::new(id).parse_response(&config, again()));
    check(ListProjects.parse_response(&config, again()));
    check(UpdateProject::new(id, ProjectUpdateRequest::new().name("n")).parse_response(&config, again()));
    check(DeleteProject::new(id).parse_response(&config, again()));
    check(Health.parse_response(&config, again()));
    check(Raw::get("/stats").parse_response(&config, again()));
    // The public server's other endpoints (`Unsupported` in the spec dialect).
    let other = Uuid::from_u128(8);
    check(GetTaskStatus::new(id).parse_response(&config, again()));
    check(GetTaskResult::new(id).parse_response(&config, again()));
    check(RetryTask::new(id).reset_retry_count().parse_response(&config, again()));
    check(SetTaskPriority::new(id, TaskPriority::High).parse_response(&config, again()));
    check(AddTaskDependency::new(id, AddDependency::on(other)).parse_response(&config, again()));
    check(ListDependencies::new(id).parse_response(&config, again()));
    check(ListCorrelations::new(id).parse_response(&config, again()));
    check(AdvancePhase::new(id).parse_response(&config, again()));
    check(SetTaskStatus::new(id, TaskStatus::Testing).parse_response(&config, again()));
    check(UpsertTask::new(TaskUpsertRequest::new("n", "c", id, "d")).parse_response(&config, again()));
    check(submit_workflow(id, other).parse_response(&config, again()));
    check(ListWorkflows.parse_response(&config, again()));
    check(GetWorkflow::new(id).parse_response(&config, again()));
    check(GetWorkflowStatus::new(id).parse_response(&config, again()));
    check(GetStats.parse_response(&config, again()));
    check(GetMetrics.parse_response(&config, again()));
}

/// A workflow of two tasks, `a` before `b`.
fn submit_workflow(a: Uuid, b: Uuid) -> SubmitWorkflow {
    let request = WorkflowCreateRequest::new("w", vec![a.into(), b.into()]).dependency(WorkflowDependency::new(a, b));
    SubmitWorkflow::new(request, std::time::UNIX_EPOCH)
}

/// A transport answering each request with the next scripted outcome from
/// the input, then 503s; it counts what it was sent.
fn scripted(input: &mut Input<'_>) -> Simulated<impl FnMut(&Request<Vec<u8>>) -> Outcome> {
    let mut script: Vec<Outcome> = Vec::new();
    while !input.0.is_empty() && script.len() < 16 {
        let kind = input.byte();
        let outcome = match kind % 8 {
            0 => Err(TransportError::new(TransportErrorKind::Connect, "scripted")),
            1 => Err(TransportError::new(TransportErrorKind::Timeout, "scripted")),
            2 => Err(TransportError::new(TransportErrorKind::Io, "scripted")),
            3 => Err(TransportError::new(TransportErrorKind::BodyTooLarge, "scripted")),
            _ => match response(input) {
                Some(r) => Ok(r),
                None => continue,
            },
        };
        script.push(outcome);
    }
    let mut script = script.into_iter();
    Simulated::new(Instant::now(), move |_| {
        script
            .next()
            .unwrap_or_else(|| Ok(Response::builder().status(503).body(Vec::new()).unwrap()))
    })
    .latency(Duration::from_millis(3))
}

/// Runs one operation to its end over `transport`: it must not panic and
/// must end within its attempt bounds (at most 3 exchanges of 3 attempts).
fn call<O: Operation>(op: O, config: &Config, transport: &Simulated<impl FnMut(&Request<Vec<u8>>) -> Outcome>) {
    call_within(op, config, transport, 9);
}

/// Runs one operation to its end: no panic, at most `max_sends` sends.
fn call_within<O: Operation>(
    op: O,
    config: &Config,
    transport: &Simulated<impl FnMut(&Request<Vec<u8>>) -> Outcome>,
    max_sends: usize,
) {
    check(run_blocking(transport, op.into_machine(config, &CallOptions::new(), 1)));
    assert!(transport.sent().len() <= max_sends, "{} sends", transport.sent().len());
}

/// The most sends of a flow whose exchanges follow the answers (a cycle
/// walk, a workflow's task fetches): each scripted answer moves it on at
/// most once, then the 503s that follow end it after one exchange's 3 attempts.
const SCRIPTED_SENDS: usize = 16 + 3;

/// A whole call of any operation in either dialect, every exchange's answer
/// (or transport failure) taken from the input.
pub fn whole_call(data: &[u8]) {
    let mut input = Input(data);
    let which = input.byte();
    let config = dialect(which >> 4);
    let transport = scripted(&mut input);
    let id = Uuid::from_u128(7);
    match which % 16 {
        0 => call(
            CreateTask::new(TaskCreateRequest::new("n", "c", id)),
            &config,
            &transport,
        ),
        1 => call(GetTask::new(id), &config, &transport),
        2 => call(ListTasks::default(), &config, &transport),
        3 => call(
            UpdateTask::new(id, TaskUpdateRequest::new().status(TaskStatus::Testing)),
            &config,
            &transport,
        ),
        4 => call(CancelTask::new(id), &config, &transport),
        5 => call(DeleteTask::new(id), &config, &transport),
        6 => call(CreateProject::new(ProjectCreateRequest::new("p")), &config, &transport),
        7 => call(GetProject::new(id), &config, &transport),
        8 => call(ListProjects, &config, &transport),
        9 => call(
            UpdateProject::new(id, ProjectUpdateRequest::new().name("n")),
            &config,
            &transport,
        ),
        10 => call(DeleteProject::new(id), &config, &transport),
        11 => call(Health, &config, &transport),
        _ => whole_extra_call(which, &config, &transport),
    }
}

/// A whole call of one of the public server's other endpoints.
fn whole_extra_call(which: u8, config: &Config, transport: &Simulated<impl FnMut(&Request<Vec<u8>>) -> Outcome>) {
    let (id, other) = (Uuid::from_u128(7), Uuid::from_u128(8));
    match which % 16 {
        12 => call(SetTaskStatus::new(id, TaskStatus::Testing), config, transport),
        13 => call_within(
            AddTaskDependency::new(id, AddDependency::on(other)),
            config,
            transport,
            SCRIPTED_SENDS,
        ),
        14 => call_within(submit_workflow(id, other), config, transport, SCRIPTED_SENDS),
        _ => call(
            UpsertTask::new(TaskUpsertRequest::new("n", "c", id, "d")),
            config,
            transport,
        ),
    }
}

/// The multi-wait and watch machines over arbitrary answers: they end (the
/// watch at its timeout) without panicking.
pub fn machines(data: &[u8]) {
    let mut input = Input(data);
    let which = input.byte();
    let config = dialect(which >> 4);
    let transport = scripted(&mut input);
    let ids = vec![Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(1)];
    if which & 1 == 0 {
        let wait = WaitForTasks::all(ids, Duration::from_secs(30)).into_machine(&config, &CallOptions::new(), 1);
        check(run_blocking(&transport, wait));
    } else {
        let job = WatchTasks::new(TaskFilters::new()).timeout(Duration::from_secs(30));
        let watch = job.into_machine(&config, &CallOptions::new(), 1);
        for event in taskqueue_proto::driver::BlockingItems::new(&transport, watch).take(1_000) {
            check(event);
        }
    }
    assert!(transport.sent().len() < 10_000, "{} sends", transport.sent().len());
}

/// The `Config` builder on arbitrary URLs, credentials, headers and limits:
/// a config it accepts builds every request or refuses it as input.
pub fn config(data: &[u8]) {
    let mut input = Input(data);
    let flags = input.byte();
    let rest = String::from_utf8_lossy(input.rest()).into_owned();
    let mut parts = rest.split('\u{0}');
    let mut next = || parts.next().unwrap_or_default().to_owned();
    let mut builder = Config::builder()
        .base_url(next())
        .user_agent(next())
        .header(next(), next());
    if flags & 1 != 0 {
        builder = builder.token(next());
    }
    if flags & 2 != 0 {
        builder = builder.api_key(next());
    }
    if flags & 4 != 0 {
        builder = builder.attempt_timeout(Duration::from_millis(u64::from(flags) * 37));
    }
    if flags & 8 != 0 {
        builder = builder.dialect(Dialect::Upstream);
    }
    match builder.build() {
        Ok(config) => {
            let _ = format!("{config:?}");
            for request in [
                GetTask::new(Uuid::nil()).build_request(&config),
                ListTasks::new(TaskFilters::new().limit(5)).build_request(&config),
                Raw::get(format!("/{}", next())).build_request(&config),
            ] {
                if let Err(e) = request {
                    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
                }
            }
        }
        Err(e) => assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}"),
    }
}

/// Cassettes (the test kit's, and the recorded fixtures' format): arbitrary
/// text reads as exchanges or a typed error naming the line, and every
/// exchange read gives an outcome.
pub fn cassette(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(exchanges) = taskqueue::testing::parse_cassette(&text) {
        let request = Request::get("http://tq.test/api/tasks").body(Vec::new()).unwrap();
        for exchange in exchanges {
            let _ = exchange.outcome();
            let _ = exchange.matches(&request);
        }
    }
}

#[path = "../../taskqueue-cli/src/batch.rs"]
mod batch;

/// The CLI's batch-file reader (`taskqueue tasks create-batch FILE`), the
/// same source file the CLI builds: arbitrary text reads as requests, or as
/// a message naming the file or the item.
pub fn batch_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match batch::parse("batch.json", &text) {
        Ok(requests) => {
            for request in requests {
                serde_json::to_vec(&request).unwrap();
            }
        }
        Err(message) => assert!(
            message.starts_with("tasks[") || message.starts_with("batch.json: "),
            "{message}"
        ),
    }
}

#[path = "../../taskqueue-cli/src/workflow_file.rs"]
mod workflow_file;

/// The CLI's workflow-file reader (`taskqueue workflows submit FILE`), the
/// same source file the CLI builds: arbitrary text reads as a valid
/// request, or as a message naming the file.
pub fn workflow_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match workflow_file::parse("wf.json", &text) {
        Ok(request) => {
            request.validate().unwrap();
            serde_json::to_vec(&request).unwrap();
        }
        Err(message) => assert!(message.starts_with("wf.json: "), "{message}"),
    }
}

/// The reference server's request handling, in process: an arbitrary
/// method, path, query, headers and body through its routers, in either
/// dialect. No panic, never a 5xx, and in the spec dialect every error is
/// the contract's JSON (`error` and `message` strings).
pub fn server_requests(data: &[u8]) {
    let mut input = Input(data);
    let flags = input.byte();
    let dialect = if flags & 1 == 0 {
        Dialect::Spec
    } else {
        Dialect::Upstream
    };
    let mut config = taskqueue_server::ServerConfig::ephemeral().dialect(dialect);
    if flags & 2 != 0 {
        config = config.token("fuzz-token");
    }
    let server = taskqueue_server::InProcess::new(&config).unwrap();
    let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"];
    let method = methods[usize::from(input.byte()) % methods.len()];
    let ids = [
        "6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90",
        "00000000-0000-0000-0000-000000000000",
        "not-a-uuid",
        "%FF%FE",
        "",
    ];
    let id = ids[usize::from(input.byte()) % ids.len()];
    let paths = [
        "/api/tasks".to_owned(),
        format!("/api/tasks/{id}"),
        format!("/api/tasks/{id}/cancel"),
        "/api/projects".to_owned(),
        format!("/api/projects/{id}"),
        "/api/health".to_owned(),
        "/tasks".to_owned(),
        format!("/tasks/{id}"),
        format!("/projects/{id}/tasks"),
        "/stats".to_owned(),
        format!("/tasks/{id}/status"),
        format!("/tasks/{id}/result"),
        format!("/tasks/{id}/retry"),
        format!("/tasks/{id}/priority"),
        format!("/tasks/{id}/dependencies"),
        format!("/tasks/{id}/correlations"),
        format!("/tasks/{id}/advance-phase"),
        "/tasks/upsert".to_owned(),
        "/workflows".to_owned(),
        format!("/workflows/{id}"),
        format!("/workflows/{id}/status"),
        "/metrics".to_owned(),
    ];
    let mut path = paths[usize::from(input.byte()) % paths.len()].clone();
    let query_len = usize::from(input.byte() % 64);
    let query = String::from_utf8_lossy(input.take(query_len)).into_owned();
    if !query.is_empty() {
        path = format!("{path}?{query}");
    }
    let mut builder = http::Request::builder().method(method).uri(path.as_str());
    if flags & 4 != 0 {
        builder = builder.header("authorization", "Bearer fuzz-token");
    }
    if flags & 8 != 0 {
        builder = builder.header("content-type", "application/json");
    }
    for name in ["x-request-id", "idempotency-key", "content-type"] {
        if input.byte() & 1 != 0 {
            let len = usize::from(input.byte() % 80);
            builder = builder.header(name, input.take(len));
        }
    }
    let Ok(request) = builder.body(input.rest().to_vec()) else {
        return;
    };
    let response = server.handle(request);
    let status = response.status();
    // Upstream, an upsert naming an unknown project is the public server's empty 500.
    let upstream_500 = dialect == Dialect::Upstream && status == 500 && path.starts_with("/tasks/upsert");
    assert!(!status.is_server_error() || upstream_500, "{method} {path}: {status}");
    if dialect == Dialect::Spec && (status.is_client_error()) && method != "HEAD" {
        let body: serde_json::Value = serde_json::from_slice(response.body())
            .unwrap_or_else(|e| panic!("{method} {path}: {status} with a body that is not JSON: {e}"));
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{method} {path}: {body}"
        );
    }
}

/// A fuzz target: arbitrary bytes in, a panic on a broken invariant.
pub type Target = fn(&[u8]);

/// What the splitter made of a body: each item's bytes, then the error (if any).
fn split_in_chunks(body: &[u8], cuts: &[usize]) -> (Vec<Vec<u8>>, Option<String>) {
    let mut splitter = ArraySplitter::new(1 << 16);
    let mut items = Vec::new();
    let mut start = 0;
    let mut ends: Vec<usize> = cuts.iter().copied().filter(|&c| c > 0 && c < body.len()).collect();
    ends.sort_unstable();
    ends.dedup();
    ends.push(body.len());
    for end in ends {
        if let Err(e) = splitter.push(&body[start..end]) {
            return (items, Some(e.to_string()));
        }
        start = end;
        loop {
            match splitter.next_item() {
                Ok(Some(item)) => items.push(item.to_vec()),
                Ok(None) => break,
                Err(e) => return (items, Some(e.to_string())),
            }
        }
    }
    let end = splitter.finish().err().map(|e| e.to_string());
    (items, end)
}

/// The listing push parser (`streaming::ArraySplitter`, `ListingDecoder`):
/// however the body is cut into chunks — at every byte, for short inputs —
/// it gives the same items and the same error; where serde reads the body
/// as a JSON array, the splitter gives the same values; a decoder over any
/// bytes, gzip or not, ends in tasks or a typed error, never a panic.
pub fn listing_stream(data: &[u8]) {
    let mut input = Input(data);
    let flags = input.byte();
    let step = usize::from(input.byte()).max(1);
    let body = input.rest();
    let whole = split_in_chunks(body, &[]);
    if body.len() <= 96 {
        for cut in 1..body.len() {
            assert_eq!(split_in_chunks(body, &[cut]), whole, "cut at {cut}");
        }
        let every: Vec<usize> = (1..body.len()).collect();
        assert_eq!(split_in_chunks(body, &every), whole, "one byte at a time");
    }
    let stepped: Vec<usize> = (step..body.len()).step_by(step).collect();
    assert_eq!(split_in_chunks(body, &stepped), whole, "chunks of {step}");
    // Against serde: a JSON array is split into exactly its values.
    if let Ok(values) = serde_json::from_slice::<Vec<serde_json::Value>>(body) {
        let (items, error) = &whole;
        assert!(error.is_none(), "serde read an array the splitter refused: {error:?}");
        let split: Vec<serde_json::Value> = items.iter().map(|i| serde_json::from_slice(i).unwrap()).collect();
        assert_eq!(split, values);
    } else if whole.1.is_none() {
        // The splitter accepted it: then some item is not JSON on its own.
        assert!(
            whole
                .0
                .iter()
                .any(|i| serde_json::from_slice::<serde_json::Value>(i).is_err()),
            "every item is JSON, yet serde refused the array"
        );
    }
    // The decoder (serde reading straight from the chunks) agrees with the
    // splitter: where every split item is JSON and the array is whole, it
    // gives the same values, whatever the chunking.
    let head = Response::new(()).into_parts().0;
    let split_values: Option<Vec<serde_json::Value>> = match &whole {
        (items, None) => items.iter().map(|i| serde_json::from_slice(i).ok()).collect(),
        _ => None,
    };
    // And whatever the bytes (text cut inside a character, bytes that are
    // not UTF-8): the same items and the same kind of error however they
    // are cut (serde's message may name another column: an item is first
    // tried on the bytes in, and `1.5e61680…` overflows wherever it is cut).
    let mut first: Option<Result<Vec<serde_json::Value>, taskqueue_proto::ErrorKind>> = None;
    for size in [1, step, body.len().max(1)] {
        let decoded = decode_in_chunks::<serde_json::Value>(&head, body, size);
        if let Some(values) = &split_values {
            assert_eq!(decoded.as_ref().ok(), Some(values), "chunks of {size}");
        }
        let decoded = decoded.map_err(|e| e.kind());
        match &first {
            None => first = Some(decoded),
            Some(earlier) => assert_eq!(&decoded, earlier, "chunks of {size}"),
        }
    }
    // As the listing machine uses it, gzip or not: tasks or a typed error.
    let mut head = head;
    if flags & 1 != 0 {
        head.headers
            .insert("content-encoding", http::HeaderValue::from_static("gzip"));
    }
    let _ = decode_in_chunks::<taskqueue_proto::Task>(&head, body, step);
}

/// Every item a `ListingDecoder` gives for `body` in chunks of `size`, or its error.
fn decode_in_chunks<T: serde::de::DeserializeOwned>(
    head: &http::response::Parts,
    body: &[u8],
    size: usize,
) -> Result<Vec<T>, Error> {
    let mut decoder = ListingDecoder::new(head, 1 << 16)?;
    let mut items = Vec::new();
    for chunk in body.chunks(size.max(1)) {
        decoder.push(chunk)?;
        while let Some(item) = decoder.next_item()? {
            items.push(item);
        }
    }
    decoder.end();
    while let Some(item) = decoder.next_item()? {
        items.push(item);
    }
    decoder.finish()?;
    Ok(items)
}

/// Every target, by name, for the stable runner.
pub const TARGETS: &[(&str, Target)] = &[
    ("listing_stream", listing_stream),
    ("parse_responses", parse_responses),
    ("whole_call", whole_call),
    ("machines", machines),
    ("config", config),
    ("cassette", cassette),
    ("batch_file", batch_file),
    ("workflow_file", workflow_file),
    ("server_requests", server_requests),
];
