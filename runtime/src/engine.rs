//! The decision engine: one decision per message, in the order of events.md.

use crate::acks::{AckResult, How, Outstanding, Settled, DEFAULT_OUTSTANDING};
use crate::alerts::{Alert, Alerts};
use crate::dedupe::{id_hash, DuplicateMemory, DEFAULT_CAPACITY};
use crate::expr::{get_field, resolve_slots};
use crate::incidents::{Incident, Incidents, Occurrence};
use crate::load::{Compiled, EntityRt, Target};
use crate::message::{Kind, Message};
use crate::ordering::{Ordering, Verdict as OrderVerdict, DEFAULT_ORDERED_KEYS};
use crate::reconcile::{Cause, Exception, Reconciler, DEFAULT_KEYS_PER_RULE};
use crate::time::format_rfc3339_ms;
use charter_model::config::ConfigRule;
use charter_model::model::ValidateAction;
use compact_str::CompactString;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
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
    UnexpectedAck,
    Stale,
    NoVersion,
    Conflict,
    Schema,
    Rule,
    /// The gate's caller sent a message whose `source` is another system
    /// (see [`crate::identity`]).
    SourceMismatch,
}

const REASONS: [Reason; 11] = [
    Reason::UnknownEntity,
    Reason::UnknownSystem,
    Reason::NotOwner,
    Reason::NotHolder,
    Reason::UnexpectedAck,
    Reason::Stale,
    Reason::NoVersion,
    Reason::Conflict,
    Reason::Schema,
    Reason::Rule,
    Reason::SourceMismatch,
];

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::UnknownEntity => "unknown-entity",
            Reason::UnknownSystem => "unknown-system",
            Reason::NotOwner => "not-owner",
            Reason::NotHolder => "not-holder",
            Reason::UnexpectedAck => "unexpected-ack",
            Reason::Stale => "stale",
            Reason::NoVersion => "no-version",
            Reason::Conflict => "conflict",
            Reason::Schema => "schema",
            Reason::Rule => "rule",
            Reason::SourceMismatch => "source-mismatch",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        REASONS.into_iter().find(|r| r.as_str() == s)
    }
}

/// One delivery: the target system and the flow's idempotency key value.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery<'m> {
    pub to: u32,
    /// `None` when the flow declares no idempotency key.
    pub idempotency_key: Option<KeyValue<'m>>,
    /// The flow it belongs to (`None` for route-only deliveries and requests
    /// with no request flow); whether it awaits an ack, and until when, is
    /// the flow's ([`crate::load::FlowRt::ack_within_ms`]).
    pub flow: Option<u32>,
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
    /// What was found, for `schema` refusals (the field and the value).
    pub detail: Option<String>,
}

/// The deliveries of one decision.
pub type Deliveries<'m> = smallvec::SmallVec<[Delivery<'m>; 4]>;

impl Decision<'_> {
    /// The decision on a line that is not a valid message.
    pub fn invalid() -> Decision<'static> {
        Decision::simple(Verdict::Invalid, None)
    }

    fn simple(verdict: Verdict, reason: Option<Reason>) -> Self {
        Decision {
            verdict,
            reason,
            rule: None,
            deliveries: Deliveries::new(),
            detail: None,
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
    pub fn refused(&self) -> u64 {
        self.reject + self.quarantine + self.invalid
    }
}

/// Per-flow traffic in a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FlowReport {
    pub delivered: u64,
    pub acked: u64,
    pub nacked: u64,
    pub unacknowledged: u64,
    /// Still awaiting an ack, deadline not passed.
    pub pending: u64,
    /// Pushed out of the bounded memory while awaiting an ack (see
    /// [`crate::acks`]).
    pub evicted: u64,
}

/// The `--report` summary (events.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    #[serde(flatten)]
    pub counts: Counts,
    pub reconciliation: Vec<Exception>,
    /// Exceptions by kind.
    pub exceptions: BTreeMap<String, u64>,
    pub flows: BTreeMap<String, FlowReport>,
    pub alerts: Vec<Alert>,
    pub incidents: Vec<Incident>,
}

/// Memory bounds of an engine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Duplicate detection window: at least this many of the latest distinct
    /// ids are remembered (up to twice as many); see [`crate::dedupe`].
    pub duplicate_ids: usize,
    /// Keys remembered per reconcile rule.
    pub reconcile_keys_per_rule: usize,
    /// Deliveries kept awaiting (or past) their ack; see [`crate::acks`].
    pub outstanding_acks: usize,
    /// Entity keys remembered for ordering; see [`crate::ordering`].
    pub ordered_keys: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            duplicate_ids: DEFAULT_CAPACITY,
            reconcile_keys_per_rule: DEFAULT_KEYS_PER_RULE,
            outstanding_acks: DEFAULT_OUTSTANDING,
            ordered_keys: DEFAULT_ORDERED_KEYS,
        }
    }
}

/// Exception kinds raised as traffic is decided (reconciliation's
/// `mismatch` and `silent` are judged on demand).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raised {
    Unacknowledged,
    Nack,
    Conflict,
    Drift,
    Alert,
}

const RAISED: [Raised; 5] = [
    Raised::Unacknowledged,
    Raised::Nack,
    Raised::Conflict,
    Raised::Drift,
    Raised::Alert,
];

impl Raised {
    pub fn as_str(self) -> &'static str {
        match self {
            Raised::Unacknowledged => "unacknowledged",
            Raised::Nack => "nack",
            Raised::Conflict => "conflict",
            Raised::Drift => "drift",
            Raised::Alert => "alert",
        }
    }
}

/// A recent exception, for `GET /v1/exceptions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recent {
    pub kind: &'static str,
    pub subject: String,
    pub source: String,
    pub at: String,
    pub detail: String,
}

/// A recent exception as kept: strings inline when short, the time as a
/// number (formatted when listed).
#[derive(Debug, Clone)]
struct Kept {
    kind: &'static str,
    subject: CompactString,
    source: CompactString,
    at_ms: i64,
    detail: CompactString,
}

/// Recent exceptions kept for the gate's listing.
pub const RECENT_EXCEPTIONS: usize = 1000;

/// Most slots resolved on the stack; fields beyond are looked up by name.
const STACK_SLOTS: usize = 32;

/// Decides messages against one configuration; keeps the duplicate memory,
/// the ordering, ack, reconciliation, alert and incident state, and the
/// counts.
pub struct Engine {
    cfg: Arc<Compiled>,
    state: State,
}

#[derive(Debug, Clone, Copy, Default)]
struct FlowCounts {
    delivered: u64,
    acked: u64,
    nacked: u64,
    unacknowledged: u64,
    evicted: u64,
}

struct State {
    seen: DuplicateMemory,
    reconciler: Reconciler,
    ordering: Ordering,
    outstanding: Outstanding,
    alerts: Alerts,
    incidents: Incidents,
    verdicts: [u64; 7],
    reasons: [u64; REASONS.len()],
    raised: [u64; RAISED.len()],
    flows: Vec<FlowCounts>,
    /// The latest `at` of any valid message (or wall time given to
    /// [`Engine::tick`]); `None` before the first.
    clock_ms: Option<i64>,
    settled: Vec<Settled>,
    recent: VecDeque<Kept>,
}

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

    fn raise(&mut self, kind: Raised, o: Occurrence<'_>) {
        self.raised[kind as usize] += 1;
        if self.recent.len() >= RECENT_EXCEPTIONS {
            self.recent.pop_front();
        }
        self.recent.push_back(Kept {
            kind: kind.as_str(),
            subject: o.subject.into(),
            source: o.source.into(),
            at_ms: o.at_ms,
            detail: o.detail.unwrap_or("").into(),
        });
        self.incidents.add(&o);
    }

    /// Moves the clock to `to_ms` (never back): deadlines it passes become
    /// `unacknowledged`, and alerts are judged.
    fn advance(&mut self, cfg: &Compiled, to_ms: i64) {
        match self.clock_ms {
            Some(c) if c >= to_ms => return,
            None => self.alerts.start(to_ms),
            _ => {}
        }
        self.clock_ms = Some(to_ms);
        self.reconciler.tick(to_ms);
        let mut settled = std::mem::take(&mut self.settled);
        self.outstanding.expire(to_ms, &mut settled);
        self.settle(cfg, &mut settled);
        self.settled = settled;
        self.poll_alerts(cfg);
    }

    fn poll_alerts(&mut self, cfg: &Compiled) {
        if self.alerts.is_empty() {
            return;
        }
        let Some(clock) = self.clock_ms else {
            return;
        };
        for a in self.alerts.poll(clock) {
            let detail = format!(
                "{} {} against {} from {} to {}",
                a.metric,
                round(a.value),
                a.threshold,
                a.from,
                a.to
            );
            let _ = cfg;
            self.raise(
                Raised::Alert,
                Occurrence {
                    kind: "alert",
                    reason: None,
                    subject: &a.rule,
                    source: "",
                    field: None,
                    at_ms: a.to_ms,
                    key: None,
                    message: None,
                    detail: Some(&detail),
                },
            );
        }
    }

    /// Counts settled deliveries (and drains `settled`).
    fn settle(&mut self, cfg: &Compiled, settled: &mut Vec<Settled>) {
        for s in settled.drain(..) {
            let Some(fc) = self.flows.get_mut(s.flow as usize) else {
                continue;
            };
            let watched = self.alerts.watches_flow(s.flow);
            let flow_id = cfg.flow_id(s.flow);
            let to = cfg.system_id(s.to);
            match &s.how {
                How::Acked { at_ms } => {
                    fc.acked += 1;
                    if watched {
                        self.alerts.settled(s.flow, s.at_ms, Some(*at_ms));
                    }
                }
                How::Nacked { at_ms, reason } => {
                    fc.nacked += 1;
                    if watched {
                        self.alerts.settled(s.flow, s.at_ms, None);
                    }
                    let detail = reason.as_deref().unwrap_or("no reason given");
                    self.raise(
                        Raised::Nack,
                        Occurrence {
                            kind: "nack",
                            reason: Some(detail),
                            subject: flow_id,
                            source: to,
                            field: None,
                            at_ms: *at_ms,
                            key: Some(s.key()),
                            message: Some(s.id()),
                            detail: Some(detail),
                        },
                    );
                }
                How::Unacknowledged => {
                    fc.unacknowledged += 1;
                    if watched {
                        self.alerts.settled(s.flow, s.at_ms, None);
                    }
                    let flow = cfg.flows.get(s.flow as usize);
                    let detail = flow.map_or("", |f| f.unacked_detail.as_str());
                    self.raise(
                        Raised::Unacknowledged,
                        Occurrence {
                            kind: "unacknowledged",
                            reason: None,
                            subject: flow_id,
                            source: to,
                            field: None,
                            at_ms: s.deadline_ms,
                            key: Some(s.key()),
                            message: Some(s.id()),
                            detail: Some(detail),
                        },
                    );
                }
                How::Evicted => {
                    fc.evicted += 1;
                    if watched {
                        self.alerts.settled(s.flow, s.at_ms, None);
                    }
                }
            }
        }
    }
}

fn round(v: f64) -> String {
    let text = format!("{v:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Engine {
    pub fn new(cfg: Arc<Compiled>) -> Self {
        Engine::with_limits(cfg, Limits::default())
    }

    pub fn with_limits(cfg: Arc<Compiled>, limits: Limits) -> Self {
        let reconciler = Reconciler::new(&cfg.reconciles, limits.reconcile_keys_per_rule);
        let alerts = Alerts::new(&cfg.alerts, cfg.flows.len());
        let flows = vec![FlowCounts::default(); cfg.flows.len()];
        Engine {
            state: State {
                seen: DuplicateMemory::new(limits.duplicate_ids),
                reconciler,
                ordering: Ordering::new(limits.ordered_keys),
                outstanding: Outstanding::new(limits.outstanding_acks),
                alerts,
                incidents: Incidents::default(),
                verdicts: [0; 7],
                reasons: [0; REASONS.len()],
                raised: [0; RAISED.len()],
                flows,
                clock_ms: None,
                settled: Vec::new(),
                recent: VecDeque::new(),
            },
            cfg,
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

    /// Deliveries awaiting an ack now.
    pub fn outstanding_acks(&self) -> usize {
        self.state.outstanding.open()
    }

    /// The clock (latest message time, or wall time given to [`Engine::tick`]).
    pub fn clock_ms(&self) -> Option<i64> {
        self.state.clock_ms
    }

    /// Counts a line that is not a valid message (`detail`: why; `id`: its
    /// id when it has one). Its time is the clock's.
    pub fn count_invalid(&mut self, detail: &str, id: Option<&str>) {
        let state = &mut self.state;
        state.count(Verdict::Invalid, None);
        let at_ms = state.clock_ms.unwrap_or(0);
        state.incidents.add(&Occurrence {
            kind: "invalid",
            reason: None,
            subject: "",
            source: "",
            field: None,
            at_ms,
            key: None,
            message: id,
            detail: Some(detail),
        });
    }

    /// Moves the clock to `now_ms` if that is later (the gate's wall clock):
    /// deadlines and alert windows it passes are judged.
    pub fn tick(&mut self, now_ms: i64) {
        self.state.advance(&self.cfg, now_ms);
    }

    /// Decides one message and updates the state.
    pub fn decide<'m>(&mut self, msg: &'m Message<'_>) -> Decision<'m> {
        let cfg = &*self.cfg;
        let state = &mut self.state;
        state.advance(cfg, msg.at_ms);
        let d = decide_inner(cfg, state, msg);
        state.count(d.verdict, d.reason);
        if d.verdict.is_refused() {
            refused_occurrence(cfg, state, msg, &d);
        }
        d
    }

    /// Refuses `msg` without deciding it (`reject`, `reason`), as the gate
    /// does when its authenticated caller `by` is not the message's source:
    /// counted and an incident occurrence of `by` (detail: the source
    /// claimed), but the clock does not move and the id is not remembered.
    pub fn refuse<'m>(&mut self, msg: &'m Message<'_>, reason: Reason, by: &str) -> Decision<'m> {
        let state = &mut self.state;
        state.count(Verdict::Reject, Some(reason));
        let detail = format!("as `{}`", msg.source);
        state.incidents.add(&Occurrence {
            kind: Verdict::Reject.as_str(),
            reason: Some(reason.as_str()),
            subject: "",
            source: by,
            field: None,
            at_ms: msg.at_ms,
            key: (!msg.key.is_empty()).then_some(msg.key.as_ref()),
            message: Some(msg.id.as_ref()),
            detail: Some(&detail),
        });
        let mut d = Decision::simple(Verdict::Reject, Some(reason));
        d.detail = Some(format!("sent by `{by}`, not by `{}`", msg.source));
        d
    }

    /// Current reconciliation exceptions.
    pub fn exceptions(&self) -> Vec<Exception> {
        self.state.reconciler.exceptions()
    }

    /// The latest exceptions raised as traffic was decided (at most
    /// [`RECENT_EXCEPTIONS`], oldest first).
    pub fn recent_exceptions(&self) -> Vec<Recent> {
        self.state
            .recent
            .iter()
            .map(|k| Recent {
                kind: k.kind,
                subject: k.subject.to_string(),
                source: k.source.to_string(),
                at: format_rfc3339_ms(k.at_ms),
                detail: k.detail.to_string(),
            })
            .collect()
    }

    /// Exceptions by kind, reconciliation's included.
    pub fn exception_counts(&self, reconciliation: &[Exception]) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for k in RAISED {
            out.insert(k.as_str().to_string(), self.state.raised[k as usize]);
        }
        for c in [Cause::Mismatch, Cause::Silent] {
            let n = reconciliation.iter().filter(|x| x.cause == c).count() as u64;
            out.insert(c.as_str().to_string(), n);
        }
        out
    }

    /// Per-flow traffic, by flow id.
    pub fn flows(&self) -> BTreeMap<String, FlowReport> {
        let open = self.state.outstanding.open_per_flow(self.cfg.flows.len());
        self.cfg
            .flows
            .iter()
            .zip(&self.state.flows)
            .zip(open)
            .map(|((f, c), pending)| {
                (
                    f.id.clone(),
                    FlowReport {
                        delivered: c.delivered,
                        acked: c.acked,
                        nacked: c.nacked,
                        unacknowledged: c.unacknowledged,
                        pending,
                        evicted: c.evicted,
                    },
                )
            })
            .collect()
    }

    /// Occurrences of causes past the incident bound (see
    /// [`crate::incidents`]).
    pub fn incidents_omitted(&self) -> u64 {
        self.state.incidents.omitted()
    }

    /// Alerts raised so far.
    pub fn alerts(&self) -> &[Alert] {
        self.state.alerts.raised()
    }

    /// Incidents so far, reconciliation exceptions included, by count then
    /// first occurrence, each with its one-line summary.
    pub fn incidents(&self) -> Vec<Incident> {
        self.incidents_with(&self.exceptions())
    }

    fn incidents_with(&self, reconciliation: &[Exception]) -> Vec<Incident> {
        let cfg = &*self.cfg;
        let mut all = self.state.incidents.clone();
        let mut recon: Vec<&Exception> = reconciliation.iter().collect();
        recon.sort_by_key(|x| x.at_ms);
        for x in recon {
            all.add(&Occurrence {
                kind: x.cause.as_str(),
                reason: None,
                subject: &x.rule,
                source: "",
                field: None,
                at_ms: x.at_ms,
                key: Some(&x.key),
                message: None,
                detail: Some(&x.detail),
            });
        }
        all.listed(|i| summarize(cfg, i))
    }

    /// The `--report` summary.
    pub fn summary(&self) -> Summary {
        let reconciliation = self.exceptions();
        Summary {
            counts: self.counts(),
            exceptions: self.exception_counts(&reconciliation),
            flows: self.flows(),
            alerts: self.alerts().to_vec(),
            incidents: self.incidents_with(&reconciliation),
            reconciliation,
        }
    }
}

/// The occurrence of a refused message.
fn refused_occurrence(cfg: &Compiled, state: &mut State, msg: &Message<'_>, d: &Decision<'_>) {
    let entity = msg.entity.as_ref();
    let (subject, field) = match d.reason {
        Some(Reason::Rule) => (d.rule.map_or("", |r| cfg.rule_id(r)), None),
        Some(Reason::UnexpectedAck) => ("", None),
        Some(Reason::Schema) => (entity, d.detail.as_deref().and_then(field_of)),
        _ => (entity, None),
    };
    let rule_message = d.rule.and_then(|r| match cfg.config.rules.get(r as usize) {
        Some(ConfigRule::Validate(v)) => v.message.as_deref(),
        _ => None,
    });
    let detail = d.detail.as_deref().or(rule_message);
    let o = Occurrence {
        kind: if d.reason == Some(Reason::Conflict) {
            "conflict"
        } else {
            d.verdict.as_str()
        },
        reason: if d.reason == Some(Reason::Conflict) {
            None
        } else {
            d.reason.map(Reason::as_str)
        },
        subject,
        source: msg.source.as_ref(),
        field,
        at_ms: msg.at_ms,
        key: (!msg.key.is_empty()).then_some(msg.key.as_ref()),
        message: Some(msg.id.as_ref()),
        detail,
    };
    if d.reason == Some(Reason::Conflict) {
        // One occurrence: the quarantine and its conflict exception.
        state.raise(Raised::Conflict, o);
    } else {
        state.incidents.add(&o);
    }
}

/// The field a schema detail names (between the first backquotes).
fn field_of(detail: &str) -> Option<&str> {
    let (_, rest) = detail.split_once('`')?;
    rest.split_once('`').map(|(f, _)| f)
}

/// What the ordering, contract and validate steps found, before the
/// duplicate check: the decision and its side effects to apply if the
/// message is not a duplicate.
struct Judged<'m> {
    decision: Decision<'m>,
    /// Feeds reconciliation (an observed state, a delivered event).
    record: bool,
    /// Undeclared fields (drift).
    drift: smallvec::SmallVec<[&'m str; 2]>,
}

fn decide_inner<'m>(cfg: &Compiled, state: &mut State, msg: &'m Message<'_>) -> Decision<'m> {
    // The duplicate memory's lookup (step 3) is a likely cache miss: it is
    // started first and checked after steps 4-7 are worked out (they have no
    // side effects), so that it overlaps them. Same decision as checking in
    // order: a duplicate's work is thrown away.
    let h = id_hash(&msg.id);
    state.seen.prefetch(h);
    // 2. unknown system (acks need no entity) or entity
    if msg.kind == Kind::Ack {
        let Some(&si) = cfg.systems.get(msg.source.as_ref()) else {
            return Decision::simple(Verdict::Reject, Some(Reason::UnknownSystem));
        };
        if state.seen.seen_or_insert(h) {
            return Decision::simple(Verdict::Duplicate, None);
        }
        return decide_ack(cfg, state, si, msg);
    }
    let Some(&ei) = cfg.entity_index.get(msg.entity.as_ref()) else {
        return Decision::simple(Verdict::Reject, Some(Reason::UnknownEntity));
    };
    let Some(&si) = cfg.systems.get(msg.source.as_ref()) else {
        return Decision::simple(Verdict::Reject, Some(Reason::UnknownSystem));
    };
    let ent = &cfg.entities[ei as usize];
    let j = judge(ent, ei, si, &state.ordering, msg);
    // 3. duplicate
    if state.seen.seen_or_insert(h) {
        return Decision::simple(Verdict::Duplicate, None);
    }
    apply(cfg, state, ent, ei, si, msg, j)
}

/// Step 4 for an ack: settles the delivery of `ref` to its source.
fn decide_ack<'m>(
    cfg: &Compiled,
    state: &mut State,
    si: u32,
    msg: &'m Message<'_>,
) -> Decision<'m> {
    let Some(ack) = &msg.ack else {
        return Decision::simple(Verdict::Reject, Some(Reason::UnexpectedAck));
    };
    match state
        .outstanding
        .ack(si, &ack.reference, ack.ok, ack.reason.as_deref(), msg.at_ms)
    {
        AckResult::Unexpected => Decision::simple(Verdict::Reject, Some(Reason::UnexpectedAck)),
        AckResult::Late => Decision::simple(Verdict::Observe, None),
        AckResult::Settled(s) => {
            let mut settled = std::mem::take(&mut state.settled);
            settled.push(s);
            state.settle(cfg, &mut settled);
            state.settled = settled;
            state.poll_alerts(cfg);
            Decision::simple(Verdict::Observe, None)
        }
    }
}

/// The side effects of a decided, non-duplicate message.
fn apply<'m>(
    cfg: &Compiled,
    state: &mut State,
    ent: &EntityRt,
    ei: u32,
    si: u32,
    msg: &'m Message<'_>,
    j: Judged<'m>,
) -> Decision<'m> {
    let d = j.decision;
    for field in &j.drift {
        let detail = format!("undeclared field `{field}`");
        state.raise(
            Raised::Drift,
            Occurrence {
                kind: "drift",
                reason: None,
                subject: &ent.id,
                source: msg.source.as_ref(),
                field: Some(field),
                at_ms: msg.at_ms,
                key: Some(msg.key.as_ref()),
                message: Some(msg.id.as_ref()),
                detail: Some(&detail),
            },
        );
    }
    if j.record {
        state.record(cfg, ei, si, msg);
    }
    let delivered = matches!(d.verdict, Verdict::Accept | Verdict::Flag);
    if delivered && msg.kind == Kind::Event {
        state
            .ordering
            .accept(ent.policy, ei, &msg.key, msg.at_ms, msg.version, &msg.id);
    }
    if let Some(watched) = ent.error_watched.get(si as usize) {
        for &f in watched {
            state.alerts.message(f, msg.at_ms, d.verdict.is_refused());
        }
    }
    if delivered {
        let mut evicted = Vec::new();
        for del in &d.deliveries {
            let Some(f) = del.flow else {
                continue;
            };
            if let Some(fc) = state.flows.get_mut(f as usize) {
                fc.delivered += 1;
            }
            let ack_within_ms = cfg.flows.get(f as usize).and_then(|x| x.ack_within_ms);
            if state.alerts.watches_flow(f) {
                state
                    .alerts
                    .delivered(f, msg.at_ms, ack_within_ms.is_some());
            }
            if let Some(within) = ack_within_ms {
                state.outstanding.insert(
                    f,
                    del.to,
                    &msg.id,
                    &msg.key,
                    msg.at_ms,
                    msg.at_ms.saturating_add(within),
                    &mut evicted,
                );
            }
        }
        if !evicted.is_empty() {
            state.settle(cfg, &mut evicted);
        }
    }
    d
}

/// Steps 4 to 8 for a message of a known entity and source, without side
/// effects.
fn judge<'m>(
    ent: &EntityRt,
    ei: u32,
    si: u32,
    ordering: &Ordering,
    msg: &'m Message<'_>,
) -> Judged<'m> {
    let refused = |verdict, reason| Judged {
        decision: Decision::simple(verdict, Some(reason)),
        record: false,
        drift: smallvec::SmallVec::new(),
    };
    // 4. ownership
    match msg.kind {
        Kind::Event if si != ent.owner => return refused(Verdict::Reject, Reason::NotOwner),
        Kind::State if !ent.holders[si as usize] => {
            return refused(Verdict::Reject, Reason::NotHolder)
        }
        _ => {}
    }
    // 5. ordering (events)
    if msg.kind == Kind::Event {
        match ordering.judge(ent.policy, ei, &msg.key, msg.at_ms, msg.version) {
            OrderVerdict::InOrder => {}
            OrderVerdict::Stale => return refused(Verdict::Reject, Reason::Stale),
            OrderVerdict::NoVersion => return refused(Verdict::Reject, Reason::NoVersion),
            OrderVerdict::Conflict { newer } => {
                let mut j = refused(Verdict::Quarantine, Reason::Conflict);
                j.decision.detail = Some(format!(
                    "{} is older than the accepted {newer}: a person decides",
                    msg.id
                ));
                return j;
            }
        }
    }
    // 6. contract
    let mut slot_buf: [Option<&Value>; STACK_SLOTS] = [None; STACK_SLOTS];
    let n = ent.slots.len().min(STACK_SLOTS);
    let slots = &mut slot_buf[..n];
    resolve_slots(&ent.slots, &msg.data, slots);
    let slots = &*slots;
    let upsert = msg.kind == Kind::Event && msg.op == "upsert";
    let drift = ent
        .contract
        .undeclared(slots, &msg.data)
        .into_iter()
        .collect();
    if let Some(breach) = ent.contract.check(slots, &msg.data, upsert) {
        let mut j = refused(Verdict::Reject, Reason::Schema);
        j.decision.detail = Some(breach.detail);
        j.drift = drift;
        return j;
    }
    if msg.kind == Kind::State {
        return Judged {
            decision: Decision::simple(Verdict::Observe, None),
            record: true,
            drift,
        };
    }
    // 7. validate (events that carry a record, and requests)
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
            return Judged {
                decision: Decision {
                    verdict,
                    reason: Some(Reason::Rule),
                    rule: Some(v.rule),
                    deliveries: Deliveries::new(),
                    detail: None,
                },
                record: false,
                drift,
            };
        }
    }
    // 8. deliveries
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
    let target = |t: &Target| Delivery {
        to: t.to,
        idempotency_key: key_of(t),
        flow: t.flow,
    };
    let mut deliveries = Deliveries::new();
    match msg.kind {
        Kind::Event => {
            for t in &ent.event_targets[si as usize] {
                deliveries.push(target(t));
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
                        flow: None,
                    });
                }
            }
        }
        Kind::Request => deliveries.push(target(&ent.request_target[si as usize])),
        Kind::State | Kind::Ack => {}
    }
    let (verdict, reason) = match flagged {
        Some(_) => (Verdict::Flag, Some(Reason::Rule)),
        None => (Verdict::Accept, None),
    };
    Judged {
        decision: Decision {
            verdict,
            reason,
            rule: flagged,
            deliveries,
            detail: None,
        },
        record: msg.kind == Kind::Event,
        drift,
    }
}

/// One incident's summary, in workshop words.
fn summarize(cfg: &Compiled, i: &Incident) -> String {
    let n = i.count;
    let s = |one: &str, many: &str| {
        if n == 1 {
            one.to_string()
        } else {
            many.to_string()
        }
    };
    let entity_name = |id: &str| -> String {
        cfg.entity_index
            .get(id)
            .and_then(|&e| cfg.config.entities.get(e as usize))
            .map_or_else(|| id.to_string(), |e| e.name.to_lowercase())
    };
    let flow_entity = |flow: &str| -> String {
        cfg.flows
            .iter()
            .find(|f| f.id == flow)
            .and_then(|f| cfg.config.entities.get(f.entity as usize))
            .map_or_else(String::new, |e| e.name.to_lowercase())
    };
    let detail = i.detail.as_deref().unwrap_or("");
    let src = &i.source;
    match (i.kind.as_str(), i.reason.as_deref()) {
        ("nack", _) => format!(
            "{src} refused {n} {} {} on {}: {detail}",
            flow_entity(&i.subject),
            s("delivery", "deliveries"),
            i.subject
        ),
        ("unacknowledged", _) => format!(
            "{src} never acknowledged {n} {} {} on {} ({detail})",
            flow_entity(&i.subject),
            s("delivery", "deliveries"),
            i.subject
        ),
        ("conflict", _) => format!(
            "{n} {} {} from {src} arrived older than an accepted one and wait for a person ({detail})",
            entity_name(&i.subject),
            s("event", "events")
        ),
        ("drift", _) => format!(
            "{src} sent {n} {} {} with the undeclared field `{}`: its shape changed without the model",
            entity_name(&i.subject),
            s("record", "records"),
            i.field.as_deref().unwrap_or("")
        ),
        ("alert", _) => format!(
            "alert {} fired {n} {}: {detail}",
            i.subject,
            s("time", "times")
        ),
        ("mismatch", _) => format!(
            "{n} {} {} differ on {}: {detail}",
            i.subject,
            s("key", "keys"),
            i.subject
        ),
        ("silent", _) => format!(
            "{n} {} {} on {}: {detail}",
            s("key", "keys"),
            s("went silent", "went silent"),
            i.subject
        ),
        ("invalid", _) => format!(
            "{n} {} not a valid message: {detail}",
            s("line was", "lines were")
        ),
        (decision, Some(reason)) => {
            let verb = if decision == "quarantine" {
                "held back"
            } else {
                "refused"
            };
            let what = entity_name(&i.subject);
            match reason {
                "not-owner" => {
                    let owner = cfg
                        .entity_index
                        .get(i.subject.as_str())
                        .map(|&e| cfg.system_id(cfg.entities[e as usize].owner))
                        .unwrap_or("");
                    format!(
                        "{src} sent {n} {what} {} it does not own (owner: {owner}): {verb}",
                        s("event", "events")
                    )
                }
                "not-holder" => format!(
                    "{src} reported {n} {what} {} it holds no copy of: {verb}",
                    s("state", "states")
                ),
                "unknown-system" => format!(
                    "{n} {} from {src}, a system the model does not know: {verb}",
                    s("message", "messages")
                ),
                "unknown-entity" => format!(
                    "{src} sent {n} {} about `{}`, an entity the model does not know: {verb}",
                    s("message", "messages"),
                    i.subject
                ),
                "source-mismatch" => format!(
                    "{src} sent {n} {} in another system's name ({detail}): {verb}",
                    s("message", "messages")
                ),
                "unexpected-ack" => format!(
                    "{src} sent {n} {} for no delivery awaiting one: {verb}",
                    s("ack", "acks")
                ),
                "stale" => format!(
                    "{src} sent {n} stale {what} {} (older than one already accepted): {verb}",
                    s("event", "events")
                ),
                "no-version" => format!(
                    "{src} sent {n} {what} {} without the `version` its conflict policy needs: {verb}",
                    s("event", "events")
                ),
                "schema" => format!(
                    "{src} sent {n} {what} {} that break the contract: {detail}",
                    s("record", "records")
                ),
                "rule" => {
                    let entity = match cfg.config.rules.iter().find(|r| r.id() == i.subject) {
                        Some(ConfigRule::Validate(v)) => entity_name(&v.entity),
                        _ => String::new(),
                    };
                    let why = if detail.is_empty() {
                        String::new()
                    } else {
                        format!(": {detail}")
                    };
                    format!(
                        "{verb} {n} {entity} {} from {src} by rule {}{why}",
                        s("message", "messages"),
                        i.subject
                    )
                }
                other => format!("{verb} {n} {} from {src}: {other}", s("message", "messages")),
            }
        }
        (other, None) => format!("{n} {other}: {detail}"),
    }
}

/// Writes one decision as a JSON object (the replay output line, without
/// the newline). `line` is the input line (replay) or the position in the
/// request (serve); `detail` says why a line is `invalid` (a decision's own
/// detail, as for `schema`, is written otherwise). `detail` follows `rule`
/// only when there is one.
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
    match d.reason {
        Some(r) => {
            out.push(b'"');
            out.extend_from_slice(r.as_str().as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"rule\":");
    write_str_or_null(out, d.rule.map(|r| cfg.rule_id(r)));
    if let Some(text) = d.detail.as_deref().or(detail) {
        out.extend_from_slice(b",\"detail\":");
        write_str_or_null(out, Some(text));
    }
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
