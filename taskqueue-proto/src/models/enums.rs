//! The string enums of the API, forward compatible: a value this SDK does not
//! know decodes into `Unknown(UnknownValue)`, keeping the server's spelling.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The error of `FromStr` on an API enum: the text is not one of its known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of: {}", expected.join(", "))]
#[non_exhaustive]
pub struct ParseEnumError {
    /// Which enum was being parsed (`"task status"`).
    pub kind: &'static str,
    /// The text that did not match.
    pub value: String,
    /// The known values' wire spellings.
    pub expected: &'static [&'static str],
}

/// A value of an API enum this version of the SDK does not know, exactly as
/// the server sent it. Only decoding makes one, so a known value is never
/// spelled as an unknown one (`Unknown("Completed")` cannot exist).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// The server's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! api_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the SDK does not know, as the server
            /// sent it (match it with `Unknown(_)`; a later version may know it).
            Unknown(UnknownValue),
        }

        impl $name {
            /// Every value this version of the SDK knows, in the specification's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling (`PascalCase`), or the server's own text for `Unknown`.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(s) => s.as_str(),
                }
            }

            /// The known value whose wire spelling is exactly `s`.
            fn from_wire(s: &str) -> Option<Self> {
                match s {
                    $( $wire => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Parses a known value, ignoring ASCII case and `_`/`-` separators
        /// (`"ai_review"`, `"AIReview"` and `"aireview"` are the same). Unknown
        /// text is an error here; only the wire decoder keeps unknown values.
        impl FromStr for $name {
            type Err = ParseEnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let folded: String = s
                    .chars()
                    .filter(|c| *c != '_' && *c != '-')
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                $(
                    if $wire.eq_ignore_ascii_case(&folded) {
                        return Ok($name::$variant);
                    }
                )+
                Err(ParseEnumError {
                    kind: $kind,
                    value: s.to_owned(),
                    expected: &[$($wire),+],
                })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a ", $kind, " string"))
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from_wire(v).unwrap_or_else(|| $name::Unknown(UnknownValue(v.to_owned()))))
                    }
                    fn visit_string<E: de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::from_wire(&v).unwrap_or($name::Unknown(UnknownValue(v))))
                    }
                }
                deserializer.deserialize_str(V)
            }
        }
    };
}

api_enum! {
    /// Where a task is in its lifecycle.
    TaskStatus, "task status" {
        /// Being planned (the default for a new task).
        Planning => "Planning",
        /// Being implemented.
        Implementation => "Implementation",
        /// Tests are being written.
        TestCreation => "TestCreation",
        /// Tests are running.
        Testing => "Testing",
        /// Waiting for or undergoing AI review.
        /// (Wire `AIReview`.)
        AiReview => "AIReview",
        /// Done with the development workflow.
        Finalized => "Finalized",
        /// Queued for execution.
        Pending => "Pending",
        /// Executing.
        Running => "Running",
        /// Executed successfully.
        Completed => "Completed",
        /// Executed and failed.
        Failed => "Failed",
        /// Cancelled before it finished.
        Cancelled => "Cancelled",
    }
}

impl TaskStatus {
    /// Whether a task in this status will not change any more by itself:
    /// `Completed`, `Failed`, `Cancelled` or `Finalized`. `wait_for_completion`
    /// stops at these.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled | TaskStatus::Finalized
        )
    }
}

api_enum! {
    /// How urgent a task is.
    TaskPriority, "task priority" {
        /// Low priority.
        Low => "Low",
        /// Normal priority (the default).
        Normal => "Normal",
        /// High priority.
        High => "High",
        /// Critical priority.
        Critical => "Critical",
    }
}

api_enum! {
    /// What kind of task this is.
    TaskType, "task type" {
        /// A single command (the default).
        Simple => "Simple",
        /// A multi-phase development workflow.
        Workflow => "Workflow",
        /// A task run on a schedule.
        Scheduled => "Scheduled",
    }
}

api_enum! {
    /// Where a project is in its lifecycle.
    ProjectStatus, "project status" {
        /// Being planned (the default).
        Planning => "Planning",
        /// In progress.
        Active => "Active",
        /// Finished.
        Completed => "Completed",
        /// Abandoned.
        Cancelled => "Cancelled",
        /// Paused.
        OnHold => "OnHold",
    }
}

api_enum! {
    /// Where a workflow is (upstream servers only).
    WorkflowStatus, "workflow status" {
        /// Submitted, not started (the default).
        Pending => "Pending",
        /// Running its tasks.
        Running => "Running",
        /// Every task finished.
        Completed => "Completed",
        /// A task failed.
        Failed => "Failed",
        /// Cancelled.
        Cancelled => "Cancelled",
    }
}

macro_rules! default_variant {
    ($name:ident :: $variant:ident) => {
        impl Default for $name {
            fn default() -> Self {
                $name::$variant
            }
        }
    };
}
default_variant!(TaskStatus::Planning);
default_variant!(TaskPriority::Normal);
default_variant!(TaskType::Simple);
default_variant!(ProjectStatus::Planning);
default_variant!(WorkflowStatus::Pending);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_through_json() {
        for status in TaskStatus::KNOWN {
            let json = serde_json::to_string(status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            let back: TaskStatus = serde_json::from_str(&json).unwrap();
            assert_eq!(&back, status);
        }
    }

    #[test]
    fn unknown_wire_value_is_kept_verbatim() {
        let s: TaskStatus = serde_json::from_str("\"WaitingForDependencies\"").unwrap();
        assert!(matches!(&s, TaskStatus::Unknown(v) if v.as_str() == "WaitingForDependencies"));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"WaitingForDependencies\"");
        assert!(!s.is_terminal());
    }

    #[test]
    fn wire_decoding_is_case_sensitive_so_nothing_is_guessed() {
        let s: TaskPriority = serde_json::from_str("\"high\"").unwrap();
        assert!(matches!(&s, TaskPriority::Unknown(v) if v.as_str() == "high"));
    }

    #[test]
    fn from_str_folds_case_and_separators() {
        assert_eq!("ai_review".parse::<TaskStatus>(), Ok(TaskStatus::AiReview));
        assert_eq!("on-hold".parse::<ProjectStatus>(), Ok(ProjectStatus::OnHold));
        assert_eq!("CRITICAL".parse::<TaskPriority>(), Ok(TaskPriority::Critical));
    }

    #[test]
    fn from_str_rejects_unknown_text_with_the_choices() {
        let err = "urgent".parse::<TaskPriority>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown task priority \"urgent\"; expected one of: Low, Normal, High, Critical"
        );
    }

    #[test]
    fn terminal_statuses_are_the_four_of_the_contract() {
        let terminal: Vec<_> = TaskStatus::KNOWN.iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(
            terminal,
            [
                &TaskStatus::Finalized,
                &TaskStatus::Completed,
                &TaskStatus::Failed,
                &TaskStatus::Cancelled
            ]
        );
    }
}
