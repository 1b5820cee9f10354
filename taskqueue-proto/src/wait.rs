//! `Wait`: polls a task until it reaches a terminal status or time runs out.

use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::ops::GetTask;
use crate::{Error, Task};

/// The first pause between polls.
pub const WAIT_INITIAL_DELAY: Duration = Duration::from_millis(500);
/// The longest pause between polls.
pub const WAIT_MAX_DELAY: Duration = Duration::from_secs(5);

/// What the waiter wants next.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // made once per poll and moved at once
pub enum WaitAction {
    /// Fetch the task (run this operation as a call) and record the result.
    Fetch(GetTask),
    /// Sleep this long, then poll again.
    Sleep(Duration),
    /// The wait is over: the finished task, the fetch's error, or
    /// [`Error::WaitTimedOut`] with the last task seen.
    Done(Result<Task, Error>),
}

#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per wait
enum WaitState {
    Ready,
    Fetching,
    Sleeping(Instant),
    Finished(Option<Result<Task, Error>>),
}

/// Waits for a task to finish: fetches it, and while its status is not
/// terminal (`Completed`, `Failed`, `Cancelled`, `Finalized`) sleeps 0.5 s,
/// 1 s, 2 s, 4 s, then 5 s between fetches. The last fetch happens at the
/// deadline itself, so a task that finishes just in time is seen.
///
/// ```
/// use std::time::{Duration, Instant};
/// use taskqueue_proto::{Wait, WaitAction};
/// let start = Instant::now();
/// let mut wait = Wait::new(uuid::Uuid::nil(), Duration::from_secs(60));
/// assert!(matches!(wait.poll(start), WaitAction::Fetch(_)));
/// ```
#[derive(Debug)]
pub struct Wait {
    id: Uuid,
    timeout: Duration,
    started: Option<Instant>,
    delay: Duration,
    last_seen: Option<Task>,
    state: WaitState,
}

impl Wait {
    /// Waits up to `timeout` for the task `id`.
    pub fn new(id: Uuid, timeout: Duration) -> Self {
        Wait {
            id,
            timeout,
            started: None,
            delay: WAIT_INITIAL_DELAY,
            last_seen: None,
            state: WaitState::Ready,
        }
    }

    /// The task as last fetched.
    pub fn last_seen(&self) -> Option<&Task> {
        self.last_seen.as_ref()
    }

    /// What to do next, at time `now`.
    pub fn poll(&mut self, now: Instant) -> WaitAction {
        self.started.get_or_insert(now);
        loop {
            match &mut self.state {
                WaitState::Finished(slot) => {
                    return WaitAction::Done(
                        slot.take()
                            .unwrap_or_else(|| Err(Error::invalid_input("wait", "polled after it finished"))),
                    );
                }
                WaitState::Fetching => {
                    self.state = WaitState::Finished(None);
                    return WaitAction::Done(Err(Error::invalid_input(
                        "wait",
                        "polled while a fetch was in flight; record its result first",
                    )));
                }
                WaitState::Sleeping(until) => {
                    if now < *until {
                        return WaitAction::Sleep(*until - now);
                    }
                    self.state = WaitState::Ready;
                }
                WaitState::Ready => {
                    self.state = WaitState::Fetching;
                    return WaitAction::Fetch(GetTask::new(self.id));
                }
            }
        }
    }

    /// Hands back the result of the fetch that [`poll`](Wait::poll) asked for.
    pub fn record(&mut self, fetched: Result<Task, Error>, now: Instant) {
        if !matches!(self.state, WaitState::Fetching) {
            return;
        }
        let task = match fetched {
            Ok(task) => task,
            Err(error) => {
                self.state = WaitState::Finished(Some(Err(error)));
                return;
            }
        };
        if task.status.is_terminal() {
            self.state = WaitState::Finished(Some(Ok(task)));
            return;
        }
        let started = self.started.unwrap_or(now);
        let deadline = started.checked_add(self.timeout).unwrap_or(now);
        if now >= deadline {
            let waited = now.saturating_duration_since(started);
            self.state = WaitState::Finished(Some(Err(Error::WaitTimedOut {
                task: Box::new(task),
                waited,
            })));
            return;
        }
        self.last_seen = Some(task);
        let pause = self.delay.min(deadline - now);
        self.delay = (self.delay * 2).min(WAIT_MAX_DELAY);
        self.state = WaitState::Sleeping(now + pause);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TaskStatus;

    fn task(status: TaskStatus) -> Task {
        let mut t = Task::new(Uuid::nil(), "n", "c", chrono::DateTime::UNIX_EPOCH);
        t.status = status;
        t
    }

    /// Drives a wait on a fake clock; `statuses` are what successive fetches see.
    fn drive(timeout: Duration, statuses: &[TaskStatus]) -> (Result<Task, Error>, Vec<Duration>) {
        let start = Instant::now();
        let mut now = start;
        let mut wait = Wait::new(Uuid::nil(), timeout);
        let mut fetch_times = Vec::new();
        let mut seen = statuses.iter();
        loop {
            match wait.poll(now) {
                WaitAction::Fetch(op) => {
                    assert_eq!(op.id, Uuid::nil());
                    fetch_times.push(now - start);
                    let status = seen.next().cloned().unwrap_or(TaskStatus::Running);
                    wait.record(Ok(task(status)), now);
                }
                WaitAction::Sleep(d) => now += d,
                WaitAction::Done(r) => return (r, fetch_times),
            }
        }
    }

    #[test]
    fn backs_off_from_half_a_second_to_five() {
        use TaskStatus::*;
        let (r, times) = drive(
            Duration::from_secs(60),
            &[Running, Running, Running, Running, Running, Running, Completed],
        );
        assert_eq!(r.unwrap().status, Completed);
        let secs: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
        assert_eq!(secs, [0.0, 0.5, 1.5, 3.5, 7.5, 12.5, 17.5]);
    }

    #[test]
    fn every_terminal_status_ends_the_wait() {
        for s in [
            TaskStatus::Completed,
            TaskStatus::Failed,
            TaskStatus::Cancelled,
            TaskStatus::Finalized,
        ] {
            let (r, times) = drive(Duration::from_secs(1), std::slice::from_ref(&s));
            assert_eq!(r.unwrap().status, s);
            assert_eq!(times.len(), 1);
        }
    }

    #[test]
    fn times_out_after_a_last_poll_at_the_deadline_keeping_the_last_task() {
        let (r, times) = drive(Duration::from_secs(2), &[]);
        assert_eq!(
            times.last(),
            Some(&Duration::from_secs(2)),
            "last fetch exactly at the deadline: {times:?}"
        );
        match r {
            Err(Error::WaitTimedOut { task, waited }) => {
                assert_eq!(task.status, TaskStatus::Running);
                assert_eq!(waited, Duration::from_secs(2));
            }
            other => panic!("expected WaitTimedOut, got {other:?}"),
        }
    }

    #[test]
    fn a_task_finishing_at_the_deadline_is_seen() {
        use TaskStatus::*;
        // Fetches at 0, 0.5, 1.5 and the deadline 2.0: the fourth sees Completed.
        let (r, times) = drive(Duration::from_secs(2), &[Running, Running, Running, Completed]);
        assert_eq!(r.unwrap().status, Completed);
        assert_eq!(times.len(), 4);
    }

    #[test]
    fn a_fetch_error_ends_the_wait_with_that_error() {
        let start = Instant::now();
        let mut wait = Wait::new(Uuid::nil(), Duration::from_secs(5));
        assert!(matches!(wait.poll(start), WaitAction::Fetch(_)));
        wait.record(Err(Error::invalid_input("x", "boom")), start);
        assert!(matches!(
            wait.poll(start),
            WaitAction::Done(Err(Error::InvalidInput { .. }))
        ));
    }
}
