//! `taskqueue tasks …`.

use std::path::Path;

use crate::Client;
use taskqueue_proto::ops::{CancelTask, CreateTask, CreateTasks};
use taskqueue_proto::{CallOptions, Error, TaskCreateRequest, TaskFilters, TaskUpdateRequest};

use crate::cli::{Format, TaskCommand, TaskCreateArgs, TaskListArgs, TaskUpdateArgs};
use crate::exit::Failure;
use crate::output::{Printer, TaskListing};
use crate::parse;
use crate::progress::Progress;
use crate::terminal::safe;

pub(crate) fn run(client: &Client, out: &Printer, command: TaskCommand) -> Result<(), Failure> {
    match command {
        TaskCommand::Create(args) => {
            let key = args.idempotency_key.clone();
            let create = CreateTask::new(create_request(args)?);
            let task = match key {
                Some(key) => client.execute_with(create, CallOptions::new().idempotency_key(key))?,
                None => client.execute(create)?,
            };
            out.task(&task);
        }
        TaskCommand::CreateBatch {
            file,
            concurrency,
            idempotency_key,
        } => return create_batch(client, out, &file, concurrency.into(), idempotency_key),
        TaskCommand::Get { id } => out.task(&client.get_task(parse::id("task", &id)?)?),
        TaskCommand::List(args) => {
            let all = args.all;
            let filters = filters(args)?;
            if all {
                return list_all(client, out, filters);
            }
            out.tasks(&client.list_tasks(filters)?);
        }
        TaskCommand::Update(args) => {
            let id = parse::id("task", &args.id)?;
            let update = update_request(args)?;
            out.task(&client.update_task(id, update)?);
        }
        TaskCommand::Cancel { id, reason } => {
            let cancel = CancelTask::new(parse::id("task", &id)?);
            let cancel = match reason {
                Some(reason) => cancel.reason(reason),
                None => cancel,
            };
            out.task(&client.execute(cancel)?);
        }
        TaskCommand::Delete { id, yes } => super::delete(out, "task", &id, yes, |id| client.delete_task(id))?,
        TaskCommand::Wait {
            ids,
            all: _,
            any,
            timeout,
        } => return super::waiting::wait(client, out, &ids, any, timeout),
        TaskCommand::Watch(args) => return super::waiting::watch(client, out, args),
        TaskCommand::Status { id } => return super::upstream::status(client, out, &id),
        TaskCommand::Result { id } => return super::upstream::result(client, out, &id),
        TaskCommand::Retry { id, reset_retry_count } => {
            return super::upstream::retry(client, out, &id, reset_retry_count);
        }
        TaskCommand::Priority { id, priority } => return super::upstream::priority(client, out, &id, &priority),
        TaskCommand::Deps(command) => return super::upstream::deps(client, out, command),
        TaskCommand::Correlations { id } => return super::upstream::correlations(client, out, &id),
        TaskCommand::Advance { id } => return super::upstream::advance(client, out, &id),
        TaskCommand::SetStatus { id, status } => return super::upstream::set_status(client, out, &id, &status),
        TaskCommand::Upsert(args) => return super::upstream::upsert(client, out, args),
    }
    Ok(())
}

/// `tasks list --all`: every task, printed while the listing arrives (a
/// table's widths are set by its first rows); an error ends the output
/// where it stands (the JSON array closed, so what was printed parses).
fn list_all(client: &Client, out: &Printer, filters: TaskFilters) -> Result<(), Failure> {
    let progress = Progress::spinner("listing tasks", out.shows_progress());
    let mut listing = TaskListing::begin(out);
    let mut count = 0u64;
    let mut failure = None;
    for task in client.list_tasks_all(filters) {
        match task {
            Ok(task) => listing.task(&task),
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
        count += 1;
        if count % 256 == 0 {
            progress.message(&format!("listing tasks: {count} so far"));
        }
    }
    progress.finish();
    listing.end();
    match failure {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

fn create_request(a: TaskCreateArgs) -> Result<TaskCreateRequest, Failure> {
    let f = a.fields;
    let mut req = TaskCreateRequest::new(a.name, a.command, parse::id("project", &a.project_id)?);
    if let Some(p) = parse::optional("priority", f.priority.as_deref())? {
        req = req.priority(p);
    }
    if let Some(t) = parse::optional("type", f.task_type.as_deref())? {
        req = req.task_type(t);
    }
    req.description = f.description;
    req.technical_specs = f.specs;
    req.acceptance_criteria = f.criteria;
    req.timeout = f.timeout;
    req.retry_attempts = f.retry_attempts.unwrap_or(req.retry_attempts);
    req.retry_delay = f.retry_delay.unwrap_or(req.retry_delay);
    req.environment = parse::env(&f.env)?;
    req.working_directory = f.working_dir;
    Ok(req)
}

fn filters(a: TaskListArgs) -> Result<TaskFilters, Failure> {
    let mut f = TaskFilters::new();
    f.status = parse::optional("status", a.status.as_deref())?;
    f.priority = parse::optional("priority", a.priority.as_deref())?;
    f.task_type = parse::optional("type", a.task_type.as_deref())?;
    f.project_id = a
        .project_id
        .as_deref()
        .map(|p| parse::id("project", p))
        .transpose()?
        .map(Into::into);
    f.created_after = a
        .created_after
        .as_deref()
        .map(|t| parse::time("created-after", t))
        .transpose()?;
    f.created_before = a
        .created_before
        .as_deref()
        .map(|t| parse::time("created-before", t))
        .transpose()?;
    f.limit = a.limit;
    f.offset = a.offset;
    Ok(f)
}

fn update_request(a: TaskUpdateArgs) -> Result<TaskUpdateRequest, Failure> {
    let f = a.fields;
    let mut u = TaskUpdateRequest::new();
    u.name = a.name;
    u.command = a.command;
    u.status = parse::optional("status", a.status.as_deref())?;
    u.description = f.description;
    u.technical_specs = f.specs;
    u.priority = parse::optional("priority", f.priority.as_deref())?;
    u.task_type = parse::optional("type", f.task_type.as_deref())?;
    u.timeout = f.timeout;
    u.retry_attempts = f.retry_attempts;
    u.retry_delay = f.retry_delay;
    u.working_directory = f.working_dir;
    if !f.criteria.is_empty() {
        u.acceptance_criteria = Some(f.criteria);
    }
    if !f.env.is_empty() {
        u.environment = Some(parse::env(&f.env)?);
    }
    if u.is_empty() {
        return Err(Failure::usage(
            "nothing to update: give at least one field, such as --status or --name",
        ));
    }
    Ok(u)
}

/// Reads a JSON array, or JSON lines, of task create requests from a file
/// (`-`: standard input).
fn read_batch(file: &Path) -> Result<Vec<TaskCreateRequest>, Failure> {
    let text = super::read_input(file)?;
    crate::batch::parse(&file.display().to_string(), &text).map_err(Failure::usage)
}

fn create_batch(
    client: &Client,
    out: &Printer,
    file: &Path,
    concurrency: usize,
    key: Option<String>,
) -> Result<(), Failure> {
    let requests = read_batch(file)?;
    if requests.is_empty() {
        return Err(Failure::usage(format!("{}: no tasks in the file", file.display())));
    }
    let names: Vec<String> = requests.iter().map(|r| r.name.clone()).collect();
    let progress = Progress::bar(requests.len() as u64, out.shows_progress());
    let reporter = progress.clone();
    let job = CreateTasks::new(requests).on_item(move |_, result| reporter.item(result.is_ok()));
    let options = key.map_or_else(CallOptions::new, |key| CallOptions::new().idempotency_key(key));
    let results = client.with_batch_concurrency(concurrency).execute_with(job, options);
    progress.finish();
    let results = results?;
    let failed = results.iter().filter(|r| r.is_err()).count();
    match out.format() {
        Format::Json | Format::Jsonl => {
            let items: Vec<serde_json::Value> = results
                .iter()
                .enumerate()
                .map(|(index, result)| match result {
                    Ok(task) => serde_json::json!({ "index": index, "ok": true, "task": task }),
                    Err(e) => serde_json::json!({ "index": index, "ok": false, "error": error_json(e) }),
                })
                .collect();
            out.json(&items);
        }
        Format::Table => {
            for (index, result) in results.iter().enumerate() {
                match result {
                    Ok(task) => println!("[{index}] created {} {}", task.id, safe(&task.name)),
                    Err(e) => println!("[{index}] FAILED  {}: {}", safe(&names[index]), safe(&e.to_string())),
                }
            }
            println!("{} created, {failed} failed", results.len() - failed);
        }
    }
    if failed > 0 {
        return Err(Failure::new(
            1,
            format!("{failed} of {} tasks were not created (see above)", results.len()),
        ));
    }
    Ok(())
}

fn error_json(e: &Error) -> serde_json::Value {
    serde_json::json!({
        "status": e.status().map(|s| s.as_u16()),
        "code": e.api_error().and_then(|a| a.code.clone()),
        "message": e.to_string(),
        "request_id": e.request_id(),
        "operation": e.operation(),
        "attempts": e.attempts(),
    })
}
