//! Upstream mode: the public server's endpoints beyond the documents, on
//! the wire as it answers them (bodies, acknowledgements, empty error
//! bodies, the unchecked dependency cycle).

#![allow(clippy::result_large_err)] // an early answer is a response, moved at once

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post, put};
use chrono::Utc;
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use taskqueue_proto::ops::extras::SETTABLE_STATUSES;
use taskqueue_proto::{TaskPriority, Workflow};

use crate::state::{AppState, lock};
use crate::upstream::{Id, body_of, empty, epoch, json_ok, refused, task_json};
use crate::upstream_extras_store::{NewDependency, Upsert};

type Shared = State<Arc<AppState>>;

/// The routes, merged into the upstream router (which adds its layers).
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/tasks/{id}/status", put(set_status))
        .route("/tasks/{id}/result", get(task_result))
        .route("/tasks/{id}/retry", post(retry_task))
        .route("/tasks/{id}/priority", put(set_priority))
        .route("/tasks/{id}/dependencies", get(dependencies).post(add_dependency))
        .route("/tasks/{id}/correlations", get(correlations))
        .route("/tasks/{id}/advance-phase", post(advance_phase))
        .route("/tasks/upsert", post(upsert))
        .route("/workflows", get(list_workflows).post(submit_workflow))
        .route("/workflows/{id}", get(get_workflow))
        .route("/workflows/{id}/status", get(workflow_status))
        .route("/stats", get(stats))
        .route("/metrics", get(metrics))
}

/// The JSON object body the public server's handlers read field by field.
async fn object(headers: &HeaderMap, body: Body) -> Result<Value, Response> {
    body_of::<Value>(headers, body).await
}

/// A string field the handler requires: missing or not a string, an empty 400.
fn required<'a>(body: &'a Value, field: &str) -> Result<&'a str, Response> {
    body.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| empty(StatusCode::BAD_REQUEST))
}

fn acknowledged(message: &str, id: uuid::Uuid) -> Response {
    json_ok(json!({ "message": message, "task_id": id }))
}

async fn task_result(State(s): Shared, Id(id): Id) -> Response {
    match lock(&s.upstream).task(id, Utc::now()) {
        Ok(task) => json_ok(json!({ "result": task.result })),
        Err(r) => refused(r),
    }
}

async fn retry_task(State(s): Shared, Id(id): Id, headers: HeaderMap, body: Body) -> Response {
    let body = match object(&headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let reset = body.get("reset_retry_count").and_then(Value::as_bool).unwrap_or(false);
    match lock(&s.upstream).retry_task(id, reset, Utc::now()) {
        Ok(()) => acknowledged("Task retry initiated successfully", id),
        Err(r) => refused(r),
    }
}

async fn set_priority(State(s): Shared, Id(id): Id, headers: HeaderMap, body: Body) -> Response {
    let body = match object(&headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    // A missing priority is Normal; an unknown one, an empty 400.
    let raw = body.get("priority").and_then(Value::as_str).unwrap_or("Normal");
    let Some(priority) = TaskPriority::KNOWN.iter().find(|p| p.as_str() == raw).cloned() else {
        return empty(StatusCode::BAD_REQUEST);
    };
    match lock(&s.upstream).set_priority(id, priority, Utc::now()) {
        Ok(()) => acknowledged("Task priority updated successfully", id),
        Err(r) => refused(r),
    }
}

async fn add_dependency(State(s): Shared, Id(id): Id, headers: HeaderMap, body: Body) -> Response {
    let body = match object(&headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(on) = body
        .get("dependency_task_id")
        .and_then(Value::as_str)
        .and_then(|v| v.parse().ok())
    else {
        return empty(StatusCode::BAD_REQUEST);
    };
    // Any other condition is read as Success, as the public server does.
    let condition = body
        .get("condition")
        .and_then(Value::as_str)
        .filter(|c| ["Success", "Failure", "Completion"].contains(c))
        .unwrap_or("Success");
    let dependency = NewDependency {
        on,
        name: body.get("task_name").and_then(Value::as_str).map(str::to_owned),
        condition: condition.to_owned(),
        required: body.get("required").and_then(Value::as_bool).unwrap_or(true),
        correlation_id: body.get("correlation_id").and_then(Value::as_str).map(str::to_owned),
    };
    match lock(&s.upstream).add_dependency(id, dependency, Utc::now()) {
        Ok(()) => acknowledged("Dependency added successfully", id),
        Err(r) => refused(r),
    }
}

async fn dependencies(State(s): Shared, Id(id): Id) -> Response {
    match lock(&s.upstream).dependencies(id, Utc::now()) {
        Ok(deps) => json_ok(Value::Array(deps)),
        Err(r) => refused(r),
    }
}

async fn correlations(State(s): Shared, Id(id): Id) -> Response {
    match lock(&s.upstream).correlations(id, Utc::now()) {
        Ok(ids) => json_ok(json!(ids)),
        Err(r) => refused(r),
    }
}

async fn advance_phase(State(s): Shared, Id(id): Id) -> Response {
    match lock(&s.upstream).advance_phase(id, Utc::now()) {
        Ok(advanced) => json_ok(json!({ "advanced": advanced, "task_id": id })),
        Err(r) => refused(r),
    }
}

async fn set_status(State(s): Shared, Id(id): Id, headers: HeaderMap, body: Body) -> Response {
    let body = match object(&headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(status) = body
        .get("status")
        .and_then(Value::as_str)
        .and_then(|raw| SETTABLE_STATUSES.iter().find(|s| s.as_str() == raw))
    else {
        return empty(StatusCode::BAD_REQUEST);
    };
    match lock(&s.upstream).set_status(id, status.clone(), Utc::now()) {
        Ok(()) => json_ok(json!({ "message": "Task status updated successfully", "status": "updated" })),
        Err(r) => refused(r),
    }
}

async fn upsert(State(s): Shared, headers: HeaderMap, body: Body) -> Response {
    let body = match object(&headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let fields = (|| {
        let project_id = required(&body, "project_id")?
            .parse()
            .map_err(|_| empty(StatusCode::BAD_REQUEST))?;
        Ok::<_, Response>(Upsert {
            name: required(&body, "name")?.to_owned(),
            command: required(&body, "command")?.to_owned(),
            description: required(&body, "description")?.to_owned(),
            project_id,
            // An unknown priority is read as Normal, as the public server does.
            priority: body
                .get("priority")
                .and_then(Value::as_str)
                .and_then(|raw| TaskPriority::KNOWN.iter().find(|p| p.as_str() == raw).cloned())
                .unwrap_or(TaskPriority::Normal),
            technical_specs: body.get("technical_specs").and_then(Value::as_str).map(str::to_owned),
            acceptance_criteria: body
                .get("acceptance_criteria")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
        })
    })();
    let fields = match fields {
        Ok(f) => f,
        Err(r) => return r,
    };
    match lock(&s.upstream).upsert(fields, Utc::now()) {
        Ok(t) => json_ok(json!({
            "message": "Task upserted successfully",
            "task": {
                "command": t.command, "created_at": epoch(&t.created_at), "description": t.description,
                "id": t.id, "name": t.name, "priority": t.priority, "status": t.status,
                "updated_at": epoch(&t.updated_at)
            }
        })),
        Err(r) => refused(r),
    }
}

/// A workflow as the public server serializes it: tasks and times in its forms.
fn workflow_json(w: &Workflow) -> Value {
    json!({
        "id": w.id, "name": w.name, "description": w.description,
        "tasks": w.tasks.iter().map(task_json).collect::<Vec<_>>(),
        "dependencies": w.dependencies,
        "created_at": epoch(&w.created_at), "updated_at": epoch(&w.updated_at),
        "status": w.status,
    })
}

async fn submit_workflow(State(s): Shared, headers: HeaderMap, body: Body) -> Response {
    let workflow: Workflow = match body_of(&headers, body).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    match lock(&s.upstream).submit_workflow(workflow) {
        Ok(id) => json_ok(json!({ "status": "submitted", "workflow_id": id })),
        Err(r) => refused(r),
    }
}

async fn get_workflow(State(s): Shared, Id(id): Id) -> Response {
    match lock(&s.upstream).workflow(id) {
        Ok(w) => json_ok(workflow_json(&w)),
        Err(r) => refused(r),
    }
}

async fn workflow_status(State(s): Shared, Id(id): Id) -> Response {
    match lock(&s.upstream).workflow(id) {
        Ok(w) => json_ok(json!({ "status": w.status })),
        Err(r) => refused(r),
    }
}

async fn list_workflows(State(s): Shared) -> Response {
    let workflows = lock(&s.upstream).list_workflows();
    json_ok(Value::Array(workflows.iter().map(workflow_json).collect()))
}

async fn stats(State(s): Shared) -> Response {
    let c = lock(&s.upstream).counts(Utc::now());
    json_ok(json!({
        "active_tasks": c.running, "completed_tasks": c.completed, "cpu_usage_percent": 0.0,
        "failed_tasks": c.failed, "memory_usage_mb": 0.0, "pending_tasks": c.pending,
        "timestamp": Utc::now().to_rfc3339(), "total_tasks": c.total, "total_workflows": c.workflows,
        "uptime_seconds": s.started.elapsed().as_secs()
    }))
}

/// The bucket bounds of the public server's duration histogram.
const BUCKETS: &[&str] = &[
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
];

async fn metrics(State(s): Shared) -> Response {
    let mut store = lock(&s.upstream);
    let c = store.counts(Utc::now());
    let n = store.counters;
    drop(store);
    let mut m = serde_json::Map::new();
    let mut put = |k: String, v: f64| {
        m.insert(k, json!(v));
    };
    put("active_tasks".into(), c.running as f64);
    put("cpu_usage_percent".into(), 0.0);
    put("memory_usage_bytes".into(), 0.0);
    put("storage_size_bytes".into(), 0.0);
    for le in BUCKETS {
        put(format!("task_execution_duration_seconds_bucket{{le=\"{le}\"}}"), 0.0);
    }
    put("task_execution_duration_seconds_count".into(), 0.0);
    put("task_execution_duration_seconds_sum".into(), 0.0);
    put("task_queue_size".into(), c.pending as f64);
    put("tasks_cancelled_total".into(), n.tasks_cancelled as f64);
    put("tasks_completed_total".into(), n.tasks_completed as f64);
    put("tasks_failed_total".into(), n.tasks_failed as f64);
    put("tasks_submitted_total".into(), n.tasks_submitted as f64);
    put("workflows_completed_total".into(), 0.0);
    put("workflows_failed_total".into(), 0.0);
    put("workflows_submitted_total".into(), n.workflows_submitted as f64);
    json_ok(Value::Object(m))
}
