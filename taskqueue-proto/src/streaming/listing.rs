//! `ListingDecoder`: a listing's body decoded item by item as it arrives.

use http::header::CONTENT_ENCODING;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::splitter::{ArraySplitter, SplitError};
use crate::Error;
use crate::driver::{TransportError, TransportErrorKind};

/// Decodes a JSON array body into its items while it arrives: push each
/// chunk of the body as the transport reads it, take each item as soon as
/// its bytes are complete, and say when the body ended. It inflates a
/// `Content-Encoding: gzip` body itself (feature `gzip`), a little at a
/// time, so a transport hands over the bytes as they came off the wire.
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
    splitter: ArraySplitter,
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
            splitter: ArraySplitter::new(usize::try_from(max_item).unwrap_or(usize::MAX)),
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
        #[cfg(feature = "gzip")]
        if let Some(inflate) = &mut self.inflate {
            inflate.push(chunk);
            return Ok(());
        }
        self.splitter.push(chunk).map_err(|e| self.split_error(e))
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
        loop {
            let index = self.splitter.items();
            match self.splitter.next_item() {
                Ok(Some(item)) => return decode_item(self.status, &self.headers, index, item).map(Some),
                Ok(None) => {}
                Err(error) => return Err(self.split_error(error)),
            }
            if !self.inflate_more()? {
                return Ok(None);
            }
        }
    }

    /// Inflates the next slice of a gzip body into the splitter: whether
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
        self.splitter.push(&inflated).map_err(|e| self.split_error(e))?;
        self.inflated = inflated;
        Ok(true)
    }

    #[cfg(not(feature = "gzip"))]
    fn inflate_more(&mut self) -> Result<bool, Error> {
        Ok(false)
    }

    /// Says the body has ended. Take the last items with
    /// [`next_item`](ListingDecoder::next_item) until it answers `None`, then call
    /// [`finish`](ListingDecoder::finish).
    pub fn end(&mut self) {
        self.ended = true;
    }

    /// Checks that the body ended where the array did, after every item was taken.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] if the array is unfinished, or items are left.
    pub fn finish(&mut self) -> Result<(), Error> {
        self.ended = true;
        if self.inflate_more()? {
            return Err(self.split_error(SplitError::Unfinished {
                items: self.splitter.items(),
            }));
        }
        self.splitter.finish().map_err(|e| self.split_error(e))
    }

    /// Items decoded so far.
    pub fn items(&self) -> u64 {
        self.splitter.items()
    }

    fn split_error(&self, error: SplitError) -> Error {
        match error {
            SplitError::ItemTooLarge { .. } => Error::ResponseTooLarge { limit: self.max_item },
            other => Error::Decode {
                status: self.status,
                path: format!("[{}]", self.splitter.items()),
                message: other.to_string(),
                body: String::new(),
                request_id: crate::error::request_id_of(&self.headers),
            },
        }
    }
}

/// The SDK error for a body that broke while it was read.
fn transport(error: TransportError) -> Error {
    let (_, message, source) = error.into_parts();
    Error::Connection {
        message,
        sent: true,
        source,
    }
}

/// Decodes one item; a failure's path is the item's (`[12].created_at`).
fn decode_item<T: DeserializeOwned>(
    status: StatusCode,
    headers: &HeaderMap,
    index: u64,
    item: &[u8],
) -> Result<T, Error> {
    crate::ops::decode::<T>(status, headers, item).map_err(|error| match error {
        Error::Decode {
            status,
            path,
            message,
            body,
            request_id,
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
        },
        other => other,
    })
}
