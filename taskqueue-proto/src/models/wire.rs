//! Field readers that accept both wire forms a server may use: RFC 3339 or
//! `{"secs_since_epoch", "nanos_since_epoch"}` for times, integer seconds or
//! `{"secs", "nanos"}` for durations (the public server's Rust defaults).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserializer;
use serde::de::{self, MapAccess, Visitor};

/// A time: an RFC 3339 string or `{"secs_since_epoch": N, "nanos_since_epoch": N}`.
pub(crate) fn timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    deserializer.deserialize_any(TimeVisitor)
}

/// An optional time in either form, or `null`.
pub(crate) fn opt_timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    deserializer.deserialize_option(Optional(TimeVisitor))
}

/// Seconds: an integer or `{"secs": N, "nanos": N}` (nanoseconds are dropped).
pub(crate) fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(SecondsVisitor)
}

/// Optional seconds in either form, or `null`.
pub(crate) fn opt_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    deserializer.deserialize_option(Optional(SecondsVisitor))
}

struct TimeVisitor;

impl<'de> Visitor<'de> for TimeVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 time or {\"secs_since_epoch\", \"nanos_since_epoch\"}")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if let Some(at) = super::rfc3339::parse(v) {
            return Ok(at);
        }
        v.parse::<DateTime<Utc>>()
            .map_err(|e| E::custom(format!("invalid time {v:?}: {e}")))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut secs, mut nanos) = (None::<i64>, 0u32);
        while let Some(key) = map.next_key::<std::borrow::Cow<'_, str>>()? {
            match key.as_ref() {
                "secs_since_epoch" => secs = Some(map.next_value()?),
                "nanos_since_epoch" => nanos = map.next_value()?,
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let secs = secs.ok_or_else(|| de::Error::missing_field("secs_since_epoch"))?;
        DateTime::from_timestamp(secs, nanos)
            .ok_or_else(|| de::Error::custom(format!("time out of range: {secs}s {nanos}ns")))
    }
}

struct SecondsVisitor;

impl<'de> Visitor<'de> for SecondsVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of seconds or {\"secs\", \"nanos\"}")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom(format!("seconds must not be negative, got {v}")))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<u64, A::Error> {
        let mut secs = None::<u64>;
        while let Some(key) = map.next_key::<std::borrow::Cow<'_, str>>()? {
            match key.as_ref() {
                "secs" => secs = Some(map.next_value()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        secs.ok_or_else(|| de::Error::missing_field("secs"))
    }
}

/// `null` or the inner visitor's value.
struct Optional<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for Optional<V> {
    type Value = Option<V::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)?;
        f.write_str(" or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self.0).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(deserialize_with = "super::timestamp")]
        at: chrono::DateTime<chrono::Utc>,
        #[serde(default, deserialize_with = "super::opt_seconds")]
        timeout: Option<u64>,
        #[serde(deserialize_with = "super::seconds")]
        delay: u64,
    }

    #[test]
    fn both_forms_of_time_and_duration_read_the_same() {
        let a: Probe = serde_json::from_str(
            r#"{"at":{"secs_since_epoch":1795669560,"nanos_since_epoch":571728675},"timeout":{"secs":600,"nanos":0},"delay":{"secs":30,"nanos":5}}"#,
        )
        .unwrap();
        let b: Probe =
            serde_json::from_str(r#"{"at":"2026-11-26T05:06:00.571728675Z","timeout":600,"delay":30}"#).unwrap();
        assert_eq!(a.at, b.at);
        assert_eq!((a.timeout, a.delay), (Some(600), 30));
        assert_eq!((b.timeout, b.delay), (Some(600), 30));
        let c: Probe = serde_json::from_str(r#"{"at":"2026-11-26T06:06:00+01:00","timeout":null,"delay":0}"#).unwrap();
        assert_eq!(
            c.at,
            b.at.with_timezone(&chrono::Utc) - chrono::Duration::nanoseconds(571_728_675)
        );
        assert_eq!(c.timeout, None);
    }

    #[test]
    fn bad_values_are_errors_not_panics() {
        for bad in [
            r#"{"at":"yesterday","delay":1}"#,
            r#"{"at":{"nanos_since_epoch":1},"delay":1}"#,
            r#"{"at":{"secs_since_epoch":9223372036854775807},"delay":1}"#,
            r#"{"at":"2026-01-01T00:00:00Z","delay":-1}"#,
            r#"{"at":"2026-01-01T00:00:00Z","delay":{"nanos":1}}"#,
            r#"{"at":5,"delay":1}"#,
        ] {
            assert!(serde_json::from_str::<Probe>(bad).is_err(), "{bad}");
        }
    }
}
