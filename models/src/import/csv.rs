//! CSV: the ownership matrix Charter exports (`documents::ownership_matrix`:
//! `entity,name,<system ids…>`, cells `owner`, `copy` or empty) reads back
//! to the same systems, entities, owners and copies; a plain list of flows
//! (columns `from`/`source`, `to`/`target`, `entity`, optional `pattern`)
//! goes through the sketch builder like an arrow list; a plain list of
//! systems (`name` or `system`, optional `id`, `kind`, `team`) gives the
//! systems. Cells are text; a spreadsheet's formula guard (`'=…`) is
//! removed.

use super::sketch::{guess_kind, Sketch, SketchArrow, SketchBox};
use super::text::{plain_label, short_name, slugify, IdSet};
use super::{Format, ImportError, Imported};
use crate::model::{Entity, Extra, Model, System, SystemKind};

/// Does the text look like a CSV table (a header with two or more columns)?
pub fn looks_like(text: &str) -> bool {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    first.contains(',') && !first.trim_start().starts_with(['{', '<', '['])
}

fn bad(m: impl Into<String>) -> ImportError {
    ImportError::invalid(Format::Csv, m)
}

/// A cell as text: trimmed, formula guard removed, markup stripped.
fn cell(raw: &str) -> String {
    let t = raw.trim();
    let t = match t.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => t,
    };
    short_name(&plain_label(&t.replace('<', "&lt;")))
}

pub fn import(text: &str, name: &str) -> Result<Imported, ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (i, r) in rdr.records().enumerate() {
        let r = r.map_err(|e| bad(format!("row {}: {e}", i + 1)))?;
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(r.iter().map(cell).collect());
    }
    let Some((header, body)) = rows.split_first() else {
        return Err(bad("no header row"));
    };
    let h: Vec<String> = header.iter().map(|c| c.to_ascii_lowercase()).collect();
    let col = |names: &[&str]| h.iter().position(|c| names.contains(&c.as_str()));
    let from = col(&["from", "source", "sender"]);
    let to = col(&["to", "target", "receiver"]);
    if let (Some(f), Some(t)) = (from, to) {
        return flows(body, f, t, &h, name);
    }
    if h.len() >= 2 && h[0] == "entity" && h[1] == "name" {
        return matrix(header, body, name);
    }
    if let Some(n) = col(&["name", "system"]) {
        return systems(body, n, &h, name);
    }
    Err(bad(format!(
        "the header `{}` is not an ownership matrix (entity,name,<systems>), a flow list (from,to,entity) or a system list (name,kind)",
        header.join(",").chars().take(80).collect::<String>()
    )))
}

fn matrix(header: &[String], body: &[Vec<String>], name: &str) -> Result<Imported, ImportError> {
    let mut model = Model::new(name);
    let mut summary = Vec::new();
    let mut unplaced = Vec::new();
    let mut system_ids = IdSet::default();
    let mut columns: Vec<String> = Vec::new();
    for (i, s) in header.iter().enumerate().skip(2) {
        let id = system_ids.make(s, "system");
        if id != *s {
            summary.push(format!("column {}: system `{s}` became id `{id}`", i + 1));
        }
        model.systems.push(System {
            id: id.clone(),
            name: s.clone(),
            kind: guess_kind(s),
            team: None,
            side_effects: None,
            endpoints: None,
            extra: Extra::new(),
        });
        columns.push(id);
    }
    let mut entity_ids = IdSet::default();
    for (r, row) in body.iter().enumerate() {
        let line = r + 2;
        let raw_id = row.first().cloned().unwrap_or_default();
        let ename = row
            .get(1)
            .cloned()
            .filter(|n| !n.is_empty())
            .unwrap_or(raw_id.clone());
        if slugify(&raw_id).is_empty() && slugify(&ename).is_empty() {
            unplaced.push(format!("row {line}: no entity id or name: not imported"));
            continue;
        }
        let id = if crate::file::is_valid_id(&raw_id) && !entity_ids.contains(&raw_id) {
            entity_ids.claim(&raw_id)
        } else {
            entity_ids.make(if raw_id.is_empty() { &ename } else { &raw_id }, "entity")
        };
        let mut owners = Vec::new();
        let mut copies = Vec::new();
        for (c, sys) in columns.iter().enumerate() {
            let v = row
                .get(c + 2)
                .map(|s| s.to_ascii_lowercase())
                .unwrap_or_default();
            match v.as_str() {
                "" | "-" => {}
                "owner" | "o" | "master" => owners.push(sys.clone()),
                "copy" | "c" | "replica" => copies.push(sys.clone()),
                other => unplaced.push(format!(
                    "row {line}, column {}: `{}` is neither owner nor copy: ignored",
                    c + 3,
                    other.chars().take(40).collect::<String>()
                )),
            }
        }
        let owner = match owners.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            many => {
                summary.push(format!(
                    "entity {id}: owner left open: {} are all marked owner",
                    many.join(", ")
                ));
                None
            }
        };
        model.entities.push(Entity {
            id,
            name: ename,
            owner,
            steward: None,
            rationale: None,
            key: "id".into(),
            monetary: None,
            consistency_window_seconds: None,
            fields: Vec::new(),
            copies,
            extra: Extra::new(),
        });
    }
    summary.insert(
        0,
        format!(
            "ownership matrix: {} system{}, {} entit{} (no flows: a matrix has none)",
            model.systems.len(),
            if model.systems.len() == 1 { "" } else { "s" },
            model.entities.len(),
            if model.entities.len() == 1 {
                "y"
            } else {
                "ies"
            }
        ),
    );
    Ok(Imported {
        format: Format::Csv,
        model,
        summary,
        unplaced,
    })
}

fn flows(
    body: &[Vec<String>],
    f: usize,
    t: usize,
    h: &[String],
    name: &str,
) -> Result<Imported, ImportError> {
    let col = |names: &[&str]| h.iter().position(|c| names.contains(&c.as_str()));
    let entity = col(&["entity", "data", "object", "label"]);
    let pattern = col(&["pattern", "kind", "type"]);
    let mut sketch = Sketch::default();
    let mut seen = std::collections::HashSet::new();
    for (r, row) in body.iter().enumerate() {
        let at = format!("row {}", r + 2);
        let get = |i: Option<usize>| i.and_then(|i| row.get(i)).cloned().unwrap_or_default();
        let (a, b) = (get(Some(f)), get(Some(t)));
        for s in [&a, &b] {
            if !s.is_empty() && seen.insert(s.clone()) {
                sketch.boxes.push(SketchBox {
                    key: s.clone(),
                    label: s.replace('&', "&amp;").replace('<', "&lt;"),
                    group: None,
                    at: at.clone(),
                });
            }
        }
        let mut label = get(entity);
        let p = get(pattern).to_ascii_lowercase();
        if p == "event" || p == "request" {
            label = format!("{label} ({p})");
        }
        sketch.arrows.push(SketchArrow {
            from: (!a.is_empty()).then_some(a),
            to: (!b.is_empty()).then_some(b),
            label: label.replace('&', "&amp;").replace('<', "&lt;"),
            dotted: false,
            at,
        });
    }
    Ok(sketch.build(Format::Csv, name))
}

fn systems(
    body: &[Vec<String>],
    n: usize,
    h: &[String],
    name: &str,
) -> Result<Imported, ImportError> {
    let col = |names: &[&str]| h.iter().position(|c| names.contains(&c.as_str()));
    let (id_col, kind_col, team_col) = (
        col(&["id"]),
        col(&["kind", "type"]),
        col(&["team", "owner team"]),
    );
    let mut model = Model::new(name);
    let mut ids = IdSet::default();
    let mut unplaced = Vec::new();
    for (r, row) in body.iter().enumerate() {
        let get = |i: Option<usize>| i.and_then(|i| row.get(i)).cloned().unwrap_or_default();
        let sname = get(Some(n));
        if slugify(&sname).is_empty() {
            unplaced.push(format!("row {}: no system name: not imported", r + 2));
            continue;
        }
        let given = get(id_col);
        let id = if crate::file::is_valid_id(&given) && !ids.contains(&given) {
            ids.claim(&given)
        } else {
            ids.make(&sname, "system")
        };
        let kind_text = get(kind_col).to_ascii_lowercase();
        let kind = SystemKind::ALL
            .into_iter()
            .find(|k| k.as_str() == kind_text)
            .unwrap_or_else(|| guess_kind(&sname));
        let team = Some(get(team_col)).filter(|t| !t.is_empty());
        model.systems.push(System {
            id,
            name: sname,
            kind,
            team,
            side_effects: None,
            endpoints: None,
            extra: Extra::new(),
        });
    }
    Ok(Imported {
        format: Format::Csv,
        summary: vec![format!(
            "system list: {} system{}",
            model.systems.len(),
            if model.systems.len() == 1 { "" } else { "s" }
        )],
        model,
        unplaced,
    })
}
