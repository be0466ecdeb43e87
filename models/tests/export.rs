//! Export to charter-config/1 and reading a configuration back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod export_support;
use export_support as support;

use charter_model::config::{ConfigRule, CONFIG_FORMAT};
use charter_model::export::{config_from_str, digest_of, export, ConfigError, ExportError};
use charter_model::model::{ConflictPolicy, Model};
use charter_model::{check, parse_model, Severity};
use serde_json::{json, Value};

/// A small governed model: ERP owns stock, the shop holds a copy.
fn base() -> Value {
    json!({
      "format": "charter-model/1",
      "name": "Shop",
      "environments": ["dev", "prod"],
      "systems": [
        { "id": "erp", "name": "ERP", "kind": "erp", "team": "Finance IT",
          "endpoints": {
            "dev": { "protocol": "rest", "url": "https://erp.dev.example.com/api", "credentialRef": "vault:erp/dev" },
            "prod": { "protocol": "rest", "url": "https://erp.example.com/api", "credentialRef": "vault:erp/prod", "rateLimitPerMinute": 600 } } },
        { "id": "shop", "name": "Storefront", "kind": "ecommerce", "sideEffects": true,
          "endpoints": {
            "prod": { "protocol": "webhook", "url": "https://shop.example.com/hooks", "credentialRef": "vault:shop/prod" } } }
      ],
      "entities": [
        { "id": "stock", "name": "Stock level", "owner": "erp", "key": "sku",
          "consistencyWindowSeconds": 5,
          "fields": [
            { "name": "sku", "type": "string", "required": true },
            { "name": "quantity", "type": "integer", "required": true },
            { "name": "price", "type": "number" },
            { "name": "active", "type": "boolean" },
            { "name": "day", "type": "date" },
            { "name": "at", "type": "datetime" },
            { "name": "status", "type": "enum", "values": ["open", "held"] },
            { "name": "email", "type": "string", "pii": true }
          ],
          "copies": ["shop"] },
        { "id": "order", "name": "Order", "owner": "shop", "key": "number",
          "fields": [ { "name": "number", "type": "string", "required": true },
                      { "name": "total", "type": "number" } ],
          "copies": ["erp"] }
      ],
      "flows": [
        { "id": "stock-to-shop", "entity": "stock", "from": "erp", "to": "shop",
          "pattern": "event", "trigger": "system", "ack": true, "idempotencyKey": "sku",
          "retry": { "attempts": 5, "backoffSeconds": 30 } },
        { "id": "orders-to-erp", "entity": "order", "from": "shop", "to": "erp",
          "pattern": "event", "trigger": "system" }
      ],
      "rules": [
        { "id": "qty-not-negative", "kind": "validate", "entity": "stock",
          "condition": "quantity >= 0 && status != \"held\"", "action": "reject",
          "message": "Stock cannot be negative" },
        { "id": "stock-conflicts", "kind": "conflict", "entity": "stock", "policy": "escalate" },
        { "id": "big-orders", "kind": "route", "entity": "order", "condition": "total > 10000", "to": ["erp"] },
        { "id": "settlement", "kind": "reconcile", "entity": "order", "systems": ["shop", "erp"], "fields": ["total"] },
        { "id": "ack-drop", "kind": "alert", "flow": "stock-to-shop", "metric": "ack-rate", "threshold": 0.98, "windowSeconds": 300 }
      ]
    })
}

fn model(v: &Value) -> Model {
    parse_model(&serde_json::to_string_pretty(v).unwrap()).unwrap()
}

fn has_errors(m: &Model) -> bool {
    check(m).iter().any(|f| f.severity == Severity::Error)
}

/// Exports, or returns None when the (evolving) checks find errors in the
/// fixture; tests that need an export assert it happened for the base model.
fn exported(v: &Value, env: &str) -> charter_model::export::Exported {
    let m = model(v);
    match export(&m, env) {
        Ok(out) => out,
        Err(e) => panic!("fixture should export: {e}: {:?}", e),
    }
}

#[test]
fn export_is_deterministic_byte_for_byte() {
    let a = exported(&base(), "prod");
    let b = exported(&base(), "prod");
    assert_eq!(a.text, b.text);
    // A model read again from its own written text exports the same bytes.
    let m = model(&base());
    let again = parse_model(&charter_model::file::model_to_string(&m)).unwrap();
    assert_eq!(export(&again, "prod").unwrap().text, a.text);
    for seed in 0..10 {
        let g = support::generated_model(seed);
        for env in g.environment_names() {
            if let Ok(x) = export(&g, env) {
                assert_eq!(x.text, export(&g.clone(), env).unwrap().text);
            }
        }
    }
}

#[test]
fn export_text_is_pretty_in_field_order_with_newline() {
    let out = exported(&base(), "prod");
    assert!(out.text.ends_with("}\n") && !out.text.ends_with("\n\n"));
    assert!(out.text.starts_with("{\n  \"format\": \"charter-config/1\",\n  \"name\": \"Shop\",\n  \"environment\": \"prod\",\n  \"generator\": "));
    let v: Value = serde_json::from_str(&out.text).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "format",
            "name",
            "environment",
            "generator",
            "digest",
            "systems",
            "entities",
            "flows",
            "rules"
        ]
    );
    assert_eq!(
        serde_json::to_string_pretty(&out.config).unwrap() + "\n",
        out.text
    );
}

#[test]
fn export_digest_matches_canonical_form_without_digest() {
    let out = exported(&base(), "prod");
    let v: Value = serde_json::from_str(&out.text).unwrap();
    assert!(out.config.digest.starts_with("sha256:") && out.config.digest.len() == 71);
    assert_eq!(digest_of(&v), out.config.digest);
    assert_eq!(v["digest"], out.config.digest.as_str());
    // Key order does not matter to the digest (RFC 8785 sorts keys)...
    let mut reordered = serde_json::Map::new();
    for (k, val) in v.as_object().unwrap().iter().rev() {
        reordered.insert(k.clone(), val.clone());
    }
    assert_eq!(digest_of(&Value::Object(reordered)), out.config.digest);
    // ...content does.
    let mut changed = v.clone();
    changed["name"] = json!("Shop 2");
    assert_ne!(digest_of(&changed), out.config.digest);
    // Other environments hash differently.
    assert_ne!(exported(&base(), "dev").config.digest, out.config.digest);
}

#[test]
fn export_metadata_and_generator() {
    let out = exported(&base(), "dev");
    assert_eq!(out.config.format, CONFIG_FORMAT);
    assert_eq!(out.config.name, "Shop");
    assert_eq!(out.config.environment, "dev");
    assert_eq!(
        out.config.generator,
        format!("charter {}", charter_model::VERSION)
    );
}

#[test]
fn export_keeps_only_the_chosen_environment_endpoint() {
    let prod = exported(&base(), "prod");
    let erp = &prod.config.systems[0];
    let ep = erp.endpoint.as_ref().unwrap();
    assert_eq!(ep.url, "https://erp.example.com/api");
    assert_eq!(ep.credential_ref.as_deref(), Some("vault:erp/prod"));
    assert_eq!(ep.rate_limit_per_minute, Some(600));
    assert!(!prod.text.contains("erp.dev.example.com"));
    assert!(!prod.text.contains("vault:erp/dev"));

    let dev = exported(&base(), "dev");
    assert_eq!(
        dev.config.systems[0].endpoint.as_ref().unwrap().url,
        "https://erp.dev.example.com/api"
    );
    // The shop has no dev endpoint: null, not absent.
    assert!(dev.config.systems[1].endpoint.is_none());
    let v: Value = serde_json::from_str(&dev.text).unwrap();
    assert!(v["systems"][1]
        .as_object()
        .unwrap()
        .contains_key("endpoint"));
    assert_eq!(v["systems"][1]["endpoint"], Value::Null);
    assert_eq!(v["systems"][1]["sideEffects"], true);
    assert_eq!(v["systems"][0]["sideEffects"], false);
}

#[test]
fn export_carries_no_secret_values() {
    let mut v = base();
    v["systems"][0]["endpoints"]["prod"]["password"] = json!("hunter2-secret");
    v["systems"][0]["apiKey"] = json!("key-secret-123");
    let m = model(&v);
    match export(&m, "prod") {
        Ok(out) => {
            assert!(!out.text.contains("hunter2-secret"));
            assert!(!out.text.contains("key-secret-123"));
            assert!(!out.text.contains("password"));
        }
        // The checks may refuse a model with a literal secret: nothing leaks either.
        Err(ExportError::HasErrors(f)) => assert!(!f.is_empty()),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn export_entity_schema_maps_field_types() {
    let out = exported(&base(), "prod");
    let stock = &out.config.entities[0];
    let s = &stock.schema;
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["type"], "object");
    assert_eq!(s["additionalProperties"], true);
    assert_eq!(s["required"], json!(["sku", "quantity"]));
    let p = &s["properties"];
    assert_eq!(p["sku"], json!({"type": "string"}));
    assert_eq!(p["quantity"], json!({"type": "integer"}));
    assert_eq!(p["price"], json!({"type": "number"}));
    assert_eq!(p["active"], json!({"type": "boolean"}));
    assert_eq!(p["day"], json!({"type": "string", "format": "date"}));
    assert_eq!(p["at"], json!({"type": "string", "format": "date-time"}));
    assert_eq!(
        p["status"],
        json!({"type": "string", "enum": ["open", "held"]})
    );
    // Properties keep the model's field order.
    let names: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["sku", "quantity", "price", "active", "day", "at", "status", "email"]
    );

    // The schema is usable: records are judged by it.
    let v = jsonschema::validator_for(s).unwrap();
    assert!(v.is_valid(&json!({"sku": "A1", "quantity": 3, "status": "open", "extra": 1})));
    assert!(!v.is_valid(&json!({"sku": "A1"})), "quantity is required");
    assert!(
        !v.is_valid(&json!({"sku": "A1", "quantity": 1.5})),
        "quantity is an integer"
    );
    assert!(
        !v.is_valid(&json!({"sku": "A1", "quantity": 1, "status": "gone"})),
        "enum values"
    );
    assert!(
        !v.is_valid(&json!({"sku": 7, "quantity": 1})),
        "sku is a string"
    );
}

#[test]
fn export_entities_flows_and_rules() {
    let out = exported(&base(), "prod");
    let c = &out.config;
    let stock = &c.entities[0];
    assert_eq!(stock.owner, "erp");
    assert_eq!(stock.key, "sku");
    assert_eq!(stock.copies, ["shop"]);
    assert_eq!(stock.consistency_window_seconds, Some(5));
    assert_eq!(stock.conflict_policy, ConflictPolicy::Escalate);
    assert!(!stock.monetary);
    let order = &c.entities[1];
    assert_eq!(
        order.conflict_policy,
        ConflictPolicy::OwnerWins,
        "default without a conflict rule"
    );
    assert_eq!(order.consistency_window_seconds, None);

    assert_eq!(c.flows.len(), 2);
    assert!(c.flows[0].ack);
    assert_eq!(c.flows[0].idempotency_key.as_deref(), Some("sku"));
    assert!(!c.flows[1].ack, "absent ack means no");
    assert_eq!(c.flows[1].idempotency_key, None);
    let v: Value = serde_json::from_str(&out.text).unwrap();
    assert_eq!(v["flows"][1]["idempotencyKey"], Value::Null);

    // Conflict rules are folded into the entity; the rest keep model order.
    let ids: Vec<&str> = c.rules.iter().map(ConfigRule::id).collect();
    assert_eq!(
        ids,
        ["qty-not-negative", "big-orders", "settlement", "ack-drop"]
    );
    match &c.rules[0] {
        ConfigRule::Validate(r) => {
            assert_eq!(
                r.condition, "quantity >= 0 && status != \"held\"",
                "CEL kept as source text"
            );
            assert_eq!(r.message.as_deref(), Some("Stock cannot be negative"));
        }
        other => panic!("{other:?}"),
    }
    match &c.rules[2] {
        ConfigRule::Reconcile(r) => {
            assert_eq!(r.tolerance, 0.0);
            assert_eq!(r.within_seconds, None);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(v["rules"][0]["kind"], "validate");
    assert_eq!(v["rules"][3]["kind"], "alert");
}

#[test]
fn export_unknown_environment_suggests() {
    let m = model(&base());
    match export(&m, "prdo") {
        Err(ExportError::UnknownEnvironment {
            env,
            declared,
            suggestion,
        }) => {
            assert_eq!(env, "prdo");
            assert_eq!(declared, ["dev", "prod"]);
            assert_eq!(suggestion.as_deref(), Some("prod"));
        }
        other => panic!("{other:?}"),
    }
    let e = export(&m, "prdo").unwrap_err().to_string();
    assert!(
        e.contains("prdo") && e.contains("did you mean `prod`"),
        "{e}"
    );
    match export(&m, "staging") {
        Err(ExportError::UnknownEnvironment { suggestion, .. }) => assert_eq!(suggestion, None),
        other => panic!("{other:?}"),
    }
}

#[test]
fn export_default_environment_is_prod() {
    let mut v = base();
    v.as_object_mut().unwrap().remove("environments");
    let m = model(&v);
    assert!(export(&m, "prod").is_ok());
    assert!(matches!(
        export(&m, "dev"),
        Err(ExportError::UnknownEnvironment { .. })
    ));
}

#[test]
fn export_refused_without_an_owner() {
    let mut v = base();
    v["entities"][1].as_object_mut().unwrap().remove("owner");
    let m = model(&v);
    match export(&m, "prod") {
        Err(ExportError::HasErrors(findings)) => {
            assert!(!findings.is_empty());
            assert!(findings.iter().all(|f| f.severity == Severity::Error));
            assert!(
                findings.iter().any(|f| f.subject == "order"),
                "{findings:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn export_refused_exactly_when_check_has_errors() {
    let mut models: Vec<(String, Model)> = support::sample_models()
        .into_iter()
        .map(|(p, m)| (p.display().to_string(), m))
        .collect();
    models.extend((0..20).map(|s| (format!("generated {s}"), support::generated_model(s))));
    models.push(("base".into(), model(&base())));
    for (what, m) in models {
        let errors: Vec<_> = check(&m)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        let env = m.environment_names()[0].to_string();
        match export(&m, &env) {
            Ok(_) => assert!(
                errors.is_empty(),
                "{what}: exported despite errors {errors:?}"
            ),
            Err(ExportError::HasErrors(found)) => {
                if !errors.is_empty() {
                    assert_eq!(found, errors, "{what}: refusal lists the check's errors");
                }
            }
            Err(e) => panic!("{what}: {e}"),
        }
    }
    assert!(
        !has_errors(&support::generated_model(0))
            || export(&support::generated_model(0), "prod").is_err()
    );
}

// --- reading a configuration back ------------------------------------------

#[test]
fn config_from_str_reads_what_export_wrote() {
    for env in ["dev", "prod"] {
        let out = exported(&base(), env);
        assert_eq!(config_from_str(&out.text).unwrap(), out.config);
    }
    for seed in 0..10 {
        let g = support::generated_model(seed);
        for env in g.environment_names() {
            if let Ok(out) = export(&g, env) {
                assert_eq!(
                    config_from_str(&out.text).unwrap(),
                    out.config,
                    "seed {seed} {env}"
                );
            }
        }
    }
}

#[test]
fn config_from_str_not_json_gives_position() {
    let err = config_from_str("{\n  \"format\": \"charter-config/1\",\n  oops\n}").unwrap_err();
    match &err {
        ConfigError::NotJson { line, column, .. } => {
            assert_eq!(*line, 3);
            assert!(*column >= 3);
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with("3:") && msg.contains("not valid JSON"),
        "{msg}"
    );
    assert!(
        !msg.contains(" at line "),
        "position is not repeated: {msg}"
    );
    assert!(matches!(
        config_from_str(""),
        Err(ConfigError::NotJson { .. })
    ));
}

#[test]
fn config_from_str_refuses_unknown_or_missing_format() {
    let out = exported(&base(), "prod");
    let mut v: Value = serde_json::from_str(&out.text).unwrap();
    v["format"] = json!("charter-config/9");
    let err = config_from_str(&v.to_string()).unwrap_err();
    assert_eq!(
        err,
        ConfigError::UnknownFormat {
            found: "charter-config/9".into()
        }
    );
    assert!(
        err.to_string().contains("charter-config/9")
            && err.to_string().contains("charter-config/1")
    );
    v.as_object_mut().unwrap().remove("format");
    assert_eq!(
        config_from_str(&v.to_string()).unwrap_err(),
        ConfigError::MissingFormat
    );
    assert!(matches!(
        config_from_str("[1, 2]"),
        Err(ConfigError::NotAnObject { .. })
    ));
    // A model is not a configuration.
    let model_text = serde_json::to_string(&base()).unwrap();
    assert!(matches!(
        config_from_str(&model_text),
        Err(ConfigError::UnknownFormat { .. })
    ));
}

#[test]
fn config_from_str_detects_tampering() {
    let out = exported(&base(), "prod");
    let tampered = out.text.replace(
        "https://erp.example.com/api",
        "https://evil.example.com/api",
    );
    assert_ne!(tampered, out.text);
    match config_from_str(&tampered) {
        Err(ConfigError::DigestMismatch { declared, computed }) => {
            assert_eq!(declared, out.config.digest);
            assert_ne!(computed, declared);
        }
        other => panic!("{other:?}"),
    }
    let mut v: Value = serde_json::from_str(&out.text).unwrap();
    v.as_object_mut().unwrap().remove("digest");
    assert_eq!(
        config_from_str(&v.to_string()).unwrap_err(),
        ConfigError::MissingDigest
    );
    // Whitespace and key order are not tampering.
    let compact: Value = serde_json::from_str(&out.text).unwrap();
    assert_eq!(config_from_str(&compact.to_string()).unwrap(), out.config);
}

#[test]
fn config_from_str_refuses_a_wrong_shape_with_a_valid_digest() {
    let out = exported(&base(), "prod");
    let mut v: Value = serde_json::from_str(&out.text).unwrap();
    v["flows"][0]["pattern"] = json!("broadcast");
    v["digest"] = json!(digest_of(&v));
    let text = serde_json::to_string_pretty(&v).unwrap();
    match config_from_str(&text) {
        Err(ConfigError::Invalid { line, message, .. }) => {
            assert!(line.is_some());
            assert!(message.contains("broadcast"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let mut extra = serde_json::from_str::<Value>(&out.text).unwrap();
    extra["surprise"] = json!(true);
    extra["digest"] = json!(digest_of(&extra));
    assert!(matches!(
        config_from_str(&extra.to_string()),
        Err(ConfigError::Invalid { .. })
    ));
}

#[test]
fn config_from_str_never_panics_on_garbage() {
    let out = exported(&base(), "prod");
    let bytes = out.text.as_bytes();
    // Every prefix and a sweep of single-byte corruptions.
    let content_len = out.text.trim_end().len();
    for cut in (0..content_len).step_by(7) {
        let s = String::from_utf8_lossy(&bytes[..cut]);
        assert!(config_from_str(&s).is_err());
    }
    for i in (0..bytes.len()).step_by(11) {
        let mut b = bytes.to_vec();
        b[i] = b'#';
        let _ = config_from_str(&String::from_utf8_lossy(&b));
    }
}

#[test]
fn read_config_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prod.config.json");
    let missing = charter_model::export::read_config_file(&path)
        .unwrap_err()
        .to_string();
    assert!(
        missing.starts_with(&path.display().to_string()) && missing.contains("cannot read"),
        "{missing}"
    );
    std::fs::write(&path, "{\n  nope").unwrap();
    let bad = charter_model::export::read_config_file(&path)
        .unwrap_err()
        .to_string();
    assert!(bad.starts_with(&format!("{}:2:", path.display())), "{bad}");
    let out = exported(&base(), "prod");
    std::fs::write(&path, out.text.replace("Storefront", "Shopfront")).unwrap();
    let tampered = charter_model::export::read_config_file(&path)
        .unwrap_err()
        .to_string();
    assert!(
        tampered.starts_with(&format!("{}: digest mismatch", path.display())),
        "{tampered}"
    );
    std::fs::write(&path, &out.text).unwrap();
    assert_eq!(
        charter_model::export::read_config_file(&path).unwrap(),
        out.config
    );
}

#[test]
fn export_preview_matches_export_and_ignores_errors() {
    use charter_model::export::export_preview;
    let m = model(&base());
    assert_eq!(
        export_preview(&m, "prod").unwrap(),
        export(&m, "prod").unwrap()
    );
    let mut v = base();
    v["entities"][1].as_object_mut().unwrap().remove("owner");
    let broken = model(&v);
    assert!(export(&broken, "prod").is_err());
    let preview = export_preview(&broken, "prod").unwrap();
    assert_eq!(preview.config.entities[1].owner, "");
    assert!(matches!(
        export_preview(&broken, "qa"),
        Err(ExportError::UnknownEnvironment { .. })
    ));
}

#[test]
fn export_to_file_writes_the_same_bytes_without_holding_the_text() {
    use charter_model::export::{export_to_file, ExportFileError};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.config.json");
    for env in ["dev", "prod"] {
        let m = model(&base());
        let config = export_to_file(&m, env, &path).unwrap();
        let expected = export(&m, env).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected.text);
        assert_eq!(config, expected.config);
    }
    // A name too long for the part of the text kept while writing: the text
    // is written again whole, still the same bytes.
    let mut v = base();
    v["name"] = Value::String("Shop ".repeat(20_000));
    let m = model(&v);
    export_to_file(&m, "prod", &path).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        export(&m, "prod").unwrap().text
    );
    // Refused: the file in place is left alone and no other file appears.
    let before = std::fs::read(&path).unwrap();
    let mut v = base();
    v["entities"][1].as_object_mut().unwrap().remove("owner");
    match export_to_file(&model(&v), "prod", &path) {
        Err(ExportFileError::Export(ExportError::HasErrors(f))) => assert!(!f.is_empty()),
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // Cannot write: an error, nothing left behind.
    let missing = dir.path().join("no-such-dir").join("c.json");
    match export_to_file(&model(&base()), "prod", &missing) {
        Err(e @ ExportFileError::Write(_)) => assert!(e.to_string().starts_with("cannot write")),
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn export_keeps_every_system_of_a_reconcile_rule_in_order_and_the_ack_deadline() {
    let mut v = base();
    v["systems"].as_array_mut().unwrap().push(json!(
        { "id": "acct", "name": "Accounting", "kind": "finance" }
    ));
    v["entities"][1]["copies"] = json!(["erp", "acct"]);
    v["flows"].as_array_mut().unwrap().push(json!(
        { "id": "orders-to-acct", "entity": "order", "from": "shop", "to": "acct",
          "pattern": "event", "trigger": "system", "ack": true }
    ));
    v["rules"][3]["systems"] = json!(["shop", "erp", "acct"]);
    v["flows"][0]["ackWithinSeconds"] = json!(45);
    let m = model(&v);
    assert!(!has_errors(&m), "{:?}", check(&m));
    let out = exported(&v, "prod");
    let doc: Value = serde_json::from_str(&out.text).unwrap();
    let rec = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "settlement")
        .unwrap();
    assert_eq!(rec["systems"], json!(["shop", "erp", "acct"]));
    assert_eq!(doc["flows"][0]["ackWithinSeconds"], json!(45));
    assert!(
        doc["flows"][1].get("ackWithinSeconds").is_none(),
        "no deadline written when the model gives none"
    );
    // And it reads back as a configuration.
    let c = config_from_str(&out.text).unwrap();
    match c.rules.iter().find(|r| r.id() == "settlement").unwrap() {
        ConfigRule::Reconcile(r) => assert_eq!(r.systems, ["shop", "erp", "acct"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(c.flows[0].ack_within_seconds, Some(45));
}

#[test]
fn export_refuses_a_reconcile_rule_over_one_system_and_a_zero_ack_deadline() {
    let mut v = base();
    v["rules"][3]["systems"] = json!(["shop"]);
    assert!(matches!(
        export(&model(&v), "prod"),
        Err(ExportError::HasErrors(_))
    ));
    let mut v = base();
    v["flows"][0]["ackWithinSeconds"] = json!(0);
    assert!(matches!(
        export(&model(&v), "prod"),
        Err(ExportError::HasErrors(_))
    ));
}
