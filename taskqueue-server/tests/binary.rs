//! The `taskqueue-server` binary as a process: prints its address, serves,
//! stops cleanly on SIGTERM, and explains itself in `--help`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_taskqueue-server");

#[test]
fn prints_the_chosen_port_serves_and_stops_on_sigterm() {
    let mut child = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0", "--log-requests", "--token", "t"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("taskqueue-server listening on ")
        .unwrap_or_else(|| panic!("{line:?}"));
    let addr: std::net::SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
    assert_ne!(addr.port(), 0);

    assert_eq!(support::req(addr, "GET", "/api/health").send().status, 200);
    assert_eq!(
        support::req(addr, "GET", "/api/tasks").send().status,
        401,
        "--token is enforced"
    );

    #[cfg(unix)]
    {
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{:?}", output.status);
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(log.contains("GET /api/health 200"), "{log}");
        assert!(log.contains("GET /api/tasks 401"), "{log}");
        assert!(log.contains("stopped"), "{log}");
    }
}

#[test]
fn help_lists_every_option() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--addr",
        "--token",
        "--api-key",
        "--rate-limit",
        "--complete-after",
        "--log-requests",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
}

#[test]
fn bad_arguments_fail_with_a_message() {
    let out = Command::new(BIN).args(["--addr", "nowhere"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--addr"));
    let out = Command::new(BIN).args(["--complete-after", "-1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn flags_the_upstream_dialect_cannot_honour_are_refused_at_start() {
    for flags in [
        &["--token", "t"][..],
        &["--api-key", "k"][..],
        &["--rate-limit", "5"][..],
    ] {
        let out = Command::new(BIN)
            .args(["--addr", "127.0.0.1:0", "--dialect", "upstream"])
            .args(flags)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(flags[0]) && stderr.contains("cannot be honoured"),
            "{stderr}"
        );
    }
    // The library refuses the same settings.
    let config = taskqueue_server::ServerConfig::ephemeral()
        .dialect(taskqueue_proto::Dialect::Upstream)
        .token("t");
    assert!(taskqueue_server::spawn(config).is_err());
}
