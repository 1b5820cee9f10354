//! `HyperTransport`: the SDK's [`AsyncTransport`] on hyper 1 and tokio — a
//! permit from the in-flight limit, the request on a connection of the
//! transport's `Pool`, the body collected up to the limit, all within the
//! attempt's timeout (its timer from the transport's `TimerPool`).

use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use taskqueue_proto::driver::{AsyncBody, AsyncTransport, Outcome, ThreadRandom, TransportError, TransportErrorKind};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::classify::classify_body;
use crate::deadline::TimerPool;
use crate::pool::{Lease, Pool};

/// One exchange over a pooled connection of hyper's (at most
/// `max_in_flight` at once across clones, bodies read through
/// `http_body_util::Limited`, every attempt under a tokio timer kept from a
/// finished attempt of the same runtime when there is one),
/// `tokio::time::sleep`, `Instant::now`, and a per-thread generator seeded
/// from the operating system. Built by [`ClientBuilder`](crate::ClientBuilder);
/// [`Client`](crate::Client) uses it by default.
pub struct HyperTransport {
    pub(crate) pool: Pool,
    pub(crate) in_flight: Arc<Semaphore>,
    pub(crate) body_limit: u64,
    pub(crate) timers: TimerPool,
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport")
            .field("in_flight_available", &self.in_flight.available_permits())
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

/// 64 bits from the operating system's CSPRNG: half the key of each
/// thread's [`SEEDS`]; should the OS fail, std's randomly keyed hasher.
fn os_random_u64() -> u64 {
    getrandom::u64().unwrap_or_else(|_| std::collections::hash_map::RandomState::new().hash_one(std::process::id()))
}

/// Each call's seed: this thread's keyed sequence, its key from the
/// operating system (one system call a thread and process, not one a call).
const SEEDS: ThreadRandom = ThreadRandom::new(os_random_u64);

impl HyperTransport {
    /// The request as hyper sends it: asking for gzip (feature `gzip`),
    /// the body in one frame.
    fn outgoing(&self, mut request: Request<Vec<u8>>) -> Request<Full<Bytes>> {
        #[cfg(feature = "gzip")]
        taskqueue_proto::encoding::accept_gzip(request.headers_mut());
        request.map(|body| Full::new(Bytes::from(body)))
    }

    /// The response to `request`, its body read up to the limit (and its
    /// connection then idle again).
    async fn exchange(&self, request: Request<Full<Bytes>>) -> Outcome {
        let (response, lease) = self.pool.send(request).await?;
        let (parts, body) = response.into_parts();
        let body = read_body(body, self.body_limit).await?;
        lease.release();
        // The limit again, on the inflated size: a compressed bomb stops there.
        #[cfg(feature = "gzip")]
        let (parts, body) = {
            let mut parts = parts;
            let body = taskqueue_proto::encoding::inflate(&mut parts.headers, body, self.body_limit)?;
            (parts, body)
        };
        Ok(Response::from_parts(parts, body))
    }
}

/// The most a body's buffer reserves before its bytes arrive.
const PRESIZED: u64 = 64 * 1024;

/// The whole body, up to `limit` bytes, into one buffer sized by the
/// length the server declared: one allocation and one copy from hyper's
/// read buffer, however many frames it came in. What is reserved before
/// any byte arrives is at most [`PRESIZED`], so a length a server declares
/// but never sends costs no more.
async fn read_body(body: hyper::body::Incoming, limit: u64) -> Result<Vec<u8>, TransportError> {
    let mut body = Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX));
    let declared = http_body::Body::size_hint(&body).exact().unwrap_or(0).min(PRESIZED);
    let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.map_err(classify_body)?.into_data() {
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

/// The failure of an async call made outside a Tokio runtime.
fn outside_tokio() -> TransportError {
    TransportError::new(
        TransportErrorKind::Unusable,
        "the async client runs inside a Tokio runtime (#[tokio::main], Runtime::block_on or a spawned task); \
         taskqueue::blocking::Client needs none",
    )
}

/// The in-flight semaphore closed. It never is; if it were, the client could not send.
fn shutting_down() -> TransportError {
    TransportError::new(TransportErrorKind::Unusable, "the client is shutting down")
}

fn timed_out(timeout: Duration) -> TransportError {
    TransportError::new(
        TransportErrorKind::Timeout,
        format!("no complete response within {:.3}s", timeout.as_secs_f64()),
    )
}

/// A body read while it arrives: hyper's frames, its errors classified, the
/// attempt's deadline kept, and the in-flight permit held until it ends.
struct StreamedBody {
    body: hyper::body::Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    timeout: Duration,
    permit: Option<OwnedSemaphorePermit>,
    lease: Option<Lease>,
}

impl http_body::Body for StreamedBody {
    type Data = Bytes;
    type Error = TransportError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, TransportError>>> {
        let this = &mut *self;
        if this.permit.is_none() {
            return Poll::Ready(None);
        }
        let frame = match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => return Poll::Ready(Some(Ok(frame))),
            Poll::Ready(Some(Err(error))) => Some(Err(classify_body(Box::new(error)))),
            Poll::Ready(None) => {
                if let Some(lease) = this.lease.take() {
                    lease.release();
                }
                None
            }
            Poll::Pending if this.deadline.as_mut().poll(cx).is_ready() => Some(Err(timed_out(this.timeout))),
            Poll::Pending => return Poll::Pending,
        };
        this.permit = None;
        Poll::Ready(frame)
    }
}

impl AsyncTransport for HyperTransport {
    // A function returning an `async move` block rather than an `async fn`,
    // which would keep the request in its state until the first poll.
    #[allow(clippy::manual_async_fn)]
    fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> impl Future<Output = Outcome> + Send {
        // The request made ready for hyper now, and moved once into the
        // exchange's future, which sends nothing until it is polled (after
        // the permit, below).
        let request = self.outgoing(request);
        async move {
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                return Err(outside_tokio());
            };
            let _permit = self.in_flight.acquire().await.map_err(|_| shutting_down())?;
            let mut deadline = std::pin::pin!(self.timers.start(&runtime, tokio::time::Instant::now() + timeout));
            let mut exchange = std::pin::pin!(self.exchange(request));
            std::future::poll_fn(|cx| match exchange.as_mut().poll(cx) {
                Poll::Ready(outcome) => Poll::Ready(outcome),
                Poll::Pending if deadline.as_mut().poll(cx).is_ready() => Poll::Ready(Err(timed_out(timeout))),
                Poll::Pending => Poll::Pending,
            })
            .await
        }
    }

    /// One attempt, complete once the head is in: the body comes frame by
    /// frame as it arrives (compressed as it came; the listing decoder
    /// inflates it), within the same timeout, holding its in-flight permit
    /// until it ends.
    async fn open(&self, request: Request<Vec<u8>>, timeout: Duration) -> Result<Response<AsyncBody>, TransportError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(outside_tokio());
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let permit = Arc::clone(&self.in_flight)
            .acquire_owned()
            .await
            .map_err(|_| shutting_down())?;
        let request = self.outgoing(request);
        let (response, lease) = match tokio::time::timeout_at(deadline, self.pool.send(request)).await {
            Ok(sent) => sent?,
            Err(_) => return Err(timed_out(timeout)),
        };
        Ok(response.map(|body| {
            Box::pin(StreamedBody {
                body,
                deadline: Box::pin(tokio::time::sleep_until(deadline)),
                timeout,
                permit: Some(permit),
                lease: Some(lease),
            }) as AsyncBody
        }))
    }

    // The three below are a call each at most per attempt, from the
    // driver's code in the caller's crate: inlined there rather than each
    // a call into a cache line of its own.
    #[inline]
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    #[inline]
    fn now(&self) -> Instant {
        Instant::now()
    }

    #[inline]
    fn random_u64(&self) -> u64 {
        SEEDS.next_u64()
    }
}
