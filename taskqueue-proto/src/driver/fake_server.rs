//! A tiny in-memory task server for the machines' tests: `GET /api/tasks`
//! (with `project_id`, `limit`, `offset`) and `GET /api/tasks/{id}`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::models::TaskId;
use http::{Request, Response};

use super::Outcome;
use crate::{Task, TaskStatus};

#[derive(Clone, Default)]
pub(crate) struct FakeServer {
    pub(crate) tasks: Arc<Mutex<BTreeMap<TaskId, Task>>>,
    /// `GET /api/tasks?…` or `GET /api/tasks/{id}`, each request received.
    pub(crate) log: Arc<Mutex<Vec<String>>>,
}

pub(crate) fn task(n: u128, project: u128, status: TaskStatus) -> Task {
    let mut task = Task::new(TaskId::from_u128(n), format!("t{n}"), "c", chrono::DateTime::UNIX_EPOCH);
    task.project_id = Some(crate::ProjectId::from_u128(project));
    task.status = status;
    task
}

impl FakeServer {
    pub(crate) fn with(tasks: Vec<Task>) -> Self {
        let server = FakeServer::default();
        server
            .tasks
            .lock()
            .unwrap()
            .extend(tasks.into_iter().map(|t| (t.id, t)));
        server
    }

    pub(crate) fn set_status(&self, n: u128, status: TaskStatus) {
        if let Some(task) = self.tasks.lock().unwrap().get_mut(&TaskId::from_u128(n)) {
            task.status = status;
        }
    }

    pub(crate) fn remove(&self, n: u128) {
        self.tasks.lock().unwrap().remove(&TaskId::from_u128(n));
    }

    pub(crate) fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The server's answer to `request`.
    pub(crate) fn answer(&self, request: &Request<Vec<u8>>) -> Outcome {
        let path = request.uri().path();
        self.log
            .lock()
            .unwrap()
            .push(request.uri().to_string().replace("http://localhost:8080", ""));
        let tasks = self.tasks.lock().unwrap();
        let json = |status: u16, body: Vec<u8>| Ok(Response::builder().status(status).body(body).unwrap());
        if path == "/api/tasks" {
            let query: BTreeMap<String, String> = request
                .uri()
                .query()
                .unwrap_or_default()
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            let offset: usize = query.get("offset").map_or(0, |v| v.parse().unwrap());
            let limit: usize = query.get("limit").map_or(100, |v| v.parse().unwrap());
            let project = query.get("project_id").map(|p| p.parse::<crate::ProjectId>().unwrap());
            let listed: Vec<&Task> = tasks
                .values()
                .filter(|t| project.is_none_or(|p| t.project_id == Some(p)))
                .skip(offset)
                .take(limit)
                .collect();
            return json(200, serde_json::to_vec(&listed).unwrap());
        }
        let id: TaskId = path.trim_start_matches("/api/tasks/").parse().unwrap();
        match tasks.get(&id) {
            Some(task) => json(200, serde_json::to_vec(task).unwrap()),
            None => json(404, Vec::new()),
        }
    }
}
