//! The project operations: create, get, list, update, delete.

use http::{Method, Request, Response, StatusCode};
use uuid::Uuid;

use super::upstream::{self, Flow, is_upstream};
use super::{Operation, Step, decode, json_body, parse_delete, parse_json, parse_json_list};
use crate::error::Missing;
use crate::{Config, Error, Project, ProjectCreateRequest, ProjectUpdateRequest};

/// A typical project's size in JSON (about 250 bytes), to reserve room when reading a list.
const PROJECT_JSON_BYTES: usize = 250;

fn project_path(id: &Uuid) -> String {
    format!("/projects/{}", id.as_hyphenated())
}

/// `POST /api/projects`: creates a project (201, the project). Carries an idempotency key.
///
/// Upstream: the server answers `{"id", "status": "created"}`; the SDK fetches the project.
#[derive(Debug, Clone, PartialEq)]
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

/// The project in a 2xx body, or the error of another, for `id`.
fn project_of(response: &Response<Vec<u8>>, id: Option<Uuid>) -> Result<Project, Error> {
    if !response.status().is_success() {
        return Err(upstream::error_of(response, Missing::Project(id)));
    }
    decode(response.status(), response.headers(), response.body())
}

impl Operation for CreateProject {
    type Output = Project;

    fn name(&self) -> &'static str {
        "create_project"
    }

    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        self.request.validate()?;
        config.request(Method::POST, "/projects", &[], Some(json_body(&self.request)?))
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Project, Error> {
        parse_json(response, Missing::Nothing)
    }

    fn wants_idempotency_key(&self) -> bool {
        true
    }

    fn next_step(&mut self, config: &Config, step: usize, response: Response<Vec<u8>>) -> Result<Step<Project>, Error> {
        match step {
            0 if is_upstream(config) && response.status().is_success() => {
                let id = upstream::acknowledged_id(&response, "id")?;
                Ok(Step::FollowUp(upstream::get(config, &project_path(&id))?))
            }
            0 => self.parse_response(response).map(Step::Done),
            _ => project_of(&response, None).map(Step::Done),
        }
    }
}

/// `GET /api/projects/{id}`: one project; 404 is [`Error::ProjectNotFound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetProject {
    /// The project's id.
    pub id: Uuid,
}

impl GetProject {
    /// Fetches the project `id`.
    pub fn new(id: Uuid) -> Self {
        GetProject { id }
    }
}

impl Operation for GetProject {
    type Output = Project;

    fn name(&self) -> &'static str {
        "get_project"
    }

    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::GET, &project_path(&self.id), &[], None)
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Project, Error> {
        parse_json(response, Missing::Project(Some(self.id)))
    }
}

/// `GET /api/projects`: every project.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListProjects;

impl Operation for ListProjects {
    type Output = Vec<Project>;

    fn name(&self) -> &'static str {
        "list_projects"
    }

    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::GET, "/projects", &[], None)
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Vec<Project>, Error> {
        parse_json_list(response, PROJECT_JSON_BYTES)
    }

    fn next_step(
        &mut self,
        config: &Config,
        _step: usize,
        response: Response<Vec<u8>>,
    ) -> Result<Step<Vec<Project>>, Error> {
        let mut projects = self.parse_response(response)?;
        if is_upstream(config) {
            // The public server answers in no fixed order; a spec server, oldest first.
            projects.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        }
        Ok(Step::Done(projects))
    }
}

/// `PUT /api/projects/{id}`: changes the fields that are set; returns the project.
///
/// Upstream: the server answers `{"status": "updated"}`, and a 500 for an
/// unknown project; the SDK fetches the project afterwards, and after a 500
/// reports `ProjectNotFound` if the project does not exist.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateProject {
    /// The project's id.
    pub id: Uuid,
    /// The fields to change.
    pub update: ProjectUpdateRequest,
    flow: Flow,
}

impl UpdateProject {
    /// Applies `update` to the project `id`.
    pub fn new(id: Uuid, update: ProjectUpdateRequest) -> Self {
        UpdateProject {
            id,
            update,
            flow: Flow::Start,
        }
    }
}

impl Operation for UpdateProject {
    type Output = Project;

    fn name(&self) -> &'static str {
        "update_project"
    }

    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        self.update.validate()?;
        config.request(
            Method::PUT,
            &project_path(&self.id),
            &[],
            Some(json_body(&self.update)?),
        )
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Project, Error> {
        parse_json(response, Missing::Project(Some(self.id)))
    }

    fn next_step(
        &mut self,
        config: &Config,
        _step: usize,
        response: Response<Vec<u8>>,
    ) -> Result<Step<Project>, Error> {
        if !is_upstream(config) {
            return self.parse_response(response).map(Step::Done);
        }
        let status = response.status();
        match std::mem::take(&mut self.flow) {
            Flow::Start if status.is_success() => {
                self.flow = Flow::Fetch;
                Ok(Step::FollowUp(upstream::get(config, &project_path(&self.id))?))
            }
            Flow::Start if status == StatusCode::INTERNAL_SERVER_ERROR => {
                self.flow = Flow::Probe(Box::new(upstream::error_of(&response, Missing::Project(Some(self.id)))));
                Ok(Step::FollowUp(upstream::get(config, &project_path(&self.id))?))
            }
            Flow::Probe(original) if status.is_success() => {
                let error = (*original).clone();
                self.flow = Flow::Probe(original);
                Err(error)
            }
            flow => {
                let fetched = project_of(&response, Some(self.id));
                if fetched.is_err() {
                    self.flow = flow; // a retry of this exchange lands here again
                }
                fetched.map(Step::Done)
            }
        }
    }
}

/// `DELETE /api/projects/{id}`: `true` if deleted, `false` if there was no such
/// project; 409 ([`Error::Conflict`]) while tasks still reference it.
///
/// Upstream: deleting is `POST /projects/{id}`, the server deletes a project
/// that tasks reference, and answers a 500 for an unknown one. The SDK lists
/// the project's tasks first (`Conflict` if there are any, as in the spec),
/// and after a 500 asks for the project: gone means `false`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteProject {
    /// The project's id.
    pub id: Uuid,
    flow: Flow,
}

impl DeleteProject {
    /// Deletes the project `id`.
    pub fn new(id: Uuid) -> Self {
        DeleteProject { id, flow: Flow::Start }
    }
}

impl Operation for DeleteProject {
    type Output = bool;

    fn name(&self) -> &'static str {
        "delete_project"
    }

    fn build_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        if is_upstream(config) {
            return upstream::get(config, &format!("{}/tasks", project_path(&self.id)));
        }
        config.request(Method::DELETE, &project_path(&self.id), &[], None)
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<bool, Error> {
        parse_delete(response, Missing::Project(Some(self.id)))
    }

    fn next_step(&mut self, config: &Config, step: usize, response: Response<Vec<u8>>) -> Result<Step<bool>, Error> {
        if !is_upstream(config) {
            return self.parse_response(response).map(Step::Done);
        }
        let status = response.status();
        let delete = || config.request(Method::POST, &project_path(&self.id), &[], None);
        match (step, std::mem::take(&mut self.flow)) {
            // The project's tasks: any left is a conflict, as on a spec server.
            (0, _) => {
                if status.is_success() {
                    let tasks: Vec<serde_json::Value> = decode(status, response.headers(), response.body())?;
                    if !tasks.is_empty() {
                        let message = format!("Project {} is referenced by {} task(s)", self.id, tasks.len());
                        return Err(upstream::conflict("project_not_empty", message, &response));
                    }
                }
                Ok(Step::FollowUp(delete()?))
            }
            (_, Flow::Start) if status.is_success() => Ok(Step::Done(true)),
            (_, Flow::Start) if status == StatusCode::NOT_FOUND => Ok(Step::Done(false)),
            (_, Flow::Start) if status == StatusCode::INTERNAL_SERVER_ERROR => {
                self.flow = Flow::Probe(Box::new(upstream::error_of(&response, Missing::Project(Some(self.id)))));
                Ok(Step::FollowUp(upstream::get(config, &project_path(&self.id))?))
            }
            (_, Flow::Probe(_)) if status == StatusCode::NOT_FOUND => Ok(Step::Done(false)),
            (_, Flow::Probe(original)) => {
                let error = (*original).clone();
                self.flow = Flow::Probe(original);
                Err(error)
            }
            (_, flow) => {
                self.flow = flow;
                Err(upstream::error_of(&response, Missing::Project(Some(self.id))))
            }
        }
    }
}
