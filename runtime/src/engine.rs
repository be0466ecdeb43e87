//! The decision engine: one decision per message, in the order of events.md.

use crate::dedupe::{id_hash, DuplicateMemory, DEFAULT_CAPACITY};
use crate::expr::{get_field, resolve_slots};
use crate::load::{Compiled, EntityRt, Target};
use crate::message::{Kind, Message};
use crate::reconcile::{Exception, Reconciler, DEFAULT_KEYS_PER_RULE};
use charter_model::model::ValidateAction;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The decision on one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Accept,
    Reject,
    Quarantine,
    Duplicate,
    Flag,
    Observe,
    Invalid,
}

impl Verdict {
    pub const ALL: [Verdict; 7] = [
        Verdict::Accept,
        Verdict::Reject,
        Verdict::Quarantine,
        Verdict::Duplicate,
        Verdict::Flag,
        Verdict::Observe,
        Verdict::Invalid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Reject => "reject",
            Verdict::Quarantine => "quarantine",
            Verdict::Duplicate => "duplicate",
            Verdict::Flag => "flag",
            Verdict::Observe => "observe",
            Verdict::Invalid => "invalid",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Refused traffic (what `--strict` fails on).
    pub fn is_refused(self) -> bool {
        matches!(
            self,
            Verdict::Reject | Verdict::Quarantine | Verdict::Invalid
        )
    }
}

/// Why, for refusals and flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    UnknownEntity,
    UnknownSystem,
    NotOwner,
    NotHolder,
    Rule,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::UnknownEntity => "unknown-entity",
            Reason::UnknownSystem => "unknown-system",
            Reason::NotOwner => "not-owner",
            Reason::NotHolder => "not-holder",
            Reason::Rule => "rule",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        [
            Reason::UnknownEntity,
            Reason::UnknownSystem,
            Reason::NotOwner,
            Reason::NotHolder,
            Reason::Rule,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// One delivery: the target system and the flow's idempotency key value.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery<'m> {
    pub to: u32,
    /// `None` when the flow declares no idempotency key.
    pub idempotency_key: Option<KeyValue<'m>>,
}

/// The value of a delivery's idempotency key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyValue<'m> {
    /// The record's field (`Null` when the record lacks it).
    Field(&'m Value),
    /// The message's `key`: the flow's key field is the entity's key and the
    /// record lacks it (a delete, or an upsert that leaves the key implicit).
    MessageKey(&'m str),
}

static NULL: Value = Value::Null;

/// A decision, referring to the configuration by index.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision<'m> {
    pub verdict: Verdict,
    pub reason: Option<Reason>,
    /// Index of the deciding (or first flagging) rule in the configuration.
    pub rule: Option<u32>,
    /// Inline for up to four targets (no allocation in the common case).
    pub deliveries: Deliveries<'m>,
}

/// The deliveries of one decision.
pub type Deliveries<'m> = smallvec::SmallVec<[Delivery<'m>; 4]>;

impl Decision<'_> {
    /// The decision on a line that is not a valid message.
    pub fn invalid() -> Decision<'static> {
        Decision {
            verdict: Verdict::Invalid,
            reason: None,
            rule: None,
            deliveries: Deliveries::new(),
        }
    }

    fn simple(verdict: Verdict, reason: Option<Reason>) -> Self {
        Decision {
            verdict,
            reason,
            rule: None,
            deliveries: Deliveries::new(),
        }
    }
}

/// Counts per decision and reason (the `--report` summary, less
/// reconciliation).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub messages: u64,
    pub accept: u64,
    pub reject: u64,
    pub quarantine: u64,
    pub duplicate: u64,
    pub flag: u64,
    pub observe: u64,
    pub invalid: u64,
    pub reasons: BTreeMap<String, u64>,
}

impl Counts {
    pub fn add(&mut self, verdict: Verdict, reason: Option<Reason>) {
        self.messages += 1;
        *match verdict {
            Verdict::Accept => &mut self.accept,
            Verdict::Reject => &mut self.reject,
            Verdict::Quarantine => &mut self.quarantine,
            Verdict::Duplicate => &mut self.duplicate,
            Verdict::Flag => &mut self.flag,
            Verdict::Observe => &mut self.observe,
            Verdict::Invalid => &mut self.invalid,
        } += 1;
        if let Some(r) = reason {
            match self.reasons.get_mut(r.as_str()) {
                Some(n) => *n += 1,
                None => {
                    self.reasons.insert(r.as_str().to_string(), 1);
                }
            }
        }
    }

    pub fn refused(&self) -> u64 {
        self.reject + self.quarantine + self.invalid
    }
}

/// The `--report` summary (events.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    #[serde(flatten)]
    pub counts: Counts,
    pub reconciliation: Vec<Exception>,
}

/// Memory bounds of an engine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Duplicate detection window: at least this many of the latest distinct
    /// ids are remembered (up to twice as many); see [`crate::dedupe`].
    pub duplicate_ids: usize,
    /// Keys remembered per reconcile rule.
    pub reconcile_keys_per_rule: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            duplicate_ids: DEFAULT_CAPACITY,
            reconcile_keys_per_rule: DEFAULT_KEYS_PER_RULE,
        }
    }
}

/// Most slots resolved on the stack; fields beyond are looked up by name.
const STACK_SLOTS: usize = 32;

/// Decides messages against one configuration; keeps the duplicate memory,
/// the reconciliation state and the counts.
pub struct Engine {
    cfg: Arc<Compiled>,
    state: State,
}

struct State {
    seen: DuplicateMemory,
    reconciler: Reconciler,
    verdicts: [u64; 7],
    reasons: [u64; 5],
}

const REASONS: [Reason; 5] = [
    Reason::UnknownEntity,
    Reason::UnknownSystem,
    Reason::NotOwner,
    Reason::NotHolder,
    Reason::Rule,
];

impl State {
    fn count(&mut self, verdict: Verdict, reason: Option<Reason>) {
        self.verdicts[verdict as usize] += 1;
        if let Some(r) = reason {
            self.reasons[r as usize] += 1;
        }
    }

    fn record(&mut self, cfg: &Compiled, ei: u32, si: u32, msg: &Message<'_>) {
        for &r in &cfg.entities[ei as usize].reconciles {
            self.reconciler
                .record(r, si, &msg.key, msg.at_ms, &msg.data);
        }
    }
}

impl Engine {
    pub fn new(cfg: Arc<Compiled>) -> Self {
        Engine::with_limits(cfg, Limits::default())
    }

    pub fn with_limits(cfg: Arc<Compiled>, limits: Limits) -> Self {
        let reconciler = Reconciler::new(&cfg.reconciles, limits.reconcile_keys_per_rule);
        Engine {
            cfg,
            state: State {
                seen: DuplicateMemory::new(limits.duplicate_ids),
                reconciler,
                verdicts: [0; 7],
                reasons: [0; 5],
            },
        }
    }

    pub fn config(&self) -> &Arc<Compiled> {
        &self.cfg
    }

    /// Counts of the decisions taken so far.
    pub fn counts(&self) -> Counts {
        let v = &self.state.verdicts;
        let mut reasons = BTreeMap::new();
        for r in REASONS {
            let n = self.state.reasons[r as usize];
            if n > 0 {
                reasons.insert(r.as_str().to_string(), n);
            }
        }
        Counts {
            messages: v.iter().sum(),
            accept: v[Verdict::Accept as usize],
            reject: v[Verdict::Reject as usize],
            quarantine: v[Verdict::Quarantine as usize],
            duplicate: v[Verdict::Duplicate as usize],
            flag: v[Verdict::Flag as usize],
            observe: v[Verdict::Observe as usize],
            invalid: v[Verdict::Invalid as usize],
            reasons,
        }
    }

    /// Ids currently remembered for duplicate detection.
    pub fn remembered_ids(&self) -> usize {
        self.state.seen.len()
    }

    /// Counts a message that was not a valid message.
    pub fn count_invalid(&mut self) {
        self.state.count(Verdict::Invalid, None);
    }

    /// Decides one message and updates the state (duplicate memory,
    /// reconciliation, counts).
    pub fn decide<'m>(&mut self, msg: &'m Message<'_>) -> Decision<'m> {
        let d = decide_inner(&self.cfg, &mut self.state, msg);
        self.state.count(d.verdict, d.reason);
        d
    }

    /// Rebuilds state from a decision taken earlier (decision-log recovery):
    /// the id is remembered when the decision got past step 2, and accepted
    /// or flagged events and observed states feed reconciliation.
    pub fn restore(&mut self, msg: &Message<'_>, verdict: Verdict, reason: Option<Reason>) {
        let state = &mut self.state;
        state.count(verdict, reason);
        state.reconciler.tick(msg.at_ms);
        if verdict == Verdict::Invalid
            || matches!(reason, Some(Reason::UnknownEntity | Reason::UnknownSystem))
        {
            return;
        }
        state.seen.seen_or_insert(id_hash(&msg.id));
        let delivered_event =
            msg.kind == Kind::Event && matches!(verdict, Verdict::Accept | Verdict::Flag);
        if delivered_event || verdict == Verdict::Observe {
            let cfg = &self.cfg;
            if let (Some(&ei), Some(&si)) = (
                cfg.entity_index.get(msg.entity.as_ref()),
                cfg.systems.get(msg.source.as_ref()),
            ) {
                state.record(cfg, ei, si, msg);
            }
        }
    }

    /// Current reconciliation exceptions.
    pub fn exceptions(&self) -> Vec<Exception> {
        self.state.reconciler.exceptions()
    }

    /// The `--report` summary.
    pub fn summary(&self) -> Summary {
        Summary {
            counts: self.counts(),
            reconciliation: self.exceptions(),
        }
    }
}

fn decide_inner<'m>(cfg: &Compiled, state: &mut State, msg: &'m Message<'_>) -> Decision<'m> {
    state.reconciler.tick(msg.at_ms);
    // The duplicate memory's lookup (step 3) is a likely cache miss: it is
    // started first and checked after steps 4-6 are worked out (they have no
    // side effects), so that it overlaps them. Same decision as checking in
    // order: a duplicate's work is thrown away.
    let h = id_hash(&msg.id);
    state.seen.prefetch(h);
    // 2. unknown entity or system
    let Some(&ei) = cfg.entity_index.get(msg.entity.as_ref()) else {
        return Decision::simple(Verdict::Reject, Some(Reason::UnknownEntity));
    };
    let Some(&si) = cfg.systems.get(msg.source.as_ref()) else {
        return Decision::simple(Verdict::Reject, Some(Reason::UnknownSystem));
    };
    let ent = &cfg.entities[ei as usize];
    let (d, record) = judge(ent, si, msg);
    // 3. duplicate
    if state.seen.seen_or_insert(h) {
        return Decision::simple(Verdict::Duplicate, None);
    }
    if record {
        state.record(cfg, ei, si, msg);
    }
    d
}

/// Steps 4 to 6 for a message of a known entity and source, without side
/// effects; also tells whether the message feeds reconciliation (an observed
/// state, a delivered event).
fn judge<'m>(ent: &EntityRt, si: u32, msg: &'m Message<'_>) -> (Decision<'m>, bool) {
    // 4. ownership
    match msg.kind {
        Kind::Event if si != ent.owner => {
            return (
                Decision::simple(Verdict::Reject, Some(Reason::NotOwner)),
                false,
            )
        }
        Kind::State => {
            if !ent.holders[si as usize] {
                return (
                    Decision::simple(Verdict::Reject, Some(Reason::NotHolder)),
                    false,
                );
            }
            return (Decision::simple(Verdict::Observe, None), true);
        }
        _ => {}
    }
    // 5. validate (events that carry a record, and requests)
    let mut slot_buf: [Option<&Value>; STACK_SLOTS] = [None; STACK_SLOTS];
    let n = ent.slots.len().min(STACK_SLOTS);
    let slots = &mut slot_buf[..n];
    resolve_slots(&ent.slots, &msg.data, slots);
    let slots = &*slots;
    let mut flagged = None;
    if !(msg.kind == Kind::Event && msg.op == "delete") {
        for v in &ent.validates {
            if v.cond.eval_bool(slots, &msg.data) == Ok(true) {
                continue;
            }
            let verdict = match v.action {
                ValidateAction::Reject => Verdict::Reject,
                ValidateAction::Quarantine => Verdict::Quarantine,
                ValidateAction::Flag => {
                    if flagged.is_none() {
                        flagged = Some(v.rule);
                    }
                    continue;
                }
            };
            return (
                Decision {
                    verdict,
                    reason: Some(Reason::Rule),
                    rule: Some(v.rule),
                    deliveries: Deliveries::new(),
                },
                false,
            );
        }
    }
    // 6. deliveries
    let key_of = |t: &Target| {
        t.key_field.as_ref().map(|(name, slot)| {
            let field = match slots.get(*slot) {
                Some(v) => *v,
                None => get_field(&msg.data, name),
            };
            match field {
                Some(v) if !(v.is_null() && t.key_is_entity_key) => KeyValue::Field(v),
                _ if t.key_is_entity_key => KeyValue::MessageKey(&msg.key),
                _ => KeyValue::Field(&NULL),
            }
        })
    };
    let mut deliveries = Deliveries::new();
    match msg.kind {
        Kind::Event => {
            let flows = &ent.event_targets[si as usize];
            for t in flows {
                deliveries.push(Delivery {
                    to: t.to,
                    idempotency_key: key_of(t),
                });
            }
            for r in &ent.routes {
                if r.cond.eval_bool(slots, &msg.data) != Ok(true) {
                    continue;
                }
                for &to in &r.to {
                    if to == si || deliveries.iter().any(|d| d.to == to) {
                        continue;
                    }
                    deliveries.push(Delivery {
                        to,
                        idempotency_key: None,
                    });
                }
            }
        }
        Kind::Request => {
            let t = &ent.request_target[si as usize];
            deliveries.push(Delivery {
                to: t.to,
                idempotency_key: key_of(t),
            });
        }
        Kind::State => {}
    }
    let (verdict, reason) = match flagged {
        Some(_) => (Verdict::Flag, Some(Reason::Rule)),
        None => (Verdict::Accept, None),
    };
    (
        Decision {
            verdict,
            reason,
            rule: flagged,
            deliveries,
        },
        msg.kind == Kind::Event,
    )
}

/// Writes one decision as a JSON object (the replay output line, without
/// the newline). `line` is the input line (replay) or the position in the
/// request (serve); `detail` is the reason of an `invalid` decision.
pub fn write_decision(
    out: &mut Vec<u8>,
    cfg: &Compiled,
    line: u64,
    id: Option<&str>,
    d: &Decision<'_>,
    detail: Option<&str>,
) {
    out.extend_from_slice(b"{\"line\":");
    out.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
    out.extend_from_slice(b",\"id\":");
    write_str_or_null(out, id);
    out.extend_from_slice(b",\"decision\":\"");
    out.extend_from_slice(d.verdict.as_str().as_bytes());
    out.extend_from_slice(b"\",\"reason\":");
    match (d.reason, detail) {
        (Some(r), _) => {
            out.push(b'"');
            out.extend_from_slice(r.as_str().as_bytes());
            out.push(b'"');
        }
        (None, Some(text)) => write_str_or_null(out, Some(text)),
        (None, None) => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"rule\":");
    write_str_or_null(out, d.rule.map(|r| cfg.rule_id(r)));
    out.extend_from_slice(b",\"deliveries\":[");
    for (i, del) in d.deliveries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"to\":");
        write_str_or_null(out, Some(cfg.system_id(del.to)));
        out.extend_from_slice(b",\"idempotencyKey\":");
        match del.idempotency_key {
            Some(KeyValue::Field(Value::String(s))) => write_str_or_null(out, Some(s)),
            Some(KeyValue::MessageKey(s)) => write_str_or_null(out, Some(s)),
            Some(KeyValue::Field(v)) => {
                let _ = serde_json::to_writer(&mut *out, v);
            }
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
}

fn write_str_or_null(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.extend_from_slice(b"null"),
        Some(s)
            if s.bytes()
                .all(|b| b >= 0x20 && b != b'"' && b != b'\\' && b < 0x7f) =>
        {
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
        Some(s) => {
            let _ = serde_json::to_writer(&mut *out, s);
        }
    }
}
