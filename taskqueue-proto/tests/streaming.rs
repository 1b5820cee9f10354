//! Listings read while they arrive, through the listing machine and a
//! transport that hands the body over in chunks: any chunking gives the same
//! tasks, gzip included; memory follows the largest task, not the body (a
//! 100 000-task body generated on the fly, never held); the body limit
//! applies per task; a body that breaks or lies ends the walk with a typed
//! error after the tasks already read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should be loud

use std::cell::{Cell, RefCell};
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::{Request, Response};
use peak_alloc::PeakAlloc;
use taskqueue_proto::driver::{BlockingBody, BlockingItems, BlockingTransport, IntoMachine, Outcome, TransportError};
use taskqueue_proto::ops::ListAllTasks;
use taskqueue_proto::{CallOptions, Config, Dialect, Error, Task, TaskFilters, TaskId, TaskStatus};
use uuid::Uuid;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// One task's JSON, about 450 bytes.
fn task_json(i: u64) -> String {
    let id = Uuid::from_u128(u128::from(i) + 1);
    let status = if i % 3 == 0 { "Completed" } else { "Pending" };
    format!(
        r#"{{"id":"{id}","name":"task-{i:06}","command":"make target-{i} --jobs 4","description":"builds target {i} of the nightly run, \"quoted\", with a ] and a , inside","status":"{status}","priority":"Medium","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","metadata":{{"tags":["a","b"],"nested":[[1,2],{{"k":"v"}}]}}}}"#
    )
}

/// A body of `count` tasks, generated as it is read: never held whole.
struct Generated {
    next: u64,
    count: u64,
    pending: Vec<u8>,
    read: usize,
    closed: bool,
}

impl Generated {
    fn new(count: u64) -> Self {
        Generated {
            next: 0,
            count,
            pending: b"[".to_vec(),
            read: 0,
            closed: false,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read == self.pending.len() {
            self.pending.clear();
            self.read = 0;
            if self.next < self.count {
                if self.next > 0 {
                    self.pending.push(b',');
                }
                self.pending.extend_from_slice(task_json(self.next).as_bytes());
                self.next += 1;
            } else if !self.closed {
                self.pending.push(b']');
                self.closed = true;
            } else {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.pending.len() - self.read);
        buf[..n].copy_from_slice(&self.pending[self.read..self.read + n]);
        self.read += n;
        Ok(n)
    }
}

/// Hands out a fixed body in chunks of `size` bytes, then fails if asked.
struct Chunked {
    body: Vec<u8>,
    at: usize,
    size: usize,
    fail_at: Option<usize>,
}

impl Read for Chunked {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.fail_at.is_some_and(|at| self.at >= at) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "reset by peer",
            ));
        }
        let end = self.body.len().min(self.at + self.size).min(self.at + buf.len());
        let end = self.fail_at.map_or(end, |at| end.min(at));
        let n = end - self.at;
        buf[..n].copy_from_slice(&self.body[self.at..end]);
        self.at = end;
        Ok(n)
    }
}

/// A transport that answers every request with a body from `make`, on a clock that sleeping moves.
struct Streaming<F> {
    make: RefCell<F>,
    headers: Vec<(&'static str, &'static str)>,
    now: Cell<Instant>,
    opened: Cell<u32>,
}

impl<F: FnMut() -> BlockingBody> Streaming<F> {
    fn new(make: F) -> Self {
        Streaming {
            make: RefCell::new(make),
            headers: Vec::new(),
            now: Cell::new(Instant::now()),
            opened: Cell::new(0),
        }
    }
}

impl<F: FnMut() -> BlockingBody> BlockingTransport for Streaming<F> {
    fn send(&self, _: Request<Vec<u8>>, _: Duration) -> Outcome {
        panic!("a listing is opened, not sent");
    }

    fn open(&self, _: Request<Vec<u8>>, _: Duration) -> Result<Response<BlockingBody>, TransportError> {
        self.opened.set(self.opened.get() + 1);
        let mut response = Response::builder().status(200);
        for (name, value) in &self.headers {
            response = response.header(*name, *value);
        }
        Ok(response.body((self.make.borrow_mut())()).unwrap())
    }

    fn sleep(&self, pause: Duration) {
        self.now.set(self.now.get() + pause);
    }

    fn now(&self) -> Instant {
        self.now.get()
    }

    fn random_u64(&self) -> u64 {
        7
    }
}

fn upstream() -> Config {
    Config::builder().dialect(Dialect::Upstream).build().unwrap()
}

fn walk<T: BlockingTransport>(transport: &T, config: &Config, filters: TaskFilters) -> Vec<Result<Task, Error>> {
    let machine = ListAllTasks::new(filters).into_machine(config, &CallOptions::new(), 3);
    BlockingItems::new(transport, machine).collect()
}

fn body_of(count: u64) -> Vec<u8> {
    let mut body = Vec::new();
    Generated::new(count).read_to_end(&mut body).unwrap();
    body
}

#[cfg(feature = "gzip")]
fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn every_chunking_of_the_body_gives_the_same_tasks() {
    let _lock = one_at_a_time();
    let body = body_of(5);
    let whole: Vec<TaskId> = walk(
        &Streaming::new(|| Box::new(std::io::Cursor::new(body_of(5))) as BlockingBody),
        &upstream(),
        TaskFilters::new(),
    )
    .into_iter()
    .map(|t| t.unwrap().id)
    .collect();
    assert_eq!(whole.len(), 5);
    for size in 1..=body.len() / 2 {
        let body = body.clone();
        let transport = Streaming::new(move || {
            Box::new(Chunked {
                body: body.clone(),
                at: 0,
                size,
                fail_at: None,
            }) as BlockingBody
        });
        let ids: Vec<TaskId> = walk(&transport, &upstream(), TaskFilters::new())
            .into_iter()
            .map(|t| t.unwrap().id)
            .collect();
        assert_eq!(ids, whole, "chunks of {size}");
    }
}

#[cfg(feature = "gzip")]
#[test]
fn a_gzip_body_inflates_as_it_arrives_in_any_chunking() {
    let _lock = one_at_a_time();
    let plain = body_of(40);
    let zipped = gzip(&plain);
    for size in [1, 2, 3, 7, 64, 511, 512, 513, 4096, zipped.len()] {
        let zipped = zipped.clone();
        let mut transport = Streaming::new(move || {
            Box::new(Chunked {
                body: zipped.clone(),
                at: 0,
                size,
                fail_at: None,
            }) as BlockingBody
        });
        transport.headers.push(("content-encoding", "gzip"));
        let items = walk(&transport, &upstream(), TaskFilters::new());
        assert_eq!(items.len(), 40, "chunks of {size}");
        assert!(items.iter().all(Result::is_ok), "chunks of {size}");
    }
    // Broken gzip is a typed error, after what did inflate.
    let mut broken = zipped.clone();
    let last = broken.len() - 12;
    broken.truncate(last);
    let mut transport = Streaming::new(move || Box::new(std::io::Cursor::new(broken.clone())) as BlockingBody);
    transport.headers.push(("content-encoding", "gzip"));
    let items = walk(&transport, &upstream(), TaskFilters::new());
    assert!(
        matches!(items.last(), Some(Err(Error::Connection { .. }))),
        "{:?}",
        items.last()
    );
}

#[test]
fn a_listing_of_100_000_tasks_is_read_in_the_memory_of_one() {
    let _lock = one_at_a_time();
    // Well past the body limit: it applies to each task, not the body.
    let config = Config::builder()
        .dialect(Dialect::Upstream)
        .body_limit(64 * 1024)
        .build()
        .unwrap();
    let transport = Streaming::new(|| Box::new(Generated::new(100_000)) as BlockingBody);
    let machine = ListAllTasks::new(TaskFilters::new()).into_machine(&config, &CallOptions::new(), 3);
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let mut count = 0u64;
    let mut completed = 0u64;
    for task in BlockingItems::new(&transport, machine) {
        let task = task.unwrap();
        count += 1;
        completed += u64::from(task.status == TaskStatus::Completed);
    }
    let peak = HEAP.peak_usage().saturating_sub(before);
    println!("peak heap over a 100 000-task listing (~50 MB of JSON): {peak} bytes");
    assert_eq!(count, 100_000);
    assert_eq!(completed, 33_334);
    assert_eq!(transport.opened.get(), 1, "one download");
    assert!(peak < 1024 * 1024, "peak heap {peak} bytes: memory follows the body");
}

#[test]
fn filters_and_the_offset_apply_as_the_tasks_arrive_upstream() {
    let _lock = one_at_a_time();
    let transport = Streaming::new(|| Box::new(Generated::new(300)) as BlockingBody);
    let filters = TaskFilters::new().status(TaskStatus::Completed).offset(90).limit(7);
    let items: Vec<Task> = walk(&transport, &upstream(), filters)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    // 100 completed tasks (every third), from the 91st on, in the server's order.
    assert_eq!(items.len(), 10);
    assert_eq!(items[0].name, "task-000270");
    assert!(items.iter().all(|t| t.status == TaskStatus::Completed));
}

#[test]
fn one_task_past_the_limit_is_response_too_large_after_the_ones_before() {
    let _lock = one_at_a_time();
    let mut body = body_of(3);
    // A valid task, longer than the limit.
    let big = format!(",{}]", task_json(3).replace("task-000003", &"x".repeat(10_000)));
    body.pop();
    body.extend_from_slice(big.as_bytes());
    let config = Config::builder()
        .dialect(Dialect::Upstream)
        .body_limit(4096)
        .build()
        .unwrap();
    let transport = Streaming::new(move || Box::new(std::io::Cursor::new(body.clone())) as BlockingBody);
    let items = walk(&transport, &config, TaskFilters::new());
    assert_eq!(items.len(), 4);
    assert!(items[..3].iter().all(Result::is_ok));
    assert!(
        matches!(items[3], Err(Error::ResponseTooLarge { limit: 4096, .. })),
        "{:?}",
        items[3]
    );
}

#[test]
fn a_body_that_breaks_or_lies_ends_the_walk_with_a_typed_error() {
    let _lock = one_at_a_time();
    let body = body_of(10);
    let half = body.len() / 2;
    let reset = {
        let body = body.clone();
        Streaming::new(move || {
            Box::new(Chunked {
                body: body.clone(),
                at: 0,
                size: 100,
                fail_at: Some(half),
            }) as BlockingBody
        })
    };
    let items = walk(&reset, &upstream(), TaskFilters::new());
    let (read, last) = items.split_at(items.len() - 1);
    assert!(
        !read.is_empty() && read.iter().all(Result::is_ok),
        "the tasks before the break"
    );
    assert!(
        matches!(&last[0], Err(Error::Connection { sent: true, message, .. }) if message.contains("reset")),
        "{:?}",
        last[0]
    );
    assert_eq!(reset.opened.get(), 1, "not fetched again");
    let call = last[0].as_ref().err().and_then(Error::call);
    assert_eq!(
        call.map(|c| (c.operation(), c.attempts(), c.request_id().len())),
        Some(("list_tasks", 1, 36)),
        "the page's call, with the request id it sent"
    );

    let unfinished = format!("[{},", task_json(0)).into_bytes();
    let cases: [(Vec<u8>, &str, &str); 4] = [
        (br#"{"tasks":[]}"#.to_vec(), "[0]", "expected a JSON array"),
        (br#"[{"id":"nope"}]"#.to_vec(), "[0].id", "UUID"),
        (unfinished, "[1]", "ended inside the array"),
        (b"[] []".to_vec(), "[0]", "after the end"),
    ];
    for (body, path, says) in cases {
        let served = body.clone();
        let transport = Streaming::new(move || Box::new(std::io::Cursor::new(served.clone())) as BlockingBody);
        let items = walk(&transport, &upstream(), TaskFilters::new());
        match items.last() {
            Some(Err(Error::Decode { path: at, message, .. })) => {
                assert_eq!(at, path, "{}", String::from_utf8_lossy(&body));
                assert!(message.contains(says), "{message}");
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(&body)),
        }
    }
}

/// Hostile JSON inside a streamed task is what it is in a whole body: deep
/// nesting a `Decode` error (no stack overflow), a huge free-form value held
/// as text, the walk ending there after the tasks before it.
#[test]
fn hostile_json_in_a_streamed_task_is_a_typed_error_with_bounded_memory() {
    let _lock = one_at_a_time();
    let deep = format!(
        r#",{{"id":"{}","name":"n","command":"c","metadata":{}{}}}]"#,
        Uuid::nil(),
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let mut body = body_of(2);
    body.pop();
    body.extend_from_slice(deep.as_bytes());
    let transport = Streaming::new(move || {
        Box::new(Chunked {
            body: body.clone(),
            at: 0,
            size: 4096,
            fail_at: None,
        }) as BlockingBody
    });
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let items = walk(&transport, &upstream(), TaskFilters::new());
    let peak = HEAP.peak_usage().saturating_sub(before);
    assert_eq!(items.len(), 3);
    assert!(items[..2].iter().all(Result::is_ok));
    match &items[2] {
        Err(Error::Decode { path, .. }) => assert!(path.starts_with("[2]"), "{path}"),
        other => panic!("{other:?}"),
    }
    assert!(peak < 4 * 1024 * 1024, "peak heap {peak}");
}
