//! Live governance through a model exported by charter-model: acks and
//! deadlines (flow, entity window, default), `version` and `escalate`
//! ordering, the contract with its types, alerts (latency, error rate,
//! stall), reconciliation over three systems, incidents, and the report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_runtime::replay::replay;
use charter_runtime::{Compiled, Engine, Summary};
use serde_json::{json, Value};
use std::sync::Arc;

fn config() -> Arc<Compiled> {
    let sys = |id: &str, kind: &str| {
        json!({"id": id, "name": id.to_uppercase(), "kind": kind,
               "endpoints": {"prod": {"protocol": "rest", "url": format!("https://{id}.example.com")}}})
    };
    let model = json!({
        "format": "charter-model/1", "name": "Governance",
        "systems": [sys("erp", "erp"), sys("shop", "ecommerce"), sys("oms", "oms"), sys("psp", "payments")],
        "entities": [
            {"id": "stock", "name": "Stock", "owner": "erp", "key": "sku", "steward": "W",
             "rationale": "ERP books goods", "consistencyWindowSeconds": 30, "copies": ["shop", "oms"],
             "fields": [
                {"name": "sku", "type": "string", "required": true},
                {"name": "qty", "type": "integer", "required": true},
                {"name": "price", "type": "number"},
                {"name": "status", "type": "enum", "values": ["open", "held"]},
                {"name": "day", "type": "date"},
                {"name": "seen", "type": "datetime"},
                {"name": "active", "type": "boolean"}]},
            {"id": "payment", "name": "Payment", "owner": "psp", "key": "id", "steward": "F",
             "rationale": "PSP settles", "monetary": true, "copies": ["oms"],
             "fields": [{"name": "id", "type": "string", "required": true},
                        {"name": "amount", "type": "number", "required": true}]}],
        "flows": [
            {"id": "stock-to-shop", "entity": "stock", "from": "erp", "to": "shop", "pattern": "event",
             "trigger": "system", "ack": true, "ackWithinSeconds": 10, "idempotencyKey": "sku"},
            {"id": "stock-to-oms", "entity": "stock", "from": "erp", "to": "oms", "pattern": "event",
             "trigger": "system", "ack": true, "idempotencyKey": "sku"},
            {"id": "reserve", "entity": "stock", "from": "shop", "to": "erp", "pattern": "request",
             "trigger": "user", "ack": true, "idempotencyKey": "sku"},
            {"id": "payment-to-oms", "entity": "payment", "from": "psp", "to": "oms", "pattern": "event",
             "trigger": "system", "ack": true, "idempotencyKey": "id"}],
        "rules": [
            {"id": "stock-versioned", "kind": "conflict", "entity": "stock", "policy": "version"},
            {"id": "payment-escalate", "kind": "conflict", "entity": "payment", "policy": "escalate"},
            {"id": "qty-ok", "kind": "validate", "entity": "stock", "condition": "qty >= 0",
             "action": "reject", "message": "Stock cannot be negative"},
            {"id": "stock-everywhere", "kind": "reconcile", "entity": "stock",
             "systems": ["erp", "shop", "oms"], "fields": ["qty"], "withinSeconds": 60},
            {"id": "shop-latency", "kind": "alert", "flow": "stock-to-shop",
             "metric": "latency-seconds", "threshold": 2, "windowSeconds": 60},
            {"id": "reserve-errors", "kind": "alert", "flow": "reserve",
             "metric": "error-rate", "threshold": 0.4, "windowSeconds": 60},
            {"id": "payments-stall", "kind": "alert", "flow": "payment-to-oms",
             "metric": "stall-seconds", "threshold": 120, "windowSeconds": 60}]
    });
    let model = charter_model::file::parse_model(&model.to_string()).unwrap();
    let errors: Vec<_> = charter_model::check(&model)
        .into_iter()
        .filter(|f| f.severity == charter_model::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let exported = charter_model::export::export(&model, "prod").unwrap();
    Arc::new(Compiled::from_slice(exported.text.as_bytes(), "governance.json").unwrap())
}

fn t(sec: i64) -> String {
    charter_runtime::time::format_rfc3339_ms(1_772_359_200_000 + sec * 1000)
}

fn stock(id: &str, sec: i64, key: &str, version: Option<i64>, data: Value) -> Value {
    let mut m = json!({"id": id, "at": t(sec), "source": "erp", "kind": "event",
        "entity": "stock", "key": key, "op": "upsert", "data": data});
    if let Some(v) = version {
        m["version"] = json!(v);
    }
    m
}

fn ack(id: &str, sec: i64, from: &str, reference: &str, ok: bool) -> Value {
    json!({"id": id, "at": t(sec), "source": from, "kind": "ack", "ref": reference, "ok": ok,
           "reason": if ok { Value::Null } else { json!("bin full") }})
}

fn run(lines: &[Value]) -> (Vec<Value>, Summary) {
    let mut engine = Engine::new(config());
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let mut out = Vec::new();
    replay(&mut engine, text.as_bytes(), &mut out, None).unwrap();
    let d = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (d, engine.summary())
}

fn verdicts(d: &[Value]) -> Vec<(String, Option<String>)> {
    d.iter()
        .map(|l| {
            (
                l["decision"].as_str().unwrap().to_string(),
                l["reason"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn v(decision: &str, reason: Option<&str>) -> (String, Option<String>) {
    (decision.to_string(), reason.map(str::to_string))
}

#[test]
fn version_ordering_and_the_contract() {
    let good = json!({"sku": "A", "qty": 3, "price": 3, "status": "open", "day": "2026-03-01",
                      "seen": "2026-03-01T10:00:00+01:00", "active": true});
    let (d, s) = run(&[
        stock("s1", 0, "A", Some(2), good.clone()),
        stock("s2", 1, "A", None, good.clone()),
        stock("s3", 2, "A", Some(2), good.clone()),
        stock("s4", 3, "A", Some(1), good.clone()),
        stock("s5", 4, "A", Some(3), json!({"sku": "A", "qty": 2.5})),
        stock("s6", 5, "A", Some(3), json!({"sku": "A"})),
        stock(
            "s7",
            6,
            "A",
            Some(3),
            json!({"sku": "A", "qty": 1, "status": "lost"}),
        ),
        stock(
            "s8",
            7,
            "A",
            Some(3),
            json!({"sku": "A", "qty": 1, "day": "01/03/2026"}),
        ),
        stock(
            "s9",
            8,
            "A",
            Some(3),
            json!({"sku": "A", "qty": 1, "bin": "B7"}),
        ),
        // A refused event does not move the key's version: 3 is still new.
        stock("s10", 9, "A", Some(4), json!({"sku": "A", "qty": -1})),
        stock(
            "s11",
            10,
            "A",
            Some(4),
            json!({"sku": "A", "qty": 1, "price": 2.25}),
        ),
    ]);
    assert_eq!(
        verdicts(&d),
        [
            v("accept", None),
            v("reject", Some("no-version")),
            v("reject", Some("stale")),
            v("reject", Some("stale")),
            v("reject", Some("schema")),
            v("reject", Some("schema")),
            v("reject", Some("schema")),
            v("reject", Some("schema")),
            v("accept", None),
            v("reject", Some("rule")),
            v("accept", None),
        ]
    );
    assert_eq!(d[4]["detail"], "field `qty` must be an integer, found 2.5");
    assert_eq!(d[5]["detail"], "required field `qty` is missing");
    assert_eq!(
        d[6]["detail"],
        "field `status` must be one of open, held, found \"lost\""
    );
    assert_eq!(
        d[7]["detail"],
        "field `day` must be a date (YYYY-MM-DD), found \"01/03/2026\""
    );
    assert_eq!(s.exceptions["drift"], 1);
    let drift = s.incidents.iter().find(|i| i.kind == "drift").unwrap();
    assert_eq!(drift.field.as_deref(), Some("bin"));
    assert_eq!(drift.messages, ["s9"]);
}

#[test]
fn escalate_quarantines_and_names_both_messages() {
    let pay = |id: &str, sec: i64| {
        json!({"id": id, "at": t(sec), "source": "psp", "kind": "event", "entity": "payment",
               "key": "P1", "op": "upsert", "data": {"id": "P1", "amount": 10}})
    };
    let (d, s) = run(&[pay("p1", 100), pay("p2", 50), pay("p3", 100)]);
    assert_eq!(
        verdicts(&d),
        [
            v("accept", None),
            v("quarantine", Some("conflict")),
            v("accept", None)
        ]
    );
    assert_eq!(
        d[1]["detail"],
        "p2 is older than the accepted p1: a person decides"
    );
    assert_eq!(s.exceptions["conflict"], 1);
    let c: Vec<_> = s
        .incidents
        .iter()
        .filter(|i| i.kind == "conflict")
        .collect();
    assert_eq!(
        c.len(),
        1,
        "one occurrence, not a quarantine and an exception"
    );
    assert_eq!(c[0].messages, ["p2"]);
}

#[test]
fn deadlines_latency_errors_and_stall() {
    let rec = |qty: i64| json!({"sku": "A", "qty": qty});
    let reserve = |id: &str, sec: i64, qty: i64| {
        json!({"id": id, "at": t(sec), "source": "shop", "kind": "request", "entity": "stock",
               "key": "A", "op": "reserve", "data": rec(qty)})
    };
    let (d, s) = run(&[
        stock("e1", 0, "A", Some(1), rec(5)),
        // shop acks after 1 s and 5 s; oms nacks e1, acks e2.
        ack("a1", 1, "shop", "e1", true),
        ack("a2", 2, "oms", "e1", false),
        stock("e2", 10, "A", Some(2), rec(6)),
        ack("a3", 15, "shop", "e2", true),
        ack("a4", 16, "oms", "e2", true),
        // e3: shop never acks (deadline 10 s), oms acks after its 30 s window.
        stock("e3", 20, "A", Some(3), rec(7)),
        // Requests: 2 of 4 refused in the first minute (error rate 0.5 > 0.4).
        reserve("r1", 21, 1),
        reserve("r2", 22, -1),
        reserve("r3", 23, -1),
        reserve("r4", 24, 1),
        ack("a5", 25, "erp", "r1", true),
        ack("a6", 26, "erp", "r4", true),
        // The erp acks r2, which it never received: unexpected.
        ack("a7", 27, "erp", "r2", true),
        ack("a8", 55, "oms", "e3", true),
        // A minute later: the shop's silence on e3 is an exception, and
        // the late ack of oms for e3 was observed.
        stock("e4", 300, "A", Some(4), rec(7)),
        ack("a9", 300, "shop", "e4", true),
        ack("a10", 300, "oms", "e4", true),
    ]);
    let refused: Vec<(&str, &str)> = d
        .iter()
        .filter(|l| l["decision"] == "reject")
        .map(|l| (l["id"].as_str().unwrap(), l["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        refused,
        [("r2", "rule"), ("r3", "rule"), ("a7", "unexpected-ack")]
    );
    assert_eq!(d[14]["decision"], "observe", "a late ack is observed");
    let shop = &s.flows["stock-to-shop"];
    assert_eq!(
        (
            shop.delivered,
            shop.acked,
            shop.unacknowledged,
            shop.pending
        ),
        (4, 3, 1, 0)
    );
    let oms = &s.flows["stock-to-oms"];
    assert_eq!(
        (oms.delivered, oms.acked, oms.nacked, oms.unacknowledged),
        (4, 2, 1, 1)
    );
    assert_eq!(s.flows["reserve"].acked, 2);
    let alerts: Vec<(&str, f64)> = s
        .alerts
        .iter()
        .map(|a| (a.rule.as_str(), a.value))
        .collect();
    // shop latency p95 of [1, 5] is 5 s > 2 s; errors 2/4; payments never
    // flowed: noticed at 300 s, stalled since the first message.
    assert_eq!(
        alerts,
        [
            ("shop-latency", 5.0),
            ("reserve-errors", 0.5),
            ("payments-stall", 300.0)
        ]
    );
    let stall = &s.alerts[2];
    assert_eq!(
        (stall.from.as_str(), stall.to.as_str()),
        (t(0).as_str(), t(120).as_str())
    );
    assert_eq!(s.exceptions["unacknowledged"], 2);
    assert_eq!(s.exceptions["nack"], 1);
    let nack = s.incidents.iter().find(|i| i.kind == "nack").unwrap();
    assert_eq!(
        nack.summary,
        "oms refused 1 stock delivery on stock-to-oms: bin full"
    );
    // Reconciliation over three systems: erp reported (events), neither
    // shop nor oms ever did: each is silent against the first.
    let recon: Vec<(&str, &str)> = s
        .reconciliation
        .iter()
        .map(|x| (x.rule.as_str(), x.detail.as_str()))
        .collect();
    assert_eq!(
        recon,
        [
            (
                "stock-everywhere",
                "shop silent 300s after erp reported (window 60s)"
            ),
            (
                "stock-everywhere",
                "oms silent 300s after erp reported (window 60s)"
            )
        ]
    );
    assert_eq!(s.exceptions["silent"], 2);
}

#[test]
fn reconciliation_over_three_systems_compares_each_with_the_first() {
    let state = |id: &str, sec: i64, from: &str, qty: i64| {
        json!({"id": id, "at": t(sec), "source": from, "kind": "state", "entity": "stock",
               "key": "A", "op": "report", "data": {"sku": "A", "qty": qty}})
    };
    let (_, s) = run(&[
        stock("e1", 0, "A", Some(1), json!({"sku": "A", "qty": 5})),
        state("s1", 10, "shop", 5),
        state("s2", 20, "oms", 4),
    ]);
    let recon: Vec<(&str, &str)> = s
        .reconciliation
        .iter()
        .map(|x| (x.key.as_str(), x.detail.as_str()))
        .collect();
    assert_eq!(recon, [("A", "qty: erp=5 vs oms=4 (tolerance 0)")]);
    let mismatch = s.incidents.iter().find(|i| i.kind == "mismatch").unwrap();
    assert_eq!(mismatch.keys, ["A"]);
}

/// Splitting the input anywhere and deciding the two halves in one engine
/// (as `serve` does request by request) gives the decisions of one replay;
/// and the same input always gives the same output.
#[test]
fn decisions_do_not_depend_on_how_the_input_is_cut() {
    let rec = |qty: i64| json!({"sku": "A", "qty": qty});
    let lines = vec![
        stock("e1", 0, "A", Some(1), rec(5)),
        ack("a1", 1, "shop", "e1", true),
        stock("e2", 2, "A", Some(1), rec(6)),
        stock("e3", 3, "A", Some(2), rec(-1)),
        ack("a2", 50, "oms", "e1", true),
        ack("a3", 51, "oms", "e1", true),
        stock(
            "e4",
            400,
            "A",
            Some(3),
            json!({"sku": "A", "qty": 1, "x": 1}),
        ),
    ];
    let (whole, summary) = run(&lines);
    assert_eq!(run(&lines).0, whole);
    for cut in 0..=lines.len() {
        let mut engine = Engine::new(config());
        let mut out = Vec::new();
        for part in [&lines[..cut], &lines[cut..]] {
            let text: String = part.iter().map(|l| format!("{l}\n")).collect();
            replay(&mut engine, text.as_bytes(), &mut out, None).unwrap();
        }
        let got: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let strip = |d: &[Value]| -> Vec<Value> {
            d.iter()
                .map(|l| {
                    let mut l = l.clone();
                    l["line"] = Value::Null;
                    l
                })
                .collect()
        };
        assert_eq!(strip(&got), strip(&whole), "cut at {cut}");
        let s = engine.summary();
        assert_eq!(s.counts, summary.counts);
        assert_eq!(s.flows, summary.flows);
        assert_eq!(s.exceptions, summary.exceptions);
    }
}
