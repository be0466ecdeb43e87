#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! What one condition costs natively and through the `cel` interpreter
//! fallback, per evaluation, on a typed stock record of the e-commerce
//! sample. Timed only on demand (docs/performance.md, "CEL conditions"):
//! `cargo test --release -p charter-runtime --test cel_cost -- --ignored --nocapture`.

use charter_runtime::expr::{resolve_slots, Condition, SlotTable};
use serde_json::{json, Map, Value};
use std::hint::black_box;
use std::time::Instant;

fn schema() -> Value {
    json!({"type": "object", "properties": {
        "sku": {"type": "string"},
        "onHand": {"type": "integer"},
        "reserved": {"type": "integer"},
        "location": {"type": "string"},
        "updatedAt": {"type": "string", "format": "date-time"}
    }})
}

fn record() -> Map<String, Value> {
    json!({"sku": "SKU-1", "onHand": 10, "reserved": 2, "location": "DC1",
           "updatedAt": "2026-03-01T10:00:00Z"})
    .as_object()
    .unwrap()
    .clone()
}

/// Nanoseconds per evaluation (best of 5 rounds of `n`).
fn time(c: &Condition, slots: &SlotTable, data: &Map<String, Value>, n: u32) -> f64 {
    let mut values = vec![None; slots.len()];
    resolve_slots(slots, data, &mut values);
    assert_eq!(c.eval_bool(&values, data), Ok(true), "{}", c.source());
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..n {
            black_box(c.eval_bool(black_box(&values), black_box(data)).ok());
        }
        best = best.min(t.elapsed().as_nanos() as f64 / f64::from(n));
    }
    best
}

const CONDITIONS: &[&str] = &[
    "onHand >= 0 && reserved <= onHand",
    "onHand - reserved >= 0 && location in ['DC1', 'DC2'] && sku.startsWith('SKU-')",
    "timestamp(updatedAt) > timestamp('2020-01-01T00:00:00Z')",
    "[onHand, reserved].all(x, x >= 0)",
];

#[test]
#[ignore = "timing: run on demand in release"]
fn interpreter_cost_per_decision() {
    let data = record();
    println!("| condition | native | interpreter |");
    println!("| --- | --- | --- |");
    for src in CONDITIONS {
        let mut slots = SlotTable::with_types(&schema());
        let native = Condition::compile(src, &mut slots).unwrap();
        let interp = Condition::compile_interpreted(src, &slots).unwrap();
        let n = if native.is_native() {
            2_000_000
        } else {
            100_000
        };
        let a = if native.is_native() {
            format!("{:.0} ns", time(&native, &slots, &data, n))
        } else {
            "(interpreter only)".to_string()
        };
        let b = time(&interp, &slots, &data, 100_000);
        println!("| `{src}` | {a} | {b:.0} ns |");
    }
}

/// The same conditions, untimed: they hold on the record in both paths.
#[test]
fn cost_conditions_hold() {
    let data = record();
    for src in CONDITIONS {
        let mut slots = SlotTable::with_types(&schema());
        let native = Condition::compile(src, &mut slots).unwrap();
        let interp = Condition::compile_interpreted(src, &slots).unwrap();
        let mut values = vec![None; slots.len()];
        resolve_slots(&slots, &data, &mut values);
        assert_eq!(native.eval_bool(&values, &data), Ok(true), "{src}");
        assert_eq!(interp.eval_bool(&values, &data), Ok(true), "{src}");
    }
}
