//! Reading responses: every success body, and every error status of
//! CONTRACT §1 with JSON, empty, text and HTML bodies.

use http::Response;
use uuid::Uuid;

use super::*;
use crate::{ProjectStatus, TaskPriority, TaskStatus, TaskType};

const TASK: Uuid = Uuid::from_u128(0x6f1c2b9e_8a4d_4c1e_9f3a_2b7d5e8c1a90);
const PROJECT: crate::ProjectId = crate::ProjectId::from_u128(0x90f92073_d0a3_4d9f_b713_4c06876dde15);

const FULL_TASK: &str = r#"{
  "id": "6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90", "name": "build", "command": "cargo build",
  "description": "Build it", "technical_specs": "rust", "acceptance_criteria": ["compiles"],
  "project": "demo", "task_type": "Workflow", "priority": "High",
  "project_id": "90f92073-d0a3-4d9f-b713-4c06876dde15", "dependencies": [{"task_id": "x"}],
  "timeout": 600, "retry_attempts": 5, "retry_delay": 10, "environment": {"A": "1"},
  "working_directory": "/src", "created_at": "2026-11-26T05:06:00.560942500Z",
  "updated_at": "2026-11-26T05:06:01Z", "status": "AIReview", "result": {"exit_code": 0},
  "phases": [{"phase": "Planning", "started_at": "2026-11-26T05:06:00Z", "completed_at": null,
              "documentation": "plan", "artifacts": ["a.md"], "ai_reviews": [{"score": 5}]}],
  "current_phase": "AIReview", "ai_reviews_required": 3, "ai_reviews_completed": 1,
  "development_workflow": null, "metadata": {"team": "infra"}
}"#;

const PROJECT_JSON: &str = r#"{"id":"90f92073-d0a3-4d9f-b713-4c06876dde15","name":"demo","description":"Demo project",
  "status":"OnHold","created_at":"2026-11-26T05:06:00.560942500Z","updated_at":"2026-11-26T05:06:00.560945956Z",
  "due_date":null,"tags":["a"],"metadata":{}}"#;

fn resp(status: u16, content_type: Option<&str>, body: &str) -> Response<Vec<u8>> {
    let mut b = Response::builder().status(status).header("x-request-id", "req-1");
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

fn ok(body: &str) -> Response<Vec<u8>> {
    resp(200, Some("application/json"), body)
}

#[test]
fn task_bodies_parse_for_every_task_operation() {
    let task = GetTask::new(TASK).parse_spec_response(ok(FULL_TASK)).unwrap();
    assert_eq!(task.id, TASK);
    assert_eq!(task.status, TaskStatus::AiReview);
    assert_eq!(task.priority, TaskPriority::High);
    assert_eq!(task.task_type, TaskType::Workflow);
    assert_eq!(task.project_id, Some(PROJECT));
    assert_eq!(task.phases[0].artifacts, ["a.md"]);
    assert_eq!(task.metadata.get("team").unwrap(), "infra");
    assert_eq!(task.created_at.timestamp_subsec_nanos(), 560_942_500);
    // Every operation answering a task reads the same body the same way.
    let create = CreateTask::new(crate::TaskCreateRequest::new("b", "c", PROJECT));
    let answers = [
        create.parse_spec_response(resp(201, Some("application/json"), FULL_TASK)),
        UpdateTask::new(TASK, Default::default()).parse_spec_response(ok(FULL_TASK)),
        CancelTask::new(TASK).parse_spec_response(ok(FULL_TASK)),
    ];
    for answer in answers {
        assert_eq!(answer.unwrap(), task);
    }
    let list = ListTasks::default()
        .parse_spec_response(ok(&format!("[{FULL_TASK},{FULL_TASK}]")))
        .unwrap();
    assert_eq!(list.len(), 2);
    assert!(ListTasks::default().parse_spec_response(ok("[]")).unwrap().is_empty());
}

#[test]
fn project_bodies_parse_for_every_project_operation() {
    let p = GetProject::new(PROJECT).parse_spec_response(ok(PROJECT_JSON)).unwrap();
    assert_eq!(p.status, ProjectStatus::OnHold);
    assert_eq!(p.description.as_deref(), Some("Demo project"));
    let create = CreateProject::new(crate::ProjectCreateRequest::new("demo"));
    let answers = [
        create.parse_spec_response(resp(201, None, PROJECT_JSON)),
        UpdateProject::new(PROJECT, Default::default()).parse_spec_response(ok(PROJECT_JSON)),
    ];
    for answer in answers {
        assert_eq!(answer.unwrap(), p);
    }
    assert_eq!(
        ListProjects
            .parse_spec_response(ok(&format!("[{PROJECT_JSON}]")))
            .unwrap(),
        vec![p]
    );
}

#[test]
fn health_parses() {
    let h = Health
        .parse_spec_response(ok(r#"{"status":"healthy","version":"1.2.3"}"#))
        .unwrap();
    assert!(h.is_healthy());
    assert_eq!(h.version.as_deref(), Some("1.2.3"));
}

#[test]
fn deletes_are_true_on_204_and_false_on_404() {
    assert!(DeleteTask::new(TASK).parse_spec_response(resp(204, None, "")).unwrap());
    assert!(!DeleteTask::new(TASK).parse_spec_response(resp(404, None, "")).unwrap());
    assert!(
        DeleteProject::new(PROJECT)
            .parse_spec_response(resp(204, None, ""))
            .unwrap()
    );
    assert!(
        !DeleteProject::new(PROJECT)
            .parse_spec_response(resp(
                404,
                Some("application/json"),
                r#"{"error":"project_not_found","message":"nope"}"#
            ))
            .unwrap()
    );
    let conflict = DeleteProject::new(PROJECT)
        .parse_spec_response(resp(
            409,
            Some("application/json"),
            r#"{"error":"project_not_empty","message":"2 tasks reference it"}"#,
        ))
        .unwrap_err();
    assert!(matches!(conflict, Error::Conflict(ref e) if e.code.as_deref() == Some("project_not_empty")));
}

/// The four kinds of error body a client meets.
fn bodies(status: u16) -> Vec<(&'static str, Response<Vec<u8>>)> {
    vec![
        (
            "json",
            resp(
                status,
                Some("application/json"),
                r#"{"error":"some_code","message":"server says no","details":{}}"#,
            ),
        ),
        ("empty", resp(status, None, "")),
        (
            "text",
            resp(status, Some("text/plain"), "plain words from the server\nsecond line"),
        ),
        (
            "html",
            resp(
                status,
                Some("text/html"),
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            ),
        ),
    ]
}

#[test]
fn every_error_status_maps_to_its_variant_whatever_the_body() {
    type Check = fn(&Error) -> bool;
    let table: &[(&[u16], Check)] = &[
        (&[400, 422], |e| matches!(e, Error::Validation(_))),
        (&[401], |e| matches!(e, Error::Authentication(_))),
        (&[403], |e| matches!(e, Error::Authorization(_))),
        (&[404], |e| matches!(e, Error::TaskNotFound(_))),
        (&[409], |e| matches!(e, Error::Conflict(_))),
        (&[429], |e| matches!(e, Error::RateLimited(_))),
        (&[500, 502, 503, 418, 302], |e| matches!(e, Error::Api(_))),
    ];
    for (status, check) in table
        .iter()
        .flat_map(|(statuses, check)| statuses.iter().map(move |s| (s, check)))
    {
        for (kind, response) in bodies(*status) {
            let err = GetTask::new(TASK).parse_spec_response(response).unwrap_err();
            assert!(check(&err), "{status} with a {kind} body gave {err:?}");
            assert_eq!(err.status().unwrap().as_u16(), *status, "{kind}");
            assert_eq!(err.request_id(), Some("req-1"));
            let shown = err.to_string();
            assert!(shown.starts_with(&format!("[{status}] ")), "{shown}");
            match kind {
                "json" => {
                    assert_eq!(err.message(), "server says no");
                    assert_eq!(err.api_error().unwrap().code.as_deref(), Some("some_code"));
                }
                "text" => assert_eq!(err.message(), "plain words from the server"),
                "html" => {
                    assert!(!err.message().contains('<'), "HTML is not a message: {}", err.message());
                    assert!(err.response_body().unwrap().contains("<h1>"), "the body is kept");
                }
                _ => assert!(!err.message().is_empty()),
            }
        }
    }
}

#[test]
fn not_found_is_task_or_project_by_operation_with_a_helpful_message() {
    let e = GetTask::new(TASK).parse_spec_response(resp(404, None, "")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "[404] Task 6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90 not found"
    );
    let e = GetProject::new(PROJECT)
        .parse_spec_response(resp(404, None, ""))
        .unwrap_err();
    assert!(matches!(e, Error::ProjectNotFound(_)));
    assert_eq!(
        e.to_string(),
        "[404] Project 90f92073-d0a3-4d9f-b713-4c06876dde15 not found"
    );
    let e = UpdateProject::new(PROJECT, Default::default())
        .parse_spec_response(resp(404, None, ""))
        .unwrap_err();
    assert!(matches!(e, Error::ProjectNotFound(_)));
    // Creating a task in an unknown project is a project error.
    let e = CreateTask::new(crate::TaskCreateRequest::new("b", "c", PROJECT))
        .parse_spec_response(resp(
            404,
            Some("application/json"),
            r#"{"error":"project_not_found","message":"Project 90f92073-d0a3-4d9f-b713-4c06876dde15 not found"}"#,
        ))
        .unwrap_err();
    assert!(matches!(e, Error::ProjectNotFound(_)), "{e:?}");
    assert!(e.is_not_found());
}

#[test]
fn validation_errors_carry_field_errors() {
    let body = r#"{"error":"validation_error","message":"invalid task","details":{"fields":[
        {"field":"name","message":"must not be empty"},{"field":"timeout","message":"must be > 0"}]}}"#;
    let e = CreateTask::new(crate::TaskCreateRequest::new("b", "c", PROJECT))
        .parse_spec_response(resp(422, Some("application/json"), body))
        .unwrap_err();
    let fields: Vec<&str> = e.field_errors().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["name", "timeout"]);
    assert_eq!(
        e.to_string(),
        "[422] invalid task; name: must not be empty; timeout: must be > 0"
    );
}

#[test]
fn rate_limited_carries_retry_after() {
    let r = Response::builder()
        .status(429)
        .header("retry-after", "3")
        .body(Vec::new())
        .unwrap();
    let e = ListProjects.parse_spec_response(r).unwrap_err();
    assert!(matches!(e, Error::RateLimited(_)));
    assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(3)));
    assert!(e.is_retryable());
}

#[test]
fn a_2xx_body_that_does_not_parse_is_decode_with_the_failing_path() {
    let bad = FULL_TASK.replace(
        r#""created_at": "2026-11-26T05:06:00.560942500Z""#,
        r#""created_at": "yesterday""#,
    );
    let e = GetTask::new(TASK).parse_spec_response(ok(&bad)).unwrap_err();
    match &e {
        Error::Decode {
            path,
            status,
            body,
            request_id,
            ..
        } => {
            assert_eq!(path, "created_at");
            assert_eq!(status.as_u16(), 200);
            assert!(body.contains("yesterday"));
            assert_eq!(request_id.as_deref(), Some("req-1"));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("[200] could not decode the response at `created_at`"),
        "{e}"
    );

    let list = format!(r#"[{FULL_TASK}, {{"id": "not-a-uuid"}}]"#);
    match ListTasks::default().parse_spec_response(ok(&list)).unwrap_err() {
        Error::Decode { path, .. } => assert_eq!(path, "[1].id"),
        other => panic!("expected Decode, got {other:?}"),
    }
    for body in ["", "<html>oops</html>", "{\"id\":", "null"] {
        assert!(
            matches!(
                GetTask::new(TASK).parse_spec_response(ok(body)),
                Err(Error::Decode { .. })
            ),
            "{body:?}"
        );
    }
}

#[test]
fn a_huge_error_body_is_kept_only_as_a_capped_snippet() {
    let big = "x".repeat(100_000);
    let e = GetTask::new(TASK)
        .parse_spec_response(resp(500, Some("text/plain"), &big))
        .unwrap_err();
    assert_eq!(e.response_body().unwrap().len(), crate::BODY_SNIPPET_LIMIT);
    assert!(e.message().chars().count() <= 301);
}

#[test]
fn huge_error_bodies_are_capped_in_every_field() {
    let big = "x".repeat(5 * 1024 * 1024);
    let body = serde_json::json!({
        "error": big.clone(),
        "message": big.clone(),
        "details": {
            "fields": (0..1000).map(|i| serde_json::json!({"field": format!("f{i}"), "message": "y".repeat(10_000)})).collect::<Vec<_>>(),
            "blob": big,
        },
    })
    .to_string();
    let err = GetTask::new(TASK)
        .parse_spec_response(resp(400, Some("application/json"), &body))
        .unwrap_err();
    let api = err.api_error().unwrap();
    assert!(err.message().chars().count() <= 301, "message capped");
    assert!(api.code.as_ref().unwrap().chars().count() <= 301, "code capped");
    assert!(
        err.to_string().len() < 2_000,
        "Display stays short: {} bytes",
        err.to_string().len()
    );
    assert!(api.field_errors.len() <= 100 && api.field_errors.iter().all(|f| f.message.chars().count() <= 301));
    assert!(
        api.details.as_ref().unwrap().to_string().len() < 3 * crate::BODY_SNIPPET_LIMIT,
        "details capped"
    );
    assert!(err.response_body().unwrap().len() <= crate::BODY_SNIPPET_LIMIT);
}
