//! `Batch`: many task creates, validated together, some in flight at once,
//! answered in input order.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use super::random::SplitMix64;
use super::{Action, Call, Machine, Outcome, Ticket};
use crate::ops::{CreateTask, CreateTasks, Operation};
use crate::{CallOptions, Config, DEFAULT_BATCH_CONCURRENCY, Error, Task};

/// One item of the batch.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per item, made once
enum Item {
    Waiting(CreateTask),
    Running(Call<CreateTask>),
    Finished(Result<Task, Error>),
    /// Moved out into the output.
    Taken,
}

/// The machine of [`CreateTasks`]. Every item is validated before anything
/// is sent; the first invalid one fails the whole batch with an error naming
/// its index (`tasks[3].name`). Then at most `concurrency` creates are in
/// flight at once — each a [`Call`] with its own retries — and the output
/// holds one result per item, in input order.
#[derive(Debug)]
pub struct Batch {
    items: Vec<Item>,
    config: Config,
    options: CallOptions,
    seeds: SplitMix64,
    concurrency: usize,
    next: usize,
    first_running: usize,
    running: usize,
    invalid: Option<Error>,
    finished: bool,
}

impl Batch {
    /// The machine for `job` with `config` and `options` (whose
    /// `batch_concurrency` bounds the creates in flight).
    pub fn new(job: CreateTasks, config: Config, options: CallOptions, seed: u64) -> Self {
        let invalid = validate(&job, &config).err();
        let concurrency = options.batch_concurrency.unwrap_or(DEFAULT_BATCH_CONCURRENCY).max(1);
        Batch {
            items: job
                .requests
                .into_iter()
                .map(|r| Item::Waiting(CreateTask::new(r)))
                .collect(),
            config,
            options,
            seeds: SplitMix64::new(seed),
            concurrency,
            next: 0,
            first_running: 0,
            running: 0,
            invalid,
            finished: false,
        }
    }

    fn finish(&mut self, result: Result<Vec<Result<Task, Error>>, Error>) -> Action<Vec<Result<Task, Error>>> {
        self.finished = true;
        Action::Done(result)
    }
}

/// Every request valid, and buildable under `config`, so a batch that starts
/// sending cannot fail half-way on input.
fn validate(job: &CreateTasks, config: &Config) -> Result<(), Error> {
    for (index, request) in job.requests.iter().enumerate() {
        if let Err(Error::InvalidInput { field, message }) = request.validate() {
            return Err(Error::InvalidInput {
                field: format!("tasks[{index}].{field}"),
                message,
            });
        }
        if let Err(e) = CreateTask::new(request.clone()).build_request(config) {
            return Err(Error::invalid_input(format!("tasks[{index}]"), e.to_string()));
        }
    }
    Ok(())
}

impl Machine for Batch {
    type Output = Vec<Result<Task, Error>>;
    type Item = Infallible;

    fn poll(&mut self, now: Instant) -> Action<Self::Output> {
        if self.finished {
            return Action::Pending;
        }
        if let Some(error) = self.invalid.take() {
            return self.finish(Err(error));
        }
        // Start creates up to the bound.
        while self.running < self.concurrency && self.next < self.items.len() {
            if let Item::Waiting(op) = std::mem::replace(&mut self.items[self.next], Item::Taken) {
                let call = Call::new(op, self.config.clone(), self.options.clone(), self.seeds.next_u64());
                self.items[self.next] = Item::Running(call);
                self.running += 1;
            }
            self.next += 1;
        }
        // Items before the first running one are finished: skip them.
        while self.first_running < self.next && !matches!(self.items[self.first_running], Item::Running(_)) {
            self.first_running += 1;
        }
        let mut sleep: Option<Duration> = None;
        for (slot, item) in self
            .items
            .iter_mut()
            .enumerate()
            .take(self.next)
            .skip(self.first_running)
        {
            let Item::Running(call) = item else { continue };
            match call.poll(now).forward::<(), Infallible>() {
                Ok(result) => {
                    *item = Item::Finished(result);
                    self.running -= 1;
                    // A slot came free: start the next create at once.
                    return self.poll(now);
                }
                Err(Action::Send {
                    request,
                    timeout,
                    ticket,
                }) => {
                    let ticket = Ticket { slot, ..ticket };
                    return Action::Send {
                        request,
                        timeout,
                        ticket,
                    };
                }
                Err(Action::Sleep(pause)) => sleep = Some(sleep.map_or(pause, |s| s.min(pause))),
                Err(_) => {}
            }
        }
        if self.running > 0 || self.next < self.items.len() {
            return sleep.map_or(Action::Pending, Action::Sleep);
        }
        let results = self
            .items
            .iter_mut()
            .enumerate()
            .map(|(index, item)| match std::mem::replace(item, Item::Taken) {
                Item::Finished(result) => result,
                _ => Err(Error::invalid_input(
                    format!("tasks[{index}]"),
                    "no result: the create was not run",
                )),
            })
            .collect();
        self.finish(Ok(results))
    }

    fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        if let Some(Item::Running(call)) = self.items.get_mut(ticket.slot) {
            call.record(Ticket { slot: 0, ..ticket }, outcome, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TaskCreateRequest;
    use crate::driver::{IntoMachine, Simulated, run_blocking};
    use uuid::Uuid;

    fn created(request: &http::Request<Vec<u8>>) -> Outcome {
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        let name = body["name"].as_str().unwrap();
        if name == "refused" {
            return Ok(http::Response::builder().status(404).body(Vec::new()).unwrap());
        }
        let task = Task::new(Uuid::nil(), name, "x", chrono::DateTime::UNIX_EPOCH);
        Ok(http::Response::builder()
            .status(201)
            .body(serde_json::to_vec(&task).unwrap())
            .unwrap())
    }

    fn run(requests: Vec<TaskCreateRequest>, concurrency: usize) -> (Result<Vec<Result<Task, Error>>, Error>, usize) {
        let transport = Simulated::new(Instant::now(), created);
        let options = CallOptions::new().batch_concurrency(concurrency);
        let batch = CreateTasks::new(requests).into_machine(&Config::default(), &options, 1);
        let result = run_blocking(&transport, batch);
        (result, transport.sent().len())
    }

    #[test]
    fn results_come_back_in_input_order() {
        let names = ["a", "refused", "c", "d", "e"];
        let requests = names
            .iter()
            .map(|n| TaskCreateRequest::new(*n, "x", Uuid::nil()))
            .collect();
        let (results, sent) = run(requests, 2);
        let results = results.unwrap();
        assert_eq!(sent, 5);
        assert_eq!(results[0].as_ref().unwrap().name, "a");
        assert!(matches!(results[1], Err(Error::ProjectNotFound(_))), "{:?}", results[1]);
        for (i, name) in names.iter().enumerate().skip(2) {
            assert_eq!(results[i].as_ref().unwrap().name, *name);
        }
    }

    #[test]
    fn the_invalid_index_is_named_and_nothing_is_sent() {
        let (result, sent) = run(
            vec![
                TaskCreateRequest::new("a", "x", Uuid::nil()),
                TaskCreateRequest::new("b", "x", Uuid::nil()),
                TaskCreateRequest::new("c", "x", Uuid::nil()).timeout(0),
            ],
            8,
        );
        let err = result.unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { ref field, .. } if field == "tasks[2].timeout"),
            "{err}"
        );
        assert_eq!(sent, 0);
    }

    #[test]
    fn at_most_the_concurrency_is_in_flight() {
        let mut batch = CreateTasks::new(
            (0..5)
                .map(|i| TaskCreateRequest::new(format!("t{i}"), "x", Uuid::nil()))
                .collect(),
        )
        .into_machine(&Config::default(), &CallOptions::new().batch_concurrency(2), 1);
        let now = Instant::now();
        let mut tickets = Vec::new();
        while let Action::Send { request, ticket, .. } = batch.poll(now) {
            tickets.push((ticket, request));
        }
        assert_eq!(tickets.len(), 2, "two in flight, then Pending");
        let (ticket, request) = tickets.remove(0);
        batch.record(ticket, created(&request), now);
        assert!(matches!(batch.poll(now), Action::Send { .. }), "a slot came free");
        assert!(matches!(batch.poll(now), Action::Pending));
    }

    #[test]
    fn an_empty_batch_is_an_empty_answer() {
        let (result, sent) = run(Vec::new(), 8);
        assert!(result.unwrap().is_empty());
        assert_eq!(sent, 0);
    }
}
