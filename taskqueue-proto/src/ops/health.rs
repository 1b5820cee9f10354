//! `GET /api/health`.

use http::{Method, Request, Response};
use serde::{Deserialize, Serialize};

use super::{Operation, parse_json};
use crate::error::Missing;
use crate::{Config, Error};

/// Asks whether the server is up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Health;

/// The server's answer to [`Health`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HealthStatus {
    /// `"healthy"` when all is well.
    pub status: String,
    /// The server's version, if it says.
    pub version: Option<String>,
}

impl HealthStatus {
    /// A status with a version, as a server reports it.
    pub fn new(status: impl Into<String>, version: Option<String>) -> Self {
        HealthStatus {
            status: status.into(),
            version,
        }
    }

    /// Whether the server says it is healthy.
    pub fn is_healthy(&self) -> bool {
        self.status.eq_ignore_ascii_case("healthy")
    }
}

impl super::Sealed for Health {}

impl Operation for Health {
    type Output = HealthStatus;
    type Upstream = super::AsSpec;

    const NAME: &'static str = "health";

    fn build_spec_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        config.request(Method::GET, "/health", &[], None)
    }

    fn parse_spec_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<HealthStatus, Error> {
        parse_json(response, Missing::Nothing)
    }
}
