//! Operations as values: each builds its `http::Request` from a [`Config`]
//! and reads the `http::Response` into its output or a typed [`Error`].
//!
//! ```
//! use taskqueue_proto::{Config, ops::{GetTask, Operation}};
//! let config = Config::default();
//! let id = uuid::Uuid::nil();
//! let request = GetTask::new(id).build_request(&config)?;
//! assert_eq!(request.uri(), "http://localhost:8080/api/tasks/00000000-0000-0000-0000-000000000000");
//!
//! let response = http::Response::builder().status(404).body(Vec::new()).unwrap();
//! let err = GetTask::new(id).parse_response(&config, response).unwrap_err();
//! assert!(matches!(err, taskqueue_proto::Error::TaskNotFound(_)));
//! # Ok::<(), taskqueue_proto::Error>(())
//! ```
//!
//! An operation is written once, for the documented API. How it runs
//! against the public server ([`Dialect::Upstream`]) is its flow, a state
//! type private to the SDK, kept apart in the `upstream` layer; the spec
//! operations hold no dialect branches. [`Operation`] is sealed: [`Raw`]
//! sends any request the SDK has no operation for. Jobs of many exchanges ([`WaitForCompletion`], [`CreateTasks`],
//! [`ListAllTasks`]) are not operations: a client runs them as state
//! machines of the [`driver`](crate::driver).

pub mod extras;
mod flow;
mod health;
pub(crate) mod jobs;
mod projects;
mod raw;
mod tasks;
pub mod upstream;
pub(crate) mod waits;
mod watch;

pub use extras::{
    AddTaskDependency, AdvancePhase, GetMetrics, GetStats, GetTaskResult, GetTaskStatus, GetWorkflow,
    GetWorkflowStatus, ListCorrelations, ListDependencies, ListWorkflows, MAX_DEPENDENCY_WALK, PhaseAdvance, RetryTask,
    SetTaskPriority, SetTaskStatus, SubmitWorkflow, UpsertTask,
};
pub(crate) use flow::{CallKey, Flow, Reading, Step, Transition};
pub use health::{Health, HealthStatus};
pub use jobs::{CreateTasks, ListAllTasks, WaitForCompletion};
pub use projects::{CreateProject, DeleteProject, GetProject, ListProjects, UpdateProject};
pub use raw::Raw;
pub use tasks::{CancelTask, CreateTask, DeleteTask, GetTask, ListTasks, UpdateTask};
pub(crate) use upstream::AsSpec;
pub use waits::{WaitForTasks, WaitMode, WaitOutcome, WaitReport};
pub use watch::{WATCH_FLOOR, WatchEvent, WatchTasks};

/// [`Operation`] is sealed: the operations are the SDK's, and
/// [`Raw`] is the way to send a request it has no operation for.
mod sealed {
    /// Implemented by the SDK's operations only.
    pub trait Sealed {}
}
pub(crate) use sealed::Sealed;

use http::{Request, Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{Missing, error_from_response, request_id_of, snippet};
use crate::{Config, Dialect, Error};

/// One API operation: a value that knows its request and how to read its response.
///
/// An implementation says three things: its documented request
/// ([`build_spec_request`](Operation::build_spec_request)), how to read the
/// documented response ([`parse_spec_response`](Operation::parse_spec_response)),
/// and how it runs against the public server ([`Upstream`](Operation::Upstream):
/// [`AsSpec`] where the server answers as documented). The provided
/// [`build_request`](Operation::build_request) and
/// [`parse_response`](Operation::parse_response) pick the config's dialect,
/// for testing request building without a network; a
/// [`Call`](crate::driver::Call) runs every exchange of either dialect.
///
/// The trait is sealed (its upstream flows are the SDK's own): for a request
/// the SDK has no operation for, use [`Raw`].
///
/// ```compile_fail,E0277
/// use taskqueue_proto::{Config, Error};
/// struct Mine;
/// // error[E0277]: the trait bound `Mine: Sealed` is not satisfied
/// impl taskqueue_proto::ops::Operation for Mine {
///     type Output = ();
///     const NAME: &'static str = "mine";
///     fn build_spec_request(&self, _: &Config) -> Result<http::Request<Vec<u8>>, Error> {
///         Err(Error::invalid_input("mine", "a user's operation"))
///     }
///     fn parse_spec_response<B: AsRef<[u8]>>(&self, _: http::Response<B>) -> Result<(), Error> {
///         Ok(())
///     }
/// }
/// ```
pub trait Operation: Sized + sealed::Sealed {
    /// What a successful call returns.
    type Output;

    /// How the operation runs in [`Dialect::Upstream`]: its exchanges as an
    /// explicit state type, private to the SDK (the public server's
    /// exchanges change without a breaking release).
    #[doc(hidden)]
    type Upstream: Flow<Self>;

    /// The operation's name, for logs, traces and errors (`"get_task"`).
    const NAME: &'static str;

    /// Validates the input and builds the documented request. Nothing is sent if this fails.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] or [`Error::Validation`] for input the contract refuses; [`Error::Unsupported`] for an operation the dialect does not have.
    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error>;

    /// Reads the documented response.
    ///
    /// # Errors
    ///
    /// The error the response stands for: an error status mapped by the operation ([`Error::TaskNotFound`], [`Error::Validation`], …), or [`Error::Decode`] for a success body that is not what the contract says.
    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Self::Output, Error>;

    /// Whether the call should carry an `Idempotency-Key` (creating and
    /// cancelling POSTs), so that retrying it after a lost response is safe.
    fn wants_idempotency_key(&self) -> bool {
        false
    }

    /// An idempotency key this operation value carries (given with the
    /// operation, as [`CreateTask::idempotency_key`] does), used when the
    /// call's options give none. One key belongs to one write.
    fn idempotency_key(&self) -> Option<&str> {
        None
    }

    /// Whether sending this operation's `POST` again is harmless in
    /// `dialect` even if the first send was applied (cancelling a task twice
    /// on the public server, say). Reads, `PUT`s and `DELETE`s are harmless
    /// by their method; a write that is not, and that the server does not
    /// deduplicate, is never sent twice blindly (see
    /// [`may_have_been_applied`](crate::retry::may_have_been_applied)).
    fn repeatable_in(&self, dialect: Dialect) -> bool {
        let _ = dialect;
        false
    }

    /// What a user should check when this write's outcome is unknown
    /// ([`Error::OutcomeUnknown`]), before running it again.
    fn outcome_check(&self) -> String {
        format!("check the server's state before running {} again", Self::NAME)
    }

    /// Validates the input and builds the first request in the config's dialect.
    ///
    /// # Errors
    ///
    /// As [`build_spec_request`](Operation::build_spec_request)'s, in either dialect.
    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        match config.dialect() {
            Dialect::Upstream => Self::Upstream::start(self, config).map(|(_, request)| request),
            _ => self.build_spec_request(config),
        }
    }

    /// Reads the response to [`build_request`](Operation::build_request)'s
    /// request in the config's dialect. An upstream operation that needs a
    /// further exchange (a create, which the public server acknowledges
    /// without the entity) answers [`Error::NeedsDriver`]: run it through a
    /// client or a driver instead.
    ///
    /// # Errors
    ///
    /// As [`parse_spec_response`](Operation::parse_spec_response)'s; [`Error::NeedsDriver`] for a flow of several exchanges.
    fn parse_response<B: AsRef<[u8]>>(&self, config: &Config, response: Response<B>) -> Result<Self::Output, Error> {
        match config.dialect() {
            Dialect::Upstream => {
                let (state, _) = Self::Upstream::start(self, config)?;
                match state.read(self, config, response.map(|body| body.as_ref().to_vec()))? {
                    Transition::Done(output) => Ok(output),
                    Transition::Next(..) => Err(Error::NeedsDriver { operation: Self::NAME }),
                }
            }
            _ => self.parse_spec_response(response),
        }
    }
}

/// `prefix` then `id` (hyphenated, lower case), in a string of exactly that
/// length: no formatting machinery, no growing (a path is built for every
/// call on one task or project).
fn id_path(prefix: &str, id: &uuid::Uuid) -> String {
    let mut text = uuid::Uuid::encode_buffer();
    let mut path = String::with_capacity(prefix.len() + uuid::fmt::Hyphenated::LENGTH);
    path.push_str(prefix);
    path.push_str(id.hyphenated().encode_lower(&mut text));
    path
}

/// Serializes a request body; a model that cannot be serialized is an input error.
fn json_body<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error::invalid_input("body", e.to_string()))
}

/// The response itself when its status is 2xx, else the typed error it carries.
pub(crate) fn successful<B: AsRef<[u8]>>(response: Response<B>, missing: Missing) -> Result<Response<B>, Error> {
    if response.status().is_success() {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    Err(error_from_response(
        parts.status,
        &parts.headers,
        body.as_ref(),
        missing,
    ))
}

/// The body of a 2xx response as `T`, or the typed error of a non-2xx one.
fn parse_json<T: DeserializeOwned, B: AsRef<[u8]>>(response: Response<B>, missing: Missing) -> Result<T, Error> {
    let (parts, body) = successful(response, missing)?.into_parts();
    decode(parts.status, &parts.headers, body.as_ref())
}

/// Like [`parse_json`] for a JSON array, reserving room from the body's size.
fn parse_json_list<T: DeserializeOwned, B: AsRef<[u8]>>(
    response: Response<B>,
    bytes_per_item: usize,
) -> Result<Vec<T>, Error> {
    let (parts, body) = successful(response, Missing::Nothing)?.into_parts();
    decode_list(parts.status, &parts.headers, body.as_ref(), bytes_per_item)
}

/// `Ok(true)` on 2xx, `Ok(false)` on 404, the typed error otherwise.
fn parse_delete<B: AsRef<[u8]>>(response: Response<B>, missing: Missing) -> Result<bool, Error> {
    let (parts, body) = response.into_parts();
    match parts.status {
        s if s.is_success() => Ok(true),
        StatusCode::NOT_FOUND => Ok(false),
        s => Err(error_from_response(s, &parts.headers, body.as_ref(), missing)),
    }
}

/// Decodes a success body. The fast path is plain `serde_json`; only when it
/// fails is the body decoded again to find the path of the failing field.
pub(crate) fn decode<T: DeserializeOwned>(
    status: StatusCode,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<T, Error> {
    match crate::models::within_budget(body.len(), || from_json(body)) {
        Ok(value) => Ok(value),
        Err(first) => Err(decode_error::<T>(status, headers, body, first)),
    }
}

/// `T` from JSON bytes. Text that is valid UTF-8 as a whole is checked once
/// and read as a `str`: `serde_json` reading bytes checks each string on its
/// own, which cost a task's decode about 4 000 instructions of its 26 000
/// (callgrind, docs/PERFORMANCE.md). Anything else is read as bytes, so its
/// error is the one it always was.
pub(crate) fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// A success body as an untyped value, under the decoded-memory budget
/// (a hostile `[0,0,…]` is a `Decode` error, not sixteen times the body).
pub(crate) fn decode_value(
    status: StatusCode,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, Error> {
    decode::<crate::models::Budgeted>(status, headers, body).map(|v| v.0)
}

/// The error of a body that did not decode as `T`: decoded once more, the
/// slow way, only to name the failing field's path.
pub(crate) fn decode_error<T: DeserializeOwned>(
    status: StatusCode,
    headers: &http::HeaderMap,
    body: &[u8],
    first: serde_json::Error,
) -> Error {
    let mut de = serde_json::Deserializer::from_slice(body);
    let slow = crate::models::within_budget(body.len(), || serde_path_to_error::deserialize::<_, T>(&mut de));
    let (path, message) = match slow {
        Err(e) => (e.path().to_string(), e.into_inner().to_string()),
        // Cannot happen (the same bytes failed before), but report the first error if it does.
        Ok(_) => (".".to_owned(), first.to_string()),
    };
    let message = if body.is_empty() {
        "the body is empty".to_owned()
    } else {
        message
    };
    Error::Decode {
        status,
        path,
        message,
        body: snippet(body),
        request_id: request_id_of(headers),
        call: None,
    }
}

#[cfg(test)]
mod golden_tests;
#[cfg(test)]
mod parse_tests;

/// Decodes a JSON array, reserving room up front from the body's length
/// (`bytes_per_item` is a typical item's encoded size) up to
/// [`MAX_PRESIZED_ITEMS`], so a short list is allocated once.
pub(crate) fn decode_list<T: DeserializeOwned>(
    status: StatusCode,
    headers: &http::HeaderMap,
    body: &[u8],
    bytes_per_item: usize,
) -> Result<Vec<T>, Error> {
    use serde::de::{DeserializeSeed, SeqAccess, Visitor};
    use std::marker::PhantomData;

    /// The room to reserve up front, and (for a big body) the number of
    /// items counted in it, reserved once the first item has decoded.
    struct Presized<T>(usize, Option<usize>, PhantomData<T>);
    impl<'de, T: serde::Deserialize<'de>> DeserializeSeed<'de> for Presized<T> {
        type Value = Vec<T>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de, T: serde::Deserialize<'de>> Visitor<'de> for Presized<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut items = Vec::with_capacity(self.0);
            if let Some(first) = seq.next_element()? {
                items.push(first);
                // Exactly the room the list needs: growing by doubling would
                // hold the old and the new buffer at once (three times the list).
                if let Some(counted) = self.1 {
                    items.reserve_exact(counted.saturating_sub(items.len()));
                }
            }
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }
    }

    let capacity = (body.len() / bytes_per_item.max(1)).min(MAX_PRESIZED_ITEMS);
    // A big body's items are counted (a scan, much cheaper than the decode),
    // never more than its bytes could hold of items a sixth of the typical size.
    let counted = (body.len() > MAX_PRESIZED_ITEMS * bytes_per_item).then(|| {
        crate::models::shape(body)
            .items
            .min(body.len() / (bytes_per_item / 6).max(1))
    });
    /// The list from `read`, under the decoded-memory budget.
    fn read_all<'de, R: serde_json::de::Read<'de>, T: DeserializeOwned>(
        read: R,
        seed: Presized<T>,
        budget: usize,
    ) -> serde_json::Result<Vec<T>> {
        let mut de = serde_json::Deserializer::new(read);
        crate::models::within_budget(budget, || {
            seed.deserialize(&mut de).and_then(|items| de.end().map(|()| items))
        })
    }
    let seed = Presized::<T>(capacity, counted, PhantomData);
    // Valid UTF-8 as a whole is read as text, checked once (see `from_json`).
    let fast = match std::str::from_utf8(body) {
        Ok(text) => read_all(serde_json::de::StrRead::new(text), seed, body.len()),
        Err(_) => read_all(serde_json::de::SliceRead::new(body), seed, body.len()),
    };
    match fast {
        Ok(items) => Ok(items),
        // Decode once more, only for the failing field's path.
        Err(first) => Err(decode_error::<Vec<T>>(status, headers, body, first)),
    }
}

/// The most items a list reserves room for before it has seen them: the
/// body's length only says how many items there could be (`[` and 50 MB of
/// whitespace is an empty list), so past this the list grows as it reads.
pub(crate) const MAX_PRESIZED_ITEMS: usize = 1_024;
