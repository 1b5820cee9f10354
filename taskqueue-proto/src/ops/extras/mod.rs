//! The public server's endpoints beyond the documented API: task status and
//! result, retry, priority, dependencies and correlations, phases, status
//! changes, upsert, workflows, statistics and metrics.
//!
//! They exist only in [`Dialect::Upstream`]: in
//! the spec dialect each answers [`Error::Unsupported`] before anything is
//! sent. Each is an [`Operation`] whose [`Flow`] does the work:
//! - one exchange, read as is ([`Exchange`], for the reads);
//! - an action, then the task fetched ([`ThenTask`], for the changes the
//!   server acknowledges without the task);
//! - a flow of its own where the server needs more (adding a dependency
//!   walks the graph for cycles first; a workflow submit fetches its tasks).

mod dependencies;
mod server_info;
mod task_state;
mod upsert;
mod workflows;

pub use dependencies::{AddDependencyFlow, AddTaskDependency, ListCorrelations, ListDependencies, MAX_DEPENDENCY_WALK};
pub use server_info::{GetMetrics, GetStats};
pub use task_state::{
    AdvancePhase, GetTaskResult, GetTaskStatus, PhaseAdvance, RetryTask, SETTABLE_STATUSES, SetTaskPriority,
    SetTaskStatus,
};
pub use upsert::{UpsertTask, UpsertTaskFlow};
pub use workflows::{GetWorkflow, GetWorkflowStatus, ListWorkflows, SubmitWorkflow, SubmitWorkflowFlow};

use http::{Request, Response};
use uuid::Uuid;

pub(crate) use super::tasks::task_path;
use super::upstream::{error_of, get, task_of};
use super::{Flow, Operation, Reading, Transition, decode};
use crate::error::Missing;
use crate::{Config, Dialect, Error, Task};

/// Implements [`Operation`] for an upstream-only operation: in the spec
/// dialect it is [`Error::Unsupported`], in the upstream one its flow runs.
/// Items after a `;` join the impl (`repeatable_in`, `outcome_check`).
macro_rules! upstream_only {
    ($op:ty, $output:ty, $flow:ty, $name:literal $(; $($item:item)*)?) => {
        impl $crate::ops::Operation for $op {
            type Output = $output;
            type Upstream = $flow;
            const NAME: &'static str = $name;

            fn build_spec_request(&self, _config: &$crate::Config) -> Result<http::Request<Vec<u8>>, $crate::Error> {
                Err($crate::ops::extras::unsupported::<Self>())
            }

            fn parse_spec_response<B: AsRef<[u8]>>(
                &self,
                _response: http::Response<B>,
            ) -> Result<$output, $crate::Error> {
                Err($crate::ops::extras::unsupported::<Self>())
            }

            $($($item)*)?
        }
    };
}
pub(crate) use upstream_only;

/// The error of an upstream-only operation in the spec dialect.
pub(crate) fn unsupported<O: Operation>() -> Error {
    Error::Unsupported {
        operation: O::NAME,
        dialect: Dialect::Spec,
    }
}

/// The error of a refused exchange, with the operation and its subject in
/// the message when the server said nothing (its error bodies are empty).
pub(crate) fn refused(op: &str, subject: &str, response: &Response<Vec<u8>>, missing: Missing) -> Error {
    let mut error = error_of(response, missing);
    if response.body().iter().all(u8::is_ascii_whitespace) {
        if let Some(api) = error.api_error_mut() {
            api.message = format!("{op} ({subject}): {} (the server sent no details)", api.message);
        }
    }
    error
}

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
    fn task_id(&self) -> Uuid;
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
                    super::decode_value(status, response.headers(), response.body())?
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

/// The body of a 2xx answer as `T`, or the error of another, for a one-exchange read.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    op: &str,
    subject: &str,
    response: &Response<Vec<u8>>,
    missing: Missing,
) -> Result<T, Error> {
    if !response.status().is_success() {
        return Err(refused(op, subject, response, missing));
    }
    decode(response.status(), response.headers(), response.body())
}

/// A JSON request body for the public server.
pub(crate) fn json_request(
    config: &Config,
    method: http::Method,
    path: &str,
    body: &serde_json::Value,
) -> Result<Request<Vec<u8>>, Error> {
    config.request(method, path, &[], Some(super::json_body(body)?))
}
