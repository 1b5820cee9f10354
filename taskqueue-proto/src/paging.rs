//! `Pager`: every page of `list_tasks`, by `limit`/`offset`, until a page
//! comes back shorter than `limit`.

use crate::ops::ListTasks;
use crate::{Error, TaskFilters};

/// Walks every page of a task listing. Each page is one [`ListTasks`]
/// operation, driven by a [`Call`](crate::Call) like any other.
///
/// ```
/// use taskqueue_proto::{Pager, TaskFilters};
/// let mut pager = Pager::new(TaskFilters::new().limit(2))?;
/// let first = pager.next_page().unwrap();
/// assert_eq!(first.filters.offset, Some(0));
/// pager.record_page(2); // a full page: there may be more
/// assert_eq!(pager.next_page().unwrap().filters.offset, Some(2));
/// pager.record_page(1); // a short page: that was the last
/// assert!(pager.next_page().is_none());
/// # Ok::<(), taskqueue_proto::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Pager {
    filters: TaskFilters,
    next_offset: u64,
    done: bool,
}

impl Pager {
    /// A pager over the tasks matching `filters`, starting at their `offset`
    /// (default 0) with pages of their `limit` (default 100).
    pub fn new(filters: TaskFilters) -> Result<Self, Error> {
        filters.validate()?;
        let next_offset = filters.offset.unwrap_or(0);
        Ok(Pager {
            filters,
            next_offset,
            done: false,
        })
    }

    /// The operation for the next page, or `None` when the last page was seen.
    pub fn next_page(&self) -> Option<ListTasks> {
        if self.done {
            return None;
        }
        let mut filters = self.filters.clone();
        filters.offset = Some(self.next_offset);
        filters.limit = Some(self.filters.effective_limit());
        Some(ListTasks::new(filters))
    }

    /// Records that the page asked for held `len` tasks.
    pub fn record_page(&mut self, len: usize) {
        let limit = u64::from(self.filters.effective_limit());
        let len = len as u64;
        self.next_offset = self.next_offset.saturating_add(len);
        if len < limit {
            self.done = true;
        }
    }

    /// Whether every page was seen.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Stops the walk (after an error, say).
    pub fn finish(&mut self) {
        self.done = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_250_tasks_in_pages_of_100() {
        let mut pager = Pager::new(TaskFilters::new()).unwrap();
        let mut offsets = Vec::new();
        let mut remaining = 250usize;
        while let Some(op) = pager.next_page() {
            assert_eq!(op.filters.limit, Some(100));
            offsets.push(op.filters.offset.unwrap());
            let page = remaining.min(100);
            remaining -= page;
            pager.record_page(page);
        }
        assert_eq!(offsets, [0, 100, 200]);
    }

    #[test]
    fn an_exact_multiple_ends_with_an_empty_page() {
        let mut pager = Pager::new(TaskFilters::new().limit(10)).unwrap();
        pager.record_page(10);
        assert!(pager.next_page().is_some());
        pager.record_page(0);
        assert!(pager.next_page().is_none());
        assert!(pager.is_done());
    }

    #[test]
    fn starts_at_the_given_offset_and_keeps_other_filters() {
        let f = TaskFilters::new().status(crate::TaskStatus::Running).offset(5).limit(3);
        let pager = Pager::new(f).unwrap();
        let op = pager.next_page().unwrap();
        assert_eq!(op.filters.offset, Some(5));
        assert_eq!(op.filters.status, Some(crate::TaskStatus::Running));
    }

    #[test]
    fn an_invalid_limit_is_rejected_up_front() {
        assert!(Pager::new(TaskFilters::new().limit(0)).is_err());
        assert!(Pager::new(TaskFilters::new().limit(1001)).is_err());
    }
}
