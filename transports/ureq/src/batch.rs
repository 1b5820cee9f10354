//! `create_tasks`: a validated batch on a bounded number of scoped threads.

use std::sync::Mutex;

use taskqueue_proto::{BatchCreate, Error, Task};

use crate::Client;

/// Runs every create of `batch`, `concurrency` at a time; results in input order.
pub(crate) fn run(client: &Client, batch: BatchCreate, concurrency: usize) -> Vec<Result<Task, Error>> {
    let results = Mutex::new(batch.results());
    let workers = concurrency.clamp(1, batch.len().max(1));
    let queue = Mutex::new(batch.into_ops());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    // Take the next item, holding the lock only for that.
                    let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                    let Some((index, op)) = next else { break };
                    let result = client.execute(op);
                    results.lock().unwrap_or_else(|p| p.into_inner()).insert(index, result);
                }
            });
        }
    });
    results.into_inner().unwrap_or_else(|p| p.into_inner()).finish()
}
