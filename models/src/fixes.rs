//! One-click fixes: for the findings whose suggested fix is unambiguous, the
//! [`Edit`] that applies it. The app offers them next to the finding; the
//! edit goes through [`crate::edit::apply`] like any other, so it is one
//! revision and one undo step.
//!
//! Fixed here (and only here):
//! - `double-write`: the non-owner's event becomes a request to the owner;
//! - `request-not-to-owner`: the request goes to the owner instead;
//! - `unacknowledged-flow`: the flow requires acknowledgement;
//! - `missing-idempotency-key`: the entity's key becomes the flow's
//!   idempotency key;
//! - `owner-listed-as-copy`: the owner is taken off the copy holders.
//!
//! Everything else needs a decision by the architect (which system should
//! own it, add a flow or drop a copy, ...), so it has no one-click fix.

use crate::checks::{Finding, FindingCode};
use crate::edit::Edit;
use crate::model::{Flow, Model, Pattern};
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
            if flow.pattern != Pattern::Event || flow.from == owner {
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
                },
            ))
        }
        FindingCode::RequestNotToOwner => {
            let (flow, owner) = flow_and_owner(model, subject)?;
            if flow.pattern != Pattern::Request || flow.to == owner || flow.from == owner {
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
