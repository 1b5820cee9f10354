//! The lifecycle simulation (`--complete-after`) both stores play: a new
//! task starts `Running` and ends after the delay, `Failed` if its command
//! is `false`, `Completed` otherwise.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use taskqueue_proto::{Task, TaskStatus};
use uuid::Uuid;

/// A task's simulated run: when it ends, and whether it fails.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run {
    pub(crate) ends_at: DateTime<Utc>,
    pub(crate) fails: bool,
}

impl Run {
    /// The status the task ends in.
    pub(crate) fn outcome(&self) -> TaskStatus {
        if self.fails {
            TaskStatus::Failed
        } else {
            TaskStatus::Completed
        }
    }
}

/// The runs in play, by task id.
#[derive(Debug, Default)]
pub(crate) struct Runs {
    runs: HashMap<Uuid, Run>,
    /// `--complete-after`: how long a run lasts; `None`, no simulation.
    complete_after: Option<Duration>,
}

impl Runs {
    pub(crate) fn new(complete_after: Option<Duration>) -> Self {
        Runs {
            runs: HashMap::new(),
            complete_after,
        }
    }

    /// Starts the run of a task made `now`, when the simulation is on: the
    /// task is `Running` until its run ends.
    pub(crate) fn start(&mut self, task: &mut Task, now: DateTime<Utc>) {
        if let Some(after) = self.complete_after {
            task.status = TaskStatus::Running;
            let ends_at = now + chrono::Duration::from_std(after).unwrap_or(chrono::Duration::MAX);
            let fails = task.command.trim() == "false";
            self.runs.insert(task.id.into_uuid(), Run { ends_at, fails });
        }
    }

    /// Forgets a task's run (it was cancelled, changed by hand, or deleted).
    pub(crate) fn stop(&mut self, id: &Uuid) {
        self.runs.remove(id);
    }

    /// The runs that have ended by `now`, no longer in play.
    pub(crate) fn ended(&mut self, now: DateTime<Utc>) -> Vec<(Uuid, Run)> {
        if self.runs.is_empty() {
            return Vec::new();
        }
        let ended: Vec<(Uuid, Run)> = self
            .runs
            .iter()
            .filter(|(_, run)| run.ends_at <= now)
            .map(|(id, run)| (*id, *run))
            .collect();
        for (id, _) in &ended {
            self.runs.remove(id);
        }
        ended
    }
}
