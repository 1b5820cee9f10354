//! `Wait`: polls a task until it reaches a terminal status or time runs out.

use std::time::{Duration, Instant};

use super::random::SeedSource;
use super::{Action, Call, Machine, Outcome, Ticket};
use crate::ops::jobs::{Condition, TaskObserver};
use crate::ops::{GetTask, WaitForCompletion};
use crate::{CallOptions, Config, Error, Task};

/// The first pause between polls.
pub const WAIT_INITIAL_DELAY: Duration = Duration::from_millis(500);
/// The longest pause between polls.
pub const WAIT_MAX_DELAY: Duration = Duration::from_secs(5);

/// When a wait polls: 0.5 s after the first poll, doubling up to 5 s between
/// polls, and a last poll at the deadline itself; a timeout too large to add
/// to the clock means no deadline.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    timeout: Duration,
    started: Option<Instant>,
    delay: Duration,
}

impl Schedule {
    pub(crate) fn new(timeout: Duration) -> Self {
        Schedule {
            timeout,
            started: None,
            delay: WAIT_INITIAL_DELAY,
        }
    }

    /// Notes the time of the first poll.
    pub(crate) fn start(&mut self, now: Instant) {
        self.started.get_or_insert(now);
    }

    /// How long the wait has lasted.
    pub(crate) fn waited(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.started.unwrap_or(now))
    }

    /// Whether the deadline has come.
    pub(crate) fn expired(&self, now: Instant) -> bool {
        self.deadline(now).is_some_and(|deadline| now >= deadline)
    }

    fn deadline(&self, now: Instant) -> Option<Instant> {
        self.started.unwrap_or(now).checked_add(self.timeout)
    }

    /// When to poll next (never past the deadline); the pauses double.
    pub(crate) fn next_poll(&mut self, now: Instant) -> Option<Instant> {
        let pause = self
            .deadline(now)
            .map_or(self.delay, |deadline| self.delay.min(deadline - now));
        self.delay = (self.delay * 2).min(WAIT_MAX_DELAY);
        now.checked_add(pause)
    }
}

#[allow(clippy::large_enum_variant)] // one per wait
enum State {
    Ready,
    Fetching(Call<GetTask>),
    Sleeping(Instant),
    Finished(Option<Result<Task, Error>>),
}

/// The machine of [`WaitForCompletion`]: fetches the task (each fetch a
/// [`Call`] with the usual retries), and while its status is not terminal
/// (`Completed`, `Failed`, `Cancelled`, `Finalized`) sleeps 0.5 s, 1 s, 2 s,
/// 4 s, then 5 s between fetches. The last fetch happens at the deadline
/// itself, so a task that finishes just in time is seen. A timeout too large
/// to add to the clock means no deadline.
pub struct Wait<C = Condition, P = TaskObserver> {
    id: crate::TaskId,
    schedule: Schedule,
    config: Config,
    options: CallOptions,
    seeds: SeedSource,
    observer: Option<P>,
    condition: C,
    last_seen: Option<Task>,
    state: State,
}

impl<C, P> std::fmt::Debug for Wait<C, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("id", &self.id)
            .field("schedule", &self.schedule)
            .field("last_status", &self.last_seen.as_ref().map(|t| &t.status))
            .finish_non_exhaustive()
    }
}

impl<C: Fn(&Task) -> bool, P: FnMut(&Task)> Wait<C, P> {
    /// The machine for `job`, fetching with `config` and `options`.
    pub fn new(job: WaitForCompletion<C, P>, config: Config, options: CallOptions, seed: u64) -> Self {
        Wait {
            id: job.id,
            schedule: Schedule::new(job.timeout),
            config,
            options,
            seeds: SeedSource::new(seed),
            observer: job.observer,
            condition: job.condition,
            last_seen: None,
            state: State::Ready,
        }
    }

    /// The task as last fetched.
    pub fn last_seen(&self) -> Option<&Task> {
        self.last_seen.as_ref()
    }

    /// Reads the end of one fetch.
    fn fetched(&mut self, fetched: Result<Task, Error>, now: Instant) {
        let task = match fetched {
            Ok(task) => task,
            Err(error) => {
                self.state = State::Finished(Some(Err(error)));
                return;
            }
        };
        if let Some(observe) = &mut self.observer {
            observe(&task);
        }
        if (self.condition)(&task) {
            self.state = State::Finished(Some(Ok(task)));
            return;
        }
        if self.schedule.expired(now) {
            self.state = State::Finished(Some(Err(Error::WaitTimedOut {
                task: Box::new(task),
                waited: self.schedule.waited(now),
            })));
            return;
        }
        self.last_seen = Some(task);
        self.state = self.schedule.next_poll(now).map_or(State::Ready, State::Sleeping);
    }
}

impl<C: Fn(&Task) -> bool, P: FnMut(&Task)> Machine for Wait<C, P> {
    type Output = Task;
    type Item = std::convert::Infallible;

    fn poll(&mut self, now: Instant) -> Action<Task> {
        self.schedule.start(now);
        loop {
            match &mut self.state {
                State::Finished(slot) => return slot.take().map_or(Action::Pending, Action::Done),
                State::Sleeping(until) => {
                    if now < *until {
                        return Action::Sleep(*until - now);
                    }
                    self.state = State::Ready;
                }
                State::Ready => {
                    let call = Call::new(
                        GetTask::new(self.id),
                        self.config.clone(),
                        self.options.clone(),
                        self.seeds.next_u64(),
                    );
                    self.state = State::Fetching(call);
                }
                State::Fetching(call) => match call.poll(now).forward() {
                    Ok(fetched) => self.fetched(fetched, now),
                    Err(action) => return action,
                },
            }
        }
    }

    fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        if let State::Fetching(call) = &mut self.state {
            call.record(ticket, outcome, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TaskStatus;
    use crate::driver::{IntoMachine, Simulated, run_blocking};
    use std::sync::{Arc, Mutex};

    fn task_with(status: TaskStatus) -> Outcome {
        let mut task = Task::new(crate::TaskId::nil(), "n", "c", chrono::DateTime::UNIX_EPOCH);
        task.status = status;
        Ok(http::Response::new(serde_json::to_vec(&task).unwrap()))
    }

    /// Waits on virtual time; `statuses` are what successive fetches see
    /// (then `Running` forever). Returns the result and when each fetch happened.
    fn drive(timeout: Duration, statuses: &[TaskStatus]) -> (Result<Task, Error>, Vec<Duration>) {
        let mut seen = statuses.iter().cloned();
        let transport = Simulated::new(Instant::now(), move |request: &http::Request<Vec<u8>>| {
            assert!(request.uri().path().ends_with("/00000000-0000-0000-0000-000000000000"));
            task_with(seen.next().unwrap_or(TaskStatus::Running))
        });
        let wait = WaitForCompletion::new(crate::TaskId::nil(), timeout).into_machine(
            &Config::default(),
            &CallOptions::new(),
            1,
        );
        let result = run_blocking(&transport, wait);
        (result, transport.sent().into_iter().map(|sent| sent.at).collect())
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
    fn a_timeout_too_large_for_the_clock_means_no_deadline() {
        use TaskStatus::*;
        let (r, times) = drive(Duration::MAX, &[Running, Running, Completed]);
        assert_eq!(r.unwrap().status, Completed);
        assert_eq!(times.len(), 3);
    }

    #[test]
    fn a_fetch_error_ends_the_wait_with_that_error() {
        let transport = Simulated::new(Instant::now(), |_: &http::Request<Vec<u8>>| {
            Ok(http::Response::builder().status(404).body(Vec::new()).unwrap())
        });
        let wait = WaitForCompletion::new(crate::TaskId::nil(), Duration::from_secs(5)).into_machine(
            &Config::default(),
            &CallOptions::new(),
            1,
        );
        assert!(matches!(run_blocking(&transport, wait), Err(Error::TaskNotFound(_))));
    }

    #[test]
    fn the_observer_sees_every_fetched_task() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let mut n = 0;
        let transport = Simulated::new(Instant::now(), move |_: &http::Request<Vec<u8>>| {
            n += 1;
            task_with(if n < 3 {
                TaskStatus::Running
            } else {
                TaskStatus::Completed
            })
        });
        let job = WaitForCompletion::new(crate::TaskId::nil(), Duration::from_secs(60))
            .on_poll(move |task| log.lock().unwrap().push(task.status.clone()));
        let wait = job.into_machine(&Config::default(), &CallOptions::new(), 1);
        run_blocking(&transport, wait).unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [TaskStatus::Running, TaskStatus::Running, TaskStatus::Completed]
        );
    }
}
