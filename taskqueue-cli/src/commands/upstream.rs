//! `taskqueue tasks …` for the public server's endpoints beyond the
//! documents: status, result, retry, priority, dependencies, correlations,
//! phase advance, status changes, upsert (`--dialect upstream`).

use taskqueue_proto::ops::RetryTask;
use taskqueue_proto::{AddDependency, DependencyCondition, TaskStatus, TaskUpsertRequest};

use crate::Client;
use crate::cli::{DepsCommand, TaskUpsertArgs};
use crate::exit::Failure;
use crate::output::Printer;
use crate::parse;

/// `tasks status ID`: `{"id", "status"}`.
pub(crate) fn status(client: &Client, out: &Printer, id: &str) -> Result<(), Failure> {
    let id = parse::id("task", id)?;
    let status = client.get_task_status(id)?;
    out.task_status(id, &status);
    Ok(())
}

/// `tasks result ID`: `{"id", "result"}`, the result `null` while there is none.
pub(crate) fn result(client: &Client, out: &Printer, id: &str) -> Result<(), Failure> {
    let id = parse::id("task", id)?;
    let result = client.get_task_result(id)?;
    out.task_result(id, result.as_ref());
    Ok(())
}

pub(crate) fn retry(client: &Client, out: &Printer, id: &str, reset: bool) -> Result<(), Failure> {
    let retry = RetryTask::new(parse::id("task", id)?);
    let retry = if reset { retry.reset_retry_count() } else { retry };
    out.task(&client.execute(retry)?);
    Ok(())
}

pub(crate) fn priority(client: &Client, out: &Printer, id: &str, priority: &str) -> Result<(), Failure> {
    let id = parse::id("task", id)?;
    out.task(&client.set_task_priority(id, parse::value("priority", priority)?)?);
    Ok(())
}

pub(crate) fn deps(client: &Client, out: &Printer, command: DepsCommand) -> Result<(), Failure> {
    let deps = match command {
        DepsCommand::Add {
            id,
            depends_on,
            condition,
            optional,
            correlation_id,
            name,
        } => {
            let condition: DependencyCondition = parse::value("condition", &condition)?;
            let mut dependency = AddDependency::on(parse::id("task", &depends_on)?).condition(condition);
            if optional {
                dependency = dependency.optional();
            }
            dependency.correlation_id = correlation_id;
            dependency.name = name;
            client.add_dependency(parse::id("task", &id)?, dependency)?
        }
        DepsCommand::List { id } => client.list_dependencies(parse::id("task", &id)?)?,
    };
    out.dependencies(&deps);
    Ok(())
}

pub(crate) fn correlations(client: &Client, out: &Printer, id: &str) -> Result<(), Failure> {
    out.strings(&client.list_correlations(parse::id("task", id)?)?, "correlation(s)");
    Ok(())
}

/// `tasks advance ID`: `{"advanced", "task"}`.
pub(crate) fn advance(client: &Client, out: &Printer, id: &str) -> Result<(), Failure> {
    out.phase_advance(&client.advance_phase(parse::id("task", id)?)?);
    Ok(())
}

pub(crate) fn set_status(client: &Client, out: &Printer, id: &str, status: &str) -> Result<(), Failure> {
    let id = parse::id("task", id)?;
    let status: TaskStatus = parse::value("status", status)?;
    out.task(&client.set_task_status(id, status)?);
    Ok(())
}

pub(crate) fn upsert(client: &Client, out: &Printer, args: TaskUpsertArgs) -> Result<(), Failure> {
    let project = parse::id("project", &args.project_id)?;
    let mut request = TaskUpsertRequest::new(args.name, args.command, project, args.description);
    if let Some(p) = parse::optional("priority", args.priority.as_deref())? {
        request = request.priority(p);
    }
    out.task(&client.upsert_task(request)?);
    Ok(())
}
