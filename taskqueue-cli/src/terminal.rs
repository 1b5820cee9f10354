//! Text from a server (or a file) is data, never terminal control: every
//! human-readable output goes through [`safe`]. JSON output stays exact.

use std::borrow::Cow;

/// `text` with every control character (ESC, CR, LF, TAB, DEL, the C1 set)
/// written as its Rust escape (`\u{1b}`, `\r`, …), so it cannot move the
/// cursor, recolour the terminal or forge a line. Borrowed when there is none.
pub(crate) fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Standard error for the `--verbose` log: each event (one write, ending in
/// a newline) is written with its control characters escaped, its final
/// newline kept, so a server's text in a logged error cannot forge a line or
/// drive the terminal either.
pub(crate) struct SafeStderr;

impl std::io::Write for SafeStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, newline) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (text.as_ref(), ""),
        };
        let mut err = std::io::stderr().lock();
        err.write_all(safe(body).as_bytes())?;
        err.write_all(newline.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(safe("build ✓"), "build ✓");
        assert!(matches!(safe("plain"), Cow::Borrowed(_)));
        assert_eq!(
            safe("a\u{1b}[31mred\rb\nc\u{7f}\u{9b}"),
            "a\\u{1b}[31mred\\rb\\nc\\u{7f}\\u{9b}"
        );
    }
}
