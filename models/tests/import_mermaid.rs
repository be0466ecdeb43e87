//! Mermaid imports: Charter's own export reads back to the same landscape,
//! the sample sketches in tests/imports/ become readable models, what cannot
//! be placed is listed, bad input is one clear error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_model::documents::mermaid;
use charter_model::file::{model_to_string, parse_model};
use charter_model::import::{import_bytes, import_file, Format, ImportError};
use charter_model::model::{Model, Pattern};
use charter_model::{check, Severity};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sample(name: &str) -> Model {
    let text = std::fs::read_to_string(repo().join("models/examples").join(name)).unwrap();
    parse_model(&text).unwrap()
}

/// The written model reads back through the model reader (what `charter
/// check` does before checking).
fn reads_back(m: &Model) -> Model {
    parse_model(&model_to_string(m)).unwrap_or_else(|p| {
        panic!(
            "imported model does not read: {}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

type FlowSig = (String, String, String, &'static str, bool);

/// Flows by system and entity names (ids may differ after a round trip).
fn flow_sigs(m: &Model) -> BTreeSet<FlowSig> {
    let sys = |id: &str| m.system(id).map(|s| s.name.clone()).unwrap();
    let ent = |id: &str| m.entity(id).map(|e| e.name.clone()).unwrap();
    m.flows
        .iter()
        .filter(|f| m.system(&f.from).is_some() && m.system(&f.to).is_some())
        .map(|f| {
            (
                sys(&f.from),
                sys(&f.to),
                ent(&f.entity),
                f.pattern.as_str(),
                f.is_acknowledged(),
            )
        })
        .collect()
}

fn owners(m: &Model) -> BTreeSet<(String, Option<String>)> {
    m.entities
        .iter()
        .map(|e| {
            (
                e.name.clone(),
                e.owner
                    .as_deref()
                    .and_then(|o| m.system(o))
                    .map(|s| s.name.clone()),
            )
        })
        .collect()
}

#[test]
fn own_export_round_trips_for_every_sample() {
    for name in [
        "seafood.model.json",
        "ecommerce.model.json",
        "ecommerce-before.model.json",
    ] {
        let original = sample(name);
        let text = mermaid(&original);
        let imported = import_bytes(text.as_bytes(), None, "x").unwrap();
        assert_eq!(imported.format, Format::Mermaid);
        let m = reads_back(&imported.model);
        let names = |m: &Model| m.systems.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&m), names(&original), "{name}: systems");
        assert_eq!(flow_sigs(&m), flow_sigs(&original), "{name}: flows");
        // Every entity the original owns or moves comes back with its owner.
        let moved: BTreeSet<(String, Option<String>)> = owners(&original)
            .into_iter()
            .filter(|(e, o)| {
                o.is_some()
                    || original
                        .flows
                        .iter()
                        .any(|f| original.entity(&f.entity).unwrap().name == *e)
            })
            .collect();
        assert_eq!(owners(&m), moved, "{name}: owners");
        assert!(
            imported.unplaced.is_empty(),
            "{name}: {:?}",
            imported.unplaced
        );
    }
}

#[test]
fn seafood_landscape_sketch() {
    let imported = import_file(&repo().join("tests/imports/seafood-landscape.mmd"), None).unwrap();
    let m = reads_back(&imported.model);
    assert_eq!(
        m.name,
        "Seafood processor (point to point, as drawn in the architecture notes)"
    );
    let ids: Vec<&str> = m.systems.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "erp",
            "warehouse-system",
            "production",
            "quality-system",
            "transport-portal",
            "finance",
            "data-platform"
        ]
    );
    let kind = |id: &str| m.system(id).unwrap().kind.as_str();
    assert_eq!(kind("warehouse-system"), "wms");
    assert_eq!(kind("data-platform"), "analytics");
    // OrderCreated from the ERP: an event about Order, owned by the ERP.
    let order = m.entity("order").unwrap();
    assert_eq!(order.owner.as_deref(), Some("erp"));
    // `Customer, Item` are two flows.
    assert!(m.flow("customer-erp-to-transport-portal").is_some());
    assert!(m.flow("item-erp-to-transport-portal").is_some());
    // Stock is announced by the warehouse and by the data platform: open.
    let stock = m.entity("stock").unwrap();
    assert_eq!(stock.owner, None);
    assert!(imported
        .summary
        .iter()
        .any(|l| l.contains("entity stock: owner left open") && l.contains("data-platform")));
    // A dotted `asks` arrow is a request from the asker.
    let approval = m.flows.iter().find(|f| f.entity == "approval").unwrap();
    assert_eq!(approval.pattern, Pattern::Request);
    assert_eq!(
        (approval.from.as_str(), approval.to.as_str()),
        ("production", "quality-system")
    );
    // The unlabelled `erp --- fin` is listed, not dropped.
    assert!(
        imported
            .unplaced
            .iter()
            .any(|l| l.contains("erp → finance") && l.contains("names no entity")),
        "{:?}",
        imported.unplaced
    );
    // Subgraphs are reported.
    assert!(imported
        .summary
        .iter()
        .any(|l| l.starts_with("subgraph Core")));
    // The model is checkable: findings, but no reader problem.
    let findings = check(&m);
    assert!(findings
        .iter()
        .any(|f| f.code.as_str() == "no-owner" && f.subject == "stock"));
}

#[test]
fn whiteboard_lists_what_it_cannot_place() {
    let imported =
        import_file(&repo().join("tests/imports/ecommerce-whiteboard.mmd"), None).unwrap();
    let m = reads_back(&imported.model);
    assert_eq!(m.name, "ecommerce-whiteboard");
    let u = imported.unplaced.join("\n");
    assert!(u.contains("a shape without a name"), "{u}");
    assert!(u.contains("order-management → 3pl"), "{u}");
    assert!(u.contains("storefront → nowhere"), "{u}");
    // Stock: the ERP sends it, the storefront sends StockUpdated: contested;
    // the storefront's reservation is a request.
    assert_eq!(m.entity("stock").unwrap().owner, None);
    let reserve = m
        .flows
        .iter()
        .find(|f| f.entity == "stock" && f.pattern == Pattern::Request)
        .unwrap();
    assert_eq!(
        (reserve.from.as_str(), reserve.to.as_str()),
        ("storefront", "erp")
    );
    // `Shipment request` is a request, PaymentCaptured an event from the gateway.
    assert_eq!(
        m.entity("payment").unwrap().owner.as_deref(),
        Some("payment-gateway")
    );
    assert!(check(&m).iter().any(|f| f.severity == Severity::Error));
}

#[test]
fn every_direction_and_transliterated_ids() {
    for dir in ["TB", "TD", "BT", "RL", "LR"] {
        let text =
            format!("flowchart {dir}\n  a[Århus Lager] -->|Stock| b[Køge Shop]\n  c[Århus lager]");
        let i = import_bytes(text.as_bytes(), None, "m").unwrap();
        let ids: Vec<&str> = i.model.systems.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            vec!["arhus-lager", "koge-shop", "arhus-lager-2"],
            "{dir}"
        );
        reads_back(&i.model);
    }
}

#[test]
fn labels_with_markup_and_control_characters_stay_text() {
    let text = "flowchart LR\n  a[\"<img src=x onerror=alert(1)>ERP\u{7}\"] -->|\"<b>Order</b>\u{1b}[31m\"| b[\"Shop<script>x</script>\"]";
    let i = import_bytes(text.as_bytes(), None, "m").unwrap();
    let m = reads_back(&i.model);
    assert_eq!(m.systems[0].name, "ERP");
    assert_eq!(m.systems[1].name, "Shopx");
    assert!(m.entities[0].name.starts_with("Order"));
    for s in &m.systems {
        assert!(!s.name.contains('<') && !s.name.chars().any(char::is_control));
    }
    for e in &m.entities {
        assert!(!e.name.chars().any(char::is_control), "{:?}", e.name);
    }
}

#[test]
fn bad_input_is_one_clear_error() {
    let cases: Vec<(&[u8], &str)> = vec![
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"hello world", "cannot tell the format"),
        (b"sequenceDiagram\nA->>B: x", "cannot tell the format"),
    ];
    for (bytes, want) in cases {
        let e = import_bytes(bytes, None, "m").unwrap_err().to_string();
        assert!(e.contains(want), "{e}");
        assert_eq!(e.lines().count(), 1);
    }
    let e = import_bytes(b"sequenceDiagram\nA->>B: x", Some(Format::Mermaid), "m").unwrap_err();
    assert!(matches!(e, ImportError::Invalid { .. }), "{e}");
    assert!(e.to_string().contains("line 1"), "{e}");
    // Truncated inside a quoted label.
    let e = import_bytes(b"flowchart LR\n a[\"ERP", None, "m").unwrap_err();
    assert!(e.to_string().contains("never closed"), "{e}");
}

#[test]
fn truncated_and_odd_files_never_panic() {
    let full = std::fs::read(repo().join("tests/imports/seafood-landscape.mmd")).unwrap();
    for cut in 0..full.len() {
        let _ = import_bytes(&full[..cut], Some(Format::Mermaid), "m");
    }
    for odd in [
        "flowchart LR\n-->",
        "flowchart LR\nA-->",
        "flowchart LR\nA[",
        "flowchart LR\nA -- x",
        "flowchart LR\nA -->|x B",
        "flowchart LR\nsubgraph\nend\nend",
        "flowchart LR\nA@{ label: ",
        "flowchart LR\n&&&",
        "flowchart LR\nA-.-.-.->B",
    ] {
        if let Ok(i) = import_bytes(odd.as_bytes(), Some(Format::Mermaid), "m") {
            reads_back(&i.model);
        }
    }
}
