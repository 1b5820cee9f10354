//! The async client against a raw hyper-util client, paired: the same cells
//! as `benches/async.rs` (runtime flavour × mode), but each round runs a
//! batch of raw requests and a batch of SDK requests back to back (the order
//! alternating from round to round) on the same runtime, and the figure is
//! the median of the per-round throughput ratios. On a shared machine whose
//! speed drifts by tens of percent from one minute to the next, a ratio
//! taken within a round is the one that holds still.
//!
//! Run: `cargo bench --bench async_paired --features async`
//! (`PAIRED_ROUNDS`, default 31; `PAIRED_BATCH`, requests of a client per
//! round, default 200; `PAIRED_CELLS=current_thread/64,…` for some cells
//! only; `TASKQUEUE_BENCH_URL` for a server of your own; `PAIRED_ONLY=sdk`
//! or `raw` runs one client alone, for a profiler or callgrind;
//! `PAIRED_RAW=uri-per-call` has the raw client format and parse its URI
//! every call, as a raw `get_task(id)` would, instead of reusing one;
//! `PAIRED_RAW=conn` runs a raw client on hyper's connection API with a
//! one-server pool instead, the shape of the SDK's own transport).
//! The last line is `async sdk-vs-raw <cell>=<ratio> …`: the SDK's
//! throughput over raw hyper-util's (≥ 1 means the SDK is as fast or faster).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed setup should be loud

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use taskqueue::Task;
use tokio::runtime::Runtime;

#[path = "support/get_task.rs"]
mod get_task;
mod support;

use get_task::{FLAVOURS, raw_client, raw_get_task, runtime, sdk_client};

type Request = std::sync::Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Task> + Send>> + Send + Sync>;

fn sdk() -> Request {
    let (client, id) = sdk_client();
    std::sync::Arc::new(move || {
        let client = client.clone();
        Box::pin(async move { client.get_task(id).await.unwrap() })
    })
}

fn raw() -> Request {
    let (client, uri) = raw_client();
    if std::env::var("PAIRED_RAW").as_deref() == Ok("uri-per-call") {
        // A raw `get_task(id)` as an application would write it: the URI
        // formatted from the base URL and the id, and parsed, every call.
        let base = support::fixture().base_url();
        let id = support::fixture().task;
        return std::sync::Arc::new(move || {
            let uri = format!("{base}/api/tasks/{id}").parse().unwrap();
            Box::pin(raw_get_task(client.clone(), uri))
        });
    }
    if std::env::var("PAIRED_RAW").as_deref() == Ok("conn") {
        let pool = std::sync::Arc::new(ConnPool {
            address: support::fixture().base_url().trim_start_matches("http://").to_owned(),
            idle: std::sync::Mutex::default(),
        });
        let uri: http::Uri = format!("/api/tasks/{}", support::fixture().task).parse().unwrap();
        return std::sync::Arc::new(move || Box::pin(conn_get_task(pool.clone(), uri.clone())));
    }
    std::sync::Arc::new(move || Box::pin(raw_get_task(client.clone(), uri.clone())))
}

/// The `PAIRED_RAW=conn` client: its server's address, its idle connections.
struct ConnPool {
    address: String,
    idle: std::sync::Mutex<Vec<hyper::client::conn::http1::SendRequest<http_body_util::Empty<bytes::Bytes>>>>,
}

/// A raw `get_task` on hyper's connection API with a pool of one server's
/// connections, the shape of the SDK's transport: the top idle connection
/// (waited for until it takes a request) or a new one, given back once the
/// body is read.
async fn conn_get_task(pool: std::sync::Arc<ConnPool>, uri: http::Uri) -> Task {
    use http_body_util::BodyExt as _;
    let idle = pool.idle.lock().unwrap().pop();
    let mut sender = match idle {
        Some(sender) => sender,
        None => {
            let stream = tokio::net::TcpStream::connect(&pool.address).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let io = hyper_util::rt::TokioIo::new(stream);
            let (sender, connection) = hyper::client::conn::http1::handshake(io).await.unwrap();
            tokio::spawn(connection);
            sender
        }
    };
    sender.ready().await.unwrap();
    let request = http::Request::get(uri)
        .header("host", &pool.address)
        .header("accept", "application/json")
        .body(http_body_util::Empty::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let task = serde_json::from_slice::<Task>(&body).unwrap();
    let mut idle = pool.idle.lock().unwrap();
    if idle.len() < get_task::IDLE {
        idle.push(sender);
    }
    task
}

/// `batch` requests as `mode` says: awaited one after another in
/// `block_on` ("1"), each spawned and awaited ("1-spawned"), or spawned 64
/// at a time ("64"). The time per request.
fn run_batch(rt: &Runtime, mode: &str, batch: usize, request: &Request) -> Duration {
    let started = Instant::now();
    rt.block_on(async {
        match mode {
            "1" => {
                for _ in 0..batch {
                    std::hint::black_box(request().await);
                }
            }
            "1-spawned" => {
                for _ in 0..batch {
                    std::hint::black_box(tokio::spawn(request()).await.unwrap());
                }
            }
            _ => {
                for _ in 0..batch.div_ceil(64) {
                    let mut set = tokio::task::JoinSet::new();
                    for _ in 0..64 {
                        set.spawn(request());
                    }
                    while let Some(done) = set.join_next().await {
                        std::hint::black_box(done.unwrap());
                    }
                }
            }
        }
    });
    let requests = if mode == "64" { batch.div_ceil(64) * 64 } else { batch };
    started.elapsed() / u32::try_from(requests).unwrap()
}

/// One client's rounds alone (`PAIRED_ONLY`).
fn run_alone(rt: &Runtime, mode: &str, batch: usize, rounds: usize, request: &Request, cell: &str) {
    let times: Vec<f64> = (0..rounds)
        .map(|_| run_batch(rt, mode, batch, request).as_secs_f64() * 1e6)
        .collect();
    println!("{cell:<28} {:>9.1} µs alone", median(times));
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let rounds = env_or("PAIRED_ROUNDS", 31);
    let batch = env_or("PAIRED_BATCH", 200);
    println!(
        "{rounds} rounds of {batch} requests a client; per request, medians; ratio = raw time ÷ SDK time per round, median"
    );
    println!(
        "{:<28} {:>12} {:>12} {:>8} {:>16}",
        "cell", "raw", "sdk", "ratio", "ratio range"
    );
    let mut summary = Vec::new();
    let only = std::env::var("PAIRED_CELLS").unwrap_or_default();
    for &flavour in FLAVOURS {
        for mode in ["1", "1-spawned", "64"] {
            let cell = format!("{flavour}/{mode}");
            if !only.is_empty() && !only.split(',').any(|c| c == cell) {
                continue;
            }
            let rt = runtime(flavour);
            // Clients are made inside the runtime's context: the SDK's
            // client spawns nothing, but its connections belong to it.
            let (sdk, raw) = rt.block_on(async { (sdk(), raw()) });
            match std::env::var("PAIRED_ONLY").as_deref() {
                Ok("sdk") => {
                    run_alone(&rt, mode, batch, rounds, &sdk, &cell);
                    continue;
                }
                Ok("raw") => {
                    run_alone(&rt, mode, batch, rounds, &raw, &cell);
                    continue;
                }
                _ => {}
            }
            run_batch(&rt, mode, batch, &raw); // warm both pools
            run_batch(&rt, mode, batch, &sdk);
            let mut raws = Vec::new();
            let mut sdks = Vec::new();
            let mut ratios = Vec::new();
            for round in 0..rounds {
                let (r, s) = if round % 2 == 0 {
                    let r = run_batch(&rt, mode, batch, &raw);
                    (r, run_batch(&rt, mode, batch, &sdk))
                } else {
                    let s = run_batch(&rt, mode, batch, &sdk);
                    (run_batch(&rt, mode, batch, &raw), s)
                };
                raws.push(r.as_secs_f64() * 1e6);
                sdks.push(s.as_secs_f64() * 1e6);
                ratios.push(r.as_secs_f64() / s.as_secs_f64());
            }
            let (low, high) = (
                ratios.iter().copied().fold(f64::INFINITY, f64::min),
                ratios.iter().copied().fold(0.0, f64::max),
            );
            let ratio = median(ratios);
            println!(
                "{cell:<28} {:>9.1} µs {:>9.1} µs {ratio:>7.3}× {low:>7.2}–{high:.2}",
                median(raws),
                median(sdks)
            );
            summary.push(format!("{cell}={ratio:.3}"));
        }
    }
    println!("async sdk-vs-raw {}", summary.join(" "));
}
