//! Waiting on many tasks at once: `wait_all`, `wait_any`.

use std::time::Duration;

use crate::models::TaskId;

use super::jobs::{Condition, is_terminal};
use crate::driver::{IntoMachine, WaitMany};
use crate::{CallOptions, Config, Task};

/// Whether a multi-wait ends when every task is finished or the first one is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitMode {
    /// Every task finished (or gone), or the deadline.
    All,
    /// The first task to finish, or the deadline.
    Any,
}

/// What became of one task of a multi-wait.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WaitOutcome {
    /// It finished (or met the wait's condition): the task then.
    Finished(Task),
    /// There is no such task (it never was, or it was deleted).
    NotFound(TaskId),
    /// Still not finished when the wait ended: the task as last seen.
    StillRunning(Task),
}

impl WaitOutcome {
    /// The task, when there is one.
    pub fn task(&self) -> Option<&Task> {
        match self {
            WaitOutcome::Finished(task) | WaitOutcome::StillRunning(task) => Some(task),
            WaitOutcome::NotFound(_) => None,
        }
    }

    /// Whether the task finished.
    pub fn is_finished(&self) -> bool {
        matches!(self, WaitOutcome::Finished(_))
    }
}

/// The answer of a multi-wait: one outcome per id, in the order given, and
/// the order in which they finished.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WaitReport {
    /// One outcome per id, in the order the ids were given.
    pub outcomes: Vec<WaitOutcome>,
    /// Indexes into `outcomes` of the finished (or missing) ones, in the
    /// order the wait saw them end.
    pub finished_order: Vec<usize>,
}

impl WaitReport {
    /// Whether every task finished.
    pub fn all_finished(&self) -> bool {
        self.outcomes.iter().all(WaitOutcome::is_finished)
    }

    /// The first task seen finished, with its index.
    pub fn first_finished(&self) -> Option<(usize, &Task)> {
        self.finished_order.iter().find_map(|&i| match &self.outcomes[i] {
            WaitOutcome::Finished(task) => Some((i, task)),
            _ => None,
        })
    }

    /// Whether some task was still running when the wait ended.
    pub fn timed_out(&self) -> bool {
        self.outcomes.iter().any(|o| matches!(o, WaitOutcome::StillRunning(_)))
    }
}

/// A multi-wait's observer when none is given.
pub(crate) type OutcomeObserver = fn(usize, &WaitOutcome);

/// Waits on several tasks at once (`wait_all`, `wait_any`), run by
/// [`WaitMany`]. It reads the first task by id to learn its project; after
/// that, tasks that share a project are read with one listing of the project
/// per round (all its pages), the others with one `GET` each (at most the
/// config's `batch_concurrency` at a time). Rounds back off from 0.5 s to 5 s, with a
/// last round at the deadline; tasks still running then are
/// [`WaitOutcome::StillRunning`].
///
/// ```
/// use std::time::Duration;
/// use taskqueue_proto::ops::WaitForTasks;
/// let ids = vec![taskqueue_proto::TaskId::from_u128(1), taskqueue_proto::TaskId::from_u128(2)];
/// let job = WaitForTasks::all(ids, Duration::from_secs(600))
///     .on_finished(|index, outcome| println!("task {index}: {outcome:?}"));
/// # let _ = job;
/// ```
#[non_exhaustive]
pub struct WaitForTasks<C = Condition, O = OutcomeObserver> {
    /// The tasks, in the order their outcomes are reported.
    pub ids: Vec<TaskId>,
    /// All of them, or the first.
    pub mode: WaitMode,
    /// How long to wait; a timeout too large for the clock means no deadline.
    pub timeout: Duration,
    pub(crate) condition: C,
    pub(crate) observer: Option<O>,
}

impl WaitForTasks {
    /// Waits until every task is finished.
    pub fn all(ids: impl IntoIterator<Item = impl Into<TaskId>>, timeout: Duration) -> Self {
        WaitForTasks::new(ids.into_iter().map(Into::into).collect(), WaitMode::All, timeout)
    }

    /// Waits until the first task is finished.
    pub fn any(ids: impl IntoIterator<Item = impl Into<TaskId>>, timeout: Duration) -> Self {
        WaitForTasks::new(ids.into_iter().map(Into::into).collect(), WaitMode::Any, timeout)
    }

    fn new(ids: Vec<TaskId>, mode: WaitMode, timeout: Duration) -> Self {
        WaitForTasks {
            ids,
            mode,
            timeout,
            condition: is_terminal,
            observer: None,
        }
    }
}

impl<C, O> WaitForTasks<C, O> {
    /// Counts a task finished when `condition` holds instead of at a terminal status.
    pub fn until<C2: Fn(&Task) -> bool>(self, condition: C2) -> WaitForTasks<C2, O> {
        WaitForTasks {
            ids: self.ids,
            mode: self.mode,
            timeout: self.timeout,
            condition,
            observer: self.observer,
        }
    }

    /// Calls `observe` with each task's index and outcome as it is settled
    /// (finished or missing), in that order: progress for a display.
    pub fn on_finished<O2: FnMut(usize, &WaitOutcome)>(self, observe: O2) -> WaitForTasks<C, O2> {
        WaitForTasks {
            ids: self.ids,
            mode: self.mode,
            timeout: self.timeout,
            condition: self.condition,
            observer: Some(observe),
        }
    }
}

impl<C, O> std::fmt::Debug for WaitForTasks<C, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitForTasks")
            .field("ids", &self.ids)
            .field("mode", &self.mode)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<C: Fn(&Task) -> bool, O: FnMut(usize, &WaitOutcome)> IntoMachine for WaitForTasks<C, O> {
    type Machine = WaitMany<C, O>;

    fn into_machine(self, config: &Config, options: &CallOptions, seed: u64) -> WaitMany<C, O> {
        WaitMany::new(self, config.clone(), options.clone(), seed)
    }
}
