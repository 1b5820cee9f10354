//! The async client against a raw hyper-util client: `GET /api/tasks/{id}` +
//! JSON parse of one task, against the same in-process reference server, at
//! concurrency 1 (awaited in `block_on`, or spawned) and 64, on the current-thread and the multi-thread runtime,
//! in the same run.
//!
//! Run: `cargo bench --bench async`. Figures: docs/PERFORMANCE.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed setup should be loud

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use taskqueue::Task;

#[path = "support/get_task.rs"]
mod get_task;
mod support;

use get_task::{FLAVOURS, raw_client, raw_get_task, runtime, sdk_client};

fn main() {
    divan::main();
}

/// "1": one request awaited directly in `block_on`; "1-spawned": one request
/// as a spawned task (as a service handles a call); "64": 64 spawned at once.
const MODES: &[&str] = &["1", "1-spawned", "64"];

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
    let (client, id) = sdk_client();
    bench_with(bencher, FLAVOURS[FLAVOUR], mode, move || {
        let client = client.clone();
        async move { client.get_task(id).await.unwrap() }
    });
}

#[divan::bench(args = MODES, consts = [0, 1], sample_count = 60, sample_size = 5)]
fn raw_hyper_get_task<const FLAVOUR: usize>(bencher: Bencher, mode: &str) {
    let (client, uri) = raw_client();
    bench_with(bencher, FLAVOURS[FLAVOUR], mode, move || {
        raw_get_task(client.clone(), uri.clone())
    });
}
