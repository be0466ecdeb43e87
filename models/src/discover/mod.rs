//! Discovery: the integration map as it runs today, inferred from observed
//! exchanges (exchanges.md), and an owner suggested per entity with its
//! evidence.
//!
//! Streaming and bounded: records are folded into aggregates as they are
//! read ([`Discovery::add`]); nothing per record is kept except, up to fixed
//! caps, which system wrote each business key first ([`MAX_TRACKED_KEYS`])
//! and recent message ids to count retries once ([`RECENT_IDS`]).
//!
//! The discovered model has systems (kinds guessed from names), entities
//! (owner suggested, or left open and marked contested), and one flow per
//! (entity, from, to, pattern) seen, with what was observed kept as the
//! optional documented key `observed` on flows and `ownerSuggestions` /
//! `contested` on entities. A writer that is not the suggested owner keeps
//! its event flows: `charter check` names them double writes.

pub mod otlp;
pub mod read;
pub mod time;

use crate::import::sketch::{entity_from_path, guess_kind};
use crate::import::text::{short_name, slugify};
use crate::model::{Entity, Extra, Flow, Model, Pattern, System, SystemKind, Trigger};
use serde_json::{json, Value};
use std::hash::{BuildHasher, Hash};

/// Discovery hashes a few strings per record: a fast hasher (foldhash)
/// instead of SipHash, seeded per run.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// At most this many business keys are remembered (to know who wrote each
/// first); past it, later keys are not tracked (said in the summary).
pub const MAX_TRACKED_KEYS: usize = 1_000_000;
/// Message ids are remembered in two generations of this many, so a retry
/// within that many messages counts once.
pub const RECENT_IDS: usize = 65_536;

/// At most this many raw system names, entity names or resource paths are
/// remembered with the id they map to; past it, each is mapped anew.
pub const MAX_RAW_NAMES: usize = 100_000;

/// The two kinds of exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Event,
    Request,
}

/// One observed exchange, normalised (exchanges.md). Strings borrow from
/// the line read.
#[derive(Debug, Clone)]
pub struct Exchange<'a> {
    pub at_ms: Option<i64>,
    pub source: &'a str,
    pub target: &'a str,
    pub kind: Kind,
    /// The entity as given, or derived from the resource path.
    pub entity: &'a str,
    pub resource: bool,
    pub op: &'a str,
    pub ok: bool,
    pub key: Option<&'a str>,
    pub id: Option<&'a str>,
}

#[derive(Debug, Clone, Default)]
struct FlowAgg {
    count: u64,
    errors: u64,
    retries: u64,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
}

/// A writer's evidence about one entity.
#[derive(Debug, Clone, Default)]
pub struct WriterAgg {
    pub writes: u64,
    pub creates: u64,
    /// Write requests it received from other systems.
    pub asked: u64,
    /// Keys it wrote first.
    pub first_keys: u64,
}

#[derive(Debug, Default)]
struct Names {
    index: HashMap<Box<str>, u32>,
    slugs: HashMap<String, u32>,
    ids: Vec<String>,
    raw: Vec<String>,
}

impl Names {
    fn get(&mut self, raw: &str, fallback: &str, from_path: bool) -> u32 {
        if let Some(&i) = self.index.get(raw) {
            return i;
        }
        let name = if from_path {
            entity_from_path(raw).unwrap_or_else(|| raw.to_string())
        } else {
            raw.to_string()
        };
        let mut slug = slugify(&name);
        if slug.is_empty() {
            slug = fallback.to_string();
        }
        let i = match self.slugs.get(&slug) {
            Some(&i) => i,
            None => {
                let i = self.ids.len() as u32;
                self.slugs.insert(slug.clone(), i);
                self.ids.push(slug);
                self.raw.push(short_name(&name));
                i
            }
        };
        // Raw names are remembered up to a cap: resource paths with ids in
        // them (`/orders/SO-1001`) are as many as the records.
        if self.index.len() < MAX_RAW_NAMES {
            self.index.insert(raw.into(), i);
        }
        i
    }
}

/// The aggregates of every exchange added so far.
#[derive(Debug, Default)]
pub struct Discovery {
    systems: Names,
    entities: Names,
    /// (entity, from, to, pattern) → aggregate, and the order first seen.
    flows: HashMap<(u32, u32, u32, Kind), usize>,
    flow_list: Vec<((u32, u32, u32, Kind), FlowAgg)>,
    /// (entity, system) → writer aggregate.
    writers: HashMap<(u32, u32), WriterAgg>,
    /// Hash of (entity, key) → the system that wrote it first.
    first_writer: HashMap<u64, u32>,
    keys_untracked: u64,
    ids_now: HashSet<u64>,
    ids_before: HashSet<u64>,
    hasher: foldhash::fast::RandomState,
    pub records: u64,
    pub retries: u64,
}

/// The words of a request that name a change (its target writes the entity).
const WRITE_VERBS: &[&str] = &[
    "post", "put", "patch", "delete", "create", "update", "upsert", "reserve", "cancel", "adjust",
    "set", "change", "remove", "add", "book", "write", "modify", "release", "allocate", "created",
    "updated", "deleted",
];

fn is_write(kind: Kind, op: &str) -> bool {
    match kind {
        Kind::Event => op.eq_ignore_ascii_case("created") || op.eq_ignore_ascii_case("updated"),
        Kind::Request => WRITE_VERBS.iter().any(|v| op.eq_ignore_ascii_case(v)),
    }
}

fn is_create(kind: Kind, op: &str) -> bool {
    match kind {
        Kind::Event => op.eq_ignore_ascii_case("created"),
        Kind::Request => op.eq_ignore_ascii_case("post") || op.eq_ignore_ascii_case("create"),
    }
}

impl Discovery {
    pub fn new() -> Self {
        Self::default()
    }

    fn hash_of(&self, parts: impl Hash) -> u64 {
        self.hasher.hash_one(parts)
    }

    /// Folds one exchange into the aggregates.
    pub fn add(&mut self, x: &Exchange) {
        // A retry (same message id) counts once.
        let mut retry = false;
        if let Some(id) = x.id {
            let h = self.hash_of((x.source, id));
            if self.ids_now.contains(&h) || self.ids_before.contains(&h) {
                retry = true;
            } else {
                if self.ids_now.len() >= RECENT_IDS {
                    // The older generation's table is emptied and reused:
                    // no new allocation, no regrowth by rehashing.
                    std::mem::swap(&mut self.ids_now, &mut self.ids_before);
                    self.ids_now.clear();
                }
                if self.ids_now.capacity() == 0 {
                    self.ids_now.reserve(RECENT_IDS);
                }
                self.ids_now.insert(h);
            }
        }
        let source = self.systems.get(x.source, "system", false);
        let target = self.systems.get(x.target, "system", false);
        let entity = self.entities.get(x.entity, "entity", x.resource);
        let key = (entity, source, target, x.kind);
        let slot = match self.flows.get(&key) {
            Some(&i) => i,
            None => {
                self.flow_list.push((key, FlowAgg::default()));
                self.flows.insert(key, self.flow_list.len() - 1);
                self.flow_list.len() - 1
            }
        };
        let agg = &mut self.flow_list[slot].1;
        if retry {
            agg.retries += 1;
            self.retries += 1;
            return;
        }
        self.records += 1;
        agg.count += 1;
        if !x.ok {
            agg.errors += 1;
        }
        if let Some(t) = x.at_ms {
            agg.first_ms = Some(agg.first_ms.map_or(t, |f| f.min(t)));
            agg.last_ms = Some(agg.last_ms.map_or(t, |l| l.max(t)));
        }
        if x.ok && is_write(x.kind, x.op) {
            let writer = match x.kind {
                Kind::Event => source,
                Kind::Request => target,
            };
            let w = self.writers.entry((entity, writer)).or_default();
            w.writes += 1;
            if is_create(x.kind, x.op) {
                w.creates += 1;
            }
            if x.kind == Kind::Request && source != target {
                w.asked += 1;
            }
            if let Some(k) = x.key {
                let h = self.hash_of((entity, k));
                match self.first_writer.get(&h) {
                    Some(_) => {}
                    None if self.first_writer.len() < MAX_TRACKED_KEYS => {
                        self.first_writer.insert(h, writer);
                        self.writers.entry((entity, writer)).or_default().first_keys += 1;
                    }
                    None => self.keys_untracked += 1,
                }
            }
        }
    }

    /// The discovered model and what was made of the input.
    pub fn into_model(self, name: &str) -> Discovered {
        let mut summary = Vec::new();
        let mut model = Model::new(name);
        for (i, id) in self.systems.ids.iter().enumerate() {
            let name = &self.systems.raw[i];
            model.systems.push(System {
                id: id.clone(),
                name: name.clone(),
                kind: guess_kind(name),
                team: None,
                side_effects: None,
                endpoints: None,
                extra: Extra::new(),
            });
        }
        // Owner suggestions per entity.
        let mut owners: Vec<Option<u32>> = Vec::new();
        for (e, id) in self.entities.ids.iter().enumerate() {
            let e = e as u32;
            let name = &self.entities.raw[e as usize];
            let mut writers: Vec<(u32, &WriterAgg)> = self
                .writers
                .iter()
                .filter(|((we, _), _)| *we == e)
                .map(|((_, s), w)| (*s, w))
                .collect();
            writers.sort_by_key(|(s, _)| *s);
            let suggestion = suggest_owner(id, &writers, |s| {
                (
                    self.systems.ids[s as usize].as_str(),
                    model.systems[s as usize].kind,
                )
            });
            let mut entity = Entity {
                id: id.clone(),
                name: name.clone(),
                owner: None,
                steward: None,
                rationale: Some(suggestion.rationale.clone()),
                key: "id".into(),
                monetary: None,
                consistency_window_seconds: None,
                fields: Vec::new(),
                copies: Vec::new(),
                extra: Extra::new(),
            };
            if !suggestion.scores.is_empty() {
                entity.extra.insert(
                    "ownerSuggestions".into(),
                    Value::Array(
                        suggestion
                            .scores
                            .iter()
                            .map(|c| {
                                json!({
                                    "system": self.systems.ids[c.system as usize],
                                    "score": (c.score * 100.0).round() / 100.0,
                                    "evidence": c.evidence,
                                })
                            })
                            .collect(),
                    ),
                );
            }
            if suggestion.contested {
                entity.extra.insert("contested".into(), Value::Bool(true));
            }
            entity.owner = suggestion
                .owner
                .map(|s| self.systems.ids[s as usize].clone());
            summary.push(format!("entity {id}: {}", suggestion.rationale));
            owners.push(suggestion.owner);
            model.entities.push(entity);
        }
        // Flows, in the order first seen; copies from events' targets.
        let mut ids = crate::import::text::IdSet::default();
        let both: HashSet<(u32, u32, u32)> = self
            .flow_list
            .iter()
            .filter(|((e, f, t, k), _)| {
                *k == Kind::Event && self.flows.contains_key(&(*e, *f, *t, Kind::Request))
            })
            .map(|((e, f, t, _), _)| (*e, *f, *t))
            .collect();
        for ((e, from, to, kind), agg) in &self.flow_list {
            let (e_id, f_id, t_id) = (
                &self.entities.ids[*e as usize],
                &self.systems.ids[*from as usize],
                &self.systems.ids[*to as usize],
            );
            let mut base = format!("{e_id}-{f_id}-to-{t_id}");
            if base.len() > 52 {
                base.truncate(52);
                base = base.trim_end_matches(['-', '_']).to_string();
            }
            if *kind == Kind::Request && both.contains(&(*e, *from, *to)) {
                base.push_str("-request");
            }
            let pattern = match kind {
                Kind::Event => Pattern::Event,
                Kind::Request => Pattern::Request,
            };
            let mut observed = serde_json::Map::new();
            observed.insert("count".into(), json!(agg.count));
            observed.insert("errors".into(), json!(agg.errors));
            let rate = if agg.count == 0 {
                0.0
            } else {
                agg.errors as f64 / agg.count as f64
            };
            observed.insert(
                "errorRate".into(),
                json!((rate * 10_000.0).round() / 10_000.0),
            );
            if agg.retries > 0 {
                observed.insert("retries".into(), json!(agg.retries));
            }
            if let Some(t) = agg.first_ms {
                observed.insert("firstSeen".into(), json!(time::format_rfc3339(t)));
            }
            if let Some(t) = agg.last_ms {
                observed.insert("lastSeen".into(), json!(time::format_rfc3339(t)));
            }
            let mut extra = Extra::new();
            extra.insert("observed".into(), Value::Object(observed));
            model.flows.push(Flow {
                id: ids.claim(&base),
                entity: e_id.clone(),
                from: f_id.clone(),
                to: t_id.clone(),
                pattern,
                trigger: match pattern {
                    Pattern::Event => Trigger::System,
                    Pattern::Request => Trigger::User,
                },
                ack: None,
                idempotency_key: None,
                ack_within_seconds: None,
                retry: None,
                schedule: None,
                extra,
            });
            if *kind == Kind::Event && owners[*e as usize] != Some(*to) {
                let ent = &mut model.entities[*e as usize];
                if !ent.copies.contains(t_id) {
                    ent.copies.push(t_id.clone());
                }
            }
        }
        // Double writes, said in words too.
        for f in &model.flows {
            if f.pattern != Pattern::Event {
                continue;
            }
            let Some(ent) = model.entity(&f.entity) else {
                continue;
            };
            let Some(owner) = &ent.owner else { continue };
            let e_ix = self.entities.slugs.get(&f.entity).copied();
            let f_ix = self.systems.slugs.get(&f.from).copied();
            let writes = match (e_ix, f_ix) {
                (Some(e), Some(s)) => self.writers.get(&(e, s)).map_or(0, |w| w.writes),
                _ => 0,
            };
            if owner != &f.from && writes > 0 {
                summary.push(format!(
                    "double write: {} writes {} ({writes} writes seen) though {owner} is its suggested owner (flow {})",
                    f.from, f.entity, f.id
                ));
            }
        }
        summary.insert(
            0,
            format!(
                "{} exchange{} ({} retr{} counted once) as {} system{}, {} entit{}, {} flow{}",
                self.records,
                if self.records == 1 { "" } else { "s" },
                self.retries,
                if self.retries == 1 { "y" } else { "ies" },
                model.systems.len(),
                if model.systems.len() == 1 { "" } else { "s" },
                model.entities.len(),
                if model.entities.len() == 1 {
                    "y"
                } else {
                    "ies"
                },
                model.flows.len(),
                if model.flows.len() == 1 { "" } else { "s" },
            ),
        );
        if self.keys_untracked > 0 {
            summary.push(format!(
                "{} writes of keys past the first {MAX_TRACKED_KEYS} were not tracked for \"created first\"",
                self.keys_untracked
            ));
        }
        Discovered { model, summary }
    }
}

/// The discovered model and what was made of the input (one line each).
#[derive(Debug, Clone)]
pub struct Discovered {
    pub model: Model,
    pub summary: Vec<String>,
}

/// One candidate owner's score and its evidence, one sentence each.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub system: u32,
    pub score: f64,
    pub evidence: Vec<String>,
}

/// An owner suggestion for one entity.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub owner: Option<u32>,
    pub contested: bool,
    /// Best first.
    pub scores: Vec<Candidate>,
    pub rationale: String,
}

/// Two candidates are "close" when the second scores at least this share
/// of the first.
pub const CONTESTED_RATIO: f64 = 0.8;

/// The kinds of system that usually own an entity, by words of its name.
fn natural_kinds(entity: &str) -> &'static [SystemKind] {
    use SystemKind::*;
    let e = entity.to_ascii_lowercase();
    let has = |w: &str| e.contains(w);
    if has("stock") || has("inventory") || has("lot") {
        &[Erp, Wms]
    } else if has("order") {
        &[Oms, Erp]
    } else if has("payment") || has("refund") || has("capture") {
        &[Payments]
    } else if has("invoice") || has("settlement") || has("ledger") {
        &[Finance, Erp]
    } else if has("shipment") || has("tracking") || has("delivery") {
        &[ThirdPartyLogistics, Transport]
    } else if has("customer") || has("contact") {
        &[Crm, Erp]
    } else if has("product") || has("item") || has("price") || has("catalog") {
        &[Pim, Erp]
    } else if has("batch") || has("yield") || has("packing") {
        &[Production]
    } else if has("certificate") || has("deviation") || has("approval") {
        &[Quality]
    } else if has("forecast") || has("report") {
        &[Analytics]
    } else {
        &[]
    }
}

/// Scores each writer of an entity from the evidence the log gives:
/// wrote the most keys first (weight 3), share of writes (2), asked by
/// others to change it (1.5), the kind of system that usually owns such an
/// entity (0.5). The best is suggested unless the second is close.
pub fn suggest_owner<'k>(
    entity: &str,
    writers: &[(u32, &WriterAgg)],
    system: impl Fn(u32) -> (&'k str, SystemKind),
) -> Suggestion {
    let total_writes: u64 = writers.iter().map(|(_, w)| w.writes).sum();
    let total_first: u64 = writers.iter().map(|(_, w)| w.first_keys).sum();
    let total_asked: u64 = writers.iter().map(|(_, w)| w.asked).sum();
    let natural = natural_kinds(entity);
    let mut scores: Vec<Candidate> = writers
        .iter()
        .filter(|(_, w)| w.writes > 0)
        .map(|(s, w)| {
            let (sys, kind) = system(*s);
            let mut score = 0.0;
            let mut evidence = Vec::new();
            if total_first > 0 && w.first_keys > 0 {
                let share = w.first_keys as f64 / total_first as f64;
                score += 3.0 * share;
                evidence.push(format!(
                    "{sys} wrote {} of the {} {entity} keys first ({:.0}%)",
                    w.first_keys,
                    total_first,
                    share * 100.0
                ));
            }
            let share = w.writes as f64 / total_writes.max(1) as f64;
            score += 2.0 * share;
            evidence.push(format!(
                "{sys} was the writer in {} of the {} write exchanges of {entity} ({:.0}%){}",
                w.writes,
                total_writes,
                share * 100.0,
                if w.creates > 0 {
                    format!(", {} of them creates", w.creates)
                } else {
                    String::new()
                }
            ));
            if w.asked > 0 {
                let share = w.asked as f64 / total_asked.max(1) as f64;
                score += 1.5 * share;
                evidence.push(format!(
                    "other systems asked {sys} to change {entity} {} time{}",
                    w.asked,
                    if w.asked == 1 { "" } else { "s" }
                ));
            }
            if natural.contains(&kind) {
                score += 0.5;
                evidence.push(format!(
                    "{sys} is a system of kind {}, which usually owns {entity}",
                    kind.as_str()
                ));
            }
            Candidate {
                system: *s,
                score,
                evidence,
            }
        })
        .collect();
    scores.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.system.cmp(&b.system)));
    let name = |c: &Candidate| system(c.system).0.to_string();
    let (owner, contested, rationale) = match scores.as_slice() {
        [] => (
            None,
            false,
            format!("no writes of {entity} were observed: no owner suggested"),
        ),
        [only] => (
            Some(only.system),
            false,
            format!(
                "suggested owner {} (the only writer): {}",
                name(only),
                only.evidence.join("; ")
            ),
        ),
        [first, second, ..] if second.score >= CONTESTED_RATIO * first.score => (
            None,
            true,
            format!(
                "contested: {} (score {:.2}) and {} (score {:.2}) both write it and are close: {}; {}",
                name(first),
                first.score,
                name(second),
                second.score,
                first.evidence.join("; "),
                second.evidence.join("; ")
            ),
        ),
        [first, rest @ ..] => (
            Some(first.system),
            false,
            format!(
                "suggested owner {} (score {:.2}): {}; other writers: {}",
                name(first),
                first.score,
                first.evidence.join("; "),
                rest.iter()
                    .map(|c| format!("{} (score {:.2}: {})", name(c), c.score, c.evidence.join("; ")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    };
    Suggestion {
        owner,
        contested,
        scores,
        rationale,
    }
}

/// One line of `--compare`: `undocumented …` or `unused …`.
pub fn compare(discovered: &Model, documented: &Model) -> Vec<String> {
    let mut lines = Vec::new();
    let same = |a: &Flow, b: &Flow| {
        a.entity == b.entity && a.from == b.from && a.to == b.to && a.pattern == b.pattern
    };
    for f in &discovered.flows {
        if !documented.flows.iter().any(|d| same(f, d)) {
            let obs = f.extra.get("observed");
            let count = obs
                .and_then(|o| o.get("count"))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let rate = obs
                .and_then(|o| o.get("errorRate"))
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            let last = obs
                .and_then(|o| o.get("lastSeen"))
                .and_then(Value::as_str)
                .map(|t| format!(", last seen {t}"))
                .unwrap_or_default();
            lines.push(format!(
                "undocumented {} -> {} {} ({}): {count} exchange{}, {:.1}% errors{last}",
                f.from,
                f.to,
                f.entity,
                f.pattern.as_str(),
                if count == 1 { "" } else { "s" },
                rate * 100.0
            ));
        }
    }
    for d in &documented.flows {
        if !discovered.flows.iter().any(|f| same(f, d)) {
            lines.push(format!(
                "unused {}: {} -> {} {} ({}): no traffic observed",
                d.id,
                d.from,
                d.to,
                d.entity,
                d.pattern.as_str()
            ));
        }
    }
    lines
}
