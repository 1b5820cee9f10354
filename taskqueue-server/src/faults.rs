//! Faults on demand: a plan of rules that makes the next N matching requests
//! fail the way a bad network or a broken proxy would.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use http_body::{Frame, SizeHint};

/// The body of a scripted error response.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultBody {
    /// A JSON document (`application/json`).
    Json(serde_json::Value),
    /// No body at all.
    Empty,
    /// Plain text (`text/plain`).
    Text(String),
    /// An HTML page (`text/html`), as a proxy would send.
    Html(String),
    /// These exact bytes as `application/json`, valid or not: broken or
    /// hostile JSON (invalid UTF-8, deep nesting, huge strings).
    Bytes(Vec<u8>),
}

/// One way to misbehave.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and body instead of handling the request.
    Status {
        /// The status code.
        status: u16,
        /// The body.
        body: FaultBody,
    },
    /// Wait this long before the response headers, then answer normally.
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
    /// Answer normally but send only half the body, with a `Content-Length`
    /// for all of it, then close the connection.
    Truncate,
    /// Answer 200 with a body that is not valid JSON.
    InvalidJson,
    /// Answer 200 with a body of this many bytes, streamed (never held in memory).
    Oversized {
        /// The body's size in bytes.
        bytes: u64,
    },
    /// Answer 429 with this `Retry-After` value (seconds or an HTTP-date).
    RateLimited {
        /// The header's value.
        retry_after: String,
    },
    /// Answer 200 with `Content-Encoding: gzip` and a small body that
    /// inflates to this many bytes of JSON whitespace: a compression bomb.
    GzipBomb {
        /// The inflated size.
        inflated: u64,
    },
    /// Handle the request (apply it), then answer this status with an HTML
    /// body instead of the real reply: a gateway whose upstream answered too
    /// late, after the write was made.
    FailAfterApplying {
        /// The status sent instead (502, say).
        status: u16,
    },
    /// Handle the request (apply it), then close the connection without
    /// answering: a reply lost after the write was made.
    DropAfterApplying,
    /// Answer 503 (`unavailable`), with this `Retry-After` value if any:
    /// a server shedding load.
    Unavailable {
        /// The header's value, if the server sends one.
        retry_after: Option<String>,
    },
}

/// A fault, which requests it applies to, and how many times.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    fault: Fault,
    remaining: Option<u32>,
    method: Option<Method>,
    route: Option<String>,
}

impl FaultRule {
    /// The fault for the next request, whatever it is.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            fault,
            remaining: Some(1),
            method: None,
            route: None,
        }
    }
    /// For the next `n` matching requests (instead of one).
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.remaining = Some(n);
        self
    }
    /// For every matching request until the plan is cleared.
    #[must_use]
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }
    /// Only for this method and route. The route is the template
    /// (`/api/tasks/{task_id}`) or a literal path (`/api/tasks/6f1c…`).
    #[must_use]
    pub fn on(mut self, method: Method, route: impl Into<String>) -> Self {
        self.method = Some(method);
        self.route = Some(route.into());
        self
    }
    /// Only for this route, any method.
    #[must_use]
    pub fn on_route(mut self, route: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self
    }

    fn matches(&self, method: &Method, template: &str, path: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method)
            && self.route.as_deref().is_none_or(|r| r == template || r == path)
    }
}

/// An ordered list of fault rules: the first rule that matches a request applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// No faults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a rule after the others.
    #[must_use]
    pub fn with(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }
}

/// The live fault plan of a running server; clones share it, so tests can
/// change it while the server runs.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<FaultRule>>>,
}

impl Faults {
    pub(crate) fn new(plan: FaultPlan) -> Self {
        Faults {
            rules: Arc::new(Mutex::new(plan.rules)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<FaultRule>> {
        // A panic while holding this lock cannot leave the list inconsistent.
        self.rules.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a rule after the others.
    pub fn push(&self, rule: FaultRule) {
        self.lock().push(rule);
    }
    /// Replaces the whole plan.
    pub fn replace(&self, plan: FaultPlan) {
        *self.lock() = plan.rules;
    }
    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }
    /// How many rules are still armed.
    pub fn armed(&self) -> usize {
        self.lock().len()
    }

    /// The fault for this request, if a rule matches; spends one of its uses.
    pub(crate) fn take(&self, method: &Method, template: &str, path: &str) -> Option<Fault> {
        let mut rules = self.lock();
        let index = rules.iter().position(|r| r.matches(method, template, path))?;
        let rule = &mut rules[index];
        let fault = rule.fault.clone();
        if let Some(n) = rule.remaining.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                rules.remove(index);
            }
        }
        Some(fault)
    }
}

/// Marks a response whose connection must be closed without sending it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// The response of a fault that answers by itself (everything but `Delay`,
/// `Truncate` and the faults that apply the request first).
pub(crate) fn respond(fault: &Fault) -> Option<Response> {
    let json = HeaderValue::from_static("application/json");
    let response = match fault {
        Fault::Status { status, body } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let (content_type, bytes) = match body {
                FaultBody::Json(v) => (Some("application/json"), serde_json::to_vec(v).unwrap_or_default()),
                FaultBody::Empty => (None, Vec::new()),
                FaultBody::Text(t) => (Some("text/plain; charset=utf-8"), t.clone().into_bytes()),
                FaultBody::Html(h) => (Some("text/html; charset=utf-8"), h.clone().into_bytes()),
                FaultBody::Bytes(b) => (Some("application/json"), b.clone()),
            };
            let mut r = (status, bytes).into_response();
            match content_type {
                Some(ct) => r
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct)),
                None => r.headers_mut().remove(header::CONTENT_TYPE),
            };
            r
        }
        Fault::Drop => {
            let mut r = Response::new(Body::empty());
            r.extensions_mut().insert(DropConnection);
            r
        }
        Fault::InvalidJson => {
            let mut r = (
                StatusCode::OK,
                r#"{"id": "6f1c2b9e-8a4d-4c1e-9f3a-2b7d5e8c1a90", "name": "tru"#,
            )
                .into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, json);
            r
        }
        Fault::Oversized { bytes } => {
            let mut r = Response::new(Body::new(Filler::new(*bytes)));
            r.headers_mut().insert(header::CONTENT_TYPE, json);
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(*bytes));
            r
        }
        Fault::RateLimited { retry_after } => {
            let mut r = crate::api_error::ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests; retry after {retry_after}"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(retry_after) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Fault::GzipBomb { inflated } => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let chunk = [b' '; 64 << 10];
            let mut left = *inflated;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                let _ = std::io::Write::write_all(&mut encoder, &chunk[..n]);
                left -= n as u64;
            }
            let mut r = (StatusCode::OK, encoder.finish().unwrap_or_default()).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, json);
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            r
        }
        Fault::Unavailable { retry_after } => {
            let mut r = crate::api_error::ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the server is shedding load; try again later".to_owned(),
            )
            .into_response();
            if let Some(v) = retry_after.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Fault::Delay(_) | Fault::Truncate | Fault::FailAfterApplying { .. } | Fault::DropAfterApplying => return None,
    };
    Some(response)
}

/// Cuts a finished response's body in half while announcing its full length,
/// so the client sees the connection close early.
pub(crate) async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let full = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let half = full.slice(..full.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len().max(1)));
    Response::from_parts(parts, Body::new(Chunks::once(half)))
}

/// A streamed body of `remaining` bytes of JSON whitespace, 64 KiB at a time.
struct Filler {
    remaining: u64,
    chunk: Bytes,
}

impl Filler {
    fn new(size: u64) -> Self {
        Filler {
            remaining: size,
            chunk: Bytes::from(vec![b' '; 64 * 1024]),
        }
    }
}

impl http_body::Body for Filler {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = self.remaining.min(self.chunk.len() as u64);
        self.remaining -= n;
        // n ≤ 64 KiB, so it fits in usize everywhere.
        let data = self.chunk.slice(..n as usize);
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// A body that sends one chunk, waits long enough for it to be flushed,
/// then fails, so the connection closes short of the announced length.
struct Chunks {
    chunk: Option<Bytes>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Chunks {
    fn once(chunk: Bytes) -> Self {
        Chunks {
            chunk: Some(chunk),
            pause: None,
        }
    }
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(chunk) = self.chunk.take() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        let pause = self
            .pause
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(50))));
        match pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::other("body truncated by a fault rule")))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_spent_in_order_and_matched_by_method_and_route() {
        let faults = Faults::new(
            FaultPlan::new()
                .with(FaultRule::new(Fault::Drop).on(Method::POST, "/api/tasks"))
                .with(FaultRule::new(Fault::InvalidJson).times(2)),
        );
        assert_eq!(
            faults.take(&Method::GET, "/api/tasks", "/api/tasks"),
            Some(Fault::InvalidJson)
        );
        assert_eq!(
            faults.take(&Method::POST, "/api/tasks", "/api/tasks"),
            Some(Fault::Drop)
        );
        assert_eq!(
            faults.take(&Method::POST, "/api/tasks", "/api/tasks"),
            Some(Fault::InvalidJson)
        );
        assert_eq!(faults.take(&Method::POST, "/api/tasks", "/api/tasks"), None);
        assert_eq!(faults.armed(), 0);
    }

    #[test]
    fn always_rules_stay_until_cleared() {
        let faults = Faults::new(FaultPlan::new().with(FaultRule::new(Fault::Drop).always().on_route("/api/health")));
        for _ in 0..5 {
            assert_eq!(
                faults.take(&Method::GET, "/api/health", "/api/health"),
                Some(Fault::Drop)
            );
        }
        assert_eq!(faults.take(&Method::GET, "/api/tasks", "/api/tasks"), None);
        faults.clear();
        assert_eq!(faults.take(&Method::GET, "/api/health", "/api/health"), None);
    }
}
