//! Deep and hostile JSON from a server: every case is a typed error or a
//! value, with no stack overflow and with memory bounded by the body.
//!
//! A counting allocator (peak_alloc) measures the peak heap used while a response is
//! read; the cases run one at a time (a lock), so the peak is theirs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should be loud

#[path = "support/hostile.rs"]
mod hostile;

use std::sync::Mutex;

use http::Response;
use peak_alloc::PeakAlloc;
use taskqueue_proto::ops::{GetProject, GetTask, ListProjects, ListTasks, Operation};
use taskqueue_proto::{BODY_SNIPPET_LIMIT, Config, Error};
use uuid::Uuid;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `read` and returns what it gave and the most heap it used beyond
/// what was live before (a reallocation counts old and new blocks).
fn measured<T>(read: impl FnOnce() -> T) -> (T, usize) {
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let value = read();
    let peak = HEAP.peak_usage().saturating_sub(before);
    println!("peak heap while reading: {peak} bytes");
    (value, peak)
}

/// Holds the lock that keeps the cases' heap measurements apart.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// `open`, `len` bytes of `fill`, `close`: a huge string or a list of nothing.
fn enclosed(open: u8, fill: u8, len: usize, close: u8) -> Vec<u8> {
    let mut bytes = vec![open];
    bytes.resize(len + 1, fill);
    bytes.push(close);
    bytes
}

fn json(status: u16, body: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body)
        .unwrap()
}

const ID: &str = "6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90";

/// A task whose `name` is the raw bytes given (already quoted or not).
fn task_with_name(name: &[u8]) -> Vec<u8> {
    hostile::task_json_named(ID, name)
}

fn get_task(body: Vec<u8>) -> Result<taskqueue_proto::Task, Error> {
    GetTask::new(Uuid::nil()).parse_response(&Config::default(), json(200, body))
}

fn assert_decode(result: Result<impl std::fmt::Debug, Error>, says: &str) -> Error {
    let error = result.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert!(error.to_string().contains(says), "{error}");
    assert!(error.response_body().unwrap().len() <= BODY_SNIPPET_LIMIT);
    error
}

#[test]
fn nesting_100_000_deep_is_a_decode_error_without_a_stack_overflow() {
    let _one = one_at_a_time();
    let arrays = [vec![b'['; 100_000], vec![b']'; 100_000]].concat();
    let objects = [r#"{"a":"#.repeat(100_000).into_bytes(), vec![b'}'; 100_000]].concat();
    for body in [arrays, objects] {
        let response = json(200, body.clone());
        let (result, peak) = measured(|| ListTasks::default().parse_response(&Config::default(), response));
        assert_decode(result, "could not decode");
        assert!(peak < 1024 * 1024, "{peak} bytes");
        // The same depth in a task's free-form field, and in an error body.
        let mut nested = task_with_name(br#""deep","result":"#);
        nested.pop();
        nested.extend_from_slice(&body);
        nested.push(b'}');
        let response = json(200, nested.clone());
        let (result, peak) = measured(|| GetTask::new(Uuid::nil()).parse_response(&Config::default(), response));
        // Kept as text, a free-form field is read to its end first: the
        // deep list is refused by the depth check, the deep object (whose
        // innermost value is missing) by the parser.
        let error = assert_decode(result, "could not decode");
        let message = error.to_string();
        assert!(
            message.contains("recursion limit") || message.contains("expected value"),
            "{message}"
        );
        assert!(peak < 1024 * 1024, "{peak} bytes");
        let error = GetTask::new(Uuid::nil())
            .parse_response(&Config::default(), json(400, nested))
            .unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(400), "{error:?}");
        assert!(error.to_string().len() < 2 * BODY_SNIPPET_LIMIT, "{error}");
    }
}

#[test]
fn a_50_mb_string_in_a_task_field_is_read_once() {
    let _one = one_at_a_time();
    let name = enclosed(b'"', b'n', 50_000_000, b'"');
    let response = json(200, task_with_name(&name));
    drop(name);
    let (task, peak) = measured(|| GetTask::new(Uuid::nil()).parse_response(&Config::default(), response));
    let task = task.unwrap();
    assert_eq!(task.name.len(), 50_000_000);
    // The name itself and little else: never a second copy of the body.
    assert!(peak < 51_000_000, "{peak} bytes");
}

#[test]
fn ten_million_empty_objects_fail_at_the_first_with_its_path() {
    let _one = one_at_a_time();
    let mut body = Vec::with_capacity(30_000_001);
    body.push(b'[');
    for i in 0..10_000_000 {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(b"{}");
    }
    body.push(b']');
    let response = json(200, body.clone());
    let (result, peak) = measured(|| ListTasks::default().parse_response(&Config::default(), response));
    let error = assert_decode(result, "missing field");
    assert!(
        matches!(&error, Error::Decode { path, .. } if path == "[0]"),
        "{error:?}"
    );
    // Not ten million of anything: the reservation is capped.
    assert!(peak < 2 * 1024 * 1024, "{peak} bytes");
    assert_decode(
        ListProjects.parse_response(&Config::default(), json(200, body)),
        "missing field",
    );
}

#[test]
fn a_list_of_whitespace_reserves_nothing_for_items_that_are_not_there() {
    let _one = one_at_a_time();
    let body = enclosed(b'[', b' ', 50_000_000, b']');
    let response = json(200, body);
    let (tasks, peak) = measured(|| ListTasks::default().parse_response(&Config::default(), response));
    assert!(tasks.unwrap().is_empty());
    // Room for at most 1 024 tasks, not the 70 000 the length suggests.
    assert!(peak < 2 * 1024 * 1024, "{peak} bytes");
}

#[test]
fn duplicate_keys_are_an_error_in_a_model_and_the_last_value_in_a_map() {
    let _one = one_at_a_time();
    let twice = format!(r#"{{"id":"{ID}","name":"a","name":"b","command":"true"}}"#);
    assert_decode(get_task(twice.into_bytes()), "duplicate field `name`");
    let project = br#"{"id":"90f92073-d0a3-4d9f-b713-4c06876dde15","name":"p","status":"Active",
        "created_at":"2026-11-26T05:06:00Z","updated_at":"2026-11-26T05:06:00Z",
        "metadata":{"team":"a","team":"b"}}"#;
    let project = GetProject::new(Uuid::nil())
        .parse_response(&Config::default(), json(200, project.to_vec()))
        .unwrap();
    assert_eq!(project.metadata.get("team").unwrap(), "b");
    assert_eq!(project.metadata.len(), 1);
}

#[test]
fn invalid_utf8_and_lone_surrogates_are_decode_errors() {
    let _one = one_at_a_time();
    assert_decode(get_task(task_with_name(b"\"bad \xff\xfe byte\"")), "invalid unicode");
    assert_decode(get_task(task_with_name(br#""\ud800""#)), "escape");
    assert_decode(get_task(task_with_name(br#""\ud800\u0041""#)), "surrogate");
    assert_decode(get_task(task_with_name(br#""\udc00 alone""#)), "surrogate");
    // A valid pair is a value.
    let pair = get_task(task_with_name(br#""\ud83d\ude80""#)).unwrap();
    assert_eq!(pair.name, "\u{1f680}");
}

#[test]
fn hostile_error_bodies_are_api_errors_with_a_readable_message() {
    let _one = one_at_a_time();
    let bodies: [&[u8]; 4] = [
        b"{\"message\":\"bad \xff byte\"}",
        br#"{"message":"\ud800"}"#,
        br#"{"message":"a","message":"b"}"#,
        b"\xff\xfe\x00garbage",
    ];
    for body in bodies {
        let error = GetTask::new(Uuid::nil())
            .parse_response(&Config::default(), json(422, body.to_vec()))
            .unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(422), "{error:?}");
        assert!(!error.to_string().is_empty());
        assert!(error.response_body().is_some_and(|b| b.len() <= BODY_SNIPPET_LIMIT));
    }
}
