//! `TaskId`, `ProjectId` and `WorkflowId`: a UUID each, told apart by type.
//!
//! On the wire each is the UUID's text, unchanged. In Rust a task's id cannot
//! be handed where a project's is wanted: `client.get_task(project.id)` does
//! not compile.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An id that could not be read from text: what it was meant to be and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} id {text:?}: {reason}")]
pub struct ParseIdError {
    what: &'static str,
    text: String,
    reason: String,
}

impl ParseIdError {
    /// Which id was meant (`task`, `project`, `workflow`).
    pub fn what(&self) -> &'static str {
        self.what
    }
    /// The text that was given (at most 64 characters of it).
    pub fn text(&self) -> &str {
        &self.text
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// The id of this UUID.
            #[must_use]
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            /// The id whose UUID has this 128-bit value (handy in tests).
            #[must_use]
            pub const fn from_u128(value: u128) -> Self {
                Self(Uuid::from_u128(value))
            }
            /// The all-zero id.
            #[must_use]
            pub const fn nil() -> Self {
                Self(Uuid::nil())
            }
            /// The UUID underneath.
            #[must_use]
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
            /// The UUID underneath, by value.
            #[must_use]
            pub const fn into_uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl PartialEq<Uuid> for $name {
            fn eq(&self, other: &Uuid) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for Uuid {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;

            /// Reads the UUID's text (hyphenated, simple, braced or URN).
            fn from_str(text: &str) -> Result<Self, ParseIdError> {
                Uuid::parse_str(text.trim()).map(Self).map_err(|e| ParseIdError {
                    what: $what,
                    text: text.chars().take(64).collect(),
                    reason: e.to_string(),
                })
            }
        }
    };
}

id_type!(
    /// A task's id: a UUID, written as its text on the wire.
    ///
    /// ```
    /// use taskqueue_proto::TaskId;
    /// let id: TaskId = "6f1c3e2a-0d4b-4c1a-9e3f-2b7a8c9d0e1f".parse()?;
    /// assert_eq!(id.to_string(), "6f1c3e2a-0d4b-4c1a-9e3f-2b7a8c9d0e1f");
    /// assert_eq!(serde_json::to_string(&id)?, "\"6f1c3e2a-0d4b-4c1a-9e3f-2b7a8c9d0e1f\"");
    /// assert!("not-an-id".parse::<TaskId>().is_err());
    /// let _ = taskqueue_proto::ops::GetTask::new(id); // a task's id, or a plain `Uuid`
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// A project's id is not a task's:
    ///
    /// ```compile_fail,E0277
    /// let project = taskqueue_proto::ProjectId::nil();
    /// let _ = taskqueue_proto::ops::GetTask::new(project);
    /// ```
    TaskId,
    "task"
);

id_type!(
    /// A project's id: a UUID, written as its text on the wire.
    ProjectId,
    "project"
);

id_type!(
    /// A workflow's id (the public server's workflows): a UUID, written as
    /// its text on the wire.
    WorkflowId,
    "workflow"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_uuid_on_the_wire_and_in_text() {
        let uuid = Uuid::from_u128(0x1234);
        let id = TaskId::from(uuid);
        assert_eq!(serde_json::to_value(id).ok(), serde_json::to_value(uuid).ok());
        let back: ProjectId = serde_json::from_str(&format!("\"{uuid}\"")).unwrap_or(ProjectId::nil());
        assert_eq!(back, uuid);
        assert_eq!(id.to_string(), uuid.to_string());
        assert_eq!(format!("{id:?}"), format!("TaskId({uuid})"));
        assert_eq!(Uuid::from(id), uuid);
    }

    #[test]
    fn bad_text_says_which_id_and_why() {
        let err = " nope ".parse::<WorkflowId>().err();
        let err = err.map(|e| (e.what(), e.to_string()));
        assert!(
            matches!(&err, Some(("workflow", m)) if m.starts_with("invalid workflow id \" nope \"")),
            "{err:?}"
        );
        assert!(" 00000000-0000-0000-0000-000000000001 ".parse::<TaskId>().is_ok());
        let long = "x".repeat(1000);
        assert_eq!(long.parse::<TaskId>().err().map(|e| e.text().len()), Some(64));
    }
}
