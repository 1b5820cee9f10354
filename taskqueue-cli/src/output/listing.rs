//! `TaskListing`: a listing printed while it arrives — one JSON object per
//! line, a JSON array written task by task, or a table whose column widths
//! are set by its first rows and bounded, so no row is held longer than it
//! takes to print it.

use std::io::{BufWriter, Stdout, Write};

use taskqueue_proto::{Task, TaskStatus};

use super::Printer;
use crate::cli::Format;
use crate::terminal::{json_for_terminal, safe};

/// Rows read before the table's column widths are fixed.
const SAMPLE_ROWS: usize = 64;
/// The table's columns and the most characters each may take.
const COLUMNS: [(&str, usize); 6] = [
    ("ID", 36),
    ("NAME", 48),
    ("STATUS", 14),
    ("PRIORITY", 8),
    ("TYPE", 16),
    ("CREATED", 19),
];

/// Prints the tasks of a listing as they come.
pub(crate) struct TaskListing<'p> {
    printer: &'p Printer,
    out: BufWriter<Stdout>,
    count: u64,
    /// Table mode: the first rows, until the widths are known.
    sample: Vec<[String; 6]>,
    widths: Option<[usize; 6]>,
}

impl<'p> TaskListing<'p> {
    /// Starts the listing (a JSON array's `[`).
    pub(crate) fn begin(printer: &'p Printer) -> Self {
        let mut listing = TaskListing {
            printer,
            out: BufWriter::with_capacity(64 * 1024, std::io::stdout()),
            count: 0,
            sample: Vec::new(),
            widths: None,
        };
        if printer.format() == Format::Json {
            listing.write("[");
        }
        listing
    }

    /// Prints one task.
    pub(crate) fn task(&mut self, task: &Task) {
        self.count += 1;
        match self.printer.format() {
            Format::Jsonl => {
                let text = serde_json::to_string(task).unwrap_or_default();
                self.write_json(&text, "");
            }
            Format::Json => {
                let text = serde_json::to_string_pretty(task).unwrap_or_default();
                let indented = text.replace('\n', "\n  ");
                let separator = if self.count == 1 { "\n  " } else { ",\n  " };
                self.write_json(&indented, separator);
            }
            Format::Table => {
                let row = [
                    task.id.to_string(),
                    safe(&task.name).into_owned(),
                    safe(&task.status.to_string()).into_owned(),
                    safe(&task.priority.to_string()).into_owned(),
                    safe(&task.task_type.to_string()).into_owned(),
                    task.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                ];
                if self.widths.is_some() {
                    self.row(&row, Some(&task.status));
                } else {
                    self.sample.push(row);
                    if self.sample.len() == SAMPLE_ROWS {
                        self.fix_widths();
                    }
                }
            }
        }
        if self.printer.is_terminal() {
            self.flush();
        }
    }

    /// Ends the listing: the array's `]`, or the table's last rows and the count.
    pub(crate) fn end(mut self) {
        match self.printer.format() {
            Format::Json if self.count == 0 => self.write("]\n"),
            Format::Json => self.write("\n]\n"),
            Format::Jsonl => {}
            Format::Table => {
                if self.widths.is_none() {
                    self.fix_widths();
                }
                let count = format!("{} task(s)\n", self.count);
                self.write(&count);
            }
        }
        self.flush();
    }

    /// Sets the column widths from the rows read so far (each within its
    /// column's bound), prints the header and those rows.
    fn fix_widths(&mut self) {
        let mut widths = COLUMNS.map(|(name, _)| name.len());
        for row in &self.sample {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count()).min(COLUMNS[i].1);
            }
        }
        self.widths = Some(widths);
        let header = COLUMNS.map(|(name, _)| name.to_owned());
        self.row(&header, None);
        let rule = widths.map(|w| "─".repeat(w));
        self.row(&rule, None);
        for row in std::mem::take(&mut self.sample) {
            let status: Option<TaskStatus> = row[2].parse().ok();
            self.row(&row, status.as_ref());
        }
    }

    /// One row, each cell padded or cut (`…`) to its column's width.
    fn row(&mut self, cells: &[String; 6], status: Option<&TaskStatus>) {
        let widths = self.widths.unwrap_or(COLUMNS.map(|(_, w)| w));
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let width = widths[i];
            let chars = cell.chars().count();
            let fitted = if chars > width {
                let mut cut: String = cell.chars().take(width.saturating_sub(1)).collect();
                cut.push('…');
                cut
            } else {
                format!("{cell}{}", " ".repeat(width - chars))
            };
            let fitted = match (i, status) {
                (2, Some(status)) if self.printer.colour() => colour(status, &fitted),
                _ => fitted,
            };
            line.push_str(&fitted);
            line.push_str(if i + 1 < cells.len() { "  " } else { "\n" });
        }
        let line = line.trim_end().to_owned() + "\n";
        self.write(&line);
    }

    fn write_json(&mut self, text: &str, before: &str) {
        let text = if self.printer.is_terminal() {
            json_for_terminal(text).into_owned()
        } else {
            text.to_owned()
        };
        self.write(before);
        self.write(&text);
        if self.printer.format() == Format::Jsonl {
            self.write("\n");
        }
    }

    /// Writes to stdout; a closed pipe (`| head`) ends quietly.
    fn write(&mut self, text: &str) {
        if self.out.write_all(text.as_bytes()).is_err() {
            std::process::exit(0);
        }
    }

    fn flush(&mut self) {
        if self.out.flush().is_err() {
            std::process::exit(0);
        }
    }
}

/// The status text in the colour the tables use for it.
fn colour(status: &TaskStatus, text: &str) -> String {
    let code = match status {
        TaskStatus::Completed | TaskStatus::Finalized => "32",
        TaskStatus::Failed => "31",
        TaskStatus::Cancelled => "90",
        TaskStatus::Running => "36",
        _ => return text.to_owned(),
    };
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}
