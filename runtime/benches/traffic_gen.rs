//! Synthetic e-commerce traffic for the sample model (`models/examples/
//! ecommerce.model.json`), shared by the decision benchmark and the
//! `gen_traffic` example. Deterministic: message `i` is always the same.

use serde_json::{json, Value};

/// Base time of message 0: 2026-03-01T00:00:00Z.
const BASE_SECS: i64 = 1_772_323_200;

fn at(i: u64) -> String {
    let t = BASE_SECS + (i / 100) as i64;
    let (days, rem) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Days from 2026-03-01 (within March..May is enough for 7.7M messages/day... keep it simple)
    let day = days - BASE_SECS / 86_400;
    let (month, dom) = match day {
        0..=30 => (3, day + 1),
        31..=60 => (4, day - 30),
        61..=91 => (5, day - 60),
        92..=121 => (6, day - 91),
        _ => (7, (day - 121).min(31)),
    };
    format!(
        "2026-{month:02}-{dom:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        (i % 100) * 10
    )
}

/// Message `i` of the synthetic stream (ids are unique).
pub fn message(i: u64) -> Value {
    let k = i % 50_000;
    let (source, kind, entity, key, op, data) = match i % 10 {
        0..=2 => {
            let on_hand = (i % 97) as i64;
            let reserved = if i % 100 == 12 {
                on_hand + 1
            } else {
                on_hand / 3
            };
            (
                "erp",
                "event",
                "stock",
                format!("SKU-{k}"),
                "upsert",
                json!({"sku": format!("SKU-{k}"), "onHand": on_hand, "reserved": reserved}),
            )
        }
        3 => (
            "shop",
            "request",
            "stock",
            format!("SKU-{k}"),
            "reserve",
            json!({"sku": format!("SKU-{k}"), "onHand": 10, "reserved": 1}),
        ),
        4 => {
            let total = (i % 7_000) as f64 + 0.5;
            (
                "oms",
                "event",
                "order",
                format!("SO-{k}"),
                "upsert",
                json!({"orderNo": format!("SO-{k}"), "total": total, "lines": 1 + i % 4, "currency": "EUR"}),
            )
        }
        5 => {
            let weight = (i % 45) as f64 + 0.25;
            let level = if matches!(i % 3, 0) {
                "express"
            } else {
                "standard"
            };
            (
                "oms",
                "event",
                "shipment",
                format!("SH-{k}"),
                "upsert",
                json!({"shipmentId": format!("SH-{k}"), "weightKg": weight, "serviceLevel": level}),
            )
        }
        6 => (
            "psp",
            "event",
            "payment",
            format!("PAY-{k}"),
            "upsert",
            json!({"paymentId": format!("PAY-{k}"), "amount": 49.9, "status": "captured"}),
        ),
        7 => (
            "oms",
            "state",
            "payment",
            format!("PAY-{k}"),
            "report",
            json!({"paymentId": format!("PAY-{k}"), "amount": 49.9, "status": "captured"}),
        ),
        8 => (
            "erp",
            "event",
            "product",
            format!("SKU-{k}"),
            "upsert",
            json!({"sku": format!("SKU-{k}"), "name": "Cod loin 400 g"}),
        ),
        _ => (
            "shop",
            "event",
            "stock",
            format!("SKU-{k}"),
            "upsert",
            json!({"sku": format!("SKU-{k}"), "onHand": 3, "reserved": 0}),
        ),
    };
    json!({"id": format!("m-{i}"), "at": at(i), "source": source, "kind": kind, "entity": entity, "key": key, "op": op, "data": data})
}
