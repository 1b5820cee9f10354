//! HTTPS on both clients: rustls with the ring provider, Mozilla's roots,
//! and `Config`'s extra root certificates. The server is a small rustls
//! endpoint with a freshly generated certificate for 127.0.0.1.

#![cfg(all(feature = "blocking", feature = "async"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use taskqueue::{Config, Error, RetryPolicy};

/// A TLS server answering every request with a health document; returns the
/// port and the certificate (PEM) a client must trust.
fn tls_server() -> (u16, String) {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert_pem = cert.cert.pem();
    let key_pem = cert.signing_key.serialize_pem();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap()],
            PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap(),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, stream);
                // Read the request head, whatever it is.
                let mut reader = BufReader::new(&mut tls);
                let mut line = String::new();
                while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                    if line == "\r\n" {
                        break;
                    }
                    line.clear();
                }
                let body = r#"{"status":"healthy","version":"tls"}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes());
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    (port, cert_pem)
}

fn config(port: u16, extra_root: Option<&str>) -> Config {
    let mut builder = Config::builder()
        .base_url(format!("https://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::never());
    if let Some(pem) = extra_root {
        builder = builder.add_root_certificate(pem.as_bytes().to_vec());
    }
    builder.build().unwrap()
}

#[test]
fn the_blocking_client_trusts_an_extra_root_and_only_then() {
    let (port, cert) = tls_server();
    let trusted = taskqueue::blocking::Client::new(config(port, Some(&cert))).unwrap();
    assert_eq!(trusted.health().unwrap().version.as_deref(), Some("tls"));

    let untrusted = taskqueue::blocking::Client::new(config(port, None)).unwrap();
    let err = untrusted.health().unwrap_err();
    assert!(
        matches!(err, Error::Connection { sent: false, .. }),
        "a failed handshake sends nothing: {err:?}"
    );
}

#[test]
fn the_async_client_trusts_an_extra_root_and_only_then() {
    let (port, cert) = tls_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let trusted = taskqueue::Client::new(config(port, Some(&cert))).unwrap();
        assert_eq!(trusted.health().await.unwrap().version.as_deref(), Some("tls"));

        let untrusted = taskqueue::Client::new(config(port, None)).unwrap();
        let err = untrusted.health().await.unwrap_err();
        assert!(
            matches!(err, Error::Connection { sent: false, .. }),
            "a failed handshake sends nothing: {err:?}"
        );
    });
}

#[test]
fn a_malformed_extra_root_is_invalid_input_when_the_client_is_built() {
    let not_a_cert = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
    let config = config(443, Some(not_a_cert));
    match taskqueue::Client::new(config.clone()) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "root_certificates[0]"),
        other => panic!("async: expected InvalidInput, got {other:?}"),
    }
    match taskqueue::blocking::Client::new(config) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "root_certificates[0]"),
        other => panic!("blocking: expected InvalidInput, got {other:?}"),
    }
}
