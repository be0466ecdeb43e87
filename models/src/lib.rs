//! charter-model: Charter's governance model and the single source of truth
//! for its rules. Domain types ([`model`]), model file I/O ([`file`]), checks
//! ([`checks`]) including CEL conditions ([`conditions`]), the deployable
//! configuration ([`config`], [`export`]) and its business diff ([`diff`]);
//! for the app: pure edits ([`edit`]), one-click fixes ([`fixes`]) and
//! documents for people ([`documents`]: ownership matrix, Mermaid).
//!
//! No I/O beyond files; no Tauri.

pub mod checks;
pub mod condition_form;
pub mod conditions;
pub mod config;
pub mod diff;
pub mod discover;
pub mod documents;
pub mod edit;
pub mod export;
pub mod file;
pub mod fixes;
pub mod import;
pub mod merge;
pub mod model;
pub mod schema;
pub mod text;

pub use checks::{check, Finding, FindingCode, Severity};
pub use config::{Config, CONFIG_FORMAT};
pub use file::{parse_model, read_model_file, write_model_file, ModelFileError, ReadProblem};
pub use model::{Model, MODEL_FORMAT};

/// Version of this crate, used in the `generator` of exported configurations.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
