//! A 1 000-task list, gzip against identity: the bytes on the wire (read
//! raw, with and without `Accept-Encoding: gzip`), the blocking client's
//! time for the whole call on loopback (median of 31, both modes
//! interleaved), and the time the same bytes would take on a 100 Mbit/s link.
//!
//! Run: `cargo bench --bench gzip`. Figures: docs/PERFORMANCE.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed setup should be loud

use std::io::Read;
use std::time::{Duration, Instant};

use taskqueue::blocking::Client;
use taskqueue::{Config, ProjectCreateRequest, TaskCreateRequest, TaskFilters};
use taskqueue_server::{ServerConfig, spawn};

const TASKS: usize = 1_000;
const ROUNDS: usize = 31;
const LINK_BITS_PER_SECOND: f64 = 100e6;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The body's size on the wire for `GET /api/tasks?limit=1000`, asking for `encoding`.
fn wire_bytes(base_url: &str, encoding: &str) -> usize {
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let response = agent
        .get(format!("{base_url}/api/tasks?limit={TASKS}"))
        .header("accept-encoding", encoding)
        .call()
        .unwrap();
    let encoded = response
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_owned());
    let mut bytes = Vec::new();
    response.into_body().into_reader().read_to_end(&mut bytes).unwrap();
    assert_eq!(
        encoded.as_deref() == Some("gzip"),
        encoding == "gzip",
        "the server answered {encoded:?}"
    );
    bytes.len()
}

fn main() {
    let server = spawn(ServerConfig::ephemeral()).unwrap();
    let base = server.base_url();
    let setup = Client::new(Config::new(&base).unwrap()).unwrap();
    let p = setup.create_project(ProjectCreateRequest::new("zip")).unwrap();
    let requests: Vec<TaskCreateRequest> = (0..TASKS)
        .map(|i| {
            TaskCreateRequest::new(format!("task-{i:04}"), format!("make target-{i}"), p.id)
                .description(format!("builds target {i} of the nightly run"))
        })
        .collect();
    for r in setup.create_tasks(requests).unwrap() {
        r.unwrap();
    }

    let gzip_bytes = wire_bytes(&base, "gzip");
    let identity_bytes = wire_bytes(&base, "identity");
    let gzip = Client::new(Config::new(&base).unwrap()).unwrap();
    let identity = Client::new(
        Config::builder()
            .base_url(&base)
            .header("accept-encoding", "identity")
            .build()
            .unwrap(),
    )
    .unwrap();
    let filters = TaskFilters::new().limit(TASKS as u32);
    let (mut with_gzip, mut without) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        for (client, times) in [(&gzip, &mut with_gzip), (&identity, &mut without)] {
            let t = Instant::now();
            assert_eq!(client.list_tasks(filters.clone()).unwrap().len(), TASKS);
            times.push(t.elapsed());
        }
    }
    let (g, i) = (median(with_gzip), median(without));
    let on_link = |bytes: usize, cpu: Duration| cpu.as_secs_f64() + bytes as f64 * 8.0 / LINK_BITS_PER_SECOND;
    println!(
        "{TASKS} tasks: {identity_bytes} bytes identity, {gzip_bytes} bytes gzip ({:.1}× smaller)",
        identity_bytes as f64 / gzip_bytes as f64
    );
    println!(
        "loopback, median of {ROUNDS}: identity {:.2} ms, gzip {:.2} ms ({:.2}×)",
        i.as_secs_f64() * 1e3,
        g.as_secs_f64() * 1e3,
        g.as_secs_f64() / i.as_secs_f64()
    );
    println!(
        "100 Mbit/s (loopback time + bytes on the link): identity {:.1} ms, gzip {:.1} ms",
        on_link(identity_bytes, i) * 1e3,
        on_link(gzip_bytes, g) * 1e3
    );
}
