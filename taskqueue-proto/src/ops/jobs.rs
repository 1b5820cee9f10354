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
///
/// The condition `C` and the observer `P` are the caller's closures, kept
/// as they are: the blocking client takes any closure (borrowing locals,
/// holding an `Rc`), the async client one that is `Send`.
#[non_exhaustive]
pub struct WaitForCompletion<C = Condition, P = TaskObserver> {
    /// The task's id.
    pub id: TaskId,
    /// How long to wait; a timeout too large for the clock means no deadline.
    pub timeout: Duration,
    pub(crate) observer: Option<P>,
    pub(crate) condition: C,
}

/// What a wait waits for by default: a terminal status.
pub(crate) type Condition = fn(&Task) -> bool;

/// A wait's observer when none is given.
pub(crate) type TaskObserver = fn(&Task);

/// A terminal status (`Completed`, `Failed`, `Cancelled`, `Finalized`).
pub(crate) fn is_terminal(task: &Task) -> bool {
    task.status.is_terminal()
}

impl WaitForCompletion {
    /// Waits up to `timeout` for the task `id`.
    pub fn new(id: impl Into<TaskId>, timeout: Duration) -> Self {
        WaitForCompletion {
            id: id.into(),
            timeout,
            observer: None,
            condition: is_terminal,
        }
    }
}

impl<C, P> WaitForCompletion<C, P> {
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
    pub fn until<C2: Fn(&Task) -> bool>(self, condition: C2) -> WaitForCompletion<C2, P> {
        WaitForCompletion {
            id: self.id,
            timeout: self.timeout,
            observer: self.observer,
            condition,
        }
    }

    /// Calls `observe` with every task fetched (a progress display, say).
    pub fn on_poll<P2: FnMut(&Task)>(self, observe: P2) -> WaitForCompletion<C, P2> {
        WaitForCompletion {
            id: self.id,
            timeout: self.timeout,
            observer: Some(observe),
            condition: self.condition,
        }
    }
}

impl<C, P> std::fmt::Debug for WaitForCompletion<C, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitForCompletion")
            .field("id", &self.id)
            .field("timeout", &self.timeout)
            .field("observed", &self.observer.is_some())
            .finish()
    }
}

impl<C: Fn(&Task) -> bool, P: FnMut(&Task)> IntoMachine for WaitForCompletion<C, P> {
    type Machine = Wait<C, P>;

    fn into_machine(self, config: &Config, options: &CallOptions, seed: u64) -> Wait<C, P> {
        Wait::new(self, config.clone(), options.clone(), seed)
    }
}

/// Creates many tasks: every request is validated first (if one is
/// invalid, nothing is sent and the error names its index, `tasks[3].name`);
/// then at most [`Config::batch_concurrency`](crate::Config::batch_concurrency) creates are in flight,
/// and the answer holds one result per request, in input order. Run by [`Batch`].
#[non_exhaustive]
pub struct CreateTasks<O = ItemObserver> {
    /// The tasks to create.
    pub requests: Vec<TaskCreateRequest>,
    pub(crate) observer: Option<O>,
}

/// A batch's observer when none is given.
pub(crate) type ItemObserver = fn(usize, &Result<Task, crate::Error>);

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
    pub fn on_item<O: FnMut(usize, &Result<Task, crate::Error>)>(self, observe: O) -> CreateTasks<O> {
        CreateTasks {
            requests: self.requests,
            observer: Some(observe),
        }
    }
}

impl<O> std::fmt::Debug for CreateTasks<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateTasks")
            .field("requests", &self.requests)
            .field("observed", &self.observer.is_some())
            .finish()
    }
}

impl<O: FnMut(usize, &Result<Task, crate::Error>)> IntoMachine for CreateTasks<O> {
    type Machine = Batch<O>;

    fn into_machine(self, config: &Config, options: &CallOptions, seed: u64) -> Batch<O> {
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
