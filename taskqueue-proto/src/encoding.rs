//! Compressed responses (feature `gzip`): what the transports ask for and
//! how they inflate it, with the body limit applied to the *inflated* size,
//! so a small compressed bomb is refused with bounded memory.

use std::io::Read;

use http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use http::{HeaderMap, HeaderValue};

use crate::driver::{TransportError, TransportErrorKind};

/// The `Accept-Encoding` the transports send when the caller set none.
pub const ACCEPT_ENCODING: HeaderValue = HeaderValue::from_static("gzip");

/// Adds `Accept-Encoding: gzip` unless the request says otherwise already
/// (a caller's `identity` stays).
pub fn accept_gzip(headers: &mut HeaderMap) {
    headers.entry(http::header::ACCEPT_ENCODING).or_insert(ACCEPT_ENCODING);
}

/// Inflates a `Content-Encoding: gzip` body in place (and drops the
/// encoding and length headers), reading at most `limit` inflated bytes:
/// one more is [`TransportErrorKind::BodyTooLarge`]. A body in no encoding
/// (or `identity`) is left as it is; one in an encoding this SDK did not ask
/// for, or broken gzip, is a transport error saying so.
///
/// # Errors
///
/// A [`TransportError`] for broken gzip, an encoding the SDK did not ask for, or an inflated body past `limit` (`BodyTooLarge`).
pub fn inflate(headers: &mut HeaderMap, body: Vec<u8>, limit: u64) -> Result<Vec<u8>, TransportError> {
    let encoding = match headers.get(CONTENT_ENCODING) {
        None => return Ok(body),
        Some(v) => v.to_str().unwrap_or("").trim().to_ascii_lowercase(),
    };
    match encoding.as_str() {
        "" | "identity" => return Ok(body),
        "gzip" | "x-gzip" => {}
        other => {
            return Err(TransportError::new(
                TransportErrorKind::Io,
                format!("the response is in the `{other}` encoding, which was not asked for"),
            ));
        }
    }
    let mut inflated = Vec::with_capacity(body.len().saturating_mul(4).min(1 << 20));
    let mut decoder = flate2::read::GzDecoder::new(body.as_slice()).take(limit.saturating_add(1));
    decoder.read_to_end(&mut inflated).map_err(|e| {
        TransportError::new(
            TransportErrorKind::Io,
            format!("a gzip body that does not inflate: {e}"),
        )
    })?;
    if inflated.len() as u64 > limit {
        return Err(TransportError::new(
            TransportErrorKind::BodyTooLarge,
            format!("the response inflates past the body limit of {limit} bytes"),
        ));
    }
    headers.remove(CONTENT_ENCODING);
    headers.remove(CONTENT_LENGTH);
    Ok(inflated)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn gzipped_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        h.insert(CONTENT_LENGTH, HeaderValue::from_static("10"));
        h
    }

    #[test]
    fn a_gzip_body_inflates_and_loses_its_encoding_headers() {
        let mut h = gzipped_headers();
        let body = inflate(&mut h, gzip(b"[1,2,3]"), 100).unwrap();
        assert_eq!(body, b"[1,2,3]");
        assert!(h.get(CONTENT_ENCODING).is_none() && h.get(CONTENT_LENGTH).is_none());
        assert_eq!(
            inflate(&mut HeaderMap::new(), b"plain".to_vec(), 3).unwrap(),
            b"plain",
            "not ours to cap"
        );
    }

    #[test]
    fn a_bomb_is_refused_at_the_limit() {
        let bomb = gzip(&vec![b' '; 10 << 20]);
        assert!(bomb.len() < 64 << 10, "{} bytes compressed", bomb.len());
        let err = inflate(&mut gzipped_headers(), bomb.clone(), 1 << 20).unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge);
        assert_eq!(
            inflate(&mut gzipped_headers(), bomb, 10 << 20).unwrap().len(),
            10 << 20,
            "exactly the limit is fine"
        );
    }

    #[test]
    fn broken_or_unasked_encodings_are_errors() {
        let err = inflate(&mut gzipped_headers(), b"not gzip".to_vec(), 100).unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::Io);
        let mut h = HeaderMap::new();
        h.insert(CONTENT_ENCODING, HeaderValue::from_static("br"));
        assert!(
            inflate(&mut h, b"x".to_vec(), 100)
                .unwrap_err()
                .to_string()
                .contains("`br`")
        );
        let mut h = HeaderMap::new();
        accept_gzip(&mut h);
        assert_eq!(h[http::header::ACCEPT_ENCODING], "gzip");
        h.insert(http::header::ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        accept_gzip(&mut h);
        assert_eq!(h[http::header::ACCEPT_ENCODING], "identity");
    }
}
