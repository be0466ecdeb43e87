//! The Tauri commands: thin delegations to the store ([`crate::store`]) and
//! to charter-model. File paths come from the UI's open/save dialogs.

use crate::error::{AppError, ErrorCode};
use crate::rehearsal::{self, Rehearsal, RehearsalProgress, RehearsalRecord, Rehearsals, WhatIf};
use crate::store::{Decision, ModelState, ModelSummary, NodePosition, RevisionInfo};
use crate::{workspace, AppState, StartupInfo};
use charter_model::condition_form::ConditionForm;
use charter_model::documents::MatrixFormat;
use charter_model::edit::Edit;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::State;

type Res<T> = Result<T, AppError>;

/// What the UI learns at launch: the models, which to open, and any notice
/// about a store that had to be replaced.
#[tauri::command]
#[specta::specta]
pub async fn startup(state: State<'_, AppState>) -> Res<StartupInfo> {
    workspace::startup(&state).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_models(state: State<'_, AppState>) -> Res<Vec<ModelSummary>> {
    Ok(state.store.list_models().await?)
}

/// Creates a new, empty model and returns its id.
#[tauri::command]
#[specta::specta]
pub async fn create_model(state: State<'_, AppState>, name: String) -> Res<u32> {
    workspace::create_empty(&state.store, &name).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_model(state: State<'_, AppState>, model_id: u32) -> Res<()> {
    Ok(state.store.delete_model(model_id).await?)
}

/// The model at its head; also remembers it as the model to reopen.
#[tauri::command]
#[specta::specta]
pub async fn get_model_state(state: State<'_, AppState>, model_id: u32) -> Res<ModelState> {
    workspace::open_model(&state.store, model_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn apply_edit(state: State<'_, AppState>, model_id: u32, edit: Edit) -> Res<ModelState> {
    Ok(state.store.apply_edit(model_id, &edit).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn undo(state: State<'_, AppState>, model_id: u32) -> Res<ModelState> {
    Ok(state.store.undo(model_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn redo(state: State<'_, AppState>, model_id: u32) -> Res<ModelState> {
    Ok(state.store.redo(model_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_decision_log(state: State<'_, AppState>, model_id: u32) -> Res<Vec<Decision>> {
    Ok(state.store.decision_log(model_id).await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Csv,
    Json,
}

/// Writes the decision log to `path` as CSV or JSON.
#[tauri::command]
#[specta::specta]
pub async fn export_decision_log(
    state: State<'_, AppState>,
    model_id: u32,
    path: String,
    format: LogFormat,
) -> Res<()> {
    workspace::export_decision_log(&state.store, model_id, Path::new(&path), format).await
}

/// Reads a model file into a NEW workspace model linked to that file.
/// Nothing is imported when the file has problems (`model-invalid`).
#[tauri::command]
#[specta::specta]
pub async fn import_model_file(state: State<'_, AppState>, path: String) -> Res<ModelState> {
    workspace::import_file(&state.store, Path::new(&path)).await
}

/// Saves to the linked file (`no-file` when there is none: use Save As).
#[tauri::command]
#[specta::specta]
pub async fn save_model(state: State<'_, AppState>, model_id: u32) -> Res<ModelState> {
    workspace::save(&state.store, model_id, None).await
}

/// Saves to `path` and links the model to it.
#[tauri::command]
#[specta::specta]
pub async fn save_model_as(
    state: State<'_, AppState>,
    model_id: u32,
    path: String,
) -> Res<ModelState> {
    workspace::save(&state.store, model_id, Some(Path::new(&path))).await
}

/// Exports `charter-config/1` for `env` to `path`; refused with the findings
/// while the model has errors (`export-refused`). Returns the digest.
#[tauri::command]
#[specta::specta]
pub async fn export_config(
    state: State<'_, AppState>,
    model_id: u32,
    env: String,
    path: String,
) -> Res<String> {
    workspace::export_config(&state.store, model_id, &env, Path::new(&path)).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_layout(state: State<'_, AppState>, model_id: u32) -> Res<Vec<NodePosition>> {
    Ok(state.store.layout(model_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_node_position(
    state: State<'_, AppState>,
    model_id: u32,
    position: NodePosition,
) -> Res<()> {
    Ok(state.store.set_node_position(model_id, &position).await?)
}

/// Stores many canvas positions at once (automatic layout).
#[tauri::command]
#[specta::specta]
pub async fn set_layout(
    state: State<'_, AppState>,
    model_id: u32,
    positions: Vec<NodePosition>,
) -> Res<()> {
    Ok(state.store.set_layout(model_id, &positions).await?)
}

/// Applies the one-click fix of a finding (`not-found` when it has none).
#[tauri::command]
#[specta::specta]
pub async fn apply_quick_fix(
    state: State<'_, AppState>,
    model_id: u32,
    code: String,
    subject: String,
) -> Res<ModelState> {
    workspace::apply_quick_fix(&state.store, model_id, &code, &subject).await
}

/// The CEL text of a condition built with the form (`bad-request` with the
/// reason when the form is incomplete).
#[tauri::command]
#[specta::specta]
pub async fn condition_to_cel(
    state: State<'_, AppState>,
    model_id: u32,
    entity_id: String,
    form: ConditionForm,
) -> Res<String> {
    workspace::condition_to_cel(&state.store, model_id, &entity_id, &form).await
}

/// The form of a CEL condition; `null` when the form cannot show it.
#[tauri::command]
#[specta::specta]
pub async fn condition_from_cel(
    state: State<'_, AppState>,
    model_id: u32,
    entity_id: String,
    cel: String,
) -> Res<Option<ConditionForm>> {
    workspace::condition_from_cel(&state.store, model_id, &entity_id, &cel).await
}

/// What the runtime's evaluator says about a sample record (a JSON object)
/// for a condition: "try a rule" in the condition builder.
#[tauri::command]
#[specta::specta]
pub async fn try_condition(
    state: State<'_, AppState>,
    model_id: u32,
    entity_id: String,
    cel: String,
    record: String,
) -> Res<workspace::TrialResult> {
    workspace::try_condition(&state.store, model_id, &entity_id, &cel, &record).await
}

/// The name recorded as "who" in the decision log; `null` until set.
#[tauri::command]
#[specta::specta]
pub async fn get_user_name(state: State<'_, AppState>) -> Res<Option<String>> {
    Ok(state.store.user_name().await?)
}

/// Sets the name recorded with each later decision; returns it as stored.
#[tauri::command]
#[specta::specta]
pub async fn set_user_name(state: State<'_, AppState>, name: String) -> Res<String> {
    Ok(state.store.set_user_name(&name).await?)
}

/// What a sketch or spec file would bring in (nothing is stored).
#[tauri::command]
#[specta::specta]
pub async fn import_preview(path: String) -> Res<crate::imports::ImportPreview> {
    crate::imports::preview(Path::new(&path))
}

/// Stores an import preview (as edited): a new model, or merged into model
/// `into` as one undo step.
#[tauri::command]
#[specta::specta]
pub async fn import_apply(
    state: State<'_, AppState>,
    model: charter_model::Model,
    file_name: String,
    into: Option<u32>,
) -> Res<ModelState> {
    crate::imports::apply(&state.store, &model, &file_name, into).await
}

/// What a log of observed exchanges shows, compared with model `model_id`
/// (read off the UI thread; nothing stored).
#[tauri::command]
#[specta::specta]
pub async fn discover_log(
    state: State<'_, AppState>,
    path: String,
    model_id: u32,
) -> Res<crate::discovery::DiscoverResult> {
    crate::discovery::discover(&state.store, &path, model_id).await
}

/// The model as a Mermaid flowchart.
#[tauri::command]
#[specta::specta]
pub async fn export_mermaid(state: State<'_, AppState>, model_id: u32) -> Res<String> {
    workspace::document(&state.store, model_id, workspace::DocumentKind::Mermaid).await
}

/// The ownership matrix as CSV or Markdown.
#[tauri::command]
#[specta::specta]
pub async fn export_matrix(
    state: State<'_, AppState>,
    model_id: u32,
    format: MatrixFormat,
) -> Res<String> {
    let kind = match format {
        MatrixFormat::Csv => workspace::DocumentKind::MatrixCsv,
        MatrixFormat::Markdown => workspace::DocumentKind::MatrixMarkdown,
    };
    workspace::document(&state.store, model_id, kind).await
}

/// How [`save_document`] receives its contents.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum DocumentEncoding {
    Text,
    Base64,
}

/// Writes a document (diagram SVG/PNG, Mermaid, matrix) to the path the user
/// picked in the save dialog, atomically.
#[tauri::command]
#[specta::specta]
pub fn save_document(path: String, contents: String, encoding: DocumentEncoding) -> Res<()> {
    workspace::save_document(
        Path::new(&path),
        &contents,
        matches!(encoding, DocumentEncoding::Base64),
    )
}

/// Rehearses recorded traffic (JSON Lines at `path`) against the model's
/// current revision exported for `env`, off the UI thread, with progress on
/// `on_progress`; records it and returns the report. Refused like export
/// while the model has errors (`export-refused`); `io`, `not-json-lines`,
/// `cancelled` (see [`cancel_rehearsal`]).
#[tauri::command]
#[specta::specta]
pub async fn rehearse(
    state: State<'_, AppState>,
    rehearsals: State<'_, Rehearsals>,
    model_id: u32,
    env: String,
    path: String,
    on_progress: Channel<RehearsalProgress>,
) -> Res<Rehearsal> {
    let running = rehearsals.start()?;
    let progress = move |p: RehearsalProgress| {
        let _ = on_progress.send(p);
    };
    rehearsal::rehearse(
        &state.store,
        model_id,
        &env,
        Path::new(&path),
        Arc::clone(&running.cancel),
        progress,
    )
    .await
}

/// Rehearses the same traffic against revision `base_revision` and the
/// current revision, and lists the messages whose decision changes (nothing
/// is recorded). Errors as [`rehearse`]; stopped by [`cancel_rehearsal`].
#[tauri::command]
#[specta::specta]
pub async fn rehearse_what_if(
    state: State<'_, AppState>,
    rehearsals: State<'_, Rehearsals>,
    model_id: u32,
    base_revision: u32,
    env: String,
    path: String,
    on_progress: Channel<RehearsalProgress>,
) -> Res<WhatIf> {
    let running = rehearsals.start()?;
    let progress = move |p: RehearsalProgress| {
        let _ = on_progress.send(p);
    };
    rehearsal::what_if(
        &state.store,
        model_id,
        base_revision,
        &env,
        Path::new(&path),
        Arc::clone(&running.cancel),
        progress,
    )
    .await
}

/// Writes a recorded rehearsal's decisions (JSON Lines, `charter replay`'s
/// output) to `path`: its traffic replayed again through the same revision;
/// refused (`io`) when the traffic file changed since.
#[tauri::command]
#[specta::specta]
pub async fn export_rehearsal_decisions(
    state: State<'_, AppState>,
    rehearsal_id: u32,
    path: String,
) -> Res<()> {
    rehearsal::export_decisions(&state.store, rehearsal_id, Path::new(&path)).await
}

/// The revisions of a model's history, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_revisions(state: State<'_, AppState>, model_id: u32) -> Res<Vec<RevisionInfo>> {
    Ok(state.store.revisions(model_id).await?)
}

/// Stops the running rehearsal between two lines; false when none runs.
#[tauri::command]
#[specta::specta]
pub fn cancel_rehearsal(rehearsals: State<'_, Rehearsals>) -> bool {
    rehearsals.cancel()
}

/// The rehearsals recorded for a model, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_rehearsals(
    state: State<'_, AppState>,
    model_id: u32,
) -> Res<Vec<RehearsalRecord>> {
    Ok(state.store.rehearsals(model_id).await?)
}

/// The path of the sample traffic shipped with a sample model; `null` when
/// the model is not a sample.
#[tauri::command]
#[specta::specta]
pub async fn sample_traffic(state: State<'_, AppState>, model_id: u32) -> Res<Option<String>> {
    rehearsal::sample_traffic(&state.store, model_id).await
}

/// Writes a recorded rehearsal's report (the `charter replay --report`
/// shape) to `path`, atomically.
#[tauri::command]
#[specta::specta]
pub async fn export_rehearsal_report(
    state: State<'_, AppState>,
    rehearsal_id: u32,
    path: String,
) -> Res<()> {
    let report = state.store.rehearsal_report(rehearsal_id).await?;
    let mut bytes = report.into_bytes();
    bytes.push(b'\n');
    charter_model::file::write_atomically(Path::new(&path), &bytes)
        .map_err(|e| AppError::new(ErrorCode::Io, format!("{path}: cannot write: {e}")))
}

/// The UI reports its first paint; returns milliseconds since process start.
#[tauri::command]
#[specta::specta]
pub fn report_first_paint() -> f64 {
    crate::first_paint()
}
