//! The async client against a raw hyper-util client: `GET /api/tasks/{id}` +
//! JSON parse of one task, against the same in-process reference server, at
//! concurrency 1 (awaited in `block_on`, or spawned) and 64, on the current-thread and the multi-thread runtime,
//! in the same run.
//!
//! Run: `cargo bench --bench async`. Figures: docs/PERFORMANCE.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed setup should be loud

use bytes::Bytes;
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client as RawClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use taskqueue::{Client, Config, Task};
use tokio::runtime::Runtime;

mod support;

use support::fixture;

fn main() {
    divan::main();
}

fn runtime(flavour: &str) -> Runtime {
    match flavour {
        "current_thread" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        _ => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    }
}

const FLAVOURS: &[&str] = &["current_thread", "multi_thread"];
/// "1": one request awaited directly in `block_on`; "1-spawned": one request
/// as a spawned task (as a service handles a call); "64": 64 spawned at once.
const MODES: &[&str] = &["1", "1-spawned", "64"];
/// Both clients keep up to 64 idle connections, so that the 64-way cells
/// measure requests rather than reconnecting (the SDK's default is 20).
const IDLE: usize = 64;

/// The requests of one iteration, as `mode` says.
fn bench_with<F, Fut>(bencher: Bencher, flavour: &str, mode: &str, request: F)
where
    F: Fn() -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = Task> + Send + 'static,
{
    let rt = runtime(flavour);
    let concurrency: usize = if mode == "64" { 64 } else { 1 };
    bencher.counter(ItemsCount::new(concurrency)).bench_local(|| {
        rt.block_on(async {
            if mode == "1" {
                black_box(request().await);
                return;
            }
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..concurrency {
                let request = request.clone();
                set.spawn(async move { request().await });
            }
            while let Some(done) = set.join_next().await {
                black_box(done.unwrap());
            }
        })
    });
}

#[divan::bench(args = MODES, consts = [0, 1], sample_count = 60, sample_size = 5)]
fn sdk_async_get_task<const FLAVOUR: usize>(bencher: Bencher, mode: &str) {
    let f = fixture();
    let client = Client::builder(Config::new(f.base_url()).unwrap())
        .max_idle_per_host(IDLE)
        .build()
        .unwrap();
    let id = f.task;
    bench_with(bencher, FLAVOURS[FLAVOUR], mode, move || {
        let client = client.clone();
        async move { client.get_task(id).await.unwrap() }
    });
}

#[divan::bench(args = MODES, consts = [0, 1], sample_count = 60, sample_size = 5)]
fn raw_hyper_get_task<const FLAVOUR: usize>(bencher: Bencher, mode: &str) {
    let f = fixture();
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: RawClient<HttpConnector, Empty<Bytes>> = RawClient::builder(TokioExecutor::new())
        .pool_max_idle_per_host(IDLE)
        .build(connector);
    let uri: http::Uri = format!("{}/api/tasks/{}", f.base_url(), f.task).parse().unwrap();
    bench_with(bencher, FLAVOURS[FLAVOUR], mode, move || {
        let client = client.clone();
        let uri = uri.clone();
        async move {
            let request = http::Request::get(uri)
                .header("accept", "application/json")
                .body(Empty::new())
                .unwrap();
            let response = client.request(request).await.unwrap();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            serde_json::from_slice::<Task>(&body).unwrap()
        }
    });
}
