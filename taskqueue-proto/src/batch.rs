//! `BatchCreate`: many task creates, validated together, answered in order.

use crate::ops::{CreateTask, Operation};
use crate::{Config, Error, Task, TaskCreateRequest};

/// The default number of creates a transport keeps in flight for a batch.
pub const DEFAULT_BATCH_CONCURRENCY: usize = 8;

/// A batch of task creates. Every item is validated before anything is sent;
/// the first invalid one fails the whole batch with an error naming its index
/// (`tasks[3].name`). Transports then run the creates (concurrently, in any
/// order) and collect one result per item with [`BatchResults`].
///
/// ```
/// use taskqueue_proto::{BatchCreate, TaskCreateRequest};
/// let p = uuid::Uuid::nil();
/// let err = BatchCreate::new(vec![
///     TaskCreateRequest::new("a", "true", p),
///     TaskCreateRequest::new("", "true", p),
/// ])
/// .unwrap_err();
/// assert_eq!(err.to_string(), "invalid tasks[1].name: must not be empty");
/// ```
#[derive(Debug, Clone)]
pub struct BatchCreate {
    ops: Vec<CreateTask>,
}

impl BatchCreate {
    /// Validates every request; nothing is to be sent if any is invalid.
    pub fn new(requests: Vec<TaskCreateRequest>) -> Result<Self, Error> {
        for (index, request) in requests.iter().enumerate() {
            if let Err(Error::InvalidInput { field, message }) = request.validate() {
                return Err(Error::InvalidInput {
                    field: format!("tasks[{index}].{field}"),
                    message,
                });
            }
        }
        Ok(BatchCreate {
            ops: requests.into_iter().map(CreateTask::new).collect(),
        })
    }

    /// Also checks that every request builds under `config`, so a batch that
    /// starts sending cannot fail half-way on input.
    pub fn check(&self, config: &Config) -> Result<(), Error> {
        for (index, op) in self.ops.iter().enumerate() {
            if let Err(e) = op.build_request(config) {
                return Err(Error::invalid_input(format!("tasks[{index}]"), e.to_string()));
            }
        }
        Ok(())
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The operations with their input index.
    pub fn into_ops(self) -> impl ExactSizeIterator<Item = (usize, CreateTask)> {
        self.ops.into_iter().enumerate()
    }

    /// A collector for this batch's results.
    pub fn results(&self) -> BatchResults {
        BatchResults::new(self.ops.len())
    }
}

/// One result per batch item, in input order whatever order they finished in.
#[derive(Debug)]
pub struct BatchResults {
    slots: Vec<Option<Result<Task, Error>>>,
}

impl BatchResults {
    /// Room for `len` results.
    pub fn new(len: usize) -> Self {
        BatchResults {
            slots: (0..len).map(|_| None).collect(),
        }
    }

    /// Stores the result of item `index` (an index out of range is ignored).
    pub fn insert(&mut self, index: usize, result: Result<Task, Error>) {
        if let Some(slot) = self.slots.get_mut(index) {
            *slot = Some(result);
        }
    }

    /// The results in input order. An item whose result never arrived (its
    /// worker was stopped) is an error that says so rather than a gap.
    pub fn finish(self) -> Vec<Result<Task, Error>> {
        self.slots
            .into_iter()
            .enumerate()
            .map(|(index, slot)| {
                slot.unwrap_or_else(|| {
                    Err(Error::invalid_input(
                        format!("tasks[{index}]"),
                        "no result: the create was not run",
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn results_come_back_in_input_order() {
        let batch = BatchCreate::new(vec![
            TaskCreateRequest::new("a", "x", Uuid::nil()),
            TaskCreateRequest::new("b", "x", Uuid::nil()),
            TaskCreateRequest::new("c", "x", Uuid::nil()),
        ])
        .unwrap();
        let mut results = batch.results();
        let now = chrono::DateTime::UNIX_EPOCH;
        results.insert(2, Ok(Task::new(Uuid::nil(), "c", "x", now)));
        results.insert(0, Ok(Task::new(Uuid::nil(), "a", "x", now)));
        let out = results.finish();
        assert_eq!(out[0].as_ref().unwrap().name, "a");
        assert!(matches!(&out[1], Err(Error::InvalidInput { field, .. }) if field == "tasks[1]"));
        assert_eq!(out[2].as_ref().unwrap().name, "c");
    }

    #[test]
    fn the_invalid_index_is_named() {
        let err = BatchCreate::new(vec![
            TaskCreateRequest::new("a", "x", Uuid::nil()),
            TaskCreateRequest::new("b", "x", Uuid::nil()),
            TaskCreateRequest::new("c", "x", Uuid::nil()).timeout(0),
        ])
        .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { ref field, .. } if field == "tasks[2].timeout"),
            "{err}"
        );
    }

    #[test]
    fn ops_keep_their_index() {
        let batch = BatchCreate::new(vec![TaskCreateRequest::new("a", "x", Uuid::nil())]).unwrap();
        assert!(batch.check(&Config::default()).is_ok());
        let ops: Vec<_> = batch.into_ops().collect();
        assert_eq!(ops[0].0, 0);
        assert_eq!(ops[0].1.request.name, "a");
    }
}
