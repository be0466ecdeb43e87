//! Shared by the export, diff, schema and round-trip tests: the sample models
//! in `models/examples/` and a deterministic generator of governed models.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_model::model::{
    AlertMetric, AlertRule, ConflictPolicy, ConflictRule, Endpoint, Endpoints, Entity, Extra,
    Field, FieldType, Flow, Model, Pattern, Protocol, Retry, RouteRule, Rule, System, SystemKind,
    Trigger, ValidateAction, ValidateRule,
};
use std::path::{Path, PathBuf};

/// `models/examples/*.model.json`, sorted by name; empty while there are none.
pub fn sample_paths() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".model.json"))
        .collect();
    paths.sort();
    paths
}

pub fn sample_texts() -> Vec<(PathBuf, String)> {
    sample_paths()
        .into_iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, text)
        })
        .collect()
}

pub fn sample_models() -> Vec<(PathBuf, Model)> {
    sample_paths()
        .into_iter()
        .map(|p| {
            let m = charter_model::read_model_file(&p).unwrap_or_else(|e| panic!("{e}"));
            (p, m)
        })
        .collect()
}

/// A tiny deterministic pseudo-random source (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn field(name: &str, ty: FieldType, required: bool) -> Field {
    Field {
        name: name.into(),
        field_type: ty,
        required: required.then_some(true),
        values: (ty == FieldType::Enum)
            .then(|| vec!["open".into(), "held".into(), "closed".into()]),
        pii: None,
        extra: Extra::new(),
    }
}

/// A model built to be governed by construction: every entity has one owner,
/// events flow from the owner to each copy holder with an acknowledgement
/// and an idempotency key, requests go from a copy holder to the owner,
/// credentials are references only.
pub fn generated_model(seed: u64) -> Model {
    let mut rng = Rng::new(seed);
    let mut model = Model::new(format!("Generated model {seed}"));
    let envs: Vec<String> = if seed.is_multiple_of(3) {
        model.environments = None;
        vec!["prod".into()]
    } else {
        let envs = vec!["dev".to_string(), "test".into(), "prod".into()];
        model.environments = Some(envs.clone());
        envs
    };
    let kinds = [
        SystemKind::Erp,
        SystemKind::Wms,
        SystemKind::Ecommerce,
        SystemKind::ThirdPartyLogistics,
        SystemKind::Finance,
        SystemKind::Analytics,
    ];
    let n_systems = 2 + rng.below(5);
    for i in 0..n_systems {
        let id = format!("sys-{i}");
        let mut endpoints = Endpoints::new();
        for env in &envs {
            endpoints.insert(
                env.clone(),
                Endpoint {
                    protocol: [Protocol::Rest, Protocol::Queue, Protocol::Sftp][rng.below(3)],
                    url: format!("https://{id}.{env}.example.com/api"),
                    credential_ref: Some(format!("vault:{id}/{env}")),
                    rate_limit_per_minute: rng.chance(50).then_some(600),
                    extra: Extra::new(),
                },
            );
        }
        model.systems.push(System {
            id: id.clone(),
            name: format!("System {i}"),
            kind: kinds[i % kinds.len()],
            team: rng.chance(50).then(|| format!("Team {i}")),
            side_effects: None,
            endpoints: Some(endpoints),
            extra: Extra::new(),
        });
    }
    let n_entities = 1 + rng.below(4);
    let mut rules = Vec::new();
    for e in 0..n_entities {
        let id = format!("entity-{e}");
        let owner = rng.below(n_systems);
        let copies: Vec<usize> = (0..n_systems)
            .filter(|s| *s != owner && rng.chance(60))
            .collect();
        let fields = vec![
            field("ref", FieldType::String, true),
            field("quantity", FieldType::Integer, true),
            field("amount", FieldType::Number, false),
            field("active", FieldType::Boolean, false),
            field("day", FieldType::Date, false),
            field("at", FieldType::Datetime, rng.chance(50)),
            field("status", FieldType::Enum, false),
        ];
        model.entities.push(Entity {
            id: id.clone(),
            name: format!("Entity {e}"),
            owner: Some(format!("sys-{owner}")),
            steward: rng.chance(50).then(|| "Data office".to_string()),
            rationale: Some("Created and changed there".into()),
            key: "ref".into(),
            monetary: None,
            consistency_window_seconds: Some([5, 60, 900][rng.below(3)]),
            fields,
            copies: copies.iter().map(|c| format!("sys-{c}")).collect(),
            extra: Extra::new(),
        });
        for c in &copies {
            model.flows.push(Flow {
                id: format!("{id}-to-sys-{c}"),
                entity: id.clone(),
                from: format!("sys-{owner}"),
                to: format!("sys-{c}"),
                pattern: Pattern::Event,
                trigger: Trigger::System,
                ack: Some(true),
                idempotency_key: Some("ref".into()),
                ack_within_seconds: None,
                retry: Some(Retry {
                    extra: Default::default(),
                    attempts: 5,
                    backoff_seconds: 30,
                }),
                schedule: None,
                extra: Extra::new(),
            });
        }
        if let Some(c) = copies.first() {
            model.flows.push(Flow {
                id: format!("{id}-request-from-sys-{c}"),
                entity: id.clone(),
                from: format!("sys-{c}"),
                to: format!("sys-{owner}"),
                pattern: Pattern::Request,
                trigger: Trigger::User,
                ack: Some(true),
                idempotency_key: Some("ref".into()),
                ack_within_seconds: None,
                retry: None,
                schedule: None,
                extra: Extra::new(),
            });
            rules.push(Rule::Route(RouteRule {
                extra: Default::default(),
                id: format!("{id}-big"),
                entity: id.clone(),
                condition: "quantity > 100".into(),
                to: vec![format!("sys-{c}")],
            }));
            rules.push(Rule::Alert(AlertRule {
                extra: Default::default(),
                id: format!("{id}-ack-drop"),
                flow: format!("{id}-to-sys-{c}"),
                metric: AlertMetric::AckRate,
                threshold: 0.98,
                window_seconds: 300,
            }));
        }
        rules.push(Rule::Validate(ValidateRule {
            extra: Default::default(),
            id: format!("{id}-quantity"),
            entity: id.clone(),
            condition: "quantity >= 0 && status != \"held\"".into(),
            action: [
                ValidateAction::Reject,
                ValidateAction::Quarantine,
                ValidateAction::Flag,
            ][rng.below(3)],
            message: Some("Quantity cannot be negative".into()),
        }));
        if rng.chance(50) {
            rules.push(Rule::Conflict(ConflictRule {
                extra: Default::default(),
                id: format!("{id}-conflicts"),
                entity: id.clone(),
                policy: [
                    ConflictPolicy::LastWriteWins,
                    ConflictPolicy::Version,
                    ConflictPolicy::Escalate,
                ][rng.below(3)],
            }));
        }
    }
    model.rules = Some(rules);
    model
}
