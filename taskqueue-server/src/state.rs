//! What every request shares: the store, the idempotency keys, the rate
//! limiter, the fault plan, credentials and counters.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use taskqueue_proto::Secret;

use crate::ServerConfig;
use crate::faults::Faults;
use crate::idempotency::Keys;
use crate::rate_limit::RateLimiter;
use crate::store::Store;
use crate::upstream_store::UpstreamStore;

/// Locks a mutex, going on after a panic elsewhere: every critical section
/// here leaves its data consistent before anything can panic.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) store: Mutex<Store>,
    pub(crate) upstream: Mutex<UpstreamStore>,
    pub(crate) dialect: taskqueue_proto::Dialect,
    pub(crate) keys: Mutex<Keys>,
    pub(crate) limiter: Option<Mutex<RateLimiter>>,
    pub(crate) faults: Faults,
    pub(crate) token: Option<Secret>,
    pub(crate) api_key: Option<Secret>,
    pub(crate) log_requests: bool,
    pub(crate) counters: Counters,
    /// When the server started (its uptime in upstream `GET /stats`).
    pub(crate) started: std::time::Instant,
}

impl AppState {
    pub(crate) fn new(config: &ServerConfig) -> Self {
        AppState {
            store: Mutex::new(Store::new(config.complete_after)),
            upstream: Mutex::new(UpstreamStore::new(config.complete_after)),
            dialect: config.dialect,
            keys: Mutex::new(Keys::default()),
            limiter: config.rate_limit.map(|n| Mutex::new(RateLimiter::new(n))),
            faults: Faults::new(config.faults.clone()),
            token: config.token.clone(),
            api_key: config.api_key.clone(),
            log_requests: config.log_requests,
            counters: Counters::default(),
            started: std::time::Instant::now(),
        }
    }
}

/// How many received requests are remembered for [`ReceivedRequest`] look-ups.
const RECEIVED_KEPT: usize = 10_000;

/// A request the server received, as tests see it: which route, and the
/// headers that make retries observable.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// The method.
    pub method: String,
    /// The route template (`/api/tasks/{task_id}`).
    pub route: String,
    /// The path as sent.
    pub path: String,
    /// The `X-Request-Id` header, if any.
    pub request_id: Option<String>,
    /// The `Idempotency-Key` header, if any.
    pub idempotency_key: Option<String>,
}

/// Requests per route and connections, for tests that assert on retries and pooling.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    per_route: Mutex<BTreeMap<(String, String), u64>>,
    received: Mutex<std::collections::VecDeque<ReceivedRequest>>,
    pub(crate) connections_accepted: AtomicU64,
    pub(crate) connections_open: AtomicU64,
    /// Responses sent gzip-compressed.
    pub(crate) compressed: AtomicU64,
}

impl Counters {
    pub(crate) fn count(&self, request: ReceivedRequest) {
        *lock(&self.per_route)
            .entry((request.method.clone(), request.route.clone()))
            .or_default() += 1;
        let mut received = lock(&self.received);
        if received.len() >= RECEIVED_KEPT {
            received.pop_front();
        }
        received.push_back(request);
    }
    pub(crate) fn received(&self) -> Vec<ReceivedRequest> {
        lock(&self.received).iter().cloned().collect()
    }
    pub(crate) fn get(&self, method: &str, route: &str) -> u64 {
        lock(&self.per_route)
            .get(&(method.to_owned(), route.to_owned()))
            .copied()
            .unwrap_or(0)
    }
    pub(crate) fn total(&self) -> u64 {
        lock(&self.per_route).values().sum()
    }
    pub(crate) fn snapshot(&self) -> BTreeMap<(String, String), u64> {
        lock(&self.per_route).clone()
    }
    pub(crate) fn reset(&self) {
        lock(&self.per_route).clear();
        lock(&self.received).clear();
    }
    pub(crate) fn load(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
