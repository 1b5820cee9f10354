//! The HTTP(S) connector: hyper-util's `HttpConnector` with the config's
//! connect timeout, wrapped in rustls (ring provider) with Mozilla's roots
//! plus the config's extra roots.

use std::sync::Arc;

use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use taskqueue_proto::{Config, Error};

pub(crate) type Connector = HttpsConnector<HttpConnector>;

pub(crate) fn connector(config: &Config) -> Result<Connector, Error> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(config.connect_timeout()));

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
    Ok(builder.wrap_connector(http))
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
