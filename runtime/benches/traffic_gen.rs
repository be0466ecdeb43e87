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
                json!({"sku": format!("SKU-{k}"), "onHand": on_hand, "reserved": reserved,
                       "location": "DC1", "updatedAt": at(i)}),
            )
        }
        3 => (
            "shop",
            "request",
            "stock",
            format!("SKU-{k}"),
            "reserve",
            json!({"sku": format!("SKU-{k}"), "onHand": 10, "reserved": 1,
                   "location": "DC1", "updatedAt": at(i)}),
        ),
        4 => {
            let total = (i % 7_000) as f64 + 0.5;
            (
                "oms",
                "event",
                "order",
                format!("SO-{k}"),
                "upsert",
                json!({"orderNo": format!("SO-{k}"), "customerId": format!("C-{}", i % 977),
                       "total": total, "lines": 1 + i % 4, "currency": "EUR", "status": "placed"}),
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
                json!({"shipmentId": format!("SH-{k}"), "orderNo": format!("SO-{k}"), "weightKg": weight,
                       "serviceLevel": level, "country": "SE", "status": "planned"}),
            )
        }
        6 => (
            "psp",
            "event",
            "payment",
            format!("PAY-{k}"),
            "upsert",
            json!({"paymentId": format!("PAY-{k}"), "orderNo": format!("SO-{k}"), "amount": 49.9,
                   "currency": "EUR", "status": "captured"}),
        ),
        7 => (
            "oms",
            "state",
            "payment",
            format!("PAY-{k}"),
            "report",
            json!({"paymentId": format!("PAY-{k}"), "orderNo": format!("SO-{k}"), "amount": 49.9,
                   "currency": "EUR", "status": "captured"}),
        ),
        8 => (
            "erp",
            "event",
            "product",
            format!("SKU-{k}"),
            "upsert",
            json!({"sku": format!("SKU-{k}"), "title": "Cod loin 400 g", "price": 7.5,
                   "weightKg": 0.4, "active": true}),
        ),
        _ => (
            "shop",
            "event",
            "stock",
            format!("SKU-{k}"),
            "upsert",
            json!({"sku": format!("SKU-{k}"), "onHand": 3, "reserved": 0,
                   "location": "DC1", "updatedAt": at(i)}),
        ),
    };
    let mut m = json!({"id": format!("m-{i}"), "at": at(i), "source": source, "kind": kind, "entity": entity, "key": key, "op": op, "data": data});
    if entity == "order" {
        // The sample orders by version.
        m["version"] = json!(i);
    }
    m
}

/// The systems that receive message `i` on a flow with `ack` (the sample
/// model's flows; a test checks them against the engine's deliveries).
pub fn ack_targets(i: u64) -> &'static [&'static str] {
    match i % 10 {
        0..=2 if i % 100 == 12 => &[],
        0..=2 => &["shop", "oms"],
        3 => &["erp"],
        4 => &["shop", "erp", "tpl", "accounting"],
        5 => &["tpl", "shop"],
        6 => &["oms", "accounting"],
        8 => &["shop", "oms"],
        _ => &[],
    }
}

/// The ack of `to` for the delivery of message `i`, at the same time.
pub fn ack(i: u64, to: &str) -> Value {
    json!({"id": format!("a-{i}-{to}"), "at": at(i), "source": to, "kind": "ack", "ref": format!("m-{i}")})
}

/// Message `i` followed by one ack per delivery on a flow with `ack`.
pub fn with_acks(i: u64) -> Vec<Value> {
    let mut out = vec![message(i)];
    out.extend(ack_targets(i).iter().map(|to| ack(i, to)));
    out
}
