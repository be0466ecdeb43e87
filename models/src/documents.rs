//! The model as documents for people: the ownership matrix (CSV and
//! Markdown) and the diagram as a Mermaid flowchart. Made here so every
//! front end (app, CLI) produces the same text.

use crate::model::{Model, Pattern};
use serde::{Deserialize, Serialize};

/// The role of a system for an entity, as the ownership matrix shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Copy,
    None,
}

/// The role of system `system` for entity number `entity` of `model`.
fn role(model: &Model, entity: usize, system: &str) -> Role {
    let e = &model.entities[entity];
    if e.owner.as_deref() == Some(system) {
        Role::Owner
    } else if e.copies.iter().any(|c| c == system) {
        Role::Copy
    } else {
        Role::None
    }
}

/// How the ownership matrix is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum MatrixFormat {
    Csv,
    Markdown,
}

/// The ownership matrix: one row per entity, one column per system, cells
/// `owner`, `copy` or empty.
pub fn ownership_matrix(model: &Model, format: MatrixFormat) -> String {
    match format {
        MatrixFormat::Csv => matrix_csv(model),
        MatrixFormat::Markdown => matrix_markdown(model),
    }
}

fn matrix_csv(model: &Model) -> String {
    let mut out = String::new();
    let mut header = vec!["entity".to_string(), "name".to_string()];
    header.extend(model.systems.iter().map(|s| s.id.clone()));
    push_csv_row(&mut out, &header);
    for (i, e) in model.entities.iter().enumerate() {
        let mut row = vec![e.id.clone(), e.name.clone()];
        row.extend(model.systems.iter().map(|s| {
            match role(model, i, &s.id) {
                Role::Owner => "owner",
                Role::Copy => "copy",
                Role::None => "",
            }
            .to_string()
        }));
        push_csv_row(&mut out, &row);
    }
    out
}

/// RFC 4180 quoting; a cell a spreadsheet would run as a formula gets a
/// leading `'` (CSV injection).
fn push_csv_row(out: &mut String, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let guarded;
        let cell = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            guarded = format!("'{cell}");
            guarded.as_str()
        } else {
            cell.as_str()
        };
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

fn matrix_markdown(model: &Model) -> String {
    let mut out = format!("# Ownership matrix: {}\n\n", md_cell(&model.name));
    out.push_str("| Entity |");
    for s in &model.systems {
        out.push(' ');
        out.push_str(&md_cell(&s.name));
        out.push_str(" |");
    }
    out.push_str("\n|---|");
    for _ in &model.systems {
        out.push_str(":---:|");
    }
    out.push('\n');
    for (i, e) in model.entities.iter().enumerate() {
        out.push_str("| ");
        out.push_str(&md_cell(&e.name));
        out.push_str(" |");
        for s in &model.systems {
            out.push_str(match role(model, i, &s.id) {
                Role::Owner => " **Owner** |",
                Role::Copy => " Copy |",
                Role::None => "  |",
            });
        }
        out.push('\n');
    }
    out
}

/// User text in a Markdown table cell: one line, `|` and markup escaped.
fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The model as a Mermaid flowchart: one node per system (name, and the
/// entities it owns), one edge per flow labelled with its entity and
/// pattern; events solid, requests dotted, unacknowledged flows marked.
pub fn mermaid(model: &Model) -> String {
    let mut out = String::from("flowchart LR\n");
    let node = |id: &str| model.systems.iter().position(|s| s.id == id);
    for (i, s) in model.systems.iter().enumerate() {
        let owned: Vec<&str> = model
            .entities
            .iter()
            .filter(|e| e.owner.as_deref() == Some(s.id.as_str()))
            .map(|e| e.name.as_str())
            .collect();
        let mut label = mermaid_text(&s.name);
        if !owned.is_empty() {
            label.push_str("<br/>owns: ");
            label.push_str(&mermaid_text(&owned.join(", ")));
        }
        out.push_str(&format!("  s{i}[\"{label}\"]\n"));
    }
    for f in &model.flows {
        let (Some(from), Some(to)) = (node(&f.from), node(&f.to)) else {
            continue; // a flow naming an unknown system is a finding, not a line
        };
        let entity = model
            .entity(&f.entity)
            .map_or(f.entity.as_str(), |e| e.name.as_str());
        let mut label = format!("{} ({})", mermaid_text(entity), f.pattern.as_str());
        if !f.is_acknowledged() {
            label.push_str(", no ack");
        }
        let arrow = match f.pattern {
            Pattern::Event => "-->",
            Pattern::Request => "-.->",
        };
        out.push_str(&format!("  s{from} {arrow}|\"{label}\"| s{to}\n"));
    }
    out
}

/// User text inside a quoted Mermaid label: quotes, markup and `#` as
/// Mermaid entity codes, one line.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}
