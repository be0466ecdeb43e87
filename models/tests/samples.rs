//! The sample models shipped in `models/examples/`: each is in Charter's
//! stable form (reading then writing gives the same bytes), the governed
//! samples have no error-severity finding, and the "before governance" sample
//! shows each of the four failure patterns of the domain.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_model::file::{model_to_string, parse_model};
use charter_model::{check, Finding, Model, Severity};
use std::path::PathBuf;

const SAMPLES: &[&str] = &[
    "seafood.model.json",
    "ecommerce.model.json",
    "ecommerce-before.model.json",
];

fn sample_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn read_text(name: &str) -> String {
    std::fs::read_to_string(sample_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn load(name: &str) -> Model {
    parse_model(&read_text(name)).unwrap_or_else(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        panic!("{name} does not read:\n{}", lines.join("\n"))
    })
}

fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.severity.as_str(),
                f.code,
                f.subject,
                f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_sample_round_trips_byte_for_byte() {
    for name in SAMPLES {
        let text = read_text(name);
        let model = load(name);
        let written = model_to_string(&model);
        if written != text {
            let line = written
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .map_or(written.lines().count().min(text.lines().count()) + 1, |i| {
                    i + 1
                });
            panic!("{name}: writing it back differs from the file, first at line {line}");
        }
        // And reading what was written gives the same model.
        assert_eq!(parse_model(&written).unwrap(), model, "{name}");
    }
}

#[test]
fn samples_use_three_environments_and_credential_references_only() {
    for name in SAMPLES {
        let model = load(name);
        assert_eq!(model.environment_names(), ["dev", "test", "prod"], "{name}");
        assert!(!model.systems.is_empty(), "{name}");
        for system in &model.systems {
            for env in ["dev", "test", "prod"] {
                let ep = system.endpoint(env).unwrap_or_else(|| {
                    panic!("{name}: system {} has no {env} endpoint", system.id)
                });
                let cred = ep.credential_ref.as_deref().unwrap_or("");
                assert!(
                    cred.starts_with("vault:") && cred.ends_with(env),
                    "{name}: {}/{env} credentialRef {cred:?}",
                    system.id
                );
                assert!(
                    !ep.url.contains('@'),
                    "{name}: {}/{env} url has user info",
                    system.id
                );
                assert!(
                    ep.extra.is_empty(),
                    "{name}: {}/{env} has extra keys",
                    system.id
                );
            }
        }
    }
}

#[test]
fn samples_are_realistic_and_every_entity_has_an_owner_and_steward() {
    for name in SAMPLES {
        let model = load(name);
        assert!(
            model.entities.len() >= 8,
            "{name}: only {} entities",
            model.entities.len()
        );
        assert!(
            model.flows.len() >= 15,
            "{name}: only {} flows",
            model.flows.len()
        );
        for e in &model.entities {
            let owner = e
                .owner
                .as_deref()
                .unwrap_or_else(|| panic!("{name}: {} has no owner", e.id));
            assert!(
                model.system(owner).is_some(),
                "{name}: {} owner {owner} unknown",
                e.id
            );
            assert!(
                e.steward.is_some() && e.rationale.is_some(),
                "{name}: {}",
                e.id
            );
            assert!(e.consistency_window_seconds.is_some(), "{name}: {}", e.id);
            assert!(
                e.field(&e.key).is_some(),
                "{name}: {} key {} is not a field",
                e.id,
                e.key
            );
        }
        for f in &model.flows {
            let entity = model.entity(&f.entity).unwrap();
            if let Some(key) = &f.idempotency_key {
                assert!(
                    entity.field(key).is_some(),
                    "{name}: flow {} key {key}",
                    f.id
                );
            }
        }
    }
}

#[test]
fn seafood_covers_every_system_of_the_domain_with_all_rule_kinds() {
    let model = load("seafood.model.json");
    let kinds: Vec<&str> = model.systems.iter().map(|s| s.kind.as_str()).collect();
    for k in [
        "erp",
        "wms",
        "production",
        "quality",
        "transport",
        "finance",
        "analytics",
    ] {
        assert!(kinds.contains(&k), "no {k} system");
    }
    for k in ["validate", "route", "conflict", "reconcile", "alert"] {
        assert!(model.rules().iter().any(|r| r.kind() == k), "no {k} rule");
    }
    assert!(model
        .flows
        .iter()
        .all(|f| f.is_acknowledged() && f.idempotency_key.is_some()));
}

#[test]
fn governed_ecommerce_has_the_four_cures_in_its_structure() {
    let model = load("ecommerce.model.json");
    let stock = model.entity("stock").unwrap();
    assert_eq!(stock.owner.as_deref(), Some("erp"));
    // The storefront only requests stock changes, to the owner.
    let shop_stock: Vec<_> = model
        .flows
        .iter()
        .filter(|f| f.entity == "stock" && f.from == "shop")
        .collect();
    assert!(!shop_stock.is_empty());
    assert!(shop_stock
        .iter()
        .all(|f| f.pattern == charter_model::model::Pattern::Request && f.to == "erp"));
    // Settlement reconciled between psp and oms, with tolerance and window.
    assert!(model.rules().iter().any(|r| matches!(r,
        charter_model::model::Rule::Reconcile(rc)
            if rc.entity == "payment"
                && rc.systems.iter().any(|s| s == "psp")
                && rc.systems.iter().any(|s| s == "oms")
                && rc.tolerance.is_some()
                && rc.within_seconds.is_some())));
    // Carrier selection as route rules in the governance layer.
    let carrier_routes = model
        .rules()
        .iter()
        .filter(|r| r.kind() == "route" && r.entity() == Some("shipment"))
        .count();
    assert!(carrier_routes >= 2);
    // No event about an entity from a system other than its owner.
    for f in &model.flows {
        let owner = model.entity(&f.entity).and_then(|e| e.owner.as_deref());
        match f.pattern {
            charter_model::model::Pattern::Event => {
                assert_eq!(Some(f.from.as_str()), owner, "{}", f.id)
            }
            charter_model::model::Pattern::Request => {
                assert_eq!(Some(f.to.as_str()), owner, "{}", f.id)
            }
        }
    }
    // Every order flow acknowledged.
    assert!(model
        .flows
        .iter()
        .filter(|f| f.entity == "order")
        .all(|f| f.is_acknowledged()));
}

#[test]
fn governed_samples_have_no_errors_or_warnings() {
    for name in ["seafood.model.json", "ecommerce.model.json"] {
        let findings = check(&load(name));
        let errors: Vec<Finding> = findings
            .into_iter()
            .filter(|f| f.severity <= Severity::Warning)
            .collect();
        assert!(
            errors.is_empty(),
            "{name} has errors or warnings:\n{}",
            describe(&errors)
        );
    }
}

#[test]
fn before_governance_shows_each_failure_pattern() {
    let findings = check(&load("ecommerce-before.model.json"));
    let has = |code: &str, subjects: &[&str]| {
        findings
            .iter()
            .any(|f| f.code == code && subjects.contains(&f.subject.as_str()))
    };
    let all = describe(&findings);
    // 1. Double-write stock race: the storefront announces stock the ERP owns.
    assert!(
        has("double-write", &["shop-stock-decrement"]),
        "no double-write on the storefront's stock events:\n{all}"
    );
    // 2. Silent settlement drift: money held by psp, oms and accounting, never reconciled.
    assert!(
        has("unreconciled-money", &["payment"]),
        "no unreconciled-money on payment:\n{all}"
    );
    // 3. Carrier logic in the 3PL connector: the 3PL announces the shipment the OMS owns.
    assert!(
        has("double-write", &["tpl-carrier-choice"]),
        "no double-write on the 3PL's shipment events:\n{all}"
    );
    // 4. Green dashboard over rejected orders: the order flow to the 3PL is not acknowledged.
    assert!(
        has("unacknowledged-flow", &["order-to-tpl"]),
        "no unacknowledged-flow on order-to-tpl:\n{all}"
    );
    // A double write corrupts master data: an error that blocks export. The
    // others are at least warnings, never mere hints.
    assert!(
        findings
            .iter()
            .any(|f| f.code == "double-write" && f.severity == Severity::Error),
        "double-write is not an error:\n{all}"
    );
    for code in ["unreconciled-money", "unacknowledged-flow"] {
        assert!(
            findings
                .iter()
                .any(|f| f.code == code && f.severity <= Severity::Warning),
            "{code} is only informational:\n{all}"
        );
    }
}
