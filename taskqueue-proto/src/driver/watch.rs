//! `Watch`: follows the tasks matching a filter and reports what changes.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::models::TaskId;

use super::fetch::LISTING_PAGE;
use super::pages::AllPages;
use super::random::SeedSource;
use super::{Action, IntoMachine, Machine, Outcome, Piece, Ticket};
use crate::ops::{ListAllTasks, WATCH_FLOOR, WatchEvent, WatchTasks};
use crate::{CallOptions, Config, Task, TaskFilters};

#[allow(clippy::large_enum_variant)] // one per watch
enum Phase {
    Ready,
    Listing(AllPages),
    Sleeping(Instant),
    Finished,
}

/// The machine of [`WatchTasks`]: rounds of one listing each (every page),
/// each compared with the last and reported as [`WatchEvent`]s, yielded one
/// by one. It keeps one task per watched task and no history, so its memory
/// follows the size of the watched set, not the time watched.
pub struct Watch {
    filters: TaskFilters,
    report_existing: bool,
    initial: Duration,
    max: Duration,
    timeout: Option<Duration>,
    max_failed_rounds: u32,
    config: Config,
    options: CallOptions,
    seeds: SeedSource,
    known: HashMap<TaskId, Task>,
    rounds: u64,
    failed_rounds: u32,
    interval: Duration,
    events: VecDeque<WatchEvent>,
    started: Option<Instant>,
    phase: Phase,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("watched", &self.known.len())
            .field("rounds", &self.rounds)
            .field("interval", &self.interval)
            .field("buffered", &self.events.len())
            .finish_non_exhaustive()
    }
}

impl Watch {
    /// The machine for `job`, listing with `config` and `options`.
    pub fn new(job: WatchTasks, config: Config, options: CallOptions, seed: u64) -> Self {
        let mut filters = job.filters;
        filters.offset = None;
        filters.limit = Some(filters.limit.unwrap_or(LISTING_PAGE));
        Watch {
            filters,
            report_existing: job.report_existing,
            initial: job.initial_interval.max(WATCH_FLOOR),
            max: job.max_interval.max(job.initial_interval).max(WATCH_FLOOR),
            timeout: job.timeout,
            max_failed_rounds: job.max_failed_rounds.max(1),
            config,
            options,
            seeds: SeedSource::new(seed),
            known: HashMap::new(),
            rounds: 0,
            failed_rounds: 0,
            interval: job.initial_interval.max(WATCH_FLOOR),
            events: VecDeque::new(),
            started: None,
            phase: Phase::Ready,
        }
    }

    /// How many tasks the watch holds (one per watched task).
    pub fn watched(&self) -> usize {
        self.known.len()
    }

    /// The pause before the next round, as it stands.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Compares a round's tasks with the last round's, queueing the events.
    fn compare(&mut self, listed: Vec<Task>) {
        let report = self.rounds > 0 || self.report_existing;
        let mut now_known: HashMap<TaskId, Task> = HashMap::with_capacity(listed.len());
        for task in listed {
            match self.known.remove(&task.id) {
                None if report => self.events.push_back(WatchEvent::Created(task.clone())),
                None => {}
                Some(before) if before.status != task.status => self.events.push_back(WatchEvent::Changed {
                    task: task.clone(),
                    from: before.status,
                    to: task.status.clone(),
                }),
                Some(before) if before != task => self.events.push_back(WatchEvent::Updated(task.clone())),
                Some(_) => {}
            }
            now_known.insert(task.id, task);
        }
        let mut gone: Vec<TaskId> = self.known.drain().map(|(id, _)| id).collect();
        gone.sort_unstable();
        self.events.extend(gone.into_iter().map(WatchEvent::Deleted));
        self.known = now_known;
        self.rounds += 1;
    }

    /// The pause after a round: back to the initial interval after a change,
    /// else twice the last (up to the most), with up to a quarter off at random.
    fn pause(&mut self, changed: bool) -> Duration {
        self.interval = if changed {
            self.initial
        } else {
            self.interval.saturating_mul(2).min(self.max)
        };
        let jitter = 1.0 - 0.25 * self.seeds.next_unit();
        self.interval.mul_f64(jitter).max(WATCH_FLOOR)
    }

    fn sleep_after_round(&mut self, changed: bool, now: Instant) {
        let pause = self.pause(changed);
        self.phase = match now.checked_add(pause) {
            Some(until) => Phase::Sleeping(until),
            None => Phase::Ready,
        };
    }
}

impl Machine for Watch {
    type Output = ();
    type Item = WatchEvent;

    fn poll(&mut self, now: Instant) -> Action<(), WatchEvent> {
        let started = *self.started.get_or_insert(now);
        loop {
            if let Some(event) = self.events.pop_front() {
                return Action::Yield(event);
            }
            let over = self
                .timeout
                .is_some_and(|t| started.checked_add(t).is_some_and(|end| now >= end));
            if over && !matches!(self.phase, Phase::Listing(..) | Phase::Finished) {
                self.phase = Phase::Finished;
                return Action::Done(Ok(()));
            }
            match &mut self.phase {
                Phase::Finished => return Action::Pending,
                Phase::Sleeping(until) => {
                    let until = match self.timeout.and_then(|t| started.checked_add(t)) {
                        Some(end) => (*until).min(end),
                        None => *until,
                    };
                    if now < until {
                        return Action::Sleep(until - now);
                    }
                    self.phase = Phase::Ready;
                }
                Phase::Ready => {
                    let pages = ListAllTasks::new(self.filters.clone()).into_machine(
                        &self.config,
                        &self.options,
                        self.seeds.next_u64(),
                    );
                    self.phase = Phase::Listing(AllPages::new(pages));
                }
                Phase::Listing(listing) => match listing.poll(now).forward() {
                    Ok(Ok(listed)) => {
                        self.failed_rounds = 0;
                        let before = self.events.len();
                        self.compare(listed);
                        let changed = self.events.len() > before;
                        self.sleep_after_round(changed, now);
                    }
                    Ok(Err(error)) => {
                        self.failed_rounds += 1;
                        if self.failed_rounds >= self.max_failed_rounds {
                            self.phase = Phase::Finished;
                            return Action::Done(Err(error));
                        }
                        self.sleep_after_round(false, now);
                    }
                    Err(action) => return action,
                },
            }
        }
    }

    fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        if let Phase::Listing(listing) = &mut self.phase {
            listing.record(ticket, outcome, now);
        }
    }

    fn receive(&mut self, ticket: &Ticket, piece: Piece<'_>, now: Instant) {
        if let Phase::Listing(listing) = &mut self.phase {
            listing.receive(ticket, piece, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::Error;
    use crate::TaskStatus::{Completed, Running};
    use crate::driver::fake_server::{FakeServer, task};
    use crate::driver::{BlockingItems, Simulated};

    fn watch(job: WatchTasks) -> Watch {
        job.into_machine(&Config::default(), &CallOptions::new(), 9)
    }

    #[test]
    fn the_interval_grows_while_idle_and_resets_on_a_change() {
        let server = FakeServer::with(vec![task(1, 1, Running)]);
        let rounds = Arc::new(AtomicUsize::new(0));
        let (answering, counter) = (server.clone(), rounds.clone());
        let transport = Simulated::new(Instant::now(), move |request: &http::Request<Vec<u8>>| {
            if counter.fetch_add(1, Ordering::SeqCst) == 6 {
                answering.set_status(1, Completed); // the 7th round sees a change
            }
            answering.answer(request)
        });
        let job = WatchTasks::new(TaskFilters::new())
            .skip_existing()
            .timeout(Duration::from_secs(40));
        let events: Vec<_> = BlockingItems::new(&transport, watch(job)).collect();
        assert!(
            matches!(
                events.as_slice(),
                [Ok(WatchEvent::Changed {
                    from: Running,
                    to: Completed,
                    ..
                })]
            ),
            "{events:?}"
        );
        let pauses: Vec<f64> = transport.sleeps().iter().map(Duration::as_secs_f64).collect();
        // Idle: 1, 2, 4, 8, 10, 10 s (each up to a quarter less); after the change, 0.5 s again.
        for (pause, full) in pauses.iter().zip([1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 0.5]) {
            assert!(*pause <= full && *pause >= full * 0.75, "{pauses:?}");
        }
    }

    #[test]
    fn creates_changes_updates_and_a_deletion_reported_once() {
        let server = FakeServer::with(vec![task(1, 1, Running), task(2, 1, Running)]);
        let (answering, rounds) = (server.clone(), Arc::new(AtomicUsize::new(0)));
        let counter = rounds.clone();
        let transport = Simulated::new(Instant::now(), move |request: &http::Request<Vec<u8>>| {
            match counter.fetch_add(1, Ordering::SeqCst) {
                1 => answering.set_status(1, Completed),
                2 => {
                    answering.remove(2);
                    let mut renamed = task(3, 1, Running);
                    renamed.name = "t3".into();
                    answering.tasks.lock().unwrap().insert(renamed.id, renamed);
                }
                3 => {
                    let mut t3 = answering.tasks.lock().unwrap()[&TaskId::from_u128(3)].clone();
                    t3.name = "renamed".into();
                    answering.tasks.lock().unwrap().insert(t3.id, t3);
                }
                _ => {}
            }
            answering.answer(request)
        });
        let job = WatchTasks::new(TaskFilters::new()).timeout(Duration::from_secs(30));
        let events: Vec<WatchEvent> = BlockingItems::new(&transport, watch(job)).map(Result::unwrap).collect();
        let names: Vec<(&str, u128)> = events
            .iter()
            .map(|e| {
                let id = match e {
                    WatchEvent::Created(t) | WatchEvent::Updated(t) | WatchEvent::Changed { task: t, .. } => t.id,
                    WatchEvent::Deleted(id) => *id,
                };
                (e.name(), id.as_uuid().as_u128())
            })
            .collect();
        assert_eq!(
            names,
            [
                ("created", 1),
                ("created", 2),
                ("changed", 1),
                ("created", 3),
                ("deleted", 2),
                ("updated", 3)
            ]
        );
    }

    #[test]
    fn a_failing_round_is_retried_and_the_watch_goes_on() {
        let server = FakeServer::with(vec![task(1, 1, Running)]);
        let (answering, rounds) = (server.clone(), Arc::new(AtomicUsize::new(0)));
        let counter = rounds.clone();
        let transport = Simulated::new(Instant::now(), move |request: &http::Request<Vec<u8>>| {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            if (1..4).contains(&n) {
                // Round 2 fails: its call's three attempts all get a 503.
                return Ok(http::Response::builder().status(503).body(Vec::new()).unwrap());
            }
            if n == 5 {
                answering.set_status(1, Completed);
            }
            answering.answer(request)
        });
        let job = WatchTasks::new(TaskFilters::new()).timeout(Duration::from_secs(60));
        let events: Vec<_> = BlockingItems::new(&transport, watch(job)).collect();
        assert!(events.iter().all(Result::is_ok), "{events:?}");
        assert!(
            matches!(events.last(), Some(Ok(WatchEvent::Changed { to: Completed, .. }))),
            "{events:?}"
        );
    }

    #[test]
    fn rounds_that_keep_failing_end_the_watch_with_the_error() {
        let transport = Simulated::new(Instant::now(), |_: &http::Request<Vec<u8>>| {
            Ok(http::Response::builder().status(500).body(Vec::new()).unwrap())
        });
        let events: Vec<_> = BlockingItems::new(&transport, watch(WatchTasks::new(TaskFilters::new()))).collect();
        assert!(matches!(events.as_slice(), [Err(Error::Api(_))]), "{events:?}");
        assert_eq!(transport.sent().len(), 9, "three rounds of three attempts");
    }

    #[test]
    fn memory_stays_flat_over_10_000_rounds_of_a_steady_set() {
        let server = FakeServer::with((1..=5).map(|n| task(n, 1, Running)).collect());
        let answering = server.clone();
        let transport = Simulated::new(Instant::now(), move |request: &http::Request<Vec<u8>>| {
            answering.answer(request)
        });
        let job = WatchTasks::new(TaskFilters::new())
            .skip_existing()
            .intervals(WATCH_FLOOR, WATCH_FLOOR)
            .timeout(WATCH_FLOOR * 10_000);
        let mut machine = watch(job);
        let events: Vec<_> = BlockingItems::new(&transport, &mut machine).collect();
        assert!(events.is_empty(), "{events:?}");
        assert!(transport.sent().len() >= 10_000, "{} rounds", transport.sent().len());
        assert_eq!(machine.watched(), 5);
        assert!(machine.events.capacity() <= 64, "no event history kept");
        assert!(machine.known.capacity() <= 64, "one entry per watched task");
    }
}
