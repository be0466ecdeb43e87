//! Loading a `charter-config/1`: format and digest checks, then every CEL
//! condition compiled once and every name resolved to an index.

use crate::acks::DEFAULT_ACK_WITHIN_MS;
use crate::alerts::AlertRt;
use crate::contract::Contract;
use crate::expr::{Condition, SlotTable};
use crate::time::secs;
use charter_model::config::{Config, ConfigEntity, ConfigFlow, ConfigRule, CONFIG_FORMAT};
use charter_model::export::digest_of;
use charter_model::model::{AlertMetric, ConflictPolicy, Pattern, ValidateAction};
use rustc_hash::FxHashMap;
use serde_json::Value;
use std::path::Path;

/// Why a configuration was refused. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: not JSON: {source}")]
    NotJson {
        file: String,
        source: serde_json::Error,
    },
    #[error(
        "{file}: unknown configuration format {found} (this runtime knows \"{CONFIG_FORMAT}\")"
    )]
    UnknownFormat { file: String, found: String },
    #[error("{file}: digest mismatch: the file states {stated} but its content hashes to {actual}; the configuration was changed after export")]
    Digest {
        file: String,
        stated: String,
        actual: String,
    },
    #[error("{file}: not a valid {CONFIG_FORMAT} document: {source}")]
    Shape {
        file: String,
        source: serde_json::Error,
    },
    #[error("{file}: rule {rule}: condition {condition:?} does not compile: {message}")]
    Condition {
        file: String,
        rule: String,
        condition: String,
        message: String,
    },
    #[error("{file}: {message}")]
    Inconsistent { file: String, message: String },
}

/// A delivery target resolved at load.
#[derive(Debug, Clone)]
pub struct Target {
    pub to: u32,
    /// Data field whose value is the idempotency key, and its slot.
    pub key_field: Option<(String, usize)>,
    /// The key field is the entity's own `key`: when the record lacks it (a
    /// delete carries no record), the message's `key` is its value.
    pub key_is_entity_key: bool,
    /// The flow this delivery belongs to (`None`: a request to the owner
    /// with no request flow in the model).
    pub flow: Option<u32>,
}

impl Target {
    /// The delivery of flow `f` (index `fi`) to `to`, with the flow's
    /// idempotency key (`entity`: the flow's entity).
    fn new(
        to: u32,
        fi: u32,
        f: &ConfigFlow,
        entity: &ConfigEntity,
        slots: &mut SlotTable,
    ) -> Target {
        let key = f.idempotency_key.as_ref();
        Target {
            to,
            key_field: key.map(|k| (k.clone(), slots.slot(k))),
            key_is_entity_key: key.is_some_and(|k| *k == entity.key),
            flow: Some(fi),
        }
    }
}

/// A flow, by index.
#[derive(Debug, Clone)]
pub struct FlowRt {
    pub id: String,
    pub entity: u32,
    pub from: u32,
    pub to: u32,
    pub ack: bool,
    /// Milliseconds its target has to ack a delivery (`ackWithinSeconds`,
    /// else the entity's consistency window, else 300 s); `None` without
    /// `ack`.
    pub ack_within_ms: Option<i64>,
    /// What an unacknowledged delivery on it says ("no ack from 3pl within
    /// 120s"), made once.
    pub unacked_detail: String,
}

#[derive(Debug)]
pub struct ValidateRt {
    pub rule: u32,
    pub action: ValidateAction,
    pub cond: Condition,
}

#[derive(Debug)]
pub struct RouteRt {
    pub rule: u32,
    pub cond: Condition,
    pub to: Vec<u32>,
}

/// A reconcile rule resolved at load.
#[derive(Debug, Clone)]
pub struct ReconcileRt {
    pub rule: u32,
    pub id: String,
    pub entity: u32,
    /// Two or more; each is compared with the first.
    pub systems: Vec<u32>,
    pub system_names: Vec<String>,
    pub fields: Vec<String>,
    pub tolerance: f64,
    pub within_ms: Option<i64>,
}

/// One entity, everything its decisions need, by index.
#[derive(Debug)]
pub struct EntityRt {
    pub id: String,
    pub owner: u32,
    pub policy: ConflictPolicy,
    /// The declared fields (their slots come first in `slots`).
    pub contract: Contract,
    /// Per source system index: the flows of this entity from it that an
    /// `error-rate` alert watches.
    pub error_watched: Vec<Vec<u32>>,
    /// Per system index: owner or copy holder.
    pub holders: Vec<bool>,
    pub slots: SlotTable,
    pub validates: Vec<ValidateRt>,
    pub routes: Vec<RouteRt>,
    /// Per source system index: targets of the event flows from it.
    pub event_targets: Vec<Vec<Target>>,
    /// Per source system index: the request delivery (to the owner).
    pub request_target: Vec<Target>,
    /// Indexes into [`Compiled::reconciles`].
    pub reconciles: Vec<u32>,
}

/// A loaded configuration, ready to decide.
#[derive(Debug)]
pub struct Compiled {
    pub config: Config,
    pub system_ids: Vec<String>,
    pub systems: FxHashMap<String, u32>,
    pub entity_index: FxHashMap<String, u32>,
    pub entities: Vec<EntityRt>,
    pub reconciles: Vec<ReconcileRt>,
    pub flows: Vec<FlowRt>,
    pub alerts: Vec<AlertRt>,
    /// Conditions the native evaluator does not handle (run by the `cel`
    /// interpreter).
    pub interpreted_conditions: usize,
}

impl Compiled {
    /// Reads and loads a configuration file.
    pub fn load_file(path: &Path) -> Result<Compiled, LoadError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
            file: file.clone(),
            source,
        })?;
        Compiled::from_slice(&bytes, &file)
    }

    /// Loads a configuration from JSON text; `file` names it in errors.
    pub fn from_slice(bytes: &[u8], file: &str) -> Result<Compiled, LoadError> {
        let file = file.to_string();
        let doc: Value = serde_json::from_slice(bytes).map_err(|source| LoadError::NotJson {
            file: file.clone(),
            source,
        })?;
        let format = doc.get("format");
        if format.and_then(Value::as_str) != Some(CONFIG_FORMAT) {
            let found = match format {
                None => "(no `format`)".to_string(),
                Some(v) => v.to_string(),
            };
            return Err(LoadError::UnknownFormat { file, found });
        }
        let stated = doc
            .get("digest")
            .and_then(Value::as_str)
            .unwrap_or("(none)")
            .to_string();
        let actual = digest_of(&doc);
        if stated != actual {
            return Err(LoadError::Digest {
                file,
                stated,
                actual,
            });
        }
        let config: Config = serde_json::from_value(doc).map_err(|source| LoadError::Shape {
            file: file.clone(),
            source,
        })?;
        Compiled::compile(config, &file)
    }

    /// Resolves names and compiles conditions. Does not check the digest.
    pub fn compile(config: Config, file: &str) -> Result<Compiled, LoadError> {
        let bad = |message: String| LoadError::Inconsistent {
            file: file.to_string(),
            message,
        };
        let system_ids: Vec<String> = config.systems.iter().map(|s| s.id.clone()).collect();
        let mut systems = FxHashMap::default();
        for (i, s) in system_ids.iter().enumerate() {
            if systems.insert(s.clone(), i as u32).is_some() {
                return Err(bad(format!("system {s} is declared twice")));
            }
        }
        let sys = |id: &str, what: &str| -> Result<u32, LoadError> {
            systems
                .get(id)
                .copied()
                .ok_or_else(|| bad(format!("{what} names unknown system {id}")))
        };
        let n = system_ids.len();
        let mut entity_index = FxHashMap::default();
        let mut entities = Vec::with_capacity(config.entities.len());
        for (i, e) in config.entities.iter().enumerate() {
            if entity_index.insert(e.id.clone(), i as u32).is_some() {
                return Err(bad(format!("entity {} is declared twice", e.id)));
            }
            let owner = sys(&e.owner, &format!("entity {} owner", e.id))?;
            let mut holders = vec![false; n];
            holders[owner as usize] = true;
            for c in &e.copies {
                holders[sys(c, &format!("entity {} copies", e.id))? as usize] = true;
            }
            let mut slots = SlotTable::with_types(&e.schema);
            let contract = Contract::from_schema(&e.schema, &mut slots);
            entities.push(EntityRt {
                id: e.id.clone(),
                owner,
                policy: e.conflict_policy,
                contract,
                error_watched: vec![Vec::new(); n],
                holders,
                slots,
                validates: Vec::new(),
                routes: Vec::new(),
                event_targets: vec![Vec::new(); n],
                request_target: (0..n)
                    .map(|_| Target {
                        to: owner,
                        key_field: None,
                        key_is_entity_key: false,
                        flow: None,
                    })
                    .collect(),
                reconciles: Vec::new(),
            });
        }
        let ent = |id: &str, what: &str| -> Result<u32, LoadError> {
            entity_index
                .get(id)
                .copied()
                .ok_or_else(|| bad(format!("{what} names unknown entity {id}")))
        };
        let mut flows = Vec::with_capacity(config.flows.len());
        let mut flow_index = FxHashMap::default();
        for (fi, f) in config.flows.iter().enumerate() {
            let fi = fi as u32;
            let e = ent(&f.entity, &format!("flow {}", f.id))? as usize;
            let from = sys(&f.from, &format!("flow {} from", f.id))? as usize;
            let to = sys(&f.to, &format!("flow {} to", f.id))?;
            if flow_index.insert(f.id.clone(), fi).is_some() {
                return Err(bad(format!("flow {} is declared twice", f.id)));
            }
            let ack_within_ms = f.ack.then(|| {
                f.ack_within_seconds
                    .or(config.entities[e].consistency_window_seconds)
                    .map_or(DEFAULT_ACK_WITHIN_MS, |s| i64::from(s) * 1000)
            });
            flows.push(FlowRt {
                id: f.id.clone(),
                entity: e as u32,
                from: from as u32,
                to,
                ack: f.ack,
                ack_within_ms,
                unacked_detail: format!(
                    "no ack from {} within {}",
                    f.to,
                    secs(ack_within_ms.unwrap_or(DEFAULT_ACK_WITHIN_MS))
                ),
            });
            let rt = &mut entities[e];
            match f.pattern {
                Pattern::Event => {
                    if !rt.event_targets[from].iter().any(|t| t.to == to) {
                        let target = Target::new(to, fi, f, &config.entities[e], &mut rt.slots);
                        rt.event_targets[from].push(target);
                    }
                }
                Pattern::Request => {
                    if to == rt.owner && rt.request_target[from].flow.is_none() {
                        let target = Target::new(to, fi, f, &config.entities[e], &mut rt.slots);
                        rt.request_target[from] = target;
                    }
                }
            }
        }
        let mut alerts = Vec::new();
        let mut reconciles = Vec::new();
        let mut interpreted = 0;
        for (ri, rule) in config.rules.iter().enumerate() {
            let ri = ri as u32;
            let compile = |rt: &mut EntityRt, id: &str, condition: &str| {
                Condition::compile(condition, &mut rt.slots).map_err(|message| {
                    LoadError::Condition {
                        file: file.to_string(),
                        rule: id.to_string(),
                        condition: condition.to_string(),
                        message,
                    }
                })
            };
            match rule {
                ConfigRule::Validate(v) => {
                    let e = ent(&v.entity, &format!("rule {}", v.id))? as usize;
                    let cond = compile(&mut entities[e], &v.id, &v.condition)?;
                    interpreted += usize::from(!cond.is_native());
                    entities[e].validates.push(ValidateRt {
                        rule: ri,
                        action: v.action,
                        cond,
                    });
                }
                ConfigRule::Route(r) => {
                    let e = ent(&r.entity, &format!("rule {}", r.id))? as usize;
                    let to =
                        r.to.iter()
                            .map(|t| sys(t, &format!("rule {} to", r.id)))
                            .collect::<Result<Vec<_>, _>>()?;
                    let cond = compile(&mut entities[e], &r.id, &r.condition)?;
                    interpreted += usize::from(!cond.is_native());
                    entities[e].routes.push(RouteRt { rule: ri, cond, to });
                }
                ConfigRule::Reconcile(r) => {
                    let e = ent(&r.entity, &format!("rule {}", r.id))?;
                    if r.systems.len() < 2 {
                        return Err(bad(format!("rule {} must name two or more systems", r.id)));
                    }
                    let systems = r
                        .systems
                        .iter()
                        .map(|s| sys(s, &format!("rule {}", r.id)))
                        .collect::<Result<Vec<_>, _>>()?;
                    entities[e as usize]
                        .reconciles
                        .push(reconciles.len() as u32);
                    reconciles.push(ReconcileRt {
                        rule: ri,
                        id: r.id.clone(),
                        entity: e,
                        systems,
                        system_names: r.systems.clone(),
                        fields: r.fields.clone(),
                        tolerance: r.tolerance,
                        within_ms: r.within_seconds.map(|s| i64::from(s) * 1000),
                    });
                }
                ConfigRule::Alert(a) => {
                    let Some(&flow) = flow_index.get(&a.flow) else {
                        return Err(bad(format!("rule {} names unknown flow {}", a.id, a.flow)));
                    };
                    if a.window_seconds == 0 && a.metric != AlertMetric::StallSeconds {
                        return Err(bad(format!(
                            "rule {}: windowSeconds must be positive",
                            a.id
                        )));
                    }
                    let f = &flows[flow as usize];
                    if a.metric == AlertMetric::ErrorRate {
                        let watched =
                            &mut entities[f.entity as usize].error_watched[f.from as usize];
                        if !watched.contains(&flow) {
                            watched.push(flow);
                        }
                    }
                    alerts.push(AlertRt {
                        rule: ri,
                        id: a.id.clone(),
                        flow,
                        flow_id: a.flow.clone(),
                        metric: a.metric,
                        threshold: a.threshold,
                        window_ms: i64::from(a.window_seconds.max(1)) * 1000,
                    });
                }
            }
        }
        Ok(Compiled {
            config,
            system_ids,
            systems,
            entity_index,
            entities,
            reconciles,
            flows,
            alerts,
            interpreted_conditions: interpreted,
        })
    }

    pub fn rule_id(&self, rule: u32) -> &str {
        self.config
            .rules
            .get(rule as usize)
            .map(ConfigRule::id)
            .unwrap_or("")
    }

    pub fn flow_id(&self, flow: u32) -> &str {
        self.flows
            .get(flow as usize)
            .map(|f| f.id.as_str())
            .unwrap_or("")
    }

    pub fn system_id(&self, system: u32) -> &str {
        self.system_ids
            .get(system as usize)
            .map(String::as_str)
            .unwrap_or("")
    }
}
