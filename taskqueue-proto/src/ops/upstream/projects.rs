//! How the project operations run against the public server.

use http::{Method, Response, StatusCode};

use super::{acknowledged_id, conflict, error_of, get};
use crate::error::Missing;
use crate::ops::decode_value;
use crate::ops::projects::project_path;
use crate::ops::{
    CreateProject, DeleteProject, Flow, ListProjects, Operation, Reading, Transition, UpdateProject, decode,
};
use crate::{Config, Error, Project};

/// The project in a 2xx body, or the error of another, for `id`.
fn project_of(response: &Response<Vec<u8>>, id: Option<crate::ProjectId>) -> Result<Project, Error> {
    if !response.status().is_success() {
        return Err(error_of(response, Missing::Project(id)));
    }
    decode(response.status(), response.headers(), response.body())
}

/// [`CreateProject`] upstream: create (the server answers `{"id", "status"}`),
/// then fetch the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateProjectFlow {
    /// `POST /projects`.
    Create,
    /// `GET /projects/{id}` of the acknowledged id.
    Fetch,
}

impl Flow<CreateProject> for CreateProjectFlow {
    fn start(op: &CreateProject, config: &Config) -> Result<(Self, http::Request<Vec<u8>>), Error> {
        Ok((CreateProjectFlow::Create, op.build_spec_request(config)?))
    }

    fn read(&self, op: &CreateProject, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, CreateProject> {
        match self {
            CreateProjectFlow::Create if response.status().is_success() => {
                let id = acknowledged_id(&response, "id")?;
                Ok(Transition::Next(
                    CreateProjectFlow::Fetch,
                    get(config, &project_path(&id))?,
                ))
            }
            CreateProjectFlow::Create => op.parse_spec_response(response).map(Transition::Done),
            CreateProjectFlow::Fetch => project_of(&response, None).map(Transition::Done),
        }
    }
}

/// [`ListProjects`] upstream: the spec exchange, sorted oldest first (the
/// server answers in no fixed order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListProjectsFlow;

impl Flow<ListProjects> for ListProjectsFlow {
    fn start(op: &ListProjects, config: &Config) -> Result<(Self, http::Request<Vec<u8>>), Error> {
        Ok((ListProjectsFlow, op.build_spec_request(config)?))
    }

    fn read(&self, op: &ListProjects, _config: &Config, response: Response<Vec<u8>>) -> Reading<Self, ListProjects> {
        let mut projects = op.parse_spec_response(response)?;
        projects.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(Transition::Done(projects))
    }
}

/// [`UpdateProject`] upstream: update (the server answers `{"status":
/// "updated"}`), then fetch the project. A 500 asks whether the project
/// exists (`ProjectNotFound` if not, else the server's error).
#[derive(Debug, Clone)]
pub enum UpdateProjectFlow {
    /// `PUT /projects/{id}`.
    Update,
    /// `GET /projects/{id}` after the update.
    Fetch,
    /// `GET /projects/{id}` after a 500, holding the server's error.
    Probe(Box<Error>),
}

impl Flow<UpdateProject> for UpdateProjectFlow {
    fn start(op: &UpdateProject, config: &Config) -> Result<(Self, http::Request<Vec<u8>>), Error> {
        Ok((UpdateProjectFlow::Update, op.build_spec_request(config)?))
    }

    fn read(&self, op: &UpdateProject, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, UpdateProject> {
        let status = response.status();
        let fetch = || get(config, &project_path(&op.id));
        match self {
            UpdateProjectFlow::Update if status.is_success() => {
                Ok(Transition::Next(UpdateProjectFlow::Fetch, fetch()?))
            }
            UpdateProjectFlow::Update if status == StatusCode::INTERNAL_SERVER_ERROR => {
                let original = Box::new(error_of(&response, Missing::Project(Some(op.id))));
                Ok(Transition::Next(UpdateProjectFlow::Probe(original), fetch()?))
            }
            UpdateProjectFlow::Probe(original) if status.is_success() => Err((**original).clone()),
            _ => project_of(&response, Some(op.id)).map(Transition::Done),
        }
    }
}

/// [`DeleteProject`] upstream: list the project's tasks (`Conflict` if there
/// are any, as on a spec server), delete with `POST /projects/{id}`, and
/// after a 500 ask for the project (gone means `false`).
#[derive(Debug, Clone)]
pub enum DeleteProjectFlow {
    /// `GET /projects/{id}/tasks`.
    CheckTasks,
    /// `POST /projects/{id}`.
    Delete,
    /// `GET /projects/{id}` after a 500, holding the server's error.
    Probe(Box<Error>),
}

impl Flow<DeleteProject> for DeleteProjectFlow {
    fn start(op: &DeleteProject, config: &Config) -> Result<(Self, http::Request<Vec<u8>>), Error> {
        Ok((
            DeleteProjectFlow::CheckTasks,
            get(config, &format!("{}/tasks", project_path(&op.id)))?,
        ))
    }

    fn read(&self, op: &DeleteProject, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, DeleteProject> {
        let status = response.status();
        let missing = Missing::Project(Some(op.id));
        match self {
            DeleteProjectFlow::CheckTasks => {
                if status.is_success() {
                    let tasks = decode_value(status, response.headers(), response.body())?;
                    let tasks = tasks.as_array().map_or(&[][..], Vec::as_slice);
                    if !tasks.is_empty() {
                        let message = format!("Project {} is referenced by {} task(s)", op.id, tasks.len());
                        return Err(conflict("project_not_empty", message, &response));
                    }
                }
                let delete = config.request(Method::POST, &project_path(&op.id), &[], None)?;
                Ok(Transition::Next(DeleteProjectFlow::Delete, delete))
            }
            DeleteProjectFlow::Delete if status.is_success() => Ok(Transition::Done(true)),
            DeleteProjectFlow::Delete if status == StatusCode::NOT_FOUND => Ok(Transition::Done(false)),
            DeleteProjectFlow::Delete if status == StatusCode::INTERNAL_SERVER_ERROR => {
                let original = Box::new(error_of(&response, missing));
                let probe = get(config, &project_path(&op.id))?;
                Ok(Transition::Next(DeleteProjectFlow::Probe(original), probe))
            }
            DeleteProjectFlow::Delete => Err(error_of(&response, missing)),
            DeleteProjectFlow::Probe(_) if status == StatusCode::NOT_FOUND => Ok(Transition::Done(false)),
            DeleteProjectFlow::Probe(original) => Err((**original).clone()),
        }
    }
}
