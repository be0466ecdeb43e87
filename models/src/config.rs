//! The deployable configuration (`charter-config/1`): what `export` writes for
//! one environment and what the runtime loads. Self-contained, resolved for its
//! environment, no secret values (endpoints keep `credentialRef` only).
//!
//! Key order in the serialized document is the field order below; the digest
//! is computed over the RFC 8785 canonical form without `digest` (see
//! [`crate::export::digest_of`]).

use crate::model::{
    AlertMetric, ConflictPolicy, Pattern, Protocol, Retry, SystemKind, Trigger, ValidateAction,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The exact `format` value of a deployable configuration.
pub const CONFIG_FORMAT: &str = "charter-config/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// Always `charter-config/1`.
    pub format: String,
    /// The model's name.
    pub name: String,
    /// The environment this configuration is resolved for.
    pub environment: String,
    /// `charter X.Y.Z`.
    pub generator: String,
    /// `sha256:<hex>` of the RFC 8785 form of this document without `digest`.
    pub digest: String,
    pub systems: Vec<ConfigSystem>,
    pub entities: Vec<ConfigEntity>,
    pub flows: Vec<ConfigFlow>,
    pub rules: Vec<ConfigRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigSystem {
    pub id: String,
    pub name: String,
    pub kind: SystemKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    pub side_effects: bool,
    /// This environment's endpoint; `null` when the system has none here.
    pub endpoint: Option<ConfigEndpoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigEndpoint {
    pub protocol: Protocol,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_minute: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigEntity {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub key: String,
    pub copies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steward: Option<String>,
    pub monetary: bool,
    /// Acceptable staleness of copies; `null` when undeclared.
    pub consistency_window_seconds: Option<u32>,
    /// From the entity's `conflict` rule; `owner-wins` when there is none.
    pub conflict_policy: ConflictPolicy,
    /// JSON Schema (draft 2020-12) of the entity's records.
    pub schema: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigFlow {
    pub id: String,
    pub entity: String,
    pub from: String,
    pub to: String,
    pub pattern: Pattern,
    pub trigger: Trigger,
    pub ack: bool,
    /// Field whose value is the idempotency key of each delivery.
    pub idempotency_key: Option<String>,
    /// The flow's ack deadline in seconds (`ackWithinSeconds`); absent when the
    /// model gives none (the runtime then uses the entity's consistency
    /// window, else 300 s). Only on flows with `ack`. At least 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub ack_within_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
}

/// Rules, tagged by `kind`. Conflict rules are folded into
/// [`ConfigEntity::conflict_policy`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ConfigRule {
    Validate(ConfigValidate),
    Route(ConfigRoute),
    Reconcile(ConfigReconcile),
    Alert(ConfigAlert),
}

impl ConfigRule {
    pub fn id(&self) -> &str {
        match self {
            ConfigRule::Validate(r) => &r.id,
            ConfigRule::Route(r) => &r.id,
            ConfigRule::Reconcile(r) => &r.id,
            ConfigRule::Alert(r) => &r.id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigValidate {
    pub id: String,
    pub entity: String,
    /// CEL source text.
    pub condition: String,
    pub action: ValidateAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigRoute {
    pub id: String,
    pub entity: String,
    /// CEL source text.
    pub condition: String,
    pub to: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigReconcile {
    pub id: String,
    pub entity: String,
    /// Two or more systems, in the model's order: each is compared with the
    /// first.
    #[schemars(length(min = 2))]
    pub systems: Vec<String>,
    pub fields: Vec<String>,
    /// Numeric tolerance; 0 when the model gives none.
    pub tolerance: f64,
    /// Silence allowed after the other side reported; `null` means no limit.
    pub within_seconds: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigAlert {
    pub id: String,
    pub flow: String,
    pub metric: AlertMetric,
    pub threshold: f64,
    pub window_seconds: u32,
}
