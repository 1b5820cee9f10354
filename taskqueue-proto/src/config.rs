//! `Config`: where the server is, how to authenticate, and the limits of a call.

use crate::setters::{option_setters, setters};
use std::fmt;
use std::sync::Arc;

use crate::observe::Observer;
use crate::proxy::{Proxy, ProxySetting};
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, Method, Request, Uri};

use crate::{AdaptiveRateLimiter, Dialect, Error, RetryBudget, RetryPolicy, Secret};

/// The base URL used when none is given.
pub const DEFAULT_BASE_URL: &str = "http://localhost:8080";
/// The per-attempt timeout used when none is given.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// The connect timeout used when none is given.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest response body read when no limit is given (32 MiB).
pub const DEFAULT_BODY_LIMIT: u64 = 32 * 1024 * 1024;
/// The `User-Agent` every request carries unless the caller sets another.
pub const DEFAULT_USER_AGENT: &str = concat!("taskqueue-rust/", env!("CARGO_PKG_VERSION"));

/// Everything a call needs to know besides the operation: validated once, then
/// shared by every request. Build one with [`Config::builder`].
///
/// ```
/// use std::time::Duration;
/// use taskqueue_proto::Config;
/// let config = Config::builder()
///     .base_url("https://tq.example.com/queue")
///     .token("s3cret")
///     .attempt_timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(config.base_url(), "https://tq.example.com/queue");
/// assert!(!format!("{config:?}").contains("s3cret"));
/// # Ok::<(), taskqueue_proto::Error>(())
/// ```
///
/// Cloning is cheap (the settings are shared), so calls and state machines
/// keep their own handle instead of borrowing one.
#[derive(Clone)]
pub struct Config {
    inner: Arc<Settings>,
}

/// The default [`Config::max_listing_items`]: a million tasks.
pub const DEFAULT_MAX_LISTING_ITEMS: u64 = 1_000_000;

/// The validated settings behind a [`Config`].
#[derive(Clone)]
struct Settings {
    base_url: String,
    /// Where every request goes: `base_url`'s scheme and authority, read
    /// once (a request's URI shares them), and the path every request's
    /// starts with (`base_url`'s path + the dialect's prefix).
    scheme: Scheme,
    authority: Authority,
    path_prefix: String,
    dialect: Dialect,
    token: Option<Secret>,
    api_key: Option<Secret>,
    user_agent: String,
    /// Accept, User-Agent, auth and the caller's extra headers, ready to copy.
    headers: HeaderMap,
    attempt_timeout: Duration,
    connect_timeout: Duration,
    call_deadline: Option<Duration>,
    body_limit: u64,
    retry: RetryPolicy,
    /// The fleet state the policy asks for, made once at `build`.
    retry_budget: Option<RetryBudget>,
    rate_limiter: Option<AdaptiveRateLimiter>,
    idempotency_keys: bool,
    batch_concurrency: usize,
    max_listing_items: u64,
    root_certificates: Vec<Vec<u8>>,
    observer: Option<Arc<dyn Observer>>,
    proxy: ProxySetting,
    no_proxy: String,
}

impl Config {
    /// A builder starting from the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The defaults with another base URL.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`base_url`) for a URL that is not `http://`
    /// or `https://` with a host.
    pub fn new(base_url: impl Into<String>) -> Result<Self, Error> {
        Self::builder().base_url(base_url).build()
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }
    /// The wire dialect.
    pub fn dialect(&self) -> Dialect {
        self.inner.dialect
    }
    /// The bearer token, if one is set.
    pub fn token(&self) -> Option<&Secret> {
        self.inner.token.as_ref()
    }
    /// The API key, if one is set.
    pub fn api_key(&self) -> Option<&Secret> {
        self.inner.api_key.as_ref()
    }
    /// The `User-Agent` sent.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }
    /// The headers every request carries (auth values are marked sensitive).
    pub fn default_headers(&self) -> &HeaderMap {
        &self.inner.headers
    }
    /// How long one attempt may take, from sending to the end of the body.
    pub fn attempt_timeout(&self) -> Duration {
        self.inner.attempt_timeout
    }
    /// How long connecting may take.
    pub fn connect_timeout(&self) -> Duration {
        self.inner.connect_timeout
    }
    /// How long a whole logical call may take, retries and sleeps included.
    pub fn call_deadline(&self) -> Option<Duration> {
        self.inner.call_deadline
    }
    /// The largest response body a transport reads, in bytes.
    pub fn body_limit(&self) -> u64 {
        self.inner.body_limit
    }
    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }
    /// The retry budget every call of this config (and of its clones, so of
    /// a client and its views) draws on, unless the policy has none.
    pub fn retry_budget(&self) -> Option<&RetryBudget> {
        self.inner.retry_budget.as_ref()
    }
    /// The send-rate limiter every call of this config shares, in adaptive mode.
    pub fn rate_limiter(&self) -> Option<&AdaptiveRateLimiter> {
        self.inner.rate_limiter.as_ref()
    }
    /// Whether writes carry a client token so a retry cannot duplicate them:
    /// an `Idempotency-Key` header in the documented dialect, a marker tag on
    /// a create in the upstream dialect (see [`Dialect::deduplicates_writes`]).
    pub fn idempotency_keys(&self) -> bool {
        self.inner.idempotency_keys
    }
    /// How many requests a batch (`create_tasks`) or a multi-wait's round
    /// keeps in flight at once (default
    /// [`DEFAULT_BATCH_CONCURRENCY`](crate::DEFAULT_BATCH_CONCURRENCY)).
    pub fn batch_concurrency(&self) -> usize {
        self.inner.batch_concurrency
    }
    /// The most items a listing of many pages (`list_tasks_all`, a watch's
    /// round, a multi-wait's project) reads before it stops with
    /// [`Error::ListingDidNotEnd`] (default [`DEFAULT_MAX_LISTING_ITEMS`]).
    pub fn max_listing_items(&self) -> u64 {
        self.inner.max_listing_items
    }
    /// This config with another [`batch_concurrency`](Config::batch_concurrency)
    /// (at least 1), sharing everything else — the retry budget and rate
    /// limiter included.
    #[must_use]
    pub fn with_batch_concurrency(&self, concurrency: usize) -> Config {
        let mut settings = (*self.inner).clone();
        settings.batch_concurrency = concurrency.max(1);
        Config {
            inner: Arc::new(settings),
        }
    }
    /// Extra root certificates (PEM) that transports trust besides their default roots.
    pub fn root_certificates(&self) -> &[Vec<u8>] {
        &self.inner.root_certificates
    }
    /// The observer told about every attempt and call, if any.
    pub fn observer(&self) -> Option<&Arc<dyn Observer>> {
        self.inner.observer.as_ref()
    }
    /// Where the proxy comes from (see [`proxy::resolve`](crate::proxy::resolve)).
    pub fn proxy(&self) -> &ProxySetting {
        &self.inner.proxy
    }
    /// Hosts reached without the proxy, as in `NO_PROXY` (empty: none).
    pub fn no_proxy(&self) -> &str {
        &self.inner.no_proxy
    }

    /// A request to `path` (below the dialect's prefix) with the config's
    /// headers, an encoded query, and a JSON body when one is given.
    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Request<Vec<u8>>, Error> {
        let mut target = String::with_capacity(self.inner.path_prefix.len() + path.len() + 64);
        target.push_str(&self.inner.path_prefix);
        target.push_str(path);
        for (i, (key, value)) in query.iter().enumerate() {
            target.push(if i == 0 { '?' } else { '&' });
            crate::query::encode_into(&mut target, key);
            target.push('=');
            crate::query::encode_into(&mut target, value);
        }
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(self.inner.scheme.clone());
        parts.authority = Some(self.inner.authority.clone());
        parts.path_and_query =
            Some(PathAndQuery::try_from(target).map_err(|e| Error::invalid_input("url", e.to_string()))?);
        let uri = Uri::from_parts(parts).map_err(|e| Error::invalid_input("url", e.to_string()))?;
        // The config's headers, with room for what a call adds (request id,
        // idempotency key, content type) and what a transport adds
        // (`Accept-Encoding`, hyper's `Host`): a clone has room for none,
        // and each would grow it.
        let mut headers = HeaderMap::with_capacity(self.inner.headers.len() + 5);
        for (name, value) in &self.inner.headers {
            headers.append(name.clone(), value.clone());
        }
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let mut request = Request::new(body.unwrap_or_default());
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        Ok(request)
    }
}

/// The scheme, the authority and the path of the URL every request starts
/// with (a base URL [`validate_base_url`] accepted, and the dialect's prefix).
fn split_endpoint(endpoint: String) -> Result<(Scheme, Authority, String), Error> {
    let invalid = |why: String| Error::invalid_input("base_url", why);
    let parts = Uri::try_from(endpoint.as_str())
        .map_err(|e| invalid(e.to_string()))?
        .into_parts();
    let (Some(scheme), Some(authority)) = (parts.scheme, parts.authority) else {
        return Err(invalid(format!("{endpoint:?} has no scheme or host")));
    };
    // What follows `scheme://authority`, exactly as written.
    let path = endpoint
        .split_once("://")
        .and_then(|(_, rest)| rest.get(authority.as_str().len()..))
        .unwrap_or_default()
        .to_owned();
    Ok((scheme, authority, path))
}

impl Default for Config {
    /// `http://localhost:8080`, spec dialect, no auth, 30 s timeout, default retries.
    fn default() -> Self {
        // Every default is a constant that `build` accepts (tested below), so
        // this cannot fail on any input.
        #[allow(clippy::expect_used)]
        ConfigBuilder::default()
            .build()
            .expect("the default configuration is valid")
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra: Vec<&str> = self
            .inner
            .headers
            .keys()
            .filter(|k| ![ACCEPT, USER_AGENT, AUTHORIZATION].contains(k) && k.as_str() != "x-api-key")
            .map(HeaderName::as_str)
            .collect();
        f.debug_struct("Config")
            .field("base_url", &self.inner.base_url)
            .field("dialect", &self.inner.dialect)
            .field("token", &self.inner.token)
            .field("api_key", &self.inner.api_key)
            .field("user_agent", &self.inner.user_agent)
            .field("extra_headers", &extra)
            .field("attempt_timeout", &self.inner.attempt_timeout)
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("call_deadline", &self.inner.call_deadline)
            .field("body_limit", &self.inner.body_limit)
            .field("retry", &self.inner.retry)
            .field("idempotency_keys", &self.inner.idempotency_keys)
            .field("root_certificates", &self.inner.root_certificates.len())
            .field("observer", &self.inner.observer.is_some())
            .field("proxy", &self.inner.proxy)
            .field("no_proxy", &self.inner.no_proxy)
            .finish()
    }
}

/// Collects settings for a [`Config`]; [`build`](ConfigBuilder::build)
/// validates them all at once.
#[derive(Clone)]
pub struct ConfigBuilder {
    base_url: String,
    dialect: Dialect,
    token: Option<Secret>,
    api_key: Option<Secret>,
    user_agent: String,
    headers: Vec<(String, String)>,
    attempt_timeout: Duration,
    connect_timeout: Duration,
    call_deadline: Option<Duration>,
    body_limit: u64,
    retry: RetryPolicy,
    retry_budget: Option<RetryBudget>,
    rate_limiter: Option<AdaptiveRateLimiter>,
    idempotency_keys: bool,
    batch_concurrency: usize,
    max_listing_items: u64,
    allow_insecure_http: bool,
    root_certificates: Vec<Vec<u8>>,
    observer: Option<Arc<dyn Observer>>,
    proxy: ProxyChoice,
    no_proxy: String,
}

/// The builder's proxy choice, read at `build`.
#[derive(Clone)]
enum ProxyChoice {
    Environment,
    Disabled,
    Url(String),
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        ConfigBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            dialect: Dialect::default(),
            token: None,
            api_key: None,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            headers: Vec::new(),
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            call_deadline: None,
            body_limit: DEFAULT_BODY_LIMIT,
            retry: RetryPolicy::default(),
            retry_budget: None,
            rate_limiter: None,
            idempotency_keys: true,
            batch_concurrency: crate::DEFAULT_BATCH_CONCURRENCY,
            max_listing_items: DEFAULT_MAX_LISTING_ITEMS,
            allow_insecure_http: false,
            root_certificates: Vec::new(),
            observer: None,
            proxy: ProxyChoice::Environment,
            no_proxy: String::new(),
        }
    }
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("base_url", &self.base_url)
            .field("dialect", &self.dialect)
            .field("token", &self.token)
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    setters! {
        /// The server's base URL, `http` or `https`, optionally with a path prefix
        /// (`https://h/tq` → `https://h/tq/api/tasks`). No query or fragment.
        base_url: impl Into<String> => into;
        /// The wire dialect (default [`Dialect::Spec`]).
        dialect: Dialect;
    }
    option_setters! {
        /// Sends `Authorization: Bearer <token>`; takes precedence over an API key.
        token: impl Into<Secret> => into;
        /// Sends `X-API-Key: <key>` (unless a token is also set).
        api_key: impl Into<Secret> => into;
    }
    /// Replaces the `User-Agent` (default `taskqueue-rust/<version>`).
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }
    /// Adds a header to every request.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    setters! {
        /// How long one attempt may take (default 30 s): sending, waiting
        /// for the answer and reading it.
        attempt_timeout: Duration;
        /// How long connecting may take (default 10 s).
        connect_timeout: Duration;
    }
    /// How long a logical call may take in all, retries included (default: no limit beyond the attempts).
    #[must_use]
    pub fn call_deadline(mut self, timeout: Duration) -> Self {
        self.call_deadline = Some(timeout);
        self
    }
    /// The largest response body read, in bytes (default 32 MiB).
    #[must_use]
    pub fn body_limit(mut self, bytes: u64) -> Self {
        self.body_limit = bytes;
        self
    }
    /// Sends every request through this HTTP proxy
    /// (`http://[user:password@]host[:port]`), whatever the environment says.
    /// By default the environment's proxy is used (`HTTPS_PROXY`,
    /// `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`).
    #[must_use]
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxyChoice::Url(url.into());
        self
    }
    /// Never a proxy, whatever the environment says.
    #[must_use]
    pub fn without_proxy(mut self) -> Self {
        self.proxy = ProxyChoice::Disabled;
        self
    }
    /// Hosts reached directly even when a proxy is set (`NO_PROXY` syntax:
    /// `host`, `.domain`, `*`, comma-separated), on top of the environment's `NO_PROXY`.
    #[must_use]
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
        self.no_proxy = hosts.into();
        self
    }
    /// An observer told about every attempt, call and throttled send (for
    /// metrics; see [`observe`](crate::observe)). Shared by the config's clones.
    #[must_use]
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }
    /// The retry policy (default [`RetryPolicy::default`]).
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Draws retries from this bucket instead of a new
    /// [`RetryBudget::standard`]: give several configs the same one to share
    /// it across clients, or size your own. Ignored if the policy is
    /// [`without_budget`](RetryPolicy::without_budget).
    #[must_use]
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.retry_budget = Some(budget);
        self
    }
    /// Paces sends with this limiter instead of a new one (share one across
    /// clients); turns adaptive mode on whatever the policy says.
    #[must_use]
    pub fn rate_limiter(mut self, limiter: AdaptiveRateLimiter) -> Self {
        self.rate_limiter = Some(limiter);
        self
    }
    /// Whether writes carry a client token so that a retry after a lost reply
    /// cannot duplicate them (default on): an `Idempotency-Key` on creating
    /// and cancelling POSTs in the documented dialect, a marker tag on task
    /// creates in the upstream dialect (the SDK looks for it after an
    /// ambiguous failure). Off, such a failure is [`Error::OutcomeUnknown`].
    #[must_use]
    pub fn idempotency_keys(mut self, enabled: bool) -> Self {
        self.idempotency_keys = enabled;
        self
    }

    /// How many requests a batch or a multi-wait's round keeps in flight at
    /// once (default [`DEFAULT_BATCH_CONCURRENCY`](crate::DEFAULT_BATCH_CONCURRENCY), at least 1).
    #[must_use]
    pub fn batch_concurrency(mut self, concurrency: usize) -> Self {
        self.batch_concurrency = concurrency.max(1);
        self
    }

    /// The most items a listing of many pages reads before it stops with
    /// [`Error::ListingDidNotEnd`] (default [`DEFAULT_MAX_LISTING_ITEMS`], at
    /// least 1): a server that never sends a short page cannot keep a walk
    /// going (and growing) forever.
    #[must_use]
    pub fn max_listing_items(mut self, items: u64) -> Self {
        self.max_listing_items = items.max(1);
        self
    }

    /// Allows a token or API key over plain `http://` to a host that is not
    /// this machine (default: refused at [`build`](ConfigBuilder::build), as
    /// gh and kubectl do; loopback hosts are always allowed).
    #[must_use]
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Trusts this root certificate (PEM, one or more `CERTIFICATE` blocks)
    /// besides the transport's default roots: for a private CA.
    #[must_use]
    pub fn add_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Validates every setting and builds the [`Config`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the setting: a base URL that is not
    /// `http(s)://` with a host, a timeout of zero or past a day, a credential
    /// not fit for a header, a credential over plain `http://` to another
    /// machine without `allow_insecure_http`, and the like.
    pub fn build(self) -> Result<Config, Error> {
        let base_url = validate_base_url(&self.base_url)?;
        if self.attempt_timeout.is_zero() {
            return Err(Error::invalid_input("attempt_timeout", "must be greater than zero"));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::invalid_input("connect_timeout", "must be greater than zero"));
        }
        if self.call_deadline.is_some_and(|t| t.is_zero()) {
            return Err(Error::invalid_input("call_deadline", "must be greater than zero"));
        }
        // Longer bounds overflow the clocks that transports add them to.
        let bounds = [
            ("attempt_timeout", Some(self.attempt_timeout)),
            ("connect_timeout", Some(self.connect_timeout)),
            ("call_deadline", self.call_deadline),
        ];
        if let Some((field, _)) = bounds
            .iter()
            .find(|(_, d)| d.is_some_and(|d| d > crate::retry::MAX_WAIT))
        {
            return Err(Error::invalid_input(*field, "must be at most one day"));
        }
        if self.body_limit == 0 {
            return Err(Error::invalid_input("body_limit", "must be greater than zero"));
        }
        self.retry.validate()?;
        for (i, pem) in self.root_certificates.iter().enumerate() {
            if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                return Err(Error::invalid_input(
                    format!("root_certificates[{i}]"),
                    "is not PEM: expected a -----BEGIN CERTIFICATE----- block",
                ));
            }
        }

        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, header_value("user_agent", &self.user_agent, false)?);
        for (name, value) in &self.headers {
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::invalid_input("header", format!("{name:?} is not a valid header name")))?;
            headers.append(header_name, header_value(&format!("header {name}"), value, false)?);
        }
        if let Some(token) = &self.token {
            headers.insert(
                AUTHORIZATION,
                header_value("token", &format!("Bearer {}", token.expose()), true)?,
            );
        } else if let Some(key) = &self.api_key {
            headers.insert(
                HeaderName::from_static("x-api-key"),
                header_value("api_key", key.expose(), true)?,
            );
        }
        // A token given without an API key is checked above; an API key given
        // beside a token is still checked so a bad one is not silently kept.
        if let (Some(_), Some(key)) = (&self.token, &self.api_key) {
            header_value("api_key", key.expose(), true)?;
        }

        if (self.token.is_some() || self.api_key.is_some()) && !self.allow_insecure_http {
            refuse_clear_text_credentials(&base_url)?;
        }
        let (scheme, authority, path_prefix) = split_endpoint(format!("{base_url}{}", self.dialect.api_prefix()))?;
        let proxy = match &self.proxy {
            ProxyChoice::Environment => ProxySetting::Environment,
            ProxyChoice::Disabled => ProxySetting::Disabled,
            ProxyChoice::Url(url) => ProxySetting::Url(Proxy::parse("proxy", url)?),
        };
        Ok(Config {
            inner: Arc::new(Settings {
                base_url,
                scheme,
                authority,
                path_prefix,
                dialect: self.dialect,
                token: self.token,
                api_key: self.api_key,
                user_agent: self.user_agent,
                headers,
                attempt_timeout: self.attempt_timeout,
                connect_timeout: self.connect_timeout,
                call_deadline: self.call_deadline,
                body_limit: self.body_limit,
                retry_budget: self
                    .retry
                    .uses_budget()
                    .then(|| self.retry_budget.unwrap_or_else(RetryBudget::standard)),
                rate_limiter: match self.rate_limiter {
                    Some(limiter) => Some(limiter),
                    None => self.retry.is_adaptive().then(AdaptiveRateLimiter::new),
                },
                retry: self.retry,
                idempotency_keys: self.idempotency_keys,
                batch_concurrency: self.batch_concurrency,
                max_listing_items: self.max_listing_items,
                root_certificates: self.root_certificates,
                observer: self.observer,
                proxy,
                no_proxy: self.no_proxy,
            }),
        })
    }
}

/// A header value with no control characters; the message never echoes a secret.
fn header_value(field: &str, value: &str, sensitive: bool) -> Result<HeaderValue, Error> {
    if value.chars().any(|c| c.is_control()) {
        return Err(Error::invalid_input(
            field,
            "contains a control character (such as a newline)",
        ));
    }
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| Error::invalid_input(field, "is not a valid header value (only visible ASCII is allowed)"))?;
    v.set_sensitive(sensitive);
    Ok(v)
}

/// Checks scheme, host, query and fragment, and returns the URL without a
/// trailing slash.
/// A credential over plain `http://` to a host other than this machine
/// would cross the network in clear text: refused.
fn refuse_clear_text_credentials(base_url: &str) -> Result<(), Error> {
    let Ok(uri) = base_url.parse::<Uri>() else {
        return Ok(()); // validated already
    };
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    if uri.scheme_str() == Some("http") && !crate::proxy::is_loopback(host) {
        return Err(Error::invalid_input(
            "base_url",
            format!(
                "a token or API key would go to {host} in clear text over http://; use https://, or allow it \
                 explicitly (allow_insecure_http, CLI --allow-insecure-http)"
            ),
        ));
    }
    Ok(())
}

/// `url` as it may be shown: any `user:password@` replaced by `***@`.
pub(crate) fn redact_userinfo(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    match url[after_scheme..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..after_scheme], &url[after_scheme + at..]),
        None => url.to_owned(),
    }
}

fn validate_base_url(raw: &str) -> Result<String, Error> {
    let field = "base_url";
    let trimmed = raw.trim();
    // What is echoed in errors never shows the userinfo (`user:password@`).
    let url = &redact_userinfo(trimmed);
    if url.contains('#') {
        return Err(Error::invalid_input(field, format!("{url:?} must not have a fragment")));
    }
    if url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::invalid_input(
            field,
            format!("{url:?} contains whitespace or a control character"),
        ));
    }
    let uri: Uri = url
        .parse()
        .map_err(|e| Error::invalid_input(field, format!("{url:?} is not a URL: {e}")))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        Some(other) => {
            return Err(Error::invalid_input(
                field,
                format!("scheme {other:?} is not supported; use http or https"),
            ));
        }
        None => {
            return Err(Error::invalid_input(
                field,
                format!("{url:?} has no scheme; use http:// or https://"),
            ));
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(Error::invalid_input(field, format!("{url:?} has no host")));
    }
    if uri.query().is_some() {
        return Err(Error::invalid_input(
            field,
            format!("{url:?} must not have a query string"),
        ));
    }
    if trimmed.contains('@') {
        return Err(Error::invalid_input(
            field,
            format!("{url:?} must not embed credentials; use token or api_key"),
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(r: Result<Config, Error>) -> String {
        match r {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn request_urls_keep_the_base_urls_port_path_and_host_form() {
        let cases = [
            (
                "http://localhost:8080",
                Dialect::Spec,
                "http://localhost:8080/api/tasks?limit=5",
            ),
            (
                "http://localhost:8080/",
                Dialect::Upstream,
                "http://localhost:8080/tasks?limit=5",
            ),
            (
                "https://Example.COM/base/v1",
                Dialect::Spec,
                "https://Example.COM/base/v1/api/tasks?limit=5",
            ),
            ("http://[::1]:9/x", Dialect::Upstream, "http://[::1]:9/x/tasks?limit=5"),
            ("http://127.0.0.1", Dialect::Upstream, "http://127.0.0.1/tasks?limit=5"),
        ];
        for (base, dialect, expected) in cases {
            let config = Config::builder().base_url(base).dialect(dialect).build().unwrap();
            let request = config
                .request(Method::GET, "/tasks", &[("limit", "5".to_owned())], None)
                .unwrap();
            assert_eq!(request.uri().to_string(), expected, "{base} in {dialect}");
            assert_eq!(request.uri().host(), Uri::try_from(expected).unwrap().host());
        }
    }

    #[test]
    fn default_is_localhost_8080_with_30s_timeout() {
        let c = Config::default();
        assert_eq!(c.base_url(), "http://localhost:8080");
        assert_eq!(c.attempt_timeout(), Duration::from_secs(30));
        assert_eq!(c.body_limit(), 32 * 1024 * 1024);
        assert!(c.idempotency_keys());
        assert!(c.user_agent().starts_with("taskqueue-rust/"));
    }

    #[test]
    fn path_prefix_is_kept_and_trailing_slash_dropped() {
        let c = Config::new("https://h.example/tq/").unwrap();
        assert_eq!(c.base_url(), "https://h.example/tq");
        let r = c.request(Method::GET, "/tasks", &[], None).unwrap();
        assert_eq!(r.uri().to_string(), "https://h.example/tq/api/tasks");
    }

    #[test]
    fn bad_base_urls_are_rejected() {
        for bad in [
            "ftp://h/",
            "h.example",
            "http://h/?a=b",
            "http://h/#frag",
            "http://",
            "http://h\n/x",
            "http://user:pw@h/",
            "",
        ] {
            assert_eq!(field_of(Config::new(bad)), "base_url", "{bad:?}");
        }
    }

    #[test]
    fn control_characters_in_headers_are_rejected() {
        assert_eq!(field_of(Config::builder().token("a\r\nX-Evil: 1").build()), "token");
        assert_eq!(field_of(Config::builder().api_key("k\n").build()), "api_key");
        assert_eq!(
            field_of(Config::builder().header("X-Team", "a\u{7f}b").build()),
            "header X-Team"
        );
        assert_eq!(field_of(Config::builder().header("Bad Name", "v").build()), "header");
        assert_eq!(field_of(Config::builder().user_agent("ua\n").build()), "user_agent");
    }

    #[test]
    fn token_wins_over_api_key_and_is_sensitive() {
        let c = Config::builder().token("t").api_key("k").build().unwrap();
        let auth = c.default_headers().get(AUTHORIZATION).unwrap();
        assert_eq!(auth, "Bearer t");
        assert!(auth.is_sensitive());
        assert!(c.default_headers().get("x-api-key").is_none());
    }

    #[test]
    fn api_key_header_is_sensitive() {
        let c = Config::builder().api_key("k").build().unwrap();
        assert!(c.default_headers().get("x-api-key").unwrap().is_sensitive());
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = Config::builder().token("tok-123").api_key("key-456").build().unwrap();
        let shown = format!("{c:?} {:?}", Config::builder().token("tok-123"));
        assert!(!shown.contains("tok-123") && !shown.contains("key-456"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn root_certificates_must_be_pem() {
        assert_eq!(
            field_of(Config::builder().add_root_certificate(b"not a cert".to_vec()).build()),
            "root_certificates[0]"
        );
        let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_vec();
        assert_eq!(
            Config::builder()
                .add_root_certificate(pem)
                .build()
                .unwrap()
                .root_certificates()
                .len(),
            1
        );
    }

    #[test]
    fn zero_limits_are_rejected() {
        assert_eq!(
            field_of(Config::builder().attempt_timeout(Duration::ZERO).build()),
            "attempt_timeout"
        );
        assert_eq!(field_of(Config::builder().body_limit(0).build()), "body_limit");
    }

    #[test]
    fn a_credential_over_plain_http_goes_only_to_this_machine() {
        for url in [
            "http://localhost:8080",
            "http://127.0.0.1:9",
            "http://[::1]:9",
            "https://tq.example.com",
        ] {
            assert!(Config::builder().base_url(url).token("t").build().is_ok(), "{url}");
        }
        let refused = Config::builder().base_url("http://tq.example.com").api_key("k").build();
        assert_eq!(field_of(refused), "base_url");
        assert!(
            Config::builder().base_url("http://tq.example.com").build().is_ok(),
            "no credential"
        );
        let allowed = Config::builder()
            .base_url("http://tq.example.com")
            .token("t")
            .allow_insecure_http(true)
            .build();
        assert!(allowed.is_ok());
    }

    #[test]
    fn url_errors_never_show_a_password() {
        assert_eq!(redact_userinfo("http://u:pw@h:1/p@x"), "http://***@h:1/p@x");
        assert_eq!(redact_userinfo("http://h/a"), "http://h/a");
        for url in ["http://u:hunter2@h/", "http://u:hunter2@h x", "ftp://u:hunter2@h"] {
            match Config::builder().base_url(url).build() {
                Err(e) => assert!(!e.to_string().contains("hunter2"), "{e}"),
                Ok(_) => panic!("{url} accepted"),
            }
        }
    }
}
