//! Printing results: the wire JSON for scripts, aligned tables for people
//! (every cell made terminal-safe).

use std::io::{IsTerminal, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ContentArrangement, Table};
use serde::Serialize;
use taskqueue_proto::{Project, Task, TaskStatus};

use crate::cli::Format;
use crate::terminal::safe;

mod listing;
mod upstream;

pub(crate) use listing::TaskListing;

/// Writes results to stdout in the chosen format.
pub(crate) struct Printer {
    format: Format,
    colour: bool,
    progress: bool,
    /// Whether stdout is a terminal (JSON is then escaped for it).
    terminal: bool,
}

impl Printer {
    /// A printer in `format`; progress on stderr unless `quiet` or stderr is not a terminal.
    pub(crate) fn new(format: Format, quiet: bool) -> Self {
        let terminal = std::io::stdout().is_terminal();
        let colour = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let progress = !quiet && std::io::stderr().is_terminal();
        Printer {
            format,
            colour,
            progress,
            terminal,
        }
    }

    pub(crate) fn format(&self) -> Format {
        self.format
    }

    /// Whether progress bars and spinners are shown.
    pub(crate) fn shows_progress(&self) -> bool {
        self.progress
    }

    /// Whether stdout is a terminal with colours allowed.
    pub(crate) fn colour(&self) -> bool {
        self.colour
    }

    /// Whether results are printed as JSON (pretty, or one value per line).
    pub(crate) fn is_json(&self) -> bool {
        matches!(self.format, Format::Json | Format::Jsonl)
    }

    /// Whether stdout is a terminal (JSON is escaped for it).
    pub(crate) fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// The value as pretty JSON (exactly the wire form of the models), or
    /// as one line with `--format jsonl`.
    pub(crate) fn json<T: Serialize + ?Sized>(&self, value: &T) {
        let text = if self.format == Format::Jsonl {
            serde_json::to_string(value)
        } else {
            serde_json::to_string_pretty(value)
        };
        match text {
            Ok(text) if self.terminal => line(&crate::terminal::json_for_terminal(&text)),
            Ok(text) => line(&text),
            Err(e) => eprintln!("error: could not print the result as JSON: {e}"),
        }
    }

    pub(crate) fn task(&self, task: &Task) {
        if self.is_json() {
            return self.json(task);
        }
        let retries = format!("{} every {}s", task.retry_attempts, task.retry_delay);
        let reviews = format!("{}/{}", task.ai_reviews_completed, task.ai_reviews_required);
        self.record(vec![
            ("id", text(task.id)),
            ("name", text(&task.name)),
            ("command", text(&task.command)),
            ("status", self.status_cell(&task.status)),
            ("priority", text(&task.priority)),
            ("type", text(&task.task_type)),
            (
                "project",
                text(task.project_id.map(|p| p.to_string()).unwrap_or_default()),
            ),
            ("description", text(&task.description)),
            (
                "timeout",
                text(task.timeout.map(|s| format!("{s}s")).unwrap_or_default()),
            ),
            ("retries", text(retries)),
            ("phase", text(&task.current_phase)),
            ("ai reviews", text(reviews)),
            ("created", text(task.created_at.to_rfc3339())),
            ("updated", text(task.updated_at.to_rfc3339())),
        ]);
    }

    pub(crate) fn tasks(&self, tasks: &[Task]) {
        if self.is_json() {
            return self.json(tasks);
        }
        let header = ["ID", "NAME", "STATUS", "PRIORITY", "TYPE", "CREATED"];
        let rows = tasks.iter().map(|task| {
            vec![
                text(task.id),
                text(&task.name),
                self.status_cell(&task.status),
                text(&task.priority),
                text(&task.task_type),
                text(task.created_at.format("%Y-%m-%d %H:%M:%S")),
            ]
        });
        self.list(&header, rows, "task(s)");
    }

    pub(crate) fn project(&self, project: &Project) {
        if self.is_json() {
            return self.json(project);
        }
        self.record(vec![
            ("id", text(project.id)),
            ("name", text(&project.name)),
            ("status", text(&project.status)),
            ("description", text(project.description.as_deref().unwrap_or_default())),
            (
                "due",
                text(project.due_date.map(|d| d.to_rfc3339()).unwrap_or_default()),
            ),
            ("tags", text(project.tags.join(", "))),
            ("created", text(project.created_at.to_rfc3339())),
            ("updated", text(project.updated_at.to_rfc3339())),
        ]);
    }

    pub(crate) fn projects(&self, projects: &[Project]) {
        if self.is_json() {
            return self.json(projects);
        }
        let header = ["ID", "NAME", "STATUS", "TAGS", "CREATED"];
        let rows = projects.iter().map(|p| {
            vec![
                text(p.id),
                text(&p.name),
                text(&p.status),
                text(p.tags.join(", ")),
                text(p.created_at.format("%Y-%m-%d %H:%M:%S")),
            ]
        });
        self.list(&header, rows, "project(s)");
    }

    /// One record as a two-column table of field and value.
    fn record(&self, rows: Vec<(&str, Cell)>) {
        let mut t = self.table();
        for (key, value) in rows {
            t.add_row(vec![Cell::new(key), value]);
        }
        line(&t.to_string());
    }

    /// Many records as a table under `header`, then their count.
    fn list(&self, header: &[&str], rows: impl Iterator<Item = Vec<Cell>>, noun: &str) {
        let mut t = self.table();
        t.set_header(header.to_vec());
        let mut count = 0;
        for row in rows {
            t.add_row(row);
            count += 1;
        }
        line(&t.to_string());
        line(&format!("{count} {noun}"));
    }

    /// A one-line message in table mode, or this JSON value in JSON mode.
    pub(crate) fn message(&self, text: &str, json: serde_json::Value) {
        match self.format {
            Format::Json | Format::Jsonl => self.json(&json),
            Format::Table => line(&safe(text)),
        }
    }

    fn table(&self) -> Table {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled);
        t
    }

    fn status_cell(&self, status: &TaskStatus) -> Cell {
        let cell = text(status);
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

/// A table cell of a value's text, made terminal-safe.
pub(crate) fn text(value: impl std::fmt::Display) -> Cell {
    Cell::new(safe(&value.to_string()))
}

/// Prints a line to stdout; a closed pipe (`| head`) ends quietly.
pub(crate) fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{text}").is_err() {
        std::process::exit(0);
    }
}
