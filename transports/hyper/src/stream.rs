//! `ItemStream`: the items of a machine (every task of a listing, the
//! events of a watch) as a `futures_core::Stream`.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use taskqueue_proto::driver::{AsyncItems, AsyncTransport, Machine, Pages, Watch};
use taskqueue_proto::ops::WatchEvent;
use taskqueue_proto::{Error, Task};

use crate::HyperTransport;

/// Every task matching a filter, made by
/// [`Client::list_tasks_all`](crate::Client::list_tasks_all).
pub type TaskStream<T = HyperTransport> = ItemStream<Pages, T>;

/// The events of a watch, made by [`Client::watch`](crate::Client::watch).
pub type WatchStream<T = HyperTransport> = ItemStream<Watch, T>;

/// Proto's async driver over a machine that yields items, as a [`Stream`]:
/// each item is fetched when the previous ones are used up, and the first
/// error is the last item. It is `Send`, `Unpin` and `'static`.
///
/// With `futures::StreamExt` (or `tokio_stream::StreamExt`):
///
/// ```ignore
/// let mut tasks = client.list_tasks_all(TaskFilters::new());
/// while let Some(task) = tasks.next().await {
///     println!("{}", task?.name);
/// }
/// ```
pub struct ItemStream<M, T = HyperTransport> {
    items: AsyncItems<Arc<T>, M>,
}

impl<M, T> std::fmt::Debug for ItemStream<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStream").field("items", &self.items).finish()
    }
}

impl<M: Machine<Output = ()>, T: AsyncTransport + Send + 'static> ItemStream<M, T> {
    pub(crate) fn new(items: AsyncItems<Arc<T>, M>) -> Self {
        ItemStream { items }
    }

    /// The next item, or `None` at the end: the same as the stream, without
    /// needing a `StreamExt` trait in scope.
    pub async fn next_item(&mut self) -> Option<Result<M::Item, Error>> {
        self.items.next().await
    }
}

impl<T: AsyncTransport + Send + 'static> ItemStream<Pages, T> {
    /// The next task, or `None` after the last.
    pub async fn next_task(&mut self) -> Option<Result<Task, Error>> {
        self.next_item().await
    }
}

impl<T: AsyncTransport + Send + 'static> ItemStream<Watch, T> {
    /// The next event, or `None` when the watch ends.
    pub async fn next_event(&mut self) -> Option<Result<WatchEvent, Error>> {
        self.next_item().await
    }
}

impl<M: Machine<Output = ()>, T: AsyncTransport + Send + 'static> Stream for ItemStream<M, T> {
    type Item = Result<M::Item, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.items.poll_next(cx)
    }
}
