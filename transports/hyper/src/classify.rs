//! hyper's errors, sorted the way the retry policy needs them.

use std::error::Error as StdError;
use std::io::ErrorKind;

use taskqueue_proto::driver::{TransportError, TransportErrorKind as Kind};

/// A connection that could not be made (nothing of the request was sent):
/// a timeout of the connect, or any other failure of it.
pub(crate) fn classify_connect(error: Box<dyn StdError + Send + Sync>) -> TransportError {
    if io_kind(error.as_ref()) == Some(ErrorKind::TimedOut) {
        let message = format!("connecting timed out: {}", chain(error.as_ref()));
        TransportError::new(Kind::ConnectTimeout, message).with_source(Source(error))
    } else {
        let message = format!("could not connect: {}", chain(error.as_ref()));
        TransportError::new(Kind::Connect, message).with_source(Source(error))
    }
}

/// A connection that failed once the request was on its way: the server
/// may have seen it.
pub(crate) fn classify_send(error: hyper::Error) -> TransportError {
    let message = format!("the connection failed after sending: {}", chain(&error));
    TransportError::new(Kind::Io, message).with_source(error)
}

/// A boxed error as a source of its own (a `Box<dyn Error>` is not itself an `Error`).
#[derive(Debug)]
struct Source(Box<dyn StdError + Send + Sync>);

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl StdError for Source {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
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
