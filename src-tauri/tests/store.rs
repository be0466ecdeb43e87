#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The workspace store, without a window: edits, undo/redo across restarts,
//! the decision log, recovery from a broken file, migration from schema v1,
//! and durability of an acknowledged edit under SIGKILL.

use charter_app::store::{NodePosition, Store, MIGRATOR, STORE_FILE};
use charter_app::workspace;
use charter_model::edit::{Edit, ItemKind};
use charter_model::model::{System, SystemKind};
use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

fn system(id: &str, name: &str) -> System {
    System {
        id: id.into(),
        name: name.into(),
        kind: SystemKind::Other,
        team: None,
        side_effects: None,
        endpoints: None,
        extra: Default::default(),
    }
}

async fn open(dir: &Path) -> Store {
    let (store, notice) = Store::open(dir).await.unwrap();
    assert!(notice.is_none(), "unexpected notice: {notice:?}");
    store
}

async fn sample_store(dir: &Path) -> (Store, u32) {
    let store = open(dir).await;
    let id = store
        .create_model(&workspace::sample_model().unwrap(), "Sample", None)
        .await
        .unwrap();
    (store, id)
}

#[tokio::test]
async fn edits_undo_and_redo_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = sample_store(dir.path()).await;
    let s = store
        .apply_edit(
            id,
            &Edit::AddSystem {
                system: system("crm", "CRM"),
            },
        )
        .await
        .unwrap();
    assert_eq!(s.revision, 2);
    assert!(s.can_undo && !s.can_redo);
    let s = store
        .apply_edit(
            id,
            &Edit::Rename {
                kind: ItemKind::System,
                id: "crm".into(),
                new_id: None,
                name: Some("Salesforce".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(s.model.system("crm").unwrap().name, "Salesforce");
    let s = store.undo(id).await.unwrap();
    assert_eq!(s.model.system("crm").unwrap().name, "CRM");
    assert!(s.can_redo);
    assert_eq!(
        s.redo_summary.as_deref(),
        Some("Rename system \"crm\" to \"Salesforce\"")
    );
    store.close().await;
    drop(store);

    let store = open(dir.path()).await;
    let s = store.state(id).await.unwrap();
    assert_eq!(s.revision, 2, "the undone head is kept across restarts");
    assert_eq!(s.model.system("crm").unwrap().name, "CRM");
    let s = store.redo(id).await.unwrap();
    assert_eq!(s.model.system("crm").unwrap().name, "Salesforce");
    assert!(!s.can_redo);
    let s = store.undo(id).await.unwrap();
    let s2 = store.undo(id).await.unwrap();
    assert!(s2.model.system("crm").is_none());
    assert!(!s2.can_undo);
    // Undo at the first revision is a no-op.
    let s3 = store.undo(id).await.unwrap();
    assert_eq!(s3.revision, 1);
    assert!(s.revision > s3.revision);
}

#[tokio::test]
async fn a_new_edit_after_undo_discards_the_redo_branch() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = sample_store(dir.path()).await;
    store
        .apply_edit(
            id,
            &Edit::AddSystem {
                system: system("a1", "A1"),
            },
        )
        .await
        .unwrap();
    store
        .apply_edit(
            id,
            &Edit::AddSystem {
                system: system("a2", "A2"),
            },
        )
        .await
        .unwrap();
    store.undo(id).await.unwrap();
    let s = store
        .apply_edit(
            id,
            &Edit::AddSystem {
                system: system("b1", "B1"),
            },
        )
        .await
        .unwrap();
    assert!(!s.can_redo);
    assert!(s.model.system("a2").is_none());
    assert!(s.model.system("b1").is_some() && s.model.system("a1").is_some());
    let s = store.redo(id).await.unwrap();
    assert!(
        s.model.system("a2").is_none(),
        "the discarded branch came back"
    );
}

#[tokio::test]
async fn refused_edits_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = sample_store(dir.path()).await;
    let before = store.state(id).await.unwrap();
    let first = before.model.systems[0].id.clone();
    let err = store
        .apply_edit(
            id,
            &Edit::AddSystem {
                system: system(&first, "Dup"),
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&first), "{err}");
    let after = store.state(id).await.unwrap();
    assert_eq!(after, before);
    assert!(store.state(999).await.is_err());
}

#[tokio::test]
async fn owner_changes_are_logged_with_rationale() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = sample_store(dir.path()).await;
    let initial = store.decision_log(id).await.unwrap().len();
    let s = store.state(id).await.unwrap();
    let entity = s.model.entities[0].clone();
    let new_owner = s
        .model
        .systems
        .iter()
        .find(|sys| Some(&sys.id) != entity.owner.as_ref())
        .unwrap()
        .id
        .clone();
    store
        .apply_edit(
            id,
            &Edit::SetOwner {
                entity: entity.id.clone(),
                owner: Some(new_owner.clone()),
                rationale: Some("Workshop 2".into()),
            },
        )
        .await
        .unwrap();
    // A non-owner edit logs nothing.
    store
        .apply_edit(
            id,
            &Edit::SetModelName {
                name: "Renamed".into(),
            },
        )
        .await
        .unwrap();
    let log = store.decision_log(id).await.unwrap();
    assert_eq!(log.len(), initial + 1);
    let last = log.last().unwrap();
    assert_eq!(last.entity, entity.id);
    assert_eq!(last.from_owner, entity.owner);
    assert_eq!(last.to_owner.as_deref(), Some(new_owner.as_str()));
    assert_eq!(last.rationale.as_deref(), Some("Workshop 2"));
    assert!(!last.who.is_empty());
    // Undoing past the owner change is logged as a change back.
    store.undo(id).await.unwrap();
    store.undo(id).await.unwrap();
    let log = store.decision_log(id).await.unwrap();
    assert_eq!(log.len(), initial + 2);
    assert_eq!(log.last().unwrap().to_owner, entity.owner);
    assert!(log
        .last()
        .unwrap()
        .rationale
        .as_deref()
        .unwrap()
        .starts_with("Undo:"));

    let csv = workspace::decisions_csv(&log);
    assert!(csv.starts_with("at,entity,from_owner,to_owner,rationale,who,revision\n"));
    assert_eq!(csv.lines().count(), log.len() + 1);
}

#[tokio::test]
async fn a_corrupted_store_is_moved_aside_and_a_fresh_one_made() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(STORE_FILE),
        b"this is not a database at all, just text\n".repeat(200),
    )
    .unwrap();
    let (store, notice) = Store::open(dir.path()).await.unwrap();
    let notice = notice.expect("a notice about the broken store");
    assert!(
        notice.message.contains("fresh workspace"),
        "{}",
        notice.message
    );
    let backup = std::fs::read(&notice.backup_path).unwrap();
    assert!(backup.starts_with(b"this is not a database"));
    assert!(store.list_models().await.unwrap().is_empty());
    store.close().await;
    // The fresh store opens cleanly next time: no loop.
    let (_store, notice) = Store::open(dir.path()).await.unwrap();
    assert!(notice.is_none());
}

#[tokio::test]
async fn a_damaged_sqlite_store_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _id) = sample_store(dir.path()).await;
    store.close().await;
    drop(store);
    let path = dir.path().join(STORE_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    // Trash everything after the header page.
    for b in bytes.iter_mut().skip(100) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let (store, notice) = Store::open(dir.path()).await.unwrap();
    assert!(notice.is_some());
    assert!(store.list_models().await.unwrap().is_empty());
}

#[tokio::test]
async fn another_programs_database_is_not_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STORE_FILE);
    {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE photos (id INTEGER PRIMARY KEY, title TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let (store, notice) = Store::open(dir.path()).await.unwrap();
    let notice = notice.unwrap();
    assert!(
        notice.message.contains("another program"),
        "{}",
        notice.message
    );
    assert!(Path::new(&notice.backup_path).exists());
    assert!(store.list_models().await.unwrap().is_empty());
}

const V1_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/store-v1.sqlite"
);

/// Builds the checked-in v1 fixture (schema v1 only, one model with two
/// revisions and a decision). Run by hand: `cargo test -p charter-app -- --ignored make_v1_fixture`.
#[tokio::test]
#[ignore]
async fn make_v1_fixture() {
    let _ = std::fs::remove_file(V1_FIXTURE);
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{V1_FIXTURE}?mode=rwc"))
        .await
        .unwrap();
    let v1 = sqlx::migrate::Migrator {
        migrations: Cow::Owned(MIGRATOR.migrations[..1].to_vec()),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    v1.run(&pool).await.unwrap();
    let m1 = charter_model::Model::new("Legacy shop");
    let mut m2 = m1.clone();
    m2.systems.push(system("erp", "ERP"));
    sqlx::query("INSERT INTO models (id, name, head, created_at) VALUES (1, 'Legacy shop', 2, '2026-01-01T00:00:00.000Z')")
        .execute(&pool).await.unwrap();
    for (seq, parent, m, summary) in [
        (1, None, &m1, "New model"),
        (2, Some(1), &m2, "Add system \"erp\""),
    ] {
        sqlx::query("INSERT INTO revisions (model_id, seq, parent, model_json, summary, at) VALUES (1, ?, ?, ?, ?, '2026-01-01T00:00:01.000Z')")
            .bind(seq as i64).bind(parent.map(|p: i64| p)).bind(serde_json::to_string(m).unwrap()).bind(summary)
            .execute(&pool).await.unwrap();
    }
    sqlx::query("INSERT INTO decision_log (model_id, entity, from_owner, to_owner, rationale, who, at) VALUES (1, 'stock', NULL, 'erp', 'legacy', 'alice', '2026-01-01T00:00:02.000Z')")
        .execute(&pool).await.unwrap();
    sqlx::query("PRAGMA journal_mode=DELETE")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn a_v1_store_migrates_without_data_loss() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(V1_FIXTURE, dir.path().join(STORE_FILE)).unwrap();
    let store = open(dir.path()).await;
    let models = store.list_models().await.unwrap();
    assert_eq!(models.len(), 1);
    assert_eq!(models[0].name, "Legacy shop");
    assert_eq!(models[0].file_path, None);
    let s = store.state(models[0].id).await.unwrap();
    assert_eq!(s.revision, 2);
    assert!(s.model.system("erp").is_some());
    assert!(s.can_undo);
    let log = store.decision_log(models[0].id).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].who, "alice");
    assert_eq!(log[0].revision, None);
    // v2 features work on the migrated store.
    store
        .set_node_position(
            models[0].id,
            &NodePosition {
                node_id: "erp".into(),
                x: 10.0,
                y: 20.5,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.layout(models[0].id).await.unwrap()[0].y, 20.5);
    // The workspace keeps a user name (app_state); the old decision keeps its own.
    assert_eq!(store.user_name().await.unwrap(), None);
    store.set_user_name("Bob").await.unwrap();
    assert_eq!(
        store.decision_log(models[0].id).await.unwrap()[0].who,
        "alice"
    );
    let s = store.undo(models[0].id).await.unwrap();
    assert!(s.model.systems.is_empty());
}

#[tokio::test]
async fn decisions_record_the_workspace_user_name() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = sample_store(dir.path()).await;
    let s = store.state(id).await.unwrap();
    let stock = s.model.entities[0].clone();
    let set_owner = |owner: &str| Edit::SetOwner {
        entity: stock.id.clone(),
        owner: Some(owner.into()),
        rationale: Some("workshop".into()),
    };
    let other = s
        .model
        .systems
        .iter()
        .find(|x| Some(&x.id) != stock.owner.as_ref())
        .unwrap()
        .id
        .clone();
    // Before a name is set: the OS user (or "architect").
    store.apply_edit(id, &set_owner(&other)).await.unwrap();
    let before = store
        .decision_log(id)
        .await
        .unwrap()
        .last()
        .unwrap()
        .who
        .clone();
    assert_eq!(before, charter_app::store::current_user());
    assert_eq!(
        store.set_user_name("  Åse Nordmann  ").await.unwrap(),
        "Åse Nordmann"
    );
    assert_eq!(
        store.user_name().await.unwrap().as_deref(),
        Some("Åse Nordmann")
    );
    store
        .apply_edit(id, &set_owner(stock.owner.as_deref().unwrap()))
        .await
        .unwrap();
    let log = store.decision_log(id).await.unwrap();
    assert_eq!(log.last().unwrap().who, "Åse Nordmann");
    assert_eq!(
        log[log.len() - 2].who,
        before,
        "earlier decisions keep their name"
    );
    // Refused names change nothing.
    for bad in ["", "   ", "a\u{7}b", &"x".repeat(81)] {
        assert!(store.set_user_name(bad).await.is_err(), "{bad:?}");
    }
    assert_eq!(
        store.user_name().await.unwrap().as_deref(),
        Some("Åse Nordmann")
    );
    // Kept across a restart.
    drop(store);
    let store = open(dir.path()).await;
    assert_eq!(
        store.user_name().await.unwrap().as_deref(),
        Some("Åse Nordmann")
    );
}

#[tokio::test]
async fn an_acknowledged_edit_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = sample_store(dir.path()).await;
    assert_eq!(id, 1);
    store.close().await;
    drop(store);
    let edit = serde_json::to_string(&Edit::AddSystem {
        system: system("killed", "Survivor"),
    })
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_charter-store-probe"))
        .arg(dir.path())
        .arg(&edit)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ACK 2");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let store = open(dir.path()).await;
    let s = store.state(1).await.unwrap();
    assert_eq!(s.revision, 2);
    assert_eq!(s.model.system("killed").unwrap().name, "Survivor");
}

#[tokio::test]
async fn first_launch_opens_the_sample_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = workspace::init(dir.path()).await.unwrap();
    let info = workspace::startup(&state).await.unwrap();
    assert_eq!(info.models.len(), 1);
    let sample = workspace::sample_model().unwrap();
    assert_eq!(info.models[0].name, sample.name);
    assert_eq!(info.open_model_id, Some(info.models[0].id));
    // Laid out already: a stored position for every system of the sample, and for nothing else.
    let layout = state.store.layout(info.models[0].id).await.unwrap();
    let mut placed: Vec<&str> = layout.iter().map(|p| p.node_id.as_str()).collect();
    let mut systems: Vec<&str> = sample.systems.iter().map(|s| s.id.as_str()).collect();
    placed.sort_unstable();
    systems.sort_unstable();
    assert_eq!(placed, systems);
    // Deleting it does not bring it back on the next launch.
    state.store.delete_model(info.models[0].id).await.unwrap();
    state.store.close().await;
    drop(state);
    let state = workspace::init(dir.path()).await.unwrap();
    assert!(workspace::startup(&state).await.unwrap().models.is_empty());
}
