//! Listing at any size: every task of a listing of 1 000, 10 000 and
//! 100 000 tasks, read by the blocking client (`list_tasks_all`) and by the
//! CLI (`tasks list --all --format jsonl`), against the reference server in
//! the upstream dialect (one `GET /tasks` answers every task) and in the
//! documented one (pages of 1 000), each in the same rounds as `curl`
//! downloading the same bytes (`--compressed`, as the SDK asks for gzip).
//!
//! Per cell: requests per listing, the median wall time and its ratio to
//! curl's, the SDK's peak heap over the walk (a counting allocator), and
//! the CLI's peak resident memory (`/usr/bin/time -f %M`, when present).
//! The last line: `listing ratio-to-curl 1k=X 10k=Y 100k=Z peak-mib 1k=A
//! 100k=B`, each the worse of the two dialects.
//!
//! The server is the release `taskqueue-server` binary in its own process
//! (so the peak heap measured here is the SDK's alone).
//!
//! Run: `cargo build --release -p taskqueue-cli -p taskqueue-server && cargo bench --bench listing`.
//! `LISTING_SIZES=1000,10000` runs fewer sizes. Figures: docs/PERFORMANCE.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed setup should be loud

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use peak_alloc::PeakAlloc;
use taskqueue::blocking::Client;
use taskqueue::driver::UreqTransport;
use taskqueue::driver::{BlockingBody, BlockingTransport, Outcome, TransportError};
use taskqueue::http::{Request, Response};
use taskqueue::{Config, Dialect, ProjectCreateRequest, TaskCreateRequest, TaskFilters};

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const PAGE: u32 = 1_000;

/// The ureq transport, counting the requests it sends (streamed or not),
/// and the time spent waiting for heads and reading bodies (nanoseconds).
struct Counting {
    inner: UreqTransport,
    sent: Arc<AtomicU64>,
    waiting: Arc<AtomicU64>,
}

/// A body reader that adds the time its reads take to a counter.
struct TimedReader {
    inner: BlockingBody,
    waiting: Arc<AtomicU64>,
}

impl std::io::Read for TimedReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let start = Instant::now();
        let n = self.inner.read(buf);
        self.waiting
            .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        n
    }
}

impl BlockingTransport for Counting {
    fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Outcome {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.send(request, timeout)
    }
    fn open(&self, request: Request<Vec<u8>>, timeout: Duration) -> Result<Response<BlockingBody>, TransportError> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let start = Instant::now();
        let response = self.inner.open(request, timeout);
        self.waiting
            .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        let waiting = Arc::clone(&self.waiting);
        response.map(|r| r.map(|inner| Box::new(TimedReader { inner, waiting }) as BlockingBody))
    }
    fn send_all(&self, requests: Vec<(Request<Vec<u8>>, Duration)>) -> Vec<Outcome> {
        self.sent.fetch_add(requests.len() as u64, Ordering::Relaxed);
        self.inner.send_all(requests)
    }
    taskqueue::driver::forward_clock!(blocking, inner);
}

/// The release server binary in its own process, killed on drop.
struct Server {
    child: Child,
    base_url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(dialect: Dialect) -> Server {
    let binary = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/taskqueue-server");
    assert!(
        binary.exists(),
        "build it first: cargo build --release -p taskqueue-server"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .args(["--addr", &format!("127.0.0.1:{port}"), "--dialect", dialect.as_str()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base_url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Server { child, base_url }
}

/// Where the dialect's listing lives.
fn prefix(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Spec => "/api",
        _ => "",
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Rounds per cell: fewer for the big listings.
fn rounds(size: usize) -> usize {
    if let Some(n) = std::env::var("LISTING_ROUNDS").ok().and_then(|n| n.parse().ok()) {
        return n;
    }
    match size {
        0..=2_000 => 15,
        2_001..=20_000 => 7,
        _ => 5,
    }
}

/// Fills the server up to `size` tasks (of the usual shape: ~800 bytes of JSON).
fn fill(client: &Client<Counting>, project: taskqueue::ProjectId, from: usize, to: usize) {
    for start in (from..to).step_by(5_000) {
        let requests: Vec<TaskCreateRequest> = (start..to.min(start + 5_000))
            .map(|i| {
                TaskCreateRequest::new(format!("task-{i:06}"), format!("make target-{i} --jobs 4"), project)
                    .description(format!(
                        "builds target {i} of the nightly run and uploads its artefacts"
                    ))
            })
            .collect();
        for result in client.create_tasks(requests).unwrap() {
            result.unwrap();
        }
    }
}

/// curl's command for the bytes the SDK reads: the one listing, or every page.
fn curl(base: &str, dialect: Dialect, size: usize) -> Command {
    let mut command = Command::new("curl");
    command.args(["-s", "--compressed", "-o", "/dev/null"]);
    match dialect {
        Dialect::Spec => {
            // The walk reads pages until a short one: for a multiple of the
            // page size, one more (empty) page.
            let last = size / PAGE as usize * PAGE as usize;
            command.arg(format!(
                "{base}{}/tasks?limit={PAGE}&offset=[0-{last}:{PAGE}]",
                prefix(dialect)
            ));
        }
        _ => {
            command.arg(format!("{base}{}/tasks", prefix(dialect)));
        }
    }
    command.stdout(Stdio::null());
    command
}

fn timed(mut command: Command) -> Duration {
    let start = Instant::now();
    let status = command.status().unwrap();
    assert!(status.success(), "{command:?}");
    start.elapsed()
}

/// The CLI binary built in release mode, if it is there.
fn cli_binary() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/taskqueue");
    path.exists().then_some(path)
}

fn cli(binary: &PathBuf, base: &str, dialect: Dialect) -> Command {
    let mut command = Command::new(binary);
    command
        .args([
            "--base-url",
            base,
            "--dialect",
            dialect.as_str(),
            "--format",
            "jsonl",
            "--quiet",
        ])
        .args(["tasks", "list", "--all", "--limit", &PAGE.to_string()])
        .env_remove("TASKQUEUE_TOKEN")
        .env_remove("TASKQUEUE_PROFILE")
        .env("XDG_CONFIG_HOME", std::env::temp_dir().join("taskqueue-bench-listing"))
        .stdout(Stdio::null());
    command
}

/// The CLI's peak resident memory in MiB, through `/usr/bin/time`.
fn cli_peak_rss(binary: &PathBuf, base: &str, dialect: Dialect) -> Option<f64> {
    if !std::path::Path::new("/usr/bin/time").exists() {
        return None;
    }
    let inner = cli(binary, base, dialect);
    let mut command = Command::new("/usr/bin/time");
    command
        .args(["-f", "%M"])
        .arg(inner.get_program())
        .args(inner.get_args());
    command.env("XDG_CONFIG_HOME", std::env::temp_dir().join("taskqueue-bench-listing"));
    let output = command.stdout(Stdio::null()).stderr(Stdio::piped()).output().ok()?;
    let text = String::from_utf8_lossy(&output.stderr);
    let kib: f64 = text.lines().last()?.trim().parse().ok()?;
    Some(kib / 1024.0)
}

struct Cell {
    requests: u64,
    ratio: f64,
    peak_mib: f64,
}

fn cell(server: &Server, client: &Client<Counting>, sent: &AtomicU64, dialect: Dialect, size: usize) -> Cell {
    let base = server.base_url.clone();
    let binary = cli_binary();
    let (mut sdk, mut ours, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
    let mut requests = 0;
    let mut peak = 0usize;
    for _ in 0..rounds(size) {
        theirs.push(timed(curl(&base, dialect, size)));
        let before = sent.load(Ordering::Relaxed);
        let held = HEAP.current_usage();
        HEAP.reset_peak_usage();
        let start = Instant::now();
        let mut count = 0usize;
        for task in client.list_tasks_all(TaskFilters::new().limit(PAGE)) {
            match task {
                Ok(task) => std::hint::black_box(task),
                Err(error) => {
                    println!(
                        "| {} | {size} | - | - | fails: {error} | - | - | - | - | - |",
                        dialect.as_str()
                    );
                    return Cell {
                        requests: sent.load(Ordering::Relaxed) - before,
                        ratio: f64::NAN,
                        peak_mib: f64::NAN,
                    };
                }
            };
            count += 1;
        }
        sdk.push(start.elapsed());
        peak = peak.max(HEAP.peak_usage().saturating_sub(held));
        requests = sent.load(Ordering::Relaxed) - before;
        assert_eq!(count, size, "every task once");
        if let Some(binary) = &binary {
            ours.push(timed(cli(binary, &base, dialect)));
        }
    }
    let curl_median = median(theirs);
    let sdk_median = median(sdk);
    let ratio = sdk_median.as_secs_f64() / curl_median.as_secs_f64();
    let (cli_median, cli_ratio) = if ours.is_empty() {
        ("-".to_owned(), "-".to_owned())
    } else {
        let m = median(ours);
        (
            format!("{:.1} ms", m.as_secs_f64() * 1e3),
            format!("{:.2}×", m.as_secs_f64() / curl_median.as_secs_f64()),
        )
    };
    let rss = binary
        .as_ref()
        .and_then(|b| cli_peak_rss(b, &base, dialect))
        .map_or("-".to_owned(), |m| format!("{m:.1} MiB"));
    println!(
        "| {} | {size} | {requests} | {:.1} ms | {:.1} ms | {ratio:.2}× | {cli_median} | {cli_ratio} | {:.1} MiB | {rss} |",
        dialect.as_str(),
        curl_median.as_secs_f64() * 1e3,
        sdk_median.as_secs_f64() * 1e3,
        mib(peak),
    );
    Cell {
        requests,
        ratio,
        peak_mib: mib(peak),
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::var("LISTING_SIZES")
        .ok()
        .map(|s| s.split(',').map(|n| n.trim().parse().unwrap()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    println!(
        "| dialect | tasks | requests | curl | SDK | SDK ÷ curl | CLI | CLI ÷ curl | SDK peak heap | CLI peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut worst: Vec<(usize, f64, f64)> = sizes.iter().map(|&s| (s, 0.0, 0.0)).collect();
    let dialects: Vec<Dialect> = match std::env::var("LISTING_DIALECTS").as_deref() {
        Ok("spec") => vec![Dialect::Spec],
        Ok("upstream") => vec![Dialect::Upstream],
        _ => vec![Dialect::Upstream, Dialect::Spec],
    };
    for dialect in dialects {
        let server = start_server(dialect);
        let config = Config::builder()
            .base_url(server.base_url.clone())
            .dialect(dialect)
            .attempt_timeout(Duration::from_secs(300))
            .build()
            .unwrap();
        let sent = Arc::new(AtomicU64::new(0));
        let waiting = Arc::new(AtomicU64::new(0));
        let transport = Counting {
            inner: UreqTransport::new(&config).unwrap(),
            sent: Arc::clone(&sent),
            waiting: Arc::clone(&waiting),
        };
        let client = Client::with_transport(config.with_batch_concurrency(16), transport);
        let project = client.create_project(ProjectCreateRequest::new("listing")).unwrap();
        let mut filled = 0;
        for (i, &size) in sizes.iter().enumerate() {
            fill(&client, project.id, filled, size);
            filled = size;
            waiting.store(0, Ordering::Relaxed);
            let c = cell(&server, &client, &sent, dialect, size);
            // Where the SDK's time went (all rounds): waiting on the network
            // (heads and body reads) against the rest (decoding, the machine).
            let waited = Duration::from_nanos(waiting.load(Ordering::Relaxed)) / rounds(size) as u32;
            println!(
                "  ({} {size}: network wait {:.1} ms a listing)",
                dialect.as_str(),
                waited.as_secs_f64() * 1e3
            );
            if dialect == Dialect::Upstream && c.requests != 1 {
                println!("(upstream: {} downloads for one listing)", c.requests);
            }
            // A failed cell (NaN) makes the line say so.
            worst[i].1 = if c.ratio.is_nan() {
                f64::NAN
            } else {
                worst[i].1.max(c.ratio)
            };
            worst[i].2 = if c.peak_mib.is_nan() {
                f64::NAN
            } else {
                worst[i].2.max(c.peak_mib)
            };
        }
    }
    let label = |size: usize| match size {
        s if s % 1_000 == 0 => format!("{}k", s / 1_000),
        s => s.to_string(),
    };
    let ratios: Vec<String> = worst.iter().map(|(s, r, _)| format!("{}={r:.2}", label(*s))).collect();
    let first = worst.first().map_or(0.0, |w| w.2);
    let last = worst.last().map_or(0.0, |w| w.2);
    println!(
        "listing ratio-to-curl {} peak-mib {}={first:.1} {}={last:.1}",
        ratios.join(" "),
        label(worst.first().map_or(0, |w| w.0)),
        label(worst.last().map_or(0, |w| w.0)),
    );
}
