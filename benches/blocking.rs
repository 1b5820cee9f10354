//! The blocking client against a raw ureq `Agent`: sequential `GET
//! /api/tasks/{id}` + JSON parse of one task, against the same in-process
//! reference server, in the same run.
//!
//! Two baselines: a bare agent (no timeouts), and an agent with the same
//! connect and per-attempt timeouts the SDK always sets. ureq enforces a
//! deadline by updating the socket's timeout before every read and write,
//! which costs a few system calls per exchange; the second baseline shows
//! what is the SDK's own overhead and what is the price of having a timeout.
//!
//! Run: `cargo bench --bench blocking`. Figures: docs/PERFORMANCE.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed setup should be loud

use divan::{Bencher, black_box};
use taskqueue::blocking::Client;
use taskqueue::{Config, Task};

mod support;

use support::fixture;

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 200, sample_size = 10)]
fn sdk_blocking_get_task(bencher: Bencher) {
    let f = fixture();
    let client = Client::new(Config::new(f.base_url()).unwrap()).unwrap();
    bencher.bench_local(|| client.get_task(black_box(f.task)).unwrap());
}

#[divan::bench(sample_count = 200, sample_size = 10)]
fn raw_ureq_get_task(bencher: Bencher) {
    raw(
        bencher,
        ureq::Agent::config_builder().http_status_as_error(false).build().into(),
    );
}

#[divan::bench(sample_count = 200, sample_size = 10)]
fn raw_ureq_with_timeouts_get_task(bencher: Bencher) {
    let config = Config::default();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(config.connect_timeout()))
        .timeout_global(Some(config.attempt_timeout()))
        .build()
        .into();
    raw(bencher, agent);
}

fn raw(bencher: Bencher, agent: ureq::Agent) {
    let f = fixture();
    let url = format!("{}/api/tasks/{}", f.base_url(), f.task);
    bencher.bench_local(|| {
        let mut response = agent.get(&url).header("accept", "application/json").call().unwrap();
        let body = response.body_mut().read_to_vec().unwrap();
        serde_json::from_slice::<Task>(&body).unwrap()
    });
}
