//! Upstream mode over real HTTP: the answers have the shapes and statuses
//! the recorded exchanges of the public server show.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::req;
use taskqueue_proto::Dialect;
use taskqueue_server::{RunningServer, ServerConfig, spawn};

fn server() -> RunningServer {
    spawn(ServerConfig::ephemeral().dialect(Dialect::Upstream)).unwrap()
}

#[test]
fn projects_answer_with_acknowledgements_and_delete_by_post() {
    let s = server();
    let created = req(s.addr(), "POST", "/projects")
        .json(json!({"name": "demo", "description": "Demo project"}))
        .send();
    assert_eq!(created.status, 200);
    assert_eq!(created.json()["status"], "created");
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let p = req(s.addr(), "GET", &format!("/projects/{id}")).send().json();
    assert_eq!(p["name"], "demo");
    assert!(p["created_at"].is_string(), "project times are RFC 3339");
    let updated = req(s.addr(), "PUT", &format!("/projects/{id}"))
        .json(json!({"name": "demo-renamed"}))
        .send();
    assert_eq!(updated.json(), json!({"status": "updated"}));
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        req(s.addr(), "PUT", &format!("/projects/{unknown}"))
            .json(json!({"name": "x"}))
            .send()
            .status,
        500
    );
    assert_eq!(req(s.addr(), "DELETE", &format!("/projects/{id}")).send().status, 405);
    assert_eq!(
        req(s.addr(), "POST", &format!("/projects/{unknown}")).send().status,
        500
    );
    assert_eq!(
        req(s.addr(), "POST", &format!("/projects/{id}")).send().json(),
        json!({"status": "deleted"})
    );
    assert_eq!(
        req(s.addr(), "GET", "/api/projects").send().status,
        404,
        "no /api prefix"
    );
}

#[test]
fn tasks_behave_like_the_recording() {
    let s = server();
    let p = req(s.addr(), "POST", "/projects")
        .json(json!({"name": "demo"}))
        .send()
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let spec_style = req(s.addr(), "POST", "/tasks")
        .json(json!({"name": "b", "command": "x", "project_id": p}))
        .send();
    assert_eq!(spec_style.status, 422);
    assert!(String::from_utf8_lossy(&spec_style.body).contains("missing field `description`"));
    let full = json!({"name": "build", "command": "make", "description": "d", "task_type": "Simple", "priority": "High",
        "project_id": p, "timeout": 600, "environment": {"A": "1"}});
    let ack = req(s.addr(), "POST", "/tasks").json(full).send();
    assert_eq!(ack.status, 200);
    assert_eq!(ack.json()["status"], "submitted");
    let id = ack.json()["task_id"].as_str().unwrap().to_owned();

    let task = req(s.addr(), "GET", &format!("/tasks/{id}")).send().json();
    assert!(task["created_at"]["secs_since_epoch"].is_i64());
    assert_eq!(task["retry_delay"], json!({"secs": 30, "nanos": 0}));
    assert_eq!(task["timeout"], json!(null), "dropped");
    assert_eq!(task["environment"], json!({}), "dropped");

    let bad_enum = req(s.addr(), "POST", "/tasks")
        .json(json!({"name": "n", "command": "x", "description": "d", "task_type": "Simple", "priority": "urgent", "project_id": p}))
        .send();
    assert_eq!(bad_enum.status, 422);
    assert!(String::from_utf8_lossy(&bad_enum.body).contains("unknown variant `urgent`"));
    let malformed = req(s.addr(), "POST", "/tasks")
        .header("content-type", "application/json")
        .raw_body(b"{not json")
        .send();
    assert_eq!(malformed.status, 400);
    let empty_name = req(s.addr(), "POST", "/tasks")
        .json(json!({"name": "", "command": "x", "description": "d", "task_type": "Simple", "priority": "Normal", "project_id": p}))
        .send();
    assert_eq!((empty_name.status, empty_name.body.len()), (400, 0));

    assert_eq!(
        req(s.addr(), "GET", "/tasks?status=planning")
            .send()
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(req(s.addr(), "GET", "/tasks?status=Planning").send().json(), json!([]));
    let update = req(s.addr(), "PUT", &format!("/tasks/{id}"))
        .json(json!({"status": "Implementation"}))
        .send();
    assert_eq!(update.json()["message"], "Task updated successfully");
    assert_eq!(update.json()["task"]["status"], "Implementation");
    assert_eq!(
        req(s.addr(), "GET", "/tasks?status=implementation").send().json(),
        json!([]),
        "never matches"
    );
    let jump = req(s.addr(), "PUT", &format!("/tasks/{id}"))
        .json(json!({"status": "Finalized"}))
        .send();
    assert_eq!((jump.status, jump.body.len()), (404, 0));

    assert_eq!(req(s.addr(), "POST", &format!("/tasks/{id}/cancel")).send().status, 415);
    let cancelled = req(s.addr(), "POST", &format!("/tasks/{id}/cancel"))
        .json(json!({"reason": "no"}))
        .send();
    assert_eq!(cancelled.json()["message"], "Task cancelled successfully");
    let after = req(s.addr(), "GET", &format!("/tasks/{id}")).send().json();
    assert_eq!(after["status"], "Implementation", "the shown status lags");
    assert_eq!(after["result"]["Cancelled"]["reason"], "no");
    assert_eq!(
        req(s.addr(), "GET", &format!("/tasks/{id}/status")).send().json(),
        json!({"status": "Cancelled"})
    );
    assert_eq!(
        req(s.addr(), "POST", &format!("/tasks/{id}/cancel"))
            .json(json!({}))
            .send()
            .status,
        200
    );

    assert_eq!(
        req(s.addr(), "GET", &format!("/projects/{p}/tasks"))
            .send()
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        req(s.addr(), "DELETE", &format!("/tasks/{id}")).send().json()["message"],
        "Task deleted successfully"
    );
    assert_eq!(req(s.addr(), "DELETE", &format!("/tasks/{id}")).send().status, 404);
    assert_eq!(req(s.addr(), "GET", "/tasks/not-a-uuid").send().status, 400);
    assert_eq!(req(s.addr(), "GET", "/health").send().json()["status"], "healthy");
    assert!(req(s.addr(), "GET", "/stats").send().json()["active_tasks"].is_u64());
}
