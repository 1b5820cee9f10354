//! What a host provides for the drivers: one HTTP exchange, a timer, a clock
//! and randomness — blocking or async — and how an exchange can fail.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};

use crate::BoxError;

/// The outcome of one attempt: the response (any status, whole body) or why there is none.
pub type Outcome = Result<Response<Vec<u8>>, TransportError>;

/// A response body read while it arrives, for a blocking transport: the
/// transport's reader (ureq's body reader, a socket) as it comes off the
/// wire, not limited, not inflated. A read that fails with
/// [`std::io::ErrorKind::TimedOut`] is a timeout; any other failure, a
/// broken connection.
pub type BlockingBody = Box<dyn std::io::Read + Send>;

/// A response body read while it arrives, for an async transport: any
/// [`http_body::Body`] of [`Bytes`] (hyper's `Incoming` with its errors
/// mapped), as it comes off the wire, not limited, not inflated.
pub type AsyncBody = Pin<Box<dyn http_body::Body<Data = Bytes, Error = TransportError> + Send>>;

/// A whole body as an [`AsyncBody`] of one frame (what the default
/// [`AsyncTransport::open`] answers).
struct WholeBody(Option<Bytes>);

impl http_body::Body for WholeBody {
    type Data = Bytes;
    type Error = TransportError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, TransportError>>> {
        Poll::Ready(self.0.take().map(|data| Ok(http_body::Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }
}

/// A whole body, already read, as an [`AsyncBody`].
pub(crate) fn whole_async_body(body: Vec<u8>) -> AsyncBody {
    Box::pin(WholeBody(Some(Bytes::from(body))))
}

/// A whole body, already read, as a [`BlockingBody`].
pub(crate) fn whole_blocking_body(body: Vec<u8>) -> BlockingBody {
    Box::new(std::io::Cursor::new(body))
}

/// A failed read of a [`BlockingBody`]: a timeout if it timed out, else a
/// broken connection (the request was sent).
pub(crate) fn io_error(error: std::io::Error) -> TransportError {
    let kind = match error.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => TransportErrorKind::Timeout,
        _ => TransportErrorKind::Io,
    };
    TransportError::new(kind, format!("reading the response body: {error}")).with_source(error)
}

/// A blocking host for the SDK: send one request, sleep, tell the time,
/// draw a random number. [`run_blocking`](super::run_blocking) does the rest.
pub trait BlockingTransport {
    /// Sends the request and reads the whole response body (up to the
    /// config's limit, else [`TransportErrorKind::BodyTooLarge`]). Gives up
    /// after `timeout` with [`TransportErrorKind::Timeout`].
    ///
    /// # Errors
    ///
    /// A [`TransportError`] of the kind that says what failed: connecting, the attempt's `timeout`, the body limit, I/O after sending, or a request the transport cannot make.
    fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Outcome;

    /// Sends the request and returns as soon as the response's head has
    /// arrived, with a reader of its body as it arrives (not limited, not
    /// inflated: the machine reading it bounds what it holds). `timeout`
    /// covers the body too. The SDK opens listings this way, so a listing of
    /// any length is read in the memory of its largest item.
    ///
    /// The default reads the whole body with [`send`](Self::send): right
    /// for a transport that cannot stream, and bounded by its body limit.
    ///
    /// # Errors
    ///
    /// A [`TransportError`], as [`send`](Self::send)'s; a body that breaks later is an error of the body's reader.
    fn open(&self, request: Request<Vec<u8>>, timeout: Duration) -> Result<Response<BlockingBody>, TransportError> {
        self.send(request, timeout)
            .map(|response| response.map(whole_blocking_body))
    }

    /// Sends several requests a machine wants in flight at once (a batch),
    /// answering in the same order. The default sends them one after
    /// another; a transport that can overlap them (threads, a pool) should.
    fn send_all(&self, requests: Vec<(Request<Vec<u8>>, Duration)>) -> Vec<Outcome> {
        requests
            .into_iter()
            .map(|(request, timeout)| self.send(request, timeout))
            .collect()
    }

    /// Returns after `duration`.
    fn sleep(&self, duration: Duration);

    /// The current time on a monotonic clock.
    fn now(&self) -> Instant;

    /// A random number (ids and jitter; need not be cryptographic).
    fn random_u64(&self) -> u64;
}

/// An async host for the SDK, for any runtime: one HTTP exchange, a timer,
/// a clock and randomness. Futures must be `Send` so calls can run on
/// multi-threaded executors.
pub trait AsyncTransport: Sync {
    /// Sends the request and reads the whole response body (up to the
    /// config's limit). Gives up after `timeout` with
    /// [`TransportErrorKind::Timeout`].
    fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> impl Future<Output = Outcome> + Send;

    /// Sends the request and completes as soon as the response's head has
    /// arrived, with its body as it arrives (not limited, not inflated: the
    /// machine reading it bounds what it holds). `timeout` covers the body
    /// too. The SDK opens listings this way, so a listing of any length is
    /// read in the memory of its largest item.
    ///
    /// The default reads the whole body with [`send`](Self::send): right
    /// for a transport that cannot stream, and bounded by its body limit.
    fn open(
        &self,
        request: Request<Vec<u8>>,
        timeout: Duration,
    ) -> impl Future<Output = Result<Response<AsyncBody>, TransportError>> + Send {
        let sent = self.send(request, timeout);
        async move { sent.await.map(|response| response.map(whole_async_body)) }
    }

    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// The current time on a monotonic clock.
    fn now(&self) -> Instant;

    /// A random number (ids and jitter; need not be cryptographic).
    fn random_u64(&self) -> u64;
}

/// Forwards every method of a transport trait to `**self`, for a pointer type.
macro_rules! forward_transports {
    ($($pointer:ty $(: $extra:path)?),+) => {$(
        impl<T: BlockingTransport + ?Sized> BlockingTransport for $pointer {
            fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Outcome {
                (**self).send(request, timeout)
            }
            fn open(&self, request: Request<Vec<u8>>, timeout: Duration) -> Result<Response<BlockingBody>, TransportError> {
                (**self).open(request, timeout)
            }
            fn send_all(&self, requests: Vec<(Request<Vec<u8>>, Duration)>) -> Vec<Outcome> {
                (**self).send_all(requests)
            }
            fn sleep(&self, duration: Duration) {
                (**self).sleep(duration)
            }
            fn now(&self) -> Instant {
                (**self).now()
            }
            fn random_u64(&self) -> u64 {
                (**self).random_u64()
            }
        }

        impl<T: AsyncTransport $(+ $extra)? + ?Sized> AsyncTransport for $pointer {
            fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> impl Future<Output = Outcome> + Send {
                (**self).send(request, timeout)
            }
            fn open(
                &self,
                request: Request<Vec<u8>>,
                timeout: Duration,
            ) -> impl Future<Output = Result<Response<AsyncBody>, TransportError>> + Send {
                (**self).open(request, timeout)
            }
            fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
                (**self).sleep(duration)
            }
            fn now(&self) -> Instant {
                (**self).now()
            }
            fn random_u64(&self) -> u64 {
                (**self).random_u64()
            }
        }
    )+};
}

// An `Arc` is `Sync` only over a `Send` transport.
forward_transports!(&T, Box<T>, Arc<T>: Send);

/// How an attempt failed without a response, as the transport saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Could not connect (refused, DNS, TLS handshake): nothing was sent.
    Connect,
    /// Connecting took longer than the config's connect timeout: nothing was sent.
    ConnectTimeout,
    /// Sent, but no complete response within the attempt's timeout.
    Timeout,
    /// Sent, then the connection broke (reset, truncated body).
    Io,
    /// The response body was larger than the configured limit.
    BodyTooLarge,
    /// The transport could not make the request at all (a URI or proxy it
    /// cannot use): nothing was sent, and trying again will not help.
    Unusable,
}

impl TransportErrorKind {
    /// A stable snake-case name: `connect`, `connect_timeout`, `timeout`,
    /// `io`, `body_too_large`, `unusable` (metrics labels, logs).
    pub fn as_str(self) -> &'static str {
        match self {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::ConnectTimeout => "connect_timeout",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Io => "io",
            TransportErrorKind::BodyTooLarge => "body_too_large",
            TransportErrorKind::Unusable => "unusable",
        }
    }
}

/// A failed attempt with no usable response.
#[derive(Debug, Clone)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    source: Option<BoxError>,
}

impl TransportError {
    /// A failure of `kind`, described by `message`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Keeps the transport's own error as the source.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// What the transport said.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the request may have reached the server.
    pub fn was_sent(&self) -> bool {
        !matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::ConnectTimeout | TransportErrorKind::Unusable
        )
    }

    pub(crate) fn into_parts(self) -> (TransportErrorKind, String, Option<BoxError>) {
        (self.kind, self.message, self.source)
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Writes a wrapper transport's `sleep`, `now` and `random_u64` as calls
/// to the transport in field `$inner`, for wrappers that only change what
/// `send` does (record it, count it, gauge it): `forward_clock!(blocking, inner);`
/// inside an `impl BlockingTransport`, `forward_clock!(async, inner);` inside
/// an `impl AsyncTransport`.
///
/// ```
/// use std::time::Duration;
/// use taskqueue_proto::driver::{BlockingTransport, Outcome, Simulated};
///
/// /// Counts sends; time and randomness are the inner transport's.
/// struct Counting<T> { inner: T, sends: std::sync::atomic::AtomicU32 }
///
/// impl<T: BlockingTransport> BlockingTransport for Counting<T> {
///     fn send(&self, request: http::Request<Vec<u8>>, timeout: Duration) -> Outcome {
///         self.sends.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         self.inner.send(request, timeout)
///     }
///     taskqueue_proto::forward_clock!(blocking, inner);
/// }
/// ```
#[macro_export]
macro_rules! forward_clock {
    (blocking, $inner:ident) => {
        fn sleep(&self, duration: ::std::time::Duration) {
            self.$inner.sleep(duration)
        }
        fn now(&self) -> ::std::time::Instant {
            self.$inner.now()
        }
        fn random_u64(&self) -> u64 {
            self.$inner.random_u64()
        }
    };
    (async, $inner:ident) => {
        fn sleep(&self, duration: ::std::time::Duration) -> impl ::std::future::Future<Output = ()> + Send {
            self.$inner.sleep(duration)
        }
        fn now(&self) -> ::std::time::Instant {
            self.$inner.now()
        }
        fn random_u64(&self) -> u64 {
            self.$inner.random_u64()
        }
    };
}
