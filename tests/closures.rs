//! The caller's closures as each client needs them: the blocking client
//! takes any closure (one that borrows locals or holds an `Rc`), the async
//! client's futures are `Send` whenever the closures are.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_takes_closures_that_are_neither_send_nor_static() {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;
    use taskqueue::ops::{CreateTasks, WaitForCompletion, WaitForTasks};
    use taskqueue::{ProjectCreateRequest, TaskCreateRequest, TaskStatus};

    let server =
        taskqueue_server::spawn(taskqueue_server::ServerConfig::ephemeral().complete_after(Duration::from_millis(50)))
            .unwrap();
    let client = taskqueue::blocking::Client::with_base_url(&server.base_url()).unwrap();
    let project = client.create_project(ProjectCreateRequest::new("closures")).unwrap();

    let polls = Rc::new(Cell::new(0)); // not Send
    let wanted = TaskStatus::Completed; // borrowed, not moved
    let created = Cell::new(0);
    let results = client
        .execute(
            CreateTasks::new(vec![TaskCreateRequest::new("t", "true", project.id)])
                .on_item(|_, result| created.set(created.get() + usize::from(result.is_ok()))),
        )
        .unwrap();
    assert_eq!(created.get(), 1);
    let id = results[0].as_ref().unwrap().id;

    let seen = Rc::clone(&polls);
    let done = client
        .execute(
            WaitForCompletion::new(id, Duration::from_secs(30))
                .until(|task| task.status == wanted)
                .on_poll(move |_| seen.set(seen.get() + 1)),
        )
        .unwrap();
    assert_eq!(done.status, TaskStatus::Completed);
    assert!(polls.get() >= 1);
    let same = client
        .wait_until(id, |task| task.status == wanted, Duration::from_secs(5))
        .unwrap();
    assert_eq!(same.id, id);

    let finished = Cell::new(0);
    let report = client
        .execute(WaitForTasks::all([id], Duration::from_secs(5)).on_finished(|_, _| finished.set(finished.get() + 1)))
        .unwrap();
    assert!(report.all_finished());
    assert_eq!(finished.get(), 1);
}

#[cfg(feature = "async")]
#[test]
fn the_async_clients_futures_are_send_when_the_closures_are() {
    use std::time::Duration;
    use taskqueue::ops::{CreateTasks, WaitForCompletion, WaitForTasks};
    use taskqueue::{TaskFilters, TaskId};

    fn send<T: Send>(_: T) {}
    let client = taskqueue::Client::with_base_url("http://127.0.0.1:9").unwrap();
    let id = TaskId::nil();
    send(client.get_task(id));
    send(client.list_tasks(TaskFilters::new()));
    send(client.create_tasks(Vec::new()));
    send(client.wait_for_completion(id, Duration::from_secs(1)));
    send(client.wait_until(id, |task| task.status.is_terminal(), Duration::from_secs(1)));
    send(client.wait_all(vec![id], Duration::from_secs(1)));
    send(client.execute(WaitForCompletion::new(id, Duration::from_secs(1)).on_poll(|_| {})));
    send(client.execute(CreateTasks::new(Vec::new()).on_item(|_, _| {})));
    send(client.execute(WaitForTasks::any([id], Duration::from_secs(1)).on_finished(|_, _| {})));
    send(client.list_tasks_all(TaskFilters::new()));
}
