//! The governance model (`charter-model/1`): systems, entities and their
//! ownership, flows and rules. These types are what the model file holds and
//! what every other module (checks, export, diff, the app) works on.
//!
//! Optional keys are `Option`s so that a file read and written again keeps
//! exactly the keys it had. Keys this version does not know are kept in
//! `extra` maps, so nothing a newer writer put in a file is lost.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The exact `format` value of a model file.
pub const MODEL_FORMAT: &str = "charter-model/1";

/// Extra, unknown keys kept verbatim.
pub type Extra = Map<String, Value>;

/// A whole model: what architects edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// Always `charter-model/1`.
    pub format: String,
    /// Display name of the model, non-empty.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Declared environments; absent means `["prod"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<String>>,
    pub systems: Vec<System>,
    pub entities: Vec<Entity>,
    pub flows: Vec<Flow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<Rule>>,
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

impl Model {
    /// An empty model with the given name.
    pub fn new(name: impl Into<String>) -> Self {
        Model {
            format: MODEL_FORMAT.to_string(),
            name: name.into(),
            description: None,
            environments: None,
            systems: Vec::new(),
            entities: Vec::new(),
            flows: Vec::new(),
            rules: None,
            extra: Extra::new(),
        }
    }

    /// The declared environments, or the default `["prod"]`.
    pub fn environment_names(&self) -> Vec<&str> {
        match &self.environments {
            Some(envs) => envs.iter().map(String::as_str).collect(),
            None => vec!["prod"],
        }
    }

    /// The rules, empty when the key is absent.
    pub fn rules(&self) -> &[Rule] {
        self.rules.as_deref().unwrap_or(&[])
    }

    pub fn system(&self, id: &str) -> Option<&System> {
        self.systems.iter().find(|s| s.id == id)
    }

    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.id == id)
    }

    pub fn flow(&self, id: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.id == id)
    }

    /// The acknowledgement deadline of a delivery on `flow`, in seconds: its
    /// `ackWithinSeconds`, else its entity's consistency window, else
    /// [`DEFAULT_ACK_WITHIN_SECONDS`] (events.md).
    pub fn ack_deadline_seconds(&self, flow: &Flow) -> u32 {
        flow.ack_within_seconds
            .or_else(|| {
                self.entity(&flow.entity)
                    .and_then(|e| e.consistency_window_seconds)
            })
            .unwrap_or(DEFAULT_ACK_WITHIN_SECONDS)
    }
}

/// The acknowledgement deadline, in seconds, of a flow that sets none when
/// its entity has no consistency window either.
pub const DEFAULT_ACK_WITHIN_SECONDS: u32 = 300;

/// The kind of a system, for icons and for readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum SystemKind {
    Erp,
    Wms,
    Oms,
    Ecommerce,
    #[serde(rename = "3pl")]
    ThirdPartyLogistics,
    Payments,
    Finance,
    Crm,
    Pim,
    Production,
    Quality,
    Transport,
    Analytics,
    Other,
}

impl SystemKind {
    pub const ALL: [SystemKind; 14] = [
        SystemKind::Erp,
        SystemKind::Wms,
        SystemKind::Oms,
        SystemKind::Ecommerce,
        SystemKind::ThirdPartyLogistics,
        SystemKind::Payments,
        SystemKind::Finance,
        SystemKind::Crm,
        SystemKind::Pim,
        SystemKind::Production,
        SystemKind::Quality,
        SystemKind::Transport,
        SystemKind::Analytics,
        SystemKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SystemKind::Erp => "erp",
            SystemKind::Wms => "wms",
            SystemKind::Oms => "oms",
            SystemKind::Ecommerce => "ecommerce",
            SystemKind::ThirdPartyLogistics => "3pl",
            SystemKind::Payments => "payments",
            SystemKind::Finance => "finance",
            SystemKind::Crm => "crm",
            SystemKind::Pim => "pim",
            SystemKind::Production => "production",
            SystemKind::Quality => "quality",
            SystemKind::Transport => "transport",
            SystemKind::Analytics => "analytics",
            SystemKind::Other => "other",
        }
    }
}

/// A business system: ERP, warehouse, storefront, 3PL...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct System {
    pub id: String,
    pub name: String,
    pub kind: SystemKind,
    /// Who runs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Inbound deliveries trigger external effects (email, charge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side_effects: Option<bool>,
    /// Endpoints per environment name, in file order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(type = Option<std::collections::HashMap<String, Endpoint>>))]
    pub endpoints: Option<Endpoints>,
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

impl System {
    pub fn has_side_effects(&self) -> bool {
        self.side_effects.unwrap_or(false)
    }

    pub fn endpoint(&self, env: &str) -> Option<&Endpoint> {
        self.endpoints.as_ref().and_then(|e| e.get(env))
    }
}

/// Endpoints keyed by environment, keeping the order the user wrote.
pub type Endpoints = indexmap_like::OrderedMap<Endpoint>;

/// How a system is reached in one environment. Credentials by reference only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub protocol: Protocol,
    pub url: String,
    /// A reference into a secret store, e.g. `vault:erp/prod`. Never a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_minute: Option<u32>,
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Rest,
    Soap,
    Sftp,
    Database,
    Webhook,
    Queue,
}

/// A data entity and its ownership decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    pub id: String,
    pub name: String,
    /// The one system that is the source of truth. Absent while undecided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steward: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// Identity field used to match records across systems.
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monetary: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistency_window_seconds: Option<u32>,
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Systems that hold a copy.
    #[serde(default)]
    pub copies: Vec<String>,
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

impl Entity {
    pub fn is_monetary(&self) -> bool {
        self.monetary.unwrap_or(false)
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
    Date,
    Datetime,
    Enum,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Enum => "enum",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Allowed values, for `enum` fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// Personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pii: Option<bool>,
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

impl Field {
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(false)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Pattern {
    /// The owner announces a change.
    Event,
    /// A system asks the owner.
    Request,
}

impl Pattern {
    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::Event => "event",
            Pattern::Request => "request",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    System,
    User,
    Schedule,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::System => "system",
            Trigger::User => "user",
            Trigger::Schedule => "schedule",
        }
    }
}

/// A flow of one entity from one system to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    pub id: String,
    pub entity: String,
    pub from: String,
    pub to: String,
    pub pattern: Pattern,
    pub trigger: Trigger,
    /// Receiver must positively acknowledge. Absent means no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack: Option<bool>,
    /// Field that makes delivery idempotent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Deadline for the receiver's ack, seconds after the message (a
    /// positive whole number); absent: the entity's consistency window, else
    /// 300 s. Only with `ack`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_within_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

impl Flow {
    pub fn is_acknowledged(&self) -> bool {
        self.ack.unwrap_or(false)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Retry {
    pub attempts: u32,
    pub backoff_seconds: u32,
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

// Serde goes through `TaggedRule` of `WithExtra` variants (the rule and its
// unknown keys); the serde attribute below is for schemars and specta.
/// A governance rule, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Rule {
    Validate(ValidateRule),
    Route(RouteRule),
    Conflict(ConflictRule),
    Reconcile(ReconcileRule),
    Alert(AlertRule),
}

/// [`Rule`] as serde derives it, around [`WithExtra`] variants.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum TaggedRule<V, R, C, N, A> {
    Validate(V),
    Route(R),
    Conflict(C),
    Reconcile(N),
    Alert(A),
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let extra = self.extra();
        match self {
            Rule::Validate(rule) => TaggedRule::Validate(WithExtra { rule, extra }),
            Rule::Route(rule) => TaggedRule::Route(WithExtra { rule, extra }),
            Rule::Conflict(rule) => TaggedRule::Conflict(WithExtra { rule, extra }),
            Rule::Reconcile(rule) => TaggedRule::Reconcile(WithExtra { rule, extra }),
            Rule::Alert(rule) => TaggedRule::Alert(WithExtra { rule, extra }),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (mut rule, extra) = match ReadRule::deserialize(d)? {
            TaggedRule::Validate(w) => (Rule::Validate(w.rule), w.extra),
            TaggedRule::Route(w) => (Rule::Route(w.rule), w.extra),
            TaggedRule::Conflict(w) => (Rule::Conflict(w.rule), w.extra),
            TaggedRule::Reconcile(w) => (Rule::Reconcile(w.rule), w.extra),
            TaggedRule::Alert(w) => (Rule::Alert(w.rule), w.extra),
        };
        *rule.extra_mut() = extra;
        Ok(rule)
    }
}

/// A rule variant with its unknown keys, flattened into one object: its
/// own keys first (a known key given as `null` is its `None`), then every
/// other key, kept verbatim. Owned to read, borrowed to write.
#[derive(Serialize, Deserialize)]
struct WithExtra<T, X> {
    #[serde(flatten)]
    rule: T,
    #[serde(flatten)]
    extra: X,
}

type ReadRule = TaggedRule<
    WithExtra<ValidateRule, Extra>,
    WithExtra<RouteRule, Extra>,
    WithExtra<ConflictRule, Extra>,
    WithExtra<ReconcileRule, Extra>,
    WithExtra<AlertRule, Extra>,
>;

impl Rule {
    pub fn id(&self) -> &str {
        match self {
            Rule::Validate(r) => &r.id,
            Rule::Route(r) => &r.id,
            Rule::Conflict(r) => &r.id,
            Rule::Reconcile(r) => &r.id,
            Rule::Alert(r) => &r.id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Rule::Validate(_) => "validate",
            Rule::Route(_) => "route",
            Rule::Conflict(_) => "conflict",
            Rule::Reconcile(_) => "reconcile",
            Rule::Alert(_) => "alert",
        }
    }

    /// The entity the rule is about, when it is about one.
    pub fn entity(&self) -> Option<&str> {
        match self {
            Rule::Validate(r) => Some(&r.entity),
            Rule::Route(r) => Some(&r.entity),
            Rule::Conflict(r) => Some(&r.entity),
            Rule::Reconcile(r) => Some(&r.entity),
            Rule::Alert(_) => None,
        }
    }

    /// The rule's unknown keys, kept verbatim.
    pub fn extra(&self) -> &Extra {
        match self {
            Rule::Validate(r) => &r.extra,
            Rule::Route(r) => &r.extra,
            Rule::Conflict(r) => &r.extra,
            Rule::Reconcile(r) => &r.extra,
            Rule::Alert(r) => &r.extra,
        }
    }

    fn extra_mut(&mut self) -> &mut Extra {
        match self {
            Rule::Validate(r) => &mut r.extra,
            Rule::Route(r) => &mut r.extra,
            Rule::Conflict(r) => &mut r.extra,
            Rule::Reconcile(r) => &mut r.extra,
            Rule::Alert(r) => &mut r.extra,
        }
    }

    /// The CEL condition, for rules that have one.
    pub fn condition(&self) -> Option<&str> {
        match self {
            Rule::Validate(r) => Some(&r.condition),
            Rule::Route(r) => Some(&r.condition),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ValidateAction {
    Reject,
    Quarantine,
    Flag,
}

impl ValidateAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ValidateAction::Reject => "reject",
            ValidateAction::Quarantine => "quarantine",
            ValidateAction::Flag => "flag",
        }
    }
}

/// A condition every record must satisfy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ValidateRule {
    pub id: String,
    pub entity: String,
    /// CEL over the entity's fields.
    pub condition: String,
    pub action: ValidateAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Unknown keys, kept verbatim (read and written by `Rule`'s serde impls).
    #[serde(skip)]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

/// Extra deliveries when the condition holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RouteRule {
    pub id: String,
    pub entity: String,
    pub condition: String,
    pub to: Vec<String>,
    /// Unknown keys, kept verbatim (read and written by `Rule`'s serde impls).
    #[serde(skip)]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum ConflictPolicy {
    OwnerWins,
    LastWriteWins,
    Version,
    Escalate,
}

impl ConflictPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictPolicy::OwnerWins => "owner-wins",
            ConflictPolicy::LastWriteWins => "last-write-wins",
            ConflictPolicy::Version => "version",
            ConflictPolicy::Escalate => "escalate",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConflictRule {
    pub id: String,
    pub entity: String,
    pub policy: ConflictPolicy,
    /// Unknown keys, kept verbatim (read and written by `Rule`'s serde impls).
    #[serde(skip)]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

/// Two or more systems' views of an entity must agree within a tolerance and
/// a window; with more than two, each is compared with the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ReconcileRule {
    pub id: String,
    pub entity: String,
    /// Two or more systems that own or hold the entity; each is compared
    /// with the first.
    pub systems: Vec<String>,
    pub fields: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_seconds: Option<u32>,
    /// Unknown keys, kept verbatim (read and written by `Rule`'s serde impls).
    #[serde(skip)]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum AlertMetric {
    AckRate,
    ErrorRate,
    LatencySeconds,
    StallSeconds,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AlertRule {
    pub id: String,
    pub flow: String,
    pub metric: AlertMetric,
    pub threshold: f64,
    pub window_seconds: u32,
    /// Unknown keys, kept verbatim (read and written by `Rule`'s serde impls).
    #[serde(skip)]
    #[schemars(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub extra: Extra,
}

/// A small insertion-ordered map keyed by string, so endpoints keep the order
/// the user wrote them in (and a one-field change stays a one-line diff).
pub mod indexmap_like {
    use schemars::JsonSchema;
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::fmt;
    use std::marker::PhantomData;

    #[derive(Debug, Clone, PartialEq)]
    pub struct OrderedMap<V> {
        entries: Vec<(String, V)>,
    }

    impl<V> Default for OrderedMap<V> {
        fn default() -> Self {
            OrderedMap {
                entries: Vec::new(),
            }
        }
    }

    impl<V> OrderedMap<V> {
        pub fn new() -> Self {
            Self::default()
        }
        pub fn get(&self, key: &str) -> Option<&V> {
            self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
        }
        pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
            self.entries
                .iter_mut()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
        }
        /// Inserts or replaces, keeping the position of an existing key.
        pub fn insert(&mut self, key: String, value: V) {
            match self.get_mut(&key) {
                Some(slot) => *slot = value,
                None => self.entries.push((key, value)),
            }
        }
        pub fn remove(&mut self, key: &str) -> Option<V> {
            let pos = self.entries.iter().position(|(k, _)| k == key)?;
            Some(self.entries.remove(pos).1)
        }
        pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
            self.entries.iter().map(|(k, v)| (k.as_str(), v))
        }
        pub fn keys(&self) -> impl Iterator<Item = &str> {
            self.entries.iter().map(|(k, _)| k.as_str())
        }
        pub fn len(&self) -> usize {
            self.entries.len()
        }
        pub fn is_empty(&self) -> bool {
            self.entries.is_empty()
        }
    }

    impl<V: Serialize> Serialize for OrderedMap<V> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(self.entries.len()))?;
            for (k, v) in &self.entries {
                map.serialize_entry(k, v)?;
            }
            map.end()
        }
    }

    impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct V2<V>(PhantomData<V>);
            impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
                type Value = OrderedMap<V>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an object keyed by environment")
                }
                fn visit_map<A: MapAccess<'de>>(
                    self,
                    mut access: A,
                ) -> Result<Self::Value, A::Error> {
                    let mut map = OrderedMap::new();
                    while let Some((k, v)) = access.next_entry::<String, V>()? {
                        map.insert(k, v);
                    }
                    Ok(map)
                }
            }
            deserializer.deserialize_map(V2(PhantomData))
        }
    }

    impl<V: JsonSchema> JsonSchema for OrderedMap<V> {
        fn schema_name() -> std::borrow::Cow<'static, str> {
            format!("Map_of_{}", V::schema_name()).into()
        }
        fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
            <std::collections::BTreeMap<String, V>>::json_schema(generator)
        }
    }
}
