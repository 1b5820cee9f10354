//! The blocking driver: the one loop that runs a [`Machine`] over a
//! [`BlockingTransport`].

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use http::Request;

use super::transport::io_error;
use super::{Action, BlockingBody, BlockingTransport, Event, Machine, Piece, Ticket, stalled};
use crate::Error;

/// How many bytes of an open body one read asks for.
const READ_CHUNK: usize = 64 * 1024;

/// The responses a machine opened ([`Action::Open`]): the one whose body is
/// being read, and those waiting their turn. Kept between the items a
/// listing yields.
#[derive(Default)]
struct Streams {
    reading: Option<(Ticket, BlockingBody)>,
    waiting: VecDeque<(Ticket, Request<Vec<u8>>, Duration)>,
    buffer: Vec<u8>,
}

impl std::fmt::Debug for Streams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streams")
            .field("reading", &self.reading.is_some())
            .field("waiting", &self.waiting.len())
            .finish()
    }
}

impl Streams {
    /// Whether there is a body to read or a response to open.
    fn busy(&self) -> bool {
        self.reading.is_some() || !self.waiting.is_empty()
    }

    /// One step: read the next chunk of the open body into the machine, or
    /// open the next response and hand over its head.
    fn step<T, M>(&mut self, transport: &T, machine: &mut M)
    where
        T: BlockingTransport + ?Sized,
        M: Machine,
    {
        if let Some((ticket, body)) = &mut self.reading {
            self.buffer.resize(READ_CHUNK, 0);
            let piece = loop {
                match body.read(&mut self.buffer) {
                    Ok(0) => break Piece::End(Ok(())),
                    Ok(n) => break Piece::Chunk(&self.buffer[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => break Piece::End(Err(io_error(e))),
                }
            };
            let ended = matches!(piece, Piece::End(_));
            machine.receive(ticket, piece, transport.now());
            if ended {
                self.reading = None;
            }
            return;
        }
        if let Some((ticket, request, timeout)) = self.waiting.pop_front() {
            match transport.open(request, timeout) {
                Ok(response) => {
                    let (head, body) = response.into_parts();
                    machine.receive(&ticket, Piece::Head(head), transport.now());
                    self.reading = Some((ticket, body));
                }
                Err(error) => machine.record(ticket, Err(error), transport.now()),
            }
        }
    }
}

/// Runs `machine` to its end over `transport`: sends what it asks (several
/// at once through [`BlockingTransport::send_all`] when it has several in
/// flight), sleeps when it says, and returns its result.
///
/// # Errors
///
/// The machine's error: the call's [`Error`] after its retries, as the machine reports it.
pub fn run_blocking<T, M>(transport: &T, mut machine: M) -> Result<M::Output, Error>
where
    T: BlockingTransport + ?Sized,
    M: Machine<Item = Infallible>,
{
    match next_event(transport, &mut machine, &mut Streams::default()) {
        Event::Done(result) => result,
        Event::Yield(never) => match never {},
    }
}

/// Drives `machine` until it yields an item or ends.
fn next_event<T, M>(transport: &T, machine: &mut M, streams: &mut Streams) -> Event<M::Output, M::Item>
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
            Action::Open {
                request,
                timeout,
                ticket,
            } => {
                streams.waiting.push_back((ticket, request, timeout));
                continue;
            }
            Action::Yield(item) => return Event::Yield(item),
            Action::Done(result) => {
                *streams = Streams::default();
                return Event::Done(result);
            }
            Action::Sleep(pause) => Some(pause),
            Action::Pending => None,
        };
        // Sends first; then the body being read (a chunk at a time, the
        // machine polled in between); sleep only with nothing else to do.
        if wave.is_empty() && streams.busy() {
            streams.step(transport, machine);
            continue;
        }
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
    streams: Streams,
    finished: bool,
}

impl<T: BlockingTransport, M: Machine<Output = ()>> BlockingItems<T, M> {
    /// Iterates over `machine`'s items, run over `transport` (owned, or a
    /// reference, or an `Arc`).
    pub fn new(transport: T, machine: M) -> Self {
        BlockingItems {
            transport,
            machine,
            streams: Streams::default(),
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
        match next_event(&self.transport, &mut self.machine, &mut self.streams) {
            Event::Yield(item) => Some(Ok(item)),
            Event::Done(result) => {
                self.finished = true;
                result.err().map(Err)
            }
        }
    }
}

impl<T: BlockingTransport, M: Machine<Output = ()>> std::iter::FusedIterator for BlockingItems<T, M> {}
