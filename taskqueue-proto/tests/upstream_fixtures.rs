//! The upstream dialect against real exchanges recorded from the public
//! Task Queue server: for each operation, the requests the SDK builds match
//! the recorded method, path and the body fields the server needs, and the
//! recorded responses read into the right model or error.
//!
//! A few responses the recording does not hold are made up here, each marked
//! `synthetic`: the server's answer to `GET /projects/{unknown}` (404, empty,
//! as for tasks) and an empty task list of a project.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashMap;

use serde_json::Value;
use support::{Exchange, config, replay, response_of, synthetic};
use taskqueue_proto::ops::*;
use taskqueue_proto::{
    Error, ProjectCreateRequest, ProjectUpdateRequest, TaskCreateRequest, TaskFilters, TaskPriority, TaskStatus,
    TaskType, TaskUpdateRequest,
};

const PROJECT: &str = "90f92073-d0a3-4d9f-b713-4c06876dde15";
const TASK: &str = "e19bb648-a890-496c-baad-35eca3dc90b8";
const TASK2: &str = "8a292bab-e620-4962-a667-b21cc122528b";
const MISSING: &str = "00000000-0000-4000-8000-000000000000";

/// The recorded exchanges by label (each label occurs once in this file).
fn recorded() -> HashMap<String, Exchange> {
    support::recorded("upstream-exchanges.jsonl").into_iter().collect()
}

fn id(s: &str) -> taskqueue_proto::TaskId {
    s.parse().unwrap()
}

fn project_id(s: &str) -> taskqueue_proto::ProjectId {
    s.parse().unwrap()
}

#[test]
fn create_project_fetches_the_project_after_the_acknowledgement() {
    let r = recorded();
    let p = replay(
        CreateProject::new(ProjectCreateRequest::new("demo").description("Demo project")),
        &[r["create_project"].clone(), r["get_project"].clone()],
    )
    .unwrap();
    assert_eq!((p.id, p.name.as_str()), (project_id(PROJECT), "demo"));
}

#[test]
fn get_and_list_projects() {
    let r = recorded();
    assert_eq!(
        replay(GetProject::new(project_id(PROJECT)), &[r["get_project"].clone()])
            .unwrap()
            .description
            .as_deref(),
        Some("Demo project")
    );
    assert_eq!(replay(ListProjects, &[r["list_projects"].clone()]).unwrap().len(), 1);
}

#[test]
fn update_project_fetches_the_result() {
    let r = recorded();
    let update = ProjectUpdateRequest::new().name("demo-renamed").description("changed");
    let p = replay(
        UpdateProject::new(project_id(PROJECT), update),
        &[r["update_project"].clone(), r["get_project_after_update"].clone()],
    )
    .unwrap();
    assert_eq!(p.name, "demo-renamed");
}

#[test]
fn create_task_sends_what_the_server_requires_then_fetches_the_task() {
    let r = recorded();
    let request = TaskCreateRequest::new("build", "cargo build --release", project_id(PROJECT))
        .description("Build it")
        .priority(TaskPriority::High)
        .technical_specs("use release profile")
        .criterion("compiles")
        .criterion("tests pass")
        .execution_timeout(std::time::Duration::from_secs(600))
        .retry_attempts(2)
        .retry_delay(10)
        .env("RUST_LOG", "info")
        .working_directory("/srv");
    let task = replay(
        CreateTask::new(request),
        &[r["create_task"].clone(), r["get_task"].clone()],
    )
    .unwrap();
    assert_eq!(task.id, id(TASK));
    assert_eq!(task.priority, TaskPriority::High);
    assert_eq!(task.created_at.timestamp(), 1_795_669_560);
    assert_eq!(task.created_at.timestamp_subsec_nanos(), 571_728_675);
    assert_eq!(task.retry_delay, 30, "{{secs: 30}} read as 30 s");
    assert_eq!(task.timeout, None, "the server dropped it, and the SDK says so");
    assert_eq!(task.acceptance_criteria, ["compiles", "tests pass"]);
    assert!(task.phases[0].started_at.is_some());
}

#[test]
fn a_create_without_description_sends_an_empty_one() {
    let config = config();
    let request = CreateTask::new(TaskCreateRequest::new("n", "x", project_id(PROJECT)))
        .build_request(&config)
        .unwrap();
    let body: Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(body["description"], "");
    for field in ["name", "command", "description", "task_type", "priority", "project_id"] {
        assert!(body.get(field).is_some(), "the server requires {field}");
    }
    // The recorded answer to a spec-style body without `description`.
    let r = recorded();
    let e = CreateTask::new(TaskCreateRequest::new("build", "cargo build", project_id(PROJECT)))
        .parse_response(&config, response_of(&r["create_task_minimal_spec_style"]))
        .unwrap_err();
    assert!(matches!(e, Error::Validation(_)));
    assert!(e.message().contains("missing field `description`"), "{}", e.message());
}

#[test]
fn text_and_empty_error_bodies_keep_status_and_message() {
    let r = recorded();
    let op = CreateTask::new(TaskCreateRequest::new("n", "x", project_id(PROJECT)));
    let config = config();
    let bad_enum = op
        .parse_response(&config, response_of(&r["create_task_bad_enum"]))
        .unwrap_err();
    assert!(matches!(bad_enum, Error::Validation(_)));
    assert_eq!(bad_enum.status().unwrap().as_u16(), 422);
    assert!(bad_enum.message().contains("unknown variant `urgent`"));
    // A 400 for a task of a named project: alone, the answer is ambiguous…
    let single = op.parse_response(&config, response_of(&r["create_task_malformed_json"]));
    assert!(
        matches!(
            single,
            Err(Error::NeedsDriver {
                operation: "create_task",
                ..
            })
        ),
        "{single:?}"
    );
    // …so the driver asks whether the project exists; it does: the server's error stands.
    let probe = synthetic(
        "GET",
        &format!("/projects/{PROJECT}"),
        200,
        &String::from_utf8(r["get_project"].response_body.clone()).unwrap(),
    );
    let mut malformed_json = r["create_task_malformed_json"].clone();
    malformed_json.body = None; // the recording's body was deliberately broken; the SDK's is not
    malformed_json.path = "/tasks".into();
    let malformed = replay(op.clone(), &[malformed_json, probe]).unwrap_err();
    assert!(matches!(malformed, Error::Validation(_)) && malformed.message().starts_with("Failed to parse"));
    let missing = replay(GetTask::new(id(MISSING)), &[r["get_task_missing"].clone()]).unwrap_err();
    assert!(matches!(missing, Error::TaskNotFound(_)));
    assert_eq!(missing.to_string(), format!("[404] Task {MISSING} not found"));
    // An empty name never reaches the server (it would answer 400 with no body).
    assert!(matches!(
        CreateTask::new(TaskCreateRequest::new("", "x", project_id(PROJECT))).build_request(&config),
        Err(Error::InvalidInput { .. })
    ));
}

#[test]
fn a_400_for_an_unknown_project_becomes_project_not_found() {
    let r = recorded();
    let op = CreateTask::new(TaskCreateRequest::new("n", "x", project_id(MISSING)).description("d"));
    let probe = synthetic("GET", &format!("/projects/{MISSING}"), 404, "");
    let e = replay(op, &[r["create_task_unknown_project"].clone(), probe]).unwrap_err();
    assert!(matches!(e, Error::ProjectNotFound(_)), "{e:?}");

    // If the project exists, the 400 stays what the server said.
    let op = CreateTask::new(TaskCreateRequest::new("n", "x", project_id(PROJECT)).description("d"));
    let mut request = r["create_task_unknown_project"].clone();
    request.path = "/tasks".into();
    request.body = None;
    let e = replay(op, &[request, r["get_project"].clone()]).unwrap_err();
    assert!(matches!(e, Error::Validation(_)), "{e:?}");
}

#[test]
fn get_and_list_tasks() {
    let r = recorded();
    let task = replay(GetTask::new(id(TASK)), &[r["get_task"].clone()]).unwrap();
    assert_eq!(task.status, TaskStatus::Planning);
    assert_eq!(
        replay(ListTasks::default(), &[r["list_tasks"].clone()]).unwrap().len(),
        1
    );
}

#[test]
fn list_status_is_sent_lowercase() {
    let r = recorded();
    let tasks = replay(
        ListTasks::new(TaskFilters::new().status(TaskStatus::Planning)),
        &[r["list_tasks_status_planning_lower"].clone()],
    )
    .unwrap();
    assert_eq!(tasks.len(), 1);
    // The PascalCase form matches nothing on that server (recorded).
    assert_eq!(r["list_tasks_status_Planning_pascal"].response_body, b"[]");
}

#[test]
fn filters_the_server_ignores_are_applied_by_the_sdk() {
    let r = recorded();
    // The server ignores limit, offset and priority; the SDK does not send them and filters itself.
    let low = replay(
        ListTasks::new(TaskFilters::new().priority(TaskPriority::Low).limit(1)),
        &[r["list_tasks"].clone()],
    )
    .unwrap();
    assert!(low.is_empty(), "the only task is High");
    let high = replay(
        ListTasks::new(
            TaskFilters::new()
                .priority(TaskPriority::High)
                .task_type(TaskType::Simple),
        ),
        &[r["list_tasks"].clone()],
    )
    .unwrap();
    assert_eq!(high.len(), 1);
    let skipped = replay(ListTasks::new(TaskFilters::new().offset(1)), &[r["list_tasks"].clone()]).unwrap();
    assert!(skipped.is_empty());
    // Implementation never matches on the server: not sent, filtered here.
    let implementing = replay(
        ListTasks::new(TaskFilters::new().status(TaskStatus::Implementation)),
        &[r["list_tasks"].clone()],
    )
    .unwrap();
    assert!(implementing.is_empty());
    // A project's tasks come from /projects/{id}/tasks.
    let of_project = replay(
        ListTasks::new(TaskFilters::new().project_id(project_id(PROJECT))),
        &[r["list_project_tasks"].clone()],
    )
    .unwrap();
    assert_eq!(of_project.len(), 1);
}

#[test]
fn update_task_fetches_the_full_task() {
    let r = recorded();
    let update = TaskUpdateRequest::new()
        .priority(TaskPriority::Critical)
        .description("changed");
    let task = replay(
        UpdateTask::new(id(TASK), update),
        &[r["update_task_priority"].clone(), r["get_task_after_update"].clone()],
    )
    .unwrap();
    assert_eq!(task.description, "changed");
    let forward = replay(
        UpdateTask::new(id(TASK), TaskUpdateRequest::new().status(TaskStatus::Implementation)),
        &[
            r["update_task_status_forward"].clone(),
            r["get_task_after_update"].clone(),
        ],
    )
    .unwrap();
    assert_eq!(forward.status, TaskStatus::Implementation);
}

#[test]
fn a_refused_status_change_is_a_conflict_when_the_task_exists() {
    let r = recorded();
    for label in ["update_task_status_invalid_jump", "update_task_status_completed"] {
        let to = if label.ends_with("jump") {
            TaskStatus::Finalized
        } else {
            TaskStatus::Completed
        };
        let e = replay(
            UpdateTask::new(id(TASK), TaskUpdateRequest::new().status(to)),
            &[r[label].clone(), r["get_task_after_update"].clone()],
        )
        .unwrap_err();
        assert!(
            matches!(&e, Error::Conflict(api) if api.code.as_deref() == Some("invalid_transition")),
            "{label}: {e:?}"
        );
        assert!(e.to_string().contains("cannot go from Implementation"), "{e}");
    }
    // The same 404 for a task that does not exist is TaskNotFound.
    let mut put = r["update_task_status_invalid_jump"].clone();
    put.path = format!("/tasks/{MISSING}");
    let e = replay(
        UpdateTask::new(id(MISSING), TaskUpdateRequest::new().status(TaskStatus::Finalized)),
        &[put, r["get_task_missing"].clone()],
    )
    .unwrap_err();
    assert!(matches!(e, Error::TaskNotFound(_)), "{e:?}");
}

#[test]
fn updates_of_fields_the_server_drops_are_rejected() {
    let e = UpdateTask::new(
        id(TASK),
        TaskUpdateRequest::new().execution_timeout(std::time::Duration::from_secs(60)),
    )
    .build_request(&config())
    .unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput { ref field, .. } if field == "timeout"),
        "{e:?}"
    );
}

#[test]
fn cancel_reports_cancelled_although_the_server_shows_the_old_status() {
    let r = recorded();
    let before = r["get_task_after_update"].clone(); // the check: Implementation, not finished
    let task = replay(
        CancelTask::new(id(TASK)).reason("no longer needed"),
        &[before, r["cancel_task"].clone(), r["get_task_after_cancel"].clone()],
    )
    .unwrap();
    assert_eq!(task.status, TaskStatus::Cancelled);
    assert_eq!(
        task.result.as_ref().unwrap().get("Cancelled").unwrap()["reason"],
        "no longer needed"
    );
    // The server's own GET, read through the SDK, says Cancelled too.
    assert_eq!(
        replay(GetTask::new(id(TASK)), &[r["get_task_after_cancel"].clone()])
            .unwrap()
            .status,
        TaskStatus::Cancelled
    );
    // The server would cancel again (recorded: cancel_task_again answers 200); the SDK says Conflict.
    let again = replay(CancelTask::new(id(TASK)), &[r["get_task_after_cancel"].clone()]).unwrap_err();
    assert!(
        matches!(&again, Error::Conflict(api) if api.code.as_deref() == Some("already_terminal")),
        "{again:?}"
    );
    assert_eq!(r["cancel_task_again"].status, 200);
    // Without a JSON body the server answers 415: the SDK always sends one.
    assert_eq!(r["cancel_task_no_body"].status, 415);
}

#[test]
fn deletes() {
    let r = recorded();
    assert!(replay(DeleteTask::new(id(TASK2)), &[r["delete_task"].clone()]).unwrap());
    assert!(!replay(DeleteTask::new(id(TASK2)), &[r["delete_task_again"].clone()]).unwrap());

    // Deleting a project is a POST (DELETE is 405, recorded), after checking it has no tasks.
    assert_eq!(r["delete_project_via_DELETE"].status, 405);
    let busy = replay(
        DeleteProject::new(project_id(PROJECT)),
        &[r["list_project_tasks"].clone()],
    )
    .unwrap_err();
    assert!(
        matches!(&busy, Error::Conflict(api) if api.code.as_deref() == Some("project_not_empty")),
        "{busy:?}"
    );
    let no_tasks = synthetic("GET", &format!("/projects/{PROJECT}/tasks"), 200, "[]");
    assert!(
        replay(
            DeleteProject::new(project_id(PROJECT)),
            &[no_tasks, r["delete_project"].clone()]
        )
        .unwrap()
    );

    // An unknown project: the server answers 500; the SDK checks, and reports false.
    let no_tasks = synthetic("GET", &format!("/projects/{MISSING}/tasks"), 200, "[]");
    let probe = synthetic("GET", &format!("/projects/{MISSING}"), 404, "");
    assert!(
        !replay(
            DeleteProject::new(project_id(MISSING)),
            &[no_tasks, r["delete_project_missing"].clone(), probe]
        )
        .unwrap()
    );
}

#[test]
fn health() {
    let r = recorded();
    let h = replay(Health, &[r["health"].clone()]).unwrap();
    assert!(h.is_healthy());
    assert_eq!(h.version.as_deref(), Some("0.1.0"));
    assert_eq!(
        r["api_prefix_404"].status, 404,
        "the reason there is no /api prefix upstream"
    );
}

#[test]
fn every_recorded_task_body_parses() {
    for (label, e) in recorded() {
        if e.status != 200 || !(e.path.starts_with("/tasks") || e.path.contains("/tasks")) || e.method != "GET" {
            continue;
        }
        let body: Value = serde_json::from_slice(&e.response_body).unwrap();
        let items = if body.is_array() {
            body.as_array().unwrap().clone()
        } else {
            vec![body]
        };
        for item in items {
            if item.get("id").is_some() {
                serde_json::from_value::<taskqueue_proto::Task>(item).unwrap_or_else(|err| panic!("{label}: {err}"));
            }
        }
    }
}
