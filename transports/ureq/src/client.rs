//! `Client`: every endpoint of the API as a blocking method, over any
//! [`BlockingTransport`] (ureq by default).

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;

use taskqueue_proto::driver::{BlockingTransport, IntoMachine, Machine, run_blocking};
use taskqueue_proto::ops::{ListAllTasks, WatchTasks};
use taskqueue_proto::{CallOptions, Config, Error, TaskFilters};

use crate::UreqTransport;
use crate::iter::{ItemIter, TaskIter, WatchIter};

/// A blocking Task Queue client: a [`Config`], per-call options, and a
/// [`BlockingTransport`] — by default [`UreqTransport`], a pooled ureq 3
/// agent. Cloning is cheap and shares the transport (and its connections);
/// the client is `Send + Sync` when its transport is, so one can serve every
/// thread. `Debug` never shows credentials.
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
///
/// Over another transport (your own HTTP client, or a test double) with
/// [`Client::with_transport`]; the methods are the same.
pub struct Client<T = UreqTransport> {
    transport: Arc<T>,
    config: Config,
    options: CallOptions,
}

impl<T> Clone for Client<T> {
    fn clone(&self) -> Self {
        Client {
            transport: self.transport.clone(),
            config: self.config.clone(),
            options: self.options.clone(),
        }
    }
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("options", &self.options)
            .field("transport", &std::any::type_name::<T>())
            .finish()
    }
}

/// Settings of the blocking client beyond [`Config`], as the async
/// client's builder has them: the connection pool and the batches'
/// concurrency. (A blocking call holds its thread: how many run at once is
/// how many threads call.)
///
/// ```no_run
/// use taskqueue_ureq::Client;
/// use taskqueue_proto::Config;
/// let client = Client::builder(Config::new("http://127.0.0.1:8080")?)
///     .max_idle_per_host(4)
///     .batch_concurrency(16)
///     .build()?;
/// # Ok::<(), taskqueue_proto::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    config: Config,
    max_idle_per_host: usize,
    batch_concurrency: usize,
}

impl ClientBuilder {
    /// Idle connections kept per host (default 20).
    pub fn max_idle_per_host(mut self, n: usize) -> Self {
        self.max_idle_per_host = n;
        self
    }

    /// Creates in flight at once in [`Client::create_tasks`], and fetches in
    /// a multi-wait (default 8, at least 1).
    pub fn batch_concurrency(mut self, n: usize) -> Self {
        self.batch_concurrency = n.max(1);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an extra root certificate or a proxy the
    /// transport cannot use.
    pub fn build(self) -> Result<Client, Error> {
        let config = self.config.with_batch_concurrency(self.batch_concurrency);
        let transport = UreqTransport::with_pool(&config, self.max_idle_per_host)?;
        Ok(Client::with_transport(config, transport))
    }

    /// Builds only the transport, to wrap it (a recorder, a counter of your
    /// own) before giving it to [`Client::with_transport`].
    ///
    /// # Errors
    ///
    /// As [`build`](ClientBuilder::build).
    pub fn build_transport(self) -> Result<UreqTransport, Error> {
        UreqTransport::with_pool(&self.config, self.max_idle_per_host)
    }
}

impl Client<UreqTransport> {
    /// A client for `config` on ureq.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an extra root certificate or a proxy the
    /// transport cannot use.
    pub fn new(config: Config) -> Result<Self, Error> {
        let transport = UreqTransport::new(&config)?;
        Ok(Client::with_transport(config, transport))
    }

    /// The builder of a client for `config`, for the settings beyond it.
    pub fn builder(config: Config) -> ClientBuilder {
        ClientBuilder {
            batch_concurrency: config.batch_concurrency(),
            config,
            max_idle_per_host: crate::agent::DEFAULT_MAX_IDLE_PER_HOST,
        }
    }

    /// A client for the server at `base_url`, with every other setting at its default.
    ///
    /// # Errors
    ///
    /// As [`Config::new`].
    pub fn with_base_url(base_url: &str) -> Result<Self, Error> {
        Self::new(Config::new(base_url)?)
    }
}

impl<T: BlockingTransport> Client<T> {
    /// A client for `config` over `transport`.
    pub fn with_transport(config: Config, transport: T) -> Self {
        Client {
            transport: Arc::new(transport),
            config,
            options: CallOptions::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// A client view sharing this one's transport, config, retry budget and
    /// rate limiter, whose calls use `options` merged into this client's
    /// (per-attempt timeout, deadline, retry policy: what `options` leaves
    /// unset is kept). An idempotency key belongs to one call: give it to
    /// [`execute_with`](Client::execute_with); a view holding one refuses
    /// every call with [`Error::InvalidInput`], nothing sent.
    ///
    /// ```no_run
    /// # let client = taskqueue_ureq::Client::with_base_url("http://127.0.0.1:8080")?;
    /// use std::time::Duration;
    /// use taskqueue_proto::{CallOptions, RetryPolicy};
    /// let patient = client.with_options(CallOptions::new().attempt_timeout(Duration::from_secs(120)).retry(RetryPolicy::never()));
    /// let projects = patient.list_projects()?;
    /// # Ok::<(), taskqueue_proto::Error>(())
    /// ```
    #[must_use]
    pub fn with_options(&self, options: CallOptions) -> Self {
        Client {
            options: self.options.clone().merge(options),
            ..self.clone()
        }
    }

    /// A client view whose [`create_tasks`](Client::create_tasks) and
    /// multi-waits keep `concurrency` requests in flight (default 8, at
    /// least 1); see [`Config::batch_concurrency`].
    #[must_use]
    pub fn with_batch_concurrency(&self, concurrency: usize) -> Self {
        Client {
            config: self.config.with_batch_concurrency(concurrency),
            ..self.clone()
        }
    }

    /// Runs any operation (or job) as one logical call: retries, backoff
    /// and deadlines as the config and options say.
    ///
    /// # Errors
    ///
    /// The call's [`Error`] after the retries the policy allows: [`Error::kind`] says which.
    pub fn execute<J>(&self, job: J) -> Result<<J::Machine as Machine>::Output, Error>
    where
        J: IntoMachine,
        J::Machine: Machine<Item = Infallible>,
    {
        self.run(job, self.options.for_call(None)?)
    }

    /// Runs an operation (or job) with these options merged into the
    /// client's: a per-attempt timeout, a deadline, a retry policy (attempts
    /// and backoff; the budget and limiter stay the client's), and the
    /// call's idempotency key.
    ///
    /// # Errors
    /// The call's error; [`Error::InvalidInput`] if the key is malformed or
    /// this view holds one of its own.
    pub fn execute_with<J>(&self, job: J, options: CallOptions) -> Result<<J::Machine as Machine>::Output, Error>
    where
        J: IntoMachine,
        J::Machine: Machine<Item = Infallible>,
    {
        self.run(job, self.options.for_call(Some(options))?)
    }

    fn run<J>(&self, job: J, options: CallOptions) -> Result<<J::Machine as Machine>::Output, Error>
    where
        J: IntoMachine,
        J::Machine: Machine<Item = Infallible>,
    {
        let machine = job.into_machine(&self.config, &options, self.transport.random_u64());
        run_blocking(&*self.transport, machine)
    }

    /// Every task matching `filters`, page by page, as an iterator. Each page
    /// is fetched when the previous one is used up; an error ends the walk.
    pub fn list_tasks_all(&self, filters: TaskFilters) -> TaskIter<T> {
        let pages = ListAllTasks::new(filters).into_machine(&self.config, &self.options, self.transport.random_u64());
        ItemIter::new(self.transport.clone(), pages)
    }

    /// The events of a watch (created, changed, updated, deleted tasks) as
    /// an iterator; it ends at the job's timeout, or with the error of
    /// rounds that keep failing.
    pub fn watch(&self, job: WatchTasks) -> WatchIter<T> {
        let watch = job.into_machine(&self.config, &self.options, self.transport.random_u64());
        ItemIter::new(self.transport.clone(), watch)
    }

    taskqueue_proto::endpoints!(blocking);
}
