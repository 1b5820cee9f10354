//! What the two async benchmarks (`async`, `async_paired`) compare: the
//! SDK's `get_task` and a raw hyper-util client doing the same `GET` and
//! `serde_json` parse, on runtimes of either flavour. Included by path
//! (`#[path]`) in those two only, so the blocking benchmarks build without it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed setup should be loud

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client as RawClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use taskqueue::{Client, Config, Task, TaskId};
use tokio::runtime::Runtime;

use crate::support::fixture;

/// Runtime flavours, by the names the cells print.
pub(crate) const FLAVOURS: &[&str] = &["current_thread", "multi_thread"];

/// Both clients keep up to 64 idle connections, so that the 64-way cells
/// measure requests rather than reconnecting (the SDK's default is 20).
pub(crate) const IDLE: usize = 64;

/// A runtime of `flavour` (the multi-thread one with two workers).
pub(crate) fn runtime(flavour: &str) -> Runtime {
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

/// The SDK's client of the benchmark server, and the task it fetches.
pub(crate) fn sdk_client() -> (Client, TaskId) {
    let f = fixture();
    let client = Client::builder(Config::new(f.base_url()).unwrap())
        .max_idle_per_host(IDLE)
        .build()
        .unwrap();
    (client, f.task)
}

/// A raw hyper-util client of the benchmark server, and the task's URI.
pub(crate) fn raw_client() -> (RawClient<HttpConnector, Empty<Bytes>>, http::Uri) {
    let f = fixture();
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client = RawClient::builder(TokioExecutor::new())
        .pool_max_idle_per_host(IDLE)
        .build(connector);
    let uri = format!("{}/api/tasks/{}", f.base_url(), f.task).parse().unwrap();
    (client, uri)
}

/// The raw client's `get_task`: the request, the whole body, `serde_json`.
pub(crate) async fn raw_get_task(client: RawClient<HttpConnector, Empty<Bytes>>, uri: http::Uri) -> Task {
    let request = http::Request::get(uri)
        .header("accept", "application/json")
        .body(Empty::new())
        .unwrap();
    let response = client.request(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice::<Task>(&body).unwrap()
}
