//! JSON Schemas (draft 2020-12) of the model and config formats, generated
//! from the Rust types with schemars, then tightened where the types alone
//! cannot say it: the exact `format`, the id slug pattern, the digest form.
//!
//! The generated files are checked in under `schemas/`; a test regenerates
//! them and fails when they differ. To refresh them after changing the types:
//! `CHARTER_BLESS=1 cargo nextest run -p charter-model schema`.

use crate::config::{Config, CONFIG_FORMAT};
use crate::model::{Model, MODEL_FORMAT};
use serde_json::{json, Map, Value};

/// The id slug pattern (model-format.md).
pub const ID_PATTERN: &str = "^[a-z0-9][a-z0-9_-]{0,63}$";
/// The form of a configuration's `digest`.
pub const DIGEST_PATTERN: &str = "^sha256:[0-9a-f]{64}$";
/// The form of a configuration's `generator`.
pub const GENERATOR_PATTERN: &str = "^charter [0-9]+\\.[0-9]+\\.[0-9]+";

/// File name of the model schema under `schemas/`.
pub const MODEL_SCHEMA_FILE: &str = "charter-model-1.schema.json";
/// File name of the config schema under `schemas/`.
pub const CONFIG_SCHEMA_FILE: &str = "charter-config-1.schema.json";

/// Keys of a configuration whose string values (or list items) are ids of
/// systems, entities or flows.
const CONFIG_REFERENCE_KEYS: &[&str] = &[
    "id",
    "owner",
    "copies",
    "entity",
    "from",
    "to",
    "flow",
    "systems",
    "environment",
];

/// JSON Schema of `charter-model/1`.
pub fn model_schema() -> Value {
    let mut schema = schemars::schema_for!(Model).to_value();
    if let Some(root) = schema.as_object_mut() {
        root.insert("title".into(), json!(MODEL_FORMAT));
        set_property(root, "format", json!({ "const": MODEL_FORMAT }));
        if let Some(items) = property_mut(root, "environments").and_then(|p| p.get_mut("items")) {
            add_pattern(items, ID_PATTERN);
        }
    }
    // Only ids are slugs for the reader; references are checked by `check`.
    walk(&mut schema, &mut |obj| patternize(obj, &["id"], ID_PATTERN));
    header_first(schema)
}

/// JSON Schema of `charter-config/1`.
pub fn config_schema() -> Value {
    let mut schema = schemars::schema_for!(Config).to_value();
    // A configuration comes from a model without errors: its ids and every
    // reference to them are slugs.
    walk(&mut schema, &mut |obj| {
        patternize(obj, CONFIG_REFERENCE_KEYS, ID_PATTERN)
    });
    if let Some(root) = schema.as_object_mut() {
        root.insert("title".into(), json!(CONFIG_FORMAT));
        set_property(root, "format", json!({ "const": CONFIG_FORMAT }));
        if let Some(p) = property_mut(root, "digest") {
            add_pattern(p, DIGEST_PATTERN);
        }
        if let Some(p) = property_mut(root, "generator") {
            add_pattern(p, GENERATOR_PATTERN);
        }
    }
    if let Some(p) = schema
        .pointer_mut("/$defs/ConfigEntity/properties/schema")
        .and_then(Value::as_object_mut)
    {
        p.insert("type".into(), json!("object"));
    }
    header_first(schema)
}

/// `$schema` and `title` first, for readers of the file.
fn header_first(schema: Value) -> Value {
    let Value::Object(mut root) = schema else {
        return schema;
    };
    let mut out = Map::new();
    for key in ["$schema", "title"] {
        if let Some(v) = root.shift_remove(key) {
            out.insert(key.into(), v);
        }
    }
    out.extend(root);
    Value::Object(out)
}

/// The text of a schema file: pretty JSON, 2-space indentation, trailing newline.
pub fn to_text(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The text of `schemas/charter-model-1.schema.json`.
pub fn model_schema_text() -> String {
    to_text(&model_schema())
}

/// The text of `schemas/charter-config-1.schema.json`.
pub fn config_schema_text() -> String {
    to_text(&config_schema())
}

fn property_mut<'a>(obj: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Value> {
    obj.get_mut("properties")
        .and_then(Value::as_object_mut)
        .and_then(|p| p.get_mut(key))
}

/// Replaces a property's schema, keeping its description.
fn set_property(obj: &mut Map<String, Value>, key: &str, mut schema: Value) {
    if let Some(slot) = property_mut(obj, key) {
        if let (Some(desc), Some(new)) = (slot.get("description").cloned(), schema.as_object_mut())
        {
            new.insert("description".into(), desc);
        }
        *slot = schema;
    }
}

/// Calls `f` on every object schema in `schema`, depth first.
fn walk(schema: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    match schema {
        Value::Object(obj) => {
            f(obj);
            for v in obj.values_mut() {
                walk(v, f);
            }
        }
        Value::Array(items) => {
            for v in items {
                walk(v, f);
            }
        }
        _ => {}
    }
}

/// Adds `pattern` to the named string properties (and to the items of the
/// named lists of strings) of an object schema.
fn patternize(obj: &mut Map<String, Value>, keys: &[&str], pattern: &str) {
    let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for key in keys {
        let Some(prop) = props.get_mut(*key) else {
            continue;
        };
        if is_type(prop, "string") {
            add_pattern(prop, pattern);
        } else if is_type(prop, "array") {
            if let Some(items) = prop.get_mut("items") {
                if is_type(items, "string") {
                    add_pattern(items, pattern);
                }
            }
        }
    }
}

/// Is `ty` the schema's type, or one of its types (`["string", "null"]`)?
fn is_type(schema: &Value, ty: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == ty,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == ty),
        _ => false,
    }
}

fn add_pattern(schema: &mut Value, pattern: &str) {
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("pattern".into(), json!(pattern));
    }
}
