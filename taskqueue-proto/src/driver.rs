//! Driving calls from any async runtime: implement [`AsyncTransport`] (send
//! one request, sleep, tell the time, draw a random number) with your own
//! HTTP client and timer, and [`run`] does the rest — retries, backoff,
//! deadlines, follow-up requests — exactly as the SDK's own clients do.
//!
//! The crate still does no I/O: the futures come from the transport.
//!
//! ```
//! use std::future::Future;
//! use std::time::{Duration, Instant};
//! use http::{Request, Response};
//! use taskqueue_proto::{CallOptions, Config, TransportError, driver::{AsyncTransport, run}, ops::Health};
//!
//! /// A "network" that answers every request itself.
//! struct Canned;
//!
//! impl AsyncTransport for Canned {
//!     fn send(&self, _req: Request<Vec<u8>>, _timeout: Duration)
//!         -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send {
//!         async { Ok(Response::new(br#"{"status":"healthy"}"#.to_vec())) }
//!     }
//!     fn sleep(&self, _pause: Duration) -> impl Future<Output = ()> + Send {
//!         async {}
//!     }
//!     fn now(&self) -> Instant {
//!         Instant::now()
//!     }
//!     fn random_u64(&self) -> u64 {
//!         4 // chosen by a fair dice roll; a real transport uses a real generator
//!     }
//! }
//!
//! let config = Config::default();
//! let health = futures_lite_block_on(run(&Canned, &config, Health, CallOptions::new()))?;
//! assert!(health.is_healthy());
//! # fn futures_lite_block_on<F: Future>(f: F) -> F::Output {
//! #     // A tiny executor for the example: the future above never waits.
//! #     let waker = std::task::Waker::noop();
//! #     let mut cx = std::task::Context::from_waker(&waker);
//! #     let mut f = std::pin::pin!(f);
//! #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
//! # }
//! # Ok::<(), taskqueue_proto::Error>(())
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

use http::{Request, Response};
use uuid::Uuid;

use crate::ops::Operation;
use crate::{Action, Call, CallOptions, Config, Error, Task, TransportError, Wait, WaitAction};

/// What a host runtime provides for the SDK to run calls: one HTTP exchange,
/// a timer, a clock and randomness. Futures must be `Send` so calls can run
/// on multi-threaded executors.
pub trait AsyncTransport: Sync {
    /// Sends the request and reads the whole response body (up to the
    /// config's limit). Gives up after `timeout` with
    /// [`TransportErrorKind::Timeout`](crate::TransportErrorKind::Timeout).
    fn send(
        &self,
        request: Request<Vec<u8>>,
        timeout: Duration,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send;

    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// The current time on a monotonic clock.
    fn now(&self) -> Instant;

    /// A random number (ids and jitter; need not be cryptographic).
    fn random_u64(&self) -> u64;
}

/// Runs `op` as one logical call over `transport`.
pub async fn run<T, O>(transport: &T, config: &Config, op: O, options: CallOptions) -> Result<O::Output, Error>
where
    T: AsyncTransport + ?Sized,
    O: Operation,
{
    let mut entropy = || transport.random_u64();
    let mut call = Call::new(op, config, options, &mut entropy);
    #[cfg(feature = "tracing")]
    let span = call.span().clone();
    let drive = async move {
        loop {
            match call.poll(transport.now()) {
                Action::Send { request, timeout } => {
                    let outcome = transport.send(request, timeout).await;
                    call.record(outcome, transport.now());
                }
                Action::Sleep(pause) => transport.sleep(pause).await,
                Action::Done(result) => return result,
            }
        }
    };
    #[cfg(feature = "tracing")]
    let drive = tracing::Instrument::instrument(drive, span);
    drive.await
}

/// Polls a task until it is in a terminal status or `timeout` passes (see [`Wait`]).
pub async fn wait_for_completion<T>(
    transport: &T,
    config: &Config,
    options: CallOptions,
    id: Uuid,
    timeout: Duration,
) -> Result<Task, Error>
where
    T: AsyncTransport + ?Sized,
{
    let mut wait = Wait::new(id, timeout);
    loop {
        match wait.poll(transport.now()) {
            WaitAction::Fetch(op) => {
                let fetched = run(transport, config, op, options.clone()).await;
                wait.record(fetched, transport.now());
            }
            WaitAction::Sleep(pause) => transport.sleep(pause).await,
            WaitAction::Done(result) => return result,
        }
    }
}
