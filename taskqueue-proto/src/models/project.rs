//! `Project`, as the server returns it.

use super::ProjectId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Json, ProjectStatus, null_as_default};

/// A project: a named group of tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Project {
    /// The project's id.
    pub id: ProjectId,
    /// Its name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Where the project is in its lifecycle.
    #[serde(default)]
    pub status: ProjectStatus,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it is due, if ever.
    pub due_date: Option<DateTime<Utc>>,
    /// Labels.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    /// Free-form metadata.
    #[serde(default = "Json::empty_object", deserialize_with = "super::json::object_or_empty")]
    pub metadata: Json,
}

impl Project {
    /// A project as a server creates it, every other field at its default.
    pub fn new(id: impl Into<ProjectId>, name: impl Into<String>, now: DateTime<Utc>) -> Self {
        Project {
            id: id.into(),
            name: name.into(),
            description: None,
            status: ProjectStatus::default(),
            created_at: now,
            updated_at: now,
            due_date: None,
            tags: Vec::new(),
            metadata: Json::empty_object(),
        }
    }
}
