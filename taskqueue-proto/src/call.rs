//! `Call`: the state machine of one logical call — attempts, retries, sleeps,
//! follow-up requests, deadlines — with no I/O of its own.
//!
//! A transport drives it in a loop: [`Call::poll`] says what to do next
//! ([`Action::Send`], [`Action::Sleep`] or [`Action::Done`]); after a send
//! the transport hands the outcome back with [`Call::record`]. Time comes in
//! as `Instant`s the transport reads from its own clock.

use std::time::{Duration, Instant};

use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Response, Uri, Version};
use uuid::Uuid;

use crate::entropy::{Entropy, SplitMix64, uuid_v4};
use crate::ops::{Operation, Step};
use crate::retry::{Attempt, GiveUp, RetryDecision, RetryPolicy};
use crate::{BoxError, Config, Error};

/// The header carrying the logical call's id, the same on every attempt.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// The header carrying the idempotency key of a creating or cancelling POST.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// Per-call settings that override the [`Config`]'s.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CallOptions {
    /// Per-attempt timeout.
    pub timeout: Option<Duration>,
    /// Deadline for the whole call, retries and sleeps included.
    pub total_timeout: Option<Duration>,
    /// Retry policy.
    pub retry: Option<RetryPolicy>,
    /// An idempotency key of the caller's choosing (1–255 visible ASCII
    /// characters) instead of a generated one; sent on any POST.
    pub idempotency_key: Option<String>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }
    /// Overrides the per-attempt timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// Sets a deadline for the whole call.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }
    /// Overrides the retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
    /// Uses this idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// What the transport should do next.
#[derive(Debug)]
pub enum Action<T> {
    /// Send this request; give up on it after `timeout` and record a
    /// [`TransportErrorKind::Timeout`].
    Send {
        /// The request, headers complete.
        request: Request<Vec<u8>>,
        /// How long this attempt may take (already cut to the call's deadline).
        timeout: Duration,
    },
    /// Sleep this long, then poll again.
    Sleep(Duration),
    /// The call is over.
    Done(Result<T, Error>),
}

/// How an attempt failed without a response, as the transport saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Could not connect (refused, DNS, TLS handshake): nothing was sent.
    Connect,
    /// Connecting took too long: nothing was sent.
    ConnectTimeout,
    /// Sent, but no complete response in time.
    Timeout,
    /// Sent, then the connection broke (reset, truncated body).
    Io,
    /// The response body was larger than the configured limit.
    BodyTooLarge,
    /// The transport could not make the request at all (a URI or proxy it
    /// cannot use): nothing was sent, and trying again will not help.
    Unusable,
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
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(std::sync::Arc::new(source));
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the request may have reached the server.
    pub fn was_sent(&self) -> bool {
        !matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::ConnectTimeout
        )
    }

    fn into_error(self, body_limit: u64) -> Error {
        match self.kind {
            TransportErrorKind::Connect => Error::Connection {
                message: self.message,
                sent: false,
                source: self.source,
            },
            TransportErrorKind::Io => Error::Connection {
                message: self.message,
                sent: true,
                source: self.source,
            },
            TransportErrorKind::ConnectTimeout | TransportErrorKind::Timeout => {
                Error::Timeout { message: self.message }
            }
            TransportErrorKind::BodyTooLarge => Error::ResponseTooLarge { limit: body_limit },
            TransportErrorKind::Unusable => Error::invalid_input("request", self.message),
        }
    }
}

/// A request kept in parts so each attempt can send a fresh copy.
#[derive(Debug)]
struct Prepared {
    method: Method,
    uri: Uri,
    version: Version,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Prepared {
    fn new(request: Request<Vec<u8>>) -> Self {
        let (parts, body) = request.into_parts();
        Prepared {
            method: parts.method,
            uri: parts.uri,
            version: parts.version,
            headers: parts.headers,
            body,
        }
    }

    fn to_request(&self) -> Request<Vec<u8>> {
        let mut request = Request::new(self.body.clone());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.version_mut() = self.version;
        *request.headers_mut() = self.headers.clone();
        request
    }

    /// GET, HEAD, PUT, DELETE and OPTIONS are idempotent; a POST is when it carries a key.
    fn is_idempotent(&self) -> bool {
        match self.method {
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS => true,
            _ => self.headers.contains_key(IDEMPOTENCY_KEY_HEADER),
        }
    }
}

#[derive(Debug)]
enum State<T> {
    Ready,
    InFlight,
    Sleeping(Instant),
    Finished(Option<Result<T, Error>>),
}

/// The state machine of one logical call of operation `O`.
///
/// One request id (and, for creating or cancelling POSTs, one idempotency
/// key) is drawn when the call is made and sent on every attempt and every
/// follow-up request.
#[derive(Debug)]
pub struct Call<'c, O: Operation> {
    op: O,
    config: &'c Config,
    retry: Option<RetryPolicy>,
    attempt_timeout: Duration,
    total_timeout: Option<Duration>,
    request_id: Uuid,
    idempotency_key: Option<String>,
    jitter: SplitMix64,
    state: State<O::Output>,
    pending: Option<Prepared>,
    step: usize,
    attempts_in_step: u32,
    attempts: u32,
    deadline: Option<Instant>,
    tokens_spent: u32,
    last_decision: Option<RetryDecision>,
    sent_at: Option<Instant>,
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl<'c, O: Operation> Call<'c, O> {
    /// Starts a call: builds (and validates) the first request, and draws the
    /// request id, idempotency key and jitter seed from `entropy`. An invalid
    /// input makes the first [`poll`](Call::poll) return `Done(Err(..))`.
    pub fn new(op: O, config: &'c Config, options: CallOptions, entropy: &mut dyn Entropy) -> Self {
        let request_id = uuid_v4(entropy);
        let generated_key = uuid_v4(entropy);
        let jitter = SplitMix64::new(entropy.next_u64());
        let mut call = Call {
            config,
            retry: options.retry,
            attempt_timeout: options.timeout.unwrap_or(config.timeout()),
            total_timeout: options.total_timeout.or(config.total_timeout()),
            request_id,
            idempotency_key: None,
            jitter,
            state: State::Ready,
            pending: None,
            step: 0,
            attempts_in_step: 0,
            attempts: 0,
            deadline: None,
            tokens_spent: 0,
            last_decision: None,
            sent_at: None,
            #[cfg(feature = "tracing")]
            span: tracing::info_span!("taskqueue.call", operation = op.name(), request_id = %request_id),
            op,
        };
        let first = call.op.build_request(config).and_then(|request| {
            let is_post = request.method() == Method::POST;
            call.idempotency_key = match options.idempotency_key {
                Some(key) if is_post => Some(validate_idempotency_key(key)?),
                Some(_) => None,
                None if is_post && call.op.wants_idempotency_key() && config.idempotency_keys() => {
                    Some(generated_key.to_string())
                }
                None => None,
            };
            Ok(call.prepare(request))
        });
        match first {
            Ok(prepared) => call.pending = Some(prepared),
            Err(e) => call.state = State::Finished(Some(Err(e))),
        }
        call
    }

    /// The operation this call runs.
    pub fn operation(&self) -> &O {
        &self.op
    }
    /// The `X-Request-Id` sent on every attempt.
    pub fn request_id(&self) -> Uuid {
        self.request_id
    }
    /// The `Idempotency-Key` sent, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }
    /// Attempts sent so far, over all steps.
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

    /// The call's span (`taskqueue.call`, with the operation and request id):
    /// transports enter it around their I/O so their own events nest in it.
    #[cfg(feature = "tracing")]
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// One event per attempt: method, path, status or error, duration,
    /// attempt number and retry decision. Never headers or bodies.
    #[cfg(feature = "tracing")]
    fn trace_attempt(&self, outcome: Result<u16, &Error>, now: Instant) {
        let (method, path) = match &self.pending {
            Some(p) => (p.method.as_str(), p.uri.path()),
            None => ("", ""),
        };
        let duration_ms = self
            .sent_at
            .map(|t| now.saturating_duration_since(t).as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
        match (outcome, self.last_decision) {
            (Ok(status), _) => tracing::debug!(
                parent: &self.span, method, path, status, duration_ms, attempt = self.attempts, step = self.step,
                "attempt succeeded"
            ),
            (Err(error), decision) => tracing::warn!(
                parent: &self.span, method, path, status = error.status().map(|s| s.as_u16()), error = %error,
                duration_ms, attempt = self.attempts, step = self.step, decision = ?decision, "attempt failed"
            ),
        }
    }

    fn policy(&self) -> &RetryPolicy {
        self.retry.as_ref().unwrap_or(self.config.retry_policy())
    }

    /// Adds the call's request id and idempotency key to a request.
    fn prepare(&self, request: Request<Vec<u8>>) -> Prepared {
        let mut prepared = Prepared::new(request);
        let id = HeaderValue::from_str(&self.request_id.to_string());
        if let Ok(id) = id {
            prepared.headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), id);
        }
        if let Some(key) = self
            .idempotency_key
            .as_deref()
            .and_then(|k| HeaderValue::from_str(k).ok())
            && prepared.method == Method::POST
        {
            prepared
                .headers
                .insert(HeaderName::from_static(IDEMPOTENCY_KEY_HEADER), key);
        }
        prepared
    }

    /// What to do next, at time `now`.
    pub fn poll(&mut self, now: Instant) -> Action<O::Output> {
        if self.deadline.is_none() && self.attempts == 0 {
            self.deadline = self.total_timeout.and_then(|t| now.checked_add(t));
        }
        loop {
            match &mut self.state {
                State::Finished(slot) => {
                    return Action::Done(
                        slot.take()
                            .unwrap_or_else(|| Err(Error::invalid_input("call", "polled after it finished"))),
                    );
                }
                State::InFlight => {
                    let misuse = Error::invalid_input(
                        "call",
                        "polled while an attempt was in flight; record its outcome first",
                    );
                    self.state = State::Finished(None);
                    return Action::Done(Err(misuse));
                }
                State::Sleeping(until) => {
                    if now < *until {
                        return Action::Sleep(*until - now);
                    }
                    self.state = State::Ready;
                }
                State::Ready => {
                    let time_left = self.deadline.map(|d| d.saturating_duration_since(now));
                    if time_left.is_some_and(|left| left.is_zero()) {
                        let total = self.total_timeout.unwrap_or_default();
                        let error = Error::Timeout {
                            message: format!(
                                "the call's deadline of {:.1}s passed after {} attempt(s)",
                                total.as_secs_f64(),
                                self.attempts
                            ),
                        };
                        self.state = State::Finished(None);
                        return Action::Done(Err(error));
                    }
                    let Some(pending) = &self.pending else {
                        self.state = State::Finished(None);
                        return Action::Done(Err(Error::invalid_input("call", "no request to send")));
                    };
                    let request = pending.to_request();
                    self.attempts += 1;
                    self.attempts_in_step += 1;
                    self.state = State::InFlight;
                    self.sent_at = Some(now);
                    let timeout = time_left.map_or(self.attempt_timeout, |left| left.min(self.attempt_timeout));
                    return Action::Send { request, timeout };
                }
            }
        }
    }

    /// Hands back the outcome of the attempt that [`poll`](Call::poll) asked
    /// for: the response (any status), or the transport's failure.
    pub fn record(&mut self, outcome: Result<Response<Vec<u8>>, TransportError>, now: Instant) {
        if !matches!(self.state, State::InFlight) {
            if !matches!(self.state, State::Finished(_)) {
                let misuse = Error::invalid_input("call", "an outcome was recorded with no attempt in flight");
                self.state = State::Finished(Some(Err(misuse)));
            }
            return;
        }
        #[cfg(feature = "tracing")]
        let status = outcome.as_ref().ok().map(|r| r.status().as_u16());
        match outcome {
            Ok(response) => match self.op.next_step(self.config, self.step, response) {
                Ok(Step::Done(output)) => {
                    #[cfg(feature = "tracing")]
                    self.trace_attempt(Ok(status.unwrap_or_default()), now);
                    if let Some(budget) = self.policy().retry_budget() {
                        budget.release(self.tokens_spent);
                    }
                    self.state = State::Finished(Some(Ok(output)));
                }
                Ok(Step::FollowUp(request)) => {
                    #[cfg(feature = "tracing")]
                    self.trace_attempt(Ok(status.unwrap_or_default()), now);
                    self.pending = Some(self.prepare(request));
                    self.step += 1;
                    self.attempts_in_step = 0;
                    self.state = State::Ready;
                }
                Err(error) => self.failed(error, true, now),
            },
            Err(transport) => {
                let sent = transport.was_sent();
                let error = transport.into_error(self.config.body_limit());
                self.failed(error, sent, now);
            }
        }
    }

    fn failed(&mut self, error: Error, sent: bool, now: Instant) {
        let idempotent = self.pending.as_ref().is_some_and(Prepared::is_idempotent);
        let jitter = self.jitter.next_unit();
        let policy = self.policy();
        let mut decision = policy.decide(&Attempt {
            error: &error,
            sent,
            idempotent,
            attempts_made: self.attempts_in_step,
            time_left: self.deadline.map(|d| d.saturating_duration_since(now)),
            jitter,
        });
        if let (RetryDecision::Retry(_), Some(budget)) = (decision, policy.retry_budget()) {
            let cost = budget.cost_of(&error);
            if budget.try_acquire(cost) {
                self.tokens_spent += cost;
            } else {
                decision = RetryDecision::GiveUp(GiveUp::BudgetExhausted);
            }
        }
        self.last_decision = Some(decision);
        #[cfg(feature = "tracing")]
        self.trace_attempt(Err(&error), now);
        self.state = match decision {
            RetryDecision::Retry(wait) => State::Sleeping(now + wait),
            RetryDecision::GiveUp(_) => State::Finished(Some(Err(error))),
        };
    }
}

fn validate_idempotency_key(key: String) -> Result<String, Error> {
    let ok = (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(key)
    } else {
        Err(Error::invalid_input(
            "idempotency_key",
            "must be 1 to 255 visible ASCII characters",
        ))
    }
}

#[cfg(test)]
mod tests;
