//! `taskqueue::testing` on both clients: the mock (the issue's snippet),
//! virtual time, record and replay, and every recorded fixture replayed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use taskqueue::driver::TransportErrorKind;
use taskqueue::ops::Raw;
use taskqueue::testing::{MockTransport, Recorder, Replay};
use taskqueue::{CallOptions, Config, Dialect, Error, RetryPolicy, TaskCreateRequest};
use uuid::Uuid;

const ID: Uuid = Uuid::from_u128(0x6f1c2b9e_8a4d_4c1e_9f3a_2b7d5e8c1a90);

fn task_json() -> Value {
    json!({"id": ID, "name": "build", "command": "make", "status": "Running",
           "created_at": "2026-11-26T05:06:00Z", "updated_at": "2026-11-26T05:06:00Z"})
}

fn config() -> Config {
    Config::new("http://tq.test").unwrap()
}

/// The issue's snippet, as written, on the blocking client and then the
/// async one over the same mock (on `futures_executor`: no tokio timer).
#[test]
fn the_snippet_passes_on_both_clients() -> Result<(), Error> {
    let mock = MockTransport::new();
    mock.expect("GET", "/api/tasks/*")
        .respond_json(503, json!({"error": "unavailable", "message": "busy"}))
        .respond_json(200, task_json())
        .times(2);
    mock.expect("POST", "/api/tasks")
        .respond_error(TransportErrorKind::Connect);

    let client = taskqueue::blocking::Client::with_transport(Config::new("http://tq.test")?, mock.clone());
    let task = client.get_task(ID)?;
    assert_eq!(task.id, ID);
    assert!(mock.elapsed() > Duration::ZERO);
    let sent: Vec<http::Request<Vec<u8>>> = mock.requests();
    assert_eq!(sent.len(), 2, "the 503 and its retry");
    assert!(sent.iter().all(|r| r.headers().contains_key("x-request-id")));
    assert_eq!(sent[0].headers()["x-request-id"], sent[1].headers()["x-request-id"]);

    let create = client.create_task(TaskCreateRequest::new("a", "make", ID));
    assert!(
        matches!(create, Err(Error::Connection { sent: false, .. })),
        "{create:?}"
    );
    mock.verify();

    let async_client = taskqueue::Client::with_transport(Config::new("http://tq.test")?, mock.clone());
    let task = futures_executor::block_on(async_client.get_task(ID))?;
    assert_eq!(task.id, ID);
    assert_eq!(mock.problems(), ["GET /api/tasks/*: expected 2 call(s), got 3"]);
    Ok(())
}

#[test]
fn retries_with_a_30s_backoff_take_virtual_time_not_real_time() {
    let mock = MockTransport::new();
    mock.expect("GET", "/api/health")
        .respond_json(503, json!({"error": "unavailable", "message": "busy"}))
        .respond_json(503, json!({"error": "unavailable", "message": "busy"}))
        .respond_json(200, json!({"status": "healthy"}));
    let slow = RetryPolicy::default()
        .with_initial_backoff(Duration::from_secs(30))
        .with_max_backoff(Duration::from_secs(60));
    let config = Config::builder()
        .base_url("http://tq.test")
        .retry_policy(slow)
        .build()
        .unwrap();
    let client = taskqueue::blocking::Client::with_transport(config, mock.clone());
    let started = Instant::now();
    assert!(client.health().unwrap().is_healthy());
    let real = started.elapsed();
    assert_eq!(mock.requests().len(), 3, "retried twice");
    assert!(real < Duration::from_millis(100), "took {real:?} of real time");
    assert!(
        mock.elapsed() > Duration::ZERO,
        "virtual time passed: {:?}",
        mock.elapsed()
    );
    mock.verify();
}

#[test]
fn an_unexpected_request_names_itself_and_verify_reports_it() {
    let mock = MockTransport::new();
    let client = taskqueue::blocking::Client::with_transport(config(), mock.clone());
    let err = client.get_project(ID).unwrap_err();
    assert!(err.to_string().contains(&format!("GET /api/projects/{ID}")), "{err}");
    assert_eq!(mock.requests().len(), 1, "not retried");
    assert_eq!(mock.problems(), [format!("unexpected request: GET /api/projects/{ID}")]);
    let verified = std::panic::catch_unwind(|| mock.verify());
    assert!(verified.is_err());
}

#[test]
fn a_slow_reply_times_the_attempt_out_on_virtual_time() {
    let mock = MockTransport::new();
    mock.expect("GET", "/api/projects")
        .respond_after(Duration::from_secs(60), 200, json!([]))
        .times(3);
    let config = Config::builder()
        .base_url("http://tq.test")
        .attempt_timeout(Duration::from_secs(5))
        .retry_policy(RetryPolicy::default().with_initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap();
    let err = taskqueue::blocking::Client::with_transport(config, mock.clone())
        .list_projects()
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { kind: taskqueue::TimeoutKind::Attempt, after, .. } if after == Duration::from_secs(5)),
        "{err:?}"
    );
    assert!(
        mock.elapsed() >= Duration::from_secs(15),
        "three attempts of 5 s: {:?}",
        mock.elapsed()
    );
    mock.verify();
}

#[test]
fn body_matchers_pick_the_expectation() {
    let mock = MockTransport::new();
    mock.expect("POST", "/api/projects")
        .with_json_body(json!({"name": "a"}))
        .respond_json(201, project("a"));
    mock.expect("POST", "/api/projects")
        .with_body(|body| body.windows(3).any(|w| w == b"\"b\""))
        .respond_json(201, project("b"));
    let client = taskqueue::blocking::Client::with_transport(config(), mock.clone());
    assert_eq!(
        client
            .create_project(taskqueue::ProjectCreateRequest::new("b"))
            .unwrap()
            .name,
        "b"
    );
    assert_eq!(
        client
            .create_project(taskqueue::ProjectCreateRequest::new("a"))
            .unwrap()
            .name,
        "a"
    );
    mock.verify();
}

fn project(name: &str) -> Value {
    json!({"id": ID, "name": name, "created_at": "2026-11-26T05:06:00Z", "updated_at": "2026-11-26T05:06:00Z"})
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("taskqueue-testing-{}-{name}", std::process::id()))
}

#[test]
fn a_recording_replays_without_the_server_and_keeps_no_secrets() {
    let server = taskqueue_server::spawn(taskqueue_server::ServerConfig::ephemeral().token("s3cret")).unwrap();
    let config = Config::builder()
        .base_url(server.base_url())
        .token("s3cret")
        .build()
        .unwrap();
    let cassette = scratch("record.jsonl");
    let recorder = Recorder::new(taskqueue::driver::UreqTransport::new(&config).unwrap(), &cassette);
    let live = taskqueue::blocking::Client::with_transport(config.clone(), recorder);
    let p = live
        .create_project(taskqueue::ProjectCreateRequest::new("rec"))
        .unwrap();
    assert!(matches!(live.get_task(ID), Err(Error::TaskNotFound(_))));
    let listed = live.list_projects().unwrap();
    drop(server);

    let text = std::fs::read_to_string(&cassette).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(
        !text.contains("s3cret") && !text.to_ascii_lowercase().contains("authorization"),
        "{text}"
    );

    // Both clients answer the same from the cassette, with no server.
    let replay = Replay::from_file(&cassette).unwrap();
    let blocking = taskqueue::blocking::Client::with_transport(config.clone(), replay.clone());
    assert_eq!(
        blocking
            .create_project(taskqueue::ProjectCreateRequest::new("rec"))
            .unwrap(),
        p
    );
    assert!(matches!(blocking.get_task(ID), Err(Error::TaskNotFound(_))));
    assert_eq!(blocking.list_projects().unwrap(), listed);
    replay.verify();
    let replay = Replay::from_file(&cassette).unwrap();
    let client = taskqueue::Client::with_transport(config, replay.clone());
    futures_executor::block_on(async {
        assert_eq!(
            client
                .create_project(taskqueue::ProjectCreateRequest::new("rec"))
                .await
                .unwrap(),
            p
        );
        assert!(matches!(client.get_task(ID).await, Err(Error::TaskNotFound(_))));
        assert_eq!(client.list_projects().await.unwrap(), listed);
    });
    replay.verify();
    let _ = std::fs::remove_file(cassette);
}

#[test]
fn an_out_of_order_request_is_refused_by_name() {
    let replay = Replay::from_jsonl(
        r#"{"label":"first","request":{"method":"GET","path":"/api/projects"},"response":{"status":200,"body_json":[]}}"#,
    )
    .unwrap();
    let client = taskqueue::blocking::Client::with_transport(config(), replay.clone());
    let err = client.health().unwrap_err();
    assert!(
        err.to_string().contains("exchange 1 (first) is GET /api/projects"),
        "{err}"
    );
    assert!(std::panic::catch_unwind(|| replay.verify()).is_err());
}

#[test]
fn a_bad_cassette_is_an_error_naming_the_line() {
    let err = Replay::from_jsonl("\n{\"request\": 5}\n").unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "cassette line 2"),
        "{err:?}"
    );
    let missing = Replay::from_file("/nonexistent/cassette.jsonl").unwrap_err();
    assert!(missing.to_string().contains("/nonexistent/cassette.jsonl"), "{missing}");
}

/// Every exchange of a recorded fixture file, in order, through a client over
/// `Replay` (upstream dialect, no retries): the request the SDK sends is the
/// recorded one's method and path, and the answer is the recorded one.
fn replay_fixture(file: &str) {
    let path = format!(
        "{}/taskqueue-proto/tests/fixtures/upstream-{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let recorded: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let config = Config::builder()
        .base_url("http://localhost:16080")
        .dialect(Dialect::Upstream)
        .build()
        .unwrap();
    let once = CallOptions::new().retry(RetryPolicy::never());
    let run_all = |answer: &dyn Fn(Raw) -> Result<http::Response<Vec<u8>>, Error>| {
        for exchange in &recorded {
            let request = &exchange["request"];
            let method = http::Method::from_bytes(request["method"].as_str().unwrap().as_bytes()).unwrap();
            let mut op = Raw::new(method, request["path"].as_str().unwrap());
            if !request["body"].is_null() {
                op = op.json(request["body"].clone());
            }
            let status = exchange["response"]["status"].as_u64().unwrap() as u16;
            match answer(op) {
                Ok(response) => {
                    assert_eq!(response.status().as_u16(), status, "{}", exchange["label"]);
                    let body: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
                    assert_eq!(body, exchange["response"]["body_json"], "{}", exchange["label"]);
                }
                Err(e) => assert_eq!(
                    e.status().map(|s| s.as_u16()),
                    Some(status),
                    "{}: {e}",
                    exchange["label"]
                ),
            }
        }
    };
    let replay = Replay::from_file(&path).unwrap();
    let blocking =
        taskqueue::blocking::Client::with_transport(config.clone(), replay.clone()).with_options(once.clone());
    run_all(&|op| blocking.execute(op));
    replay.verify();
    let replay = Replay::from_file(&path).unwrap();
    let client = taskqueue::Client::with_transport(config, replay.clone()).with_options(once);
    run_all(&|op| futures_executor::block_on(client.execute(op)));
    replay.verify();
}

#[test]
fn the_recorded_documented_exchanges_replay() {
    replay_fixture("exchanges.jsonl");
}

#[test]
fn the_recorded_extra_exchanges_replay() {
    replay_fixture("extras.jsonl");
}

/// Cassettes are committed: no credential of any header name, no cookie, no
/// `environment` value; created owner-only, never through a link, never over
/// another file unless asked.
#[test]
fn a_cassette_keeps_no_secret_and_never_writes_through_a_link() {
    let server = taskqueue_server::spawn(taskqueue_server::ServerConfig::ephemeral()).unwrap();
    let config = Config::builder()
        .base_url(server.base_url())
        .header("x-access-proxy-secret", "pr0xy-s3cret")
        .header("cookie", "session=c00kie")
        .build()
        .unwrap();
    let dir = scratch("cassettes");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let record = |path: &std::path::Path, overwrite: bool| {
        let recorder =
            Recorder::new(taskqueue::driver::UreqTransport::new(&config).unwrap(), path).overwrite(overwrite);
        let client = taskqueue::blocking::Client::with_transport(config.clone(), recorder);
        let p = client.create_project(taskqueue::ProjectCreateRequest::new("c"))?;
        client.create_task(TaskCreateRequest::new("deploy", "make", p.id).env("DB_PASSWORD", "hunter2"))
    };

    let cassette = dir.join("secrets.jsonl");
    record(&cassette, false).unwrap();
    let text = std::fs::read_to_string(&cassette).unwrap();
    for secret in ["pr0xy-s3cret", "c00kie", "hunter2", "x-access-proxy-secret"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(
        text.contains("DB_PASSWORD") && text.contains("[redacted]"),
        "the key stays: {text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cassette).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "owner-only");
    }

    // An existing file is not written over unless asked — and nothing is sent.
    let posts = server.request_count("POST", "/api/projects");
    let err = record(&cassette, false).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(
        server.request_count("POST", "/api/projects"),
        posts,
        "refused before sending"
    );
    assert_eq!(std::fs::read_to_string(&cassette).unwrap(), text, "untouched");
    record(&cassette, true).unwrap();

    // A link at the path: never written through, even when overwriting.
    #[cfg(unix)]
    {
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let link = dir.join("link.jsonl");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = record(&link, false).unwrap_err();
        assert!(err.to_string().contains("link"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        record(&link, true).unwrap();
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "precious",
            "the link was replaced"
        );
        assert!(!std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
