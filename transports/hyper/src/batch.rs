//! `create_tasks`: a validated batch with a bounded number of creates in flight.

use taskqueue_proto::{BatchCreate, Error, Task};
use tokio::task::JoinSet;

use crate::Client;

/// Runs every create of `batch`, `concurrency` at a time, as tasks of the
/// current runtime; results in input order. Dropping the future aborts the
/// creates still running.
pub(crate) async fn run(client: &Client, batch: BatchCreate, concurrency: usize) -> Vec<Result<Task, Error>> {
    let mut results = batch.results();
    let mut pending = batch.into_ops();
    let mut running = JoinSet::new();
    loop {
        while running.len() < concurrency {
            let Some((index, op)) = pending.next() else { break };
            let client = client.clone();
            running.spawn(async move { (index, client.execute(op).await) });
        }
        match running.join_next().await {
            Some(Ok((index, result))) => results.insert(index, result),
            // A create that panicked or was aborted leaves its slot empty;
            // `finish` reports it as not run rather than dropping it.
            Some(Err(_)) => {}
            None => break,
        }
    }
    results.finish()
}
