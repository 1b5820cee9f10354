//! A task's dependencies and correlations; adding a dependency, with the
//! cycle check the server does not make.

use std::collections::{HashMap, VecDeque};

use crate::models::TaskId;
use http::{Method, Request, Response, StatusCode};

use super::{Exchange, OneExchange, json_request, read_json, refused, task_path, upstream_only};
use crate::error::Missing;
use crate::ops::upstream::{conflict, get};
use crate::ops::{Flow, Reading, Transition, decode};
use crate::{AddDependency, Config, Dependency, Error};

/// The most tasks [`AddTaskDependency`] visits looking for a cycle. A graph
/// larger than this behind the new dependency is an error: nothing is sent.
pub const MAX_DEPENDENCY_WALK: usize = 10_000;

fn dependencies_path(id: &TaskId) -> String {
    format!("{}/dependencies", task_path(id))
}

/// `GET /tasks/{id}/dependencies`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListDependencies {
    /// The task.
    pub id: TaskId,
}

impl ListDependencies {
    /// Lists task `id`'s dependencies.
    pub fn new(id: impl Into<TaskId>) -> Self {
        ListDependencies { id: id.into() }
    }
}

upstream_only!(ListDependencies, Vec<Dependency>, Exchange, "list_dependencies");

impl OneExchange for ListDependencies {
    fn request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        get(config, &dependencies_path(&self.id))
    }

    fn read(&self, response: &Response<Vec<u8>>) -> Result<Vec<Dependency>, Error> {
        let subject = format!("task {}", self.id);
        read_json("list_dependencies", &subject, response, Missing::Task(Some(self.id)))
    }
}

/// `GET /tasks/{id}/correlations`: the correlation ids of the task's dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListCorrelations {
    /// The task.
    pub id: TaskId,
}

impl ListCorrelations {
    /// Lists the correlation ids of task `id`'s dependencies.
    pub fn new(id: impl Into<TaskId>) -> Self {
        ListCorrelations { id: id.into() }
    }
}

upstream_only!(ListCorrelations, Vec<String>, Exchange, "list_correlations");

impl OneExchange for ListCorrelations {
    fn request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        get(config, &format!("{}/correlations", task_path(&self.id)))
    }

    fn read(&self, response: &Response<Vec<u8>>) -> Result<Vec<String>, Error> {
        let subject = format!("task {}", self.id);
        read_json("list_correlations", &subject, response, Missing::Task(Some(self.id)))
    }
}

/// Adds a dependency to task `id` and answers its dependencies afterwards.
///
/// The public server accepts a dependency that closes a cycle (and then
/// refuses any workflow of those tasks). So the SDK first walks the graph
/// from `depends_on` (breadth first, one `GET …/dependencies` per task, at
/// most [`MAX_DEPENDENCY_WALK`] tasks); if the walk reaches `id`, the call
/// fails with [`Error::Conflict`] (`dependency_cycle`) naming the cycle and
/// nothing is sent. The task depended on must exist (`TaskNotFound`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AddTaskDependency {
    /// The task that gets the dependency.
    pub id: TaskId,
    /// The dependency.
    pub dependency: AddDependency,
}

impl AddTaskDependency {
    /// Adds `dependency` to task `id`.
    pub fn new(id: impl Into<TaskId>, dependency: AddDependency) -> Self {
        AddTaskDependency {
            id: id.into(),
            dependency,
        }
    }
}

upstream_only!(AddTaskDependency, Vec<Dependency>, AddDependencyFlow, "add_dependency");

/// The exchanges of [`AddTaskDependency`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddDependencyFlow {
    /// Reading the dependencies of `current`.
    Walk {
        /// The task whose dependencies were asked for.
        current: TaskId,
        /// Every task reached, with the one it was reached from.
        reached_from: HashMap<TaskId, TaskId>,
        /// Tasks reached whose dependencies are still to read.
        queue: VecDeque<TaskId>,
    },
    /// `POST /tasks/{id}/dependencies`.
    Add,
    /// `GET /tasks/{id}/dependencies` after it.
    Fetch,
    /// `GET /tasks/{id}/dependencies` after an add that may have been
    /// applied: is the dependency there?
    Reconcile,
}

impl AddTaskDependency {
    fn cycle(&self, path_back: Vec<TaskId>, response: Option<&Response<Vec<u8>>>) -> Error {
        let mut cycle = vec![self.id];
        cycle.extend(path_back);
        cycle.push(self.id);
        let message = format!(
            "Adding the dependency of {} on {} would close a cycle: {}; nothing was sent",
            self.id,
            self.dependency.depends_on,
            crate::graph::show_cycle(&cycle)
        );
        let empty = Response::new(Vec::new());
        conflict("dependency_cycle", message, response.unwrap_or(&empty))
    }
}

/// The path from the walk's start to `node`, following `reached_from`.
fn path_to(node: TaskId, reached_from: &HashMap<TaskId, TaskId>) -> Vec<TaskId> {
    let mut path = vec![node];
    let mut at = node;
    while let Some(&from) = reached_from.get(&at) {
        if from == at {
            break;
        }
        path.push(from);
        at = from;
    }
    path.reverse();
    path
}

impl Flow<AddTaskDependency> for AddDependencyFlow {
    fn start(op: &AddTaskDependency, config: &Config) -> Result<(Self, Request<Vec<u8>>), Error> {
        op.dependency.validate()?;
        let start = op.dependency.depends_on;
        if start == op.id {
            return Err(op.cycle(Vec::new(), None));
        }
        let state = AddDependencyFlow::Walk {
            current: start,
            reached_from: HashMap::from([(start, start)]),
            queue: VecDeque::new(),
        };
        Ok((state, get(config, &dependencies_path(&start))?))
    }

    fn reconcile(&self, op: &AddTaskDependency, config: &Config) -> Option<crate::ops::Step<Self>> {
        (*self == AddDependencyFlow::Add)
            .then(|| get(config, &dependencies_path(&op.id)).map(|r| (AddDependencyFlow::Reconcile, r)))
    }

    fn read(
        &self,
        op: &AddTaskDependency,
        config: &Config,
        response: Response<Vec<u8>>,
    ) -> Reading<Self, AddTaskDependency> {
        let status = response.status();
        let subject = format!("task {}", op.id);
        match self {
            AddDependencyFlow::Walk {
                current,
                reached_from,
                queue,
            } => {
                let (mut reached_from, mut queue) = (reached_from.clone(), queue.clone());
                if status == StatusCode::NOT_FOUND && *current == op.dependency.depends_on {
                    let subject = format!("the task depended on, {current}");
                    return Err(refused(
                        "add_dependency",
                        &subject,
                        &response,
                        Missing::Task(Some(*current)),
                    ));
                } else if status.is_success() {
                    let deps: Vec<Dependency> = decode(status, response.headers(), response.body())?;
                    for dep in deps {
                        if dep.task_id == op.id {
                            return Err(op.cycle(path_to(*current, &reached_from), Some(&response)));
                        }
                        if !reached_from.contains_key(&dep.task_id) {
                            if reached_from.len() >= MAX_DEPENDENCY_WALK {
                                return Err(Error::invalid_input(
                                    "depends_on",
                                    format!(
                                        "more than {MAX_DEPENDENCY_WALK} tasks lie behind {}; the cycle check \
                                         stops there, so nothing was sent",
                                        op.dependency.depends_on
                                    ),
                                ));
                            }
                            reached_from.insert(dep.task_id, *current);
                            queue.push_back(dep.task_id);
                        }
                    }
                } else if status != StatusCode::NOT_FOUND {
                    // A 404 deeper in the graph is a dangling reference: nothing behind it.
                    return Err(refused(
                        "add_dependency",
                        &format!("task {current}"),
                        &response,
                        Missing::Nothing,
                    ));
                }
                match queue.pop_front() {
                    Some(next) => {
                        let request = get(config, &dependencies_path(&next))?;
                        let state = AddDependencyFlow::Walk {
                            current: next,
                            reached_from,
                            queue,
                        };
                        Ok(Transition::Next(state, request))
                    }
                    None => {
                        let path = dependencies_path(&op.id);
                        let request = json_request(config, Method::POST, &path, &op.dependency.wire_body())?;
                        Ok(Transition::Next(AddDependencyFlow::Add, request))
                    }
                }
            }
            AddDependencyFlow::Add if status.is_success() => Ok(Transition::Next(
                AddDependencyFlow::Fetch,
                get(config, &dependencies_path(&op.id))?,
            )),
            AddDependencyFlow::Fetch if status.is_success() => {
                Ok(Transition::Done(decode(status, response.headers(), response.body())?))
            }
            AddDependencyFlow::Reconcile if status.is_success() => {
                let deps: Vec<Dependency> = decode(status, response.headers(), response.body())?;
                let wanted = &op.dependency;
                if deps
                    .iter()
                    .any(|d| d.task_id == wanted.depends_on && d.condition == wanted.condition)
                {
                    return Ok(Transition::Done(deps));
                }
                let path = dependencies_path(&op.id);
                let request = json_request(config, Method::POST, &path, &wanted.wire_body())?;
                Ok(Transition::Next(AddDependencyFlow::Add, request))
            }
            _ => Err(refused(
                "add_dependency",
                &subject,
                &response,
                Missing::Task(Some(op.id)),
            )),
        }
    }
}
