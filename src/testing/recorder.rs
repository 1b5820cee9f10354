//! `Recorder`: a transport that writes every exchange to a cassette.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use http::Request;

use super::cassette::Exchange;
use crate::driver::{AsyncTransport, BlockingTransport, Outcome, TransportError, TransportErrorKind};

/// Wraps a transport and writes each exchange it makes — the request
/// (credentials left out) and the response or failure — to a cassette, one
/// JSON object a line, in the fixtures' format, for [`Replay`](super::Replay)
/// to answer later without a network. The file is created (or replaced) at
/// the first exchange; a cassette that cannot be written fails the attempt
/// with an error that names it, rather than recording nothing silently.
///
/// ```no_run
/// use taskqueue::blocking::{Client, UreqTransport};
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
}

impl<T> Recorder<T> {
    /// Records what `inner` sends and receives to the cassette at `path`.
    pub fn new(inner: T, path: impl Into<PathBuf>) -> Self {
        Recorder {
            inner,
            path: path.into(),
            file: Mutex::new(None),
        }
    }

    /// The transport that does the sending.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// Where the cassette is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one exchange as a line, creating the file at the first one.
    fn write(&self, request: &Request<Vec<u8>>, outcome: Outcome) -> Outcome {
        let line = serde_json::to_string(&Exchange::record(request, &outcome));
        let written = line.map_err(std::io::Error::other).and_then(|line| {
            let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
            if file.is_none() {
                *file = Some(File::create(&self.path)?);
            }
            match file.as_mut() {
                Some(f) => writeln!(f, "{line}").and_then(|()| f.flush()),
                None => Ok(()),
            }
        });
        match written {
            Ok(()) => outcome,
            Err(e) => Err(TransportError::new(
                TransportErrorKind::Unusable,
                format!("could not write the cassette {}: {e}", self.path.display()),
            )),
        }
    }
}

impl<T: BlockingTransport> BlockingTransport for Recorder<T> {
    fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Outcome {
        let outcome = self.inner.send(request.clone(), timeout);
        self.write(&request, outcome)
    }
    /// The inner transport's batch sending (overlapped, where it can),
    /// each exchange written in request order.
    fn send_all(&self, requests: Vec<(Request<Vec<u8>>, Duration)>) -> Vec<Outcome> {
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
        let outcome = self.inner.send(request.clone(), timeout).await;
        self.write(&request, outcome)
    }
    taskqueue_proto::forward_clock!(async, inner);
}
