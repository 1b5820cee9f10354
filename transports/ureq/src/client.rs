//! `Client`: every operation of the API as a blocking method.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Request, Response};
use taskqueue_proto::ops::{
    CancelTask, CreateProject, CreateTask, DeleteProject, DeleteTask, GetProject, GetTask, Health, ListProjects,
    ListTasks, Operation, UpdateProject, UpdateTask,
};
use taskqueue_proto::{
    Action, BatchCreate, Call, CallOptions, Config, DEFAULT_BATCH_CONCURRENCY, Error, HealthStatus, Project,
    ProjectCreateRequest, ProjectUpdateRequest, Task, TaskCreateRequest, TaskFilters, TaskUpdateRequest,
    TransportError, Wait, WaitAction,
};
use uuid::Uuid;

use crate::TaskPages;
use crate::agent::agent_for;
use crate::classify::classify;
use crate::entropy::ENTROPY;

struct Inner {
    config: Config,
    agent: ureq::Agent,
}

/// A blocking Task Queue client on a ureq 3 agent (connections are pooled
/// and reused). Cloning is cheap and shares the pool; the client is `Send +
/// Sync`, so one can serve every thread. `Debug` never shows credentials.
///
/// ```no_run
/// use taskqueue_ureq::Client;
/// use taskqueue_proto::{Config, ProjectCreateRequest, TaskCreateRequest};
///
/// let client = Client::new(Config::new("http://127.0.0.1:8080")?)?;
/// let project = client.create_project(ProjectCreateRequest::new("website"))?;
/// let task = client.create_task(TaskCreateRequest::new("build", "make", project.id))?;
/// println!("{} is {}", task.id, task.status);
/// # Ok::<(), taskqueue_proto::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    options: CallOptions,
    batch_concurrency: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("options", &self.options)
            .field("batch_concurrency", &self.batch_concurrency)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `config`.
    pub fn new(config: Config) -> Result<Self, Error> {
        let agent = agent_for(&config)?;
        Ok(Client {
            inner: Arc::new(Inner { config, agent }),
            options: CallOptions::new(),
            batch_concurrency: DEFAULT_BATCH_CONCURRENCY,
        })
    }

    /// A client for the server at `base_url`, with every other setting at its default.
    pub fn with_base_url(base_url: &str) -> Result<Self, Error> {
        Self::new(Config::new(base_url)?)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// A client sharing this one's connections whose calls use `options`
    /// (per-attempt timeout, deadline, retry policy, idempotency key).
    ///
    /// ```no_run
    /// # let client = taskqueue_ureq::Client::with_base_url("http://127.0.0.1:8080")?;
    /// use std::time::Duration;
    /// use taskqueue_proto::{CallOptions, RetryPolicy};
    /// let patient = client.with_options(CallOptions::new().timeout(Duration::from_secs(120)).retry(RetryPolicy::never()));
    /// let projects = patient.list_projects()?;
    /// # Ok::<(), taskqueue_proto::Error>(())
    /// ```
    pub fn with_options(&self, options: CallOptions) -> Client {
        Client {
            inner: self.inner.clone(),
            options,
            batch_concurrency: self.batch_concurrency,
        }
    }

    /// How many creates [`create_tasks`](Client::create_tasks) keeps in flight (default 8, at least 1).
    pub fn with_batch_concurrency(mut self, concurrency: usize) -> Client {
        self.batch_concurrency = concurrency.max(1);
        self
    }

    /// Runs any operation as one logical call: retries, backoff and deadlines
    /// as the config and options say.
    pub fn execute<O: Operation>(&self, op: O) -> Result<O::Output, Error> {
        self.execute_with(op, self.options.clone())
    }

    /// Runs an operation with these options instead of the client's.
    pub fn execute_with<O: Operation>(&self, op: O, options: CallOptions) -> Result<O::Output, Error> {
        let mut entropy = ENTROPY;
        let mut call = Call::new(op, &self.inner.config, options, &mut entropy);
        #[cfg(feature = "tracing")]
        let _span = call.span().clone().entered();
        loop {
            match call.poll(Instant::now()) {
                Action::Send { request, timeout } => {
                    let outcome = self.send(request, timeout);
                    call.record(outcome, Instant::now());
                }
                Action::Sleep(pause) => std::thread::sleep(pause),
                Action::Done(result) => return result,
            }
        }
    }

    /// One attempt: send, and read the whole body up to the configured limit.
    fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Result<Response<Vec<u8>>, TransportError> {
        let agent = &self.inner.agent;
        // The agent's own timeout is the config's; only a different one (cut
        // to a deadline, or a per-call override) needs a per-request config.
        let request = if timeout == self.inner.config.timeout() {
            request
        } else {
            agent.configure_request(request).timeout_global(Some(timeout)).build()
        };
        let response = agent.run(request).map_err(classify)?;
        let (parts, mut body) = response.into_parts();
        let bytes = body
            .with_config()
            .limit(self.inner.config.body_limit())
            .read_to_vec()
            .map_err(classify)?;
        Ok(Response::from_parts(parts, bytes))
    }

    /// Creates a task.
    pub fn create_task(&self, request: TaskCreateRequest) -> Result<Task, Error> {
        self.execute(CreateTask::new(request))
    }
    /// Fetches a task; [`Error::TaskNotFound`] if there is none.
    pub fn get_task(&self, id: Uuid) -> Result<Task, Error> {
        self.execute(GetTask::new(id))
    }
    /// One page of tasks matching `filters` (`limit` 100 by default).
    pub fn list_tasks(&self, filters: TaskFilters) -> Result<Vec<Task>, Error> {
        self.execute(ListTasks::new(filters))
    }
    /// Every task matching `filters`, page by page, as an iterator. Each page
    /// is fetched when the previous one is used up; an error ends the walk.
    pub fn list_tasks_all(&self, filters: TaskFilters) -> TaskPages<'_> {
        TaskPages::new(self, filters)
    }
    /// Changes the fields set in `update`.
    pub fn update_task(&self, id: Uuid, update: TaskUpdateRequest) -> Result<Task, Error> {
        self.execute(UpdateTask::new(id, update))
    }
    /// Cancels a task, optionally saying why; [`Error::Conflict`] if it already finished.
    pub fn cancel_task(&self, id: Uuid, reason: Option<&str>) -> Result<Task, Error> {
        let mut op = CancelTask::new(id);
        op.reason = reason.map(str::to_owned);
        self.execute(op)
    }
    /// Deletes a task: `true` if it was deleted, `false` if there was none.
    pub fn delete_task(&self, id: Uuid) -> Result<bool, Error> {
        self.execute(DeleteTask::new(id))
    }
    /// Creates a project.
    pub fn create_project(&self, request: ProjectCreateRequest) -> Result<Project, Error> {
        self.execute(CreateProject::new(request))
    }
    /// Fetches a project; [`Error::ProjectNotFound`] if there is none.
    pub fn get_project(&self, id: Uuid) -> Result<Project, Error> {
        self.execute(GetProject::new(id))
    }
    /// Every project.
    pub fn list_projects(&self) -> Result<Vec<Project>, Error> {
        self.execute(ListProjects)
    }
    /// Changes the fields set in `update`.
    pub fn update_project(&self, id: Uuid, update: ProjectUpdateRequest) -> Result<Project, Error> {
        self.execute(UpdateProject::new(id, update))
    }
    /// Deletes a project: `true` if deleted, `false` if there was none;
    /// [`Error::Conflict`] while tasks reference it.
    pub fn delete_project(&self, id: Uuid) -> Result<bool, Error> {
        self.execute(DeleteProject::new(id))
    }
    /// Whether the server is up.
    pub fn health(&self) -> Result<HealthStatus, Error> {
        self.execute(Health)
    }

    /// Creates many tasks, at most [`with_batch_concurrency`](Client::with_batch_concurrency)
    /// (default 8) at a time on scoped threads.
    ///
    /// Every request is validated first: if one is invalid, nothing is sent
    /// and the error names its index (`tasks[3].name`). Otherwise there is one
    /// result per request, in input order, whether it succeeded or not.
    pub fn create_tasks(&self, requests: Vec<TaskCreateRequest>) -> Result<Vec<Result<Task, Error>>, Error> {
        let batch = BatchCreate::new(requests)?;
        batch.check(&self.inner.config)?;
        Ok(crate::batch::run(self, batch, self.batch_concurrency))
    }

    /// Polls a task until its status is terminal (`Completed`, `Failed`,
    /// `Cancelled`, `Finalized`) — every 0.5 s at first, backing off to 5 s —
    /// or until `timeout`, when it fails with [`Error::WaitTimedOut`] carrying
    /// the last task seen.
    pub fn wait_for_completion(&self, id: Uuid, timeout: Duration) -> Result<Task, Error> {
        let mut wait = Wait::new(id, timeout);
        loop {
            match wait.poll(Instant::now()) {
                WaitAction::Fetch(op) => {
                    let fetched = self.execute(op);
                    wait.record(fetched, Instant::now());
                }
                WaitAction::Sleep(pause) => std::thread::sleep(pause),
                WaitAction::Done(result) => return result,
            }
        }
    }
}
