//! The command line: global options, commands and their arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  any other error (server error, unexpected response)
  2  usage error or invalid input (a bad id, an empty name, a validation error)
  3  not found (including deleting something already gone)
  4  authentication or authorization failed
  5  conflict (the task already finished, the project still has tasks)
  6  rate limited, after retries
  7  connection failed or timed out
  8  `tasks wait` timed out
  9  a waited task ended Failed or Cancelled (with --any: the first to finish)
  10 outcome unknown: a write may have been applied and could not be checked
     (the message says what to look at before running it again)

Settings come from flags, then environment variables, then the config file
($XDG_CONFIG_HOME/taskqueue/config.toml, or ~/.config/taskqueue/config.toml):

  base_url = \"http://localhost:8080\"   # top-level keys: the default profile
  format = \"table\"
  [profiles.staging]                      # --profile staging
  base_url = \"https://tq.staging.example\"
  token = \"…\"";

/// Command-line client for the Task Queue API.
#[derive(Debug, Parser)]
#[command(name = "taskqueue", version, about, long_about = None, after_long_help = EXIT_CODES)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Server URL (default http://localhost:8080; http://localhost:16080 with --dialect upstream).
    #[arg(long, global = true, env = "TASKQUEUE_BASE_URL", value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Bearer token.
    #[arg(
        long,
        global = true,
        env = "TASKQUEUE_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub(crate) token: Option<String>,
    /// API key (sent as X-API-Key when no token is given).
    #[arg(
        long,
        global = true,
        env = "TASKQUEUE_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub(crate) api_key: Option<String>,
    /// Wire dialect of the server: spec (documented API) or upstream (the public server).
    #[arg(long, global = true, env = "TASKQUEUE_DIALECT", value_name = "DIALECT")]
    pub(crate) dialect: Option<String>,
    /// Seconds one attempt may take.
    #[arg(long, global = true, env = "TASKQUEUE_HTTP_TIMEOUT", value_name = "SECS")]
    pub(crate) http_timeout: Option<f64>,
    /// Retries after a failed attempt (default 2, so 3 attempts in all).
    #[arg(long, global = true, env = "TASKQUEUE_RETRIES", value_name = "N")]
    pub(crate) retries: Option<u32>,
    /// Output: table (default on a terminal) or json (default otherwise).
    #[arg(long, global = true, env = "TASKQUEUE_FORMAT", value_enum)]
    pub(crate) format: Option<Format>,
    /// Allow a token or API key over plain http:// to a host other than this
    /// machine (refused by default: it would cross the network in clear text).
    #[arg(long, global = true, env = "TASKQUEUE_ALLOW_INSECURE_HTTP")]
    pub(crate) allow_insecure_http: bool,
    /// Profile of the config file to use.
    #[arg(long, global = true, env = "TASKQUEUE_PROFILE", value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// Config file (default $XDG_CONFIG_HOME/taskqueue/config.toml).
    #[arg(long, global = true, env = "TASKQUEUE_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Write every HTTP exchange of this command to FILE, one JSON object a
    /// line (credentials left out): a cassette for taskqueue::testing::Replay.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) record: Option<PathBuf>,
    /// Replace the --record cassette if it exists (default: refused).
    #[arg(long, global = true, requires = "record")]
    pub(crate) record_overwrite: bool,
    /// No progress bars or spinners (they are shown on a terminal only, on stderr).
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// Print each HTTP exchange to stderr (method, path, status, attempt,
    /// duration, request id), and request ids and bodies of errors.
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    /// Aligned columns for people.
    Table,
    /// The wire JSON, for scripts and jq.
    Json,
    /// One compact JSON value per line: a listing is one task per line,
    /// printed as it arrives (`tasks list --all`).
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create, inspect, change and wait for tasks.
    #[command(subcommand)]
    Tasks(TaskCommand),
    /// Create, inspect and change projects.
    #[command(subcommand)]
    Projects(ProjectCommand),
    /// Submit and inspect workflows (upstream servers: --dialect upstream).
    #[command(subcommand)]
    Workflows(WorkflowCommand),
    /// The server's task and workflow counts (upstream servers).
    Stats,
    /// The server's metrics (upstream servers).
    Metrics,
    /// Check that the server is up.
    Health,
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TaskCommand {
    /// Create a task.
    Create(TaskCreateArgs),
    /// Create tasks from a file (a JSON array or JSON lines; `-` for stdin).
    CreateBatch {
        /// The file.
        file: PathBuf,
        /// Creates in flight at once.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
        /// The batch's idempotency key: line N is created under `KEY/N`, so
        /// the same file run again with the same key (after a failure or a
        /// crash) creates only what is missing and prints the same tasks.
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Show a task.
    Get {
        /// The task's id.
        id: String,
    },
    /// List tasks.
    List(TaskListArgs),
    /// Change a task's fields.
    Update(TaskUpdateArgs),
    /// Cancel a task.
    Cancel {
        /// The task's id.
        id: String,
        /// Why it is cancelled.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Delete a task.
    Delete {
        /// The task's id.
        id: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        yes: bool,
    },
    /// Wait until a task finishes (or several: all of them, or the first), then show it (them).
    Wait {
        /// The tasks' ids.
        #[arg(required = true, num_args = 1..)]
        ids: Vec<String>,
        /// With several ids: wait for every one (the default).
        #[arg(long, conflicts_with = "any")]
        all: bool,
        /// With several ids: wait for the first to finish.
        #[arg(long)]
        any: bool,
        /// Give up after this many seconds (exit 8).
        #[arg(long, default_value_t = 300.0, value_name = "SECS")]
        timeout: f64,
    },
    /// Follow tasks as they are created, change and go: one JSON object a
    /// line when piped, a live view on a terminal.
    Watch(TaskWatchArgs),
    /// The status the server stores for a task (upstream servers).
    Status {
        /// The task's id.
        id: String,
    },
    /// A task's result, or null while it has none (upstream servers).
    Result {
        /// The task's id.
        id: String,
    },
    /// Queue a task again: stored status Pending, result cleared (upstream servers).
    Retry {
        /// The task's id.
        id: String,
        /// Also reset its retry count to 0.
        #[arg(long)]
        reset_retry_count: bool,
    },
    /// Change a task's priority (upstream servers).
    Priority {
        /// The task's id.
        id: String,
        /// Low, Normal, High or Critical.
        priority: String,
    },
    /// Add and list a task's dependencies (upstream servers).
    #[command(subcommand)]
    Deps(DepsCommand),
    /// The correlation ids of a task's dependencies (upstream servers).
    Correlations {
        /// The task's id.
        id: String,
    },
    /// Move a task to its next phase (upstream servers).
    Advance {
        /// The task's id.
        id: String,
    },
    /// Set a task's status along the server's workflow; a refused change exits 5 (upstream servers).
    SetStatus {
        /// The task's id.
        id: String,
        /// Planning, Implementation, TestCreation, Testing, AIReview, Finalized, Cancelled or Failed.
        status: String,
    },
    /// Create a task, or change the one of that name (upstream servers).
    Upsert(TaskUpsertArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum DepsCommand {
    /// Make task ID depend on DEPENDS_ON; one that would close a cycle is refused (exit 5).
    Add {
        /// The task that gets the dependency.
        id: String,
        /// The task it depends on.
        depends_on: String,
        /// When the dependency counts as met: success, failure or completion.
        #[arg(long, default_value = "success", value_name = "WHEN")]
        condition: String,
        /// Not required (met or not, the task may go on).
        #[arg(long)]
        optional: bool,
        /// A correlation group to file it under.
        #[arg(long, value_name = "X")]
        correlation_id: Option<String>,
        /// A name for the task depended on.
        #[arg(long, value_name = "N")]
        name: Option<String>,
    },
    /// List a task's dependencies.
    List {
        /// The task's id.
        id: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct TaskUpsertArgs {
    /// The name to match (and the new task's name).
    pub(crate) name: String,
    /// The command to run.
    pub(crate) command: String,
    /// The project it belongs to.
    #[arg(long, value_name = "P")]
    pub(crate) project_id: String,
    /// A description (the server requires one).
    #[arg(long, value_name = "D")]
    pub(crate) description: String,
    /// Low, Normal, High or Critical.
    #[arg(long, value_name = "P")]
    pub(crate) priority: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum WorkflowCommand {
    /// Submit a workflow of existing tasks from a JSON file (`-` for stdin):
    /// `{"name", "description", "tasks": [ids], "dependencies": [{"from", "to", "condition"}]}`.
    Submit {
        /// The file.
        file: PathBuf,
    },
    /// List workflows.
    List,
    /// Show a workflow and its tasks.
    Get {
        /// The workflow's id.
        id: String,
    },
    /// A workflow's status.
    Status {
        /// The workflow's id.
        id: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct TaskWatchArgs {
    /// Only tasks in this status.
    #[arg(long)]
    pub(crate) status: Option<String>,
    /// Only tasks of this project.
    #[arg(long, value_name = "ID")]
    pub(crate) project_id: Option<String>,
    /// Seconds between rounds after a change (they grow to 10 while nothing changes).
    #[arg(long, default_value_t = 0.5, value_name = "SECS")]
    pub(crate) interval: f64,
    /// Stop after this many seconds (exit 0).
    #[arg(long, value_name = "SECS")]
    pub(crate) timeout: Option<f64>,
    /// Stop after this many events (exit 0).
    #[arg(long, value_name = "N")]
    pub(crate) max_events: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct TaskCreateArgs {
    /// A short name.
    pub(crate) name: String,
    /// The command to run.
    pub(crate) command: String,
    /// The project it belongs to.
    #[arg(long, value_name = "ID")]
    pub(crate) project_id: String,
    /// An idempotency key (1–255 visible ASCII characters): run again with
    /// the same key, the command creates nothing twice and prints the same task.
    #[arg(long, value_name = "KEY")]
    pub(crate) idempotency_key: Option<String>,
    #[command(flatten)]
    pub(crate) fields: TaskFields,
}

/// The task fields `tasks create` sets and `tasks update` changes.
#[derive(Debug, Args)]
pub(crate) struct TaskFields {
    /// Free text.
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// Low, Normal, High or Critical.
    #[arg(long)]
    pub(crate) priority: Option<String>,
    /// Simple, Workflow or Scheduled.
    #[arg(long = "type", value_name = "TYPE")]
    pub(crate) task_type: Option<String>,
    /// Execution timeout in seconds.
    #[arg(long, value_name = "SECS")]
    pub(crate) timeout: Option<u64>,
    /// Execution retries (at most 100).
    #[arg(long, value_name = "N")]
    pub(crate) retry_attempts: Option<u32>,
    /// Seconds between execution retries.
    #[arg(long, value_name = "SECS")]
    pub(crate) retry_delay: Option<u64>,
    /// An acceptance criterion (repeatable; on update, replaces them all).
    #[arg(long = "criteria", value_name = "TEXT")]
    pub(crate) criteria: Vec<String>,
    /// An environment variable KEY=VALUE (repeatable; on update, replaces the environment).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub(crate) env: Vec<String>,
    /// Working directory for the command.
    #[arg(long, value_name = "DIR")]
    pub(crate) working_dir: Option<String>,
    /// Technical specification text.
    #[arg(long, value_name = "TEXT")]
    pub(crate) specs: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct TaskListArgs {
    /// Only tasks in this status.
    #[arg(long)]
    pub(crate) status: Option<String>,
    /// Only tasks of this project.
    #[arg(long, value_name = "ID")]
    pub(crate) project_id: Option<String>,
    /// Only tasks with this priority.
    #[arg(long)]
    pub(crate) priority: Option<String>,
    /// Only tasks of this type.
    #[arg(long = "type", value_name = "TYPE")]
    pub(crate) task_type: Option<String>,
    /// Only tasks created at or after this RFC 3339 time.
    #[arg(long, value_name = "TIME")]
    pub(crate) created_after: Option<String>,
    /// Only tasks created at or before this RFC 3339 time.
    #[arg(long, value_name = "TIME")]
    pub(crate) created_before: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[arg(long, value_name = "N")]
    pub(crate) limit: Option<u32>,
    /// Tasks to skip.
    #[arg(long, value_name = "N")]
    pub(crate) offset: Option<u64>,
    /// Every page, not just the first.
    #[arg(long)]
    pub(crate) all: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TaskUpdateArgs {
    /// The task's id.
    pub(crate) id: String,
    /// New name.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// New command.
    #[arg(long)]
    pub(crate) command: Option<String>,
    /// New status.
    #[arg(long)]
    pub(crate) status: Option<String>,
    #[command(flatten)]
    pub(crate) fields: TaskFields,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ProjectCommand {
    /// Create a project.
    Create(ProjectCreateArgs),
    /// Show a project.
    Get {
        /// The project's id.
        id: String,
    },
    /// List projects.
    List,
    /// Change a project's fields.
    Update(ProjectUpdateArgs),
    /// Delete a project no task references.
    Delete {
        /// The project's id.
        id: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ProjectCreateArgs {
    /// Its name.
    pub(crate) name: String,
    /// Free text.
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// When it is due (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub(crate) due_date: Option<String>,
    /// A tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub(crate) tags: Vec<String>,
    /// Initial status: Planning, Active, Completed, Cancelled or OnHold.
    #[arg(long)]
    pub(crate) status: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ProjectUpdateArgs {
    /// The project's id.
    pub(crate) id: String,
    /// New name.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// New description.
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// New status.
    #[arg(long)]
    pub(crate) status: Option<String>,
    /// New due date (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub(crate) due_date: Option<String>,
    /// Replace the tags (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub(crate) tags: Vec<String>,
}
