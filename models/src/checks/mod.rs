//! Checks: every finding of a model in one pass. Each finding has a stable
//! code (declared once, in [`FindingCode`], and documented in docs/checks.md),
//! a severity, the id of its subject, a one-line message in workshop language
//! and a suggested fix.
//!
//! The pass is linear in the size of the model: ids are indexed once, flows
//! are grouped by entity once, and the loop detection and reachability work
//! on one small graph per entity. CEL conditions are checked once per
//! distinct (condition, entity) pair, on several threads for large models.

mod codes;
mod secrets;

pub use codes::FindingCode;

use crate::conditions::{check_condition, ConditionProblem};
use crate::file::did_you_mean;
use crate::model::{
    AlertMetric, Entity, Flow, Model, Pattern, ReconcileRule, Rule, System, Trigger,
    DEFAULT_ACK_WITHIN_SECONDS,
};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

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

/// The subject of findings about the model as a whole (its unknown keys).
pub const MODEL_SUBJECT: &str = "model";

/// Every finding of the model, errors first, in a deterministic order:
/// by severity, then in model order (the model itself, systems, entities,
/// flows, rules, each in list order), then in the order the checks run.
pub fn check(model: &Model) -> Vec<Finding> {
    let mut cx = Context::new(model);
    cx.check_duplicates();
    cx.check_model_extra();
    cx.check_systems();
    cx.check_entities();
    cx.check_flows();
    cx.check_entity_graphs();
    cx.check_rules();
    cx.finish()
}

/// Where a finding sits in model order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Model,
    System,
    Entity,
    Flow,
    Rule,
}

struct Pending {
    code: FindingCode,
    section: Section,
    index: usize,
    subject: String,
    message: String,
    fix: String,
}

/// How many string comparisons "did you mean" may spend in one pass, so a
/// model full of unknown names stays linear.
const SUGGESTION_BUDGET: usize = 2_000_000;

/// Above this many distinct conditions, they are checked on several threads.
const PARALLEL_CONDITIONS: usize = 2048;

struct Context<'m> {
    model: &'m Model,
    systems: FastMap<&'m str, usize>,
    entities: FastMap<&'m str, usize>,
    flows: FastMap<&'m str, usize>,
    /// Second uses of an id: (section, index, index of the first use).
    duplicates: Vec<(Section, usize, usize)>,
    /// Resolved copies of each entity, parallel to `copies` (CSR layout).
    copy_start: Vec<usize>,
    copy_refs: Vec<Option<usize>>,
    /// Resolved references of each flow: (entity, from, to).
    flow_refs: Vec<(Option<usize>, Option<usize>, Option<usize>)>,
    /// Owner of each entity, when it is a known system.
    owners: Vec<Option<usize>>,
    /// Flows of each entity (by index), in model order: a CSR layout.
    by_entity_start: Vec<usize>,
    by_entity: Vec<usize>,
    /// Systems named by some entity, flow or rule.
    mentioned: Vec<bool>,
    /// Systems that appear in a flow.
    used: Vec<bool>,
    suggestions: HashMap<(u8, String), Option<String>>,
    suggestion_cost: usize,
    /// The last (entity, idempotency key) found valid.
    key_checked: Option<(usize, &'m str)>,
    out: Vec<Pending>,
}

/// Index of the first use of each id; second uses go to `duplicates`.
fn first_index<'m>(
    ids: impl Iterator<Item = &'m str>,
    cap: usize,
    section: Section,
    duplicates: &mut Vec<(Section, usize, usize)>,
) -> FastMap<&'m str, usize> {
    let mut map = FastMap::with_capacity_and_hasher(cap, Default::default());
    for (i, id) in ids.enumerate() {
        match map.entry(id) {
            std::collections::hash_map::Entry::Occupied(first) => {
                duplicates.push((section, i, *first.get()));
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }
    map
}

/// "flow `x`", "entity `y` (copies)": formatted only when a message is made.
#[derive(Clone, Copy)]
struct Named<'a> {
    kind: &'a str,
    id: &'a str,
    part: &'a str,
}

impl<'a> Named<'a> {
    fn new(kind: &'a str, id: &'a str) -> Self {
        Named { kind, id, part: "" }
    }
    fn part(self, part: &'a str) -> Self {
        Named { part, ..self }
    }
}

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`{}", self.kind, self.id, self.part)
    }
}

/// The Fx hash (as in rustc) with a final mix: much faster than SipHash on
/// short ids, and models are local input, so hash flooding is no concern.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    /// The multiply only carries entropy upwards, and ids often differ only
    /// in their last characters (the high bytes of a word): fold the high
    /// bits down so the table index (low bits) sees them.
    #[inline]
    fn finish(&self) -> u64 {
        let h = self.hash;
        (h ^ (h >> 32)).wrapping_mul(0xff51_afd7_ed55_8ccd) ^ (h >> 29)
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The systems that hold an entity: its owner, then its copy holders, once
/// each, in model order.
pub(crate) fn holders(e: &Entity) -> Vec<&str> {
    let mut holders: Vec<&str> = Vec::new();
    for h in e.owner.iter().chain(e.copies.iter()) {
        if !h.trim().is_empty() && !holders.contains(&h.as_str()) {
            holders.push(h);
        }
    }
    holders
}

/// The deadline of acks on a flow of `entity` that sets none, in words.
fn default_ack_deadline(entity: Option<&Entity>) -> String {
    match entity.and_then(|e| e.consistency_window_seconds.map(|w| (e, w))) {
        Some((e, w)) => format!("the consistency window of {}, {w} s", e.name),
        None => format!("{DEFAULT_ACK_WITHIN_SECONDS} s"),
    }
}

/// `a`, `b` and `c` (ids quoted).
fn quoted_list<S: AsRef<str>>(items: &[S]) -> String {
    let q: Vec<String> = items.iter().map(|s| format!("`{}`", s.as_ref())).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        n if n > 6 => format!("{} and {} more", q[..5].join(", "), n - 5),
        n => format!("{} and {}", q[..n - 1].join(", "), q[n - 1]),
    }
}

impl<'m> Context<'m> {
    fn new(model: &'m Model) -> Self {
        let mut duplicates = Vec::new();
        let systems = first_index(
            model.systems.iter().map(|s| s.id.as_str()),
            model.systems.len(),
            Section::System,
            &mut duplicates,
        );
        let entities = first_index(
            model.entities.iter().map(|e| e.id.as_str()),
            model.entities.len(),
            Section::Entity,
            &mut duplicates,
        );
        let flows = first_index(
            model.flows.iter().map(|f| f.id.as_str()),
            model.flows.len(),
            Section::Flow,
            &mut duplicates,
        );
        let rules = model.rules();
        let _ = first_index(
            rules.iter().map(Rule::id),
            rules.len(),
            Section::Rule,
            &mut duplicates,
        );
        let mut copy_start = Vec::with_capacity(model.entities.len() + 1);
        let mut copy_refs = Vec::new();
        copy_start.push(0);
        for e in &model.entities {
            copy_refs.extend(e.copies.iter().map(|c| systems.get(c.as_str()).copied()));
            copy_start.push(copy_refs.len());
        }
        let owners: Vec<Option<usize>> = model
            .entities
            .iter()
            .map(|e| e.owner.as_deref().and_then(|o| systems.get(o).copied()))
            .collect();
        // Flows usually come grouped by entity and sender: remember the last
        // lookups (a hit costs one short comparison instead of a probe).
        let mut last_entity: (&str, Option<usize>) = ("", None);
        let mut last_from: (&str, Option<usize>) = ("", None);
        let flow_refs: Vec<_> = model
            .flows
            .iter()
            .map(|f| {
                if f.entity.is_empty() || f.entity != last_entity.0 {
                    last_entity = (f.entity.as_str(), entities.get(f.entity.as_str()).copied());
                }
                if f.from.is_empty() || f.from != last_from.0 {
                    last_from = (f.from.as_str(), systems.get(f.from.as_str()).copied());
                }
                (
                    last_entity.1,
                    last_from.1,
                    systems.get(f.to.as_str()).copied(),
                )
            })
            .collect();
        // Group flows by entity (counting sort keeps model order).
        let n_entities = model.entities.len();
        let mut counts = vec![0usize; n_entities + 1];
        for (e, _, _) in &flow_refs {
            if let Some(e) = e {
                counts[*e + 1] += 1;
            }
        }
        for i in 0..n_entities {
            counts[i + 1] += counts[i];
        }
        let by_entity_start = counts.clone();
        let mut next = counts;
        let mut by_entity = vec![0usize; by_entity_start[n_entities]];
        for (fi, (e, _, _)) in flow_refs.iter().enumerate() {
            if let Some(e) = e {
                by_entity[next[*e]] = fi;
                next[*e] += 1;
            }
        }
        let n_systems = model.systems.len();
        let mut used = vec![false; n_systems];
        let mut mentioned = vec![false; n_systems];
        for (_, from, to) in &flow_refs {
            for s in [from, to].into_iter().flatten() {
                used[*s] = true;
                mentioned[*s] = true;
            }
        }
        for s in owners.iter().chain(copy_refs.iter()).flatten() {
            mentioned[*s] = true;
        }
        for r in model.rules() {
            let ids: &[String] = match r {
                Rule::Route(r) => &r.to,
                Rule::Reconcile(r) => &r.systems,
                _ => &[],
            };
            for id in ids {
                if let Some(&s) = systems.get(id.as_str()) {
                    mentioned[s] = true;
                    // A route target receives deliveries: it needs endpoints.
                    if matches!(r, Rule::Route(_)) {
                        used[s] = true;
                    }
                }
            }
        }
        Context {
            model,
            systems,
            entities,
            flows,
            duplicates,
            copy_start,
            copy_refs,
            flow_refs,
            owners,
            by_entity_start,
            by_entity,
            mentioned,
            used,
            suggestions: HashMap::new(),
            suggestion_cost: 0,
            key_checked: None,
            out: Vec::new(),
        }
    }

    fn push(
        &mut self,
        code: FindingCode,
        section: Section,
        index: usize,
        subject: &str,
        message: String,
        fix: String,
    ) {
        self.out.push(Pending {
            code,
            section,
            index,
            subject: subject.to_string(),
            message,
            fix,
        });
    }

    fn finish(self) -> Vec<Finding> {
        let mut out = self.out;
        out.sort_by_key(|p| (p.code.severity(), p.section, p.index));
        out.into_iter()
            .map(|p| Finding {
                severity: p.code.severity(),
                code: p.code.as_str().to_string(),
                subject: p.subject,
                message: p.message,
                fix: Some(p.fix),
            })
            .collect()
    }

    /// "; did you mean `x`?" for an unknown id of a kind (0 system, 1 entity,
    /// 2 flow), cached per name and bounded in total cost.
    fn hint(&mut self, kind: u8, name: &str) -> String {
        let key = (kind, name.to_string());
        if let Some(cached) = self.suggestions.get(&key) {
            return cached
                .as_ref()
                .map(|m| format!("; did you mean `{m}`?"))
                .unwrap_or_default();
        }
        let model = self.model;
        let count = match kind {
            0 => model.systems.len(),
            1 => model.entities.len(),
            _ => model.flows.len(),
        };
        let found = if self.suggestion_cost + count <= SUGGESTION_BUDGET {
            self.suggestion_cost += count;
            match kind {
                0 => did_you_mean(name, model.systems.iter().map(|s| s.id.as_str())),
                1 => did_you_mean(name, model.entities.iter().map(|e| e.id.as_str())),
                _ => did_you_mean(name, model.flows.iter().map(|f| f.id.as_str())),
            }
            .map(str::to_string)
        } else {
            None
        };
        let text = found
            .as_ref()
            .map(|m| format!("; did you mean `{m}`?"))
            .unwrap_or_default();
        self.suggestions.insert(key, found);
        text
    }

    fn field_hint(entity: &Entity, name: &str) -> String {
        did_you_mean(name, entity.fields.iter().map(|f| f.name.as_str()))
            .map(|m| format!("; did you mean `{m}`?"))
            .unwrap_or_default()
    }

    /// Reports an unknown system reference, unless it is known.
    fn system_ref(
        &mut self,
        section: Section,
        index: usize,
        subject: &str,
        what: &dyn fmt::Display,
        id: &str,
    ) -> Option<usize> {
        if let Some(&s) = self.systems.get(id) {
            return Some(s);
        }
        let hint = self.hint(0, id);
        self.push(
            FindingCode::UnknownReference,
            section,
            index,
            subject,
            format!("{what} names system `{id}`, which is not in the model{hint}"),
            format!("use the id of an existing system, or add system `{id}`"),
        );
        None
    }

    fn entity_ref(
        &mut self,
        section: Section,
        index: usize,
        subject: &str,
        what: &dyn fmt::Display,
        id: &str,
    ) -> Option<usize> {
        if let Some(&e) = self.entities.get(id) {
            return Some(e);
        }
        let hint = self.hint(1, id);
        self.push(
            FindingCode::UnknownReference,
            section,
            index,
            subject,
            format!("{what} is about entity `{id}`, which is not in the model{hint}"),
            format!("use the id of an existing entity, or add entity `{id}`"),
        );
        None
    }

    fn field_ref(
        &mut self,
        section: Section,
        index: usize,
        subject: &str,
        what: &dyn fmt::Display,
        entity: &Entity,
        field: &str,
    ) {
        if entity.fields.is_empty() || entity.fields.iter().any(|f| f.name == field) {
            return;
        }
        let hint = Self::field_hint(entity, field);
        self.push(
            FindingCode::UnknownReference,
            section,
            index,
            subject,
            format!(
                "{what} names field `{field}`, which {} does not have{hint}",
                entity.name
            ),
            format!(
                "use a field of {}, or add field `{field}` to it",
                entity.name
            ),
        );
    }

    // -- duplicates -------------------------------------------------------

    fn check_duplicates(&mut self) {
        let model = self.model;
        let rules = model.rules();
        for (section, i, first) in std::mem::take(&mut self.duplicates) {
            let (what, id) = match section {
                Section::System => ("system", model.systems[i].id.as_str()),
                Section::Entity => ("entity", model.entities[i].id.as_str()),
                Section::Flow => ("flow", model.flows[i].id.as_str()),
                Section::Rule | Section::Model => ("rule", rules.get(i).map_or("", Rule::id)),
            };
            self.push(
                FindingCode::DuplicateId,
                section,
                i,
                id,
                format!(
                    "{what} id `{id}` is used twice (number {} and number {} in the list)",
                    first + 1,
                    i + 1
                ),
                format!("give the second {what} `{id}` an id of its own"),
            );
        }
    }

    // -- model and systems ------------------------------------------------

    fn check_model_extra(&mut self) {
        let model = self.model;
        self.text_secrets(
            Section::Model,
            0,
            MODEL_SUBJECT,
            &"the model",
            &[
                ("name", Some(&model.name)),
                ("description", model.description.as_deref()),
            ],
        );
        for path in secrets::secrets_in(&self.model.extra) {
            self.push(
                FindingCode::LiteralSecret,
                Section::Model,
                0,
                MODEL_SUBJECT,
                format!("the model holds a literal secret in `{path}`"),
                format!("remove `{path}` from the model; put the secret in a secret store and refer to it with an endpoint's `credentialRef`"),
            );
        }
    }

    /// Free text (a name, a team, a note) that carries a URL with a
    /// password or a secret query parameter: `texts` are (key, text) pairs.
    fn text_secrets(
        &mut self,
        sec: Section,
        i: usize,
        subject: &str,
        holder: &dyn std::fmt::Display,
        texts: &[(&str, Option<&str>)],
    ) {
        for (key, text) in texts {
            if let Some(what) = text.and_then(secrets::url_secret_anywhere) {
                self.push(
                    FindingCode::LiteralSecret,
                    sec,
                    i,
                    subject,
                    format!("the `{key}` of {holder} holds a URL that carries {what}"),
                    Self::secret_fix(&format!("the `{key}` of {holder}")),
                );
            }
        }
    }

    fn secret_fix(holder: &str) -> String {
        format!("remove the secret from {holder}, keep it in a secret store, and refer to it with `credentialRef`, e.g. `vault:team/system`")
    }

    fn check_systems(&mut self) {
        let model = self.model;
        let envs = model.environment_names();
        for (i, s) in model.systems.iter().enumerate() {
            self.check_system(i, s, &envs);
        }
    }

    fn check_system(&mut self, i: usize, s: &'m System, envs: &[&str]) {
        let sec = Section::System;
        self.text_secrets(
            sec,
            i,
            &s.id,
            &format_args!("system `{}`", s.id),
            &[("name", Some(&s.name)), ("team", s.team.as_deref())],
        );
        for path in secrets::secrets_in(&s.extra) {
            self.push(
                FindingCode::LiteralSecret,
                sec,
                i,
                &s.id,
                format!("system `{}` holds a literal secret in `{path}`", s.id),
                Self::secret_fix(&format!("`{}`", s.id)),
            );
        }
        if let Some(endpoints) = &s.endpoints {
            for (env, ep) in endpoints.iter() {
                let holder = format!("the {env} endpoint of `{}`", s.id);
                if let Some(what) = secrets::url_secret(&ep.url) {
                    self.push(
                        FindingCode::LiteralSecret,
                        sec,
                        i,
                        &s.id,
                        format!("the URL of {holder} carries {what}"),
                        Self::secret_fix(&format!("the URL of {holder}")),
                    );
                }
                if let Some(cref) = &ep.credential_ref {
                    if !secrets::is_reference(cref) || secrets::url_secret(cref).is_some() {
                        self.push(
                            FindingCode::LiteralSecret,
                            sec,
                            i,
                            &s.id,
                            format!("the `credentialRef` of {holder} is not a reference like `vault:erp/prod` or `env:ERP_TOKEN` (it may be the secret itself)"),
                            format!("set `credentialRef` of {holder} to `store:path` in your secret store, e.g. `vault:{}/{env}`", s.id),
                        );
                    }
                }
                for path in secrets::secrets_in(&ep.extra) {
                    self.push(
                        FindingCode::LiteralSecret,
                        sec,
                        i,
                        &s.id,
                        format!("{holder} holds a literal secret in `{path}`"),
                        Self::secret_fix(&holder),
                    );
                }
                if !envs.contains(&env) {
                    let hint = did_you_mean(env, envs.iter().copied())
                        .map(|m| format!("; did you mean `{m}`?"))
                        .unwrap_or_default();
                    self.push(
                        FindingCode::UnknownEnvironment,
                        sec,
                        i,
                        &s.id,
                        format!(
                            "system `{}` has an endpoint for environment `{env}`, which the model does not declare (it declares {}){hint}",
                            s.id,
                            quoted_list(envs)
                        ),
                        format!("add `{env}` to the model's environments, or rename the endpoint to a declared environment"),
                    );
                }
            }
        }
        if self.used[i] {
            let missing: Vec<&str> = envs
                .iter()
                .copied()
                .filter(|env| s.endpoint(env).is_none())
                .collect();
            if !missing.is_empty() {
                self.push(
                    FindingCode::MissingEndpoint,
                    sec,
                    i,
                    &s.id,
                    format!(
                        "system `{}` takes part in flows or routes but has no endpoint for {}",
                        s.id,
                        quoted_list(&missing)
                    ),
                    format!(
                        "add an endpoint of `{}` for {} (protocol, URL, credentialRef)",
                        s.id,
                        quoted_list(&missing)
                    ),
                );
            }
        }
        if !self.mentioned[i] {
            self.push(
                FindingCode::UnusedSystem,
                sec,
                i,
                &s.id,
                format!("system `{}` ({}) owns nothing, holds no copy and takes part in no flow or rule", s.id, s.name),
                format!("model what `{}` owns or receives, or remove it", s.id),
            );
        }
    }

    // -- entities ---------------------------------------------------------

    fn check_entities(&mut self) {
        let model = self.model;
        // Per entity: its first reconcile rule and the systems all of its
        // reconcile rules name.
        let mut reconciled: FastMap<&str, (&str, Vec<&str>)> = FastMap::default();
        for r in model.rules() {
            if let Rule::Reconcile(r) = r {
                let slot = reconciled
                    .entry(r.entity.as_str())
                    .or_insert_with(|| (r.id.as_str(), Vec::new()));
                slot.1.extend(r.systems.iter().map(String::as_str));
            }
        }
        for (i, e) in model.entities.iter().enumerate() {
            self.check_entity(i, e, &reconciled);
        }
    }

    fn check_entity(
        &mut self,
        i: usize,
        e: &'m Entity,
        reconciled: &FastMap<&str, (&str, Vec<&str>)>,
    ) {
        let sec = Section::Entity;
        self.text_secrets(
            sec,
            i,
            &e.id,
            &format_args!("entity `{}`", e.id),
            &[
                ("name", Some(&e.name)),
                ("steward", e.steward.as_deref()),
                ("rationale", e.rationale.as_deref()),
            ],
        );
        match e.owner.as_deref().map(str::trim) {
            None | Some("") => self.push(
                FindingCode::NoOwner,
                sec,
                i,
                &e.id,
                format!(
                    "{} (`{}`) has no owner: no system is its source of truth",
                    e.name, e.id
                ),
                format!(
                    "decide which one system creates and changes {}, and make it the owner",
                    e.name
                ),
            ),
            Some(owner) => {
                if self.owners[i].is_none() {
                    let hint = self.hint(0, owner);
                    self.push(
                        FindingCode::UnknownOwner,
                        sec,
                        i,
                        &e.id,
                        format!("{} (`{}`) is owned by `{owner}`, which is not a system of the model{hint}", e.name, e.id),
                        format!("make an existing system the owner of {}, or add system `{owner}`", e.name),
                    );
                }
            }
        }
        let base = self.copy_start[i];
        for (k, c) in e.copies.iter().enumerate() {
            let r = self.copy_refs[base + k];
            let repeated = match r {
                Some(_) => self.copy_refs[base..base + k].contains(&r),
                None => e.copies[..k].contains(c),
            };
            if repeated {
                continue;
            }
            if r.is_none() {
                let what = Named::new("entity", &e.id).part(" (copies)");
                self.system_ref(sec, i, &e.id, &what, c);
            } else if r == self.owners[i] {
                self.push(
                    FindingCode::OwnerListedAsCopy,
                    sec,
                    i,
                    &e.id,
                    format!(
                        "`{c}` owns {} and is also listed as holding a copy of it",
                        e.name
                    ),
                    format!(
                        "remove `{c}` from the copies of {}: the owner holds the original",
                        e.name
                    ),
                );
            }
        }
        if e.key.trim().is_empty() {
            self.push(
                FindingCode::KeyNotAField,
                sec,
                i,
                &e.id,
                format!(
                    "{} has no key: nothing says which field identifies a record",
                    e.name
                ),
                format!(
                    "set the key of {} to the field that identifies a record, e.g. an order number",
                    e.name
                ),
            );
        } else if !e.fields.is_empty() && !e.fields.iter().any(|f| f.name == e.key) {
            let hint = Self::field_hint(e, &e.key);
            self.push(
                FindingCode::KeyNotAField,
                sec,
                i,
                &e.id,
                format!(
                    "the key of {} is `{}`, which is not one of its fields{hint}",
                    e.name, e.key
                ),
                format!(
                    "make the key one of the fields of {}, or add field `{}`",
                    e.name, e.key
                ),
            );
        }
        for f in &e.fields {
            for path in secrets::secrets_in(&f.extra) {
                self.push(
                    FindingCode::LiteralSecret,
                    sec,
                    i,
                    &e.id,
                    format!(
                        "field `{}` of {} holds a literal secret in `{path}`",
                        f.name, e.name
                    ),
                    Self::secret_fix(&format!("field `{}`", f.name)),
                );
            }
        }
        for path in secrets::secrets_in(&e.extra) {
            self.push(
                FindingCode::LiteralSecret,
                sec,
                i,
                &e.id,
                format!("entity `{}` holds a literal secret in `{path}`", e.id),
                Self::secret_fix(&format!("entity `{}`", e.id)),
            );
        }
        if e.is_monetary() {
            self.unreconciled_money(i, e, reconciled.get(e.id.as_str()));
        }
        if e.steward.as_deref().is_none_or(|s| s.trim().is_empty()) {
            self.push(
                FindingCode::NoSteward,
                sec,
                i,
                &e.id,
                format!(
                    "{} (`{}`) has no steward: nobody is accountable for its data",
                    e.name, e.id
                ),
                format!("name the person or team accountable for {}", e.name),
            );
        }
        if e.consistency_window_seconds.is_none() {
            self.push(
                FindingCode::NoConsistencyWindow,
                sec,
                i,
                &e.id,
                format!("{} (`{}`) does not say how stale its copies may be", e.name, e.id),
                format!(
                    "set `consistencyWindowSeconds` for {} (customer-facing: seconds; reporting: minutes)",
                    e.name
                ),
            );
        }
    }

    /// Money held by two or more systems: every holder is in a reconcile
    /// rule of the entity. `rules` is the first such rule and the systems
    /// all of them name.
    fn unreconciled_money(&mut self, i: usize, e: &'m Entity, rules: Option<&(&str, Vec<&str>)>) {
        let holders = holders(e);
        if holders.len() < 2 {
            return;
        }
        let (message, fix) = match rules {
            None => (
                format!(
                    "{} is money held by {}, but no reconcile rule checks that they agree: settlement can drift silently",
                    e.name,
                    quoted_list(&holders)
                ),
                format!(
                    "add a reconcile rule for `{}` over {} (amount fields, tolerance, time window)",
                    e.id,
                    quoted_list(&holders)
                ),
            ),
            Some((first, covered)) => {
                let missing: Vec<&str> = holders
                    .iter()
                    .copied()
                    .filter(|h| !covered.contains(h))
                    .collect();
                if missing.is_empty() {
                    return;
                }
                let (verb, its) = if missing.len() == 1 {
                    ("is", "its records")
                } else {
                    ("are", "their records")
                };
                (
                    format!(
                        "{} is money held by {}, but {} {verb} in no reconcile rule: {its} can drift silently",
                        e.name,
                        quoted_list(&holders),
                        quoted_list(&missing)
                    ),
                    format!(
                        "add {} to reconcile rule `{first}` of {}, or give {} a reconcile rule of {}",
                        quoted_list(&missing),
                        e.name,
                        if missing.len() == 1 { "it" } else { "them" },
                        if missing.len() == 1 { "its own" } else { "their own" }
                    ),
                )
            }
        };
        self.push(
            FindingCode::UnreconciledMoney,
            Section::Entity,
            i,
            &e.id,
            message,
            fix,
        );
    }

    // -- flows ------------------------------------------------------------

    fn check_flows(&mut self) {
        let model = self.model;
        for (i, f) in model.flows.iter().enumerate() {
            self.check_flow(i, f);
        }
    }

    fn check_flow(&mut self, i: usize, f: &'m Flow) {
        let model = self.model;
        let sec = Section::Flow;
        let what = Named::new("flow", &f.id);
        let (entity, from, to) = self.flow_refs[i];
        if entity.is_none() {
            self.entity_ref(sec, i, &f.id, &what, &f.entity);
        }
        if from.is_none() {
            self.system_ref(sec, i, &f.id, &what.part(" (from)"), &f.from);
        }
        if to.is_none() {
            self.system_ref(sec, i, &f.id, &what.part(" (to)"), &f.to);
        }
        let ent = entity.map(|e| &model.entities[e]);
        if let (Some(e), Some(ent), Some(key)) = (entity, ent, &f.idempotency_key) {
            // Flows of one entity usually share their key: check it once.
            if self.key_checked != Some((e, key.as_str())) {
                self.field_ref(
                    sec,
                    i,
                    &f.id,
                    &format_args!("the idempotency key of {what}"),
                    ent,
                    key,
                );
                if ent.fields.is_empty() || ent.fields.iter().any(|fd| &fd.name == key) {
                    self.key_checked = Some((e, key.as_str()));
                }
            }
        }
        let retry_paths = f.retry.iter().flat_map(|r| secrets::secrets_in(&r.extra));
        let found = secrets::secrets_in(&f.extra)
            .into_iter()
            .chain(retry_paths.map(|p| format!("retry.{p}")));
        for path in found {
            self.push(
                FindingCode::LiteralSecret,
                sec,
                i,
                &f.id,
                format!("{what} holds a literal secret in `{path}`"),
                Self::secret_fix(&what.to_string()),
            );
        }
        self.text_secrets(sec, i, &f.id, &what, &[("schedule", f.schedule.as_deref())]);
        if let (Some(e), Some(ent)) = (entity, ent) {
            if let Some(owner) = self.owners[e] {
                let owner_id = &model.systems[owner].id;
                match f.pattern {
                    Pattern::Event if from.is_some() && from != Some(owner) => self.push(
                        FindingCode::DoubleWrite,
                        sec,
                        i,
                        &f.id,
                        format!(
                            "{what} announces {} from `{}`, but `{owner_id}` owns it: a second writer (double write)",
                            ent.name, f.from
                        ),
                        format!(
                            "make `{}` a request to `{owner_id}`, or move ownership of {} to `{}`",
                            f.id, ent.name, f.from
                        ),
                    ),
                    Pattern::Request if to.is_some() && to != Some(owner) => self.push(
                        FindingCode::RequestNotToOwner,
                        sec,
                        i,
                        &f.id,
                        format!(
                            "{what} asks `{}` about {}, but `{owner_id}` owns it: only the owner can answer",
                            f.to, ent.name
                        ),
                        format!(
                            "send `{}` to `{owner_id}`, or move ownership of {} to `{}`",
                            f.id, ent.name, f.to
                        ),
                    ),
                    _ => {}
                }
                if f.pattern == Pattern::Event
                    && to.is_some()
                    && to != Some(owner)
                    && !self.copy_refs[self.copy_start[e]..self.copy_start[e + 1]].contains(&to)
                {
                    self.push(
                        FindingCode::UndeclaredCopy,
                        sec,
                        i,
                        &f.id,
                        format!(
                            "{what} delivers {} to `{}`, which is not declared as holding a copy of it",
                            ent.name, f.to
                        ),
                        format!("add `{}` to the copies of {}, or remove the flow", f.to, ent.name),
                    );
                }
            }
        }
        if !f.is_acknowledged() {
            let thing = ent.map_or(f.entity.as_str(), |e| e.name.as_str());
            self.push(
                FindingCode::UnacknowledgedFlow,
                sec,
                i,
                &f.id,
                format!(
                    "{what} does not require `{}` to acknowledge {thing}: a rejected delivery stays silent",
                    f.to
                ),
                format!("set `\"ack\": true` on `{}` so `{}` must confirm each delivery", f.id, f.to),
            );
        }
        self.check_ack_deadline(i, f, ent);
        if let Some(t) = to {
            if model.systems[t].has_side_effects() && f.idempotency_key.is_none() {
                self.push(
                    FindingCode::MissingIdempotencyKey,
                    sec,
                    i,
                    &f.id,
                    format!(
                        "{what} goes into `{}`, which triggers side effects, but has no idempotency key: a replay repeats them",
                        f.to
                    ),
                    match ent {
                        Some(e) => format!("set `idempotencyKey` of `{}` to a unique field, e.g. `{}`", f.id, e.key),
                        None => format!("set `idempotencyKey` of `{}` to a unique field", f.id),
                    },
                );
            }
        }
        match (f.pattern, f.trigger) {
            (Pattern::Event, Trigger::User) => self.push(
                FindingCode::UserTriggeredEvent,
                sec,
                i,
                &f.id,
                format!("{what} is an event triggered by a user: events announce the owner's changes, a user asking for something is a request"),
                format!("make `{}` a request to the owner, or set its trigger to `system`", f.id),
            ),
            (Pattern::Request, Trigger::System) => self.push(
                FindingCode::SystemTriggeredRequest,
                sec,
                i,
                &f.id,
                format!("{what} is a request triggered by a system: a system announcing its own change is an event"),
                format!("if `{}` asks the owner on someone's behalf, set its trigger to `user`; if it announces, make it an event from the owner", f.id),
            ),
            _ => {}
        }
        if f.trigger == Trigger::Schedule
            && f.schedule.as_deref().is_none_or(|s| s.trim().is_empty())
        {
            self.push(
                FindingCode::MissingSchedule,
                sec,
                i,
                &f.id,
                format!("{what} runs on a schedule but does not say when"),
                format!("set `schedule` of `{}`, e.g. `0 */15 * * * *`", f.id),
            );
        }
    }

    /// A flow's `ackWithinSeconds`: positive, and only on a flow with `ack`.
    fn check_ack_deadline(&mut self, i: usize, f: &'m Flow, ent: Option<&'m Entity>) {
        let Some(within) = f.ack_within_seconds else {
            return;
        };
        let sec = Section::Flow;
        let what = Named::new("flow", &f.id);
        if within == 0 {
            self.push(
                FindingCode::ZeroAckDeadline,
                sec,
                i,
                &f.id,
                format!(
                    "{what} must be acknowledged within 0 seconds: every delivery to `{}` would be overdue (unacknowledged) the moment it is made",
                    f.to
                ),
                format!(
                    "set `ackWithinSeconds` of `{}` to a positive number of seconds, or remove it to use the default ({})",
                    f.id,
                    default_ack_deadline(ent)
                ),
            );
        }
        if !f.is_acknowledged() {
            self.push(
                FindingCode::AckDeadlineWithoutAck,
                sec,
                i,
                &f.id,
                format!(
                    "{what} gives `{}` {within} s to acknowledge, but does not require an acknowledgement: the deadline is never enforced",
                    f.to
                ),
                format!(
                    "set `\"ack\": true` on `{}` so `{}` must confirm each delivery within the deadline, or remove `ackWithinSeconds`",
                    f.id, f.to
                ),
            );
        }
    }

    // -- per-entity graphs: stale copies and event loops ---------------------

    fn check_entity_graphs(&mut self) {
        let model = self.model;
        let n_systems = model.systems.len();
        let by_entity = std::mem::take(&mut self.by_entity);
        // Route rules deliver an entity's records to more systems: their
        // targets are reached from the owner too.
        let mut routed: Vec<Vec<usize>> = vec![Vec::new(); model.entities.len()];
        for r in model.rules() {
            if let Rule::Route(route) = r {
                if let Some(&ei) = self.entities.get(route.entity.as_str()) {
                    routed[ei].extend(route.to.iter().filter_map(|t| self.systems.get(t.as_str())));
                }
            }
        }
        // Per-system marks, stamped with the current entity (no clearing).
        let mut direct = vec![0usize; n_systems];
        let mut event_target = vec![0usize; n_systems];
        for (ei, e) in model.entities.iter().enumerate() {
            let stamp = ei + 1;
            let flows = &by_entity[self.by_entity_start[ei]..self.by_entity_start[ei + 1]];
            let copies = &self.copy_refs[self.copy_start[ei]..self.copy_start[ei + 1]];
            let owner = self.owners[ei];
            // Stale copies. Fast path: every copy holder gets a flow (or a
            // route) straight from the owner; else search the flow graph.
            if let Some(owner) = owner {
                for &fi in flows {
                    if let (_, Some(from), Some(to)) = self.flow_refs[fi] {
                        if from == owner {
                            direct[to] = stamp;
                        }
                    }
                }
                for &t in &routed[ei] {
                    direct[t] = stamp;
                }
                let all_direct = copies
                    .iter()
                    .flatten()
                    .all(|&c| c == owner || direct[c] == stamp);
                if !all_direct {
                    self.stale_copies(ei, e, owner, flows, &routed[ei]);
                }
            }
            // Event loops. Fast path: a loop needs an event that leaves a
            // system some event arrives at.
            let mut has_event = false;
            for &fi in flows {
                if model.flows[fi].pattern == Pattern::Event {
                    if let (_, Some(_), Some(to)) = self.flow_refs[fi] {
                        event_target[to] = stamp;
                        has_event = true;
                    }
                }
            }
            let maybe_loop = has_event
                && flows.iter().any(|&fi| {
                    model.flows[fi].pattern == Pattern::Event
                        && matches!(self.flow_refs[fi], (_, Some(from), Some(_)) if event_target[from] == stamp)
                });
            if maybe_loop {
                self.event_loops(ei, e, flows);
            }
        }
        self.by_entity = by_entity;
    }

    fn stale_copies(
        &mut self,
        ei: usize,
        e: &'m Entity,
        owner: usize,
        flows: &[usize],
        routed: &[usize],
    ) {
        let model = self.model;
        let mut next: FastMap<usize, Vec<usize>> = FastMap::default();
        for &fi in flows {
            if let (_, Some(a), Some(b)) = self.flow_refs[fi] {
                next.entry(a).or_default().push(b);
            }
        }
        next.entry(owner).or_default().extend_from_slice(routed);
        let mut reached: HashSet<usize, BuildHasherDefault<FxHasher>> = HashSet::default();
        reached.insert(owner);
        let mut todo = vec![owner];
        while let Some(s) = todo.pop() {
            for &t in next.get(&s).map(Vec::as_slice).unwrap_or(&[]) {
                if reached.insert(t) {
                    todo.push(t);
                }
            }
        }
        let owner_id = &model.systems[owner].id;
        let base = self.copy_start[ei];
        let mut reported: Vec<usize> = Vec::new();
        for (k, c) in e.copies.iter().enumerate() {
            let Some(s) = self.copy_refs[base + k] else {
                continue;
            };
            if reached.contains(&s) || reported.contains(&s) {
                continue;
            }
            reported.push(s);
            self.push(
                FindingCode::StaleCopy,
                Section::Entity,
                ei,
                &e.id,
                format!(
                    "`{c}` holds a copy of {}, but no flow brings {} to it from the owner `{owner_id}`: its copy goes stale",
                    e.name, e.name
                ),
                format!(
                    "add an event flow of `{}` from `{owner_id}` to `{c}` (directly or through a system that receives it), or remove `{c}` from the copies",
                    e.id
                ),
            );
        }
    }

    fn event_loops(&mut self, ei: usize, e: &'m Entity, flows: &[usize]) {
        let model = self.model;
        let mut node_of: FastMap<usize, NodeIndex> = FastMap::default();
        let mut events: DiGraph<usize, ()> = DiGraph::new();
        for &fi in flows {
            if model.flows[fi].pattern != Pattern::Event {
                continue;
            }
            if let (_, Some(a), Some(b)) = self.flow_refs[fi] {
                let na = *node_of.entry(a).or_insert_with(|| events.add_node(a));
                let nb = *node_of.entry(b).or_insert_with(|| events.add_node(b));
                events.add_edge(na, nb, ());
            }
        }
        let node = |s: usize| node_of.get(&s).map_or(0, |n| n.index());
        let sccs = petgraph::algo::tarjan_scc(&events);
        let mut comp = vec![usize::MAX; events.node_count()];
        for (ci, scc) in sccs.iter().enumerate() {
            for n in scc {
                comp[n.index()] = ci;
            }
        }
        let mut reported = vec![false; sccs.len()];
        let owner_id = self.owners[ei].map(|o| model.systems[o].id.as_str());
        for &fi in flows {
            let f = &model.flows[fi];
            if f.pattern != Pattern::Event {
                continue;
            }
            let (_, Some(a), Some(b)) = self.flow_refs[fi] else {
                continue;
            };
            let (ca, cb) = (comp[node(a)], comp[node(b)]);
            if ca != cb || reported[ca] || (sccs[ca].len() == 1 && a != b) {
                continue;
            }
            reported[ca] = true;
            let fix = match owner_id {
                Some(o) => format!("break the loop: only the owner `{o}` announces {}; the others send requests to it, and no event goes back to where it came from", e.name),
                None => format!("break the loop: decide the owner of {}, let only it announce changes", e.name),
            };
            if a == b {
                self.push(
                    FindingCode::EventEcho,
                    Section::Flow,
                    fi,
                    &f.id,
                    format!(
                        "flow `{}` announces {} from `{}` back to `{}` itself: every change echoes",
                        f.id, e.name, f.from, f.to
                    ),
                    fix,
                );
                continue;
            }
            let mut in_loop: Vec<&str> = Vec::new();
            let mut systems: Vec<&str> = Vec::new();
            for &gi in flows {
                let g = &model.flows[gi];
                if g.pattern != Pattern::Event {
                    continue;
                }
                if let (_, Some(x), Some(y)) = self.flow_refs[gi] {
                    if comp[node(x)] == ca && comp[node(y)] == ca {
                        in_loop.push(&g.id);
                        for s in [&g.from, &g.to] {
                            if !systems.contains(&s.as_str()) {
                                systems.push(s);
                            }
                        }
                    }
                }
            }
            self.push(
                FindingCode::EventEcho,
                Section::Flow,
                fi,
                &f.id,
                format!(
                    "events about {} go round in a loop between {} (flows {}): a change can echo back to the system it came from",
                    e.name,
                    quoted_list(&systems),
                    quoted_list(&in_loop)
                ),
                fix,
            );
        }
    }

    // -- rules ------------------------------------------------------------

    fn check_rules(&mut self) {
        let model = self.model;
        let rules = model.rules();
        let mut jobs: Vec<(&str, Option<usize>)> = Vec::new();
        let mut job_of: FastMap<(&str, Option<usize>), usize> = FastMap::default();
        let mut rule_job: Vec<Option<usize>> = vec![None; rules.len()];
        for (i, r) in rules.iter().enumerate() {
            let sec = Section::Rule;
            let id = r.id();
            let what = Named::new("rule", id);
            let entity = match r.entity() {
                Some(e) => self.entity_ref(sec, i, id, &what, e),
                None => None,
            };
            let ent = entity.map(|e| &model.entities[e]);
            for path in secrets::secrets_in(r.extra()) {
                self.push(
                    FindingCode::LiteralSecret,
                    sec,
                    i,
                    id,
                    format!("{what} holds a literal secret in `{path}`"),
                    Self::secret_fix(&what.to_string()),
                );
            }
            if let Rule::Validate(v) = r {
                self.text_secrets(sec, i, id, &what, &[("message", v.message.as_deref())]);
            }
            match r {
                Rule::Route(route) => {
                    for t in &route.to {
                        self.system_ref(sec, i, id, &what.part(" (to)"), t);
                    }
                }
                Rule::Reconcile(rec) => {
                    let mut known: Vec<usize> = Vec::with_capacity(rec.systems.len());
                    for s in &rec.systems {
                        if let Some(k) = self.system_ref(sec, i, id, &what.part(" (systems)"), s) {
                            if !known.contains(&k) {
                                known.push(k);
                            }
                        }
                    }
                    self.reconcile_systems(i, rec, entity, &known);
                    if let Some(ent) = ent {
                        for field in &rec.fields {
                            self.field_ref(sec, i, id, &what, ent, field);
                        }
                    }
                }
                Rule::Alert(alert) => {
                    if let Some(&fi) = self.flows.get(alert.flow.as_str()) {
                        let watched = &model.flows[fi];
                        let metric = match alert.metric {
                            AlertMetric::AckRate => Some("ack rate"),
                            AlertMetric::LatencySeconds => Some("acknowledgement latency"),
                            AlertMetric::ErrorRate | AlertMetric::StallSeconds => None,
                        };
                        if let (Some(metric), false) = (metric, watched.is_acknowledged()) {
                            self.push(
                                FindingCode::UnmeasurableAlert,
                                sec,
                                i,
                                id,
                                format!(
                                    "{what} watches the {metric} of flow `{}`, but `{}` does not require `{}` to acknowledge: there is nothing to measure, so the alert never fires",
                                    watched.id, watched.id, watched.to
                                ),
                                format!(
                                    "set `\"ack\": true` on flow `{}`, or watch a metric that needs no acknowledgement (`error-rate`, `stall-seconds`)",
                                    watched.id
                                ),
                            );
                        }
                    } else {
                        let hint = self.hint(2, &alert.flow);
                        self.push(
                            FindingCode::UnknownReference,
                            sec,
                            i,
                            id,
                            format!(
                                "{what} watches flow `{}`, which is not in the model{hint}",
                                alert.flow
                            ),
                            format!(
                                "use the id of an existing flow, or add flow `{}`",
                                alert.flow
                            ),
                        );
                    }
                }
                Rule::Validate(_) | Rule::Conflict(_) => {}
            }
            if let Some(cond) = r.condition() {
                let key = (cond, entity);
                let job = *job_of.entry(key).or_insert_with(|| {
                    jobs.push(key);
                    jobs.len() - 1
                });
                rule_job[i] = Some(job);
            }
        }
        if jobs.is_empty() {
            return;
        }
        let results = self.run_condition_jobs(&jobs);
        for (i, r) in rules.iter().enumerate() {
            let Some(job) = rule_job[i] else { continue };
            let Some(problems) = results.get(job) else {
                continue;
            };
            let id = r.id();
            let about = r
                .entity()
                .and_then(|e| self.entities.get(e))
                .map_or_else(String::new, |&e| format!(" on {}", model.entities[e].name));
            for p in problems {
                self.push(
                    p.code,
                    Section::Rule,
                    i,
                    id,
                    format!("rule `{id}`{about}: {}", p.message),
                    p.fix
                        .clone()
                        .unwrap_or_else(|| "correct the condition".to_string()),
                );
            }
        }
    }

    /// A reconcile rule compares two or more systems, each of which owns or
    /// holds a copy of the entity. `known` are the rule's systems that are
    /// systems of the model, once each, in rule order.
    fn reconcile_systems(
        &mut self,
        i: usize,
        rec: &'m ReconcileRule,
        entity: Option<usize>,
        known: &[usize],
    ) {
        let model = self.model;
        let sec = Section::Rule;
        let id = rec.id.as_str();
        let name = entity.map_or(rec.entity.as_str(), |e| model.entities[e].name.as_str());
        let mut distinct: Vec<&str> = Vec::with_capacity(rec.systems.len());
        for s in &rec.systems {
            if !distinct.contains(&s.as_str()) {
                distinct.push(s);
            }
        }
        if distinct.len() < 2 {
            let named = match distinct.as_slice() {
                [] => "names no system".to_string(),
                [only] => format!("names only `{only}`"),
                _ => String::new(),
            };
            self.push(
                FindingCode::ReconcileTooFewSystems,
                sec,
                i,
                id,
                format!(
                    "rule `{id}` reconciles {name} but {named}: a reconcile rule compares two or more systems, each with the first"
                ),
                format!(
                    "name at least two systems that hold {name} in `{id}`, the owner first, then copy holders"
                ),
            );
        }
        let Some(e) = entity else { return };
        let copies = &self.copy_refs[self.copy_start[e]..self.copy_start[e + 1]];
        let owner = self.owners[e];
        let strangers: Vec<&str> = known
            .iter()
            .filter(|&&s| Some(s) != owner && !copies.contains(&Some(s)))
            .map(|&s| model.systems[s].id.as_str())
            .collect();
        if strangers.is_empty() {
            return;
        }
        let (they, them) = if strangers.len() == 1 {
            ("it never reports", "its")
        } else {
            ("they never report", "their")
        };
        self.push(
            FindingCode::ReconcileNonHolder,
            sec,
            i,
            id,
            format!(
                "rule `{id}` reconciles {name} in {}, which neither owns nor holds a copy of it: {they} {name} (the gate refuses {them} states), so the rule can never compare {them} data",
                quoted_list(&strangers)
            ),
            format!(
                "add {} to the copies of {name} (with a flow from the owner that keeps {them} copy up to date), or take {} off rule `{id}`",
                quoted_list(&strangers),
                if strangers.len() == 1 { "it" } else { "them" }
            ),
        );
    }

    fn run_condition_jobs(&self, jobs: &[(&str, Option<usize>)]) -> Vec<Vec<ConditionProblem>> {
        let model = self.model;
        let no_fields = Entity {
            id: String::new(),
            name: "its entity".to_string(),
            owner: None,
            steward: None,
            rationale: None,
            key: String::new(),
            monetary: None,
            consistency_window_seconds: None,
            fields: Vec::new(),
            copies: Vec::new(),
            extra: Default::default(),
        };
        let run = |chunk: &[(&str, Option<usize>)]| -> Vec<Vec<ConditionProblem>> {
            chunk
                .iter()
                .map(|(cond, e)| {
                    let entity = e.map_or(&no_fields, |e| &model.entities[e]);
                    check_condition(cond, entity)
                })
                .collect()
        };
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4);
        if jobs.len() < PARALLEL_CONDITIONS || threads < 2 {
            return run(jobs);
        }
        let chunk_size = jobs.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = jobs
                .chunks(chunk_size)
                .map(|chunk| {
                    let handle = std::thread::Builder::new()
                        .spawn_scoped(scope, || run(chunk))
                        .ok();
                    (chunk, handle)
                })
                .collect();
            let mut out = Vec::with_capacity(jobs.len());
            for (chunk, handle) in handles {
                match handle.map(|h| h.join()) {
                    Some(Ok(results)) => out.extend(results),
                    // Thread could not start (or failed): check this chunk here.
                    _ => out.extend(run(chunk)),
                }
            }
            out
        })
    }
}
