//! Printing results: the wire JSON for scripts, aligned tables for people.

use std::io::{IsTerminal, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ContentArrangement, Table};
use serde::Serialize;
use taskqueue_proto::{Project, Task, TaskStatus};

use crate::cli::Format;

/// Writes results to stdout in the chosen format.
pub(crate) struct Printer {
    format: Format,
    colour: bool,
}

impl Printer {
    pub(crate) fn new(format: Format) -> Self {
        let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Printer { format, colour }
    }

    pub(crate) fn format(&self) -> Format {
        self.format
    }

    /// The value as pretty JSON (exactly the wire form of the models).
    pub(crate) fn json<T: Serialize + ?Sized>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => line(&text),
            Err(e) => eprintln!("error: could not print the result as JSON: {e}"),
        }
    }

    pub(crate) fn task(&self, task: &Task) {
        match self.format {
            Format::Json => self.json(task),
            Format::Table => {
                let mut t = self.table();
                let rows: Vec<(&str, String)> = vec![
                    ("id", task.id.to_string()),
                    ("name", task.name.clone()),
                    ("command", task.command.clone()),
                    ("status", task.status.to_string()),
                    ("priority", task.priority.to_string()),
                    ("type", task.task_type.to_string()),
                    ("project", task.project_id.map(|p| p.to_string()).unwrap_or_default()),
                    ("description", task.description.clone()),
                    ("timeout", task.timeout.map(|s| format!("{s}s")).unwrap_or_default()),
                    (
                        "retries",
                        format!("{} every {}s", task.retry_attempts, task.retry_delay),
                    ),
                    ("phase", task.current_phase.to_string()),
                    (
                        "ai reviews",
                        format!("{}/{}", task.ai_reviews_completed, task.ai_reviews_required),
                    ),
                    ("created", task.created_at.to_rfc3339()),
                    ("updated", task.updated_at.to_rfc3339()),
                ];
                for (key, value) in rows {
                    let value = if key == "status" {
                        self.status_cell(&task.status)
                    } else {
                        Cell::new(value)
                    };
                    t.add_row(vec![Cell::new(key), value]);
                }
                line(&t.to_string());
            }
        }
    }

    pub(crate) fn tasks(&self, tasks: &[Task]) {
        match self.format {
            Format::Json => self.json(tasks),
            Format::Table => {
                let mut t = self.table();
                t.set_header(vec!["ID", "NAME", "STATUS", "PRIORITY", "TYPE", "CREATED"]);
                for task in tasks {
                    t.add_row(vec![
                        Cell::new(task.id),
                        Cell::new(&task.name),
                        self.status_cell(&task.status),
                        Cell::new(&task.priority),
                        Cell::new(&task.task_type),
                        Cell::new(task.created_at.format("%Y-%m-%d %H:%M:%S")),
                    ]);
                }
                line(&t.to_string());
                line(&format!("{} task(s)", tasks.len()));
            }
        }
    }

    pub(crate) fn project(&self, project: &Project) {
        match self.format {
            Format::Json => self.json(project),
            Format::Table => {
                let mut t = self.table();
                let rows = vec![
                    ("id", project.id.to_string()),
                    ("name", project.name.clone()),
                    ("status", project.status.to_string()),
                    ("description", project.description.clone().unwrap_or_default()),
                    ("due", project.due_date.map(|d| d.to_rfc3339()).unwrap_or_default()),
                    ("tags", project.tags.join(", ")),
                    ("created", project.created_at.to_rfc3339()),
                    ("updated", project.updated_at.to_rfc3339()),
                ];
                for (key, value) in rows {
                    t.add_row(vec![key.to_owned(), value]);
                }
                line(&t.to_string());
            }
        }
    }

    pub(crate) fn projects(&self, projects: &[Project]) {
        match self.format {
            Format::Json => self.json(projects),
            Format::Table => {
                let mut t = self.table();
                t.set_header(vec!["ID", "NAME", "STATUS", "TAGS", "CREATED"]);
                for p in projects {
                    t.add_row(vec![
                        p.id.to_string(),
                        p.name.clone(),
                        p.status.to_string(),
                        p.tags.join(", "),
                        p.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    ]);
                }
                line(&t.to_string());
                line(&format!("{} project(s)", projects.len()));
            }
        }
    }

    /// A one-line message in table mode, or this JSON value in JSON mode.
    pub(crate) fn message(&self, text: &str, json: serde_json::Value) {
        match self.format {
            Format::Json => self.json(&json),
            Format::Table => line(text),
        }
    }

    fn table(&self) -> Table {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled);
        t
    }

    fn status_cell(&self, status: &TaskStatus) -> Cell {
        let cell = Cell::new(status);
        if !self.colour {
            return cell;
        }
        match status {
            TaskStatus::Completed | TaskStatus::Finalized => cell.fg(Color::Green),
            TaskStatus::Failed => cell.fg(Color::Red),
            TaskStatus::Cancelled => cell.fg(Color::DarkGrey),
            TaskStatus::Running => cell.fg(Color::Cyan),
            _ => cell,
        }
    }
}

/// Prints a line to stdout; a closed pipe (`| head`) ends quietly.
fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{text}").is_err() {
        std::process::exit(0);
    }
}
