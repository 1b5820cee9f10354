//! Workflows: submit (the SDK builds the whole workflow the server wants),
//! list, get, status.

use crate::models::{TaskId, WorkflowId};
use chrono::{DateTime, Utc};
use http::{Method, Request, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Exchange, OneExchange, json_request, read_json, refused, task_path, upstream_only};
use crate::driver::random::{SeedSource, uuid_v4};
use crate::error::Missing;
use crate::ops::upstream::{acknowledged_id, get};
use crate::ops::{Flow, Reading, Transition, decode, decode_error, decode_value};
use crate::{Config, Error, Task, Workflow, WorkflowCreateRequest, WorkflowStatus};

fn workflow_path(id: &WorkflowId) -> String {
    format!("/workflows/{}", id.as_uuid().as_hyphenated())
}

/// `GET /workflows`: every workflow, with its tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListWorkflows;

upstream_only!(ListWorkflows, Vec<Workflow>, Exchange, "list_workflows");

impl OneExchange for ListWorkflows {
    fn request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        get(config, "/workflows")
    }

    fn read(&self, response: &Response<Vec<u8>>) -> Result<Vec<Workflow>, Error> {
        read_json("list_workflows", "all", response, Missing::Nothing)
    }
}

/// `GET /workflows/{id}`; [`Error::WorkflowNotFound`] if there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetWorkflow {
    /// The workflow.
    pub id: WorkflowId,
}

impl GetWorkflow {
    /// Fetches workflow `id`.
    pub fn new(id: impl Into<WorkflowId>) -> Self {
        GetWorkflow { id: id.into() }
    }
}

upstream_only!(GetWorkflow, Workflow, Exchange, "get_workflow");

impl OneExchange for GetWorkflow {
    fn request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        get(config, &workflow_path(&self.id))
    }

    fn read(&self, response: &Response<Vec<u8>>) -> Result<Workflow, Error> {
        let subject = format!("workflow {}", self.id);
        read_json("get_workflow", &subject, response, Missing::Workflow(Some(self.id)))
    }
}

/// `GET /workflows/{id}/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetWorkflowStatus {
    /// The workflow.
    pub id: WorkflowId,
}

impl GetWorkflowStatus {
    /// Reads workflow `id`'s status.
    pub fn new(id: impl Into<WorkflowId>) -> Self {
        GetWorkflowStatus { id: id.into() }
    }
}

upstream_only!(GetWorkflowStatus, WorkflowStatus, Exchange, "get_workflow_status");

impl OneExchange for GetWorkflowStatus {
    fn request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        get(config, &format!("{}/status", workflow_path(&self.id)))
    }

    fn read(&self, response: &Response<Vec<u8>>) -> Result<WorkflowStatus, Error> {
        #[derive(Deserialize)]
        struct Body {
            status: WorkflowStatus,
        }
        let subject = format!("workflow {}", self.id);
        read_json::<Body>(
            "get_workflow_status",
            &subject,
            response,
            Missing::Workflow(Some(self.id)),
        )
        .map(|b| b.status)
    }
}

/// Submits a workflow of existing tasks and answers it as the server keeps it.
///
/// The public server wants the whole workflow with its tasks embedded in
/// its own wire format, so the SDK fetches each task (`TaskNotFound` names
/// the one missing), checks that the tasks' own dependencies form no cycle
/// among them (the server would refuse the workflow; here it is
/// [`Error::Conflict`] `dependency_cycle`, nothing sent), posts the
/// workflow, and fetches it. Its id comes from the driver's randomness; its
/// time (`at`) from the caller: the client passes its clock, a test a fixed time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubmitWorkflow {
    /// What to submit.
    pub request: WorkflowCreateRequest,
    /// The workflow's creation time.
    pub at: DateTime<Utc>,
}

impl SubmitWorkflow {
    /// Submits `request`, created at `at` (`SystemTime::now()` from a client).
    pub fn new(request: WorkflowCreateRequest, at: impl Into<DateTime<Utc>>) -> Self {
        SubmitWorkflow { request, at: at.into() }
    }

    fn body(&self, id: WorkflowId, tasks: &[Value]) -> Value {
        let at =
            json!({ "secs_since_epoch": self.at.timestamp(), "nanos_since_epoch": self.at.timestamp_subsec_nanos() });
        json!({
            "id": id,
            "name": self.request.name,
            "description": self.request.description,
            "tasks": tasks,
            "dependencies": self.request.dependencies,
            "created_at": at,
            "updated_at": at,
            "status": WorkflowStatus::Pending,
        })
    }
}

upstream_only!(SubmitWorkflow, Workflow, SubmitWorkflowFlow, "submit_workflow");

/// The exchanges of [`SubmitWorkflow`].
#[derive(Debug, Clone, PartialEq)]
pub enum SubmitWorkflowFlow {
    /// `GET /tasks/{id}` of the next task, with the tasks fetched so far (as the server wrote them).
    FetchTask {
        /// The workflow's id, drawn at the start.
        id: WorkflowId,
        /// The tasks fetched so far.
        fetched: Vec<Value>,
        /// Their dependencies, `(task, depended on)`.
        edges: Vec<(TaskId, TaskId)>,
    },
    /// `POST /workflows` of the workflow `id`, made of the `fetched` tasks.
    Submit {
        /// The workflow's id, drawn at the start.
        id: WorkflowId,
        /// The tasks it embeds, as the server wrote them.
        fetched: Vec<Value>,
    },
    /// `GET /workflows/{id}` after it.
    Fetch(WorkflowId),
    /// `GET /workflows/{id}` after a submit that may have been applied: the
    /// id is the client's own, so the workflow is there if it was.
    Reconcile {
        /// The workflow's id.
        id: WorkflowId,
        /// Its tasks, to submit it again if it is not there.
        fetched: Vec<Value>,
    },
}

impl Flow<SubmitWorkflow> for SubmitWorkflowFlow {
    fn start(op: &SubmitWorkflow, config: &Config) -> Result<(Self, Request<Vec<u8>>), Error> {
        Self::start_seeded(op, config, 0)
    }

    fn start_seeded(op: &SubmitWorkflow, config: &Config, seed: u64) -> Result<(Self, Request<Vec<u8>>), Error> {
        op.request.validate()?;
        let id = WorkflowId::from(uuid_v4(&mut SeedSource::new(seed)));
        let state = SubmitWorkflowFlow::FetchTask {
            id,
            fetched: Vec::with_capacity(op.request.tasks.len()),
            edges: Vec::new(),
        };
        Ok((state, get(config, &task_path(&op.request.tasks[0]))?))
    }

    fn reconcile(&self, _op: &SubmitWorkflow, config: &Config) -> Option<crate::ops::Step<Self>> {
        let SubmitWorkflowFlow::Submit { id, fetched } = self else {
            return None;
        };
        let state = SubmitWorkflowFlow::Reconcile {
            id: *id,
            fetched: fetched.clone(),
        };
        Some(get(config, &workflow_path(id)).map(|request| (state, request)))
    }

    fn read(&self, op: &SubmitWorkflow, config: &Config, response: Response<Vec<u8>>) -> Reading<Self, SubmitWorkflow> {
        let status = response.status();
        let subject = format!("workflow {:?}", op.request.name);
        match self {
            SubmitWorkflowFlow::FetchTask { id, fetched, edges } => {
                let task_id = op.request.tasks[fetched.len()];
                if !status.is_success() {
                    let subject = format!("task {task_id} (tasks[{}])", fetched.len());
                    return Err(refused(
                        "submit_workflow",
                        &subject,
                        &response,
                        Missing::Task(Some(task_id)),
                    ));
                }
                // Read once; checked as a task, sent as the server wrote it.
                let raw: Value = decode_value(status, response.headers(), response.body())?;
                let task = Task::deserialize(&raw)
                    .map_err(|e| decode_error::<Task>(status, response.headers(), response.body(), e))?;
                let mut fetched = fetched.clone();
                fetched.push(raw);
                let mut edges = edges.clone();
                edges.extend(task.dependency_ids().map(|on| (task.id, on)));
                if let Some(next) = op.request.tasks.get(fetched.len()) {
                    let request = get(config, &task_path(next))?;
                    let state = SubmitWorkflowFlow::FetchTask {
                        id: *id,
                        fetched,
                        edges,
                    };
                    return Ok(Transition::Next(state, request));
                }
                check_embedded_cycles(op, &edges, &response)?;
                let request = json_request(config, Method::POST, "/workflows", &op.body(*id, &fetched))?;
                Ok(Transition::Next(
                    SubmitWorkflowFlow::Submit { id: *id, fetched },
                    request,
                ))
            }
            SubmitWorkflowFlow::Reconcile { .. } if status.is_success() => {
                Ok(Transition::Done(decode(status, response.headers(), response.body())?))
            }
            SubmitWorkflowFlow::Reconcile { id, fetched } if status == http::StatusCode::NOT_FOUND => {
                let request = json_request(config, Method::POST, "/workflows", &op.body(*id, fetched))?;
                let state = SubmitWorkflowFlow::Submit {
                    id: *id,
                    fetched: fetched.clone(),
                };
                Ok(Transition::Next(state, request))
            }
            SubmitWorkflowFlow::Reconcile { id, .. } => Err(refused(
                "submit_workflow",
                &format!("workflow {id}"),
                &response,
                Missing::Nothing,
            )),
            SubmitWorkflowFlow::Submit { id, .. } if status.is_success() => {
                let acknowledged = acknowledged_id(&response, "workflow_id").unwrap_or(*id);
                Ok(Transition::Next(
                    SubmitWorkflowFlow::Fetch(acknowledged),
                    get(config, &workflow_path(&acknowledged))?,
                ))
            }
            SubmitWorkflowFlow::Fetch(_) if status.is_success() => {
                Ok(Transition::Done(decode(status, response.headers(), response.body())?))
            }
            SubmitWorkflowFlow::Fetch(id) => Err(refused(
                "submit_workflow",
                &format!("workflow {id}"),
                &response,
                Missing::Workflow(Some(*id)),
            )),
            SubmitWorkflowFlow::Submit { .. } => Err(refused("submit_workflow", &subject, &response, Missing::Nothing)),
        }
    }
}

/// The server refuses a workflow whose tasks depend on each other in a
/// cycle; say so before sending it.
fn check_embedded_cycles(
    op: &SubmitWorkflow,
    edges: &[(TaskId, TaskId)],
    response: &Response<Vec<u8>>,
) -> Result<(), Error> {
    let within: Vec<(TaskId, TaskId)> = edges
        .iter()
        .copied()
        .filter(|(_, on)| op.request.tasks.contains(on))
        .collect();
    match crate::graph::find_cycle(&op.request.tasks, &within) {
        None => Ok(()),
        Some(cycle) => Err(crate::ops::upstream::conflict(
            "dependency_cycle",
            format!(
                "The tasks of workflow {:?} depend on each other in a cycle: {}; the server refuses such a \
                 workflow, so nothing was sent",
                op.request.name,
                crate::graph::show_cycle(&cycle)
            ),
            response,
        )),
    }
}
