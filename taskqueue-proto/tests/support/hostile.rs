//! Task bodies with a hostile `name`, shared by the hostile-JSON tests of
//! the protocol core, the integration suite and the CLI (included by path:
//! standard library only).

/// A task's JSON with id `id` and the raw bytes `name` (quoted or not, so a
/// test can put anything there, broken UTF-8 and unclosed nesting included).
pub(crate) fn task_json_named(id: &str, name: &[u8]) -> Vec<u8> {
    let mut body = format!(
        r#"{{"id":"{id}","command":"true","status":"Pending","created_at":"2026-11-26T05:06:00Z","updated_at":"2026-11-26T05:06:00Z","name":"#
    )
    .into_bytes();
    body.extend_from_slice(name);
    body.push(b'}');
    body
}
