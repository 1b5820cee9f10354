//! The shared integration suite on the blocking client (`taskqueue::blocking::Client`).

#![cfg(feature = "blocking")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::Sdk;
use taskqueue::blocking::Client;
use taskqueue::{
    CallOptions, Config, Error, HealthStatus, Project, ProjectCreateRequest, ProjectUpdateRequest, Task,
    TaskCreateRequest, TaskFilters, TaskUpdateRequest,
};
use uuid::Uuid;

impl Sdk for Client {
    fn create_task(&self, request: TaskCreateRequest) -> Result<Task, Error> {
        Client::create_task(self, request)
    }
    fn get_task(&self, id: Uuid) -> Result<Task, Error> {
        Client::get_task(self, id)
    }
    fn list_tasks(&self, filters: TaskFilters) -> Result<Vec<Task>, Error> {
        Client::list_tasks(self, filters)
    }
    fn list_tasks_all(&self, filters: TaskFilters) -> Vec<Result<Task, Error>> {
        Client::list_tasks_all(self, filters).collect()
    }
    fn update_task(&self, id: Uuid, update: TaskUpdateRequest) -> Result<Task, Error> {
        Client::update_task(self, id, update)
    }
    fn cancel_task(&self, id: Uuid, reason: Option<&str>) -> Result<Task, Error> {
        Client::cancel_task(self, id, reason)
    }
    fn delete_task(&self, id: Uuid) -> Result<bool, Error> {
        Client::delete_task(self, id)
    }
    fn create_project(&self, request: ProjectCreateRequest) -> Result<Project, Error> {
        Client::create_project(self, request)
    }
    fn get_project(&self, id: Uuid) -> Result<Project, Error> {
        Client::get_project(self, id)
    }
    fn list_projects(&self) -> Result<Vec<Project>, Error> {
        Client::list_projects(self)
    }
    fn update_project(&self, id: Uuid, update: ProjectUpdateRequest) -> Result<Project, Error> {
        Client::update_project(self, id, update)
    }
    fn delete_project(&self, id: Uuid) -> Result<bool, Error> {
        Client::delete_project(self, id)
    }
    fn create_tasks(&self, requests: Vec<TaskCreateRequest>) -> Result<Vec<Result<Task, Error>>, Error> {
        Client::create_tasks(self, requests)
    }
    fn wait_for_completion(&self, id: Uuid, timeout: Duration) -> Result<Task, Error> {
        Client::wait_for_completion(self, id, timeout)
    }
    fn health(&self) -> Result<HealthStatus, Error> {
        Client::health(self)
    }
    fn with_options(&self, options: CallOptions) -> Box<dyn Sdk> {
        Box::new(Client::with_options(self, options))
    }
}

fn connect(config: Config) -> Box<dyn Sdk> {
    Box::new(Client::new(config).unwrap())
}

integration_suite!(connect);

#[test]
fn the_client_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Client>();
}

#[test]
fn debug_never_shows_credentials() {
    let client = Client::new(
        Config::builder()
            .token("tok-secret")
            .api_key("key-secret")
            .build()
            .unwrap(),
    )
    .unwrap();
    let shown = format!("{client:?}");
    assert!(
        !shown.contains("tok-secret") && !shown.contains("key-secret"),
        "{shown}"
    );
}

#[test]
fn one_client_serves_many_threads() {
    let (server, config) = common::start(taskqueue_server::ServerConfig::ephemeral());
    let client = Client::new(config).unwrap();
    std::thread::scope(|s| {
        for i in 0..8 {
            let client = &client;
            s.spawn(move || {
                client
                    .create_project(ProjectCreateRequest::new(format!("p{i}")))
                    .unwrap()
            });
        }
    });
    assert_eq!(client.list_projects().unwrap().len(), 8);
    assert!(
        server.connections_accepted() <= 9,
        "connections are pooled: {}",
        server.connections_accepted()
    );
}
