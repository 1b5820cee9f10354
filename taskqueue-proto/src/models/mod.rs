//! The data the API exchanges: entities, their enums, request bodies and filters.

mod enums;
mod filters;
mod project;
mod requests;
mod task;
mod wire;

pub use enums::{ParseEnumError, ProjectStatus, TaskPriority, TaskStatus, TaskType};
pub use filters::{DEFAULT_LIMIT, MAX_LIMIT, TaskFilters};
pub use project::Project;
pub use requests::{
    MAX_JSON_INTEGER, MAX_RETRY_ATTEMPTS, ProjectCreateRequest, ProjectUpdateRequest, TaskCreateRequest,
    TaskUpdateRequest,
};
pub use task::{Task, TaskPhase};

/// Reads `null` as the type's default (servers send `null` for empty lists and maps).
#[inline]
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
