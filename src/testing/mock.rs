//! `MockTransport`: rules that match requests and answer with a sequence of
//! replies, on virtual time.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http::{Request, Response};
use serde_json::Value;

use super::clock::{VirtualClock, assert_no_problems, described, virtual_transport};
use crate::driver::{Outcome, TransportError, TransportErrorKind};

/// A body check for an expectation.
type BodyCheck = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

/// One reply of an expectation.
#[derive(Debug, Clone)]
enum Reply {
    Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        after: Duration,
    },
    Failure(TransportErrorKind),
}

/// What an expectation matches and answers.
struct Rule {
    method: String,
    path: String,
    body: Option<(String, BodyCheck)>,
    replies: Vec<Reply>,
    times: Option<usize>,
    calls: usize,
}

impl Rule {
    fn matches(&self, request: &Request<Vec<u8>>) -> bool {
        request.method().as_str().eq_ignore_ascii_case(&self.method)
            && path_matches(&self.path, request)
            && self.body.as_ref().is_none_or(|(_, check)| check(request.body()))
    }

    fn exhausted(&self) -> bool {
        self.times.is_some_and(|n| self.calls >= n)
    }

    fn name(&self) -> String {
        match &self.body {
            Some((shown, _)) => format!("{} {} with body {shown}", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }
}

/// `pattern` against the request's path (and query, when the pattern has
/// one): segments equal, `*` matching any one segment.
fn path_matches(pattern: &str, request: &Request<Vec<u8>>) -> bool {
    let (pattern_path, pattern_query) = match pattern.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (pattern, None),
    };
    if pattern_query.is_some_and(|q| request.uri().query() != Some(q)) {
        return false;
    }
    let wanted: Vec<&str> = pattern_path.split('/').collect();
    let got: Vec<&str> = request.uri().path().split('/').collect();
    wanted.len() == got.len() && wanted.iter().zip(&got).all(|(w, g)| *w == "*" || w == g)
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    requests: Vec<Request<Vec<u8>>>,
    unexpected: Vec<String>,
}

struct Inner {
    clock: VirtualClock,
    state: Mutex<State>,
}

/// A [`BlockingTransport`](crate::driver::BlockingTransport) and
/// [`AsyncTransport`](crate::driver::AsyncTransport) for tests: expectations
/// match requests by method and path and answer with successive replies (the
/// last one repeats), on virtual time — a retry's backoff moves a clock
/// instead of sleeping, so "503, 503, then 200 after 30 s of backoff" runs in
/// microseconds, on any executor. Every attempt is logged. Cloning shares the
/// expectations, the log and the clock.
///
/// ```
/// use std::time::Duration;
/// use serde_json::json;
/// use taskqueue::testing::MockTransport;
/// use taskqueue::{Config, Error};
///
/// let mock = MockTransport::new();
/// mock.expect("GET", "/api/health")
///     .respond_json(503, json!({"error": "unavailable", "message": "busy"}))
///     .respond_json(200, json!({"status": "healthy"}));
/// let client = taskqueue::blocking::Client::with_transport(Config::new("http://tq.test")?, mock.clone());
/// assert!(client.health()?.is_healthy());
/// assert_eq!(mock.requests().len(), 2);       // the 503, retried
/// assert!(mock.elapsed() > Duration::ZERO);   // after a backoff of virtual time
/// mock.verify();
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone)]
pub struct MockTransport {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("MockTransport")
            .field("expectations", &state.rules.iter().map(Rule::name).collect::<Vec<_>>())
            .field("requests", &state.requests.len())
            .field("elapsed", &self.inner.clock.elapsed())
            .finish()
    }
}

impl Default for MockTransport {
    fn default() -> Self {
        MockTransport::new()
    }
}

impl MockTransport {
    /// A mock with no expectations: every request is unexpected until one is added.
    pub fn new() -> Self {
        MockTransport {
            inner: Arc::new(Inner {
                clock: VirtualClock::new(0x7E57),
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Seeds the random numbers (request ids, idempotency keys, jitter), for
    /// tests that compare them.
    ///
    /// ```
    /// let mock = taskqueue::testing::MockTransport::new().seed(7);
    /// # let _ = mock;
    /// ```
    #[must_use]
    pub fn seed(self, seed: u64) -> Self {
        self.inner.clock.reseed(seed);
        self
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn clock(&self) -> &VirtualClock {
        &self.inner.clock
    }

    /// Expects requests of `method` to `path` (the full path, `/api/…` in the
    /// spec dialect; `*` matches any one segment; with a `?query`, the query
    /// must match exactly, else it is not looked at). Add its replies to the
    /// returned [`Expectation`].
    ///
    /// ```
    /// let mock = taskqueue::testing::MockTransport::new();
    /// mock.expect("DELETE", "/api/tasks/*").respond(204, &[], "");
    /// ```
    pub fn expect(&self, method: &str, path: &str) -> Expectation {
        let mut state = self.state();
        state.rules.push(Rule {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            body: None,
            replies: Vec::new(),
            times: None,
            calls: 0,
        });
        Expectation {
            mock: self.clone(),
            index: state.rules.len() - 1,
        }
    }

    /// Every request sent so far, each attempt of each call, headers included.
    ///
    /// ```
    /// let mock = taskqueue::testing::MockTransport::new();
    /// assert!(mock.requests().is_empty());
    /// ```
    pub fn requests(&self) -> Vec<Request<Vec<u8>>> {
        self.state().requests.clone()
    }

    /// Virtual time that passed: backoffs, `Retry-After` waits, slow replies.
    ///
    /// ```
    /// let mock = taskqueue::testing::MockTransport::new();
    /// assert_eq!(mock.elapsed(), std::time::Duration::ZERO);
    /// ```
    pub fn elapsed(&self) -> Duration {
        self.inner.clock.elapsed()
    }

    /// What is wrong so far: expectations with `times(n)` called another
    /// number of times, and requests no expectation matched. An expectation
    /// without `times` may be called any number of times, none included (the
    /// wiremock convention). Empty when all is well.
    ///
    /// ```
    /// let mock = taskqueue::testing::MockTransport::new();
    /// mock.expect("GET", "/api/health").respond(200, &[], r#"{"status":"healthy"}"#);
    /// assert!(mock.problems().is_empty(), "a rule without times may go unused");
    /// mock.expect("GET", "/api/tasks").respond(200, &[], "[]").times(1);
    /// assert_eq!(mock.problems(), ["GET /api/tasks: expected 1 call(s), got 0"]);
    /// ```
    pub fn problems(&self) -> Vec<String> {
        let state = self.state();
        let mut problems: Vec<String> = state
            .rules
            .iter()
            .filter_map(|rule| match rule.times {
                Some(n) if rule.calls != n => {
                    Some(format!("{}: expected {n} call(s), got {}", rule.name(), rule.calls))
                }
                _ => None,
            })
            .collect();
        problems.extend(state.unexpected.iter().map(|r| format!("unexpected request: {r}")));
        problems
    }

    /// Panics, listing [`problems`](MockTransport::problems), unless every
    /// expectation was met and no request was unexpected. A test helper.
    ///
    /// ```should_panic
    /// let mock = taskqueue::testing::MockTransport::new();
    /// mock.expect("GET", "/api/health").respond(200, &[], "{}").times(1);
    /// mock.verify(); // never called: panics
    /// ```
    pub fn verify(&self) {
        let problems = self.problems();
        assert_no_problems("MockTransport expectations not met", &problems);
    }

    /// The reply to one attempt.
    fn answer(&self, request: Request<Vec<u8>>, timeout: Duration) -> Outcome {
        let described = described(&request);
        let reply = {
            let mut state = self.state();
            let matching: Vec<usize> = (0..state.rules.len())
                .filter(|&i| state.rules[i].matches(&request))
                .collect();
            state.requests.push(request);
            let chosen = matching
                .iter()
                .copied()
                .find(|&i| !state.rules[i].exhausted())
                .or(matching.last().copied());
            let Some(index) = chosen else {
                state.unexpected.push(described.clone());
                return Err(TransportError::new(
                    TransportErrorKind::Unusable,
                    format!("MockTransport: no expectation matches {described}"),
                ));
            };
            let rule = &mut state.rules[index];
            rule.calls += 1;
            let reply = rule.replies.get(rule.calls - 1).or(rule.replies.last()).cloned();
            reply.ok_or_else(|| {
                TransportError::new(
                    TransportErrorKind::Unusable,
                    format!("MockTransport: the expectation {} has no reply", rule.name()),
                )
            })?
        };
        match reply {
            Reply::Failure(kind) => Err(TransportError::new(
                kind,
                format!("MockTransport: {kind:?} for {described}"),
            )),
            Reply::Response { after, .. } if after >= timeout => {
                self.inner.clock.advance(timeout);
                Err(TransportError::new(
                    TransportErrorKind::Timeout,
                    format!("MockTransport: no reply within {timeout:?} for {described}"),
                ))
            }
            Reply::Response {
                status,
                headers,
                body,
                after,
            } => {
                self.inner.clock.advance(after);
                let mut response = Response::builder().status(status);
                for (name, value) in &headers {
                    response = response.header(name, value);
                }
                response
                    .body(body)
                    .map_err(|e| TransportError::new(TransportErrorKind::Unusable, format!("MockTransport: {e}")))
            }
        }
    }
}

virtual_transport!(MockTransport);

/// The replies and limits of one expectation, made by
/// [`MockTransport::expect`]. Successive calls get successive replies; the
/// last one repeats.
pub struct Expectation {
    mock: MockTransport,
    index: usize,
}

impl std::fmt::Debug for Expectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expectation").field("index", &self.index).finish()
    }
}

// The rule is registered when `expect` makes it; each method changes it in
// place and hands it back for chaining, so dropping the result loses nothing.
#[allow(clippy::return_self_not_must_use)]
impl Expectation {
    fn edit(self, change: impl FnOnce(&mut Rule)) -> Self {
        if let Some(rule) = self.mock.state().rules.get_mut(self.index) {
            change(rule);
        }
        self
    }

    fn reply(self, reply: Reply) -> Self {
        self.edit(|rule| rule.replies.push(reply))
    }

    /// Answers with `status` and `body` as JSON.
    ///
    /// ```
    /// let mock = taskqueue::testing::MockTransport::new();
    /// mock.expect("GET", "/api/health").respond_json(200, serde_json::json!({"status": "healthy"}));
    /// ```
    pub fn respond_json(self, status: u16, body: Value) -> Self {
        self.respond_after(Duration::ZERO, status, body)
    }

    /// Answers with `status`, these headers and this raw body.
    ///
    /// ```
    /// let mock = taskqueue::testing::MockTransport::new();
    /// mock.expect("GET", "/api/projects").respond(502, &[("content-type", "text/html")], "<h1>Bad Gateway</h1>");
    /// ```
    pub fn respond(self, status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Self {
        self.reply(Reply::Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.into(),
            after: Duration::ZERO,
        })
    }

    /// Fails the attempt as a transport would: refused, timed out, reset…
    ///
    /// ```
    /// use taskqueue::driver::TransportErrorKind;
    /// let mock = taskqueue::testing::MockTransport::new();
    /// mock.expect("POST", "/api/tasks").respond_error(TransportErrorKind::Connect);
    /// ```
    pub fn respond_error(self, kind: TransportErrorKind) -> Self {
        self.reply(Reply::Failure(kind))
    }

    /// Answers `status` with `body` as JSON after `delay` of virtual time; a
    /// delay at or past the attempt's timeout is a timeout instead (after the
    /// timeout), to test deadlines.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mock = taskqueue::testing::MockTransport::new();
    /// mock.expect("GET", "/api/projects").respond_after(Duration::from_secs(60), 200, serde_json::json!([]));
    /// ```
    pub fn respond_after(self, delay: Duration, status: u16, body: Value) -> Self {
        self.reply(Reply::Response {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: serde_json::to_vec(&body).unwrap_or_default(),
            after: delay,
        })
    }

    /// Expects exactly `n` matching calls ([`MockTransport::verify`] checks);
    /// once they are used, a later matching expectation takes over.
    ///
    /// ```
    /// let mock = taskqueue::testing::MockTransport::new();
    /// mock.expect("GET", "/api/health").respond(200, &[], "{}").times(2);
    /// ```
    pub fn times(self, n: usize) -> Self {
        self.edit(|rule| rule.times = Some(n))
    }

    /// Matches only requests whose body is this JSON (compared as values,
    /// so key order and spacing do not matter).
    ///
    /// ```
    /// let mock = taskqueue::testing::MockTransport::new();
    /// mock.expect("POST", "/api/projects").with_json_body(serde_json::json!({"name": "site"}));
    /// ```
    pub fn with_json_body(self, body: Value) -> Self {
        let shown = body.to_string();
        let check: BodyCheck =
            Arc::new(move |sent: &[u8]| serde_json::from_slice::<Value>(sent).is_ok_and(|v| v == body));
        self.edit(|rule| rule.body = Some((shown, check)))
    }

    /// Matches only requests whose body passes `check`.
    ///
    /// ```
    /// let mock = taskqueue::testing::MockTransport::new();
    /// mock.expect("POST", "/api/tasks").with_body(|body| body.windows(5).any(|w| w == b"build"));
    /// ```
    pub fn with_body(self, check: impl Fn(&[u8]) -> bool + Send + Sync + 'static) -> Self {
        self.edit(|rule| rule.body = Some(("(a check)".to_owned(), Arc::new(check))))
    }
}
