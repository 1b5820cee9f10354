//! An operation named by Python, its arguments read from JSON, run on
//! either client, its output written as JSON.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use crate::args::Args;
use taskqueue::ops::{self, WaitOutcome, WaitReport};
use taskqueue::{
    AddDependency, CallOptions, Dialect, Error, ProjectCreateRequest, ProjectId, ProjectUpdateRequest, Task,
    TaskCreateRequest, TaskFilters, TaskId, TaskPriority, TaskStatus, TaskUpdateRequest, TaskUpsertRequest,
    WorkflowCreateRequest, WorkflowId,
};

/// One call, ready to run.
#[derive(Debug)]
pub(crate) enum Job {
    CreateTask(TaskCreateRequest),
    GetTask(TaskId),
    ListTasks(TaskFilters),
    UpdateTask(TaskId, TaskUpdateRequest),
    CancelTask(TaskId, Option<String>),
    DeleteTask(TaskId),
    CreateProject(ProjectCreateRequest),
    GetProject(ProjectId),
    ListProjects,
    UpdateProject(ProjectId, ProjectUpdateRequest),
    DeleteProject(ProjectId),
    Health,
    CreateTasks(Vec<TaskCreateRequest>),
    WaitForCompletion(TaskId, Duration),
    WaitAll(Vec<TaskId>, Duration),
    WaitAny(Vec<TaskId>, Duration),
    GetTaskStatus(TaskId),
    GetTaskResult(TaskId),
    RetryTask(TaskId, bool),
    SetTaskPriority(TaskId, TaskPriority),
    SetTaskStatus(TaskId, TaskStatus),
    AdvancePhase(TaskId),
    ListDependencies(TaskId),
    AddDependency(TaskId, AddDependency),
    ListCorrelations(TaskId),
    UpsertTask(TaskUpsertRequest),
    SubmitWorkflow(WorkflowCreateRequest),
    ListWorkflows,
    GetWorkflow(WorkflowId),
    GetWorkflowStatus(WorkflowId),
    ServerStats,
    ServerMetrics,
}

impl Job {
    /// The job `op` with `args` (a JSON object).
    pub(crate) fn parse(op: &str, args: &[u8]) -> Result<Job, Error> {
        let args = Args::parse(args)?;
        let id = || args.field::<TaskId>("id");
        Ok(match op {
            "create_task" => Job::CreateTask(args.field("request")?),
            "get_task" => Job::GetTask(id()?),
            "list_tasks" => Job::ListTasks(args.filters()?),
            "update_task" => Job::UpdateTask(id()?, args.field("update")?),
            "cancel_task" => Job::CancelTask(id()?, args.field("reason")?),
            "delete_task" => Job::DeleteTask(id()?),
            "create_project" => Job::CreateProject(args.field("request")?),
            "get_project" => Job::GetProject(args.field("id")?),
            "list_projects" => Job::ListProjects,
            "update_project" => Job::UpdateProject(args.field("id")?, args.field("update")?),
            "delete_project" => Job::DeleteProject(args.field("id")?),
            "health" => Job::Health,
            "create_tasks" => Job::CreateTasks(args.field("requests")?),
            "wait_for_completion" => Job::WaitForCompletion(id()?, args.required_seconds("timeout")?),
            "wait_all" => Job::WaitAll(args.field("ids")?, args.required_seconds("timeout")?),
            "wait_any" => Job::WaitAny(args.field("ids")?, args.required_seconds("timeout")?),
            "get_task_status" => Job::GetTaskStatus(id()?),
            "get_task_result" => Job::GetTaskResult(id()?),
            "retry_task" => Job::RetryTask(id()?, args.field::<Option<bool>>("reset_retry_count")?.unwrap_or(false)),
            "set_task_priority" => Job::SetTaskPriority(id()?, args.field("priority")?),
            "set_task_status" => Job::SetTaskStatus(id()?, args.field("status")?),
            "advance_phase" => Job::AdvancePhase(id()?),
            "list_dependencies" => Job::ListDependencies(id()?),
            "add_dependency" => Job::AddDependency(id()?, args.field("dependency")?),
            "list_correlations" => Job::ListCorrelations(id()?),
            "upsert_task" => Job::UpsertTask(args.field("request")?),
            "submit_workflow" => Job::SubmitWorkflow(args.field("request")?),
            "list_workflows" => Job::ListWorkflows,
            "get_workflow" => Job::GetWorkflow(args.field("id")?),
            "get_workflow_status" => Job::GetWorkflowStatus(args.field("id")?),
            "server_stats" => Job::ServerStats,
            "server_metrics" => Job::ServerMetrics,
            other => {
                return Err(Error::invalid_input(
                    "op",
                    format!("{other:?} is not an operation of the SDK"),
                ));
            }
        })
    }

    /// Runs the job on the blocking client.
    pub(crate) fn run_blocking(
        self,
        client: &taskqueue::blocking::Client,
        options: Option<CallOptions>,
    ) -> Result<Vec<u8>, Error> {
        let options = options.unwrap_or_default();
        macro_rules! run {
            ($op:expr) => {
                client.execute_with($op, options)
            };
        }
        match self {
            Job::ListTasks(filters) if client.config().dialect() == Dialect::Spec => {
                let response = run!(as_is(client.config(), filters)?)?;
                Ok(response.into_body())
            }
            job => each_job!(job, run),
        }
    }

    /// Runs the job on the async client.
    pub(crate) async fn run_async(
        self,
        client: &taskqueue::Client,
        options: Option<CallOptions>,
    ) -> Result<Vec<u8>, Error> {
        let options = options.unwrap_or_default();
        macro_rules! run {
            ($op:expr) => {
                client.execute_with($op, options).await
            };
        }
        match self {
            Job::ListTasks(filters) if client.config().dialect() == Dialect::Spec => {
                let response = run!(as_is(client.config(), filters)?)?;
                Ok(response.into_body())
            }
            job => each_job!(job, run),
        }
    }
}

/// Every job, each run with `$run!` and written as JSON.
macro_rules! each_job {
    ($job:expr, $run:ident) => {
        match $job {
            Job::CreateTask(r) => json_of(&$run!(ops::CreateTask::new(r))?),
            Job::GetTask(id) => json_of(&$run!(ops::GetTask::new(id))?),
            Job::ListTasks(f) => json_of(&$run!(ops::ListTasks::new(f))?),
            Job::UpdateTask(id, u) => json_of(&$run!(ops::UpdateTask::new(id, u))?),
            Job::CancelTask(id, reason) => {
                let op = match reason {
                    Some(reason) => ops::CancelTask::new(id).reason(reason),
                    None => ops::CancelTask::new(id),
                };
                json_of(&$run!(op)?)
            }
            Job::DeleteTask(id) => json_of(&$run!(ops::DeleteTask::new(id))?),
            Job::CreateProject(r) => json_of(&$run!(ops::CreateProject::new(r))?),
            Job::GetProject(id) => json_of(&$run!(ops::GetProject::new(id))?),
            Job::ListProjects => json_of(&$run!(ops::ListProjects)?),
            Job::UpdateProject(id, u) => json_of(&$run!(ops::UpdateProject::new(id, u))?),
            Job::DeleteProject(id) => json_of(&$run!(ops::DeleteProject::new(id))?),
            Job::Health => {
                let health = $run!(ops::Health)?;
                json_of(&json!({ "status": health.status, "version": health.version }))
            }
            Job::CreateTasks(requests) => {
                let results = $run!(ops::CreateTasks::new(requests))?;
                let results: Vec<Value> = results.into_iter().map(batch_item).collect();
                json_of(&results)
            }
            Job::WaitForCompletion(id, timeout) => json_of(&$run!(ops::WaitForCompletion::new(id, timeout))?),
            Job::WaitAll(ids, timeout) => json_of(&report(&$run!(ops::WaitForTasks::all(ids, timeout))?)),
            Job::WaitAny(ids, timeout) => json_of(&report(&$run!(ops::WaitForTasks::any(ids, timeout))?)),
            Job::GetTaskStatus(id) => json_of(&$run!(ops::GetTaskStatus::new(id))?),
            Job::GetTaskResult(id) => json_of(&$run!(ops::GetTaskResult::new(id))?),
            Job::RetryTask(id, reset) => {
                let op = if reset { ops::RetryTask::new(id).reset_retry_count() } else { ops::RetryTask::new(id) };
                json_of(&$run!(op)?)
            }
            Job::SetTaskPriority(id, p) => json_of(&$run!(ops::SetTaskPriority::new(id, p))?),
            Job::SetTaskStatus(id, s) => json_of(&$run!(ops::SetTaskStatus::new(id, s))?),
            Job::AdvancePhase(id) => json_of(&$run!(ops::AdvancePhase::new(id))?),
            Job::ListDependencies(id) => json_of(&$run!(ops::ListDependencies::new(id))?),
            Job::AddDependency(id, d) => json_of(&$run!(ops::AddTaskDependency::new(id, d))?),
            Job::ListCorrelations(id) => json_of(&$run!(ops::ListCorrelations::new(id))?),
            Job::UpsertTask(r) => json_of(&$run!(ops::UpsertTask::new(r))?),
            Job::SubmitWorkflow(r) => json_of(&$run!(ops::SubmitWorkflow::new(r, std::time::SystemTime::now()))?),
            Job::ListWorkflows => json_of(&$run!(ops::ListWorkflows)?),
            Job::GetWorkflow(id) => json_of(&$run!(ops::GetWorkflow::new(id))?),
            Job::GetWorkflowStatus(id) => json_of(&$run!(ops::GetWorkflowStatus::new(id))?),
            Job::ServerStats => json_of(&$run!(ops::GetStats)?),
            Job::ServerMetrics => json_of(&$run!(ops::GetMetrics)?),
        }
    };
}
use each_job;

/// A page of tasks in the documented dialect as the server wrote it: the
/// same request as [`ops::ListTasks`] (retries, deadlines, error mapping
/// included), its 2xx body handed to Python as it came. pydantic reads it
/// into models in one pass; the core reading it into Rust values first and
/// writing them out again would double the work (docs/PERFORMANCE.md).
fn as_is(config: &taskqueue::Config, filters: TaskFilters) -> Result<ops::Raw, Error> {
    use taskqueue::ops::Operation;
    let request = ops::ListTasks::new(filters).build_request(config)?;
    Ok(match request.uri().query() {
        Some(query) => ops::Raw::get(format!("/tasks?{query}")),
        None => ops::Raw::get("/tasks"),
    })
}

fn json_of<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error::invalid_input("output", e.to_string()))
}

/// One item of a batch: `{"task": …}` or `{"error": [kind, message, status, …]}`.
fn batch_item(result: Result<Task, Error>) -> Value {
    match result {
        Ok(task) => json!({ "task": task }),
        Err(error) => json!({ "error": crate::error::fields(&error) }),
    }
}

/// A wait's report: one outcome per id, in order.
fn report(report: &WaitReport) -> Value {
    let outcomes: Vec<Value> = report
        .outcomes
        .iter()
        .map(|outcome| match outcome {
            WaitOutcome::Finished(task) => json!({ "outcome": "finished", "task": task }),
            WaitOutcome::StillRunning(task) => json!({ "outcome": "still_running", "task": task }),
            WaitOutcome::NotFound(id) => json!({ "outcome": "not_found", "id": id }),
            _ => json!({ "outcome": "unknown" }),
        })
        .collect();
    json!({ "outcomes": outcomes, "first_finished": report.first_finished().map(|(index, _)| index) })
}
