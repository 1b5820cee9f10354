//! Printing what the public server's other endpoints answer: the model as
//! JSON for scripts, tables for people (server text made terminal-safe).

use comfy_table::Cell;
use serde_json::json;
use taskqueue_proto::ops::PhaseAdvance;
use taskqueue_proto::{Dependency, Metrics, Stats, TaskResult, TaskStatus, Workflow, WorkflowStatus};
use uuid::Uuid;

use super::{Printer, line, text};

impl Printer {
    /// `{"id", "status"}`.
    pub(crate) fn task_status(&self, id: Uuid, status: &TaskStatus) {
        if self.is_json() {
            return self.json(&json!({ "id": id, "status": status }));
        }
        self.record(vec![("id", text(id)), ("status", self.status_cell(status))]);
    }

    /// `{"id", "result"}`, the result as the server wrote it or `null`.
    pub(crate) fn task_result(&self, id: Uuid, result: Option<&TaskResult>) {
        if self.is_json() {
            return self.json(&json!({ "id": id, "result": result }));
        }
        let mut rows = vec![("id", text(id))];
        match result {
            None => rows.push(("result", text("none yet"))),
            Some(TaskResult::Success {
                output,
                artifacts,
                metrics,
            }) => {
                rows.push(("result", text("Success")));
                rows.push(("output", text(output)));
                rows.push(("artifacts", text(artifacts.join(", "))));
                if let Some(m) = metrics {
                    rows.push(("run time", text(format!("{:.3}s", m.execution_time.as_secs_f64()))));
                }
            }
            Some(TaskResult::Failure { error, exit_code, logs }) => {
                rows.push(("result", text("Failure")));
                rows.push(("error", text(error)));
                rows.push(("exit code", text(exit_code.map(|c| c.to_string()).unwrap_or_default())));
                rows.push(("logs", text(logs.join("\n"))));
            }
            Some(TaskResult::Cancelled { reason }) => {
                rows.push(("result", text("Cancelled")));
                rows.push(("reason", text(reason)));
            }
            Some(other) => rows.push(("result", text(other.to_json()))),
        }
        self.record(rows);
    }

    pub(crate) fn dependencies(&self, deps: &[Dependency]) {
        if self.is_json() {
            return self.json(deps);
        }
        let header = ["DEPENDS ON", "NAME", "CONDITION", "REQUIRED", "CORRELATION"];
        let rows = deps.iter().map(|d| {
            vec![
                text(d.task_id),
                text(d.task_name.as_deref().unwrap_or_default()),
                text(&d.condition),
                text(if d.required { "yes" } else { "no" }),
                text(d.correlation_id.as_deref().unwrap_or_default()),
            ]
        });
        self.list(&header, rows, "dependency(ies)");
    }

    /// A list of strings: a JSON array, or one per line.
    pub(crate) fn strings(&self, items: &[String], noun: &str) {
        if self.is_json() {
            return self.json(items);
        }
        self.list(&["VALUE"], items.iter().map(|s| vec![text(s)]), noun);
    }

    /// `{"advanced", "task"}`.
    pub(crate) fn phase_advance(&self, advance: &PhaseAdvance) {
        if self.is_json() {
            return self.json(advance);
        }
        let said = if advance.advanced {
            format!("Task {} is now in {}", advance.task.id, advance.task.current_phase)
        } else {
            format!(
                "Task {} stays in {}: the server has no next phase for it",
                advance.task.id, advance.task.current_phase
            )
        };
        line(&crate::terminal::safe(&said));
        self.task(&advance.task);
    }

    /// A workflow, then its tasks and the order between them.
    pub(crate) fn workflow(&self, w: &Workflow) {
        if self.is_json() {
            return self.json(w);
        }
        self.record(vec![
            ("id", text(w.id)),
            ("name", text(&w.name)),
            ("status", text(&w.status)),
            ("description", text(w.description.as_deref().unwrap_or_default())),
            ("created", text(w.created_at.to_rfc3339())),
        ]);
        let header = ["TASK", "NAME", "STATUS", "PRIORITY"];
        let rows = w.tasks.iter().map(|t| {
            vec![
                text(t.id),
                text(&t.name),
                self.status_cell(&t.status),
                text(&t.priority),
            ]
        });
        self.list(&header, rows, "task(s)");
        if !w.dependencies.is_empty() {
            let rows = w
                .dependencies
                .iter()
                .map(|d| vec![text(d.from), text(d.to), text(&d.condition)]);
            self.list(&["FROM", "TO", "CONDITION"], rows, "dependency(ies)");
        }
    }

    pub(crate) fn workflows(&self, workflows: &[Workflow]) {
        if self.is_json() {
            return self.json(workflows);
        }
        let header = ["ID", "NAME", "STATUS", "TASKS", "CREATED"];
        let rows = workflows.iter().map(|w| {
            vec![
                text(w.id),
                text(&w.name),
                text(&w.status),
                Cell::new(w.tasks.len()),
                text(w.created_at.format("%Y-%m-%d %H:%M:%S")),
            ]
        });
        self.list(&header, rows, "workflow(s)");
    }

    /// `{"id", "status"}`.
    pub(crate) fn workflow_status(&self, id: Uuid, status: &WorkflowStatus) {
        if self.is_json() {
            return self.json(&json!({ "id": id, "status": status }));
        }
        self.record(vec![("id", text(id)), ("status", text(status))]);
    }

    pub(crate) fn stats(&self, s: &Stats) {
        if self.is_json() {
            return self.json(s);
        }
        self.record(vec![
            ("tasks", Cell::new(s.total_tasks)),
            ("running", Cell::new(s.active_tasks)),
            ("pending", Cell::new(s.pending_tasks)),
            ("completed", Cell::new(s.completed_tasks)),
            ("failed", Cell::new(s.failed_tasks)),
            ("workflows", Cell::new(s.total_workflows)),
            ("cpu", text(format!("{:.1} %", s.cpu_usage_percent))),
            ("memory", text(format!("{:.1} MB", s.memory_usage_mb))),
            ("uptime", text(format!("{} s", s.uptime_seconds))),
            ("at", text(s.timestamp.map(|t| t.to_rfc3339()).unwrap_or_default())),
        ]);
    }

    pub(crate) fn metrics(&self, m: &Metrics) {
        if self.is_json() {
            return self.json(m);
        }
        let rows = m.samples().iter().map(|s| {
            let labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            vec![text(&s.name), text(labels.join(", ")), text(s.value)]
        });
        self.list(&["METRIC", "LABELS", "VALUE"], rows, "series");
    }
}
