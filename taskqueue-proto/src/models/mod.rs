//! The data the API exchanges: entities, their enums, request bodies and filters.

mod budget;
mod dependency;
mod enums;
mod filters;
mod ids;
mod json;
mod project;
mod requests;
mod result;
mod rfc3339;
mod server_stats;
mod task;
mod upsert;
mod wire;
mod workflow;

pub(crate) use budget::{Budgeted, optional_value as budget_optional_value, within_budget};
pub use dependency::{AddDependency, Dependency, DependencyCondition};
pub use enums::{ParseEnumError, ProjectStatus, TaskPriority, TaskStatus, TaskType, UnknownValue, WorkflowStatus};
pub use filters::{DEFAULT_LIMIT, MAX_LIMIT, TaskFilters};
pub use ids::{ParseIdError, ProjectId, TaskId, WorkflowId};
pub use json::Json;
pub(crate) use json::shape;
pub use project::Project;
pub use requests::{
    MAX_JSON_INTEGER, MAX_RETRY_ATTEMPTS, ProjectCreateRequest, ProjectUpdateRequest, TaskCreateRequest,
    TaskUpdateRequest, is_blank, is_blank_char,
};
pub use result::{TaskMetrics, TaskResult};
pub use server_stats::{MetricSample, Metrics, Stats};
pub use task::{Task, TaskPhase};
pub use upsert::TaskUpsertRequest;
pub use workflow::{Workflow, WorkflowCreateRequest, WorkflowDependency};

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
