//! `POST /tasks/upsert`: create a task, or change the one of that name.

use http::{Method, Request, Response, StatusCode};

use super::{json_request, refused, task_path, upstream_only};
use crate::error::Missing;
use crate::ops::projects::project_path;
use crate::ops::upstream::{get, task_of};
use crate::ops::{Flow, Reading, Transition, decode};
use crate::{Config, Error, Task, TaskUpsertRequest};

/// Creates a task, or changes the one of the same name, and answers the
/// whole task (the server answers a few of its fields: the SDK fetches it).
/// The server answers an unknown project with an empty 500: the SDK then
/// asks for the project, and answers `ProjectNotFound` if there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpsertTask {
    /// What to create or change.
    pub request: TaskUpsertRequest,
}

impl UpsertTask {
    /// Creates or changes the task `request` names.
    pub fn new(request: TaskUpsertRequest) -> Self {
        UpsertTask { request }
    }
}

upstream_only!(UpsertTask, Task, UpsertTaskFlow, "upsert_task";
    /// An upsert matches by name: sent twice, it changes the task it created.
    fn repeatable_in(&self, _dialect: crate::Dialect) -> bool {
        true
    }
);

/// The exchanges of [`UpsertTask`].
#[derive(Debug, Clone)]
pub enum UpsertTaskFlow {
    /// `POST /tasks/upsert`.
    Upsert,
    /// `GET /tasks/{id}` of the task the server answered.
    Fetch,
    /// `GET /projects/{id}` after a 500, holding the server's error.
    ProbeProject(Box<Error>),
}

impl Flow<UpsertTask> for UpsertTaskFlow {
    fn start(op: &UpsertTask, config: &Config) -> Result<(Self, Request<Vec<u8>>), Error> {
        op.request.validate()?;
        let body = serde_json::to_value(&op.request).map_err(|e| Error::invalid_input("body", e.to_string()))?;
        Ok((
            UpsertTaskFlow::Upsert,
            json_request(config, Method::POST, "/tasks/upsert", &body)?,
        ))
    }

    fn read(&self, op: &UpsertTask, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, UpsertTask> {
        let status = response.status();
        let subject = format!("task named {:?}", op.request.name);
        let project = op.request.project_id;
        match self {
            UpsertTaskFlow::Upsert if status.is_success() => {
                #[derive(serde::Deserialize)]
                struct Ack {
                    task: Partial,
                }
                #[derive(serde::Deserialize)]
                struct Partial {
                    id: crate::TaskId,
                }
                let ack: Ack = decode(status, response.headers(), response.body())?;
                Ok(Transition::Next(
                    UpsertTaskFlow::Fetch,
                    get(config, &task_path(&ack.task.id))?,
                ))
            }
            UpsertTaskFlow::Upsert if status == StatusCode::INTERNAL_SERVER_ERROR => {
                let original = refused("upsert_task", &subject, &response, Missing::Nothing);
                let probe = get(config, &project_path(&project))?;
                Ok(Transition::Next(
                    UpsertTaskFlow::ProbeProject(Box::new(original)),
                    probe,
                ))
            }
            UpsertTaskFlow::Fetch if status.is_success() => task_of(&response).map(Transition::Done),
            UpsertTaskFlow::ProbeProject(_) if status == StatusCode::NOT_FOUND => Err(refused(
                "upsert_task",
                &subject,
                &response,
                Missing::Project(Some(project)),
            )),
            UpsertTaskFlow::ProbeProject(original) => Err((**original).clone()),
            _ => Err(refused("upsert_task", &subject, &response, Missing::Task(None))),
        }
    }
}
