//! A store file that is not a healthy Charter store (corrupted, not SQLite,
//! another program's database, or written by a newer Charter) is moved aside
//! to a timestamped backup so the app can start with a fresh store: never a
//! crash loop, never a silent overwrite.

use super::StoreError;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// What happened to an unusable store, for the UI to show once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StoreNotice {
    pub message: String,
    pub backup_path: String,
}

/// Is this an error a fresh store cures (as opposed to, say, a read-only disk)?
pub(crate) fn is_recoverable(e: &StoreError) -> bool {
    match e {
        StoreError::Foreign(_) | StoreError::Migrate(_) | StoreError::BadRevision { .. } => true,
        StoreError::Db(sqlx::Error::Database(db)) => {
            // SQLITE_CORRUPT (11), SQLITE_NOTADB (26) and their extended codes.
            let code = db.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0);
            let primary = code & 0xff;
            primary == 11 || primary == 26 || {
                let m = db.message();
                m.contains("not a database") || m.contains("malformed")
            }
        }
        _ => false,
    }
}

/// A database with tables but no migration history is someone else's.
pub(crate) async fn check_not_foreign(pool: &SqlitePool) -> Result<(), StoreError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(pool)
    .await?;
    if !tables.is_empty() && !tables.iter().any(|t| t == "_sqlx_migrations") {
        return Err(StoreError::Foreign(format!(
            "the file is another program's database (tables: {})",
            tables.join(", ")
        )));
    }
    Ok(())
}

fn timestamp() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}-{:03}", d.as_secs(), d.subsec_millis())
}

/// Renames the store (and its -wal/-shm companions) to
/// `charter.sqlite.broken-<unix time>`.
pub(crate) fn move_aside(path: &Path, why: &StoreError) -> Result<StoreNotice, StoreError> {
    let stamp = timestamp();
    let backup = PathBuf::from(format!("{}.broken-{stamp}", path.display()));
    std::fs::rename(path, &backup)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            let _ = std::fs::rename(&side, format!("{}{suffix}", backup.display()));
        }
    }
    let reason = match why {
        StoreError::Migrate(sqlx::migrate::MigrateError::VersionMissing(_)) => {
            "it was written by a newer version of Charter".to_string()
        }
        other => other.to_string(),
    };
    Ok(StoreNotice {
        message: format!(
            "The workspace store could not be used ({reason}). It was kept as {} and a fresh workspace was started.",
            backup.display()
        ),
        backup_path: backup.display().to_string(),
    })
}
