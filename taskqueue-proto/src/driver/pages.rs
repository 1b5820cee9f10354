//! `Pages`: every task of a listing, by `limit`/`offset`, until a page
//! comes back shorter than `limit` — or, from a server that answers listings
//! whole (the public server), in one exchange. Each page's body is read
//! while it arrives, and its tasks yielded as soon as their bytes are in.

use std::time::{Duration, Instant};

use crate::models::TaskId;
use http::Response;

use super::call::error_of_transport;
use super::random::SeedSource;
use super::{Action, Call, Machine, Outcome, Piece, Ticket, TransportError, TransportErrorKind};
use crate::error::CallInfo;
use crate::ops::upstream::{matches_filters, normalize};
use crate::ops::{ListTasks, Operation};
use crate::streaming::ListingDecoder;
use crate::{CallOptions, Config, Error, Task, TaskFilters};

/// The machine of [`ListAllTasks`](crate::ops::ListAllTasks): each page is one
/// [`ListTasks`] call (with the usual retries); it yields the page's tasks one
/// by one and fetches the next page only when they are used up. The walk
/// starts at the filters' `offset` (default 0), with pages of their `limit`
/// (default 100), and ends after a short page or the first error.
///
/// Each page is opened ([`Action::Open`]) and its body decoded while it
/// arrives ([`ListingDecoder`]): a task is yielded as soon as its bytes are
/// complete, and what the machine holds is the task being read, not the
/// page — so a listing of any length is read in the memory of its largest
/// task, and the body limit applies to each task. A response that is not a
/// success is read whole, and retried or reported as for any call. A
/// connection lost in the middle of a body ends the walk with the error,
/// after the tasks already yielded (they are not fetched again).
///
/// Where the server has no paging
/// ([`Dialect::answers_listings_whole`](crate::Dialect::answers_listings_whole):
/// every `GET /tasks` answers every task), the walk is one exchange: the
/// whole listing, filtered by the SDK as it arrives, from the offset on, in
/// the order the server sends it. Paging it would download the whole
/// listing once a page.
#[derive(Debug)]
pub struct Pages {
    filters: TaskFilters,
    config: Config,
    options: CallOptions,
    seeds: SeedSource,
    next_offset: u64,
    /// Pages and items read so far, and the ids of the last page: a server
    /// that repeats a page, or never stops, is caught.
    pages_read: u64,
    items_read: u64,
    last_ids: Vec<TaskId>,
    /// A short page was seen: no more to fetch.
    last_page_seen: bool,
    /// A page read whole (a listing answered without a body to stream).
    page: std::vec::IntoIter<Task>,
    fetching: Option<Call<ListTasks>>,
    /// The attempt whose response is open.
    open: Option<OpenAttempt>,
    /// The open response's body.
    body: Option<Body>,
    /// Invalid filters, reported on the first poll.
    invalid: Option<Error>,
    finished: bool,
}

/// The attempt of a page whose response was opened: what its pieces are
/// matched against, and what an error of its body reports.
#[derive(Debug)]
struct OpenAttempt {
    attempt: u32,
    timeout: Duration,
    /// The page's call, as its errors report it (attempts so far included).
    call: CallInfo,
}

impl OpenAttempt {
    fn is(&self, ticket: &Ticket) -> bool {
        self.attempt == ticket.attempt
    }
}

/// The body of the open response.
#[derive(Debug)]
enum Body {
    /// A success: the page's tasks, decoded as they arrive.
    Streaming(Box<StreamedPage>),
    /// Any other status: read whole, for the call to read as a response
    /// (an error, a retry), up to the body limit.
    Whole {
        head: http::response::Parts,
        bytes: Vec<u8>,
        failed: Option<TransportError>,
    },
}

/// A page being read while it arrives.
#[derive(Debug)]
struct StreamedPage {
    decoder: ListingDecoder,
    /// The body has ended (with this failure, if it broke).
    ended: Option<Result<(), TransportError>>,
    /// Tasks of this page read so far (matching ones only, upstream).
    items: u64,
    /// Their ids (in a paged walk).
    ids: Vec<TaskId>,
    /// Tasks held back while the page repeats the last one, task for task
    /// (so a server answering the same page forever yields it once).
    held: Vec<Task>,
    /// Matching tasks still to skip (upstream: the offset, applied by the SDK).
    skip: u64,
}

impl Pages {
    /// The walk over the tasks matching `filters`.
    pub fn new(filters: TaskFilters, config: Config, options: CallOptions, seed: u64) -> Self {
        let invalid = filters.validate().err();
        Pages {
            next_offset: filters.offset.unwrap_or(0),
            filters,
            config,
            options,
            seeds: SeedSource::new(seed),
            pages_read: 0,
            items_read: 0,
            last_ids: Vec::new(),
            last_page_seen: false,
            page: Vec::new().into_iter(),
            fetching: None,
            open: None,
            body: None,
            invalid,
            finished: false,
        }
    }

    /// The operation for the next page (the whole rest of the listing, from
    /// a server that answers listings whole).
    fn next_page(&self) -> ListTasks {
        let mut filters = self.filters.clone();
        filters.offset = Some(self.next_offset);
        filters.limit = Some(self.filters.effective_limit());
        if self.whole_listings() {
            ListTasks::whole(filters)
        } else {
            ListTasks::new(filters)
        }
    }

    /// Whether the server answers every listing whole (no paging).
    fn whole_listings(&self) -> bool {
        self.config.dialect().answers_listings_whole()
    }

    fn stop(&self, reason: String) -> Error {
        Error::ListingDidNotEnd {
            reason,
            pages: self.pages_read,
            items: self.items_read,
            call: None,
        }
    }

    /// Counts one more task, refusing one past the config's ceiling.
    fn count_item(&mut self) -> Result<(), Error> {
        self.items_read = self.items_read.saturating_add(1);
        let ceiling = self.config.max_listing_items();
        if self.items_read > ceiling {
            self.items_read -= 1;
            let reason = format!(
                "more than the {ceiling} items the config allows a listing (max_listing_items); the server never \
                 sent a short page"
            );
            return Err(self.stop(reason));
        }
        Ok(())
    }

    /// A page read whole: refuses one that repeats the previous page, or one
    /// that takes the listing past the config's ceiling.
    fn check_whole_page(&mut self, page: &[Task]) -> Result<(), Error> {
        let ids: Vec<TaskId> = page.iter().map(|t| t.id).collect();
        if !ids.is_empty() && ids == self.last_ids {
            return Err(self.repeated());
        }
        self.pages_read += 1;
        for _ in page {
            self.count_item()?;
        }
        self.last_ids = ids;
        Ok(())
    }

    fn repeated(&self) -> Error {
        self.stop(format!(
            "the server answered offset {} with the same page as the one before; stopped instead of looping",
            self.next_offset
        ))
    }

    fn finish(&mut self, mut result: Result<(), Error>) -> Action<(), Task> {
        if let (Err(error), Some(open)) = (&mut result, &self.open) {
            error.attach_call(|| open.call.clone());
        }
        self.finished = true;
        self.fetching = None;
        self.open = None;
        self.body = None;
        Action::Done(result)
    }

    /// The SDK error for a body that broke after its head arrived.
    fn broken(&self, error: TransportError) -> Error {
        let timeout = self
            .open
            .as_ref()
            .map_or(self.config.attempt_timeout(), |open| open.timeout);
        let call = self.open.as_ref().map(|open| open.call.clone());
        error_of_transport(error, &self.config, timeout, call)
    }

    /// The next task of the streamed page, if one is complete: `Ok(None)`
    /// when the machine must wait for more of the body, `Err` to end.
    fn next_streamed(&mut self) -> Result<Option<Task>, Error> {
        let whole = self.whole_listings();
        loop {
            let Some(Body::Streaming(page)) = &mut self.body else {
                return Ok(None);
            };
            if let Some(task) = page.decoder.next_item::<Task>()? {
                let mut task = task;
                if whole {
                    normalize(&mut task);
                    if !matches_filters(&task, &self.filters) {
                        continue;
                    }
                    if page.skip > 0 {
                        page.skip -= 1;
                        continue;
                    }
                }
                let index = page.items as usize;
                page.items += 1;
                // A page's ids, to catch a server repeating it: a paged walk
                // only (a whole listing is one exchange, and can be long).
                if !whole {
                    page.ids.push(task.id);
                }
                let repeating = page.held.len() == index && self.last_ids.get(index) == Some(&task.id);
                self.count_item()?;
                let Some(Body::Streaming(page)) = &mut self.body else {
                    return Ok(None);
                };
                if repeating {
                    page.held.push(task);
                    continue;
                }
                if !page.held.is_empty() {
                    // Not a repeat after all: the held tasks go first.
                    page.held.push(task);
                    let mut held = std::mem::take(&mut page.held).into_iter();
                    let first = held.next();
                    self.page = held;
                    return Ok(first);
                }
                return Ok(Some(task));
            }
            let Some(ended) = page.ended.take() else {
                return Ok(None);
            };
            if let Err(error) = ended {
                return Err(self.broken(error));
            }
            page.decoder.finish()?;
            self.end_streamed_page()?;
            return Ok(None);
        }
    }

    /// The streamed page is complete: decide whether it was the last.
    fn end_streamed_page(&mut self) -> Result<(), Error> {
        let Some(Body::Streaming(page)) = self.body.take() else {
            return Ok(());
        };
        self.open = None;
        let page = *page;
        self.pages_read += 1;
        if !page.ids.is_empty() && page.ids == self.last_ids {
            self.pages_read -= 1;
            return Err(self.repeated());
        }
        // A page that began like the last one and was as long: yielded now.
        self.page = page.held.into_iter();
        self.next_offset = self.next_offset.saturating_add(page.items);
        self.last_page_seen = self.whole_listings() || page.items < u64::from(self.filters.effective_limit());
        self.last_ids = page.ids;
        Ok(())
    }
}

impl Machine for Pages {
    type Output = ();
    type Item = Task;

    fn poll(&mut self, now: Instant) -> Action<(), Task> {
        loop {
            if let Some(task) = self.page.next() {
                return Action::Yield(task);
            }
            if self.finished {
                return Action::Pending;
            }
            if let Some(error) = self.invalid.take() {
                return self.finish(Err(error));
            }
            if matches!(self.body, Some(Body::Streaming(_))) {
                match self.next_streamed() {
                    Ok(Some(task)) => return Action::Yield(task),
                    Ok(None) if matches!(self.body, Some(Body::Streaming(_))) => return Action::Pending,
                    Ok(None) => continue,
                    Err(error) => return self.finish(Err(error)),
                }
            }
            let Some(call) = &mut self.fetching else {
                if self.last_page_seen {
                    return self.finish(Ok(()));
                }
                let call = Call::new(
                    self.next_page(),
                    self.config.clone(),
                    self.options.clone(),
                    self.seeds.next_u64(),
                );
                self.fetching = Some(call);
                continue;
            };
            match call.poll(now).forward() {
                Ok(Ok(tasks)) => {
                    self.fetching = None;
                    if matches!(self.body, Some(Body::Streaming(_))) {
                        // The page's tasks come from its body, as it arrives.
                        continue;
                    }
                    // A listing answered without a body to stream (the
                    // public server's 404 for an unknown project).
                    self.open = None;
                    if let Err(error) = self.check_whole_page(&tasks) {
                        return self.finish(Err(error));
                    }
                    let len = tasks.len() as u64;
                    self.next_offset = self.next_offset.saturating_add(len);
                    self.last_page_seen = self.whole_listings() || len < u64::from(self.filters.effective_limit());
                    self.page = tasks.into_iter();
                }
                Ok(Err(error)) => return self.finish(Err(error)),
                Err(Action::Send {
                    request,
                    timeout,
                    ticket,
                }) => {
                    self.open = Some(OpenAttempt {
                        attempt: ticket.attempt,
                        timeout,
                        call: CallInfo::new(ListTasks::NAME, call.request_id().to_string(), call.attempts()),
                    });
                    self.body = None;
                    return Action::Open {
                        request,
                        timeout,
                        ticket,
                    };
                }
                Err(action) => return action,
            }
        }
    }

    fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        if self.open.as_ref().is_some_and(|open| open.is(&ticket)) {
            self.open = None;
        }
        if let Some(call) = &mut self.fetching {
            call.record(ticket, outcome, now);
        }
    }

    fn receive(&mut self, ticket: &Ticket, piece: Piece<'_>, now: Instant) {
        if !self.open.as_ref().is_some_and(|open| open.is(ticket)) {
            return;
        }
        let call_ticket = || Ticket {
            slot: ticket.slot,
            attempt: ticket.attempt,
        };
        match piece {
            Piece::Head(head) if head.status.is_success() => {
                let decoder = match ListingDecoder::new(&head, self.config.body_limit()) {
                    Ok(decoder) => decoder,
                    Err(error) => {
                        self.invalid = Some(error);
                        return;
                    }
                };
                let skip = if self.whole_listings() { self.next_offset } else { 0 };
                self.body = Some(Body::Streaming(Box::new(StreamedPage {
                    decoder,
                    ended: None,
                    items: 0,
                    ids: Vec::new(),
                    held: Vec::new(),
                    skip,
                })));
                // The call reads the head as its answer (and is over); the
                // tasks come from the body.
                if let Some(mut call) = self.fetching.take() {
                    call.record(call_ticket(), Ok(Response::from_parts(head, b"[]".to_vec())), now);
                    if let Action::Done(Err(error)) = call.poll(now) {
                        self.invalid = Some(error);
                    }
                }
            }
            Piece::Head(head) => {
                self.body = Some(Body::Whole {
                    head,
                    bytes: Vec::new(),
                    failed: None,
                });
            }
            Piece::Chunk(chunk) => match &mut self.body {
                Some(Body::Streaming(page)) => {
                    if let Err(error) = page.decoder.push(chunk) {
                        self.invalid = Some(error);
                    }
                }
                Some(Body::Whole { bytes, failed, .. }) if failed.is_none() => {
                    if (bytes.len() + chunk.len()) as u64 > self.config.body_limit() {
                        *failed = Some(TransportError::new(
                            TransportErrorKind::BodyTooLarge,
                            "the response body is larger than the body limit",
                        ));
                        *bytes = Vec::new();
                    } else {
                        bytes.extend_from_slice(chunk);
                    }
                }
                Some(Body::Whole { .. }) => {}
                None => {}
            },
            Piece::End(result) => match self.body.take() {
                Some(Body::Streaming(mut page)) => {
                    page.decoder.end();
                    page.ended = Some(result);
                    self.body = Some(Body::Streaming(page));
                }
                Some(Body::Whole { head, bytes, failed }) => {
                    self.open = None;
                    let outcome = match (failed, result) {
                        (Some(error), _) | (None, Err(error)) => Err(error),
                        (None, Ok(())) => Ok(Response::from_parts(head, bytes)),
                    };
                    if let Some(call) = &mut self.fetching {
                        call.record(call_ticket(), outcome, now);
                    }
                }
                None => {}
            },
        }
    }
}

/// Every page of a listing read into one list: for the machines that want a
/// listing's tasks all at once (a multi-wait's project, a watch's round).
#[derive(Debug)]
pub(crate) struct AllPages {
    pages: Pages,
    read: Vec<Task>,
}

impl AllPages {
    pub(crate) fn new(pages: Pages) -> Self {
        AllPages {
            pages,
            read: Vec::new(),
        }
    }
}

impl Machine for AllPages {
    type Output = Vec<Task>;
    type Item = std::convert::Infallible;

    fn poll(&mut self, now: Instant) -> Action<Vec<Task>> {
        loop {
            return match self.pages.poll(now) {
                Action::Yield(task) => {
                    self.read.push(task);
                    continue;
                }
                Action::Done(result) => Action::Done(result.map(|()| std::mem::take(&mut self.read))),
                Action::Send {
                    request,
                    timeout,
                    ticket,
                } => Action::Send {
                    request,
                    timeout,
                    ticket,
                },
                Action::Open {
                    request,
                    timeout,
                    ticket,
                } => Action::Open {
                    request,
                    timeout,
                    ticket,
                },
                Action::Sleep(pause) => Action::Sleep(pause),
                Action::Pending => Action::Pending,
            };
        }
    }

    fn record(&mut self, ticket: Ticket, outcome: Outcome, now: Instant) {
        self.pages.record(ticket, outcome, now);
    }

    fn receive(&mut self, ticket: &Ticket, piece: Piece<'_>, now: Instant) {
        self.pages.receive(ticket, piece, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::{BlockingItems, IntoMachine, Simulated};
    use crate::ops::ListAllTasks;

    /// A server of `total` tasks answering `limit`/`offset` pages.
    fn server(total: usize) -> impl FnMut(&http::Request<Vec<u8>>) -> Outcome {
        move |request| {
            let query: std::collections::HashMap<String, String> =
                form_pairs(request.uri().query().unwrap_or_default());
            let offset: usize = query.get("offset").map_or(0, |v| v.parse().unwrap());
            let limit: usize = query.get("limit").map_or(100, |v| v.parse().unwrap());
            let tasks: Vec<Task> = (offset..total.min(offset + limit))
                .map(|i| {
                    Task::new(
                        crate::TaskId::from_u128(i as u128),
                        format!("t{i}"),
                        "c",
                        chrono::DateTime::UNIX_EPOCH,
                    )
                })
                .collect();
            Ok(http::Response::new(serde_json::to_vec(&tasks).unwrap()))
        }
    }

    fn form_pairs(query: &str) -> std::collections::HashMap<String, String> {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn walk(total: usize, filters: TaskFilters) -> (Vec<Result<Task, Error>>, Vec<String>) {
        let transport = Simulated::new(Instant::now(), server(total));
        let pages = ListAllTasks::new(filters).into_machine(&Config::default(), &CallOptions::new(), 3);
        let items: Vec<_> = BlockingItems::new(&transport, pages).collect();
        let queries = transport
            .sent()
            .iter()
            .map(|s| s.request.uri().query().unwrap_or_default().to_owned())
            .collect();
        (items, queries)
    }

    /// A server that never sends a short page: always the same one, or
    /// always new tasks.
    fn endless(repeat: bool) -> impl FnMut(&http::Request<Vec<u8>>) -> Outcome {
        let mut next = 0u128;
        move |_| {
            let tasks: Vec<Task> = (0..100)
                .map(|_| {
                    next += 1;
                    let id = if repeat { next % 100 } else { next };
                    Task::new(crate::TaskId::from_u128(id), "t", "c", chrono::DateTime::UNIX_EPOCH)
                })
                .collect();
            Ok(http::Response::new(serde_json::to_vec(&tasks).unwrap()))
        }
    }

    #[test]
    fn a_server_that_never_ends_a_listing_is_stopped() {
        let config = Config::builder().max_listing_items(1_000).build().unwrap();
        for (repeat, pages, yielded) in [(true, 2, 100), (false, 11, 1_000)] {
            let transport = Simulated::new(Instant::now(), endless(repeat));
            let walk = ListAllTasks::new(TaskFilters::new()).into_machine(&config, &CallOptions::new(), 3);
            let items: Vec<_> = BlockingItems::new(&transport, walk).collect();
            assert_eq!(transport.sent().len(), pages, "repeat={repeat}");
            assert_eq!(items.iter().filter(|i| i.is_ok()).count(), yielded, "repeat={repeat}");
            match items.last() {
                Some(Err(Error::ListingDidNotEnd { reason, .. })) => {
                    let expected = if repeat { "same page" } else { "max_listing_items" };
                    assert!(reason.contains(expected), "{reason}");
                }
                other => panic!("expected ListingDidNotEnd, got {other:?}"),
            }
        }
    }

    #[test]
    fn upstream_a_listing_is_one_download_whatever_its_size() {
        // The public server answers every task to every `GET /tasks`.
        let all: Vec<Task> = (0..2_021u128)
            .map(|i| {
                let at = chrono::DateTime::UNIX_EPOCH + chrono::Duration::seconds(i as i64);
                Task::new(crate::TaskId::from_u128(i + 1), format!("t{i}"), "c", at)
            })
            .collect();
        let body = serde_json::to_vec(&all).unwrap();
        let transport = Simulated::new(Instant::now(), move |_: &http::Request<Vec<u8>>| {
            Ok(http::Response::new(body.clone()))
        });
        let config = Config::builder().dialect(crate::Dialect::Upstream).build().unwrap();
        for (filters, expected) in [
            (TaskFilters::new(), 2_021),
            (TaskFilters::new().offset(2_000).limit(7), 21),
        ] {
            let before = transport.sent().len();
            let walk = ListAllTasks::new(filters).into_machine(&config, &CallOptions::new(), 3);
            let items: Vec<_> = BlockingItems::new(&transport, walk).collect();
            assert_eq!(items.len(), expected);
            assert!(items.iter().all(Result::is_ok));
            assert_eq!(transport.sent().len() - before, 1, "one download, not one a page");
        }
    }

    #[test]
    fn walks_250_tasks_in_pages_of_100() {
        let (items, queries) = walk(250, TaskFilters::new());
        assert_eq!(items.len(), 250);
        assert!(items.iter().all(Result::is_ok));
        assert_eq!(
            queries,
            ["limit=100&offset=0", "limit=100&offset=100", "limit=100&offset=200"]
        );
    }

    #[test]
    fn an_exact_multiple_ends_with_an_empty_page() {
        let (items, queries) = walk(20, TaskFilters::new().limit(10));
        assert_eq!(items.len(), 20);
        assert_eq!(queries.len(), 3, "{queries:?}");
    }

    #[test]
    fn starts_at_the_given_offset_and_keeps_other_filters() {
        let (items, queries) = walk(
            10,
            TaskFilters::new().status(crate::TaskStatus::Running).offset(5).limit(3),
        );
        assert_eq!(items.len(), 5);
        assert!(
            queries[0].contains("status=Running") && queries[0].contains("offset=5"),
            "{queries:?}"
        );
    }

    #[test]
    fn an_invalid_limit_is_one_error_and_nothing_is_sent() {
        for limit in [0, 1001] {
            let (items, queries) = walk(10, TaskFilters::new().limit(limit));
            assert!(
                matches!(items.as_slice(), [Err(Error::InvalidInput { .. })]),
                "{items:?}"
            );
            assert!(queries.is_empty());
        }
    }

    #[test]
    fn an_error_ends_the_walk_after_the_tasks_already_read() {
        let mut pages_served = 0;
        let mut serve = server(250);
        let transport = Simulated::new(Instant::now(), move |request: &http::Request<Vec<u8>>| {
            pages_served += 1;
            if pages_served == 2 {
                return Ok(http::Response::builder().status(400).body(Vec::new()).unwrap());
            }
            serve(request)
        });
        let pages = ListAllTasks::new(TaskFilters::new()).into_machine(&Config::default(), &CallOptions::new(), 3);
        let items: Vec<_> = BlockingItems::new(&transport, pages).collect();
        assert_eq!(items.len(), 101);
        assert!(matches!(items.last(), Some(Err(Error::Validation(_)))));
    }
}
