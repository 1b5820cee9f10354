//! Percent-encoding of query components (RFC 3986): everything but the
//! unreserved characters is escaped, so `+01:00` arrives as `%2B01%3A00`.

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `text` to `out`, percent-encoded for a query key or value.
pub(crate) fn encode_into(out: &mut String, text: &str) {
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0x0f) as usize] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        let mut out = String::new();
        encode_into(&mut out, s);
        out
    }

    #[test]
    fn offsets_and_separators_are_escaped() {
        assert_eq!(enc("2026-03-01T10:00:00+01:00"), "2026-03-01T10%3A00%3A00%2B01%3A00");
        assert_eq!(enc("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(enc("AZaz09-._~"), "AZaz09-._~");
    }
}
