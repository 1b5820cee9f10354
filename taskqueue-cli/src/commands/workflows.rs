//! `taskqueue workflows …`, `taskqueue stats` and `taskqueue metrics`
//! (the public server: `--dialect upstream`).

use std::path::Path;

use crate::Client;
use crate::cli::WorkflowCommand;
use crate::exit::Failure;
use crate::output::Printer;
use crate::parse;

pub(crate) fn run(client: &Client, out: &Printer, command: WorkflowCommand) -> Result<(), Failure> {
    match command {
        WorkflowCommand::Submit { file } => out.workflow(&client.submit_workflow(read(&file)?)?),
        WorkflowCommand::List => out.workflows(&client.list_workflows()?),
        WorkflowCommand::Get { id } => out.workflow(&client.get_workflow(parse::id("workflow", &id)?)?),
        WorkflowCommand::Status { id } => {
            let id = parse::id("workflow", &id)?;
            let status = client.get_workflow_status(id)?;
            out.workflow_status(id, &status);
        }
    }
    Ok(())
}

/// The workflow in a file (`-`: standard input), read and checked before anything is sent.
fn read(file: &Path) -> Result<taskqueue_proto::WorkflowCreateRequest, Failure> {
    let text = super::read_input(file)?;
    crate::workflow_file::parse(&file.display().to_string(), &text).map_err(Failure::usage)
}

pub(crate) fn stats(client: &Client, out: &Printer) -> Result<(), Failure> {
    out.stats(&client.server_stats()?);
    Ok(())
}

pub(crate) fn metrics(client: &Client, out: &Printer) -> Result<(), Failure> {
    out.metrics(&client.server_metrics()?);
    Ok(())
}
