//! The project operations: create, get, list, update, delete.
//!
//! Each is written for the documented API; its `Upstream` type names how it
//! runs against the public server (see the `upstream` layer).

use crate::models::ProjectId;
use http::{Method, Request, Response};

use super::upstream::{self, AsSpec};
use super::{Operation, json_body, parse_delete, parse_json, parse_json_list};
use crate::error::Missing;
use crate::{Config, Error, Project, ProjectCreateRequest, ProjectUpdateRequest};

/// A typical project's size in JSON (about 250 bytes), to reserve room when reading a list.
const PROJECT_JSON_BYTES: usize = 250;

/// `/projects/{id}`.
pub(crate) fn project_path(id: &ProjectId) -> String {
    super::id_path("/projects/", id.as_uuid())
}

/// `POST /api/projects`: creates a project (201, the project). Carries an idempotency key.
///
/// Upstream: the server answers `{"id", "status": "created"}`; the SDK fetches the project.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateProject {
    /// The new project's fields.
    pub request: ProjectCreateRequest,
}

impl CreateProject {
    /// Creates the project described by `request`.
    pub fn new(request: ProjectCreateRequest) -> Self {
        CreateProject { request }
    }
}

impl super::Sealed for CreateProject {}

impl Operation for CreateProject {
    type Output = Project;
    type Upstream = upstream::CreateProjectFlow;

    const NAME: &'static str = "create_project";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        self.request.validate()?;
        config.request(Method::POST, "/projects", &[], Some(json_body(&self.request)?))
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Project, Error> {
        parse_json(response, Missing::Nothing)
    }

    fn wants_idempotency_key(&self) -> bool {
        true
    }

    fn outcome_check(&self) -> String {
        format!(
            "list the projects and look for one named {:?} before creating it again",
            self.request.name
        )
    }
}

/// `GET /api/projects/{id}`: one project; 404 is [`Error::ProjectNotFound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetProject {
    /// The project's id.
    pub id: ProjectId,
}

impl GetProject {
    /// Fetches the project `id`.
    pub fn new(id: impl Into<ProjectId>) -> Self {
        GetProject { id: id.into() }
    }
}

impl super::Sealed for GetProject {}

impl Operation for GetProject {
    type Output = Project;
    type Upstream = AsSpec;

    const NAME: &'static str = "get_project";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::GET, &project_path(&self.id), &[], None)
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Project, Error> {
        parse_json(response, Missing::Project(Some(self.id)))
    }
}

/// `GET /api/projects`: every project, oldest first.
///
/// Upstream: the server answers in no fixed order; the SDK sorts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListProjects;

impl super::Sealed for ListProjects {}

impl Operation for ListProjects {
    type Output = Vec<Project>;
    type Upstream = upstream::ListProjectsFlow;

    const NAME: &'static str = "list_projects";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::GET, "/projects", &[], None)
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Vec<Project>, Error> {
        parse_json_list(response, PROJECT_JSON_BYTES)
    }
}

/// `PUT /api/projects/{id}`: changes the fields that are set; returns the project.
///
/// Upstream: the server answers `{"status": "updated"}`, and a 500 for an
/// unknown project; the SDK fetches the project afterwards, and after a 500
/// reports `ProjectNotFound` if the project does not exist.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UpdateProject {
    /// The project's id.
    pub id: ProjectId,
    /// The fields to change.
    pub update: ProjectUpdateRequest,
}

impl UpdateProject {
    /// Applies `update` to the project `id`.
    pub fn new(id: impl Into<ProjectId>, update: ProjectUpdateRequest) -> Self {
        UpdateProject { id: id.into(), update }
    }
}

impl super::Sealed for UpdateProject {}

impl Operation for UpdateProject {
    type Output = Project;
    type Upstream = upstream::UpdateProjectFlow;

    const NAME: &'static str = "update_project";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        self.update.validate()?;
        config.request(
            Method::PUT,
            &project_path(&self.id),
            &[],
            Some(json_body(&self.update)?),
        )
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Project, Error> {
        parse_json(response, Missing::Project(Some(self.id)))
    }
}

/// `DELETE /api/projects/{id}`: `true` if deleted, `false` if there was no such
/// project; 409 ([`Error::Conflict`]) while tasks still reference it.
///
/// Upstream: deleting is `POST /projects/{id}`, the server deletes a project
/// that tasks reference, and answers a 500 for an unknown one. The SDK lists
/// the project's tasks first (`Conflict` if there are any, as in the spec),
/// and after a 500 asks for the project: gone means `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteProject {
    /// The project's id.
    pub id: ProjectId,
}

impl DeleteProject {
    /// Deletes the project `id`.
    pub fn new(id: impl Into<ProjectId>) -> Self {
        DeleteProject { id: id.into() }
    }
}

impl super::Sealed for DeleteProject {}

impl Operation for DeleteProject {
    type Output = bool;
    type Upstream = upstream::DeleteProjectFlow;

    const NAME: &'static str = "delete_project";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::DELETE, &project_path(&self.id), &[], None)
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<bool, Error> {
        parse_delete(response, Missing::Project(Some(self.id)))
    }

    /// Deleting twice (a `POST` on the public server) leaves it as once.
    fn repeatable_in(&self, _dialect: crate::Dialect) -> bool {
        true
    }
}
