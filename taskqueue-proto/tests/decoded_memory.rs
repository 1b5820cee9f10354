//! Decoded memory is bounded by the body, not only the body by its limit:
//! a 30 MiB answer, whatever its shape — hostile free-form fields (`[0,0,…]`
//! as a task's dependencies, a map of a million keys as its metadata), or
//! ordinary tasks by the ten thousand — peaks within 3× its size (plus a
//! constant), the body included. Free-form fields are kept as the text the
//! server sent (`Json`): `[0,0,…]` as dependencies took 26× (798 MiB) when it
//! was decoded into `serde_json::Value`s.
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
fn a_30_mib_body_peaks_within_three_times_its_size_whatever_its_shape() {
    let config = Config::default();
    let get = |response| GetTask::new(uuid::Uuid::nil()).parse_response(&config, response);
    // The body's own bytes count: it is held while it is read.
    let within = |len: usize| 3 * len as u64 / MIB + 16;
    let mut report = Vec::new();

    let tasks = [
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
        (
            "one long string",
            format!("{TASK_HEAD},\"metadata\":{{\"notes\":\"{}\"}}}}", "x".repeat(BODY)).into_bytes(),
        ),
    ];
    for (field, body) in tasks {
        let len = body.len();
        let (result, peak) = measure(body, get);
        eprintln!("{field}: peak heap {peak} MiB for a {} MiB body", len as u64 / MIB);
        report.push(format!("{field}: {peak} MiB"));
        assert!(result.is_ok(), "{field}: {:?}", result.err().map(|e| e.to_string()));
        assert!(
            peak <= within(len),
            "{field}: peaked {peak} MiB for a {} MiB body",
            len as u64 / MIB
        );
    }

    let listing = big_listing();
    let len = listing.len();
    let (tasks, peak) = measure(listing, |response| {
        ListTasks::new(TaskFilters::new()).parse_response(&config, response)
    });
    let count = tasks.as_ref().map_or(0, Vec::len);
    report.push(format!("a listing of {count} tasks: {peak} MiB"));
    assert!(tasks.is_ok(), "{:?}", tasks.err().map(|e| e.to_string()));
    assert!(peak <= within(len), "the listing peaked {peak} MiB");

    // What the SDK still decodes untyped (an error's details) has a budget.
    let mut hostile_error = br#"{"error":"bad","message":"m","details":["#.to_vec();
    while hostile_error.len() < BODY {
        hostile_error.extend_from_slice(b"0,");
    }
    hostile_error.extend_from_slice(b"0]}");
    let len = hostile_error.len();
    let (error, peak) = measure(hostile_error, |mut response| {
        *response.status_mut() = http::StatusCode::BAD_REQUEST;
        GetTask::new(uuid::Uuid::nil()).parse_response(&config, response)
    });
    report.push(format!("an error with 30 MiB of details: {peak} MiB"));
    assert!(matches!(error, Err(Error::Validation(_))), "{error:?}");
    assert!(peak <= within(len), "the error's details peaked {peak} MiB");
    eprintln!(
        "peak heap reading 30 MiB bodies (the body included): {}",
        report.join("; ")
    );
}
