//! Decoded memory is bounded by the body, not only the body by its limit: a
//! 30 MB answer with hostile free-form fields (`[0,0,…]` as a task's
//! dependencies, a map of a million keys as its metadata) peaks within 5×
//! its size (plus a constant), the body included, and is refused with a typed
//! error naming the field — where it took 26× (798 MiB) before. Ordinary
//! big answers are read, not refused.
//!
//! A counting allocator (peak_alloc) measures the peak heap while a body is
//! read; this file holds one test, so the peaks are its own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use http::Response;
use peak_alloc::PeakAlloc;
use taskqueue_proto::ops::{GetTask, ListTasks, Operation};
use taskqueue_proto::{Config, Error, TaskFilters};

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const MIB: u64 = 1 << 20;
const BODY: usize = 30 << 20;

const TASK_HEAD: &str = r#"{"id":"6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90","name":"n","command":"c",
    "created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z""#;

/// A task whose `field` is `open`, then `item` repeated to about 30 MB, then `close`.
fn hostile_task(field: &str, open: &str, item: impl Fn(usize) -> String, close: &str) -> Vec<u8> {
    let mut body = format!("{TASK_HEAD},\"{field}\":{open}").into_bytes();
    let mut i = 0;
    while body.len() < BODY {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item(i).as_bytes());
        i += 1;
    }
    body.extend_from_slice(close.as_bytes());
    body.push(b'}');
    body
}

/// A listing of ordinary tasks, about 30 MB.
fn big_listing() -> Vec<u8> {
    let mut body = b"[".to_vec();
    let mut i = 0u128;
    while body.len() < BODY {
        if i > 0 {
            body.push(b',');
        }
        let task = format!(
            r#"{{"id":"{}","name":"task {i}","command":"cargo test --workspace","description":"an ordinary task",
            "status":"Planning","priority":"Normal","task_type":"Simple","project_id":"{}",
            "created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z",
            "metadata":{{"tags":["nightly"],"owner":"ci"}},"dependencies":[],"phases":[]}}"#,
            uuid::Uuid::from_u128(i + 1),
            uuid::Uuid::from_u128(7)
        );
        body.extend_from_slice(task.as_bytes());
        i += 1;
    }
    body.push(b']');
    body
}

/// Reads `body` with `read`, and the peak heap while reading — the body
/// itself included — in MiB.
fn measure<T>(body: Vec<u8>, read: impl FnOnce(Response<Vec<u8>>) -> T) -> (T, u64) {
    let held = body.len();
    let before = HEAP.current_usage().saturating_sub(held);
    HEAP.reset_peak_usage();
    let result = read(Response::builder().status(200).body(body).unwrap());
    let peak = HEAP.peak_usage().saturating_sub(before);
    (result, peak as u64 / MIB)
}

#[test]
fn a_30_mb_hostile_body_peaks_within_five_times_its_size_and_ordinary_ones_are_read() {
    let config = Config::default();
    let get = |response| GetTask::new(uuid::Uuid::nil()).parse_response(&config, response);
    // The body's own bytes count: it is held while it is read.
    let long_string_mib = 3 * (BODY as u64) / MIB + 16;
    let mut report = Vec::new();

    let refused = [
        ("dependencies", hostile_task("dependencies", "[", |_| "0".into(), "]")),
        (
            "metadata",
            hostile_task("metadata", "{", |i| format!("\"k{i}\":0"), "}"),
        ),
        ("result", hostile_task("result", "[", |_| "[]".into(), "]")),
        (
            "development_workflow",
            hostile_task("development_workflow", "{\"a\":[", |_| "{}".into(), "]}"),
        ),
    ];
    for (field, body) in refused {
        let len = body.len() as u64;
        let (result, grew) = measure(body, get);
        eprintln!("{field}: peak heap {grew} MiB for a {} MiB body", len / MIB);
        report.push(format!("{field}: {grew} MiB"));
        match result {
            Err(Error::Decode { path, message, .. }) => {
                assert!(
                    path.contains(field),
                    "{field}: the error names the field: {path} ({message})"
                );
                assert!(message.contains("decoded-memory budget"), "{field}: {message}");
            }
            other => panic!("{field}: expected a Decode error, got {:?}", other.map(|t| t.id)),
        }
        assert!(
            grew <= 5 * len / MIB + 16,
            "{field}: peaked {grew} MiB for a {} MiB body",
            len / MIB
        );
    }

    // Big but ordinary: one long string of metadata, and a listing of ~35 000 tasks.
    let long = format!("{TASK_HEAD},\"metadata\":{{\"notes\":\"{}\"}}}}", "x".repeat(BODY)).into_bytes();
    let (task, grew) = measure(long, get);
    report.push(format!("one long string: {grew} MiB"));
    assert!(task.is_ok(), "{:?}", task.err());
    assert!(grew <= long_string_mib, "a long string peaked {grew} MiB");

    let (tasks, grew) = measure(big_listing(), |response| {
        ListTasks::new(TaskFilters::new()).parse_response(&config, response)
    });
    report.push(format!(
        "a listing of {} tasks: {grew} MiB",
        tasks.as_ref().map_or(0, Vec::len)
    ));
    // Not refused: its size is the model's (about six times the JSON of
    // small tasks), not an amplification a server can choose.
    assert!(tasks.is_ok(), "{:?}", tasks.err().map(|e| e.to_string()));
    eprintln!(
        "peak heap reading 30 MiB bodies (the body included): {}",
        report.join("; ")
    );
}
