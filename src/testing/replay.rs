//! `Replay`: a transport that answers from a cassette, in order.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http::Request;

use super::cassette::{Exchange, parse_cassette};
use super::clock::{VirtualClock, assert_no_problems, described, virtual_transport};
use crate::Error;
use crate::driver::{Outcome, TransportError, TransportErrorKind};

#[derive(Debug, Default)]
struct Position {
    next: usize,
    mismatches: Vec<String>,
}

#[derive(Debug)]
struct Inner {
    exchanges: Vec<Exchange>,
    position: Mutex<Position>,
    clock: VirtualClock,
}

/// Answers requests from a cassette — a [`Recorder`](super::Recorder)'s, or
/// one of the project's recorded fixtures — in order: each request must have
/// the method and path (and the query, when the recording has one) of the
/// next exchange, and gets its recorded response or failure. On virtual time,
/// like [`MockTransport`](super::MockTransport). Cloning shares the position.
///
/// ```
/// use taskqueue::testing::Replay;
/// use taskqueue::Config;
///
/// let replay = Replay::from_jsonl(concat!(
///     r#"{"request":{"method":"GET","path":"/api/health"},"#,
///     r#""response":{"status":200,"content_type":"application/json","body_json":{"status":"healthy"}}}"#,
/// ))?;
/// let client = taskqueue::blocking::Client::with_transport(Config::new("http://tq.test")?, replay.clone());
/// assert!(client.health()?.is_healthy());
/// replay.verify(); // every exchange used, none out of order
/// # Ok::<(), taskqueue::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Replay {
    inner: Arc<Inner>,
}

impl Replay {
    /// Replays these exchanges.
    pub fn new(exchanges: Vec<Exchange>) -> Self {
        Replay {
            inner: Arc::new(Inner {
                exchanges,
                position: Mutex::new(Position::default()),
                clock: VirtualClock::new(0x7E57),
            }),
        }
    }

    /// Reads a cassette file (one JSON object a line); the error names the
    /// file, or the line that does not read.
    ///
    /// ```no_run
    /// let replay = taskqueue::testing::Replay::from_file("tests/cassettes/health.jsonl")?;
    /// # Ok::<(), taskqueue::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the file cannot be read, or names the line of the first entry that is not a valid exchange.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::invalid_input("cassette", format!("cannot read {}: {e}", path.display())))?;
        Self::from_jsonl(&text).map_err(|e| match e {
            Error::InvalidInput { field, message, .. } => {
                Error::invalid_input(format!("{} ({field})", path.display()), message)
            }
            other => other,
        })
    }

    /// Reads a cassette from text.
    ///
    /// ```
    /// let err = taskqueue::testing::Replay::from_jsonl("{not json").unwrap_err();
    /// assert!(err.to_string().contains("cassette line 1"), "{err}");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the line of the first entry that is not a valid exchange.
    pub fn from_jsonl(text: &str) -> Result<Self, Error> {
        parse_cassette(text).map(Replay::new)
    }

    fn position(&self) -> MutexGuard<'_, Position> {
        self.inner.position.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn clock(&self) -> &VirtualClock {
        &self.inner.clock
    }

    /// The exchanges not answered yet.
    ///
    /// ```
    /// assert_eq!(taskqueue::testing::Replay::new(Vec::new()).remaining(), 0);
    /// ```
    pub fn remaining(&self) -> usize {
        self.inner.exchanges.len().saturating_sub(self.position().next)
    }

    /// Virtual time that passed (the backoffs of retried exchanges).
    ///
    /// ```
    /// assert_eq!(taskqueue::testing::Replay::new(Vec::new()).elapsed(), std::time::Duration::ZERO);
    /// ```
    pub fn elapsed(&self) -> Duration {
        self.inner.clock.elapsed()
    }

    /// Panics unless every exchange was answered and every request was the
    /// one expected next. A test helper.
    ///
    /// ```should_panic
    /// let replay = taskqueue::testing::Replay::from_jsonl(
    ///     r#"{"request":{"method":"GET","path":"/api/health"},"response":{"status":200}}"#,
    /// ).unwrap();
    /// replay.verify(); // one exchange never asked for
    /// ```
    pub fn verify(&self) {
        let position = self.position();
        let mut problems = position.mismatches.clone();
        let left = self.inner.exchanges.len().saturating_sub(position.next);
        if left > 0 {
            problems.push(format!("{left} exchange(s) never asked for"));
        }
        assert_no_problems("Replay not followed", &problems);
    }

    fn answer(&self, request: Request<Vec<u8>>, _timeout: Duration) -> Outcome {
        let sent = described(&request);
        let mut position = self.position();
        let Some(expected) = self.inner.exchanges.get(position.next) else {
            let problem = format!("{sent}: no exchange left (all {} used)", self.inner.exchanges.len());
            position.mismatches.push(problem.clone());
            return Err(TransportError::new(
                TransportErrorKind::Unusable,
                format!("Replay: {problem}"),
            ));
        };
        if !expected.matches(&request) {
            let label = expected.label.as_deref().map(|l| format!(" ({l})")).unwrap_or_default();
            let problem = format!(
                "{sent}: exchange {}{label} is {} {}",
                position.next + 1,
                expected.request.method,
                expected.request.path
            );
            position.mismatches.push(problem.clone());
            return Err(TransportError::new(
                TransportErrorKind::Unusable,
                format!("Replay: {problem}"),
            ));
        }
        position.next += 1;
        expected.outcome()
    }
}

virtual_transport!(Replay);
