//! The HTTP(S) connector: hyper-util's `HttpConnector` with the config's
//! connect timeout — through a `CONNECT` tunnel when the SDK resolves a
//! proxy (config, or `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` unless
//! `NO_PROXY` names the server) — wrapped in rustls (ring provider) with
//! Mozilla's roots plus the config's extra roots.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::rt::TokioIo;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use taskqueue_proto::{Config, Error};
use tokio::net::TcpStream;
use tower_service::Service;

pub(crate) type Connector = HttpsConnector<Route>;

type StdBoxError = Box<dyn std::error::Error + Send + Sync>;

/// How a connection is made: straight to the server, or through a proxy's `CONNECT` tunnel.
///
/// The pool clones the connector for every connection it makes: the
/// tunnel (a proxy URI and headers, 184 bytes) is shared, so that a clone
/// is 16 bytes and a reference count, not a copy of the headers. (It was
/// first shared when hyper-util cloned the connector into every request's
/// future; docs/PERFORMANCE.md.)
#[derive(Clone, Debug)]
pub(crate) enum Route {
    Direct(HttpConnector),
    Tunnel(Arc<Tunnel<HttpConnector>>),
}

impl Service<Uri> for Route {
    type Response = TokioIo<TcpStream>;
    type Error = StdBoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, StdBoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), StdBoxError>> {
        match self {
            Route::Direct(c) => c.poll_ready(cx).map_err(Into::into),
            // A shared tunnel is readied in its clone, in `call`.
            Route::Tunnel(_) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        match self {
            Route::Direct(c) => {
                let connecting = c.call(dst);
                Box::pin(async move { connecting.await.map_err(Into::into) })
            }
            Route::Tunnel(shared) => {
                let mut tunnel = Tunnel::clone(shared);
                Box::pin(async move {
                    std::future::poll_fn(|cx| tunnel.poll_ready(cx)).await?;
                    tunnel.call(dst).await.map_err(Into::into)
                })
            }
        }
    }
}

pub(crate) fn connector(config: &Config) -> Result<Connector, Error> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(config.connect_timeout()));
    let route = match taskqueue_proto::proxy::resolve(config, |name| std::env::var(name).ok())? {
        None => Route::Direct(http),
        Some(proxy) => {
            let tunnel = Tunnel::new(proxy.uri().clone(), http);
            Route::Tunnel(Arc::new(match proxy.authorization() {
                Some(auth) => tunnel.with_auth(auth),
                None => tunnel,
            }))
        }
    };

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::invalid_input("tls", e.to_string()))?
        .with_root_certificates(root_store(config)?)
        .with_no_client_auth();
    let builder = HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http();
    #[cfg(feature = "http2")]
    let builder = builder.enable_all_versions();
    #[cfg(not(feature = "http2"))]
    let builder = builder.enable_http1();
    Ok(builder.wrap_connector(route))
}

fn root_store(config: &Config) -> Result<rustls::RootCertStore, Error> {
    let mut store = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for (i, pem) in config.root_certificates().iter().enumerate() {
        let field = format!("root_certificates[{i}]");
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| Error::invalid_input(&field, e.to_string()))?;
            store
                .add(cert)
                .map_err(|e| Error::invalid_input(&field, e.to_string()))?;
        }
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connector_clone_is_small() {
        // The pool clones the connector for each connection it makes: the
        // tunnel is shared, not copied into each.
        assert!(std::mem::size_of::<Route>() <= 16, "{}", std::mem::size_of::<Route>());
        assert!(
            std::mem::size_of::<Connector>() <= 64,
            "{}",
            std::mem::size_of::<Connector>()
        );
    }
}
