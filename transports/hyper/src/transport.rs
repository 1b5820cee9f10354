//! One attempt over hyper: a permit from the in-flight limit, the request,
//! the body collected up to the limit, all within the attempt's timeout.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client as PooledClient;
use std::hash::BuildHasher;

use taskqueue_proto::driver::AsyncTransport;
use taskqueue_proto::{Config, Entropy, ThreadEntropy, TransportError, TransportErrorKind};
use tokio::sync::Semaphore;

use crate::classify::{classify_body, classify_request};
use crate::connector::Connector;

/// What the client shares between its clones.
pub(crate) struct Transport {
    pub(crate) config: Config,
    pub(crate) http: PooledClient<Connector, Full<Bytes>>,
    pub(crate) in_flight: Semaphore,
}

const ENTROPY: ThreadEntropy = ThreadEntropy::new(seed);
/// 64 bits from the OS; should that fail, std's randomly keyed hasher.
fn seed() -> u64 {
    getrandom::u64().unwrap_or_else(|_| std::collections::hash_map::RandomState::new().hash_one(std::process::id()))
}

impl Transport {
    async fn exchange(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let response = self.http.request(request).await.map_err(classify_request)?;
        let (parts, body) = response.into_parts();
        let limit = usize::try_from(self.config.body_limit()).unwrap_or(usize::MAX);
        let collected = Limited::new(body, limit).collect().await.map_err(classify_body)?;
        Ok(Response::from_parts(parts, Vec::from(collected.to_bytes())))
    }
}

impl AsyncTransport for Transport {
    async fn send(&self, request: Request<Vec<u8>>, timeout: Duration) -> Result<Response<Vec<u8>>, TransportError> {
        // The semaphore is never closed; if it were, the client could not send.
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| TransportError::new(TransportErrorKind::Unusable, "the client is shutting down"))?;
        match tokio::time::timeout(timeout, self.exchange(request)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(TransportError::new(
                TransportErrorKind::Timeout,
                format!("no complete response within {:.3}s", timeout.as_secs_f64()),
            )),
        }
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn random_u64(&self) -> u64 {
        let mut entropy = ENTROPY;
        entropy.next_u64()
    }
}
