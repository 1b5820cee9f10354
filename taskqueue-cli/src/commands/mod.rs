//! One function per command; each parses its arguments, calls the client,
//! and prints the result.

pub(crate) mod projects;
pub(crate) mod tasks;
pub(crate) mod upstream;
pub(crate) mod waiting;
pub(crate) mod workflows;

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;

use crate::exit::Failure;
use crate::output::Printer;
use crate::parse;

/// `tasks delete` and `projects delete`: parse the id, confirm, delete
/// (exit 3 when there was nothing to delete), say so.
pub(crate) fn delete(
    out: &Printer,
    kind: &str,
    id: &str,
    yes: bool,
    delete: impl FnOnce(uuid::Uuid) -> Result<bool, taskqueue_proto::Error>,
) -> Result<(), Failure> {
    let id = parse::id(kind, id)?;
    if !confirm(&format!("Delete {kind} {id}?"), yes)? {
        return Err(Failure::new(1, "not deleted"));
    }
    if !delete(id)? {
        return Err(Failure::new(
            3,
            format!("{kind} {id} does not exist; nothing was deleted"),
        ));
    }
    out.message(
        &format!("Deleted {kind} {id}"),
        serde_json::json!({ "deleted": true, "id": id }),
    );
    Ok(())
}

/// Asks `question` on a terminal; without one (a script), the answer is yes.
pub(crate) fn confirm(question: &str, assume_yes: bool) -> Result<bool, Failure> {
    if assume_yes || !std::io::stdin().is_terminal() {
        return Ok(true);
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::new(1, format!("could not read the answer: {e}")))?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// The text of a file, or of standard input for `-`; a file that cannot be
/// read is a usage error naming it.
pub(crate) fn read_input(file: &Path) -> Result<String, Failure> {
    let mut text = String::new();
    let read = if file == Path::new("-") {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_string(&mut text))
    };
    read.map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
    Ok(text)
}
