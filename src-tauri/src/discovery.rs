//! The Discover view: a log of observed exchanges read by charter-model's
//! discovery (the same code as `charter discover`), off the UI thread, and
//! compared with the open model. What is undocumented is added with the
//! import's merge (crate::imports::apply), so owners suggested by the log
//! are recorded with their evidence as the rationale.

use crate::error::{AppError, ErrorCode};
use crate::store::Store;
use charter_model::discover::read::{read_log, LogFormat};
use charter_model::discover::{compare, Discovery};
use charter_model::Model;
use serde::Serialize;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

/// What a log shows, beside the open model.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DiscoverResult {
    pub file_name: String,
    /// The map as it runs: systems, entities (with owner suggestions and
    /// their evidence), flows (with volume and error rate).
    pub model: Model,
    /// What was read and made of it, one line each.
    pub summary: Vec<String>,
    /// `undocumented …` and `unused …` lines against the open model.
    pub compare: Vec<String>,
}

fn read(path: &Path) -> Result<(Model, Vec<String>), AppError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let io = |e: std::io::Error| {
        AppError::new(
            ErrorCode::Io,
            format!("{}: cannot read: {e}", path.display()),
        )
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut head = [0u8; 512];
    let n = file.read(&mut head).map_err(io)?;
    let format = LogFormat::detect(&head[..n]);
    file.rewind().map_err(io)?;
    let mut d = Discovery::new();
    let report = read_log(BufReader::with_capacity(1 << 16, file), format, &mut d)
        .map_err(|e| AppError::new(ErrorCode::ImportInvalid, format!("{}: {e}", path.display())))?;
    let mut summary = vec![format!(
        "{name}: read {} record{} as {}{}",
        report.records,
        if report.records == 1 { "" } else { "s" },
        format.as_str(),
        if report.skipped > 0 {
            format!(", skipped {} that are not records", report.skipped)
        } else {
            String::new()
        }
    )];
    summary.extend(report.problems.iter().map(|p| format!("{name}: {p}")));
    let discovered = d.into_model(&format!("Discovered from {name}"));
    summary.extend(discovered.summary);
    Ok((discovered.model, summary))
}

/// Reads `path` (exchange JSON Lines or CSV, detected from its content) and
/// compares what it shows with model `model_id`.
pub async fn discover(
    store: &Store,
    path: &str,
    model_id: u32,
) -> Result<DiscoverResult, AppError> {
    let documented = store.state(model_id).await?.model;
    let path = PathBuf::from(path);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (model, summary) = tokio::task::spawn_blocking(move || read(&path))
        .await
        .map_err(|e| AppError::new(ErrorCode::Io, format!("discovery stopped: {e}")))??;
    let compare = compare(&model, &documented);
    Ok(DiscoverResult {
        file_name,
        model,
        summary,
        compare,
    })
}
