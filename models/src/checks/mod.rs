//! Checks: every finding of a model in one pass. Each finding has a stable
//! code (declared once, in [`FindingCode`], and documented in docs/checks.md),
//! a severity, the id of its subject, a one-line message in workshop language
//! and a suggested fix.

use crate::model::Model;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A finding about one subject of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Finding {
    pub severity: Severity,
    /// Stable kebab-case code, e.g. `double-write`.
    pub code: String,
    /// Id of the system, entity, flow or rule concerned.
    pub subject: String,
    /// One line, in workshop language, quoting user input.
    pub message: String,
    /// The suggested fix (optional addition to the CLI contract).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

// TODO(checks helper): FindingCode enum, all checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingCode {}

/// Every finding of the model, errors first, in a deterministic order.
pub fn check(_model: &Model) -> Vec<Finding> {
    Vec::new()
}
