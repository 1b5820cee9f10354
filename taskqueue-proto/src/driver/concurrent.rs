//! `Concurrent`: many jobs, at most so many in flight, each its own machine
//! — what a batch of creates and the rounds of a multi-wait are made of.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use super::random::SeedSource;
use super::{Action, IntoMachine, Machine, Outcome, Piece, Ticket};
use crate::{CallOptions, Config, Error};

/// What a job's machine ends with.
type Output<J> = <<J as IntoMachine>::Machine as Machine>::Output;

#[allow(clippy::large_enum_variant)] // one per job
enum Slot<J: IntoMachine> {
    Waiting(J),
    Running(J::Machine),
    Finished(Result<Output<J>, Error>),
    Taken,
}

/// Runs `jobs`, at most `limit` at once: starts them in order as slots come
/// free, passes their sends on with the job's index in the ticket, and keeps
/// each result at its index.
pub(crate) struct Concurrent<J: IntoMachine> {
    slots: Vec<Slot<J>>,
    config: Config,
    options: CallOptions,
    seeds: SeedSource,
    limit: usize,
    next: usize,
    first_running: usize,
    running: usize,
    /// Jobs finished since the owner last asked, in the order they finished.
    finished: Vec<usize>,
}

impl<J: IntoMachine> std::fmt::Debug for Concurrent<J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Concurrent")
            .field("jobs", &self.slots.len())
            .field("started", &self.next)
            .field("running", &self.running)
            .field("limit", &self.limit)
            .finish()
    }
}

impl<J> Concurrent<J>
where
    J: IntoMachine,
    J::Machine: Machine<Item = Infallible>,
{
    pub(crate) fn new(jobs: Vec<J>, config: Config, options: CallOptions, seed: u64, limit: usize) -> Self {
        Concurrent {
            slots: jobs.into_iter().map(Slot::Waiting).collect(),
            config,
            options,
            seeds: SeedSource::new(seed),
            limit: limit.max(1),
            next: 0,
            first_running: 0,
            running: 0,
            finished: Vec::new(),
        }
    }

    /// Starts jobs up to the limit and polls the running ones: the first
    /// action to pass on, or `None` once every job has finished.
    pub(crate) fn poll<U, I>(&mut self, now: Instant) -> Option<Action<U, I>> {
        while self.running < self.limit && self.next < self.slots.len() {
            if let Slot::Waiting(job) = std::mem::replace(&mut self.slots[self.next], Slot::Taken) {
                let machine = job.into_machine(&self.config, &self.options, self.seeds.next_u64());
                self.slots[self.next] = Slot::Running(machine);
                self.running += 1;
            }
            self.next += 1;
        }
        // Slots before the first running one are finished: skip them.
        while self.first_running < self.next && !matches!(self.slots[self.first_running], Slot::Running(_)) {
            self.first_running += 1;
        }
        let mut sleep: Option<Duration> = None;
        for slot in self.first_running..self.next {
            let Slot::Running(machine) = &mut self.slots[slot] else {
                continue;
            };
            match machine.poll(now) {
                Action::Done(result) => {
                    self.slots[slot] = Slot::Finished(result);
                    self.running -= 1;
                    self.finished.push(slot);
                    // A slot came free: start the next job at once.
                    return self.poll(now);
                }
                Action::Send {
                    request,
                    timeout,
                    ticket,
                } => {
                    let ticket = Ticket { slot, ..ticket };
                    return Some(Action::Send {
                        request,
                        timeout,
                        ticket,
                    });
                }
                Action::Open {
                    request,
                    timeout,
                    ticket,
                } => {
                    let ticket = Ticket { slot, ..ticket };
                    return Some(Action::Open {
                        request,
                        timeout,
                        ticket,
                    });
                }
                Action::Sleep(pause) => sleep = Some(sleep.map_or(pause, |s| s.min(pause))),
                Action::Pending => {}
                Action::Yield(never) => match never {},
            }
        }
        if self.running > 0 || self.next < self.slots.len() {
            return Some(sleep.map_or(Action::Pending, Action::Sleep));
        }
        None
    }

    /// Hands an outcome to the job whose index the ticket carries.
    pub(crate) fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        if let Some(Slot::Running(machine)) = self.slots.get_mut(ticket.slot) {
            machine.record(Ticket { slot: 0, ..ticket }, outcome, now);
        }
    }

    /// Hands a piece of an opened response to the job whose index the ticket carries.
    pub(crate) fn receive(&mut self, ticket: &Ticket, piece: Piece<'_>, now: Instant) {
        if let Some(Slot::Running(machine)) = self.slots.get_mut(ticket.slot) {
            let inner = Ticket {
                slot: 0,
                attempt: ticket.attempt,
            };
            machine.receive(&inner, piece, now);
        }
    }

    /// The jobs that finished since the last call, in the order they finished.
    pub(crate) fn drain_finished(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.finished)
    }

    /// The result of job `index`, once it has finished.
    pub(crate) fn result(&self, index: usize) -> Option<&Result<Output<J>, Error>> {
        match self.slots.get(index) {
            Some(Slot::Finished(result)) => Some(result),
            _ => None,
        }
    }

    /// Every result, in the jobs' order; a job that did not finish is an error saying so.
    pub(crate) fn take_results(&mut self) -> Vec<Result<Output<J>, Error>> {
        self.slots
            .iter_mut()
            .enumerate()
            .map(|(index, slot)| match std::mem::replace(slot, Slot::Taken) {
                Slot::Finished(result) => result,
                _ => Err(Error::invalid_input(format!("jobs[{index}]"), "did not finish")),
            })
            .collect()
    }
}
