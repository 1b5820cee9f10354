//! Black-box tests of the reference server over real HTTP on 127.0.0.1:
//! every endpoint and error code, auth, rate limiting, idempotency, the
//! simulated lifecycle, and every fault.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use http::Method;
use serde_json::json;
use support::req;
use taskqueue_server::{Fault, FaultBody, FaultRule, RunningServer, ServerConfig, spawn};

fn server() -> RunningServer {
    spawn(ServerConfig::ephemeral()).unwrap()
}

fn project(s: &RunningServer) -> String {
    let r = req(s.addr(), "POST", "/api/projects")
        .json(json!({"name": "demo"}))
        .send();
    assert_eq!(r.status, 201);
    r.json()["id"].as_str().unwrap().to_owned()
}

fn task(s: &RunningServer, project: &str, name: &str, command: &str) -> serde_json::Value {
    let r = req(s.addr(), "POST", "/api/tasks")
        .json(json!({"name": name, "command": command, "project_id": project}))
        .send();
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[test]
fn task_lifecycle_over_every_task_endpoint() {
    let s = server();
    let p = project(&s);
    let created = req(s.addr(), "POST", "/api/tasks")
        .json(
            json!({"name": "build", "command": "cargo build", "project_id": p, "priority": "High",
                     "timeout": 600, "environment": {"A": "1"}, "acceptance_criteria": ["compiles"]}),
        )
        .send();
    assert_eq!(created.status, 201);
    assert_eq!(created.header("content-type"), Some("application/json"));
    let t = created.json();
    let id = t["id"].as_str().unwrap();
    assert_eq!(t["status"], "Planning");
    assert_eq!(t["priority"], "High");
    assert_eq!(t["retry_attempts"], 3);
    assert_eq!(t["project"], "demo");

    let got = req(s.addr(), "GET", &format!("/api/tasks/{id}")).send();
    assert_eq!((got.status, got.json()), (200, t.clone()));

    let updated = req(s.addr(), "PUT", &format!("/api/tasks/{id}"))
        .json(json!({"status": "Testing", "name": "build2"}))
        .send();
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json()["status"], "Testing");
    assert_eq!(updated.json()["current_phase"], "Testing");
    assert_eq!(updated.json()["command"], "cargo build", "untouched fields stay");

    let cancelled = req(s.addr(), "POST", &format!("/api/tasks/{id}/cancel"))
        .json(json!({"reason": "superseded"}))
        .send();
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.json()["status"], "Cancelled");
    assert_eq!(cancelled.json()["result"]["reason"], "superseded");

    let again = req(s.addr(), "POST", &format!("/api/tasks/{id}/cancel"))
        .json(json!({}))
        .send();
    assert_eq!((again.status, again.code()), (409, "already_terminal".into()));
    let revive = req(s.addr(), "PUT", &format!("/api/tasks/{id}"))
        .json(json!({"status": "Running"}))
        .send();
    assert_eq!((revive.status, revive.code()), (409, "invalid_transition".into()));

    let deleted = req(s.addr(), "DELETE", &format!("/api/tasks/{id}")).send();
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    let gone = req(s.addr(), "DELETE", &format!("/api/tasks/{id}")).send();
    assert_eq!((gone.status, gone.code()), (404, "task_not_found".into()));
    let missing = req(s.addr(), "GET", &format!("/api/tasks/{id}")).send();
    assert_eq!((missing.status, missing.code()), (404, "task_not_found".into()));
}

#[test]
fn project_endpoints() {
    let s = server();
    let created = req(s.addr(), "POST", "/api/projects")
        .json(json!({"name": "site", "description": "d", "tags": ["web"], "due_date": "2026-12-31T23:00:00Z", "status": "Active"}))
        .send();
    assert_eq!(created.status, 201);
    let p = created.json();
    let id = p["id"].as_str().unwrap();
    assert_eq!(p["status"], "Active");
    assert_eq!(req(s.addr(), "GET", &format!("/api/projects/{id}")).send().json(), p);
    let second = project(&s);
    let listed = req(s.addr(), "GET", "/api/projects").send().json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["id"], id, "oldest first");
    let updated = req(s.addr(), "PUT", &format!("/api/projects/{id}"))
        .json(json!({"status": "OnHold"}))
        .send();
    assert_eq!(updated.json()["status"], "OnHold");
    assert_eq!(updated.json()["name"], "site");

    task(&s, &second, "t", "true");
    let busy = req(s.addr(), "DELETE", &format!("/api/projects/{second}")).send();
    assert_eq!((busy.status, busy.code()), (409, "project_not_empty".into()));
    assert_eq!(
        req(s.addr(), "DELETE", &format!("/api/projects/{id}")).send().status,
        204
    );
    let gone = req(s.addr(), "GET", &format!("/api/projects/{id}")).send();
    assert_eq!((gone.status, gone.code()), (404, "project_not_found".into()));
    let gone = req(s.addr(), "PUT", &format!("/api/projects/{id}"))
        .json(json!({"name": "x"}))
        .send();
    assert_eq!(gone.status, 404);
    assert_eq!(
        req(s.addr(), "DELETE", &format!("/api/projects/{id}")).send().status,
        404
    );
}

#[test]
fn health_reports_the_version() {
    let s = server();
    let r = req(s.addr(), "GET", "/api/health").send();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "healthy");
    assert_eq!(r.json()["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn lists_filter_by_every_parameter_in_creation_order() {
    let s = server();
    let (p, q) = (project(&s), project(&s));
    let a = task(&s, &p, "a", "true");
    std::thread::sleep(Duration::from_millis(5));
    let b = req(s.addr(), "POST", "/api/tasks")
        .json(
            json!({"name": "b", "command": "true", "project_id": q, "priority": "Critical", "task_type": "Scheduled"}),
        )
        .send()
        .json();
    let c = task(&s, &p, "c", "true");
    req(s.addr(), "PUT", &format!("/api/tasks/{}", c["id"].as_str().unwrap()))
        .json(json!({"status": "AIReview"}))
        .send();

    let names = |query: &str| -> Vec<String> {
        let r = req(s.addr(), "GET", &format!("/api/tasks{query}")).send();
        assert_eq!(r.status, 200, "{query}: {}", String::from_utf8_lossy(&r.body));
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(""), ["a", "b", "c"]);
    assert_eq!(names(&format!("?project_id={p}")), ["a", "c"]);
    assert_eq!(names("?priority=Critical"), ["b"]);
    assert_eq!(names("?task_type=Scheduled"), ["b"]);
    assert_eq!(names("?status=AIReview"), ["c"]);
    assert_eq!(names("?limit=2"), ["a", "b"]);
    assert_eq!(names("?limit=2&offset=2"), ["c"]);
    assert_eq!(names("?offset=5"), Vec::<String>::new());
    assert_eq!(names("?unknown=1"), ["a", "b", "c"]);
    // created_after with an offset of +01:00, percent-encoded as the SDK sends it.
    let b_created = chrono::DateTime::parse_from_rfc3339(b["created_at"].as_str().unwrap()).unwrap();
    let in_plus_one = b_created
        .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
        .to_rfc3339();
    let encoded: String = form_urlencoded::byte_serialize(in_plus_one.as_bytes()).collect();
    assert_eq!(names(&format!("?created_after={encoded}")), ["b", "c"]);
    assert_eq!(names(&format!("?created_before={encoded}")), ["a", "b"]);
    let _ = a;

    for bad in [
        "?limit=0",
        "?limit=1001",
        "?offset=-1",
        "?status=running",
        "?priority=Urgent",
        "?created_after=yesterday",
        "?project_id=7",
    ] {
        let r = req(s.addr(), "GET", &format!("/api/tasks{bad}")).send();
        assert_eq!((r.status, r.code()), (400, "invalid_query".into()), "{bad}");
    }
}

#[test]
fn bad_requests_get_json_errors() {
    let s = server();
    let p = project(&s);
    let check = |r: support::Reply, status: u16, code: &str| {
        assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body = r.json();
        assert_eq!(body["error"], code);
        assert!(body["message"].is_string() && body["details"].is_object());
    };
    // Invalid creates: each is a 422 naming the problem.
    let invalid = [
        json!({"name": "", "command": "x", "project_id": p}),
        json!({"name": "n", "command": "x"}),
        json!({"name": "n", "command": "x", "project_id": p, "retry_attempts": 101}),
        json!({"name": "n", "command": "x", "project_id": p, "priority": "Urgent"}),
        json!({"name": 5, "command": "x", "project_id": p}),
    ];
    for body in invalid {
        check(
            req(s.addr(), "POST", "/api/tasks").json(body).send(),
            422,
            "validation_error",
        );
    }
    let r = req(s.addr(), "POST", "/api/tasks")
        .json(json!({"name": "n", "command": "x", "project_id": p, "timeout": 0}))
        .send();
    assert_eq!(r.json()["details"]["fields"][0]["field"], "timeout");
    check(r, 422, "validation_error");
    let unknown_project = uuid::Uuid::new_v4();
    check(
        req(s.addr(), "POST", "/api/tasks")
            .json(json!({"name": "n", "command": "x", "project_id": unknown_project}))
            .send(),
        404,
        "project_not_found",
    );
    check(
        req(s.addr(), "POST", "/api/projects")
            .header("content-type", "application/json")
            .raw_body(b"{\"name\":")
            .send(),
        400,
        "malformed_json",
    );
    check(
        req(s.addr(), "POST", "/api/projects")
            .header("content-type", "text/plain")
            .raw_body(b"{\"name\":\"x\"}")
            .send(),
        415,
        "unsupported_media_type",
    );
    check(
        req(s.addr(), "POST", "/api/projects")
            .header("content-type", "application/json")
            .raw_body(&vec![b' '; 2 * 1024 * 1024])
            .send(),
        413,
        "payload_too_large",
    );
    check(req(s.addr(), "GET", "/api/tasks/not-a-uuid").send(), 400, "invalid_id");
    check(req(s.addr(), "GET", "/api/nowhere").send(), 404, "not_found");
    check(req(s.addr(), "PATCH", "/api/tasks").send(), 405, "method_not_allowed");
    check(req(s.addr(), "POST", "/api/health").send(), 405, "method_not_allowed");
    // Unknown body fields are ignored.
    let r = req(s.addr(), "POST", "/api/projects")
        .json(json!({"name": "x", "colour": "blue"}))
        .send();
    assert_eq!(r.status, 201);
    // Cancel accepts no body at all as `{}`.
    let t = task(&s, &p, "t", "true");
    let r = req(
        s.addr(),
        "POST",
        &format!("/api/tasks/{}/cancel", t["id"].as_str().unwrap()),
    )
    .send();
    assert_eq!(r.status, 200);
}

#[test]
fn request_ids_are_echoed_or_made() {
    let s = server();
    let r = req(s.addr(), "GET", "/api/health")
        .header("x-request-id", "abc-123")
        .send();
    assert_eq!(r.header("x-request-id"), Some("abc-123"));
    let r = req(s.addr(), "GET", "/api/nowhere").send();
    assert_eq!(r.header("x-request-id").map(str::len), Some(36), "errors carry one too");
    // Longer than the contract's 255: refused, naming the header.
    let r = req(s.addr(), "GET", "/api/health")
        .header("x-request-id", &"r".repeat(256))
        .send();
    assert_eq!((r.status, r.code()), (400, "validation_error".into()));
    assert_eq!(r.json()["details"]["fields"][0]["field"], "X-Request-Id");
}

#[test]
fn a_body_that_is_not_a_json_object_is_refused() {
    let s = server();
    let p = project(&s);
    for body in ["[null, null]", "\"name\"", "5"] {
        let r = req(s.addr(), "PUT", &format!("/api/projects/{p}"))
            .header("content-type", "application/json")
            .raw_body(body.as_bytes())
            .send();
        assert_eq!((r.status, r.code()), (422, "validation_error".into()), "{body}");
    }
    // `null` for an optional field reads as absent, as the contract now says.
    let r = req(s.addr(), "PUT", &format!("/api/projects/{p}"))
        .json(serde_json::json!({"description": null, "name": "kept"}))
        .send();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["name"], "kept");
}

#[test]
fn idempotency_keys_replay_and_refuse_reuse() {
    let s = server();
    let p = project(&s);
    let body = json!({"name": "once", "command": "true", "project_id": p});
    let first = req(s.addr(), "POST", "/api/tasks")
        .header("idempotency-key", "key-1")
        .json(body.clone())
        .send();
    let second = req(s.addr(), "POST", "/api/tasks")
        .header("idempotency-key", "key-1")
        .json(body.clone())
        .send();
    assert_eq!(first.status, 201);
    assert_eq!((second.status, &second.body), (201, &first.body));
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    let listed = req(s.addr(), "GET", "/api/tasks").send().json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "created once");
    let other = req(s.addr(), "POST", "/api/tasks")
        .header("idempotency-key", "key-1")
        .json(json!({"name": "different", "command": "true", "project_id": p}))
        .send();
    assert_eq!((other.status, other.code()), (409, "idempotency_key_reused".into()));
    // Errors are remembered too, and cancels are keyed the same way.
    let t = task(&s, &p, "t", "true");
    let path = format!("/api/tasks/{}/cancel", t["id"].as_str().unwrap());
    let c1 = req(s.addr(), "POST", &path)
        .header("idempotency-key", "cancel-1")
        .json(json!({}))
        .send();
    let c2 = req(s.addr(), "POST", &path)
        .header("idempotency-key", "cancel-1")
        .json(json!({}))
        .send();
    assert_eq!(
        (c1.status, c2.status),
        (200, 200),
        "the replay is the first answer, not already_terminal"
    );
    let bad = req(s.addr(), "POST", "/api/projects")
        .header("idempotency-key", &"k".repeat(256))
        .json(json!({"name": "x"}))
        .send();
    assert_eq!((bad.status, bad.code()), (400, "invalid_idempotency_key".into()));
}

#[test]
fn auth_with_a_token_or_an_api_key() {
    let s = spawn(ServerConfig::ephemeral().token("t0k").api_key("k3y")).unwrap();
    let none = req(s.addr(), "GET", "/api/projects").send();
    assert_eq!((none.status, none.code()), (401, "unauthorized".into()));
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    let wrong = req(s.addr(), "GET", "/api/projects")
        .header("authorization", "Bearer nope")
        .send();
    assert_eq!(wrong.status, 401);
    let wrong_key = req(s.addr(), "GET", "/api/projects").header("x-api-key", "nope").send();
    assert_eq!(wrong_key.status, 401);
    assert_eq!(
        req(s.addr(), "GET", "/api/projects")
            .header("authorization", "Bearer t0k")
            .send()
            .status,
        200
    );
    assert_eq!(
        req(s.addr(), "GET", "/api/projects")
            .header("x-api-key", "k3y")
            .send()
            .status,
        200
    );
    assert_eq!(
        req(s.addr(), "GET", "/api/health").send().status,
        200,
        "health needs no credentials"
    );

    let open = server();
    assert_eq!(
        req(open.addr(), "GET", "/api/projects").send().status,
        200,
        "auth is off by default"
    );
}

#[test]
fn rate_limiting_answers_429_with_retry_after() {
    let s = spawn(ServerConfig::ephemeral().rate_limit(3)).unwrap();
    let statuses: Vec<u16> = (0..5)
        .map(|_| req(s.addr(), "GET", "/api/projects").send().status)
        .collect();
    assert_eq!(&statuses[..3], [200, 200, 200]);
    let limited = req(s.addr(), "GET", "/api/projects").send();
    assert_eq!((limited.status, limited.code()), (429, "rate_limited".into()));
    assert_eq!(limited.header("retry-after"), Some("1"));
}

#[test]
fn simulated_execution_completes_or_fails_tasks() {
    let s = spawn(ServerConfig::ephemeral().complete_after(Duration::from_millis(300))).unwrap();
    let p = project(&s);
    let ok = task(&s, &p, "ok", "make");
    let bad = task(&s, &p, "bad", "false");
    assert_eq!(ok["status"], "Running");
    std::thread::sleep(Duration::from_millis(350));
    let ok = req(s.addr(), "GET", &format!("/api/tasks/{}", ok["id"].as_str().unwrap()))
        .send()
        .json();
    let bad = req(s.addr(), "GET", &format!("/api/tasks/{}", bad["id"].as_str().unwrap()))
        .send()
        .json();
    assert_eq!(
        (ok["status"].as_str(), bad["status"].as_str()),
        (Some("Completed"), Some("Failed"))
    );
    let completed = req(s.addr(), "GET", "/api/tasks?status=Completed").send().json();
    assert_eq!(completed.as_array().unwrap().len(), 1);
}

#[test]
fn fault_status_with_each_body_kind_then_normal_service() {
    let s = server();
    let cases = [
        (
            FaultBody::Json(json!({"error": "boom", "message": "scripted"})),
            Some("application/json"),
            r#"{"error":"boom","message":"scripted"}"#,
        ),
        (FaultBody::Empty, None, ""),
        (
            FaultBody::Text("plain failure".into()),
            Some("text/plain; charset=utf-8"),
            "plain failure",
        ),
        (
            FaultBody::Html("<h1>502 Bad Gateway</h1>".into()),
            Some("text/html; charset=utf-8"),
            "<h1>502 Bad Gateway</h1>",
        ),
    ];
    for (body, content_type, expected) in cases {
        s.faults().push(
            FaultRule::new(Fault::Status { status: 502, body })
                .times(2)
                .on(Method::GET, "/api/health"),
        );
        for _ in 0..2 {
            let r = req(s.addr(), "GET", "/api/health").send();
            assert_eq!(r.status, 502);
            assert_eq!(r.header("content-type"), content_type);
            assert_eq!(String::from_utf8_lossy(&r.body), expected);
            assert!(r.header("x-request-id").is_some());
        }
        assert_eq!(
            req(s.addr(), "GET", "/api/health").send().status,
            200,
            "the rule was spent"
        );
    }
    assert_eq!(s.request_count("GET", "/api/health"), 12);
}

#[test]
fn faults_match_only_their_method_and_route() {
    let s = server();
    s.faults().push(
        FaultRule::new(Fault::Status {
            status: 503,
            body: FaultBody::Empty,
        })
        .always()
        .on(Method::GET, "/api/tasks/{task_id}"),
    );
    assert_eq!(req(s.addr(), "GET", "/api/projects").send().status, 200);
    assert_eq!(
        req(s.addr(), "GET", &format!("/api/tasks/{}", uuid::Uuid::new_v4()))
            .send()
            .status,
        503
    );
    assert_eq!(
        req(s.addr(), "DELETE", &format!("/api/tasks/{}", uuid::Uuid::new_v4()))
            .send()
            .status,
        404
    );
    s.faults().clear();
    assert_eq!(
        req(s.addr(), "GET", &format!("/api/tasks/{}", uuid::Uuid::new_v4()))
            .send()
            .status,
        404
    );
}

#[test]
fn fault_delay_holds_the_headers_back() {
    let s = server();
    s.faults()
        .push(FaultRule::new(Fault::Delay(Duration::from_millis(300))));
    let started = Instant::now();
    let r = req(s.addr(), "GET", "/api/health").send();
    assert_eq!(r.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn fault_drop_closes_without_an_answer() {
    let s = server();
    s.faults().push(FaultRule::new(Fault::Drop));
    assert!(req(s.addr(), "GET", "/api/health").try_send().is_none());
    assert_eq!(req(s.addr(), "GET", "/api/health").send().status, 200);
    assert_eq!(s.request_count("GET", "/api/health"), 2);
}

#[test]
fn fault_truncate_sends_less_than_content_length() {
    let s = server();
    let p = project(&s);
    s.faults()
        .push(FaultRule::new(Fault::Truncate).on(Method::GET, "/api/projects/{project_id}"));
    let r = req(s.addr(), "GET", &format!("/api/projects/{p}")).send();
    assert_eq!(r.status, 200);
    assert!(
        r.truncated,
        "body {} bytes, content-length {:?}",
        r.body.len(),
        r.header("content-length")
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
}

#[test]
fn fault_invalid_json_is_a_200_that_does_not_parse() {
    let s = server();
    s.faults().push(FaultRule::new(Fault::InvalidJson));
    let r = req(s.addr(), "GET", "/api/projects").send();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
}

#[test]
fn fault_oversized_streams_the_whole_size() {
    let s = server();
    s.faults().push(FaultRule::new(Fault::Oversized {
        bytes: 5 * 1024 * 1024 + 3,
    }));
    let r = req(s.addr(), "GET", "/api/projects").send();
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 5 * 1024 * 1024 + 3);
    assert!(!r.truncated);
}

#[test]
fn fault_rate_limited_sets_retry_after() {
    let s = server();
    s.faults().push(FaultRule::new(Fault::RateLimited {
        retry_after: "7".into(),
    }));
    let r = req(s.addr(), "GET", "/api/projects").send();
    assert_eq!(
        (r.status, r.header("retry-after"), r.code()),
        (429, Some("7"), "rate_limited".into())
    );
}

#[test]
fn faults_armed_at_start_and_requests_counted_per_route() {
    let plan = taskqueue_server::FaultPlan::new().with(FaultRule::new(Fault::Status {
        status: 500,
        body: FaultBody::Empty,
    }));
    let s = spawn(ServerConfig::ephemeral().faults(plan)).unwrap();
    assert_eq!(req(s.addr(), "GET", "/api/projects").send().status, 500);
    assert_eq!(req(s.addr(), "GET", "/api/projects").send().status, 200);
    req(s.addr(), "POST", "/api/projects").json(json!({"name": "p"})).send();
    assert_eq!(s.request_count("GET", "/api/projects"), 2);
    assert_eq!(s.request_count("POST", "/api/projects"), 1);
    assert_eq!(s.total_requests(), 3);
    assert!(s.connections_accepted() >= 3);
    s.reset_counts();
    assert_eq!(s.total_requests(), 0);
}

#[test]
fn shutdown_finishes_requests_in_flight() {
    let s = server();
    s.faults()
        .push(FaultRule::new(Fault::Delay(Duration::from_millis(400))));
    let addr = s.addr();
    let slow = std::thread::spawn(move || req(addr, "GET", "/api/health").send().status);
    std::thread::sleep(Duration::from_millis(100));
    s.shutdown();
    assert_eq!(slow.join().unwrap(), 200);
    assert!(std::net::TcpStream::connect(addr).is_err(), "no longer listening");
}
