//! `ItemIter`: the items of a machine (every task of a listing, the events
//! of a watch) as an [`Iterator`], the blocking twin of the async client's
//! `ItemStream`.

use std::sync::Arc;

use taskqueue_proto::Error;
use taskqueue_proto::driver::{BlockingItems, BlockingTransport, Machine, Pages, Watch};

use crate::UreqTransport;

/// Every task matching a filter, made by [`Client::list_tasks_all`](crate::Client::list_tasks_all)
/// (the async client's `TaskStream`).
pub type TaskIter<T = UreqTransport> = ItemIter<Pages, T>;

/// The events of a watch, made by [`Client::watch`](crate::Client::watch)
/// (the async client's `WatchStream`).
pub type WatchIter<T = UreqTransport> = ItemIter<Watch, T>;

/// Proto's blocking driver over a machine that yields items, as an
/// [`Iterator`] of `Result`s: each item is fetched when the previous ones
/// are used up (a listing's body read while it arrives), and the first error
/// is the last item. Nothing is sent until it is iterated.
#[must_use = "an iterator does nothing until it is iterated"]
pub struct ItemIter<M, T = UreqTransport> {
    items: BlockingItems<Arc<T>, M>,
}

impl<M, T> std::fmt::Debug for ItemIter<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemIter")
            .field("machine", &std::any::type_name::<M>())
            .finish_non_exhaustive()
    }
}

impl<M: Machine<Output = ()>, T: BlockingTransport> ItemIter<M, T> {
    pub(crate) fn new(transport: Arc<T>, machine: M) -> Self {
        ItemIter {
            items: BlockingItems::new(transport, machine),
        }
    }
}

impl<M: Machine<Output = ()>, T: BlockingTransport> Iterator for ItemIter<M, T> {
    type Item = Result<M::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.items.next()
    }
}

impl<M: Machine<Output = ()>, T: BlockingTransport> std::iter::FusedIterator for ItemIter<M, T> {}
