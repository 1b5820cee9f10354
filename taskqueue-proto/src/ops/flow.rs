//! `Flow`: an operation that takes more than one exchange, as an explicit state type.

use http::{Request, Response};

use super::Operation;
use crate::{Config, Error};

/// A call's idempotency key, as a [`Flow`] is started with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallKey<'a> {
    /// The key.
    pub key: &'a str,
    /// Whether the caller gave it (and may have used it before), rather
    /// than the SDK drawing it for this call.
    pub given: bool,
}

impl<'a> CallKey<'a> {
    /// A key, given by the caller or not.
    pub fn new(key: &'a str, given: bool) -> Self {
        CallKey { key, given }
    }
}

/// A state and the request it sends, as [`Flow::reconcile`] answers it.
pub(crate) type Step<F> = Result<(F, Request<Vec<u8>>), Error>;

/// What [`Flow::read`] answers: the next state and request, the output, or an error.
pub(crate) type Reading<F, O> = Result<Transition<F, <O as Operation>::Output>, Error>;

/// What a [`Flow`] wants after reading a response.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // made once per exchange and moved at once
pub enum Transition<S, T> {
    /// Move to state `S` and send this request next (same logical call, same request id).
    Next(S, Request<Vec<u8>>),
    /// The call is over with this output.
    Done(T),
}

/// The exchanges of operation `O` in a dialect where it takes more than
/// one, as a state type (`Self`).
///
/// [`read`](Flow::read) takes the state by reference and returns the next
/// one: when an exchange fails (an error status, a broken body) the state
/// is untouched, so the retry of that exchange is read in the same state. A
/// failed exchange cannot corrupt where the flow is.
pub trait Flow<O: Operation>: Sized {
    /// Validates `op` and builds its first request, in the first state.
    fn start(op: &O, config: &Config) -> Result<(Self, Request<Vec<u8>>), Error>;

    /// Like [`start`](Flow::start), with a seed from the driver's randomness
    /// for flows that make ids of their own (a workflow's). Drivers call
    /// this; the default ignores the seed. Without a driver
    /// ([`Operation::build_request`]) the seed is 0.
    fn start_seeded(op: &O, config: &Config, seed: u64) -> Result<(Self, Request<Vec<u8>>), Error> {
        let _ = seed;
        Self::start(op, config)
    }

    /// Like [`start_seeded`](Flow::start_seeded), with the call's
    /// idempotency key (generated, or the caller's), for flows that mark a
    /// write with it so that it can be found again after a lost reply.
    /// Drivers call this; the default ignores the key.
    fn start_keyed(
        op: &O,
        config: &Config,
        seed: u64,
        key: Option<CallKey<'_>>,
    ) -> Result<(Self, Request<Vec<u8>>), Error> {
        let _ = key;
        Self::start_seeded(op, config, seed)
    }

    /// After this state's write failed in a way that may have applied it (a
    /// lost reply, a 5xx), the request that finds out what happened, in the
    /// state that reads it: its reading answers the write's result if the
    /// write was applied, or the write again (a `Transition::Next` to it) if
    /// it was not. `None` (the default) when the flow cannot tell: the call
    /// then fails with [`Error::OutcomeUnknown`].
    fn reconcile(&self, op: &O, config: &Config) -> Option<Step<Self>> {
        let _ = (op, config);
        None
    }

    /// Reads the response to this state's request.
    fn read(&self, op: &O, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, O>;
}
