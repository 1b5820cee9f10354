//! ureq's errors, sorted the way the retry policy needs: failed before
//! sending (retry always), timed out or broken after sending (retry when
//! idempotent), or not worth retrying.

use std::io::ErrorKind;

use taskqueue_proto::driver::{TransportError, TransportErrorKind as Kind};
use ureq::Timeout;

pub(crate) fn classify(error: ureq::Error) -> TransportError {
    let kind = match &error {
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => Kind::ConnectTimeout,
        ureq::Error::Timeout(_) => Kind::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => Kind::Connect,
        // The TLS handshake happens before the request is written.
        ureq::Error::Tls(_) | ureq::Error::Pem(_) | ureq::Error::Rustls(_) => Kind::Connect,
        // A TLS handshake failure (an untrusted certificate, say) comes as an
        // I/O error wrapping rustls's: nothing was sent yet.
        ureq::Error::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) => Kind::Connect,
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable | ErrorKind::NotFound => Kind::Connect,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Kind::Timeout,
            _ => Kind::Io,
        },
        ureq::Error::BodyExceedsLimit(_) => Kind::BodyTooLarge,
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::InvalidProxyUrl => Kind::Unusable,
        // A malformed response, a redirect we refused, anything else: after sending.
        _ => Kind::Io,
    };
    let message = match kind {
        Kind::Connect => format!("could not connect: {error}"),
        Kind::ConnectTimeout => format!("connecting timed out: {error}"),
        Kind::Timeout => format!("no complete response in time: {error}"),
        Kind::BodyTooLarge => format!("response body too large: {error}"),
        _ => error.to_string(),
    };
    TransportError::new(kind, message).with_source(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_before_sending_are_connect() {
        for e in [
            ureq::Error::HostNotFound,
            ureq::Error::ConnectionFailed,
            ureq::Error::Io(std::io::Error::from(ErrorKind::ConnectionRefused)),
            ureq::Error::Tls("handshake failed"),
            ureq::Error::Io(std::io::Error::new(
                ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
            )),
        ] {
            let t = classify(e);
            assert_eq!(t.kind(), Kind::Connect);
            assert!(!t.was_sent());
        }
    }

    #[test]
    fn timeouts_are_split_by_phase() {
        assert_eq!(
            classify(ureq::Error::Timeout(Timeout::Connect)).kind(),
            Kind::ConnectTimeout
        );
        assert_eq!(
            classify(ureq::Error::Timeout(Timeout::Resolve)).kind(),
            Kind::ConnectTimeout
        );
        assert_eq!(
            classify(ureq::Error::Timeout(Timeout::RecvResponse)).kind(),
            Kind::Timeout
        );
        assert_eq!(classify(ureq::Error::Timeout(Timeout::Global)).kind(), Kind::Timeout);
    }

    #[test]
    fn broken_connections_after_sending_are_io() {
        let t = classify(ureq::Error::Io(std::io::Error::from(ErrorKind::UnexpectedEof)));
        assert_eq!(t.kind(), Kind::Io);
        assert!(t.was_sent());
        assert_eq!(
            classify(ureq::Error::Io(std::io::Error::from(ErrorKind::ConnectionReset))).kind(),
            Kind::Io
        );
        assert_eq!(classify(ureq::Error::BodyExceedsLimit(10)).kind(), Kind::BodyTooLarge);
        assert_eq!(classify(ureq::Error::BadUri("x".into())).kind(), Kind::Unusable);
    }
}
