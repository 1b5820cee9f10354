//! The blocking driver: the one loop that runs a [`Machine`] over a
//! [`BlockingTransport`].

use std::convert::Infallible;

use super::{Action, BlockingTransport, Event, Machine, stalled};
use crate::Error;

/// Runs `machine` to its end over `transport`: sends what it asks (several
/// at once through [`BlockingTransport::send_all`] when it has several in
/// flight), sleeps when it says, and returns its result.
pub fn run_blocking<T, M>(transport: &T, mut machine: M) -> Result<M::Output, Error>
where
    T: BlockingTransport + ?Sized,
    M: Machine<Item = Infallible>,
{
    match next_event(transport, &mut machine) {
        Event::Done(result) => result,
        Event::Yield(never) => match never {},
    }
}

/// Drives `machine` until it yields an item or ends.
fn next_event<T, M>(transport: &T, machine: &mut M) -> Event<M::Output, M::Item>
where
    T: BlockingTransport + ?Sized,
    M: Machine,
{
    #[cfg(feature = "tracing")]
    let _entered = machine.span().cloned().map(tracing::Span::entered);
    let mut wave = Vec::new();
    loop {
        let idle = match machine.poll(transport.now()) {
            Action::Send {
                request,
                timeout,
                ticket,
            } => {
                wave.push((ticket, request, timeout));
                continue;
            }
            Action::Yield(item) => return Event::Yield(item),
            Action::Done(result) => return Event::Done(result),
            Action::Sleep(pause) => Some(pause),
            Action::Pending => None,
        };
        match (wave.len(), idle) {
            (0, Some(pause)) => transport.sleep(pause),
            (0, None) => return Event::Done(Err(stalled())),
            (1, _) => {
                if let Some((ticket, request, timeout)) = wave.pop() {
                    let outcome = transport.send(request, timeout);
                    machine.record(ticket, outcome, transport.now());
                }
            }
            _ => {
                let (tickets, requests): (Vec<_>, Vec<_>) = wave
                    .drain(..)
                    .map(|(ticket, request, timeout)| (ticket, (request, timeout)))
                    .unzip();
                let outcomes = transport.send_all(requests);
                let now = transport.now();
                for (ticket, outcome) in tickets.into_iter().zip(outcomes) {
                    machine.record(ticket, outcome, now);
                }
            }
        }
    }
}

/// The items of a machine that yields them (every task of a listing), as an
/// [`Iterator`] of `Result`s: each is fetched when the previous ones are
/// used up, and the first error is the last item.
#[derive(Debug)]
pub struct BlockingItems<T, M> {
    transport: T,
    machine: M,
    finished: bool,
}

impl<T: BlockingTransport, M: Machine<Output = ()>> BlockingItems<T, M> {
    /// Iterates over `machine`'s items, run over `transport` (owned, or a
    /// reference, or an `Arc`).
    pub fn new(transport: T, machine: M) -> Self {
        BlockingItems {
            transport,
            machine,
            finished: false,
        }
    }
}

impl<T: BlockingTransport, M: Machine<Output = ()>> Iterator for BlockingItems<T, M> {
    type Item = Result<M::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match next_event(&self.transport, &mut self.machine) {
            Event::Yield(item) => Some(Ok(item)),
            Event::Done(result) => {
                self.finished = true;
                result.err().map(Err)
            }
        }
    }
}

impl<T: BlockingTransport, M: Machine<Output = ()>> std::iter::FusedIterator for BlockingItems<T, M> {}
