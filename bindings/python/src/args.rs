//! An operation's arguments as Python sends them: a JSON object, read field
//! by field, each error naming its field.

use std::time::Duration;

use serde_json::{Map, Value};
use taskqueue::{Error, TaskFilters};

/// The longest duration a call's argument may name: a year.
const MAX_SECONDS: f64 = 86_400.0 * 366.0;

/// The arguments object.
pub(crate) struct Args(Map<String, Value>);

impl Args {
    /// Reads `args`, which must be a JSON object.
    pub(crate) fn parse(args: &[u8]) -> Result<Args, Error> {
        match serde_json::from_slice(args) {
            Ok(Value::Object(map)) => Ok(Args(map)),
            Ok(_) => Err(Error::invalid_input("args", "must be a JSON object")),
            Err(e) => Err(Error::invalid_input("args", e.to_string())),
        }
    }

    /// Field `name` as a `T` (missing is `null`).
    pub(crate) fn field<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, Error> {
        let value = self.0.get(name).cloned().unwrap_or(Value::Null);
        serde_json::from_value(value).map_err(|e| Error::invalid_input(name, e.to_string()))
    }

    /// Field `name` as a number of seconds, `None` when missing or `null`.
    pub(crate) fn seconds(&self, name: &str) -> Result<Option<Duration>, Error> {
        match self.field::<Option<f64>>(name)? {
            None => Ok(None),
            Some(secs) if (0.0..=MAX_SECONDS).contains(&secs) => Ok(Some(Duration::from_secs_f64(secs))),
            Some(secs) => Err(Error::invalid_input(name, format!("{secs} is not a number of seconds"))),
        }
    }

    /// Field `name` as a number of seconds that must be there.
    pub(crate) fn required_seconds(&self, name: &str) -> Result<Duration, Error> {
        self.seconds(name)?
            .ok_or_else(|| Error::invalid_input(name, "a number of seconds is required"))
    }

    /// The `filters` field, validated.
    pub(crate) fn filters(&self) -> Result<TaskFilters, Error> {
        let filters: TaskFilters = self.field("filters")?;
        filters.validate()?;
        Ok(filters)
    }
}
