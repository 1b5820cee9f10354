//! The Call state machine on a fake clock: attempts, delays, deadlines, and
//! the same request id and idempotency key across retries.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use http::{Request, Response};
use uuid::Uuid;

use super::*;
use crate::RetryBudget;
use crate::TaskCreateRequest;
use crate::driver::{Simulated, run_blocking};
use crate::ops::{CreateTask, DeleteTask, GetTask, Reading};

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

/// What a transport saw while the blocking driver ran a call to the end.
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

/// Runs `call` with the blocking driver on virtual time; each send is
/// answered by the next outcome (and takes `latency` of virtual time). The
/// call must use every outcome and no more.
fn drive<M: Machine<Item = std::convert::Infallible>>(
    call: M,
    outcomes: Vec<Outcome>,
    latency: Duration,
) -> Run<M::Output> {
    let script = Rc::new(RefCell::new(outcomes.into_iter()));
    let answers = script.clone();
    let transport = Simulated::new(Instant::now(), move |_: &Request<Vec<u8>>| {
        answers
            .borrow_mut()
            .next()
            .expect("the call sent more requests than the test scripted")
    })
    .latency(latency);
    let result = run_blocking(&transport, call);
    assert!(
        script.borrow_mut().next().is_none(),
        "the call stopped before using every scripted outcome"
    );
    let sent = transport.sent();
    Run {
        result,
        timeouts: sent.iter().map(|s| s.timeout).collect(),
        sends: sent.into_iter().map(|s| (s.at, s.request)).collect(),
        sleeps: transport.sleeps(),
    }
}

/// Runs a `GetTask` call with the default config and options against `outcomes`.
fn drive_get_task(outcomes: Vec<Outcome>) -> Run<crate::Task> {
    let call = Call::new(GetTask::new(TASK), Config::default(), CallOptions::new(), 3);
    drive(call, outcomes, Duration::ZERO)
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
    let call = Call::new(create(), config.clone(), CallOptions::new(), 3);
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
    let run = drive_get_task(vec![
        Ok(response(502, &[], vec![])),
        Ok(response(503, &[], vec![])),
        Ok(response(500, &[], b"boom".to_vec())),
    ]);
    let err = run.result.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.message(), "boom");
    assert_eq!(run.sends.len(), 3);
    assert_eq!(run.sleeps.len(), 2);
}

#[test]
fn jitter_is_deterministic_for_a_seed_and_within_the_doubling_bounds() {
    let config = config_with(RetryPolicy::default().with_max_attempts(5));
    let outcomes = || (0..5).map(|_| Ok(response(503, &[], vec![]))).collect::<Vec<_>>();
    let a = drive(
        Call::new(GetTask::new(TASK), config.clone(), CallOptions::new(), 9),
        outcomes(),
        Duration::ZERO,
    );
    let b = drive(
        Call::new(GetTask::new(TASK), config.clone(), CallOptions::new(), 9),
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
    let run = drive_get_task(vec![
        Ok(response(429, &[("retry-after", "7")], vec![])),
        Ok(response(200, &[], task_json(TASK))),
    ]);
    assert!(run.result.is_ok());
    assert_eq!(run.sleeps, [Duration::from_secs(7)]);
    assert_eq!(run.sends[1].0, Duration::from_secs(7));
}

#[test]
fn retry_after_beyond_the_limit_returns_rate_limited_at_once() {
    let run = drive_get_task(vec![Ok(response(429, &[("retry-after", "120")], vec![]))]);
    let err = run.result.unwrap_err();
    assert!(matches!(err, Error::RateLimited(_)));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(run.sleeps.is_empty());
}

#[test]
fn a_retry_after_past_the_deadline_stops_at_once() {
    let config = Config::default();
    let options = CallOptions::new().call_deadline(Duration::from_secs(5));
    let call = Call::new(GetTask::new(TASK), config.clone(), options, 3);
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
    let config = Config::builder()
        .attempt_timeout(Duration::from_secs(4))
        .build()
        .unwrap();
    let policy = RetryPolicy::default()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(10));
    let options = CallOptions::new().call_deadline(Duration::from_secs(10)).retry(policy);
    let call = Call::new(GetTask::new(TASK), config.clone(), options, 3);
    // Each attempt times out after its full timeout of virtual time.
    let transport = Simulated::new(Instant::now(), |_: &Request<Vec<u8>>| timed_out());
    let result = run_blocking(&transport, call);
    let timeouts: Vec<Duration> = transport.sent().iter().map(|s| s.timeout).collect();
    assert_eq!(timeouts[0], Duration::from_secs(4));
    assert_eq!(timeouts[1], Duration::from_secs(4));
    assert!(
        timeouts[2] < Duration::from_secs(2),
        "third attempt gets only what is left: {timeouts:?}"
    );
    assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
    assert!(transport.elapsed() <= Duration::from_secs(10) + Duration::from_millis(10));
    assert!(
        matches!(result, Err(Error::Timeout { kind: crate::TimeoutKind::Attempt, after, .. }) if after < Duration::from_secs(2)),
        "the last attempt's bound, as data: {result:?}"
    );
}

#[test]
fn a_backoff_that_would_end_past_the_deadline_returns_the_last_error() {
    let config = Config::default();
    let policy = RetryPolicy::default()
        .with_initial_backoff(Duration::from_secs(2))
        .with_max_backoff(Duration::from_secs(2));
    let options = CallOptions::new().call_deadline(Duration::from_secs(3)).retry(policy);
    let call = Call::new(GetTask::new(TASK), config.clone(), options, 3);
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
        .with_initial_backoff(Duration::ZERO)
        .with_max_backoff(Duration::ZERO);
    let options = CallOptions::new().call_deadline(Duration::from_secs(1)).retry(policy);
    let mut call = Call::new(GetTask::new(TASK), config.clone(), options, 3);
    let start = Instant::now();
    let Action::Send { timeout, ticket, .. } = call.poll(start) else {
        panic!("expected a send")
    };
    assert_eq!(timeout, Duration::from_secs(1));
    // A 503 arrives just at the deadline: no time is left for another attempt.
    let at_deadline = start + Duration::from_secs(1);
    call.record(ticket, Ok(response(503, &[], vec![])), at_deadline);
    assert!(matches!(call.poll(at_deadline), Action::Done(Err(_))));
}

#[test]
fn refused_connections_are_retried_even_for_unkeyed_posts() {
    let config = Config::builder().idempotency_keys(false).build().unwrap();
    let call = Call::new(create(), config.clone(), CallOptions::new(), 3);
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
        Call::new(create(), unkeyed.clone(), CallOptions::new(), 3),
        vec![reset()],
        Duration::ZERO,
    );
    // Not sent again, and said honestly: the create may have been applied.
    match run.result {
        Err(Error::OutcomeUnknown { source, operation, .. }) => {
            assert_eq!(operation, "create_task");
            assert!(matches!(*source, Error::Connection { sent: true, .. }), "{source}");
        }
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
    assert_eq!(run.sends.len(), 1);

    let keyed = Config::default();
    let run = drive(
        Call::new(create(), keyed.clone(), CallOptions::new(), 3),
        vec![reset(), timed_out(), Ok(response(201, &[], task_json(TASK)))],
        Duration::ZERO,
    );
    assert!(run.result.is_ok());
    assert_eq!(run.sends.len(), 3);

    let run = drive(
        Call::new(DeleteTask::new(TASK), unkeyed.clone(), CallOptions::new(), 3),
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
            Call::new(GetTask::new(TASK), config.clone(), CallOptions::new(), 3),
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
        Call::new(GetTask::new(TASK), config.clone(), CallOptions::new(), 3),
        vec![too_large],
        Duration::ZERO,
    );
    assert!(matches!(run.result, Err(Error::ResponseTooLarge { limit: 1024, .. })));
}

#[test]
fn a_per_call_policy_overrides_the_config() {
    let options = CallOptions::new().retry(RetryPolicy::never());
    let run = drive(
        Call::new(GetTask::new(TASK), Config::default(), options, 3),
        vec![Ok(response(503, &[], vec![]))],
        Duration::ZERO,
    );
    assert!(run.result.is_err());
    assert_eq!(run.sends.len(), 1);
}

#[test]
fn a_per_call_timeout_overrides_the_config() {
    let options = CallOptions::new().attempt_timeout(Duration::from_millis(250));
    let run = drive(
        Call::new(GetTask::new(TASK), Config::default(), options, 3),
        vec![Ok(response(200, &[], task_json(TASK)))],
        Duration::ZERO,
    );
    assert_eq!(run.timeouts, [Duration::from_millis(250)]);
}

#[test]
fn an_empty_budget_stops_retries() {
    let budget = RetryBudget::new(5, 5, 10, 1);
    let config = Config::builder().retry_budget(budget.clone()).build().unwrap();
    let run = drive(
        Call::new(GetTask::new(TASK), config.clone(), CallOptions::new(), 3),
        vec![Ok(response(503, &[], vec![])), Ok(response(503, &[], vec![]))],
        Duration::ZERO,
    );
    assert!(run.result.is_err());
    assert_eq!(run.sends.len(), 2, "one retry paid for, the next refused");
    assert_eq!(budget.available(), 0);

    // A success after retries pays back what they cost.
    let refill = RetryBudget::new(10, 5, 10, 1);
    let config = Config::builder().retry_budget(refill.clone()).build().unwrap();
    let mut call = Call::new(GetTask::new(TASK), config.clone(), CallOptions::new(), 3);
    let mut answers = vec![Ok(response(503, &[], vec![])), Ok(response(200, &[], task_json(TASK)))].into_iter();
    let budget = refill.clone();
    let transport = Simulated::new(Instant::now(), move |_: &Request<Vec<u8>>| {
        let answer = answers.next().unwrap();
        if answer.as_ref().is_ok_and(|r| r.status() == 200) {
            assert_eq!(budget.available(), 5, "the retry took its cost");
        }
        answer
    });
    let run_ok = run_blocking(&transport, &mut call);
    assert!(run_ok.is_ok());
    assert_eq!(refill.available(), 10);
    assert_eq!(
        call.last_decision().map(|d| matches!(d, RetryDecision::Retry(_))),
        Some(true)
    );
}

/// An operation that needs two exchanges in the upstream dialect: a POST
/// that answers with an acknowledgement, then a GET of the created resource.
struct AckThenFetch;

/// Where [`AckThenFetch`] is.
#[derive(Debug)]
enum AckFlow {
    Post,
    Fetch,
}

impl Flow<AckThenFetch> for AckFlow {
    fn start(op: &AckThenFetch, config: &Config) -> Result<(Self, Request<Vec<u8>>), Error> {
        Ok((AckFlow::Post, op.build_spec_request(config)?))
    }

    fn read(&self, _op: &AckThenFetch, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, AckThenFetch> {
        match self {
            AckFlow::Post if response.status().is_success() => Ok(Transition::Next(
                AckFlow::Fetch,
                GetTask::new(TASK).build_spec_request(config)?,
            )),
            _ => GetTask::new(TASK).parse_spec_response(response).map(Transition::Done),
        }
    }
}

impl crate::ops::Sealed for AckThenFetch {}

impl Operation for AckThenFetch {
    type Output = crate::Task;
    type Upstream = AckFlow;
    const NAME: &'static str = "ack_then_fetch";
    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::POST, "/things", &[], Some(b"{}".to_vec()))
    }
    fn parse_spec_response<B: AsRef<[u8]>>(&self, _response: Response<B>) -> Result<crate::Task, Error> {
        Err(Error::invalid_input("op", "needs two exchanges"))
    }
    fn wants_idempotency_key(&self) -> bool {
        true
    }
}

#[test]
fn follow_up_requests_share_the_request_id_and_retry_on_their_own() {
    let config = Config::builder().dialect(crate::Dialect::Upstream).build().unwrap();
    let call = Call::new(AckThenFetch, config.clone(), CallOptions::new(), 5);
    let id = call.request_id().to_string();
    let run = drive(
        call,
        vec![
            // A 429 says the write was not processed: sent again, even upstream.
            Ok(response(429, &[], vec![])),
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
fn misuse_cannot_corrupt_a_call() {
    let config = Config::default();
    let now = Instant::now();
    let mut call = Call::new(GetTask::new(TASK), config.clone(), CallOptions::new(), 3);
    let Action::Send { ticket, .. } = call.poll(now) else {
        panic!("expected a send")
    };
    assert!(
        matches!(call.poll(now), Action::Pending),
        "polled while in flight: nothing new to do"
    );
    let stale = Ticket { slot: 0, attempt: 7 };
    call.record(stale, Ok(response(500, &[], vec![])), now);
    assert!(matches!(call.poll(now), Action::Pending), "a stale ticket is ignored");
    call.record(ticket, Ok(response(200, &[], task_json(TASK))), now);
    assert!(matches!(call.poll(now), Action::Done(Ok(_))));
    assert!(
        matches!(call.poll(now), Action::Pending),
        "polled after it finished: a no-op"
    );
    assert_eq!(call.attempts(), 1);
}

#[test]
fn a_bad_idempotency_key_is_invalid_input() {
    let config = Config::default();
    let mut call = Call::new(
        create(),
        config.clone(),
        CallOptions::new().idempotency_key("has space"),
        3,
    );
    assert!(
        matches!(call.poll(Instant::now()), Action::Done(Err(Error::InvalidInput { ref field, .. })) if field == "idempotency_key")
    );
}

#[test]
fn request_ids_differ_between_calls() {
    let config = Config::default();
    let a = Call::new(GetTask::new(TASK), config.clone(), CallOptions::new(), 11).request_id();
    let b = Call::new(GetTask::new(TASK), config.clone(), CallOptions::new(), 12).request_id();
    assert_ne!(a, b);
    assert_eq!(a.get_version_num(), 4);
}

#[test]
fn policies_past_sane_bounds_are_refused_before_anything_is_sent() {
    let huge = RetryPolicy::default().with_max_retry_after(Duration::MAX);
    let err = Config::builder().retry_policy(huge.clone()).build().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "retry.max_retry_after"),
        "{err:?}"
    );
    // The same policy given per call: the call ends at once, with nothing sent.
    let run = drive(
        Call::new(GetTask::new(TASK), Config::default(), CallOptions::new().retry(huge), 3),
        vec![],
        Duration::ZERO,
    );
    assert!(
        matches!(run.result, Err(Error::InvalidInput { .. })),
        "{:?}",
        run.result
    );
    let many = RetryPolicy::default().with_max_attempts(1_000);
    assert!(Config::builder().retry_policy(many).build().is_err());
}

#[test]
fn the_longest_retry_after_allowed_is_waited_without_overflow() {
    let policy = RetryPolicy::default().with_max_retry_after(crate::retry::MAX_WAIT);
    let run = drive(
        Call::new(GetTask::new(TASK), config_with(policy), CallOptions::new(), 3),
        vec![
            Ok(response(503, &[("retry-after", "86400")], vec![])),
            Ok(response(200, &[], task_json(TASK))),
        ],
        Duration::ZERO,
    );
    assert!(run.result.is_ok());
    assert_eq!(run.sleeps, [Duration::from_secs(86_400)]);
}

#[test]
fn timeouts_and_broken_connections_carry_the_request_id_the_call_sent() {
    for (fail, deadline) in [
        (timed_out as fn() -> Outcome, false),
        (reset, false),
        (refused, false),
        (timed_out, true),
    ] {
        let options = if deadline {
            CallOptions::new()
                .call_deadline(Duration::from_secs(5))
                .retry(RetryPolicy::never())
        } else {
            CallOptions::new().retry(RetryPolicy::never())
        };
        let config = Config::builder()
            .attempt_timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let call = Call::new(GetTask::new(TASK), config, options, 3);
        let transport = Simulated::new(Instant::now(), move |_: &Request<Vec<u8>>| fail());
        let error = run_blocking(&transport, call).unwrap_err();
        let sent = transport.sent()[0].request.headers()[REQUEST_ID_HEADER]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            matches!(error, Error::Timeout { .. } | Error::Connection { .. }),
            "{error:?}"
        );
        assert_eq!(error.request_id(), Some(sent.as_str()), "{error:?}");
    }
}

/// The call's request id, operation and attempts, as every error of a call
/// that sent a request reports them.
fn call_of(run: &Run<crate::Task>) -> (Option<&'static str>, Option<u32>, Option<String>) {
    let error = run.result.as_ref().expect_err("the call failed");
    (
        error.operation(),
        error.attempts(),
        error.request_id().map(str::to_owned),
    )
}

#[test]
fn every_error_of_a_call_that_sent_names_the_call() {
    let sent_id = |run: &Run<crate::Task>| {
        let id = run.sends[0].1.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(
            run.sends
                .iter()
                .all(|(_, r)| r.headers()["x-request-id"] == id.as_str())
        );
        Some(id)
    };
    // An error answer without the server's request id: the SDK's own.
    let run = drive_get_task(vec![Ok(response(404, &[], Vec::new()))]);
    assert_eq!(call_of(&run), (Some("get_task"), Some(1), sent_id(&run)));
    assert_eq!(
        run.result.as_ref().err().and_then(Error::call).map(CallInfo::attempts),
        Some(1)
    );
    // Retried, then given up: every attempt counted.
    let run = drive_get_task(vec![
        Ok(response(503, &[], Vec::new())),
        Ok(response(503, &[], Vec::new())),
        Ok(response(503, &[], Vec::new())),
    ]);
    assert_eq!(call_of(&run), (Some("get_task"), Some(3), sent_id(&run)));
    // The server's request id wins where it sent one; the call is still there.
    let run = drive_get_task(vec![Ok(response(404, &[("x-request-id", "srv-1")], Vec::new()))]);
    assert_eq!(call_of(&run).2.as_deref(), Some("srv-1"));
    assert_eq!(call_of(&run).0, Some("get_task"));
    // Transport failures and undecodable bodies.
    let timeout = || Err(TransportError::new(TransportErrorKind::Timeout, "slow"));
    let run = drive_get_task(vec![timeout(), timeout(), timeout()]);
    assert!(matches!(run.result, Err(Error::Timeout { .. })));
    assert_eq!(call_of(&run), (Some("get_task"), Some(3), sent_id(&run)));
    let run = drive_get_task(vec![Ok(response(200, &[], b"{".to_vec()))]);
    assert!(matches!(run.result, Err(Error::Decode { .. })));
    assert_eq!(call_of(&run), (Some("get_task"), Some(1), sent_id(&run)));
}

#[test]
fn an_error_before_anything_was_sent_names_no_call() {
    let call = Call::new(
        CreateTask::new(TaskCreateRequest::new(" ", "c", Uuid::nil())),
        Config::default(),
        CallOptions::new(),
        3,
    );
    let run = drive(call, vec![], Duration::ZERO);
    let error = run.result.expect_err("invalid input");
    assert!(matches!(error, Error::InvalidInput { .. }));
    assert_eq!(
        (error.call(), error.operation(), error.attempts(), error.request_id()),
        (None, None, None, None)
    );
}

/// What an observer saw of each attempt: method and route.
#[derive(Default)]
struct Routes(std::sync::Mutex<Vec<(String, String)>>);

impl crate::observe::Observer for Routes {
    fn attempt(&self, event: &crate::observe::AttemptEvent<'_>) {
        let seen = (event.method.to_string(), event.route.to_string());
        self.0.lock().unwrap().push(seen);
    }
}

#[test]
fn a_retried_spec_request_is_the_first_again_byte_for_byte() {
    // A spec call lends its request to the attempt and builds it again for
    // a retry: method, URI, every header and the body must be the same.
    let routes = std::sync::Arc::new(Routes::default());
    let config = Config::builder().observer(routes.clone()).build().unwrap();
    let run = drive(
        Call::new(create(), config.clone(), CallOptions::new(), 3),
        vec![
            Ok(response(503, &[], vec![])),
            timed_out(),
            Ok(response(201, &[], task_json(TASK))),
        ],
        Duration::ZERO,
    );
    assert_eq!(run.result.unwrap().id, TASK);
    assert_eq!(run.sends.len(), 3);
    let first = &run.sends[0].1;
    assert!(first.headers().contains_key("idempotency-key"));
    for (_, again) in &run.sends[1..] {
        assert_eq!(again.method(), first.method());
        assert_eq!(again.uri(), first.uri());
        assert_eq!(again.headers(), first.headers());
        assert_eq!(again.body(), first.body());
    }
    let post = ("POST".to_owned(), "/api/tasks".to_owned());
    assert_eq!(*routes.0.lock().unwrap(), vec![post.clone(), post.clone(), post]);

    let run = drive(
        Call::new(GetTask::new(TASK), config.clone(), CallOptions::new(), 3),
        vec![reset(), Ok(response(200, &[], task_json(TASK)))],
        Duration::ZERO,
    );
    assert!(run.result.is_ok());
    assert_eq!(run.sends[0].1.uri(), run.sends[1].1.uri());
    assert_eq!(run.sends[0].1.headers(), run.sends[1].1.headers());
    assert_eq!(routes.0.lock().unwrap().last().unwrap().1, "/api/tasks/{id}");
}

#[test]
#[cfg(target_pointer_width = "64")]
fn what_a_call_rarely_needs_is_boxed() {
    // Every async call's future holds its `Call` and is moved whole (into a
    // spawned task, say): the fields most calls never fill (a policy of
    // its own, a write in doubt, a URI kept for a report) are pointers.
    // 1 304 bytes with them inline (with the `tracing` span).
    let size = std::mem::size_of::<Call<GetTask>>();
    assert!(size <= 1088, "Call<GetTask> is {size} bytes");
}
