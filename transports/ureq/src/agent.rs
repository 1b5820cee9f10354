//! The ureq `Agent` a client holds: status codes as values, no redirects,
//! the config's connect timeout, rustls (ring) with webpki roots plus the
//! config's extra roots, the proxy the SDK resolves (config or environment),
//! IP literals resolved in place (no resolver thread per request).

use taskqueue_proto::{Config, Error};
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

/// Idle connections an agent keeps per host unless told otherwise.
pub(crate) const DEFAULT_MAX_IDLE_PER_HOST: usize = 20;

/// Builds the agent for `config`, keeping at most `max_idle_per_host` idle
/// connections to a host; a bad extra root certificate is an input error.
pub(crate) fn agent_for(config: &Config, max_idle_per_host: usize) -> Result<ureq::Agent, Error> {
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(root_certs(config)?)
        .build();
    let agent_config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_idle_connections_per_host(max_idle_per_host)
        .max_idle_connections(max_idle_per_host.max(100))
        .timeout_connect(Some(config.connect_timeout()))
        .timeout_global(Some(config.attempt_timeout()))
        .tls_config(tls)
        // The SDK sets its own User-Agent on every request.
        .user_agent(ureq::config::AutoHeaderValue::None)
        // The SDK resolves the proxy (config, or `HTTPS_PROXY`/`HTTP_PROXY`/
        // `ALL_PROXY` unless `NO_PROXY` names the server), not ureq.
        .proxy(proxy_for(config)?)
        .build();
    Ok(ureq::Agent::with_parts(
        agent_config,
        ureq::unversioned::transport::DefaultConnector::default(),
        crate::resolver::LiteralFirst::default(),
    ))
}

/// The proxy the agent goes through, if any.
fn proxy_for(config: &Config) -> Result<Option<ureq::Proxy>, Error> {
    let Some(proxy) = taskqueue_proto::proxy::resolve(config, |name| std::env::var(name).ok())? else {
        return Ok(None);
    };
    ureq::Proxy::new(&proxy.url_with_credentials())
        .map(Some)
        .map_err(|e| Error::invalid_input("proxy", format!("{e} ({:?})", proxy.uri())))
}

/// Mozilla's roots (webpki), plus the config's PEM certificates if any.
fn root_certs(config: &Config) -> Result<RootCerts, Error> {
    if config.root_certificates().is_empty() {
        return Ok(RootCerts::WebPki);
    }
    let mut certs: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()))
        .collect();
    for (i, pem) in config.root_certificates().iter().enumerate() {
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => {
                    // Check it is a usable trust anchor now, as the async client does,
                    // rather than failing every handshake later.
                    let der = rustls::pki_types::CertificateDer::from(cert.der());
                    rustls::RootCertStore::empty()
                        .add(der)
                        .map_err(|e| Error::invalid_input(format!("root_certificates[{i}]"), e.to_string()))?;
                    certs.push(cert);
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::invalid_input(format!("root_certificates[{i}]"), e.to_string()));
                }
            }
        }
    }
    Ok(RootCerts::new_with_certs(&certs))
}
