//! `Client`: every operation of the API as an `async` method.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use taskqueue_proto::driver::{AsyncItems, AsyncTransport, IntoMachine, Machine, run};
use taskqueue_proto::ops::{ListAllTasks, WatchTasks};
use taskqueue_proto::{CallOptions, Config, DEFAULT_BATCH_CONCURRENCY, Error, TaskFilters};
use tokio::sync::Semaphore;

use crate::connector::connector;
use crate::host::HostHeader;
use crate::pool::Pool;
use crate::{HyperTransport, TaskStream, WatchStream};

/// Idle connections kept per host by default (the original SDK's `max_keepalive_connections`).
pub const DEFAULT_MAX_IDLE_PER_HOST: usize = 20;
/// How long a connection stays idle in the pool before it is closed rather than reused.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
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
///
/// The client runs over any [`AsyncTransport`] with [`Client::with_transport`]
/// (another HTTP client, another runtime, a test double); the methods are
/// the same.
pub struct Client<T = HyperTransport> {
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

impl<T: fmt::Debug> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("options", &self.options)
            .field("transport", &self.transport)
            .finish()
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
    #[must_use]
    pub fn max_idle_per_host(mut self, n: usize) -> Self {
        self.max_idle_per_host = n;
        self
    }
    /// Requests in flight at once across all clones (default 100, at least
    /// 1, at most tokio's semaphore limit); further requests wait for a slot.
    #[must_use]
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.clamp(1, Semaphore::MAX_PERMITS);
        self
    }
    /// Creates in flight at once in [`Client::create_tasks`] (default 8, at least 1).
    #[must_use]
    pub fn batch_concurrency(mut self, n: usize) -> Self {
        self.batch_concurrency = n.max(1);
        self
    }
    /// Speaks HTTP/2 from the first byte on plain `http://` URLs (the server
    /// must support it). Over TLS, HTTP/2 is negotiated by ALPN without this.
    #[cfg(feature = "http2")]
    #[must_use]
    pub fn http2_prior_knowledge(mut self, on: bool) -> Self {
        self.http2_prior_knowledge = on;
        self
    }

    /// Builds the client. Needs no runtime yet; calls need a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an extra root certificate or a proxy the
    /// transport cannot use.
    pub fn build(self) -> Result<Client, Error> {
        let config = self.config.with_batch_concurrency(self.batch_concurrency);
        Ok(Client::with_transport(config, self.build_transport()?))
    }

    /// Builds only the transport, to wrap it (a
    /// [`Recorder`](https://docs.rs/taskqueue/latest/taskqueue/testing/struct.Recorder.html),
    /// a counter of your own) before giving it to [`Client::with_transport`].
    ///
    /// # Errors
    ///
    /// As [`build`](ClientBuilder::build).
    pub fn build_transport(self) -> Result<HyperTransport, Error> {
        let host = HostHeader::for_base_url(self.config.base_url());
        let pool = Pool::new(connector(&self.config)?, host, self.max_idle_per_host, IDLE_TIMEOUT);
        #[cfg(feature = "http2")]
        let pool = pool.http2_only(self.http2_prior_knowledge);
        Ok(HyperTransport {
            pool,
            in_flight: std::sync::Arc::new(Semaphore::new(self.max_in_flight)),
            timers: crate::deadline::TimerPool::new(self.max_in_flight),
            body_limit: self.config.body_limit(),
        })
    }
}

impl Client<HyperTransport> {
    /// A client for `config` with the default pool bounds.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a setting the transport cannot use (a proxy URL, a root certificate), or [`Error::Transport`] when TLS cannot be set up.
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::builder(config).build()
    }

    /// A client for the server at `base_url`, with every other setting at its default.
    ///
    /// # Errors
    ///
    /// As [`Config::new`].
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
}

pin_project_lite::pin_project! {
    /// A call: its driver running, or the refusal of options it cannot use.
    #[project = CallFutureState]
    enum CallFuture<F> {
        Running { #[pin] run: F },
        Refused { error: Option<Error> },
    }
}

impl<F, O> Future for CallFuture<F>
where
    F: Future<Output = Result<O, Error>>,
{
    type Output = Result<O, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            CallFutureState::Running { run } => run.poll(cx),
            CallFutureState::Refused { error } => Poll::Ready(Err(error.take().unwrap_or_else(polled_again))),
        }
    }
}

/// What a refused call's future gives if it is polled after it finished.
fn polled_again() -> Error {
    Error::invalid_input("call", "the call's future was polled after it finished")
}

impl<T: AsyncTransport + Send + 'static> Client<T> {
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

    /// A client view sharing this one's transport (pool and in-flight
    /// limit), config, retry budget and rate limiter, whose calls use
    /// `options` merged into this client's (what `options` leaves unset is
    /// kept). An idempotency key belongs to one call: give it to
    /// [`execute_with`](Client::execute_with); a view holding one refuses
    /// every call with [`Error::InvalidInput`], nothing sent.
    #[must_use]
    pub fn with_options(&self, options: CallOptions) -> Self {
        Client {
            options: self.options.clone().merge(options),
            ..self.clone()
        }
    }

    /// Runs any operation (or job) as one logical call.
    ///
    /// The machine is made (its request built, its ids drawn) when this is
    /// called; nothing is sent until the future is polled.
    ///
    /// # Errors
    ///
    /// The call's [`Error`] after the retries the policy allows: [`Error::kind`] says which.
    pub fn execute<J>(&self, job: J) -> impl Future<Output = Result<<J::Machine as Machine>::Output, Error>>
    where
        J: IntoMachine,
        J::Machine: Machine<Item = Infallible>,
    {
        self.call(job, self.options.for_call(None))
    }

    /// Runs an operation (or job) with these options merged into the
    /// client's: a per-attempt timeout, a deadline, a retry policy (attempts
    /// and backoff; the budget and limiter stay the client's), and the
    /// call's idempotency key.
    ///
    /// # Errors
    /// The call's error; [`Error::InvalidInput`] if the key is malformed or
    /// this view holds one of its own.
    pub fn execute_with<J>(
        &self,
        job: J,
        options: CallOptions,
    ) -> impl Future<Output = Result<<J::Machine as Machine>::Output, Error>>
    where
        J: IntoMachine,
        J::Machine: Machine<Item = Infallible>,
    {
        self.call(job, self.options.for_call(Some(options)))
    }

    /// The call's future: the driver over the job's machine, or the
    /// options' refusal. One future, not an `async fn` around another: each
    /// layer would move the machine (1 kB and more) into its own state.
    fn call<J>(
        &self,
        job: J,
        options: Result<CallOptions, Error>,
    ) -> CallFuture<impl Future<Output = Result<<J::Machine as Machine>::Output, Error>>>
    where
        J: IntoMachine,
        J::Machine: Machine<Item = Infallible>,
    {
        match options {
            Ok(options) => CallFuture::Running {
                run: run(
                    &*self.transport,
                    job.into_machine(&self.config, &options, self.transport.random_u64()),
                ),
            },
            Err(error) => CallFuture::Refused { error: Some(error) },
        }
    }

    /// Every task matching `filters` as a [`futures_core::Stream`], fetching
    /// a page when the previous one is used up; an error ends the stream.
    pub fn list_tasks_all(&self, filters: TaskFilters) -> TaskStream<T> {
        let pages = ListAllTasks::new(filters).into_machine(&self.config, &self.options, self.transport.random_u64());
        TaskStream::new(AsyncItems::new(self.transport.clone(), pages))
    }

    /// The events of a watch (created, changed, updated, deleted tasks) as
    /// a [`futures_core::Stream`]; it ends at the job's timeout, or with the
    /// error of rounds that keep failing.
    pub fn watch(&self, job: WatchTasks) -> WatchStream<T> {
        let watch = job.into_machine(&self.config, &self.options, self.transport.random_u64());
        WatchStream::new(AsyncItems::new(self.transport.clone(), watch))
    }

    taskqueue_proto::endpoints!(async);
}
