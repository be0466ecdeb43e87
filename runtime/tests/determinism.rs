//! Replaying the same input twice gives the same bytes and the same summary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_runtime::replay::replay;
use charter_runtime::{Compiled, Engine, Limits};
use proptest::prelude::*;
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

fn config() -> Arc<Compiled> {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/traffic/ecommerce.config.json");
    Arc::new(Compiled::load_file(&p).unwrap())
}

fn line() -> impl Strategy<Value = String> {
    let source = prop::sample::select(vec!["erp", "shop", "oms", "psp", "3pl", "ghost"]);
    let kind = prop::sample::select(vec!["event", "request", "state", "bogus"]);
    let entity = prop::sample::select(vec!["stock", "order", "payment", "invoice"]);
    (0u32..40, 0u32..5000, source, kind, entity, 0u32..6, -3i64..20, prop::bool::ANY, 0u8..20).prop_map(
        |(id, t, source, kind, entity, key, n, express, junk)| {
            if junk == 0 {
                return format!("{{\"id\": \"x{id}\", broken");
            }
            let data = json!({
                "sku": format!("K-{key}"), "quantity": n, "orderId": format!("K-{key}"), "total": n * 700,
                "lines": if n > 0 { json!([1]) } else { json!([]) }, "shipping": if express { "express" } else { "standard" },
                "paymentId": format!("K-{key}"), "amount": n as f64 / 2.0, "currency": "EUR", "reservationId": format!("R-{id}")
            });
            json!({"id": format!("m-{id}"), "at": format!("2026-03-01T{:02}:{:02}:{:02}Z", t / 3600, (t / 60) % 60, t % 60),
                   "source": source, "kind": kind, "entity": entity, "key": format!("K-{key}"), "op": "upsert", "data": data})
            .to_string()
        },
    )
}

fn run(cfg: &Arc<Compiled>, input: &str, limits: Limits) -> (Vec<u8>, String) {
    let mut engine = Engine::with_limits(Arc::clone(cfg), limits);
    let mut out = Vec::new();
    replay(&mut engine, input.as_bytes(), &mut out, None).unwrap();
    (out, serde_json::to_string(&engine.summary()).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn replay_is_deterministic(lines in prop::collection::vec(line(), 0..120), small in prop::bool::ANY) {
        let cfg = config();
        let input = lines.join("\n");
        let limits = if small { Limits { duplicate_ids: 8, reconcile_keys_per_rule: 2, outstanding_acks: 3, ordered_keys: 2 } } else { Limits::default() };
        let (a, sa) = run(&cfg, &input, limits);
        let (b, sb) = run(&cfg, &input, limits);
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(sa, sb);
        prop_assert_eq!(a.iter().filter(|c| **c == b'\n').count(), lines.len());
    }
}
