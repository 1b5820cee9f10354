//! `TaskPages`: every task of a listing, fetched a page at a time.

use std::vec::IntoIter;

use taskqueue_proto::{Error, Pager, Task, TaskFilters};

use crate::Client;

/// An iterator over every task matching a filter, made by
/// [`Client::list_tasks_all`]. It fetches the next page only when the
/// previous one is used up, and stops after the first error it yields.
#[derive(Debug)]
pub struct TaskPages<'c> {
    client: &'c Client,
    pager: Option<Pager>,
    page: IntoIter<Task>,
    error: Option<Error>,
}

impl<'c> TaskPages<'c> {
    pub(crate) fn new(client: &'c Client, filters: TaskFilters) -> Self {
        let (pager, error) = match Pager::new(filters) {
            Ok(p) => (Some(p), None),
            Err(e) => (None, Some(e)),
        };
        TaskPages {
            client,
            pager,
            page: Vec::new().into_iter(),
            error,
        }
    }
}

impl Iterator for TaskPages<'_> {
    type Item = Result<Task, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(task) = self.page.next() {
                return Some(Ok(task));
            }
            if let Some(error) = self.error.take() {
                return Some(Err(error));
            }
            let pager = self.pager.as_mut()?;
            let op = pager.next_page()?;
            match self.client.execute(op) {
                Ok(tasks) => {
                    pager.record_page(tasks.len());
                    self.page = tasks.into_iter();
                }
                Err(e) => {
                    pager.finish();
                    return Some(Err(e));
                }
            }
        }
    }
}
