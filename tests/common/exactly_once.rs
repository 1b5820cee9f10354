//! Exactly once, end to end on either client and either dialect: a write
//! whose reply is lost after the server applied it (a gateway's 502, a
//! dropped connection) leaves one result — never two, never zero with
//! success reported — or a clear `OutcomeUnknown` where the README's table
//! says so.

use http::Method;
use taskqueue::ops::{self, CreateTasks};
use taskqueue::{
    AddDependency, CallOptions, Error, ProjectCreateRequest, Task, TaskCreateRequest, TaskFilters, TaskStatus,
    TaskUpsertRequest, WorkflowCreateRequest,
};
use taskqueue_server::{Fault, FaultBody, FaultRule, RunningServer, ServerConfig};

use super::{Connect, Sdk, Target};

/// The two ways a reply is lost after the write was applied.
fn lost_replies() -> [(&'static str, Fault); 2] {
    [
        ("502 after applying", Fault::FailAfterApplying { status: 502 }),
        ("dropped after applying", Fault::DropAfterApplying),
    ]
}

/// Loses the reply to the next `POST route` (a spec path such as `/tasks`).
fn lose_next(server: &RunningServer, target: Target, fault: Fault, method: Method, path: &str) {
    server
        .faults()
        .push(FaultRule::new(fault).times(1).on(method, target.route(path)));
}

/// The project's tasks named `name`.
fn named(sdk: &Sdk, project: taskqueue::ProjectId, name: &str) -> Vec<Task> {
    sdk.list_tasks(TaskFilters::new().project_id(project).limit(1000))
        .unwrap()
        .into_iter()
        .filter(|t| t.name == name)
        .collect()
}

pub fn a_create_whose_reply_is_lost_leaves_exactly_one_task(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    let p = sdk.create_project(ProjectCreateRequest::new("once")).unwrap();
    for (i, (what, fault)) in lost_replies().into_iter().enumerate() {
        let name = format!("once-{i}");
        server.reset_counts();
        lose_next(&server, target, fault, Method::POST, "/tasks");
        let task = sdk
            .create_task(TaskCreateRequest::new(&name, "true", p.id))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let same = named(&sdk, p.id, &name);
        assert_eq!(same.len(), 1, "{what}: exactly one task");
        assert_eq!(same[0].id, task.id, "{what}: the call's result is that task");
        assert_eq!(server.faults().armed(), 0, "{what}: the reply was lost once");
        let posts = server.request_count("POST", &target.route("/tasks"));
        if target.is_upstream() {
            // Never sent twice: the SDK found its marked task instead.
            assert_eq!(posts, 1, "{what}: one POST upstream");
            let tags = task.metadata.get("tags").expect("metadata.tags");
            assert!(
                tags.as_array().unwrap()[0]
                    .as_str()
                    .unwrap()
                    .starts_with(taskqueue::ops::upstream::CREATE_MARKER_PREFIX),
                "{what}: the marker shows in metadata.tags: {tags}"
            );
        } else {
            // Sent again under the same key: the server replayed its first answer.
            assert_eq!(posts, 2, "{what}: the keyed POST was sent again");
        }
    }
}

pub fn without_keys_a_lost_create_reply_is_outcome_unknown(connect: Connect, target: Target) {
    let (server, _) = target.start(ServerConfig::ephemeral());
    let sdk = connect(
        target
            .builder(&server.base_url())
            .idempotency_keys(false)
            .build()
            .unwrap(),
    );
    let p = sdk.create_project(ProjectCreateRequest::new("unkeyed")).unwrap();
    for (i, (what, fault)) in lost_replies().into_iter().enumerate() {
        let name = format!("unkeyed-{i}");
        server.reset_counts();
        lose_next(&server, target, fault, Method::POST, "/tasks");
        let err = sdk
            .create_task(TaskCreateRequest::new(&name, "true", p.id))
            .unwrap_err();
        match &err {
            Error::OutcomeUnknown {
                operation,
                request_id,
                check,
                ..
            } => {
                assert_eq!(*operation, "create_task", "{what}");
                assert_eq!(err.request_id(), Some(request_id.as_str()));
                assert!(check.contains(&name), "{what}: the check names the task: {check}");
            }
            other => panic!("{what}: expected OutcomeUnknown, got {other:?}"),
        }
        assert!(err.to_string().contains("may have been applied"), "{err}");
        assert_eq!(
            server.request_count("POST", &target.route("/tasks")),
            1,
            "{what}: never a blind second send"
        );
        assert_eq!(named(&sdk, p.id, &name).len(), 1, "{what}: the write did happen, once");
    }
}

pub fn a_batch_of_50_run_again_with_its_key_creates_each_task_once(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    let p = sdk.create_project(ProjectCreateRequest::new("batch")).unwrap();
    let requests: Vec<TaskCreateRequest> = (0..50)
        .map(|i| TaskCreateRequest::new(format!("b{i:02}"), "true", p.id))
        .collect();
    let key = CallOptions::new().idempotency_key("nightly-2026-12-02");
    // The first run: lost replies, then an outage that refuses creates outright.
    let route = target.route("/tasks");
    for rule in [
        FaultRule::new(Fault::DropAfterApplying).times(4),
        FaultRule::new(Fault::FailAfterApplying { status: 502 }).times(4),
        FaultRule::new(Fault::Status {
            status: 503,
            body: FaultBody::Empty,
        })
        .times(30),
    ] {
        server.faults().push(rule.on(Method::POST, route.clone()));
    }
    let first = sdk
        .execute_with(CreateTasks::new(requests.clone()), key.clone())
        .unwrap();
    assert!(first.iter().any(Result::is_err), "the outage failed some items");
    assert!(first.iter().any(Result::is_ok));
    server.faults().clear();

    // Run again with the same key: everything done, nothing twice.
    let second = sdk.execute_with(CreateTasks::new(requests), key).unwrap();
    let second: Vec<Task> = second
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("the second run: {e}")))
        .collect();
    for (i, (before, after)) in first.iter().zip(&second).enumerate() {
        assert_eq!(after.name, format!("b{i:02}"), "input order");
        if let Ok(before) = before {
            assert_eq!(before.id, after.id, "item {i}: the same task both times");
        }
    }
    let all = sdk.list_tasks(TaskFilters::new().project_id(p.id).limit(1000)).unwrap();
    assert_eq!(all.len(), 50, "exactly 50 tasks");
    let mut ids: Vec<_> = all.iter().map(|t| t.id).collect();
    let mut returned: Vec<_> = second.iter().map(|t| t.id).collect();
    ids.sort_unstable();
    returned.sort_unstable();
    assert_eq!(ids, returned, "the tasks on the server are the ones reported");
}

pub fn a_key_is_refused_on_a_client_view(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    let p = sdk.create_project(ProjectCreateRequest::new("view")).unwrap();
    server.reset_counts();
    let view = sdk.with_options(CallOptions::new().idempotency_key("one-write-only"));
    let err = view.create_task(TaskCreateRequest::new("t", "true", p.id)).unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "idempotency_key"),
        "{err}"
    );
    assert_eq!(server.total_requests(), 0, "nothing sent");
    // Given per call, on the operation, the key works.
    let op = ops::CreateTask::new(TaskCreateRequest::new("t", "true", p.id)).with_idempotency_key("op-key-1");
    let once = sdk.execute(op.clone()).unwrap();
    let again = sdk.execute(op).unwrap();
    assert_eq!(once.id, again.id, "the same key finds the same task");
    assert_eq!(named(&sdk, p.id, "t").len(), 1);
}

/// Every other write of the public server under a lost reply: reconciled,
/// repeated because repeating is harmless, or `OutcomeUnknown` — never twice.
pub fn every_upstream_write_under_a_lost_reply(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    let p = sdk.create_project(ProjectCreateRequest::new("writes")).unwrap();
    let new = |name: &str| sdk.create_task(TaskCreateRequest::new(name, "true", p.id)).unwrap();
    let a = new("a");
    for (what, fault) in lost_replies() {
        let b = new(&format!("b {what}"));
        let count = |m: &str, path: &str| server.request_count(m, &target.route(path));
        server.reset_counts();

        // A project: nothing marks it; the outcome is unknown, and it exists once.
        let name = format!("project {what}");
        lose_next(&server, target, fault.clone(), Method::POST, "/projects");
        let err = sdk.create_project(ProjectCreateRequest::new(&name)).unwrap_err();
        assert!(err.is_outcome_unknown(), "{what}: {err}");
        assert!(err.to_string().contains("list the projects"), "{err}");
        let projects = sdk.list_projects().unwrap();
        assert_eq!(projects.iter().filter(|x| x.name == name).count(), 1, "{what}");
        assert_eq!(count("POST", "/projects"), 1, "{what}: not sent twice");

        // A dependency: found in the task's dependencies after the lost reply.
        lose_next(&server, target, fault.clone(), Method::POST, "/tasks/{id}/dependencies");
        let deps = sdk
            .add_dependency(b.id, AddDependency::on(a.id))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(deps.iter().filter(|d| d.task_id == a.id).count(), 1, "{what}: once");
        assert_eq!(server.request_count("POST", "/tasks/{id}/dependencies"), 1, "{what}");

        // A workflow: its id is the client's, so the SDK looks it up.
        lose_next(&server, target, fault.clone(), Method::POST, "/workflows");
        let name = format!("workflow {what}");
        let workflow = sdk
            .submit_workflow(WorkflowCreateRequest::new(&name, vec![a.id]))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let workflows = sdk.list_workflows().unwrap();
        assert_eq!(workflows.iter().filter(|w| w.name == name).count(), 1, "{what}");
        assert!(workflows.iter().any(|w| w.id == workflow.id));
        assert_eq!(count("POST", "/workflows"), 1, "{what}");

        // Advancing a phase cannot be checked: outcome unknown, sent once.
        lose_next(
            &server,
            target,
            fault.clone(),
            Method::POST,
            "/tasks/{id}/advance-phase",
        );
        let err = sdk.advance_phase(a.id).unwrap_err();
        assert!(err.is_outcome_unknown(), "{what}: {err}");
        assert!(err.to_string().contains("current phase"), "{err}");
        assert_eq!(server.request_count("POST", "/tasks/{id}/advance-phase"), 1);

        // Harmless to repeat: an upsert (by name), a retry, a cancel.
        lose_next(&server, target, fault.clone(), Method::POST, "/tasks/upsert");
        let name = format!("upserted {what}");
        let upserted = sdk
            .upsert_task(TaskUpsertRequest::new(&name, "true", p.id, "upserted"))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(named(&sdk, p.id, &name).len(), 1, "{what}: one upserted task");
        assert_eq!(upserted.name, name);
        lose_next(&server, target, fault.clone(), Method::POST, "/tasks/{id}/retry");
        sdk.retry_task(a.id).unwrap_or_else(|e| panic!("{what}: {e}"));
        let victim = new(&format!("cancel {what}"));
        lose_next(&server, target, fault, Method::POST, "/tasks/{id}/cancel");
        let cancelled = sdk.cancel_task(victim.id).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(cancelled.status, TaskStatus::Cancelled, "{what}");
    }
}

/// The documented API's other writes under a lost reply: keyed, so sent again and replayed.
pub fn spec_writes_under_a_lost_reply_are_replayed(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    for (what, fault) in lost_replies() {
        let name = format!("project {what}");
        lose_next(&server, target, fault.clone(), Method::POST, "/projects");
        let project = sdk
            .create_project(ProjectCreateRequest::new(&name))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let projects = sdk.list_projects().unwrap();
        assert_eq!(projects.iter().filter(|x| x.name == name).count(), 1, "{what}");
        let task = sdk
            .create_task(TaskCreateRequest::new("c", "true", project.id))
            .unwrap();
        lose_next(&server, target, fault, Method::POST, "/tasks/{id}/cancel");
        let cancelled = sdk
            .execute(taskqueue::ops::CancelTask::new(task.id).reason("lost reply"))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(cancelled.status, TaskStatus::Cancelled, "{what}: the replayed answer");
    }
}
