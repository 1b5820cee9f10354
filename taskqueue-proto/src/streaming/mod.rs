//! Reading a listing while its body arrives: the JSON array cut at item
//! boundaries ([`ArraySplitter`]) and each item decoded as soon as its bytes
//! are complete ([`ListingDecoder`]), with bounded buffering.
//!
//! Both are push parsers with no I/O: a transport hands over each chunk of
//! the body as it reads it. The SDK's listing machine
//! ([`Pages`](crate::driver::Pages)) asks for a streamed body with
//! [`Action::Open`](crate::driver::Action::Open) and runs its chunks through
//! a [`ListingDecoder`]; a transport of your own can use them the same way.

#[cfg(feature = "gzip")]
mod inflate;
mod listing;
mod splitter;
mod structure;
mod undecoded;

pub use listing::ListingDecoder;
pub use splitter::{ArraySplitter, SplitError};
