//! The e-commerce sample model, exported by charter-model, loads in the
//! runtime (the digest written by export is the one the runtime checks) and
//! governs synthetic traffic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/traffic_gen.rs"]
mod traffic_gen;

use charter_runtime::{Compiled, Engine, Verdict};
use std::path::PathBuf;
use std::sync::Arc;

pub fn sample_config() -> Compiled {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/examples/ecommerce.model.json");
    let model = charter_model::file::read_model_file(&p).unwrap();
    let exported = charter_model::export::export(&model, "prod").unwrap();
    Compiled::from_slice(exported.text.as_bytes(), "ecommerce.prod.config.json").unwrap()
}

#[test]
fn exported_sample_loads_and_decides() {
    let cfg = Arc::new(sample_config());
    assert_eq!(
        cfg.interpreted_conditions, 0,
        "every sample condition compiles natively"
    );
    let mut engine = Engine::new(Arc::clone(&cfg));
    let msgs: Vec<String> = (0..2000)
        .map(|i| traffic_gen::message(i).to_string())
        .collect();
    let mut seen = std::collections::BTreeMap::new();
    for m in &msgs {
        let msg = charter_runtime::parse_message(m.as_bytes()).unwrap();
        let d = engine.decide(&msg);
        *seen.entry(d.verdict).or_insert(0) += 1;
    }
    // Every synthetic message is valid and decided by the sample's rules:
    // stock from the shop is refused (not-owner), some stock breaks a rule,
    // payments states are observed.
    assert_eq!(seen.values().sum::<i32>(), 2000);
    assert!(seen[&Verdict::Accept] > 1000);
    assert_eq!(seen[&Verdict::Observe], 200);
    assert!(seen[&Verdict::Reject] >= 200);
    assert_eq!(engine.counts().reasons["not-owner"], 200);
    assert!(engine.counts().reasons["rule"] > 0);
    // Every message keeps to the sample's contract.
    assert!(!engine.counts().reasons.contains_key("schema"));
    assert_eq!(engine.summary().exceptions["drift"], 0);
}

/// The generator's acks are one per delivery on a flow with `ack`: every
/// delivery is settled, none is refused, none is left open.
#[test]
fn generated_acks_settle_every_delivery() {
    let cfg = Arc::new(sample_config());
    let mut engine = Engine::new(Arc::clone(&cfg));
    for i in 0..2000 {
        let msgs = traffic_gen::with_acks(i);
        let texts: Vec<String> = msgs.iter().map(|m| m.to_string()).collect();
        let first = charter_runtime::parse_message(texts[0].as_bytes()).unwrap();
        let d = engine.decide(&first);
        let mut want: Vec<&str> = d
            .deliveries
            .iter()
            .filter(|x| x.flow.is_some_and(|f| cfg.flows[f as usize].ack))
            .map(|x| cfg.system_id(x.to))
            .collect();
        want.sort_unstable();
        let mut got = traffic_gen::ack_targets(i).to_vec();
        got.sort_unstable();
        assert_eq!(want, got, "message {i}: {d:?}");
        for t in &texts[1..] {
            let ack = charter_runtime::parse_message(t.as_bytes()).unwrap();
            assert_eq!(engine.decide(&ack).verdict, Verdict::Observe, "{t}");
        }
    }
    assert_eq!(engine.outstanding_acks(), 0);
    let s = engine.summary();
    let delivered: u64 = s.flows.values().map(|f| f.acked).sum();
    assert!(delivered > 2000, "{delivered}");
    assert!(s
        .flows
        .values()
        .all(|f| f.unacknowledged == 0 && f.nacked == 0));
}

/// Conditions on times and patterns (CEL `timestamp`, `duration`,
/// `matches`), which the checker accepts, are evaluated by the runtime: a
/// condition the runtime cannot evaluate would fail every message.
#[test]
fn time_and_pattern_conditions_are_evaluated() {
    let model = charter_model::file::parse_model(
        &serde_json::json!({
            "format": "charter-model/1", "name": "Times",
            "systems": [
                {"id": "erp", "name": "ERP", "kind": "erp",
                 "endpoints": {"prod": {"protocol": "rest", "url": "https://erp.example.com"}}},
                {"id": "shop", "name": "Shop", "kind": "ecommerce",
                 "endpoints": {"prod": {"protocol": "rest", "url": "https://shop.example.com"}}}],
            "entities": [{"id": "stock", "name": "Stock", "owner": "erp", "key": "sku",
                "steward": "W", "consistencyWindowSeconds": 5, "copies": ["shop"],
                "fields": [{"name": "sku", "type": "string"}, {"name": "updatedAt", "type": "datetime"}]}],
            "flows": [{"id": "f", "entity": "stock", "from": "erp", "to": "shop",
                "pattern": "event", "trigger": "system", "ack": true}],
            "rules": [
                {"id": "recent", "kind": "validate", "entity": "stock", "action": "reject",
                 "condition": "timestamp(updatedAt) > timestamp(\"2024-01-01T00:00:00Z\")"},
                {"id": "within-a-year", "kind": "validate", "entity": "stock", "action": "quarantine",
                 "condition": "timestamp(updatedAt) - timestamp(\"2024-01-01T00:00:00Z\") < duration(\"8760h\")"},
                {"id": "sku-pattern", "kind": "validate", "entity": "stock", "action": "flag",
                 "condition": "sku.matches(\"^[A-Z]-[0-9]+$\")"}]
        })
        .to_string(),
    )
    .unwrap();
    assert!(charter_model::check(&model)
        .iter()
        .all(|f| f.severity != charter_model::Severity::Error));
    let exported = charter_model::export::export(&model, "prod").unwrap();
    let cfg = Arc::new(Compiled::from_slice(exported.text.as_bytes(), "times.json").unwrap());
    let mut engine = Engine::new(cfg);
    let mut decide = |sku: &str, at: &str| {
        let m = serde_json::json!({"id": format!("{sku}{at}"), "at": "2026-03-01T10:00:00Z",
            "source": "erp", "kind": "event", "entity": "stock", "key": sku, "op": "upsert",
            "data": {"sku": sku, "updatedAt": at}})
        .to_string();
        let msg = charter_runtime::parse_message(m.as_bytes()).unwrap();
        let verdict = engine.decide(&msg).verdict;
        verdict
    };
    assert_eq!(decide("A-1", "2024-06-01T00:00:00Z"), Verdict::Accept);
    assert_eq!(decide("A-2", "2023-06-01T00:00:00Z"), Verdict::Reject);
    assert_eq!(decide("A-3", "2026-06-01T00:00:00Z"), Verdict::Quarantine);
    assert_eq!(decide("a1", "2024-06-01T00:00:00Z"), Verdict::Flag);
}
