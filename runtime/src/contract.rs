//! The contract at the boundary (events.md step 6): the entity's declared
//! fields, read from the configuration's JSON Schema of the entity.
//!
//! - on an `upsert` event every `required` field is present (`null` counts
//!   as absent);
//! - on events, requests and states every declared field present has its
//!   declared type: `integer` a number with no fractional part, `number` any
//!   number, `string`, `boolean`, `date` as `YYYY-MM-DD`, `datetime` as
//!   RFC 3339, `enum` one of its values;
//! - a field the entity does not declare passes and is reported as drift.
//!
//! Declared fields are the first slots of the entity's slot table (see
//! [`crate::expr::SlotTable`]), so the values the decision resolves once for
//! its rules serve the contract too; undeclared fields are found only when
//! the record has more fields than the declared ones present (no cost on a
//! record that keeps to its contract).

use crate::expr::{get_field, SlotTable};
use crate::time::parse_rfc3339_ms;
use serde_json::{Map, Value};

/// A declared field type.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    String,
    Integer,
    Number,
    Boolean,
    Date,
    Datetime,
    Enum(Vec<String>),
    /// A type the model does not write (a hand-made configuration): the
    /// field is declared (no drift) and not checked.
    Any,
}

impl FieldKind {
    fn name(&self) -> &'static str {
        match self {
            FieldKind::String => "a string",
            FieldKind::Integer => "an integer",
            FieldKind::Number => "a number",
            FieldKind::Boolean => "a boolean",
            FieldKind::Date => "a date (YYYY-MM-DD)",
            FieldKind::Datetime => "a datetime (RFC 3339)",
            FieldKind::Enum(_) => "one of the enum values",
            FieldKind::Any => "any value",
        }
    }

    /// Whether `v` (not null) fits.
    fn fits(&self, v: &Value) -> bool {
        match (self, v) {
            (FieldKind::String, Value::String(_)) => true,
            (FieldKind::Integer, Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            (FieldKind::Number, Value::Number(_)) => true,
            (FieldKind::Boolean, Value::Bool(_)) => true,
            (FieldKind::Date, Value::String(s)) => is_date(s),
            (FieldKind::Datetime, Value::String(s)) => parse_rfc3339_ms(s).is_some(),
            (FieldKind::Enum(values), Value::String(s)) => values.iter().any(|x| x == s),
            (FieldKind::Any, _) => true,
            _ => false,
        }
    }
}

fn is_date(s: &str) -> bool {
    // A date is a datetime's first ten characters.
    s.len() == 10 && parse_rfc3339_ms(&format!("{s}T00:00:00Z")).is_some()
}

/// One declared field.
#[derive(Debug, Clone)]
pub struct Declared {
    pub name: String,
    pub kind: FieldKind,
    pub required: bool,
    /// Its slot in the entity's slot table.
    pub slot: usize,
}

/// The declared fields of one entity.
#[derive(Debug, Clone, Default)]
pub struct Contract {
    pub fields: Vec<Declared>,
}

/// Why a record breaks the contract: the field and what was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    pub field: String,
    pub detail: String,
}

impl Contract {
    /// Reads the declared fields from an entity's JSON Schema (as export
    /// writes it: `properties` with `type`, `format` date / date-time and
    /// `enum`; `required`), registering each as a slot, in schema order.
    pub fn from_schema(schema: &Value, slots: &mut SlotTable) -> Contract {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields = Vec::new();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, p) in props {
                let kind = match (
                    p.get("type").and_then(Value::as_str),
                    p.get("format").and_then(Value::as_str),
                    p.get("enum").and_then(Value::as_array),
                ) {
                    (_, _, Some(values)) => FieldKind::Enum(
                        values
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect(),
                    ),
                    (Some("string"), Some("date"), _) => FieldKind::Date,
                    (Some("string"), Some("date-time"), _) => FieldKind::Datetime,
                    (Some("string"), _, _) => FieldKind::String,
                    (Some("integer"), _, _) => FieldKind::Integer,
                    (Some("number"), _, _) => FieldKind::Number,
                    (Some("boolean"), _, _) => FieldKind::Boolean,
                    // Not a type the model writes: declared, not checked.
                    _ => FieldKind::Any,
                };
                fields.push(Declared {
                    name: name.clone(),
                    kind,
                    required: required.contains(&name.as_str()),
                    slot: slots.slot(name),
                });
            }
        }
        Contract { fields }
    }

    /// Checks a record. `slots` are the record's resolved slot values (as
    /// many as were resolved; fields past them are looked up by name);
    /// `upsert`: required fields are checked too. Returns the first breach,
    /// in declaration order.
    pub fn check(
        &self,
        slots: &[Option<&Value>],
        data: &Map<String, Value>,
        upsert: bool,
    ) -> Option<Breach> {
        for f in &self.fields {
            let v = match slots.get(f.slot) {
                Some(v) => *v,
                None => get_field(data, &f.name),
            };
            match v {
                None | Some(Value::Null) => {
                    if upsert && f.required {
                        return Some(Breach {
                            field: f.name.clone(),
                            detail: format!("required field `{}` is missing", f.name),
                        });
                    }
                }
                Some(v) if f.kind.fits(v) => {}
                Some(v) => {
                    let detail = match &f.kind {
                        FieldKind::Enum(values) => format!(
                            "field `{}` must be one of {}, found {}",
                            f.name,
                            values.join(", "),
                            shown(v)
                        ),
                        kind => format!(
                            "field `{}` must be {}, found {}",
                            f.name,
                            kind.name(),
                            shown(v)
                        ),
                    };
                    return Some(Breach {
                        field: f.name.clone(),
                        detail,
                    });
                }
            }
        }
        None
    }

    /// The fields of `data` the entity does not declare, in record order.
    /// Cheap when there are none: the declared fields present are counted
    /// from the resolved slots first.
    pub fn undeclared<'d>(
        &self,
        slots: &[Option<&Value>],
        data: &'d Map<String, Value>,
    ) -> Vec<&'d str> {
        if data.is_empty() {
            return Vec::new();
        }
        let all_resolved = self.fields.iter().all(|f| f.slot < slots.len());
        if all_resolved {
            let present = self
                .fields
                .iter()
                .filter(|f| slots[f.slot].is_some())
                .count();
            if present == data.len() {
                return Vec::new();
            }
        }
        data.keys()
            .filter(|k| !self.fields.iter().any(|f| f.name == **k))
            .map(String::as_str)
            .collect()
    }
}

/// A found value for a message: short, JSON as written.
fn shown(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use serde_json::json;

    fn contract() -> (Contract, SlotTable) {
        let schema = json!({
            "properties": {
                "sku": {"type": "string"},
                "quantity": {"type": "integer"},
                "price": {"type": "number"},
                "held": {"type": "boolean"},
                "day": {"type": "string", "format": "date"},
                "at": {"type": "string", "format": "date-time"},
                "status": {"type": "string", "enum": ["open", "held"]}
            },
            "required": ["sku", "quantity"]
        });
        let mut slots = SlotTable::default();
        (Contract::from_schema(&schema, &mut slots), slots)
    }

    fn check(data: Value, upsert: bool) -> Option<Breach> {
        let (c, t) = contract();
        let m = data.as_object().unwrap().clone();
        let mut slots = vec![None; t.len()];
        crate::expr::resolve_slots(&t, &m, &mut slots);
        c.check(&slots, &m, upsert)
    }

    #[test]
    fn good_records_pass() {
        let good = json!({"sku": "A", "quantity": 3, "price": 3, "held": false,
            "day": "2026-03-01", "at": "2026-03-01T10:00:00+01:00", "status": "open"});
        assert_eq!(check(good, true), None);
        assert_eq!(check(json!({"sku": "A", "quantity": 3.0}), true), None);
        // Required fields only on upserts; null is absent.
        assert_eq!(check(json!({"quantity": null}), false), None);
    }

    #[test]
    fn breaches_name_the_field_and_what_was_found() {
        let b = check(json!({"sku": "A"}), true).unwrap();
        assert_eq!(b.field, "quantity");
        assert!(b.detail.contains("required"), "{}", b.detail);
        let b = check(json!({"sku": "A", "quantity": null}), true).unwrap();
        assert_eq!(b.field, "quantity");
        let b = check(json!({"sku": "A", "quantity": 2.5}), true).unwrap();
        assert_eq!(b.detail, "field `quantity` must be an integer, found 2.5");
        let b = check(json!({"sku": 7, "quantity": 1}), false).unwrap();
        assert_eq!(b.detail, "field `sku` must be a string, found 7");
        let b = check(json!({"status": "lost"}), false).unwrap();
        assert_eq!(
            b.detail,
            "field `status` must be one of open, held, found \"lost\""
        );
        for (field, value) in [
            ("day", json!("2026-02-30")),
            ("day", json!("2026-03-01T00:00:00Z")),
            ("at", json!("yesterday")),
            ("held", json!("true")),
            ("price", json!("3")),
        ] {
            let b = check(json!({ field: value }), false).unwrap();
            assert_eq!(b.field, field);
        }
    }

    #[test]
    fn undeclared_fields_are_drift() {
        let (c, t) = contract();
        let m = json!({"sku": "A", "qty": 3, "quantity": 1, "note": null})
            .as_object()
            .unwrap()
            .clone();
        let mut slots = vec![None; t.len()];
        crate::expr::resolve_slots(&t, &m, &mut slots);
        assert_eq!(c.undeclared(&slots, &m), ["qty", "note"]);
        let m = json!({"sku": "A"}).as_object().unwrap().clone();
        let mut slots = vec![None; t.len()];
        crate::expr::resolve_slots(&t, &m, &mut slots);
        assert!(c.undeclared(&slots, &m).is_empty());
    }
}
