//! The error every command returns: `{code, message, findings, problems}`.
//! The UI branches on `code` (stable kebab-case), never on `message`.

use crate::store::StoreError;
use charter_model::edit::EditError;
use charter_model::export::ExportError;
use charter_model::{Finding, ModelFileError, ReadProblem};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// A model file could not be read: see `problems`.
    ModelInvalid,
    /// Export refused while the model has errors: see `findings`.
    ExportRefused,
    /// The environment is not declared by the model.
    UnknownEnvironment,
    /// The model (or item) does not exist.
    NotFound,
    /// The edit was refused (bad id, duplicate, unknown reference...).
    EditRefused,
    /// Save without a linked file: use Save As.
    NoFile,
    /// A file could not be read or written.
    Io,
    /// The workspace store failed.
    Store,
    /// A request argument was not understood.
    BadRequest,
    /// A traffic file is not JSON Lines (its first line is not a JSON object).
    NotJsonLines,
    /// The user cancelled (a rehearsal): nothing was recorded.
    Cancelled,
    /// A sketch or spec could not be imported (the message names the file and the problem).
    ImportInvalid,
}

/// One problem in a model file, with its JSON path and position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub path: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl From<&ReadProblem> for Problem {
    fn from(p: &ReadProblem) -> Self {
        Problem {
            path: p.path.clone(),
            line: p.line,
            column: p.column,
            message: p.message.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
            findings: Vec::new(),
            problems: Vec::new(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::ModelNotFound(_) => ErrorCode::NotFound,
            StoreError::RehearsalNotFound(_) => ErrorCode::NotFound,
            StoreError::Edit(EditError::NotFound { .. }) => ErrorCode::NotFound,
            StoreError::Edit(_) => ErrorCode::EditRefused,
            StoreError::Io(_) => ErrorCode::Io,
            StoreError::Invalid(_) => ErrorCode::BadRequest,
            _ => ErrorCode::Store,
        };
        AppError::new(code, e.to_string())
    }
}

impl From<ModelFileError> for AppError {
    fn from(e: ModelFileError) -> Self {
        let code = match &e {
            ModelFileError::Invalid { .. } => ErrorCode::ModelInvalid,
            _ => ErrorCode::Io,
        };
        let mut err = AppError::new(code, e.to_string());
        err.problems = e.problems().iter().map(Problem::from).collect();
        err
    }
}

impl From<ExportError> for AppError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::HasErrors(findings) => {
                let mut err = AppError::new(
                    ErrorCode::ExportRefused,
                    ExportError::HasErrors(findings.clone()).to_string(),
                );
                err.findings = findings;
                err
            }
            ExportError::UnknownEnvironment { .. } => {
                AppError::new(ErrorCode::UnknownEnvironment, e.to_string())
            }
            other => AppError::new(ErrorCode::Io, other.to_string()),
        }
    }
}
