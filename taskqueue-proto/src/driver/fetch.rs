//! `Fetch`: reading the current state of some tasks — one by id, or every
//! task of a project — as one job of a multi-wait round.

use std::convert::Infallible;
use std::time::Instant;

use crate::models::{ProjectId, TaskId};

use super::pages::AllPages;
use super::{Action, Call, IntoMachine, Machine, Outcome, Piece, Ticket};
use crate::ops::{GetTask, ListAllTasks};
use crate::{CallOptions, Config, Error, Task, TaskFilters};

/// What to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fetch {
    /// `GET` one task.
    Task(TaskId),
    /// Every task of a project, all pages.
    Project(ProjectId),
}

/// What was read.
#[derive(Debug)]
pub(crate) enum Fetched {
    /// The tasks read.
    Tasks(Vec<Task>),
    /// The task asked for by id does not exist.
    Missing,
}

/// The machine of a [`Fetch`].
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per fetch
pub(crate) enum FetchMachine {
    Task(Call<GetTask>),
    Project(AllPages),
}

/// The page size of a project listing: as few pages as the server allows.
pub(crate) const LISTING_PAGE: u32 = 1000;

impl IntoMachine for Fetch {
    type Machine = FetchMachine;

    fn into_machine(self, config: &Config, options: &CallOptions, seed: u64) -> FetchMachine {
        match self {
            Fetch::Task(id) => FetchMachine::Task(Call::new(GetTask::new(id), config.clone(), options.clone(), seed)),
            Fetch::Project(project) => {
                let filters = TaskFilters::new().project_id(project).limit(LISTING_PAGE);
                FetchMachine::Project(AllPages::new(
                    ListAllTasks::new(filters).into_machine(config, options, seed),
                ))
            }
        }
    }
}

impl Machine for FetchMachine {
    type Output = Fetched;
    type Item = Infallible;

    fn poll(&mut self, now: Instant) -> Action<Fetched> {
        match self {
            FetchMachine::Task(call) => match call.poll(now).forward() {
                Ok(Ok(task)) => Action::Done(Ok(Fetched::Tasks(vec![task]))),
                Ok(Err(Error::TaskNotFound(_))) => Action::Done(Ok(Fetched::Missing)),
                Ok(Err(error)) => Action::Done(Err(error)),
                Err(action) => action,
            },
            FetchMachine::Project(listing) => match listing.poll(now).forward() {
                Ok(result) => Action::Done(result.map(Fetched::Tasks)),
                Err(action) => action,
            },
        }
    }

    fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        match self {
            FetchMachine::Task(call) => call.record(ticket, outcome, now),
            FetchMachine::Project(listing) => listing.record(ticket, outcome, now),
        }
    }

    fn receive(&mut self, ticket: &Ticket, piece: Piece<'_>, now: Instant) {
        if let FetchMachine::Project(listing) = self {
            listing.receive(ticket, piece, now);
        }
    }
}
