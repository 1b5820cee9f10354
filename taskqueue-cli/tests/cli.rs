//! The `taskqueue` binary as a process, against the reference server
//! in-process: every command in both formats, settings precedence, every
//! exit code, batches, waiting, and redaction under `--verbose`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use taskqueue_server::{Fault, FaultBody, FaultRule, RunningServer, ServerConfig, spawn};

#[path = "../../taskqueue-proto/tests/support/hostile.rs"]
mod hostile;

const BIN: &str = env!("CARGO_BIN_EXE_taskqueue");

/// A scratch directory of this test run (holds config files; used as XDG_CONFIG_HOME).
fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "taskqueue-cli-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The command with a clean environment: no TASKQUEUE_* variables, no user config.
fn taskqueue(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("TASKQUEUE_") || key == "NO_COLOR" {
            cmd.env_remove(key);
        }
    }
    cmd.env("XDG_CONFIG_HOME", scratch()).args(args).stdin(Stdio::null());
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }
}

fn finish(output: Output) -> Run {
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "a panic: {}", run.stderr);
    run
}

/// Runs against `server` (base URL by flag).
fn on(server: &RunningServer, args: &[&str]) -> Run {
    let url = server.base_url();
    let mut all = vec!["--base-url", url.as_str()];
    all.extend_from_slice(args);
    finish(taskqueue(&all).output().unwrap())
}

/// The words of `command` (split at spaces), then `rest`.
fn words<'a>(command: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    command.split_whitespace().chain(rest.iter().copied()).collect()
}

fn ok(server: &RunningServer, args: &[&str]) -> Run {
    let run = on(server, args);
    assert_eq!(run.code, 0, "taskqueue {args:?} failed:\n{}", run.stderr);
    run
}

fn new_project(server: &RunningServer) -> String {
    ok(server, &["projects", "create", "demo", "--format", "json"]).json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn new_task(server: &RunningServer, project: &str, name: &str, command: &str) -> String {
    let run = ok(
        server,
        &[
            "tasks",
            "create",
            name,
            command,
            "--project-id",
            project,
            "--format",
            "json",
        ],
    );
    run.json()["id"].as_str().unwrap().to_owned()
}

#[test]
fn every_task_command_in_json() {
    let s = spawn(ServerConfig::ephemeral()).unwrap();
    let p = new_project(&s);
    let created = ok(
        &s,
        &[
            "tasks",
            "create",
            "build",
            "make all",
            "--project-id",
            &p,
            "--description",
            "d",
            "--priority",
            "high",
            "--type",
            "workflow",
            "--timeout",
            "60",
            "--retry-attempts",
            "5",
            "--retry-delay",
            "7",
            "--criteria",
            "a",
            "--criteria",
            "b",
            "--env",
            "A=1",
            "--working-dir",
            "/src",
            "--specs",
            "s",
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(created["priority"], "High");
    assert_eq!(created["task_type"], "Workflow");
    assert_eq!(created["acceptance_criteria"], serde_json::json!(["a", "b"]));
    assert_eq!(created["environment"]["A"], "1");
    let id = created["id"].as_str().unwrap();

    let got = ok(&s, &["tasks", "get", id, "--format", "json"]).json();
    assert_eq!(got, created, "the wire JSON, exactly");

    let listed = ok(
        &s,
        &[
            "tasks",
            "list",
            "--priority",
            "High",
            "--project-id",
            &p,
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let all = ok(&s, &["tasks", "list", "--all", "--limit", "1", "--format", "json"]).json();
    assert_eq!(all.as_array().unwrap().len(), 1);

    let updated = ok(
        &s,
        &[
            "tasks", "update", id, "--status", "testing", "--name", "build2", "--format", "json",
        ],
    )
    .json();
    assert_eq!(
        (updated["status"].as_str(), updated["name"].as_str()),
        (Some("Testing"), Some("build2"))
    );

    let cancelled = ok(
        &s,
        &[
            "tasks",
            "cancel",
            id,
            "--reason",
            "no longer needed",
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(cancelled["status"], "Cancelled");

    let deleted = ok(&s, &["tasks", "delete", id, "--format", "json"]).json();
    assert_eq!(deleted["deleted"], true);
}

#[test]
fn every_command_in_table_format() {
    let s = spawn(ServerConfig::ephemeral().complete_after(Duration::from_millis(200))).unwrap();
    let p = ok(
        &s,
        &[
            "projects",
            "create",
            "site",
            "--tag",
            "web",
            "--due-date",
            "2026-12-31T00:00:00Z",
            "--format",
            "table",
        ],
    );
    assert!(p.stdout.contains("site") && p.stdout.contains("web"), "{}", p.stdout);
    let project = new_project(&s);
    let t = ok(
        &s,
        &words("tasks create build make --format table --project-id", &[&project]),
    );
    assert!(t.stdout.contains("│ name") || t.stdout.contains("name"), "{}", t.stdout);
    let id = new_task(&s, &project, "lint", "clippy");
    for args in [
        vec!["tasks", "get", id.as_str()],
        vec!["tasks", "list"],
        vec!["tasks", "list", "--status", "Running"],
        vec!["projects", "list"],
        vec!["projects", "get", project.as_str()],
        vec!["health"],
        vec!["tasks", "wait", id.as_str(), "--timeout", "10"],
    ] {
        let mut all = args.clone();
        all.extend(["--format", "table"]);
        let run = ok(&s, &all);
        assert!(!run.stdout.trim().is_empty(), "{args:?} printed nothing");
        assert!(
            !run.stdout.contains('\u{1b}'),
            "no colour when not on a terminal: {args:?}"
        );
    }
    let listed = ok(&s, &["tasks", "list", "--format", "table"]);
    assert!(
        listed.stdout.contains("ID") && listed.stdout.contains("2 task(s)"),
        "{}",
        listed.stdout
    );
    let updated = ok(
        &s,
        &[
            "projects", "update", &project, "--status", "on-hold", "--format", "table",
        ],
    );
    assert!(updated.stdout.contains("OnHold"), "{}", updated.stdout);
    let health = ok(&s, &["health", "--format", "table"]);
    assert!(health.stdout.starts_with("healthy"), "{}", health.stdout);
    let deleted = ok(&s, &["tasks", "delete", &id, "--yes", "--format", "table"]);
    assert!(deleted.stdout.starts_with("Deleted task"), "{}", deleted.stdout);
}

#[test]
fn project_commands_in_json() {
    let s = spawn(ServerConfig::ephemeral()).unwrap();
    let created = ok(
        &s,
        &[
            "projects",
            "create",
            "p",
            "--description",
            "d",
            "--status",
            "active",
            "--format",
            "json",
        ],
    )
    .json();
    let id = created["id"].as_str().unwrap();
    assert_eq!(ok(&s, &["projects", "get", id, "--format", "json"]).json(), created);
    assert_eq!(
        ok(&s, &["projects", "list", "--format", "json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let updated = ok(
        &s,
        &[
            "projects", "update", id, "--name", "q", "--tag", "x", "--format", "json",
        ],
    )
    .json();
    assert_eq!(
        (updated["name"].as_str(), updated["tags"][0].as_str()),
        (Some("q"), Some("x"))
    );
    assert_eq!(
        ok(&s, &["projects", "delete", id, "-y", "--format", "json"]).json()["deleted"],
        true
    );
    assert_eq!(ok(&s, &["health", "--format", "json"]).json()["status"], "healthy");
}

#[test]
fn json_is_the_default_when_piped() {
    let s = spawn(ServerConfig::ephemeral()).unwrap();
    let run = ok(&s, &["projects", "list"]);
    assert_eq!(run.json(), serde_json::json!([]));
}

#[test]
fn exit_codes() {
    let s = spawn(ServerConfig::ephemeral().complete_after(Duration::from_millis(300))).unwrap();
    let p = new_project(&s);
    let missing = "00000000-0000-4000-8000-000000000000";

    // 2: usage and invalid input, before any request.
    let before = s.total_requests();
    let bad_id = on(&s, &["tasks", "get", "abc"]);
    assert_eq!(bad_id.code, 2);
    assert!(
        bad_id.stderr.starts_with("error: invalid task id \"abc\": "),
        "{}",
        bad_id.stderr
    );
    assert_eq!(on(&s, &["tasks", "create", "", "make", "--project-id", &p]).code, 2);
    assert_eq!(on(&s, &["tasks", "list", "--limit", "0"]).code, 2);
    assert_eq!(on(&s, &["tasks", "list", "--status", "sleeping"]).code, 2);
    assert_eq!(on(&s, &["tasks", "update", missing]).code, 2, "nothing to update");
    assert_eq!(on(&s, &["tasks", "frobnicate"]).code, 2);
    assert_eq!(s.total_requests(), before, "nothing was sent");

    // 3: not found, and deleting what is already gone.
    let nf = on(&s, &["tasks", "get", missing]);
    assert_eq!(nf.code, 3);
    assert_eq!(nf.stderr.trim(), format!("error: [404] Task {missing} not found"));
    let gone = on(&s, &["tasks", "delete", missing, "--yes"]);
    assert_eq!(gone.code, 3);
    assert!(gone.stderr.contains("does not exist"), "{}", gone.stderr);
    assert_eq!(on(&s, &["projects", "delete", missing, "--yes"]).code, 3);

    // 5: conflict.
    let t = new_task(&s, &p, "t", "make");
    ok(&s, &["tasks", "cancel", &t]);
    assert_eq!(on(&s, &["tasks", "cancel", &t]).code, 5);
    assert_eq!(on(&s, &["projects", "delete", &p, "--yes"]).code, 5);

    // 8: wait timed out; 9: the task ended Failed (or Cancelled).
    let slow = spawn(ServerConfig::ephemeral().complete_after(Duration::from_secs(60))).unwrap();
    let sp = new_project(&slow);
    let st = new_task(&slow, &sp, "slow", "make");
    let timed_out = on(&slow, &["tasks", "wait", &st, "--timeout", "0.3"]);
    assert_eq!(timed_out.code, 8, "{}", timed_out.stderr);
    let failing = new_task(&s, &p, "f", "false");
    let failed = on(&s, &["tasks", "wait", &failing, "--timeout", "10", "--format", "json"]);
    assert_eq!(failed.code, 9, "{}", failed.stderr);
    assert_eq!(failed.json()["status"], "Failed", "the final task is printed");
    assert_eq!(on(&s, &["tasks", "wait", &t, "--timeout", "5"]).code, 9, "cancelled");
    let done = new_task(&s, &p, "d", "make");
    assert_eq!(on(&s, &["tasks", "wait", &done, "--timeout", "10"]).code, 0);

    // 4: authentication.
    let locked = spawn(ServerConfig::ephemeral().token("right")).unwrap();
    assert_eq!(on(&locked, &["projects", "list"]).code, 4);
    assert_eq!(on(&locked, &["projects", "list", "--token", "wrong"]).code, 4);
    assert_eq!(on(&locked, &["projects", "list", "--token", "right"]).code, 0);

    // 6: rate limited (the server asks for longer than the client waits).
    let limited = spawn(ServerConfig::ephemeral()).unwrap();
    limited.faults().push(
        FaultRule::new(Fault::RateLimited {
            retry_after: "3600".into(),
        })
        .always(),
    );
    assert_eq!(on(&limited, &["projects", "list"]).code, 6);

    // 1: a server error.
    let broken = spawn(ServerConfig::ephemeral()).unwrap();
    broken.faults().push(
        FaultRule::new(Fault::Status {
            status: 500,
            body: FaultBody::Text("boom".into()),
        })
        .always(),
    );
    let e = on(&broken, &["projects", "list", "--retries", "0"]);
    assert_eq!(e.code, 1);
    assert_eq!(e.stderr.trim(), "error: [500] boom");

    // 7: nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let refused = finish(
        taskqueue(&["--base-url", &url, "--retries", "0", "health"])
            .output()
            .unwrap(),
    );
    assert_eq!(refused.code, 7, "{}", refused.stderr);
}

#[test]
fn settings_precedence_flag_over_env_over_file() {
    let (file_server, env_server, flag_server) = (
        spawn(ServerConfig::ephemeral()).unwrap(),
        spawn(ServerConfig::ephemeral()).unwrap(),
        spawn(ServerConfig::ephemeral()).unwrap(),
    );
    let dir = scratch();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "base_url = \"{}\"\nformat = \"table\"\n[profiles.other]\nbase_url = \"{}\"\n",
            file_server.base_url(),
            env_server.base_url()
        ),
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let hits = |s: &RunningServer| s.request_count("GET", "/api/health");

    // The file alone: its base URL, its format.
    let run = finish(taskqueue(&["--config", cfg, "health"]).output().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("healthy (version"),
        "format from the file: {}",
        run.stdout
    );
    assert_eq!(hits(&file_server), 1);

    // The default file location is $XDG_CONFIG_HOME/taskqueue/config.toml.
    let xdg = scratch();
    std::fs::create_dir_all(xdg.join("taskqueue")).unwrap();
    std::fs::copy(&config, xdg.join("taskqueue/config.toml")).unwrap();
    let run = finish(taskqueue(&["health"]).env("XDG_CONFIG_HOME", &xdg).output().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hits(&file_server), 2);

    // A profile.
    finish(
        taskqueue(&["--config", cfg, "--profile", "other", "health"])
            .output()
            .unwrap(),
    );
    assert_eq!(hits(&env_server), 1);
    let unknown = finish(
        taskqueue(&["--config", cfg, "--profile", "nope", "health"])
            .output()
            .unwrap(),
    );
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("no profile \"nope\""), "{}", unknown.stderr);

    // Env beats the file, and the format from env beats the file's.
    let run = finish(
        taskqueue(&["--config", cfg, "health"])
            .env("TASKQUEUE_BASE_URL", env_server.base_url())
            .env("TASKQUEUE_FORMAT", "json")
            .output()
            .unwrap(),
    );
    assert_eq!(run.json()["status"], "healthy");
    assert_eq!(hits(&env_server), 2);

    // A flag beats both.
    let run = finish(
        taskqueue(&["--config", cfg, "--base-url", &flag_server.base_url(), "health"])
            .env("TASKQUEUE_BASE_URL", env_server.base_url())
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0);
    assert_eq!((hits(&file_server), hits(&env_server), hits(&flag_server)), (2, 2, 1));

    // A named config file that does not exist, or does not parse, is an error.
    let missing = finish(
        taskqueue(&["--config", "/nonexistent/taskqueue.toml", "health"])
            .output()
            .unwrap(),
    );
    assert_eq!(missing.code, 2);
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "base_url = 5\n").unwrap();
    let run = finish(
        taskqueue(&["--config", bad.to_str().unwrap(), "health"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad.toml"), "{}", run.stderr);
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn create_batch_reports_every_item() {
    let s = spawn(ServerConfig::ephemeral()).unwrap();
    let p = new_project(&s);
    let dir = scratch();

    // A bad item, a malformed line, a misspelt field, an unknown enum value:
    // each is a usage error naming the item, and nothing is sent.
    let item = |extra: &str| format!(r#"{{"name":"a","command":"x","project_id":"{p}"{extra}}}"#);
    let cases = [
        (
            "bad.json",
            format!(r#"[{},{{"name":"","command":"x","project_id":"{p}"}}]"#, item("")),
            "tasks[1].name",
        ),
        (
            "malformed.jsonl",
            format!("{}\n{{\"name\":\n", item("")),
            "tasks[1] (line 2)",
        ),
        (
            "typo.json",
            format!("[{}]", item(r#","priorty":"High""#)),
            "tasks[0]: unknown field `priorty`",
        ),
        (
            "urgent.json",
            format!("[{}]", item(r#","priority":"Urgent""#)),
            "tasks[0].priority: unknown task priority \"Urgent\"",
        ),
    ];
    let before = s.request_count("POST", "/api/tasks");
    for (name, content, expected) in cases {
        let run = on(&s, &["tasks", "create-batch", &write(&dir, name, &content)]);
        assert_eq!(run.code, 2, "{name}");
        assert!(run.stderr.contains(expected), "{name}: {}", run.stderr);
    }
    assert_eq!(s.request_count("POST", "/api/tasks"), before, "still nothing sent");

    // A failing item (unknown project): the others are created, and every result is printed.
    let missing = "00000000-0000-4000-8000-000000000000";
    let lines = write(
        &dir,
        "tasks.jsonl",
        &format!(
            "{{\"name\":\"a\",\"command\":\"x\",\"project_id\":\"{p}\"}}\n\n{{\"name\":\"b\",\"command\":\"x\",\"project_id\":\"{missing}\"}}\n{{\"name\":\"c\",\"command\":\"x\",\"project_id\":\"{p}\",\"priority\":\"High\"}}\n"
        ),
    );
    let run = on(&s, &["tasks", "create-batch", &lines, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let results = run.json();
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(
        (results[0]["ok"].as_bool(), results[0]["task"]["name"].as_str()),
        (Some(true), Some("a"))
    );
    assert_eq!(
        (results[1]["ok"].as_bool(), results[1]["error"]["status"].as_u64()),
        (Some(false), Some(404))
    );
    assert_eq!(results[2]["task"]["priority"], "High");
    assert!(run.stderr.contains("1 of 3 tasks were not created"), "{}", run.stderr);

    // From stdin, as a table.
    let mut child = taskqueue(&[
        "--base-url",
        &s.base_url(),
        "tasks",
        "create-batch",
        "-",
        "--format",
        "table",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!(r#"[{{"name":"s","command":"x","project_id":"{p}"}}]"#).as_bytes())
        .unwrap();
    let run = finish(child.wait_with_output().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("[0] created") && run.stdout.contains("1 created, 0 failed"),
        "{}",
        run.stdout
    );
}

#[test]
fn verbose_logs_exchanges_without_secrets() {
    let s = spawn(ServerConfig::ephemeral().token("tok-SECRET-123")).unwrap();
    let run = on(&s, &["--token", "tok-SECRET-123", "-v", "projects", "list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("method=\"GET\"") && run.stderr.contains("path=\"/api/projects\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("status=200") && run.stderr.contains("request_id="),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("tok-SECRET-123") && !run.stdout.contains("tok-SECRET-123"));

    // Errors under --verbose carry the request id, the call and the body.
    let e = on(&s, &["--token", "nope", "-v", "projects", "list"]);
    assert_eq!(e.code, 4);
    assert!(
        e.stderr.contains("request id:")
            && e.stderr.contains("call: list_projects, 1 attempt(s)")
            && e.stderr.contains("response body:"),
        "{}",
        e.stderr
    );
    assert!(
        !e.stderr.contains("nope\""),
        "the wrong token is not echoed either: {}",
        e.stderr
    );
}

#[test]
fn completions_and_help() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = finish(taskqueue(&["completions", shell]).output().unwrap());
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("taskqueue"), "{shell}");
    }
    let help = finish(taskqueue(&["--help"]).output().unwrap());
    assert!(
        help.stdout.contains("Exit codes:") && help.stdout.contains("9  a waited task ended"),
        "{}",
        help.stdout
    );
    for flag in [
        "--base-url",
        "--token",
        "--api-key",
        "--dialect",
        "--http-timeout",
        "--retries",
        "--format",
        "--profile",
        "--config",
        "--record",
        "--quiet",
        "--verbose",
    ] {
        assert!(help.stdout.contains(flag), "{flag}");
    }
}

/// Runs with `--dialect upstream` against `server`.
fn upstream(server: &RunningServer, args: &[&str]) -> Run {
    let mut all = vec!["--dialect", "upstream"];
    all.extend_from_slice(args);
    on(server, &all)
}

/// A command that must succeed with `--dialect upstream`: its JSON output.
fn upstream_json(server: &RunningServer, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let run = upstream(server, &all);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.json()
}

#[test]
fn a_workflow_against_the_public_servers_dialect() {
    let s = spawn(
        ServerConfig::ephemeral()
            .dialect(taskqueue_proto::Dialect::Upstream)
            .complete_after(Duration::from_millis(300)),
    )
    .unwrap();
    let up = |args: &[&str]| upstream(&s, args);
    let json = |args: &[&str]| upstream_json(&s, args);
    let p = json(&["projects", "create", "demo", "--description", "Demo project"]);
    let project = p["id"].as_str().unwrap().to_owned();
    assert_eq!(p["name"], "demo", "the full project, fetched after the acknowledgement");

    let t = json(&words(
        "tasks create build make --priority high --project-id",
        &[&project],
    ));
    let task = t["id"].as_str().unwrap().to_owned();
    assert!(t["created_at"].is_string(), "printed as the SDK's wire JSON (RFC 3339)");

    let listed = up(&["tasks", "list", "--priority", "High", "--format", "json"]);
    assert_eq!(listed.json().as_array().unwrap().len(), 1);
    assert_eq!(
        up(&["tasks", "wait", &task, "--timeout", "10", "--format", "json"]).json()["status"],
        "Completed"
    );

    let other = json(&["tasks", "create", "lint", "clippy", "--project-id", &project])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cancelled = up(&["tasks", "cancel", &other, "--format", "json"]);
    assert_eq!(cancelled.json()["status"], "Cancelled");
    assert_eq!(up(&["tasks", "cancel", &other]).code, 5, "already finished");
    assert_eq!(
        up(&["tasks", "update", &task, "--timeout", "5"]).code,
        2,
        "the server would drop it"
    );
    assert_eq!(
        up(&["projects", "delete", &project, "--yes"]).code,
        5,
        "tasks still reference it"
    );
    assert_eq!(up(&["tasks", "delete", &task, "--yes"]).code, 0);
    assert_eq!(up(&["tasks", "delete", &task, "--yes"]).code, 3);
    assert_eq!(up(&["tasks", "delete", &other, "--yes"]).code, 0);
    assert_eq!(up(&["projects", "delete", &project, "--yes"]).code, 0);
    assert_eq!(up(&["projects", "get", &project]).code, 3);
    assert_eq!(up(&["health", "--format", "json"]).json()["status"], "healthy");
}

#[test]
fn server_text_is_data_not_terminal_control() {
    let s = spawn(ServerConfig::ephemeral()).unwrap();
    let p = new_project(&s);
    let evil = "build\u{1b}[2J\u{1b}]0;pwned\u{7}\rforged";
    let id = new_task(&s, &p, evil, "make");
    for args in [vec!["tasks", "get", &id], vec!["tasks", "list", "--project-id", &p]] {
        let mut all = args;
        all.extend(["--format", "table"]);
        let run = ok(&s, &all);
        assert!(
            !run.stdout.contains(['\u{1b}', '\u{7}', '\r']),
            "raw control characters: {:?}",
            run.stdout
        );
        assert!(run.stdout.contains("build\\u{1b}[2J"), "{}", run.stdout);
    }
    // JSON stays exact.
    let json = ok(&s, &["tasks", "get", &id, "--format", "json"]);
    assert_eq!(json.json()["name"], evil);

    // An error message from the server is escaped on stderr too.
    s.faults().push(
        FaultRule::new(Fault::Status {
            status: 500,
            body: FaultBody::Text("boom\u{1b}[31m red\u{1b}[0m".into()),
        })
        .always()
        .on_route("/api/projects"),
    );
    let run = on(&s, &["projects", "list", "--verbose"]);
    assert_ne!(run.code, 0);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(run.stderr.contains("boom\\u{1b}[31m"), "{}", run.stderr);
}

#[test]
fn record_writes_a_cassette_that_replays() {
    let s = spawn(ServerConfig::ephemeral().token("s3cret")).unwrap();
    let dir = scratch();
    let cassette = dir.join("health.jsonl");
    let cassette = cassette.to_str().unwrap();
    let run = ok(
        &s,
        &[
            "--token", "s3cret", "--record", cassette, "projects", "create", "recorded",
        ],
    );
    let text = std::fs::read_to_string(cassette).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    let line: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(line["request"]["method"], "POST");
    assert_eq!(line["request"]["path"], "/api/projects");
    assert_eq!(line["response"]["status"], 201);
    assert_eq!(line["response"]["body_json"]["id"], run.json()["id"]);
    assert!(!text.contains("s3cret"), "no credential in a cassette: {text}");

    // A cassette that cannot be written is an error that names it.
    let bad = ["--record", "/nonexistent/dir/x.jsonl", "health"];
    let failed = on(&s, &bad);
    assert_ne!(failed.code, 0);
    assert!(failed.stderr.contains("/nonexistent/dir/x.jsonl"), "{}", failed.stderr);
}

#[test]
fn wait_on_several_tasks() {
    let s = spawn(ServerConfig::ephemeral().complete_after(Duration::from_millis(300))).unwrap();
    let p = new_project(&s);
    let (a, b) = (new_task(&s, &p, "a", "make"), new_task(&s, &p, "b", "make"));
    let bad = new_task(&s, &p, "bad", "false");
    let run = ok(&s, &["tasks", "wait", &a, &b, "--timeout", "10", "--format", "json"]);
    let tasks = run.json();
    let got: Vec<(&str, &str)> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap(), t["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [(a.as_str(), "Completed"), (b.as_str(), "Completed")],
        "in the order given"
    );
    assert_eq!(on(&s, &["tasks", "wait", &a, &bad, "--all", "--timeout", "10"]).code, 9);
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(on(&s, &["tasks", "wait", &a, unknown, "--timeout", "10"]).code, 3);

    let slow = spawn(ServerConfig::ephemeral().complete_after(Duration::from_secs(60))).unwrap();
    let q = new_project(&slow);
    let (x, y) = (new_task(&slow, &q, "x", "make"), new_task(&slow, &q, "y", "make"));
    let timed_out = on(
        &slow,
        &["tasks", "wait", &x, &y, "--timeout", "0.3", "--format", "json"],
    );
    assert_eq!(timed_out.code, 8, "{}", timed_out.stderr);
    assert_eq!(timed_out.json().as_array().unwrap().len(), 2, "the tasks as last seen");
    ok(&slow, &["tasks", "cancel", &y]);
    let first = on(
        &slow,
        &["tasks", "wait", &x, &y, "--any", "--timeout", "10", "--format", "json"],
    );
    assert_eq!(first.code, 9, "the first to finish was cancelled: {}", first.stderr);
    assert_eq!(first.json()[1]["status"], "Cancelled");
}

#[test]
fn watch_prints_one_json_object_a_line() {
    let s = spawn(ServerConfig::ephemeral().complete_after(Duration::from_millis(300))).unwrap();
    let p = new_project(&s);
    let t = new_task(&s, &p, "watched", "make");
    let url = s.base_url();
    let watcher = taskqueue(&[
        "--base-url",
        &url,
        "--format",
        "json",
        "tasks",
        "watch",
        "--project-id",
        &p,
        "--interval",
        "0.1",
        "--max-events",
        "3",
        "--timeout",
        "20",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_millis(1200)); // created, then changed when the run ends
    ok(&s, &["tasks", "delete", &t, "--yes"]);
    let run = finish(watcher.wait_with_output().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "changed", "deleted"], "{}", run.stdout);
    assert_eq!(events[1]["from"], "Running");
    assert_eq!(events[1]["to"], "Completed");
    assert_eq!(events[2]["id"], t.as_str());

    // Nothing happens: it ends at its timeout, successfully, having printed nothing.
    let quiet = ok(
        &s,
        &[
            "tasks",
            "watch",
            "--project-id",
            &p,
            "--timeout",
            "0.3",
            "--format",
            "json",
        ],
    );
    assert!(quiet.stdout.is_empty(), "{}", quiet.stdout);
}

/// Deep and hostile JSON from the server: exit 1 with one bounded line of
/// error that names what was wrong, no raw control bytes, no crash.
#[test]
fn hostile_json_from_the_server_is_a_short_error() {
    let server = spawn(ServerConfig::ephemeral()).unwrap();
    let id = "6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90";
    let task = |name: &[u8]| hostile::task_json_named(id, name);
    let mut deep = task(br#""deep","result":"#);
    deep.pop();
    deep.extend(std::iter::repeat_n(b'[', 100_000));
    let cases: [(Vec<u8>, &str); 5] = [
        (deep, "EOF while parsing"),
        (task(b"\"bad \xff byte\""), "invalid unicode"),
        (task(b"\"raw \x1b[2J\x07\""), "control character"),
        (task(br#""\udc00""#), "surrogate"),
        (
            format!(r#"{{"id":"{id}","name":"a","name":"b"}}"#).into_bytes(),
            "duplicate field",
        ),
    ];
    for (body, says) in cases {
        for format in ["json", "table"] {
            server.faults().push(
                FaultRule::new(Fault::Status {
                    status: 200,
                    body: FaultBody::Bytes(body.clone()),
                })
                .on_route(format!("/api/tasks/{id}")),
            );
            let run = on(&server, &["tasks", "get", id, "--format", format]);
            assert_eq!(run.code, 1, "{}", run.stderr);
            assert!(run.stderr.contains(says), "{}", run.stderr);
            assert!(run.stderr.len() < 4096, "{} bytes of error", run.stderr.len());
            assert!(!run.stderr.contains('\u{1b}'), "no raw ESC: {:?}", run.stderr);
            server.faults().push(
                FaultRule::new(Fault::Status {
                    status: 200,
                    body: FaultBody::Bytes(b"[".repeat(100_000)),
                })
                .on_route("/api/tasks"),
            );
            let list = on(&server, &["tasks", "list", "--format", format]);
            assert_eq!(list.code, 1, "{}", list.stderr);
        }
    }
}

/// A huge `--timeout` means no deadline (the wait goes on until the task
/// ends), never zero; one past what a duration holds is a usage error.
#[test]
fn a_huge_wait_timeout_is_no_deadline() {
    let s = spawn(ServerConfig::ephemeral().complete_after(Duration::from_millis(300))).unwrap();
    let p = new_project(&s);
    let t = new_task(&s, &p, "t", "make");
    let waited = on(&s, &["tasks", "wait", &t, "--timeout", "1e19", "--format", "json"]);
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    assert_eq!(waited.json()["status"], "Completed");
    let t2 = new_task(&s, &p, "t2", "make");
    let both = on(&s, &["tasks", "wait", &t, &t2, "--all", "--timeout", "1e19"]);
    assert_eq!(both.code, 0, "{}", both.stderr);
    for flag in ["1e20", "-1", "NaN", "inf"] {
        let refused = on(&s, &["tasks", "wait", &t, &format!("--timeout={flag}")]);
        assert_eq!(refused.code, 2, "--timeout {flag}: {}", refused.stderr);
        assert!(refused.stderr.contains("--timeout"), "{}", refused.stderr);
    }
}

#[test]
fn every_upstream_only_command() {
    let s = spawn(ServerConfig::ephemeral().dialect(taskqueue_proto::Dialect::Upstream)).unwrap();
    let up = |args: &[&str]| upstream(&s, args);
    let json = |args: &[&str]| upstream_json(&s, args);
    let table = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--format", "table"]);
        let run = up(&all);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        run.stdout
    };
    let project = json(&["projects", "create", "extras"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let task = |name: &str| {
        let args = [
            "tasks",
            "create",
            name,
            "true",
            "--project-id",
            &project,
            "--description",
            "d",
        ];
        json(&args)["id"].as_str().unwrap().to_owned()
    };
    let (a, b, c) = (task("alpha"), task("beta"), task("gamma"));

    assert_eq!(
        json(&["tasks", "status", &a]),
        serde_json::json!({"id": a, "status": "Planning"})
    );
    assert_eq!(
        json(&["tasks", "result", &a]),
        serde_json::json!({"id": a, "result": null})
    );
    assert_eq!(json(&["tasks", "priority", &a, "critical"])["priority"], "Critical");
    assert_eq!(
        up(&["tasks", "priority", &a, "urgent"]).code,
        2,
        "refused before sending"
    );

    let deps = json(&words(
        "tasks deps add",
        &[&b, &a, "--correlation-id", "build-1", "--name", "alpha"],
    ));
    assert_eq!(deps[0]["task_id"], a.as_str());
    json(&words(
        "tasks deps add",
        &[&c, &b, "--condition", "completion", "--optional"],
    ));
    let cycle = up(&["tasks", "deps", "add", &a, &c]);
    assert_eq!(cycle.code, 5, "a cycle: {}", cycle.stderr);
    assert!(
        cycle.stderr.contains(&format!("{a} → {c} → {b} → {a}")),
        "{}",
        cycle.stderr
    );
    assert_eq!(json(&["tasks", "deps", "list", &c])[0]["condition"], "Completion");
    assert!(table(&["tasks", "deps", "list", &b]).contains("build-1"));
    assert_eq!(json(&["tasks", "correlations", &b]), serde_json::json!(["build-1"]));

    let advanced = json(&["tasks", "advance", &a]);
    assert_eq!(
        (advanced["advanced"].as_bool(), &advanced["task"]["id"]),
        (Some(true), &serde_json::json!(a))
    );
    let refused = up(&["tasks", "set-status", &a, "testing"]);
    assert_eq!(refused.code, 5, "a refused transition: {}", refused.stderr);
    assert_eq!(
        json(&["tasks", "set-status", &a, "TestCreation"])["status"],
        "TestCreation"
    );
    assert_eq!(up(&["tasks", "set-status", &a, "bogus"]).code, 2);

    assert_eq!(
        json(&["tasks", "retry", &c, "--reset-retry-count"])["retry_attempts"],
        0
    );
    assert_eq!(json(&["tasks", "status", &c])["status"], "Pending");

    let upsert = [
        "tasks",
        "upsert",
        "delta",
        "echo delta",
        "--project-id",
        &project,
        "--description",
        "first",
    ];
    let created = json(&upsert);
    let changed = json(&words(
        "tasks upsert delta",
        &[
            "echo v2",
            "--project-id",
            &project,
            "--description",
            "second",
            "--priority",
            "low",
        ],
    ));
    assert_eq!(
        (created["id"].clone(), changed["command"].clone()),
        (changed["id"].clone(), serde_json::json!("echo v2"))
    );

    let dir = scratch();
    let file = write(
        &dir,
        "wf.json",
        &format!(
            r#"{{"name":"release","description":"two steps","tasks":["{b}","{c}"],
                 "dependencies":[{{"from":"{b}","to":"{c}","condition":"Success"}}]}}"#
        ),
    );
    let wf = json(&["workflows", "submit", &file]);
    let wf_id = wf["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (wf["name"].as_str(), wf["tasks"].as_array().map(Vec::len)),
        (Some("release"), Some(2))
    );
    assert_eq!(json(&["workflows", "list"]).as_array().unwrap().len(), 1);
    assert_eq!(json(&["workflows", "get", &wf_id])["id"], wf_id.as_str());
    assert_eq!(
        json(&["workflows", "status", &wf_id]),
        serde_json::json!({"id": wf_id, "status": "Pending"})
    );
    let shown = table(&["workflows", "get", &wf_id]);
    assert!(
        shown.contains("release") && shown.contains("beta") && shown.contains("FROM"),
        "{shown}"
    );
    let bad = write(&dir, "bad.json", r#"{"name":"w","tasks":[],"owner":1}"#);
    let run = up(&["workflows", "submit", &bad]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("unknown field `owner`"), "{}", run.stderr);
    assert_eq!(up(&["workflows", "get", &uuid_of(1)]).code, 3);

    assert_eq!(json(&["stats"])["total_tasks"], 4);
    assert!(table(&["stats"]).contains("workflows"));
    assert_eq!(json(&["metrics"])["tasks_submitted_total"], 4.0);
    assert!(table(&["metrics"]).contains("le=+Inf"));
    assert_eq!(up(&["tasks", "status", &uuid_of(2)]).code, 3);

    // The documented API has none of these: exit 2, saying what is needed.
    let spec = spawn(ServerConfig::ephemeral()).unwrap();
    for args in [
        vec!["tasks", "status", a.as_str()],
        vec!["workflows", "list"],
        vec!["stats"],
        vec!["metrics"],
    ] {
        let run = on(&spec, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("--dialect upstream"), "{}", run.stderr);
    }
    assert_eq!(spec.total_requests(), 0);
}

/// A fixed, valid id that no server has.
fn uuid_of(n: u128) -> String {
    uuid::Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | n).to_string()
}

#[test]
fn upstream_only_output_escapes_server_text() {
    let s = spawn(ServerConfig::ephemeral().dialect(taskqueue_proto::Dialect::Upstream)).unwrap();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--format", "table"]);
        let run = upstream(&s, &all);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            !run.stdout.contains(['\u{1b}', '\u{7}', '\r']),
            "{args:?}: {:?}",
            run.stdout
        );
        run.stdout
    };
    let id_of = |args: &[&str]| upstream_json(&s, args)["id"].as_str().unwrap().to_owned();
    let project = id_of(&["projects", "create", "p"]);
    let evil = "evil\u{1b}[31mRED\u{1b}]0;pwned\u{7}\u{1b}[2J";
    let id = id_of(&[
        "tasks",
        "create",
        evil,
        "x",
        "--project-id",
        &project,
        "--description",
        evil,
    ]);
    upstream(&s, &["tasks", "cancel", &id, "--reason", evil]);
    assert!(run(&["tasks", "result", &id]).contains("evil\\u{1b}[31m"));
    let other = id_of(&[
        "tasks",
        "create",
        "o",
        "x",
        "--project-id",
        &project,
        "--description",
        "d",
    ]);
    let deps = [
        "tasks",
        "deps",
        "add",
        &other,
        &id,
        "--name",
        evil,
        "--correlation-id",
        evil,
    ];
    upstream_json(&s, &deps);
    run(&["tasks", "deps", "list", &other]);
    run(&["tasks", "correlations", &other]);
    let dir = scratch();
    let name = evil.replace('\u{1b}', "\\u001b").replace('\u{7}', "\\u0007");
    let file = write(&dir, "wf.json", &format!(r#"{{"name":"{name}","tasks":["{id}"]}}"#));
    let wf = id_of(&["workflows", "submit", &file]);
    run(&["workflows", "get", &wf]);
    run(&["workflows", "list"]);
}

/// `--idempotency-key` on `tasks create` and `tasks create-batch`, in both
/// dialects: a lost reply or a failed run, run again with the same key,
/// leaves every task once and prints the same ids.
#[test]
fn idempotency_keys_make_creates_and_batches_safe_to_run_again() {
    for dialect in [taskqueue_proto::Dialect::Spec, taskqueue_proto::Dialect::Upstream] {
        let s = spawn(ServerConfig::ephemeral().dialect(dialect)).unwrap();
        let route = |path: &str| match dialect {
            taskqueue_proto::Dialect::Upstream => path.to_owned(),
            _ => format!("/api{path}"),
        };
        let run = |args: &[&str]| {
            let mut all = vec!["--dialect", dialect.as_str(), "--format", "json"];
            all.extend_from_slice(args);
            on(&s, &all)
        };
        let p = run(&["projects", "create", "keyed"]).json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let count = || {
            run(&["tasks", "list", "--project-id", &p, "--all"])
                .json()
                .as_array()
                .unwrap()
                .len()
        };

        // One create, its reply lost, then the same command again.
        s.faults().push(
            FaultRule::new(Fault::DropAfterApplying)
                .times(1)
                .on(http::Method::POST, route("/tasks")),
        );
        let create = [
            "tasks",
            "create",
            "once",
            "true",
            "--project-id",
            &p,
            "--idempotency-key",
            "deploy-42",
        ];
        let first = run(&create);
        assert_eq!(first.code, 0, "{dialect}: {}", first.stderr);
        let again = run(&create);
        assert_eq!(again.code, 0, "{dialect}: {}", again.stderr);
        assert_eq!(first.json()["id"], again.json()["id"], "{dialect}: the same task");
        assert_eq!(count(), 1, "{dialect}: one task");

        // A batch of 20 that fails half-way, run again with its key.
        let dir = scratch();
        let lines: String = (0..20)
            .map(|i| format!("{{\"name\":\"b{i}\",\"command\":\"true\",\"project_id\":\"{p}\"}}\n"))
            .collect();
        let file = write(&dir, "batch.jsonl", &lines);
        for rule in [
            FaultRule::new(Fault::FailAfterApplying { status: 502 }).times(3),
            FaultRule::new(Fault::Status {
                status: 503,
                body: FaultBody::Empty,
            })
            .times(24),
        ] {
            s.faults().push(rule.on(http::Method::POST, route("/tasks")));
        }
        let batch = [
            "tasks",
            "create-batch",
            &file,
            "--idempotency-key",
            "nightly",
            "--concurrency",
            "4",
        ];
        let failed = run(&batch);
        assert_ne!(failed.code, 0, "{dialect}: the outage failed some items");
        s.faults().clear();
        let done = run(&batch);
        assert_eq!(done.code, 0, "{dialect}: {}", done.stderr);
        let first: Vec<Value> = failed.json().as_array().unwrap().clone();
        let second: Vec<Value> = done.json().as_array().unwrap().clone();
        for (a, b) in first.iter().zip(&second) {
            if a["ok"] == true {
                assert_eq!(a["task"]["id"], b["task"]["id"], "{dialect}: the same task both runs");
            }
        }
        assert_eq!(count(), 21, "{dialect}: every line once, and the single task");
    }
}

/// A write whose outcome cannot be checked exits 10 and says what to look at.
#[test]
fn an_unknown_outcome_exits_10_and_says_what_to_check() {
    let s = spawn(ServerConfig::ephemeral().dialect(taskqueue_proto::Dialect::Upstream)).unwrap();
    s.faults().push(
        FaultRule::new(Fault::DropAfterApplying)
            .times(1)
            .on(http::Method::POST, "/projects"),
    );
    let run = upstream(&s, &["projects", "create", "ledger"]);
    assert_eq!(run.code, 10, "{}", run.stderr);
    assert!(run.stderr.contains("may have been applied"), "{}", run.stderr);
    assert!(run.stderr.contains("list the projects"), "{}", run.stderr);
    let projects = upstream_json(&s, &["projects", "list"]);
    let named = projects
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "ledger")
        .count();
    assert_eq!(named, 1, "applied once, never twice");
}

/// A listener that answers every request `200 []` and keeps each request's head.
struct Recording {
    url: String,
    heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

fn recording_listener() -> Recording {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = heads.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            kept.lock().unwrap().push(String::from_utf8_lossy(&head).to_lowercase());
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]",
            );
        }
    });
    Recording { url, heads }
}

/// Runs with the config file `toml` (written to a fresh directory, mode 0600).
fn with_config(toml: &str, args: &[&str]) -> Run {
    let dir = scratch();
    let path = dir.join("config.toml");
    std::fs::write(&path, toml).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut all = vec!["--config", path.to_str().unwrap()];
    all.extend_from_slice(args);
    finish(taskqueue(&all).output().unwrap())
}

#[test]
fn credentials_go_only_to_the_host_they_belong_to() {
    let (prod, dev) = (recording_listener(), recording_listener());
    let file = |dev_extra: &str| {
        format!(
            "base_url = \"{}\"\ntoken = \"PROD\"\n[profiles.dev]\nbase_url = \"{}\"\n{dev_extra}",
            prod.url, dev.url
        )
    };
    let heads = |r: &Recording| r.heads.lock().unwrap().clone();

    // A profile with its own server inherits no top-level credential.
    let run = with_config(&file(""), &["--profile", "dev", "projects", "list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        heads(&dev).iter().all(|h| !h.contains("authorization")),
        "{:?}",
        heads(&dev)
    );

    // Its own API key is sent, and the production token does not replace it.
    let run = with_config(
        &file("api_key = \"DEVKEY\"\n"),
        &["--profile", "dev", "projects", "list"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let last = heads(&dev).pop().unwrap();
    assert!(
        last.contains("x-api-key: devkey") && !last.contains("bearer prod"),
        "{last}"
    );

    // --base-url to another host with the file's credential: refused, nothing sent.
    let before = heads(&dev).len();
    let run = with_config(&file(""), &["--base-url", &dev.url, "projects", "list"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let (p, d) = (
        prod.url.trim_start_matches("http://"),
        dev.url.trim_start_matches("http://"),
    );
    assert!(
        run.stderr.contains(p) && run.stderr.contains(d),
        "names both hosts: {}",
        run.stderr
    );
    assert_eq!(heads(&dev).len(), before, "nothing reached the other host");

    // An explicit token is the user's own choice.
    let run = with_config(
        &file(""),
        &["--base-url", &dev.url, "--token", "MINE", "projects", "list"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(heads(&dev).pop().unwrap().contains("bearer mine"));
    // The production host still gets its token.
    let run = with_config(&file(""), &["projects", "list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(heads(&prod).pop().unwrap().contains("bearer prod"));
}

#[test]
fn a_credential_over_plain_http_to_another_machine_is_refused() {
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--base-url",
            "http://tq.example.invalid:9",
            "--token",
            "T",
            "--retries",
            "0",
        ];
        args.extend_from_slice(extra);
        args.extend(["projects", "list"]);
        finish(taskqueue(&args).output().unwrap())
    };
    let refused = run(&[]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("clear text"), "{}", refused.stderr);
    assert!(refused.stderr.contains("--allow-insecure-http"), "{}", refused.stderr);
    // Said explicitly, it goes ahead (and fails to connect: the host does not exist).
    let allowed = run(&["--allow-insecure-http"]);
    assert_eq!(allowed.code, 7, "{}", allowed.stderr);
}

#[test]
fn config_and_url_errors_never_echo_secrets() {
    // Quotes forgotten: the TOML error names the line and key, not the value.
    let run = with_config("token = s3cr3t-value\n", &["projects", "list"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("s3cr3t"), "{}", run.stderr);
    assert!(
        run.stderr.contains("line 1") && run.stderr.contains("token"),
        "{}",
        run.stderr
    );
    // A password in a URL is never shown.
    for url in ["http://user:hunter2@tq.example.com/", "http://user:hunter2@tq example"] {
        let run = finish(taskqueue(&["--base-url", url, "projects", "list"]).output().unwrap());
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    }
}

#[cfg(unix)]
#[test]
fn a_config_file_readable_by_others_holding_a_token_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let server = recording_listener();
    let dir = scratch();
    let path = dir.join("config.toml");
    std::fs::write(&path, format!("base_url = \"{}\"\ntoken = \"T\"\n", server.url)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = finish(
        taskqueue(&["--config", path.to_str().unwrap(), "projects", "list"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("can be read by other users").count(),
        1,
        "{}",
        run.stderr
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = finish(
        taskqueue(&["--config", path.to_str().unwrap(), "projects", "list"])
            .output()
            .unwrap(),
    );
    assert!(!run.stderr.contains("other users"), "{}", run.stderr);
}

/// Runs `args` under a pseudo-terminal (util-linux `script`), as a person
/// would at a terminal: what the terminal was sent.
#[cfg(unix)]
fn at_a_terminal(server: &RunningServer, args: &[&str]) -> String {
    let mut words = vec![BIN.to_owned(), "--base-url".into(), server.base_url()];
    words.extend(args.iter().map(|a| a.to_string()));
    let command = words.join(" ");
    let mut cmd = Command::new("script");
    for (key, _) in std::env::vars() {
        if key.starts_with("TASKQUEUE_") || key == "NO_COLOR" {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .env("XDG_CONFIG_HOME", scratch())
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("util-linux `script` (Debian's bsdutils) runs the CLI under a pty");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stdout).unwrap()
}

#[cfg(unix)]
#[test]
fn a_bidi_task_name_is_shown_escaped_at_a_terminal() {
    let s = spawn(ServerConfig::ephemeral()).unwrap();
    let p = new_project(&s);
    let evil = "invoice\u{202e}fdp.exe\u{200b}\u{7f}\u{9b}";
    let id = new_task(&s, &p, evil, "true");
    let table = at_a_terminal(&s, &["tasks", "get", &id]);
    assert!(!table.contains('\u{202e}') && !table.contains('\u{200b}'), "{table:?}");
    assert!(table.contains("\\u{202e}") && table.contains("\\u{200b}"), "{table:?}");
    let listed = at_a_terminal(&s, &["tasks", "list"]);
    assert!(
        !listed.contains('\u{202e}') && listed.contains("\\u{202e}"),
        "{listed:?}"
    );
    // JSON at a terminal: \u escapes, still the same value.
    let json = at_a_terminal(&s, &["tasks", "get", &id, "--format", "json"]);
    assert!(!json.contains(['\u{202e}', '\u{7f}', '\u{9b}']), "{json:?}");
    let value: Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(value["name"], evil);
    // Piped, JSON stays byte-exact.
    let piped = ok(&s, &["tasks", "get", &id, "--format", "json"]);
    assert!(piped.stdout.contains(evil));
}

/// Durations too large for a clock are refused with a usage error, never a panic.
#[test]
fn huge_durations_are_refused_not_a_panic() {
    for args in [
        &["--http-timeout", "1e19", "health"][..],
        &["tasks", "watch", "--interval", "1e19"][..],
    ] {
        let mut all = vec!["--base-url", "http://127.0.0.1:9"];
        all.extend_from_slice(args);
        let run = finish(taskqueue(&all).output().unwrap());
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("at most"), "{args:?}: {}", run.stderr);
    }
}

/// `tasks list --all` prints as the listing arrives, in both dialects: JSON
/// lines (`--format jsonl`), a JSON array written task by task (the same
/// value `--format json` always printed), and a table whose widths are set
/// by its first rows and bounded (a long name is cut with `…`).
#[test]
fn tasks_list_all_prints_while_the_listing_arrives() {
    for dialect in [taskqueue_proto::Dialect::Spec, taskqueue_proto::Dialect::Upstream] {
        let s = spawn(ServerConfig::ephemeral().dialect(dialect)).unwrap();
        let run = |args: &[&str]| {
            let mut all = vec!["--dialect", dialect.as_str()];
            all.extend_from_slice(args);
            on(&s, &all)
        };
        let p = run(&["projects", "create", "many", "--format", "json"]).json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let long = "n".repeat(200);
        let items: Vec<String> = (0..130)
            .map(|i| {
                let name = if i == 10 || i == 100 {
                    long.clone()
                } else {
                    format!("t{i:03}")
                };
                format!(r#"{{"name":"{name}","command":"echo {i}","project_id":"{p}"}}"#)
            })
            .collect();
        let file = write(&scratch(), "many.jsonl", &items.join("\n"));
        assert_eq!(run(&["tasks", "create-batch", &file, "--format", "json"]).code, 0);

        let lines = run(&["tasks", "list", "--all", "--limit", "50", "--format", "jsonl"]);
        assert_eq!(lines.code, 0, "{}", lines.stderr);
        let tasks: Vec<Value> = lines.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(tasks.len(), 130, "{dialect:?}");
        assert!(tasks.iter().all(|t| t["id"].is_string()));

        let array = run(&["tasks", "list", "--all", "--limit", "50", "--format", "json"]);
        assert_eq!(array.json().as_array().unwrap(), &tasks, "the same tasks as one array");
        let empty = run(&["tasks", "list", "--all", "--status", "failed", "--format", "json"]);
        assert_eq!(empty.json(), serde_json::json!([]));

        let table = run(&["tasks", "list", "--all", "--limit", "50", "--format", "table"]);
        assert_eq!(table.code, 0, "{}", table.stderr);
        let rows: Vec<&str> = table.stdout.lines().collect();
        assert!(rows[0].starts_with("ID") && rows[0].contains("NAME"), "{}", rows[0]);
        assert_eq!(rows.len(), 2 + 130 + 1, "header, rule, rows, count");
        assert_eq!(rows.last(), Some(&"130 task(s)"));
        let widest = rows.iter().map(|r| r.chars().count()).max().unwrap();
        assert!(widest < 160, "bounded widths: {widest}");
        // Each long name is cut (to the bound, or to the width the first rows set).
        assert!(!table.stdout.contains(&"n".repeat(48)), "{}", table.stdout);
        assert_eq!(table.stdout.matches("n…").count(), 2, "{}", table.stdout);
    }
}
