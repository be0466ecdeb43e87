#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The pure edit operations: ids validated, references kept consistent.

use charter_model::edit::{apply, Edit, EditError, ItemKind};
use charter_model::model::*;
use charter_model::parse_model;

fn sample() -> Model {
    parse_model(
        r#"{
  "format": "charter-model/1",
  "name": "Shop",
  "systems": [
    {"id": "erp", "name": "ERP", "kind": "erp"},
    {"id": "shop", "name": "Storefront", "kind": "ecommerce"},
    {"id": "wms", "name": "Warehouse", "kind": "wms"}
  ],
  "entities": [
    {"id": "stock", "name": "Stock", "owner": "erp", "key": "sku", "copies": ["shop", "wms"],
     "fields": [{"name": "sku", "type": "string"}, {"name": "quantity", "type": "integer"}]},
    {"id": "order", "name": "Order", "owner": "shop", "key": "id", "copies": ["erp"]}
  ],
  "flows": [
    {"id": "stock-to-shop", "entity": "stock", "from": "erp", "to": "shop", "pattern": "event", "trigger": "system"},
    {"id": "order-to-erp", "entity": "order", "from": "shop", "to": "erp", "pattern": "event", "trigger": "system"},
    {"id": "stock-to-wms", "entity": "stock", "from": "erp", "to": "wms", "pattern": "event", "trigger": "system"}
  ],
  "rules": [
    {"id": "qty", "kind": "validate", "entity": "stock", "condition": "quantity >= 0", "action": "reject"},
    {"id": "big", "kind": "route", "entity": "order", "condition": "true", "to": ["erp", "wms"]},
    {"id": "rec", "kind": "reconcile", "entity": "order", "systems": ["shop", "erp"], "fields": ["id"]},
    {"id": "ack", "kind": "alert", "flow": "stock-to-shop", "metric": "ack-rate", "threshold": 0.9, "windowSeconds": 60}
  ]
}"#,
    )
    .unwrap()
}

fn system(id: &str) -> System {
    System {
        id: id.into(),
        name: id.to_uppercase(),
        kind: SystemKind::Other,
        team: None,
        side_effects: None,
        endpoints: None,
        extra: Default::default(),
    }
}

#[test]
fn add_system_appends_and_leaves_input_unchanged() {
    let m = sample();
    let out = apply(
        &m,
        &Edit::AddSystem {
            system: system("psp"),
        },
    )
    .unwrap();
    assert_eq!(out.systems.len(), 4);
    assert_eq!(out.systems[3].id, "psp");
    assert_eq!(m.systems.len(), 3);
}

#[test]
fn ids_must_be_slugs_and_unique() {
    let m = sample();
    let e = apply(
        &m,
        &Edit::AddSystem {
            system: system("Bad Id"),
        },
    )
    .unwrap_err();
    assert!(matches!(e, EditError::InvalidId { .. }), "{e}");
    assert_eq!(e.code(), "invalid-id");
    let e = apply(
        &m,
        &Edit::AddSystem {
            system: system("erp"),
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "duplicate-id");
    let e = apply(
        &m,
        &Edit::Rename {
            kind: ItemKind::Flow,
            id: "order-to-erp".into(),
            new_id: Some("stock-to-wms".into()),
            name: None,
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "duplicate-id");
    let e = apply(&m, &Edit::DeleteSystem { id: "nope".into() }).unwrap_err();
    assert_eq!(e.code(), "not-found");
}

#[test]
fn renaming_a_system_id_updates_every_reference() {
    let m = sample();
    let out = apply(
        &m,
        &Edit::Rename {
            kind: ItemKind::System,
            id: "erp".into(),
            new_id: Some("sap".into()),
            name: Some("SAP S/4".into()),
        },
    )
    .unwrap();
    assert!(out.system("erp").is_none());
    assert_eq!(out.system("sap").unwrap().name, "SAP S/4");
    assert_eq!(out.entity("stock").unwrap().owner.as_deref(), Some("sap"));
    assert_eq!(out.entity("order").unwrap().copies, vec!["sap"]);
    assert_eq!(out.flow("stock-to-shop").unwrap().from, "sap");
    assert_eq!(out.flow("order-to-erp").unwrap().to, "sap");
    match &out.rules()[1] {
        Rule::Route(r) => assert_eq!(r.to, vec!["sap", "wms"]),
        other => panic!("{other:?}"),
    }
    match &out.rules()[2] {
        Rule::Reconcile(r) => assert_eq!(r.systems, vec!["shop", "sap"]),
        other => panic!("{other:?}"),
    }
    let text = serde_json::to_string(&out)
        .unwrap()
        .replace("\"kind\":\"erp\"", "");
    assert!(
        !text.contains("\"erp\""),
        "a reference to the old id is left: {text}"
    );
}

#[test]
fn update_system_with_new_id_renames_references() {
    let m = sample();
    let mut s = m.system("wms").unwrap().clone();
    s.id = "wh".into();
    let out = apply(
        &m,
        &Edit::UpdateSystem {
            id: "wms".into(),
            system: s,
        },
    )
    .unwrap();
    assert_eq!(out.entity("stock").unwrap().copies, vec!["shop", "wh"]);
    assert_eq!(out.flow("stock-to-wms").unwrap().to, "wh");
}

#[test]
fn deleting_a_system_removes_its_flows_and_copies_and_unowns_entities() {
    let m = sample();
    let out = apply(&m, &Edit::DeleteSystem { id: "erp".into() }).unwrap();
    assert!(out.system("erp").is_none());
    assert_eq!(out.entity("stock").unwrap().owner, None);
    assert_eq!(out.entity("order").unwrap().copies, Vec::<String>::new());
    assert!(out.flows.iter().all(|f| f.from != "erp" && f.to != "erp"));
    assert_eq!(out.flows.len(), 0);
}

#[test]
fn deleting_an_entity_removes_its_flows_and_rules() {
    let m = sample();
    let out = apply(&m, &Edit::DeleteEntity { id: "stock".into() }).unwrap();
    assert_eq!(
        out.flows.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        vec!["order-to-erp"]
    );
    assert!(out.rules().iter().all(|r| r.entity() != Some("stock")));
    assert_eq!(out.rules().len(), 3);
}

#[test]
fn renaming_entity_and_flow_ids_updates_flows_and_rules() {
    let m = sample();
    let out = apply(
        &m,
        &Edit::Rename {
            kind: ItemKind::Entity,
            id: "stock".into(),
            new_id: Some("inventory".into()),
            name: None,
        },
    )
    .unwrap();
    assert_eq!(out.flow("stock-to-shop").unwrap().entity, "inventory");
    assert_eq!(out.rules()[0].entity(), Some("inventory"));
    let out = apply(
        &out,
        &Edit::Rename {
            kind: ItemKind::Flow,
            id: "stock-to-shop".into(),
            new_id: Some("inv-to-shop".into()),
            name: None,
        },
    )
    .unwrap();
    match &out.rules()[3] {
        Rule::Alert(a) => assert_eq!(a.flow, "inv-to-shop"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn set_owner_checks_the_system_and_drops_it_from_copies() {
    let m = sample();
    let out = apply(
        &m,
        &Edit::SetOwner {
            entity: "stock".into(),
            owner: Some("wms".into()),
            rationale: Some(" WMS counts the shelves ".into()),
        },
    )
    .unwrap();
    let e = out.entity("stock").unwrap();
    assert_eq!(e.owner.as_deref(), Some("wms"));
    // The new owner left the copies; the previous owner took its place.
    assert_eq!(e.copies, vec!["shop", "erp"]);
    assert_eq!(e.rationale.as_deref(), Some("WMS counts the shelves"));
    let err = apply(
        &m,
        &Edit::SetOwner {
            entity: "stock".into(),
            owner: Some("ghost".into()),
            rationale: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "unknown-reference");
    let out = apply(
        &m,
        &Edit::SetOwner {
            entity: "stock".into(),
            owner: None,
            rationale: None,
        },
    )
    .unwrap();
    assert_eq!(out.entity("stock").unwrap().owner, None);
}

#[test]
fn set_copies_rejects_unknown_systems_and_dedups() {
    let m = sample();
    let out = apply(
        &m,
        &Edit::SetCopies {
            entity: "order".into(),
            copies: vec!["wms".into(), "wms".into(), "erp".into()],
        },
    )
    .unwrap();
    assert_eq!(out.entity("order").unwrap().copies, vec!["wms", "erp"]);
    let err = apply(
        &m,
        &Edit::SetCopies {
            entity: "order".into(),
            copies: vec!["x".into()],
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "unknown-reference");
}

#[test]
fn add_flow_requires_existing_ends() {
    let m = sample();
    let mut f = m.flow("stock-to-shop").unwrap().clone();
    f.id = "stock-to-x".into();
    f.to = "x".into();
    assert_eq!(
        apply(&m, &Edit::AddFlow { flow: f.clone() })
            .unwrap_err()
            .code(),
        "unknown-reference"
    );
    f.to = "wms".into();
    f.id = "stock-to-wms-2".into();
    let out = apply(&m, &Edit::AddFlow { flow: f }).unwrap();
    assert_eq!(out.flows.len(), 4);
}

#[test]
fn rules_add_update_delete() {
    let m = sample();
    let rule = Rule::Conflict(ConflictRule {
        extra: Default::default(),
        id: "c1".into(),
        entity: "stock".into(),
        policy: ConflictPolicy::OwnerWins,
    });
    let out = apply(&m, &Edit::AddRule { rule: rule.clone() }).unwrap();
    assert_eq!(out.rules().len(), 5);
    assert_eq!(
        apply(&out, &Edit::AddRule { rule }).unwrap_err().code(),
        "duplicate-id"
    );
    let upd = Rule::Conflict(ConflictRule {
        extra: Default::default(),
        id: "c1".into(),
        entity: "stock".into(),
        policy: ConflictPolicy::Escalate,
    });
    let out = apply(
        &out,
        &Edit::UpdateRule {
            id: "c1".into(),
            rule: upd.clone(),
        },
    )
    .unwrap();
    assert_eq!(out.rules()[4], upd);
    let out = apply(&out, &Edit::DeleteRule { id: "qty".into() }).unwrap();
    assert!(out.rules().iter().all(|r| r.id() != "qty"));
}

#[test]
fn model_level_edits() {
    let m = sample();
    assert_eq!(
        apply(&m, &Edit::SetModelName { name: "  ".into() })
            .unwrap_err()
            .code(),
        "invalid"
    );
    let out = apply(
        &m,
        &Edit::SetModelName {
            name: "Shop v2".into(),
        },
    )
    .unwrap();
    assert_eq!(out.name, "Shop v2");
    let out = apply(
        &out,
        &Edit::SetEnvironments {
            environments: vec!["dev".into(), "prod".into()],
        },
    )
    .unwrap();
    assert_eq!(out.environment_names(), vec!["dev", "prod"]);
    assert_eq!(
        apply(
            &out,
            &Edit::SetEnvironments {
                environments: vec!["dev".into(), "dev".into()]
            }
        )
        .unwrap_err()
        .code(),
        "duplicate-id"
    );
    let out = apply(
        &out,
        &Edit::SetModelDescription {
            description: Some("d".into()),
        },
    )
    .unwrap();
    assert_eq!(out.description.as_deref(), Some("d"));
    let other = Model::new("Other");
    let out = apply(
        &out,
        &Edit::ReplaceModel {
            model: other.clone(),
        },
    )
    .unwrap();
    assert_eq!(out, other);
}

#[test]
fn edits_serialize_with_an_op_tag() {
    let e = Edit::Rename {
        kind: ItemKind::System,
        id: "erp".into(),
        new_id: Some("sap".into()),
        name: None,
    };
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["op"], "rename");
    assert_eq!(v["kind"], "system");
    assert_eq!(v["newId"], "sap");
    let back: Edit = serde_json::from_value(v).unwrap();
    assert_eq!(back, e);
    let parsed: Edit = serde_json::from_str(r#"{"op":"deleteSystem","id":"erp"}"#).unwrap();
    assert_eq!(parsed, Edit::DeleteSystem { id: "erp".into() });
    assert!(e.summary().contains("sap"));
}

fn set_owner(entity: &str, owner: &str, rationale: Option<&str>) -> Edit {
    Edit::SetOwner {
        entity: entity.into(),
        owner: Some(owner.into()),
        rationale: rationale.map(str::to_string),
    }
}

#[test]
fn the_previous_owner_keeps_a_copy_and_a_round_trip_restores_the_model() {
    let m = sample();
    // Stock: owner erp, copies shop and wms. Hand it to shop (a copy holder).
    let there = apply(&m, &set_owner("stock", "shop", Some("The shop sells it"))).unwrap();
    let e = there.entity("stock").unwrap();
    assert_eq!(e.owner.as_deref(), Some("shop"));
    assert_eq!(e.copies, vec!["erp", "wms"], "erp keeps its data as a copy");
    // And back: exactly the model we started from.
    let back = apply(&there, &set_owner("stock", "erp", None)).unwrap();
    assert_eq!(back.entity("stock").unwrap().copies, vec!["shop", "wms"]);
    assert_eq!(back.entity("stock").unwrap().owner.as_deref(), Some("erp"));
    let mut expected = m.clone();
    expected.entities[0].rationale = None;
    assert_eq!(back, expected);
    // Through the middle copy holder too, and through every holder in turn.
    for via in ["wms", "shop"] {
        let there = apply(&m, &set_owner("stock", via, None)).unwrap();
        assert!(there
            .entity("stock")
            .unwrap()
            .copies
            .contains(&"erp".to_string()));
        assert!(!there
            .entity("stock")
            .unwrap()
            .copies
            .contains(&via.to_string()));
        let back = apply(&there, &set_owner("stock", "erp", None)).unwrap();
        assert_eq!(back, expected, "erp -> {via} -> erp");
    }
    // No undeclared copy appears: the checks find the same things before and after.
    let codes = |m: &Model| {
        let mut v: Vec<(String, String)> = charter_model::checks::check(m)
            .iter()
            .map(|f| (f.code.to_string(), f.subject.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(codes(&back), codes(&expected));
}

#[test]
fn a_new_owner_that_held_no_copy_leaves_the_previous_owner_holding_one() {
    let m = sample();
    // order: owner shop, copies [erp]; wms held nothing.
    let out = apply(&m, &set_owner("order", "wms", None)).unwrap();
    let e = out.entity("order").unwrap();
    assert_eq!(e.owner.as_deref(), Some("wms"));
    assert_eq!(e.copies, vec!["erp", "shop"]);
    // Setting the same owner again changes nothing.
    let same = apply(&out, &set_owner("order", "wms", None)).unwrap();
    assert_eq!(same, out);
    // Clearing the owner drops it: the user chose "nobody".
    let cleared = apply(
        &m,
        &Edit::SetOwner {
            entity: "order".into(),
            owner: None,
            rationale: None,
        },
    )
    .unwrap();
    assert_eq!(cleared.entity("order").unwrap().copies, vec!["erp"]);
    assert_eq!(cleared.entity("order").unwrap().owner, None);
}

#[test]
fn names_longer_than_the_limit_are_refused() {
    use charter_model::edit::MAX_NAME_CHARS;
    let m = sample();
    let long = "Å".repeat(MAX_NAME_CHARS + 1);
    let ok = "Å".repeat(MAX_NAME_CHARS);
    let mut sys = system("long");
    sys.name = long.clone();
    let err = apply(
        &m,
        &Edit::AddSystem {
            system: sys.clone(),
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid");
    assert!(err.to_string().contains("at most 200"), "{err}");
    sys.name = ok.clone();
    assert!(
        apply(&m, &Edit::AddSystem { system: sys }).is_ok(),
        "200 characters (not bytes) fit"
    );
    let rename = |name: &str| Edit::Rename {
        kind: ItemKind::Entity,
        id: "stock".into(),
        new_id: None,
        name: Some(name.to_string()),
    };
    assert!(apply(&m, &rename(&long)).is_err());
    assert!(apply(&m, &rename(&ok)).is_ok());
    assert!(apply(&m, &Edit::SetModelName { name: long }).is_err());
    assert!(apply(&m, &Edit::SetModelName { name: " ".into() }).is_err());
}
