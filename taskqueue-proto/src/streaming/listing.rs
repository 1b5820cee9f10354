//! `ListingDecoder`: a listing's body decoded item by item as it arrives.

use http::header::CONTENT_ENCODING;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::splitter::SplitError;
use super::structure::{Between, Structure, is_space};
use super::undecoded::Undecoded;
use crate::Error;
use crate::driver::{TransportError, TransportErrorKind};

/// Decodes a JSON array body into its items while it arrives: push each
/// chunk of the body as the transport reads it, take each item as soon as
/// its bytes are complete, and say when the body ended. It inflates a
/// `Content-Encoding: gzip` body itself (feature `gzip`), a little at a
/// time, so a transport hands over the bytes as they came off the wire.
///
/// Each item is decoded by serde straight from the bytes as they are (one
/// pass; the array's commas and brackets are checked around it), read as
/// text checked once on arrival while the body is valid UTF-8. An item
/// cut by a chunk's end is decoded again once more has arrived — at the
/// latest when the unfinished bytes have doubled, so a long item costs a
/// bounded multiple of its length, and at the end of the body.
///
/// What it holds is bounded by the largest item, not the body: the body
/// limit applies to each item (one longer is [`Error::ResponseTooLarge`]),
/// and each item is decoded under the same decoded-memory budget as a whole
/// response. A body that is not an array, or an item that does not decode,
/// is an [`Error::Decode`] whose path names the item (`[12].created_at`).
///
/// ```
/// use taskqueue_proto::streaming::ListingDecoder;
///
/// let head = http::Response::new(()).into_parts().0;
/// let mut listing = ListingDecoder::new(&head, 1 << 20)?;
/// let mut numbers: Vec<u32> = Vec::new();
/// for chunk in ["[1, 2", "2, 3", "33]"] {
///     listing.push(chunk.as_bytes())?;
///     while let Some(n) = listing.next_item::<u32>()? {
///         numbers.push(n);
///     }
/// }
/// listing.finish()?;
/// assert_eq!(numbers, [1, 22, 333]);
/// # Ok::<(), taskqueue_proto::Error>(())
/// ```
#[derive(Debug)]
pub struct ListingDecoder {
    /// Bytes not yet decoded (from `pos` on).
    buf: Undecoded,
    pos: usize,
    /// The body position of `buf[0]`.
    base: u64,
    state: Between,
    /// Bytes available when the unfinished item last failed to decode (0
    /// when there is none): it is tried again once they have doubled.
    tried: usize,
    items: u64,
    /// An error already reported: every later call reports it again.
    failed: Option<Error>,
    #[cfg(feature = "gzip")]
    inflate: Option<super::inflate::Inflate>,
    /// Inflated bytes not yet handed to the splitter.
    #[cfg(feature = "gzip")]
    inflated: Vec<u8>,
    status: StatusCode,
    headers: HeaderMap,
    max_item: u64,
    ended: bool,
}

impl ListingDecoder {
    /// A decoder for the body of the response `head` (its status, and its
    /// headers for the encoding and the request id in errors), refusing any
    /// item longer than `max_item` bytes (the config's body limit).
    ///
    /// # Errors
    ///
    /// [`Error::Connection`] for a body in an encoding this SDK cannot read.
    pub fn new(head: &http::response::Parts, max_item: u64) -> Result<Self, Error> {
        let encoding = head
            .headers
            .get(CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
        #[cfg(feature = "gzip")]
        let inflate = match encoding.as_deref() {
            Some("gzip" | "x-gzip") => Some(super::inflate::Inflate::new()),
            _ => None,
        };
        match encoding.as_deref() {
            None | Some("" | "identity") => {}
            #[cfg(feature = "gzip")]
            Some("gzip" | "x-gzip") => {}
            Some(other) => {
                return Err(transport(TransportError::new(
                    TransportErrorKind::Io,
                    format!("the response is in the `{other}` encoding, which was not asked for"),
                )));
            }
        }
        let mut headers = HeaderMap::new();
        if let Some(id) = head.headers.get(crate::driver::REQUEST_ID_HEADER) {
            headers.insert(crate::driver::REQUEST_ID_HEADER, id.clone());
        }
        Ok(ListingDecoder {
            buf: Undecoded::default(),
            pos: 0,
            base: 0,
            state: Between::Open,
            tried: 0,
            items: 0,
            failed: None,
            #[cfg(feature = "gzip")]
            inflate,
            #[cfg(feature = "gzip")]
            inflated: Vec::new(),
            status: head.status,
            headers,
            max_item,
            ended: false,
        })
    }

    /// Hands over the next bytes of the body, as they came off the wire.
    ///
    /// # Errors
    ///
    /// The error of an earlier call, if there was one.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        #[cfg(feature = "gzip")]
        if let Some(inflate) = &mut self.inflate {
            inflate.push(chunk);
            return Ok(());
        }
        self.append(chunk);
        Ok(())
    }

    /// Appends decoded-body bytes, dropping those already read first.
    fn append(&mut self, bytes: &[u8]) {
        if self.pos > 0 {
            self.buf.drop_front(self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
        self.buf.append(bytes);
    }

    /// The next item, decoded, or `None` until more of the body arrives (or
    /// at the end).
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] for a body that is not an array or an item that
    /// does not decode as `T`; [`Error::ResponseTooLarge`] for an item longer
    /// than the limit; [`Error::Connection`] for gzip that does not inflate.
    pub fn next_item<T: DeserializeOwned>(&mut self) -> Result<Option<T>, Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        loop {
            match self.step::<T>() {
                Ok(Some(item)) => return Ok(Some(item)),
                Ok(None) => {}
                Err(error) => {
                    self.failed = Some(error.clone());
                    return Err(error);
                }
            }
            match self.inflate_more() {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(error) => {
                    self.failed = Some(error.clone());
                    return Err(error);
                }
            }
        }
    }

    /// Reads on from `pos`: the next item, or `None` until more bytes come.
    fn step<T: DeserializeOwned>(&mut self) -> Result<Option<T>, Error> {
        while self.pos < self.buf.bytes().len() {
            let byte = self.buf.bytes()[self.pos];
            let at = self.base + self.pos as u64;
            match self.state.read(byte, at) {
                Ok(Structure::Read) => self.pos += 1,
                Ok(Structure::Item) => return self.item(),
                Err(error) => return Err(self.split_error(error)),
            }
        }
        Ok(None)
    }

    /// Decodes the item at `pos`, if its bytes are all in.
    fn item<T: DeserializeOwned>(&mut self) -> Result<Option<T>, Error> {
        let available = self.buf.bytes().len() - self.pos;
        let complete = self.all_in();
        let limit = usize::try_from(self.max_item).unwrap_or(usize::MAX);
        // Not doubled since the last try: wait (unless the body ended, or
        // the bytes pass the limit and must be looked at).
        if !complete && available < self.tried.saturating_mul(2) && available <= limit {
            return Ok(None);
        }
        let (decoded, end) = match self.buf.text_from(self.pos) {
            Some(text) => first_of(serde_json::de::StrRead::new(text), available),
            None => first_of(serde_json::de::SliceRead::new(&self.buf.bytes()[self.pos..]), available),
        };
        let rest = &self.buf.bytes()[self.pos..];
        match decoded {
            // An item that ends where the bytes do may go on (`12` then `3`).
            None | Some(Ok(_)) if end == available && !complete => {
                self.tried = available;
                Ok(None)
            }
            None => Err(self.split_error(SplitError::Unfinished { items: self.items })),
            Some(Ok(_)) if end > limit => Err(Error::response_too_large(self.max_item)),
            Some(Ok(item)) => {
                self.pos += end;
                self.state = Between::After;
                self.tried = 0;
                self.items += 1;
                Ok(Some(item))
            }
            Some(Err(error)) if error.is_eof() && available > limit => Err(Error::response_too_large(self.max_item)),
            Some(Err(error)) if error.is_eof() && !complete => {
                self.tried = available;
                Ok(None)
            }
            Some(Err(error)) if error.is_eof() => Err(self.split_error(SplitError::Unfinished { items: self.items })),
            Some(Err(error)) => {
                let index = self.items;
                let error = crate::ops::decode_error::<T>(self.status, &self.headers, rest, error);
                Err(at_item(error, index))
            }
        }
    }

    /// Inflates the next slice of a gzip body into the buffer: whether
    /// there was anything to inflate.
    #[cfg(feature = "gzip")]
    fn inflate_more(&mut self) -> Result<bool, Error> {
        let Some(inflate) = &mut self.inflate else {
            return Ok(false);
        };
        let more = inflate.step(&mut self.inflated).map_err(transport)?;
        if !more {
            if !self.ended {
                return Ok(false);
            }
            // The body ended: the last bytes, the checksum checked, once.
            inflate.finish(&mut self.inflated).map_err(transport)?;
            self.inflate = None;
        }
        let inflated = std::mem::take(&mut self.inflated);
        self.append(&inflated);
        self.inflated = inflated;
        if self.all_in() {
            self.buf.end();
        }
        Ok(true)
    }

    #[cfg(not(feature = "gzip"))]
    fn inflate_more(&mut self) -> Result<bool, Error> {
        Ok(false)
    }

    /// Whether every byte of the body is in the buffer: it ended, and
    /// nothing is left to inflate.
    fn all_in(&self) -> bool {
        #[cfg(feature = "gzip")]
        if self.inflate.is_some() {
            return false;
        }
        self.ended
    }

    /// Says the body has ended. Take the last items with
    /// [`next_item`](ListingDecoder::next_item) until it answers `None`, then call
    /// [`finish`](ListingDecoder::finish).
    pub fn end(&mut self) {
        self.ended = true;
        if self.all_in() {
            self.buf.end();
        }
    }

    /// Checks that the body ended where the array did, after every item was taken.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] if the array is unfinished, or items are left.
    pub fn finish(&mut self) -> Result<(), Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        self.end();
        while self.inflate_more()? {}
        // Only whitespace may be left, after the closing bracket.
        let left = self.buf.bytes()[self.pos..].iter().position(|&b| !is_space(b));
        match (left, self.state) {
            (None, Between::Closed) => Ok(()),
            (Some(i), Between::Closed) => Err(self.split_error(SplitError::TrailingData {
                at: self.base + (self.pos + i) as u64,
            })),
            _ => Err(self.split_error(SplitError::Unfinished { items: self.items })),
        }
    }

    /// Items decoded so far.
    pub fn items(&self) -> u64 {
        self.items
    }

    fn split_error(&self, error: SplitError) -> Error {
        match error {
            SplitError::ItemTooLarge { .. } => Error::response_too_large(self.max_item),
            other => Error::Decode {
                status: self.status,
                path: format!("[{}]", self.items),
                message: other.to_string(),
                body: String::new(),
                request_id: crate::error::request_id_of(&self.headers),
                call: None,
            },
        }
    }
}

/// The first value `read` holds, under the decoded-memory budget of
/// `available` bytes, and where it ended.
fn first_of<'de, R, T>(read: R, available: usize) -> (Option<serde_json::Result<T>>, usize)
where
    R: serde_json::de::Read<'de>,
    T: DeserializeOwned,
{
    let mut values = serde_json::Deserializer::new(read).into_iter::<T>();
    let decoded = crate::models::within_budget(available, || values.next());
    (decoded, values.byte_offset())
}

/// The SDK error for a body that broke while it was read.
fn transport(error: TransportError) -> Error {
    let (_, message, source) = error.into_parts();
    Error::Connection {
        message,
        sent: true,
        source,
        call: None,
    }
}

/// An item's decode error, its path made the item's (`[12].created_at`).
fn at_item(error: Error, index: u64) -> Error {
    match error {
        Error::Decode {
            status,
            path,
            message,
            body,
            request_id,
            call,
        } => Error::Decode {
            status,
            path: if path == "." {
                format!("[{index}]")
            } else {
                format!("[{index}].{path}")
            },
            message,
            body,
            request_id,
            call,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item of `body` pushed in chunks of `size`, or the error's text.
    fn decode(body: &[u8], size: usize) -> Result<Vec<serde_json::Value>, String> {
        let head = http::Response::new(()).into_parts().0;
        let mut decoder = ListingDecoder::new(&head, 1 << 16).map_err(|e| e.to_string())?;
        let mut items = Vec::new();
        let mut run = || -> Result<(), Error> {
            for chunk in body.chunks(size) {
                decoder.push(chunk)?;
                while let Some(item) = decoder.next_item()? {
                    items.push(item);
                }
            }
            decoder.end();
            while let Some(item) = decoder.next_item()? {
                items.push(item);
            }
            decoder.finish()
        };
        run().map_err(|e| e.to_string())?;
        Ok(items)
    }

    #[test]
    fn text_cut_inside_a_character_reads_as_the_whole_body_does() {
        let body = r#"[{"name":"café ☕"}, "𝄞", {"é":"ü"}]"#.as_bytes();
        let whole = decode(body, body.len());
        assert_eq!(whole.as_ref().map(Vec::len), Ok(3));
        for size in 1..body.len() {
            assert_eq!(decode(body, size), whole, "chunks of {size}");
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_the_error_serde_gives_them_however_cut() {
        for body in [&b"[\"ok\", \"\xff\", 1]"[..], b"[\"ok\", \"\xc3\"]", b"[1, \"\xe2\x98"] {
            let whole = decode(body, body.len());
            let error = whole.as_ref().expect_err("not UTF-8");
            assert!(error.contains("[1]"), "{error}");
            for size in 1..body.len() {
                assert_eq!(decode(body, size), whole, "chunks of {size}");
            }
        }
        // The item's message is serde's, reading the bytes.
        let serde = serde_json::from_slice::<serde_json::Value>(b"\"\xff\"")
            .unwrap_err()
            .to_string();
        let ours = decode(b"[\"ok\", \"\xff\", 1]", 3).unwrap_err();
        assert!(
            ours.contains(serde.split(" at ").next().unwrap_or(&serde)),
            "{ours} / {serde}"
        );
    }
}
