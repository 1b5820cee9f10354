//! Protocol benchmarks: building requests and parsing responses, with no
//! network. The 1000-task list parse runs beside a naive
//! `serde_json::from_slice::<Vec<NaiveTask>>` of a plain derived struct, in
//! the same run, so the two can be compared on a noisy machine.
//!
//! Run: `cargo bench --bench proto`. Figures: docs/PERFORMANCE.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should be loud

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use divan::{Bencher, black_box};
use serde::Deserialize;
use taskqueue::ops::{CreateTask, GetTask, ListTasks, Operation};
use taskqueue::{Config, TaskCreateRequest, TaskPriority};
use uuid::Uuid;

fn main() {
    divan::main();
}

fn task_json(i: u128) -> String {
    let id = Uuid::from_u128(0x6f1c2b9e_8a4d_4c1e_9f3a_000000000000 + i);
    format!(
        r#"{{"id":"{id}","name":"task {i}","command":"cargo test --workspace","description":"Run the suite for change {i}",
"technical_specs":null,"acceptance_criteria":["passes","no warnings"],"project":null,"task_type":"Simple",
"priority":"High","project_id":"90f92073-d0a3-4d9f-b713-4c06876dde15","dependencies":[],"timeout":600,
"retry_attempts":3,"retry_delay":30,"environment":{{"RUST_LOG":"info"}},"working_directory":"/src",
"created_at":"2026-11-26T05:06:00.560942500Z","updated_at":"2026-11-26T05:06:01.000000000Z","status":"Running",
"result":null,"phases":[],"current_phase":"Planning","ai_reviews_required":3,"ai_reviews_completed":0,
"development_workflow":null,"metadata":{{}}}}"#
    )
}

fn list_json(n: u128) -> Vec<u8> {
    let items: Vec<String> = (0..n).map(task_json).collect();
    format!("[{}]", items.join(",")).into_bytes()
}

#[divan::bench]
fn build_get_task(bencher: Bencher) {
    let config = Config::default();
    let op = GetTask::new(Uuid::from_u128(7));
    bencher.bench_local(|| black_box(&op).build_request(black_box(&config)));
}

#[divan::bench]
fn build_create_task(bencher: Bencher) {
    let config = Config::builder().token("secret-token").build().unwrap_or_default();
    let op = CreateTask::new(
        TaskCreateRequest::new("build", "cargo build --release", Uuid::from_u128(9))
            .description("Build the release binaries")
            .priority(TaskPriority::High)
            .execution_timeout(std::time::Duration::from_secs(600))
            .env("RUST_LOG", "info"),
    );
    bencher.bench_local(|| black_box(&op).build_request(black_box(&config)));
}

#[divan::bench]
fn parse_one_task(bencher: Bencher) {
    let body = task_json(1).into_bytes();
    let op = GetTask::new(Uuid::from_u128(1));
    let config = Config::default();
    bencher.bench_local(|| {
        let response = http::Response::new(black_box(body.as_slice()));
        op.parse_response(&config, response)
    });
}

#[divan::bench_group]
mod list_1000 {
    use super::*;

    /// `ListTasks` reading `body`, counted in bytes.
    fn parse_list(bencher: Bencher, body: Vec<u8>) {
        let config = Config::default();
        bencher
            .counter(divan::counter::BytesCount::new(body.len()))
            .bench_local(|| {
                let response = http::Response::new(black_box(body.as_slice()));
                ListTasks::default().parse_response(&config, response)
            });
    }

    #[divan::bench]
    fn sdk_list_tasks(bencher: Bencher) {
        parse_list(bencher, list_json(1000));
    }

    /// The same list with its last task broken: the error path, which names
    /// the failing field by decoding once more.
    #[divan::bench]
    fn sdk_list_tasks_broken(bencher: Bencher) {
        let mut body = list_json(1000);
        let at = body.len() - 3;
        body.splice(at..at, *b",{\"id\":5}");
        parse_list(bencher, body);
    }

    /// Every task of `body` through a `ListingDecoder`, fed 64 KiB at a time.
    fn decode_streamed(head: &http::response::Parts, body: &[u8]) -> usize {
        let mut decoder = taskqueue_proto::streaming::ListingDecoder::new(head, 1 << 20).unwrap();
        let mut count = 0;
        let mut drain = |decoder: &mut taskqueue_proto::streaming::ListingDecoder| {
            while let Some(task) = decoder.next_item::<taskqueue::Task>().unwrap() {
                black_box(task);
                count += 1;
            }
        };
        for chunk in body.chunks(64 * 1024) {
            decoder.push(chunk).unwrap();
            drain(&mut decoder);
        }
        decoder.end();
        drain(&mut decoder);
        decoder.finish().unwrap();
        count
    }

    /// The same list read as it would arrive: `ListingDecoder` over 64 KiB
    /// chunks, each task decoded as soon as its bytes are in.
    #[divan::bench]
    fn sdk_streamed(bencher: Bencher) {
        let body = list_json(1000);
        let head = http::Response::new(()).into_parts().0;
        bencher
            .counter(divan::counter::BytesCount::new(body.len()))
            .bench_local(|| decode_streamed(&head, black_box(&body)));
    }

    /// `sdk_streamed` over the gzip of the list (as the server sends it to the SDK).
    #[divan::bench]
    fn sdk_streamed_gzip(bencher: Bencher) {
        use std::io::Write;
        let plain = list_json(1000);
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&plain).unwrap();
        let body = e.finish().unwrap();
        let mut head = http::Response::new(()).into_parts().0;
        head.headers
            .insert("content-encoding", http::HeaderValue::from_static("gzip"));
        bencher
            .counter(divan::counter::BytesCount::new(plain.len()))
            .bench_local(|| decode_streamed(&head, black_box(&body)));
    }

    #[divan::bench]
    fn split_only(bencher: Bencher) {
        let body = list_json(1000);
        bencher.bench_local(|| {
            let mut s = taskqueue_proto::streaming::ArraySplitter::new(1 << 20);
            let mut n = 0;
            for chunk in black_box(&body).chunks(64 * 1024) {
                s.push(chunk).unwrap();
                while let Some(item) = s.next_item().unwrap() {
                    n += item.len();
                }
            }
            n
        });
    }

    #[divan::bench]
    fn naive_serde_vec(bencher: Bencher) {
        let body = list_json(1000);
        bencher
            .counter(divan::counter::BytesCount::new(body.len()))
            .bench_local(|| serde_json::from_slice::<Vec<NaiveTask>>(black_box(&body)));
    }
}

/// The baseline: the same shape as `Task`, derived without any of the SDK's care
/// (closed enums, no defaults, no forward compatibility).
#[allow(dead_code)]
#[derive(Deserialize)]
struct NaiveTask {
    id: Uuid,
    name: String,
    command: String,
    description: String,
    technical_specs: Option<String>,
    acceptance_criteria: Vec<String>,
    project: Option<String>,
    task_type: NaiveType,
    priority: NaivePriority,
    project_id: Option<Uuid>,
    dependencies: Vec<serde_json::Value>,
    timeout: Option<u64>,
    retry_attempts: u32,
    retry_delay: u64,
    environment: BTreeMap<String, String>,
    working_directory: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    status: NaiveStatus,
    result: Option<serde_json::Value>,
    phases: Vec<serde_json::Value>,
    current_phase: NaiveStatus,
    ai_reviews_required: u32,
    ai_reviews_completed: u32,
    development_workflow: Option<serde_json::Value>,
    metadata: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
enum NaiveType {
    Simple,
    Workflow,
    Scheduled,
}

#[derive(Deserialize)]
enum NaivePriority {
    Low,
    Normal,
    High,
    Critical,
}

#[derive(Deserialize)]
enum NaiveStatus {
    Planning,
    Implementation,
    TestCreation,
    Testing,
    AIReview,
    Finalized,
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}
