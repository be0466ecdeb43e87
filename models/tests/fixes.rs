#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! One-click fixes: each removes its finding and adds no error; findings
//! that need a decision get none.

use charter_model::edit::{apply, Edit};
use charter_model::fixes::{offers, quick_fix};
use charter_model::{check, parse_model, Model, Severity};
use serde_json::{json, Value};

fn model(v: Value) -> Model {
    parse_model(&serde_json::to_string(&v).unwrap()).unwrap()
}

fn base() -> Value {
    json!({
        "format": "charter-model/1", "name": "Shop", "environments": ["prod"],
        "systems": [
            {"id": "erp", "name": "ERP", "kind": "erp"},
            {"id": "shop", "name": "Storefront", "kind": "ecommerce"},
            {"id": "pay", "name": "Payments", "kind": "payments", "sideEffects": true}
        ],
        "entities": [
            {"id": "stock", "name": "Stock", "owner": "erp", "key": "sku",
             "fields": [{"name": "sku", "type": "string", "required": true}],
             "copies": ["shop", "erp"]}
        ],
        "flows": [
            {"id": "shop-writes-stock", "entity": "stock", "from": "shop", "to": "erp",
             "pattern": "event", "trigger": "system", "ack": true},
            {"id": "ask-stock", "entity": "stock", "from": "shop", "to": "pay",
             "pattern": "request", "trigger": "user", "ack": true},
            {"id": "stock-to-pay", "entity": "stock", "from": "erp", "to": "pay",
             "pattern": "event", "trigger": "system"}
        ]
    })
}

fn has(m: &Model, code: &str, subject: &str) -> bool {
    check(m)
        .iter()
        .any(|f| f.code == code && f.subject == subject)
}

fn errors(m: &Model) -> usize {
    check(m)
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count()
}

/// Applies the fix for (code, subject): the finding must go away and the
/// number of errors must not grow.
fn fixes(m: &Model, code: &str, subject: &str) -> Model {
    assert!(
        has(m, code, subject),
        "the model should have {code} on {subject}"
    );
    let fix =
        quick_fix(m, code, subject).unwrap_or_else(|| panic!("no fix for {code} on {subject}"));
    let next = apply(m, &fix.edit).unwrap();
    assert!(
        !has(&next, code, subject),
        "{code} on {subject} is still there after \"{}\"",
        fix.label
    );
    assert!(
        errors(&next) <= errors(m),
        "\"{}\" added errors: {:?}",
        fix.label,
        check(&next)
    );
    next
}

#[test]
fn double_write_becomes_a_request_to_the_owner() {
    let m = model(base());
    let next = fixes(&m, "double-write", "shop-writes-stock");
    let f = next.flow("shop-writes-stock").unwrap();
    assert_eq!(f.pattern.as_str(), "request");
    assert_eq!((f.from.as_str(), f.to.as_str()), ("shop", "erp"));
    let label = quick_fix(&m, "double-write", "shop-writes-stock")
        .unwrap()
        .label;
    assert!(label.contains("\"erp\""), "{label}");
}

#[test]
fn request_goes_to_the_owner() {
    let m = model(base());
    let next = fixes(&m, "request-not-to-owner", "ask-stock");
    assert_eq!(next.flow("ask-stock").unwrap().to, "erp");
}

#[test]
fn unacknowledged_flow_requires_ack() {
    let m = model(base());
    let next = fixes(&m, "unacknowledged-flow", "stock-to-pay");
    assert_eq!(next.flow("stock-to-pay").unwrap().ack, Some(true));
}

#[test]
fn missing_idempotency_key_uses_the_entity_key() {
    let m = model(base());
    let next = fixes(&m, "missing-idempotency-key", "stock-to-pay");
    assert_eq!(
        next.flow("stock-to-pay")
            .unwrap()
            .idempotency_key
            .as_deref(),
        Some("sku")
    );
}

#[test]
fn owner_is_taken_off_the_copies() {
    let m = model(base());
    let next = fixes(&m, "owner-listed-as-copy", "stock");
    assert_eq!(
        next.entity("stock").unwrap().copies,
        vec!["shop".to_string()]
    );
}

#[test]
fn decisions_get_no_fix() {
    let mut v = base();
    v["entities"][0].as_object_mut().unwrap().remove("owner");
    let m = model(v);
    // No owner: nobody can say who should own it, nor where the request goes.
    assert!(has(&m, "no-owner", "stock"));
    assert!(quick_fix(&m, "no-owner", "stock").is_none());
    assert!(quick_fix(&m, "double-write", "shop-writes-stock").is_none());
    assert!(quick_fix(&m, "request-not-to-owner", "ask-stock").is_none());
    // Unknown codes and subjects.
    assert!(quick_fix(&m, "no-such-code", "stock").is_none());
    assert!(quick_fix(&m, "unacknowledged-flow", "no-such-flow").is_none());
    // A flow that already has its ack has nothing to fix.
    assert!(quick_fix(&m, "unacknowledged-flow", "ask-stock").is_none());
}

#[test]
fn every_offer_on_the_failing_sample_fixes_its_finding() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/ecommerce-before.model.json"
    ))
    .unwrap();
    let m = parse_model(&text).unwrap();
    let found = check(&m);
    let on_offer = offers(&m, &found);
    assert!(
        on_offer.iter().any(|o| o.code == "double-write"),
        "{on_offer:?}"
    );
    assert!(
        on_offer.iter().any(|o| o.code == "unacknowledged-flow"),
        "{on_offer:?}"
    );
    for o in &on_offer {
        fixes(&m, &o.code, &o.subject);
    }
    // All of them together, as one batch (one undo step).
    let batch = Edit::Batch {
        summary: "Fix all".into(),
        edits: on_offer
            .iter()
            .map(|o| quick_fix(&m, &o.code, &o.subject).unwrap().edit)
            .collect(),
    };
    let all = apply(&m, &batch).unwrap();
    for o in &on_offer {
        assert!(
            !has(&all, &o.code, &o.subject),
            "{o:?} left after the batch"
        );
    }
}

#[test]
fn a_batch_is_all_or_nothing() {
    let m = model(base());
    let bad = Edit::Batch {
        summary: String::new(),
        edits: vec![
            Edit::DeleteFlow {
                id: "ask-stock".into(),
            },
            Edit::DeleteFlow {
                id: "no-such-flow".into(),
            },
        ],
    };
    assert!(apply(&m, &bad).is_err());
    assert!(m.flow("ask-stock").is_some());
    let good = Edit::Batch {
        summary: String::new(),
        edits: vec![
            Edit::DeleteFlow {
                id: "ask-stock".into(),
            },
            Edit::DeleteFlow {
                id: "stock-to-pay".into(),
            },
        ],
    };
    assert_eq!(good.summary(), "2 changes");
    let next = apply(&m, &good).unwrap();
    assert_eq!(next.flows.len(), 1);
}
