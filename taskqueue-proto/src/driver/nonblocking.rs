//! The async driver: the one loop that runs a [`Machine`] over an
//! [`AsyncTransport`], on any executor.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::{Request, Response};

use super::{Action, AsyncBody, AsyncTransport, Event, Machine, Outcome, Piece, Ticket, TransportError, stalled};
use crate::Error;

type BoxFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;
/// A response being opened: its head (with the body to read), or the failure.
type Opening<'t> = BoxFuture<'t, Result<Response<AsyncBody>, TransportError>>;

/// A machine, the transport it runs over, and what it is waiting on: the
/// attempts in flight (several for a batch), the responses it opened
/// ([`Action::Open`]) and their bodies, and at most one sleep.
struct Engine<'t, T, M> {
    transport: T,
    machine: M,
    in_flight: Vec<(Ticket, BoxFuture<'t, Outcome>)>,
    opening: Vec<(Ticket, Opening<'t>)>,
    reading: Vec<(Ticket, AsyncBody)>,
    sleep: Option<(Instant, BoxFuture<'t, ()>)>,
}

impl<'t, T, M> Engine<'t, T, M>
where
    T: AsyncTransport + Clone + Send + 't,
    M: Machine,
{
    fn new(transport: T, machine: M) -> Self {
        Engine {
            transport,
            machine,
            in_flight: Vec::new(),
            opening: Vec::new(),
            reading: Vec::new(),
            sleep: None,
        }
    }

    /// Whether an attempt, an opening or a body is outstanding.
    fn waiting_on_network(&self) -> bool {
        !(self.in_flight.is_empty() && self.opening.is_empty() && self.reading.is_empty())
    }

    /// Takes one action of the machine: starts what it asks, or gives the
    /// event it is (`Some` for an item or the end).
    fn take(&mut self, action: Action<M::Output, M::Item>, now: Instant) -> Option<Event<M::Output, M::Item>> {
        match action {
            Action::Send {
                request,
                timeout,
                ticket,
            } => {
                let transport = self.transport.clone();
                let send: BoxFuture<'t, Outcome> = Box::pin(async move { transport.send(request, timeout).await });
                self.in_flight.push((ticket, send));
            }
            Action::Open {
                request,
                timeout,
                ticket,
            } => {
                let transport = self.transport.clone();
                let open: Opening<'t> = Box::pin(async move { transport.open(request, timeout).await });
                self.opening.push((ticket, open));
            }
            Action::Yield(item) => return Some(Event::Yield(item)),
            Action::Done(result) => {
                self.in_flight.clear();
                self.opening.clear();
                self.reading.clear();
                self.sleep = None;
                return Some(Event::Done(result));
            }
            Action::Sleep(pause) => {
                let until = now.checked_add(pause);
                let sooner = match (&self.sleep, until) {
                    (Some((current, _)), Some(until)) => until < *current,
                    (None, _) => true,
                    (Some(_), None) => false,
                };
                if sooner {
                    let transport = self.transport.clone();
                    let sleep: BoxFuture<'t, ()> = Box::pin(async move { transport.sleep(pause).await });
                    self.sleep = Some((until.unwrap_or(now), sleep));
                }
            }
            Action::Pending => {}
        }
        None
    }

    /// Drives the machine until it yields an item or ends.
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Event<M::Output, M::Item>> {
        #[cfg(feature = "tracing")]
        let _entered = self.machine.span().cloned().map(tracing::Span::entered);
        loop {
            let now = self.transport.now();
            let action = self.machine.poll(now);
            let starts = matches!(action, Action::Send { .. } | Action::Open { .. });
            if let Some(event) = self.take(action, now) {
                return Poll::Ready(event);
            }
            if starts {
                continue;
            }
            if !self.waiting_on_network() && self.sleep.is_none() {
                return Poll::Ready(Event::Done(Err(stalled())));
            }
            if !self.poll_waiting(cx) {
                return Poll::Pending;
            }
        }
    }

    /// Polls what is in flight and the sleep; records what finished. Whether anything did.
    fn poll_waiting(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progressed = false;
        let mut index = 0;
        while index < self.in_flight.len() {
            if let Poll::Ready(outcome) = self.in_flight[index].1.as_mut().poll(cx) {
                let (ticket, _) = self.in_flight.swap_remove(index);
                self.machine.record(ticket, outcome, self.transport.now());
                progressed = true;
            } else {
                index += 1;
            }
        }
        let mut index = 0;
        while index < self.opening.len() {
            if let Poll::Ready(opened) = self.opening[index].1.as_mut().poll(cx) {
                let (ticket, _) = self.opening.swap_remove(index);
                match opened {
                    Ok(response) => {
                        let (head, body) = response.into_parts();
                        self.machine.receive(&ticket, Piece::Head(head), self.transport.now());
                        self.reading.push((ticket, body));
                    }
                    Err(error) => self.machine.record(ticket, Err(error), self.transport.now()),
                }
                progressed = true;
            } else {
                index += 1;
            }
        }
        // One chunk at most per body before the machine is polled again:
        // what it holds stays one chunk ahead of what it yields.
        let mut index = 0;
        while index < self.reading.len() {
            let (ticket, body) = &mut self.reading[index];
            match body.as_mut().poll_frame(cx) {
                Poll::Pending => index += 1,
                Poll::Ready(Some(Ok(frame))) => {
                    if let Some(data) = frame.data_ref() {
                        self.machine.receive(ticket, Piece::Chunk(data), self.transport.now());
                    }
                    progressed = true;
                    index += 1;
                }
                Poll::Ready(end) => {
                    let result = match end {
                        Some(Err(error)) => Err(error),
                        _ => Ok(()),
                    };
                    let (ticket, _) = self.reading.swap_remove(index);
                    self.machine.receive(&ticket, Piece::End(result), self.transport.now());
                    progressed = true;
                }
            }
        }
        if let Some((_, sleep)) = &mut self.sleep
            && sleep.as_mut().poll(cx).is_ready()
        {
            self.sleep = None;
            progressed = true;
        }
        progressed
    }
}

/// Runs `machine` to its end over `transport`: sends what it asks (several
/// at once when it has several in flight), sleeps when it says, and returns
/// its result. Dropping the future cancels whatever is in flight.
///
/// A call with one attempt in flight at a time (every operation) is awaited
/// in place, with no future boxed; a machine that wants several at once (a
/// batch, a multi-wait) or a streamed body goes to the general loop.
///
/// # Errors
///
/// The machine's error: the call's [`Error`] after its retries, as the machine reports it.
//
// Written as a function returning an `async move` block rather than an
// `async fn`: an `async fn` keeps its arguments and the locals it moves
// them into, the machine twice. No value the machine hands over is kept
// across an await either (each is taken apart in a statement of its own),
// so the future holds the machine once and the attempt it waits on.
#[allow(clippy::manual_async_fn)]
pub fn run<T, M>(transport: &T, mut machine: M) -> impl Future<Output = Result<M::Output, Error>>
where
    T: AsyncTransport + ?Sized,
    M: Machine<Item = Infallible>,
{
    async move {
        let mut wait = None;
        let (first, second, now) = loop {
            if let Some(pause) = wait.take() {
                transport.sleep(pause).await;
            }
            let now = transport.now();
            let (request, timeout, ticket) = match lone_step(&mut machine, now) {
                LoneStep::Done(result) => return result,
                LoneStep::General(first, second) => break (first, second, now),
                LoneStep::Wait(pause) => {
                    wait = Some(pause);
                    continue;
                }
                LoneStep::Send(request, timeout, ticket) => (request, timeout, ticket),
            };
            let outcome = transport.send(request, timeout).await;
            record_in_span(&mut machine, ticket, outcome, transport.now());
        };
        Box::pin(run_engine(transport, machine, first, second, now)).await
    }
}

/// What the lone-attempt loop of [`run`] does next, from the machine's actions.
// Returned and taken apart at once, never kept: its size costs nothing, a
// box around the rare general case would cost an allocation.
#[allow(clippy::large_enum_variant)]
enum LoneStep<O> {
    /// The call's result.
    Done(Result<O, Error>),
    /// Sleep this long.
    Wait(Duration),
    /// Send this one request, with nothing else in flight.
    Send(Request<Vec<u8>>, Duration, Ticket),
    /// Hand over to the general loop, from these actions.
    General(Action<O>, Option<Action<O>>),
}

/// Polls `machine` once (twice after a send: does it want another at once?).
fn lone_step<M: Machine<Item = Infallible>>(machine: &mut M, now: Instant) -> LoneStep<M::Output> {
    match poll_in_span(machine, now) {
        Action::Done(result) => LoneStep::Done(result),
        Action::Yield(never) => match never {},
        Action::Sleep(pause) => LoneStep::Wait(pause),
        Action::Pending => LoneStep::Done(Err(stalled())),
        Action::Send {
            request,
            timeout,
            ticket,
        } => match poll_in_span(machine, now) {
            Action::Pending => LoneStep::Send(request, timeout, ticket),
            next => LoneStep::General(
                Action::Send {
                    request,
                    timeout,
                    ticket,
                },
                Some(next),
            ),
        },
        open @ Action::Open { .. } => LoneStep::General(open, None),
    }
}

/// The general loop (several attempts at once, or a streamed body), from
/// the machine's first actions. [`run`] awaits it boxed: its state then
/// lives on the heap only for the machines that need it, and every call's
/// future stays the size of the lone-attempt path (moved whole into every
/// spawned task: a `get_task` future is 2 392 bytes; it was 5 856 with this
/// loop inline).
async fn run_engine<T, M>(
    transport: &T,
    machine: M,
    first: Action<M::Output, M::Item>,
    second: Option<Action<M::Output, M::Item>>,
    now: Instant,
) -> Result<M::Output, Error>
where
    T: AsyncTransport + ?Sized,
    M: Machine<Item = Infallible>,
{
    let mut engine = Engine::new(transport, machine);
    if let Some(event) = engine
        .take(first, now)
        .or_else(|| second.and_then(|action| engine.take(action, now)))
    {
        return event.into_result();
    }
    std::future::poll_fn(|cx| engine.poll_event(cx)).await.into_result()
}

impl<T> Event<T, Infallible> {
    fn into_result(self) -> Result<T, Error> {
        match self {
            Event::Done(result) => result,
            Event::Yield(never) => match never {},
        }
    }
}

/// Polls the machine inside its span (entered only while it runs, never across an await).
fn poll_in_span<M: Machine>(machine: &mut M, now: Instant) -> Action<M::Output, M::Item> {
    #[cfg(feature = "tracing")]
    let _entered = machine.span().cloned().map(tracing::Span::entered);
    machine.poll(now)
}

/// Records an outcome inside the machine's span.
fn record_in_span<M: Machine>(machine: &mut M, ticket: Ticket, outcome: Outcome, now: Instant) {
    #[cfg(feature = "tracing")]
    let _entered = machine.span().cloned().map(tracing::Span::entered);
    machine.record(ticket, outcome, now);
}

/// The items of a machine that yields them (every task of a listing), for
/// async code: [`next`](AsyncItems::next), or
/// [`poll_next`](AsyncItems::poll_next) for a `Stream` implementation. Each
/// item is fetched when the previous ones are used up; the first error is
/// the last item. It owns its transport (an `Arc`, say), so it is `'static`.
pub struct AsyncItems<T, M> {
    engine: Engine<'static, T, M>,
    finished: bool,
}

impl<T, M> std::fmt::Debug for AsyncItems<T, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncItems")
            .field("in_flight", &self.engine.in_flight.len())
            .field("open_bodies", &self.engine.reading.len())
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<T, M> AsyncItems<T, M>
where
    T: AsyncTransport + Clone + Send + 'static,
    M: Machine<Output = ()>,
{
    /// Iterates over `machine`'s items, run over `transport`.
    pub fn new(transport: T, machine: M) -> Self {
        AsyncItems {
            engine: Engine::new(transport, machine),
            finished: false,
        }
    }

    /// The next item, or `None` at the end (`Stream::poll_next`'s contract).
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<M::Item, Error>>> {
        if self.finished {
            return Poll::Ready(None);
        }
        match self.engine.poll_event(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Event::Yield(item)) => Poll::Ready(Some(Ok(item))),
            Poll::Ready(Event::Done(result)) => {
                self.finished = true;
                Poll::Ready(result.err().map(Err))
            }
        }
    }

    /// The next item, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<M::Item, Error>> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }
}

impl<T, M> Unpin for AsyncItems<T, M> {}
