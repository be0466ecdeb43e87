//! One-click fixes: for the findings whose suggested fix is unambiguous, the
//! [`Edit`] that applies it. The app offers them next to the finding; the
//! edit goes through [`crate::edit::apply`] like any other, so it is one
//! revision and one undo step.
//!
//! Fixed here (and only here):
//! - `double-write`: the non-owner's event becomes a request to the owner
//!   (a system trigger becomes `user`: a request asks on someone's behalf);
//! - `request-not-to-owner`: the request goes to the owner instead;
//! - `unacknowledged-flow`: the flow requires acknowledgement;
//! - `missing-idempotency-key`: the entity's key becomes the flow's
//!   idempotency key;
//! - `owner-listed-as-copy`: the owner is taken off the copy holders;
//! - `key-not-a-field`: a key in another case than its field uses the
//!   field's name; any other key is added to the fields (a required string);
//!   an empty key needs a decision;
//! - `zero-ack-deadline`: the flow's deadline goes back to the default;
//! - `ack-deadline-without-ack`: the flow requires acknowledgement (a
//!   deadline says the architect wants one);
//! - `unmeasurable-alert`: the watched flow requires acknowledgement;
//! - `reconcile-too-few-systems`: the entity's holders join the rule;
//! - `reconcile-non-holder`: a system that a flow of the entity already
//!   reaches from the owner is declared as a copy holder (its copy is kept up
//!   to date); any other is taken off the rule, when two or more systems stay;
//! - `unreconciled-money`: the holders no rule names join the entity's first
//!   reconcile rule, or, with no rule yet, a rule over every holder on the
//!   entity's `number` fields is added.
//!
//! A fix never leaves a finding of its own making: a fix that would leave a
//! flow's old target with no part in the model (`unused-system`) is not
//! offered, as whether that system still belongs is a decision. Everything else needs a
//! decision by the architect (which system should own it, add a flow or drop
//! a copy, ...), so it has no one-click fix.

use crate::checks::{holders, Finding, FindingCode};
use crate::edit::Edit;
use crate::model::{
    Entity, Field, FieldType, Flow, Model, Pattern, ReconcileRule, Rule, Trigger,
    DEFAULT_ACK_WITHIN_SECONDS,
};
use serde::{Deserialize, Serialize};

/// A fix the user can apply in one click.
#[derive(Debug, Clone, PartialEq)]
pub struct QuickFix {
    /// What the button says, in workshop language, quoting ids.
    pub label: String,
    /// The change.
    pub edit: Edit,
}

/// A one-click fix on offer for a finding, without its edit (what the UI
/// shows; the edit is recomputed from the model when applied).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuickFixOffer {
    /// The finding's code.
    pub code: String,
    /// The finding's subject.
    pub subject: String,
    pub label: String,
}

/// The one-click fix for finding `code` about `subject`, if it has an
/// unambiguous one in `model` as it is now.
pub fn quick_fix(model: &Model, code: &str, subject: &str) -> Option<QuickFix> {
    match FindingCode::from_code(code)? {
        FindingCode::DoubleWrite => {
            let (flow, owner) = flow_and_owner(model, subject)?;
            if flow.pattern != Pattern::Event
                || flow.from == owner
                || strands_target(model, flow, owner)
            {
                return None;
            }
            Some(update_flow(
                flow,
                format!(
                    "Turn into a request from \"{}\" to the owner \"{owner}\"",
                    flow.from
                ),
                |f| {
                    f.pattern = Pattern::Request;
                    f.to = owner.to_string();
                    // A request asks on someone's behalf: a system announcing
                    // its own change would be an event (system-triggered-request).
                    if f.trigger == Trigger::System {
                        f.trigger = Trigger::User;
                    }
                },
            ))
        }
        FindingCode::RequestNotToOwner => {
            let (flow, owner) = flow_and_owner(model, subject)?;
            if flow.pattern != Pattern::Request
                || flow.to == owner
                || flow.from == owner
                || strands_target(model, flow, owner)
            {
                return None;
            }
            Some(update_flow(
                flow,
                format!("Send the request to the owner \"{owner}\""),
                |f| f.to = owner.to_string(),
            ))
        }
        FindingCode::UnacknowledgedFlow => {
            let flow = model.flow(subject)?;
            if flow.is_acknowledged() {
                return None;
            }
            Some(update_flow(
                flow,
                "Require acknowledgement".to_string(),
                |f| f.ack = Some(true),
            ))
        }
        FindingCode::MissingIdempotencyKey => {
            let flow = model.flow(subject)?;
            let entity = model.entity(&flow.entity)?;
            if flow.idempotency_key.is_some() || entity.key.is_empty() {
                return None;
            }
            let key = entity.key.clone();
            Some(update_flow(
                flow,
                format!("Use \"{key}\" as the idempotency key"),
                |f| f.idempotency_key = Some(key.clone()),
            ))
        }
        FindingCode::OwnerListedAsCopy => {
            let entity = model.entity(subject)?;
            let owner = entity.owner.as_deref()?;
            if !entity.copies.iter().any(|c| c == owner) {
                return None;
            }
            Some(QuickFix {
                label: format!("Take the owner \"{owner}\" off the copy holders"),
                edit: Edit::SetCopies {
                    entity: entity.id.clone(),
                    copies: entity
                        .copies
                        .iter()
                        .filter(|c| *c != owner)
                        .cloned()
                        .collect(),
                },
            })
        }
        FindingCode::KeyNotAField => {
            let entity = model.entity(subject)?;
            let key = entity.key.trim();
            if key.is_empty() || entity.fields.iter().any(|f| f.name == entity.key) {
                return None;
            }
            let mut next = entity.clone();
            // The same name in another case is a slip: use that field.
            let label = match entity
                .fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(key))
            {
                Some(f) => {
                    next.key = f.name.clone();
                    format!("Use field \"{}\" as the key", f.name)
                }
                None => {
                    next.key = key.to_string();
                    next.fields.push(Field {
                        name: key.to_string(),
                        field_type: FieldType::String,
                        required: Some(true),
                        values: None,
                        pii: None,
                        extra: Default::default(),
                    });
                    format!("Add the key \"{key}\" to the fields of {}", entity.name)
                }
            };
            Some(QuickFix {
                label,
                edit: Edit::UpdateEntity {
                    id: entity.id.clone(),
                    entity: next,
                },
            })
        }
        FindingCode::ZeroAckDeadline => {
            let flow = model.flow(subject)?;
            if flow.ack_within_seconds != Some(0) {
                return None;
            }
            let default = match model.entity(&flow.entity) {
                Some(Entity {
                    name,
                    consistency_window_seconds: Some(w),
                    ..
                }) => format!("the consistency window of {name}, {w} s"),
                _ => format!("{DEFAULT_ACK_WITHIN_SECONDS} s"),
            };
            Some(update_flow(
                flow,
                format!("Use the default deadline ({default})"),
                |f| f.ack_within_seconds = None,
            ))
        }
        FindingCode::AckDeadlineWithoutAck => {
            let flow = model.flow(subject)?;
            let within = flow.ack_within_seconds?;
            if flow.is_acknowledged() {
                return None;
            }
            Some(update_flow(
                flow,
                format!("Require acknowledgement within {within} s"),
                |f| f.ack = Some(true),
            ))
        }
        FindingCode::UnmeasurableAlert => {
            let Some(Rule::Alert(alert)) = rule(model, subject) else {
                return None;
            };
            let flow = model.flow(&alert.flow)?;
            if flow.is_acknowledged() {
                return None;
            }
            Some(update_flow(
                flow,
                format!("Require acknowledgement on flow \"{}\"", flow.id),
                |f| f.ack = Some(true),
            ))
        }
        FindingCode::ReconcileTooFewSystems => {
            let (rec, entity) = reconcile_rule(model, subject)?;
            let mut systems = distinct(&rec.systems);
            if systems.len() >= 2 {
                return None;
            }
            let joining: Vec<String> = known_holders(model, entity)
                .into_iter()
                .filter(|h| !systems.contains(h))
                .collect();
            systems.extend(joining.iter().cloned());
            if systems.len() < 2 {
                return None;
            }
            Some(update_reconcile(
                rec,
                format!("Reconcile {} over {}", entity.name, quoted_names(&systems)),
                systems,
            ))
        }
        FindingCode::ReconcileNonHolder => {
            let (rec, entity) = reconcile_rule(model, subject)?;
            let owner = entity.owner.as_deref();
            let strangers: Vec<String> = distinct(&rec.systems)
                .into_iter()
                .filter(|s| {
                    model.system(s).is_some()
                        && Some(s.as_str()) != owner
                        && !entity.copies.contains(s)
                })
                .collect();
            if strangers.is_empty() {
                return None;
            }
            let reached = reached_from_owner(model, entity);
            let (declare, drop): (Vec<String>, Vec<String>) =
                strangers.into_iter().partition(|s| reached.contains(s));
            let mut edits = Vec::new();
            let mut said = Vec::new();
            if !declare.is_empty() {
                let mut copies = entity.copies.clone();
                copies.extend(declare.iter().cloned());
                edits.push(Edit::SetCopies {
                    entity: entity.id.clone(),
                    copies,
                });
                said.push(format!(
                    "Declare {} as holding a copy of {}",
                    quoted_names(&declare),
                    entity.name
                ));
            }
            if !drop.is_empty() {
                let kept: Vec<String> = distinct(&rec.systems)
                    .into_iter()
                    .filter(|s| !drop.contains(s))
                    .collect();
                if kept.len() < 2 {
                    return None;
                }
                said.push(format!(
                    "{} {} off rule \"{}\"",
                    if said.is_empty() { "Take" } else { "take" },
                    quoted_names(&drop),
                    rec.id
                ));
                edits.push(update_reconcile(rec, String::new(), kept).edit);
            }
            let label = said.join(" and ");
            let edit = match edits.len() {
                1 => edits.pop()?,
                _ => Edit::Batch {
                    summary: label.clone(),
                    edits,
                },
            };
            Some(QuickFix { label, edit })
        }
        FindingCode::UnreconciledMoney => {
            let entity = model.entity(subject)?;
            let holders = known_holders(model, entity);
            if holders.len() < 2 {
                return None;
            }
            let rules: Vec<&ReconcileRule> = model
                .rules()
                .iter()
                .filter_map(|r| match r {
                    Rule::Reconcile(r) if r.entity == entity.id => Some(r),
                    _ => None,
                })
                .collect();
            match rules.first() {
                Some(first) => {
                    let missing: Vec<String> = holders
                        .into_iter()
                        .filter(|h| !rules.iter().any(|r| r.systems.contains(h)))
                        .collect();
                    if missing.is_empty() {
                        return None;
                    }
                    let mut systems = first.systems.clone();
                    systems.extend(missing.iter().cloned());
                    Some(update_reconcile(
                        first,
                        format!(
                            "Add {} to reconcile rule \"{}\"",
                            quoted_names(&missing),
                            first.id
                        ),
                        systems,
                    ))
                }
                None => {
                    let fields: Vec<String> = entity
                        .fields
                        .iter()
                        .filter(|f| f.field_type == FieldType::Number)
                        .map(|f| f.name.clone())
                        .collect();
                    if fields.is_empty() {
                        return None;
                    }
                    let id = free_rule_id(model, &format!("{}-reconcile", entity.id))?;
                    let label = format!(
                        "Reconcile {} over {} on {}",
                        entity.name,
                        quoted_names(&holders),
                        quoted_names(&fields)
                    );
                    Some(QuickFix {
                        label,
                        edit: Edit::AddRule {
                            rule: Rule::Reconcile(ReconcileRule {
                                id,
                                entity: entity.id.clone(),
                                systems: holders,
                                fields,
                                tolerance: Some(0.01),
                                within_seconds: None,
                                extra: Default::default(),
                            }),
                        },
                    })
                }
            }
        }
        _ => None,
    }
}

/// The one-click fixes on offer for `findings` of `model`, in findings order.
pub fn offers(model: &Model, findings: &[Finding]) -> Vec<QuickFixOffer> {
    findings
        .iter()
        .filter_map(|f| {
            quick_fix(model, &f.code, &f.subject).map(|q| QuickFixOffer {
                code: f.code.clone(),
                subject: f.subject.clone(),
                label: q.label,
            })
        })
        .collect()
}

/// The flow `id` and the owner (a system of the model) of its entity.
fn flow_and_owner<'m>(model: &'m Model, id: &str) -> Option<(&'m Flow, &'m str)> {
    let flow = model.flow(id)?;
    let owner = model.entity(&flow.entity)?.owner.as_deref()?;
    model.system(owner)?;
    Some((flow, owner))
}

/// Whether sending `flow` to `new_to` instead would leave its current target
/// with no part in the model (no other flow, no data held, no rule naming
/// it): an `unused-system` of the fix's making. Whether that system still
/// belongs in the model is the architect's decision, so no one-click fix.
fn strands_target(model: &Model, flow: &Flow, new_to: &str) -> bool {
    let old = flow.to.as_str();
    if old == new_to || model.system(old).is_none() {
        return false;
    }
    let in_flows = model
        .flows
        .iter()
        .any(|f| f.id != flow.id && (f.from == old || f.to == old));
    let holds = model
        .entities
        .iter()
        .any(|e| e.owner.as_deref() == Some(old) || e.copies.iter().any(|c| c == old));
    let in_rules = model.rules().iter().any(|r| match r {
        Rule::Route(r) => r.to.iter().any(|t| t == old),
        Rule::Reconcile(r) => r.systems.iter().any(|t| t == old),
        _ => false,
    });
    !(in_flows || holds || in_rules || flow.from == old)
}

fn update_flow(flow: &Flow, label: String, change: impl FnOnce(&mut Flow)) -> QuickFix {
    let mut next = flow.clone();
    change(&mut next);
    QuickFix {
        label,
        edit: Edit::UpdateFlow {
            id: flow.id.clone(),
            flow: next,
        },
    }
}

fn rule<'m>(model: &'m Model, id: &str) -> Option<&'m Rule> {
    model.rules().iter().find(|r| r.id() == id)
}

/// The reconcile rule `id` and its entity (an entity of the model).
fn reconcile_rule<'m>(model: &'m Model, id: &str) -> Option<(&'m ReconcileRule, &'m Entity)> {
    match rule(model, id)? {
        Rule::Reconcile(r) => Some((r, model.entity(&r.entity)?)),
        _ => None,
    }
}

fn update_reconcile(rec: &ReconcileRule, label: String, systems: Vec<String>) -> QuickFix {
    let mut next = rec.clone();
    next.systems = systems;
    QuickFix {
        label,
        edit: Edit::UpdateRule {
            id: rec.id.clone(),
            rule: Rule::Reconcile(next),
        },
    }
}

/// The items once each, in order.
fn distinct(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
    out
}

/// The owner and copy holders of `entity` that are systems of the model.
fn known_holders(model: &Model, entity: &Entity) -> Vec<String> {
    holders(entity)
        .into_iter()
        .filter(|h| model.system(h).is_some())
        .map(str::to_string)
        .collect()
}

/// The systems the entity's flows (and route rules) bring it to from its
/// owner, directly or through other systems.
fn reached_from_owner(model: &Model, entity: &Entity) -> Vec<String> {
    let Some(owner) = entity.owner.as_deref() else {
        return Vec::new();
    };
    let mut edges: Vec<(&str, &str)> = model
        .flows
        .iter()
        .filter(|f| f.entity == entity.id)
        .map(|f| (f.from.as_str(), f.to.as_str()))
        .collect();
    for r in model.rules() {
        if let Rule::Route(route) = r {
            if route.entity == entity.id {
                edges.extend(route.to.iter().map(|t| (owner, t.as_str())));
            }
        }
    }
    let mut reached: Vec<&str> = vec![owner];
    let mut todo = vec![owner];
    while let Some(s) = todo.pop() {
        for &(a, b) in &edges {
            if a == s && !reached.contains(&b) {
                reached.push(b);
                todo.push(b);
            }
        }
    }
    reached.into_iter().skip(1).map(str::to_string).collect()
}

/// `"a"`, `"a" and "b"`, `"a", "b" and "c"`.
fn quoted_names(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    match q.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `base`, else `base-2`, `base-3`...: a rule id the model does not use yet.
fn free_rule_id(model: &Model, base: &str) -> Option<String> {
    let taken = |id: &str| model.rules().iter().any(|r| r.id() == id);
    if crate::file::is_valid_id(base) && !taken(base) {
        return Some(base.to_string());
    }
    (2..1000)
        .map(|n| format!("{base}-{n}"))
        .find(|id| crate::file::is_valid_id(id) && !taken(id))
}
