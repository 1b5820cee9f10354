//! What the public server says about itself: [`Stats`] and [`Metrics`].

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The server's counters (`GET /stats`). Fields it leaves out read as 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stats {
    /// Every task it holds.
    #[serde(default)]
    pub total_tasks: u64,
    /// Tasks running now.
    #[serde(default)]
    pub active_tasks: u64,
    /// Tasks waiting to run.
    #[serde(default)]
    pub pending_tasks: u64,
    /// Tasks that completed.
    #[serde(default)]
    pub completed_tasks: u64,
    /// Tasks that failed.
    #[serde(default)]
    pub failed_tasks: u64,
    /// Every workflow it holds.
    #[serde(default)]
    pub total_workflows: u64,
    /// CPU use, in percent.
    #[serde(default)]
    pub cpu_usage_percent: f64,
    /// Memory use, in MB.
    #[serde(default)]
    pub memory_usage_mb: f64,
    /// Seconds since it started.
    #[serde(default)]
    pub uptime_seconds: u64,
    /// When it counted.
    #[serde(default)]
    pub timestamp: Option<DateTime<Utc>>,
}

/// One metric series: a name, its labels, a value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MetricSample {
    /// The key exactly as the server sent it (`name{le="0.5"}`).
    pub key: String,
    /// The metric's name (`task_execution_duration_seconds_bucket`).
    pub name: String,
    /// Its labels, in the server's order (`[("le", "0.5")]`).
    pub labels: Vec<(String, String)>,
    /// Its value.
    pub value: f64,
}

/// The server's metrics (`GET /metrics`): a JSON object of Prometheus-style
/// keys (`name` or `name{label="value",…}`) to numbers, kept in the server's
/// key order with the labels read.
///
/// It serializes back to the same object, key for key.
///
/// ```
/// use taskqueue_proto::Metrics;
/// let m: Metrics = serde_json::from_str(
///     r#"{"tasks_submitted_total": 8.0, "duration_bucket{le=\"0.5\"}": 2.0}"#,
/// ).unwrap();
/// assert_eq!(m.get("tasks_submitted_total"), Some(8.0));
/// assert_eq!(m.get_labelled("duration_bucket", &[("le", "0.5")]), Some(2.0));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metrics {
    samples: Vec<MetricSample>,
}

impl Metrics {
    /// Every series, in the server's order.
    pub fn samples(&self) -> &[MetricSample] {
        &self.samples
    }

    /// The value of the series `name` without labels.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.get_labelled(name, &[])
    }

    /// The value of the series `name` with exactly these labels (in any order).
    pub fn get_labelled(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| {
                s.name == name
                    && s.labels.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
            })
            .map(|s| s.value)
    }

    /// How many series there are.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

/// Reads `name{k="v",…}`; a key of another shape is all name, no labels.
fn parse_key(key: &str) -> (String, Vec<(String, String)>) {
    let whole = || (key.to_owned(), Vec::new());
    let Some((name, rest)) = key.split_once('{') else {
        return whole();
    };
    let Some(mut rest) = rest.strip_suffix('}') else {
        return whole();
    };
    let mut labels = Vec::new();
    while !rest.is_empty() {
        let Some((label, after)) = rest.split_once("=\"") else {
            return whole();
        };
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => value.push(other),
                    None => return whole(),
                },
                '"' => {
                    end = Some(i + 1);
                    break;
                }
                other => value.push(other),
            }
        }
        let Some(end) = end else {
            return whole();
        };
        labels.push((label.trim().to_owned(), value));
        let tail = &after[end..];
        rest = match tail.strip_prefix(',') {
            Some(next) => next,
            None if tail.is_empty() => tail,
            None => return whole(),
        };
    }
    (name.to_owned(), labels)
}

impl Serialize for Metrics {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.samples.len()))?;
        for s in &self.samples {
            map.serialize_entry(&s.key, &s.value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Metrics {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Metrics;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of metric names to numbers")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Metrics, A::Error> {
                let mut samples = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
                while let Some(key) = map.next_key::<String>()? {
                    let value: f64 = map.next_value()?;
                    let (name, labels) = parse_key(&key);
                    samples.push(MetricSample {
                        key,
                        name,
                        labels,
                        value,
                    });
                }
                Ok(Metrics { samples })
            }
        }
        deserializer.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_into_names_and_labels() {
        assert_eq!(parse_key("up"), ("up".into(), vec![]));
        assert_eq!(
            parse_key(r#"b{le="+Inf",op="a\"b\\c"}"#),
            (
                "b".into(),
                vec![("le".into(), "+Inf".into()), ("op".into(), "a\"b\\c".into())]
            )
        );
        for odd in [r#"b{le="1""#, r#"b{le=1}"#, r#"b{le="1"x}"#, r#"b{le="1\"#] {
            assert_eq!(parse_key(odd), (odd.to_owned(), vec![]), "{odd}");
        }
    }

    #[test]
    fn metrics_round_trip_key_for_key() {
        let wire = r#"{"z_total":1.0,"a{k=\"v\"}":2.5,"n":3.0}"#;
        let m: Metrics = serde_json::from_str(wire).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(serde_json::to_string(&m).unwrap(), wire);
        let err = serde_json::from_str::<Metrics>(r#"{"a":"high"}"#).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }

    #[test]
    fn stats_fill_what_is_missing_with_zero() {
        let s: Stats = serde_json::from_str(r#"{"total_tasks":7,"timestamp":"2026-11-26T08:20:57.49+00:00"}"#).unwrap();
        assert_eq!((s.total_tasks, s.active_tasks, s.uptime_seconds), (7, 0, 0));
        assert!(s.timestamp.is_some());
    }
}
