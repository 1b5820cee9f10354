//! The workflow file of `taskqueue workflows submit`: one JSON object,
//! `{"name", "description", "tasks": [ids], "dependencies": [{"from", "to",
//! "condition"}]}`. Pure (text in, a request or a message out), so the fuzz
//! target `workflow_file` reads it exactly as the CLI does.

use taskqueue_proto::{DependencyCondition, WorkflowCreateRequest};

/// The request in `text`, validated, or a message naming the field and what
/// was wrong with it; `source` names the file in messages. An unknown field
/// or condition is an error, not something silently dropped.
pub(crate) fn parse(source: &str, text: &str) -> Result<WorkflowCreateRequest, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let request: WorkflowCreateRequest = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." {
            String::new()
        } else {
            format!(" at {path}")
        };
        format!("{source}: not a workflow{at}: {}", e.into_inner())
    })?;
    de.end()
        .map_err(|e| format!("{source}: text after the workflow: {e}"))?;
    // A condition is read as on the command line: case ignored.
    let mut request = request;
    for (i, edge) in request.dependencies.iter_mut().enumerate() {
        if let DependencyCondition::Other(text) = &edge.condition {
            edge.condition = text
                .parse()
                .map_err(|e| format!("{source}: dependencies[{i}].condition: {e}"))?;
        }
    }
    request.validate().map_err(|e| format!("{source}: {e}"))?;
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "00000000-0000-4000-8000-000000000001";
    const B: &str = "00000000-0000-4000-8000-000000000002";

    #[test]
    fn a_workflow_file_reads_with_its_edges() {
        let text = format!(
            r#"{{"name":"release","description":"d","tasks":["{A}","{B}"],
                 "dependencies":[{{"from":"{A}","to":"{B}","condition":"Completion"}}]}}"#
        );
        let wf = parse("wf.json", &text).unwrap();
        assert_eq!(
            (wf.name.as_str(), wf.tasks.len(), wf.dependencies.len()),
            ("release", 2, 1)
        );
    }

    #[test]
    fn a_condition_reads_as_on_the_command_line_whatever_its_case() {
        for word in ["success", "SUCCESS", "Success"] {
            let text = format!(
                r#"{{"name":"w","tasks":["{A}","{B}"],"dependencies":[{{"from":"{A}","to":"{B}","condition":"{word}"}}]}}"#
            );
            let wf = parse("wf.json", &text).unwrap();
            assert_eq!(wf.dependencies[0].condition, DependencyCondition::Success, "{word}");
        }
    }

    #[test]
    fn every_mistake_is_named() {
        for (text, expected) in [
            ("[]".to_owned(), "not a workflow"),
            (r#"{"name":"w"}"#.to_owned(), "missing field `tasks`"),
            (
                format!(r#"{{"name":"w","tasks":["{A}"],"owner":"me"}}"#),
                "unknown field `owner`",
            ),
            (r#"{"name":"w","tasks":["nope"]}"#.to_owned(), "at tasks[0]"),
            (
                format!(r#"{{"name":"w","tasks":["{A}"]}} {{}}"#),
                "text after the workflow",
            ),
            (format!(r#"{{"name":"w","tasks":["{A}","{A}"]}}"#), "tasks[1]"),
            (
                format!(r#"{{"name":"w","tasks":["{A}"],"dependencies":[{{"from":"{A}","to":"{B}"}}]}}"#),
                "dependencies[0].to",
            ),
            (
                format!(
                    r#"{{"name":"w","tasks":["{A}","{B}"],"dependencies":[{{"from":"{A}","to":"{B}","condition":"Often"}}]}}"#
                ),
                "dependencies[0].condition",
            ),
        ] {
            let err = parse("wf.json", &text).unwrap_err();
            assert!(err.starts_with("wf.json: ") && err.contains(expected), "{text}: {err}");
        }
    }
}
