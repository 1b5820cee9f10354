//! The cassette format: one exchange a line, as in the project's recorded
//! fixtures (`label`, `request`, `response`).

use std::collections::BTreeMap;

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;
use crate::driver::{Outcome, TransportError, TransportErrorKind};

/// The only headers a cassette keeps: what replaying and reading it need.
/// Everything else — credentials of any name (an access proxy's secret set
/// with `ConfigBuilder::header`), cookies, `Set-Cookie` — is left out.
pub const RECORDED_HEADERS: &[&str] = &[
    "accept",
    "content-encoding",
    "content-type",
    "date",
    "idempotency-key",
    "location",
    "retry-after",
    "user-agent",
    "x-request-id",
];

/// The JSON fields of bodies whose values a cassette leaves out by default:
/// a task's `environment` (`DB_PASSWORD=…`).
pub const REDACTED_FIELDS: &[&str] = &["environment"];

/// What a redacted value is written as.
pub const REDACTED: &str = "[redacted]";

/// One recorded exchange: what was sent and what came back.
///
/// ```
/// use taskqueue::testing::Exchange;
/// let line = r#"{"label":"health","request":{"method":"GET","path":"/health"},
///               "response":{"status":200,"content_type":"application/json","body_json":{"status":"healthy"}}}"#;
/// let exchange: Exchange = serde_json::from_str(line)?;
/// assert_eq!(exchange.request.method, "GET");
/// assert_eq!(exchange.response.status, Some(200));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Exchange {
    /// A name for the exchange (the fixtures name each one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What was sent.
    pub request: RecordedRequest,
    /// What came back.
    pub response: RecordedResponse,
}

/// A request as a cassette keeps it.
///
/// ```
/// let request: taskqueue::testing::RecordedRequest =
///     serde_json::from_str(r#"{"method":"POST","path":"/api/projects","body":{"name":"site"}}"#)?;
/// assert_eq!(request.body.unwrap()["name"], "site");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path and query, as sent (`/api/tasks?limit=5`).
    pub path: String,
    /// Headers, secrets left out.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body: JSON when it was JSON, else text; absent when empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// A response as a cassette keeps it, or the transport failure instead.
///
/// ```
/// let failed: taskqueue::testing::RecordedResponse = serde_json::from_str(r#"{"error":"Connect"}"#)?;
/// assert_eq!((failed.status, failed.error.as_deref()), (None, Some("Connect")));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordedResponse {
    /// The status (absent when the attempt failed without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The `Content-Type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Other headers worth keeping (`Retry-After`, `X-Request-Id`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body, when it was JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_json: Option<Value>,
    /// The body, when it was not JSON (and not empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    /// The transport's failure instead of a response (`Connect`, `Timeout`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Exchange {
    /// The exchange of `request` and its outcome, secrets left out: only
    /// the [`RECORDED_HEADERS`], and the values of the [`REDACTED_FIELDS`]
    /// of JSON bodies replaced by [`REDACTED`].
    ///
    /// ```
    /// use taskqueue::testing::Exchange;
    /// let request = http::Request::builder().uri("http://tq.test/api/health")
    ///     .header("authorization", "Bearer s3cret").header("x-access-secret", "s3cret").body(Vec::new())?;
    /// let exchange = Exchange::record(&request, &Ok(http::Response::new(br#"{"status":"healthy"}"#.to_vec())));
    /// assert!(exchange.request.headers.is_empty(), "no credential kept");
    /// assert_eq!(exchange.response.body_json.unwrap()["status"], "healthy");
    /// # Ok::<(), http::Error>(())
    /// ```
    pub fn record(request: &Request<Vec<u8>>, outcome: &Outcome) -> Self {
        Self::record_redacting(request, outcome, REDACTED_FIELDS)
    }

    /// Like [`record`](Exchange::record), redacting the values of these JSON
    /// fields (at any depth) instead of the default ones.
    ///
    /// ```
    /// use taskqueue::testing::Exchange;
    /// let body = br#"{"name":"deploy","environment":{"DB_PASSWORD":"hunter2"},"metadata":{"token":"t"}}"#;
    /// let request = http::Request::post("http://tq.test/api/tasks").body(body.to_vec())?;
    /// let exchange = Exchange::record_redacting(&request, &Ok(http::Response::new(Vec::new())), &["environment", "token"]);
    /// let kept = exchange.request.body.unwrap();
    /// assert_eq!(kept["environment"]["DB_PASSWORD"], "[redacted]", "the key stays, the value goes");
    /// assert_eq!(kept["metadata"]["token"], "[redacted]");
    /// assert_eq!(kept["name"], "deploy");
    /// # Ok::<(), http::Error>(())
    /// ```
    pub fn record_redacting(request: &Request<Vec<u8>>, outcome: &Outcome, fields: &[&str]) -> Self {
        let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let recorded_request = RecordedRequest {
            method: request.method().as_str().to_owned(),
            path,
            headers: headers_of(request.headers(), &[]),
            body: (!request.body().is_empty()).then(|| redacted(body_value(request.body()), fields)),
        };
        let response = match outcome {
            Ok(response) => {
                let body = response.body();
                let json = serde_json::from_slice::<Value>(body).ok().map(|v| redacted(v, fields));
                RecordedResponse {
                    status: Some(response.status().as_u16()),
                    content_type: header_text(response.headers().get(CONTENT_TYPE)),
                    headers: headers_of(response.headers(), &[CONTENT_TYPE]),
                    body_text: (json.is_none() && !body.is_empty()).then(|| String::from_utf8_lossy(body).into_owned()),
                    body_json: json,
                    error: None,
                }
            }
            Err(error) => RecordedResponse {
                error: Some(format!("{:?}", error.kind())),
                ..RecordedResponse::default()
            },
        };
        Exchange {
            label: None,
            request: recorded_request,
            response,
        }
    }

    /// The recorded outcome, as a transport hands it to the SDK.
    ///
    /// ```
    /// let line = r#"{"request":{"method":"GET","path":"/x"},"response":{"status":404}}"#;
    /// let exchange: taskqueue::testing::Exchange = serde_json::from_str(line).unwrap();
    /// assert_eq!(exchange.outcome().unwrap().status(), 404);
    /// ```
    ///
    /// # Errors
    ///
    /// The recorded transport failure (`Err`) when the exchange recorded one instead of a response.
    pub fn outcome(&self) -> Outcome {
        let r = &self.response;
        if let Some(kind) = &r.error {
            return Err(TransportError::new(kind_of(kind), format!("recorded failure: {kind}")));
        }
        let mut response = Response::new(match (&r.body_json, &r.body_text) {
            (Some(json), _) => serde_json::to_vec(json).unwrap_or_default(),
            (None, Some(text)) => text.clone().into_bytes(),
            (None, None) => Vec::new(),
        });
        *response.status_mut() = http::StatusCode::from_u16(r.status.unwrap_or(200))
            .map_err(|_| TransportError::new(TransportErrorKind::Io, "the recorded status is not valid"))?;
        let content_type = r.content_type.iter().map(|v| ("content-type", v));
        for (name, value) in r.headers.iter().map(|(k, v)| (k.as_str(), v)).chain(content_type) {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value.as_str())) {
                response.headers_mut().append(name, value);
            }
        }
        Ok(response)
    }

    /// Whether `request` is this exchange's: the same method, and the same
    /// path (with the query, when the recording has one).
    ///
    /// ```
    /// let line = r#"{"request":{"method":"GET","path":"/api/tasks"},"response":{"status":200}}"#;
    /// let exchange: taskqueue::testing::Exchange = serde_json::from_str(line).unwrap();
    /// let request = http::Request::get("http://tq.test/api/tasks?limit=5").body(Vec::new()).unwrap();
    /// assert!(exchange.matches(&request));
    /// ```
    pub fn matches(&self, request: &Request<Vec<u8>>) -> bool {
        let sent = request.uri().path_and_query().map_or("/", |p| p.as_str());
        let path_only = request.uri().path();
        let same_path = if self.request.path.contains('?') {
            sent == self.request.path
        } else {
            path_only == self.request.path
        };
        same_path && request.method().as_str().eq_ignore_ascii_case(&self.request.method)
    }
}

/// Reads a cassette: one JSON object a line, blank lines skipped. The
/// error names the line that does not read.
///
/// ```
/// let exchanges = taskqueue::testing::parse_cassette(
///     "{\"request\":{\"method\":\"GET\",\"path\":\"/api/health\"},\"response\":{\"status\":200}}\n\n",
/// )?;
/// assert_eq!(exchanges.len(), 1);
/// # Ok::<(), taskqueue::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidInput`] naming the line and field of the first entry that is not a valid exchange.
pub fn parse_cassette(text: &str) -> Result<Vec<Exchange>, Error> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line)
                .map_err(|e| Error::invalid_input(format!("cassette line {}", index + 1), e.to_string()))
        })
        .collect()
}

fn kind_of(name: &str) -> TransportErrorKind {
    match name {
        "Connect" => TransportErrorKind::Connect,
        "ConnectTimeout" => TransportErrorKind::ConnectTimeout,
        "Timeout" => TransportErrorKind::Timeout,
        "BodyTooLarge" => TransportErrorKind::BodyTooLarge,
        "Unusable" => TransportErrorKind::Unusable,
        _ => TransportErrorKind::Io,
    }
}

fn header_text(value: Option<&HeaderValue>) -> Option<String> {
    value.and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// `value` with the values of `fields` (at any depth) replaced by
/// [`REDACTED`]; an object's keys are kept (which variables were set), its
/// values go.
fn redacted(mut value: Value, fields: &[&str]) -> Value {
    fn walk(value: &mut Value, fields: &[&str]) {
        match value {
            Value::Object(map) => {
                for (key, field) in map.iter_mut() {
                    if fields.contains(&key.as_str()) {
                        match field {
                            Value::Object(inner) => inner.values_mut().for_each(|v| *v = REDACTED.into()),
                            Value::Null => {}
                            other => *other = REDACTED.into(),
                        }
                    } else {
                        walk(field, fields);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, fields)),
            _ => {}
        }
    }
    if !fields.is_empty() {
        walk(&mut value, fields);
    }
    value
}

/// The [`RECORDED_HEADERS`] (never one marked sensitive).
fn headers_of(headers: &http::HeaderMap, skip: &[HeaderName]) -> BTreeMap<String, String> {
    headers
        .iter()
        .filter(|(name, value)| {
            !value.is_sensitive() && RECORDED_HEADERS.contains(&name.as_str()) && !skip.contains(name)
        })
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect()
}

/// A body as JSON when it is JSON, else as a string.
fn body_value(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}
