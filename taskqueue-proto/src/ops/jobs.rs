//! Jobs of many exchanges: waiting for a task, creating many, listing every
//! page. Each is a value a client runs as a state machine of the
//! [`driver`](crate::driver).

use std::time::Duration;

use crate::models::TaskId;

use crate::driver::{Batch, IntoMachine, Pages, Wait};
use crate::{CallOptions, Config, Task, TaskCreateRequest, TaskFilters};

/// Polls a task until its status is terminal (`Completed`, `Failed`,
/// `Cancelled`, `Finalized`) — or until [`until`](WaitForCompletion::until)'s
/// condition holds — every 0.5 s at first, backing off to 5 s, or until
/// `timeout`, when it fails with
/// [`Error::WaitTimedOut`](crate::Error::WaitTimedOut) carrying the last task
/// seen. Run by [`Wait`].
#[non_exhaustive]
pub struct WaitForCompletion {
    /// The task's id.
    pub id: TaskId,
    /// How long to wait; a timeout too large for the clock means no deadline.
    pub timeout: Duration,
    pub(crate) observer: Option<crate::driver::Observer>,
    pub(crate) condition: Condition,
}

/// A predicate on a task: what a wait waits for.
pub(crate) type Condition = Box<dyn Fn(&Task) -> bool + Send>;

impl WaitForCompletion {
    /// Waits up to `timeout` for the task `id`.
    pub fn new(id: impl Into<TaskId>, timeout: Duration) -> Self {
        WaitForCompletion {
            id: id.into(),
            timeout,
            observer: None,
            condition: Box::new(|task: &Task| task.status.is_terminal()),
        }
    }

    /// Waits until `condition` holds instead (a status reached, a phase…);
    /// the default is a terminal status.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskqueue_proto::{TaskStatus, ops::WaitForCompletion};
    /// let testing = WaitForCompletion::new(taskqueue_proto::TaskId::nil(), Duration::from_secs(60))
    ///     .until(|task| task.status == TaskStatus::Testing || task.status.is_terminal());
    /// # let _ = testing;
    /// ```
    pub fn until(mut self, condition: impl Fn(&Task) -> bool + Send + 'static) -> Self {
        self.condition = Box::new(condition);
        self
    }

    /// Calls `observe` with every task fetched (a progress display, say).
    pub fn on_poll(mut self, observe: impl FnMut(&Task) + Send + 'static) -> Self {
        self.observer = Some(Box::new(observe));
        self
    }
}

impl std::fmt::Debug for WaitForCompletion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitForCompletion")
            .field("id", &self.id)
            .field("timeout", &self.timeout)
            .field("observed", &self.observer.is_some())
            .finish()
    }
}

impl IntoMachine for WaitForCompletion {
    type Machine = Wait;

    fn into_machine(self, config: &Config, options: &CallOptions, seed: u64) -> Wait {
        Wait::new(self, config.clone(), options.clone(), seed)
    }
}

/// Creates many tasks: every request is validated first (if one is
/// invalid, nothing is sent and the error names its index, `tasks[3].name`);
/// then at most [`Config::batch_concurrency`](crate::Config::batch_concurrency) creates are in flight,
/// and the answer holds one result per request, in input order. Run by [`Batch`].
#[non_exhaustive]
pub struct CreateTasks {
    /// The tasks to create.
    pub requests: Vec<TaskCreateRequest>,
    pub(crate) observer: Option<crate::driver::ItemObserver>,
}

impl CreateTasks {
    /// Creates every task of `requests`.
    pub fn new(requests: Vec<TaskCreateRequest>) -> Self {
        CreateTasks {
            requests,
            observer: None,
        }
    }

    /// Calls `observe` with each item's index and result as it finishes (in
    /// the order they finish): a progress display, say.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use taskqueue_proto::ops::CreateTasks;
    /// let done = Arc::new(Mutex::new(Vec::new()));
    /// let seen = done.clone();
    /// let job = CreateTasks::new(Vec::new()).on_item(move |index, result| {
    ///     seen.lock().unwrap().push((index, result.is_ok()));
    /// });
    /// # let _ = job;
    /// ```
    pub fn on_item(mut self, observe: impl FnMut(usize, &Result<Task, crate::Error>) + Send + 'static) -> Self {
        self.observer = Some(Box::new(observe));
        self
    }
}

impl std::fmt::Debug for CreateTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateTasks")
            .field("requests", &self.requests)
            .field("observed", &self.observer.is_some())
            .finish()
    }
}

impl IntoMachine for CreateTasks {
    type Machine = Batch;

    fn into_machine(self, config: &Config, options: &CallOptions, seed: u64) -> Batch {
        Batch::new(self, config.clone(), options.clone(), seed)
    }
}

/// Every task matching the filters, page after page (see [`Pages`]).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ListAllTasks {
    /// Which tasks; `offset` is where the walk starts, `limit` the page size.
    pub filters: TaskFilters,
}

impl ListAllTasks {
    /// Walks every task matching `filters`.
    pub fn new(filters: TaskFilters) -> Self {
        ListAllTasks { filters }
    }
}

impl IntoMachine for ListAllTasks {
    type Machine = Pages;

    fn into_machine(self, config: &Config, options: &CallOptions, seed: u64) -> Pages {
        Pages::new(self.filters, config.clone(), options.clone(), seed)
    }
}
