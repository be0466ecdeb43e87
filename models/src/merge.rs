//! Merging an imported model (a sketch, a spec, a discovered landscape) into
//! the model on the table, as edits: what the import adds, nothing it would
//! take away. The app applies the result as one batch (one revision, one
//! undo step); an entity's owner decided by the import is logged like any
//! owner decision.
//!
//! Matching is by id (ids come from names the same way on both sides):
//! - a system, entity or flow the model lacks is added;
//! - an entity the model has but leaves without an owner takes the import's
//!   owner; an owner the model has already decided is never changed (the room
//!   decided it; the import is only a suggestion then, listed as kept);
//! - the import's copy holders are added to an entity's copies;
//! - a flow is skipped when the model has one with the same id, or the same
//!   entity, source, target and pattern.

use crate::edit::Edit;
use crate::model::Model;

/// What merging `incoming` into `current` does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merge {
    /// The edits, in an order that applies (systems, entities, owners and
    /// copies, flows).
    pub edits: Vec<Edit>,
    /// One line per thing the model already had its own answer for.
    pub kept: Vec<String>,
    pub systems: usize,
    pub entities: usize,
    pub flows: usize,
}

impl Merge {
    /// "3 systems, 2 entities, 5 flows".
    pub fn counts(&self) -> String {
        let n =
            |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
        format!(
            "{}, {}, {}",
            n(self.systems, "system", "systems"),
            n(self.entities, "entity", "entities"),
            n(self.flows, "flow", "flows")
        )
    }
}

pub fn merge(current: &Model, incoming: &Model) -> Merge {
    let mut out = Merge::default();
    for s in &incoming.systems {
        if current.system(&s.id).is_none() {
            out.edits.push(Edit::AddSystem { system: s.clone() });
            out.systems += 1;
        }
    }
    for e in &incoming.entities {
        match current.entity(&e.id) {
            None => {
                out.edits.push(Edit::AddEntity { entity: e.clone() });
                out.entities += 1;
            }
            Some(have) => {
                match (&have.owner, &e.owner) {
                    (None, Some(o)) => out.edits.push(Edit::SetOwner {
                        entity: e.id.clone(),
                        owner: Some(o.clone()),
                        rationale: e
                            .rationale
                            .clone()
                            .or_else(|| Some("from the import".to_string())),
                    }),
                    (Some(h), Some(o)) if h != o => out
                        .kept
                        .push(format!("{}: owner stays {h} (the import says {o})", e.id)),
                    _ => {}
                }
                let owner = have.owner.as_ref().or(e.owner.as_ref());
                let mut copies = have.copies.clone();
                for c in &e.copies {
                    if !copies.contains(c) && Some(c) != owner {
                        copies.push(c.clone());
                    }
                }
                if copies != have.copies {
                    out.edits.push(Edit::SetCopies {
                        entity: e.id.clone(),
                        copies,
                    });
                }
            }
        }
    }
    for f in &incoming.flows {
        let same = current.flows.iter().any(|g| {
            g.id == f.id
                || (g.entity == f.entity
                    && g.from == f.from
                    && g.to == f.to
                    && g.pattern == f.pattern)
        });
        if same {
            continue;
        }
        out.edits.push(Edit::AddFlow { flow: f.clone() });
        out.flows += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::edit::apply;
    use crate::parse_model;

    fn model(json: &str) -> Model {
        parse_model(json).unwrap()
    }

    const HAVE: &str = r#"{"format":"charter-model/1","name":"Shop","systems":[
        {"id":"erp","name":"ERP","kind":"erp"},{"id":"shop","name":"Shop","kind":"ecommerce"}],
      "entities":[{"id":"stock","name":"Stock","owner":"erp","key":"sku","fields":[{"name":"sku","type":"string"}],"copies":["shop"]},
        {"id":"order","name":"Order","key":"orderNo","fields":[{"name":"orderNo","type":"string"}]}],
      "flows":[{"id":"stock-erp-to-shop","entity":"stock","from":"erp","to":"shop","pattern":"event","trigger":"system"}]}"#;

    const SKETCH: &str = r#"{"format":"charter-model/1","name":"Sketch","systems":[
        {"id":"erp","name":"ERP","kind":"other"},{"id":"oms","name":"OMS","kind":"other"},{"id":"shop","name":"Shop","kind":"other"}],
      "entities":[{"id":"stock","name":"Stock","owner":"shop","key":"id","fields":[],"copies":["oms"]},
        {"id":"order","name":"Order","owner":"oms","key":"id","fields":[],"copies":["erp"]},
        {"id":"invoice","name":"Invoice","owner":"erp","key":"id","fields":[]}],
      "flows":[{"id":"other-id","entity":"stock","from":"erp","to":"shop","pattern":"event","trigger":"system"},
        {"id":"order-oms-to-erp","entity":"order","from":"oms","to":"erp","pattern":"event","trigger":"system"}]}"#;

    #[test]
    fn adds_what_is_missing_and_keeps_what_the_room_decided() {
        let have = model(HAVE);
        let m = merge(&have, &model(SKETCH));
        assert_eq!(m.counts(), "1 system, 1 entity, 1 flow");
        assert_eq!(m.kept, ["stock: owner stays erp (the import says shop)"]);
        let after = apply(
            &have,
            &Edit::Batch {
                summary: "Import".into(),
                edits: m.edits.clone(),
            },
        )
        .unwrap();
        assert!(after.system("oms").is_some());
        assert_eq!(after.entity("stock").unwrap().owner.as_deref(), Some("erp"));
        assert_eq!(after.entity("stock").unwrap().copies, ["shop", "oms"]);
        // An undecided owner takes the import's, and its copy holders.
        let order = after.entity("order").unwrap();
        assert_eq!(order.owner.as_deref(), Some("oms"));
        assert_eq!(order.copies, ["erp"]);
        assert_eq!(
            after.entity("invoice").unwrap().owner.as_deref(),
            Some("erp")
        );
        // The same flow under another id is not added twice.
        assert_eq!(after.flows.len(), 2);
        // Merging again changes nothing.
        assert!(merge(&after, &model(SKETCH)).edits.is_empty());
    }
}
