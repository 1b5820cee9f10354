//! Property tests: whatever a server sends, parsing returns `Ok` or `Err` and
//! never panics; models survive a JSON round trip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should be loud

use chrono::{DateTime, TimeZone, Utc};
use http::Response;
use proptest::prelude::*;
use taskqueue_proto::ops::*;
use taskqueue_proto::{Project, ProjectStatus, Task, TaskPriority, TaskStatus, TaskType};
use uuid::Uuid;

fn response(status: u16, headers: Vec<(String, Vec<u8>)>, body: Vec<u8>) -> Option<Response<Vec<u8>>> {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(k, v);
    }
    b.body(body).ok()
}

fn any_header() -> impl Strategy<Value = (String, Vec<u8>)> {
    (
        prop_oneof![
            Just("retry-after".to_owned()),
            Just("date".to_owned()),
            Just("content-type".to_owned()),
            Just("x-request-id".to_owned()),
            "[a-z-]{1,12}",
        ],
        prop::collection::vec(any::<u8>(), 0..40),
    )
}

/// Bytes that are sometimes JSON-shaped, so the decoder gets deep, not just rejects.
fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        "[\\[\\]{}\",:a-z0-9 ]{0,200}".prop_map(String::into_bytes),
        Just(br#"{"id":"6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90","name":"n","command":"c","created_at":"x"}"#.to_vec()),
        Just(br#"{"error":{"code":5},"message":null,"details":{"fields":"nope"}}"#.to_vec()),
    ]
}

fn parse_all(status: u16, headers: Vec<(String, Vec<u8>)>, body: Vec<u8>) {
    let id = Uuid::nil();
    let Some(r) = response(status, headers, body) else {
        return;
    };
    let (parts, body) = r.into_parts();
    let again = || {
        let mut r = Response::new(body.clone());
        *r.status_mut() = parts.status;
        *r.headers_mut() = parts.headers.clone();
        r
    };
    for config in [
        taskqueue_proto::Config::default(),
        taskqueue_proto::Config::builder()
            .dialect(taskqueue_proto::Dialect::Upstream)
            .build()
            .unwrap(),
    ] {
        let c = &config;
        let _ = GetTask::new(id).parse_response(c, again());
        let _ = ListTasks::default().parse_response(c, again());
        let _ = CreateTask::new(taskqueue_proto::TaskCreateRequest::new("n", "c", id)).parse_response(c, again());
        let _ = UpdateTask::new(id, Default::default()).parse_response(c, again());
        let _ = CancelTask::new(id).parse_response(c, again());
        let _ = DeleteTask::new(id).parse_response(c, again());
        let _ = CreateProject::new(taskqueue_proto::ProjectCreateRequest::new("p")).parse_response(c, again());
        let _ = GetProject::new(id).parse_response(c, again());
        let _ = ListProjects.parse_response(c, again());
        let _ = UpdateProject::new(id, Default::default()).parse_response(c, again());
        let _ = DeleteProject::new(id).parse_response(c, again());
    }
    if let Err(e) = Health.parse_response(&taskqueue_proto::Config::default(), again()) {
        // Every accessor works on whatever came back.
        let _ = (
            e.to_string(),
            e.status(),
            e.message(),
            e.response_body(),
            e.request_id(),
            e.retry_after(),
        );
        assert!(
            e.response_body()
                .is_none_or(|b| b.len() <= taskqueue_proto::BODY_SNIPPET_LIMIT)
        );
    }
}

fn time() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_000_000_000, 0u32..1_000_000_000).prop_map(|(s, n)| Utc.timestamp_opt(s, n).single().unwrap_or_default())
}

/// `value` comes back equal from its own JSON.
fn round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_vec(value).unwrap();
    let back: T = serde_json::from_slice(&json).unwrap();
    prop_assert_eq!(&back, value);
    Ok(())
}

fn status() -> impl Strategy<Value = TaskStatus> {
    prop_oneof![
        prop::sample::select(TaskStatus::KNOWN.to_vec()),
        "[A-Za-z]{1,20}".prop_map(|s| s
            .parse()
            .unwrap_or_else(|_| serde_json::from_value(serde_json::json!(s)).unwrap())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsing_never_panics(status in 100u16..600, headers in prop::collection::vec(any_header(), 0..4), body in any_body()) {
        parse_all(status, headers, body);
    }

    #[test]
    fn tasks_round_trip_through_json(
        name in ".{0,20}", command in ".{0,20}", description in ".{0,40}",
        created in time(), updated in time(), status in status(),
        priority in prop::sample::select(TaskPriority::KNOWN.to_vec()),
        task_type in prop::sample::select(TaskType::KNOWN.to_vec()),
        timeout in proptest::option::of(1u64..100_000),
        env in prop::collection::btree_map("[A-Z_]{1,8}", ".{0,8}", 0..3),
        id in any::<u128>(),
    ) {
        let mut t = Task::new(Uuid::from_u128(id), name, command, created);
        t.description = description;
        t.updated_at = updated;
        t.status = status;
        t.priority = priority;
        t.task_type = task_type;
        t.timeout = timeout;
        t.environment = env;
        round_trip(&t)?;
    }

    #[test]
    fn projects_round_trip_through_json(
        name in ".{0,20}", created in time(), due in proptest::option::of(time()),
        status in prop::sample::select(ProjectStatus::KNOWN.to_vec()),
        tags in prop::collection::vec(".{0,8}", 0..4), id in any::<u128>(),
    ) {
        let mut p = Project::new(Uuid::from_u128(id), name, created);
        p.due_date = due;
        p.status = status;
        p.tags = tags;
        round_trip(&p)?;
    }
}

/// One scripted outcome of an attempt.
#[derive(Debug, Clone)]
enum Outcome {
    Answer {
        status: u16,
        body: Vec<u8>,
        retry_after: Option<String>,
    },
    Fail(u8),
}

fn any_outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        (
            prop_oneof![
                Just(200u16),
                Just(201),
                Just(204),
                Just(400),
                Just(404),
                Just(409),
                Just(429),
                Just(500),
                Just(503),
                100u16..600
            ],
            any_body(),
            proptest::option::of(prop_oneof![
                Just("1".to_owned()),
                Just("0".to_owned()),
                Just("99999999999".to_owned()),
                "[ -~]{0,12}"
            ]),
        )
            .prop_map(|(status, body, retry_after)| Outcome::Answer {
                status,
                body,
                retry_after
            }),
        (0u8..6).prop_map(Outcome::Fail),
    ]
}

/// Runs `op` through the blocking driver on virtual time, its attempts
/// getting `script`'s outcomes (then 503s): it must finish, without
/// panicking, within a bounded number of sends.
fn drive_any<O: Operation>(op: O, config: &taskqueue_proto::Config, script: &[Outcome], seed: u64) -> usize {
    use std::time::{Duration, Instant};
    use taskqueue_proto::CallOptions;
    use taskqueue_proto::driver::{IntoMachine, Simulated, TransportError, TransportErrorKind, run_blocking};
    let mut script = script.iter().cloned();
    let mut sends = 0;
    let transport = Simulated::new(Instant::now(), move |_: &http::Request<Vec<u8>>| {
        sends += 1;
        assert!(sends <= 64, "the call does not end");
        match script.next() {
            Some(Outcome::Answer {
                status,
                body,
                retry_after,
            }) => {
                let mut b = Response::builder().status(status);
                if let Some(ra) = retry_after {
                    b = b.header("retry-after", ra);
                }
                match b.body(body) {
                    Ok(r) => Ok(r),
                    Err(_) => Err(TransportError::new(TransportErrorKind::Io, "bad header")),
                }
            }
            Some(Outcome::Fail(kind)) => {
                let kind = match kind {
                    0 => TransportErrorKind::Connect,
                    1 => TransportErrorKind::ConnectTimeout,
                    2 => TransportErrorKind::Timeout,
                    3 => TransportErrorKind::Io,
                    4 => TransportErrorKind::BodyTooLarge,
                    _ => TransportErrorKind::Unusable,
                };
                Err(TransportError::new(kind, "scripted"))
            }
            None => Ok(Response::builder().status(503).body(Vec::new()).unwrap()),
        }
    })
    .latency(Duration::from_millis(3))
    .seed(seed);
    let _ = run_blocking(&transport, op.into_machine(config, &CallOptions::new(), seed));
    transport.sent().len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_sequence_of_outcomes_ends_every_call_in_either_dialect(
        script in prop::collection::vec(any_outcome(), 0..8),
        upstream in any::<bool>(),
        seed in any::<u64>(),
        which in 0usize..12,
    ) {
        let dialect = if upstream { taskqueue_proto::Dialect::Upstream } else { taskqueue_proto::Dialect::Spec };
        let config = taskqueue_proto::Config::builder().dialect(dialect).build().unwrap();
        let id = Uuid::from_u128(7);
        let sends = match which {
            0 => drive_any(CreateTask::new(taskqueue_proto::TaskCreateRequest::new("n", "c", id)), &config, &script, seed),
            1 => drive_any(GetTask::new(id), &config, &script, seed),
            2 => drive_any(ListTasks::default(), &config, &script, seed),
            3 => drive_any(UpdateTask::new(id, taskqueue_proto::TaskUpdateRequest::new().status(TaskStatus::Testing)), &config, &script, seed),
            4 => drive_any(CancelTask::new(id), &config, &script, seed),
            5 => drive_any(DeleteTask::new(id), &config, &script, seed),
            6 => drive_any(CreateProject::new(taskqueue_proto::ProjectCreateRequest::new("p")), &config, &script, seed),
            7 => drive_any(GetProject::new(id), &config, &script, seed),
            8 => drive_any(ListProjects, &config, &script, seed),
            9 => drive_any(UpdateProject::new(id, Default::default()), &config, &script, seed),
            10 => drive_any(DeleteProject::new(id), &config, &script, seed),
            _ => drive_any(Health, &config, &script, seed),
        };
        // At most 3 exchanges per operation, 3 attempts each.
        prop_assert!(sends <= 9, "{sends} sends");
    }
}
