//! `openapi.yaml` parses and documents every operation the SDK implements,
//! with the method and path the SDK sends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should be loud

use serde_norway::Value;
use taskqueue::ops::*;
use taskqueue::{Config, ProjectCreateRequest, TaskCreateRequest};
use uuid::Uuid;

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    serde_norway::from_str(&text).unwrap()
}

/// (operationId, method, path template) of every operation in the document.
fn documented() -> Vec<(String, String, String)> {
    let spec = spec();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        for (method, op) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap();
            if method == "parameters" {
                continue;
            }
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path:?} has no operationId"));
            out.push((id.to_owned(), method.to_uppercase(), path.as_str().unwrap().to_owned()));
        }
    }
    out
}

/// The SDK's request for `op`, with ids turned back into path templates.
fn sent<O: Operation>(op: O) -> (String, String, String) {
    let r = op.build_request(&Config::default()).unwrap();
    let path = r
        .uri()
        .path()
        .replace(&Uuid::from_u128(1).to_string(), "{task_id}")
        .replace(&Uuid::from_u128(2).to_string(), "{project_id}");
    (O::NAME.to_owned(), r.method().to_string(), path)
}

#[test]
fn every_sdk_operation_is_documented_with_its_method_and_path() {
    let (t, p) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let sdk = vec![
        sent(CreateTask::new(TaskCreateRequest::new("n", "c", p))),
        sent(GetTask::new(t)),
        sent(ListTasks::default()),
        sent(UpdateTask::new(t, Default::default())),
        sent(CancelTask::new(t)),
        sent(DeleteTask::new(t)),
        sent(CreateProject::new(ProjectCreateRequest::new("p"))),
        sent(GetProject::new(p)),
        sent(ListProjects),
        sent(UpdateProject::new(p, Default::default())),
        sent(DeleteProject::new(p)),
        sent(Health),
    ];
    let mut documented = documented();
    documented.sort();
    let mut sdk = sdk;
    sdk.sort();
    assert_eq!(documented, sdk);
}

#[test]
fn every_reference_resolves() {
    let spec = spec();
    let text = serde_norway::to_string(&spec).unwrap();
    for line in text.lines().filter(|l| l.contains("$ref")) {
        let target = line.split("'#/").nth(1).or_else(|| line.split("#/").nth(1)).unwrap();
        let target = target.trim_end_matches(['\'', '"']);
        let mut node = &spec;
        for part in target.split('/') {
            node = &node[part];
        }
        assert!(!node.is_null(), "unresolved $ref {target}");
    }
}

#[test]
fn the_documented_headers_are_there() {
    let spec = spec();
    let params = &spec["components"]["parameters"];
    assert_eq!(params["XRequestId"]["name"].as_str(), Some("X-Request-Id"));
    assert_eq!(params["IdempotencyKey"]["name"].as_str(), Some("Idempotency-Key"));
    assert!(spec["components"]["responses"]["RateLimited"]["headers"]["Retry-After"].is_mapping());
}

/// The contract's "not blank" pattern lists exactly the characters the SDK
/// and the reference server count as whitespace, so a name the schema allows
/// is one the server accepts, in every regex dialect (schemathesis once found
/// `"\n"` allowed by the schema and refused by the server).
#[test]
fn the_not_blank_pattern_is_the_servers_rule() {
    let spec = spec();
    let schemas = &spec["components"]["schemas"];
    let pattern = schemas["TaskCreateRequest"]["properties"]["name"]["pattern"]
        .as_str()
        .expect("a pattern on names");
    let class: Vec<char> = pattern
        .strip_prefix("[^")
        .and_then(|p| p.strip_suffix(']'))
        .expect("a negated class")
        .chars()
        .collect();
    let mut listed = Vec::new();
    let mut i = 0;
    while i < class.len() {
        if i + 2 < class.len() && class[i + 1] == '-' {
            listed.extend(class[i]..=class[i + 2]);
            i += 3;
        } else {
            listed.push(class[i]);
            i += 1;
        }
    }
    for c in (0..0x3100u32).chain(0xFE00..0x10000).filter_map(char::from_u32) {
        assert_eq!(
            listed.contains(&c),
            taskqueue::models::is_blank_char(c),
            "U+{:04X}: the pattern and the server disagree",
            c as u32
        );
    }
    for (schema, field) in [
        ("TaskCreateRequest", "command"),
        ("TaskUpdateRequest", "name"),
        ("TaskUpdateRequest", "command"),
        ("ProjectCreateRequest", "name"),
        ("ProjectUpdateRequest", "name"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["pattern"].as_str(),
            Some(pattern),
            "{schema}.{field}"
        );
    }
}
