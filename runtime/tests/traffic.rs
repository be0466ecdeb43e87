//! Recorded traffic per failure pattern of domain.md, through the runtime.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_runtime::replay::replay;
use charter_runtime::{Compiled, Engine, Summary};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;

fn traffic_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/traffic")
}

fn config_path() -> PathBuf {
    traffic_dir().join("ecommerce.config.json")
}

/// The fixture configuration's digest is current. With CHARTER_BLESS=1 it is
/// recomputed and the file rewritten (after editing the fixture by hand).
#[test]
fn fixture_config_digest_is_current() {
    let path = config_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let digest = charter_model::export::digest_of(&doc);
    if std::env::var("CHARTER_BLESS").as_deref() == Ok("1") {
        doc["digest"] = Value::String(digest.clone());
        let out = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        charter_model::file::write_atomically(&path, out.as_bytes()).unwrap();
    } else {
        assert_eq!(doc["digest"], Value::String(digest));
    }
}

fn run(file: &str) -> (Vec<Value>, Summary) {
    let cfg = Arc::new(Compiled::load_file(&config_path()).unwrap());
    let mut engine = Engine::new(cfg);
    let input = std::fs::read(traffic_dir().join(file)).unwrap();
    let mut out = Vec::new();
    replay(&mut engine, input.as_slice(), &mut out, None).unwrap();
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        input.split(|b| *b == b'\n').count() - 1,
        "one decision per input line"
    );
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["line"], json!(i + 1));
    }
    (lines, engine.summary())
}

/// (decision, reason, rule, deliveries as (to, key)).
fn check(
    line: &Value,
    decision: &str,
    reason: Option<&str>,
    rule: Option<&str>,
    deliveries: &[(&str, Value)],
) {
    assert_eq!(line["decision"], json!(decision), "{line}");
    assert_eq!(line["reason"], json!(reason), "{line}");
    if decision == "invalid" {
        assert!(line["detail"].is_string(), "{line}");
    }
    assert_eq!(line["rule"], json!(rule), "{line}");
    let want: Vec<Value> = deliveries
        .iter()
        .map(|(to, k)| json!({"to": to, "idempotencyKey": k}))
        .collect();
    assert_eq!(line["deliveries"], Value::Array(want), "{line}");
}

#[test]
fn double_write_stock_race() {
    let (d, s) = run("double-write-stock-race.jsonl");
    check(
        &d[0],
        "accept",
        None,
        None,
        &[("shop", json!("SKU-1")), ("oms", Value::Null)],
    );
    // The storefront writing stock itself is the double write: refused.
    check(&d[1], "reject", Some("not-owner"), None, &[]);
    // It may only ask the owner for a reservation.
    check(&d[2], "accept", None, None, &[("erp", json!("R-1"))]);
    check(
        &d[3],
        "accept",
        None,
        None,
        &[("shop", json!("SKU-1")), ("oms", Value::Null)],
    );
    check(&d[4], "observe", None, None, &[]);
    check(&d[5], "reject", Some("not-holder"), None, &[]);
    check(&d[6], "reject", Some("rule"), Some("qty-not-negative"), &[]);
    check(
        &d[7],
        "accept",
        None,
        None,
        &[("shop", json!("SKU-3")), ("oms", Value::Null)],
    );
    check(&d[9], "observe", None, None, &[]);
    check(&d[10], "duplicate", None, None, &[]);
    assert_eq!(d[10]["id"], json!("s-1"));
    assert_eq!(
        (
            s.counts.accept,
            s.counts.reject,
            s.counts.observe,
            s.counts.duplicate
        ),
        (5, 3, 2, 1)
    );
    assert_eq!(s.counts.reasons["not-owner"], 1);
    assert_eq!(s.counts.reasons["not-holder"], 1);
    let x: Vec<(&str, &str)> = s
        .reconciliation
        .iter()
        .map(|x| (x.rule.as_str(), x.key.as_str()))
        .collect();
    assert_eq!(x, [("stock-sync", "SKU-1"), ("stock-sync", "SKU-3")]);
    assert!(
        s.reconciliation[0]
            .detail
            .contains("quantity: erp=9 vs shop=8"),
        "{}",
        s.reconciliation[0].detail
    );
    assert!(
        s.reconciliation[1]
            .detail
            .starts_with("shop silent 602s after erp"),
        "{}",
        s.reconciliation[1].detail
    );
}

#[test]
fn settlement_drift() {
    let (d, s) = run("settlement-drift.jsonl");
    check(
        &d[0],
        "accept",
        None,
        None,
        &[("oms", json!("P-1")), ("accounting", json!("P-1"))],
    );
    check(&d[1], "observe", None, None, &[]);
    check(&d[7], "reject", Some("not-owner"), None, &[]);
    check(&d[8], "reject", Some("rule"), Some("amount-positive"), &[]);
    let x: Vec<(&str, &str, &str)> = s
        .reconciliation
        .iter()
        .map(|x| (x.rule.as_str(), x.key.as_str(), x.cause.as_str()))
        .collect();
    assert_eq!(
        x,
        [
            ("settlement", "P-2", "mismatch"),
            ("settlement", "P-4", "silent"),
            ("settlement", "P-7", "mismatch")
        ]
    );
    assert!(
        s.reconciliation[0]
            .detail
            .contains("amount: psp=250.0 vs oms=249.5"),
        "{}",
        s.reconciliation[0].detail
    );
    assert!(
        s.reconciliation[2].detail.contains("currency"),
        "{}",
        s.reconciliation[2].detail
    );
    assert!(
        !s.reconciliation[2].detail.contains("amount"),
        "{}",
        s.reconciliation[2].detail
    );
}

#[test]
fn silent_failure_is_made_visible() {
    let (d, s) = run("silent-failure.jsonl");
    let oms_3pl = |k: &str| [("oms", json!(k)), ("3pl", json!(k))];
    check(&d[0], "accept", None, None, &oms_3pl("O-1"));
    check(
        &d[1],
        "quarantine",
        Some("rule"),
        Some("order-has-lines"),
        &[],
    );
    // A missing field makes the rule fail: quarantined, not passed on.
    check(
        &d[2],
        "quarantine",
        Some("rule"),
        Some("order-has-lines"),
        &[],
    );
    check(&d[3], "invalid", None, None, &[]);
    assert!(d[3]["detail"].as_str().unwrap().starts_with("not JSON"));
    check(&d[4], "duplicate", None, None, &[]);
    check(&d[5], "reject", Some("unknown-system"), None, &[]);
    check(&d[6], "reject", Some("unknown-entity"), None, &[]);
    check(
        &d[7],
        "reject",
        Some("rule"),
        Some("order-total-positive"),
        &[],
    );
    check(
        &d[8],
        "flag",
        Some("rule"),
        Some("big-order"),
        &[
            ("oms", json!("O-9")),
            ("3pl", json!("O-9")),
            ("accounting", Value::Null),
        ],
    );
    check(&d[9], "invalid", None, None, &[]);
    assert_eq!(d[9]["detail"], json!("empty line"));
    check(&d[10], "observe", None, None, &[]);
    assert_eq!(s.counts.messages, 11);
    assert_eq!(s.counts.refused(), 7);
    assert_eq!(s.counts.reasons["rule"], 4);
}

#[test]
fn carrier_logic_lives_in_route_rules_not_the_connector() {
    let (d, _) = run("logic-in-connector.jsonl");
    check(
        &d[0],
        "accept",
        None,
        None,
        &[
            ("oms", json!("O-10")),
            ("3pl", json!("O-10")),
            ("carrier-express", Value::Null),
        ],
    );
    check(
        &d[1],
        "accept",
        None,
        None,
        &[("oms", json!("O-11")), ("3pl", json!("O-11"))],
    );
    check(
        &d[2],
        "flag",
        Some("rule"),
        Some("big-order"),
        &[
            ("oms", json!("O-12")),
            ("3pl", json!("O-12")),
            ("carrier-express", Value::Null),
            ("accounting", Value::Null),
        ],
    );
    // No shipping field: the route condition cannot be evaluated, no match.
    check(
        &d[3],
        "accept",
        None,
        None,
        &[("oms", json!("O-13")), ("3pl", json!("O-13"))],
    );
    // A delete carries no record: not validated, still delivered.
    check(
        &d[4],
        "accept",
        None,
        None,
        &[("oms", json!("O-10")), ("3pl", json!("O-10"))],
    );
}

#[test]
fn tampered_or_unknown_config_is_refused() {
    let text = std::fs::read_to_string(config_path()).unwrap();
    let tampered = text.replacen("\"owner\": \"erp\"", "\"owner\": \"shop\"", 1);
    assert_ne!(tampered, text);
    let e = Compiled::from_slice(tampered.as_bytes(), "cfg.json")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("cfg.json: digest mismatch"), "{e}");
    let unknown = text.replacen("charter-config/1", "charter-config/9", 1);
    let e = Compiled::from_slice(unknown.as_bytes(), "cfg.json")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown configuration format \"charter-config/9\""),
        "{e}"
    );
    let e = Compiled::from_slice(b"{", "cfg.json")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("cfg.json: not JSON"), "{e}");
}

#[test]
fn bad_condition_is_refused_at_load() {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(config_path()).unwrap()).unwrap();
    doc["rules"][0]["condition"] = json!("quantity >=");
    doc["digest"] = json!(charter_model::export::digest_of(&doc));
    let e = Compiled::from_slice(doc.to_string().as_bytes(), "cfg.json")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("cfg.json: rule qty-not-negative: condition"),
        "{e}"
    );
}

/// Edge cases of events.md: a byte order mark before the first message, an
/// array that is not a message, deletes (no record) whose deliveries still
/// carry the key, and a side that answers, but late.
#[test]
fn edge_cases_bom_arrays_deletes_and_late_answers() {
    let (d, s) = run("edge-cases.jsonl");
    check(
        &d[0],
        "accept",
        None,
        None,
        &[("oms", json!("P-L")), ("accounting", json!("P-L"))],
    );
    check(&d[1], "invalid", None, None, &[]);
    assert!(
        d[1]["detail"].as_str().unwrap().contains("array"),
        "{}",
        d[1]
    );
    // The flow's idempotency key is the entity's key: a delete carries it in `key`.
    check(
        &d[2],
        "accept",
        None,
        None,
        &[("shop", json!("SKU-9")), ("oms", Value::Null)],
    );
    check(
        &d[3],
        "accept",
        None,
        None,
        &[("oms", json!("P-D")), ("accounting", json!("P-D"))],
    );
    check(&d[6], "observe", None, None, &[]);
    // An upsert without its required key field breaks the contract (a
    // delete, which carries no record, has the message's key stand in).
    check(&d[7], "reject", Some("schema"), None, &[]);
    assert_eq!(
        d[7]["detail"],
        json!("required field `paymentId` is missing")
    );
    let x: Vec<(&str, &str, &str)> = s
        .reconciliation
        .iter()
        .map(|x| (x.rule.as_str(), x.key.as_str(), x.cause.as_str()))
        .collect();
    // P-Q was answered within the window and then went quiet: no exception.
    assert_eq!(
        x,
        [
            ("settlement", "P-D", "silent"),
            ("settlement", "P-L", "silent"),
            ("stock-sync", "SKU-9", "silent")
        ]
    );
    let late = &s.reconciliation[1].detail;
    assert_eq!(
        late, "oms silent 172800s after psp reported, then reported late (window 86400s)",
        "{late}"
    );
}

/// The green dashboard (domain.md, pattern 4): the transport is fine, the
/// 3PL takes ten orders, refuses two ("carrier missing") and then silently
/// receives nothing. Every delivery to it is accounted for, one incident per
/// cause, and the ack-rate alert fires for the window.
#[test]
fn green_dashboard_silent_failure_is_an_incident_and_an_alert() {
    let (d, s) = run("green-dashboard.jsonl");
    let decisions: Vec<(&str, Option<&str>)> = d
        .iter()
        .map(|l| (l["decision"].as_str().unwrap(), l["reason"].as_str()))
        .collect();
    // 20 orders and a stock event accepted; every ack observed except two.
    assert_eq!(decisions.iter().filter(|x| x.0 == "accept").count(), 21);
    let refused: Vec<_> = d
        .iter()
        .filter(|l| l["decision"] == "reject")
        .map(|l| (l["id"].as_str().unwrap(), l["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        refused,
        [("g-x-1", "unexpected-ack"), ("g-x-2", "unexpected-ack")]
    );
    // The late ack (after its deadline, within one more ack window) is
    // observed; the exception stays.
    let late = d.iter().find(|l| l["id"] == "g-13-late").unwrap();
    assert_eq!(late["decision"], "observe");
    let f = &s.flows["order-to-3pl"];
    assert_eq!(
        (f.delivered, f.acked, f.nacked, f.unacknowledged, f.pending),
        (20, 10, 2, 8, 0)
    );
    let oms = &s.flows["order-to-oms"];
    assert_eq!((oms.delivered, oms.acked, oms.unacknowledged), (20, 20, 0));
    assert_eq!(s.flows["stock-to-shop"].acked, 1);
    assert_eq!(s.flows["stock-to-oms"].delivered, 1);
    assert_eq!(s.exceptions["unacknowledged"], 8);
    assert_eq!(s.exceptions["nack"], 2);
    assert_eq!(s.exceptions["alert"], 1);
    assert_eq!(s.alerts.len(), 1);
    let a = serde_json::to_value(&s.alerts[0]).unwrap();
    assert_eq!(
        a,
        json!({"rule": "ack-drop", "flow": "order-to-3pl", "metric": "ack-rate", "value": 0.5,
               "threshold": 0.98, "from": "2026-03-01T10:00:00Z", "to": "2026-03-01T10:05:00Z"})
    );
    let inc: Vec<(&str, &str, u64)> = s
        .incidents
        .iter()
        .map(|i| (i.kind.as_str(), i.subject.as_str(), i.count))
        .collect();
    assert_eq!(
        inc,
        [
            ("unacknowledged", "order-to-3pl", 8),
            ("nack", "order-to-3pl", 2),
            ("reject", "", 2),
            ("alert", "ack-drop", 1)
        ]
    );
    let silent = &s.incidents[0];
    assert_eq!(silent.source, "3pl");
    assert_eq!(silent.messages, ["g-13", "g-14", "g-15", "g-16", "g-17"]);
    assert_eq!(silent.first, "2026-03-01T10:04:10Z");
    assert_eq!(
        silent.summary,
        "3pl never acknowledged 8 order deliveries on order-to-3pl (no ack from 3pl within 120s)"
    );
    assert_eq!(
        s.incidents[1].summary,
        "3pl refused 2 order deliveries on order-to-3pl: carrier missing"
    );
    assert_eq!(s.incidents[1].keys, ["O-11", "O-12"]);
}

/// A stale stock update overtakes a newer one: last-write-wins refuses it.
#[test]
fn stale_stock_update_is_refused() {
    let (d, s) = run("stale-stock.jsonl");
    check(
        &d[0],
        "accept",
        None,
        None,
        &[("shop", json!("SKU-7")), ("oms", Value::Null)],
    );
    check(&d[1], "reject", Some("stale"), None, &[]);
    // The same time as the accepted one is not older.
    assert_eq!(d[2]["decision"], "accept");
    assert_eq!(d[3]["decision"], "accept");
    assert_eq!(s.counts.reasons["stale"], 1);
    assert_eq!(s.incidents.len(), 1);
    assert_eq!(
        s.incidents[0].summary,
        "erp sent 1 stale stock level event (older than one already accepted): refused"
    );
}

/// A storefront upgrade renames `orderId`: every such order is refused at
/// the contract, naming the field, and the new field is drift; each cause is
/// one incident, not a stream of decisions.
#[test]
fn renamed_field_is_refused_at_the_contract_and_raises_drift() {
    let (d, s) = run("storefront-upgrade.jsonl");
    assert_eq!(d[0]["decision"], "accept");
    assert_eq!(
        (&d[1]["decision"], &d[2]["decision"]),
        (&json!("observe"), &json!("observe"))
    );
    for l in &d[3..10] {
        check(l, "reject", Some("schema"), None, &[]);
        assert_eq!(l["detail"], "required field `orderId` is missing", "{l}");
    }
    check(&d[10], "reject", Some("schema"), None, &[]);
    assert_eq!(
        d[10]["detail"],
        "field `total` must be a number, found \"10.00\""
    );
    assert_eq!(s.exceptions["drift"], 7);
    let inc: Vec<(&str, Option<&str>, u64)> = s
        .incidents
        .iter()
        .map(|i| (i.kind.as_str(), i.field.as_deref(), i.count))
        .collect();
    assert_eq!(
        inc,
        [
            ("drift", Some("orderNumber"), 7),
            ("reject", Some("orderId"), 7),
            ("reject", Some("total"), 1)
        ]
    );
    assert_eq!(
        s.incidents[1].summary,
        "shop sent 7 order records that break the contract: required field `orderId` is missing"
    );
    assert_eq!(
        s.incidents[0].summary,
        "shop sent 7 order records with the undeclared field `orderNumber`: its shape changed without the model"
    );
}
