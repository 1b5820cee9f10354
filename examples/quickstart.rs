//! The quickstart: a small workflow on the blocking client.
//!
//! ```text
//! cargo run --example quickstart                                   # embedded server
//! TASKQUEUE_BASE_URL=http://127.0.0.1:8080 cargo run --example quickstart   # your server
//! ```
//!
//! Without `TASKQUEUE_BASE_URL` it starts the reference server in-process
//! (with simulated execution, so tasks complete) and says so. Then it creates
//! a project and a batch of tasks, lists them with a filter, cancels one,
//! deletes one, waits for one to complete, and prints each step.

mod support;

use std::process::ExitCode;
use std::time::Duration;

use taskqueue::blocking::Client;
use taskqueue::{Error, ProjectCreateRequest, TaskCreateRequest, TaskFilters, TaskPriority};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    // Keep the embedded server (if any) alive for the whole run.
    let (config, _server) = support::server_config()?;
    let client = Client::new(config)?;
    let health = client.health()?;
    println!(
        "\n1. Health: {} (version {})",
        health.status,
        health.version.as_deref().unwrap_or("unknown")
    );

    let project =
        client.create_project(ProjectCreateRequest::new("quickstart").description("created by the example"))?;
    println!("\n2. Created project {:?} ({})", project.name, project.id);

    let requests = vec![
        TaskCreateRequest::new("compile", "cargo build --release", project.id).priority(TaskPriority::High),
        TaskCreateRequest::new("test", "cargo test", project.id)
            .priority(TaskPriority::High)
            .execution_timeout(std::time::Duration::from_secs(600)),
        TaskCreateRequest::new("docs", "cargo doc", project.id).priority(TaskPriority::Low),
        TaskCreateRequest::new("package", "cargo package", project.id),
    ];
    println!(
        "\n3. Created a batch of {} tasks (at most 8 at a time):",
        requests.len()
    );
    let mut tasks = Vec::new();
    for result in client.create_tasks(requests)? {
        let task = result?;
        println!("   {}", support::line(&task));
        tasks.push(task);
    }

    let high = client.list_tasks(TaskFilters::new().project_id(project.id).priority(TaskPriority::High))?;
    println!("\n4. High-priority tasks of the project: {}", high.len());
    for task in &high {
        println!("   {}", support::line(task));
    }

    let cancelled = client.execute(taskqueue::ops::CancelTask::new(tasks[2].id).reason("docs are built elsewhere"))?;
    println!("\n5. Cancelled: {}", support::line(&cancelled));

    let deleted = client.delete_task(tasks[3].id)?;
    println!(
        "\n6. Deleted {:?}: {deleted}; deleting it again: {}",
        tasks[3].name,
        client.delete_task(tasks[3].id)?
    );

    let first = &tasks[0];
    println!("\n7. Waiting for {:?} to finish…", first.name);
    let finished = client.wait_for_completion(first.id, Duration::from_secs(30))?;
    println!("   {}", support::line(&finished));

    match client.get_task(tasks[3].id) {
        Err(e @ Error::TaskNotFound(_)) => println!("\n8. Fetching the deleted task is a typed error: {e}"),
        other => println!("\n8. Unexpected: {other:?}"),
    }

    let left = client.list_tasks(TaskFilters::new().project_id(project.id))?;
    println!("\n9. The project has {} tasks left:", left.len());
    for task in &left {
        println!("   {}", support::line(task));
    }
    Ok(())
}
