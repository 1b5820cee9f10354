//! The one form of time servers write, read without chrono's general parser.
//!
//! Every task carries two or more times, and chrono's `DateTime<Utc>`
//! parser (RFC 3339, relaxed) took about 1 900 instructions for each, a
//! seventh of decoding a whole task (callgrind, `benches/async_paired.rs`);
//! with this path a task decodes in 23 829 instructions instead of 26 528
//! (`benches/proto.rs`, `parse_one_task`).
//! [`parse`] reads the strict form (`2026-11-26T05:06:00.571728675Z`,
//! `…+01:00`) directly and answers `None` for anything else — a leap
//! second, a lower-case `t`, a space, more than nine digits of fraction, a
//! field out of range — which the caller then hands to chrono. So the
//! language accepted, and every value read, are chrono's (tested against it
//! below, on generated and mutated times).

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, or `None`.
pub(crate) fn parse(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let (month, day) = (digits(&b[5..7])?, digits(&b[8..10])?);
    let (hour, minute, second) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if second > 59 {
        return None; // a leap second: chrono's rules
    }
    let mut at = 19;
    let mut nanos = 0u32;
    if b[at] == b'.' {
        let start = at + 1;
        at = start;
        while at < b.len() && b[at].is_ascii_digit() {
            at += 1;
        }
        let count = at - start;
        if count == 0 || count > 9 {
            return None;
        }
        nanos = digits(&b[start..at])? * 10u32.pow((9 - count) as u32);
    }
    let offset_seconds = match &b[at..] {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (hours, minutes) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let local = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)?;
    let offset = FixedOffset::east_opt(offset_seconds)?;
    Some(offset.from_local_datetime(&local).single()?.with_timezone(&Utc))
}

/// ASCII digits as a number; `None` if any byte is not a digit.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes
        .iter()
        .try_fold(0u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chrono_reads(text: &str) -> Option<DateTime<Utc>> {
        text.parse::<DateTime<Utc>>().ok()
    }

    #[test]
    fn the_forms_servers_write_are_read_as_chrono_reads_them() {
        for text in [
            "2026-11-26T05:06:00Z",
            "2026-11-26T05:06:00.5Z",
            "2026-11-26T05:06:00.571728675Z",
            "2026-11-26T05:06:00.571728+00:00",
            "2026-11-26T06:06:00+01:00",
            "2026-11-26T00:30:00-05:30",
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59.999999999+23:59",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59-23:59",
        ] {
            assert_eq!(parse(text), chrono_reads(text), "{text}");
            assert!(parse(text).is_some(), "{text} takes the fast path");
        }
    }

    #[test]
    fn anything_else_is_left_to_chrono() {
        for text in [
            "2026-11-26t05:06:00Z",
            "2026-11-26 05:06:00Z",
            "2026-11-26T05:06:60Z",
            "2026-11-26T05:06:00.Z",
            "2026-11-26T05:06:00.1234567891Z",
            "2026-11-26T05:06:00z",
            "2026-11-26T05:06:00+0100",
            "2026-11-26T05:06:00+24:00",
            "2026-02-30T05:06:00Z",
            "2026-13-01T05:06:00Z",
            "2026-11-26T24:00:00Z",
            "+2026-11-26T05:06:00Z",
            "2026-11-26T05:06:00",
            "2026-11-26T05:06:00Z ",
            "2026-1１-26T05:06:00Z",
            "",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    /// A time in the strict form, its fields anywhere in (and past) range.
    fn strict() -> impl Strategy<Value = String> {
        (
            0u32..10_000,
            0u32..14,
            0u32..33,
            0u32..25,
            0u32..61,
            0u32..62,
            proptest::option::of("[0-9]{1,10}"),
            prop_oneof![
                Just("Z".to_owned()),
                (prop_oneof![Just('+'), Just('-')], 0u32..25, 0u32..61)
                    .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
            ],
        )
            .prop_map(|(y, mo, d, h, mi, s, frac, offset)| {
                let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{offset}")
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        #[test]
        fn a_time_read_is_the_time_chrono_reads(text in strict()) {
            if let Some(fast) = parse(&text) {
                prop_assert_eq!(Some(fast), chrono_reads(&text), "{}", text);
            }
        }

        #[test]
        fn a_changed_byte_is_never_read_otherwise_than_chrono_reads_it(
            text in strict(),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let mut bytes = text.into_bytes();
            let at = at.index(bytes.len());
            bytes[at] = byte;
            if let Ok(text) = String::from_utf8(bytes) {
                if let Some(fast) = parse(&text) {
                    prop_assert_eq!(Some(fast), chrono_reads(&text), "{}", text);
                }
            }
        }

        #[test]
        fn valid_times_take_the_fast_path(
            secs in -62_104_060_800i64..253_370_678_399, // years 2 to 9998: four digits whatever the offset
            nanos in 0u32..1_000_000_000,
            offset_minutes in -1439i32..1440,
        ) {
            let utc = DateTime::from_timestamp(secs, nanos).unwrap();
            let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap();
            for text in [
                utc.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                utc.with_timezone(&offset).to_rfc3339_opts(chrono::SecondsFormat::Nanos, false),
            ] {
                prop_assert_eq!(parse(&text), Some(utc), "{}", text);
            }
        }
    }
}
