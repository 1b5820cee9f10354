//! `Recorder`: a transport that writes every exchange to a cassette.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use http::Request;

use super::cassette::Exchange;
use crate::driver::{AsyncTransport, BlockingTransport, Outcome, TransportError, TransportErrorKind};

/// Wraps a transport and writes each exchange it makes — the request and
/// the response or failure — to a cassette, one JSON object a line, in the
/// fixtures' format, for [`Replay`](super::Replay) to answer later without a
/// network. Cassettes are meant to be committed, so only the
/// [`RECORDED_HEADERS`](super::RECORDED_HEADERS) are kept (no credential,
/// whatever its header's name, no cookie) and the values of the
/// [`REDACTED_FIELDS`](super::REDACTED_FIELDS) of JSON bodies (a task's
/// `environment`) are written as `[redacted]` ([`redact_field`](Recorder::redact_field) adds more).
///
/// The file is created at the first exchange, readable by its owner only
/// (`0600`), and never through a symbolic link; an existing file is an error
/// unless [`overwrite`](Recorder::overwrite) says otherwise (then it is
/// replaced, never written through). A cassette that cannot be written fails
/// the attempt with an error that names it, rather than recording nothing
/// silently.
///
/// ```no_run
/// use taskqueue::blocking::Client;
/// use taskqueue::driver::UreqTransport;
/// use taskqueue::testing::Recorder;
/// use taskqueue::Config;
///
/// let config = Config::new("http://127.0.0.1:8080")?;
/// let recorder = Recorder::new(UreqTransport::new(&config)?, "tests/cassettes/health.jsonl");
/// let client = Client::with_transport(config, recorder);
/// client.health()?;                      // sent for real, and written down
/// # Ok::<(), taskqueue::Error>(())
/// ```
#[derive(Debug)]
pub struct Recorder<T> {
    inner: T,
    path: PathBuf,
    file: Mutex<Option<File>>,
    overwrite: bool,
    redacted: Vec<&'static str>,
}

impl<T> Recorder<T> {
    /// Records what `inner` sends and receives to the cassette at `path`.
    pub fn new(inner: T, path: impl Into<PathBuf>) -> Self {
        Recorder {
            inner,
            path: path.into(),
            file: Mutex::new(None),
            overwrite: false,
            redacted: super::REDACTED_FIELDS.to_vec(),
        }
    }

    /// Replaces an existing cassette at the path (default: refused, so a
    /// recording never silently destroys another). A symbolic link there is
    /// removed and replaced, never written through.
    #[must_use]
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Also writes the values of JSON body fields named `name` (at any
    /// depth) as `[redacted]`.
    #[must_use]
    pub fn redact_field(mut self, name: &'static str) -> Self {
        self.redacted.push(name);
        self
    }

    /// Creates the cassette: owner-only, never through a link, never over
    /// another file unless asked.
    fn create(&self) -> std::io::Result<File> {
        if self.overwrite {
            match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        let mut options = std::fs::OpenOptions::new();
        // `create_new` fails on anything already there, a link included.
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&self.path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                std::io::Error::new(
                    e.kind(),
                    "it already exists (or is a link): refusing to write over it; remove it, or ask to \
                     overwrite it (Recorder::overwrite, CLI --record-overwrite)",
                )
            } else {
                e
            }
        })
    }

    /// The transport that does the sending.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// Where the cassette is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the cassette before the first exchange is sent, so a
    /// cassette that cannot be written stops the call before anything
    /// reaches the server.
    fn ready(&self) -> Result<(), TransportError> {
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if file.is_none() {
            *file = Some(self.create().map_err(|e| self.failure(&e))?);
        }
        Ok(())
    }

    fn failure(&self, e: &std::io::Error) -> TransportError {
        TransportError::new(
            TransportErrorKind::Unusable,
            format!("could not write the cassette {}: {e}", self.path.display()),
        )
    }

    /// Writes one exchange as a line.
    fn write(&self, request: &Request<Vec<u8>>, outcome: Outcome) -> Outcome {
        let line = serde_json::to_string(&Exchange::record_redacting(request, &outcome, &self.redacted));
        let written = line.map_err(std::io::Error::other).and_then(|line| {
            let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
            match file.as_mut() {
                Some(f) => writeln!(f, "{line}").and_then(|()| f.flush()),
                None => Err(std::io::Error::other("the cassette is not open")),
            }
        });
        match written {
            Ok(()) => outcome,
            Err(e) => Err(self.failure(&e)),
        }
    }
}

impl<T: BlockingTransport> BlockingTransport for Recorder<T> {
    fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Outcome {
        self.ready()?;
        let outcome = self.inner.send(request.clone(), timeout);
        self.write(&request, outcome)
    }
    /// The inner transport's batch sending (overlapped, where it can),
    /// each exchange written in request order.
    fn send_all(&self, requests: Vec<(Request<Vec<u8>>, Duration)>) -> Vec<Outcome> {
        if let Err(e) = self.ready() {
            return requests.iter().map(|_| Err(e.clone())).collect();
        }
        let sent: Vec<Request<Vec<u8>>> = requests.iter().map(|(request, _)| request.clone()).collect();
        let outcomes = self.inner.send_all(requests);
        sent.iter()
            .zip(outcomes)
            .map(|(request, outcome)| self.write(request, outcome))
            .collect()
    }
    taskqueue_proto::forward_clock!(blocking, inner);
}

impl<T: AsyncTransport + Send> AsyncTransport for Recorder<T> {
    async fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Outcome {
        self.ready()?;
        let outcome = self.inner.send(request.clone(), timeout).await;
        self.write(&request, outcome)
    }
    taskqueue_proto::forward_clock!(async, inner);
}
