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
}
