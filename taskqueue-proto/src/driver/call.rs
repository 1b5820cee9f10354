//! `Call`: the state machine of one logical call — attempts, retries, sleeps,
//! follow-up requests, deadlines — with no I/O of its own.
//!
//! A driver runs it: [`Call::poll`] says what to do next; after a send the
//! driver hands the outcome back with [`Call::record`] and the send's
//! [`Ticket`]. Time comes in as `Instant`s the transport reads from its own
//! clock. In the upstream dialect the operation's
//! [`Flow`](crate::ops::Flow) says which exchange comes next.

use std::time::{Duration, Instant};

use http::header::{HeaderName, HeaderValue};
use http::{Method, Request, Response, Uri};
use uuid::Uuid;

use super::random::{SeedSource, SplitMix64, uuid_v4};
use super::{Action, IntoMachine, Machine, Outcome, Ticket, TransportError, TransportErrorKind};
use crate::error::{CallInfo, TimeoutKind};
use crate::observe::{AttemptEvent, AttemptOutcome, CallEvent, ThrottleEvent, route_template};
use crate::ops::{CallKey, Flow, Operation, Transition};
use crate::rate_limiter::is_throttling;
use crate::retry::{Attempt, GiveUp, RetryDecision, RetryPolicy, may_have_been_applied};
use crate::{CallOptions, Config, Dialect, Error};

/// The header carrying the logical call's id, the same on every attempt.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// The header carrying the idempotency key of a creating or cancelling POST,
/// sent where the server deduplicates by it ([`Dialect::deduplicates_writes`]).
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

// The two headers a call adds, as names made once: a name from a string is
// checked, and looked up, each time it is used.
static REQUEST_ID: HeaderName = HeaderName::from_static(REQUEST_ID_HEADER);
static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static(IDEMPOTENCY_KEY_HEADER);

/// What a call keeps of the request it lent to its attempt: what the retry
/// decisions and the attempt's report ask of it.
#[derive(Debug)]
struct Lent {
    method: Method,
    /// Whether it carries the idempotency key.
    keyed: bool,
    /// Its URI, for the route an observer or the log reports: kept only
    /// when the attempt may be reported (boxed: a call that reports none
    /// carries 8 bytes for it, not 88).
    uri: Option<Box<Uri>>,
}

/// Which dialect's exchanges the call is making, and where it is in them.
#[derive(Debug)]
enum Exchanges<F> {
    /// The documented single exchange.
    Spec,
    /// The upstream flow, in this state.
    Upstream(F),
}

#[derive(Debug)]
enum State<T> {
    Ready,
    InFlight { attempt: u32, timeout: Duration },
    Sleeping(Instant),
    Finished(Option<Result<T, Error>>),
}

/// The state machine of one logical call of operation `O`.
///
/// One request id (and, for creating or cancelling POSTs, one idempotency
/// key) is drawn from the seed when the call is made and sent on every
/// attempt and every follow-up request.
///
/// A write that may have been applied (a lost reply, a 5xx) is sent again
/// only when that is harmless or the server deduplicates it; otherwise the
/// operation's flow reconciles (finds what the first send did), or the call
/// ends with [`Error::OutcomeUnknown`]. See [`may_have_been_applied`].
///
/// ```
/// use std::time::Instant;
/// use taskqueue_proto::driver::{Action, Call, Machine};
/// use taskqueue_proto::{CallOptions, Config, ops::GetTask};
///
/// let mut call = Call::new(GetTask::new(uuid::Uuid::nil()), Config::default(), CallOptions::new(), 42);
/// let now = Instant::now();
/// let Action::Send { request, ticket, .. } = call.poll(now) else { unreachable!() };
/// assert!(request.headers().contains_key("x-request-id"));
/// call.record(ticket, Ok(http::Response::builder().status(404).body(vec![]).unwrap()), now);
/// assert!(matches!(call.poll(now), Action::Done(Err(e)) if e.is_not_found()));
/// ```
#[derive(Debug)]
pub struct Call<O: Operation> {
    op: O,
    config: Config,
    /// The call's own policy, if its options gave one (boxed: most calls
    /// use the config's, and every move of the call's future copies this).
    retry: Option<Box<RetryPolicy>>,
    attempt_timeout: Duration,
    call_deadline: Option<Duration>,
    request_id: Uuid,
    idempotency_key: Option<String>,
    /// Whether the caller gave the key (else the SDK drew it).
    key_given: bool,
    /// The draws after the request id and the key: the seed an upstream
    /// flow draws its own ids from, then the jitter's seed. Each is drawn
    /// only when it is needed (a call that is not retried draws no jitter).
    later: SeedSource,
    jitter: Option<SplitMix64>,
    exchanges: Exchanges<O::Upstream>,
    state: State<O::Output>,
    /// The request of the current exchange, re-sent on a retry. A spec
    /// call lends it to its attempt instead of keeping a copy (the request
    /// and its headers cloned for every call): a retry builds it again,
    /// the same bytes, from the operation and the call's ids.
    pending: Option<Request<Vec<u8>>>,
    /// What is kept of the request lent to the attempt.
    lent: Option<Lent>,
    step: usize,
    attempts_in_step: u32,
    attempts: u32,
    deadline: Option<Instant>,
    started: bool,
    tokens_spent: u32,
    last_decision: Option<RetryDecision>,
    /// The failure of a write whose outcome the flow is finding out
    /// (boxed: rare, and as large as an error).
    in_doubt: Option<Box<Error>>,
    /// Sends of writes that are not harmless to repeat, resends included.
    write_attempts: u32,
    /// Whether an attempt of the call's write may have been applied (so a
    /// later failure, even one before sending, leaves the outcome unknown).
    write_maybe_applied: bool,
    sent_at: Option<Instant>,
    started_at: Option<Instant>,
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl<O: Operation> Call<O> {
    /// Starts a call: builds (and validates) the first request, and draws the
    /// request id, idempotency key and jitter from `seed`. An invalid input
    /// makes the first [`poll`](Call::poll) return `Done(Err(..))`.
    pub fn new(op: O, config: Config, options: CallOptions, seed: u64) -> Self {
        let mut random = SeedSource::new(seed);
        let request_id = uuid_v4(&mut random);
        // The generated key's two draws, made only for a call that sends one.
        let mut key_draws = random;
        random.skip(2);
        let mut call = Call {
            retry: options.retry.map(Box::new),
            attempt_timeout: options.attempt_timeout.unwrap_or(config.attempt_timeout()),
            call_deadline: options.call_deadline.or(config.call_deadline()),
            request_id,
            idempotency_key: None,
            key_given: false,
            later: random,
            jitter: None,
            exchanges: Exchanges::Spec,
            state: State::Ready,
            pending: None,
            lent: None,
            step: 0,
            attempts_in_step: 0,
            attempts: 0,
            deadline: None,
            started: false,
            tokens_spent: 0,
            last_decision: None,
            in_doubt: None,
            write_attempts: 0,
            write_maybe_applied: false,
            sent_at: None,
            started_at: None,
            #[cfg(feature = "tracing")]
            span: tracing::info_span!("taskqueue.call", operation = O::NAME, request_id = %request_id),
            config,
            op,
        };
        let policy_ok = call
            .retry
            .as_deref()
            .map_or(Ok(()), RetryPolicy::validate)
            .and_then(|()| validate_bounds(options.attempt_timeout, options.call_deadline));
        let first = policy_ok
            .and_then(|()| call.choose_key(options.idempotency_key, || uuid_v4(&mut key_draws)))
            .and_then(|(key, given)| {
                call.idempotency_key = key;
                call.key_given = given;
                call.first_request()
            })
            .map(|request| call.prepare(request));
        match first {
            Ok(request) => call.pending = Some(request),
            Err(e) => call.state = State::Finished(Some(Err(e))),
        }
        call
    }

    /// The first request in the config's dialect, and the flow's first state.
    fn first_request(&mut self) -> Result<Request<Vec<u8>>, Error> {
        match self.config.dialect() {
            Dialect::Upstream => {
                let key = self.idempotency_key.as_deref().map(|k| CallKey::new(k, self.key_given));
                let (state, request) = O::Upstream::start_keyed(&self.op, &self.config, self.flow_seed(), key)?;
                self.exchanges = Exchanges::Upstream(state);
                Ok(request)
            }
            _ => self.op.build_spec_request(&self.config),
        }
    }

    /// The operation this call runs.
    pub fn operation(&self) -> &O {
        &self.op
    }
    /// The seed an upstream flow draws its ids from (the fifth draw).
    fn flow_seed(&self) -> u64 {
        let mut seeds = self.later;
        seeds.next_u64()
    }

    /// The `X-Request-Id` sent on every attempt.
    pub fn request_id(&self) -> Uuid {
        self.request_id
    }
    /// The call's idempotency key, if it has one: sent as `Idempotency-Key`
    /// where the server deduplicates by it, the marker of a create upstream.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }
    /// Attempts sent so far, over all exchanges.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Which exchange the call is on (0 for the first request).
    pub fn step(&self) -> usize {
        self.step
    }
    /// The retry decision taken after the most recent failed attempt.
    pub fn last_decision(&self) -> Option<RetryDecision> {
        self.last_decision
    }

    /// Tells the observer (and, with the `tracing` feature, the log) about
    /// the attempt just answered or failed: method, route, outcome, duration,
    /// attempt number and retry decision. Never headers or bodies.
    fn emit_attempt(&self, outcome: AttemptOutcome, error: Option<&Error>, now: Instant) {
        let observer = self.config.observer();
        // Failed attempts are logged at WARN, answered ones at DEBUG.
        #[cfg(feature = "tracing")]
        let traced = if error.is_some() {
            tracing::level_enabled!(tracing::Level::WARN)
        } else {
            tracing::level_enabled!(tracing::Level::DEBUG)
        };
        #[cfg(not(feature = "tracing"))]
        let traced = false;
        if observer.is_none() && !traced {
            return;
        }
        // A lent request left its URI behind if the attempt could be
        // reported when it was sent; if not (a log turned on since), the
        // request is built again for it.
        let rebuilt = match &self.lent {
            Some(Lent { uri: None, .. }) if self.pending.is_none() => self.op.build_spec_request(&self.config).ok(),
            _ => None,
        };
        let (method, path) = match (&self.pending, &self.lent) {
            (Some(p), _) => (p.method().clone(), p.uri().path()),
            (None, Some(lent)) => {
                let uri = lent.uri.as_deref().or(rebuilt.as_ref().map(Request::uri));
                (lent.method.clone(), uri.map_or("", Uri::path))
            }
            (None, None) => (Method::GET, ""),
        };
        let route = route_template(path);
        let event = AttemptEvent {
            operation: O::NAME,
            method: &method,
            route: &route,
            attempt: self.attempts,
            outcome,
            duration: self
                .sent_at
                .map(|t| now.saturating_duration_since(t))
                .unwrap_or_default(),
            decision: error.and(self.last_decision),
        };
        if let Some(observer) = observer {
            observer.attempt(&event);
        }
        #[cfg(feature = "tracing")]
        if traced {
            self.trace_attempt(&event, error);
        }
    }

    #[cfg(feature = "tracing")]
    fn trace_attempt(&self, event: &AttemptEvent<'_>, error: Option<&Error>) {
        let (method, path) = (event.method.as_str(), event.route);
        let duration_ms = event.duration.as_secs_f64() * 1000.0;
        let (attempt, step, outcome) = (event.attempt, self.step, event.outcome.label());
        match error {
            None => tracing::debug!(
                parent: &self.span, method, path, status = %outcome, duration_ms, attempt, step, "attempt succeeded"
            ),
            Some(error) => tracing::warn!(
                parent: &self.span, method, path, status = %outcome, error = %error,
                duration_ms, attempt, step, decision = ?event.decision, "attempt failed"
            ),
        }
    }

    /// Tells the observer the call is over.
    fn emit_call(&self, result: &Result<O::Output, Error>, now: Instant) {
        if let Some(observer) = self.config.observer() {
            observer.call(&CallEvent {
                operation: O::NAME,
                attempts: self.attempts,
                duration: self
                    .started_at
                    .map(|t| now.saturating_duration_since(t))
                    .unwrap_or_default(),
                error: result.as_ref().err(),
            });
        }
    }

    /// The method of the exchange's request and whether it carries the
    /// idempotency key: from the request held, or as noted when it was lent.
    fn sent(&self) -> Option<(&Method, bool)> {
        match (&self.pending, &self.lent) {
            (Some(request), _) => Some((request.method(), request.headers().contains_key(&IDEMPOTENCY_KEY))),
            (None, Some(lent)) => Some((&lent.method, lent.keyed)),
            (None, None) => None,
        }
    }

    /// Whether an attempt may be reported: to an observer, or (feature
    /// `tracing`) to a log that takes warnings.
    fn attempts_reported(&self) -> bool {
        #[cfg(feature = "tracing")]
        if tracing::level_enabled!(tracing::Level::WARN) {
            return true;
        }
        self.config.observer().is_some()
    }

    fn policy(&self) -> &RetryPolicy {
        self.retry.as_deref().unwrap_or(self.config.retry_policy())
    }

    /// How long the adaptive rate limiter holds the next send back, if it does.
    fn held_back(&self, now: Instant) -> Option<Duration> {
        let wait = self.config.rate_limiter()?.acquire(now).err()?;
        if let Some(observer) = self.config.observer() {
            observer.throttled(&ThrottleEvent {
                operation: O::NAME,
                wait,
            });
        }
        Some(wait)
    }

    /// Adds the call's request id and idempotency key to a request.
    fn prepare(&self, mut request: Request<Vec<u8>>) -> Request<Vec<u8>> {
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        if let Ok(id) = HeaderValue::from_str(self.request_id.hyphenated().encode_lower(&mut text)) {
            request.headers_mut().insert(REQUEST_ID.clone(), id);
        }
        if let Some(key) = self
            .idempotency_key
            .as_deref()
            .and_then(|k| HeaderValue::from_str(k).ok())
            && request.method() == Method::POST
            && self.config.dialect().deduplicates_writes()
        {
            request.headers_mut().insert(IDEMPOTENCY_KEY.clone(), key);
        }
        request
    }

    /// What to do next, at time `now`.
    pub fn poll(&mut self, now: Instant) -> Action<O::Output> {
        if !self.started {
            self.started = true;
            self.started_at = Some(now);
            self.deadline = self.call_deadline.and_then(|t| now.checked_add(t));
        }
        loop {
            match &mut self.state {
                State::Finished(slot) => {
                    let Some(mut result) = slot.take() else {
                        return Action::Pending;
                    };
                    if let (Err(error), true) = (&mut result, self.attempts > 0) {
                        error.attach_call(|| CallInfo::new(O::NAME, self.request_id.to_string(), self.attempts));
                    }
                    self.emit_call(&result, now);
                    return Action::Done(result);
                }
                State::InFlight { .. } => return Action::Pending,
                State::Sleeping(until) => {
                    if now < *until {
                        return Action::Sleep(*until - now);
                    }
                    self.state = State::Ready;
                }
                State::Ready => {
                    let time_left = self.deadline.map(|d| d.saturating_duration_since(now));
                    if time_left.is_some_and(|left| left.is_zero()) {
                        let error = Error::Timeout {
                            kind: TimeoutKind::Deadline,
                            after: self.call_deadline.unwrap_or_default(),
                            call: None,
                        };
                        self.finish_with(error);
                        continue;
                    }
                    if let Some(wait) = self.held_back(now) {
                        // A wait the deadline would cut short is not worth waiting.
                        if time_left.is_some_and(|left| wait >= left) {
                            let error = Error::Timeout {
                                kind: TimeoutKind::Deadline,
                                after: self.call_deadline.unwrap_or_default(),
                                call: None,
                            };
                            self.finish_with(error);
                            continue;
                        }
                        return Action::Sleep(wait);
                    }
                    let request = match (self.pending.take(), &self.exchanges) {
                        (Some(request), Exchanges::Spec) => request,
                        (Some(request), Exchanges::Upstream(_)) => {
                            let copy = request.clone();
                            self.pending = Some(request);
                            copy
                        }
                        (None, Exchanges::Spec) if self.lent.is_some() => {
                            match self.op.build_spec_request(&self.config) {
                                Ok(request) => self.prepare(request),
                                Err(error) => {
                                    self.finish_with(error);
                                    continue;
                                }
                            }
                        }
                        (None, _) => {
                            self.state = State::Finished(None);
                            return Action::Pending;
                        }
                    };
                    if self.pending.is_none() {
                        self.lent = Some(Lent {
                            method: request.method().clone(),
                            keyed: request.headers().contains_key(&IDEMPOTENCY_KEY),
                            uri: self.attempts_reported().then(|| Box::new(request.uri().clone())),
                        });
                    }
                    if self.is_write(request.method()) {
                        self.write_attempts += 1;
                    }
                    self.attempts += 1;
                    self.attempts_in_step += 1;
                    let timeout = time_left.map_or(self.attempt_timeout, |left| left.min(self.attempt_timeout));
                    self.state = State::InFlight {
                        attempt: self.attempts,
                        timeout,
                    };
                    self.sent_at = Some(now);
                    let ticket = Ticket {
                        slot: 0,
                        attempt: self.attempts,
                    };
                    return Action::Send {
                        request,
                        timeout,
                        ticket,
                    };
                }
            }
        }
    }

    /// Hands back the outcome of the attempt `ticket` came with. The ticket of
    /// an attempt this call no longer waits for is ignored.
    pub fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        let attempt_timeout = match self.state {
            State::InFlight { attempt, timeout } if attempt == ticket.attempt => timeout,
            _ => return,
        };
        match outcome {
            Ok(response) => {
                let answered = AttemptOutcome::Status(response.status());
                let acknowledged = response.status().is_success();
                if let Some(limiter) = self.config.rate_limiter() {
                    limiter.record(now, is_throttling(&response));
                }
                match self.read(response) {
                    Ok(Transition::Done(output)) => {
                        self.emit_attempt(answered, None, now);
                        if let Some(budget) = self.config.retry_budget() {
                            budget.release(self.tokens_spent);
                        }
                        self.in_doubt = None;
                        self.state = State::Finished(Some(Ok(output)));
                    }
                    Ok(Transition::Next(state, request)) => {
                        self.emit_attempt(answered, None, now);
                        // A reconciliation found the write was not applied
                        // and asks to send it again: only within the attempts.
                        if let Some(original) = self.in_doubt.take().map(|e| *e) {
                            self.write_maybe_applied = false;
                            if self.is_write(request.method()) && self.write_attempts >= self.policy().max_attempts() {
                                self.state = State::Finished(Some(Err(original)));
                                return;
                            }
                        } else if acknowledged && self.sent().is_some_and(|(method, _)| self.is_write(method)) {
                            // The write was acknowledged: if a follow-up (the
                            // fetch of what it made) fails, it still happened.
                            self.write_maybe_applied = true;
                        }
                        self.exchanges = Exchanges::Upstream(state);
                        self.pending = Some(self.prepare(request));
                        self.step += 1;
                        self.attempts_in_step = 0;
                        self.state = State::Ready;
                    }
                    Err(error) => self.failed(error, true, answered, now),
                }
            }
            Err(transport) => {
                let sent = transport.was_sent();
                let failed = AttemptOutcome::Transport(transport.kind());
                let error = error_of_transport(transport, &self.config, attempt_timeout, None);
                self.failed(error, sent, failed, now);
            }
        }
    }

    /// Reads a response in the call's dialect. A failed read leaves the flow's
    /// state as it was, so a retry re-sends the same exchange.
    fn read(&self, response: Response<Vec<u8>>) -> Result<Transition<O::Upstream, O::Output>, Error> {
        match &self.exchanges {
            Exchanges::Spec => self.op.parse_spec_response(response).map(Transition::Done),
            Exchanges::Upstream(state) => state.read(&self.op, &self.config, response),
        }
    }

    fn failed(&mut self, error: Error, sent: bool, outcome: AttemptOutcome, now: Instant) {
        let idempotent = self.sent().is_some_and(|(method, keyed)| self.harmless(method, keyed));
        if may_have_been_applied(&error, sent) && self.sent().is_some_and(|(method, _)| self.is_write(method)) {
            self.write_maybe_applied = true;
        }
        let later = self.later;
        let jitter = self
            .jitter
            .get_or_insert_with(|| {
                let mut seeds = later;
                seeds.skip(1);
                SplitMix64::new(seeds.next_u64())
            })
            .next_unit();
        let policy = self.policy();
        let mut decision = policy.decide(&Attempt {
            error: &error,
            sent,
            idempotent,
            attempts_made: self.attempts_in_step,
            time_left: self.deadline.map(|d| d.saturating_duration_since(now)),
            jitter,
        });
        if let (RetryDecision::Retry(_), Some(budget)) = (decision, self.config.retry_budget()) {
            let cost = budget.cost_of(&error);
            if budget.try_acquire(cost) {
                self.tokens_spent += cost;
            } else {
                decision = RetryDecision::GiveUp(GiveUp::BudgetExhausted);
            }
        }
        self.last_decision = Some(decision);
        self.emit_attempt(outcome, Some(&error), now);
        match decision {
            RetryDecision::Retry(wait) => match now.checked_add(wait) {
                Some(until) => self.state = State::Sleeping(until),
                None => self.finish_with(error),
            },
            RetryDecision::GiveUp(GiveUp::NotIdempotent) => self.reconcile(error, jitter, now),
            RetryDecision::GiveUp(_) => self.finish_with(error),
        }
    }
}

/// A per-call timeout longer than a day would overflow the transports' clocks.
/// The SDK error for a transport's failure on an attempt bounded by
/// `attempt_timeout`, carrying the request id the call sent: timeouts say
/// which bound and how long, a broken connection whether it was sent.
pub(crate) fn error_of_transport(
    error: TransportError,
    config: &Config,
    attempt_timeout: Duration,
    call: Option<CallInfo>,
) -> Error {
    let call = call.map(Box::new);
    let (kind, message, source) = error.into_parts();
    match kind {
        TransportErrorKind::Connect => Error::Connection {
            message,
            sent: false,
            source,
            call: call.clone(),
        },
        TransportErrorKind::Io => Error::Connection {
            message,
            sent: true,
            source,
            call: call.clone(),
        },
        TransportErrorKind::ConnectTimeout => Error::Timeout {
            kind: TimeoutKind::Connect,
            after: config.connect_timeout().min(attempt_timeout),
            call: call.clone(),
        },
        TransportErrorKind::Timeout => Error::Timeout {
            kind: TimeoutKind::Attempt,
            after: attempt_timeout,
            call: call.clone(),
        },
        TransportErrorKind::BodyTooLarge => Error::ResponseTooLarge {
            limit: config.body_limit(),
            call,
        },
        TransportErrorKind::Unusable => Error::Transport { message, source },
    }
}

fn validate_bounds(attempt_timeout: Option<Duration>, call_deadline: Option<Duration>) -> Result<(), Error> {
    let too_long = |d: Option<Duration>| d.is_some_and(|d| d > crate::retry::MAX_WAIT);
    if too_long(attempt_timeout) {
        return Err(Error::invalid_input("attempt_timeout", "must be at most one day"));
    }
    if too_long(call_deadline) {
        return Err(Error::invalid_input("call_deadline", "must be at most one day"));
    }
    Ok(())
}

impl<O: Operation> Machine for Call<O> {
    type Output = O::Output;
    type Item = std::convert::Infallible;

    fn poll(&mut self, now: Instant) -> Action<O::Output> {
        Call::poll(self, now)
    }

    fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        Call::record(self, ticket, outcome, now)
    }

    #[cfg(feature = "tracing")]
    fn span(&self) -> Option<&tracing::Span> {
        Some(&self.span)
    }
}

impl<O: Operation> IntoMachine for O {
    type Machine = Call<O>;

    fn into_machine(self, config: &Config, options: &CallOptions, seed: u64) -> Call<O> {
        Call::new(self, config.clone(), options.clone(), seed)
    }
}

mod writes;

#[cfg(test)]
mod tests;
