//! A retry storm: 200 callers on the async client against the reference
//! server, which answers every request `503` with `Retry-After: 1` for 3 s
//! and then recovers. Once with no retry budget, once with the standard
//! budget (the default), once in adaptive mode.
//!
//! Each caller starts a call (`get_task`) every 200 ms whether or not its
//! last one ended (1 000 calls a second in all), with a 10 s deadline per
//! call. An observer notes each call's start, end, attempts and outcome; a
//! monitor samples the server's request count every 100 ms. Reported per
//! mode: attempts ÷ calls for the calls started during the outage
//! (amplification), the server's mean request rate during the outage and its
//! peak (100 ms windows), and how long after the outage the callers'
//! success rate (calls ending in a 250 ms window) stays above 99 %.
//!
//! Run: `cargo bench --bench storm`. Its last line:
//! `storm amplification none=X standard=Y adaptive=Z`. Figures: docs/PERFORMANCE.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed setup should be loud

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use taskqueue::observe::{CallEvent, Observer};
use taskqueue::{Client, Config, ProjectCreateRequest, RetryPolicy, TaskCreateRequest};
use taskqueue_server::{Fault, FaultRule, ServerConfig, spawn};

const CALLERS: usize = 200;
const EVERY: Duration = Duration::from_millis(200);
const OUTAGE_FROM: Duration = Duration::from_secs(1);
const OUTAGE_FOR: Duration = Duration::from_secs(3);
const RUN_FOR: Duration = Duration::from_secs(24);
const DEADLINE: Duration = Duration::from_secs(10);

/// One finished call: when it started and ended (since the run's start), its attempts, and whether it succeeded.
#[derive(Debug, Clone, Copy)]
struct Done {
    start: f64,
    end: f64,
    attempts: u32,
    ok: bool,
}

struct Calls {
    t0: Instant,
    done: Mutex<Vec<Done>>,
}

impl Observer for Calls {
    fn call(&self, e: &CallEvent<'_>) {
        let end = self.t0.elapsed().as_secs_f64();
        let done = Done {
            start: end - e.duration.as_secs_f64(),
            end,
            attempts: e.attempts,
            ok: e.error.is_none(),
        };
        self.done.lock().unwrap().push(done);
    }
}

/// What the summary lines compare across modes (the rest is printed per mode).
struct Report {
    amplification: f64,
    outage_rate: f64,
}

fn run(mode: &str, policy: RetryPolicy) -> Report {
    let server = Arc::new(spawn(ServerConfig::ephemeral()).unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let t0 = Instant::now();
    let calls = Arc::new(Calls {
        t0,
        done: Mutex::new(Vec::new()),
    });
    let config = Config::builder()
        .base_url(server.base_url())
        .retry_policy(policy)
        .call_deadline(DEADLINE)
        .observer(calls.clone())
        .build()
        .unwrap();
    let client = Client::new(config).unwrap();
    let task = rt.block_on(async {
        let p = client.create_project(ProjectCreateRequest::new("storm")).await.unwrap();
        client
            .create_task(TaskCreateRequest::new("t", "true", p.id))
            .await
            .unwrap()
    });
    // The run starts now: the observer's times are shifted by the setup's.
    calls.done.lock().unwrap().clear();
    let offset = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();

    let samples: Arc<Mutex<Vec<(f64, u64)>>> = Arc::default();
    rt.block_on(async {
        let monitor = {
            let samples = samples.clone();
            let server = server.clone();
            tokio::spawn(async move {
                while t0.elapsed() < RUN_FOR {
                    samples
                        .lock()
                        .unwrap()
                        .push((t0.elapsed().as_secs_f64(), server.total_requests()));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        };
        let mut callers = Vec::new();
        for i in 0..CALLERS {
            let client = client.clone();
            callers.push(tokio::spawn(async move {
                // Spread the callers over the first period.
                tokio::time::sleep(EVERY.mul_f64(i as f64 / CALLERS as f64)).await;
                let mut in_flight = Vec::new();
                // New calls stop a deadline before the end, so the last ones end within the run.
                while t0.elapsed() < RUN_FOR - DEADLINE {
                    let client = client.clone();
                    in_flight.push(tokio::spawn(async move {
                        let _ = client.get_task(task.id).await;
                    }));
                    tokio::time::sleep(EVERY).await;
                }
                for call in in_flight {
                    let _ = call.await;
                }
            }));
        }
        tokio::time::sleep(OUTAGE_FROM).await;
        server.faults().push(
            FaultRule::new(Fault::Unavailable {
                retry_after: Some("1".into()),
            })
            .always(),
        );
        tokio::time::sleep(OUTAGE_FOR).await;
        server.faults().clear();
        for caller in callers {
            caller.await.unwrap();
        }
        monitor.await.unwrap();
    });

    let done: Vec<Done> = calls
        .done
        .lock()
        .unwrap()
        .iter()
        .map(|d| Done {
            start: d.start - offset,
            end: d.end - offset,
            ..*d
        })
        .collect();
    let (from, to) = (OUTAGE_FROM.as_secs_f64(), (OUTAGE_FROM + OUTAGE_FOR).as_secs_f64());
    let in_outage: Vec<&Done> = done.iter().filter(|d| d.start >= from && d.start < to).collect();
    let amplification = in_outage.iter().map(|d| f64::from(d.attempts)).sum::<f64>() / in_outage.len().max(1) as f64;
    let samples = samples.lock().unwrap().clone();
    let rate_between = |a: f64, b: f64| {
        let first = samples.iter().find(|s| s.0 >= a);
        let last = samples.iter().rev().find(|s| s.0 <= b);
        match (first, last) {
            (Some(f), Some(l)) if l.0 > f.0 => (l.1 - f.1) as f64 / (l.0 - f.0),
            _ => 0.0,
        }
    };
    let outage_rate = rate_between(from, to);
    let peak_rate = samples
        .windows(2)
        .map(|w| (w[1].1 - w[0].1) as f64 / (w[1].0 - w[0].0))
        .fold(0.0, f64::max);
    // Success rate of the calls ending in each 250 ms window after the outage.
    let window = 0.25;
    let end_of_run = done.iter().map(|d| d.end).fold(0.0, f64::max);
    let mut windows = Vec::new();
    let mut at = to;
    while at < end_of_run {
        let ending: Vec<&Done> = done.iter().filter(|d| d.end >= at && d.end < at + window).collect();
        if !ending.is_empty() {
            let ok = ending.iter().filter(|d| d.ok).count() as f64 / ending.len() as f64;
            windows.push((at, ok));
        }
        at += window;
    }
    let recovery = (0..windows.len())
        .find(|&i| windows[i..].iter().all(|(_, ok)| *ok >= 0.99))
        .map(|i| windows[i].0 - to);
    let failed = done.iter().filter(|d| !d.ok).count();
    println!(
        "{mode:>8}: {} calls ({failed} failed); outage: {} calls, {amplification:.2} attempts a call, {outage_rate:.0} requests/s (peak {peak_rate:.0}/s); success ≥ 99 % again {}",
        done.len(),
        in_outage.len(),
        recovery.map_or("never in the run".to_owned(), |r| format!("{r:.2} s after the outage")),
    );
    Report {
        amplification,
        outage_rate,
    }
}

fn main() {
    println!(
        "{CALLERS} callers, a call each every {} ms, 503 + Retry-After: 1 from {} s for {} s, run {} s, deadline {} s a call",
        EVERY.as_millis(),
        OUTAGE_FROM.as_secs(),
        OUTAGE_FOR.as_secs(),
        RUN_FOR.as_secs(),
        DEADLINE.as_secs()
    );
    let none = run("none", RetryPolicy::default().without_budget());
    let standard = run("standard", RetryPolicy::default());
    let adaptive = run("adaptive", RetryPolicy::adaptive());
    println!(
        "outage request rate: none {:.0}/s, standard {:.0}/s ({:.1}× less), adaptive {:.0}/s ({:.1}× less)",
        none.outage_rate,
        standard.outage_rate,
        none.outage_rate / standard.outage_rate.max(1e-9),
        adaptive.outage_rate,
        none.outage_rate / adaptive.outage_rate.max(1e-9),
    );
    println!(
        "storm amplification none={:.2} standard={:.2} adaptive={:.2}",
        none.amplification, standard.amplification, adaptive.amplification
    );
}
