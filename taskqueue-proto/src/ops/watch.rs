//! Watching tasks: the job and its events.

use std::time::Duration;

use crate::models::TaskId;
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::driver::{IntoMachine, Watch};
use crate::{CallOptions, Config, Task, TaskFilters, TaskStatus};

/// What a watch reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WatchEvent {
    /// A task appeared.
    Created(Task),
    /// A task's status changed.
    Changed {
        /// The task now.
        task: Task,
        /// Its status before.
        from: TaskStatus,
        /// Its status now.
        to: TaskStatus,
    },
    /// Another field of a task changed.
    Updated(Task),
    /// A task is gone (deleted, or no longer matching the filters).
    Deleted(TaskId),
}

impl WatchEvent {
    /// The event's name: `created`, `changed`, `updated` or `deleted`.
    pub fn name(&self) -> &'static str {
        match self {
            WatchEvent::Created(_) => "created",
            WatchEvent::Changed { .. } => "changed",
            WatchEvent::Updated(_) => "updated",
            WatchEvent::Deleted(_) => "deleted",
        }
    }
}

/// `{"event":"created","task":{…}}`, `{"event":"changed","task":{…},"from":"Running","to":"Completed"}`,
/// `{"event":"updated","task":{…}}`, `{"event":"deleted","id":"…"}`.
///
/// ```
/// use taskqueue_proto::ops::WatchEvent;
/// let gone = WatchEvent::Deleted(taskqueue_proto::TaskId::nil());
/// assert_eq!(
///     serde_json::to_string(&gone).unwrap(),
///     r#"{"event":"deleted","id":"00000000-0000-0000-0000-000000000000"}"#
/// );
/// ```
impl Serialize for WatchEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("event", self.name())?;
        match self {
            WatchEvent::Created(task) | WatchEvent::Updated(task) => map.serialize_entry("task", task)?,
            WatchEvent::Changed { task, from, to } => {
                map.serialize_entry("task", task)?;
                map.serialize_entry("from", from)?;
                map.serialize_entry("to", to)?;
            }
            WatchEvent::Deleted(id) => map.serialize_entry("id", id)?,
        }
        map.end()
    }
}

/// The shortest pause between rounds of a watch, whatever else is set.
pub const WATCH_FLOOR: Duration = Duration::from_millis(100);

/// Follows the tasks matching the filters, run by [`Watch`]: one listing
/// per round (all pages), compared with the last, reported as
/// [`WatchEvent`]s. The pause between rounds is short after a change and
/// grows, with jitter, while nothing changes (0.5 s to 10 s by default),
/// never below [`WATCH_FLOOR`]. A round that fails after the call's retries
/// is tried again at the next pause; three failed rounds in a row end the
/// watch with the error.
///
/// ```
/// use std::time::Duration;
/// use taskqueue_proto::{TaskFilters, TaskStatus, ops::WatchTasks};
/// let job = WatchTasks::new(TaskFilters::new().status(TaskStatus::Running))
///     .skip_existing()                                  // no `Created` for the first round
///     .intervals(Duration::from_secs(1), Duration::from_secs(30))
///     .timeout(Duration::from_secs(3600));
/// # let _ = job;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WatchTasks {
    /// Which tasks (`offset` and `limit` are the watch's own business).
    pub filters: TaskFilters,
    /// Whether the tasks of the first round are reported as `Created`.
    pub report_existing: bool,
    /// The pause after a round with changes.
    pub initial_interval: Duration,
    /// The longest pause while nothing changes.
    pub max_interval: Duration,
    /// When the watch ends by itself; none by default.
    pub timeout: Option<Duration>,
    /// Failed rounds in a row that end the watch.
    pub max_failed_rounds: u32,
}

impl WatchTasks {
    /// Watches the tasks matching `filters`, reporting those already there as `Created`.
    pub fn new(filters: TaskFilters) -> Self {
        WatchTasks {
            filters,
            report_existing: true,
            initial_interval: Duration::from_millis(500),
            max_interval: Duration::from_secs(10),
            timeout: None,
            max_failed_rounds: 3,
        }
    }

    /// Starts from a snapshot: the tasks of the first round are not reported.
    #[must_use]
    pub fn skip_existing(mut self) -> Self {
        self.report_existing = false;
        self
    }

    /// The pause after a change, and the longest pause (both at least
    /// [`WATCH_FLOOR`], at most a day).
    #[must_use]
    pub fn intervals(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_interval = initial.clamp(WATCH_FLOOR, crate::retry::MAX_WAIT);
        self.max_interval = max.clamp(self.initial_interval, crate::retry::MAX_WAIT);
        self
    }

    /// Ends the watch after this long.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

impl IntoMachine for WatchTasks {
    type Machine = Watch;

    fn into_machine(self, config: &Config, options: &CallOptions, seed: u64) -> Watch {
        Watch::new(self, config.clone(), options.clone(), seed)
    }
}
