//! `Batch`: many task creates, validated together, some in flight at once,
//! answered in input order.

use std::convert::Infallible;
use std::time::Instant;

use super::concurrent::Concurrent;
use super::{Action, Machine, Outcome, Ticket};
use crate::ops::jobs::ItemObserver;
use crate::ops::{CreateTask, CreateTasks, Operation};
use crate::{CallOptions, Config, Error, Task};

/// The machine of [`CreateTasks`]. Every item is validated before anything
/// is sent; the first invalid one fails the whole batch with an error naming
/// its index (`tasks[3].name`). Then at most `batch_concurrency` creates are
/// in flight at once — each a [`Call`](super::Call) with its own retries — the
/// job's `on_item` callback hears of each as it finishes, and the output
/// holds one result per item, in input order.
pub struct Batch<O = ItemObserver> {
    creates: Concurrent<CreateTask>,
    observer: Option<O>,
    invalid: Option<Error>,
    finished: bool,
}

impl<O> std::fmt::Debug for Batch<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("creates", &self.creates)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<O: FnMut(usize, &Result<Task, Error>)> Batch<O> {
    /// The machine for `job` with `config` (whose
    /// [`batch_concurrency`](Config::batch_concurrency) bounds the creates in
    /// flight) and `options`. A caller's idempotency key in `options` is the
    /// batch's: item `i` carries `{key}/{i}`, so the same batch run again with
    /// the same key creates nothing twice.
    pub fn new(job: CreateTasks<O>, config: Config, mut options: CallOptions, seed: u64) -> Self {
        let batch_key = options.idempotency_key.take();
        let invalid = validate(&job, &config, batch_key.as_deref()).err();
        let limit = config.batch_concurrency();
        let creates = job
            .requests
            .into_iter()
            .enumerate()
            .map(|(index, request)| match &batch_key {
                Some(key) => CreateTask::new(request).with_idempotency_key(item_key(key, index)),
                None => CreateTask::new(request),
            })
            .collect();
        Batch {
            creates: Concurrent::new(creates, config, options, seed, limit),
            observer: job.observer,
            invalid,
            finished: false,
        }
    }

    /// Tells the observer of the items that finished since the last poll.
    fn report(&mut self) {
        let finished = self.creates.drain_finished();
        if let Some(observe) = &mut self.observer {
            for index in finished {
                if let Some(result) = self.creates.result(index) {
                    observe(index, result);
                }
            }
        }
    }
}

/// The idempotency key of item `index` of a batch keyed `key`.
pub fn item_key(key: &str, index: usize) -> String {
    format!("{key}/{index}")
}

/// Every request valid, and buildable under `config`, so a batch that starts
/// sending cannot fail half-way on input; the batch's key leaves room for
/// every item's suffix.
fn validate<O>(job: &CreateTasks<O>, config: &Config, key: Option<&str>) -> Result<(), Error> {
    if let Some(key) = key {
        let longest = item_key(key, job.requests.len().saturating_sub(1));
        if key.is_empty() || longest.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid_input(
                "idempotency_key",
                format!(
                    "must be visible ASCII characters, at most {} for a batch of {} (each item's key is \
                     `{{key}}/{{index}}`, at most 255)",
                    255usize.saturating_sub(longest.len() - key.len()),
                    job.requests.len()
                ),
            ));
        }
    }
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

impl<O: FnMut(usize, &Result<Task, Error>)> Machine for Batch<O> {
    type Output = Vec<Result<Task, Error>>;
    type Item = Infallible;

    fn poll(&mut self, now: Instant) -> Action<Self::Output> {
        if self.finished {
            return Action::Pending;
        }
        if let Some(error) = self.invalid.take() {
            self.finished = true;
            return Action::Done(Err(error));
        }
        let action = self.creates.poll(now);
        self.report();
        match action {
            Some(action) => action,
            None => {
                self.finished = true;
                Action::Done(Ok(self.creates.take_results()))
            }
        }
    }

    fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        self.creates.record(ticket, outcome, now);
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
        let config = Config::default().with_batch_concurrency(concurrency);
        let batch = CreateTasks::new(requests).into_machine(&config, &CallOptions::new(), 1);
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
                TaskCreateRequest::new("c", "x", Uuid::nil()).execution_timeout(std::time::Duration::from_secs(0)),
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
        .into_machine(&Config::default().with_batch_concurrency(2), &CallOptions::new(), 1);
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
    fn the_observer_hears_of_every_item_once() {
        use std::sync::{Arc, Mutex};
        let heard = Arc::new(Mutex::new(Vec::new()));
        let log = heard.clone();
        let names = ["a", "refused", "c"];
        let job = CreateTasks::new(
            names
                .iter()
                .map(|n| TaskCreateRequest::new(*n, "x", Uuid::nil()))
                .collect(),
        )
        .on_item(move |index, result| log.lock().unwrap().push((index, result.is_ok())));
        let transport = Simulated::new(Instant::now(), created);
        let config = Config::default().with_batch_concurrency(2);
        run_blocking(&transport, job.into_machine(&config, &CallOptions::new(), 1)).unwrap();
        let mut heard = heard.lock().unwrap().clone();
        heard.sort_unstable();
        assert_eq!(heard, [(0, true), (1, false), (2, true)]);
    }

    #[test]
    fn an_empty_batch_is_an_empty_answer() {
        let (result, sent) = run(Vec::new(), 8);
        assert!(result.unwrap().is_empty());
        assert_eq!(sent, 0);
    }
}
