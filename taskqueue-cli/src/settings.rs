//! Where settings come from: flags beat environment variables (clap reads
//! both), which beat the config file's profile, which beats the defaults.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use taskqueue_proto::{Config, Dialect, Error, RetryPolicy};

use crate::cli::{Format, Global};

/// One profile of the config file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    base_url: Option<String>,
    token: Option<String>,
    api_key: Option<String>,
    dialect: Option<String>,
    format: Option<Format>,
    http_timeout: Option<f64>,
    retries: Option<u32>,
    /// Allows a credential over plain `http://` to a host other than this machine.
    allow_insecure_http: Option<bool>,
}

impl Profile {
    fn has_credential(&self) -> bool {
        self.token.is_some() || self.api_key.is_some()
    }
}

/// The config file: top-level keys are the default profile; `[profiles.NAME]` the others.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(flatten)]
    default: Profile,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// Everything a command needs to run.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) config: Config,
    pub(crate) format: Format,
    pub(crate) verbose: bool,
}

fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("taskqueue").join("config.toml"))
}

fn read_file(path: &Path, explicit: bool) -> Result<File, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        // A missing default file is normal; a missing file the user named is not.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(File::default()),
        Err(e) => {
            return Err(Error::invalid_input(
                "config",
                format!("cannot read {}: {e}", path.display()),
            ));
        }
    };
    let file: File = toml::from_str(&text).map_err(|e| parse_error(path, &text, &e))?;
    if file.default.has_credential() || file.profiles.values().any(Profile::has_credential) {
        warn_if_readable_by_others(path);
    }
    Ok(file)
}

/// A config file's syntax error: the line and the key, never the line's
/// text (it may be `token = s3cr3t` with its quotes forgotten).
fn parse_error(path: &Path, text: &str, e: &toml::de::Error) -> Error {
    let message = e.message().lines().next().unwrap_or("invalid TOML").to_owned();
    let Some(span) = e.span() else {
        return Error::invalid_input("config", format!("{}: {message}", path.display()));
    };
    let before = &text[..span.start.min(text.len())];
    let line_no = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or_default();
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || "_-.\"'".contains(c)));
    let at = match key {
        Some(key) => format!("line {line_no}, key `{}`", key.trim_matches(['"', '\''])),
        None => format!("line {line_no}"),
    };
    Error::invalid_input("config", format!("{}: {at}: {message}", path.display()))
}

/// Warns once when a config file holding a credential can be read by others.
#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        eprintln!(
            "warning: {} holds a token or API key and can be read by other users (mode {:o}); run chmod 600 on it",
            crate::terminal::safe(&path.display().to_string()),
            meta.permissions().mode() & 0o777
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// Merges flags/env, the config file and the defaults.
pub(crate) fn resolve(global: &Global) -> Result<Settings, Error> {
    let (path, explicit) = match &global.config {
        Some(p) => (Some(p.clone()), true),
        None => (default_config_path(), false),
    };
    let mut file = match &path {
        Some(p) => read_file(p, explicit)?,
        None => File::default(),
    };
    let profile = match &global.profile {
        Some(name) => {
            let chosen = file.profiles.remove(name).ok_or_else(|| {
                let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
                Error::invalid_input(
                    "profile",
                    format!(
                        "no profile {name:?} in the config file (profiles: {})",
                        known.join(", ")
                    ),
                )
            })?;
            // A profile inherits the top-level settings it does not set —
            // but credentials only go with the host they were given for.
            merge(chosen, file.default)
        }
        None => file.default,
    };

    let dialect: Dialect = match global.dialect.as_deref().or(profile.dialect.as_deref()) {
        Some(d) => d.parse()?,
        None => Dialect::default(),
    };
    let file_url = profile
        .base_url
        .clone()
        .unwrap_or_else(|| dialect.default_base_url().to_owned());
    let url = global.base_url.clone().unwrap_or_else(|| file_url.clone());
    let mut builder = Config::builder().dialect(dialect).base_url(url.clone());
    if global.token.is_some() || global.api_key.is_some() {
        // The user's own choice, for whatever host they named.
        if let Some(token) = global.token.clone() {
            builder = builder.token(token);
        }
        if let Some(key) = global.api_key.clone() {
            builder = builder.api_key(key);
        }
    } else if profile.has_credential() {
        // A credential of the file goes only to the host it was given for.
        let (theirs, ours) = (host_of(&file_url), host_of(&url));
        if theirs != ours {
            return Err(Error::invalid_input(
                "base_url",
                format!(
                    "the config file's credential is for {theirs}, not {ours}: pass --token or --api-key for {ours}, \
                     or choose the profile of that host"
                ),
            ));
        }
        if let Some(token) = profile.token {
            builder = builder.token(token);
        }
        if let Some(key) = profile.api_key {
            builder = builder.api_key(key);
        }
    }
    if global.allow_insecure_http || profile.allow_insecure_http.unwrap_or(false) {
        builder = builder.allow_insecure_http(true);
    }
    if let Some(secs) = global.http_timeout.or(profile.http_timeout) {
        let timeout = Duration::try_from_secs_f64(secs)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                Error::invalid_input("http_timeout", format!("{secs} is not a positive number of seconds"))
            })?;
        builder = builder.attempt_timeout(timeout);
    }
    if let Some(retries) = global.retries.or(profile.retries) {
        builder = builder.retry_policy(RetryPolicy::default().with_max_attempts(retries.saturating_add(1)));
    }
    let format = global
        .format
        .or(profile.format)
        .unwrap_or(if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        });
    Ok(Settings {
        config: builder.build()?,
        format,
        verbose: global.verbose,
    })
}

/// `scheme://host:port` of a URL, for telling which host a credential belongs to.
fn host_of(url: &str) -> String {
    match url.trim().parse::<http::Uri>() {
        Ok(uri) => {
            let scheme = uri.scheme_str().unwrap_or("http");
            let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
            format!("{scheme}://{}:{port}", uri.host().unwrap_or_default())
        }
        Err(_) => url.to_owned(),
    }
}

/// `over` with what it leaves unset taken from `under` — except the
/// credentials: a profile that names its own server, or carries its own
/// credential, inherits neither the top level's token nor its API key (a
/// production token must not follow a profile to its dev host, nor outrank
/// the profile's own key).
fn merge(over: Profile, under: Profile) -> Profile {
    let inherits_credentials = over.base_url.is_none() && !over.has_credential();
    let (token, api_key) = if inherits_credentials {
        (under.token, under.api_key)
    } else {
        (over.token, over.api_key)
    };
    Profile {
        base_url: over.base_url.or(under.base_url),
        token,
        api_key,
        allow_insecure_http: over.allow_insecure_http.or(under.allow_insecure_http),
        dialect: over.dialect.or(under.dialect),
        format: over.format.or(under.format),
        http_timeout: over.http_timeout.or(under.http_timeout),
        retries: over.retries.or(under.retries),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_has_a_default_profile_and_named_ones() {
        let file: File = toml::from_str(
            "base_url = \"http://a\"\nformat = \"json\"\n[profiles.b]\nbase_url = \"http://b\"\ntoken = \"t\"\n",
        )
        .unwrap();
        assert_eq!(file.default.base_url.as_deref(), Some("http://a"));
        let b = merge(file.profiles["b"].clone(), file.default);
        assert_eq!(b.base_url.as_deref(), Some("http://b"));
        assert_eq!(b.format, Some(Format::Json), "inherited from the top level");
    }

    #[test]
    fn the_upstream_dialect_defaults_to_port_16080() {
        // Built by hand, not parsed, so that TASKQUEUE_* variables of the
        // environment the tests run in cannot change the answer.
        let empty = std::env::temp_dir().join(format!("taskqueue-cli-empty-{}.toml", std::process::id()));
        std::fs::write(&empty, "").unwrap();
        let global = Global {
            base_url: None,
            token: None,
            api_key: None,
            dialect: Some("upstream".into()),
            http_timeout: None,
            retries: None,
            format: Some(Format::Json),
            profile: None,
            config: Some(empty),
            record: None,
            record_overwrite: false,
            quiet: false,
            verbose: false,
            allow_insecure_http: false,
        };
        let settings = resolve(&global).unwrap();
        assert_eq!(settings.config.base_url(), "http://localhost:16080");
        assert_eq!(settings.config.dialect(), Dialect::Upstream);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(toml::from_str::<File>("base_ur = \"x\"").is_err());
    }
}
