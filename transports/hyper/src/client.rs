//! `Client`: every operation of the API as an `async` method.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use taskqueue_proto::driver::{run, wait_for_completion};
use taskqueue_proto::ops::{
    CancelTask, CreateProject, CreateTask, DeleteProject, DeleteTask, GetProject, GetTask, Health, ListProjects,
    ListTasks, Operation, UpdateProject, UpdateTask,
};
use taskqueue_proto::{
    BatchCreate, CallOptions, Config, DEFAULT_BATCH_CONCURRENCY, Error, HealthStatus, Project, ProjectCreateRequest,
    ProjectUpdateRequest, Task, TaskCreateRequest, TaskFilters, TaskUpdateRequest,
};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::TaskStream;
use crate::connector::connector;
use crate::transport::Transport;

/// Idle connections kept per host by default (the original SDK's `max_keepalive_connections`).
pub const DEFAULT_MAX_IDLE_PER_HOST: usize = 20;
/// Requests in flight at once by default (the original SDK's `max_connections`).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 100;

/// An async Task Queue client on hyper 1 and tokio.
///
/// Cloning is cheap and shares the connection pool and the in-flight limit;
/// the client is `Send + Sync` and every future it returns is `Send`, so it
/// fits `tokio::spawn` and both runtime flavours. Dropping a future mid-call
/// (in `tokio::select!` or under a timeout) cancels that call and leaves the
/// client usable. `Debug` never shows credentials.
///
/// ```no_run
/// use taskqueue_hyper::Client;
/// use taskqueue_proto::{Config, ProjectCreateRequest, TaskCreateRequest};
///
/// # async fn demo() -> Result<(), taskqueue_proto::Error> {
/// let client = Client::new(Config::new("http://127.0.0.1:8080")?)?;
/// let project = client.create_project(ProjectCreateRequest::new("website")).await?;
/// let task = client.create_task(TaskCreateRequest::new("build", "make", project.id)).await?;
/// println!("{} is {}", task.id, task.status);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Transport>,
    options: CallOptions,
    batch_concurrency: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("options", &self.options)
            .field("batch_concurrency", &self.batch_concurrency)
            .field("in_flight_available", &self.inner.in_flight.available_permits())
            .finish_non_exhaustive()
    }
}

/// Settings of the async client beyond [`Config`]: pool and concurrency bounds.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    config: Config,
    max_idle_per_host: usize,
    max_in_flight: usize,
    batch_concurrency: usize,
    #[cfg(feature = "http2")]
    http2_prior_knowledge: bool,
}

impl ClientBuilder {
    /// Idle connections kept per host (default 20).
    pub fn max_idle_per_host(mut self, n: usize) -> Self {
        self.max_idle_per_host = n;
        self
    }
    /// Requests in flight at once across all clones (default 100, at least 1);
    /// further requests wait for a slot.
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }
    /// Creates in flight at once in [`Client::create_tasks`] (default 8, at least 1).
    pub fn batch_concurrency(mut self, n: usize) -> Self {
        self.batch_concurrency = n.max(1);
        self
    }
    /// Speaks HTTP/2 from the first byte on plain `http://` URLs (the server
    /// must support it). Over TLS, HTTP/2 is negotiated by ALPN without this.
    #[cfg(feature = "http2")]
    pub fn http2_prior_knowledge(mut self, on: bool) -> Self {
        self.http2_prior_knowledge = on;
        self
    }

    /// Builds the client. Needs no runtime yet; calls need a tokio runtime.
    pub fn build(self) -> Result<Client, Error> {
        let connector = connector(&self.config)?;
        let mut pool = PooledClient::builder(TokioExecutor::new());
        pool.pool_max_idle_per_host(self.max_idle_per_host)
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new());
        #[cfg(feature = "http2")]
        pool.http2_only(self.http2_prior_knowledge);
        let http = pool.build(connector);
        let inner = Transport {
            config: self.config,
            http,
            in_flight: Semaphore::new(self.max_in_flight),
        };
        Ok(Client {
            inner: Arc::new(inner),
            options: CallOptions::new(),
            batch_concurrency: self.batch_concurrency,
        })
    }
}

impl Client {
    /// A client for `config` with the default pool bounds.
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::builder(config).build()
    }

    /// A client for the server at `base_url`, with every other setting at its default.
    pub fn with_base_url(base_url: &str) -> Result<Self, Error> {
        Self::new(Config::new(base_url)?)
    }

    /// A builder for pool and concurrency bounds.
    pub fn builder(config: Config) -> ClientBuilder {
        ClientBuilder {
            config,
            max_idle_per_host: DEFAULT_MAX_IDLE_PER_HOST,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            batch_concurrency: DEFAULT_BATCH_CONCURRENCY,
            #[cfg(feature = "http2")]
            http2_prior_knowledge: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// A client sharing this one's pool whose calls use `options`.
    pub fn with_options(&self, options: CallOptions) -> Client {
        Client {
            inner: self.inner.clone(),
            options,
            batch_concurrency: self.batch_concurrency,
        }
    }

    /// Runs any operation as one logical call.
    pub async fn execute<O>(&self, op: O) -> Result<O::Output, Error>
    where
        O: Operation + Send,
        O::Output: Send,
    {
        run(&*self.inner, &self.inner.config, op, self.options.clone()).await
    }

    /// Runs an operation with these options instead of the client's.
    pub async fn execute_with<O>(&self, op: O, options: CallOptions) -> Result<O::Output, Error>
    where
        O: Operation + Send,
        O::Output: Send,
    {
        run(&*self.inner, &self.inner.config, op, options).await
    }

    /// Creates a task.
    pub async fn create_task(&self, request: TaskCreateRequest) -> Result<Task, Error> {
        self.execute(CreateTask::new(request)).await
    }
    /// Fetches a task; [`Error::TaskNotFound`] if there is none.
    pub async fn get_task(&self, id: Uuid) -> Result<Task, Error> {
        self.execute(GetTask::new(id)).await
    }
    /// One page of tasks matching `filters` (`limit` 100 by default).
    pub async fn list_tasks(&self, filters: TaskFilters) -> Result<Vec<Task>, Error> {
        self.execute(ListTasks::new(filters)).await
    }
    /// Every task matching `filters` as a [`futures_core::Stream`], fetching
    /// a page when the previous one is used up; an error ends the stream.
    pub fn list_tasks_all(&self, filters: TaskFilters) -> TaskStream {
        TaskStream::new(self.clone(), filters)
    }
    /// Changes the fields set in `update`.
    pub async fn update_task(&self, id: Uuid, update: TaskUpdateRequest) -> Result<Task, Error> {
        self.execute(UpdateTask::new(id, update)).await
    }
    /// Cancels a task, optionally saying why; [`Error::Conflict`] if it already finished.
    pub async fn cancel_task(&self, id: Uuid, reason: Option<&str>) -> Result<Task, Error> {
        let mut op = CancelTask::new(id);
        op.reason = reason.map(str::to_owned);
        self.execute(op).await
    }
    /// Deletes a task: `true` if it was deleted, `false` if there was none.
    pub async fn delete_task(&self, id: Uuid) -> Result<bool, Error> {
        self.execute(DeleteTask::new(id)).await
    }
    /// Creates a project.
    pub async fn create_project(&self, request: ProjectCreateRequest) -> Result<Project, Error> {
        self.execute(CreateProject::new(request)).await
    }
    /// Fetches a project; [`Error::ProjectNotFound`] if there is none.
    pub async fn get_project(&self, id: Uuid) -> Result<Project, Error> {
        self.execute(GetProject::new(id)).await
    }
    /// Every project.
    pub async fn list_projects(&self) -> Result<Vec<Project>, Error> {
        self.execute(ListProjects).await
    }
    /// Changes the fields set in `update`.
    pub async fn update_project(&self, id: Uuid, update: ProjectUpdateRequest) -> Result<Project, Error> {
        self.execute(UpdateProject::new(id, update)).await
    }
    /// Deletes a project: `true` if deleted, `false` if there was none;
    /// [`Error::Conflict`] while tasks reference it.
    pub async fn delete_project(&self, id: Uuid) -> Result<bool, Error> {
        self.execute(DeleteProject::new(id)).await
    }
    /// Whether the server is up.
    pub async fn health(&self) -> Result<HealthStatus, Error> {
        self.execute(Health).await
    }

    /// Creates many tasks, at most `batch_concurrency` (default 8) at a time.
    ///
    /// Every request is validated first: if one is invalid, nothing is sent
    /// and the error names its index. Otherwise there is one result per
    /// request, in input order. Dropping the future cancels the creates still
    /// in flight.
    pub async fn create_tasks(&self, requests: Vec<TaskCreateRequest>) -> Result<Vec<Result<Task, Error>>, Error> {
        let batch = BatchCreate::new(requests)?;
        batch.check(&self.inner.config)?;
        Ok(crate::batch::run(self, batch, self.batch_concurrency).await)
    }

    /// Polls a task until its status is terminal (`Completed`, `Failed`,
    /// `Cancelled`, `Finalized`), backing off from 0.5 s to 5 s, or until
    /// `timeout`, when it fails with [`Error::WaitTimedOut`] and the last task seen.
    pub async fn wait_for_completion(&self, id: Uuid, timeout: Duration) -> Result<Task, Error> {
        wait_for_completion(&*self.inner, &self.inner.config, self.options.clone(), id, timeout).await
    }
}
