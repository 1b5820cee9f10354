//! Replaying exchanges recorded from the public Task Queue server: read a
//! fixture file, check the requests the SDK builds against the recorded
//! ones, answer them with the recorded responses.

#![allow(dead_code)] // each test file uses part of it

use std::time::Instant;

use http::Response;
use serde_json::Value;
use taskqueue_proto::driver::{IntoMachine, Simulated, run_blocking};
use taskqueue_proto::ops::Operation;
use taskqueue_proto::{CallOptions, Config, Dialect, Error};

/// One recorded exchange.
#[derive(Clone, Debug)]
pub(crate) struct Exchange {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) body: Option<Value>,
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) response_body: Vec<u8>,
    /// Body fields that legitimately differ from the recording (ids and
    /// times the SDK makes itself).
    pub(crate) ignored_fields: &'static [&'static str],
}

impl Exchange {
    /// The same exchange, not comparing these request body fields.
    pub(crate) fn ignoring(mut self, fields: &'static [&'static str]) -> Self {
        self.ignored_fields = fields;
        self
    }
}

/// Every exchange of `tests/fixtures/{file}`, in order, with its label.
pub(crate) fn recorded(file: &str) -> Vec<(String, Exchange)> {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            let response = &v["response"];
            let response_body = match (&response["body_json"], &response["body_text"]) {
                (Value::Null, Value::String(t)) => t.clone().into_bytes(),
                (Value::Null, _) => Vec::new(),
                (json, _) => serde_json::to_vec(json).unwrap(),
            };
            let exchange = Exchange {
                method: v["request"]["method"].as_str().unwrap().to_owned(),
                path: v["request"]["path"].as_str().unwrap().to_owned(),
                body: Some(v["request"]["body"].clone()).filter(|b| !b.is_null()),
                status: response["status"].as_u64().unwrap() as u16,
                content_type: response["content_type"].as_str().map(str::to_owned),
                response_body,
                ignored_fields: &[],
            };
            (v["label"].as_str().unwrap().to_owned(), exchange)
        })
        .collect()
}

/// An exchange the recording does not hold, made up for a test.
pub(crate) fn synthetic(method: &str, path: &str, status: u16, body: &str) -> Exchange {
    Exchange {
        method: method.into(),
        path: path.into(),
        body: None,
        status,
        content_type: Some("application/json").filter(|_| !body.is_empty()).map(str::to_owned),
        response_body: body.as_bytes().to_vec(),
        ignored_fields: &[],
    }
}

/// A config of the upstream dialect at the public server's default address.
pub(crate) fn config() -> Config {
    Config::builder()
        .dialect(Dialect::Upstream)
        .base_url("http://localhost:16080")
        .build()
        .unwrap()
}

/// Checks a request the SDK built against the recorded one: method, path
/// (no `/api` upstream) and the body fields the server needs.
pub(crate) fn check_request(request: &http::Request<Vec<u8>>, expected: &Exchange) {
    let path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    assert_eq!(
        (request.method().as_str(), path),
        (expected.method.as_str(), expected.path.as_str())
    );
    assert!(
        !path.starts_with("/api"),
        "no /api prefix upstream (the server answers 404 there)"
    );
    if let Some(recorded) = &expected.body {
        let sent: Value = serde_json::from_slice(request.body()).expect("a JSON body");
        assert_eq!(request.headers()["content-type"], "application/json");
        for (field, value) in recorded.as_object().unwrap() {
            if expected.ignored_fields.contains(&field.as_str()) {
                continue;
            }
            assert_eq!(
                &sent[field], value,
                "body field `{field}` of {} {}",
                expected.method, expected.path
            );
        }
    }
}

/// The recorded response.
pub(crate) fn response_of(e: &Exchange) -> Response<Vec<u8>> {
    let mut b = Response::builder().status(e.status);
    if let Some(ct) = &e.content_type {
        b = b.header("content-type", ct);
    }
    b.body(e.response_body.clone()).unwrap()
}

/// Replays `script` in both forms and returns the driver's result:
///
/// - through the blocking driver (a [`Simulated`] transport answering each
///   request with the next recorded response, after checking the request);
/// - through the single-exchange API (`build_request`, then
///   `parse_response` of the first recorded response): for a one-exchange
///   script it must give the same answer; for a longer one, say that the
///   operation needs a driver.
pub(crate) fn replay<O>(op: O, script: &[Exchange]) -> Result<O::Output, Error>
where
    O: Operation + Clone,
    O::Output: std::fmt::Debug,
{
    let config = config();
    let mut answers = script.iter().cloned();
    let transport = Simulated::new(Instant::now(), move |request: &http::Request<Vec<u8>>| {
        let expected = answers
            .next()
            .unwrap_or_else(|| panic!("unexpected extra request {} {}", request.method(), request.uri()));
        check_request(request, &expected);
        Ok(response_of(&expected))
    });
    let driven = run_blocking(&transport, op.clone().into_machine(&config, &CallOptions::new(), 1));
    assert_eq!(
        transport.sent().len(),
        script.len(),
        "the call ended before the script did"
    );

    let first = op.build_request(&config).expect("the first request builds");
    check_request(&first, &script[0]);
    let single = op.parse_response(&config, response_of(&script[0]));
    if script.len() == 1 {
        // The driver's error also names the call it ended; the rest agrees.
        if let Err(error) = &driven {
            let call = error.call().expect("a driven call's error names the call");
            assert_eq!(call.attempts(), 1);
        }
        let without_call = format!("{driven:?}");
        let without_call = match without_call.find(", call: Some(CallInfo {") {
            Some(at) => {
                let end = at + without_call[at..].find("})").expect("the CallInfo closes") + 2;
                format!("{}, call: None{}", &without_call[..at], &without_call[end..])
            }
            None => without_call,
        };
        assert_eq!(format!("{single:?}"), without_call, "both forms agree");
    } else {
        assert!(
            matches!(single, Err(Error::NeedsDriver { .. })),
            "a flow of {} exchanges says it needs the driver: {single:?}",
            script.len()
        );
    }
    driven
}
