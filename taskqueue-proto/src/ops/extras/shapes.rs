//! The shapes an upstream-only operation's flow takes: one exchange, or an
//! action then the task fetched. Public types in a private module: the
//! operations name them as their flows, users cannot.

use http::{Request, Response};

use super::{refused, task_path};
use crate::error::Missing;
use crate::models::TaskId;
use crate::ops::upstream::{get, task_of};
use crate::ops::{Flow, Operation, Reading, Transition};
use crate::{Config, Error, Task};

/// An upstream-only operation of one exchange.
pub trait OneExchange: Operation {
    /// Validates the input and builds the request.
    fn request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error>;
    /// Reads the answer, 2xx or not.
    fn read(&self, response: &Response<Vec<u8>>) -> Result<Self::Output, Error>;
}

/// The flow of a [`OneExchange`] operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange;

impl<O: OneExchange> Flow<O> for Exchange {
    fn start(op: &O, config: &Config) -> Result<(Self, Request<Vec<u8>>), Error> {
        Ok((Exchange, op.request(config)?))
    }

    fn read(&self, op: &O, _config: &Config, response: Response<Vec<u8>>) -> Reading<Self, O> {
        op.read(&response).map(Transition::Done)
    }
}

/// An upstream-only change the server acknowledges without the task: the
/// flow sends it, then fetches the task.
pub trait TaskAction: Operation {
    /// The task changed.
    fn task_id(&self) -> TaskId;
    /// Validates the input and builds the change's request.
    fn act(&self, config: &Config) -> Result<Request<Vec<u8>>, Error>;
    /// The output, from the acknowledgement and the task afterwards.
    fn finish(&self, acknowledgement: serde_json::Value, task: Task) -> Self::Output;
    /// What a 400 means when the task exists (`None`: the server's error
    /// stands). Asked only after a fetch shows the task is there.
    fn refusal(&self, _current: &Task, _response: &Response<Vec<u8>>) -> Option<Error> {
        None
    }
}

/// The flow of a [`TaskAction`].
#[derive(Debug, Clone)]
pub enum ThenTask {
    /// The change.
    Act,
    /// `GET /tasks/{id}` after it, holding the acknowledgement.
    Fetch(serde_json::Value),
    /// `GET /tasks/{id}` after a 400: was the change refused, or is there no task?
    Probe(Box<Error>),
}

impl<O: TaskAction> Flow<O> for ThenTask {
    fn start(op: &O, config: &Config) -> Result<(Self, Request<Vec<u8>>), Error> {
        Ok((ThenTask::Act, op.act(config)?))
    }

    fn read(&self, op: &O, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, O> {
        let id = op.task_id();
        let subject = format!("task {id}");
        let status = response.status();
        let fetch = || get(config, &task_path(&id));
        match self {
            ThenTask::Act if status.is_success() => {
                let ack = if response.body().is_empty() {
                    serde_json::Value::Null
                } else {
                    crate::ops::decode_value(status, response.headers(), response.body())?
                };
                Ok(Transition::Next(ThenTask::Fetch(ack), fetch()?))
            }
            ThenTask::Act if status == http::StatusCode::BAD_REQUEST => {
                let original = refused(O::NAME, &subject, &response, Missing::Task(Some(id)));
                Ok(Transition::Next(ThenTask::Probe(Box::new(original)), fetch()?))
            }
            ThenTask::Fetch(ack) if status.is_success() => {
                Ok(Transition::Done(op.finish(ack.clone(), task_of(&response)?)))
            }
            ThenTask::Probe(original) if status.is_success() => {
                let current = task_of(&response)?;
                Err(op.refusal(&current, &response).unwrap_or_else(|| (**original).clone()))
            }
            _ => Err(refused(O::NAME, &subject, &response, Missing::Task(Some(id)))),
        }
    }
}
