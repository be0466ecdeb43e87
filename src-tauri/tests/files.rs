#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Import, save / save as, export and decision-log files through the
//! workspace functions the commands call; the checked-in TypeScript bindings.

use charter_app::commands::LogFormat;
use charter_app::error::ErrorCode;
use charter_app::store::Store;
use charter_app::workspace;
use charter_model::edit::Edit;
use std::path::Path;

async fn store(dir: &Path) -> Store {
    Store::open(&dir.join("ws")).await.unwrap().0
}

#[tokio::test]
async fn importing_an_invalid_file_imports_nothing_and_lists_problems() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let bad = dir.path().join("bad.model.json");
    std::fs::write(&bad, r#"{"format": "charter-model/1", "name": "", "systems": [], "entities": [{"id": "Bad Id"}], "flows": []}"#).unwrap();
    let err = workspace::import_file(&store, &bad).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ModelInvalid);
    assert!(!err.problems.is_empty());
    assert!(
        err.problems
            .iter()
            .any(|p| p.path.starts_with("$.entities[0]")),
        "{:?}",
        err.problems
    );
    assert!(store.list_models().await.unwrap().is_empty());
    let missing = workspace::import_file(&store, &dir.path().join("nope.json"))
        .await
        .unwrap_err();
    assert_eq!(missing.code, ErrorCode::Io);
}

#[tokio::test]
async fn import_creates_a_new_linked_model_and_save_writes_back_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let file = dir.path().join("seafood.model.json");
    std::fs::write(&file, workspace::SAMPLE_MODEL).unwrap();
    let a = workspace::import_file(&store, &file).await.unwrap();
    let b = workspace::import_file(&store, &file).await.unwrap();
    assert_ne!(
        a.model_id, b.model_id,
        "a second import is a new model, not an overwrite"
    );
    assert_eq!(
        a.file_path.as_deref(),
        Some(file.display().to_string().as_str())
    );
    assert!(!a.dirty);
    let s = store
        .apply_edit(
            a.model_id,
            &Edit::SetModelName {
                name: "Seafood v2".into(),
            },
        )
        .await
        .unwrap();
    assert!(s.dirty);
    let s = workspace::save(&store, a.model_id, None).await.unwrap();
    assert!(!s.dirty);
    let back = charter_model::read_model_file(&file).unwrap();
    assert_eq!(back.name, "Seafood v2");
    assert_eq!(back, s.model);
}

#[tokio::test]
async fn save_without_a_file_asks_for_save_as_then_stays_linked() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let id = workspace::create_empty(&store, "Fresh").await.unwrap();
    let err = workspace::save(&store, id, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NoFile);
    let target = dir.path().join("fresh.model.json");
    let s = workspace::save(&store, id, Some(&target)).await.unwrap();
    assert_eq!(
        s.file_path.as_deref(),
        Some(target.display().to_string().as_str())
    );
    store
        .apply_edit(
            id,
            &Edit::SetModelName {
                name: "Fresh 2".into(),
            },
        )
        .await
        .unwrap();
    workspace::save(&store, id, None).await.unwrap();
    assert_eq!(
        charter_model::read_model_file(&target).unwrap().name,
        "Fresh 2"
    );
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")),
        "{names:?}"
    );
}

#[tokio::test]
async fn export_writes_the_config_for_an_environment() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let sample = workspace::sample_model().unwrap();
    let id = store.create_model(&sample, "Sample", None).await.unwrap();
    let env = sample.environment_names()[0].to_string();
    let out = dir.path().join("out.config.json");
    let digest = workspace::export_config(&store, id, &env, &out)
        .await
        .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains(&digest));
    assert!(digest.starts_with("sha256:"));
    let err = workspace::export_config(&store, id, "nowhere", &dir.path().join("x.json"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::UnknownEnvironment);
    assert!(!dir.path().join("x.json").exists());
}

#[tokio::test]
async fn export_is_refused_with_findings_while_errors_exist() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let sample = workspace::sample_model().unwrap();
    let id = store.create_model(&sample, "Sample", None).await.unwrap();
    // Deleting the owner of an entity leaves it owner-less: an error.
    let owner = sample
        .entities
        .iter()
        .find_map(|e| e.owner.clone())
        .unwrap();
    let s = store
        .apply_edit(id, &Edit::DeleteSystem { id: owner })
        .await
        .unwrap();
    let errors: Vec<_> = s
        .findings
        .iter()
        .filter(|f| f.severity == charter_model::Severity::Error)
        .cloned()
        .collect();
    assert!(!errors.is_empty(), "the checks flag an owner-less entity");
    let out = dir.path().join("refused.json");
    let env = sample.environment_names()[0].to_string();
    let err = workspace::export_config(&store, id, &env, &out)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ExportRefused);
    assert_eq!(err.findings, errors);
    assert!(!out.exists());
}

#[tokio::test]
async fn decision_log_exports_as_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let id = store
        .create_model(&workspace::sample_model().unwrap(), "Sample", None)
        .await
        .unwrap();
    let rows = store.decision_log(id).await.unwrap();
    let csv = dir.path().join("log.csv");
    workspace::export_decision_log(&store, id, &csv, LogFormat::Csv)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        workspace::decisions_csv(&rows)
    );
    let json = dir.path().join("log.json");
    workspace::export_decision_log(&store, id, &json, LogFormat::Json)
        .await
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), rows.len());
}

#[test]
fn checked_in_bindings_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    let fresh = charter_app::bindings_text().unwrap();
    if std::env::var_os("CHARTER_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "ui/src/bindings.ts is stale: run `npm run bindings` (CHARTER_UPDATE_BINDINGS=1 cargo test -p charter-app --test files checked_in_bindings_are_current)"
    );
}

#[test]
fn every_command_is_granted_and_nothing_else() {
    let cap: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/default.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let perms: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    let mut expected: Vec<String> = charter_app::COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    expected.push("dialog:allow-open".into());
    expected.push("dialog:allow-save".into());
    assert_eq!(perms, expected);
    let conf: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tauri.conf.json"))
            .unwrap(),
    )
    .unwrap();
    let csp = conf["app"]["security"]["csp"].as_object().unwrap();
    for (k, v) in csp {
        let v = v.as_str().unwrap();
        assert!(
            !v.contains("unsafe-eval") && !v.contains("unsafe-inline"),
            "{k}: {v}"
        );
        assert!(
            !v.contains("https:") && !v.contains("http://") || v.contains("http://ipc.localhost"),
            "{k}: {v}"
        );
    }
}
