//! Reconciliation: per `reconcile` rule and entity key, the latest data (by
//! message time) reported by each of the rule's systems (two or more), from
//! accepted events and observed states. With more than two systems each is
//! compared with the first: every pair (first, other) is judged as below.
//!
//! Judged on demand (at the end of a replay, or when `serve` is asked):
//! - **mismatch**: both sides reported and a rule field differs: numbers by
//!   more than `tolerance`, other values unless equal (a field present on one
//!   side only differs);
//! - **silent**: one side reported and the other did not follow within
//!   `withinSeconds` (by message time, not the wall clock): either it has
//!   still not reported, and more than `withinSeconds` passed up to the latest
//!   message time seen, or it did report, but late. A report waits for the
//!   other side's next report; the earliest unanswered one counts. With no
//!   `withinSeconds`, silence is never an exception.
//!
//! Memory is bounded: at most [`DEFAULT_KEYS_PER_RULE`] keys per rule are
//! kept; beyond that the key first seen longest ago is judged at that moment
//! (its exceptions are kept) and forgotten.

use crate::expr::get_field;
use crate::load::ReconcileRt;
use crate::time::secs;
use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::VecDeque;

/// Keys remembered per reconcile rule.
pub const DEFAULT_KEYS_PER_RULE: usize = 262_144;

/// What disagrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cause {
    Mismatch,
    Silent,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Mismatch => "mismatch",
            Cause::Silent => "silent",
        }
    }
}

/// One reconciliation exception.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exception {
    pub rule: String,
    pub key: String,
    #[serde(skip)]
    pub cause: Cause,
    pub detail: String,
    /// When it arose (message time): the later report of a mismatch, the end
    /// of the window of a silence.
    #[serde(skip)]
    pub at_ms: i64,
}

#[derive(Debug, Clone)]
struct Side {
    at_ms: i64,
    values: Vec<Option<Value>>,
}

#[derive(Debug, Clone, Default)]
struct KeyState {
    /// Per system of the rule, its latest report.
    sides: Vec<Option<Side>>,
    /// Per other system (index `i` is the pair of the first system and
    /// system `i + 1`), who waits for whom.
    pairs: Vec<Pair>,
}

#[derive(Debug, Clone, Default)]
struct Pair {
    /// The earliest report not yet followed by the other side: the side
    /// (0: the first system, 1: the other) that reported, and when.
    waiting: Option<(usize, i64)>,
    /// The longest late answer: the side that answered late, and how long
    /// it took.
    late: Option<(usize, i64)>,
}

impl Pair {
    /// Notes that `side` reported at `at_ms` (a report newer than its last).
    fn follow(&mut self, side: usize, at_ms: i64) {
        match self.waiting {
            Some((waiter, since)) if waiter != side && at_ms >= since => {
                let took = at_ms - since;
                if self.late.is_none_or(|(_, worst)| took > worst) {
                    self.late = Some((side, took));
                }
                self.waiting = None;
            }
            Some(_) => {}
            None => self.waiting = Some((side, at_ms)),
        }
    }
}

#[derive(Debug, Default)]
struct RuleState {
    keys: FxHashMap<String, KeyState>,
    order: VecDeque<String>,
    evicted: Vec<Exception>,
}

/// Reconciliation state of every reconcile rule.
#[derive(Debug)]
pub struct Reconciler {
    rules: Vec<ReconcileRt>,
    states: Vec<RuleState>,
    keys_per_rule: usize,
    latest_ms: i64,
}

impl Reconciler {
    pub fn new(rules: &[ReconcileRt], keys_per_rule: usize) -> Self {
        Reconciler {
            rules: rules.to_vec(),
            states: rules.iter().map(|_| RuleState::default()).collect(),
            keys_per_rule: keys_per_rule.max(1),
            latest_ms: i64::MIN,
        }
    }

    /// Notes the time of any message (the clock silence is measured by).
    pub fn tick(&mut self, at_ms: i64) {
        self.latest_ms = self.latest_ms.max(at_ms);
    }

    /// Records what `system` reported for `key` under rule `r`.
    pub fn record(
        &mut self,
        r: u32,
        system: u32,
        key: &str,
        at_ms: i64,
        data: &Map<String, Value>,
    ) {
        let Some(rule) = self.rules.get(r as usize) else {
            return;
        };
        let Some(side) = rule.systems.iter().position(|s| *s == system) else {
            return;
        };
        let Some(state) = self.states.get_mut(r as usize) else {
            return;
        };
        let entry = match state.keys.get_mut(key) {
            Some(e) => e,
            None => {
                if state.keys.len() >= self.keys_per_rule {
                    if let Some(old) = state.order.pop_front() {
                        if let Some(ks) = state.keys.remove(&old) {
                            state.evicted.extend(judge(rule, &old, &ks, self.latest_ms));
                        }
                    }
                }
                state.order.push_back(key.to_string());
                let n = rule.systems.len();
                state
                    .keys
                    .entry(key.to_string())
                    .or_insert_with(|| KeyState {
                        sides: vec![None; n],
                        pairs: vec![Pair::default(); n.saturating_sub(1)],
                    })
            }
        };
        if entry.sides[side].as_ref().is_some_and(|s| s.at_ms > at_ms) {
            // Older than what this side last reported: nothing to learn.
            return;
        }
        if side == 0 {
            for p in &mut entry.pairs {
                p.follow(0, at_ms);
            }
        } else if let Some(p) = entry.pairs.get_mut(side - 1) {
            p.follow(1, at_ms);
        }
        match &mut entry.sides[side] {
            Some(s) => {
                // Update in place: no allocation when the values are unchanged.
                s.at_ms = at_ms;
                for (slot, f) in s.values.iter_mut().zip(&rule.fields) {
                    let new = get_field(data, f);
                    if slot.as_ref() != new {
                        *slot = new.cloned();
                    }
                }
            }
            none => {
                *none = Some(Side {
                    at_ms,
                    values: rule
                        .fields
                        .iter()
                        .map(|f| get_field(data, f).cloned())
                        .collect(),
                })
            }
        }
    }

    /// Every current exception: rule order, then key order.
    pub fn exceptions(&self) -> Vec<Exception> {
        let mut out = Vec::new();
        for (rule, state) in self.rules.iter().zip(&self.states) {
            let mut found: Vec<Exception> = state.evicted.clone();
            let mut keys: Vec<&String> = state.keys.keys().collect();
            keys.sort();
            for k in keys {
                if let Some(ks) = state.keys.get(k) {
                    found.extend(judge(rule, k, ks, self.latest_ms));
                }
            }
            // Stable: a key's mismatch comes before its silence.
            found.sort_by(|a, b| a.key.cmp(&b.key));
            out.extend(found);
        }
        out
    }
}

fn show(v: &Option<Value>) -> String {
    match v {
        None => "(missing)".to_string(),
        Some(v) => v.to_string(),
    }
}

/// The exceptions of one key: per pair (the first system and each other),
/// a mismatch, then a silence, each at most once.
fn judge(rule: &ReconcileRt, key: &str, ks: &KeyState, now_ms: i64) -> Vec<Exception> {
    let mut out = Vec::new();
    for (i, pair) in ks.pairs.iter().enumerate() {
        judge_pair(rule, key, ks, i + 1, pair, now_ms, &mut out);
    }
    out
}

fn judge_pair(
    rule: &ReconcileRt,
    key: &str,
    ks: &KeyState,
    other: usize,
    pair: &Pair,
    now_ms: i64,
    out: &mut Vec<Exception>,
) {
    let names = [&rule.system_names[0], &rule.system_names[other]];
    let exception = |cause, detail, at_ms| Exception {
        rule: rule.id.clone(),
        key: key.to_string(),
        cause,
        detail,
        at_ms,
    };
    if let (Some(a), Some(b)) = (&ks.sides[0], &ks.sides[other]) {
        let [na, nb] = names;
        let mut diffs = Vec::new();
        let mut numeric = false;
        for (i, field) in rule.fields.iter().enumerate() {
            let (x, y) = (
                a.values.get(i).cloned().flatten(),
                b.values.get(i).cloned().flatten(),
            );
            let differs = match (
                x.as_ref().and_then(Value::as_f64),
                y.as_ref().and_then(Value::as_f64),
            ) {
                (Some(p), Some(q))
                    if x.as_ref().is_some_and(Value::is_number)
                        && y.as_ref().is_some_and(Value::is_number) =>
                {
                    let beyond =
                        (p - q).abs() > rule.tolerance + f64::EPSILON * p.abs().max(q.abs());
                    numeric |= beyond;
                    beyond
                }
                _ => x != y,
            };
            if differs {
                diffs.push(format!("{field}: {na}={} vs {nb}={}", show(&x), show(&y)));
            }
        }
        if !diffs.is_empty() {
            let detail = if numeric {
                format!("{} (tolerance {})", diffs.join("; "), rule.tolerance)
            } else {
                diffs.join("; ")
            };
            out.push(exception(Cause::Mismatch, detail, a.at_ms.max(b.at_ms)));
        }
    }
    let Some(within) = rule.within_ms else {
        return;
    };
    // Still waiting past the window beats an earlier late answer.
    let waiting = pair
        .waiting
        .map(|(spoke, since)| (spoke, since, now_ms.saturating_sub(since)))
        .filter(|&(_, _, silent_for)| silent_for > within);
    if let Some((spoke, since, silent_for)) = waiting {
        out.push(exception(
            Cause::Silent,
            format!(
                "{} silent {} after {} reported (window {})",
                names[1 - spoke],
                secs(silent_for),
                names[spoke],
                secs(within)
            ),
            since.saturating_add(within),
        ));
    } else if let Some((answered, took)) = pair.late.filter(|&(_, took)| took > within) {
        out.push(exception(
            Cause::Silent,
            format!(
                "{} silent {} after {} reported, then reported late (window {})",
                names[answered],
                secs(took),
                names[1 - answered],
                secs(within)
            ),
            ks.sides[if answered == 0 { 0 } else { other }]
                .as_ref()
                .map_or(now_ms, |s| s.at_ms),
        ));
    }
}
