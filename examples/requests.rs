//! Prints the HTTP requests the SDK builds for a small workflow, and reads a
//! canned response back — no network, no server. Run:
//!
//! ```text
//! cargo run --example requests
//! ```

use std::time::Instant;

use taskqueue::driver::{Action, Call};
use taskqueue::ops::{CancelTask, CreateProject, CreateTask, GetTask, ListTasks, Operation};
use taskqueue::{
    CallOptions, Config, Error, ProjectCreateRequest, TaskCreateRequest, TaskFilters, TaskPriority, TaskStatus,
};

/// Prints the first request a transport is asked to send for `op`: the
/// built request plus the call's request id (and idempotency key).
fn show<O: Operation>(op: O, config: &Config, seed: u64) -> Result<(), Error> {
    let name = O::NAME;
    let mut call = Call::new(op, config.clone(), CallOptions::new(), seed);
    match call.poll(Instant::now()) {
        Action::Send { request, timeout, .. } => {
            println!("# {name} (attempt timeout {}s)", timeout.as_secs());
            println!("{} {}", request.method(), request.uri());
            for (name, value) in request.headers() {
                let shown = if value.is_sensitive() {
                    "[redacted]"
                } else {
                    value.to_str().unwrap_or("<binary>")
                };
                println!("{name}: {shown}");
            }
            if !request.body().is_empty() {
                println!("\n{}", String::from_utf8_lossy(request.body()));
            }
            println!();
            Ok(())
        }
        Action::Done(Err(e)) => Err(e),
        _ => Err(Error::invalid_input("example", "a new call should send first")),
    }
}

fn main() -> Result<(), Error> {
    let config = Config::builder()
        .base_url("http://localhost:8080")
        .token("example-token")
        .build()?;
    let project = uuid::Uuid::from_u128(0x90f92073_d0a3_4d9f_b713_4c06876dde15);
    let task = uuid::Uuid::from_u128(0x6f1c2b9e_8a4d_4c1e_9f3a_2b7d5e8c1a90);

    show(
        CreateProject::new(ProjectCreateRequest::new("website").tag("web")),
        &config,
        2026,
    )?;
    let create = TaskCreateRequest::new("build", "cargo build --release", project)
        .priority(TaskPriority::High)
        .execution_timeout(std::time::Duration::from_secs(600));
    show(CreateTask::new(create), &config, 2027)?;
    show(
        ListTasks::new(TaskFilters::new().status(TaskStatus::Running).limit(50)),
        &config,
        2026,
    )?;
    show(CancelTask::new(task).reason("superseded"), &config, 2027)?;

    // Reading a response: a 404 becomes a typed error with the status kept.
    let response = http::Response::builder()
        .status(404)
        .body(Vec::new())
        .map_err(|e| Error::invalid_input("response", e.to_string()))?;
    match GetTask::new(task).parse_response(&config, response) {
        Err(e @ Error::TaskNotFound(_)) => println!("# get_task answered 404\n{e}"),
        other => println!("# get_task: unexpected {other:?}"),
    }
    Ok(())
}
