//! The JSON Schemas under `schemas/` are generated from the Rust types; these
//! tests regenerate them and compare. To refresh them after changing the
//! types: `CHARTER_BLESS=1 cargo nextest run -p charter-model schema`.
//!
//! Every sample model validates against the model schema, and every exported
//! configuration (each sample model without errors, for each of its
//! environments, plus generated models) against the config schema.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod export_support;
use export_support as common;

use charter_model::export::{export, ExportError};
use charter_model::schema::{
    config_schema, config_schema_text, model_schema, model_schema_text, CONFIG_SCHEMA_FILE,
    ID_PATTERN, MODEL_SCHEMA_FILE,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

fn blessing() -> bool {
    std::env::var_os("CHARTER_BLESS").is_some_and(|v| v != "0" && !v.is_empty())
}

fn check_file(name: &str, expected: &str) {
    let path = schemas_dir().join(name);
    if blessing() {
        charter_model::file::write_atomically(&path, expected.as_bytes()).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; generate it with `CHARTER_BLESS=1 cargo nextest run -p charter-model schema`",
            path.display()
        )
    });
    assert!(
        actual == expected,
        "{} is out of date with the Rust types; regenerate it with \
         `CHARTER_BLESS=1 cargo nextest run -p charter-model schema` and review the diff",
        path.display()
    );
}

#[test]
fn schema_model_file_is_up_to_date() {
    check_file(MODEL_SCHEMA_FILE, &model_schema_text());
}

#[test]
fn schema_config_file_is_up_to_date() {
    check_file(CONFIG_SCHEMA_FILE, &config_schema_text());
}

#[test]
fn schema_generation_is_deterministic() {
    assert_eq!(model_schema_text(), model_schema_text());
    assert_eq!(config_schema_text(), config_schema_text());
}

#[test]
fn schema_texts_are_pretty_with_trailing_newline() {
    for text in [model_schema_text(), config_schema_text()] {
        assert!(text.ends_with("}\n"));
        assert!(text.starts_with("{\n  \""));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    }
}

#[test]
fn schema_both_are_valid_json_schemas() {
    for schema in [model_schema(), config_schema()] {
        jsonschema::meta::validate(&schema).unwrap();
        jsonschema::validator_for(&schema).unwrap();
    }
}

#[test]
fn schema_ids_carry_the_slug_pattern() {
    let m = model_schema();
    assert_eq!(m["properties"]["format"]["const"], "charter-model/1");
    assert_eq!(
        m["$defs"]["System"]["properties"]["id"]["pattern"],
        ID_PATTERN
    );
    assert_eq!(
        m["$defs"]["Entity"]["properties"]["id"]["pattern"],
        ID_PATTERN
    );
    assert_eq!(
        m["$defs"]["Flow"]["properties"]["id"]["pattern"],
        ID_PATTERN
    );
    assert_eq!(
        m["properties"]["environments"]["items"]["pattern"],
        ID_PATTERN
    );
    let c = config_schema();
    assert_eq!(c["properties"]["format"]["const"], "charter-config/1");
    assert_eq!(
        c["$defs"]["ConfigEntity"]["properties"]["owner"]["pattern"],
        ID_PATTERN
    );
    assert_eq!(
        c["$defs"]["ConfigEntity"]["properties"]["copies"]["items"]["pattern"],
        ID_PATTERN
    );
    assert_eq!(
        c["$defs"]["ConfigFlow"]["properties"]["from"]["pattern"],
        ID_PATTERN
    );
    assert!(c["properties"]["digest"]["pattern"].is_string());
}

#[test]
fn schema_model_rejects_what_the_reader_rejects() {
    let v = jsonschema::validator_for(&model_schema()).unwrap();
    let good = json!({"format": "charter-model/1", "name": "m", "systems": [], "entities": [], "flows": []});
    assert!(v.is_valid(&good));
    let mut wrong_format = good.clone();
    wrong_format["format"] = json!("charter-model/2");
    assert!(!v.is_valid(&wrong_format));
    let bad_id = json!({"format": "charter-model/1", "name": "m",
        "systems": [{"id": "Bad Id", "name": "x", "kind": "erp"}], "entities": [], "flows": []});
    assert!(!v.is_valid(&bad_id));
    let bad_kind = json!({"format": "charter-model/1", "name": "m",
        "systems": [{"id": "erp", "name": "x", "kind": "mainframe"}], "entities": [], "flows": []});
    assert!(!v.is_valid(&bad_kind));
    let missing = json!({"format": "charter-model/1", "name": "m", "systems": [], "entities": []});
    assert!(!v.is_valid(&missing));
}

#[test]
fn schema_every_sample_model_validates() {
    let v = jsonschema::validator_for(&model_schema()).unwrap();
    for (path, text) in common::sample_texts() {
        let doc: Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = v
            .iter_errors(&doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            path.display(),
            errors.join("; ")
        );
    }
}

fn assert_config_valid(validator: &jsonschema::Validator, what: &str, text: &str) {
    let doc: Value = serde_json::from_str(text).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {}", errors.join("; "));
}

#[test]
fn schema_every_exported_sample_validates() {
    let v = jsonschema::validator_for(&config_schema()).unwrap();
    let mut exported = 0;
    for (path, model) in common::sample_models() {
        for env in model.environment_names() {
            match export(&model, env) {
                Ok(out) => {
                    exported += 1;
                    assert_config_valid(&v, &format!("{} --env {env}", path.display()), &out.text);
                }
                // Samples with errors (e.g. a "before" model) are not exported.
                Err(ExportError::HasErrors(_)) => {}
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
    }
    eprintln!("{exported} exported sample configurations validated");
}

#[test]
fn schema_every_exported_generated_model_validates() {
    let v = jsonschema::validator_for(&config_schema()).unwrap();
    let mut exported = 0;
    for seed in 0..40 {
        let model = common::generated_model(seed);
        for env in model.environment_names() {
            match export(&model, env) {
                Ok(out) => {
                    exported += 1;
                    assert_config_valid(
                        &v,
                        &format!("generated model {seed} --env {env}"),
                        &out.text,
                    );
                }
                Err(ExportError::HasErrors(_)) => {}
                Err(e) => panic!("generated model {seed}: {e}"),
            }
        }
    }
    assert!(exported > 0, "no generated model could be exported");
}

#[test]
fn schema_config_rejects_a_tampered_shape() {
    let v = jsonschema::validator_for(&config_schema()).unwrap();
    let model = common::generated_model(1);
    let out = export(&model, "prod").unwrap();
    let good: Value = serde_json::from_str(&out.text).unwrap();
    assert!(v.is_valid(&good));
    let mut extra = good.clone();
    extra["unexpected"] = json!(1);
    assert!(
        !v.is_valid(&extra),
        "unknown top-level keys must be refused"
    );
    let mut bad_digest = good.clone();
    bad_digest["digest"] = json!("md5:abc");
    assert!(!v.is_valid(&bad_digest));
    let mut bad_owner = good.clone();
    bad_owner["entities"][0]["owner"] = json!("Not An Id");
    assert!(!v.is_valid(&bad_owner));
    let mut secret = good;
    secret["systems"][0]["endpoint"]["password"] = json!("hunter2");
    assert!(
        !v.is_valid(&secret),
        "endpoints carry no other keys (no secret values)"
    );
}

#[test]
fn schema_config_takes_two_or_more_reconciled_systems_and_a_positive_ack_deadline() {
    let v = jsonschema::validator_for(&config_schema()).unwrap();
    let doc = json!({
        "format": "charter-config/1", "name": "M", "environment": "prod",
        "generator": "charter 0.1.0",
        "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "systems": [], "entities": [],
        "flows": [{"id": "f", "entity": "e", "from": "a", "to": "b", "pattern": "event",
                   "trigger": "system", "ack": true, "idempotencyKey": null,
                   "ackWithinSeconds": 60}],
        "rules": [{"kind": "reconcile", "id": "r", "entity": "e", "systems": ["a", "b", "c"],
                   "fields": ["amount"], "tolerance": 0.01, "withinSeconds": null}]
    });
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut one = doc.clone();
    one["rules"][0]["systems"] = json!(["a"]);
    assert!(!v.is_valid(&one), "a reconcile rule over one system");
    let mut zero = doc;
    zero["flows"][0]["ackWithinSeconds"] = json!(0);
    assert!(!v.is_valid(&zero), "an ack deadline of 0");
}
