//! Business diff of two configurations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_model::config::Config;
use charter_model::diff::{diff, Change, ChangeKind};
use charter_model::export::export_preview;
use charter_model::parse_model;
use serde_json::{json, Value};

fn base() -> Value {
    json!({
      "format": "charter-model/1",
      "name": "Shop",
      "environments": ["test", "prod"],
      "systems": [
        { "id": "erp", "name": "ERP", "kind": "erp",
          "endpoints": {
            "test": { "protocol": "rest", "url": "https://erp.test.example.com/api", "credentialRef": "vault:erp/test" },
            "prod": { "protocol": "rest", "url": "https://erp.example.com/api", "credentialRef": "vault:erp/prod" } } },
        { "id": "wms", "name": "Warehouse", "kind": "wms",
          "endpoints": {
            "test": { "protocol": "queue", "url": "amqp://wms.test.example.com/stock", "credentialRef": "vault:wms/test" },
            "prod": { "protocol": "queue", "url": "amqp://wms.example.com/stock", "credentialRef": "vault:wms/prod" } } },
        { "id": "shop", "name": "Storefront", "kind": "ecommerce",
          "endpoints": {
            "test": { "protocol": "webhook", "url": "https://shop.test.example.com/hooks", "credentialRef": "vault:shop/test" },
            "prod": { "protocol": "webhook", "url": "https://shop.example.com/hooks", "credentialRef": "vault:shop/prod" } } }
      ],
      "entities": [
        { "id": "stock", "name": "Stock level", "owner": "erp", "key": "sku",
          "consistencyWindowSeconds": 5,
          "fields": [ { "name": "sku", "type": "string", "required": true },
                      { "name": "quantity", "type": "integer", "required": true },
                      { "name": "status", "type": "enum", "values": ["open", "held"] } ],
          "copies": ["shop", "wms"] }
      ],
      "flows": [
        { "id": "stock-to-shop", "entity": "stock", "from": "erp", "to": "shop",
          "pattern": "event", "trigger": "system", "ack": true, "idempotencyKey": "sku" },
        { "id": "stock-to-wms", "entity": "stock", "from": "erp", "to": "wms",
          "pattern": "event", "trigger": "system", "ack": true, "idempotencyKey": "sku" }
      ],
      "rules": [
        { "id": "qty-not-negative", "kind": "validate", "entity": "stock",
          "condition": "quantity >= 0", "action": "reject" },
        { "id": "big-stock", "kind": "route", "entity": "stock",
          "condition": "quantity > 1000", "to": ["wms"] }
      ]
    })
}

fn config(v: &Value, env: &str) -> Config {
    let model = parse_model(&v.to_string()).unwrap_or_else(|p| panic!("{}", p[0]));
    // A preview: the diff is judged on its own, whatever the checks say of
    // the edited models.
    export_preview(&model, env)
        .unwrap_or_else(|e| panic!("{e}"))
        .config
}

fn changes(old: &Value, new: &Value) -> Vec<Change> {
    diff(&config(old, "prod"), &config(new, "prod"))
}

fn kinds(c: &[Change]) -> Vec<ChangeKind> {
    c.iter().map(|c| c.kind).collect()
}

/// The only change, asserting there is exactly one.
fn only(c: Vec<Change>) -> Change {
    assert_eq!(c.len(), 1, "{c:#?}");
    c.into_iter().next().unwrap()
}

#[test]
fn diff_identical_is_empty() {
    let c = config(&base(), "prod");
    assert!(diff(&c, &c).is_empty());
    assert!(changes(&base(), &base()).is_empty());
}

#[test]
fn diff_owner_changed() {
    let mut new = base();
    new["entities"][0]["owner"] = json!("wms");
    new["entities"][0]["copies"] = json!(["shop", "erp"]);
    let c = changes(&base(), &new);
    let owner = c
        .iter()
        .find(|c| c.kind == ChangeKind::OwnerChanged)
        .unwrap();
    assert_eq!(owner.subject, "stock");
    assert_eq!(owner.message, "owner of stock changed from erp to wms");
    assert_eq!(
        owner.to_string(),
        "owner-changed: owner of stock changed from erp to wms"
    );
    assert!(c
        .iter()
        .any(|c| c.kind == ChangeKind::CopyRemoved
            && c.message == "wms no longer holds a copy of stock"));
    assert!(c
        .iter()
        .any(|c| c.kind == ChangeKind::CopyAdded && c.message == "erp now holds a copy of stock"));
}

#[test]
fn diff_systems_added_and_removed() {
    let mut new = base();
    new["systems"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": "psp", "name": "Payments", "kind": "payments" }));
    let c = only(changes(&base(), &new));
    assert_eq!(c.kind, ChangeKind::SystemAdded);
    assert_eq!(c.subject, "psp");
    assert!(
        c.message.contains("psp") && c.message.contains("added"),
        "{}",
        c.message
    );
    let c = only(changes(&new, &base()));
    assert_eq!(c.kind, ChangeKind::SystemRemoved);
    assert!(c.message.contains("psp") && c.message.contains("removed"));
}

#[test]
fn diff_flow_added_removed_and_changed() {
    let mut new = base();
    new["flows"].as_array_mut().unwrap().remove(1);
    let c = only(changes(&base(), &new));
    assert_eq!(
        (c.kind, c.subject.as_str()),
        (ChangeKind::FlowRemoved, "stock-to-wms")
    );
    let c = only(changes(&new, &base()));
    assert_eq!(
        (c.kind, c.subject.as_str()),
        (ChangeKind::FlowAdded, "stock-to-wms")
    );

    let mut new = base();
    new["flows"][0]["pattern"] = json!("request");
    new["flows"][0]["from"] = json!("shop");
    new["flows"][0]["to"] = json!("erp");
    new["flows"][0]["ack"] = json!(false);
    new["flows"][0]
        .as_object_mut()
        .unwrap()
        .remove("idempotencyKey");
    let c = changes(&base(), &new);
    assert_eq!(
        kinds(&c),
        [
            ChangeKind::FlowFromChanged,
            ChangeKind::FlowToChanged,
            ChangeKind::FlowPatternChanged,
            ChangeKind::FlowAckChanged,
            ChangeKind::FlowIdempotencyChanged
        ]
    );
    assert_eq!(
        c[0].message,
        "flow stock-to-shop now comes from shop instead of erp"
    );
    assert_eq!(
        c[1].message,
        "flow stock-to-shop now goes to erp instead of shop"
    );
    assert_eq!(
        c[2].message,
        "pattern of flow stock-to-shop changed from event to request"
    );
    assert_eq!(
        c[3].message,
        "flow stock-to-shop no longer requires an acknowledgement"
    );
    assert_eq!(
        c[4].message,
        "flow stock-to-shop no longer has an idempotency key (was sku)"
    );
    assert!(c.iter().all(|c| c.subject == "stock-to-shop"));
}

#[test]
fn diff_rule_condition_quotes_old_and_new() {
    let mut new = base();
    new["rules"][0]["condition"] = json!("quantity >= 0 && status != \"held\"");
    let c = only(changes(&base(), &new));
    assert_eq!(c.kind, ChangeKind::RuleConditionChanged);
    assert_eq!(c.subject, "qty-not-negative");
    assert_eq!(
        c.message,
        "condition of rule qty-not-negative changed from `quantity >= 0` to `quantity >= 0 && status != \"held\"`"
    );
}

#[test]
fn diff_multiline_condition_stays_one_line() {
    let mut new = base();
    new["rules"][0]["condition"] = json!("quantity >= 0\n&& quantity < 100");
    let c = only(changes(&base(), &new));
    assert!(!c.message.contains('\n'));
    assert!(
        c.message.contains("quantity >= 0\\n&& quantity < 100"),
        "{}",
        c.message
    );
}

#[test]
fn diff_rule_action_added_removed_kind() {
    let mut new = base();
    new["rules"][0]["action"] = json!("quarantine");
    let c = only(changes(&base(), &new));
    assert_eq!(c.kind, ChangeKind::RuleActionChanged);
    assert_eq!(
        c.message,
        "action of rule qty-not-negative changed from reject to quarantine"
    );

    let mut new = base();
    new["rules"][1]["to"] = json!(["wms", "shop"]);
    let c = only(changes(&base(), &new));
    assert_eq!(c.kind, ChangeKind::RuleActionChanged);
    assert_eq!(
        c.message,
        "rule big-stock now routes to wms, shop instead of wms"
    );

    let mut new = base();
    new["rules"].as_array_mut().unwrap().push(json!(
        { "id": "ack-drop", "kind": "alert", "flow": "stock-to-shop", "metric": "ack-rate", "threshold": 0.98, "windowSeconds": 300 }));
    let c = only(changes(&base(), &new));
    assert_eq!(c.kind, ChangeKind::RuleAdded);
    assert_eq!(c.message, "alert rule ack-drop on flow stock-to-shop added");
    let c = only(changes(&new, &base()));
    assert_eq!(c.kind, ChangeKind::RuleRemoved);

    // Same id, another kind.
    let mut new = base();
    new["rules"][1] = json!({ "id": "big-stock", "kind": "validate", "entity": "stock", "condition": "quantity < 1000", "action": "flag" });
    let c = only(changes(&base(), &new));
    assert_eq!(c.kind, ChangeKind::RuleKindChanged);
    assert!(
        c.message.contains("route") && c.message.contains("validate"),
        "{}",
        c.message
    );
}

#[test]
fn diff_endpoint_url_protocol_credential() {
    let mut new = base();
    new["systems"][0]["endpoints"]["prod"] = json!(
        { "protocol": "soap", "url": "https://erp2.example.com/ws", "credentialRef": "vault:erp/prod-2" });
    let c = changes(&base(), &new);
    assert_eq!(kinds(&c), [ChangeKind::EndpointChanged; 3]);
    assert_eq!(c[0].message, "endpoint url of erp changed from https://erp.example.com/api to https://erp2.example.com/ws");
    assert_eq!(
        c[1].message,
        "endpoint protocol of erp changed from rest to soap"
    );
    assert_eq!(
        c[2].message,
        "endpoint credentialRef of erp changed from vault:erp/prod to vault:erp/prod-2"
    );
    assert!(c.iter().all(|c| c.subject == "erp"));

    let mut new = base();
    new["systems"][1]["endpoints"]
        .as_object_mut()
        .unwrap()
        .remove("prod");
    let c = only(changes(&base(), &new));
    assert_eq!(
        (c.kind, c.subject.as_str()),
        (ChangeKind::EndpointRemoved, "wms")
    );
    let c = only(changes(&new, &base()));
    assert_eq!(c.kind, ChangeKind::EndpointAdded);
    assert!(c.message.contains("amqp://wms.example.com/stock"));
}

#[test]
fn diff_consistency_window_and_conflict_policy() {
    let mut new = base();
    new["entities"][0]["consistencyWindowSeconds"] = json!(60);
    new["rules"].as_array_mut().unwrap().push(json!(
        { "id": "stock-conflicts", "kind": "conflict", "entity": "stock", "policy": "escalate" }));
    let c = changes(&base(), &new);
    assert_eq!(
        kinds(&c),
        [
            ChangeKind::ConsistencyWindowChanged,
            ChangeKind::ConflictPolicyChanged
        ]
    );
    assert_eq!(
        c[0].message,
        "consistency window of stock changed from 5 s to 60 s"
    );
    assert_eq!(
        c[1].message,
        "conflict policy of stock changed from owner-wins to escalate"
    );

    let mut none = base();
    none["entities"][0]
        .as_object_mut()
        .unwrap()
        .remove("consistencyWindowSeconds");
    let c = only(changes(&none, &base()));
    assert_eq!(
        c.message,
        "consistency window of stock changed from none to 5 s"
    );
}

#[test]
fn diff_fields_in_business_terms() {
    let mut new = base();
    let fields = new["entities"][0]["fields"].as_array_mut().unwrap();
    fields[1] = json!({ "name": "quantity", "type": "number", "required": true });
    fields[2] =
        json!({ "name": "status", "type": "enum", "values": ["open", "held"], "required": true });
    fields.push(json!({ "name": "updated", "type": "datetime" }));
    let c = changes(&base(), &new);
    assert_eq!(
        kinds(&c),
        [
            ChangeKind::FieldAdded,
            ChangeKind::FieldChanged,
            ChangeKind::FieldChanged
        ]
    );
    assert_eq!(c[0].message, "field updated of stock added (datetime)");
    assert_eq!(
        c[1].message,
        "type of field quantity of stock changed from integer to number"
    );
    assert_eq!(c[2].message, "field status of stock is now required");
    let back = changes(&new, &base());
    assert!(back.iter().any(
        |c| c.kind == ChangeKind::FieldRemoved && c.message == "field updated of stock removed"
    ));
}

#[test]
fn diff_entities_added_removed() {
    let mut new = base();
    new["entities"].as_array_mut().unwrap().push(json!(
        { "id": "order", "name": "Order", "owner": "shop", "key": "number",
          "fields": [{ "name": "number", "type": "string", "required": true }], "copies": [] }));
    let c = only(changes(&base(), &new));
    assert_eq!(c.kind, ChangeKind::EntityAdded);
    assert_eq!(c.message, "entity order (Order) added, owned by shop");
    let c = only(changes(&new, &base()));
    assert_eq!(c.kind, ChangeKind::EntityRemoved);
}

#[test]
fn diff_environment_differs() {
    let test = config(&base(), "test");
    let prod = config(&base(), "prod");
    let c = diff(&test, &prod);
    assert_eq!(c[0].kind, ChangeKind::EnvironmentDiffers);
    assert!(c[0].message.contains("test") && c[0].message.contains("prod"));
    // Then the endpoints, which differ per environment.
    assert!(
        c[1..].iter().all(|c| c.kind == ChangeKind::EndpointChanged),
        "{c:#?}"
    );
    assert!(c.len() > 3);
}

#[test]
fn diff_order_is_deterministic_and_sectioned() {
    // Configurations edited directly (diff does not need a governed model).
    let old = config(&base(), "prod");
    let mut new = old.clone();
    new.name = "Shop 2".into();
    new.systems.remove(1); // wms removed
    let mut psp = new.systems[0].clone();
    psp.id = "psp".into();
    new.systems.push(psp);
    new.entities[0].owner = "shop".into();
    new.entities[0].copies = vec!["shop".into()];
    new.flows.remove(1);
    if let charter_model::config::ConfigRule::Validate(v) = &mut new.rules[0] {
        v.condition = "quantity > 0".into();
    }
    new.rules.remove(1);
    let a = diff(&old, &new);
    assert_eq!(a, diff(&old, &new));
    let k = kinds(&a);
    let pos = |kind: ChangeKind| {
        k.iter()
            .position(|x| *x == kind)
            .unwrap_or_else(|| panic!("{kind:?} in {a:#?}"))
    };
    assert_eq!(pos(ChangeKind::NameChanged), 0);
    assert!(pos(ChangeKind::SystemRemoved) < pos(ChangeKind::SystemAdded));
    assert!(pos(ChangeKind::SystemAdded) < pos(ChangeKind::OwnerChanged));
    assert!(pos(ChangeKind::OwnerChanged) < pos(ChangeKind::CopyRemoved));
    assert!(pos(ChangeKind::CopyRemoved) < pos(ChangeKind::FlowRemoved));
    assert!(pos(ChangeKind::FlowRemoved) < pos(ChangeKind::RuleRemoved));
    assert!(pos(ChangeKind::RuleRemoved) < pos(ChangeKind::RuleConditionChanged));
    // Removals are reported in the old order, additions in the new order.
    let mut two = old.clone();
    two.flows.clear();
    let removed: Vec<String> = diff(&old, &two).into_iter().map(|c| c.subject).collect();
    assert_eq!(removed, ["stock-to-shop", "stock-to-wms"]);
    let added: Vec<String> = diff(&two, &old).into_iter().map(|c| c.subject).collect();
    assert_eq!(added, ["stock-to-shop", "stock-to-wms"]);
}

#[test]
fn diff_every_message_is_one_line_and_kinds_are_kebab() {
    let mut new = base();
    new["entities"][0]["name"] = json!("Stock\nlevel");
    new["systems"][0]["name"] = json!("ERP\tsystem");
    let c = changes(&base(), &new);
    assert_eq!(c.len(), 2);
    for ch in &c {
        assert!(
            !ch.message.contains('\n') && !ch.message.contains('\t'),
            "{}",
            ch.message
        );
        let code = ch.kind.as_str();
        assert!(
            code.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
            "{code}"
        );
        assert_eq!(serde_json::to_value(ch.kind).unwrap(), json!(code));
    }
}

#[test]
fn diff_tolerates_duplicate_ids_in_hand_edited_configs() {
    let old = config(&base(), "prod");
    let mut new = old.clone();
    let mut dup = new.flows[0].clone();
    dup.ack = false;
    new.flows.push(dup);
    // The duplicate is neither added nor compared: the first occurrence counts.
    assert!(diff(&old, &new).is_empty());
    assert!(diff(&new, &old).is_empty());
}

#[test]
fn an_ack_deadline_change_is_said_with_its_default() {
    // Set: the default it replaces is the entity's consistency window.
    let mut new = base();
    new["flows"][0]["ackWithinSeconds"] = json!(60);
    let c = changes(&base(), &new);
    assert_eq!(kinds(&c), [ChangeKind::FlowAckDeadlineChanged]);
    assert_eq!(c[0].subject, "stock-to-shop");
    assert_eq!(
        c[0].message,
        "flow stock-to-shop must now be acknowledged within 60 s (was the default, 5 s: the consistency window of stock)"
    );
    // Changed.
    let mut newer = new.clone();
    newer["flows"][0]["ackWithinSeconds"] = json!(120);
    let c = changes(&new, &newer);
    assert_eq!(
        c[0].message,
        "flow stock-to-shop must now be acknowledged within 120 s instead of 60 s"
    );
    // Removed, on an entity without a window: back to 300 s.
    let mut old = new.clone();
    old["entities"][0]
        .as_object_mut()
        .unwrap()
        .remove("consistencyWindowSeconds");
    let mut back = old.clone();
    back["flows"][0]
        .as_object_mut()
        .unwrap()
        .remove("ackWithinSeconds");
    let c = changes(&old, &back);
    assert_eq!(kinds(&c), [ChangeKind::FlowAckDeadlineChanged]);
    assert_eq!(
        c[0].message,
        "flow stock-to-shop must now be acknowledged within the default, 300 s (was 60 s)"
    );
    // On a flow that requires no acknowledgement, the diff says so.
    let mut unacked = base();
    unacked["flows"][1]["ack"] = json!(false);
    let mut timed = unacked.clone();
    timed["flows"][1]["ackWithinSeconds"] = json!(30);
    let c = changes(&unacked, &timed);
    assert!(
        c[0].message
            .ends_with("(not enforced: the flow requires no acknowledgement)"),
        "{c:?}"
    );
    // No change, no line.
    assert!(changes(&new, &new).is_empty());
    assert_eq!(
        ChangeKind::FlowAckDeadlineChanged.as_str(),
        "flow-ack-deadline-changed"
    );
}
