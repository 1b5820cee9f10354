//! The batch file of `taskqueue tasks create-batch`: a JSON array, or JSON
//! lines, of task create requests. Pure (text in, requests or a message
//! out), so the fuzz target `batch_file` reads it exactly as the CLI does.

use taskqueue_proto::{TaskCreateRequest, TaskPriority, TaskType};

/// The requests in `text`, or a message naming the item and what was wrong
/// with it; `source` names the file in messages.
pub(crate) fn parse(source: &str, text: &str) -> Result<Vec<TaskCreateRequest>, String> {
    if text.trim_start().starts_with('[') {
        let items: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| format!("{source}: not a JSON array: {e}"))?;
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| item_of(i, item))
            .collect()
    } else {
        let lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        lines
            .enumerate()
            .map(|(i, (n, line))| {
                let value =
                    serde_json::from_str(line).map_err(|e| format!("tasks[{i}] (line {}): not JSON: {e}", n + 1))?;
                item_of(i, value)
            })
            .collect()
    }
}

/// The fields a batch item may have: the wire names of `TaskCreateRequest`.
const ITEM_FIELDS: &[&str] = &[
    "name",
    "command",
    "project_id",
    "description",
    "technical_specs",
    "acceptance_criteria",
    "priority",
    "task_type",
    "timeout",
    "retry_attempts",
    "retry_delay",
    "environment",
    "working_directory",
];

/// One batch item. A misspelt field or an unknown priority or type is an
/// error naming the item, not something silently dropped or sent on.
fn item_of(index: usize, value: serde_json::Value) -> Result<TaskCreateRequest, String> {
    let Some(object) = value.as_object() else {
        return Err(format!("tasks[{index}]: expected a JSON object"));
    };
    if let Some(unknown) = object.keys().find(|k| !ITEM_FIELDS.contains(&k.as_str())) {
        return Err(format!(
            "tasks[{index}]: unknown field `{unknown}` (fields: {})",
            ITEM_FIELDS.join(", ")
        ));
    }
    let mut request: TaskCreateRequest = serde_json::from_value(value).map_err(|e| format!("tasks[{index}]: {e}"))?;
    // Enum values are read as on the command line: case and `_`/`-` ignored.
    if let TaskPriority::Unknown(text) = &request.priority {
        request.priority = text
            .as_str()
            .parse()
            .map_err(|e| format!("tasks[{index}].priority: {e}"))?;
    }
    if let TaskType::Unknown(text) = &request.task_type {
        request.task_type = text
            .as_str()
            .parse()
            .map_err(|e| format!("tasks[{index}].task_type: {e}"))?;
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_fields_are_exactly_the_wire_fields_of_a_create_request() {
        let full = TaskCreateRequest::new("n", "c", uuid::Uuid::nil())
            .description("d")
            .technical_specs("s")
            .criterion("a")
            .execution_timeout(std::time::Duration::from_secs(1))
            .env("K", "V")
            .working_directory("/w");
        let value = serde_json::to_value(&full).unwrap();
        let mut wire: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        let mut known = ITEM_FIELDS.to_vec();
        wire.sort_unstable();
        known.sort_unstable();
        assert_eq!(wire, known);
    }

    #[test]
    fn enum_values_read_as_on_the_command_line_whatever_their_case() {
        let id = uuid::Uuid::nil();
        let text =
            format!(r#"[{{"name":"a","command":"x","project_id":"{id}","priority":"high","task_type":"workflow"}}]"#);
        let tasks = parse("f", &text).unwrap();
        assert_eq!(tasks[0].priority, TaskPriority::High);
        assert_eq!(tasks[0].task_type, TaskType::Workflow);
        let bad = format!(r#"[{{"name":"a","command":"x","project_id":"{id}","priority":"urgent"}}]"#);
        assert!(
            parse("f", &bad)
                .unwrap_err()
                .starts_with("tasks[0].priority: unknown task priority")
        );
    }

    #[test]
    fn arrays_and_lines_read_alike_and_errors_name_the_item() {
        let id = uuid::Uuid::nil();
        let array = format!(r#"[{{"name":"a","command":"x","project_id":"{id}"}}]"#);
        let lines = format!("\n{{\"name\":\"a\",\"command\":\"x\",\"project_id\":\"{id}\"}}\n\n");
        assert_eq!(parse("f", &array).unwrap(), parse("f", &lines).unwrap());
        assert_eq!(parse("f", "[1]").unwrap_err(), "tasks[0]: expected a JSON object");
        assert!(
            parse("f", "{\"nmae\":1}")
                .unwrap_err()
                .starts_with("tasks[0]: unknown field `nmae`")
        );
        assert!(parse("f", "[").unwrap_err().starts_with("f: not a JSON array"));
        let then_garbage = format!("{}\n\nnope", lines.trim());
        let error = parse("f", &then_garbage).unwrap_err();
        assert!(error.starts_with("tasks[1] (line 3): not JSON"), "{error}");
    }
}
