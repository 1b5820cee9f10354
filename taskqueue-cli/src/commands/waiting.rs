//! `taskqueue tasks wait` (one task or several) and `taskqueue tasks watch`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use taskqueue_proto::TaskId;
use taskqueue_proto::ops::{WaitForCompletion, WaitForTasks, WaitOutcome, WatchEvent, WatchTasks};
use taskqueue_proto::{Error, Task, TaskFilters, TaskStatus};

use crate::Client;
use crate::cli::{Format, TaskWatchArgs};
use crate::exit::Failure;
use crate::output::Printer;
use crate::parse;
use crate::progress::Progress;
use crate::terminal::safe;

/// Seconds from the command line as a duration; a usage error names the flag.
fn seconds(flag: &str, secs: f64) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(secs).map_err(|_| Failure::usage(format!("invalid {flag} {secs}: expected seconds")))
}

fn ended_badly(task: &Task) -> bool {
    matches!(task.status, TaskStatus::Failed | TaskStatus::Cancelled)
}

/// `tasks wait ID [ID…] [--all | --any] [--timeout SECS]`: exit 0 when they
/// finished well, 9 when one ended Failed or Cancelled (with `--any`: the
/// first to finish), 8 on the timeout, 3 for an unknown id.
pub(crate) fn wait(client: &Client, out: &Printer, ids: &[String], any: bool, timeout: f64) -> Result<(), Failure> {
    let timeout = seconds("--timeout", timeout)?;
    let ids: Vec<TaskId> = ids
        .iter()
        .map(|id| parse::id("task", id).map(TaskId::from))
        .collect::<Result<_, _>>()?;
    if let [id] = ids.as_slice() {
        return wait_one(client, out, *id, timeout);
    }
    let progress = Progress::bar(ids.len() as u64, out.shows_progress());
    let reporter = progress.clone();
    let report_progress =
        move |_: usize, outcome: &WaitOutcome| reporter.item(outcome.task().is_some_and(|t| !ended_badly(t)));
    let job = if any {
        WaitForTasks::any(ids, timeout)
    } else {
        WaitForTasks::all(ids, timeout)
    };
    let report = client.execute(job.on_finished(report_progress));
    progress.finish();
    // Not finished in time: the tasks as they stood, then exit 8.
    let report = match report {
        Err(Error::WaitsTimedOut { report, .. }) => *report,
        other => other?,
    };
    if let Some(WaitOutcome::NotFound(id)) = report.outcomes.iter().find(|o| matches!(o, WaitOutcome::NotFound(_))) {
        return Err(Failure::new(3, format!("task {id} does not exist")));
    }
    let tasks: Vec<Task> = report.outcomes.iter().filter_map(|o| o.task().cloned()).collect();
    out.tasks(&tasks);
    let first = report.first_finished();
    let failed = match (any, first) {
        (true, Some((_, task))) => ended_badly(task).then_some(task),
        (true, None) => None,
        (false, _) => report
            .outcomes
            .iter()
            .filter_map(|o| match o {
                WaitOutcome::Finished(task) if ended_badly(task) => Some(task),
                _ => None,
            })
            .next(),
    };
    let timed_out = if any { first.is_none() } else { !report.all_finished() };
    if timed_out {
        let waiting = report.outcomes.iter().filter(|o| !o.is_finished()).count();
        return Err(Failure::new(
            8,
            format!("{waiting} task(s) still running after {timeout:?}"),
        ));
    }
    match failed {
        Some(task) => Err(Failure::new(9, format!("task {} ended {}", task.id, task.status))),
        None => Ok(()),
    }
}

/// One task, with a spinner showing its status on a terminal.
fn wait_one(client: &Client, out: &Printer, id: TaskId, timeout: Duration) -> Result<(), Failure> {
    let progress = Progress::spinner(&format!("waiting for task {id}"), out.shows_progress());
    let reporter = progress.clone();
    let job = WaitForCompletion::new(id, timeout)
        .on_poll(move |task| reporter.message(&format!("task {id}: {}", task.status)));
    let task = client.execute(job);
    progress.finish();
    let task = task?;
    out.task(&task);
    if ended_badly(&task) {
        return Err(Failure::new(9, format!("task {id} ended {}", task.status)));
    }
    Ok(())
}

/// `tasks watch`: JSON lines, or a live view on a terminal; exit 0 at the
/// timeout, after `--max-events`, or on Ctrl-C.
pub(crate) fn watch(client: &Client, out: &Printer, args: TaskWatchArgs) -> Result<(), Failure> {
    let mut filters = TaskFilters::new();
    if let Some(status) = parse::optional("status", args.status.as_deref())? {
        filters = filters.status(status);
    }
    if let Some(project) = &args.project_id {
        filters = filters.project_id(parse::id("project", project)?);
    }
    let interval = seconds("--interval", args.interval)?;
    if interval > Duration::from_secs(24 * 60 * 60) {
        return Err(Failure::usage(format!(
            "invalid --interval {}: at most 86400 seconds (a day)",
            args.interval
        )));
    }
    let mut job = WatchTasks::new(filters).intervals(interval, interval.max(Duration::from_secs(10)));
    if let Some(timeout) = args.timeout {
        job = job.timeout(seconds("--timeout", timeout)?);
    }
    let mut view = LiveView::new(
        out.format() == Format::Table && std::io::stdout().is_terminal(),
        out.colour(),
    );
    let stop_view = view.spinner.clone();
    // Ctrl-C ends the watch as a success, the terminal left clean.
    let _ = ctrlc::set_handler(move || {
        if let Some(bar) = &stop_view {
            bar.finish_and_clear();
        }
        std::process::exit(0);
    });
    for (seen, event) in (1u64..).zip(client.watch(job)) {
        let event = event?;
        match out.format() {
            Format::Json | Format::Jsonl => json_line(&event),
            Format::Table => view.show(&event),
        }
        if args.max_events.is_some_and(|max| seen >= max) {
            break;
        }
    }
    view.finish();
    Ok(())
}

/// One event as one line of JSON on stdout; a closed pipe ends quietly.
fn json_line(event: &WatchEvent) {
    let mut stdout = std::io::stdout().lock();
    let line = serde_json::to_string(event).unwrap_or_default();
    let line = if stdout.is_terminal() {
        crate::terminal::json_for_terminal(&line)
    } else {
        std::borrow::Cow::Borrowed(line.as_str())
    };
    if writeln!(stdout, "{line}").and_then(|()| stdout.flush()).is_err() {
        std::process::exit(0);
    }
}

/// The watch for people: a line per event, and on a terminal a status line
/// (how many tasks in each status) that updates in place.
struct LiveView {
    spinner: Option<indicatif::ProgressBar>,
    colour: bool,
    statuses: BTreeMap<TaskId, TaskStatus>,
}

impl LiveView {
    fn new(live: bool, colour: bool) -> Self {
        let spinner = live.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stdout());
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar.set_message("watching…");
            bar
        });
        LiveView {
            spinner,
            colour,
            statuses: BTreeMap::new(),
        }
    }

    fn show(&mut self, event: &WatchEvent) {
        // Server text is escaped piece by piece; the colours are the view's own.
        let line = match event {
            WatchEvent::Created(task) => {
                let status = safe(task.status.as_str());
                format!("created  {} {} ({status})", task.id, safe(&task.name))
            }
            WatchEvent::Changed { task, from, to } => {
                let (from, to) = (safe(from.as_str()), self.paint(to));
                format!("changed  {} {} {from} → {to}", task.id, safe(&task.name))
            }
            WatchEvent::Updated(task) => format!("updated  {} {}", task.id, safe(&task.name)),
            WatchEvent::Deleted(id) => format!("deleted  {id}"),
            other => other.name().to_owned(),
        };
        match event {
            WatchEvent::Created(task) | WatchEvent::Updated(task) | WatchEvent::Changed { task, .. } => {
                self.statuses.insert(task.id, task.status.clone());
            }
            WatchEvent::Deleted(id) => {
                self.statuses.remove(id);
            }
            _ => {}
        }
        match &self.spinner {
            Some(bar) => {
                bar.println(line);
                bar.set_message(self.summary());
            }
            None => println!("{line}"),
        }
    }

    /// `3 Running · 1 Completed`, the status counts of the watched tasks.
    fn summary(&self) -> String {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for status in self.statuses.values() {
            *counts.entry(status.to_string()).or_default() += 1;
        }
        let parts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {}", safe(s))).collect();
        format!("watching {} task(s): {}", self.statuses.len(), parts.join(" · "))
    }

    /// A status in the colour the tables use, when colours are on.
    fn paint(&self, status: &TaskStatus) -> String {
        let text = safe(status.as_str()).into_owned();
        let code = match status {
            TaskStatus::Completed | TaskStatus::Finalized => "32",
            TaskStatus::Failed => "31",
            TaskStatus::Cancelled => "90",
            TaskStatus::Running => "36",
            _ => return text,
        };
        if !self.colour {
            return text;
        }
        format!("\u{1b}[{code}m{text}\u{1b}[0m")
    }

    fn finish(&self) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
    }
}
