//! Operations as values: each builds its `http::Request` from a [`Config`]
//! and reads the `http::Response` into its output or a typed [`Error`].
//!
//! ```
//! use taskqueue_proto::{Config, ops::{GetTask, Operation}};
//! let id = uuid::Uuid::nil();
//! let request = GetTask::new(id).build_request(&Config::default())?;
//! assert_eq!(request.uri(), "http://localhost:8080/api/tasks/00000000-0000-0000-0000-000000000000");
//!
//! let response = http::Response::builder().status(404).body(Vec::new()).unwrap();
//! let err = GetTask::new(id).parse_response(response).unwrap_err();
//! assert!(matches!(err, taskqueue_proto::Error::TaskNotFound(_)));
//! # Ok::<(), taskqueue_proto::Error>(())
//! ```

mod health;
mod projects;
mod tasks;
mod upstream;

pub use health::{Health, HealthStatus};
pub use projects::{CreateProject, DeleteProject, GetProject, ListProjects, UpdateProject};
pub use tasks::{CancelTask, CreateTask, DeleteTask, GetTask, ListTasks, UpdateTask};

use http::{Request, Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{Missing, error_from_response, request_id_of, snippet};
use crate::{Config, Error};

/// What an operation wants after reading a response.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // made once per exchange and moved at once
pub enum Step<T> {
    /// The logical call is over with this output.
    Done(T),
    /// Send this request next (same logical call, same request id). Used by
    /// dialects where one operation takes more than one exchange.
    FollowUp(Request<Vec<u8>>),
}

/// One API operation: a value that knows its request and how to read its response.
///
/// Single-exchange use needs only [`build_request`](Operation::build_request)
/// and [`parse_response`](Operation::parse_response). The [`Call`](crate::Call)
/// state machine drives [`next_step`](Operation::next_step), which lets an
/// operation ask for follow-up requests without the transports knowing.
pub trait Operation {
    /// What a successful call returns.
    type Output;

    /// The operation's name, for logs and traces (`"get_task"`).
    fn name(&self) -> &'static str;

    /// Validates the input and builds the first request. Nothing is sent if this fails.
    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error>;

    /// Reads the response to a single-exchange request.
    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Self::Output, Error>;

    /// Whether the call should carry an `Idempotency-Key` (creating and
    /// cancelling POSTs), so that retrying it after a lost response is safe.
    fn wants_idempotency_key(&self) -> bool {
        false
    }

    /// Reads the response to exchange number `step` (0 for the first) and says
    /// whether the call is over. The default is the single-exchange case.
    /// `&mut self` lets a multi-exchange operation remember where it is.
    fn next_step(
        &mut self,
        config: &Config,
        step: usize,
        response: Response<Vec<u8>>,
    ) -> Result<Step<Self::Output>, Error> {
        let _ = (config, step);
        self.parse_response(response).map(Step::Done)
    }
}

/// Serializes a request body; a model that cannot be serialized is an input error.
fn json_body<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error::invalid_input("body", e.to_string()))
}

/// The body of a 2xx response as `T`, or the typed error of a non-2xx one.
fn parse_json<T: DeserializeOwned, B: AsRef<[u8]>>(response: Response<B>, missing: Missing) -> Result<T, Error> {
    let (parts, body) = response.into_parts();
    let body = body.as_ref();
    if !parts.status.is_success() {
        return Err(error_from_response(parts.status, &parts.headers, body, missing));
    }
    decode(parts.status, &parts.headers, body)
}

/// Like [`parse_json`] for a JSON array, reserving room from the body's size.
fn parse_json_list<T: DeserializeOwned, B: AsRef<[u8]>>(
    response: Response<B>,
    bytes_per_item: usize,
) -> Result<Vec<T>, Error> {
    let (parts, body) = response.into_parts();
    let body = body.as_ref();
    if !parts.status.is_success() {
        return Err(error_from_response(
            parts.status,
            &parts.headers,
            body,
            Missing::Nothing,
        ));
    }
    decode_list(parts.status, &parts.headers, body, bytes_per_item)
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
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(first) => {
            let mut de = serde_json::Deserializer::from_slice(body);
            let (path, message) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => (e.path().to_string(), e.into_inner().to_string()),
                // Cannot happen (the same bytes failed above), but report the first error if it does.
                Ok(_) => (".".to_owned(), first.to_string()),
            };
            let message = if body.is_empty() {
                "the body is empty".to_owned()
            } else {
                message
            };
            Err(Error::Decode {
                status,
                path,
                message,
                body: snippet(body),
                request_id: request_id_of(headers),
            })
        }
    }
}

#[cfg(test)]
mod golden_tests;
#[cfg(test)]
mod parse_tests;

/// Decodes a JSON array, reserving room up front from the body's length
/// (`bytes_per_item` is a typical item's encoded size), so a long list is not
/// copied again and again as it grows.
pub(crate) fn decode_list<T: DeserializeOwned>(
    status: StatusCode,
    headers: &http::HeaderMap,
    body: &[u8],
    bytes_per_item: usize,
) -> Result<Vec<T>, Error> {
    use serde::de::{DeserializeSeed, SeqAccess, Visitor};
    use std::marker::PhantomData;

    struct Presized<T>(usize, PhantomData<T>);
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
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }
    }

    let capacity = (body.len() / bytes_per_item.max(1)).min(MAX_PRESIZED_ITEMS);
    let mut de = serde_json::Deserializer::from_slice(body);
    let fast = Presized::<T>(capacity, PhantomData)
        .deserialize(&mut de)
        .and_then(|items| de.end().map(|()| items));
    match fast {
        Ok(items) => Ok(items),
        // Decode again the ordinary way for the error's path.
        Err(_) => decode(status, headers, body),
    }
}

/// The most items a list reserves room for before it has seen them.
const MAX_PRESIZED_ITEMS: usize = 100_000;
