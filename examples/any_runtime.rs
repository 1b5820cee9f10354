//! The SDK on a runtime that is not tokio, with an HTTP client of its own.
//!
//! ```text
//! cargo run --example any_runtime --features async
//! ```
//!
//! The async client runs over any `AsyncTransport`: send one request, sleep,
//! tell the time, draw a random number (`Client::with_transport`; proto's
//! one async driver does the rest). Here the executor is
//! `futures::executor::block_on`, requests go through ureq on a helper
//! thread, and sleeping is a thread and a oneshot channel: no tokio in the
//! calls at all. (The reference server it talks to runs its own tokio
//! runtime on its own thread, as any server would.)

use std::future::Future;
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use futures_channel::oneshot;
use http::{Request, Response};
use taskqueue::driver::{AsyncTransport, TransportError, TransportErrorKind};
use taskqueue::{Client, Config, Error, ProjectCreateRequest, TaskCreateRequest, TaskFilters};

/// Any HTTP client and timer will do; this one is ureq on a helper thread.
struct ThreadTransport {
    agent: ureq::Agent,
    body_limit: u64,
}

/// Runs `work` on a new thread and awaits its result without blocking the executor.
fn on_a_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> impl Future<Output = Option<T>> + Send {
    let (done, result) = oneshot::channel();
    std::thread::spawn(move || {
        let _ = done.send(work());
    });
    async move { result.await.ok() }
}

impl AsyncTransport for ThreadTransport {
    fn send(
        &self,
        request: Request<Vec<u8>>,
        timeout: Duration,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send {
        let agent = self.agent.clone();
        let limit = self.body_limit;
        let exchange = on_a_thread(move || {
            let request = agent.configure_request(request).timeout_global(Some(timeout)).build();
            let response = agent.run(request).map_err(|e| match e {
                ureq::Error::Timeout(_) => TransportError::new(TransportErrorKind::Timeout, e.to_string()),
                ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
                    TransportError::new(TransportErrorKind::Connect, e.to_string())
                }
                other => TransportError::new(TransportErrorKind::Io, other.to_string()),
            })?;
            let (parts, mut body) = response.into_parts();
            let bytes = body
                .with_config()
                .limit(limit)
                .read_to_vec()
                .map_err(|e| TransportError::new(TransportErrorKind::Io, e.to_string()))?;
            Ok(Response::from_parts(parts, bytes))
        });
        async move {
            exchange
                .await
                .unwrap_or_else(|| Err(TransportError::new(TransportErrorKind::Io, "the sender thread died")))
        }
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        let slept = on_a_thread(move || std::thread::sleep(duration));
        async move {
            slept.await;
        }
    }

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn random_u64(&self) -> u64 {
        std::collections::hash_map::RandomState::new().hash_one(Instant::now())
    }
}

fn main() -> Result<(), Error> {
    let server =
        taskqueue_server::spawn(taskqueue_server::ServerConfig::ephemeral().complete_after(Duration::from_millis(500)))
            .map_err(|e| Error::invalid_input("server", e.to_string()))?;
    println!("reference server at {}", server.base_url());
    let config = Config::new(server.base_url())?;
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent();
    let transport = ThreadTransport {
        agent,
        body_limit: config.body_limit(),
    };

    let client = Client::with_transport(config, transport);
    futures_executor::block_on(async {
        let health = client.health().await?;
        println!("health: {}", health.status);
        let project = client.create_project(ProjectCreateRequest::new("elsewhere")).await?;
        let task = client
            .create_task(TaskCreateRequest::new("build", "make", project.id))
            .await?;
        println!("created {} ({}), status {}", task.name, task.id, task.status);
        let done = client.wait_for_completion(task.id, Duration::from_secs(10)).await?;
        println!("finished: {}", done.status);
        let all = client.list_tasks(TaskFilters::new().project_id(project.id)).await?;
        println!("the project has {} task(s)", all.len());
        Ok(())
    })
}
