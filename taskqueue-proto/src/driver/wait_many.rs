//! `WaitMany`: waits on several tasks at once, in rounds.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Instant;

use crate::models::{ProjectId, TaskId};

use super::concurrent::Concurrent;
use super::fetch::{Fetch, Fetched};
use super::random::SeedSource;
use super::wait::Schedule;
use super::{Action, Machine, Outcome, Piece, Ticket};
use crate::ops::jobs::Condition;
use crate::ops::waits::OutcomeObserver;
use crate::ops::{WaitForTasks, WaitMode, WaitOutcome, WaitReport};
use crate::{CallOptions, Config, Error, Task};

#[allow(clippy::large_enum_variant)] // one per wait
enum Phase {
    Ready,
    Round(Concurrent<Fetch>, Vec<Fetch>),
    Sleeping(Instant),
    Finished(Option<Result<WaitReport, Error>>),
}

/// The machine of [`WaitForTasks`] (`wait_all`, `wait_any`): rounds of
/// fetches — one task by id first, to learn its project; then one listing per
/// project shared by several of the tasks still pending (the first task's
/// project for those never seen), by id for the rest — with the backoff and
/// last-round-at-the-deadline of [`Wait`](super::Wait).
pub struct WaitMany<C = Condition, O = OutcomeObserver> {
    ids: Vec<TaskId>,
    mode: WaitMode,
    condition: C,
    observer: Option<O>,
    config: Config,
    options: CallOptions,
    seeds: SeedSource,
    /// The settled outcome of each id (finished or missing).
    settled: Vec<Option<WaitOutcome>>,
    /// Each id's task as last seen.
    last_seen: Vec<Option<Task>>,
    /// Ids looked for in a project listing and not found there: read by id.
    by_id: Vec<bool>,
    /// The project of the first task read: where the others are looked for first.
    guess: Option<ProjectId>,
    /// Whether the round running is the first task's probe.
    probing: bool,
    finished_order: Vec<usize>,
    schedule: Schedule,
    phase: Phase,
}

impl<C, O> std::fmt::Debug for WaitMany<C, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitMany")
            .field("ids", &self.ids.len())
            .field("mode", &self.mode)
            .field("settled", &self.finished_order.len())
            .field("schedule", &self.schedule)
            .finish_non_exhaustive()
    }
}

impl<C: Fn(&Task) -> bool, O: FnMut(usize, &WaitOutcome)> WaitMany<C, O> {
    /// The machine for `job`, fetching with `config` and `options`.
    pub fn new(job: WaitForTasks<C, O>, config: Config, options: CallOptions, seed: u64) -> Self {
        let n = job.ids.len();
        WaitMany {
            ids: job.ids,
            mode: job.mode,
            condition: job.condition,
            observer: job.observer,
            config,
            options,
            seeds: SeedSource::new(seed),
            settled: vec![None; n],
            last_seen: vec![None; n],
            by_id: vec![false; n],
            guess: None,
            probing: false,
            finished_order: Vec::new(),
            schedule: Schedule::new(job.timeout),
            phase: Phase::Ready,
        }
    }

    /// The project a pending task is looked for in: the one it was last seen
    /// in, or — never seen — the first task's, unless it was not found there.
    fn project_of(&self, index: usize) -> Option<ProjectId> {
        if self.by_id[index] {
            return None;
        }
        match &self.last_seen[index] {
            Some(task) => task.project_id,
            None => self.guess,
        }
    }

    /// This round's fetches. The very first is a probe: one task by id, to
    /// learn its project. Then tasks looked for in a project shared by
    /// several pending ones are read with one listing of it, the others by id.
    fn plan(&mut self) -> Vec<Fetch> {
        let pending: Vec<usize> = (0..self.ids.len()).filter(|&i| self.settled[i].is_none()).collect();
        self.probing =
            self.guess.is_none() && pending.len() > 1 && pending.iter().all(|&i| self.last_seen[i].is_none());
        if self.probing {
            return vec![Fetch::Task(self.ids[pending[0]])];
        }
        let mut by_project: HashMap<ProjectId, usize> = HashMap::new();
        for &i in &pending {
            if let Some(project) = self.project_of(i) {
                *by_project.entry(project).or_default() += 1;
            }
        }
        let mut plan: Vec<Fetch> = Vec::new();
        for &i in &pending {
            let fetch = match self.project_of(i).filter(|p| by_project.get(p).is_some_and(|&n| n > 1)) {
                Some(project) => Fetch::Project(project),
                None => Fetch::Task(self.ids[i]),
            };
            if !plan.contains(&fetch) {
                plan.push(fetch);
            }
        }
        plan
    }

    /// Reads a round's results into the outcomes.
    fn read(&mut self, plan: &[Fetch], results: Vec<Result<Fetched, Error>>) -> Result<(), Error> {
        for (fetch, result) in plan.iter().zip(results) {
            match (fetch, result?) {
                (Fetch::Task(id), Fetched::Missing) => {
                    for i in self.indexes_of(*id) {
                        self.settle(i, WaitOutcome::NotFound(*id));
                    }
                }
                (Fetch::Task(_), Fetched::Tasks(tasks)) => {
                    for task in tasks {
                        self.guess = self.guess.or(task.project_id);
                        self.seen(task);
                    }
                }
                (Fetch::Project(project), Fetched::Tasks(tasks)) => {
                    let listed: HashMap<TaskId, Task> = tasks.into_iter().map(|t| (t.id, t)).collect();
                    for i in 0..self.ids.len() {
                        if self.settled[i].is_some() || self.project_of(i) != Some(*project) {
                            continue;
                        }
                        match listed.get(&self.ids[i]) {
                            Some(task) => self.seen(task.clone()),
                            // Not in that project (or gone from it): read it by id from now on.
                            None => self.by_id[i] = true,
                        }
                    }
                }
                (Fetch::Project(_), Fetched::Missing) => {}
            }
        }
        Ok(())
    }

    fn indexes_of(&self, id: TaskId) -> Vec<usize> {
        (0..self.ids.len())
            .filter(|&i| self.ids[i] == id && self.settled[i].is_none())
            .collect()
    }

    fn seen(&mut self, task: Task) {
        let finished = (self.condition)(&task);
        for i in self.indexes_of(task.id) {
            if finished {
                self.settle(i, WaitOutcome::Finished(task.clone()));
            } else {
                self.last_seen[i] = Some(task.clone());
            }
        }
    }

    fn settle(&mut self, index: usize, outcome: WaitOutcome) {
        if let Some(observe) = &mut self.observer {
            observe(index, &outcome);
        }
        self.settled[index] = Some(outcome);
        self.finished_order.push(index);
    }

    /// Whether the wait is over by its mode.
    fn satisfied(&self) -> bool {
        match self.mode {
            WaitMode::All => self.settled.iter().all(Option::is_some),
            WaitMode::Any => {
                self.settled.iter().any(|o| matches!(o, Some(WaitOutcome::Finished(_))))
                    || self.settled.iter().all(Option::is_some)
            }
        }
    }

    /// The report, the tasks not settled reported as still running.
    fn report(&mut self) -> WaitReport {
        let outcomes = (0..self.ids.len())
            .map(|i| match (self.settled[i].take(), self.last_seen[i].take()) {
                (Some(outcome), _) => outcome,
                (None, Some(task)) => WaitOutcome::StillRunning(task),
                (None, None) => WaitOutcome::NotFound(self.ids[i]),
            })
            .collect();
        WaitReport {
            outcomes,
            finished_order: std::mem::take(&mut self.finished_order),
        }
    }

    /// After a round: done, or sleep until the next (the last one at the deadline).
    fn after_round(&mut self, now: Instant) {
        if self.satisfied() {
            let report = self.report();
            self.phase = Phase::Finished(Some(Ok(report)));
            return;
        }
        if self.schedule.expired(now) {
            // Not finished in time: an error, as for one task, with the report.
            let report = Box::new(self.report());
            let waited = self.schedule.waited(now);
            self.phase = Phase::Finished(Some(Err(Error::WaitsTimedOut { report, waited })));
            return;
        }
        if self.probing {
            // The probe only told where to look: the round proper follows at once.
            self.phase = Phase::Ready;
            return;
        }
        self.phase = self.schedule.next_poll(now).map_or(Phase::Ready, Phase::Sleeping);
    }
}

impl<C: Fn(&Task) -> bool, O: FnMut(usize, &WaitOutcome)> Machine for WaitMany<C, O> {
    type Output = WaitReport;
    type Item = Infallible;

    fn poll(&mut self, now: Instant) -> Action<WaitReport> {
        self.schedule.start(now);
        loop {
            match &mut self.phase {
                Phase::Finished(slot) => return slot.take().map_or(Action::Pending, Action::Done),
                Phase::Sleeping(until) => {
                    if now < *until {
                        return Action::Sleep(*until - now);
                    }
                    self.phase = Phase::Ready;
                }
                Phase::Ready => {
                    if self.ids.is_empty() {
                        self.after_round(now);
                        continue;
                    }
                    let plan = self.plan();
                    let limit = self.config.batch_concurrency();
                    let fetches = Concurrent::new(
                        plan.clone(),
                        self.config.clone(),
                        self.options.clone(),
                        self.seeds.next_u64(),
                        limit,
                    );
                    self.phase = Phase::Round(fetches, plan);
                }
                Phase::Round(fetches, _) => {
                    if let Some(action) = fetches.poll(now) {
                        return action;
                    }
                    let Phase::Round(mut fetches, plan) = std::mem::replace(&mut self.phase, Phase::Ready) else {
                        continue;
                    };
                    match self.read(&plan, fetches.take_results()) {
                        Ok(()) => self.after_round(now),
                        Err(error) => self.phase = Phase::Finished(Some(Err(error))),
                    }
                }
            }
        }
    }

    fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        if let Phase::Round(fetches, _) = &mut self.phase {
            fetches.record(ticket, outcome, now);
        }
    }

    fn receive(&mut self, ticket: &Ticket, piece: Piece<'_>, now: Instant) {
        if let Phase::Round(fetches, _) = &mut self.phase {
            fetches.receive(ticket, piece, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::TaskStatus::{Completed, Failed, Running};
    use crate::driver::fake_server::{FakeServer, task};
    use crate::driver::{IntoMachine, Simulated, run_blocking};

    /// Runs `job` against `server`; before each request, `script` may change
    /// the server (it is told how many requests came before).
    fn run<C: Fn(&Task) -> bool, O: FnMut(usize, &WaitOutcome)>(
        server: &FakeServer,
        job: WaitForTasks<C, O>,
        script: impl Fn(usize, &FakeServer) + Send + 'static,
    ) -> Result<WaitReport, Error> {
        let (answering, count) = (server.clone(), Arc::new(AtomicUsize::new(0)));
        let transport = Simulated::new(Instant::now(), move |request: &http::Request<Vec<u8>>| {
            script(count.fetch_add(1, Ordering::SeqCst), &answering);
            answering.answer(request)
        });
        run_blocking(&transport, job.into_machine(&Config::default(), &CallOptions::new(), 5))
    }

    fn ids(ns: &[u128]) -> Vec<TaskId> {
        ns.iter().map(|n| TaskId::from_u128(*n)).collect()
    }

    #[test]
    fn tasks_of_one_project_are_read_with_one_listing_a_round() {
        let server = FakeServer::with((1..=5).map(|n| task(n, 7, Running)).collect());
        let job = WaitForTasks::all(ids(&[1, 2, 3, 4, 5]), Duration::from_secs(600));
        let report = run(&server, job, |n, s| match n {
            8 => s.set_status(2, Completed),
            10 => (1..=5).for_each(|t| s.set_status(t, Completed)),
            _ => {}
        })
        .unwrap();
        assert!(report.all_finished());
        let requests = server.requests();
        let gets = requests.iter().filter(|r| r.starts_with("/api/tasks/")).count();
        let lists: Vec<&String> = requests.iter().filter(|r| r.starts_with("/api/tasks?")).collect();
        assert_eq!(gets, 1, "one task read by id, to learn the project: {requests:?}");
        assert!(
            lists
                .iter()
                .all(|l| l.contains("project_id=00000000-0000-0000-0000-000000000007")),
            "{lists:?}"
        );
        assert_eq!(
            requests.len(),
            1 + lists.len(),
            "then one listing per round, nothing else"
        );
        assert_eq!(report.finished_order[0], 1, "task 2 finished first");
    }

    #[test]
    fn tasks_outside_the_first_ones_project_are_read_by_id() {
        let server = FakeServer::with(vec![task(1, 7, Running), task(2, 7, Running), task(3, 8, Running)]);
        let job = WaitForTasks::all(ids(&[1, 2, 3]), Duration::from_secs(600));
        let report = run(&server, job, |n, s| {
            if n == 4 {
                (1..=3).for_each(|t| s.set_status(t, Completed));
            }
        })
        .unwrap();
        assert!(report.all_finished());
        let requests = server.requests();
        assert_eq!(
            requests[0], "/api/tasks/00000000-0000-0000-0000-000000000001",
            "the probe"
        );
        assert!(
            requests[1].contains("project_id=00000000-0000-0000-0000-000000000007"),
            "{requests:?}"
        );
        let by_id = |n: u128| {
            requests
                .iter()
                .filter(|r| **r == format!("/api/tasks/{}", TaskId::from_u128(n)))
                .count()
        };
        assert_eq!((by_id(1), by_id(2)), (1, 0), "{requests:?}");
        assert!(by_id(3) >= 1, "not in project 7, so read by id: {requests:?}");
    }

    #[test]
    fn any_ends_with_the_first_to_finish() {
        let server = FakeServer::with(vec![task(1, 1, Running), task(2, 2, Running), task(3, 3, Running)]);
        let job = WaitForTasks::any(ids(&[1, 2, 3]), Duration::from_secs(600));
        let report = run(&server, job, |n, s| {
            if n == 6 {
                s.set_status(3, Failed);
            }
        })
        .unwrap();
        let (index, first) = report.first_finished().unwrap();
        assert_eq!((index, first.status.clone()), (2, Failed));
        assert!(matches!(report.outcomes[0], WaitOutcome::StillRunning(_)));
    }

    #[test]
    fn the_deadline_is_wait_timed_out_with_the_report_and_a_missing_task_an_outcome() {
        let server = FakeServer::with(vec![task(1, 1, Running), task(2, 1, Completed)]);
        let job = WaitForTasks::all(ids(&[1, 2, 9]), Duration::from_secs(3));
        let error = run(&server, job, |_, _| {}).unwrap_err();
        assert_eq!(
            error.kind(),
            crate::ErrorKind::WaitTimedOut,
            "one model with wait_for_completion"
        );
        assert_eq!(error.to_string(), "1 of 3 tasks still running after waiting 3.0s");
        let Error::WaitsTimedOut { report, waited } = error else {
            panic!("{error:?}");
        };
        assert_eq!(waited, Duration::from_secs(3));
        assert!(matches!(&report.outcomes[0], WaitOutcome::StillRunning(t) if t.status == Running));
        assert!(report.outcomes[1].is_finished());
        assert_eq!(report.outcomes[2], WaitOutcome::NotFound(TaskId::from_u128(9)));
        assert!(report.timed_out() && !report.all_finished());
    }

    #[test]
    fn the_observer_hears_each_outcome_once() {
        use std::sync::Mutex;
        let heard = Arc::new(Mutex::new(Vec::new()));
        let log = heard.clone();
        let server = FakeServer::with(vec![task(1, 1, Completed), task(2, 1, Running)]);
        let job = WaitForTasks::all(ids(&[1, 2, 3]), Duration::from_secs(60))
            .on_finished(move |index, outcome| log.lock().unwrap().push((index, outcome.is_finished())));
        let report = run(&server, job, |n, s| {
            if n == 4 {
                s.set_status(2, Completed);
            }
        })
        .unwrap();
        assert!(!report.timed_out());
        let mut heard = heard.lock().unwrap().clone();
        heard.sort_unstable();
        assert_eq!(heard, [(0, true), (1, true), (2, false)]);
    }
}
