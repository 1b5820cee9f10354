//! `TaskStream`: every task of a listing as a `futures_core::Stream`.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use taskqueue_proto::driver::{AsyncItems, AsyncTransport, Pages};
use taskqueue_proto::{Error, Task};

use crate::HyperTransport;

/// Every task matching a filter, made by
/// [`Client::list_tasks_all`](crate::Client::list_tasks_all): proto's async
/// driver over a [`Pages`] machine, as a [`Stream`]. It fetches the next page
/// when the previous one is used up and ends after the first error it
/// yields. It is `Send`, `Unpin` and `'static`.
///
/// With `futures::StreamExt` (or `tokio_stream::StreamExt`):
///
/// ```ignore
/// let mut tasks = client.list_tasks_all(TaskFilters::new());
/// while let Some(task) = tasks.next().await {
///     println!("{}", task?.name);
/// }
/// ```
#[derive(Debug)]
pub struct TaskStream<T = HyperTransport> {
    items: AsyncItems<Arc<T>, Pages>,
}

impl<T: AsyncTransport + Send + 'static> TaskStream<T> {
    pub(crate) fn new(items: AsyncItems<Arc<T>, Pages>) -> Self {
        TaskStream { items }
    }

    /// The next task, or `None` at the end: the same as the stream, without
    /// needing a `StreamExt` trait in scope.
    pub async fn next_task(&mut self) -> Option<Result<Task, Error>> {
        self.items.next().await
    }
}

impl<T: AsyncTransport + Send + 'static> Stream for TaskStream<T> {
    type Item = Result<Task, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.items.poll_next(cx)
    }
}
