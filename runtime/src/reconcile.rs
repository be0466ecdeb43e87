//! Reconciliation: per `reconcile` rule and entity key, the latest data (by
//! message time) reported by each of the rule's two systems, from accepted
//! events and observed states.
//!
//! Judged on demand (at the end of a replay, or when `serve` is asked):
//! - **mismatch**: both sides reported and a rule field differs: numbers by
//!   more than `tolerance`, other values unless equal (a field present on one
//!   side only differs);
//! - **silent**: one side reported and the other did not, and more than
//!   `withinSeconds` passed since (measured to the latest message time seen,
//!   not the wall clock). With no `withinSeconds`, silence is never an
//!   exception.
//!
//! Memory is bounded: at most [`DEFAULT_KEYS_PER_RULE`] keys per rule are
//! kept; beyond that the key first seen longest ago is judged at that moment
//! (its exceptions are kept) and forgotten.

use crate::expr::get_field;
use crate::load::ReconcileRt;
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
}

#[derive(Debug, Clone)]
struct Side {
    at_ms: i64,
    values: Vec<Option<Value>>,
}

#[derive(Debug, Clone, Default)]
struct KeyState {
    sides: [Option<Side>; 2],
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
                            if let Some(x) = judge(rule, &old, &ks, self.latest_ms) {
                                state.evicted.push(x);
                            }
                        }
                    }
                }
                state.order.push_back(key.to_string());
                state.keys.entry(key.to_string()).or_default()
            }
        };
        match &mut entry.sides[side] {
            Some(s) if s.at_ms > at_ms => {}
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
                if let Some(x) = state
                    .keys
                    .get(k)
                    .and_then(|ks| judge(rule, k, ks, self.latest_ms))
                {
                    found.push(x);
                }
            }
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

fn judge(rule: &ReconcileRt, key: &str, ks: &KeyState, now_ms: i64) -> Option<Exception> {
    let [na, nb] = &rule.system_names;
    let exception = |cause, detail| Exception {
        rule: rule.id.clone(),
        key: key.to_string(),
        cause,
        detail,
    };
    match (&ks.sides[0], &ks.sides[1]) {
        (Some(a), Some(b)) => {
            let mut diffs = Vec::new();
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
                        (p - q).abs() > rule.tolerance + f64::EPSILON * p.abs().max(q.abs())
                    }
                    _ => x != y,
                };
                if differs {
                    diffs.push(format!("{field}: {na}={} vs {nb}={}", show(&x), show(&y)));
                }
            }
            if diffs.is_empty() {
                return None;
            }
            Some(exception(
                Cause::Mismatch,
                format!("{} (tolerance {})", diffs.join("; "), rule.tolerance),
            ))
        }
        (Some(p), None) | (None, Some(p)) => {
            let within = rule.within_ms?;
            let silent_for = now_ms.saturating_sub(p.at_ms);
            if silent_for <= within {
                return None;
            }
            let (quiet, spoke) = if ks.sides[0].is_some() {
                (nb, na)
            } else {
                (na, nb)
            };
            Some(exception(
                Cause::Silent,
                format!(
                    "{quiet} silent {}s after {spoke} reported (window {}s)",
                    silent_for / 1000,
                    within / 1000
                ),
            ))
        }
        (None, None) => None,
    }
}
