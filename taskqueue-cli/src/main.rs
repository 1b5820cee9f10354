//! `taskqueue`: every Task Queue operation from the shell. Tables on a
//! terminal, the wire JSON in pipes; documented exit codes; never a panic,
//! whatever the server sends. Built on the blocking client: no tokio.

mod batch;
mod cli;
mod commands;
mod exit;
mod output;
mod parse;
mod progress;
mod settings;
mod terminal;
mod workflow_file;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use taskqueue::driver::BlockingTransport;
use taskqueue::testing::Recorder;
use taskqueue_ureq::UreqTransport;

use crate::cli::{Cli, Command};
use crate::exit::Failure;
use crate::output::Printer;

/// The client every command gets: ureq, or ureq behind a `--record` cassette.
pub(crate) type Client = taskqueue_ureq::Client<Box<dyn BlockingTransport + Send + Sync>>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbose = cli.global.verbose;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.report(verbose));
            failure.exit()
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "taskqueue", &mut std::io::stdout());
        return Ok(());
    }
    let settings = settings::resolve(&cli.global)?;
    if settings.verbose {
        log_exchanges();
    }
    let transport = UreqTransport::new(&settings.config)?;
    let transport: Box<dyn BlockingTransport + Send + Sync> = match cli.global.record {
        Some(path) => Box::new(Recorder::new(transport, path).overwrite(cli.global.record_overwrite)),
        None => Box::new(transport),
    };
    let client = Client::with_transport(settings.config, transport);
    let out = Printer::new(settings.format, cli.global.quiet);
    match cli.command {
        Command::Tasks(command) => commands::tasks::run(&client, &out, command),
        Command::Projects(command) => commands::projects::run(&client, &out, command),
        Command::Workflows(command) => commands::workflows::run(&client, &out, command),
        Command::Stats => commands::workflows::stats(&client, &out),
        Command::Metrics => commands::workflows::metrics(&client, &out),
        Command::Health => {
            let health = client.health()?;
            let text = format!(
                "{} (version {})",
                health.status,
                health.version.as_deref().unwrap_or("unknown")
            );
            out.message(&text, serde_json::to_value(&health).unwrap_or_default());
            Ok(())
        }
        Command::Completions { .. } => Ok(()),
    }
}

/// `--verbose`: the SDK's per-attempt events on stderr (method, path,
/// status, attempt, duration, request id). They never hold headers or bodies,
/// so no credential can appear.
fn log_exchanges() {
    let filter = tracing_subscriber::filter::Targets::new().with_target("taskqueue_proto", tracing::Level::DEBUG);
    let subscriber = tracing_subscriber::fmt()
        .with_writer(|| terminal::SafeStderr)
        .with_target(false)
        .with_level(true)
        .without_time()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    use tracing_subscriber::layer::SubscriberExt;
    let _ = tracing::subscriber::set_global_default(subscriber.with(filter));
}
