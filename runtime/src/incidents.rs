//! Incidents: exception-first operations (events.md).
//!
//! Every exception (`mismatch`, `silent`, `unacknowledged`, `nack`,
//! `conflict`, `drift`, `alert`) and every refused message (`reject`,
//! `quarantine`, `invalid`) is an *occurrence*. Occurrences with the same
//! cause (kind, or decision and reason; subject: the rule, flow or entity;
//! source system; field for `schema` and `drift`; the receiver's reason for
//! `nack`) form one incident while no more than 3600 s of message time pass
//! between two of them. An escalated conflict is one occurrence (kind
//! `conflict`), not a quarantine and a conflict exception apart.
//!
//! Memory: at most [`MAX_INCIDENTS`] incidents are kept; occurrences of a
//! cause first seen past that are counted in [`Incidents::omitted`].

use crate::time::format_rfc3339_ms;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::hash::{BuildHasher, Hash};

/// Incidents kept at most.
pub const MAX_INCIDENTS: usize = 10_000;
/// Message time between two occurrences of one incident, at most.
pub const GAP_MS: i64 = 3_600_000;
const EXAMPLES: usize = 5;

/// One occurrence, borrowed from the decision that made it.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence<'a> {
    /// The exception kind, or the decision (`reject`, `quarantine`,
    /// `invalid`).
    pub kind: &'a str,
    /// The refusal reason, or the receiver's reason of a nack.
    pub reason: Option<&'a str>,
    /// The rule, flow or entity concerned ("" when none).
    pub subject: &'a str,
    /// The system concerned ("" when none).
    pub source: &'a str,
    pub field: Option<&'a str>,
    pub at_ms: i64,
    pub key: Option<&'a str>,
    pub message: Option<&'a str>,
    /// What this occurrence says, for the summary (the first one is kept).
    pub detail: Option<&'a str>,
}

/// One incident: a cause and its occurrences.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub id: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub subject: String,
    pub source: String,
    pub field: Option<String>,
    pub count: u64,
    pub first: String,
    pub last: String,
    pub keys: Vec<String>,
    pub messages: Vec<String>,
    pub summary: String,
    #[serde(skip)]
    pub first_ms: i64,
    #[serde(skip)]
    pub last_ms: i64,
    #[serde(skip)]
    pub detail: Option<String>,
}

/// The incidents so far.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    list: Vec<Incident>,
    /// Cause hash → the open incident of that cause (index into `list`).
    open: FxHashMap<u64, Vec<usize>>,
    omitted: u64,
}

fn cause_hash(o: &Occurrence<'_>) -> u64 {
    let mut h = foldhash::fast::FixedState::with_seed(0x696e_6369_6465_6e74).build_hasher();
    (o.kind, o.reason, o.subject, o.source, o.field).hash(&mut h);
    std::hash::Hasher::finish(&h)
}

fn same_cause(i: &Incident, o: &Occurrence<'_>) -> bool {
    i.kind == o.kind
        && i.reason.as_deref() == o.reason
        && i.subject == o.subject
        && i.source == o.source
        && i.field.as_deref() == o.field
}

impl Incidents {
    /// Adds one occurrence.
    pub fn add(&mut self, o: &Occurrence<'_>) {
        let h = cause_hash(o);
        let slot = self.open.entry(h).or_default();
        if let Some(pos) = slot.iter().position(|&i| same_cause(&self.list[i], o)) {
            let i = slot[pos];
            let inc = &mut self.list[i];
            let near = o.at_ms - inc.last_ms <= GAP_MS;
            if near {
                inc.count += 1;
                inc.first_ms = inc.first_ms.min(o.at_ms);
                inc.last_ms = inc.last_ms.max(o.at_ms);
                example(&mut inc.keys, o.key);
                example(&mut inc.messages, o.message);
                return;
            }
            // Too long since the last one: a new incident of the same cause.
            slot.remove(pos);
        }
        if self.list.len() >= MAX_INCIDENTS {
            self.omitted += 1;
            return;
        }
        let mut inc = Incident {
            id: format!("inc-{}", self.list.len() + 1),
            kind: o.kind.to_string(),
            reason: o.reason.map(str::to_string),
            subject: o.subject.to_string(),
            source: o.source.to_string(),
            field: o.field.map(str::to_string),
            count: 1,
            first: String::new(),
            last: String::new(),
            keys: Vec::new(),
            messages: Vec::new(),
            summary: String::new(),
            first_ms: o.at_ms,
            last_ms: o.at_ms,
            detail: o.detail.map(str::to_string),
        };
        example(&mut inc.keys, o.key);
        example(&mut inc.messages, o.message);
        let i = self.list.len();
        self.list.push(inc);
        match self.open.get_mut(&h) {
            Some(v) => v.push(i),
            None => {
                self.open.insert(h, vec![i]);
            }
        }
    }

    /// Occurrences of causes first seen past [`MAX_INCIDENTS`].
    pub fn omitted(&self) -> u64 {
        self.omitted
    }

    /// Every incident, by `count` (most first), then `first`, with its times
    /// and summary filled by `summarize`.
    pub fn listed(&self, summarize: impl Fn(&Incident) -> String) -> Vec<Incident> {
        let mut out: Vec<Incident> = self.list.clone();
        for i in &mut out {
            i.first = format_rfc3339_ms(i.first_ms);
            i.last = format_rfc3339_ms(i.last_ms);
            i.summary = summarize(i);
        }
        out.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.first_ms.cmp(&b.first_ms))
                .then(a.id.len().cmp(&b.id.len()))
                .then(a.id.cmp(&b.id))
        });
        out
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

fn example(list: &mut Vec<String>, v: Option<&str>) {
    if let Some(v) = v.filter(|v| !v.is_empty()) {
        if list.len() < EXAMPLES && !list.iter().any(|x| x == v) {
            list.push(v.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn occ(
        kind: &'static str,
        source: &'static str,
        at_ms: i64,
        id: &'static str,
    ) -> Occurrence<'static> {
        Occurrence {
            kind,
            reason: Some("not-owner"),
            subject: "stock",
            source,
            field: None,
            at_ms,
            key: Some("SKU-1"),
            message: Some(id),
            detail: None,
        }
    }

    #[test]
    fn occurrences_of_one_cause_group_until_an_hour_passes() {
        let mut inc = Incidents::default();
        for i in 0..7 {
            inc.add(&occ(
                "reject",
                "shop",
                i * 1000,
                ["a", "b", "c", "d", "e", "f", "g"][i as usize],
            ));
        }
        inc.add(&occ("reject", "pos", 0, "p"));
        // More than an hour after the last one: a new incident.
        inc.add(&occ("reject", "shop", 6000 + GAP_MS + 1, "late"));
        let list = inc.listed(|i| format!("{} x{}", i.source, i.count));
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].count, 7);
        assert_eq!(list[0].messages, ["a", "b", "c", "d", "e"]);
        assert_eq!(list[0].keys, ["SKU-1"]);
        assert_eq!(list[0].summary, "shop x7");
        assert_eq!(list[0].first, "1970-01-01T00:00:00Z");
        // Equal counts: by first.
        assert_eq!(list[1].source, "pos");
        assert_eq!(list[2].messages, ["late"]);
    }

    #[test]
    fn memory_is_bounded() {
        let mut inc = Incidents::default();
        let names: Vec<String> = (0..MAX_INCIDENTS + 5).map(|i| format!("s{i}")).collect();
        for n in &names {
            inc.add(&Occurrence {
                kind: "reject",
                reason: Some("unknown-system"),
                subject: "stock",
                source: n,
                field: None,
                at_ms: 0,
                key: None,
                message: None,
                detail: None,
            });
        }
        assert_eq!(inc.len(), MAX_INCIDENTS);
        assert_eq!(inc.omitted(), 5);
    }
}
