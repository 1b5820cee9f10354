//! `Between`: a JSON array's structure between its items — the `[`, the
//! commas, the `]` and the whitespace around them — read a byte at a time.
//! The splitter and the decoder share it; what an item is, each reads its
//! own way.

use super::splitter::SplitError;

/// Where a body is in a JSON array, outside its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Between {
    /// Before the `[`.
    Open,
    /// After `[`: the first item or `]`.
    First,
    /// After `,`: an item.
    Next,
    /// After an item: `,` or `]`.
    After,
    /// After the `]`: whitespace only.
    Closed,
}

/// What the byte read between items is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Structure {
    /// Structure or whitespace, read: go on after it.
    Read,
    /// The first byte of an item: it is not consumed.
    Item,
}

pub(super) fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

impl Between {
    /// Reads `byte`, at position `at` of the body: moves on, says an item
    /// starts there, or says why the byte cannot stand there.
    pub(super) fn read(&mut self, byte: u8, at: u64) -> Result<Structure, SplitError> {
        let unexpected = |expected| SplitError::Unexpected {
            found: byte,
            at,
            expected,
        };
        *self = match (*self, byte) {
            (_, b) if is_space(b) => *self,
            (Between::Open, b'[') => Between::First,
            (Between::Open, found) => return Err(SplitError::NotAnArray { found }),
            (Between::First, b']') | (Between::After, b']') => Between::Closed,
            (Between::First | Between::Next, b',' | b']') => return Err(unexpected("a value")),
            (Between::First | Between::Next, _) => return Ok(Structure::Item),
            (Between::After, b',') => Between::Next,
            (Between::After, _) => return Err(unexpected("`,` or `]`")),
            (Between::Closed, _) => return Err(SplitError::TrailingData { at }),
        };
        Ok(Structure::Read)
    }
}
