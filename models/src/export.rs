//! Export of a model to `charter-config/1` for one environment, and reading
//! a configuration back with its `format` and `digest` verified.
//!
//! The export is deterministic: the same model and environment give the
//! same bytes (model order is kept, no timestamps, no paths, no random ids).
//! It is refused when [`crate::check`] reports any error.

use crate::checks::{check, Finding, Severity};
use crate::config::{
    Config, ConfigAlert, ConfigEndpoint, ConfigEntity, ConfigFlow, ConfigReconcile, ConfigRoute,
    ConfigRule, ConfigSystem, ConfigValidate, CONFIG_FORMAT,
};
use crate::model::{ConflictPolicy, Entity, Field, FieldType, Model, Rule, System};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The draft of the JSON Schemas written into each entity's `schema`.
pub const ENTITY_SCHEMA_DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// A model exported for one environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The configuration, with its `digest` filled in.
    pub config: Config,
    /// The exact bytes to write: pretty JSON (2-space indentation), keys in
    /// [`Config`] field order, one trailing newline.
    pub text: String,
}

/// Why a model could not be exported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    /// The model has governance errors; these are all its findings of error
    /// severity, in check order.
    #[error("export refused: the model has {} error{}", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    HasErrors(Vec<Finding>),
    /// `env` is not one of the model's environments.
    #[error("unknown environment `{env}` (the model declares: {}){}", declared.join(", "), suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownEnvironment {
        env: String,
        declared: Vec<String>,
        suggestion: Option<String>,
    },
    /// Serializing the configuration failed (not expected for these types).
    #[error("cannot serialize the configuration: {0}")]
    Serialize(String),
}

/// Exports `model` for the environment `env`.
///
/// The environment is checked first (an unknown one is a usage problem),
/// then the model: any finding of error severity refuses the export.
pub fn export(model: &Model, env: &str) -> Result<Exported, ExportError> {
    let declared = model.environment_names();
    if !declared.contains(&env) {
        return Err(unknown_environment(env, &declared));
    }
    let mut errors: Vec<Finding> = check(model)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        errors = precondition_findings(model);
    }
    if !errors.is_empty() {
        return Err(ExportError::HasErrors(errors));
    }
    let mut config = to_config(model, env);
    let text = seal(&mut config)?;
    Ok(Exported { config, text })
}

/// The configuration `export` would write, without refusing a model that has
/// errors: for previews (the app showing what would change) and tests. Only
/// an unknown environment is refused. Not for deployment: an entity without
/// an owner gets an empty `owner`.
pub fn export_preview(model: &Model, env: &str) -> Result<Exported, ExportError> {
    let declared = model.environment_names();
    if !declared.contains(&env) {
        return Err(unknown_environment(env, &declared));
    }
    let mut config = to_config(model, env);
    let text = seal(&mut config)?;
    Ok(Exported { config, text })
}

fn unknown_environment(env: &str, declared: &[&str]) -> ExportError {
    ExportError::UnknownEnvironment {
        env: env.to_string(),
        suggestion: crate::file::did_you_mean(env, declared.iter().copied()).map(str::to_string),
        declared: declared.iter().map(|s| s.to_string()).collect(),
    }
}

/// Fills in `config.digest` and returns the exact text to write.
fn seal(config: &mut Config) -> Result<String, ExportError> {
    config.digest = String::new();
    let value =
        serde_json::to_value(&*config).map_err(|e| ExportError::Serialize(e.to_string()))?;
    config.digest = digest_of(&value);
    let mut text = serde_json::to_string_pretty(&*config)
        .map_err(|e| ExportError::Serialize(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// What the configuration cannot be built without, as findings. The checks
/// report these too (with their own codes); this is the export's own guard so
/// that an incomplete model is never exported with made-up values.
fn precondition_findings(model: &Model) -> Vec<Finding> {
    model
        .entities
        .iter()
        .filter(|e| e.owner.as_deref().is_none_or(|o| o.trim().is_empty()))
        .map(|e| Finding {
            severity: Severity::Error,
            code: "no-owner".to_string(),
            subject: e.id.clone(),
            message: format!(
                "entity {} has no owner; a deployable configuration needs one",
                e.id
            ),
            fix: Some(format!("choose the one system that owns {}", e.id)),
        })
        .collect()
}

/// Maps a model (assumed checked) to the configuration for `env`, with an
/// empty `digest`.
fn to_config(model: &Model, env: &str) -> Config {
    Config {
        format: CONFIG_FORMAT.to_string(),
        name: model.name.clone(),
        environment: env.to_string(),
        generator: format!("charter {}", crate::VERSION),
        digest: String::new(),
        systems: model
            .systems
            .iter()
            .map(|s| config_system(s, env))
            .collect(),
        entities: {
            let policies = conflict_policies(model);
            model
                .entities
                .iter()
                .map(|e| config_entity(e, &policies))
                .collect()
        },
        flows: model
            .flows
            .iter()
            .map(|f| ConfigFlow {
                id: f.id.clone(),
                entity: f.entity.clone(),
                from: f.from.clone(),
                to: f.to.clone(),
                pattern: f.pattern,
                trigger: f.trigger,
                ack: f.is_acknowledged(),
                idempotency_key: f.idempotency_key.clone(),
                retry: f.retry.clone(),
                schedule: f.schedule.clone(),
            })
            .collect(),
        rules: model.rules().iter().filter_map(config_rule).collect(),
    }
}

fn config_system(system: &System, env: &str) -> ConfigSystem {
    ConfigSystem {
        id: system.id.clone(),
        name: system.name.clone(),
        kind: system.kind,
        team: system.team.clone(),
        side_effects: system.has_side_effects(),
        endpoint: system.endpoint(env).map(|e| ConfigEndpoint {
            protocol: e.protocol,
            url: e.url.clone(),
            credential_ref: e.credential_ref.clone(),
            rate_limit_per_minute: e.rate_limit_per_minute,
        }),
    }
}

fn config_entity(entity: &Entity, policies: &HashMap<&str, ConflictPolicy>) -> ConfigEntity {
    ConfigEntity {
        id: entity.id.clone(),
        name: entity.name.clone(),
        owner: entity.owner.clone().unwrap_or_default(),
        key: entity.key.clone(),
        copies: entity.copies.clone(),
        steward: entity.steward.clone(),
        monetary: entity.is_monetary(),
        consistency_window_seconds: entity.consistency_window_seconds,
        conflict_policy: policies
            .get(entity.id.as_str())
            .copied()
            .unwrap_or(ConflictPolicy::OwnerWins),
        schema: entity_schema(entity),
    }
}

/// The policy of each entity's first `conflict` rule, by entity id.
fn conflict_policies(model: &Model) -> HashMap<&str, ConflictPolicy> {
    let mut map = HashMap::new();
    for r in model.rules() {
        if let Rule::Conflict(c) = r {
            map.entry(c.entity.as_str()).or_insert(c.policy);
        }
    }
    map
}

/// The policy of the entity's first `conflict` rule; `owner-wins` without one.
pub fn conflict_policy(model: &Model, entity: &str) -> ConflictPolicy {
    model
        .rules()
        .iter()
        .find_map(|r| match r {
            Rule::Conflict(c) if c.entity == entity => Some(c.policy),
            _ => None,
        })
        .unwrap_or(ConflictPolicy::OwnerWins)
}

/// JSON Schema (draft 2020-12) of an entity's records: one property per
/// field in model order, `required` from the fields' flags, other properties
/// allowed.
pub fn entity_schema(entity: &Entity) -> Value {
    let mut properties = Map::new();
    for field in &entity.fields {
        properties.insert(field.name.clone(), field_schema(field));
    }
    let required: Vec<Value> = entity
        .fields
        .iter()
        .filter(|f| f.is_required())
        .map(|f| Value::String(f.name.clone()))
        .collect();
    json!({
        "$schema": ENTITY_SCHEMA_DRAFT,
        "title": entity.name,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": true,
    })
}

fn field_schema(field: &Field) -> Value {
    match field.field_type {
        FieldType::String => json!({ "type": "string" }),
        FieldType::Integer => json!({ "type": "integer" }),
        FieldType::Number => json!({ "type": "number" }),
        FieldType::Boolean => json!({ "type": "boolean" }),
        FieldType::Date => json!({ "type": "string", "format": "date" }),
        FieldType::Datetime => json!({ "type": "string", "format": "date-time" }),
        FieldType::Enum => match &field.values {
            Some(values) => json!({ "type": "string", "enum": values }),
            None => json!({ "type": "string" }),
        },
    }
}

fn config_rule(rule: &Rule) -> Option<ConfigRule> {
    Some(match rule {
        Rule::Validate(r) => ConfigRule::Validate(ConfigValidate {
            id: r.id.clone(),
            entity: r.entity.clone(),
            condition: r.condition.clone(),
            action: r.action,
            message: r.message.clone(),
        }),
        Rule::Route(r) => ConfigRule::Route(ConfigRoute {
            id: r.id.clone(),
            entity: r.entity.clone(),
            condition: r.condition.clone(),
            to: r.to.clone(),
        }),
        // Folded into the entity's `conflictPolicy`.
        Rule::Conflict(_) => return None,
        Rule::Reconcile(r) => ConfigRule::Reconcile(ConfigReconcile {
            id: r.id.clone(),
            entity: r.entity.clone(),
            systems: r.systems.clone(),
            fields: r.fields.clone(),
            tolerance: r.tolerance.unwrap_or(0.0),
            within_seconds: r.within_seconds,
        }),
        Rule::Alert(r) => ConfigRule::Alert(ConfigAlert {
            id: r.id.clone(),
            flow: r.flow.clone(),
            metric: r.metric,
            threshold: r.threshold,
            window_seconds: r.window_seconds,
        }),
    })
}

/// `sha256:<hex>` of the RFC 8785 canonical form of `doc` with its top-level
/// `digest` member removed. `doc` is left unchanged.
pub fn digest_of(doc: &Value) -> String {
    let canonical = match doc {
        Value::Object(map) => {
            let mut m = map.clone();
            m.shift_remove("digest");
            serde_jcs::to_vec(&Value::Object(m))
        }
        other => serde_jcs::to_vec(other),
    }
    .unwrap_or_default();
    let hash = Sha256::digest(&canonical);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

// ---------------------------------------------------------------------------
// Reading a configuration back.

/// Why a configuration document could not be used. The `Display` form starts
/// with `line:column: ` when the position is known, so that callers can
/// prefix it with the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{line}:{column}: not valid JSON: {message}")]
    NotJson {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("not a {CONFIG_FORMAT} document: expected a JSON object, found {found}")]
    NotAnObject { found: String },
    #[error("missing `format` (expected \"{CONFIG_FORMAT}\")")]
    MissingFormat,
    #[error("unknown format `{found}` (this Charter reads \"{CONFIG_FORMAT}\")")]
    UnknownFormat { found: String },
    #[error(
        "missing `digest`: a {CONFIG_FORMAT} document must carry the digest written by export"
    )]
    MissingDigest,
    #[error("digest mismatch: the file declares {declared} but its content hashes to {computed}; it was changed after export (export it again from the model)")]
    DigestMismatch { declared: String, computed: String },
    #[error("{}{message}", position(*line, *column))]
    Invalid {
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("{l}:{c}: "),
        _ => String::new(),
    }
}

/// Parses a `charter-config/1` document, verifying its `format` and its
/// `digest` before its structure. Never panics on any input.
pub fn config_from_str(text: &str) -> Result<Config, ConfigError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ConfigError::NotJson {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    let Value::Object(map) = &value else {
        return Err(ConfigError::NotAnObject {
            found: json_type(&value).to_string(),
        });
    };
    match map.get("format") {
        None => return Err(ConfigError::MissingFormat),
        Some(Value::String(f)) if f == CONFIG_FORMAT => {}
        Some(Value::String(f)) => return Err(ConfigError::UnknownFormat { found: f.clone() }),
        Some(other) => {
            return Err(ConfigError::UnknownFormat {
                found: other.to_string(),
            })
        }
    }
    let declared = match map.get("digest") {
        Some(Value::String(d)) => d.clone(),
        _ => return Err(ConfigError::MissingDigest),
    };
    let computed = digest_of(&value);
    if declared != computed {
        return Err(ConfigError::DigestMismatch { declared, computed });
    }
    // Parse the text again (not the value) so structural errors carry a position.
    serde_json::from_str::<Config>(text).map_err(|e| {
        let (line, column) = if e.line() > 0 {
            (Some(e.line()), Some(e.column()))
        } else {
            (None, None)
        };
        ConfigError::Invalid {
            line,
            column,
            message: format!(
                "not a valid {CONFIG_FORMAT} document: {}",
                strip_position(&e.to_string())
            ),
        }
    })
}

/// Why a configuration file could not be used. `Display` is one line naming
/// the file and the problem, e.g. `prod.json:3:1: not valid JSON: ...`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not UTF-8 text (invalid byte at offset {offset})", path.display())]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{}", located(path, error))]
    Invalid { path: PathBuf, error: ConfigError },
}

/// `file:line:col: message` when the error has a position, else `file: message`.
fn located(path: &Path, error: &ConfigError) -> String {
    let has_position = matches!(
        error,
        ConfigError::NotJson { .. }
            | ConfigError::Invalid {
                line: Some(_),
                column: Some(_),
                ..
            }
    );
    let sep = if has_position { ":" } else { ": " };
    format!("{}{sep}{error}", path.display())
}

impl ConfigFileError {
    /// The configuration problem, when the file was read but not usable.
    pub fn config_error(&self) -> Option<&ConfigError> {
        match self {
            ConfigFileError::Invalid { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Reads a configuration file and verifies it (see [`config_from_str`]).
pub fn read_config_file(path: &Path) -> Result<Config, ConfigFileError> {
    let bytes = std::fs::read(path).map_err(|source| ConfigFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| ConfigFileError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    config_from_str(&text).map_err(|error| ConfigFileError::Invalid {
        path: path.to_path_buf(),
        error,
    })
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
