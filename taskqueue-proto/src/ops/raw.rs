//! `Raw`: a request the typed operations do not cover, with everything else
//! the SDK does for a call.

use http::{Method, Request, Response};

use super::upstream::AsSpec;
use super::{Operation, json_body, successful};
use crate::error::Missing;
use crate::{Config, Error};

/// Any request to a path under the API (after the dialect's prefix, `/api`
/// for the spec): the SDK adds its headers, request id, retries, deadlines
/// and error mapping; a 2xx answer comes back as the response itself, any
/// other as the usual typed [`Error`]. For endpoints the SDK has no operation
/// for yet, and for tests.
///
/// ```
/// use taskqueue_proto::{Config, ops::{Operation, Raw}};
/// let request = Raw::get("/stats?window=1h").build_request(&Config::default())?;
/// assert_eq!(request.uri(), "http://localhost:8080/api/stats?window=1h");
/// let post = Raw::new(http::Method::POST, "/tasks/1/retry").json(serde_json::json!({"reset": true}));
/// assert_eq!(post.build_request(&Config::default())?.body(), br#"{"reset":true}"#);
/// # Ok::<(), taskqueue_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Raw {
    /// The method.
    pub method: Method,
    /// The path below the API prefix, starting with `/`, with its query if any
    /// (already encoded).
    pub path: String,
    /// A JSON body, sent with `Content-Type: application/json`.
    pub body: Option<serde_json::Value>,
}

impl Raw {
    /// `method path`, without a body.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Raw {
            method,
            path: path.into(),
            body: None,
        }
    }

    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Raw::new(Method::GET, path)
    }

    /// Sends `body` as JSON.
    #[must_use]
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }
}

impl super::Sealed for Raw {}

impl Operation for Raw {
    type Output = Response<Vec<u8>>;
    type Upstream = AsSpec;

    const NAME: &'static str = "raw";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        if !self.path.starts_with('/') {
            return Err(Error::invalid_input("path", "must start with `/`"));
        }
        let body = self.body.as_ref().map(json_body).transpose()?;
        config.request(self.method.clone(), &self.path, &[], body)
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<Response<Vec<u8>>, Error> {
        Ok(successful(response, Missing::Nothing)?.map(|body| body.as_ref().to_vec()))
    }
}
