//! `Flow`: an operation that takes more than one exchange, as an explicit state type.

use http::{Request, Response};

use super::Operation;
use crate::{Config, Error};

/// What [`Flow::read`] answers: the next state and request, the output, or an error.
pub type Reading<F, O> = Result<Transition<F, <O as Operation>::Output>, Error>;

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

    /// Reads the response to this state's request.
    fn read(&self, op: &O, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, O>;
}
