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
use serde_json::{Map, Value};
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

/// Why a model could not be exported into a file.
#[derive(Debug, thiserror::Error)]
pub enum ExportFileError {
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The file could not be written; nothing was put in its place.
    #[error("cannot write: {0}")]
    Write(#[from] std::io::Error),
}

/// Exports `model` for the environment `env`.
///
/// The environment is checked first (an unknown one is a usage problem),
/// then the model: any finding of error severity refuses the export.
pub fn export(model: &Model, env: &str) -> Result<Exported, ExportError> {
    let mut config = checked_config(model, env)?;
    let text = seal(&mut config)?;
    Ok(Exported { config, text })
}

/// [`export`] straight into the file at `path`, with the same bytes, without
/// holding the text in memory: written to a temporary sibling, synced, then
/// renamed over `path`. Nothing is written when the export is refused.
/// Gives the configuration, `digest` filled in.
pub fn export_to_file(model: &Model, env: &str, path: &Path) -> Result<Config, ExportFileError> {
    let mut config = checked_config(model, env)?;
    crate::file::write_atomically_with(path, |file| seal_to(&mut config, file))?;
    Ok(config)
}

/// The configuration for `env`, unsealed, or why `model` may not be exported.
fn checked_config(model: &Model, env: &str) -> Result<Config, ExportError> {
    let declared = model.environment_names();
    if !declared.contains(&env) {
        return Err(unknown_environment(env, &declared));
    }
    // The checks and the mapping only read the model: run them side by side
    // (the mapping is thrown away when the checks refuse the export).
    let (findings, config) = std::thread::scope(|s| {
        match std::thread::Builder::new().spawn_scoped(s, || check(model)) {
            Ok(handle) => {
                let config = to_config(model, env);
                (handle.join().ok(), Some(config))
            }
            Err(_) => (None, None),
        }
    });
    let findings = findings.unwrap_or_else(|| check(model));
    let mut errors: Vec<Finding> = findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        errors = precondition_findings(model);
    }
    if !errors.is_empty() {
        return Err(ExportError::HasErrors(errors));
    }
    Ok(config.unwrap_or_else(|| to_config(model, env)))
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

/// What `digest` holds while the text is written, replaced afterwards by the
/// real digest (same length: `sha256:` and 64 hex digits).
const DIGEST_PLACEHOLDER: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// Fills in `config.digest` and returns the exact text to write.
///
/// The digest (canonical form + SHA-256) and the pretty text are independent
/// of each other, so they are computed on two threads; the text is written
/// with a placeholder digest of the same length, patched in place after.
fn seal(config: &mut Config) -> Result<String, ExportError> {
    config.digest = DIGEST_PLACEHOLDER.to_string();
    let (digest, text) = beside_digest(config, pretty_text);
    let digest = digest?;
    let mut text = text?;
    match placeholder_at(text.as_bytes()) {
        Some(i) => {
            text.replace_range(i..i + DIGEST_PLACEHOLDER.len(), &digest);
            config.digest = digest;
        }
        None => {
            config.digest = digest;
            text = pretty_text(config)?;
        }
    }
    Ok(text)
}

/// Where the document's placeholder digest starts in the beginning of its
/// pretty text, if it is there.
fn placeholder_at(head: &[u8]) -> Option<usize> {
    const KEY: &[u8] = b"\n  \"digest\": \"";
    // The first `digest` key on its own line at depth 1 is the document's
    // (`format`, `name`, `environment` and `generator` come before it and a
    // JSON string never holds a raw line break).
    let i = head.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    (head.get(i..i + DIGEST_PLACEHOLDER.len()) == Some(DIGEST_PLACEHOLDER.as_bytes())).then_some(i)
}

/// [`seal`] into `file`: the pretty text is written through a buffer while
/// the digest is computed, then the digest is written over the placeholder.
fn seal_to(config: &mut Config, file: &mut std::fs::File) -> Result<(), ExportFileError> {
    use std::io::{Seek, SeekFrom, Write};
    config.digest = DIGEST_PLACEHOLDER.to_string();
    let (digest, written) = beside_digest(config, |cfg| write_pretty(cfg, &mut *file));
    let head = written?;
    config.digest = digest?;
    match placeholder_at(&head) {
        Some(i) => {
            file.seek(SeekFrom::Start(i as u64))?;
            file.write_all(config.digest.as_bytes())?;
        }
        // Not in the part kept (a very long name): write it all again.
        None => {
            let text = pretty_text(config)?;
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// Runs `work` on `config` while its digest is computed on another thread
/// (the two are independent); one after the other when no thread is to be had.
fn beside_digest<R>(
    config: &Config,
    work: impl FnOnce(&Config) -> R,
) -> (Result<String, ExportError>, R) {
    std::thread::scope(|s| {
        match std::thread::Builder::new().spawn_scoped(s, || config_digest(config)) {
            Ok(handle) => {
                let done = work(config);
                let digest = handle.join().unwrap_or_else(|_| {
                    Err(ExportError::Serialize("the digest thread failed".into()))
                });
                (digest, done)
            }
            Err(_) => (config_digest(config), work(config)),
        }
    })
}

/// Writes the pretty text of `config` (as [`pretty_text`]) into `out`;
/// gives back the first bytes written, where the digest is.
fn write_pretty(config: &Config, out: &mut std::fs::File) -> std::io::Result<Vec<u8>> {
    /// Keeps a copy of the first `limit` bytes that go through it.
    struct Head<'f> {
        out: &'f mut std::fs::File,
        head: Vec<u8>,
        limit: usize,
    }
    impl std::io::Write for Head<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let n = self.out.write(buf)?;
            let keep = n.min(self.limit.saturating_sub(self.head.len()));
            self.head.extend_from_slice(&buf[..keep]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.out.flush()
        }
    }
    let head = Head {
        out,
        head: Vec::new(),
        limit: 64 * 1024,
    };
    let w = pretty_into(config, std::io::BufWriter::with_capacity(1 << 20, head))?;
    Ok(w.into_inner().map_err(|e| e.into_error())?.head)
}

/// The pretty text of a configuration: 2-space indentation, keys in field
/// order, one trailing newline.
fn pretty_text(config: &Config) -> Result<String, ExportError> {
    let items =
        config.systems.len() + config.entities.len() + config.flows.len() + config.rules.len();
    let buf = pretty_into(config, Vec::with_capacity(512 * items + 4096))
        .map_err(|e| ExportError::Serialize(e.to_string()))?;
    String::from_utf8(buf).map_err(|e| ExportError::Serialize(e.to_string()))
}

/// Writes the pretty text of `config` into `w`; gives `w` back.
fn pretty_into<W: std::io::Write>(config: &Config, mut w: W) -> std::io::Result<W> {
    serde_json::to_writer_pretty(&mut w, config)?;
    w.write_all(b"\n")?;
    Ok(w)
}

/// The names of the configuration's top-level members that the digest
/// covers (all but `digest`), in RFC 8785 order (all ASCII: byte order).
const DIGESTED_MEMBERS: [&str; 8] = [
    "entities",
    "environment",
    "flows",
    "format",
    "generator",
    "name",
    "rules",
    "systems",
];

/// `sha256:<hex>` of the RFC 8785 form of `config` without `digest`; the same
/// as [`digest_of`] on the configuration as a JSON value.
///
/// The top-level members are hashed in canonical order as they are written,
/// and the four lists element by element, so the canonical text of a large
/// configuration is never held whole (one element's bytes at a time).
fn config_digest(config: &Config) -> Result<String, ExportError> {
    // Exhaustive on purpose: a member added to `Config` must be added here
    // and to `DIGESTED_MEMBERS`, or this does not compile.
    let Config {
        format,
        name,
        environment,
        generator,
        digest: _,
        systems,
        entities,
        flows,
        rules,
    } = config;
    let [n_entities, n_environment, n_flows, n_format, n_generator, n_name, n_rules, n_systems] =
        DIGESTED_MEMBERS;
    let mut h = canonical::TopHasher::new();
    let hashed = (|| {
        h.list(n_entities, entities)?;
        h.member(n_environment, environment)?;
        h.list(n_flows, flows)?;
        h.member(n_format, format)?;
        h.member(n_generator, generator)?;
        h.member(n_name, name)?;
        h.list(n_rules, rules)?;
        h.list(n_systems, systems)
    })();
    match hashed {
        Ok(()) => Ok(hex_digest(&h.finish())),
        // Not expected: the canonical writer accepts everything a configuration holds.
        Err(_) => serde_json::to_value(config)
            .map(|v| digest_of(&v))
            .map_err(|e| ExportError::Serialize(e.to_string())),
    }
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
                ack_within_seconds: f.ack_within_seconds,
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
    // Maps built at their exact size: a large model has many of them.
    let mut properties = Map::with_capacity(entity.fields.len());
    for field in &entity.fields {
        properties.insert(field.name.clone(), field_schema(field));
    }
    let required: Vec<Value> = entity
        .fields
        .iter()
        .filter(|f| f.is_required())
        .map(|f| Value::String(f.name.clone()))
        .collect();
    object([
        ("$schema", Value::String(ENTITY_SCHEMA_DRAFT.to_string())),
        ("title", Value::String(entity.name.clone())),
        ("type", Value::String("object".to_string())),
        ("properties", Value::Object(properties)),
        ("required", Value::Array(required)),
        ("additionalProperties", Value::Bool(true)),
    ])
}

/// A JSON object of exactly these members, in this order.
fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    let mut map = Map::with_capacity(N);
    for (k, v) in members {
        map.insert(k.to_string(), v);
    }
    Value::Object(map)
}

fn field_schema(field: &Field) -> Value {
    let string = |s: &str| Value::String(s.to_string());
    match field.field_type {
        FieldType::String => object([("type", string("string"))]),
        FieldType::Integer => object([("type", string("integer"))]),
        FieldType::Number => object([("type", string("number"))]),
        FieldType::Boolean => object([("type", string("boolean"))]),
        FieldType::Date => object([("type", string("string")), ("format", string("date"))]),
        FieldType::Datetime => {
            object([("type", string("string")), ("format", string("date-time"))])
        }
        FieldType::Enum => match &field.values {
            Some(values) => object([
                ("type", string("string")),
                (
                    "enum",
                    Value::Array(values.iter().map(|v| string(v)).collect()),
                ),
            ]),
            None => object([("type", string("string"))]),
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
    let canonical = match canonical::sha256(doc, true) {
        Ok(hash) => return hex_digest(&hash),
        // Not expected (a JSON value has string keys only): the reference path.
        Err(_) => match doc {
            Value::Object(map) => {
                let mut m = map.clone();
                m.shift_remove("digest");
                serde_jcs::to_vec(&Value::Object(m))
            }
            other => serde_jcs::to_vec(other),
        }
        .unwrap_or_default(),
    };
    sha256_hex(&canonical)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex_digest(&Sha256::digest(bytes).into())
}

/// `sha256:` and the 64 lowercase hex digits of `hash`.
fn hex_digest(hash: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for &b in hash {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

/// RFC 8785 (JSON Canonicalization Scheme) written straight from any
/// `Serialize` value, without building a `serde_json::Value` first.
///
/// It gives the same bytes as `serde_jcs::to_vec(&serde_json::to_value(x)?)`:
/// members sorted by the UTF-16 code units of their names (a repeated name
/// keeps its last value), numbers as ECMAScript writes them (`ryu-js`, the
/// formatter serde_jcs uses; integers go through `f64` as there), strings
/// escaped as serde_json escapes them (`\"`, `\\`, `\b \f \n \r \t`, other
/// controls as `\u00xx`), no whitespace. A non-finite float is `null`, as
/// `serde_json::to_value` makes it.
///
/// Objects are written member after member into one buffer, then the
/// object's bytes are put in order by copying them once through a scratch
/// buffer, so nothing is allocated per member.
pub(crate) mod canonical {
    use serde::ser::{self, Serialize};
    use std::borrow::Cow;
    use std::cmp::Ordering;
    use std::fmt;

    #[derive(Debug)]
    pub struct Error(String);

    impl fmt::Display for Error {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for Error {}

    impl ser::Error for Error {
        fn custom<T: fmt::Display>(msg: T) -> Self {
            Error(msg.to_string())
        }
    }

    /// Canonical bytes of `value`; with `drop_top_digest`, a top-level
    /// member named `digest` is left out. (The export hashes with [`sha256`];
    /// the tests compare these bytes with serde_jcs.)
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn to_vec<T: Serialize + ?Sized>(
        value: &T,
        drop_top_digest: bool,
    ) -> Result<Vec<u8>, Error> {
        let mut c = Canon::new(drop_top_digest, false);
        value.serialize(&mut c)?;
        Ok(c.out)
    }

    /// SHA-256 of the canonical bytes of `value` (see [`to_vec`]). The
    /// top-level object's members are hashed in order where they were
    /// written, without being copied into place.
    pub fn sha256<T: Serialize + ?Sized>(
        value: &T,
        drop_top_digest: bool,
    ) -> Result<[u8; 32], Error> {
        use sha2::{Digest, Sha256};
        let mut c = Canon::new(drop_top_digest, true);
        value.serialize(&mut c)?;
        let mut hasher = Sha256::new();
        match &c.top {
            Some(ranges) => {
                hasher.update(b"{");
                for (i, &(start, end)) in ranges.iter().enumerate() {
                    if i > 0 {
                        hasher.update(b",");
                    }
                    hasher.update(&c.out[start..end]);
                }
                hasher.update(b"}");
            }
            None => hasher.update(&c.out),
        }
        Ok(hasher.finalize().into())
    }

    /// SHA-256 of a top-level object whose members the caller gives in
    /// canonical order (sorted names, each once): each member, and each
    /// element of a list member, is written canonically into a small buffer,
    /// hashed and dropped.
    pub struct TopHasher {
        c: Canon,
        hasher: sha2::Sha256,
        members: usize,
    }

    impl TopHasher {
        pub fn new() -> Self {
            use sha2::Digest;
            let mut hasher = sha2::Sha256::new();
            hasher.update(b"{");
            TopHasher {
                c: Canon::new(false, false),
                hasher,
                members: 0,
            }
        }

        /// Starts a member: its separator and `"name":` in the buffer.
        fn name(&mut self, name: &str) {
            self.c.out.clear();
            if self.members > 0 {
                self.c.out.push(b',');
            }
            self.members += 1;
            self.c.string(name);
            self.c.out.push(b':');
        }

        fn flush(&mut self) {
            use sha2::Digest;
            self.hasher.update(&self.c.out);
            self.c.out.clear();
        }

        /// A member whose value is written whole.
        pub fn member<T: Serialize + ?Sized>(
            &mut self,
            name: &str,
            value: &T,
        ) -> Result<(), Error> {
            self.name(name);
            value.serialize(&mut self.c)?;
            self.flush();
            Ok(())
        }

        /// A list member, hashed one element at a time.
        pub fn list<T: Serialize>(&mut self, name: &str, items: &[T]) -> Result<(), Error> {
            self.name(name);
            self.c.out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.c.out.push(b',');
                }
                item.serialize(&mut self.c)?;
                self.flush();
            }
            self.c.out.push(b']');
            self.flush();
            Ok(())
        }

        pub fn finish(mut self) -> [u8; 32] {
            use sha2::Digest;
            self.hasher.update(b"}");
            self.hasher.finalize().into()
        }
    }

    /// Where a member's name is: a field name, or the bytes written for a
    /// map key (between its quotes; `escaped` when they hold escapes).
    #[derive(Clone, Copy)]
    enum Key {
        Static(&'static str),
        Written {
            start: usize,
            end: usize,
            escaped: bool,
        },
    }

    #[derive(Clone, Copy)]
    struct Member {
        key: Key,
        /// `"name":value` is `out[start..end]`.
        start: usize,
        end: usize,
        dropped: bool,
    }

    pub struct Canon {
        out: Vec<u8>,
        /// With `defer_top`, the top-level object is not put in order in
        /// `out`: its members' ranges, in order, are kept here instead.
        defer_top: bool,
        top: Option<Vec<(usize, usize)>>,
        scratch: Vec<u8>,
        pool: Vec<Vec<Member>>,
        /// Objects open, the one being written included.
        depth: usize,
        drop_top_digest: bool,
    }

    fn key_str<'o>(out: &'o [u8], key: Key) -> Result<Cow<'o, str>, Error> {
        match key {
            Key::Static(s) => Ok(Cow::Borrowed(s)),
            Key::Written {
                start,
                end,
                escaped: false,
            } => std::str::from_utf8(&out[start..end])
                .map(Cow::Borrowed)
                .map_err(|e| Error(e.to_string())),
            Key::Written {
                start,
                end,
                escaped: true,
            } => serde_json::from_slice::<String>(&out[start - 1..end + 1])
                .map(Cow::Owned)
                .map_err(|e| Error(e.to_string())),
        }
    }

    /// Order of names by UTF-16 code units (RFC 8785 section 3.2.3). UTF-8
    /// byte order is code point order, which differs from UTF-16 order only
    /// when a character above U+FFFF (4 UTF-8 bytes) is involved.
    pub(crate) fn utf16_cmp(a: &str, b: &str) -> Ordering {
        if a.bytes().any(|x| x >= 0xf0) || b.bytes().any(|x| x >= 0xf0) {
            a.encode_utf16().cmp(b.encode_utf16())
        } else {
            a.as_bytes().cmp(b.as_bytes())
        }
    }

    impl Canon {
        fn new(drop_top_digest: bool, defer_top: bool) -> Self {
            Canon {
                out: Vec::with_capacity(4096),
                defer_top,
                top: None,
                scratch: Vec::new(),
                pool: Vec::new(),
                depth: 0,
                drop_top_digest,
            }
        }

        /// Writes `s` as a JSON string; tells whether anything was escaped.
        fn string(&mut self, s: &str) -> bool {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let out = &mut self.out;
            out.push(b'"');
            let bytes = s.as_bytes();
            let mut from = 0;
            let mut escaped = false;
            for (i, &b) in bytes.iter().enumerate() {
                let esc: &[u8] = match b {
                    b'"' => b"\\\"",
                    b'\\' => b"\\\\",
                    0x08 => b"\\b",
                    0x0c => b"\\f",
                    b'\n' => b"\\n",
                    b'\r' => b"\\r",
                    b'\t' => b"\\t",
                    0..=0x1f => &[
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        HEX[usize::from(b >> 4)],
                        HEX[usize::from(b & 0xf)],
                    ],
                    _ => continue,
                };
                out.extend_from_slice(&bytes[from..i]);
                out.extend_from_slice(esc);
                from = i + 1;
                escaped = true;
            }
            out.extend_from_slice(&bytes[from..]);
            out.push(b'"');
            escaped
        }

        fn number(&mut self, v: f64) {
            if v.is_finite() {
                let mut buf = ryu_js::Buffer::new();
                self.out.extend_from_slice(buf.format_finite(v).as_bytes());
            } else {
                self.out.extend_from_slice(b"null");
            }
        }

        fn begin_object(&mut self) -> Object<'_> {
            self.depth += 1;
            let members = self.pool.pop().unwrap_or_default();
            Object {
                start: self.out.len(),
                // The document itself, not an object inside a list.
                top: self.depth == 1 && self.out.is_empty(),
                members,
                pending: None,
                c: self,
            }
        }
    }

    pub struct Object<'a> {
        c: &'a mut Canon,
        start: usize,
        top: bool,
        members: Vec<Member>,
        /// A map key written, waiting for its value (`None` as key: skipped).
        pending: Option<(Option<Key>, usize)>,
    }

    impl Object<'_> {
        fn skip(&self, name: &str) -> bool {
            self.top && self.c.drop_top_digest && name == "digest"
        }

        fn field<T: Serialize + ?Sized>(
            &mut self,
            key: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            if self.skip(key) {
                return Ok(());
            }
            let start = self.c.out.len();
            self.c.string(key);
            self.c.out.push(b':');
            value.serialize(&mut *self.c)?;
            self.members.push(Member {
                key: Key::Static(key),
                start,
                end: self.c.out.len(),
                dropped: false,
            });
            Ok(())
        }

        fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
            let start = self.c.out.len();
            let written = key.serialize(KeyWriter { c: &mut *self.c })?;
            let k = Key::Written {
                start: start + 1,
                end: self.c.out.len() - 1,
                escaped: written,
            };
            if self.top
                && self.c.drop_top_digest
                && !written
                && &self.c.out[start..] == b"\"digest\""
            {
                self.c.out.truncate(start);
                self.pending = Some((None, start));
            } else {
                self.c.out.push(b':');
                self.pending = Some((Some(k), start));
            }
            Ok(())
        }

        fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
            match self.pending.take() {
                Some((Some(key), start)) => {
                    value.serialize(&mut *self.c)?;
                    self.members.push(Member {
                        key,
                        start,
                        end: self.c.out.len(),
                        dropped: false,
                    });
                    Ok(())
                }
                Some((None, _)) => Ok(()),
                None => Err(Error("a map value without its key".into())),
            }
        }

        fn end(self) -> Result<(), Error> {
            self.finish().map(|_| ())
        }
    }

    impl<'a> Object<'a> {
        /// Writes the object's members in order; gives the writer back.
        fn finish(self) -> Result<&'a mut Canon, Error> {
            let Object {
                c,
                start,
                top,
                mut members,
                ..
            } = self;
            let out = &c.out;
            let mut failed = None;
            members.sort_by(|a, b| match (key_str(out, a.key), key_str(out, b.key)) {
                (Ok(x), Ok(y)) => utf16_cmp(&x, &y),
                (Err(e), _) | (_, Err(e)) => {
                    failed = Some(e);
                    Ordering::Equal
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
            // A repeated name keeps its last value (the sort is stable).
            for i in 1..members.len() {
                if key_str(out, members[i - 1].key)? == key_str(out, members[i].key)? {
                    members[i - 1].dropped = true;
                }
            }
            if top && c.defer_top {
                c.top = Some(
                    members
                        .iter()
                        .filter(|m| !m.dropped)
                        .map(|m| (m.start, m.end))
                        .collect(),
                );
                c.depth -= 1;
                return Ok(c);
            }
            let mut scratch = std::mem::take(&mut c.scratch);
            scratch.clear();
            scratch.extend_from_slice(&c.out[start..]);
            let out = &mut c.out;
            out.truncate(start);
            out.push(b'{');
            let mut first = true;
            for m in members.iter().filter(|m| !m.dropped) {
                if !first {
                    out.push(b',');
                }
                first = false;
                out.extend_from_slice(&scratch[m.start - start..m.end - start]);
            }
            out.push(b'}');
            c.scratch = scratch;
            c.depth -= 1;
            members.clear();
            c.pool.push(members);
            Ok(c)
        }
    }

    pub struct Array<'a> {
        c: &'a mut Canon,
        first: bool,
    }

    impl Array<'_> {
        fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
            if !self.first {
                self.c.out.push(b',');
            }
            self.first = false;
            value.serialize(&mut *self.c)
        }

        fn end(self) -> Result<(), Error> {
            self.c.out.push(b']');
            Ok(())
        }
    }

    /// `{"variant":...}` around a newtype, tuple or struct variant.
    pub struct Wrapped<T> {
        inner: T,
    }

    impl<'a> ser::Serializer for &'a mut Canon {
        type Ok = ();
        type Error = Error;
        type SerializeSeq = Array<'a>;
        type SerializeTuple = Array<'a>;
        type SerializeTupleStruct = Array<'a>;
        type SerializeTupleVariant = Wrapped<Array<'a>>;
        type SerializeMap = Object<'a>;
        type SerializeStruct = Object<'a>;
        type SerializeStructVariant = Wrapped<Object<'a>>;

        fn serialize_bool(self, v: bool) -> Result<(), Error> {
            self.out
                .extend_from_slice(if v { b"true" } else { b"false" });
            Ok(())
        }
        fn serialize_i8(self, v: i8) -> Result<(), Error> {
            self.number(f64::from(v));
            Ok(())
        }
        fn serialize_i16(self, v: i16) -> Result<(), Error> {
            self.number(f64::from(v));
            Ok(())
        }
        fn serialize_i32(self, v: i32) -> Result<(), Error> {
            self.number(f64::from(v));
            Ok(())
        }
        #[allow(clippy::cast_precision_loss)]
        fn serialize_i64(self, v: i64) -> Result<(), Error> {
            self.number(v as f64);
            Ok(())
        }
        #[allow(clippy::cast_precision_loss)]
        fn serialize_i128(self, v: i128) -> Result<(), Error> {
            self.number(v as f64);
            Ok(())
        }
        fn serialize_u8(self, v: u8) -> Result<(), Error> {
            self.number(f64::from(v));
            Ok(())
        }
        fn serialize_u16(self, v: u16) -> Result<(), Error> {
            self.number(f64::from(v));
            Ok(())
        }
        fn serialize_u32(self, v: u32) -> Result<(), Error> {
            self.number(f64::from(v));
            Ok(())
        }
        #[allow(clippy::cast_precision_loss)]
        fn serialize_u64(self, v: u64) -> Result<(), Error> {
            self.number(v as f64);
            Ok(())
        }
        #[allow(clippy::cast_precision_loss)]
        fn serialize_u128(self, v: u128) -> Result<(), Error> {
            self.number(v as f64);
            Ok(())
        }
        fn serialize_f32(self, v: f32) -> Result<(), Error> {
            self.number(f64::from(v));
            Ok(())
        }
        fn serialize_f64(self, v: f64) -> Result<(), Error> {
            self.number(v);
            Ok(())
        }
        fn serialize_char(self, v: char) -> Result<(), Error> {
            self.string(v.encode_utf8(&mut [0; 4]));
            Ok(())
        }
        fn serialize_str(self, v: &str) -> Result<(), Error> {
            self.string(v);
            Ok(())
        }
        fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
            use ser::SerializeSeq;
            let mut seq = self.serialize_seq(Some(v.len()))?;
            for b in v {
                seq.serialize_element(b)?;
            }
            seq.end()
        }
        fn serialize_none(self) -> Result<(), Error> {
            self.out.extend_from_slice(b"null");
            Ok(())
        }
        fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
            value.serialize(self)
        }
        fn serialize_unit(self) -> Result<(), Error> {
            self.serialize_none()
        }
        fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
            self.serialize_none()
        }
        fn serialize_unit_variant(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
        ) -> Result<(), Error> {
            self.string(variant);
            Ok(())
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _name: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            value.serialize(self)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            let mut o = self.begin_object();
            o.field(variant, value)?;
            o.end()
        }
        fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'a>, Error> {
            self.out.push(b'[');
            Ok(Array {
                c: self,
                first: true,
            })
        }
        fn serialize_tuple(self, len: usize) -> Result<Array<'a>, Error> {
            self.serialize_seq(Some(len))
        }
        fn serialize_tuple_struct(
            self,
            _name: &'static str,
            len: usize,
        ) -> Result<Array<'a>, Error> {
            self.serialize_seq(Some(len))
        }
        fn serialize_tuple_variant(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
            _len: usize,
        ) -> Result<Wrapped<Array<'a>>, Error> {
            // `{"variant":[...]}`: one member, so nothing to sort.
            self.depth += 1;
            self.out.push(b'{');
            self.string(variant);
            self.out.extend_from_slice(b":[");
            Ok(Wrapped {
                inner: Array {
                    c: self,
                    first: true,
                },
            })
        }
        fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a>, Error> {
            Ok(self.begin_object())
        }
        fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Object<'a>, Error> {
            Ok(self.begin_object())
        }
        fn serialize_struct_variant(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
            _len: usize,
        ) -> Result<Wrapped<Object<'a>>, Error> {
            self.depth += 1;
            self.out.push(b'{');
            self.string(variant);
            self.out.push(b':');
            Ok(Wrapped {
                inner: self.begin_object(),
            })
        }
    }

    /// Writes a map key as a JSON string (what `serde_json::to_value` makes of
    /// it); gives whether anything was escaped. Keys that are neither strings
    /// nor integers, booleans or unit variants are refused.
    struct KeyWriter<'a> {
        c: &'a mut Canon,
    }

    fn key_error() -> Error {
        Error("a map key must be a string".into())
    }

    impl KeyWriter<'_> {
        fn display(self, v: impl fmt::Display) -> Result<bool, Error> {
            Ok(self.c.string(&v.to_string()))
        }
    }

    impl ser::Serializer for KeyWriter<'_> {
        type Ok = bool;
        type Error = Error;
        type SerializeSeq = ser::Impossible<bool, Error>;
        type SerializeTuple = ser::Impossible<bool, Error>;
        type SerializeTupleStruct = ser::Impossible<bool, Error>;
        type SerializeTupleVariant = ser::Impossible<bool, Error>;
        type SerializeMap = ser::Impossible<bool, Error>;
        type SerializeStruct = ser::Impossible<bool, Error>;
        type SerializeStructVariant = ser::Impossible<bool, Error>;

        fn serialize_bool(self, v: bool) -> Result<bool, Error> {
            self.display(v)
        }
        fn serialize_i8(self, v: i8) -> Result<bool, Error> {
            self.display(v)
        }
        fn serialize_i16(self, v: i16) -> Result<bool, Error> {
            self.display(v)
        }
        fn serialize_i32(self, v: i32) -> Result<bool, Error> {
            self.display(v)
        }
        fn serialize_i64(self, v: i64) -> Result<bool, Error> {
            self.display(v)
        }
        fn serialize_i128(self, v: i128) -> Result<bool, Error> {
            self.display(v)
        }
        fn serialize_u8(self, v: u8) -> Result<bool, Error> {
            self.display(v)
        }
        fn serialize_u16(self, v: u16) -> Result<bool, Error> {
            self.display(v)
        }
        fn serialize_u32(self, v: u32) -> Result<bool, Error> {
            self.display(v)
        }
        fn serialize_u64(self, v: u64) -> Result<bool, Error> {
            self.display(v)
        }
        fn serialize_u128(self, v: u128) -> Result<bool, Error> {
            self.display(v)
        }
        fn serialize_f32(self, _v: f32) -> Result<bool, Error> {
            Err(key_error())
        }
        fn serialize_f64(self, _v: f64) -> Result<bool, Error> {
            Err(key_error())
        }
        fn serialize_char(self, v: char) -> Result<bool, Error> {
            Ok(self.c.string(v.encode_utf8(&mut [0; 4])))
        }
        fn serialize_str(self, v: &str) -> Result<bool, Error> {
            Ok(self.c.string(v))
        }
        fn serialize_bytes(self, _v: &[u8]) -> Result<bool, Error> {
            Err(key_error())
        }
        fn serialize_none(self) -> Result<bool, Error> {
            Err(key_error())
        }
        fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<bool, Error> {
            Err(key_error())
        }
        fn serialize_unit(self) -> Result<bool, Error> {
            Err(key_error())
        }
        fn serialize_unit_struct(self, _name: &'static str) -> Result<bool, Error> {
            Err(key_error())
        }
        fn serialize_unit_variant(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
        ) -> Result<bool, Error> {
            Ok(self.c.string(variant))
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _name: &'static str,
            value: &T,
        ) -> Result<bool, Error> {
            value.serialize(self)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _name: &'static str,
            _index: u32,
            _variant: &'static str,
            _value: &T,
        ) -> Result<bool, Error> {
            Err(key_error())
        }
        fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
            Err(key_error())
        }
        fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
            Err(key_error())
        }
        fn serialize_tuple_struct(
            self,
            _name: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeTupleStruct, Error> {
            Err(key_error())
        }
        fn serialize_tuple_variant(
            self,
            _name: &'static str,
            _index: u32,
            _variant: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeTupleVariant, Error> {
            Err(key_error())
        }
        fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
            Err(key_error())
        }
        fn serialize_struct(
            self,
            _name: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeStruct, Error> {
            Err(key_error())
        }
        fn serialize_struct_variant(
            self,
            _name: &'static str,
            _index: u32,
            _variant: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeStructVariant, Error> {
            Err(key_error())
        }
    }

    impl ser::SerializeSeq for Array<'_> {
        type Ok = ();
        type Error = Error;
        fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
            self.element(value)
        }
        fn end(self) -> Result<(), Error> {
            Array::end(self)
        }
    }

    impl ser::SerializeTuple for Array<'_> {
        type Ok = ();
        type Error = Error;
        fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
            self.element(value)
        }
        fn end(self) -> Result<(), Error> {
            Array::end(self)
        }
    }

    impl ser::SerializeTupleStruct for Array<'_> {
        type Ok = ();
        type Error = Error;
        fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
            self.element(value)
        }
        fn end(self) -> Result<(), Error> {
            Array::end(self)
        }
    }

    impl ser::SerializeTupleVariant for Wrapped<Array<'_>> {
        type Ok = ();
        type Error = Error;
        fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
            self.inner.element(value)
        }
        fn end(self) -> Result<(), Error> {
            let c = self.inner.c;
            c.out.extend_from_slice(b"]}");
            c.depth -= 1;
            Ok(())
        }
    }

    impl ser::SerializeMap for Object<'_> {
        type Ok = ();
        type Error = Error;
        fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
            self.key(key)
        }
        fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
            self.value(value)
        }
        fn end(self) -> Result<(), Error> {
            Object::end(self)
        }
    }

    impl ser::SerializeStruct for Object<'_> {
        type Ok = ();
        type Error = Error;
        fn serialize_field<T: Serialize + ?Sized>(
            &mut self,
            key: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            self.field(key, value)
        }
        fn end(self) -> Result<(), Error> {
            Object::end(self)
        }
    }

    impl ser::SerializeStructVariant for Wrapped<Object<'_>> {
        type Ok = ();
        type Error = Error;
        fn serialize_field<T: Serialize + ?Sized>(
            &mut self,
            key: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            self.inner.field(key, value)
        }
        fn end(self) -> Result<(), Error> {
            let c = self.inner.finish()?;
            c.out.push(b'}');
            c.depth -= 1;
            Ok(())
        }
    }
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::config::ConfigValidate;
    use proptest::prelude::*;
    use serde_json::json;

    /// The reference: serde_jcs over the configuration as a JSON value.
    fn reference_bytes(doc: &Value) -> Vec<u8> {
        let mut doc = doc.clone();
        if let Value::Object(m) = &mut doc {
            m.shift_remove("digest");
        }
        serde_jcs::to_vec(&doc).unwrap()
    }

    fn assert_same_as_reference(config: &Config) {
        let value = serde_json::to_value(config).unwrap();
        let fast = canonical::to_vec(config, true).unwrap();
        let reference = reference_bytes(&value);
        assert_eq!(
            String::from_utf8_lossy(&fast),
            String::from_utf8_lossy(&reference)
        );
        assert_eq!(config_digest(config).unwrap(), sha256_hex(&reference));
        assert_eq!(canonical::to_vec(&value, true).unwrap(), reference);
    }

    #[test]
    fn canonical_bytes_match_serde_jcs_on_the_samples() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if !path.to_string_lossy().ends_with(".model.json") {
                continue;
            }
            let model = crate::file::read_model_file(&path).unwrap();
            for env in model.environment_names() {
                let out = export_preview(&model, env).unwrap();
                assert_same_as_reference(&out.config);
                // The sealed text carries the digest of its own content.
                let back: Value = serde_json::from_str(&out.text).unwrap();
                assert_eq!(sha256_hex(&reference_bytes(&back)), out.config.digest);
                assert_eq!(back["digest"], Value::String(out.config.digest.clone()));
                seen += 1;
            }
        }
        assert!(seen >= 3, "expected sample configurations, found {seen}");
    }

    #[test]
    fn the_digest_hashes_every_member_but_digest_in_canonical_order() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ecommerce.model.json");
        let model = crate::file::read_model_file(&path).unwrap();
        let config = export_preview(&model, "prod").unwrap().config;
        let value = serde_json::to_value(&config).unwrap();
        let mut names: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "digest")
            .collect();
        names.sort_by(|a, b| canonical::utf16_cmp(a, b));
        assert_eq!(names, DIGESTED_MEMBERS);
        // Empty lists and a single element hash as serde_jcs writes them.
        let mut small = config.clone();
        small.systems.truncate(1);
        small.entities.clear();
        small.flows.clear();
        small.rules.truncate(1);
        assert_same_as_reference(&small);
        // Any change to a member changes the digest; `digest` itself does not.
        let mut renamed = config.clone();
        renamed.flows[0].id.push('x');
        assert_ne!(
            config_digest(&renamed).unwrap(),
            config_digest(&config).unwrap()
        );
        let mut other = config.clone();
        other.digest = "sha256:whatever".into();
        assert_eq!(
            config_digest(&other).unwrap(),
            config_digest(&config).unwrap()
        );
    }

    const AWKWARD_STRINGS: &[&str] = &[
        "",
        "plain",
        "quote \" backslash \\ slash /",
        "controls \u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\u{7f}",
        "latin é ß, cjk 漢字, rtl עברית",
        "astral 😀 𝄞 and \u{e000}\u{fffd}\u{ffff}",
        "\u{2028}\u{2029} line separators",
    ];

    const AWKWARD_NUMBERS: &[f64] = &[
        0.0,
        -0.0,
        0.1,
        -0.1,
        1.0,
        1e21,
        1e20,
        123456789012345680000.0,
        1e-7,
        1e-6,
        5e-324,
        f64::MAX,
        f64::MIN_POSITIVE,
        9007199254740993.0,
        0.98,
        333333333.3333333,
        -1e300,
    ];

    #[test]
    fn canonical_bytes_match_serde_jcs_on_awkward_configurations() {
        let mut config = Config {
            format: CONFIG_FORMAT.into(),
            name: String::new(),
            environment: "prod".into(),
            generator: "charter test".into(),
            digest: "sha256:whatever".into(),
            systems: vec![],
            entities: vec![],
            flows: vec![],
            rules: vec![],
        };
        for (i, s) in AWKWARD_STRINGS.iter().enumerate() {
            config.rules.push(ConfigRule::Validate(ConfigValidate {
                id: format!("r{i}"),
                entity: s.to_string(),
                condition: s.to_string(),
                action: crate::model::ValidateAction::Flag,
                message: Some(s.to_string()),
            }));
        }
        for (i, n) in AWKWARD_NUMBERS.iter().enumerate() {
            config.rules.push(ConfigRule::Reconcile(ConfigReconcile {
                id: format!("n{i}"),
                entity: "e".into(),
                systems: vec![],
                fields: AWKWARD_STRINGS.iter().map(|s| s.to_string()).collect(),
                tolerance: *n,
                within_seconds: Some(u32::MAX),
            }));
            config.rules.push(ConfigRule::Alert(ConfigAlert {
                id: format!("a{i}"),
                flow: "f".into(),
                metric: crate::model::AlertMetric::ErrorRate,
                threshold: -*n,
                window_seconds: 0,
            }));
        }
        // Awkward member names, in the only free-form object of a configuration.
        let mut props = Map::new();
        for s in AWKWARD_STRINGS.iter().rev() {
            props.insert(s.to_string(), json!({ "type": "string", "n": 1e21 }));
        }
        config.entities.push(ConfigEntity {
            id: "e".into(),
            name: AWKWARD_STRINGS[5].into(),
            owner: "s".into(),
            key: "k".into(),
            copies: vec![],
            steward: None,
            monetary: false,
            consistency_window_seconds: None,
            conflict_policy: ConflictPolicy::Version,
            schema: json!({ "properties": props, "b": [1, -0.0, 0.5, u64::MAX, i64::MIN] }),
        });
        for s in AWKWARD_STRINGS {
            config.name = s.to_string();
            assert_same_as_reference(&config);
        }
    }

    #[test]
    fn sealed_text_is_the_plain_pretty_text_with_the_digest() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let model = crate::file::read_model_file(&dir.join("ecommerce.model.json")).unwrap();
        let out = export_preview(&model, "prod").unwrap();
        let mut expected = serde_json::to_string_pretty(&out.config).unwrap();
        expected.push('\n');
        assert_eq!(out.text, expected);
        assert_ne!(out.config.digest, DIGEST_PLACEHOLDER);
    }

    #[test]
    fn top_level_digest_is_dropped_only_at_the_top() {
        let doc = json!({ "digest": "x", "a": { "digest": "kept" }, "\u{64}igest2": 1 });
        assert_eq!(
            canonical::to_vec(&doc, true).unwrap(),
            br#"{"a":{"digest":"kept"},"digest2":1}"#.to_vec()
        );
        assert_eq!(
            canonical::to_vec(&doc, false).unwrap(),
            serde_jcs::to_vec(&doc).unwrap()
        );
        let list = json!([{ "digest": "kept", "b": 1 }, { "a": { "digest": 2 } }]);
        assert_eq!(
            canonical::to_vec(&list, true).unwrap(),
            serde_jcs::to_vec(&list).unwrap()
        );
        assert_eq!(
            digest_of(&list),
            sha256_hex(&serde_jcs::to_vec(&list).unwrap())
        );
    }

    fn awkward_string() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(AWKWARD_STRINGS).prop_map(str::to_string),
            any::<String>(),
            "[a-c\u{e000}\u{ffff}\u{10000}\u{10ffff}\"\\\\\u{0}-\u{1f}]{0,6}",
        ]
    }

    fn number() -> impl Strategy<Value = Value> {
        prop_oneof![
            proptest::sample::select(AWKWARD_NUMBERS).prop_map(|n| json!(n)),
            any::<f64>()
                .prop_filter("finite", |n| n.is_finite())
                .prop_map(|n| json!(n)),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            number(),
            awkward_string().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((awkward_string(), inner), 0..8)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn canonical_bytes_match_serde_jcs_on_any_json(doc in json_value()) {
            prop_assert_eq!(canonical::to_vec(&doc, false).unwrap(), serde_jcs::to_vec(&doc).unwrap());
            prop_assert_eq!(canonical::to_vec(&doc, true).unwrap(), reference_bytes(&doc));
            prop_assert_eq!(digest_of(&doc), sha256_hex(&reference_bytes(&doc)));
        }
    }
}
