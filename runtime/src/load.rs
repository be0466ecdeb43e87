//! Loading a `charter-config/1`: format and digest checks, then every CEL
//! condition compiled once and every name resolved to an index.

use crate::expr::{Condition, SlotTable};
use charter_model::config::{Config, ConfigFlow, ConfigRule, CONFIG_FORMAT};
use charter_model::export::digest_of;
use charter_model::model::{Pattern, ValidateAction};
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
}

impl Target {
    /// The delivery of flow `f` to `to`, with the flow's idempotency key
    /// (`entity_key`: the key field of the flow's entity).
    fn new(to: u32, f: &ConfigFlow, entity_key: &str, slots: &mut SlotTable) -> Target {
        let key = f.idempotency_key.as_ref();
        Target {
            to,
            key_field: key.map(|k| (k.clone(), slots.slot(k))),
            key_is_entity_key: key.is_some_and(|k| k == entity_key),
        }
    }
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
    pub systems: [u32; 2],
    pub system_names: [String; 2],
    pub fields: Vec<String>,
    pub tolerance: f64,
    pub within_ms: Option<i64>,
}

/// One entity, everything its decisions need, by index.
#[derive(Debug)]
pub struct EntityRt {
    pub id: String,
    pub owner: u32,
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
            entities.push(EntityRt {
                id: e.id.clone(),
                owner,
                holders,
                slots: SlotTable::default(),
                validates: Vec::new(),
                routes: Vec::new(),
                event_targets: vec![Vec::new(); n],
                request_target: (0..n)
                    .map(|_| Target {
                        to: owner,
                        key_field: None,
                        key_is_entity_key: false,
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
        for f in &config.flows {
            let e = ent(&f.entity, &format!("flow {}", f.id))? as usize;
            let from = sys(&f.from, &format!("flow {} from", f.id))? as usize;
            let to = sys(&f.to, &format!("flow {} to", f.id))?;
            let rt = &mut entities[e];
            match f.pattern {
                Pattern::Event => {
                    if !rt.event_targets[from].iter().any(|t| t.to == to) {
                        let target = Target::new(to, f, &config.entities[e].key, &mut rt.slots);
                        rt.event_targets[from].push(target);
                    }
                }
                Pattern::Request => {
                    if to == rt.owner && rt.request_target[from].key_field.is_none() {
                        let target = Target::new(to, f, &config.entities[e].key, &mut rt.slots);
                        rt.request_target[from] = target;
                    }
                }
            }
        }
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
                    let [a, b] = r.systems.as_slice() else {
                        return Err(bad(format!("rule {} must name exactly two systems", r.id)));
                    };
                    let systems = [
                        sys(a, &format!("rule {}", r.id))?,
                        sys(b, &format!("rule {}", r.id))?,
                    ];
                    entities[e as usize]
                        .reconciles
                        .push(reconciles.len() as u32);
                    reconciles.push(ReconcileRt {
                        rule: ri,
                        id: r.id.clone(),
                        entity: e,
                        systems,
                        system_names: [a.clone(), b.clone()],
                        fields: r.fields.clone(),
                        tolerance: r.tolerance,
                        within_ms: r.within_seconds.map(|s| i64::from(s) * 1000),
                    });
                }
                ConfigRule::Alert(_) => {}
            }
        }
        Ok(Compiled {
            config,
            system_ids,
            systems,
            entity_index,
            entities,
            reconciles,
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

    pub fn system_id(&self, system: u32) -> &str {
        self.system_ids
            .get(system as usize)
            .map(String::as_str)
            .unwrap_or("")
    }
}
