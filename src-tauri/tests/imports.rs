#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! File → Import: preview a sketch, create a model from it, or merge it into
//! the open model as one undo step.

use charter_app::error::ErrorCode;
use charter_app::imports;
use charter_app::store::Store;
use charter_model::parse_model;
use std::path::{Path, PathBuf};

const BEFORE: &str = include_str!("../../models/examples/ecommerce-before.model.json");

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/imports")
        .join(name)
}

#[tokio::test]
async fn a_sketch_is_previewed_then_created_or_merged_as_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("ws")).await.unwrap().0;
    let preview = imports::preview(&sample("ecommerce-whiteboard.mmd")).unwrap();
    assert_eq!(preview.format, "mermaid");
    assert_eq!(preview.file_name, "ecommerce-whiteboard.mmd");
    assert!(
        preview.model.systems.len() >= 3,
        "{:?}",
        preview.model.systems
    );
    assert!(!preview.summary.is_empty());

    // A new model, opened.
    let created = imports::apply(&store, &preview.model, &preview.file_name, None)
        .await
        .unwrap();
    assert_eq!(created.model.systems.len(), preview.model.systems.len());
    assert_eq!(store.list_models().await.unwrap().len(), 1);

    // Merged into another model: one revision, undone in one step.
    let id = store
        .create_model(&parse_model(BEFORE).unwrap(), "Before", None)
        .await
        .unwrap();
    let before = store.state(id).await.unwrap();
    let merged = imports::apply(&store, &preview.model, &preview.file_name, Some(id))
        .await
        .unwrap();
    assert_eq!(merged.revision, before.revision + 1);
    let summary = merged.undo_summary.clone().unwrap();
    assert!(
        summary.starts_with("Import ") && summary.ends_with("from ecommerce-whiteboard.mmd"),
        "{summary}"
    );
    for s in &before.model.systems {
        assert!(
            merged.model.system(&s.id).is_some(),
            "the merge took away {}",
            s.id
        );
    }
    for e in &before.model.entities {
        if e.owner.is_some() {
            assert_eq!(
                merged.model.entity(&e.id).unwrap().owner,
                e.owner,
                "the merge changed a decided owner"
            );
        }
    }
    let undone = store.undo(id).await.unwrap();
    assert_eq!(undone.model, before.model);

    // Merging what is already there is refused, and says so.
    store.redo(id).await.unwrap();
    let err = imports::apply(&store, &preview.model, &preview.file_name, Some(id))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::EditRefused);
    assert!(err.message.contains("nothing to add"), "{}", err.message);
}

#[tokio::test]
async fn a_file_that_is_no_sketch_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("notes.txt");
    std::fs::write(&bad, "just some words\nnothing to import here\n").unwrap();
    let err = imports::preview(&bad).unwrap_err();
    assert_eq!(err.code, ErrorCode::ImportInvalid);
    assert!(
        err.message.starts_with(&bad.display().to_string()),
        "{}",
        err.message
    );
    let err = imports::preview(&dir.path().join("missing.mmd")).unwrap_err();
    assert_eq!(err.code, ErrorCode::Io);
}

#[tokio::test]
async fn a_log_is_discovered_compared_and_its_owners_added_with_their_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("ws")).await.unwrap().0;
    // A model that knows the systems but has not decided who owns stock.
    let mut have = parse_model(BEFORE).unwrap();
    let stock = have.entities.iter_mut().find(|e| e.id == "stock").unwrap();
    stock.owner = None;
    let id = store.create_model(&have, "Before", None).await.unwrap();
    let log = sample("ecommerce-exchanges.jsonl");
    let found = charter_app::discovery::discover(&store, log.to_str().unwrap(), id)
        .await
        .unwrap();
    assert_eq!(found.file_name, "ecommerce-exchanges.jsonl");
    assert!(
        found.summary[0].contains("read ") && found.summary[0].contains("as exchanges"),
        "{:?}",
        found.summary
    );
    // The storefront writes stock beside the ERP: a double write the log shows.
    assert!(
        found
            .model
            .flows
            .iter()
            .any(|f| f.entity == "stock" && f.from == "shop"),
        "{:?}",
        found.model.flows
    );
    assert!(!found.compare.is_empty());
    assert!(
        found
            .compare
            .iter()
            .all(|l| l.starts_with("undocumented") || l.starts_with("unused")),
        "{:?}",
        found.compare
    );
    // Adding it: stock takes the suggested owner, logged with the evidence.
    let after = imports::apply(&store, &found.model, &found.file_name, Some(id))
        .await
        .unwrap();
    assert_eq!(
        after.model.entity("stock").unwrap().owner.as_deref(),
        Some("erp")
    );
    let log = store.decision_log(id).await.unwrap();
    let last = log.iter().rev().find(|d| d.entity == "stock").unwrap();
    assert!(
        last.rationale
            .as_deref()
            .unwrap_or("")
            .contains("keys first"),
        "{:?}",
        last.rationale
    );
    // A file that is no log is refused naming it.
    let bad = dir.path().join("empty.jsonl");
    std::fs::write(&bad, "").unwrap();
    let err = charter_app::discovery::discover(&store, bad.to_str().unwrap(), id)
        .await
        .unwrap_err();
    assert!(
        err.message.starts_with(&bad.display().to_string()),
        "{}",
        err.message
    );
}
