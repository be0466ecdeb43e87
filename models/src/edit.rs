//! Pure edit operations on a [`Model`]: what the desktop app (and anything
//! else that changes a model) does, one [`Edit`] at a time.
//!
//! [`apply`] never changes its input: it returns the new model or an
//! [`EditError`]. It validates the ids an edit introduces (slug, unique in
//! their list) and the references it introduces (an owner or copy must be an
//! existing system, a flow's entity and systems must exist), and keeps
//! references consistent the way a user expects:
//!
//! * renaming a system id rewrites entity owners and copies, flow ends, route
//!   targets and reconcile systems; renaming an entity id rewrites flows and
//!   rules about it; renaming a flow id rewrites alert rules on it;
//! * a new owner leaves the copy holders and the previous owner becomes one
//!   (it still holds the data), taking the new owner's place in the list so
//!   that changing the owner back restores the model exactly;
//! * deleting a system removes its flows and its copy entries, and entities it
//!   owned become owner-less (which the checks then flag);
//! * deleting an entity removes its flows and the rules about it;
//! * deleting a flow or a rule removes just that item (alert rules left on a
//!   deleted flow are flagged by the checks).
//!
//! References an edit does not touch are left as they are: a model with
//! dangling references (e.g. an imported one) can still be edited, and the
//! checks report what is wrong.

use crate::file::is_valid_id;
use crate::model::{Entity, Flow, Model, Rule, System};
use serde::{Deserialize, Serialize};

/// The kind of an item with an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    System,
    Entity,
    Flow,
    Rule,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::System => "system",
            ItemKind::Entity => "entity",
            ItemKind::Flow => "flow",
            ItemKind::Rule => "rule",
        }
    }
}

/// One change to a model. Serialized as `{"op": "addSystem", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum Edit {
    AddSystem {
        system: System,
    },
    /// Replaces system `id`; a different `system.id` renames it (references follow).
    UpdateSystem {
        id: String,
        system: System,
    },
    DeleteSystem {
        id: String,
    },
    AddEntity {
        entity: Entity,
    },
    /// Replaces entity `id`; a different `entity.id` renames it (references follow).
    UpdateEntity {
        id: String,
        entity: Entity,
    },
    DeleteEntity {
        id: String,
    },
    AddFlow {
        flow: Flow,
    },
    UpdateFlow {
        id: String,
        flow: Flow,
    },
    DeleteFlow {
        id: String,
    },
    AddRule {
        rule: Rule,
    },
    UpdateRule {
        id: String,
        rule: Rule,
    },
    DeleteRule {
        id: String,
    },
    /// Decides (or clears, with `owner: null`) the owner of an entity.
    /// A new owner leaves the copy holders and the previous owner becomes one
    /// (it keeps the data it held), in the new owner's place in the list, so
    /// that A→B→A gives back the same model. Clearing the owner drops it.
    SetOwner {
        entity: String,
        owner: Option<String>,
        rationale: Option<String>,
    },
    SetCopies {
        entity: String,
        copies: Vec<String>,
    },
    /// Changes the id and/or the display name of an item. Flows and rules
    /// have no display name.
    Rename {
        kind: ItemKind,
        id: String,
        #[serde(rename = "newId", default)]
        new_id: Option<String>,
        #[serde(default)]
        name: Option<String>,
    },
    SetModelName {
        name: String,
    },
    SetModelDescription {
        description: Option<String>,
    },
    SetEnvironments {
        environments: Vec<String>,
    },
    /// Replaces the whole model (import).
    ReplaceModel {
        model: Model,
    },
    /// Several edits as one step (one revision, one undo): all of them apply,
    /// in order, or none does. `summary` names the step in the history.
    Batch {
        summary: String,
        edits: Vec<Edit>,
    },
}

impl Edit {
    /// A one-line summary in workshop language, for history and undo labels.
    pub fn summary(&self) -> String {
        match self {
            Edit::AddSystem { system } => format!("Add system \"{}\"", system.id),
            Edit::UpdateSystem { id, .. } => format!("Update system \"{id}\""),
            Edit::DeleteSystem { id } => format!("Delete system \"{id}\""),
            Edit::AddEntity { entity } => format!("Add entity \"{}\"", entity.id),
            Edit::UpdateEntity { id, .. } => format!("Update entity \"{id}\""),
            Edit::DeleteEntity { id } => format!("Delete entity \"{id}\""),
            Edit::AddFlow { flow } => format!("Add flow \"{}\"", flow.id),
            Edit::UpdateFlow { id, .. } => format!("Update flow \"{id}\""),
            Edit::DeleteFlow { id } => format!("Delete flow \"{id}\""),
            Edit::AddRule { rule } => format!("Add rule \"{}\"", rule.id()),
            Edit::UpdateRule { id, .. } => format!("Update rule \"{id}\""),
            Edit::DeleteRule { id } => format!("Delete rule \"{id}\""),
            Edit::SetOwner {
                entity,
                owner: Some(o),
                ..
            } => format!("Make \"{o}\" the owner of \"{entity}\""),
            Edit::SetOwner {
                entity,
                owner: None,
                ..
            } => format!("Clear the owner of \"{entity}\""),
            Edit::SetCopies { entity, .. } => format!("Set the copies of \"{entity}\""),
            Edit::Rename {
                kind,
                id,
                new_id,
                name,
            } => match (new_id, name) {
                (Some(n), _) if n != id => format!("Rename {} \"{id}\" to \"{n}\"", kind.as_str()),
                (_, Some(n)) => format!("Rename {} \"{id}\" to \"{n}\"", kind.as_str()),
                _ => format!("Rename {} \"{id}\"", kind.as_str()),
            },
            Edit::SetModelName { name } => format!("Rename the model to \"{name}\""),
            Edit::SetModelDescription { .. } => "Change the model description".to_string(),
            Edit::SetEnvironments { .. } => "Change the environments".to_string(),
            Edit::ReplaceModel { model } => format!("Replace the model with \"{}\"", model.name),
            Edit::Batch { summary, edits } => {
                let summary = summary.trim();
                if !summary.is_empty() {
                    summary.to_string()
                } else if let [only] = edits.as_slice() {
                    only.summary()
                } else {
                    format!("{} changes", edits.len())
                }
            }
        }
    }

    /// The rationale an edit gives for an ownership decision, if any (the
    /// first one of a batch).
    pub fn rationale(&self) -> Option<&str> {
        match self {
            Edit::SetOwner { rationale, .. } => rationale.as_deref(),
            Edit::Batch { edits, .. } => edits.iter().find_map(Edit::rationale),
            _ => None,
        }
    }
}

/// Why an edit was refused. The model is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("\"{id}\" is not a valid {kind} id: use lowercase letters, digits, '-' or '_' (at most 64, starting with a letter or digit)")]
    InvalidId { kind: &'static str, id: String },
    #[error("there is already a {kind} with id \"{id}\"")]
    DuplicateId { kind: &'static str, id: String },
    #[error("there is no {kind} with id \"{id}\"")]
    NotFound { kind: &'static str, id: String },
    #[error("{what} refers to {kind} \"{id}\", which does not exist")]
    UnknownReference {
        what: String,
        kind: &'static str,
        id: String,
    },
    #[error("{0}")]
    Invalid(String),
}

impl EditError {
    /// Stable kebab-case code.
    pub fn code(&self) -> &'static str {
        match self {
            EditError::InvalidId { .. } => "invalid-id",
            EditError::DuplicateId { .. } => "duplicate-id",
            EditError::NotFound { .. } => "not-found",
            EditError::UnknownReference { .. } => "unknown-reference",
            EditError::Invalid(_) => "invalid",
        }
    }
}

/// Applies one edit, returning the new model. `model` is not changed.
pub fn apply(model: &Model, edit: &Edit) -> Result<Model, EditError> {
    let mut m = model.clone();
    match edit {
        Edit::AddSystem { system } => {
            check_new_id(
                "system",
                &system.id,
                m.systems.iter().map(|s| s.id.as_str()),
            )?;
            check_name("system", &system.name)?;
            m.systems.push(system.clone());
        }
        Edit::UpdateSystem { id, system } => {
            let pos = position("system", id, m.systems.iter().map(|s| s.id.as_str()))?;
            check_name("system", &system.name)?;
            if system.id != *id {
                check_new_id(
                    "system",
                    &system.id,
                    m.systems.iter().map(|s| s.id.as_str()),
                )?;
                rename_system_refs(&mut m, id, &system.id);
            }
            m.systems[pos] = system.clone();
        }
        Edit::DeleteSystem { id } => {
            let pos = position("system", id, m.systems.iter().map(|s| s.id.as_str()))?;
            m.systems.remove(pos);
            m.flows.retain(|f| f.from != *id && f.to != *id);
            for e in &mut m.entities {
                e.copies.retain(|c| c != id);
                if e.owner.as_deref() == Some(id.as_str()) {
                    e.owner = None;
                }
            }
        }
        Edit::AddEntity { entity } => {
            check_new_id(
                "entity",
                &entity.id,
                m.entities.iter().map(|e| e.id.as_str()),
            )?;
            check_name("entity", &entity.name)?;
            check_entity_refs(&m, entity)?;
            m.entities.push(entity.clone());
        }
        Edit::UpdateEntity { id, entity } => {
            let pos = position("entity", id, m.entities.iter().map(|e| e.id.as_str()))?;
            check_name("entity", &entity.name)?;
            let old = &m.entities[pos];
            if old.owner != entity.owner || old.copies != entity.copies {
                check_entity_refs(&m, entity)?;
            }
            if entity.id != *id {
                check_new_id(
                    "entity",
                    &entity.id,
                    m.entities.iter().map(|e| e.id.as_str()),
                )?;
                rename_entity_refs(&mut m, id, &entity.id);
            }
            m.entities[pos] = entity.clone();
        }
        Edit::DeleteEntity { id } => {
            let pos = position("entity", id, m.entities.iter().map(|e| e.id.as_str()))?;
            m.entities.remove(pos);
            m.flows.retain(|f| f.entity != *id);
            if let Some(rules) = &mut m.rules {
                rules.retain(|r| r.entity() != Some(id.as_str()));
            }
        }
        Edit::AddFlow { flow } => {
            check_new_id("flow", &flow.id, m.flows.iter().map(|f| f.id.as_str()))?;
            check_flow_refs(&m, flow)?;
            m.flows.push(flow.clone());
        }
        Edit::UpdateFlow { id, flow } => {
            let pos = position("flow", id, m.flows.iter().map(|f| f.id.as_str()))?;
            let old = &m.flows[pos];
            if old.entity != flow.entity || old.from != flow.from || old.to != flow.to {
                check_flow_refs(&m, flow)?;
            }
            if flow.id != *id {
                check_new_id("flow", &flow.id, m.flows.iter().map(|f| f.id.as_str()))?;
                rename_flow_refs(&mut m, id, &flow.id);
            }
            m.flows[pos] = flow.clone();
        }
        Edit::DeleteFlow { id } => {
            let pos = position("flow", id, m.flows.iter().map(|f| f.id.as_str()))?;
            m.flows.remove(pos);
        }
        Edit::AddRule { rule } => {
            check_new_id("rule", rule.id(), m.rules().iter().map(|r| r.id()))?;
            m.rules.get_or_insert_with(Vec::new).push(rule.clone());
        }
        Edit::UpdateRule { id, rule } => {
            let pos = position("rule", id, m.rules().iter().map(|r| r.id()))?;
            if rule.id() != id {
                check_new_id("rule", rule.id(), m.rules().iter().map(|r| r.id()))?;
            }
            if let Some(rules) = &mut m.rules {
                rules[pos] = rule.clone();
            }
        }
        Edit::DeleteRule { id } => {
            let pos = position("rule", id, m.rules().iter().map(|r| r.id()))?;
            if let Some(rules) = &mut m.rules {
                rules.remove(pos);
            }
        }
        Edit::SetOwner {
            entity,
            owner,
            rationale,
        } => {
            let pos = position("entity", entity, m.entities.iter().map(|e| e.id.as_str()))?;
            if let Some(o) = owner {
                if m.system(o).is_none() {
                    return Err(EditError::UnknownReference {
                        what: format!("the owner of entity \"{entity}\""),
                        kind: "system",
                        id: o.clone(),
                    });
                }
            }
            let e = &mut m.entities[pos];
            let previous = e.owner.clone();
            e.owner = owner.clone();
            if let Some(o) = owner {
                hand_over(&mut e.copies, previous.as_deref(), o);
            }
            e.rationale = rationale
                .as_ref()
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty());
        }
        Edit::SetCopies { entity, copies } => {
            let pos = position("entity", entity, m.entities.iter().map(|e| e.id.as_str()))?;
            let mut seen: Vec<String> = Vec::new();
            for c in copies {
                if m.system(c).is_none() {
                    return Err(EditError::UnknownReference {
                        what: format!("a copy of entity \"{entity}\""),
                        kind: "system",
                        id: c.clone(),
                    });
                }
                if !seen.contains(c) {
                    seen.push(c.clone());
                }
            }
            m.entities[pos].copies = seen;
        }
        Edit::Rename {
            kind,
            id,
            new_id,
            name,
        } => rename(&mut m, *kind, id, new_id.as_deref(), name.as_deref())?,
        Edit::SetModelName { name } => {
            check_name("model", name)?;
            let name = name.trim();
            m.name = name.to_string();
        }
        Edit::SetModelDescription { description } => {
            m.description = description
                .as_ref()
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty());
        }
        Edit::SetEnvironments { environments } => {
            if environments.is_empty() {
                return Err(EditError::Invalid(
                    "a model needs at least one environment".into(),
                ));
            }
            let mut seen: Vec<&str> = Vec::new();
            for env in environments {
                if !is_valid_id(env) {
                    return Err(EditError::InvalidId {
                        kind: "environment",
                        id: env.clone(),
                    });
                }
                if seen.contains(&env.as_str()) {
                    return Err(EditError::DuplicateId {
                        kind: "environment",
                        id: env.clone(),
                    });
                }
                seen.push(env);
            }
            m.environments = Some(environments.clone());
        }
        Edit::ReplaceModel { model } => {
            if model.name.trim().is_empty() {
                return Err(EditError::Invalid("the model name cannot be empty".into()));
            }
            m = model.clone();
        }
        Edit::Batch { edits, .. } => {
            for e in edits {
                m = apply(&m, e)?;
            }
        }
    }
    Ok(m)
}

fn rename(
    m: &mut Model,
    kind: ItemKind,
    id: &str,
    new_id: Option<&str>,
    name: Option<&str>,
) -> Result<(), EditError> {
    let k = kind.as_str();
    let new_id = new_id.filter(|n| *n != id);
    let name = match name {
        Some(n) => {
            check_name(k, n)?;
            Some(n.trim().to_string())
        }
        None => None,
    };
    if name.is_some() && matches!(kind, ItemKind::Flow | ItemKind::Rule) {
        return Err(EditError::Invalid(format!("a {k} has no display name")));
    }
    match kind {
        ItemKind::System => {
            let pos = position(k, id, m.systems.iter().map(|s| s.id.as_str()))?;
            if let Some(n) = new_id {
                check_new_id(k, n, m.systems.iter().map(|s| s.id.as_str()))?;
                rename_system_refs(m, id, n);
                m.systems[pos].id = n.to_string();
            }
            if let Some(n) = name {
                m.systems[pos].name = n;
            }
        }
        ItemKind::Entity => {
            let pos = position(k, id, m.entities.iter().map(|e| e.id.as_str()))?;
            if let Some(n) = new_id {
                check_new_id(k, n, m.entities.iter().map(|e| e.id.as_str()))?;
                rename_entity_refs(m, id, n);
                m.entities[pos].id = n.to_string();
            }
            if let Some(n) = name {
                m.entities[pos].name = n;
            }
        }
        ItemKind::Flow => {
            let pos = position(k, id, m.flows.iter().map(|f| f.id.as_str()))?;
            if let Some(n) = new_id {
                check_new_id(k, n, m.flows.iter().map(|f| f.id.as_str()))?;
                rename_flow_refs(m, id, n);
                m.flows[pos].id = n.to_string();
            }
        }
        ItemKind::Rule => {
            let pos = position(k, id, m.rules().iter().map(|r| r.id()))?;
            if let Some(n) = new_id {
                check_new_id(k, n, m.rules().iter().map(|r| r.id()))?;
                if let Some(rules) = &mut m.rules {
                    set_rule_id(&mut rules[pos], n);
                }
            }
        }
    }
    Ok(())
}

fn set_rule_id(rule: &mut Rule, id: &str) {
    let slot = match rule {
        Rule::Validate(r) => &mut r.id,
        Rule::Route(r) => &mut r.id,
        Rule::Conflict(r) => &mut r.id,
        Rule::Reconcile(r) => &mut r.id,
        Rule::Alert(r) => &mut r.id,
    };
    *slot = id.to_string();
}

fn position<'a>(
    kind: &'static str,
    id: &str,
    mut ids: impl Iterator<Item = &'a str>,
) -> Result<usize, EditError> {
    ids.position(|x| x == id)
        .ok_or_else(|| EditError::NotFound {
            kind,
            id: id.to_string(),
        })
}

fn check_new_id<'a>(
    kind: &'static str,
    id: &str,
    mut existing: impl Iterator<Item = &'a str>,
) -> Result<(), EditError> {
    if !is_valid_id(id) {
        return Err(EditError::InvalidId {
            kind,
            id: id.to_string(),
        });
    }
    if existing.any(|x| x == id) {
        return Err(EditError::DuplicateId {
            kind,
            id: id.to_string(),
        });
    }
    Ok(())
}

/// The longest display name an edit accepts, in characters (a file may hold
/// longer ones: the limit is on input; docs/formats/model.md).
pub const MAX_NAME_CHARS: usize = 200;

fn check_name(kind: &'static str, name: &str) -> Result<(), EditError> {
    if name.trim().is_empty() {
        return Err(EditError::Invalid(format!("a {kind} name cannot be empty")));
    }
    let n = name.trim().chars().count();
    if n > MAX_NAME_CHARS {
        return Err(EditError::Invalid(format!(
            "a {kind} name can have at most {MAX_NAME_CHARS} characters (this one has {n})"
        )));
    }
    Ok(())
}

fn require_system(m: &Model, what: String, id: &str) -> Result<(), EditError> {
    match m.system(id) {
        Some(_) => Ok(()),
        None => Err(EditError::UnknownReference {
            what,
            kind: "system",
            id: id.to_string(),
        }),
    }
}

fn check_entity_refs(m: &Model, e: &Entity) -> Result<(), EditError> {
    if let Some(o) = &e.owner {
        require_system(m, format!("the owner of entity \"{}\"", e.id), o)?;
    }
    for c in &e.copies {
        require_system(m, format!("a copy of entity \"{}\"", e.id), c)?;
    }
    Ok(())
}

fn check_flow_refs(m: &Model, f: &Flow) -> Result<(), EditError> {
    if m.entity(&f.entity).is_none() {
        return Err(EditError::UnknownReference {
            what: format!("flow \"{}\"", f.id),
            kind: "entity",
            id: f.entity.clone(),
        });
    }
    require_system(m, format!("flow \"{}\"", f.id), &f.from)?;
    require_system(m, format!("flow \"{}\"", f.id), &f.to)?;
    if f.from == f.to {
        return Err(EditError::Invalid(format!(
            "flow \"{}\" goes from \"{}\" to itself",
            f.id, f.from
        )));
    }
    Ok(())
}

fn replace(slot: &mut String, old: &str, new: &str) {
    if slot == old {
        *slot = new.to_string();
    }
}

/// Hands the data over from `previous` (the old owner, if any) to `owner`:
/// the new owner holds the truth, not a copy, and the previous owner keeps a
/// copy of what it held. The previous owner takes the new owner's place in
/// `copies` (or goes last), so a hand-back restores the list's order.
fn hand_over(copies: &mut Vec<String>, previous: Option<&str>, owner: &str) {
    let place = copies.iter().position(|c| c == owner);
    copies.retain(|c| c != owner);
    let Some(prev) = previous.filter(|p| *p != owner) else {
        return;
    };
    if copies.iter().any(|c| c == prev) {
        return;
    }
    let at = place.unwrap_or(copies.len()).min(copies.len());
    copies.insert(at, prev.to_string());
}

fn rename_system_refs(m: &mut Model, old: &str, new: &str) {
    for e in &mut m.entities {
        if e.owner.as_deref() == Some(old) {
            e.owner = Some(new.to_string());
        }
        for c in &mut e.copies {
            replace(c, old, new);
        }
    }
    for f in &mut m.flows {
        replace(&mut f.from, old, new);
        replace(&mut f.to, old, new);
    }
    if let Some(rules) = &mut m.rules {
        for r in rules {
            match r {
                Rule::Route(r) => r.to.iter_mut().for_each(|s| replace(s, old, new)),
                Rule::Reconcile(r) => r.systems.iter_mut().for_each(|s| replace(s, old, new)),
                _ => {}
            }
        }
    }
}

fn rename_entity_refs(m: &mut Model, old: &str, new: &str) {
    for f in &mut m.flows {
        replace(&mut f.entity, old, new);
    }
    if let Some(rules) = &mut m.rules {
        for r in rules {
            match r {
                Rule::Validate(r) => replace(&mut r.entity, old, new),
                Rule::Route(r) => replace(&mut r.entity, old, new),
                Rule::Conflict(r) => replace(&mut r.entity, old, new),
                Rule::Reconcile(r) => replace(&mut r.entity, old, new),
                Rule::Alert(_) => {}
            }
        }
    }
}

fn rename_flow_refs(m: &mut Model, old: &str, new: &str) {
    if let Some(rules) = &mut m.rules {
        for r in rules {
            if let Rule::Alert(a) = r {
                replace(&mut a.flow, old, new);
            }
        }
    }
}
