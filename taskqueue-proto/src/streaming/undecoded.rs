//! The bytes of a listing not yet decoded, kept as text while they are
//! valid UTF-8.
//!
//! `serde_json` reading bytes checks every string of an item on its own (a
//! task's decode spent about 4 000 of its 24 000 instructions there);
//! reading a `str` it checks nothing more. So the bytes are checked once, as
//! they arrive, and kept as a `String`: an item is then decoded from a
//! `&str` slice of it. A character cut by a chunk's end waits (at most
//! three bytes) for the rest; bytes that are not UTF-8 turn the buffer into
//! plain bytes for good, and items are then read as bytes, with the errors
//! they always had.

/// A listing's undecoded bytes: text while valid, bytes after.
#[derive(Debug)]
pub(super) enum Undecoded {
    Text {
        text: String,
        /// The start of a character whose other bytes have not arrived.
        cut: Vec<u8>,
    },
    Bytes(Vec<u8>),
}

impl Default for Undecoded {
    fn default() -> Self {
        Undecoded::Text {
            text: String::new(),
            cut: Vec::new(),
        }
    }
}

impl Undecoded {
    /// Every byte held (a cut character's start excepted, until it is whole).
    pub(super) fn bytes(&self) -> &[u8] {
        match self {
            Undecoded::Text { text, .. } => text.as_bytes(),
            Undecoded::Bytes(bytes) => bytes,
        }
    }

    /// The text from byte `at` on, while the buffer is text.
    pub(super) fn text_from(&self, at: usize) -> Option<&str> {
        match self {
            Undecoded::Text { text, .. } => text.get(at..),
            Undecoded::Bytes(_) => None,
        }
    }

    /// Drops the first `count` bytes (already decoded).
    pub(super) fn drop_front(&mut self, count: usize) {
        if let Undecoded::Text { text, .. } = self
            && !text.is_char_boundary(count)
        {
            self.become_bytes();
        }
        match self {
            Undecoded::Text { text, .. } => {
                text.drain(..count);
            }
            Undecoded::Bytes(bytes) => {
                bytes.drain(..count.min(bytes.len()));
            }
        }
    }

    /// Appends the next bytes of the body, checking them once.
    pub(super) fn append(&mut self, more: &[u8]) {
        let Undecoded::Text { text, cut } = self else {
            if let Undecoded::Bytes(bytes) = self {
                bytes.extend_from_slice(more);
            }
            return;
        };
        let whole;
        let input = if cut.is_empty() {
            more
        } else {
            whole = [std::mem::take(cut).as_slice(), more].concat();
            whole.as_slice()
        };
        let (valid, rest) = match std::str::from_utf8(input) {
            Ok(valid) => (valid, None),
            Err(error) => {
                let (valid, rest) = input.split_at(error.valid_up_to());
                // `valid_up_to` is where the valid text ends: this cannot fail.
                (
                    std::str::from_utf8(valid).unwrap_or_default(),
                    Some((rest, error.error_len())),
                )
            }
        };
        text.push_str(valid);
        if let Some((rest, error_len)) = rest {
            // The start of a character cut at the chunk's end waits for the
            // rest; bytes that are not UTF-8 make the buffer bytes for good.
            cut.extend_from_slice(rest);
            if error_len.is_some() {
                self.become_bytes();
            }
        }
    }

    /// The body ended: a character still cut never will be whole, so what
    /// is held becomes bytes (and its item is read, and fails, as bytes).
    pub(super) fn end(&mut self) {
        if let Undecoded::Text { cut, .. } = self
            && !cut.is_empty()
        {
            self.become_bytes();
        }
    }

    /// Holds the same bytes, as bytes, from now on.
    fn become_bytes(&mut self) {
        if let Undecoded::Text { text, cut } = self {
            let mut bytes = std::mem::take(text).into_bytes();
            bytes.append(cut);
            *self = Undecoded::Bytes(bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cut_anywhere_is_whole_again_and_stays_text() {
        let body = "[{\"name\":\"café ☕ 𝄞\"}]".as_bytes();
        for cut in 0..=body.len() {
            let mut held = Undecoded::default();
            held.append(&body[..cut]);
            held.append(&body[cut..]);
            held.end();
            assert_eq!(held.bytes(), body, "cut at {cut}");
            assert_eq!(held.text_from(0).map(str::as_bytes), Some(body), "cut at {cut}");
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_turn_it_into_bytes_without_losing_any() {
        let mut held = Undecoded::default();
        held.append(b"[\"ok\",");
        assert!(held.text_from(0).is_some());
        held.append(b"\"\xff\"]");
        assert_eq!(held.bytes(), b"[\"ok\",\"\xff\"]");
        assert_eq!(held.text_from(0), None);
        held.drop_front(6);
        assert_eq!(held.bytes(), b"\"\xff\"]");
    }

    #[test]
    fn a_character_never_finished_is_left_as_bytes_at_the_end() {
        let mut held = Undecoded::default();
        held.append(
            "[\"é"
                .as_bytes()
                .split_last()
                .map(|(_, start)| start)
                .unwrap_or_default(),
        );
        assert_eq!(held.bytes(), b"[\"");
        held.end();
        assert_eq!(held.bytes(), b"[\"\xc3");
        assert_eq!(held.text_from(0), None);
    }

    #[test]
    fn dropping_inside_a_character_keeps_every_byte_after() {
        let mut held = Undecoded::default();
        held.append("é!".as_bytes());
        held.drop_front(1);
        assert_eq!(held.bytes(), b"\xa9!");
    }
}
