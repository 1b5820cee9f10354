//! `TaskStream`: every task of a listing as a `futures_core::Stream`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::vec::IntoIter;

use futures_core::Stream;
use taskqueue_proto::{Error, Pager, Task, TaskFilters};

use crate::Client;

type PageFuture = Pin<Box<dyn Future<Output = Result<Vec<Task>, Error>> + Send>>;

/// Every task matching a filter, made by [`Client::list_tasks_all`]. It
/// fetches the next page when the previous one is used up and ends after
/// the first error it yields. It is `Send` and `Unpin`.
///
/// With `futures::StreamExt` (or `tokio_stream::StreamExt`):
///
/// ```ignore
/// let mut tasks = client.list_tasks_all(TaskFilters::new());
/// while let Some(task) = tasks.next().await {
///     println!("{}", task?.name);
/// }
/// ```
pub struct TaskStream {
    client: Client,
    pager: Option<Pager>,
    page: IntoIter<Task>,
    fetching: Option<PageFuture>,
    error: Option<Error>,
}

impl std::fmt::Debug for TaskStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskStream")
            .field("pager", &self.pager)
            .field("buffered", &self.page.len())
            .field("fetching", &self.fetching.is_some())
            .finish_non_exhaustive()
    }
}

impl TaskStream {
    pub(crate) fn new(client: Client, filters: TaskFilters) -> Self {
        let (pager, error) = match Pager::new(filters) {
            Ok(p) => (Some(p), None),
            Err(e) => (None, Some(e)),
        };
        TaskStream {
            client,
            pager,
            page: Vec::new().into_iter(),
            fetching: None,
            error,
        }
    }

    /// The next task, or `None` at the end: the same as the stream, without
    /// needing a `StreamExt` trait in scope.
    pub async fn next_task(&mut self) -> Option<Result<Task, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl Stream for TaskStream {
    type Item = Result<Task, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(task) = this.page.next() {
                return Poll::Ready(Some(Ok(task)));
            }
            if let Some(error) = this.error.take() {
                return Poll::Ready(Some(Err(error)));
            }
            let Some(pager) = this.pager.as_mut() else {
                return Poll::Ready(None);
            };
            if let Some(fetching) = this.fetching.as_mut() {
                let outcome = match fetching.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(outcome) => outcome,
                };
                this.fetching = None;
                match outcome {
                    Ok(tasks) => {
                        pager.record_page(tasks.len());
                        this.page = tasks.into_iter();
                    }
                    Err(e) => {
                        pager.finish();
                        return Poll::Ready(Some(Err(e)));
                    }
                }
                continue;
            }
            let Some(op) = pager.next_page() else {
                return Poll::Ready(None);
            };
            let client = this.client.clone();
            this.fetching = Some(Box::pin(async move { client.execute(op).await }));
        }
    }
}
