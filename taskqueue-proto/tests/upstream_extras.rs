//! The public server's endpoints beyond the documents, against the 49
//! exchanges recorded in `fixtures/upstream-extras.jsonl`: every exchange is
//! replayed (the request the SDK builds equals the recorded one, up to the
//! ids and times the SDK makes; the response reads into the right model or
//! error), and the last test checks that none was left out.
//!
//! Where a flow needs an answer the recording does not hold (the cycle walk
//! reads dependency lists the server was not asked for), the answer is made
//! up with `synthetic`, from what the recording shows of those tasks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use support::{Exchange, config, replay, response_of, synthetic};
use taskqueue_proto::TaskId;
use taskqueue_proto::ops::*;
use taskqueue_proto::{
    AddDependency, CallOptions, Config, DependencyCondition, Dialect, Error, TaskFilters, TaskPriority, TaskResult,
    TaskStatus, TaskUpsertRequest, WorkflowCreateRequest, WorkflowStatus,
};

const PROJECT: &str = "1a230faa-c3f1-480e-aa74-6a6f9aa303ee";
const ALPHA: &str = "9ee6ead3-7b65-4404-aac1-92af7d652933";
const BETA: &str = "beb105fb-3a2c-4230-a862-594755fc54e1";
const GAMMA: &str = "aabfe73d-897b-471b-85d9-0737cb4a8bbd";
const DELTA: &str = "ebdc5dde-c81d-481c-bcc4-cbcc04ce4141";
const WORKFLOW: &str = "39847e25-a3e6-4fbf-b98b-d720b67f2cb3";

fn id(s: &str) -> TaskId {
    s.parse().unwrap()
}

fn project_id(s: &str) -> taskqueue_proto::ProjectId {
    s.parse().unwrap()
}

fn workflow_id(s: &str) -> taskqueue_proto::WorkflowId {
    s.parse().unwrap()
}

/// The recording, with a lookup by label (the n-th occurrence for labels
/// that recur) that notes which exchanges the tests used.
struct Recording {
    all: Vec<(String, Exchange)>,
}

impl Recording {
    fn load() -> Self {
        Recording {
            all: support::recorded("upstream-extras.jsonl"),
        }
    }

    fn nth(&self, label: &str, n: usize) -> Exchange {
        self.all
            .iter()
            .filter(|(l, _)| l == label)
            .nth(n)
            .unwrap_or_else(|| panic!("no exchange #{n} labelled {label}"))
            .1
            .clone()
    }

    fn get(&self, label: &str) -> Exchange {
        self.nth(label, 0)
    }
}

/// The labels each test below replays (checked against the file by the last test).
const REPLAYED: &[&str] = &[
    "create_project",
    "create_task",
    "get_task_status",
    "get_task_result_none",
    "get_task_status_unknown",
    "get_task_status_bad_id",
    "update_task_priority",
    "update_task_priority_bad",
    "update_task_priority_unknown",
    "get_task_after_priority",
    "add_dependency",
    "add_dependency_completion",
    "add_dependency_cycle",
    "add_dependency_unknown_task",
    "add_dependency_bad_body",
    "get_dependencies",
    "get_dependencies_none",
    "get_correlations",
    "get_task_with_deps",
    "advance_phase",
    "get_task_after_advance",
    "advance_phase_unknown",
    "set_status",
    "set_status_next",
    "set_status_bad",
    "get_task_after_set_status",
    "set_status_failed",
    "retry_task",
    "get_task_after_retry",
    "retry_task_unknown",
    "get_task_result_after",
    "upsert_new",
    "upsert_existing",
    "upsert_missing_field",
    "list_tasks_after_upsert",
    "stats",
    "metrics",
    "get_task_for_workflow",
    "submit_workflow",
    "submit_workflow_bad",
    "get_workflow",
    "get_workflow_status",
    "get_workflow_unknown",
    "list_workflows",
    "get_task_status_cancelled_flow",
    "get_task_status_after_cancel",
    "get_task_result_after_cancel",
];

/// A dependency list as `GET /tasks/{id}/dependencies` answers it.
fn deps_of(task: &str, on: &[(&str, &str)]) -> Exchange {
    let body: Vec<serde_json::Value> = on
        .iter()
        .map(|(dep, condition)| {
            serde_json::json!({"task_id": dep, "task_name": null, "condition": condition, "required": true,
                               "correlation_id": null, "metadata": {}})
        })
        .collect();
    synthetic(
        "GET",
        &format!("/tasks/{task}/dependencies"),
        200,
        &serde_json::to_string(&body).unwrap(),
    )
}

/// The first task of a recorded listing, as `GET /tasks/{id}` answers it.
fn task_from_listing(listing: &Exchange, task: &str) -> Exchange {
    let tasks: Vec<serde_json::Value> = serde_json::from_slice(&listing.response_body).unwrap();
    let found = tasks.iter().find(|t| t["id"] == task).unwrap();
    synthetic("GET", &format!("/tasks/{task}"), 200, &found.to_string())
}

#[test]
fn creates_before_the_extras() {
    let r = Recording::load();
    let project = synthetic(
        "GET",
        &format!("/projects/{PROJECT}"),
        200,
        &format!(
            r#"{{"id":"{PROJECT}","name":"extras-1795681257","description":"extras","status":"Planning","created_at":"2026-11-26T08:20:57Z","updated_at":"2026-11-26T08:20:57Z"}}"#
        ),
    );
    let p = replay(
        CreateProject::new(taskqueue_proto::ProjectCreateRequest::new("extras-1795681257").description("extras")),
        &[r.get("create_project"), project],
    )
    .unwrap();
    assert_eq!(p.id, project_id(PROJECT));

    for (n, (name, fetched)) in [
        ("alpha", r.get("get_task_after_priority")),
        ("beta", r.get("get_task_with_deps")),
        ("gamma", r.get("get_task_after_retry")),
    ]
    .into_iter()
    .enumerate()
    {
        let request = taskqueue_proto::TaskCreateRequest::new(name, format!("echo {name}"), project_id(PROJECT))
            .description(format!("d {name}"));
        let task = replay(CreateTask::new(request), &[r.nth("create_task", n), fetched]).unwrap();
        assert_eq!(task.name, name);
    }
}

#[test]
fn status_and_result_read_what_the_server_stores() {
    let r = Recording::load();
    assert_eq!(
        replay(GetTaskStatus::new(id(ALPHA)), &[r.get("get_task_status")]).unwrap(),
        TaskStatus::Planning
    );
    assert_eq!(
        replay(GetTaskResult::new(id(ALPHA)), &[r.get("get_task_result_none")]).unwrap(),
        None
    );
    assert_eq!(
        replay(GetTaskResult::new(id(GAMMA)), &[r.get("get_task_result_after")]).unwrap(),
        None
    );
    let unknown = id("32502c2f-02e5-4d8c-a442-c1bae60bdec1");
    let err = replay(GetTaskStatus::new(unknown), &[r.get("get_task_status_unknown")]).unwrap_err();
    assert!(matches!(err, Error::TaskNotFound(_)), "{err:?}");
    assert!(err.message().contains("get_task_status") && err.message().contains(&unknown.to_string()));

    // A malformed id cannot be written with a `Uuid`; the server's answer to one still reads.
    let bad = r.get("get_task_status_bad_id");
    let err = GetTaskStatus::new(unknown)
        .parse_response(&config(), response_of(&bad))
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");

    // After a cancel: the stored status and the result say so.
    let beta = id(BETA);
    let cancelled = replay(
        CancelTask::new(beta).reason("no longer needed"),
        &[
            r.get("get_task_with_deps"),
            r.get("get_task_status_cancelled_flow"),
            r.get("get_task_with_deps"),
        ],
    )
    .unwrap();
    assert_eq!(cancelled.status, TaskStatus::Cancelled);
    assert_eq!(
        replay(GetTaskStatus::new(beta), &[r.get("get_task_status_after_cancel")]).unwrap(),
        TaskStatus::Cancelled
    );
    assert_eq!(
        replay(GetTaskResult::new(beta), &[r.get("get_task_result_after_cancel")]).unwrap(),
        Some(TaskResult::Cancelled {
            reason: "no longer needed".into()
        })
    );
}

#[test]
fn priority_changes_then_fetches_the_task() {
    let r = Recording::load();
    let task = replay(
        SetTaskPriority::new(id(ALPHA), TaskPriority::Critical),
        &[r.get("update_task_priority"), r.get("get_task_after_priority")],
    )
    .unwrap();
    assert_eq!(task.priority, TaskPriority::Critical);

    // "Urgent" is refused before sending (the server answers it with an empty 400).
    let bad = r.get("update_task_priority_bad");
    assert_eq!(bad.body.as_ref().unwrap()["priority"], "Urgent");
    let err = SetTaskPriority::new(id(ALPHA), serde_json::from_str("\"Urgent\"").unwrap())
        .build_request(&config())
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "priority"),
        "{err:?}"
    );

    let unknown = id("5f80d1e8-dc77-46c5-96d5-cc1a386725dc");
    let err = replay(
        SetTaskPriority::new(unknown, TaskPriority::High),
        &[r.get("update_task_priority_unknown")],
    )
    .unwrap_err();
    assert!(matches!(err, Error::TaskNotFound(_)), "{err:?}");
}

#[test]
fn dependencies_are_added_after_a_walk_for_cycles() {
    let r = Recording::load();
    // beta on alpha: alpha has no dependencies yet, so no cycle.
    let deps = replay(
        AddTaskDependency::new(
            id(BETA),
            AddDependency::on(id(ALPHA)).name("alpha").correlation_id("build-1"),
        ),
        &[deps_of(ALPHA, &[]), r.get("add_dependency"), r.get("get_dependencies")],
    )
    .unwrap();
    assert_eq!(deps.len(), 1);
    assert_eq!(deps[0].correlation_id.as_deref(), Some("build-1"));

    // gamma on beta: the walk reads beta's dependencies (alpha), then alpha's.
    let deps = replay(
        AddTaskDependency::new(
            id(GAMMA),
            AddDependency::on(id(BETA))
                .condition(DependencyCondition::Completion)
                .optional(),
        ),
        &[
            r.get("get_dependencies"),
            deps_of(ALPHA, &[]),
            r.get("add_dependency_completion"),
            deps_of(GAMMA, &[(BETA, "Completion")]),
        ],
    )
    .unwrap();
    assert_eq!(deps[0].condition, DependencyCondition::Completion);

    // alpha on gamma closes a → c → b → a: refused, the POST the server accepted is never sent.
    let recorded_cycle = r.get("add_dependency_cycle");
    assert_eq!(recorded_cycle.status, 200, "the server accepts it");
    let err = replay(
        AddTaskDependency::new(id(ALPHA), AddDependency::on(id(GAMMA))),
        &[deps_of(GAMMA, &[(BETA, "Completion")]), r.get("get_dependencies")],
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict(e) if e.code.as_deref() == Some("dependency_cycle")),
        "{err:?}"
    );
    assert!(
        err.message().contains(&format!("{ALPHA} → {GAMMA} → {BETA} → {ALPHA}")),
        "{}",
        err.message()
    );
    let (method, path) = (&recorded_cycle.method, &recorded_cycle.path);
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", &*format!("/tasks/{ALPHA}/dependencies"))
    );

    let unknown = id("829fbf5f-0c0f-4ba5-97d7-462eb36f0f55");
    let err = replay(
        AddTaskDependency::new(unknown, AddDependency::on(id(ALPHA))),
        &[deps_of(ALPHA, &[]), r.get("add_dependency_unknown_task")],
    )
    .unwrap_err();
    assert!(matches!(err, Error::TaskNotFound(_)), "{err:?}");
    assert!(err.message().contains(&unknown.to_string()), "{}", err.message());

    // `{"dependency_task_id": "nope"}` cannot be written with a `Uuid`; its answer still reads.
    let bad = r.get("add_dependency_bad_body");
    assert_eq!(bad.status, 400);
    let flow_error = replay(
        AddTaskDependency::new(id(BETA), AddDependency::on(id(ALPHA))),
        &[deps_of(ALPHA, &[]), bad.ignoring(&["dependency_task_id"])],
    )
    .unwrap_err();
    assert!(matches!(flow_error, Error::Validation(_)), "{flow_error:?}");
    assert!(
        flow_error.message().contains("add_dependency"),
        "{}",
        flow_error.message()
    );
}

#[test]
fn dependency_and_correlation_lists() {
    let r = Recording::load();
    let deps = replay(ListDependencies::new(id(BETA)), &[r.get("get_dependencies")]).unwrap();
    assert_eq!(
        (deps[0].task_id, deps[0].task_name.as_deref()),
        (id(ALPHA), Some("alpha"))
    );
    let missing = id("6697ef95-6521-4844-9cf8-534c4f3badbe");
    assert!(matches!(
        replay(ListDependencies::new(missing), &[r.get("get_dependencies_none")]),
        Err(Error::TaskNotFound(_))
    ));
    assert_eq!(
        replay(ListCorrelations::new(id(BETA)), &[r.get("get_correlations")]).unwrap(),
        ["build-1"]
    );
    let task = replay(GetTask::new(id(BETA)), &[r.get("get_task_with_deps")]).unwrap();
    assert_eq!(task.dependencies.len(), 1);
}

#[test]
fn phases_and_status_changes() {
    let r = Recording::load();
    let advanced = replay(
        AdvancePhase::new(id(ALPHA)),
        &[r.get("advance_phase"), r.get("get_task_after_advance")],
    )
    .unwrap();
    assert!(advanced.advanced);
    assert_eq!(advanced.task.status, TaskStatus::Implementation);
    assert!(matches!(
        replay(
            AdvancePhase::new(id("bd595f67-1a3f-4175-9191-20646d5cf3f5")),
            &[r.get("advance_phase_unknown")]
        ),
        Err(Error::TaskNotFound(_))
    ));

    // Implementation → Testing skips a step: an empty 400, then the task shows it exists.
    let err = replay(
        SetTaskStatus::new(id(ALPHA), TaskStatus::Testing),
        &[r.get("set_status"), r.get("get_task_after_advance")],
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict(e) if e.code.as_deref() == Some("invalid_transition")),
        "{err:?}"
    );
    assert!(
        err.message().contains("from Implementation to Testing"),
        "{}",
        err.message()
    );

    let task = replay(
        SetTaskStatus::new(id(ALPHA), TaskStatus::TestCreation),
        &[r.get("set_status_next"), r.get("get_task_after_set_status")],
    )
    .unwrap();
    assert_eq!(task.status, TaskStatus::TestCreation);

    // Running is not a status the server sets: refused before sending.
    let bad = r.get("set_status_bad");
    assert_eq!(
        (bad.status, &bad.body.as_ref().unwrap()["status"]),
        (400, &serde_json::json!("Running"))
    );
    let err = SetTaskStatus::new(id(ALPHA), TaskStatus::Running)
        .build_request(&config())
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "status"),
        "{err:?}"
    );

    let err = replay(
        SetTaskStatus::new(id(GAMMA), TaskStatus::Failed),
        &[r.get("set_status_failed"), r.get("get_task_after_retry")],
    )
    .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
}

#[test]
fn retry_resets_and_fetches() {
    let r = Recording::load();
    let task = replay(
        RetryTask::new(id(GAMMA)).reset_retry_count(),
        &[r.get("retry_task"), r.get("get_task_after_retry")],
    )
    .unwrap();
    assert_eq!(task.retry_attempts, 0);
    assert!(matches!(
        replay(
            RetryTask::new(id("815f77b8-27ea-4cf2-8fa7-bf6031800c14")),
            &[r.get("retry_task_unknown")]
        ),
        Err(Error::TaskNotFound(_))
    ));
}

#[test]
fn upsert_creates_then_changes_by_name() {
    let r = Recording::load();
    let listing = r.get("list_tasks_after_upsert");
    let created = replay(
        UpsertTask::new(
            TaskUpsertRequest::new("delta", "echo delta", project_id(PROJECT), "first").priority(TaskPriority::High),
        ),
        &[r.get("upsert_new"), task_from_listing(&listing, DELTA)],
    )
    .unwrap();
    assert_eq!(created.id, id(DELTA));
    let changed = replay(
        UpsertTask::new(
            TaskUpsertRequest::new("delta", "echo delta v2", project_id(PROJECT), "second")
                .priority(TaskPriority::Low)
                .acceptance_criteria(vec!["ok".into()]),
        ),
        &[r.get("upsert_existing"), task_from_listing(&listing, DELTA)],
    )
    .unwrap();
    assert_eq!(changed.acceptance_criteria, ["ok"]);

    // A body without a description cannot be written (the field is required);
    // the server's empty 400 for one still reads, naming the task.
    let missing = r.get("upsert_missing_field");
    let err = replay(
        UpsertTask::new(TaskUpsertRequest::new("eps", "x", project_id(PROJECT), "d")),
        &[missing],
    )
    .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert!(
        err.message().contains("upsert_task") && err.message().contains("eps"),
        "{}",
        err.message()
    );

    let tasks = replay(
        ListTasks::new(TaskFilters::new().project_id(project_id(PROJECT))),
        &[listing],
    )
    .unwrap();
    assert!(tasks.iter().any(|t| t.id == id(DELTA)));
}

#[test]
fn stats_and_metrics() {
    let r = Recording::load();
    let stats = replay(GetStats, &[r.get("stats")]).unwrap();
    assert_eq!((stats.total_tasks, stats.total_workflows), (7, 1));
    let metrics = replay(GetMetrics, &[r.get("metrics")]).unwrap();
    assert_eq!(metrics.get("tasks_submitted_total"), Some(8.0));
    assert_eq!(
        metrics.get_labelled("task_execution_duration_seconds_bucket", &[("le", "+Inf")]),
        Some(0.0)
    );
    assert_eq!(metrics.len(), 26);
}

#[test]
fn a_workflow_is_built_from_its_tasks_as_the_server_wants_it() {
    let r = Recording::load();
    let at = chrono::DateTime::from_timestamp(1_795_681_257, 458_727_055).unwrap();
    let op = SubmitWorkflow::new(
        WorkflowCreateRequest::new("wf-demo", vec![id(ALPHA)]).description("two steps"),
        at,
    );
    // The id is drawn from the driver's seed and the times are the caller's: only they differ.
    let submit = r.get("submit_workflow").ignoring(&["id", "updated_at"]);
    let workflow = replay(
        op.clone(),
        &[r.get("get_task_for_workflow"), submit, r.get("get_workflow")],
    )
    .unwrap();
    assert_eq!(workflow.id, workflow_id(WORKFLOW));
    assert_eq!(workflow.tasks[0].id, id(ALPHA));
    assert_eq!(workflow.status, WorkflowStatus::Pending);

    // A body the server cannot read gets a plain-text 422: its text is the message.
    let bad = r.get("submit_workflow_bad").ignoring(&["name"]);
    let err = replay(op, &[r.get("get_task_for_workflow"), bad]).unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert_eq!(err.status().unwrap().as_u16(), 422);

    assert_eq!(
        replay(GetWorkflow::new(workflow_id(WORKFLOW)), &[r.get("get_workflow")])
            .unwrap()
            .name,
        "wf-demo"
    );
    assert_eq!(
        replay(
            GetWorkflowStatus::new(workflow_id(WORKFLOW)),
            &[r.get("get_workflow_status")]
        )
        .unwrap(),
        WorkflowStatus::Pending
    );
    let unknown = workflow_id("be8863a1-5395-47ba-a6c7-d1b885ee42d0");
    let err = replay(GetWorkflow::new(unknown), &[r.get("get_workflow_unknown")]).unwrap_err();
    assert!(matches!(err, Error::WorkflowNotFound(_)), "{err:?}");
    assert!(err.is_not_found() && err.message().contains(&unknown.to_string()));
    // The server lists what its storage holds: an earlier run's workflow too.
    let listed = replay(ListWorkflows, &[r.get("list_workflows")]).unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|w| w.id == workflow_id(WORKFLOW)));
}

#[test]
fn every_extra_is_unsupported_in_the_spec_dialect_before_sending() {
    let spec = Config::builder().dialect(Dialect::Spec).build().unwrap();
    let a = TaskId::nil();
    fn check<O: Operation>(op: O, spec: &Config) {
        match op.build_request(spec) {
            Err(Error::Unsupported { operation, dialect, .. }) => {
                assert_eq!((operation, dialect), (O::NAME, Dialect::Spec));
            }
            other => panic!("{}: {other:?}", O::NAME),
        }
        let mut machine = taskqueue_proto::driver::IntoMachine::into_machine(op, spec, &CallOptions::new(), 7);
        let first = taskqueue_proto::driver::Machine::poll(&mut machine, std::time::Instant::now());
        assert!(
            matches!(
                first,
                taskqueue_proto::driver::Action::Done(Err(Error::Unsupported { .. }))
            ),
            "{}: nothing is sent",
            O::NAME
        );
    }
    check(GetTaskStatus::new(a), &spec);
    check(GetTaskResult::new(a), &spec);
    check(RetryTask::new(a).reset_retry_count(), &spec);
    check(SetTaskPriority::new(a, TaskPriority::Low), &spec);
    check(
        AddTaskDependency::new(a, AddDependency::on(TaskId::from_uuid(uuid::Uuid::max()))),
        &spec,
    );
    check(ListDependencies::new(a), &spec);
    check(ListCorrelations::new(a), &spec);
    check(AdvancePhase::new(a), &spec);
    check(SetTaskStatus::new(a, TaskStatus::Testing), &spec);
    check(
        UpsertTask::new(TaskUpsertRequest::new("n", "c", a.into_uuid(), "d")),
        &spec,
    );
    check(
        SubmitWorkflow::new(
            WorkflowCreateRequest::new("w", vec![a]),
            std::time::SystemTime::UNIX_EPOCH,
        ),
        &spec,
    );
    check(ListWorkflows, &spec);
    check(GetWorkflow::new(a.into_uuid()), &spec);
    check(GetWorkflowStatus::new(a.into_uuid()), &spec);
    check(GetStats, &spec);
    check(GetMetrics, &spec);
    let message = Error::unsupported("stats", Dialect::Spec).to_string();
    assert!(message.contains("--dialect upstream"), "{message}");
}

#[test]
fn a_self_dependency_and_a_graph_past_the_bound_send_nothing() {
    let config = config();
    let a = TaskId::from_u128(1);
    let err = AddTaskDependency::new(a, AddDependency::on(a))
        .build_request(&config)
        .unwrap_err();
    assert!(err.message().contains(&format!("{a} → {a}")), "{}", err.message());

    // A chain longer than the bound behind the new dependency: one GET per task, then an error.
    let transport =
        taskqueue_proto::driver::Simulated::new(std::time::Instant::now(), |request: &http::Request<Vec<u8>>| {
            assert_eq!(request.method(), http::Method::GET, "nothing but the walk is sent");
            let path = request.uri().path();
            let n: u128 = path.split('/').nth(2).unwrap().parse::<uuid::Uuid>().unwrap().as_u128();
            let next = TaskId::from_u128(n + 1);
            let body = format!(r#"[{{"task_id":"{next}","condition":"Success","required":true}}]"#);
            Ok(http::Response::builder().status(200).body(body.into_bytes()).unwrap())
        });
    let op = AddTaskDependency::new(TaskId::from_u128(u128::MAX), AddDependency::on(TaskId::from_u128(2)));
    let machine = taskqueue_proto::driver::IntoMachine::into_machine(op, &config, &CallOptions::new(), 3);
    let err = taskqueue_proto::driver::run_blocking(&transport, machine).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "depends_on"),
        "{err:?}"
    );
    assert_eq!(transport.sent().len(), MAX_DEPENDENCY_WALK);
}

#[test]
fn every_recorded_exchange_is_replayed() {
    let labels: BTreeSet<String> = Recording::load().all.into_iter().map(|(l, _)| l).collect();
    let replayed: BTreeSet<String> = REPLAYED.iter().map(|s| s.to_string()).collect();
    assert_eq!(labels, replayed);
}
