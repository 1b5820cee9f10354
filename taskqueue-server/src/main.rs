//! `taskqueue-server`: the reference Task Queue server (spec dialect) as a
//! command. See `taskqueue-server --help`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use taskqueue_proto::Dialect;
use taskqueue_server::{ServerConfig, serve_until};

/// The reference Task Queue server: the documented API (openapi.yaml), in
/// memory, for local use, examples and tests.
///
/// Tasks and projects live in memory and are gone when the server stops.
/// Commands are never run: with --complete-after, tasks only pretend to.
/// Stops cleanly on Ctrl-C or SIGTERM, finishing requests in flight.
#[derive(Debug, Parser)]
#[command(name = "taskqueue-server", version, about, long_about)]
struct Args {
    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, default_value = taskqueue_server::DEFAULT_ADDR, env = "TASKQUEUE_SERVER_ADDR")]
    addr: SocketAddr,

    /// Require `Authorization: Bearer TOKEN` on every route but /api/health.
    #[arg(long, env = "TASKQUEUE_SERVER_TOKEN", hide_env_values = true)]
    token: Option<String>,

    /// Require `X-API-Key: KEY` (either credential is accepted when both are set).
    #[arg(long, env = "TASKQUEUE_SERVER_API_KEY", hide_env_values = true)]
    api_key: Option<String>,

    /// Allow N requests per second per client address; beyond it answer 429 with Retry-After.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit: Option<u32>,

    /// Simulate execution: new tasks start Running and become Completed after SECS
    /// (Failed if the command is exactly `false`).
    #[arg(long, value_name = "SECS")]
    complete_after: Option<f64>,

    /// Print one line per request to stderr.
    #[arg(long)]
    log_requests: bool,

    /// Answer as the documented API (spec) or as the public Task Queue server
    /// does on the wire (upstream: no /api prefix, acknowledgements, text errors).
    #[arg(long, default_value = "spec", value_parser = ["spec", "upstream"])]
    dialect: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let dialect = if args.dialect == "upstream" {
        Dialect::Upstream
    } else {
        Dialect::Spec
    };
    let mut config = ServerConfig::new()
        .addr(args.addr)
        .log_requests(args.log_requests)
        .dialect(dialect);
    if let Some(token) = args.token {
        config = config.token(token);
    }
    if let Some(key) = args.api_key {
        config = config.api_key(key);
    }
    if let Some(n) = args.rate_limit {
        config = config.rate_limit(n);
    }
    if let Some(secs) = args.complete_after {
        match Duration::try_from_secs_f64(secs) {
            Ok(d) => config = config.complete_after(d),
            Err(_) => {
                eprintln!("error: --complete-after {secs}: expected a non-negative number of seconds");
                return ExitCode::from(2);
            }
        }
    }
    if let Err(e) = config.validate() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    match run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(config: ServerConfig) -> std::io::Result<()> {
    let listener = std::net::TcpListener::bind(config.addr)
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", config.addr)))?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    println!("taskqueue-server listening on http://{addr}");
    runtime.block_on(serve_until(listener, config, shutdown_signal()))?;
    eprintln!("taskqueue-server stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
