//! The public server's endpoints beyond the documents, end to end on either
//! client: against the reference server in upstream mode, and refused
//! before sending in the spec dialect.

use std::time::Duration;

use taskqueue::ops::PhaseAdvance;
use taskqueue::{
    AddDependency, DependencyCondition, Dialect, Error, ProjectCreateRequest, TaskCreateRequest, TaskPriority,
    TaskResult, TaskStatus, TaskUpsertRequest, WorkflowCreateRequest, WorkflowDependency, WorkflowStatus,
};
use taskqueue_server::ServerConfig;
use uuid::Uuid;

use super::{Connect, Target};

pub fn every_upstream_extra_end_to_end(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    let p = sdk.create_project(ProjectCreateRequest::new("extras")).unwrap();
    let new = |name: &str| {
        sdk.create_task(TaskCreateRequest::new(name, format!("echo {name}"), p.id).description(format!("d {name}")))
            .unwrap()
    };
    let (a, b, c) = (new("alpha"), new("beta"), new("gamma"));

    // Status and result.
    assert_eq!(sdk.get_task_status(a.id).unwrap(), TaskStatus::Planning);
    assert_eq!(sdk.get_task_result(a.id).unwrap(), None);
    let missing = Uuid::new_v4();
    let err = sdk.get_task_status(missing).unwrap_err();
    assert!(matches!(err, Error::TaskNotFound(_)), "{err:?}");
    assert!(err.message().contains(&missing.to_string()), "{}", err.message());

    // Priority.
    assert_eq!(
        sdk.set_task_priority(a.id, TaskPriority::Critical).unwrap().priority,
        TaskPriority::Critical
    );
    assert!(matches!(
        sdk.set_task_priority(missing, TaskPriority::High),
        Err(Error::TaskNotFound(_))
    ));

    // Dependencies: b on a, c on b; a on c would close a → c → b → a and is refused unsent.
    let deps = sdk
        .add_dependency(b.id, AddDependency::on(a.id).name("alpha").correlation_id("build-1"))
        .unwrap();
    assert_eq!((deps.len(), deps[0].task_id), (1, a.id));
    sdk.add_dependency(
        c.id,
        AddDependency::on(b.id)
            .condition(DependencyCondition::Completion)
            .optional(),
    )
    .unwrap();
    server.reset_counts();
    let err = sdk.add_dependency(a.id, AddDependency::on(c.id)).unwrap_err();
    assert!(
        matches!(&err, Error::Conflict(e) if e.code.as_deref() == Some("dependency_cycle")),
        "{err:?}"
    );
    assert!(
        err.message()
            .contains(&format!("{} → {} → {} → {}", a.id, c.id, b.id, a.id)),
        "{}",
        err.message()
    );
    assert_eq!(
        server.request_count("POST", &format!("/tasks/{}/dependencies", a.id)),
        0,
        "nothing added"
    );
    assert!(sdk.list_dependencies(a.id).unwrap().is_empty());
    assert_eq!(
        sdk.list_dependencies(c.id).unwrap()[0].condition,
        DependencyCondition::Completion
    );
    assert_eq!(sdk.list_correlations(b.id).unwrap(), ["build-1"]);
    assert!(matches!(
        sdk.add_dependency(b.id, AddDependency::on(missing)),
        Err(Error::TaskNotFound(_))
    ));

    // Phases and status changes.
    let PhaseAdvance { advanced, task, .. } = sdk.advance_phase(a.id).unwrap();
    assert!(advanced);
    assert_eq!(task.current_phase, TaskStatus::Implementation);
    let err = sdk.set_task_status(a.id, TaskStatus::Testing).unwrap_err();
    assert!(
        matches!(&err, Error::Conflict(e) if e.code.as_deref() == Some("invalid_transition")),
        "{err:?}"
    );
    assert_eq!(
        sdk.set_task_status(a.id, TaskStatus::TestCreation).unwrap().status,
        TaskStatus::TestCreation
    );
    assert!(matches!(
        sdk.set_task_status(missing, TaskStatus::Testing),
        Err(Error::TaskNotFound(_))
    ));
    assert!(matches!(
        sdk.set_task_status(a.id, TaskStatus::Running),
        Err(Error::InvalidInput { .. })
    ));

    // Retry: the stored status is Pending, the retry count reset.
    let retried = sdk
        .execute(taskqueue::ops::RetryTask::new(c.id).reset_retry_count())
        .unwrap();
    assert_eq!(retried.retry_attempts, 0);
    assert_eq!(sdk.get_task_status(c.id).unwrap(), TaskStatus::Pending);

    // Upsert by name: created, then changed.
    let created = sdk
        .upsert_task(TaskUpsertRequest::new("delta", "echo delta", p.id, "first").priority(TaskPriority::High))
        .unwrap();
    let changed = sdk
        .upsert_task(
            TaskUpsertRequest::new("delta", "echo delta v2", p.id, "second")
                .priority(TaskPriority::Low)
                .acceptance_criteria(vec!["ok".into()]),
        )
        .unwrap();
    assert_eq!(created.id, changed.id);
    assert_eq!(
        (changed.command.as_str(), changed.acceptance_criteria.len()),
        ("echo delta v2", 1)
    );
    let err = sdk
        .upsert_task(TaskUpsertRequest::new("eps", "x", Uuid::new_v4(), "d"))
        .unwrap_err();
    assert!(matches!(err, Error::ProjectNotFound(_)), "{err:?}");

    // Workflows: a's own dependencies are outside this workflow; b before a.
    let wf = sdk
        .submit_workflow(
            WorkflowCreateRequest::new("wf-demo", vec![b.id, created.id])
                .description("two steps")
                .dependency(WorkflowDependency::new(b.id, created.id)),
        )
        .unwrap();
    assert_eq!(
        (wf.name.as_str(), wf.tasks.len(), wf.status.clone()),
        ("wf-demo", 2, WorkflowStatus::Pending)
    );
    assert_eq!(wf.dependencies[0].to, created.id);
    assert_eq!(sdk.get_workflow(wf.id).unwrap(), wf);
    assert_eq!(sdk.get_workflow_status(wf.id).unwrap(), WorkflowStatus::Pending);
    assert_eq!(sdk.list_workflows().unwrap(), vec![wf.clone()]);
    assert!(matches!(sdk.get_workflow(missing), Err(Error::WorkflowNotFound(_))));
    assert!(matches!(
        sdk.submit_workflow(WorkflowCreateRequest::new("w", vec![missing.into()])),
        Err(Error::TaskNotFound(_))
    ));
    // Tasks whose own dependencies form a cycle (the server lets one in; here by a raw
    // request past the SDK's check) make a workflow the server refuses: refused before the submit.
    let (x, y) = (new("x"), new("y"));
    sdk.add_dependency(x.id, AddDependency::on(y.id)).unwrap();
    let back_edge = taskqueue::ops::Raw::new(http::Method::POST, format!("/tasks/{}/dependencies", y.id))
        .json(serde_json::json!({ "dependency_task_id": x.id }));
    sdk.execute(back_edge).unwrap();
    server.reset_counts();
    let err = sdk
        .submit_workflow(WorkflowCreateRequest::new("w", vec![x.id, y.id]))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict(e) if e.code.as_deref() == Some("dependency_cycle")),
        "{err:?}"
    );
    assert_eq!(server.request_count("POST", "/workflows"), 0);

    // Cancel, then the stored status and the result say so.
    sdk.execute(taskqueue::ops::CancelTask::new(b.id).reason("no longer needed"))
        .unwrap();
    assert_eq!(sdk.get_task_status(b.id).unwrap(), TaskStatus::Cancelled);
    assert_eq!(
        sdk.get_task_result(b.id).unwrap(),
        Some(TaskResult::Cancelled {
            reason: "no longer needed".into()
        })
    );

    // Statistics and metrics.
    let stats = sdk.server_stats().unwrap();
    assert_eq!(
        (stats.total_tasks, stats.total_workflows),
        (6, 1),
        "alpha, beta, gamma, delta, x, y"
    );
    let metrics = sdk.server_metrics().unwrap();
    assert_eq!(metrics.get("tasks_submitted_total"), Some(6.0));
    assert_eq!(metrics.get("tasks_cancelled_total"), Some(1.0));
    assert_eq!(
        metrics.get_labelled("task_execution_duration_seconds_bucket", &[("le", "+Inf")]),
        Some(0.0)
    );
    drop(server);
}

/// A finished simulated run leaves a result of the server's success form.
pub fn a_finished_run_has_a_typed_result(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral().complete_after(Duration::from_millis(50)));
    let sdk = connect(config);
    let p = sdk.create_project(ProjectCreateRequest::new("runs")).unwrap();
    let ok = sdk.create_task(TaskCreateRequest::new("ok", "true", p.id)).unwrap();
    let bad = sdk.create_task(TaskCreateRequest::new("bad", "false", p.id)).unwrap();
    std::thread::sleep(Duration::from_millis(120));
    assert!(matches!(
        sdk.get_task_result(ok.id).unwrap(),
        Some(TaskResult::Success { .. })
    ));
    assert!(matches!(
        sdk.get_task_result(bad.id).unwrap(),
        Some(TaskResult::Failure { exit_code: Some(1), .. })
    ));
    drop(server);
}

pub fn upstream_extras_are_unsupported_in_the_spec_dialect(connect: Connect, target: Target) {
    let (server, config) = target.start(ServerConfig::ephemeral());
    let sdk = connect(config);
    let id = Uuid::new_v4();
    let results = [
        sdk.get_task_status(id).map(drop),
        sdk.get_task_result(id).map(drop),
        sdk.retry_task(id).map(drop),
        sdk.set_task_priority(id, TaskPriority::Low).map(drop),
        sdk.add_dependency(id, AddDependency::on(Uuid::new_v4())).map(drop),
        sdk.list_dependencies(id).map(drop),
        sdk.list_correlations(id).map(drop),
        sdk.advance_phase(id).map(drop),
        sdk.set_task_status(id, TaskStatus::Testing).map(drop),
        sdk.upsert_task(TaskUpsertRequest::new("n", "c", id, "d")).map(drop),
        sdk.submit_workflow(WorkflowCreateRequest::new("w", vec![id.into()]))
            .map(drop),
        sdk.list_workflows().map(drop),
        sdk.get_workflow(id).map(drop),
        sdk.get_workflow_status(id).map(drop),
        sdk.server_stats().map(drop),
        sdk.server_metrics().map(drop),
    ];
    for result in results {
        assert!(
            matches!(
                result,
                Err(Error::Unsupported {
                    dialect: Dialect::Spec,
                    ..
                })
            ),
            "{result:?}"
        );
    }
    assert_eq!(server.total_requests(), 0, "nothing was sent");
}
