//! Testing code that uses the SDK, three ways, with no network of its own:
//!
//! ```text
//! cargo run --example testing --features async,testing
//! ```
//!
//! 1. a `MockTransport`: scripted replies, retries on virtual time;
//! 2. a `Recorder` over a real transport (here the in-process reference
//!    server), then a `Replay` of the cassette it wrote;
//! 3. the reference server with a fault plan, for whole-stack tests.

use std::time::{Duration, Instant};

use serde_json::json;
use taskqueue::blocking::Client;
use taskqueue::driver::BlockingTransport;
use taskqueue::driver::UreqTransport;
use taskqueue::testing::{MockTransport, Recorder, Replay};
use taskqueue::{Config, Error, ProjectCreateRequest};
use taskqueue_server::{Fault, FaultBody, FaultRule, ServerConfig, spawn};

/// The code under test: counts a server's projects, over any blocking transport.
fn project_count<T: BlockingTransport>(client: &Client<T>) -> Result<usize, Error> {
    Ok(client.list_projects()?.len())
}

fn main() -> Result<(), Error> {
    // 1. A mock: a 503 (with a 30 s Retry-After), then the answer.
    let mock = MockTransport::new();
    mock.expect("GET", "/api/projects")
        .respond(
            503,
            &[("retry-after", "30")],
            r#"{"error":"unavailable","message":"busy"}"#,
        )
        .respond_json(200, json!([]));
    let started = Instant::now();
    let count = project_count(&Client::with_transport(Config::new("http://tq.test")?, mock.clone()))?;
    println!(
        "mock: {count} project(s) after {} attempts, {:?} of virtual time in {:?} of real time",
        mock.requests().len(),
        mock.elapsed(),
        started.elapsed()
    );
    mock.verify();

    // 2. Record real exchanges once, replay them without the server.
    let server = spawn(ServerConfig::ephemeral()).map_err(|e| Error::invalid_input("server", e.to_string()))?;
    let config = Config::new(server.base_url())?;
    let cassette = std::env::temp_dir().join(format!("taskqueue-example-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&cassette); // a recorder never writes over a file
    let recorder = Recorder::new(UreqTransport::new(&config)?, &cassette);
    let live = Client::with_transport(config.clone(), recorder);
    live.create_project(ProjectCreateRequest::new("recorded"))?;
    let recorded = project_count(&live)?;
    drop(server); // from here on, no server at all
    let replay = Replay::from_file(&cassette)?;
    let client = Client::with_transport(config, replay.clone());
    client.create_project(ProjectCreateRequest::new("recorded"))?;
    println!(
        "replay: {} project(s), as recorded ({recorded})",
        project_count(&client)?
    );
    replay.verify();
    let _ = std::fs::remove_file(&cassette);

    // 3. The whole stack: the reference server in-process, failing on demand.
    let server = spawn(ServerConfig::ephemeral()).map_err(|e| Error::invalid_input("server", e.to_string()))?;
    server.faults().push(
        FaultRule::new(Fault::Status {
            status: 502,
            body: FaultBody::Html("<h1>Bad Gateway</h1>".into()),
        })
        .times(1)
        .on(http::Method::GET, "/api/projects"),
    );
    let fast = taskqueue::RetryPolicy::default().with_initial_backoff(Duration::from_millis(10));
    let client = Client::new(
        Config::builder()
            .base_url(server.base_url())
            .retry_policy(fast)
            .build()?,
    )?;
    let count = project_count(&client)?;
    println!(
        "reference server: {count} project(s); the server saw {} request(s) (a 502, then the answer)",
        server.request_count("GET", "/api/projects")
    );
    Ok(())
}
