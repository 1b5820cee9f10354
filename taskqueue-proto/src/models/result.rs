//! [`TaskResult`]: the result forms the public server writes into a task.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::null_as_default;

/// What a task's execution produced, in the forms the public server writes
/// (an externally tagged object: `{"Success": {…}}`, `{"Failure": {…}}`,
/// `{"Cancelled": {"reason": …}}`).
///
/// A form this SDK does not know, or a known tag whose body does not have
/// the known shape, is kept whole in [`TaskResult::Other`]: nothing the
/// server sent is lost.
///
/// ```
/// use taskqueue_proto::TaskResult;
/// let r: TaskResult = serde_json::from_str(r#"{"Cancelled":{"reason":"no longer needed"}}"#).unwrap();
/// assert_eq!(r, TaskResult::Cancelled { reason: "no longer needed".into() });
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TaskResult {
    /// The command ran and succeeded.
    Success {
        /// What it printed.
        output: String,
        /// Paths or URLs it produced.
        artifacts: Vec<String>,
        /// What it cost, when the server measured it.
        metrics: Option<TaskMetrics>,
    },
    /// The command ran and failed.
    Failure {
        /// What went wrong.
        error: String,
        /// Its exit code, if it exited.
        exit_code: Option<i32>,
        /// Log lines kept from the run.
        logs: Vec<String>,
    },
    /// The task was cancelled.
    Cancelled {
        /// Why (empty when none was given).
        reason: String,
    },
    /// A form this SDK does not know, as the server sent it.
    Other(serde_json::Value),
}

/// What a successful run cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskMetrics {
    /// How long it ran (`{"secs", "nanos"}` on the wire).
    #[serde(with = "secs_nanos")]
    pub execution_time: Duration,
    /// Peak memory, in bytes.
    #[serde(default)]
    pub memory_usage: u64,
    /// CPU use, in percent.
    #[serde(default)]
    pub cpu_usage: f64,
    /// Disk use, in bytes.
    #[serde(default)]
    pub disk_usage: u64,
    /// Network traffic, in bytes.
    #[serde(default)]
    pub network_io: u64,
}

impl TaskMetrics {
    /// A run of this length, nothing else measured.
    pub fn new(execution_time: Duration) -> Self {
        TaskMetrics {
            execution_time,
            memory_usage: 0,
            cpu_usage: 0.0,
            disk_usage: 0,
            network_io: 0,
        }
    }
}

#[derive(Deserialize)]
struct SuccessBody {
    #[serde(default, deserialize_with = "null_as_default")]
    output: String,
    #[serde(default, deserialize_with = "null_as_default")]
    artifacts: Vec<String>,
    #[serde(default)]
    metrics: Option<TaskMetrics>,
}

#[derive(Deserialize)]
struct FailureBody {
    #[serde(default, deserialize_with = "null_as_default")]
    error: String,
    #[serde(default)]
    exit_code: Option<i32>,
    #[serde(default, deserialize_with = "null_as_default")]
    logs: Vec<String>,
}

#[derive(Deserialize)]
struct CancelledBody {
    #[serde(default, deserialize_with = "null_as_default")]
    reason: String,
}

impl TaskResult {
    /// Reads a task's `result` value (as in [`Task::result`](crate::Task::result)).
    pub fn from_json(value: &serde_json::Value) -> TaskResult {
        let known = value.as_object().filter(|o| o.len() == 1).and_then(|o| {
            let (tag, body) = o.iter().next()?;
            match tag.as_str() {
                "Success" => SuccessBody::deserialize(body).ok().map(|b| TaskResult::Success {
                    output: b.output,
                    artifacts: b.artifacts,
                    metrics: b.metrics,
                }),
                "Failure" => FailureBody::deserialize(body).ok().map(|b| TaskResult::Failure {
                    error: b.error,
                    exit_code: b.exit_code,
                    logs: b.logs,
                }),
                "Cancelled" => CancelledBody::deserialize(body)
                    .ok()
                    .map(|b| TaskResult::Cancelled { reason: b.reason }),
                _ => None,
            }
        });
        known.unwrap_or_else(|| TaskResult::Other(value.clone()))
    }

    /// The wire form: the tagged object, or what `Other` kept.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            TaskResult::Success {
                output,
                artifacts,
                metrics,
            } => json!({ "Success": { "output": output, "artifacts": artifacts, "metrics": metrics } }),
            TaskResult::Failure { error, exit_code, logs } => {
                json!({ "Failure": { "error": error, "exit_code": exit_code, "logs": logs } })
            }
            TaskResult::Cancelled { reason } => json!({ "Cancelled": { "reason": reason } }),
            TaskResult::Other(value) => value.clone(),
        }
    }

    /// `Success`, `Failure`, `Cancelled`, or `Other`.
    pub fn kind(&self) -> &'static str {
        match self {
            TaskResult::Success { .. } => "Success",
            TaskResult::Failure { .. } => "Failure",
            TaskResult::Cancelled { .. } => "Cancelled",
            TaskResult::Other(_) => "Other",
        }
    }
}

impl Serialize for TaskResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TaskResult {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::Budgeted::deserialize(deserializer).map(|v| TaskResult::from_json(&v.0))
    }
}

/// `Duration` as the public server writes it: `{"secs": N, "nanos": N}`.
mod secs_nanos {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Wire {
        secs: u64,
        #[serde(default)]
        nanos: u32,
    }

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            secs: d.as_secs(),
            nanos: d.subsec_nanos(),
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let w = Wire::deserialize(d)?;
        if w.nanos >= 1_000_000_000 {
            return Err(serde::de::Error::custom(format!(
                "nanos must be below 1e9, got {}",
                w.nanos
            )));
        }
        Ok(Duration::new(w.secs, w.nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_servers_three_forms_read_and_write_back() {
        let success = json!({"Success": {"output": "ok", "artifacts": ["a.txt"], "metrics": {
            "execution_time": {"secs": 2, "nanos": 500}, "memory_usage": 10, "cpu_usage": 0.5,
            "disk_usage": 0, "network_io": 7}}});
        let r = TaskResult::from_json(&success);
        let TaskResult::Success { output, metrics, .. } = &r else {
            panic!("{r:?}")
        };
        assert_eq!(output, "ok");
        assert_eq!(metrics.as_ref().unwrap().execution_time, Duration::new(2, 500));
        assert_eq!(r.to_json(), success);

        let failure = json!({"Failure": {"error": "boom", "exit_code": 2, "logs": ["x"]}});
        assert_eq!(
            TaskResult::from_json(&failure),
            TaskResult::Failure {
                error: "boom".into(),
                exit_code: Some(2),
                logs: vec!["x".into()]
            }
        );
        assert_eq!(TaskResult::from_json(&failure).to_json(), failure);
    }

    #[test]
    fn unknown_forms_and_misshapen_bodies_are_kept_whole() {
        for v in [
            json!({"Skipped": {"why": 1}}),
            json!({"Success": {"output": 5}}),
            json!({"Success": {}, "Failure": {}}),
            json!("done"),
            json!({"Success": {"metrics": {"execution_time": {"secs": 1, "nanos": 4_000_000_000u64}}}}),
        ] {
            let r = TaskResult::from_json(&v);
            assert_eq!(r, TaskResult::Other(v.clone()));
            assert_eq!(r.to_json(), v, "nothing lost");
        }
    }

    #[test]
    fn missing_and_null_fields_take_empty_values() {
        let r: TaskResult = serde_json::from_str(r#"{"Cancelled":{"reason":null}}"#).unwrap();
        assert_eq!(r, TaskResult::Cancelled { reason: String::new() });
        let r: TaskResult = serde_json::from_str(r#"{"Failure":{"error":"e"}}"#).unwrap();
        assert!(matches!(r, TaskResult::Failure { exit_code: None, .. }));
    }
}
