//! `ArraySplitter`: a JSON array cut at its items' boundaries, fed in chunks.

use std::fmt;

use super::structure::{Between, Structure};

/// Cuts a top-level JSON array into its items as the body arrives, without
/// decoding them: [`push`](ArraySplitter::push) the bytes of each chunk,
/// then take the complete items with [`next_item`](ArraySplitter::next_item)
/// (each the exact bytes of one value, for serde to decode), and call
/// [`finish`](ArraySplitter::finish) at the end of the body.
///
/// It tracks only what it needs to find a boundary — strings (with their
/// escapes) and the nesting of `[]`/`{}` — so a `,` or `]` inside a string
/// or a nested value never cuts an item. Whether an item is valid JSON is
/// serde's to say. It holds the unfinished item and the chunk it is in, no
/// more: memory follows the largest item, not the body; an item longer than
/// the limit is an error as soon as its bytes pass it.
///
/// ```
/// use taskqueue_proto::streaming::ArraySplitter;
///
/// let mut items = ArraySplitter::new(1024);
/// let mut seen = Vec::new();
/// for chunk in [&b"[{\"a\":\"x,]\"}, 4"[..], b"2 ,[1,[2]]", b"]\n"] {
///     items.push(chunk)?;
///     while let Some(item) = items.next_item()? {
///         seen.push(String::from_utf8(item.to_vec()).unwrap());
///     }
/// }
/// items.finish()?;
/// assert_eq!(seen, [r#"{"a":"x,]"}"#, "42 ", "[1,[2]]"]);
/// # Ok::<(), taskqueue_proto::streaming::SplitError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ArraySplitter {
    buf: Vec<u8>,
    /// Bytes at the front of `buf` already handed out or skipped.
    consumed: usize,
    /// Where scanning resumes (`consumed <= scan <= buf.len()`).
    scan: usize,
    state: State,
    max_item: usize,
    items: u64,
    /// The position in the body of `buf[0]` (for error positions).
    base: u64,
    /// An error already reported: every later call reports it again.
    failed: Option<SplitError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Outside the items.
    Between(Between),
    /// Inside an item that began at `start` (an index into `buf`).
    Item {
        start: usize,
        depth: u32,
        in_string: bool,
        escaped: bool,
    },
}

/// Why a body is not a JSON array the splitter can cut.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SplitError {
    /// The body does not start with `[` (after whitespace).
    NotAnArray {
        /// The first byte that is not whitespace.
        found: u8,
    },
    /// A byte that cannot stand where it does (`[1,,2]`, `[1,]`, `[{} x]`).
    Unexpected {
        /// The byte.
        found: u8,
        /// Its position in the body.
        at: u64,
        /// What could stand there.
        expected: &'static str,
    },
    /// Bytes after the closing `]`.
    TrailingData {
        /// Where they start in the body.
        at: u64,
    },
    /// One item is longer than the limit.
    ItemTooLarge {
        /// The index of the item.
        index: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// The body ended before the array did.
    Unfinished {
        /// Complete items read.
        items: u64,
    },
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::NotAnArray { found } => {
                write!(f, "expected a JSON array, found {:?} first", char::from(*found))
            }
            SplitError::Unexpected { found, at, expected } => {
                write!(
                    f,
                    "unexpected {:?} at byte {at}: expected {expected}",
                    char::from(*found)
                )
            }
            SplitError::TrailingData { at } => write!(f, "data after the end of the array, at byte {at}"),
            SplitError::ItemTooLarge { index, limit } => {
                write!(f, "item {index} is longer than the limit of {limit} bytes")
            }
            SplitError::Unfinished { items } => {
                write!(f, "the body ended inside the array, after {items} complete items")
            }
        }
    }
}

impl std::error::Error for SplitError {}

impl ArraySplitter {
    /// A splitter that refuses any item longer than `max_item` bytes.
    pub fn new(max_item: usize) -> Self {
        ArraySplitter {
            buf: Vec::new(),
            consumed: 0,
            scan: 0,
            state: State::Between(Between::Open),
            max_item: max_item.max(1),
            items: 0,
            base: 0,
            failed: None,
        }
    }

    /// Appends the next bytes of the body. Bytes of items already taken are
    /// dropped first, so the buffer holds the unfinished item and this chunk.
    ///
    /// # Errors
    ///
    /// The error already reported, if there was one.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), SplitError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        if self.consumed > 0 {
            self.base += self.consumed as u64;
            self.buf.drain(..self.consumed);
            self.scan -= self.consumed;
            if let State::Item { start, .. } = &mut self.state {
                *start -= self.consumed;
            }
            self.consumed = 0;
        }
        self.buf.extend_from_slice(chunk);
        Ok(())
    }

    /// Complete items handed out so far.
    pub fn items(&self) -> u64 {
        self.items
    }

    /// Whether the closing `]` has been read.
    pub fn is_closed(&self) -> bool {
        self.state == State::Between(Between::Closed)
    }

    /// Bytes held: the unfinished item and what is left of the last chunk.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.consumed
    }

    /// The next complete item's bytes, or `None` until more of the body is pushed.
    ///
    /// # Errors
    ///
    /// A [`SplitError`] once the bytes cannot be a JSON array, or an item
    /// passes the limit; every later call repeats it.
    pub fn next_item(&mut self) -> Result<Option<&[u8]>, SplitError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        match self.scan_item() {
            Ok(Some((start, end))) => {
                self.items += 1;
                Ok(Some(&self.buf[start..end]))
            }
            Ok(None) => Ok(None),
            Err(error) => {
                self.failed = Some(error.clone());
                Err(error)
            }
        }
    }

    /// Says the body has ended.
    ///
    /// # Errors
    ///
    /// [`SplitError::Unfinished`] unless the array was closed (and every
    /// item taken); the error already reported, if there was one.
    pub fn finish(&mut self) -> Result<(), SplitError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        if self.next_item()?.is_some() || self.state != State::Between(Between::Closed) {
            let error = SplitError::Unfinished { items: self.items };
            self.failed = Some(error.clone());
            return Err(error);
        }
        Ok(())
    }

    /// The position in the body of `index` in `buf`.
    fn position(&self, index: usize) -> u64 {
        self.base + index as u64
    }

    /// Scans on from `scan`: the bounds of the next complete item.
    fn scan_item(&mut self) -> Result<Option<(usize, usize)>, SplitError> {
        let len = self.buf.len();
        while self.scan < len {
            let at = self.scan;
            let byte = self.buf[at];
            match self.state {
                State::Between(mut between) => {
                    let read = between.read(byte, self.position(at))?;
                    self.state = State::Between(between);
                    match read {
                        Structure::Read => self.skip(at + 1),
                        Structure::Item => {
                            self.state = State::Item {
                                start: at,
                                depth: 0,
                                in_string: false,
                                escaped: false,
                            }
                        }
                    }
                }
                State::Item { .. } => {
                    if let Some(bounds) = self.scan_in_item()? {
                        return Ok(Some(bounds));
                    }
                }
            }
        }
        if let State::Item { start, .. } = self.state
            && len - start > self.max_item
        {
            return Err(self.too_large());
        }
        Ok(None)
    }

    fn too_large(&self) -> SplitError {
        SplitError::ItemTooLarge {
            index: self.items,
            limit: self.max_item,
        }
    }

    /// Marks everything before `to` as read and not part of an item.
    fn skip(&mut self, to: usize) {
        self.consumed = to;
        self.scan = to;
    }

    /// Scans inside an item (the tight loop): the item's bounds once it ends.
    fn scan_in_item(&mut self) -> Result<Option<(usize, usize)>, SplitError> {
        let State::Item {
            start,
            mut depth,
            mut in_string,
            mut escaped,
        } = self.state
        else {
            return Ok(None);
        };
        let bytes = &self.buf;
        let mut i = self.scan;
        let mut ended: Option<(usize, usize)> = None;
        while i < bytes.len() {
            let byte = bytes[i];
            if in_string {
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    in_string = false;
                } else {
                    // Skip to the next quote or backslash in one go.
                    let rest = &bytes[i + 1..];
                    match memchr::memchr2(b'"', b'\\', rest) {
                        Some(n) => i += n,
                        None => i = bytes.len() - 1,
                    }
                }
            } else {
                match byte {
                    b'"' => in_string = true,
                    b'[' | b'{' => depth = depth.saturating_add(1),
                    b']' | b'}' if depth > 1 => depth -= 1,
                    b']' | b'}' if depth == 1 => {
                        ended = Some((i + 1, i + 1));
                        break;
                    }
                    // A scalar item ends at the `,`, `]` (or stray `}`) after
                    // it, which is read as structure.
                    b',' | b']' | b'}' if depth == 0 => {
                        ended = Some((i, i));
                        break;
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        match ended {
            Some((end, resume)) => {
                if end - start > self.max_item {
                    return Err(self.too_large());
                }
                self.state = State::Between(Between::After);
                // The item's bytes stay in the buffer until the next push.
                self.consumed = resume;
                self.scan = resume;
                Ok(Some((start, end)))
            }
            None => {
                self.state = State::Item {
                    start,
                    depth,
                    in_string,
                    escaped,
                };
                self.scan = bytes.len();
                if bytes.len() - start > self.max_item {
                    return Err(self.too_large());
                }
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item of `body`, fed in chunks of `size` bytes.
    fn split(body: &[u8], size: usize, limit: usize) -> Result<Vec<String>, SplitError> {
        let mut s = ArraySplitter::new(limit);
        let mut out = Vec::new();
        for chunk in body.chunks(size.max(1)) {
            s.push(chunk)?;
            while let Some(item) = s.next_item()? {
                out.push(String::from_utf8(item.to_vec()).unwrap());
            }
        }
        s.finish()?;
        Ok(out)
    }

    #[test]
    fn items_are_cut_at_their_boundaries_whatever_the_chunks() {
        let body = br#" [ {"a":"x,]}\"{["}, "s\\", 1.5e3 ,true,null,[[],{"b":[1,2]}], {} ] "#;
        let whole = split(body, body.len(), 1 << 10).unwrap();
        assert_eq!(
            whole,
            [
                r#"{"a":"x,]}\"{["}"#,
                r#""s\\""#,
                "1.5e3 ",
                "true",
                "null",
                r#"[[],{"b":[1,2]}]"#,
                "{}"
            ]
        );
        for size in 1..body.len() {
            assert_eq!(split(body, size, 1 << 10).unwrap(), whole, "chunks of {size}");
        }
    }

    #[test]
    fn an_empty_array_has_no_items() {
        assert_eq!(split(b"[]", 1, 8).unwrap(), Vec::<String>::new());
        assert_eq!(split(b" [ \n ] \n", 3, 8).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn what_is_not_an_array_is_refused_with_where() {
        let cases: [(&[u8], &str); 8] = [
            (b"{\"tasks\":[]}", "expected a JSON array"),
            (b"[1,,2]", "unexpected ',' at byte 3"),
            (b"[1,]", "unexpected ']' at byte 3"),
            (b"[,1]", "unexpected ','"),
            (b"[{} x]", "unexpected 'x' at byte 4"),
            (b"[1}", "unexpected '}'"),
            (b"[1] x", "data after the end of the array, at byte 4"),
            (
                b"[1, {\"a\":",
                "the body ended inside the array, after 1 complete items",
            ),
        ];
        for (body, expected) in cases {
            for size in [1, 2, body.len()] {
                let error = split(body, size, 64).unwrap_err().to_string();
                assert!(error.contains(expected), "{:?}: {error}", String::from_utf8_lossy(body));
            }
        }
        assert!(split(b"", 1, 8).unwrap_err().to_string().contains("ended"));
    }

    #[test]
    fn an_item_past_the_limit_is_refused_before_it_ends() {
        let mut s = ArraySplitter::new(10);
        s.push(b"[\"0123456789\",").unwrap();
        assert_eq!(s.next_item(), Err(SplitError::ItemTooLarge { index: 0, limit: 10 }));
        // Refused as soon as the unfinished item passes the limit.
        let mut s = ArraySplitter::new(10);
        s.push(b"[1,\"aaaaaaaaaaaaaaaaaaaa").unwrap();
        assert_eq!(s.next_item().unwrap(), Some(&b"1"[..]));
        assert_eq!(s.next_item(), Err(SplitError::ItemTooLarge { index: 1, limit: 10 }));
        assert!(s.push(b"\"]").is_err(), "the error sticks");
    }

    #[test]
    fn the_buffer_holds_the_unfinished_item_not_the_body() {
        let item = br#"{"name":"a task","command":"cargo test"}"#;
        let mut s = ArraySplitter::new(item.len());
        s.push(b"[").unwrap();
        let mut most = 0;
        for _ in 0..10_000 {
            s.push(item).unwrap();
            s.push(b",").unwrap();
            while s.next_item().unwrap().is_some() {}
            most = most.max(s.buffered());
        }
        s.push(b"1]").unwrap();
        while s.next_item().unwrap().is_some() {}
        s.finish().unwrap();
        assert_eq!(s.items(), 10_001);
        assert!(most <= item.len() + 1, "{most}");
        assert!(s.buf.capacity() < 4 * item.len(), "{}", s.buf.capacity());
    }
}
