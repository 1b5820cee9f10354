//! The quickstart's workflow on the async client (`taskqueue::Client`).
//!
//! ```text
//! cargo run --example async_quickstart --features async
//! TASKQUEUE_BASE_URL=http://127.0.0.1:8080 cargo run --example async_quickstart --features async
//! ```
//!
//! Without `TASKQUEUE_BASE_URL` it starts the reference server in-process and
//! says so. Then: a project, a batch of tasks created concurrently, a filtered
//! list, every task streamed page by page, a cancel, a delete, and a wait.

mod support;

use std::process::ExitCode;
use std::time::Duration;

use taskqueue::{Client, Error, ProjectCreateRequest, TaskCreateRequest, TaskFilters, TaskPriority};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    // Keep the embedded server (if any) alive for the whole run.
    let (config, _server) = support::server_config()?;
    let client = Client::new(config)?;

    println!("\n1. Health: {}", client.health().await?.status);
    let project = client
        .create_project(ProjectCreateRequest::new("async-quickstart"))
        .await?;
    println!("\n2. Created project {:?} ({})", project.name, project.id);

    let requests = vec![
        TaskCreateRequest::new("compile", "cargo build --release", project.id).priority(TaskPriority::High),
        TaskCreateRequest::new("test", "cargo test", project.id).priority(TaskPriority::High),
        TaskCreateRequest::new("docs", "cargo doc", project.id).priority(TaskPriority::Low),
        TaskCreateRequest::new("package", "cargo package", project.id),
    ];
    println!("\n3. Created a batch concurrently:");
    let mut tasks = Vec::new();
    for result in client.create_tasks(requests).await? {
        let task = result?;
        println!("   {}", support::line(&task));
        tasks.push(task);
    }

    let high = client
        .list_tasks(TaskFilters::new().project_id(project.id).priority(TaskPriority::High))
        .await?;
    println!("\n4. High-priority tasks: {}", high.len());

    println!("\n5. Every task of the project, streamed a page at a time:");
    let mut stream = client.list_tasks_all(TaskFilters::new().project_id(project.id).limit(2));
    while let Some(task) = stream.next_task().await {
        println!("   {}", support::line(&task?));
    }

    let cancelled = client
        .execute(taskqueue::ops::CancelTask::new(tasks[2].id).reason("docs are built elsewhere"))
        .await?;
    println!("\n6. Cancelled: {}", support::line(&cancelled));
    println!(
        "\n7. Deleted {:?}: {}",
        tasks[3].name,
        client.delete_task(tasks[3].id).await?
    );

    println!("\n8. Waiting for {:?}…", tasks[0].name);
    let done = client.wait_for_completion(tasks[0].id, Duration::from_secs(30)).await?;
    println!("   {}", support::line(&done));
    Ok(())
}
