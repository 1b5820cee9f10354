//! The endpoint table: every method the clients have, written once.

/// Every client method of the SDK, written once: a documented line each,
/// `fn name(arguments) -> output = job;`, where `job` is an
/// [`Operation`](crate::ops::Operation) or another
/// [`IntoMachine`](crate::driver::IntoMachine). Adding an endpoint is its
/// operation plus one line here.
///
/// Inside an `impl` block of a type with an `execute(job)` method,
/// `endpoints!(blocking)` writes every line as a method returning
/// `Result<output, Error>`, and `endpoints!(async)` as an `async` one; both
/// clients (and the integration suite) are made that way.
/// `endpoints!(your_macro)` hands the lines to a macro of yours:
///
/// ```
/// macro_rules! names {
///     ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty = $job:expr;)*) => {
///         const NAMES: &[&str] = &[$(stringify!($name)),*];
///     };
/// }
/// taskqueue_proto::endpoints!(names);
/// assert!(NAMES.contains(&"create_task") && NAMES.contains(&"wait_for_completion"));
/// ```
#[macro_export]
macro_rules! endpoints {
    ($mode:tt) => {
        $crate::__endpoint_methods! { $mode;
            /// Creates a task.
            fn create_task(request: $crate::TaskCreateRequest) -> $crate::Task =
                $crate::ops::CreateTask::new(request);
            /// Fetches a task; [`Error::TaskNotFound`](taskqueue_proto::Error::TaskNotFound) if there is none.
            fn get_task(id: impl ::std::convert::Into<$crate::TaskId>) -> $crate::Task = $crate::ops::GetTask::new(id);
            /// One page of tasks matching `filters` (`limit` 100 by default), oldest first.
            fn list_tasks(filters: $crate::TaskFilters) -> ::std::vec::Vec<$crate::Task> = $crate::ops::ListTasks::new(filters);
            /// Changes the fields set in `update`.
            fn update_task(id: impl ::std::convert::Into<$crate::TaskId>, update: $crate::TaskUpdateRequest) -> $crate::Task =
                $crate::ops::UpdateTask::new(id, update);
            /// Cancels a task; [`Error::Conflict`](taskqueue_proto::Error::Conflict) if it
            /// already finished. To say why, run
            /// [`CancelTask::new(id).reason(…)`](taskqueue_proto::ops::CancelTask::reason).
            fn cancel_task(id: impl ::std::convert::Into<$crate::TaskId>) -> $crate::Task = $crate::ops::CancelTask::new(id);
            /// Deletes a task: `true` if it was deleted, `false` if there was none.
            fn delete_task(id: impl ::std::convert::Into<$crate::TaskId>) -> bool = $crate::ops::DeleteTask::new(id);
            /// Creates a project.
            fn create_project(request: $crate::ProjectCreateRequest) -> $crate::Project =
                $crate::ops::CreateProject::new(request);
            /// Fetches a project; [`Error::ProjectNotFound`](taskqueue_proto::Error::ProjectNotFound) if there is none.
            fn get_project(id: impl ::std::convert::Into<$crate::ProjectId>) -> $crate::Project = $crate::ops::GetProject::new(id);
            /// Every project, oldest first.
            fn list_projects() -> ::std::vec::Vec<$crate::Project> = $crate::ops::ListProjects;
            /// Changes the fields set in `update`.
            fn update_project(id: impl ::std::convert::Into<$crate::ProjectId>, update: $crate::ProjectUpdateRequest) -> $crate::Project =
                $crate::ops::UpdateProject::new(id, update);
            /// Deletes a project: `true` if deleted, `false` if there was none;
            /// [`Error::Conflict`](taskqueue_proto::Error::Conflict) while tasks reference it.
            fn delete_project(id: impl ::std::convert::Into<$crate::ProjectId>) -> bool = $crate::ops::DeleteProject::new(id);
            /// Whether the server is up.
            fn health() -> $crate::HealthStatus = $crate::ops::Health;
            /// Creates many tasks, at most the config's `batch_concurrency` (default 8) in
            /// flight. Every request is validated first: if one is invalid, nothing is sent
            /// and the error names its index (`tasks[3].name`). Otherwise there is one
            /// result per request, in input order, whether it succeeded or not.
            fn create_tasks(requests: ::std::vec::Vec<$crate::TaskCreateRequest>) -> ::std::vec::Vec<::std::result::Result<$crate::Task, $crate::Error>> =
                $crate::ops::CreateTasks::new(requests);
            /// Polls a task until its status is terminal (`Completed`, `Failed`,
            /// `Cancelled`, `Finalized`) — every 0.5 s at first, backing off to 5 s — or
            /// until `timeout`, when it fails with
            /// [`Error::WaitTimedOut`](taskqueue_proto::Error::WaitTimedOut) carrying the last task seen.
            fn wait_for_completion(id: impl ::std::convert::Into<$crate::TaskId>, timeout: ::std::time::Duration) -> $crate::Task =
                $crate::ops::WaitForCompletion::new(id, timeout);
            /// Polls a task as [`wait_for_completion`](Self::wait_for_completion) does, until
            /// `condition` holds (a status reached, a phase…) instead of a terminal status.
            fn wait_until(
                id: impl ::std::convert::Into<$crate::TaskId>,
                condition: impl ::std::ops::Fn(&$crate::Task) -> bool,
                timeout: ::std::time::Duration,
            ) -> $crate::Task = $crate::ops::WaitForCompletion::new(id, timeout).until(condition);
            /// Waits until every task is finished: one outcome per id, in order (finished,
            /// or not found). Not finished by `timeout`:
            /// [`Error::WaitsTimedOut`](taskqueue_proto::Error::WaitsTimedOut) with the report
            /// (the tasks still running as last seen). Tasks of a shared project are read with
            /// one listing a round.
            fn wait_all(ids: impl ::std::iter::IntoIterator<Item = impl ::std::convert::Into<$crate::TaskId>>, timeout: ::std::time::Duration) -> $crate::ops::WaitReport =
                $crate::ops::WaitForTasks::all(ids, timeout);
            /// Waits until the first task is finished: one outcome per id, and
            /// [`WaitReport::first_finished`](taskqueue_proto::ops::WaitReport::first_finished).
            /// None finished by `timeout`:
            /// [`Error::WaitsTimedOut`](taskqueue_proto::Error::WaitsTimedOut) with the report.
            fn wait_any(ids: impl ::std::iter::IntoIterator<Item = impl ::std::convert::Into<$crate::TaskId>>, timeout: ::std::time::Duration) -> $crate::ops::WaitReport =
                $crate::ops::WaitForTasks::any(ids, timeout);

            // The public server's endpoints beyond the documents (`Dialect::Upstream` only;
            // in the spec dialect each is `Error::Unsupported`, nothing sent).

            /// The status the server stores for a task (upstream only).
            fn get_task_status(id: impl ::std::convert::Into<$crate::TaskId>) -> $crate::TaskStatus = $crate::ops::GetTaskStatus::new(id);
            /// A task's result, `None` while it has none (upstream only).
            fn get_task_result(id: impl ::std::convert::Into<$crate::TaskId>) -> ::std::option::Option<$crate::TaskResult> = $crate::ops::GetTaskResult::new(id);
            /// Queues a task again (stored status `Pending`, result cleared), keeping its
            /// retry count ([`RetryTask::new(id).reset_retry_count()`](taskqueue_proto::ops::RetryTask::reset_retry_count)
            /// resets it); answers the task afterwards (upstream only).
            fn retry_task(id: impl ::std::convert::Into<$crate::TaskId>) -> $crate::Task = $crate::ops::RetryTask::new(id);
            /// Changes a task's priority; answers the task afterwards (upstream only).
            fn set_task_priority(id: impl ::std::convert::Into<$crate::TaskId>, priority: $crate::TaskPriority) -> $crate::Task =
                $crate::ops::SetTaskPriority::new(id, priority);
            /// Adds a dependency, refusing one that would close a cycle
            /// ([`Error::Conflict`](taskqueue_proto::Error::Conflict), nothing sent); answers the
            /// task's dependencies afterwards (upstream only).
            fn add_dependency(id: impl ::std::convert::Into<$crate::TaskId>, dependency: $crate::AddDependency) -> ::std::vec::Vec<$crate::Dependency> =
                $crate::ops::AddTaskDependency::new(id, dependency);
            /// A task's dependencies (upstream only).
            fn list_dependencies(id: impl ::std::convert::Into<$crate::TaskId>) -> ::std::vec::Vec<$crate::Dependency> = $crate::ops::ListDependencies::new(id);
            /// The correlation ids of a task's dependencies (upstream only).
            fn list_correlations(id: impl ::std::convert::Into<$crate::TaskId>) -> ::std::vec::Vec<String> = $crate::ops::ListCorrelations::new(id);
            /// Moves a task to its next phase: whether it moved, and the task (upstream only).
            fn advance_phase(id: impl ::std::convert::Into<$crate::TaskId>) -> $crate::ops::PhaseAdvance = $crate::ops::AdvancePhase::new(id);
            /// Sets a task's status; a change the server refuses is
            /// [`Error::Conflict`](taskqueue_proto::Error::Conflict) `invalid_transition` (upstream only).
            fn set_task_status(id: impl ::std::convert::Into<$crate::TaskId>, status: $crate::TaskStatus) -> $crate::Task =
                $crate::ops::SetTaskStatus::new(id, status);
            /// Creates a task, or changes the one of that name in the project; answers the
            /// whole task (upstream only).
            fn upsert_task(request: $crate::TaskUpsertRequest) -> $crate::Task = $crate::ops::UpsertTask::new(request);
            /// Submits a workflow of existing tasks (fetched and embedded by the SDK), created
            /// now by this machine's clock; answers it as the server keeps it (upstream only).
            fn submit_workflow(request: $crate::WorkflowCreateRequest) -> $crate::Workflow =
                $crate::ops::SubmitWorkflow::new(request, ::std::time::SystemTime::now());
            /// Every workflow (upstream only).
            fn list_workflows() -> ::std::vec::Vec<$crate::Workflow> = $crate::ops::ListWorkflows;
            /// A workflow; [`Error::WorkflowNotFound`](taskqueue_proto::Error::WorkflowNotFound)
            /// if there is none (upstream only).
            fn get_workflow(id: impl ::std::convert::Into<$crate::WorkflowId>) -> $crate::Workflow = $crate::ops::GetWorkflow::new(id);
            /// A workflow's status (upstream only).
            fn get_workflow_status(id: impl ::std::convert::Into<$crate::WorkflowId>) -> $crate::WorkflowStatus = $crate::ops::GetWorkflowStatus::new(id);
            /// The server's task and workflow counts (upstream only).
            fn server_stats() -> $crate::Stats = $crate::ops::GetStats;
            /// The server's metrics, names and labels kept (upstream only); the client's own
            /// are [`observe`](taskqueue_proto::observe)'s.
            fn server_metrics() -> $crate::Metrics = $crate::ops::GetMetrics;
        }
    };
}

/// Writes the endpoint table's lines as methods (see [`endpoints!`]).
#[doc(hidden)]
#[macro_export]
macro_rules! __endpoint_methods {
    (blocking; $($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty = $job:expr;)*) => {$(
        $(#[$doc])*
        ///
        /// # Errors
        ///
        /// The call's [`Error`](taskqueue_proto::Error), after the retries the
        /// policy allows: its [`kind`](taskqueue_proto::Error::kind) says which
        /// (`task_not_found`, `validation`, `timeout`, `connection`, `outcome_unknown`
        /// for a write that may have landed, `unsupported` for an upstream-only
        /// endpoint in the spec dialect, …).
        pub fn $name(&self, $($arg: $ty),*) -> Result<$out, $crate::Error> {
            self.execute($job)
        }
    )*};
    (async; $($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty = $job:expr;)*) => {$(
        $(#[$doc])*
        ///
        /// # Errors
        ///
        /// The call's [`Error`](taskqueue_proto::Error), after the retries the
        /// policy allows: its [`kind`](taskqueue_proto::Error::kind) says which
        /// (`task_not_found`, `validation`, `timeout`, `connection`, `outcome_unknown`
        /// for a write that may have landed, `unsupported` for an upstream-only
        /// endpoint in the spec dialect, …).
        pub fn $name(&self, $($arg: $ty),*) -> impl ::std::future::Future<Output = Result<$out, $crate::Error>> {
            self.execute($job)
        }
    )*};
    ($callback:ident; $($lines:tt)*) => {
        $callback! { $($lines)* }
    };
}
