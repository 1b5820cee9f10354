//! The public server's endpoints beyond the documented API: task status and
//! result, retry, priority, dependencies and correlations, phases, status
//! changes, upsert, workflows, statistics and metrics.
//!
//! They exist only in [`Dialect::Upstream`]: in
//! the spec dialect each answers [`Error::Unsupported`] before anything is
//! sent. Each is an [`Operation`] whose upstream flow does the work:
//! - one exchange, read as is (for the reads);
//! - an action, then the task fetched (for the changes the
//!   server acknowledges without the task);
//! - a flow of its own where the server needs more (adding a dependency
//!   walks the graph for cycles first; a workflow submit fetches its tasks).

mod dependencies;
mod server_info;
mod task_state;
mod upsert;
mod workflows;

pub use dependencies::{AddTaskDependency, ListCorrelations, ListDependencies, MAX_DEPENDENCY_WALK};
pub use server_info::{GetMetrics, GetStats};
pub use task_state::{
    AdvancePhase, GetTaskResult, GetTaskStatus, PhaseAdvance, RetryTask, SETTABLE_STATUSES, SetTaskPriority,
    SetTaskStatus,
};
pub use upsert::UpsertTask;
pub use workflows::{GetWorkflow, GetWorkflowStatus, ListWorkflows, SubmitWorkflow};

mod shapes;
pub(crate) use shapes::{Exchange, OneExchange, TaskAction, ThenTask};

use http::{Request, Response};

pub(crate) use super::tasks::task_path;
use super::upstream::error_of;
use super::{Operation, decode};
use crate::error::Missing;
use crate::{Config, Dialect, Error};

/// Implements [`Operation`] for an upstream-only operation: in the spec
/// dialect it is [`Error::Unsupported`], in the upstream one its flow runs.
/// Items after a `;` join the impl (`repeatable_in`, `outcome_check`).
macro_rules! upstream_only {
    ($op:ty, $output:ty, $flow:ty, $name:literal $(; $($item:item)*)?) => {
        impl $crate::ops::Sealed for $op {}

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
    Error::unsupported(O::NAME, Dialect::Spec)
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
