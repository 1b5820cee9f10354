//! The shared integration suite on the async client (`taskqueue::Client`),
//! plus what only an async client has to prove: concurrency bounds,
//! cancellation, both runtime flavours, `Send` futures.

#![cfg(feature = "async")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Sdk;
use http::Method;
use taskqueue::{Client, Config, ProjectCreateRequest, TaskCreateRequest, TaskFilters};
use taskqueue_server::{Fault, FaultRule, ServerConfig};
use uuid::Uuid;

fn connect(config: Config) -> Sdk {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    Sdk::Async(Client::new(config).unwrap(), Arc::new(runtime))
}

integration_suite!(connect);

fn assert_send<T: Send>(_: &T) {}

#[test]
fn the_client_and_its_futures_are_send() {
    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
    assert_send_sync_clone::<Client>();
    let client = Client::new(Config::default()).unwrap();
    let id = Uuid::nil();
    assert_send(&client.get_task(id));
    assert_send(&client.list_tasks(TaskFilters::new()));
    assert_send(&client.create_tasks(Vec::new()));
    assert_send(&client.wait_for_completion(id, Duration::from_secs(1)));
    assert_send(&client.list_tasks_all(TaskFilters::new()));
    assert_send(&client.health());
}

#[test]
fn debug_never_shows_credentials() {
    let client = Client::new(Config::builder().token("tok-secret").build().unwrap()).unwrap();
    assert!(!format!("{client:?}").contains("tok-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_calls_within_the_pool_bounds() {
    let (server, config) = common::start(ServerConfig::ephemeral());
    let client = Client::builder(config)
        .max_in_flight(16)
        .max_idle_per_host(4)
        .build()
        .unwrap();
    let project = client.create_project(ProjectCreateRequest::new("load")).await.unwrap();
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..64 {
        let client = client.clone();
        calls.spawn(async move {
            client
                .create_task(TaskCreateRequest::new(format!("t{i}"), "true", project.id))
                .await
        });
    }
    let mut ok = 0;
    while let Some(done) = calls.join_next().await {
        done.unwrap().unwrap();
        ok += 1;
    }
    assert_eq!(ok, 64);
    // At most 16 requests are in flight, so connections are reused: more
    // than 16 can open while finished ones are still on their way back to
    // the pool, far fewer than one per call.
    let accepted = server.connections_accepted();
    // After the burst the pool keeps at most 4 idle connections; the rest close.
    let mut open = server.connections_open();
    for _ in 0..50 {
        if open <= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        open = server.connections_open();
    }
    eprintln!("accepted {accepted}, open after {open}");
    // Alone it opens 16 to 21; with the rest of the suite running beside it
    // on 2 cores a clean-clone CI run saw 31, as connections come back to the
    // pool late. The bound is "well under one per call", not a timing.
    assert!(
        accepted <= 48,
        "64 calls with 16 in flight opened {accepted} connections"
    );
    assert!(open <= 4, "{open} connections still open with max_idle_per_host(4)");
    assert_eq!(client.list_tasks(TaskFilters::new()).await.unwrap().len(), 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_one_after_another_share_one_connection_streamed_listings_too() {
    let (server, config) = common::start(ServerConfig::ephemeral());
    let client = Client::new(config).unwrap();
    let project = client.create_project(ProjectCreateRequest::new("reuse")).await.unwrap();
    for i in 0..3 {
        let request = TaskCreateRequest::new(format!("t{i}"), "true", project.id);
        client.create_task(request).await.unwrap();
    }
    // A listing read as it arrives: its connection goes back to the pool
    // when the body ends, not when the whole response is in a buffer.
    let mut all = client.list_tasks_all(TaskFilters::new().limit(2));
    let mut listed = 0;
    while let Some(task) = all.next_task().await {
        task.unwrap();
        listed += 1;
    }
    assert_eq!(listed, 3);
    assert!(client.health().await.unwrap().is_healthy());
    assert_eq!(
        server.connections_accepted(),
        1,
        "each call took the connection the one before gave back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_call_leaves_the_client_usable() {
    let (server, config) = common::start(ServerConfig::ephemeral());
    // One slot in flight: if the dropped call kept its slot, the next call would hang.
    let client = Client::builder(config).max_in_flight(1).build().unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::Delay(Duration::from_secs(5))).on(Method::GET, "/api/projects"));
    let dropped = tokio::time::timeout(Duration::from_millis(200), client.list_projects()).await;
    assert!(dropped.is_err(), "the slow call was cancelled");
    let started = Instant::now();
    assert!(client.health().await.unwrap().is_healthy());
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the slot was given back at once"
    );

    // The same in a select!: the losing branch is dropped mid-call.
    server
        .faults()
        .push(FaultRule::new(Fault::Delay(Duration::from_secs(5))).on(Method::GET, "/api/projects"));
    tokio::select! {
        _ = client.list_projects() => panic!("the delayed call should lose"),
        () = tokio::time::sleep(Duration::from_millis(100)) => {}
    }
    assert!(client.list_projects().await.unwrap().is_empty());
}

/// The hyper transport, counting the attempts in flight at once.
struct InFlightGauge {
    inner: taskqueue::driver::HyperTransport,
    now: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
}

impl taskqueue::driver::AsyncTransport for InFlightGauge {
    async fn send(&self, request: http::Request<Vec<u8>>, timeout: Duration) -> taskqueue::driver::Outcome {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.most.fetch_max(now, SeqCst);
        let outcome = self.inner.send(request, timeout).await;
        self.now.fetch_sub(1, SeqCst);
        outcome
    }
    taskqueue::driver::forward_clock!(async, inner);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_100_keeps_at_most_8_in_flight() {
    let (server, config) = common::start(ServerConfig::ephemeral());
    let gauge = InFlightGauge {
        inner: Client::builder(config.clone()).build_transport().unwrap(),
        now: Default::default(),
        most: Default::default(),
    };
    let client = Client::with_transport(config, gauge);
    let project = client.create_project(ProjectCreateRequest::new("batch")).await.unwrap();
    let requests = (0..100)
        .map(|i| TaskCreateRequest::new(format!("t{i:03}"), "true", project.id))
        .collect();
    let results = client.create_tasks(requests).await.unwrap();
    assert_eq!(results.len(), 100);
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result.as_ref().unwrap().name, format!("t{i:03}"), "input order");
    }
    let most = client.transport().most.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (2..=8).contains(&most),
        "100 creates, at most 8 in flight at once: {most}"
    );
    // Connections are reused: a few more than 8 may open while finished ones
    // are on their way back to the pool, far fewer than 100.
    let accepted = server.connections_accepted();
    // Alone it opens 16 to 21; with the rest of the suite running beside it
    // on 2 cores a clean-clone CI run saw 31, as connections come back to the
    // pool late. The bound is "well under one per call", not a timing.
    assert!(
        accepted <= 48,
        "100 creates, 8 at a time, opened {accepted} connections"
    );
}

#[test]
fn one_client_works_on_both_runtime_flavours() {
    let (_server, config) = common::start(ServerConfig::ephemeral());
    let client = Client::new(config).unwrap();
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let p = current
        .block_on(client.create_project(ProjectCreateRequest::new("current")))
        .unwrap();
    drop(current); // its connections go with it; the pool reconnects
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let got = multi.block_on(client.get_project(p.id)).unwrap();
    assert_eq!(got, p);
    let handle = multi.spawn({
        let client = client.clone();
        async move { client.list_projects().await }
    });
    assert_eq!(multi.block_on(handle).unwrap().unwrap().len(), 1);
}

/// The transport keeps the timers of finished attempts for the next ones,
/// but a timer belongs to the runtime that made it: a call on another
/// runtime gets that runtime's own, so its timeout holds even while the
/// first runtime is alive and not running (a kept timer of it would never
/// fire there).
#[test]
fn attempt_timeouts_hold_on_each_of_two_live_runtimes() {
    let (server, config) = common::start(ServerConfig::ephemeral());
    server.faults().push(
        FaultRule::new(Fault::Delay(Duration::from_secs(5)))
            .always()
            .on(Method::GET, "/api/projects"),
    );
    let config = Config::builder()
        .base_url(config.base_url())
        .retry_policy(taskqueue::RetryPolicy::never())
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let client = Client::new(config).unwrap();
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let (first, second) = (runtime(), runtime());
    for (kept_on, timed_on) in [(&first, &second), (&second, &first), (&first, &first)] {
        // An answered call leaves its timer kept (one that fired is not)...
        kept_on.block_on(client.list_tasks(TaskFilters::new())).unwrap();
        // ...and the next call, on the other runtime, times out on time.
        let started = Instant::now();
        let err = timed_on.block_on(client.list_projects()).unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.kind(), taskqueue::ErrorKind::Timeout, "{err:?}");
        assert!(took < Duration::from_secs(3), "the call took {took:?}");
    }
}

/// No panic reachable from the public API: outside a Tokio runtime a call is
/// an error that says what is missing, and any in-flight bound builds.
#[test]
fn outside_a_tokio_runtime_a_call_is_an_error_not_a_panic() {
    let client = Client::new(Config::new("http://127.0.0.1:9").unwrap()).unwrap();
    let err = futures_executor::block_on(client.get_task(Uuid::nil())).unwrap_err();
    assert!(err.to_string().contains("Tokio runtime"), "{err}");
    assert_eq!(
        err.kind(),
        taskqueue::ErrorKind::Transport,
        "the transport's own failure, not the caller's input"
    );
    let huge = Client::builder(Config::default()).max_in_flight(usize::MAX).build();
    assert!(huge.is_ok());
}
