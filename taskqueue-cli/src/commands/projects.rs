//! `taskqueue projects …`.

use crate::Client;
use taskqueue_proto::{ProjectCreateRequest, ProjectUpdateRequest};

use crate::cli::{ProjectCommand, ProjectCreateArgs, ProjectUpdateArgs};
use crate::exit::Failure;
use crate::output::Printer;
use crate::parse;

pub(crate) fn run(client: &Client, out: &Printer, command: ProjectCommand) -> Result<(), Failure> {
    match command {
        ProjectCommand::Create(args) => out.project(&client.create_project(create_request(args)?)?),
        ProjectCommand::Get { id } => out.project(&client.get_project(parse::id("project", &id)?)?),
        ProjectCommand::List => out.projects(&client.list_projects()?),
        ProjectCommand::Update(args) => {
            let id = parse::id("project", &args.id)?;
            out.project(&client.update_project(id, update_request(args)?)?);
        }
        ProjectCommand::Delete { id, yes } => super::delete(out, "project", &id, yes, |id| client.delete_project(id))?,
    }
    Ok(())
}

fn create_request(a: ProjectCreateArgs) -> Result<ProjectCreateRequest, Failure> {
    let mut req = ProjectCreateRequest::new(a.name);
    req.description = a.description;
    req.status = parse::optional("status", a.status.as_deref())?;
    req.due_date = a.due_date.as_deref().map(|t| parse::utc("due-date", t)).transpose()?;
    req.tags = a.tags;
    Ok(req)
}

fn update_request(a: ProjectUpdateArgs) -> Result<ProjectUpdateRequest, Failure> {
    let mut u = ProjectUpdateRequest::new();
    u.name = a.name;
    u.description = a.description;
    u.status = parse::optional("status", a.status.as_deref())?;
    u.due_date = a.due_date.as_deref().map(|t| parse::utc("due-date", t)).transpose()?;
    if !a.tags.is_empty() {
        u.tags = Some(a.tags);
    }
    if u.is_empty() {
        return Err(Failure::usage(
            "nothing to update: give at least one field, such as --name or --status",
        ));
    }
    Ok(u)
}
