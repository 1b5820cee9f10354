//! Command-line values into typed ones, before any request is sent; every
//! failure is a usage error (exit 2) that names the value.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, Utc};
use uuid::Uuid;

use crate::exit::Failure;

/// A task or project id.
pub(crate) fn id(kind: &str, raw: &str) -> Result<Uuid, Failure> {
    Uuid::parse_str(raw.trim()).map_err(|e| Failure::usage(format!("invalid {kind} id {raw:?}: {e}")))
}

/// An API enum value (case and `_`/`-` are ignored: `ai-review` is `AIReview`).
pub(crate) fn value<T>(flag: &str, raw: &str) -> Result<T, Failure>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    raw.parse::<T>()
        .map_err(|e| Failure::usage(format!("invalid --{flag}: {e}")))
}

/// An optional API enum value.
pub(crate) fn optional<T>(flag: &str, raw: Option<&str>) -> Result<Option<T>, Failure>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    raw.map(|r| value(flag, r)).transpose()
}

/// An RFC 3339 time, keeping its offset.
pub(crate) fn time(flag: &str, raw: &str) -> Result<DateTime<FixedOffset>, Failure> {
    DateTime::parse_from_rfc3339(raw.trim()).map_err(|e| {
        Failure::usage(format!(
            "invalid --{flag} {raw:?}: {e} (expected RFC 3339, like 2026-03-01T10:00:00+01:00)"
        ))
    })
}

/// An RFC 3339 time in UTC.
pub(crate) fn utc(flag: &str, raw: &str) -> Result<DateTime<Utc>, Failure> {
    time(flag, raw).map(|t| t.to_utc())
}

/// `KEY=VALUE` pairs; a key given twice is an error rather than a silent overwrite.
pub(crate) fn env(pairs: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    let mut env = BTreeMap::new();
    for pair in pairs {
        let (key, value) = match pair.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => (k.trim().to_owned(), v.to_owned()),
            _ => return Err(Failure::usage(format!("invalid --env {pair:?}: expected KEY=VALUE"))),
        };
        if env.insert(key.clone(), value).is_some() {
            return Err(Failure::usage(format!("--env {key} is given twice")));
        }
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskqueue_proto::TaskStatus;

    #[test]
    fn bad_ids_name_the_kind_and_the_text() {
        let e = id("task", "abc").unwrap_err();
        assert_eq!(e.code(), 2);
        assert!(
            e.report(false).starts_with("error: invalid task id \"abc\": "),
            "{}",
            e.report(false)
        );
    }

    #[test]
    fn values_times_and_pairs() {
        assert_eq!(
            value::<TaskStatus>("status", "ai-review").unwrap(),
            TaskStatus::AiReview
        );
        assert!(value::<TaskStatus>("status", "later").is_err());
        assert_eq!(
            time("t", "2026-03-01T10:00:00+01:00").unwrap().to_rfc3339(),
            "2026-03-01T10:00:00+01:00"
        );
        assert!(time("t", "yesterday").is_err());
        assert_eq!(env(&["A=1".into(), "B=x=y".into()]).unwrap()["B"], "x=y");
        assert!(env(&["=1".into()]).is_err());
        assert!(env(&["novalue".into()]).is_err());
        assert!(env(&["A=1".into(), "A=2".into()]).is_err(), "no silent overwrite");
    }
}
