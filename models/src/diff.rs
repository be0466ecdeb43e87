//! Business diff of two deployable configurations: what changed, said the
//! way an architect would say it ("owner of stock changed from erp to wms"),
//! not as a JSON patch.
//!
//! The order is deterministic: the configuration's own attributes, then
//! systems, entities, flows and rules; within each list, removals (in the old
//! order), then additions (in the new order), then changes (in the new order).

use crate::config::{Config, ConfigEndpoint, ConfigEntity, ConfigFlow, ConfigRule, ConfigSystem};
use crate::model::DEFAULT_ACK_WITHIN_SECONDS;
use crate::text::one_line;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// What kind of change, as a stable kebab-case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    EnvironmentDiffers,
    NameChanged,
    GeneratorChanged,
    SystemAdded,
    SystemRemoved,
    SystemChanged,
    EndpointAdded,
    EndpointRemoved,
    EndpointChanged,
    EntityAdded,
    EntityRemoved,
    EntityChanged,
    OwnerChanged,
    KeyChanged,
    CopyAdded,
    CopyRemoved,
    ConsistencyWindowChanged,
    ConflictPolicyChanged,
    FieldAdded,
    FieldRemoved,
    FieldChanged,
    SchemaChanged,
    FlowAdded,
    FlowRemoved,
    FlowEntityChanged,
    FlowFromChanged,
    FlowToChanged,
    FlowPatternChanged,
    FlowTriggerChanged,
    FlowAckChanged,
    FlowAckDeadlineChanged,
    FlowIdempotencyChanged,
    FlowRetryChanged,
    FlowScheduleChanged,
    RuleAdded,
    RuleRemoved,
    RuleKindChanged,
    RuleConditionChanged,
    RuleActionChanged,
    RuleChanged,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        use ChangeKind::*;
        match self {
            EnvironmentDiffers => "environment-differs",
            NameChanged => "name-changed",
            GeneratorChanged => "generator-changed",
            SystemAdded => "system-added",
            SystemRemoved => "system-removed",
            SystemChanged => "system-changed",
            EndpointAdded => "endpoint-added",
            EndpointRemoved => "endpoint-removed",
            EndpointChanged => "endpoint-changed",
            EntityAdded => "entity-added",
            EntityRemoved => "entity-removed",
            EntityChanged => "entity-changed",
            OwnerChanged => "owner-changed",
            KeyChanged => "key-changed",
            CopyAdded => "copy-added",
            CopyRemoved => "copy-removed",
            ConsistencyWindowChanged => "consistency-window-changed",
            ConflictPolicyChanged => "conflict-policy-changed",
            FieldAdded => "field-added",
            FieldRemoved => "field-removed",
            FieldChanged => "field-changed",
            SchemaChanged => "schema-changed",
            FlowAdded => "flow-added",
            FlowRemoved => "flow-removed",
            FlowEntityChanged => "flow-entity-changed",
            FlowFromChanged => "flow-from-changed",
            FlowToChanged => "flow-to-changed",
            FlowPatternChanged => "flow-pattern-changed",
            FlowTriggerChanged => "flow-trigger-changed",
            FlowAckChanged => "flow-ack-changed",
            FlowAckDeadlineChanged => "flow-ack-deadline-changed",
            FlowIdempotencyChanged => "flow-idempotency-changed",
            FlowRetryChanged => "flow-retry-changed",
            FlowScheduleChanged => "flow-schedule-changed",
            RuleAdded => "rule-added",
            RuleRemoved => "rule-removed",
            RuleKindChanged => "rule-kind-changed",
            RuleConditionChanged => "rule-condition-changed",
            RuleActionChanged => "rule-action-changed",
            RuleChanged => "rule-changed",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change, in business terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// Id of the system, entity, flow or rule concerned (the environment for
    /// changes of the configuration itself).
    pub subject: String,
    /// One line, e.g. `owner of stock changed from erp to wms`.
    pub message: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// Every change from `old` to `new`, in a deterministic order.
pub fn diff(old: &Config, new: &Config) -> Vec<Change> {
    let mut out = Changes(Vec::new());
    if old.environment != new.environment {
        out.push(
            ChangeKind::EnvironmentDiffers,
            &new.environment,
            format!(
                "the configurations are for different environments: old {}, new {} (endpoints compared across them)",
                old.environment, new.environment
            ),
        );
    }
    if old.name != new.name {
        out.push(
            ChangeKind::NameChanged,
            &new.environment,
            format!(
                "name changed from {} to {}",
                quote(&old.name),
                quote(&new.name)
            ),
        );
    }
    if old.generator != new.generator {
        out.push(
            ChangeKind::GeneratorChanged,
            &new.environment,
            format!(
                "generated by {} instead of {}",
                new.generator, old.generator
            ),
        );
    }
    lists(
        &mut out,
        &old.systems,
        &new.systems,
        |s| &s.id,
        system_removed,
        system_added,
        system_changed,
    );
    lists(
        &mut out,
        &old.entities,
        &new.entities,
        |e| &e.id,
        entity_removed,
        entity_added,
        entity_changed,
    );
    lists(
        &mut out,
        &old.flows,
        &new.flows,
        |f| &f.id,
        flow_removed,
        flow_added,
        |out, o, n| {
            flow_changed(out, o, n);
            ack_deadline_changed(out, (old, o), (new, n));
        },
    );
    lists(
        &mut out,
        &old.rules,
        &new.rules,
        ConfigRule::id,
        rule_removed,
        rule_added,
        rule_changed,
    );
    out.0
}

struct Changes(Vec<Change>);

impl Changes {
    fn push(&mut self, kind: ChangeKind, subject: &str, message: String) {
        self.0.push(Change {
            kind,
            subject: subject.to_string(),
            message,
        });
    }
}

/// Removals (old order), additions (new order), then changes (new order).
fn lists<T>(
    out: &mut Changes,
    old: &[T],
    new: &[T],
    id: impl Fn(&T) -> &str,
    removed: impl Fn(&mut Changes, &T),
    added: impl Fn(&mut Changes, &T),
    changed: impl Fn(&mut Changes, &T, &T),
) {
    // First position of each id (ids are unique in an exported config; a
    // hand-made duplicate is compared once, by its first occurrence).
    fn index<'a, T>(list: &'a [T], id: &impl Fn(&T) -> &str) -> HashMap<&'a str, usize> {
        let mut map = HashMap::with_capacity(list.len());
        for (i, x) in list.iter().enumerate() {
            map.entry(id(x)).or_insert(i);
        }
        map
    }
    let (in_old, in_new) = (index(old, &id), index(new, &id));
    for (i, o) in old.iter().enumerate() {
        if in_old.get(id(o)) == Some(&i) && !in_new.contains_key(id(o)) {
            removed(out, o);
        }
    }
    for (i, n) in new.iter().enumerate() {
        if in_new.get(id(n)) == Some(&i) && !in_old.contains_key(id(n)) {
            added(out, n);
        }
    }
    for (i, n) in new.iter().enumerate() {
        if in_new.get(id(n)) != Some(&i) {
            continue;
        }
        if let Some(&j) = in_old.get(id(n)) {
            changed(out, &old[j], n);
        }
    }
}

// --- systems ----------------------------------------------------------------

fn system_removed(out: &mut Changes, s: &ConfigSystem) {
    out.push(
        ChangeKind::SystemRemoved,
        &s.id,
        format!("system {} ({}) removed", s.id, s.name),
    );
}

fn system_added(out: &mut Changes, s: &ConfigSystem) {
    out.push(
        ChangeKind::SystemAdded,
        &s.id,
        format!("system {} ({}, {}) added", s.id, s.name, s.kind.as_str()),
    );
}

fn system_changed(out: &mut Changes, o: &ConfigSystem, n: &ConfigSystem) {
    let id = &n.id;
    if o.name != n.name {
        out.push(
            ChangeKind::SystemChanged,
            id,
            format!(
                "name of system {id} changed from {} to {}",
                quote(&o.name),
                quote(&n.name)
            ),
        );
    }
    if o.kind != n.kind {
        out.push(
            ChangeKind::SystemChanged,
            id,
            format!(
                "kind of system {id} changed from {} to {}",
                o.kind.as_str(),
                n.kind.as_str()
            ),
        );
    }
    if o.team != n.team {
        out.push(
            ChangeKind::SystemChanged,
            id,
            format!(
                "team of system {id} changed from {} to {}",
                opt_quote(&o.team),
                opt_quote(&n.team)
            ),
        );
    }
    if o.side_effects != n.side_effects {
        let msg = if n.side_effects {
            format!("deliveries to system {id} now trigger side effects (replays fire them again)")
        } else {
            format!("deliveries to system {id} no longer trigger side effects")
        };
        out.push(ChangeKind::SystemChanged, id, msg);
    }
    match (&o.endpoint, &n.endpoint) {
        (None, None) => {}
        (Some(_), None) => out.push(
            ChangeKind::EndpointRemoved,
            id,
            format!("endpoint of {id} removed"),
        ),
        (None, Some(e)) => out.push(
            ChangeKind::EndpointAdded,
            id,
            format!("endpoint of {id} added: {}", endpoint_summary(e)),
        ),
        (Some(a), Some(b)) => endpoint_changed(out, id, a, b),
    }
}

fn endpoint_summary(e: &ConfigEndpoint) -> String {
    let mut s = format!("{} {}", protocol(e), e.url);
    if let Some(c) = &e.credential_ref {
        s.push_str(&format!(" (credentials {c})"));
    }
    s
}

fn protocol(e: &ConfigEndpoint) -> &'static str {
    match e.protocol {
        crate::model::Protocol::Rest => "rest",
        crate::model::Protocol::Soap => "soap",
        crate::model::Protocol::Sftp => "sftp",
        crate::model::Protocol::Database => "database",
        crate::model::Protocol::Webhook => "webhook",
        crate::model::Protocol::Queue => "queue",
    }
}

fn endpoint_changed(out: &mut Changes, id: &str, a: &ConfigEndpoint, b: &ConfigEndpoint) {
    if a.url != b.url {
        out.push(
            ChangeKind::EndpointChanged,
            id,
            format!("endpoint url of {id} changed from {} to {}", a.url, b.url),
        );
    }
    if a.protocol != b.protocol {
        out.push(
            ChangeKind::EndpointChanged,
            id,
            format!(
                "endpoint protocol of {id} changed from {} to {}",
                protocol(a),
                protocol(b)
            ),
        );
    }
    if a.credential_ref != b.credential_ref {
        out.push(
            ChangeKind::EndpointChanged,
            id,
            format!(
                "endpoint credentialRef of {id} changed from {} to {}",
                opt(&a.credential_ref),
                opt(&b.credential_ref)
            ),
        );
    }
    if a.rate_limit_per_minute != b.rate_limit_per_minute {
        let show = |r: Option<u32>| r.map_or("none".to_string(), |r| format!("{r}/min"));
        out.push(
            ChangeKind::EndpointChanged,
            id,
            format!(
                "endpoint rate limit of {id} changed from {} to {}",
                show(a.rate_limit_per_minute),
                show(b.rate_limit_per_minute)
            ),
        );
    }
}

// --- entities ---------------------------------------------------------------

fn entity_removed(out: &mut Changes, e: &ConfigEntity) {
    out.push(
        ChangeKind::EntityRemoved,
        &e.id,
        format!("entity {} ({}) removed", e.id, e.name),
    );
}

fn entity_added(out: &mut Changes, e: &ConfigEntity) {
    out.push(
        ChangeKind::EntityAdded,
        &e.id,
        format!("entity {} ({}) added, owned by {}", e.id, e.name, e.owner),
    );
}

fn entity_changed(out: &mut Changes, o: &ConfigEntity, n: &ConfigEntity) {
    let id = &n.id;
    if o.owner != n.owner {
        out.push(
            ChangeKind::OwnerChanged,
            id,
            format!("owner of {id} changed from {} to {}", o.owner, n.owner),
        );
    }
    if o.name != n.name {
        out.push(
            ChangeKind::EntityChanged,
            id,
            format!(
                "name of entity {id} changed from {} to {}",
                quote(&o.name),
                quote(&n.name)
            ),
        );
    }
    if o.key != n.key {
        out.push(
            ChangeKind::KeyChanged,
            id,
            format!("key of {id} changed from {} to {}", o.key, n.key),
        );
    }
    for c in o.copies.iter().filter(|c| !n.copies.contains(c)) {
        out.push(
            ChangeKind::CopyRemoved,
            id,
            format!("{c} no longer holds a copy of {id}"),
        );
    }
    for c in n.copies.iter().filter(|c| !o.copies.contains(c)) {
        out.push(
            ChangeKind::CopyAdded,
            id,
            format!("{c} now holds a copy of {id}"),
        );
    }
    if o.steward != n.steward {
        out.push(
            ChangeKind::EntityChanged,
            id,
            format!(
                "steward of {id} changed from {} to {}",
                opt_quote(&o.steward),
                opt_quote(&n.steward)
            ),
        );
    }
    if o.monetary != n.monetary {
        let msg = if n.monetary {
            format!("{id} now carries money")
        } else {
            format!("{id} no longer carries money")
        };
        out.push(ChangeKind::EntityChanged, id, msg);
    }
    if o.consistency_window_seconds != n.consistency_window_seconds {
        let show = |w: Option<u32>| w.map_or("none".to_string(), |s| format!("{s} s"));
        out.push(
            ChangeKind::ConsistencyWindowChanged,
            id,
            format!(
                "consistency window of {id} changed from {} to {}",
                show(o.consistency_window_seconds),
                show(n.consistency_window_seconds)
            ),
        );
    }
    if o.conflict_policy != n.conflict_policy {
        out.push(
            ChangeKind::ConflictPolicyChanged,
            id,
            format!(
                "conflict policy of {id} changed from {} to {}",
                o.conflict_policy.as_str(),
                n.conflict_policy.as_str()
            ),
        );
    }
    schema_changed(out, id, &o.schema, &n.schema);
}

/// Field-level changes of an entity's record schema, or one `schema-changed`
/// when the schemas are not of the shape export writes.
fn schema_changed(out: &mut Changes, id: &str, a: &Value, b: &Value) {
    // The title is the entity's name, reported on its own.
    let untitled = |s: &Value| {
        let mut s = s.clone();
        if let Some(o) = s.as_object_mut() {
            o.shift_remove("title");
        }
        s
    };
    if a == b || untitled(a) == untitled(b) {
        return;
    }
    let props = |s: &Value| s.get("properties").and_then(Value::as_object).cloned();
    let required = |s: &Value| -> Vec<String> {
        s.get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (Some(pa), Some(pb)) = (props(a), props(b)) else {
        out.push(
            ChangeKind::SchemaChanged,
            id,
            format!("record schema of {id} changed"),
        );
        return;
    };
    let (ra, rb) = (required(a), required(b));
    let mut any = false;
    for name in pa.keys().filter(|k| !pb.contains_key(*k)) {
        any = true;
        out.push(
            ChangeKind::FieldRemoved,
            id,
            format!("field {name} of {id} removed"),
        );
    }
    for (name, s) in pb.iter().filter(|(k, _)| !pa.contains_key(*k)) {
        any = true;
        let req = if rb.contains(name) { ", required" } else { "" };
        out.push(
            ChangeKind::FieldAdded,
            id,
            format!("field {name} of {id} added ({}{req})", field_type(s)),
        );
    }
    for (name, s) in &pb {
        let Some(old) = pa.get(name) else { continue };
        if old != s {
            any = true;
            out.push(
                ChangeKind::FieldChanged,
                id,
                format!(
                    "type of field {name} of {id} changed from {} to {}",
                    field_type(old),
                    field_type(s)
                ),
            );
        }
        match (ra.contains(name), rb.contains(name)) {
            (false, true) => {
                any = true;
                out.push(
                    ChangeKind::FieldChanged,
                    id,
                    format!("field {name} of {id} is now required"),
                );
            }
            (true, false) => {
                any = true;
                out.push(
                    ChangeKind::FieldChanged,
                    id,
                    format!("field {name} of {id} is no longer required"),
                );
            }
            _ => {}
        }
    }
    if !any {
        out.push(
            ChangeKind::SchemaChanged,
            id,
            format!("record schema of {id} changed"),
        );
    }
}

/// A field's type in model terms: `string`, `date`, `enum(open|held)`...
fn field_type(s: &Value) -> String {
    let ty = s.get("type").and_then(Value::as_str).unwrap_or("any");
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        let vs: Vec<String> = values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect();
        return format!("enum({})", vs.join("|"));
    }
    match (ty, s.get("format").and_then(Value::as_str)) {
        ("string", Some("date")) => "date".into(),
        ("string", Some("date-time")) => "datetime".into(),
        (t, Some(f)) => format!("{t} ({f})"),
        (t, None) => t.to_string(),
    }
}

// --- flows ------------------------------------------------------------------

fn flow_removed(out: &mut Changes, f: &ConfigFlow) {
    out.push(
        ChangeKind::FlowRemoved,
        &f.id,
        format!(
            "flow {} ({} {} from {} to {}) removed",
            f.id,
            f.entity,
            f.pattern.as_str(),
            f.from,
            f.to
        ),
    );
}

fn flow_added(out: &mut Changes, f: &ConfigFlow) {
    out.push(
        ChangeKind::FlowAdded,
        &f.id,
        format!(
            "flow {} ({} {} from {} to {}) added",
            f.id,
            f.entity,
            f.pattern.as_str(),
            f.from,
            f.to
        ),
    );
}

fn flow_changed(out: &mut Changes, o: &ConfigFlow, n: &ConfigFlow) {
    let id = &n.id;
    if o.entity != n.entity {
        out.push(
            ChangeKind::FlowEntityChanged,
            id,
            format!("flow {id} now carries {} instead of {}", n.entity, o.entity),
        );
    }
    if o.from != n.from {
        out.push(
            ChangeKind::FlowFromChanged,
            id,
            format!("flow {id} now comes from {} instead of {}", n.from, o.from),
        );
    }
    if o.to != n.to {
        out.push(
            ChangeKind::FlowToChanged,
            id,
            format!("flow {id} now goes to {} instead of {}", n.to, o.to),
        );
    }
    if o.pattern != n.pattern {
        out.push(
            ChangeKind::FlowPatternChanged,
            id,
            format!(
                "pattern of flow {id} changed from {} to {}",
                o.pattern.as_str(),
                n.pattern.as_str()
            ),
        );
    }
    if o.trigger != n.trigger {
        out.push(
            ChangeKind::FlowTriggerChanged,
            id,
            format!(
                "trigger of flow {id} changed from {} to {}",
                o.trigger.as_str(),
                n.trigger.as_str()
            ),
        );
    }
    if o.ack != n.ack {
        let msg = if n.ack {
            format!("flow {id} now requires an acknowledgement")
        } else {
            format!("flow {id} no longer requires an acknowledgement")
        };
        out.push(ChangeKind::FlowAckChanged, id, msg);
    }
    if o.idempotency_key != n.idempotency_key {
        let msg = match (&o.idempotency_key, &n.idempotency_key) {
            (None, Some(k)) => format!("flow {id} now has idempotency key {k}"),
            (Some(k), None) => format!("flow {id} no longer has an idempotency key (was {k})"),
            (a, b) => format!(
                "idempotency key of flow {id} changed from {} to {}",
                opt(a),
                opt(b)
            ),
        };
        out.push(ChangeKind::FlowIdempotencyChanged, id, msg);
    }
    if o.retry != n.retry {
        let show = |r: &Option<crate::model::Retry>| {
            r.as_ref().map_or("none".to_string(), |r| {
                format!("{} attempts every {} s", r.attempts, r.backoff_seconds)
            })
        };
        out.push(
            ChangeKind::FlowRetryChanged,
            id,
            format!(
                "retry of flow {id} changed from {} to {}",
                show(&o.retry),
                show(&n.retry)
            ),
        );
    }
    if o.schedule != n.schedule {
        out.push(
            ChangeKind::FlowScheduleChanged,
            id,
            format!(
                "schedule of flow {id} changed from {} to {}",
                opt_code(&o.schedule),
                opt_code(&n.schedule)
            ),
        );
    }
}

/// A flow's acknowledgement deadline (`ackWithinSeconds`), said with the
/// default it falls back to: the entity's consistency window, else 300 s.
fn ack_deadline_changed(
    out: &mut Changes,
    old: (&Config, &ConfigFlow),
    new: (&Config, &ConfigFlow),
) {
    let ((oc, o), (nc, n)) = (old, new);
    if o.ack_within_seconds == n.ack_within_seconds {
        return;
    }
    let id = &n.id;
    let default = |c: &Config, f: &ConfigFlow| {
        let window = c
            .entities
            .iter()
            .find(|e| e.id == f.entity)
            .and_then(|e| e.consistency_window_seconds);
        match window {
            Some(w) => format!("the default, {w} s: the consistency window of {}", f.entity),
            None => format!("the default, {DEFAULT_ACK_WITHIN_SECONDS} s"),
        }
    };
    let mut msg = match (o.ack_within_seconds, n.ack_within_seconds) {
        (None, Some(s)) => format!(
            "flow {id} must now be acknowledged within {s} s (was {})",
            default(oc, o)
        ),
        (Some(s), None) => format!(
            "flow {id} must now be acknowledged within {} (was {s} s)",
            default(nc, n)
        ),
        (a, b) => {
            let show = |s: Option<u32>| s.map_or("none".to_string(), |s| format!("{s} s"));
            format!(
                "flow {id} must now be acknowledged within {} instead of {}",
                show(b),
                show(a)
            )
        }
    };
    if !n.ack {
        msg.push_str(" (not enforced: the flow requires no acknowledgement)");
    }
    out.push(ChangeKind::FlowAckDeadlineChanged, id, msg);
}

// --- rules ------------------------------------------------------------------

fn rule_kind(r: &ConfigRule) -> &'static str {
    match r {
        ConfigRule::Validate(_) => "validate",
        ConfigRule::Route(_) => "route",
        ConfigRule::Reconcile(_) => "reconcile",
        ConfigRule::Alert(_) => "alert",
    }
}

/// `on stock` / `on flow orders-to-3pl`.
fn rule_target(r: &ConfigRule) -> String {
    match r {
        ConfigRule::Validate(v) => format!("on {}", v.entity),
        ConfigRule::Route(v) => format!("on {}", v.entity),
        ConfigRule::Reconcile(v) => format!("on {}", v.entity),
        ConfigRule::Alert(v) => format!("on flow {}", v.flow),
    }
}

fn rule_removed(out: &mut Changes, r: &ConfigRule) {
    out.push(
        ChangeKind::RuleRemoved,
        r.id(),
        format!(
            "{} rule {} {} removed",
            rule_kind(r),
            r.id(),
            rule_target(r)
        ),
    );
}

fn rule_added(out: &mut Changes, r: &ConfigRule) {
    out.push(
        ChangeKind::RuleAdded,
        r.id(),
        format!("{} rule {} {} added", rule_kind(r), r.id(), rule_target(r)),
    );
}

fn rule_changed(out: &mut Changes, o: &ConfigRule, n: &ConfigRule) {
    let id = n.id();
    let other = |out: &mut Changes, what: &str, a: String, b: String| {
        out.push(
            ChangeKind::RuleChanged,
            id,
            format!("{what} of rule {id} changed from {a} to {b}"),
        );
    };
    match (o, n) {
        (ConfigRule::Validate(a), ConfigRule::Validate(b)) => {
            if a.entity != b.entity {
                other(out, "entity", a.entity.clone(), b.entity.clone());
            }
            condition_changed(out, id, &a.condition, &b.condition);
            if a.action != b.action {
                out.push(
                    ChangeKind::RuleActionChanged,
                    id,
                    format!(
                        "action of rule {id} changed from {} to {}",
                        a.action.as_str(),
                        b.action.as_str()
                    ),
                );
            }
            if a.message != b.message {
                out.push(
                    ChangeKind::RuleChanged,
                    id,
                    format!(
                        "message of rule {id} changed from {} to {}",
                        opt_quote(&a.message),
                        opt_quote(&b.message)
                    ),
                );
            }
        }
        (ConfigRule::Route(a), ConfigRule::Route(b)) => {
            if a.entity != b.entity {
                other(out, "entity", a.entity.clone(), b.entity.clone());
            }
            condition_changed(out, id, &a.condition, &b.condition);
            if a.to != b.to {
                out.push(
                    ChangeKind::RuleActionChanged,
                    id,
                    format!(
                        "rule {id} now routes to {} instead of {}",
                        list(&b.to),
                        list(&a.to)
                    ),
                );
            }
        }
        (ConfigRule::Reconcile(a), ConfigRule::Reconcile(b)) => {
            if a.entity != b.entity {
                other(out, "entity", a.entity.clone(), b.entity.clone());
            }
            if a.systems != b.systems {
                other(out, "systems", list(&a.systems), list(&b.systems));
            }
            if a.fields != b.fields {
                other(out, "fields", list(&a.fields), list(&b.fields));
            }
            if a.tolerance != b.tolerance {
                other(
                    out,
                    "tolerance",
                    a.tolerance.to_string(),
                    b.tolerance.to_string(),
                );
            }
            if a.within_seconds != b.within_seconds {
                let show = |w: Option<u32>| w.map_or("no limit".to_string(), |s| format!("{s} s"));
                other(
                    out,
                    "time window",
                    show(a.within_seconds),
                    show(b.within_seconds),
                );
            }
        }
        (ConfigRule::Alert(a), ConfigRule::Alert(b)) => {
            if a.flow != b.flow {
                other(out, "flow", a.flow.clone(), b.flow.clone());
            }
            if a.metric != b.metric {
                other(
                    out,
                    "metric",
                    metric(a.metric).into(),
                    metric(b.metric).into(),
                );
            }
            if a.threshold != b.threshold {
                other(
                    out,
                    "threshold",
                    a.threshold.to_string(),
                    b.threshold.to_string(),
                );
            }
            if a.window_seconds != b.window_seconds {
                other(
                    out,
                    "window",
                    format!("{} s", a.window_seconds),
                    format!("{} s", b.window_seconds),
                );
            }
        }
        _ => out.push(
            ChangeKind::RuleKindChanged,
            id,
            format!(
                "rule {id} changed from a {} rule {} to a {} rule {}",
                rule_kind(o),
                rule_target(o),
                rule_kind(n),
                rule_target(n)
            ),
        ),
    }
}

fn condition_changed(out: &mut Changes, id: &str, a: &str, b: &str) {
    if a != b {
        out.push(
            ChangeKind::RuleConditionChanged,
            id,
            format!(
                "condition of rule {id} changed from {} to {}",
                code(a),
                code(b)
            ),
        );
    }
}

fn metric(m: crate::model::AlertMetric) -> &'static str {
    use crate::model::AlertMetric::*;
    match m {
        AckRate => "ack-rate",
        ErrorRate => "error-rate",
        LatencySeconds => "latency-seconds",
        StallSeconds => "stall-seconds",
    }
}

// --- text -------------------------------------------------------------------

/// User text in double quotes.
fn quote(s: &str) -> String {
    format!("\"{}\"", one_line(s))
}

/// Source text (CEL, cron) in backticks.
fn code(s: &str) -> String {
    format!("`{}`", one_line(s))
}

fn opt(s: &Option<String>) -> String {
    s.as_deref()
        .map_or("none".to_string(), |s| one_line(s).into_owned())
}

fn opt_quote(s: &Option<String>) -> String {
    s.as_deref().map_or("none".to_string(), quote)
}

fn opt_code(s: &Option<String>) -> String {
    s.as_deref().map_or("none".to_string(), code)
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".to_string()
    } else {
        items
            .iter()
            .map(|s| one_line(s))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
