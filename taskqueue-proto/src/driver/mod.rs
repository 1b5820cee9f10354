//! The transport-author API: the state machines and the two drivers that run them.
//!
//! Everything the SDK does over the network is a [`Machine`]: a [`Call`]
//! (one operation, with its retries, backoff, deadlines and follow-up
//! requests), a [`Wait`] (poll a task until it finishes), [`Pages`] (every
//! page of a listing) or a [`Batch`] (many creates, some in flight at once).
//! A machine is told the time and asked what to do next:
//!
//! ```text
//! poll(now) ─► Send { request, timeout, ticket } ─► the transport sends it ─► record(ticket, outcome, now)
//!           ─► Open { request, timeout, ticket } ─► the transport sends it ─► receive(ticket, Head / Chunk… / End, now)
//!           ─► Sleep(duration)                   ─► the transport sleeps
//!           ─► Pending                           ─► wait for an attempt in flight
//!           ─► Yield(item)                       ─► hand an item (a listed task) to the caller
//!           ─► Done(result)                      ─► the end
//! ```
//!
//! Exactly two loops run machines, both here: [`run_blocking`] (and the
//! iterator [`BlockingItems`]) over a [`BlockingTransport`], and [`run`] (and
//! the stream-like [`AsyncItems`]) over an [`AsyncTransport`]. A transport
//! sends one request with a timeout, sleeps, tells the time and draws random
//! numbers; nothing else. The SDK's ureq and hyper clients are such
//! transports plus configuration; so can yours be, in a few lines, for
//! another HTTP client, another runtime, or a test double:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use http::{Request, Response};
//! use taskqueue_proto::driver::{BlockingTransport, IntoMachine, Outcome, run_blocking};
//! use taskqueue_proto::{CallOptions, Config, ops::Health};
//!
//! /// A "network" that answers every request itself, on a clock that sleeping moves.
//! struct Canned(std::cell::Cell<Instant>);
//!
//! impl BlockingTransport for Canned {
//!     fn send(&self, _request: Request<Vec<u8>>, _timeout: Duration) -> Outcome {
//!         Ok(Response::new(br#"{"status":"healthy"}"#.to_vec()))
//!     }
//!     fn sleep(&self, pause: Duration) {
//!         self.0.set(self.0.get() + pause);
//!     }
//!     fn now(&self) -> Instant {
//!         self.0.get()
//!     }
//!     fn random_u64(&self) -> u64 {
//!         4 // chosen by a fair dice roll; a real transport uses a real generator
//!     }
//! }
//!
//! let transport = Canned(std::cell::Cell::new(Instant::now()));
//! let config = Config::default();
//! let call = Health.into_machine(&config, &CallOptions::new(), transport.random_u64());
//! let health = run_blocking(&transport, call)?;
//! assert!(health.is_healthy());
//! # Ok::<(), taskqueue_proto::Error>(())
//! ```
//!
//! [`Simulated`] is that transport made from a closure, on virtual time: a
//! test of "503, 503, then 200 after 30 s of backoff" runs in microseconds.
//!
//! Nothing here does I/O: the futures, the sleeping and the clock come from
//! the transport.

mod batch;
mod blocking;
mod call;
mod concurrent;
#[cfg(test)]
mod fake_server;
mod fetch;
mod nonblocking;
mod pages;
pub(crate) mod random;
mod simulated;
mod transport;
mod wait;
mod wait_many;
mod watch;

use std::convert::Infallible;
use std::time::{Duration, Instant};

use http::Request;

#[doc(inline)]
pub use crate::forward_clock;
pub use batch::{Batch, item_key};
pub use blocking::{BlockingItems, run_blocking};
pub use call::Call;
pub use call::{IDEMPOTENCY_KEY_HEADER, REQUEST_ID_HEADER};
pub use nonblocking::{AsyncItems, run};
pub use pages::Pages;
pub use random::{SeedSource, SplitMix64, ThreadRandom};
pub use simulated::{Sent, Simulated};
pub use transport::{
    AsyncBody, AsyncTransport, BlockingBody, BlockingTransport, Outcome, TransportError, TransportErrorKind,
};
pub use wait::{WAIT_INITIAL_DELAY, WAIT_MAX_DELAY, Wait};
pub use wait_many::WaitMany;
pub use watch::Watch;

use crate::{CallOptions, Config, Error};

/// What a [`Machine`] wants next.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // made once per step and moved at once
#[non_exhaustive]
pub enum Action<T, I = Infallible> {
    /// Send this request; give up on it after `timeout` and record a
    /// [`TransportErrorKind::Timeout`]. Hand the outcome back with
    /// [`Machine::record`] and this ticket.
    Send {
        /// The request, headers complete.
        request: Request<Vec<u8>>,
        /// How long this attempt may take (already cut to the call's deadline).
        timeout: Duration,
        /// What [`Machine::record`] takes back: one outcome per ticket.
        ticket: Ticket,
    },
    /// Send this request like [`Action::Send`], but hand the response over
    /// in pieces as it arrives, with [`Machine::receive`]: its head, each
    /// chunk of the body as the transport reads it (polling the machine in
    /// between, so it can yield what the chunk completed), then the end. If
    /// no response comes (refused, timed out), [`Machine::record`] gets the
    /// failure instead. The body is not limited by the transport: the
    /// machine bounds what it holds. (A listing's body, read while it arrives.)
    Open {
        /// The request, headers complete.
        request: Request<Vec<u8>>,
        /// How long the attempt may take, body included.
        timeout: Duration,
        /// Names the attempt in every [`Machine::receive`] of its response.
        ticket: Ticket,
    },
    /// Sleep this long (or until an attempt in flight ends), then poll again.
    Sleep(Duration),
    /// Nothing to do until an attempt in flight is recorded.
    Pending,
    /// An item for the caller (a task of a listing); poll again for more.
    Yield(I),
    /// The machine is over. Polling it again answers [`Action::Pending`].
    Done(Result<T, Error>),
}

impl<T> Action<T> {
    /// For a machine that owns this call: the call's result once it is
    /// done, or else its action, to pass on as the owner's own.
    #[allow(clippy::result_large_err)] // an action, moved on at once
    pub(crate) fn forward<U, I>(self) -> Result<Result<T, Error>, Action<U, I>> {
        match self {
            Action::Done(result) => Ok(result),
            Action::Send {
                request,
                timeout,
                ticket,
            } => Err(Action::Send {
                request,
                timeout,
                ticket,
            }),
            Action::Open {
                request,
                timeout,
                ticket,
            } => Err(Action::Open {
                request,
                timeout,
                ticket,
            }),
            Action::Sleep(pause) => Err(Action::Sleep(pause)),
            Action::Pending => Err(Action::Pending),
            Action::Yield(never) => match never {},
        }
    }
}

/// A piece of a response an [`Action::Open`] asked for, in the order it arrives.
#[non_exhaustive]
#[derive(Debug)]
pub enum Piece<'a> {
    /// The status and headers: first, once.
    Head(http::response::Parts),
    /// The next bytes of the body, as the transport read them (still
    /// compressed, if the response says so).
    Chunk(&'a [u8]),
    /// The body ended: completely, or with the transport's failure.
    End(Result<(), TransportError>),
}

/// The receipt of one [`Action::Send`]: [`Machine::record`] takes it by
/// value, so an outcome cannot be recorded twice, nor without a send. It
/// cannot be made outside this crate. A ticket of an attempt the machine no
/// longer waits for is ignored.
///
/// Recording twice does not compile:
///
/// ```compile_fail
/// use std::time::Instant;
/// use taskqueue_proto::driver::{Action, Call};
/// use taskqueue_proto::{CallOptions, Config, ops::Health};
/// let mut call = Call::new(Health, Config::default(), CallOptions::new(), 1);
/// let now = Instant::now();
/// if let Action::Send { ticket, .. } = call.poll(now) {
///     call.record(ticket, Ok(http::Response::new(Vec::new())), now);
///     call.record(ticket, Ok(http::Response::new(Vec::new())), now); // the ticket was moved
/// }
/// ```
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a sent request's outcome must be recorded with its ticket"]
pub struct Ticket {
    /// Which of a machine's calls sent it (0 for a single call).
    slot: usize,
    /// Which attempt of that call.
    attempt: u32,
}

/// A state machine a driver can run: one poll surface for calls, waits,
/// listings and batches.
pub trait Machine {
    /// What the machine ends with.
    type Output;
    /// What it yields on the way ([`Infallible`] for all but listings).
    type Item;

    /// What to do next, at time `now`.
    fn poll(&mut self, now: Instant) -> Action<Self::Output, Self::Item>;

    /// Hands back the outcome of the attempt that `ticket` came with: the
    /// response (any status), or the transport's failure.
    fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant);

    /// Hands over a piece of the response to the [`Action::Open`] that
    /// `ticket` came with. Only a machine that opens responses gets pieces;
    /// the default ignores them.
    fn receive(&mut self, ticket: &Ticket, piece: Piece<'_>, now: Instant) {
        let _ = (ticket, piece, now);
    }

    /// The span the driver enters while it runs this machine.
    #[cfg(feature = "tracing")]
    fn span(&self) -> Option<&tracing::Span> {
        None
    }
}

/// A machine borrowed mutably is a machine, so a test can inspect it after a driver ran it.
impl<M: Machine + ?Sized> Machine for &mut M {
    type Output = M::Output;
    type Item = M::Item;

    fn poll(&mut self, now: Instant) -> Action<Self::Output, Self::Item> {
        (**self).poll(now)
    }

    fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        (**self).record(ticket, outcome, now)
    }

    fn receive(&mut self, ticket: &Ticket, piece: Piece<'_>, now: Instant) {
        (**self).receive(ticket, piece, now)
    }

    #[cfg(feature = "tracing")]
    fn span(&self) -> Option<&tracing::Span> {
        (**self).span()
    }
}

/// Something a client can run: an [`Operation`](crate::ops::Operation) (as a
/// [`Call`]) or a job such as [`WaitForCompletion`](crate::ops::WaitForCompletion).
pub trait IntoMachine {
    /// The machine that runs it.
    type Machine: Machine;

    /// The machine, with the client's configuration, per-call options and
    /// one random seed (request ids, idempotency keys and jitter come from it).
    fn into_machine(self, config: &Config, options: &CallOptions, seed: u64) -> Self::Machine;
}

/// What a driver does while it waits: the machine's result or its next item.
#[derive(Debug)]
enum Event<T, I> {
    Yield(I),
    Done(Result<T, Error>),
}

/// The answer when a machine has nothing to send, nothing in flight and no
/// end: a machine bug, reported rather than waited on forever.
fn stalled() -> Error {
    Error::invalid_input(
        "driver",
        "the state machine is pending with nothing in flight (was it polled after it finished?)",
    )
}
