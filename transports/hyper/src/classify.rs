//! hyper's errors, sorted the way the retry policy needs them.

use std::error::Error as StdError;
use std::io::ErrorKind;

use taskqueue_proto::driver::{TransportError, TransportErrorKind as Kind};

/// An error of the pooled client: connecting (nothing sent) or after.
pub(crate) fn classify_request(error: hyper_util::client::legacy::Error) -> TransportError {
    let kind = if error.is_connect() {
        if io_kind(&error) == Some(ErrorKind::TimedOut) {
            Kind::ConnectTimeout
        } else {
            Kind::Connect
        }
    } else {
        Kind::Io
    };
    let message = match kind {
        Kind::Connect => format!("could not connect: {}", chain(&error)),
        Kind::ConnectTimeout => format!("connecting timed out: {}", chain(&error)),
        _ => format!("the connection failed after sending: {}", chain(&error)),
    };
    TransportError::new(kind, message).with_source(error)
}

/// An error while reading the body: too large, or the connection broke.
pub(crate) fn classify_body(error: Box<dyn StdError + Send + Sync>) -> TransportError {
    if error.is::<http_body_util::LengthLimitError>() {
        TransportError::new(Kind::BodyTooLarge, format!("response body too large: {error}"))
    } else {
        TransportError::new(
            Kind::Io,
            format!("reading the response body failed: {}", chain(error.as_ref())),
        )
    }
}

/// The error and its sources, `: `-separated, for a message that says what happened.
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = e.source();
    }
    text
}

fn io_kind(error: &(dyn StdError + 'static)) -> Option<ErrorKind> {
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = e.source();
    }
    None
}
