//! `Pool`: the transport's connections, on hyper's connection-level client
//! (`hyper::client::conn`), kept idle between requests for each server
//! (scheme and authority) the transport talks to.
//!
//! A client of this SDK talks to one server, so the pool is a short list of
//! servers (one, almost always), each with a stack of idle HTTP/1
//! connections, the most recently used on top, and (feature `http2`) the
//! one HTTP/2 connection its requests share. A request takes the top idle
//! connection or makes one; its [`Lease`] puts the connection back once
//! the response's body has been read to its end (a body dropped part-way
//! leaves the connection to close). A connection idle past the timeout is
//! not used again, and the longest idle closes once past it when another
//! comes back; the pool has no timer of its own.
//!
//! Compared with hyper-util's general pool, which this replaces, a request
//! spawns no task to wait for its connection to turn idle, hashes no key
//! and formats no `Host`: that pool was about a fifth of the instructions
//! of a raw hyper-util `get_task` (docs/PERFORMANCE.md).
//!
//! Like hyper-util's, a request whose reused connection turned out closed
//! before a byte of it was written goes again on another connection: the
//! server cannot have seen it.

use std::future::poll_fn;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::HOST;
use http::uri::{Authority, Parts, Scheme};
use http::{HeaderValue, Request, Response, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1;
#[cfg(feature = "http2")]
use hyper::client::conn::http2;
use taskqueue_proto::driver::{TransportError, TransportErrorKind};
use tower_service::Service;

use crate::classify::{classify_connect, classify_send};
use crate::connector::Connector;
use crate::host::{HostHeader, host_value};

/// A request's body, as hyper sends it: one frame.
type Body = Full<Bytes>;

/// The connections of a transport.
pub(crate) struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    connector: Connector,
    /// `Host` for the configured server, made once.
    host: Option<HostHeader>,
    servers: Mutex<Vec<Server>>,
    max_idle: usize,
    idle_timeout: Duration,
    #[cfg(feature = "http2")]
    http2_only: bool,
}

/// One server's connections.
struct Server {
    key: Key,
    idle: Vec<Idle>,
    #[cfg(feature = "http2")]
    shared: Option<http2::SendRequest<Body>>,
}

/// Servers listed before those with no connection kept are dropped from the list.
const MANY_SERVERS: usize = 16;

impl Server {
    /// Whether any connection to this server is kept.
    fn keeps_any(&self) -> bool {
        #[cfg(feature = "http2")]
        if self.shared.is_some() {
            return true;
        }
        !self.idle.is_empty()
    }
}

/// An HTTP/1 connection waiting for its next request.
struct Idle {
    sender: http1::SendRequest<Body>,
    since: Instant,
}

/// What a connection is to: a scheme and an authority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    scheme: Scheme,
    authority: Authority,
}

/// A connection a request was sent on.
enum Connection {
    Http1(http1::SendRequest<Body>),
    #[cfg(feature = "http2")]
    Http2(http2::SendRequest<Body>),
}

/// The HTTP/1 connection a response's body arrives on, lent until the body
/// has been read: [`Lease::release`] gives it back to the pool, and
/// dropping the lease without that (a body not read to its end, an error)
/// lets the connection close.
pub(crate) struct Lease {
    lent: Option<(Arc<Shared>, Key, http1::SendRequest<Body>)>,
}

impl Lease {
    /// The response's body was read to its end: the connection is idle again.
    pub(crate) fn release(mut self) {
        if let Some((shared, key, sender)) = self.lent.take() {
            shared.put_back(key, sender);
        }
    }
}

impl Pool {
    /// A pool making its connections with `connector` (`host` the `Host`
    /// header of the configured server), keeping at most `max_idle` idle
    /// HTTP/1 connections a server, none longer than `idle_timeout`.
    pub(crate) fn new(connector: Connector, host: Option<HostHeader>, max_idle: usize, idle_timeout: Duration) -> Self {
        Pool {
            shared: Arc::new(Shared {
                connector,
                host,
                servers: Mutex::new(Vec::new()),
                max_idle,
                idle_timeout,
                #[cfg(feature = "http2")]
                http2_only: false,
            }),
        }
    }

    /// Speaks HTTP/2 on every connection, from its first byte (prior knowledge).
    #[cfg(feature = "http2")]
    pub(crate) fn http2_only(mut self, on: bool) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.http2_only = on;
        }
        self
    }

    /// Sends `request` (its URI absolute) on an idle connection to its
    /// server or a new one; the response once its head is in, and the lease
    /// of its connection.
    pub(crate) async fn send(&self, mut request: Request<Body>) -> Result<(Response<Incoming>, Lease), TransportError> {
        let key = Key::take(&mut request)?;
        // Each idle connection found closed is dropped, so this ends; the
        // bound is for an HTTP/2 connection that says it is open and takes nothing.
        let mut reuses = self.shared.max_idle + 2;
        loop {
            let reused = if reuses == 0 {
                None
            } else {
                self.shared.checkout(&key).await
            };
            let (connection, reused) = match reused {
                Some(connection) => (connection, true),
                // Boxed: connecting (TLS, a proxy's tunnel) is most of
                // this future's size, and the rare case.
                None => (Box::pin(self.shared.connect(&key)).await?, false),
            };
            let returned = match connection {
                Connection::Http1(mut sender) => {
                    let headers = request.headers_mut();
                    if !self
                        .shared
                        .host
                        .as_ref()
                        .is_some_and(|host| host.apply(&key.authority, headers))
                    {
                        headers.entry(HOST).or_insert_with(|| key.host());
                    }
                    match sender.try_send_request(request).await {
                        Ok(response) => {
                            let lent = Some((Arc::clone(&self.shared), key, sender));
                            return Ok((response, Lease { lent }));
                        }
                        Err(mut error) => match error.take_message() {
                            Some(unsent) => unsent,
                            None => return Err(classify_send(error.into_error())),
                        },
                    }
                }
                #[cfg(feature = "http2")]
                Connection::Http2(mut sender) => {
                    if let Some(host) = &self.shared.host {
                        host.apply(&key.authority, request.headers_mut());
                    }
                    let (mut parts, body) = request.into_parts();
                    parts.uri = key.absolute(&parts.uri);
                    match sender.try_send_request(Request::from_parts(parts, body)).await {
                        Ok(response) => return Ok((response, Lease { lent: None })),
                        Err(mut error) => match error.take_message() {
                            Some(unsent) => {
                                let (mut parts, body) = unsent.into_parts();
                                parts.uri = origin_form(parts.uri.into_parts());
                                Request::from_parts(parts, body)
                            }
                            None => return Err(classify_send(error.into_error())),
                        },
                    }
                }
            };
            // Nothing of the request was written: a reused connection had
            // closed, and another may be open; a new one had closed at once.
            if !reused {
                return Err(TransportError::new(
                    TransportErrorKind::Connect,
                    "the new connection closed before the request was sent",
                ));
            }
            request = returned;
            reuses -= 1;
        }
    }
}

impl Shared {
    fn servers(&self) -> std::sync::MutexGuard<'_, Vec<Server>> {
        // A panic while the list was held leaves it whole (each change is
        // one push or pop): carry on with it.
        self.servers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An open connection to `key`'s server, if one is idle (or, HTTP/2, shared).
    async fn checkout(&self, key: &Key) -> Option<Connection> {
        loop {
            let idle = {
                let mut servers = self.servers();
                let server = servers.iter_mut().find(|server| server.key == *key)?;
                #[cfg(feature = "http2")]
                if let Some(shared) = &server.shared {
                    if !shared.is_closed() {
                        return Some(Connection::Http2(shared.clone()));
                    }
                    server.shared = None;
                }
                server.idle.pop()?
            };
            let Idle { mut sender, since } = idle;
            if sender.is_closed() || since.elapsed() > self.idle_timeout {
                continue;
            }
            // Put back as its last response ended, it may not have turned
            // idle yet: that is its own task's next step.
            if sender.ready().await.is_ok() {
                return Some(Connection::Http1(sender));
            }
        }
    }

    /// A new connection to `key`'s server, its task spawned on the current runtime.
    async fn connect(&self, key: &Key) -> Result<Connection, TransportError> {
        let mut connector = self.connector.clone();
        poll_fn(|cx| connector.poll_ready(cx)).await.map_err(classify_connect)?;
        let io = connector.call(key.root()).await.map_err(classify_connect)?;
        #[cfg(feature = "http2")]
        {
            use hyper_util::client::legacy::connect::Connection as _;
            if self.http2_only || io.connected().is_negotiated_h2() {
                let (sender, connection) = http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .timer(hyper_util::rt::TokioTimer::new())
                    .handshake(io)
                    .await
                    .map_err(|e| classify_connect(Box::new(e)))?;
                tokio::spawn(connection);
                self.share(key, sender.clone());
                return Ok(Connection::Http2(sender));
            }
        }
        let (sender, connection) = http1::handshake(io).await.map_err(|e| classify_connect(Box::new(e)))?;
        // Its errors reach the request it was serving; the task only ends.
        tokio::spawn(connection);
        Ok(Connection::Http1(sender))
    }

    /// Keeps `sender`, an HTTP/2 connection, for every request to `key`'s server.
    #[cfg(feature = "http2")]
    fn share(&self, key: &Key, sender: http2::SendRequest<Body>) {
        let mut servers = self.servers();
        match servers.iter_mut().find(|server| server.key == *key) {
            Some(server) => server.shared = Some(sender),
            None => servers.push(Server {
                key: key.clone(),
                idle: Vec::new(),
                shared: Some(sender),
            }),
        }
    }

    /// An HTTP/1 connection whose response has ended, idle again (unless
    /// `max_idle` are, counting only those still open).
    fn put_back(&self, key: Key, sender: http1::SendRequest<Body>) {
        if self.max_idle == 0 || sender.is_closed() {
            return;
        }
        let now = Instant::now();
        let idle = Idle { sender, since: now };
        let mut servers = self.servers();
        let server = match servers.iter().position(|server| server.key == key) {
            Some(i) => &mut servers[i],
            None => {
                // Servers with nothing kept go, once there are many (a
                // transport sent to many servers by hand).
                if servers.len() >= MANY_SERVERS {
                    servers.retain(Server::keeps_any);
                }
                servers.push(Server {
                    key,
                    idle: Vec::with_capacity(self.max_idle.min(64)),
                    #[cfg(feature = "http2")]
                    shared: None,
                });
                servers.last_mut().unwrap_or_else(|| unreachable!("just pushed"))
            }
        };
        // The stack's bottom has been idle longest: past the timeout, it
        // closes now rather than when a request comes down to it (there is
        // no timer; a client left idle keeps its connections until the
        // server closes them).
        if server
            .idle
            .first()
            .is_some_and(|oldest| now.saturating_duration_since(oldest.since) > self.idle_timeout)
        {
            server.idle.remove(0);
        }
        if server.idle.len() >= self.max_idle {
            server.idle.retain(|idle| !idle.sender.is_closed());
        }
        if server.idle.len() < self.max_idle {
            server.idle.push(idle);
        }
    }
}

impl Key {
    /// The scheme and authority of `request`'s URI, which it then loses
    /// (origin form: the path and query, as HTTP/1 sends it).
    fn take(request: &mut Request<Body>) -> Result<Key, TransportError> {
        let mut parts = std::mem::take(request.uri_mut()).into_parts();
        let (Some(scheme), Some(authority)) = (parts.scheme.take(), parts.authority.take()) else {
            return Err(TransportError::new(
                TransportErrorKind::Unusable,
                "a request's URI needs a scheme and a host (http://host/path)",
            ));
        };
        *request.uri_mut() = origin_form(parts);
        Ok(Key { scheme, authority })
    }

    /// The server's root URI, for the connector.
    fn root(&self) -> Uri {
        let mut parts = Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(http::uri::PathAndQuery::from_static("/"));
        Uri::from_parts(parts).unwrap_or_default()
    }

    /// `path`'s absolute form on this server (HTTP/2 sends the scheme and authority).
    #[cfg(feature = "http2")]
    fn absolute(&self, path: &Uri) -> Uri {
        let mut parts = Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = path.path_and_query().cloned();
        Uri::from_parts(parts).unwrap_or_else(|_| path.clone())
    }

    /// The `Host` header for this server (formatted each time).
    fn host(&self) -> HeaderValue {
        // An authority's host is valid header text.
        host_value(&self.authority, self.scheme == Scheme::HTTPS).unwrap_or_else(|| HeaderValue::from_static(""))
    }
}

/// The origin form of a URI's parts: its path and query (`/` when empty).
fn origin_form(parts: Parts) -> Uri {
    match parts.path_and_query {
        Some(path) if path.as_str() != "/" => {
            let mut origin = Parts::default();
            origin.path_and_query = Some(path);
            Uri::from_parts(origin).unwrap_or_default()
        }
        _ => Uri::default(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn key_of(uri: &str) -> (Key, Uri) {
        let mut request = Request::get(uri).body(Body::default()).unwrap();
        let key = Key::take(&mut request).unwrap();
        (key, request.uri().clone())
    }

    #[test]
    fn a_request_keeps_its_path_and_query_its_server_becomes_the_key() {
        let (key, uri) = key_of("http://127.0.0.1:8080/api/tasks?status=pending&limit=5");
        assert_eq!(uri, "/api/tasks?status=pending&limit=5");
        assert_eq!(key.scheme, Scheme::HTTP);
        assert_eq!(key.authority, "127.0.0.1:8080");
        assert_eq!(key.root(), "http://127.0.0.1:8080/");
        assert_eq!(key_of("https://example.com").1, "/");
        assert_eq!(key_of("https://example.com/").1, "/");
    }

    #[test]
    fn a_request_without_a_server_is_refused() {
        let mut request = Request::get("/api/health").body(Body::default()).unwrap();
        let error = Key::take(&mut request).unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Unusable);
    }

    #[test]
    fn the_host_header_leaves_out_the_schemes_default_port() {
        let host = |uri: &str| key_of(uri).0.host().to_str().unwrap().to_owned();
        assert_eq!(host("http://example.com:80/x"), "example.com");
        assert_eq!(host("http://example.com:443/x"), "example.com:443");
        assert_eq!(host("https://example.com:443/x"), "example.com");
        assert_eq!(host("https://example.com/x"), "example.com");
        assert_eq!(host("http://[::1]:9000/x"), "[::1]:9000");
    }

    /// A pool of the default connector, keeping up to 4 idle connections
    /// for `idle_timeout`.
    fn pool(idle_timeout: Duration) -> Pool {
        let config = taskqueue_proto::Config::new("http://127.0.0.1:1").unwrap();
        Pool::new(crate::connector::connector(&config).unwrap(), None, 4, idle_timeout)
    }

    fn get(base_url: &str) -> Request<Body> {
        Request::get(format!("{base_url}/api/health"))
            .body(Body::default())
            .unwrap()
    }

    /// Sends `GET /api/health`, reads the body to its end and releases the connection.
    async fn health(pool: &Pool, base_url: &str) -> Bytes {
        use http_body_util::BodyExt as _;
        let (response, lease) = pool.send(get(base_url)).await.unwrap();
        assert_eq!(response.status(), 200);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        lease.release();
        body
    }

    #[tokio::test]
    async fn a_connection_is_used_again_once_its_body_is_read() {
        let server = taskqueue_server::spawn(taskqueue_server::ServerConfig::ephemeral()).unwrap();
        let pool = pool(Duration::from_secs(90));
        for _ in 0..5 {
            assert!(!health(&pool, &server.base_url()).await.is_empty());
        }
        assert_eq!(server.connections_accepted(), 1);
    }

    #[tokio::test]
    async fn a_connection_whose_body_was_not_read_is_not_used_again() {
        let server = taskqueue_server::spawn(taskqueue_server::ServerConfig::ephemeral()).unwrap();
        let pool = pool(Duration::from_secs(90));
        let (response, lease) = pool.send(get(&server.base_url())).await.unwrap();
        drop((response, lease));
        health(&pool, &server.base_url()).await;
        assert_eq!(server.connections_accepted(), 2);
    }

    #[tokio::test]
    async fn a_connection_idle_past_the_timeout_is_not_used_again() {
        let server = taskqueue_server::spawn(taskqueue_server::ServerConfig::ephemeral()).unwrap();
        let pool = pool(Duration::ZERO);
        health(&pool, &server.base_url()).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        health(&pool, &server.base_url()).await;
        assert_eq!(server.connections_accepted(), 2);
    }

    #[tokio::test]
    async fn servers_with_nothing_kept_leave_the_list_once_there_are_many() {
        let servers: Vec<_> = (0..=MANY_SERVERS)
            .map(|_| taskqueue_server::spawn(taskqueue_server::ServerConfig::ephemeral()).unwrap())
            .collect();
        let pool = pool(Duration::from_secs(90));
        for server in &servers[..MANY_SERVERS] {
            health(&pool, &server.base_url()).await;
            // Its idle connection taken and not given back: nothing kept.
            drop(pool.send(get(&server.base_url())).await.unwrap());
        }
        assert_eq!(pool.shared.servers().len(), MANY_SERVERS);
        health(&pool, &servers[MANY_SERVERS].base_url()).await;
        assert_eq!(
            pool.shared.servers().len(),
            1,
            "only the server with an idle connection"
        );
    }

    #[tokio::test]
    async fn the_longest_idle_connection_past_the_timeout_closes_when_another_comes_back() {
        use http_body_util::BodyExt as _;
        let server = taskqueue_server::spawn(taskqueue_server::ServerConfig::ephemeral()).unwrap();
        let pool = pool(Duration::from_millis(50));
        let mut leases = Vec::new();
        for _ in 0..2 {
            let (response, lease) = pool.send(get(&server.base_url())).await.unwrap();
            response.into_body().collect().await.unwrap();
            leases.push(lease);
        }
        let (second, first) = (leases.pop().unwrap(), leases.pop().unwrap());
        first.release();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(server.connections_open(), 2);
        second.release();
        let mut open = server.connections_open();
        for _ in 0..100 {
            if open == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            open = server.connections_open();
        }
        assert_eq!(open, 1, "the first connection, idle past the timeout, closed");
    }

    /// A server that answers one request on each connection, keep-alive
    /// said, and then closes it: how a server's idle timeout looks to a client.
    fn one_answer_a_connection() -> (String, std::thread::JoinHandle<usize>) {
        use std::io::{Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let serving = std::thread::spawn(move || {
            let mut answered = 0;
            for _ in 0..2 {
                let (mut stream, _) = listener.accept().unwrap();
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                    head.push(byte[0]);
                }
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\n{}")
                    .unwrap();
                answered += 1;
                // Closed once the client has put the connection back idle.
                std::thread::sleep(Duration::from_millis(20));
            }
            answered
        });
        (base_url, serving)
    }

    #[tokio::test]
    async fn a_connection_the_server_closed_while_idle_is_passed_over() {
        let (base_url, serving) = one_answer_a_connection();
        let pool = pool(Duration::from_secs(90));
        assert_eq!(health(&pool, &base_url).await, "{}");
        // The server has closed the first connection; the pool holds it idle.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(health(&pool, &base_url).await, "{}");
        assert_eq!(
            serving.join().unwrap(),
            2,
            "the second request went on a new connection"
        );
    }

    #[tokio::test]
    async fn a_server_that_cannot_be_reached_is_a_connect_error() {
        let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", unused.local_addr().unwrap());
        drop(unused);
        let Err(error) = pool(Duration::from_secs(90)).send(get(&base_url)).await else {
            panic!("a request to a closed port was answered");
        };
        assert_eq!(error.kind(), TransportErrorKind::Connect, "{error}");
        assert!(error.to_string().contains("could not connect"), "{error}");
    }

    #[cfg(feature = "http2")]
    #[test]
    fn http2_sends_the_absolute_form() {
        let (key, uri) = key_of("https://example.com/api/tasks?x=1");
        assert_eq!(key.absolute(&uri), "https://example.com/api/tasks?x=1");
    }
}
