//! The Call state machine on a fake clock: attempts, delays, deadlines, and
//! the same request id and idempotency key across retries.

use std::time::{Duration, Instant};

use http::{Request, Response};
use uuid::Uuid;

use super::*;
use crate::ops::{CreateTask, DeleteTask, GetTask};
use crate::{RetryBudget, SplitMix64, TaskCreateRequest};

const TASK: Uuid = Uuid::from_u128(0x6f1c2b9e_8a4d_4c1e_9f3a_2b7d5e8c1a90);

fn task_json(id: Uuid) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","name":"n","command":"c","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}}"#
    )
    .into_bytes()
}

fn response(status: u16, headers: &[(&str, &str)], body: Vec<u8>) -> Response<Vec<u8>> {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body).unwrap()
}

type Outcome = Result<Response<Vec<u8>>, TransportError>;

/// What a transport saw while driving a call to the end.
#[derive(Debug)]
struct Run<T> {
    result: Result<T, Error>,
    /// (time since start, request) of each send.
    sends: Vec<(Duration, Request<Vec<u8>>)>,
    /// Every sleep asked for.
    sleeps: Vec<Duration>,
    /// Per-attempt timeouts given.
    timeouts: Vec<Duration>,
}

/// Drives `call` with a fake clock; each send is answered by the next outcome
/// (and takes `latency` of fake time).
fn drive<O: Operation>(mut call: Call<'_, O>, outcomes: Vec<Outcome>, latency: Duration) -> Run<O::Output> {
    let start = Instant::now();
    let mut now = start;
    let mut outcomes = outcomes.into_iter();
    let mut run = Run {
        result: Err(Error::invalid_input("test", "not run")),
        sends: vec![],
        sleeps: vec![],
        timeouts: vec![],
    };
    loop {
        match call.poll(now) {
            Action::Send { request, timeout } => {
                run.sends.push((now - start, request));
                run.timeouts.push(timeout);
                now += latency;
                let outcome = outcomes
                    .next()
                    .expect("the call sent more requests than the test scripted");
                call.record(outcome, now);
            }
            Action::Sleep(d) => {
                run.sleeps.push(d);
                now += d;
            }
            Action::Done(result) => {
                run.result = result;
                assert!(
                    outcomes.next().is_none(),
                    "the call stopped before using every scripted outcome"
                );
                return run;
            }
        }
    }
}

fn config_with(policy: RetryPolicy) -> Config {
    Config::builder().retry_policy(policy).build().unwrap()
}

fn refused() -> Outcome {
    Err(TransportError::new(TransportErrorKind::Connect, "connection refused"))
}
fn reset() -> Outcome {
    Err(TransportError::new(TransportErrorKind::Io, "connection reset"))
}
fn timed_out() -> Outcome {
    Err(TransportError::new(
        TransportErrorKind::Timeout,
        "no response within 30s",
    ))
}

fn create() -> CreateTask {
    CreateTask::new(TaskCreateRequest::new("n", "c", Uuid::nil()))
}

#[test]
fn retries_a_503_then_succeeds_with_the_same_ids() {
    let config = Config::default();
    let call = Call::new(create(), &config, CallOptions::new(), &mut SplitMix64::new(3));
    let (id, key) = (
        call.request_id().to_string(),
        call.idempotency_key().unwrap().to_owned(),
    );
    let run = drive(
        call,
        vec![Ok(response(503, &[], vec![])), Ok(response(201, &[], task_json(TASK)))],
        Duration::ZERO,
    );
    assert_eq!(run.result.unwrap().id, TASK);
    assert_eq!(run.sends.len(), 2);
    for (_, r) in &run.sends {
        assert_eq!(r.headers()["x-request-id"], id.as_str());
        assert_eq!(r.headers()["idempotency-key"], key.as_str());
        assert_eq!(r.body(), run.sends[0].1.body());
    }
    assert_eq!(run.sleeps.len(), 1);
    assert!(
        run.sleeps[0] <= Duration::from_secs(1),
        "first backoff is at most 1s: {:?}",
        run.sleeps
    );
}

#[test]
fn gives_up_after_three_attempts_with_the_last_error() {
    let config = Config::default();
    let call = Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut SplitMix64::new(3));
    let run = drive(
        call,
        vec![
            Ok(response(502, &[], vec![])),
            Ok(response(503, &[], vec![])),
            Ok(response(500, &[], b"boom".to_vec())),
        ],
        Duration::ZERO,
    );
    let err = run.result.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.message(), "boom");
    assert_eq!(run.sends.len(), 3);
    assert_eq!(run.sleeps.len(), 2);
}

#[test]
fn jitter_is_deterministic_for_a_seed_and_within_the_doubling_bounds() {
    let config = config_with(RetryPolicy::default().max_attempts(5));
    let outcomes = || (0..5).map(|_| Ok(response(503, &[], vec![]))).collect::<Vec<_>>();
    let a = drive(
        Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut SplitMix64::new(9)),
        outcomes(),
        Duration::ZERO,
    );
    let b = drive(
        Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut SplitMix64::new(9)),
        outcomes(),
        Duration::ZERO,
    );
    assert_eq!(a.sleeps, b.sleeps);
    assert_eq!(a.sleeps.len(), 4);
    for (i, sleep) in a.sleeps.iter().enumerate() {
        assert!(*sleep <= Duration::from_secs(1 << i), "retry {} slept {sleep:?}", i + 1);
    }
}

#[test]
fn retry_after_sets_the_wait() {
    let config = Config::default();
    let call = Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut SplitMix64::new(3));
    let run = drive(
        call,
        vec![
            Ok(response(429, &[("retry-after", "7")], vec![])),
            Ok(response(200, &[], task_json(TASK))),
        ],
        Duration::ZERO,
    );
    assert!(run.result.is_ok());
    assert_eq!(run.sleeps, [Duration::from_secs(7)]);
    assert_eq!(run.sends[1].0, Duration::from_secs(7));
}

#[test]
fn retry_after_beyond_the_limit_returns_rate_limited_at_once() {
    let config = Config::default();
    let call = Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut SplitMix64::new(3));
    let run = drive(
        call,
        vec![Ok(response(429, &[("retry-after", "120")], vec![]))],
        Duration::ZERO,
    );
    let err = run.result.unwrap_err();
    assert!(matches!(err, Error::RateLimited(_)));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(run.sleeps.is_empty());
}

#[test]
fn a_retry_after_past_the_deadline_stops_at_once() {
    let config = Config::default();
    let options = CallOptions::new().total_timeout(Duration::from_secs(5));
    let call = Call::new(GetTask::new(TASK), &config, options, &mut SplitMix64::new(3));
    let run = drive(
        call,
        vec![Ok(response(429, &[("retry-after", "10")], vec![]))],
        Duration::ZERO,
    );
    assert!(matches!(run.result, Err(Error::RateLimited(_))));
    assert!(run.sleeps.is_empty());
}

#[test]
fn attempt_timeouts_are_cut_to_the_deadline() {
    let config = Config::builder().timeout(Duration::from_secs(4)).build().unwrap();
    let policy = RetryPolicy::default()
        .max_attempts(10)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(10));
    let options = CallOptions::new().total_timeout(Duration::from_secs(10)).retry(policy);
    let call = Call::new(GetTask::new(TASK), &config, options, &mut SplitMix64::new(3));
    // Each attempt times out after its full budget of fake time.
    let mut call = call;
    let start = Instant::now();
    let mut now = start;
    let mut timeouts = Vec::new();
    let result = loop {
        match call.poll(now) {
            Action::Send { timeout, .. } => {
                timeouts.push(timeout);
                now += timeout;
                call.record(timed_out(), now);
            }
            Action::Sleep(d) => now += d,
            Action::Done(r) => break r,
        }
    };
    assert_eq!(timeouts[0], Duration::from_secs(4));
    assert_eq!(timeouts[1], Duration::from_secs(4));
    assert!(
        timeouts[2] < Duration::from_secs(2),
        "third attempt gets only what is left: {timeouts:?}"
    );
    assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
    assert!(now - start <= Duration::from_secs(10) + Duration::from_millis(10));
}

#[test]
fn a_backoff_that_would_end_past_the_deadline_returns_the_last_error() {
    let config = Config::default();
    let policy = RetryPolicy::default()
        .initial_backoff(Duration::from_secs(2))
        .max_backoff(Duration::from_secs(2));
    let options = CallOptions::new().total_timeout(Duration::from_secs(3)).retry(policy);
    let call = Call::new(GetTask::new(TASK), &config, options, &mut SplitMix64::new(3));
    // The attempt fails after 1.5 s; the server asks for 2 s more; only 1.5 s is left.
    let run = drive(
        call,
        vec![Ok(response(503, &[("retry-after", "2")], vec![]))],
        Duration::from_millis(1500),
    );
    assert_eq!(run.result.unwrap_err().status().unwrap().as_u16(), 503);
    assert!(run.sleeps.is_empty());
}

#[test]
fn a_deadline_reached_during_an_attempt_ends_the_call_with_timeout() {
    let config = Config::default();
    let policy = RetryPolicy::default()
        .initial_backoff(Duration::ZERO)
        .max_backoff(Duration::ZERO);
    let options = CallOptions::new().total_timeout(Duration::from_secs(1)).retry(policy);
    let mut call = Call::new(GetTask::new(TASK), &config, options, &mut SplitMix64::new(3));
    let start = Instant::now();
    assert!(matches!(call.poll(start), Action::Send { timeout, .. } if timeout == Duration::from_secs(1)));
    // A 503 arrives just at the deadline: no time is left for another attempt.
    let at_deadline = start + Duration::from_secs(1);
    call.record(Ok(response(503, &[], vec![])), at_deadline);
    assert!(matches!(call.poll(at_deadline), Action::Done(Err(_))));
}

#[test]
fn refused_connections_are_retried_even_for_unkeyed_posts() {
    let config = Config::builder().idempotency_keys(false).build().unwrap();
    let call = Call::new(create(), &config, CallOptions::new(), &mut SplitMix64::new(3));
    let run = drive(
        call,
        vec![refused(), Ok(response(201, &[], task_json(TASK)))],
        Duration::ZERO,
    );
    assert!(run.result.is_ok());
    assert_eq!(run.sends.len(), 2);
}

#[test]
fn a_reset_after_sending_is_retried_only_when_idempotent() {
    let unkeyed = Config::builder().idempotency_keys(false).build().unwrap();
    let run = drive(
        Call::new(create(), &unkeyed, CallOptions::new(), &mut SplitMix64::new(3)),
        vec![reset()],
        Duration::ZERO,
    );
    assert!(matches!(run.result, Err(Error::Connection { sent: true, .. })));
    assert_eq!(run.sends.len(), 1);

    let keyed = Config::default();
    let run = drive(
        Call::new(create(), &keyed, CallOptions::new(), &mut SplitMix64::new(3)),
        vec![reset(), timed_out(), Ok(response(201, &[], task_json(TASK)))],
        Duration::ZERO,
    );
    assert!(run.result.is_ok());
    assert_eq!(run.sends.len(), 3);

    let run = drive(
        Call::new(
            DeleteTask::new(TASK),
            &unkeyed,
            CallOptions::new(),
            &mut SplitMix64::new(3),
        ),
        vec![timed_out(), Ok(response(204, &[], vec![]))],
        Duration::ZERO,
    );
    assert!(run.result.unwrap());
}

#[test]
fn client_errors_are_not_retried() {
    let config = Config::default();
    for status in [400, 401, 403, 404, 409, 422] {
        let run = drive(
            Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut SplitMix64::new(3)),
            vec![Ok(response(status, &[], vec![]))],
            Duration::ZERO,
        );
        assert_eq!(run.result.unwrap_err().status().unwrap().as_u16(), status);
        assert_eq!(run.sends.len(), 1);
    }
}

#[test]
fn body_too_large_is_not_retried() {
    let config = Config::builder().body_limit(1024).build().unwrap();
    let too_large = Err(TransportError::new(
        TransportErrorKind::BodyTooLarge,
        "more than 1024 bytes",
    ));
    let run = drive(
        Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut SplitMix64::new(3)),
        vec![too_large],
        Duration::ZERO,
    );
    assert!(matches!(run.result, Err(Error::ResponseTooLarge { limit: 1024 })));
}

#[test]
fn a_per_call_policy_overrides_the_config() {
    let config = Config::default();
    let run = drive(
        Call::new(
            GetTask::new(TASK),
            &config,
            CallOptions::new().retry(RetryPolicy::never()),
            &mut SplitMix64::new(3),
        ),
        vec![Ok(response(503, &[], vec![]))],
        Duration::ZERO,
    );
    assert!(run.result.is_err());
    assert_eq!(run.sends.len(), 1);
}

#[test]
fn a_per_call_timeout_overrides_the_config() {
    let config = Config::default();
    let run = drive(
        Call::new(
            GetTask::new(TASK),
            &config,
            CallOptions::new().timeout(Duration::from_millis(250)),
            &mut SplitMix64::new(3),
        ),
        vec![Ok(response(200, &[], task_json(TASK)))],
        Duration::ZERO,
    );
    assert_eq!(run.timeouts, [Duration::from_millis(250)]);
}

#[test]
fn an_empty_budget_stops_retries() {
    let budget = RetryBudget::new(5, 5, 10, 1);
    let config = config_with(RetryPolicy::default().budget(budget.clone()));
    let run = drive(
        Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut SplitMix64::new(3)),
        vec![Ok(response(503, &[], vec![])), Ok(response(503, &[], vec![]))],
        Duration::ZERO,
    );
    assert!(run.result.is_err());
    assert_eq!(run.sends.len(), 2, "one retry paid for, the next refused");
    assert_eq!(budget.available(), 0);

    // A success after retries pays back what they cost.
    let refill = RetryBudget::new(10, 5, 10, 1);
    let config = config_with(RetryPolicy::default().budget(refill.clone()));
    let mut call = Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut SplitMix64::new(3));
    let run_ok = {
        let outcomes = vec![Ok(response(503, &[], vec![])), Ok(response(200, &[], task_json(TASK)))];
        let start = Instant::now();
        let mut now = start;
        let mut outcomes = outcomes.into_iter();
        loop {
            match call.poll(now) {
                Action::Send { .. } => call.record(outcomes.next().unwrap(), now),
                Action::Sleep(d) => {
                    assert_eq!(refill.available(), 5, "the retry took its cost");
                    now += d;
                }
                Action::Done(r) => break r,
            }
        }
    };
    assert!(run_ok.is_ok());
    assert_eq!(refill.available(), 10);
    assert_eq!(
        call.last_decision().map(|d| matches!(d, RetryDecision::Retry(_))),
        Some(true)
    );
}

/// An operation that needs two exchanges, as some dialects do: a POST that
/// answers with an acknowledgement, then a GET of the created resource.
struct AckThenFetch;

impl Operation for AckThenFetch {
    type Output = crate::Task;
    fn name(&self) -> &'static str {
        "ack_then_fetch"
    }
    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::POST, "/things", &[], Some(b"{}".to_vec()))
    }
    fn parse_response<B: AsRef<[u8]>>(&self, _response: Response<B>) -> Result<crate::Task, Error> {
        Err(Error::invalid_input("op", "needs two exchanges"))
    }
    fn wants_idempotency_key(&self) -> bool {
        true
    }

    fn next_step(
        &mut self,
        config: &Config,
        step: usize,
        response: Response<Vec<u8>>,
    ) -> Result<Step<crate::Task>, Error> {
        match step {
            0 if response.status().is_success() => Ok(Step::FollowUp(GetTask::new(TASK).build_request(config)?)),
            _ => GetTask::new(TASK).parse_response(response).map(Step::Done),
        }
    }
}

#[test]
fn follow_up_requests_share_the_request_id_and_retry_on_their_own() {
    let config = Config::default();
    let call = Call::new(AckThenFetch, &config, CallOptions::new(), &mut SplitMix64::new(5));
    let id = call.request_id().to_string();
    let run = drive(
        call,
        vec![
            Ok(response(503, &[], vec![])),
            Ok(response(200, &[], b"{\"status\":\"submitted\"}".to_vec())),
            Ok(response(503, &[], vec![])),
            Ok(response(503, &[], vec![])),
            Ok(response(200, &[], task_json(TASK))),
        ],
        Duration::ZERO,
    );
    assert_eq!(run.result.unwrap().id, TASK);
    let methods: Vec<&str> = run.sends.iter().map(|(_, r)| r.method().as_str()).collect();
    assert_eq!(
        methods,
        ["POST", "POST", "GET", "GET", "GET"],
        "three attempts allowed per exchange"
    );
    assert!(
        run.sends
            .iter()
            .all(|(_, r)| r.headers()["x-request-id"] == id.as_str())
    );
    assert!(
        !run.sends[2].1.headers().contains_key("idempotency-key"),
        "the GET carries no key"
    );
}

#[test]
fn misuse_is_an_error_not_a_panic() {
    let config = Config::default();
    let now = Instant::now();
    let mut call = Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut SplitMix64::new(3));
    call.record(Ok(response(200, &[], task_json(TASK))), now); // nothing in flight
    assert!(matches!(call.poll(now), Action::Done(Err(Error::InvalidInput { .. }))));
    assert!(
        matches!(call.poll(now), Action::Done(Err(Error::InvalidInput { .. }))),
        "polled after it finished"
    );

    let mut call = Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut SplitMix64::new(3));
    assert!(matches!(call.poll(now), Action::Send { .. }));
    assert!(
        matches!(call.poll(now), Action::Done(Err(Error::InvalidInput { .. }))),
        "polled while in flight"
    );
}

#[test]
fn a_bad_idempotency_key_is_invalid_input() {
    let config = Config::default();
    let mut call = Call::new(
        create(),
        &config,
        CallOptions::new().idempotency_key("has space"),
        &mut SplitMix64::new(3),
    );
    assert!(
        matches!(call.poll(Instant::now()), Action::Done(Err(Error::InvalidInput { ref field, .. })) if field == "idempotency_key")
    );
}

#[test]
fn request_ids_differ_between_calls() {
    let config = Config::default();
    let mut entropy = SplitMix64::new(11);
    let a = Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut entropy).request_id();
    let b = Call::new(GetTask::new(TASK), &config, CallOptions::new(), &mut entropy).request_id();
    assert_ne!(a, b);
    assert_eq!(a.get_version_num(), 4);
}
