//! `Json`: a free-form JSON value kept as the text the server sent.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// A free-form JSON value — a task's `metadata`, `dependencies`, `result`,
/// `development_workflow`, a phase's `ai_reviews` — kept as the text the
/// server sent until it is asked for. Decoding it into a `serde_json::Value`
/// costs up to sixteen times its text (`[0,0,…]`: 2 bytes of body, 32 of
/// memory); kept as text it costs its text, so what a response can make the
/// SDK hold stays within a small multiple of the response.
///
/// Read it with [`get`](Json::get) (one key of an object),
/// [`to_value`](Json::to_value) or [`decode`](Json::decode) (into a type of
/// yours); make one with [`from_value`](Json::from_value) or `From<Value>`.
/// Two `Json`s are equal when their values are (whatever their spacing).
///
/// ```
/// use taskqueue_proto::Json;
/// let metadata = Json::from_value(&serde_json::json!({"team": "infra", "tags": ["a"]}));
/// assert_eq!(metadata.get("team"), Some(serde_json::json!("infra")));
/// assert!(!metadata.is_empty());
/// assert_eq!(metadata.as_str(), r#"{"tags":["a"],"team":"infra"}"#);
/// ```
#[derive(Clone)]
pub struct Json(Box<RawValue>);

impl Json {
    /// `value`, written as JSON.
    pub fn from_value(value: &Value) -> Json {
        let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
        Json::from_trusted(text)
    }

    /// JSON text this crate wrote itself (always valid).
    fn from_trusted(text: String) -> Json {
        match RawValue::from_string(text) {
            Ok(raw) => Json(raw),
            // Unreachable for text serde_json wrote; `null` rather than a panic.
            Err(_) => Json::null(),
        }
    }

    /// JSON `null`.
    pub fn null() -> Json {
        Json::literal("null")
    }

    /// An empty object, `{}`.
    pub fn empty_object() -> Json {
        Json::literal("{}")
    }

    /// An empty list, `[]`.
    pub fn empty_array() -> Json {
        Json::literal("[]")
    }

    fn literal(text: &'static str) -> Json {
        Json::from_trusted(text.to_owned())
    }

    /// The JSON text, as the server sent it.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The value, decoded now.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.as_str()).unwrap_or(Value::Null)
    }

    /// The value decoded as `T`.
    ///
    /// # Errors
    /// What serde says when the value is not a `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.as_str())
    }

    /// The value of `key`, when this is an object that has it.
    pub fn get(&self, key: &str) -> Option<Value> {
        match self.to_value() {
            Value::Object(mut map) => map.remove(key),
            _ => None,
        }
    }

    /// Whether this is `null`, `{}` or `[]`.
    pub fn is_empty(&self) -> bool {
        match self.to_value() {
            Value::Null => true,
            Value::Object(map) => map.is_empty(),
            Value::Array(items) => items.is_empty(),
            _ => false,
        }
    }

    /// How many items a list, or entries an object, holds (else 0).
    pub fn len(&self) -> usize {
        match self.to_value() {
            Value::Object(map) => map.len(),
            Value::Array(items) => items.len(),
            _ => 0,
        }
    }

    /// The items, when this is a list.
    pub fn as_array(&self) -> Option<Vec<Value>> {
        match self.to_value() {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }
}

impl From<Value> for Json {
    fn from(value: Value) -> Json {
        Json::from_value(&value)
    }
}

impl From<serde_json::Map<String, Value>> for Json {
    fn from(map: serde_json::Map<String, Value>) -> Json {
        Json::from_value(&Value::Object(map))
    }
}

impl From<Vec<Value>> for Json {
    fn from(items: Vec<Value>) -> Json {
        Json::from_value(&Value::Array(items))
    }
}

impl From<&Json> for Value {
    fn from(json: &Json) -> Value {
        json.to_value()
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Json) -> bool {
        self.as_str() == other.as_str() || self.to_value() == other.to_value()
    }
}

impl PartialEq<Value> for Json {
    fn eq(&self, other: &Value) -> bool {
        &self.to_value() == other
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// The deepest nesting a `Json` may hold: serde_json's own limit for a
/// value, so that what is kept can always be read back.
const MAX_DEPTH: usize = 128;

/// What a scan of JSON text finds, strings skipped: how deep it nests, and
/// how many items its top-level array holds (0 for anything else). A hint
/// read without decoding; the decode still checks everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) deepest: usize,
    pub(crate) items: usize,
}

/// Scans `text` for its [`Shape`].
pub(crate) fn shape(text: &[u8]) -> Shape {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    let (mut commas, mut any) = (0usize, false);
    for &b in text {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                any |= depth == 1;
            }
            b'[' | b'{' => {
                any |= depth == 1;
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => commas += 1,
            b if depth == 1 && !b.is_ascii_whitespace() => any = true,
            _ => {}
        }
    }
    let array = text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    Shape {
        deepest,
        items: if array && any { commas + 1 } else { 0 },
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        if shape(raw.get().as_bytes()).deepest > MAX_DEPTH {
            return Err(serde::de::Error::custom(format!(
                "recursion limit exceeded: nested deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(Json(raw))
    }
}

/// A free-form field that servers may send as `null` for "empty": `null`
/// (or absent) reads as `empty`.
pub(crate) fn or_empty<'de, D: Deserializer<'de>>(deserializer: D, empty: fn() -> Json) -> Result<Json, D::Error> {
    let json = Json::deserialize(deserializer)?;
    Ok(if json.as_str().trim() == "null" { empty() } else { json })
}

/// `or_empty` with `{}`.
pub(crate) fn object_or_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
    or_empty(deserializer, Json::empty_object)
}

/// `or_empty` with `[]`.
pub(crate) fn array_or_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
    or_empty(deserializer, Json::empty_array)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_counts_top_level_items_outside_strings_and_nested_values() {
        let count = |text: &[u8]| shape(text).items;
        assert_eq!(count(br#"[{"a":[1,2],"b":"x,]\","},{"c":{"d":[3]}},7]"#), 3);
        assert_eq!(count(b"[ ]"), 0);
        assert_eq!(count(b"[\n\n]"), 0);
        assert_eq!(count(b"[1]"), 1);
        assert_eq!(count(b"{\"a\":1,\"b\":2}"), 0);
        assert_eq!(shape(b"[[[]]]").deepest, 3);
    }

    #[test]
    fn nesting_past_serde_jsons_limit_is_refused() {
        let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
        let err = serde_json::from_str::<Json>(&deep).unwrap_err();
        assert!(err.to_string().contains("recursion limit"), "{err}");
        let fine = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(serde_json::from_str::<Json>(&fine).unwrap().to_value().is_array());
        assert!(serde_json::from_str::<Json>(r#"{"a":"[[[[[[ in a string"}"#).is_ok());
    }

    #[test]
    fn kept_as_sent_equal_by_value_and_round_trips() {
        let a: Json = serde_json::from_str(r#"{ "b": [1, 2],  "a": null }"#).unwrap();
        assert_eq!(a.as_str(), r#"{ "b": [1, 2],  "a": null }"#, "the text as sent");
        let b = Json::from_value(&serde_json::json!({"a": null, "b": [1, 2]}));
        assert_eq!(a, b, "equal by value");
        assert_eq!(serde_json::to_string(&a).unwrap(), a.as_str());
        assert_eq!(a.get("b"), Some(serde_json::json!([1, 2])));
        assert_eq!(a.len(), 2);
        assert!(Json::empty_array().is_empty() && Json::null().is_empty());
        let numbers: Vec<u32> = Json::from_value(&serde_json::json!([3, 4])).decode().unwrap();
        assert_eq!(numbers, [3, 4]);
    }
}
