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
    // Someone asks on the shop's behalf: not a system-triggered request.
    assert_eq!(f.trigger.as_str(), "user");
    assert!(!has(&next, "system-triggered-request", "shop-writes-stock"));
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

// -- acknowledgements, alerts and reconciliation ----------------------------

/// Applies the fix for (code, subject): the finding goes away and no
/// finding appears that the model did not have before (a fix leaves no
/// finding of its own making). Returns the fixed model and the label.
fn fixes_cleanly(m: &Model, code: &str, subject: &str) -> (Model, String) {
    let before: Vec<(String, String)> = check(m).into_iter().map(|f| (f.code, f.subject)).collect();
    assert!(
        before.iter().any(|(c, s)| c == code && s == subject),
        "the model should have {code} on {subject}: {before:?}"
    );
    let fix =
        quick_fix(m, code, subject).unwrap_or_else(|| panic!("no fix for {code} on {subject}"));
    let next = apply(m, &fix.edit).unwrap();
    let after: Vec<(String, String)> = check(&next)
        .into_iter()
        .map(|f| (f.code, f.subject))
        .collect();
    assert!(
        !after.iter().any(|(c, s)| c == code && s == subject),
        "{code} on {subject} is still there after \"{}\"",
        fix.label
    );
    let new: Vec<_> = after.iter().filter(|f| !before.contains(f)).collect();
    assert!(new.is_empty(), "\"{}\" added {new:?}", fix.label);
    (next, fix.label)
}

/// Payment owned by `psp`, copied to `erp` and `acct` (each fed from the
/// owner); `shop` receives Payment from `erp` but is not declared as a holder;
/// `bi` owns reports and has nothing to do with payments.
fn money() -> Value {
    json!({
        "format": "charter-model/1", "name": "Money", "environments": ["prod"],
        "systems": [
            {"id": "psp", "name": "Payment gateway", "kind": "payments"},
            {"id": "erp", "name": "ERP", "kind": "erp"},
            {"id": "acct", "name": "Accounting", "kind": "finance"},
            {"id": "shop", "name": "Storefront", "kind": "ecommerce"},
            {"id": "bi", "name": "BI", "kind": "analytics"}
        ],
        "entities": [
            {"id": "payment", "name": "Payment", "owner": "psp", "key": "id", "monetary": true,
             "steward": "Finance", "consistencyWindowSeconds": 60,
             "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "number"},
                        {"name": "currency", "type": "string"}],
             "copies": ["erp", "acct"]},
            {"id": "report", "name": "Report", "owner": "bi", "key": "id", "steward": "Controlling",
             "consistencyWindowSeconds": 3600, "fields": [{"name": "id", "type": "string"}]}
        ],
        "flows": [
            {"id": "payment-to-erp", "entity": "payment", "from": "psp", "to": "erp",
             "pattern": "event", "trigger": "system", "ack": true},
            {"id": "payment-to-acct", "entity": "payment", "from": "psp", "to": "acct",
             "pattern": "event", "trigger": "system", "ack": true},
            {"id": "payment-to-shop", "entity": "payment", "from": "erp", "to": "shop",
             "pattern": "request", "trigger": "user", "ack": true}
        ],
        "rules": []
    })
}

fn with_rules(rules: Value) -> Model {
    let mut v = money();
    v["rules"] = rules;
    model(v)
}

#[test]
fn zero_ack_deadline_goes_back_to_the_default() {
    let mut v = money();
    v["flows"][0]["ackWithinSeconds"] = json!(0);
    let (next, label) = fixes_cleanly(&model(v), "zero-ack-deadline", "payment-to-erp");
    assert_eq!(
        next.flow("payment-to-erp").unwrap().ack_within_seconds,
        None
    );
    assert!(
        label.contains("consistency window of Payment, 60 s"),
        "{label}"
    );
    assert_eq!(
        next.ack_deadline_seconds(next.flow("payment-to-erp").unwrap()),
        60
    );
    // A positive deadline has nothing to fix.
    let mut v = money();
    v["flows"][0]["ackWithinSeconds"] = json!(30);
    assert!(quick_fix(&model(v), "zero-ack-deadline", "payment-to-erp").is_none());
}

#[test]
fn a_deadline_without_ack_requires_acknowledgement() {
    let mut v = money();
    v["flows"][0]["ack"] = json!(false);
    v["flows"][0]["ackWithinSeconds"] = json!(45);
    let m = model(v);
    assert!(has(&m, "unacknowledged-flow", "payment-to-erp"));
    let (next, label) = fixes_cleanly(&m, "ack-deadline-without-ack", "payment-to-erp");
    let f = next.flow("payment-to-erp").unwrap();
    assert!(f.is_acknowledged() && f.ack_within_seconds == Some(45));
    assert_eq!(label, "Require acknowledgement within 45 s");
    // It settles the unacknowledged flow too.
    assert!(!has(&next, "unacknowledged-flow", "payment-to-erp"));
    assert!(quick_fix(&next, "ack-deadline-without-ack", "payment-to-erp").is_none());
}

#[test]
fn an_unmeasurable_alert_makes_its_flow_acknowledged() {
    for metric in ["ack-rate", "latency-seconds"] {
        let mut v = money();
        v["flows"][1].as_object_mut().unwrap().remove("ack");
        v["rules"] = json!([{"id": "acks", "kind": "alert", "flow": "payment-to-acct",
            "metric": metric, "threshold": 0.9, "windowSeconds": 300}]);
        let (next, label) = fixes_cleanly(&model(v), "unmeasurable-alert", "acks");
        assert!(next.flow("payment-to-acct").unwrap().is_acknowledged());
        assert!(label.contains("payment-to-acct"), "{label}");
    }
}

#[test]
fn a_reconcile_rule_with_one_system_gets_the_holders() {
    let m = with_rules(
        json!([{"id": "settle", "kind": "reconcile", "entity": "payment",
        "systems": ["erp"], "fields": ["amount"]}]),
    );
    let (next, label) = fixes_cleanly(&m, "reconcile-too-few-systems", "settle");
    match next.rules().iter().find(|r| r.id() == "settle").unwrap() {
        charter_model::model::Rule::Reconcile(r) => assert_eq!(r.systems, ["erp", "psp", "acct"]),
        other => panic!("{other:?}"),
    }
    assert!(label.contains("\"erp\", \"psp\" and \"acct\""), "{label}");
    // An entity held by one system only: nothing to add.
    let mut v = money();
    v["entities"][0]["copies"] = json!([]);
    v["flows"] = json!([]);
    v["rules"] = json!([{"id": "settle", "kind": "reconcile", "entity": "payment",
        "systems": ["psp"], "fields": ["amount"]}]);
    let m = model(v);
    assert!(has(&m, "reconcile-too-few-systems", "settle"));
    assert!(quick_fix(&m, "reconcile-too-few-systems", "settle").is_none());
}

#[test]
fn a_reconcile_non_holder_is_declared_when_a_flow_feeds_it_else_taken_off() {
    // `shop` is reached from the owner through erp: it is declared a copy holder.
    let m = with_rules(
        json!([{"id": "settle", "kind": "reconcile", "entity": "payment",
        "systems": ["psp", "erp", "acct", "shop"], "fields": ["amount"]}]),
    );
    let (next, label) = fixes_cleanly(&m, "reconcile-non-holder", "settle");
    assert_eq!(
        next.entity("payment").unwrap().copies,
        ["erp", "acct", "shop"]
    );
    assert!(label.starts_with("Declare \"shop\""), "{label}");
    // `bi` is fed by nothing: it is taken off the rule, the others stay in order.
    let m = with_rules(
        json!([{"id": "settle", "kind": "reconcile", "entity": "payment",
        "systems": ["psp", "bi", "erp", "acct"], "fields": ["amount"]}]),
    );
    let (next, label) = fixes_cleanly(&m, "reconcile-non-holder", "settle");
    match next.rules().iter().find(|r| r.id() == "settle").unwrap() {
        charter_model::model::Rule::Reconcile(r) => assert_eq!(r.systems, ["psp", "erp", "acct"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(label, "Take \"bi\" off rule \"settle\"");
    assert_eq!(next.entity("payment").unwrap().copies, ["erp", "acct"]);
    // Both at once: one step.
    let m = with_rules(
        json!([{"id": "settle", "kind": "reconcile", "entity": "payment",
        "systems": ["psp", "erp", "acct", "shop", "bi"], "fields": ["amount"]}]),
    );
    let (next, label) = fixes_cleanly(&m, "reconcile-non-holder", "settle");
    assert!(
        label.contains("Declare \"shop\"") && label.contains("take \"bi\" off"),
        "{label}"
    );
    assert!(next
        .entity("payment")
        .unwrap()
        .copies
        .contains(&"shop".to_string()));
    // Taking it off would leave one system: no one-click fix.
    let m = with_rules(json!([
        {"id": "settle", "kind": "reconcile", "entity": "payment",
         "systems": ["psp", "bi"], "fields": ["amount"]},
        {"id": "ledger", "kind": "reconcile", "entity": "payment",
         "systems": ["psp", "erp", "acct"], "fields": ["amount"]}]));
    assert!(has(&m, "reconcile-non-holder", "settle"));
    assert!(quick_fix(&m, "reconcile-non-holder", "settle").is_none());
}

#[test]
fn unreconciled_money_adds_the_uncovered_holders_to_the_rule() {
    let m = with_rules(
        json!([{"id": "settle", "kind": "reconcile", "entity": "payment",
        "systems": ["psp", "erp"], "fields": ["amount"], "tolerance": 0.01}]),
    );
    let (next, label) = fixes_cleanly(&m, "unreconciled-money", "payment");
    match next.rules().first().unwrap() {
        charter_model::model::Rule::Reconcile(r) => {
            assert_eq!(r.systems, ["psp", "erp", "acct"]);
            assert_eq!(r.tolerance, Some(0.01), "the rest of the rule is kept");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(label, "Add \"acct\" to reconcile rule \"settle\"");
}

#[test]
fn unreconciled_money_without_a_rule_gets_one_over_every_holder() {
    let m = with_rules(json!([]));
    let (next, label) = fixes_cleanly(&m, "unreconciled-money", "payment");
    match next.rules() {
        [charter_model::model::Rule::Reconcile(r)] => {
            assert_eq!(r.id, "payment-reconcile");
            assert_eq!(r.systems, ["psp", "erp", "acct"]);
            assert_eq!(r.fields, ["amount"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(label.contains("on \"amount\""), "{label}");
    // Without a number field there is no amount to compare: no one-click fix.
    let mut v = money();
    v["entities"][0]["fields"][1]["type"] = json!("string");
    let m = model(v);
    assert!(has(&m, "unreconciled-money", "payment"));
    assert!(quick_fix(&m, "unreconciled-money", "payment").is_none());
}

/// Every fix every sample offers (and the small models above) leaves no
/// finding of its own making: applied alone, on the model as it is.
#[test]
fn every_offer_on_every_sample_fixes_cleanly() {
    let mut models: Vec<(String, Model)> = ["ecommerce-before", "ecommerce", "seafood"]
        .iter()
        .map(|name| {
            let path = format!("{}/examples/{name}.model.json", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            (name.to_string(), parse_model(&text).unwrap())
        })
        .collect();
    models.push(("base".into(), model(base())));
    models.push(("money".into(), model(money())));
    let mut tried = 0;
    for (name, m) in &models {
        for o in offers(m, &check(m)) {
            eprintln!("{name}: {} on {}: {}", o.code, o.subject, o.label);
            fixes_cleanly(m, &o.code, &o.subject);
            tried += 1;
        }
    }
    assert!(tried >= 5, "only {tried} offers on the samples");
}

/// Sending a request to the owner would leave its only target with no part
/// in the model: that is a decision, not a one-click fix.
#[test]
fn no_fix_that_strands_a_system() {
    let m = model(money());
    assert!(has(&m, "request-not-to-owner", "payment-to-shop"));
    assert!(quick_fix(&m, "request-not-to-owner", "payment-to-shop").is_none());
    // Once the shop has another part (it owns Report), the fix is offered.
    let mut v = money();
    v["entities"][1]["owner"] = json!("shop");
    let m = model(v);
    let (next, _) = fixes_cleanly(&m, "request-not-to-owner", "payment-to-shop");
    assert_eq!(next.flow("payment-to-shop").unwrap().to, "psp");
}

#[test]
fn a_key_that_is_not_a_field_is_added_or_matched() {
    // Another case than its field: the field's name is used.
    let mut v = base();
    v["entities"][0]["key"] = json!("SKU");
    let (next, label) = fixes_cleanly(&model(v), "key-not-a-field", "stock");
    let e = next.entity("stock").unwrap();
    assert_eq!(e.key, "sku");
    assert_eq!(e.fields.len(), 1, "no field added");
    assert!(label.contains("\"sku\""), "{label}");
    // Any other key joins the fields as a required string.
    let mut v = base();
    v["entities"][0]["key"] = json!("barcode");
    let (next, label) = fixes_cleanly(&model(v), "key-not-a-field", "stock");
    let e = next.entity("stock").unwrap();
    assert_eq!(e.key, "barcode");
    let f = e.fields.iter().find(|f| f.name == "barcode").unwrap();
    assert_eq!(f.field_type.as_str(), "string");
    assert!(f.is_required());
    assert!(label.contains("\"barcode\""), "{label}");
    // An empty key is a decision.
    let mut v = base();
    v["entities"][0]["key"] = json!("");
    let m = model(v);
    assert!(has(&m, "key-not-a-field", "stock"));
    assert!(quick_fix(&m, "key-not-a-field", "stock").is_none());
}
