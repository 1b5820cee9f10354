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
    toml::from_str(&text).map_err(|e| Error::invalid_input("config", format!("{}: {e}", path.display())))
}

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
            // A profile inherits the top-level settings it does not set.
            merge(chosen, file.default)
        }
        None => file.default,
    };

    let dialect: Dialect = match global.dialect.as_deref().or(profile.dialect.as_deref()) {
        Some(d) => d.parse()?,
        None => Dialect::default(),
    };
    let mut builder = Config::builder().dialect(dialect);
    if let Some(url) = global.base_url.clone().or(profile.base_url) {
        builder = builder.base_url(url);
    } else {
        builder = builder.base_url(dialect.default_base_url());
    }
    if let Some(token) = global.token.clone().or(profile.token) {
        builder = builder.token(token);
    }
    if let Some(key) = global.api_key.clone().or(profile.api_key) {
        builder = builder.api_key(key);
    }
    if let Some(secs) = global.http_timeout.or(profile.http_timeout) {
        let timeout = Duration::try_from_secs_f64(secs)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                Error::invalid_input("http_timeout", format!("{secs} is not a positive number of seconds"))
            })?;
        builder = builder.timeout(timeout);
    }
    if let Some(retries) = global.retries.or(profile.retries) {
        builder = builder.retry_policy(RetryPolicy::default().max_attempts(retries.saturating_add(1)));
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

fn merge(over: Profile, under: Profile) -> Profile {
    Profile {
        base_url: over.base_url.or(under.base_url),
        token: over.token.or(under.token),
        api_key: over.api_key.or(under.api_key),
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
            quiet: false,
            verbose: false,
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
