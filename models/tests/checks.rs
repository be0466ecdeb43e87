#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every finding code: a small model that triggers it, and one that does not.

use charter_model::{check, parse_model, Finding, FindingCode, Model, Severity};
use serde_json::{json, Value};

/// A clean model: no finding at all.
fn base() -> Value {
    json!({
        "format": "charter-model/1",
        "name": "Shop",
        "environments": ["test", "prod"],
        "systems": [
            {"id": "erp", "name": "ERP", "kind": "erp", "endpoints": {
                "test": {"protocol": "rest", "url": "https://erp.test.example.com/api", "credentialRef": "vault:erp/test"},
                "prod": {"protocol": "rest", "url": "https://erp.example.com/api", "credentialRef": "vault:erp/prod"}}},
            {"id": "shop", "name": "Storefront", "kind": "ecommerce", "endpoints": {
                "test": {"protocol": "webhook", "url": "https://shop.test.example.com/hook", "credentialRef": "env:SHOP_TEST"},
                "prod": {"protocol": "webhook", "url": "https://shop.example.com/hook", "credentialRef": "env:SHOP_PROD"}}}
        ],
        "entities": [
            {"id": "stock", "name": "Stock", "owner": "erp", "steward": "Warehouse manager",
             "key": "sku", "consistencyWindowSeconds": 5,
             "fields": [
                {"name": "sku", "type": "string", "required": true},
                {"name": "quantity", "type": "integer", "required": true},
                {"name": "price", "type": "number"},
                {"name": "active", "type": "boolean"},
                {"name": "status", "type": "enum", "values": ["open", "held"]}],
             "copies": ["shop"]}
        ],
        "flows": [
            {"id": "stock-to-shop", "entity": "stock", "from": "erp", "to": "shop",
             "pattern": "event", "trigger": "system", "ack": true, "idempotencyKey": "sku"}
        ],
        "rules": [
            {"id": "qty-not-negative", "kind": "validate", "entity": "stock",
             "condition": "quantity >= 0 && status != \"held\"", "action": "reject"}
        ]
    })
}

fn model_of(v: &Value) -> Model {
    let text = serde_json::to_string_pretty(v).unwrap();
    parse_model(&text).unwrap_or_else(|p| panic!("test model does not read: {p:?}"))
}

fn findings(v: &Value) -> Vec<Finding> {
    check(&model_of(v))
}

fn with(patch: impl FnOnce(&mut Value)) -> Vec<Finding> {
    let mut v = base();
    patch(&mut v);
    findings(&v)
}

/// The findings with `code`; fails when there is none with that subject.
fn expect(fs: &[Finding], code: FindingCode, subject: &str) -> Finding {
    let hit = fs
        .iter()
        .find(|f| f.code == code.as_str() && f.subject == subject)
        .unwrap_or_else(|| panic!("no {} on `{subject}` in {fs:#?}", code.as_str()))
        .clone();
    assert_eq!(hit.severity, code.severity());
    assert!(
        hit.fix.as_deref().is_some_and(|f| !f.is_empty()),
        "{hit:?} has no fix"
    );
    assert!(
        !hit.message.contains('\n'),
        "message is not one line: {hit:?}"
    );
    hit
}

fn none(fs: &[Finding], code: FindingCode) {
    let hits: Vec<_> = fs.iter().filter(|f| f.code == code.as_str()).collect();
    assert!(hits.is_empty(), "unexpected {}: {hits:#?}", code.as_str());
}

fn push(v: &mut Value, list: &str, item: Value) {
    v[list].as_array_mut().unwrap().push(item);
}

#[test]
fn the_base_model_is_clean() {
    let fs = findings(&base());
    assert!(fs.is_empty(), "{fs:#?}");
}

#[test]
fn severities_of_codes() {
    use FindingCode::*;
    for c in [
        DoubleWrite,
        NoOwner,
        UnknownOwner,
        UnknownReference,
        DuplicateId,
        RequestNotToOwner,
        LiteralSecret,
        ZeroAckDeadline,
        ReconcileTooFewSystems,
    ] {
        assert_eq!(c.severity(), Severity::Error, "{}", c.as_str());
    }
    for c in [
        ConditionSyntax,
        ConditionUnknownField,
        ConditionTypeMismatch,
        ConditionUnknownFunction,
    ] {
        assert_eq!(c.severity(), Severity::Error, "{}", c.as_str());
    }
    for c in [
        UnacknowledgedFlow,
        StaleCopy,
        UndeclaredCopy,
        EventEcho,
        MissingIdempotencyKey,
        UnreconciledMoney,
        UserTriggeredEvent,
        SystemTriggeredRequest,
        MissingEndpoint,
        UnknownEnvironment,
        AckDeadlineWithoutAck,
        UnmeasurableAlert,
        ReconcileNonHolder,
    ] {
        assert_eq!(c.severity(), Severity::Warning, "{}", c.as_str());
    }
    for c in [NoSteward, NoConsistencyWindow] {
        assert_eq!(c.severity(), Severity::Info, "{}", c.as_str());
    }
}

#[test]
fn codes_are_kebab_case_unique_and_round_trip() {
    let mut seen = std::collections::HashSet::new();
    for c in FindingCode::ALL {
        let s = c.as_str();
        assert!(
            s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
            "{s}"
        );
        assert!(seen.insert(s), "duplicate code {s}");
        assert_eq!(FindingCode::from_code(s), Some(*c));
        assert_eq!(serde_json::to_value(c).unwrap(), json!(s));
        assert!(!c.description().is_empty());
    }
    assert_eq!(FindingCode::from_code("nope"), None);
}

#[test]
fn every_code_is_documented() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/checks.md");
    let doc = std::fs::read_to_string(path).expect("docs/checks.md");
    for c in FindingCode::ALL {
        let heading = format!("### `{}`", c.as_str());
        assert!(
            doc.contains(&heading),
            "docs/checks.md lacks a section {heading}"
        );
        let section = doc.split(&heading).nth(1).unwrap();
        let section = section.split("\n### ").next().unwrap();
        assert!(
            section.contains(c.severity().as_str()),
            "{}: severity not documented",
            c.as_str()
        );
        assert!(
            section.contains("```json"),
            "{}: no JSON example",
            c.as_str()
        );
        assert!(
            section.to_lowercase().contains("fix"),
            "{}: no fix",
            c.as_str()
        );
    }
}

// -- ownership ------------------------------------------------------------

#[test]
fn no_owner() {
    let fs = with(|v| {
        v["entities"][0].as_object_mut().unwrap().remove("owner");
    });
    let f = expect(&fs, FindingCode::NoOwner, "stock");
    assert!(f.message.contains("Stock"), "{f:?}");
    none(&findings(&base()), FindingCode::NoOwner);
}

#[test]
fn unknown_owner_suggests_a_system() {
    let fs = with(|v| v["entities"][0]["owner"] = json!("erpp"));
    let f = expect(&fs, FindingCode::UnknownOwner, "stock");
    assert!(
        f.message.contains("`erpp`") && f.message.contains("did you mean `erp`?"),
        "{f:?}"
    );
    none(&findings(&base()), FindingCode::UnknownOwner);
}

#[test]
fn double_write() {
    let fs = with(|v| {
        push(
            v,
            "flows",
            json!({"id": "shop-stock", "entity": "stock", "from": "shop", "to": "erp",
            "pattern": "event", "trigger": "system", "ack": true}),
        );
    });
    let f = expect(&fs, FindingCode::DoubleWrite, "shop-stock");
    assert!(
        f.message.contains("`shop-stock`") && f.message.contains("`erp` owns"),
        "{f:?}"
    );
    assert!(f.fix.unwrap().contains("request to `erp`"));
    // The same flow as a request to the owner is fine.
    let fs = with(|v| {
        push(
            v,
            "flows",
            json!({"id": "shop-stock", "entity": "stock", "from": "shop", "to": "erp",
            "pattern": "request", "trigger": "user", "ack": true}),
        );
    });
    none(&fs, FindingCode::DoubleWrite);
    assert!(fs.is_empty(), "{fs:#?}");
}

#[test]
fn request_not_to_owner() {
    let fs = with(|v| {
        push(
            v,
            "systems",
            json!({"id": "wms", "name": "WMS", "kind": "wms", "endpoints": {
            "test": {"protocol": "rest", "url": "https://w/t"}, "prod": {"protocol": "rest", "url": "https://w/p"}}}),
        );
        push(
            v,
            "flows",
            json!({"id": "reserve", "entity": "stock", "from": "shop", "to": "wms",
            "pattern": "request", "trigger": "user", "ack": true}),
        );
    });
    let f = expect(&fs, FindingCode::RequestNotToOwner, "reserve");
    assert!(
        f.message.contains("`wms`") && f.message.contains("`erp`"),
        "{f:?}"
    );
    let fs = with(|v| {
        push(
            v,
            "flows",
            json!({"id": "reserve", "entity": "stock", "from": "shop", "to": "erp",
            "pattern": "request", "trigger": "user", "ack": true}),
        );
    });
    none(&fs, FindingCode::RequestNotToOwner);
}

// -- references -----------------------------------------------------------

#[test]
fn unknown_references_of_flows() {
    let fs = with(|v| {
        push(
            v,
            "flows",
            json!({"id": "bad", "entity": "stok", "from": "erp", "to": "shopp",
            "pattern": "event", "trigger": "system", "ack": true}),
        );
        push(
            v,
            "flows",
            json!({"id": "bad-key", "entity": "stock", "from": "erp", "to": "shop",
            "pattern": "event", "trigger": "system", "ack": true, "idempotencyKey": "skuu"}),
        );
    });
    let bad: Vec<_> = fs
        .iter()
        .filter(|f| f.subject == "bad" && f.code == "unknown-reference")
        .collect();
    assert_eq!(bad.len(), 2, "{fs:#?}");
    assert!(bad
        .iter()
        .any(|f| f.message.contains("`stok`") && f.message.contains("did you mean `stock`?")));
    assert!(bad
        .iter()
        .any(|f| f.message.contains("`shopp`") && f.message.contains("did you mean `shop`?")));
    let f = expect(&fs, FindingCode::UnknownReference, "bad-key");
    assert!(
        f.message.contains("`skuu`") && f.message.contains("did you mean `sku`?"),
        "{f:?}"
    );
    none(&findings(&base()), FindingCode::UnknownReference);
}

#[test]
fn unknown_references_of_entities() {
    let fs = with(|v| {
        v["entities"][0]["copies"] = json!(["shop", "crm"]);
        v["entities"][0]["key"] = json!("skew");
    });
    let hits: Vec<_> = fs
        .iter()
        .filter(|f| f.subject == "stock" && f.code == "unknown-reference")
        .collect();
    assert_eq!(hits.len(), 1, "{fs:#?}");
    assert!(hits.iter().any(|f| f.message.contains("`crm`")));
    // The key has its own code.
    let f = expect(&fs, FindingCode::KeyNotAField, "stock");
    assert!(f.message.contains("`skew`"), "{f:?}");
    assert_eq!(f.severity, Severity::Error);
    none(&findings(&base()), FindingCode::KeyNotAField);
    // A key is not checked against fields while none are declared...
    let bare = |key: &'static str| {
        with(move |v| {
            v["entities"][0]["fields"] = json!([]);
            v["flows"][0]
                .as_object_mut()
                .unwrap()
                .remove("idempotencyKey");
            v["rules"] = json!([]);
            v["entities"][0]["key"] = json!(key);
        })
    };
    let fs = bare("anything");
    none(&fs, FindingCode::UnknownReference);
    none(&fs, FindingCode::KeyNotAField);
    // ...but an empty key is always a finding.
    let f = expect(&bare("  "), FindingCode::KeyNotAField, "stock");
    assert!(f.message.contains("has no key"), "{f:?}");
}

#[test]
fn unknown_references_of_rules() {
    let fs = with(|v| {
        push(
            v,
            "rules",
            json!({"id": "r-entity", "kind": "conflict", "entity": "stocks", "policy": "owner-wins"}),
        );
        push(
            v,
            "rules",
            json!({"id": "r-route", "kind": "route", "entity": "stock", "condition": "quantity > 5", "to": ["finanse"]}),
        );
        push(
            v,
            "rules",
            json!({"id": "r-rec", "kind": "reconcile", "entity": "stock", "systems": ["erp", "psp"], "fields": ["amount"]}),
        );
        push(
            v,
            "rules",
            json!({"id": "r-alert", "kind": "alert", "flow": "stock-to-shopp", "metric": "ack-rate", "threshold": 0.98, "windowSeconds": 300}),
        );
    });
    let f = expect(&fs, FindingCode::UnknownReference, "r-entity");
    assert!(f.message.contains("did you mean `stock`?"), "{f:?}");
    expect(&fs, FindingCode::UnknownReference, "r-route");
    let rec: Vec<_> = fs.iter().filter(|f| f.subject == "r-rec").collect();
    assert_eq!(rec.len(), 2, "{rec:#?}");
    let f = expect(&fs, FindingCode::UnknownReference, "r-alert");
    assert!(f.message.contains("did you mean `stock-to-shop`?"), "{f:?}");
    let fs = with(|v| {
        push(
            v,
            "rules",
            json!({"id": "r-alert", "kind": "alert", "flow": "stock-to-shop", "metric": "ack-rate", "threshold": 0.98, "windowSeconds": 300}),
        );
        push(
            v,
            "rules",
            json!({"id": "r-route", "kind": "route", "entity": "stock", "condition": "quantity > 5", "to": ["erp"]}),
        );
    });
    none(&fs, FindingCode::UnknownReference);
}

#[test]
fn duplicate_ids_in_memory() {
    let mut m = model_of(&base());
    m.systems.push(m.systems[0].clone());
    m.flows.push(m.flows[0].clone());
    let fs = check(&m);
    let dups: Vec<_> = fs.iter().filter(|f| f.code == "duplicate-id").collect();
    assert_eq!(dups.len(), 2, "{fs:#?}");
    assert!(dups.iter().all(|f| f.severity == Severity::Error));
    assert_eq!(dups[0].subject, "erp");
    assert_eq!(dups[1].subject, "stock-to-shop");
    none(&check(&model_of(&base())), FindingCode::DuplicateId);
}

// -- flows ----------------------------------------------------------------

#[test]
fn unacknowledged_flow() {
    let fs = with(|v| v["flows"][0]["ack"] = json!(false));
    let f = expect(&fs, FindingCode::UnacknowledgedFlow, "stock-to-shop");
    assert!(f.fix.unwrap().contains("\"ack\": true"));
    let fs = with(|v| {
        v["flows"][0].as_object_mut().unwrap().remove("ack");
    });
    expect(&fs, FindingCode::UnacknowledgedFlow, "stock-to-shop");
    none(&findings(&base()), FindingCode::UnacknowledgedFlow);
}

#[test]
fn stale_copy() {
    let fs = with(|v| {
        push(
            v,
            "systems",
            json!({"id": "bi", "name": "Data platform", "kind": "analytics"}),
        );
        v["entities"][0]["copies"] = json!(["shop", "bi"]);
    });
    let f = expect(&fs, FindingCode::StaleCopy, "stock");
    assert!(
        f.message.contains("`bi`") && f.message.contains("`erp`"),
        "{f:?}"
    );
    // Reached through a chain erp -> shop -> bi: not stale.
    let fs = with(|v| {
        push(
            v,
            "systems",
            json!({"id": "bi", "name": "Data platform", "kind": "analytics"}),
        );
        v["entities"][0]["copies"] = json!(["shop", "bi"]);
        push(
            v,
            "flows",
            json!({"id": "shop-to-bi", "entity": "stock", "from": "shop", "to": "bi",
            "pattern": "request", "trigger": "schedule", "schedule": "0 0 * * * *", "ack": true}),
        );
    });
    none(&fs, FindingCode::StaleCopy);
    // A route rule delivers to its targets: not stale either.
    let fs = with(|v| {
        push(
            v,
            "systems",
            json!({"id": "bi", "name": "Data platform", "kind": "analytics"}),
        );
        v["entities"][0]["copies"] = json!(["shop", "bi"]);
        push(
            v,
            "rules",
            json!({"id": "to-bi", "kind": "route", "entity": "stock",
            "condition": "quantity < 5", "to": ["bi"]}),
        );
    });
    none(&fs, FindingCode::StaleCopy);
}

#[test]
fn stale_copy_without_any_flow() {
    let fs = with(|v| v["flows"] = json!([]));
    expect(&fs, FindingCode::StaleCopy, "stock");
}

#[test]
fn undeclared_copy() {
    let fs = with(|v| v["entities"][0]["copies"] = json!([]));
    let f = expect(&fs, FindingCode::UndeclaredCopy, "stock-to-shop");
    assert!(f.message.contains("`shop`"), "{f:?}");
    none(&findings(&base()), FindingCode::UndeclaredCopy);
}

#[test]
fn owner_listed_as_copy() {
    let fs = with(|v| v["entities"][0]["copies"] = json!(["shop", "erp"]));
    expect(&fs, FindingCode::OwnerListedAsCopy, "stock");
    none(&findings(&base()), FindingCode::OwnerListedAsCopy);
}

#[test]
fn event_echo_two_systems() {
    let fs = with(|v| {
        push(
            v,
            "flows",
            json!({"id": "shop-back", "entity": "stock", "from": "shop", "to": "erp",
            "pattern": "event", "trigger": "system", "ack": true}),
        );
    });
    let f = expect(&fs, FindingCode::EventEcho, "stock-to-shop");
    assert!(
        f.message.contains("`shop-back`") && f.message.contains("`erp`"),
        "{f:?}"
    );
    assert_eq!(
        fs.iter().filter(|f| f.code == "event-echo").count(),
        1,
        "one loop, one finding"
    );
    // erp -> shop and shop -> erp as a request: no echo.
    let fs = with(|v| {
        push(
            v,
            "flows",
            json!({"id": "shop-back", "entity": "stock", "from": "shop", "to": "erp",
            "pattern": "request", "trigger": "user", "ack": true}),
        );
    });
    none(&fs, FindingCode::EventEcho);
}

#[test]
fn event_echo_longer_loop_and_self_loop() {
    let fs = with(|v| {
        push(
            v,
            "systems",
            json!({"id": "wms", "name": "WMS", "kind": "wms", "endpoints": {
            "test": {"protocol": "rest", "url": "https://w/t"}, "prod": {"protocol": "rest", "url": "https://w/p"}}}),
        );
        v["entities"][0]["copies"] = json!(["shop", "wms"]);
        push(
            v,
            "flows",
            json!({"id": "shop-wms", "entity": "stock", "from": "shop", "to": "wms",
            "pattern": "event", "trigger": "system", "ack": true}),
        );
        push(
            v,
            "flows",
            json!({"id": "wms-erp", "entity": "stock", "from": "wms", "to": "erp",
            "pattern": "event", "trigger": "system", "ack": true}),
        );
    });
    let echoes: Vec<_> = fs.iter().filter(|f| f.code == "event-echo").collect();
    assert_eq!(echoes.len(), 1, "{echoes:#?}");
    let f = expect(&fs, FindingCode::EventEcho, "stock-to-shop");
    assert!(
        f.message.contains("`wms-erp`") && f.message.contains("`shop-wms`"),
        "{f:?}"
    );
    // A self-loop counts.
    let fs = with(|v| {
        push(
            v,
            "flows",
            json!({"id": "self", "entity": "stock", "from": "erp", "to": "erp",
            "pattern": "event", "trigger": "system", "ack": true}),
        );
    });
    let f = expect(&fs, FindingCode::EventEcho, "self");
    assert!(f.message.contains("itself"), "{f:?}");
    assert_eq!(fs.iter().filter(|f| f.code == "event-echo").count(), 1);
}

#[test]
fn event_loops_are_per_entity() {
    // erp -> shop about stock and shop -> erp about orders is no loop.
    let fs = with(|v| {
        push(
            v,
            "entities",
            json!({"id": "order", "name": "Order", "owner": "shop", "steward": "Sales",
            "key": "id", "consistencyWindowSeconds": 5, "copies": ["erp"]}),
        );
        push(
            v,
            "flows",
            json!({"id": "order-to-erp", "entity": "order", "from": "shop", "to": "erp",
            "pattern": "event", "trigger": "system", "ack": true}),
        );
    });
    none(&fs, FindingCode::EventEcho);
    assert!(fs.is_empty(), "{fs:#?}");
}

#[test]
fn missing_idempotency_key() {
    let fs = with(|v| {
        v["systems"][1]["sideEffects"] = json!(true);
        v["flows"][0]
            .as_object_mut()
            .unwrap()
            .remove("idempotencyKey");
    });
    let f = expect(&fs, FindingCode::MissingIdempotencyKey, "stock-to-shop");
    assert!(f.fix.unwrap().contains("`sku`"));
    let fs = with(|v| v["systems"][1]["sideEffects"] = json!(true));
    none(&fs, FindingCode::MissingIdempotencyKey);
}

#[test]
fn user_triggered_event_and_system_triggered_request() {
    let fs = with(|v| v["flows"][0]["trigger"] = json!("user"));
    expect(&fs, FindingCode::UserTriggeredEvent, "stock-to-shop");
    let fs = with(|v| {
        push(
            v,
            "flows",
            json!({"id": "reserve", "entity": "stock", "from": "shop", "to": "erp",
            "pattern": "request", "trigger": "system", "ack": true}),
        );
    });
    expect(&fs, FindingCode::SystemTriggeredRequest, "reserve");
    none(&fs, FindingCode::UserTriggeredEvent);
    let fs = with(|v| {
        push(
            v,
            "flows",
            json!({"id": "reserve", "entity": "stock", "from": "shop", "to": "erp",
            "pattern": "request", "trigger": "user", "ack": true}),
        );
    });
    none(&fs, FindingCode::SystemTriggeredRequest);
    none(&fs, FindingCode::UserTriggeredEvent);
}

#[test]
fn missing_schedule() {
    let fs = with(|v| v["flows"][0]["trigger"] = json!("schedule"));
    expect(&fs, FindingCode::MissingSchedule, "stock-to-shop");
    let fs = with(|v| {
        v["flows"][0]["trigger"] = json!("schedule");
        v["flows"][0]["schedule"] = json!("0 */15 * * * *");
    });
    none(&fs, FindingCode::MissingSchedule);
}

// -- money ----------------------------------------------------------------

fn with_payment(reconcile: bool) -> Vec<Finding> {
    with(|v| {
        push(
            v,
            "systems",
            json!({"id": "psp", "name": "Payment gateway", "kind": "payments", "endpoints": {
            "test": {"protocol": "rest", "url": "https://p/t"}, "prod": {"protocol": "rest", "url": "https://p/p"}}}),
        );
        push(
            v,
            "entities",
            json!({"id": "payment", "name": "Payment", "owner": "psp", "steward": "Finance",
            "key": "id", "monetary": true, "consistencyWindowSeconds": 60,
            "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "number"}],
            "copies": ["erp"]}),
        );
        push(
            v,
            "flows",
            json!({"id": "payment-to-erp", "entity": "payment", "from": "psp", "to": "erp",
            "pattern": "event", "trigger": "system", "ack": true, "idempotencyKey": "id"}),
        );
        if reconcile {
            push(
                v,
                "rules",
                json!({"id": "settlement", "kind": "reconcile", "entity": "payment",
                "systems": ["psp", "erp"], "fields": ["amount"], "tolerance": 0.01, "withinSeconds": 86400}),
            );
        }
    })
}

#[test]
fn unreconciled_money() {
    let fs = with_payment(false);
    let f = expect(&fs, FindingCode::UnreconciledMoney, "payment");
    assert!(
        f.message.contains("`psp`") && f.message.contains("`erp`"),
        "{f:?}"
    );
    let fs = with_payment(true);
    assert!(fs.is_empty(), "{fs:#?}");
}

/// Payment owned by `psp`, copied to `erp` and `acct` (each fed by a flow
/// from the owner), with the given reconcile rules.
fn with_three_holders(rules: Vec<Value>) -> Vec<Finding> {
    with(|v| {
        for (id, name, kind) in [
            ("psp", "Payment gateway", "payments"),
            ("acct", "Accounting", "finance"),
        ] {
            push(
                v,
                "systems",
                json!({"id": id, "name": name, "kind": kind, "endpoints": {
                "test": {"protocol": "rest", "url": format!("https://{id}/t")},
                "prod": {"protocol": "rest", "url": format!("https://{id}/p")}}}),
            );
        }
        push(
            v,
            "entities",
            json!({"id": "payment", "name": "Payment", "owner": "psp", "steward": "Finance",
            "key": "id", "monetary": true, "consistencyWindowSeconds": 60,
            "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "number"}],
            "copies": ["erp", "acct"]}),
        );
        for to in ["erp", "acct"] {
            push(
                v,
                "flows",
                json!({"id": format!("payment-to-{to}"), "entity": "payment", "from": "psp", "to": to,
                "pattern": "event", "trigger": "system", "ack": true, "idempotencyKey": "id"}),
            );
        }
        for r in rules {
            push(v, "rules", r);
        }
    })
}

fn reconcile(id: &str, systems: &[&str]) -> Value {
    json!({"id": id, "kind": "reconcile", "entity": "payment", "systems": systems,
           "fields": ["amount"], "tolerance": 0.01, "withinSeconds": 86400})
}

#[test]
fn a_reconcile_rule_over_three_holders_is_clean() {
    let fs = with_three_holders(vec![reconcile("settlement", &["psp", "erp", "acct"])]);
    assert!(fs.is_empty(), "{fs:#?}");
}

#[test]
fn money_coverage_is_judged_per_holder() {
    // psp and erp agree, but nothing checks the accounting copy.
    let fs = with_three_holders(vec![reconcile("settlement", &["psp", "erp"])]);
    let f = expect(&fs, FindingCode::UnreconciledMoney, "payment");
    assert!(
        f.message.contains("`acct` is in no reconcile rule"),
        "{f:?}"
    );
    assert!(
        !f.message.contains("`erp` is") && f.fix.as_deref().unwrap().contains("`settlement`"),
        "{f:?}"
    );
    // Two rules that together cover every holder.
    let fs = with_three_holders(vec![
        reconcile("settlement", &["psp", "erp"]),
        reconcile("ledger", &["psp", "acct"]),
    ]);
    assert!(fs.is_empty(), "{fs:#?}");
    // No rule at all: every holder is named.
    let fs = with_three_holders(vec![]);
    let f = expect(&fs, FindingCode::UnreconciledMoney, "payment");
    assert!(
        f.message.contains("`psp`, `erp` and `acct`") && f.message.contains("no reconcile rule"),
        "{f:?}"
    );
}

#[test]
fn reconcile_too_few_systems() {
    for (systems, says) in [
        (vec![], "names no system"),
        (vec!["psp"], "names only `psp`"),
        (vec!["psp", "psp"], "names only `psp`"),
    ] {
        let fs = with_three_holders(vec![
            reconcile("settlement", &systems),
            reconcile("ledger", &["psp", "erp", "acct"]),
        ]);
        let f = expect(&fs, FindingCode::ReconcileTooFewSystems, "settlement");
        assert!(f.message.contains(says), "{systems:?}: {f:?}");
        none(
            &fs.iter()
                .filter(|f| f.subject == "ledger")
                .cloned()
                .collect::<Vec<_>>(),
            FindingCode::ReconcileTooFewSystems,
        );
    }
    // Two systems are enough.
    let fs = with_three_holders(vec![
        reconcile("settlement", &["psp", "erp"]),
        reconcile("ledger", &["psp", "acct"]),
    ]);
    none(&fs, FindingCode::ReconcileTooFewSystems);
}

#[test]
fn reconcile_non_holder() {
    // `shop` neither owns nor holds a copy of Payment.
    let fs = with_three_holders(vec![reconcile(
        "settlement",
        &["psp", "erp", "acct", "shop"],
    )]);
    let f = expect(&fs, FindingCode::ReconcileNonHolder, "settlement");
    assert!(
        f.message.contains("`shop`") && !f.message.contains("`erp`"),
        "{f:?}"
    );
    assert_eq!(
        fs.iter()
            .filter(|f| f.code == "reconcile-non-holder")
            .count(),
        1
    );
    // An unknown system is an unknown reference, not a non-holder.
    let fs = with_three_holders(vec![reconcile(
        "settlement",
        &["psp", "erp", "acct", "nope"],
    )]);
    expect(&fs, FindingCode::UnknownReference, "settlement");
    none(&fs, FindingCode::ReconcileNonHolder);
    // The owner and the copy holders are fine.
    let fs = with_three_holders(vec![reconcile("settlement", &["acct", "psp", "erp"])]);
    none(&fs, FindingCode::ReconcileNonHolder);
}

// -- acknowledgements -----------------------------------------------------

#[test]
fn zero_ack_deadline() {
    let fs = with(|v| v["flows"][0]["ackWithinSeconds"] = json!(0));
    let f = expect(&fs, FindingCode::ZeroAckDeadline, "stock-to-shop");
    assert!(f.message.contains("within 0 seconds"), "{f:?}");
    assert!(
        f.fix
            .as_deref()
            .unwrap()
            .contains("the consistency window of Stock, 5 s"),
        "{f:?}"
    );
    // Without a consistency window the default is 300 s.
    let fs = with(|v| {
        v["flows"][0]["ackWithinSeconds"] = json!(0);
        v["entities"][0]
            .as_object_mut()
            .unwrap()
            .remove("consistencyWindowSeconds");
    });
    let f = expect(&fs, FindingCode::ZeroAckDeadline, "stock-to-shop");
    assert!(f.fix.as_deref().unwrap().contains("300 s"), "{f:?}");
    // A positive deadline on an acknowledged flow is clean.
    let fs = with(|v| v["flows"][0]["ackWithinSeconds"] = json!(60));
    assert!(fs.is_empty(), "{fs:#?}");
}

#[test]
fn ack_deadline_without_ack() {
    for ack in [json!(false), Value::Null] {
        let fs = with(|v| {
            v["flows"][0]["ackWithinSeconds"] = json!(60);
            if ack.is_null() {
                v["flows"][0].as_object_mut().unwrap().remove("ack");
            } else {
                v["flows"][0]["ack"] = ack.clone();
            }
        });
        let f = expect(&fs, FindingCode::AckDeadlineWithoutAck, "stock-to-shop");
        assert!(
            f.message.contains("60 s") && f.message.contains("never enforced"),
            "{f:?}"
        );
        expect(&fs, FindingCode::UnacknowledgedFlow, "stock-to-shop");
    }
    // No deadline, no ack: only the unacknowledged flow.
    let fs = with(|v| v["flows"][0]["ack"] = json!(false));
    none(&fs, FindingCode::AckDeadlineWithoutAck);
    expect(&fs, FindingCode::UnacknowledgedFlow, "stock-to-shop");
}

#[test]
fn unmeasurable_alert() {
    let alert = |metric: &str| {
        json!({"id": "watch", "kind": "alert", "flow": "stock-to-shop", "metric": metric,
               "threshold": 0.9, "windowSeconds": 300})
    };
    for metric in ["ack-rate", "latency-seconds"] {
        let fs = with(|v| {
            v["flows"][0]["ack"] = json!(false);
            push(v, "rules", alert(metric));
        });
        let f = expect(&fs, FindingCode::UnmeasurableAlert, "watch");
        assert!(
            f.message.contains("`stock-to-shop`") && f.message.contains("never fires"),
            "{f:?}"
        );
        // On an acknowledged flow it can be measured: the model is clean.
        let fs = with(|v| push(v, "rules", alert(metric)));
        assert!(fs.is_empty(), "{metric}: {fs:#?}");
    }
    // Error rate and stalls need no acknowledgement.
    for metric in ["error-rate", "stall-seconds"] {
        let fs = with(|v| {
            v["flows"][0]["ack"] = json!(false);
            push(v, "rules", alert(metric));
        });
        none(&fs, FindingCode::UnmeasurableAlert);
    }
}

// -- secrets --------------------------------------------------------------

#[test]
fn literal_secret_in_extra_keys() {
    let fs = with(|v| {
        v["systems"][0]["auth"] = json!({"user": "svc", "Password": "hunter2-very-secret"});
        v["flows"][0]["headers"] = json!([{"apiKey": "abc123-secret-value"}]);
        v["entities"][0]["fields"][0]["api_key"] = json!("zzz-secret-value");
        v["entities"][0]["privateKey"] = json!("-----BEGIN KEY-----");
        v["systems"][1]["endpoints"]["prod"]["token"] = json!("tok-secret-value");
        v["owner_token"] = json!("model-level-secret-value");
    });
    let secrets: Vec<_> = fs.iter().filter(|f| f.code == "literal-secret").collect();
    assert_eq!(secrets.len(), 6, "{secrets:#?}");
    for f in &secrets {
        assert!(
            !f.message.contains("hunter2")
                && !f.message.contains("secret-value")
                && !f.message.contains("BEGIN"),
            "{f:?}"
        );
    }
    let f = expect(&fs, FindingCode::LiteralSecret, "erp");
    assert!(f.message.contains("auth.Password"), "{f:?}");
    expect(&fs, FindingCode::LiteralSecret, "stock-to-shop");
    expect(&fs, FindingCode::LiteralSecret, "stock");
    expect(&fs, FindingCode::LiteralSecret, "shop");
    expect(&fs, FindingCode::LiteralSecret, "model");
    none(&findings(&base()), FindingCode::LiteralSecret);
}

#[test]
fn literal_secret_in_urls_and_credential_refs() {
    let fs = with(|v| {
        v["systems"][0]["endpoints"]["prod"]["url"] =
            json!("https://admin:hunter2@erp.example.com/api");
        v["systems"][1]["endpoints"]["prod"]["credentialRef"] = json!("sk_live_hunter2");
    });
    let f = expect(&fs, FindingCode::LiteralSecret, "erp");
    assert!(!f.message.contains("hunter2"), "{f:?}");
    let f = expect(&fs, FindingCode::LiteralSecret, "shop");
    assert!(
        !f.message.contains("hunter2") && f.message.contains("credentialRef"),
        "{f:?}"
    );
    // A user name without password, and references, are fine.
    let fs = with(|v| {
        v["systems"][0]["endpoints"]["prod"]["url"] = json!("sftp://edi@files.example.com/in");
        v["systems"][1]["endpoints"]["prod"]["credentialRef"] = json!("env:SHOP_TOKEN");
        v["systems"][1]["tokenUrl"] = json!("https://auth.example.com/token");
        v["systems"][1]["clientSecretRef"] = json!("vault:shop/client");
    });
    none(&fs, FindingCode::LiteralSecret);
}

#[test]
fn literal_secret_in_rules_retries_and_free_text() {
    let fs = with(|v| {
        v["rules"][0]["token"] = json!("sk_live_hunter2");
        v["flows"][0]["retry"] = json!({"attempts": 3, "backoffSeconds": 5, "password": "hunter2"});
        v["systems"][1]["team"] = json!("ops (ftp://root:hunter2@ftp.example.com)");
        v["entities"][0]["steward"] = json!("see https://bob:hunter2@wiki.example.com/stock");
    });
    let secrets: Vec<_> = fs.iter().filter(|f| f.code == "literal-secret").collect();
    assert_eq!(secrets.len(), 4, "{secrets:#?}");
    assert!(
        secrets.iter().all(|f| !f.message.contains("hunter2")),
        "{secrets:#?}"
    );
    let f = expect(&fs, FindingCode::LiteralSecret, "qty-not-negative");
    assert!(f.message.contains("`token`"), "{f:?}");
    let f = expect(&fs, FindingCode::LiteralSecret, "stock-to-shop");
    assert!(f.message.contains("`retry.password`"), "{f:?}");
    let f = expect(&fs, FindingCode::LiteralSecret, "shop");
    assert!(f.message.contains("`team`"), "{f:?}");
    let f = expect(&fs, FindingCode::LiteralSecret, "stock");
    assert!(f.message.contains("`steward`"), "{f:?}");
    // Names that only start with a secret word, URLs without a password,
    // and references are not secrets.
    let fs = with(|v| {
        v["rules"][0]["tokenizer"] = json!("whitespace");
        v["flows"][0]["retry"] = json!({"attempts": 3, "backoffSeconds": 5, "tokenExpiry": "3600"});
        v["systems"][1]["team"] =
            json!("ops (https://wiki.example.com/ops, ftp://edi@ftp.example.com)");
        v["rules"][0]["secretRef"] = json!("vault:rules/x");
    });
    none(&fs, FindingCode::LiteralSecret);
}

// -- endpoints ------------------------------------------------------------

#[test]
fn missing_endpoint_for_used_systems_only() {
    let fs = with(|v| {
        v["systems"][1]["endpoints"]
            .as_object_mut()
            .unwrap()
            .remove("test");
    });
    let f = expect(&fs, FindingCode::MissingEndpoint, "shop");
    assert!(f.message.contains("`test`"), "{f:?}");
    // An unused system without endpoints is not missing any (but is unused).
    let fs = with(|v| {
        push(
            v,
            "systems",
            json!({"id": "crm", "name": "CRM", "kind": "crm"}),
        )
    });
    none(&fs, FindingCode::MissingEndpoint);
    expect(&fs, FindingCode::UnusedSystem, "crm");
    none(&findings(&base()), FindingCode::UnusedSystem);
    // A route rule's target receives deliveries: it needs its endpoints.
    let fs = with(|v| {
        push(
            v,
            "systems",
            json!({"id": "crm", "name": "CRM", "kind": "crm"}),
        );
        push(
            v,
            "rules",
            json!({"id": "held-to-crm", "kind": "route", "entity": "stock",
                   "condition": "status == \"held\"", "to": ["crm"]}),
        );
    });
    let f = expect(&fs, FindingCode::MissingEndpoint, "crm");
    assert!(f.message.contains("routes"), "{f:?}");
    none(&fs, FindingCode::UnusedSystem);
}

#[test]
fn unknown_environment() {
    let fs = with(|v| {
        v["systems"][0]["endpoints"]["prd"] =
            json!({"protocol": "rest", "url": "https://erp.example.com"});
    });
    let f = expect(&fs, FindingCode::UnknownEnvironment, "erp");
    assert!(
        f.message.contains("`prd`") && f.message.contains("did you mean `prod`?"),
        "{f:?}"
    );
    none(&findings(&base()), FindingCode::UnknownEnvironment);
}

#[test]
fn default_environment_is_prod() {
    let mut v = base();
    v.as_object_mut().unwrap().remove("environments");
    let fs = findings(&v);
    // The `test` endpoints are now for an undeclared environment; prod is there.
    expect(&fs, FindingCode::UnknownEnvironment, "erp");
    none(&fs, FindingCode::MissingEndpoint);
}

// -- info -----------------------------------------------------------------

#[test]
fn no_steward_and_no_consistency_window() {
    let fs = with(|v| {
        let e = v["entities"][0].as_object_mut().unwrap();
        e.remove("steward");
        e.remove("consistencyWindowSeconds");
    });
    expect(&fs, FindingCode::NoSteward, "stock");
    expect(&fs, FindingCode::NoConsistencyWindow, "stock");
    let fs = findings(&base());
    none(&fs, FindingCode::NoSteward);
    none(&fs, FindingCode::NoConsistencyWindow);
}

// -- all together ---------------------------------------------------------

#[test]
fn all_findings_come_together_in_order() {
    let fs = with(|v| {
        v["entities"][0].as_object_mut().unwrap().remove("steward");
        v["flows"][0]["ack"] = json!(false);
        push(
            v,
            "flows",
            json!({"id": "shop-stock", "entity": "stock", "from": "shop", "to": "erp",
            "pattern": "event", "trigger": "user"}),
        );
        push(
            v,
            "entities",
            json!({"id": "order", "name": "Order", "key": "id", "steward": "Sales", "consistencyWindowSeconds": 5}),
        );
        v["rules"][0]["condition"] = json!("qty >= 0");
        v["systems"][0]["password"] = json!("hunter2");
    });
    let codes: Vec<(&str, &str)> = fs
        .iter()
        .map(|f| (f.code.as_str(), f.subject.as_str()))
        .collect();
    for expected in [
        ("literal-secret", "erp"),
        ("no-owner", "order"),
        ("double-write", "shop-stock"),
        ("condition-unknown-field", "qty-not-negative"),
        ("unacknowledged-flow", "stock-to-shop"),
        ("unacknowledged-flow", "shop-stock"),
        ("event-echo", "stock-to-shop"),
        ("user-triggered-event", "shop-stock"),
        ("no-steward", "stock"),
    ] {
        assert!(
            codes.contains(&expected),
            "{expected:?} missing from {codes:#?}"
        );
    }
    // Errors, then warnings, then info.
    let sev: Vec<Severity> = fs.iter().map(|f| f.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort();
    assert_eq!(sev, sorted);
    // Within a severity, model order: systems, entities, flows, rules.
    let errors: Vec<_> = codes
        .iter()
        .take_while(|(c, _)| *c != "unacknowledged-flow" && *c != "event-echo")
        .collect();
    assert_eq!(errors.first().map(|c| c.1), Some("erp"));
    assert_eq!(errors.last().map(|c| c.1), Some("qty-not-negative"));
    // Deterministic.
    let again = with(|v| {
        v["entities"][0].as_object_mut().unwrap().remove("steward");
        v["flows"][0]["ack"] = json!(false);
        push(
            v,
            "flows",
            json!({"id": "shop-stock", "entity": "stock", "from": "shop", "to": "erp",
            "pattern": "event", "trigger": "user"}),
        );
        push(
            v,
            "entities",
            json!({"id": "order", "name": "Order", "key": "id", "steward": "Sales", "consistencyWindowSeconds": 5}),
        );
        v["rules"][0]["condition"] = json!("qty >= 0");
        v["systems"][0]["password"] = json!("hunter2");
    });
    assert_eq!(fs, again);
}

#[test]
fn empty_model_is_clean() {
    let m = parse_model(r#"{"format": "charter-model/1", "name": "Empty", "systems": [], "entities": [], "flows": []}"#).unwrap();
    assert!(check(&m).is_empty());
}

// -- the sample models ----------------------------------------------------

fn example(name: &str) -> Option<Vec<Finding>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    if !path.exists() {
        eprintln!("{name}: not there, skipped");
        return None;
    }
    let model = charter_model::read_model_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let fs = check(&model);
    println!("{name}: {} findings", fs.len());
    for f in &fs {
        println!(
            "  {} {} {}: {}",
            f.severity.as_str(),
            f.code,
            f.subject,
            f.message
        );
    }
    Some(fs)
}

#[test]
fn sample_models_without_errors() {
    for name in ["seafood.model.json", "ecommerce.model.json"] {
        if let Some(fs) = example(name) {
            let errors: Vec<_> = fs
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{name}: {errors:#?}");
        }
    }
}

#[test]
fn sample_model_before_shows_the_known_failures() {
    let Some(fs) = example("ecommerce-before.model.json") else {
        return;
    };
    let has =
        |code: &str, pred: &dyn Fn(&Finding) -> bool| fs.iter().any(|f| f.code == code && pred(f));
    assert!(
        fs.iter().filter(|f| f.code == "double-write").count() >= 2,
        "the stock race and the 3PL carrier choice are double writes"
    );
    assert!(has("unreconciled-money", &|f| f
        .subject
        .contains("payment")));
    assert!(has("unacknowledged-flow", &|f| f.subject.contains("order")));
}
