//! Golden requests: for every operation, the exact method, URL, headers and
//! body the SDK sends, as the `Call` state machine hands them to a transport.

use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use http::Request;
use uuid::Uuid;

use super::*;
use crate::driver::{Action, Call};
use crate::{
    CallOptions, ProjectCreateRequest, ProjectStatus, ProjectUpdateRequest, TaskCreateRequest, TaskFilters,
    TaskPriority, TaskStatus, TaskType, TaskUpdateRequest,
};

const TASK: Uuid = Uuid::from_u128(0x6f1c2b9e_8a4d_4c1e_9f3a_2b7d5e8c1a90);
const PROJECT: Uuid = Uuid::from_u128(0x90f92073_d0a3_4d9f_b713_4c06876dde15);

/// The request a transport is asked to send first, with the call's ids.
fn first_request<O: Operation<Output: std::fmt::Debug>>(
    op: O,
    config: &Config,
) -> (Request<Vec<u8>>, String, Option<String>) {
    let mut call = Call::new(op, config.clone(), CallOptions::new(), 7);
    match call.poll(Instant::now()) {
        Action::Send { request, timeout, .. } => {
            assert_eq!(timeout, config.attempt_timeout());
            (
                request,
                call.request_id().to_string(),
                call.idempotency_key().map(str::to_owned),
            )
        }
        other => panic!("expected a request, got {other:?}"),
    }
}

/// Checks every header: exactly these names, with these values.
fn assert_headers(request: &Request<Vec<u8>>, expected: &[(&str, &str)]) {
    let mut got: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    want.sort();
    assert_eq!(got, want);
}

/// The first request of `op` under `config`, checked: this method and URL,
/// and exactly these headers besides `accept`, `user-agent` (the default),
/// `x-request-id` and — for a keyed POST — `idempotency-key`. Returns the request.
fn expect_sent<O: Operation<Output: std::fmt::Debug>>(
    op: O,
    config: &Config,
    (method, uri): (&str, &str),
    extra: &[(&str, &str)],
) -> Request<Vec<u8>> {
    let (r, id, key) = first_request(op, config);
    assert_eq!((r.method().as_str(), r.uri().to_string().as_str()), (method, uri));
    let mut headers = vec![("accept", "application/json"), ("x-request-id", id.as_str())];
    if !extra.iter().any(|(name, _)| *name == "user-agent") {
        headers.push(("user-agent", ua()));
    }
    if let Some(key) = key.as_deref() {
        assert_ne!(key, id);
        headers.push(("idempotency-key", key));
    }
    headers.extend_from_slice(extra);
    assert_headers(&r, &headers);
    r
}

fn body(request: &Request<Vec<u8>>) -> &str {
    std::str::from_utf8(request.body()).unwrap()
}

/// The content type of a request with a JSON body.
const JSON: (&str, &str) = ("content-type", "application/json");

fn ua() -> &'static str {
    crate::DEFAULT_USER_AGENT
}

#[test]
fn create_task_full() {
    let config = Config::builder()
        .base_url("https://tq.example.com/base/")
        .token("t0k")
        .build()
        .unwrap();
    let req = TaskCreateRequest::new("build", "cargo build --release", PROJECT)
        .description("Build it")
        .technical_specs("rust 1.85")
        .criterion("compiles")
        .criterion("no warnings")
        .priority(TaskPriority::High)
        .task_type(TaskType::Workflow)
        .execution_timeout(std::time::Duration::from_secs(600))
        .retry_attempts(5)
        .retry_delay(10)
        .env("RUST_LOG", "info")
        .working_directory("/src");
    let (_, _, key) = first_request(CreateTask::new(req.clone()), &config);
    assert!(key.is_some(), "creating POST carries a key");
    let url = ("POST", "https://tq.example.com/base/api/tasks");
    let r = expect_sent(
        CreateTask::new(req),
        &config,
        url,
        &[JSON, ("authorization", "Bearer t0k")],
    );
    assert_eq!(
        body(&r),
        concat!(
            r#"{"name":"build","command":"cargo build --release","project_id":"90f92073-d0a3-4d9f-b713-4c06876dde15","#,
            r#""description":"Build it","technical_specs":"rust 1.85","acceptance_criteria":["compiles","no warnings"],"#,
            r#""priority":"High","task_type":"Workflow","timeout":600,"retry_attempts":5,"retry_delay":10,"#,
            r#""environment":{"RUST_LOG":"info"},"working_directory":"/src"}"#
        )
    );
}

#[test]
fn create_task_minimal_sends_the_defaults() {
    let (r, _, _) = first_request(
        CreateTask::new(TaskCreateRequest::new("b", "true", PROJECT)),
        &Config::default(),
    );
    assert_eq!(r.uri(), "http://localhost:8080/api/tasks");
    assert_eq!(
        body(&r),
        r#"{"name":"b","command":"true","project_id":"90f92073-d0a3-4d9f-b713-4c06876dde15","priority":"Normal","task_type":"Simple","retry_attempts":3,"retry_delay":30}"#
    );
}

#[test]
fn get_task() {
    let config = Config::builder().api_key("k3y").build().unwrap();
    let task_url = "http://localhost:8080/api/tasks/6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90";
    expect_sent(GetTask::new(TASK), &config, ("GET", task_url), &[("x-api-key", "k3y")]);
}

#[test]
fn list_tasks_with_every_filter_percent_encoded() {
    let after: DateTime<chrono::FixedOffset> = DateTime::parse_from_rfc3339("2026-03-01T10:00:00+01:00").unwrap();
    let before: DateTime<chrono::FixedOffset> = DateTime::parse_from_rfc3339("2026-03-02T00:00:00-05:30").unwrap();
    let filters = TaskFilters::new()
        .status(TaskStatus::AiReview)
        .project_id(PROJECT)
        .priority(TaskPriority::Critical)
        .task_type(TaskType::Scheduled)
        .created_after(after)
        .created_before(before)
        .limit(50)
        .offset(100);
    let url = "http://localhost:8080/api/tasks?status=AIReview&project_id=90f92073-d0a3-4d9f-b713-4c06876dde15\
         &priority=Critical&task_type=Scheduled&created_after=2026-03-01T10%3A00%3A00%2B01%3A00\
         &created_before=2026-03-02T00%3A00%3A00-05%3A30&limit=50&offset=100";
    expect_sent(ListTasks::new(filters), &Config::default(), ("GET", url), &[]);
}

#[test]
fn list_tasks_without_filters_has_no_query() {
    let (r, _, _) = first_request(ListTasks::default(), &Config::default());
    assert_eq!(r.uri(), "http://localhost:8080/api/tasks");
}

#[test]
fn update_task_sends_only_what_was_set() {
    let update = TaskUpdateRequest::new()
        .status(TaskStatus::Testing)
        .priority(TaskPriority::Low)
        .execution_timeout(std::time::Duration::from_secs(30));
    let task_url = "http://localhost:8080/api/tasks/6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90";
    // PUT is idempotent without a key: none is sent.
    let r = expect_sent(
        UpdateTask::new(TASK, update),
        &Config::default(),
        ("PUT", task_url),
        &[JSON],
    );
    assert_eq!(body(&r), r#"{"priority":"Low","status":"Testing","timeout":30}"#);
}

#[test]
fn cancel_task_with_and_without_reason() {
    let cancel_url = "http://localhost:8080/api/tasks/6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90/cancel";
    let op = CancelTask::new(TASK).reason("superseded");
    let (_, _, key) = first_request(op.clone(), &Config::default());
    assert!(key.is_some(), "cancel carries a key");
    let r = expect_sent(op, &Config::default(), ("POST", cancel_url), &[JSON]);
    assert_eq!(body(&r), r#"{"reason":"superseded"}"#);
    let (r, _, _) = first_request(CancelTask::new(TASK), &Config::default());
    assert_eq!(body(&r), "{}");
}

#[test]
fn delete_task() {
    let task_url = "http://localhost:8080/api/tasks/6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90";
    expect_sent(DeleteTask::new(TASK), &Config::default(), ("DELETE", task_url), &[]);
}

#[test]
fn create_project() {
    let due = Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap();
    let req = ProjectCreateRequest::new("website")
        .description("the new site")
        .status(ProjectStatus::Active)
        .due_date(due)
        .tag("web")
        .tag("q4");
    let (_, _, key) = first_request(CreateProject::new(req.clone()), &Config::default());
    assert!(key.is_some(), "creating POST carries a key");
    let projects_url = "http://localhost:8080/api/projects";
    let r = expect_sent(
        CreateProject::new(req),
        &Config::default(),
        ("POST", projects_url),
        &[JSON],
    );
    assert_eq!(
        body(&r),
        r#"{"name":"website","description":"the new site","status":"Active","due_date":"2026-12-31T23:00:00Z","tags":["web","q4"]}"#
    );
}

#[test]
fn get_list_update_delete_project() {
    let config = Config::default();
    let (r, _, _) = first_request(GetProject::new(PROJECT), &config);
    assert_eq!(
        (r.method().as_str(), r.uri().to_string().as_str()),
        (
            "GET",
            "http://localhost:8080/api/projects/90f92073-d0a3-4d9f-b713-4c06876dde15"
        )
    );
    let (r, _, _) = first_request(ListProjects, &config);
    assert_eq!(
        (r.method().as_str(), r.uri().to_string().as_str()),
        ("GET", "http://localhost:8080/api/projects")
    );
    let (r, _, key) = first_request(
        UpdateProject::new(PROJECT, ProjectUpdateRequest::new().status(ProjectStatus::OnHold)),
        &config,
    );
    assert_eq!(r.method(), "PUT");
    assert_eq!(key, None);
    assert_eq!(body(&r), r#"{"status":"OnHold"}"#);
    let (r, _, _) = first_request(DeleteProject::new(PROJECT), &config);
    assert_eq!(
        (r.method().as_str(), r.uri().to_string().as_str()),
        (
            "DELETE",
            "http://localhost:8080/api/projects/90f92073-d0a3-4d9f-b713-4c06876dde15"
        )
    );
}

#[test]
fn health() {
    expect_sent(
        Health,
        &Config::default(),
        ("GET", "http://localhost:8080/api/health"),
        &[],
    );
}

#[test]
fn extra_headers_and_user_agent_are_sent() {
    let config = Config::builder()
        .user_agent("my-tool/2")
        .header("X-Team", "infra")
        .build()
        .unwrap();
    let headers = [("user-agent", "my-tool/2"), ("x-team", "infra")];
    expect_sent(Health, &config, ("GET", "http://localhost:8080/api/health"), &headers);
}

#[test]
fn idempotency_keys_can_be_turned_off_or_chosen() {
    let off = Config::builder().idempotency_keys(false).build().unwrap();
    let (r, _, key) = first_request(CreateProject::new(ProjectCreateRequest::new("p")), &off);
    assert_eq!(key, None);
    assert!(!r.headers().contains_key("idempotency-key"));

    let config = Config::default();
    let op = CreateProject::new(ProjectCreateRequest::new("p"));
    let mut call = Call::new(op, config, CallOptions::new().idempotency_key("order-42"), 1);
    let Action::Send { request, .. } = call.poll(Instant::now()) else {
        panic!("expected a send")
    };
    assert_eq!(request.headers()["idempotency-key"], "order-42");
}

#[test]
fn invalid_input_is_rejected_before_anything_is_sent() {
    type Build = Box<dyn Fn(&Config) -> Result<Request<Vec<u8>>, Error>>;
    let cases: Vec<(Build, &str)> = vec![
        (
            Box::new(|c| CreateTask::new(TaskCreateRequest::new("", "x", PROJECT)).build_request(c)),
            "name",
        ),
        (
            Box::new(|c| CreateTask::new(TaskCreateRequest::new("n", " ", PROJECT)).build_request(c)),
            "command",
        ),
        (
            Box::new(|c| {
                CreateTask::new(
                    TaskCreateRequest::new("n", "x", PROJECT).execution_timeout(std::time::Duration::from_secs(0)),
                )
                .build_request(c)
            }),
            "timeout",
        ),
        (
            Box::new(|c| ListTasks::new(TaskFilters::new().limit(0)).build_request(c)),
            "limit",
        ),
        (
            Box::new(|c| ListTasks::new(TaskFilters::new().limit(1001)).build_request(c)),
            "limit",
        ),
        (
            Box::new(|c| UpdateTask::new(TASK, TaskUpdateRequest::new().command("")).build_request(c)),
            "command",
        ),
        (
            Box::new(|c| CreateProject::new(ProjectCreateRequest::new("")).build_request(c)),
            "name",
        ),
    ];
    for (build, field) in cases {
        match build(&Config::default()) {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected InvalidInput on {field}, got {other:?}"),
        }
    }
    // Through a Call, the first poll is the error: nothing is sent.
    let config = Config::default();
    let mut call = Call::new(
        ListTasks::new(TaskFilters::new().limit(0)),
        config,
        CallOptions::new(),
        1,
    );
    assert!(matches!(
        call.poll(Instant::now()),
        Action::Done(Err(Error::InvalidInput { .. }))
    ));
    assert_eq!(call.attempts(), 0);
}
