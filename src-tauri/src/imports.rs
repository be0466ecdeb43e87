//! File → Import in the app: a sketch or a spec read by charter-model's
//! importers (the same code as `charter import`), shown as a preview the user
//! can edit, then created as a new model or merged into the open one as one
//! undo step (charter_model::merge).

use crate::error::{AppError, ErrorCode};
use crate::store::{ModelState, Store};
use charter_model::edit::Edit;
use charter_model::import::{import_file, ImportError};
use charter_model::Model;
use serde::Serialize;
use std::path::Path;

/// What an import would bring in, before anything is stored.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    /// The file's name (not its path).
    pub file_name: String,
    /// mermaid, excalidraw, drawio, csv, openapi, asyncapi.
    pub format: String,
    /// The model the file becomes (boxes → systems, arrows → flows, …).
    pub model: Model,
    /// One line per thing the importer decided, in its words.
    pub summary: Vec<String>,
    /// Everything that could not be placed (never dropped silently).
    pub unplaced: Vec<String>,
}

fn refused(path: &Path, e: ImportError) -> AppError {
    let code = match e {
        ImportError::Io(_) => ErrorCode::Io,
        _ => ErrorCode::ImportInvalid,
    };
    AppError::new(code, format!("{}: {e}", path.display()))
}

/// Reads `path` with the importer its content calls for.
pub fn preview(path: &Path) -> Result<ImportPreview, AppError> {
    let imported = import_file(path, None).map_err(|e| refused(path, e))?;
    Ok(ImportPreview {
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        format: imported.format.to_string(),
        model: imported.model,
        summary: imported.summary,
        unplaced: imported.unplaced,
    })
}

/// Stores the (possibly edited) preview: a new model when `into` is `None`,
/// else merged into model `into` as one batch (one revision, one undo step).
pub async fn apply(
    store: &Store,
    model: &Model,
    file_name: &str,
    into: Option<u32>,
) -> Result<ModelState, AppError> {
    let Some(id) = into else {
        let id = store
            .create_model(model, &format!("Imported from {file_name}"), None)
            .await?;
        return crate::workspace::open_model(store, id).await;
    };
    let current = store.state(id).await?;
    let merged = charter_model::merge::merge(&current.model, model);
    if merged.edits.is_empty() {
        return Err(AppError::new(
            ErrorCode::EditRefused,
            format!("{file_name}: nothing to add, the model already has everything it holds"),
        ));
    }
    let edit = Edit::Batch {
        summary: format!("Import {} from {file_name}", merged.counts()),
        edits: merged.edits,
    };
    Ok(store.apply_edit(id, &edit).await?)
}
