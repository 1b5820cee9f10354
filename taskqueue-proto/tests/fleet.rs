//! Behaviour under trouble, on virtual time: the retry budget is on by
//! default and shared by clones; adaptive mode slows every call sharing the
//! policy when the server throttles and speeds up when it recovers; the
//! observer sees every attempt, call and held-back send.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use taskqueue_proto::driver::{IntoMachine, Outcome, Simulated, run_blocking};
use taskqueue_proto::observe::{AttemptEvent, CallEvent, Observer, ThrottleEvent};
use taskqueue_proto::ops::GetTask;
use taskqueue_proto::{CallOptions, Config, RetryBudget, RetryPolicy};
use uuid::Uuid;

fn answer(status: u16, retry_after: bool) -> Outcome {
    let mut b = http::Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if retry_after {
        b = b.header("retry-after", "0");
    }
    let body = if status == 200 {
        r#"{"id":"6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90","name":"n","command":"c",
            "created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}"#
    } else {
        r#"{"error":"busy","message":"busy"}"#
    };
    Ok(b.body(body.as_bytes().to_vec()).unwrap())
}

#[test]
fn the_retry_budget_is_on_by_default_and_shared_by_clones() {
    let config = Config::default();
    let budget = config.retry_budget().expect("a budget by default");
    assert_eq!(budget.available(), 500);
    let clone = config.clone();
    assert_eq!(clone.retry_budget(), Some(budget), "the same bucket");
    let other = Config::builder().build().unwrap();
    assert_ne!(other.retry_budget(), Some(budget), "another client, another bucket");
    let unbudgeted = Config::builder()
        .retry_policy(RetryPolicy::default().without_budget())
        .build()
        .unwrap();
    assert!(unbudgeted.retry_budget().is_none());
    // A policy is a plain value: equal settings, equal policies.
    assert_eq!(RetryPolicy::default(), RetryPolicy::default());
    assert_ne!(RetryPolicy::default(), RetryPolicy::default().without_budget());

    // Every call of a config draws on its one budget: 100 failing calls with one
    // retry each cost 5 tokens a retry; the 101st finds the bucket empty.
    let config = Config::builder()
        .retry_policy(RetryPolicy::default().with_max_attempts(2))
        .retry_budget(RetryBudget::new(500, 5, 10, 1))
        .build()
        .unwrap();
    let transport = Simulated::new(Instant::now(), |_: &http::Request<Vec<u8>>| answer(503, false));
    for _ in 0..101 {
        let call = GetTask::new(Uuid::nil()).into_machine(&config, &CallOptions::new(), 1);
        run_blocking(&transport, call).unwrap_err();
    }
    assert_eq!(transport.sent().len(), 101 * 2 - 1, "the last call was not retried");
    assert_eq!(config.clone().retry_budget().unwrap().available(), 0);
}

#[test]
fn adaptive_mode_slows_down_when_throttled_and_recovers() {
    // The server answers 100 requests, throttles the next 300 (429), then answers again.
    let served = Arc::new(AtomicU32::new(0));
    let counter = served.clone();
    let transport = Simulated::new(Instant::now(), move |_: &http::Request<Vec<u8>>| {
        match counter.fetch_add(1, Ordering::Relaxed) {
            100..400 => answer(429, true),
            _ => answer(200, false),
        }
    })
    .latency(Duration::from_millis(5));
    let adaptive = Config::builder()
        .retry_policy(RetryPolicy::adaptive().with_max_attempts(1))
        .build()
        .unwrap();
    // A caller making call after call, each on a clone of the config: the clones share the limiter.
    for i in 0..1000 {
        let call = GetTask::new(Uuid::nil()).into_machine(&adaptive.clone(), &CallOptions::new(), i);
        let _ = run_blocking(&transport, call);
    }
    let sent = transport.sent();
    let rate = |from: usize, to: usize| (to - from) as f64 / (sent[to].at - sent[from].at).as_secs_f64();
    let unthrottled = rate(20, 99);
    let throttled = rate(300, 399);
    let recovered_early = rate(400, 450);
    let recovered_late = rate(900, 999);
    println!(
        "per second: before {unthrottled:.1}, throttled {throttled:.2}, after {recovered_early:.2} then {recovered_late:.1}"
    );
    assert!(
        throttled * 20.0 < unthrottled,
        "{throttled} vs {unthrottled} per second"
    );
    assert!(
        recovered_late > recovered_early,
        "climbs back: {recovered_early} → {recovered_late}"
    );
    assert!(
        !transport.sleeps().is_empty(),
        "held-back sends become the driver's sleeps"
    );
    let limiter = adaptive.rate_limiter().unwrap();
    assert!(limiter.is_enabled());
}

#[derive(Default)]
struct Counting {
    attempts: Mutex<Vec<(String, String, bool)>>,
    calls: Mutex<Vec<(&'static str, u32, &'static str)>>,
    throttled: AtomicU32,
}

impl Observer for Counting {
    fn attempt(&self, e: &AttemptEvent<'_>) {
        self.attempts
            .lock()
            .unwrap()
            .push((e.route.to_owned(), e.outcome.label().into_owned(), e.retried()));
    }
    fn call(&self, e: &CallEvent<'_>) {
        self.calls.lock().unwrap().push((e.operation, e.attempts, e.outcome()));
    }
    fn throttled(&self, _: &ThrottleEvent) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn the_observer_sees_every_attempt_call_and_held_back_send() {
    let observer = Arc::new(Counting::default());
    let config = Config::builder()
        .observer(observer.clone())
        .retry_policy(
            RetryPolicy::adaptive()
                .with_initial_backoff(Duration::from_millis(10))
                .with_max_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    let mut n = 0;
    let transport = Simulated::new(Instant::now(), move |_: &http::Request<Vec<u8>>| {
        n += 1;
        if n <= 2 {
            answer(503, n == 1)
        } else {
            answer(200, false)
        }
    });
    let id = Uuid::from_u128(42);
    run_blocking(
        &transport,
        GetTask::new(id).into_machine(&config, &CallOptions::new(), 1),
    )
    .unwrap();
    let attempts = observer.attempts.lock().unwrap().clone();
    let route = "/api/tasks/{id}".to_owned();
    assert_eq!(
        attempts,
        [
            (route.clone(), "503".to_owned(), true),
            (route.clone(), "503".to_owned(), true),
            (route, "200".to_owned(), false)
        ]
    );
    assert_eq!(*observer.calls.lock().unwrap(), [("get_task", 3, "ok")]);
    assert!(
        observer.throttled.load(Ordering::Relaxed) >= 1,
        "the 503 with Retry-After throttled"
    );

    // A call refused before sending is a call of no attempt.
    let bad = taskqueue_proto::ops::ListTasks::new(taskqueue_proto::TaskFilters::new().limit(0));
    run_blocking(&transport, bad.into_machine(&config, &CallOptions::new(), 2)).unwrap_err();
    assert_eq!(observer.calls.lock().unwrap()[1], ("list_tasks", 0, "invalid_input"));
}

#[test]
fn a_send_held_back_past_the_deadline_fails_at_once() {
    let config = Config::builder()
        .retry_policy(RetryPolicy::adaptive().with_max_attempts(1))
        .call_deadline(Duration::from_secs(1))
        .build()
        .unwrap();
    // One throttle: the limiter falls to 0.5 sends a second, so the next send waits 2 s.
    let transport = Simulated::new(Instant::now(), |_: &http::Request<Vec<u8>>| answer(429, true));
    let first = GetTask::new(Uuid::nil()).into_machine(&config, &CallOptions::new(), 1);
    run_blocking(&transport, first).unwrap_err();
    let second = GetTask::new(Uuid::nil()).into_machine(&config, &CallOptions::new(), 2);
    let err = run_blocking(&transport, second).unwrap_err();
    assert!(
        matches!(
            err,
            taskqueue_proto::Error::Timeout {
                kind: taskqueue_proto::TimeoutKind::Deadline,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(transport.sent().len(), 1, "the second call never sent");
    assert!(transport.sleeps().is_empty(), "and did not wait for nothing");
}
