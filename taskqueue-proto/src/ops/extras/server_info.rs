//! What the server says about itself: `GET /stats` and `GET /metrics`.

use http::{Request, Response};

use super::{Exchange, OneExchange, read_json, upstream_only};
use crate::error::Missing;
use crate::ops::upstream::get;
use crate::{Config, Error, Metrics, Stats};

/// `GET /stats`: task and workflow counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GetStats;

upstream_only!(GetStats, Stats, Exchange, "stats");

impl OneExchange for GetStats {
    fn request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        get(config, "/stats")
    }

    fn read(&self, response: &Response<Vec<u8>>) -> Result<Stats, Error> {
        read_json("stats", "the server", response, Missing::Nothing)
    }
}

/// `GET /metrics`: the server's metrics, names and labels kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GetMetrics;

upstream_only!(GetMetrics, Metrics, Exchange, "metrics");

impl OneExchange for GetMetrics {
    fn request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        get(config, "/metrics")
    }

    fn read(&self, response: &Response<Vec<u8>>) -> Result<Metrics, Error> {
        read_json("metrics", "the server", response, Missing::Nothing)
    }
}
