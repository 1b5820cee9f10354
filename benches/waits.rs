//! Waiting on 1 000 tasks: `wait_all` against a loop of `wait_for_completion`,
//! counting the requests each sends and the CPU time each takes. A one-shot
//! measurement, not a divan benchmark: each way is run once per round on
//! fresh tasks.
//!
//! Run against a release server with simulated execution, out of process so
//! its CPU is not counted:
//!
//! ```text
//! cargo build --release -p taskqueue-server
//! target/release/taskqueue-server --addr 127.0.0.1:18097 --complete-after 3 &
//! TASKQUEUE_BENCH_URL=http://127.0.0.1:18097 cargo bench --bench waits
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed setup should be loud

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http::Request;
use taskqueue::TaskId;
use taskqueue::blocking::Client;
use taskqueue::driver::UreqTransport;
use taskqueue::driver::{BlockingTransport, Outcome};
use taskqueue::{Config, ProjectCreateRequest, TaskCreateRequest};

const TASKS: usize = 1_000;

/// The ureq transport, counting what it sends.
struct Counting {
    inner: UreqTransport,
    sent: AtomicU64,
}

impl BlockingTransport for Counting {
    fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Outcome {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.send(request, timeout)
    }
    fn send_all(&self, requests: Vec<(Request<Vec<u8>>, Duration)>) -> Vec<Outcome> {
        self.sent.fetch_add(requests.len() as u64, Ordering::Relaxed);
        self.inner.send_all(requests)
    }
    taskqueue::driver::forward_clock!(blocking, inner);
}

/// This process's CPU time (user + system), from `/proc/self/stat`.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks: u64 = fields
        .get(11..13)
        .map_or(0, |f| f.iter().map(|t| t.parse::<u64>().unwrap_or(0)).sum());
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

fn fresh_tasks(client: &Client<Counting>) -> Vec<TaskId> {
    let project = client.create_project(ProjectCreateRequest::new("waits")).unwrap();
    let requests = (0..TASKS)
        .map(|i| TaskCreateRequest::new(format!("t{i}"), "make", project.id))
        .collect();
    client
        .create_tasks(requests)
        .unwrap()
        .into_iter()
        .map(|t| t.unwrap().id)
        .collect()
}

fn measure(name: &str, client: &Client<Counting>, wait: impl FnOnce(&Client<Counting>, Vec<TaskId>)) {
    let ids = fresh_tasks(client);
    let sent_before = client.transport().sent.load(Ordering::Relaxed);
    let (cpu_before, started) = (cpu_time(), Instant::now());
    wait(client, ids);
    let cpu = cpu_time() - cpu_before;
    let requests = client.transport().sent.load(Ordering::Relaxed) - sent_before;
    println!(
        "{name:<36} requests {requests:>6}   cpu {:>7.0} ms   wall {:>6.2} s",
        cpu.as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    let (base_url, _server) = match std::env::var("TASKQUEUE_BENCH_URL") {
        Ok(url) if !url.is_empty() => (url, None),
        _ => {
            let config = taskqueue_server::ServerConfig::ephemeral().complete_after(Duration::from_secs(3));
            let server = taskqueue_server::spawn(config).unwrap();
            println!("(server in-process: its CPU time is counted too)");
            (server.base_url(), Some(server))
        }
    };
    let config = Config::new(base_url).unwrap();
    let transport = Counting {
        inner: UreqTransport::new(&config).unwrap(),
        sent: AtomicU64::new(0),
    };
    let client = Client::with_transport(config.with_batch_concurrency(16), transport);
    let timeout = Duration::from_secs(120);
    for round in 1..=3 {
        println!("round {round}, {TASKS} tasks finishing ~3 s after they are created");
        measure("wait_all", &client, |c, ids| {
            assert!(c.wait_all(ids, timeout).unwrap().all_finished());
        });
        measure("wait_for_completion, one by one", &client, |c, ids| {
            for id in ids {
                c.wait_for_completion(id, timeout).unwrap();
            }
        });
    }
}
