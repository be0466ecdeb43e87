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
    let kind = prop::sample::select(vec!["event", "request", "state", "ack", "bogus"]);
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
            let at = format!("2026-03-01T{:02}:{:02}:{:02}Z", t / 3600, (t / 60) % 60, t % 60);
            if kind == "ack" {
                // Acks settle (or not) a delivery of an earlier message.
                return json!({"id": format!("a-{id}"), "at": at, "source": source, "kind": "ack",
                              "ref": format!("m-{}", key * 7 % 40), "ok": !express, "reason": "full"})
                .to_string();
            }
            json!({"id": format!("m-{id}"), "at": at,
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

    /// Cut anywhere, the two halves through one engine (as `serve` takes
    /// requests) decide as one replay, with the same summary.
    #[test]
    fn any_cut_decides_as_one_replay(lines in prop::collection::vec(line(), 0..80), cut in 0usize..80) {
        let cfg = config();
        let cut = cut.min(lines.len());
        let all: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let whole = run(&cfg, &all, Limits::default());
        let mut engine = Engine::new(Arc::clone(&cfg));
        let mut out = Vec::new();
        for part in [&lines[..cut], &lines[cut..]] {
            let text: String = part.iter().map(|l| format!("{l}\n")).collect();
            replay(&mut engine, text.as_bytes(), &mut out, None).unwrap();
        }
        let strip = |bytes: &[u8]| -> Vec<serde_json::Value> {
            String::from_utf8(bytes.to_vec()).unwrap().lines().map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["line"] = serde_json::Value::Null;
                // An invalid line's detail names its line number.
                v["detail"] = serde_json::Value::Null;
                v
            }).collect()
        };
        prop_assert_eq!(strip(&out), strip(&whole.0));
        let mut summary = serde_json::to_value(engine.summary()).unwrap();
        let mut want: serde_json::Value = serde_json::from_str(&whole.1).unwrap();
        // Invalid lines' incidents quote their line numbers.
        for s in [&mut summary, &mut want] {
            s["incidents"] = serde_json::Value::Null;
        }
        prop_assert_eq!(summary, want);
    }
}
