#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! What the canvas needs from the backend: one-click fixes (one undo step),
//! batch edits, bulk layout, documents (Mermaid, matrix) and saving them.

use charter_app::error::ErrorCode;
use charter_app::store::{NodePosition, Store};
use charter_app::workspace::{self, DocumentKind};
use charter_model::edit::Edit;
use charter_model::parse_model;
use std::path::Path;

const BEFORE: &str = include_str!("../../models/examples/ecommerce-before.model.json");

async fn store_with_before(dir: &Path) -> (Store, u32) {
    let store = Store::open(&dir.join("ws")).await.unwrap().0;
    let id = store
        .create_model(&parse_model(BEFORE).unwrap(), "Before", None)
        .await
        .unwrap();
    (store, id)
}

#[tokio::test]
async fn a_quick_fix_is_offered_applied_and_undone_in_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = store_with_before(dir.path()).await;
    let before = store.state(id).await.unwrap();
    let offer = before
        .quick_fixes
        .iter()
        .find(|o| o.code == "double-write")
        .expect("the failing sample offers a fix for its double write")
        .clone();
    assert!(before
        .findings
        .iter()
        .any(|f| f.code == offer.code && f.subject == offer.subject));

    let after = workspace::apply_quick_fix(&store, id, &offer.code, &offer.subject)
        .await
        .unwrap();
    assert_eq!(after.revision, before.revision + 1);
    assert!(!after
        .findings
        .iter()
        .any(|f| f.code == offer.code && f.subject == offer.subject));
    assert!(!after.quick_fixes.contains(&offer));

    // Offered no more: a second click says so instead of changing anything.
    let again = workspace::apply_quick_fix(&store, id, &offer.code, &offer.subject)
        .await
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::NotFound);

    let undone = store.undo(id).await.unwrap();
    assert_eq!(undone.model, before.model);
    assert!(undone.quick_fixes.contains(&offer));
}

#[tokio::test]
async fn a_batch_is_one_revision_and_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = store_with_before(dir.path()).await;
    let before = store.state(id).await.unwrap();
    let flows: Vec<String> = before
        .model
        .flows
        .iter()
        .take(2)
        .map(|f| f.id.clone())
        .collect();
    let batch = Edit::Batch {
        summary: "Delete 2 flows".into(),
        edits: flows
            .iter()
            .map(|f| Edit::DeleteFlow { id: f.clone() })
            .collect(),
    };
    let after = store.apply_edit(id, &batch).await.unwrap();
    assert_eq!(after.revision, before.revision + 1);
    assert_eq!(after.model.flows.len(), before.model.flows.len() - 2);
    assert_eq!(after.undo_summary.as_deref(), Some("Delete 2 flows"));

    let bad = Edit::Batch {
        summary: String::new(),
        edits: vec![
            Edit::DeleteSystem {
                id: after.model.systems[0].id.clone(),
            },
            Edit::DeleteFlow {
                id: "no-such-flow".into(),
            },
        ],
    };
    assert!(store.apply_edit(id, &bad).await.is_err());
    assert_eq!(store.state(id).await.unwrap().model, after.model);
}

#[tokio::test]
async fn layout_is_stored_in_bulk_and_kept_out_of_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = store_with_before(dir.path()).await;
    let model = store.state(id).await.unwrap().model;
    let positions: Vec<NodePosition> = model
        .systems
        .iter()
        .enumerate()
        .map(|(i, s)| NodePosition {
            node_id: s.id.clone(),
            x: i as f64 * 240.0,
            y: 40.5,
        })
        .collect();
    store.set_layout(id, &positions).await.unwrap();
    let mut stored = store.layout(id).await.unwrap();
    stored.sort_by(|a, b| a.node_id.cmp(&b.node_id));
    let mut want = positions.clone();
    want.sort_by(|a, b| a.node_id.cmp(&b.node_id));
    assert_eq!(stored, want);
    // One node moved later: the others stay.
    store
        .set_node_position(
            id,
            &NodePosition {
                node_id: positions[0].node_id.clone(),
                x: -5.0,
                y: 7.0,
            },
        )
        .await
        .unwrap();
    let stored = store.layout(id).await.unwrap();
    assert_eq!(stored.len(), positions.len());
    assert!(stored
        .iter()
        .any(|p| p.node_id == positions[0].node_id && p.x == -5.0));
    // Not a number: refused, nothing stored.
    let bad = [NodePosition {
        node_id: "x".into(),
        x: f64::NAN,
        y: 0.0,
    }];
    assert!(store.set_layout(id, &bad).await.is_err());
    assert!(!store
        .layout(id)
        .await
        .unwrap()
        .iter()
        .any(|p| p.node_id == "x"));
    // Positions never reach the model (nor its export).
    assert_eq!(store.state(id).await.unwrap().model, model);
}

#[tokio::test]
async fn documents_are_made_from_the_model_and_saved_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = store_with_before(dir.path()).await;
    let model = store.state(id).await.unwrap().model;
    let mermaid = workspace::document(&store, id, DocumentKind::Mermaid)
        .await
        .unwrap();
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert_eq!(
        mermaid.lines().filter(|l| l.contains("|\"")).count(),
        model.flows.len()
    );
    let csv = workspace::document(&store, id, DocumentKind::MatrixCsv)
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), model.entities.len() + 1);
    let md = workspace::document(&store, id, DocumentKind::MatrixMarkdown)
        .await
        .unwrap();
    assert!(md.contains("**Owner**"));

    let out = dir.path().join("diagram.mmd");
    workspace::save_document(&out, &mermaid, false).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), mermaid);
    let png = dir.path().join("diagram.png");
    workspace::save_document(&png, "iVBORw0KGgo=", true).unwrap();
    assert_eq!(std::fs::read(&png).unwrap(), b"\x89PNG\r\n\x1a\n");
    let err = workspace::save_document(&png, "not base64!", true).unwrap_err();
    assert_eq!(err.code, ErrorCode::BadRequest);
    assert_eq!(
        std::fs::read(&png).unwrap(),
        b"\x89PNG\r\n\x1a\n",
        "a refused save leaves the file as it was"
    );
    let err = workspace::save_document(&dir.path().join("no/such/dir/x.svg"), "<svg/>", false)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Io);
    assert!(err.message.contains("x.svg"), "{}", err.message);
}

#[tokio::test]
async fn trying_a_condition_asks_the_runtime_with_the_entity_contract() {
    use workspace::TrialOutcome;
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = store_with_before(dir.path()).await;
    let cel = "onHand - reserved >= 0";
    let run = |record: &'static str| {
        let store = &store;
        async move {
            workspace::try_condition(store, id, "stock", cel, record)
                .await
                .unwrap()
        }
    };
    let ok = run(r#"{"sku": "A-1", "onHand": 5, "reserved": 2, "location": "DC1", "updatedAt": "2026-03-01T10:00:00Z"}"#).await;
    assert_eq!(ok.outcome, TrialOutcome::Holds, "{ok:?}");
    let short = run(r#"{"sku": "A-1", "onHand": 1, "reserved": 2, "location": "DC1", "updatedAt": "2026-03-01T10:00:00Z"}"#).await;
    assert_eq!(short.outcome, TrialOutcome::Fails, "{short:?}");
    // An upsert must carry every declared field: the contract says which is missing.
    let missing = run(r#"{"sku": "A-1", "onHand": 1}"#).await;
    assert_eq!(missing.outcome, TrialOutcome::Contract, "{missing:?}");
    assert!(missing.message.contains("required"), "{}", missing.message);
    // A condition that divides by zero cannot be evaluated: the gate counts it as not holding.
    let zero = workspace::try_condition(&store, id, "stock", "onHand / reserved > 1", r#"{"sku": "A-1", "onHand": 1, "reserved": 0, "location": "DC1", "updatedAt": "2026-03-01T10:00:00Z"}"#).await.unwrap();
    assert_eq!(zero.outcome, TrialOutcome::Error, "{zero:?}");
    assert!(
        zero.message.contains("division by zero"),
        "{}",
        zero.message
    );
    // The contract is checked first, with the model's types.
    let typed = run(r#"{"sku": "A-1", "onHand": 1.5, "reserved": 0, "location": "DC1", "updatedAt": "2026-03-01T10:00:00Z"}"#).await;
    assert_eq!(typed.outcome, TrialOutcome::Contract, "{typed:?}");
    assert_eq!(typed.field.as_deref(), Some("onHand"));
    let bad = workspace::try_condition(&store, id, "stock", "onHand >=", "{}")
        .await
        .unwrap();
    assert_eq!(bad.outcome, TrialOutcome::Invalid);
    let err = workspace::try_condition(&store, id, "stock", cel, "[1]")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadRequest);
    let err = workspace::try_condition(&store, id, "nope", cel, "{}")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
}
