//! A budget on decoded untyped JSON. The models keep their free-form fields
//! as text ([`Json`](super::Json)); what the SDK itself still decodes into a
//! `serde_json::Value` — an error's `details`, the public server's
//! acknowledgements, a task read raw to embed in a workflow, a task result —
//! goes through [`Budgeted`]: decoded naively, `[0,0,…]` takes 16 bytes of
//! memory for every 2 bytes of body. While a body is decoded
//! ([`within_budget`]) each value is charged what it will take in memory;
//! past twice the body's size (plus a constant) the decode fails with a
//! typed error naming the field.

use std::cell::Cell;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The budget every body gets whatever its size: small answers never hit it.
const FLOOR: u64 = 8 << 20;

/// What one JSON value costs in memory at the worst moment: a
/// `serde_json::Value` is 32 bytes, and a list that grows by doubling holds
/// its old and its new buffer (up to three times its length) while it moves.
const VALUE_COST: u64 = 96;
/// What a map's first entry costs (its B-tree node), and each entry.
const MAP_COST: u64 = 512;
const ENTRY_COST: u64 = 64;

thread_local! {
    /// Bytes of free-form values still allowed for the body being decoded;
    /// `None` outside [`within_budget`] (no limit).
    static LEFT: Cell<Option<u64>> = const { Cell::new(None) };
}

/// How many times the body's size free-form values may take.
const BODY_MULTIPLE: u64 = 2;

/// Runs `decode` with a budget for a body of `body_len` bytes:
/// [`BODY_MULTIPLE`] times the body, at least [`FLOOR`].
pub(crate) fn within_budget<R>(body_len: usize, decode: impl FnOnce() -> R) -> R {
    let budget = (body_len as u64).saturating_mul(BODY_MULTIPLE).max(FLOOR);
    let outer = LEFT.with(|left| left.replace(Some(budget)));
    let result = decode();
    LEFT.with(|left| left.set(outer));
    result
}

/// Charges `cost` bytes; an error once the budget is spent.
fn charge<E: de::Error>(cost: u64) -> Result<(), E> {
    LEFT.with(|left| match left.get() {
        None => Ok(()),
        Some(n) if n >= cost => {
            left.set(Some(n - cost));
            Ok(())
        }
        Some(_) => Err(E::custom(
            "the free-form JSON here would take more memory than the decoded-memory budget allows \
             (twice the body's size): refused",
        )),
    })
}

/// A `serde_json::Value` decoded under the budget.
pub(crate) struct Budgeted(pub(crate) Value);

impl<'de> serde::Deserialize<'de> for Budgeted {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BudgetedVisitor).map(Budgeted)
    }
}

struct BudgetedVisitor;

impl<'de> Visitor<'de> for BudgetedVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        charge(VALUE_COST)?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        charge(VALUE_COST)?;
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        charge(VALUE_COST)?;
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        charge(VALUE_COST)?;
        Ok(Value::from(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        charge(VALUE_COST + v.len() as u64)?;
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        charge(VALUE_COST + v.len() as u64)?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        charge(VALUE_COST)?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(BudgetedVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        charge(VALUE_COST)?;
        let mut items = Vec::new();
        while let Some(Budgeted(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        charge(VALUE_COST)?;
        let mut entries = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let node = if entries.is_empty() { MAP_COST } else { 0 };
            charge(node + ENTRY_COST + key.len() as u64)?;
            let Budgeted(value) = map.next_value()?;
            entries.insert(key, value);
        }
        Ok(Value::Object(entries))
    }
}

/// `Option<Value>` under the budget (`null` is `None`).
pub(crate) fn optional_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Ok(Option::<Budgeted>::deserialize(deserializer)?.map(|b| b.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "optional_value")]
        value: Option<Value>,
    }

    #[test]
    fn values_decode_as_serde_json_does() {
        let text = r#"{"value":[1,-2,2.5,"s",null,true,[{}],{"a":{"b":[1]}}]}"#;
        let held: Holder = within_budget(text.len(), || serde_json::from_str(text)).unwrap();
        let plain: Value = serde_json::from_str(text).unwrap();
        assert_eq!(held.value.unwrap(), plain["value"]);
        let empty: Holder = serde_json::from_str(r#"{"value":null}"#).unwrap();
        assert!(empty.value.is_none());
    }

    #[test]
    fn past_the_budget_the_decode_fails_and_outside_it_nothing_is_counted() {
        let text = format!("{{\"value\":[{}0]}}", "0,".repeat(400_000));
        let refused = within_budget(1_000, || serde_json::from_str::<Holder>(&text));
        let err = refused
            .err()
            .expect("over the floor of 8 MiB: 400 000 values × 96 bytes");
        assert!(err.to_string().contains("decoded-memory budget"), "{err}");
        assert!(
            serde_json::from_str::<Holder>(&text).is_ok(),
            "no budget outside a decode"
        );
        assert!(within_budget(text.len() * 40, || serde_json::from_str::<Holder>(&text)).is_ok());
    }
}
