//! What the quickstart examples share: where the server is, how a task is shown.

use std::time::Duration;

use taskqueue::{Config, Error, Task};
use taskqueue_server::{RunningServer, ServerConfig, spawn};

/// The server's config from `TASKQUEUE_BASE_URL` (and `TASKQUEUE_TOKEN`), or,
/// without it, the reference server started in-process with simulated
/// execution. Keep the returned server alive while the example runs.
pub(crate) fn server_config() -> Result<(Config, Option<RunningServer>), Error> {
    let (base_url, server) = match std::env::var("TASKQUEUE_BASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            println!("Using the server at {url} (TASKQUEUE_BASE_URL)");
            (url, None)
        }
        _ => {
            let server = spawn(ServerConfig::ephemeral().complete_after(Duration::from_secs(1)))
                .map_err(|e| Error::invalid_input("server", format!("could not start the embedded server: {e}")))?;
            println!(
                "TASKQUEUE_BASE_URL is not set: started the reference server in-process at {}",
                server.base_url()
            );
            (server.base_url(), Some(server))
        }
    };
    let mut config = Config::builder().base_url(base_url);
    if let Ok(token) = std::env::var("TASKQUEUE_TOKEN") {
        config = config.token(token);
    }
    Ok((config.build()?, server))
}

/// One task on one line: name, status, priority, id.
pub(crate) fn line(task: &Task) -> String {
    format!(
        "{:<8} {:<10} {:<9} {}",
        task.name,
        task.status.as_str(),
        task.priority.as_str(),
        task.id
    )
}
