//! `UreqTransport`: the SDK's [`BlockingTransport`] on a ureq 3 agent.

use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use http::{Request, Response};
use taskqueue_proto::driver::{BlockingBody, BlockingTransport, Outcome, ThreadRandom, TransportError};
use taskqueue_proto::{Config, Error};

use crate::agent::agent_for;
use crate::classify::classify;

/// One exchange over a pooled ureq agent (no redirects, the config's
/// connect timeout, rustls with Mozilla's roots plus the config's extra
/// roots, `HTTPS_PROXY`/`NO_PROXY` from the environment), `std::thread::sleep`,
/// `Instant::now`, and a per-thread generator seeded from the operating
/// system. Cloning shares the connection pool.
///
/// [`Client`](crate::Client) uses it by default; use it directly to run a
/// machine of [`taskqueue_proto::driver`] yourself.
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    /// The agent's own per-request timeout (the config's).
    timeout: Duration,
    body_limit: u64,
}

/// 64 bits from the operating system's CSPRNG: half the key of each
/// thread's [`SEEDS`]; should the OS fail, std's randomly keyed hasher.
fn os_random_u64() -> u64 {
    getrandom::u64().unwrap_or_else(|_| std::collections::hash_map::RandomState::new().hash_one(std::process::id()))
}

/// Each call's seed: this thread's keyed sequence, its key from the
/// operating system (one system call a thread and process, not one a call).
const SEEDS: ThreadRandom = ThreadRandom::new(os_random_u64);

impl UreqTransport {
    /// A transport for `config`'s server; a bad extra root certificate is an input error.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an extra root certificate or a proxy it cannot use.
    pub fn new(config: &Config) -> Result<Self, Error> {
        Self::with_pool(config, crate::agent::DEFAULT_MAX_IDLE_PER_HOST)
    }

    /// A transport keeping at most `max_idle_per_host` idle connections to a host.
    pub(crate) fn with_pool(config: &Config, max_idle_per_host: usize) -> Result<Self, Error> {
        Ok(UreqTransport {
            agent: agent_for(config, max_idle_per_host)?,
            timeout: config.attempt_timeout(),
            body_limit: config.body_limit(),
        })
    }
}

impl UreqTransport {
    /// Sends `request` (asking for gzip, under `timeout` for the whole
    /// exchange, body included) and returns once the head has arrived.
    fn start(&self, request: Request<Vec<u8>>, timeout: Duration) -> Result<Response<ureq::Body>, TransportError> {
        #[cfg(feature = "gzip")]
        let request = {
            let mut request = request;
            taskqueue_proto::encoding::accept_gzip(request.headers_mut());
            request
        };
        // The agent's own timeout is the config's; only a different one (cut
        // to a deadline, or a per-call override) needs a per-request config.
        let request = if timeout == self.timeout {
            request
        } else {
            self.agent
                .configure_request(request)
                .timeout_global(Some(timeout))
                .build()
        };
        self.agent.run(request).map_err(classify)
    }
}

/// ureq's body reader, its timeouts reported as [`std::io::ErrorKind::TimedOut`]
/// (ureq wraps its own errors as `Other`).
struct BodyReader(ureq::BodyReader<'static>);

impl std::io::Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).map_err(|error| {
            let timed_out = error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<ureq::Error>())
                .is_some_and(|inner| matches!(inner, ureq::Error::Timeout(_)));
            if timed_out {
                std::io::Error::new(std::io::ErrorKind::TimedOut, error)
            } else {
                error
            }
        })
    }
}

impl BlockingTransport for UreqTransport {
    /// One attempt: send, and read the whole body up to the configured limit.
    fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Outcome {
        let response = self.start(request, timeout)?;
        let (parts, mut body) = response.into_parts();
        let bytes = body
            .with_config()
            .limit(self.body_limit)
            .read_to_vec()
            .map_err(classify)?;
        // The limit again, on the inflated size: a compressed bomb stops there.
        #[cfg(feature = "gzip")]
        let (parts, bytes) = {
            let mut parts = parts;
            let bytes = taskqueue_proto::encoding::inflate(&mut parts.headers, bytes, self.body_limit)?;
            (parts, bytes)
        };
        Ok(Response::from_parts(parts, bytes))
    }

    /// One attempt, returned as soon as the head is in: the body is read
    /// as it arrives (compressed as it came; the listing decoder inflates
    /// it), under the same timeout, with no limit of its own.
    fn open(&self, request: Request<Vec<u8>>, timeout: Duration) -> Result<Response<BlockingBody>, TransportError> {
        let response = self.start(request, timeout)?;
        Ok(response.map(|body| Box::new(BodyReader(body.into_reader())) as BlockingBody))
    }

    /// Several attempts at once (a batch's creates), one scoped thread each;
    /// the agent's pool is shared.
    fn send_all(&self, requests: Vec<(Request<Vec<u8>>, Duration)>) -> Vec<Outcome> {
        if requests.len() < 2 {
            return requests
                .into_iter()
                .map(|(request, timeout)| self.send(request, timeout))
                .collect();
        }
        std::thread::scope(|scope| {
            let running: Vec<_> = requests
                .into_iter()
                .map(|(request, timeout)| scope.spawn(move || self.send(request, timeout)))
                .collect();
            running
                .into_iter()
                .map(|thread| {
                    thread.join().unwrap_or_else(|_| {
                        Err(taskqueue_proto::driver::TransportError::new(
                            taskqueue_proto::driver::TransportErrorKind::Io,
                            "the sending thread panicked",
                        ))
                    })
                })
                .collect()
        })
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn random_u64(&self) -> u64 {
        SEEDS.next_u64()
    }
}
