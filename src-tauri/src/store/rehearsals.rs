//! Rehearsals recorded in the workspace store (schema v3).

use super::{head_of, model_at, to_u32, Store, StoreError};
use crate::rehearsal::{DecisionCounts, RehearsalRecord};
use charter_model::Model;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// One revision of a model's history, for choosing what to compare with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RevisionInfo {
    pub revision: u32,
    pub summary: String,
    pub at: String,
}

/// A finished rehearsal to record.
#[derive(Debug, Clone)]
pub struct NewRehearsal {
    pub model_id: u32,
    pub revision: u32,
    pub environment: String,
    pub file_name: String,
    pub file_path: String,
    pub sha256: String,
    pub lines: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub counts: DecisionCounts,
    /// The runtime's report (`charter replay --report` shape).
    pub report_json: String,
}

const COLUMNS: &str = "id, model_id, revision, environment, file_name, file_path, sha256, lines, \
                       bytes, seconds, counts_json, at";

fn record(r: &sqlx::sqlite::SqliteRow) -> Result<RehearsalRecord, StoreError> {
    let counts: String = r.get(10);
    let counts: DecisionCounts = serde_json::from_str(&counts)
        .map_err(|e| StoreError::Foreign(format!("a rehearsal's counts are unreadable: {e}")))?;
    Ok(RehearsalRecord {
        id: to_u32(r.get::<i64, _>(0)),
        model_id: to_u32(r.get::<i64, _>(1)),
        revision: to_u32(r.get::<i64, _>(2)),
        environment: r.get(3),
        file_name: r.get(4),
        file_path: r.get(5),
        sha256: r.get(6),
        lines: to_u32(r.get::<i64, _>(7)),
        bytes: r.get::<i64, _>(8) as f64,
        seconds: r.get(9),
        counts,
        at: r.get(11),
    })
}

impl Store {
    /// Records a finished rehearsal (one transaction); gives its record.
    pub async fn add_rehearsal(&self, new: &NewRehearsal) -> Result<RehearsalRecord, StoreError> {
        let counts =
            serde_json::to_string(&new.counts).map_err(|e| StoreError::Foreign(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        head_of(&mut tx, new.model_id).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO rehearsals (model_id, revision, environment, file_name, file_path, sha256, \
             lines, bytes, seconds, counts_json, report_json) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(i64::from(new.model_id))
        .bind(i64::from(new.revision))
        .bind(&new.environment)
        .bind(&new.file_name)
        .bind(&new.file_path)
        .bind(&new.sha256)
        .bind(i64::try_from(new.lines).unwrap_or(i64::MAX))
        .bind(i64::try_from(new.bytes).unwrap_or(i64::MAX))
        .bind(new.seconds)
        .bind(&counts)
        .bind(&new.report_json)
        .fetch_one(&mut *tx)
        .await?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM rehearsals WHERE id = ?"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let rec = record(&row)?;
        tx.commit().await?;
        Ok(rec)
    }

    /// The rehearsals of a model, newest first.
    pub async fn rehearsals(&self, model_id: u32) -> Result<Vec<RehearsalRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        head_of(&mut conn, model_id).await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rehearsals WHERE model_id = ? ORDER BY id DESC"
        ))
        .bind(i64::from(model_id))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(record).collect()
    }

    /// The model as it was at revision `revision` (any revision kept in the
    /// history, redo branch included).
    pub async fn model_at_revision(
        &self,
        model_id: u32,
        revision: u32,
    ) -> Result<Model, StoreError> {
        let mut conn = self.pool.acquire().await?;
        head_of(&mut conn, model_id).await?;
        model_at(&mut conn, model_id, revision).await
    }

    /// The revisions of a model, newest first.
    pub async fn revisions(&self, model_id: u32) -> Result<Vec<RevisionInfo>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        head_of(&mut conn, model_id).await?;
        let rows = sqlx::query(
            "SELECT seq, summary, at FROM revisions WHERE model_id = ? ORDER BY seq DESC",
        )
        .bind(i64::from(model_id))
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .iter()
            .map(|r| RevisionInfo {
                revision: to_u32(r.get::<i64, _>(0)),
                summary: r.get(1),
                at: r.get(2),
            })
            .collect())
    }

    /// The record of rehearsal `id`.
    pub async fn rehearsal(&self, id: u32) -> Result<RehearsalRecord, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM rehearsals WHERE id = ?"))
            .bind(i64::from(id))
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::RehearsalNotFound(id))?;
        record(&row)
    }

    /// The runtime's report of rehearsal `id` (`charter replay --report` shape).
    pub async fn rehearsal_report(&self, id: u32) -> Result<String, StoreError> {
        sqlx::query_scalar("SELECT report_json FROM rehearsals WHERE id = ?")
            .bind(i64::from(id))
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::RehearsalNotFound(id))
    }
}
