//! Task dependencies (upstream servers only): [`Dependency`], its
//! [`DependencyCondition`], and the [`AddDependency`] request.

use std::fmt;
use std::str::FromStr;

use super::TaskId;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Json;
use crate::Error;

/// When a dependency counts as met.
///
/// On the wire a plain string (`"Success"`), or `{"Custom": "…"}` for a
/// server-side custom condition. Anything else is kept in `Other`: as the
/// server's string, or as the JSON text of what it sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum DependencyCondition {
    /// The dependency finished successfully (the default).
    #[default]
    Success,
    /// The dependency failed.
    Failure,
    /// The dependency finished, either way.
    Completion,
    /// A server-side custom condition (`{"Custom": "…"}`).
    Custom(String),
    /// A form this SDK does not know, exactly as the server sent it.
    Other(String),
}

impl DependencyCondition {
    /// The conditions a client may ask for when adding a dependency.
    pub const SETTABLE: &'static [DependencyCondition] = &[
        DependencyCondition::Success,
        DependencyCondition::Failure,
        DependencyCondition::Completion,
    ];

    /// `Success`, `Failure`, `Completion`, `Custom(…)`, or the server's own text.
    pub fn as_str(&self) -> &str {
        match self {
            DependencyCondition::Success => "Success",
            DependencyCondition::Failure => "Failure",
            DependencyCondition::Completion => "Completion",
            DependencyCondition::Custom(s) | DependencyCondition::Other(s) => s,
        }
    }
}

impl fmt::Display for DependencyCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DependencyCondition::Custom(s) => write!(f, "Custom({s})"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// Parses `success`, `failure` or `completion`, ignoring ASCII case.
impl FromStr for DependencyCondition {
    type Err = crate::ParseEnumError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DependencyCondition::SETTABLE
            .iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .cloned()
            .ok_or_else(|| crate::ParseEnumError {
                kind: "dependency condition",
                value: s.to_owned(),
                expected: &["Success", "Failure", "Completion"],
            })
    }
}

impl Serialize for DependencyCondition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            DependencyCondition::Custom(s) => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Custom", s)?;
                map.end()
            }
            other => serializer.serialize_str(other.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for DependencyCondition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(match value {
            serde_json::Value::String(s) => match s.as_str() {
                "Success" => DependencyCondition::Success,
                "Failure" => DependencyCondition::Failure,
                "Completion" => DependencyCondition::Completion,
                _ => DependencyCondition::Other(s),
            },
            serde_json::Value::Object(map) if map.len() == 1 && map.get("Custom").is_some_and(|v| v.is_string()) => {
                DependencyCondition::Custom(map["Custom"].as_str().unwrap_or_default().to_owned())
            }
            other => DependencyCondition::Other(other.to_string()),
        })
    }
}

/// One dependency of a task, as the public server stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Dependency {
    /// The task depended on.
    pub task_id: TaskId,
    /// Its name, when the dependency was added with one.
    #[serde(default)]
    pub task_name: Option<String>,
    /// When it counts as met.
    #[serde(default)]
    pub condition: DependencyCondition,
    /// Whether it must be met (`false`: optional).
    #[serde(default = "yes")]
    pub required: bool,
    /// The correlation group it belongs to, if any.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// Free-form metadata.
    #[serde(default = "Json::empty_object", deserialize_with = "super::json::object_or_empty")]
    pub metadata: Json,
}

fn yes() -> bool {
    true
}

/// What [`add_dependency`](crate::ops::AddTaskDependency) sends: the task
/// depended on, and how.
///
/// ```
/// use taskqueue_proto::{AddDependency, DependencyCondition};
/// let dep = AddDependency::on(taskqueue_proto::TaskId::nil())
///     .condition(DependencyCondition::Completion)
///     .optional()
///     .correlation_id("build-1");
/// assert!(!dep.required);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AddDependency {
    /// The task that must be met first.
    pub depends_on: TaskId,
    /// When it counts as met (`Success` by default).
    #[serde(default)]
    pub condition: DependencyCondition,
    /// Whether it must be met (`true` by default).
    #[serde(default = "yes")]
    pub required: bool,
    /// A correlation group to file it under.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// A name for the task depended on, kept with the dependency.
    #[serde(default)]
    pub name: Option<String>,
}

impl AddDependency {
    /// A required dependency on `depends_on`, met on its success.
    pub fn on(depends_on: impl Into<TaskId>) -> Self {
        AddDependency {
            depends_on: depends_on.into(),
            condition: DependencyCondition::Success,
            required: true,
            correlation_id: None,
            name: None,
        }
    }

    /// When it counts as met.
    #[must_use]
    pub fn condition(mut self, condition: DependencyCondition) -> Self {
        self.condition = condition;
        self
    }

    /// Makes it optional (`required: false`).
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// Files it under a correlation group.
    #[must_use]
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// Names the task depended on.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Rejects what the public server would silently change: it reads any
    /// condition other than the three settable ones as `Success`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`condition`) for a condition the public server cannot store.
    pub fn validate(&self) -> Result<(), Error> {
        if !DependencyCondition::SETTABLE.contains(&self.condition) {
            return Err(Error::invalid_input(
                "condition",
                format!(
                    "{} cannot be set (the server would read it as Success); use Success, Failure or Completion",
                    self.condition
                ),
            ));
        }
        for (field, value) in [("correlation_id", &self.correlation_id), ("name", &self.name)] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Error::invalid_input(field, "must not be blank when given"));
            }
        }
        Ok(())
    }

    /// The body the public server reads.
    pub(crate) fn wire_body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "dependency_task_id": self.depends_on,
            "condition": self.condition,
            "required": self.required,
        });
        if let Some(id) = &self.correlation_id {
            body["correlation_id"] = id.clone().into();
        }
        if let Some(name) = &self.name {
            body["task_name"] = name.clone().into();
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_read_every_wire_form_and_write_them_back() {
        for (wire, expected) in [
            (r#""Success""#, DependencyCondition::Success),
            (r#""Completion""#, DependencyCondition::Completion),
            (r#"{"Custom":"x > 1"}"#, DependencyCondition::Custom("x > 1".into())),
            (r#""Eventually""#, DependencyCondition::Other("Eventually".into())),
        ] {
            let c: DependencyCondition = serde_json::from_str(wire).unwrap();
            assert_eq!(c, expected);
            assert_eq!(serde_json::to_string(&c).unwrap(), wire);
        }
        let odd: DependencyCondition = serde_json::from_str(r#"{"Later":{"n":1}}"#).unwrap();
        assert_eq!(odd, DependencyCondition::Other(r#"{"Later":{"n":1}}"#.into()));
    }

    #[test]
    fn only_the_three_settable_conditions_can_be_added() {
        let on = AddDependency::on(TaskId::nil());
        assert!(on.clone().condition(DependencyCondition::Failure).validate().is_ok());
        let err = on
            .condition(DependencyCondition::Custom("x".into()))
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("Custom(x)"), "{err}");
        assert_eq!(
            "COMPLETION".parse::<DependencyCondition>(),
            Ok(DependencyCondition::Completion)
        );
        assert!("sometimes".parse::<DependencyCondition>().is_err());
    }

    #[test]
    fn the_wire_body_uses_the_servers_names() {
        let body = AddDependency::on(TaskId::nil())
            .name("alpha")
            .correlation_id("c")
            .wire_body();
        assert_eq!(
            body,
            serde_json::json!({"dependency_task_id": TaskId::nil(), "condition": "Success", "required": true,
                               "correlation_id": "c", "task_name": "alpha"})
        );
    }
}
