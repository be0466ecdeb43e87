//! The durable workspace: every model the user works on, its full revision
//! history (undo/redo), the ownership decision log and canvas positions, in
//! one SQLite file (`charter.sqlite`) in the app data directory.
//!
//! Durability: WAL journal with `synchronous=FULL`, so an edit whose command
//! returned survives a SIGKILL or power cut. Every edit is one transaction:
//! the new revision, the head move and the decision-log rows commit together.
//!
//! Nothing here needs a window: the Tauri commands delegate to these plain
//! async functions, which the tests call directly.

mod recover;
mod rehearsals;

use charter_model::edit::{self, Edit, EditError};
use charter_model::fixes::{self, QuickFixOffer};
use charter_model::{check, Finding, Model};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use recover::StoreNotice;
pub use rehearsals::{NewRehearsal, RevisionInfo};

/// File name of the store inside the data directory.
pub const STORE_FILE: &str = "charter.sqlite";

/// The schema migrations (v1, v2, ...), embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("workspace store: {0}")]
    Db(#[from] sqlx::Error),
    #[error("workspace store: migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("workspace store: {0}")]
    Io(#[from] std::io::Error),
    #[error("there is no model with id {0} in the workspace")]
    ModelNotFound(u32),
    #[error("there is no rehearsal with id {0} in the workspace")]
    RehearsalNotFound(u32),
    #[error(
        "workspace store: revision {seq} of model {model_id} holds an unreadable model: {message}"
    )]
    BadRevision {
        model_id: u32,
        seq: u32,
        message: String,
    },
    #[error("{0}")]
    Edit(#[from] EditError),
    #[error("workspace store: {0}")]
    Foreign(String),
    /// A setting's value was refused (see the message).
    #[error("{0}")]
    Invalid(String),
}

/// The longest user name the decision log records.
pub const USER_NAME_MAX: usize = 80;

/// One model in the workspace list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelSummary {
    pub id: u32,
    pub name: String,
    pub revision: u32,
    pub file_path: Option<String>,
    pub updated_at: String,
}

/// Everything the UI shows about the open model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelState {
    pub model_id: u32,
    pub revision: u32,
    pub model: Model,
    pub findings: Vec<Finding>,
    /// The findings that have a one-click fix ([`charter_model::fixes`]).
    pub quick_fixes: Vec<QuickFixOffer>,
    pub can_undo: bool,
    pub can_redo: bool,
    /// What undo would take back / redo would do again.
    pub undo_summary: Option<String>,
    pub redo_summary: Option<String>,
    /// The model file this model is saved to, if any.
    pub file_path: Option<String>,
    /// The head differs from what was last saved to (or read from) the file.
    pub dirty: bool,
}

/// One ownership decision: who changed the owner of which entity, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub entity: String,
    pub from_owner: Option<String>,
    pub to_owner: Option<String>,
    pub rationale: Option<String>,
    pub who: String,
    pub at: String,
    pub revision: Option<u32>,
}

/// A canvas node position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NodePosition {
    pub node_id: String,
    pub x: f64,
    pub y: f64,
}

/// The open workspace store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

fn to_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Who made a decision when the workspace has no user name
/// ([`Store::set_user_name`]): the OS user, else "architect".
pub fn current_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "architect".to_string())
}

impl Store {
    /// Opens (creating or migrating) the store in `dir`. A corrupted or
    /// foreign file is moved aside to a timestamped backup and a fresh store
    /// is made; the returned notice says so, for the UI to show.
    pub async fn open(dir: &Path) -> Result<(Store, Option<StoreNotice>), StoreError> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(STORE_FILE);
        match Store::open_exact(&path).await {
            Ok(store) => Ok((store, None)),
            Err(first) if recover::is_recoverable(&first) => {
                let notice = recover::move_aside(&path, &first)?;
                let store = Store::open_exact(&path).await?;
                Ok((store, Some(notice)))
            }
            Err(e) => Err(e),
        }
    }

    /// Opens the file at `path`, checks it is a healthy Charter store and
    /// applies pending migrations. No recovery.
    pub async fn open_exact(path: &Path) -> Result<Store, StoreError> {
        let existed = path.exists();
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        // One connection: commands are serialized, each edit is one transaction.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await?;
        let result = async {
            let ok: String = sqlx::query_scalar("PRAGMA quick_check")
                .fetch_one(&pool)
                .await?;
            if ok != "ok" {
                return Err(StoreError::Foreign(format!("integrity check failed: {ok}")));
            }
            if existed {
                recover::check_not_foreign(&pool).await?;
            }
            MIGRATOR.run(&pool).await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            pool.close().await;
            return Err(e);
        }
        Ok(Store {
            pool,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Every model, most recently changed first.
    pub async fn list_models(&self) -> Result<Vec<ModelSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.id, m.name, m.head, m.file_path, r.at FROM models m \
             JOIN revisions r ON r.model_id = m.id AND r.seq = m.head \
             ORDER BY r.at DESC, m.id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ModelSummary {
                id: to_u32(r.get::<i64, _>(0)),
                name: r.get(1),
                revision: to_u32(r.get::<i64, _>(2)),
                file_path: r.get(3),
                updated_at: r.get(4),
            })
            .collect())
    }

    /// Adds a model as a new workspace entry (revision 1). `file_path` links
    /// it to the file it was read from (then it starts clean).
    pub async fn create_model(
        &self,
        model: &Model,
        summary: &str,
        file_path: Option<&str>,
    ) -> Result<u32, StoreError> {
        let json = serde_json::to_string(model).map_err(|e| StoreError::BadRevision {
            model_id: 0,
            seq: 1,
            message: e.to_string(),
        })?;
        let mut tx = self.pool.begin().await?;
        let saved: Option<i64> = file_path.map(|_| 1);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO models (name, head, file_path, saved_seq) VALUES (?, 1, ?, ?) RETURNING id",
        )
        .bind(&model.name)
        .bind(file_path)
        .bind(saved)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO revisions (model_id, seq, parent, model_json, summary) VALUES (?, 1, NULL, ?, ?)",
        )
        .bind(id)
        .bind(&json)
        .bind(summary)
        .execute(&mut *tx)
        .await?;
        // Initial owners are decisions too (e.g. the ones an imported file carries).
        for e in &model.entities {
            if let Some(owner) = &e.owner {
                insert_decision(
                    &mut tx,
                    id,
                    &e.id,
                    None,
                    Some(owner),
                    e.rationale.as_deref(),
                    1,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(to_u32(id))
    }

    pub async fn delete_model(&self, model_id: u32) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM models WHERE id = ?")
            .bind(i64::from(model_id))
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::ModelNotFound(model_id));
        }
        Ok(())
    }

    /// The model at its head, with findings and undo/redo availability.
    pub async fn state(&self, model_id: u32) -> Result<ModelState, StoreError> {
        let mut conn = self.pool.acquire().await?;
        state_in(&mut conn, model_id).await
    }

    /// Applies one edit as one transaction: new revision, head move and a
    /// decision-log row per changed owner, committed before returning. A new
    /// edit after undo discards the redo branch. An edit that changes
    /// nothing makes no revision.
    pub async fn apply_edit(&self, model_id: u32, edit: &Edit) -> Result<ModelState, StoreError> {
        let mut tx = self.pool.begin().await?;
        let (head, _) = head_of(&mut tx, model_id).await?;
        let current = model_at(&mut tx, model_id, head).await?;
        let next = edit::apply(&current, edit)?;
        if next != current {
            let rationale = edit.rationale().map(str::to_string);
            let seq = head + 1;
            sqlx::query("DELETE FROM revisions WHERE model_id = ? AND seq > ?")
                .bind(i64::from(model_id))
                .bind(i64::from(head))
                .execute(&mut *tx)
                .await?;
            insert_revision(&mut tx, model_id, seq, head, &next, &edit.summary()).await?;
            log_owner_changes(
                &mut tx,
                model_id,
                seq,
                &current,
                &next,
                rationale.as_deref(),
            )
            .await?;
        }
        let state = state_in(&mut tx, model_id).await?;
        tx.commit().await?;
        Ok(state)
    }

    /// Moves the head back one revision (no-op at the first).
    pub async fn undo(&self, model_id: u32) -> Result<ModelState, StoreError> {
        self.move_head(model_id, false).await
    }

    /// Moves the head forward one revision (no-op at the last).
    pub async fn redo(&self, model_id: u32) -> Result<ModelState, StoreError> {
        self.move_head(model_id, true).await
    }

    async fn move_head(&self, model_id: u32, forward: bool) -> Result<ModelState, StoreError> {
        let mut tx = self.pool.begin().await?;
        let (head, parent) = head_of(&mut tx, model_id).await?;
        let target = if forward {
            let next: Option<i64> =
                sqlx::query_scalar("SELECT seq FROM revisions WHERE model_id = ? AND seq = ?")
                    .bind(i64::from(model_id))
                    .bind(i64::from(head) + 1)
                    .fetch_optional(&mut *tx)
                    .await?;
            next.map(to_u32)
        } else {
            parent
        };
        if let Some(target) = target {
            let from = model_at(&mut tx, model_id, head).await?;
            let to = model_at(&mut tx, model_id, target).await?;
            let (word, summary_seq) = if forward {
                ("Redo", target)
            } else {
                ("Undo", head)
            };
            let summary = summary_of(&mut tx, model_id, summary_seq).await?;
            let why = format!("{word}: {summary}");
            log_owner_changes(&mut tx, model_id, target, &from, &to, Some(&why)).await?;
            sqlx::query("UPDATE models SET head = ?, name = ? WHERE id = ?")
                .bind(i64::from(target))
                .bind(&to.name)
                .bind(i64::from(model_id))
                .execute(&mut *tx)
                .await?;
        }
        let state = state_in(&mut tx, model_id).await?;
        tx.commit().await?;
        Ok(state)
    }

    /// Links the model to a file and marks the head as saved there.
    pub async fn mark_saved(
        &self,
        model_id: u32,
        file_path: &str,
    ) -> Result<ModelState, StoreError> {
        let mut tx = self.pool.begin().await?;
        let (head, _) = head_of(&mut tx, model_id).await?;
        sqlx::query("UPDATE models SET file_path = ?, saved_seq = ? WHERE id = ?")
            .bind(file_path)
            .bind(i64::from(head))
            .bind(i64::from(model_id))
            .execute(&mut *tx)
            .await?;
        let state = state_in(&mut tx, model_id).await?;
        tx.commit().await?;
        Ok(state)
    }

    /// The ownership decisions of a model, oldest first.
    /// The name recorded as "who" in the decision log; `None` until set.
    pub async fn user_name(&self) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM app_state WHERE key = 'user_name'")
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Sets the name recorded with each later decision (trimmed; 1 to
    /// [`USER_NAME_MAX`] characters, no control characters). Earlier
    /// decisions keep the name they were made under.
    pub async fn set_user_name(&self, name: &str) -> Result<String, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a user name cannot be empty".into()));
        }
        if name.chars().count() > USER_NAME_MAX {
            return Err(StoreError::Invalid(format!(
                "a user name is at most {USER_NAME_MAX} characters"
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(StoreError::Invalid(
                "a user name cannot contain control characters".into(),
            ));
        }
        self.set_setting("user_name", name).await?;
        Ok(name.to_string())
    }

    pub async fn decision_log(&self, model_id: u32) -> Result<Vec<Decision>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        head_of(&mut conn, model_id).await?;
        let rows = sqlx::query(
            "SELECT entity, from_owner, to_owner, rationale, who, at, revision FROM decision_log \
             WHERE model_id = ? ORDER BY id",
        )
        .bind(i64::from(model_id))
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Decision {
                entity: r.get(0),
                from_owner: r.get(1),
                to_owner: r.get(2),
                rationale: r.get(3),
                who: r.get(4),
                at: r.get(5),
                revision: r.get::<Option<i64>, _>(6).map(to_u32),
            })
            .collect())
    }

    pub async fn layout(&self, model_id: u32) -> Result<Vec<NodePosition>, StoreError> {
        let rows =
            sqlx::query("SELECT node_id, x, y FROM layout WHERE model_id = ? ORDER BY node_id")
                .bind(i64::from(model_id))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| NodePosition {
                node_id: r.get(0),
                x: r.get(1),
                y: r.get(2),
            })
            .collect())
    }

    pub async fn set_node_position(
        &self,
        model_id: u32,
        pos: &NodePosition,
    ) -> Result<(), StoreError> {
        self.set_layout(model_id, std::slice::from_ref(pos)).await
    }

    /// Stores many node positions in one transaction (automatic layout).
    /// Positions of other nodes are kept.
    pub async fn set_layout(
        &self,
        model_id: u32,
        positions: &[NodePosition],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        head_of(&mut tx, model_id).await?;
        for pos in positions {
            if !pos.x.is_finite() || !pos.y.is_finite() {
                return Err(StoreError::Edit(EditError::Invalid(format!(
                    "the position of \"{}\" is not a number",
                    pos.node_id
                ))));
            }
            sqlx::query(
                "INSERT INTO layout (model_id, node_id, x, y) VALUES (?, ?, ?, ?) \
                 ON CONFLICT(model_id, node_id) DO UPDATE SET x = excluded.x, y = excluded.y",
            )
            .bind(i64::from(model_id))
            .bind(&pos.node_id)
            .bind(pos.x)
            .bind(pos.y)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn get_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM app_state WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO app_state (key, value) VALUES (?, ?) \
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

type Conn = sqlx::SqliteConnection;

async fn head_of(conn: &mut Conn, model_id: u32) -> Result<(u32, Option<u32>), StoreError> {
    let row = sqlx::query(
        "SELECT m.head, r.parent FROM models m JOIN revisions r ON r.model_id = m.id AND r.seq = m.head \
         WHERE m.id = ?",
    )
    .bind(i64::from(model_id))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::ModelNotFound(model_id))?;
    Ok((
        to_u32(row.get::<i64, _>(0)),
        row.get::<Option<i64>, _>(1).map(to_u32),
    ))
}

async fn model_at(conn: &mut Conn, model_id: u32, seq: u32) -> Result<Model, StoreError> {
    let json: String =
        sqlx::query_scalar("SELECT model_json FROM revisions WHERE model_id = ? AND seq = ?")
            .bind(i64::from(model_id))
            .bind(i64::from(seq))
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::ModelNotFound(model_id))?;
    serde_json::from_str(&json).map_err(|e| StoreError::BadRevision {
        model_id,
        seq,
        message: e.to_string(),
    })
}

async fn summary_of(conn: &mut Conn, model_id: u32, seq: u32) -> Result<String, StoreError> {
    let s: Option<String> =
        sqlx::query_scalar("SELECT summary FROM revisions WHERE model_id = ? AND seq = ?")
            .bind(i64::from(model_id))
            .bind(i64::from(seq))
            .fetch_optional(&mut *conn)
            .await?;
    Ok(s.unwrap_or_default())
}

async fn insert_revision(
    conn: &mut Conn,
    model_id: u32,
    seq: u32,
    parent: u32,
    model: &Model,
    summary: &str,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(model).map_err(|e| StoreError::BadRevision {
        model_id,
        seq,
        message: e.to_string(),
    })?;
    sqlx::query(
        "INSERT INTO revisions (model_id, seq, parent, model_json, summary) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(i64::from(model_id))
    .bind(i64::from(seq))
    .bind(i64::from(parent))
    .bind(&json)
    .bind(summary)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE models SET head = ?, name = ? WHERE id = ?")
        .bind(i64::from(seq))
        .bind(&model.name)
        .bind(i64::from(model_id))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn insert_decision(
    conn: &mut Conn,
    model_id: i64,
    entity: &str,
    from: Option<&str>,
    to: Option<&str>,
    rationale: Option<&str>,
    revision: u32,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO decision_log (model_id, entity, from_owner, to_owner, rationale, who, revision) \
         VALUES (?, ?, ?, ?, ?, COALESCE((SELECT value FROM app_state WHERE key = 'user_name'), ?), ?)",
    )
    .bind(model_id)
    .bind(entity)
    .bind(from)
    .bind(to)
    .bind(rationale)
    .bind(current_user())
    .bind(i64::from(revision))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One decision-log row per entity whose owner differs between `from` and
/// `to` (matched by entity id; an entity renamed in the same edit is not an
/// owner change).
async fn log_owner_changes(
    conn: &mut Conn,
    model_id: u32,
    revision: u32,
    from: &Model,
    to: &Model,
    rationale: Option<&str>,
) -> Result<(), StoreError> {
    for e in &to.entities {
        let before = match from.entity(&e.id) {
            Some(old) => old.owner.as_deref(),
            None => continue,
        };
        if before != e.owner.as_deref() {
            let why = rationale.or(e.rationale.as_deref());
            insert_decision(
                conn,
                i64::from(model_id),
                &e.id,
                before,
                e.owner.as_deref(),
                why,
                revision,
            )
            .await?;
        }
    }
    Ok(())
}

async fn state_in(conn: &mut Conn, model_id: u32) -> Result<ModelState, StoreError> {
    let (head, parent) = head_of(conn, model_id).await?;
    let model = model_at(conn, model_id, head).await?;
    let row = sqlx::query("SELECT file_path, saved_seq FROM models WHERE id = ?")
        .bind(i64::from(model_id))
        .fetch_one(&mut *conn)
        .await?;
    let file_path: Option<String> = row.get(0);
    let saved_seq: Option<i64> = row.get(1);
    let next: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM revisions WHERE model_id = ? AND seq = ?")
            .bind(i64::from(model_id))
            .bind(i64::from(head) + 1)
            .fetch_optional(&mut *conn)
            .await?;
    let undo_summary = match parent {
        Some(_) => Some(summary_of(conn, model_id, head).await?),
        None => None,
    };
    let redo_summary = match next {
        Some(n) => Some(summary_of(conn, model_id, to_u32(n)).await?),
        None => None,
    };
    let findings = check(&model);
    let quick_fixes = fixes::offers(&model, &findings);
    Ok(ModelState {
        model_id,
        revision: head,
        findings,
        quick_fixes,
        can_undo: parent.is_some(),
        can_redo: next.is_some(),
        undo_summary,
        redo_summary,
        dirty: saved_seq != Some(i64::from(head)),
        file_path,
        model,
    })
}
