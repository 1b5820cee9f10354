//! Text from a server (or a file) is data, never terminal control: every
//! human-readable output goes through [`safe`]. JSON output stays exact.

use std::borrow::Cow;

/// Invisible format characters that change how text reads without being
/// seen: bidirectional controls (U+202E turns `exe.txt` around),
/// zero-width characters, the soft hyphen, tag characters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}')
}

/// Whether `c` must not reach a terminal as itself.
fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// `text` with every control character (ESC, CR, LF, TAB, DEL, the C1 set)
/// and every invisible format character (bidi overrides, zero-width
/// characters) written as its Rust escape (`\u{1b}`, `\r`, `\u{202e}`, …),
/// so it cannot move the cursor, recolour the terminal, forge a line or
/// reorder what is read. Borrowed when there is none.
pub(crate) fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else if is_invisible(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text for a terminal: DEL, the C1 controls and the invisible format
/// characters (which `serde_json` leaves raw) as `\uXXXX` escapes — still
/// the same JSON value. Such characters only occur inside strings, so the
/// escape is always valid there. Piped output is never passed through this.
pub(crate) fn json_for_terminal(json: &str) -> Cow<'_, str> {
    let escaped = |c: char| ('\u{7f}'..='\u{9f}').contains(&c) || is_invisible(c);
    if !json.chars().any(escaped) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if escaped(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
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
    fn invisible_format_characters_are_escaped() {
        assert_eq!(safe("invoice\u{202e}fdp.exe"), "invoice\\u{202e}fdp.exe");
        assert_eq!(safe("a\u{200b}b\u{feff}"), "a\\u{200b}b\\u{feff}");
        assert_eq!(safe("naïve — ok"), "naïve — ok");
    }

    #[test]
    fn json_on_a_terminal_escapes_del_c1_and_bidi_and_stays_the_same_value() {
        let value = serde_json::json!({"name": "a\u{7f}b\u{9b}31m\u{202e}c\u{E0041}", "ok": "é"});
        let raw = serde_json::to_string(&value).unwrap();
        let shown = json_for_terminal(&raw);
        assert!(!shown.contains(['\u{7f}', '\u{9b}', '\u{202e}']), "{shown}");
        assert!(shown.contains("\\u007f") && shown.contains("\\u009b") && shown.contains("\\u202e"));
        assert!(shown.contains("\\udb40\\udc41"), "a surrogate pair: {shown}");
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(back, value);
        assert!(matches!(json_for_terminal("{\"a\":1}"), Cow::Borrowed(_)));
    }

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
