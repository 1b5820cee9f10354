//! The test kit for code that uses the SDK (feature `testing`): clients over
//! a mock, a recording, or a replay, with no network and no real waiting.
//!
//! - [`MockTransport`]: expectations that match requests by method and path
//!   and answer with successive replies; retries, backoff and deadlines run
//!   on virtual time, so a test of "503, 503, then 200 after 30 s of backoff"
//!   takes microseconds. [`MockTransport::verify`] lists what was not met.
//! - [`Recorder`]: wraps a real transport and writes each exchange to a
//!   cassette (one JSON object a line, the project's fixture format, no
//!   credentials); `taskqueue --record FILE …` does the same from the shell.
//! - [`Replay`]: answers from a cassette, in order.
//!
//! Each is a [`BlockingTransport`](crate::driver::BlockingTransport) and an
//! [`AsyncTransport`](crate::driver::AsyncTransport): give it to
//! `blocking::Client::with_transport` or `Client::with_transport`. The
//! heavier option, a whole server in-process with faults on demand, is
//! `taskqueue_server::spawn` (see the README's "Testing your code").
//!
//! ```
//! use serde_json::json;
//! use taskqueue::testing::MockTransport;
//! use taskqueue::{Config, Error, TaskStatus};
//!
//! // The code under test: it takes any blocking client.
//! fn is_done<T: taskqueue::driver::BlockingTransport>(
//!     client: &taskqueue::blocking::Client<T>,
//!     id: uuid::Uuid,
//! ) -> Result<bool, Error> {
//!     Ok(client.get_task(id)?.status.is_terminal())
//! }
//!
//! let id = uuid::Uuid::from_u128(7);
//! let mock = MockTransport::new();
//! mock.expect("GET", "/api/tasks/*").respond_json(200, json!({
//!     "id": id, "name": "build", "command": "make", "status": "Completed",
//!     "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
//! }));
//! let client = taskqueue::blocking::Client::with_transport(Config::new("http://tq.test")?, mock.clone());
//! assert!(is_done(&client, id)?);
//! mock.verify();
//! # Ok::<(), Error>(())
//! ```

mod cassette;
mod clock;
mod mock;
mod recorder;
mod replay;

pub use cassette::{
    Exchange, RECORDED_HEADERS, REDACTED, REDACTED_FIELDS, RecordedRequest, RecordedResponse, parse_cassette,
};
pub use mock::{Expectation, MockTransport};
pub use recorder::Recorder;
pub use replay::Replay;
