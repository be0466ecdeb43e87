//! What the commands do, as plain async functions over a [`Store`] (testable
//! without a window): first launch, open, import, save, export.

use crate::commands::LogFormat;
use crate::error::{AppError, ErrorCode};
use crate::store::{Decision, ModelState, NodePosition, Store, StoreError};
use crate::{AppState, StartupInfo};
use charter_model::condition_form::{self, ConditionForm};
use charter_model::documents::{self, MatrixFormat};
use charter_model::file::{parse_model, read_model_file, write_atomically, write_model_file};
use charter_model::Model;
use serde::Serialize;
use std::path::Path;

/// The sample opened on first launch.
pub const SAMPLE_MODEL: &str = include_str!("../../models/examples/seafood.model.json");

/// Where the sample's systems sit on the canvas on first launch (the automatic
/// layout's result, stored so a first launch shows a laid-out canvas at once,
/// with nothing moving under the user's pointer). Canvas positions only:
/// never part of the model or its export.
pub const SAMPLE_LAYOUT: &str = include_str!("../sample/seafood.layout.json");

const LAST_MODEL: &str = "last-model";

/// The embedded seafood sample.
pub fn sample_model() -> Result<Model, AppError> {
    parse_model(SAMPLE_MODEL).map_err(|problems| {
        let mut e = AppError::new(
            ErrorCode::ModelInvalid,
            "the embedded sample model is invalid",
        );
        e.problems = problems.iter().map(Into::into).collect();
        e
    })
}

/// The embedded sample's canvas positions.
pub fn sample_layout() -> Result<Vec<NodePosition>, AppError> {
    serde_json::from_str(SAMPLE_LAYOUT).map_err(|e| {
        AppError::new(
            ErrorCode::ModelInvalid,
            format!("the embedded sample layout is invalid: {e}"),
        )
    })
}

/// Opens the store in `dir`; on first launch (no model at all) adds the sample.
pub async fn init(dir: &Path) -> Result<AppState, AppError> {
    let (store, notice) = Store::open(dir).await?;
    if store.list_models().await?.is_empty() && store.get_setting("seeded").await?.is_none() {
        let sample = sample_model()?;
        let id = store.create_model(&sample, "Sample model", None).await?;
        store.set_layout(id, &sample_layout()?).await?;
        store.set_setting("seeded", "1").await?;
    }
    Ok(AppState { store, notice })
}

pub async fn startup(state: &AppState) -> Result<StartupInfo, AppError> {
    let models = state.store.list_models().await?;
    let last = state
        .store
        .get_setting(LAST_MODEL)
        .await?
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|id| models.iter().any(|m| m.id == *id));
    Ok(StartupInfo {
        open_model_id: last.or_else(|| models.first().map(|m| m.id)),
        models,
        notice: state.notice.clone(),
    })
}

pub async fn open_model(store: &Store, model_id: u32) -> Result<ModelState, AppError> {
    let state = store.state(model_id).await?;
    store.set_setting(LAST_MODEL, &model_id.to_string()).await?;
    Ok(state)
}

pub async fn create_empty(store: &Store, name: &str) -> Result<u32, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::new(
            ErrorCode::EditRefused,
            "a model name cannot be empty",
        ));
    }
    let mut model = Model::new(name);
    model.environments = Some(vec!["dev".into(), "test".into(), "prod".into()]);
    Ok(store.create_model(&model, "New model", None).await?)
}

/// Reads `path` into a new model linked to it; nothing is stored on error.
pub async fn import_file(store: &Store, path: &Path) -> Result<ModelState, AppError> {
    let model = read_model_file(path)?;
    let file = path.display().to_string();
    let id = store
        .create_model(&model, &format!("Imported from {file}"), Some(&file))
        .await?;
    open_model(store, id).await
}

/// Saves the head to `path` (or the linked file) atomically and links it.
pub async fn save(
    store: &Store,
    model_id: u32,
    path: Option<&Path>,
) -> Result<ModelState, AppError> {
    let state = store.state(model_id).await?;
    let target = match (path, &state.file_path) {
        (Some(p), _) => p.to_path_buf(),
        (None, Some(linked)) => linked.into(),
        (None, None) => {
            return Err(AppError::new(
                ErrorCode::NoFile,
                "this model is not linked to a file yet: use Save As",
            ))
        }
    };
    write_model_file(&target, &state.model)?;
    Ok(store
        .mark_saved(model_id, &target.display().to_string())
        .await?)
}

/// Exports the head for `env` to `path`; returns the configuration digest.
pub async fn export_config(
    store: &Store,
    model_id: u32,
    env: &str,
    path: &Path,
) -> Result<String, AppError> {
    let state = store.state(model_id).await?;
    use charter_model::export::{export_to_file, ExportFileError};
    match export_to_file(&state.model, env, path) {
        Ok(config) => Ok(config.digest),
        Err(ExportFileError::Export(e)) => Err(e.into()),
        Err(e @ ExportFileError::Write(_)) => Err(AppError::new(
            ErrorCode::Io,
            format!("{}: {e}", path.display()),
        )),
    }
}

/// Applies the one-click fix of finding `code` about `subject`, recomputed
/// from the model as it is now (one revision, one undo step).
pub async fn apply_quick_fix(
    store: &Store,
    model_id: u32,
    code: &str,
    subject: &str,
) -> Result<ModelState, AppError> {
    let state = store.state(model_id).await?;
    let fix = charter_model::fixes::quick_fix(&state.model, code, subject).ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            format!("there is no one-click fix for \"{code}\" on \"{subject}\" any more"),
        )
    })?;
    Ok(store.apply_edit(model_id, &fix.edit).await?)
}

/// The entity `entity_id` of model `model_id`, for the condition form.
async fn entity_of(
    store: &Store,
    model_id: u32,
    entity_id: &str,
) -> Result<charter_model::model::Entity, AppError> {
    let model = store.state(model_id).await?.model;
    model
        .entities
        .into_iter()
        .find(|e| e.id == entity_id)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("there is no entity with id \"{entity_id}\""),
            )
        })
}

/// The CEL text of a condition built with the form.
pub async fn condition_to_cel(
    store: &Store,
    model_id: u32,
    entity_id: &str,
    form: &ConditionForm,
) -> Result<String, AppError> {
    let entity = entity_of(store, model_id, entity_id).await?;
    condition_form::form_to_cel(&entity, form)
        .map_err(|e| AppError::new(ErrorCode::BadRequest, e.to_string()))
}

/// The form of a CEL condition, when the form can show it (else `None`:
/// the UI shows the text read-only and offers to rebuild it with the form).
pub async fn condition_from_cel(
    store: &Store,
    model_id: u32,
    entity_id: &str,
    cel: &str,
) -> Result<Option<ConditionForm>, AppError> {
    let entity = entity_of(store, model_id, entity_id).await?;
    Ok(condition_form::cel_to_form(&entity, cel))
}

/// A document made from the model: Mermaid flowchart or ownership matrix.
pub async fn document(
    store: &Store,
    model_id: u32,
    kind: DocumentKind,
) -> Result<String, AppError> {
    let model = store.state(model_id).await?.model;
    Ok(match kind {
        DocumentKind::Mermaid => documents::mermaid(&model),
        DocumentKind::MatrixCsv => documents::ownership_matrix(&model, MatrixFormat::Csv),
        DocumentKind::MatrixMarkdown => documents::ownership_matrix(&model, MatrixFormat::Markdown),
    })
}

/// Which document [`document`] makes.
#[derive(Debug, Clone, Copy)]
pub enum DocumentKind {
    Mermaid,
    MatrixCsv,
    MatrixMarkdown,
}

/// Writes a document the user chose to save (diagram, matrix...) to `path`,
/// atomically. `base64` contents are decoded first (PNG).
pub fn save_document(path: &Path, contents: &str, base64: bool) -> Result<(), AppError> {
    let bytes = if base64 {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(contents.trim())
            .map_err(|e| {
                AppError::new(
                    ErrorCode::BadRequest,
                    format!("{}: the document is not valid base64: {e}", path.display()),
                )
            })?
    } else {
        contents.as_bytes().to_vec()
    };
    write_atomically(path, &bytes).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("{}: cannot write: {e}", path.display()),
        )
    })
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The decision log as CSV (header + one row per decision).
pub fn decisions_csv(rows: &[Decision]) -> String {
    let mut out = String::from("at,entity,from_owner,to_owner,rationale,who,revision\n");
    for d in rows {
        let cells = [
            d.at.clone(),
            d.entity.clone(),
            d.from_owner.clone().unwrap_or_default(),
            d.to_owner.clone().unwrap_or_default(),
            d.rationale.clone().unwrap_or_default(),
            d.who.clone(),
            d.revision.map(|r| r.to_string()).unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

pub async fn export_decision_log(
    store: &Store,
    model_id: u32,
    path: &Path,
    format: LogFormat,
) -> Result<(), AppError> {
    let rows = store.decision_log(model_id).await?;
    let text = match format {
        LogFormat::Csv => decisions_csv(&rows),
        LogFormat::Json => {
            let mut t = serde_json::to_string_pretty(&rows)
                .map_err(|e| AppError::from(StoreError::Foreign(e.to_string())))?;
            t.push('\n');
            t
        }
    };
    write_atomically(path, text.as_bytes()).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("{}: cannot write: {e}", path.display()),
        )
    })
}

/// What the runtime says about a sample record for a rule's condition ("try
/// a rule" in the condition builder).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrialResult {
    pub outcome: TrialOutcome,
    /// One line for people: why, in the runtime's words.
    pub message: String,
    /// The field the contract refused, when it did.
    pub field: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TrialOutcome {
    Holds,
    Fails,
    Error,
    Contract,
    Invalid,
}

/// Evaluates `cel` on the sample `record` (a JSON object) with the runtime's
/// own evaluator and contract (charter_runtime::trial), against the entity's
/// schema as export writes it.
pub async fn try_condition(
    store: &Store,
    model_id: u32,
    entity_id: &str,
    cel: &str,
    record: &str,
) -> Result<TrialResult, AppError> {
    use charter_runtime::trial::{try_condition, Trial};
    let entity = entity_of(store, model_id, entity_id).await?;
    let record: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(record).map_err(|e| {
            AppError::new(
                ErrorCode::BadRequest,
                format!("the sample record is not a JSON object: {e}"),
            )
        })?;
    let schema = charter_model::export::entity_schema(&entity);
    let (outcome, message, field) = match try_condition(&schema, cel, &record, true) {
        Trial::Holds => (
            TrialOutcome::Holds,
            "a validate rule lets this record through; a route rule routes it".to_string(),
            None,
        ),
        Trial::Fails => (
            TrialOutcome::Fails,
            "a validate rule applies its action; a route rule does not route it".to_string(),
            None,
        ),
        Trial::Error(m) => (
            TrialOutcome::Error,
            format!("{m}; the gate counts this as not holding"),
            None,
        ),
        Trial::Contract { field, detail } => (
            TrialOutcome::Contract,
            format!("{detail}; the gate refuses the message before any rule runs"),
            Some(field),
        ),
        Trial::Invalid(m) => (TrialOutcome::Invalid, m, None),
    };
    Ok(TrialResult {
        outcome,
        message,
        field,
    })
}
