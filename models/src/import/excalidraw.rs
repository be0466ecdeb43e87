//! Excalidraw (`.excalidraw` JSON): rectangles, ellipses and diamonds are
//! boxes, named by their bound text (a text whose `containerId` is the
//! shape) or else by a free text drawn inside them; arrows join the shapes
//! their `startBinding` / `endBinding` name, and an unbound end is snapped
//! to the nearest shape within [`SNAP_DISTANCE`] (else the arrow is listed);
//! an arrow's label is its bound text; dashed or dotted arrows are requests.
//! Deleted elements are skipped; frames, lines, images and drawings are not
//! systems or flows and are counted in the summary.

use super::sketch::{Sketch, SketchArrow, SketchBox};
use super::{Format, ImportError, Imported};
use serde_json::Value;
use std::collections::HashMap;

/// How far (in canvas units) an unbound arrow end may be from a shape to
/// be snapped to it.
pub const SNAP_DISTANCE: f64 = 80.0;
/// The most elements read from one file.
pub const MAX_ELEMENTS: usize = 200_000;

pub fn import(text: &str, name: &str) -> Result<Imported, ImportError> {
    Ok(parse(text)?.build(Format::Excalidraw, name))
}

#[derive(Debug, Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    /// Distance from a point to the rectangle (0 inside).
    fn distance(&self, px: f64, py: f64) -> f64 {
        let (x0, x1) = (self.x.min(self.x + self.w), self.x.max(self.x + self.w));
        let (y0, y1) = (self.y.min(self.y + self.h), self.y.max(self.y + self.h));
        let dx = (x0 - px).max(0.0).max(px - x1);
        let dy = (y0 - py).max(0.0).max(py - y1);
        (dx * dx + dy * dy).sqrt()
    }
    fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.x + other.w <= self.x + self.w
            && other.y + other.h <= self.y + self.h
    }
}

fn num(v: &Value, key: &str) -> f64 {
    v.get(key)
        .and_then(Value::as_f64)
        .filter(|f| f.is_finite())
        .unwrap_or(0.0)
}

fn rect(v: &Value) -> Rect {
    Rect {
        x: num(v, "x"),
        y: num(v, "y"),
        w: num(v, "width"),
        h: num(v, "height"),
    }
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Reads an Excalidraw scene into boxes and arrows.
pub fn parse(text: &str) -> Result<Sketch, ImportError> {
    let bad = |m: String| ImportError::invalid(Format::Excalidraw, m);
    let doc: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let elements = doc
        .get("elements")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no `elements` list (not an Excalidraw scene)".into()))?;
    if let Some(t) = s(&doc, "type") {
        if t != "excalidraw" && t != "excalidraw/clipboard" {
            return Err(bad(format!(
                "`type` is `{}`, not excalidraw",
                crate::text::one_line(t)
            )));
        }
    }
    if elements.len() > MAX_ELEMENTS {
        return Err(bad(format!(
            "{} elements, more than the {MAX_ELEMENTS} an import reads",
            elements.len()
        )));
    }
    let mut sketch = Sketch::default();
    let live: Vec<&Value> = elements
        .iter()
        .filter(|e| e.is_object() && e.get("isDeleted").and_then(Value::as_bool) != Some(true))
        .collect();
    let deleted = elements.len() - live.len();
    if deleted > 0 {
        sketch.notes.push(format!(
            "{deleted} deleted element{} skipped",
            if deleted == 1 { "" } else { "s" }
        ));
    }
    // Bound texts by container id.
    let mut bound_text: HashMap<&str, String> = HashMap::new();
    let mut free_texts: Vec<(&Value, Rect)> = Vec::new();
    for e in &live {
        if s(e, "type") != Some("text") {
            continue;
        }
        let t = s(e, "originalText").or_else(|| s(e, "text")).unwrap_or("");
        match s(e, "containerId") {
            Some(c) => {
                let entry = bound_text.entry(c).or_default();
                if !entry.is_empty() {
                    entry.push('\n');
                }
                entry.push_str(t);
            }
            None => free_texts.push((e, rect(e))),
        }
    }
    // Shapes.
    let mut shapes: Vec<(String, Rect)> = Vec::new();
    let mut shape_ids: HashMap<&str, usize> = HashMap::new();
    let mut other: HashMap<String, usize> = HashMap::new();
    for e in &live {
        let ty = s(e, "type").unwrap_or("");
        let Some(id) = s(e, "id") else { continue };
        match ty {
            "rectangle" | "ellipse" | "diamond" => {
                shape_ids.insert(id, shapes.len());
                shapes.push((id.to_string(), rect(e)));
            }
            "text" | "arrow" => {}
            _ => *other.entry(ty.to_string()).or_default() += 1,
        }
    }
    // A shape without bound text takes the free text drawn inside it.
    let mut used_free = vec![false; free_texts.len()];
    let mut labels: Vec<String> = shapes
        .iter()
        .map(|(id, _)| bound_text.get(id.as_str()).cloned().unwrap_or_default())
        .collect();
    for (i, (_, r)) in shapes.iter().enumerate() {
        if !labels[i].trim().is_empty() {
            continue;
        }
        // The smallest shape holding the text claims it.
        if let Some((ti, (t, _))) = free_texts
            .iter()
            .enumerate()
            .find(|(ti, (_, tr))| !used_free[*ti] && r.contains(tr))
        {
            let smaller_holder = shapes
                .iter()
                .any(|(_, r2)| r2.contains(&free_texts[ti].1) && r2.w * r2.h < r.w * r.h);
            if !smaller_holder {
                labels[i] = s(t, "originalText")
                    .or_else(|| s(t, "text"))
                    .unwrap_or("")
                    .to_string();
                used_free[ti] = true;
            }
        }
    }
    for (i, (id, _)) in shapes.iter().enumerate() {
        sketch.boxes.push(SketchBox {
            key: id.clone(),
            label: labels[i].clone(),
            group: None,
            at: format!("shape {}", crate::text::one_line(id)),
        });
    }
    // Arrows.
    let snap = |px: f64, py: f64| -> Option<String> {
        shapes
            .iter()
            .map(|(id, r)| (id, r.distance(px, py)))
            .filter(|(_, d)| *d <= SNAP_DISTANCE)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| id.clone())
    };
    // An arrow bound to a text means the text's container.
    let container_of: HashMap<&str, &str> = live
        .iter()
        .filter(|e| s(e, "type") == Some("text"))
        .filter_map(|e| Some((s(e, "id")?, s(e, "containerId")?)))
        .collect();
    let mut snapped = 0usize;
    for e in &live {
        if s(e, "type") != Some("arrow") {
            continue;
        }
        let id = s(e, "id").unwrap_or("?");
        let points: Vec<(f64, f64)> = e
            .get("points")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| {
                        let a = p.as_array()?;
                        Some((a.first()?.as_f64()?, a.get(1)?.as_f64()?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (x, y) = (num(e, "x"), num(e, "y"));
        let end_point = |first: bool| -> Option<(f64, f64)> {
            let p = if first { points.first() } else { points.last() }?;
            Some((x + p.0, y + p.1))
        };
        let mut end = |binding: &str, first: bool| -> Option<String> {
            let bound = e
                .get(binding)
                .and_then(|b| s(b, "elementId"))
                .map(|t| container_of.get(t).copied().unwrap_or(t));
            match bound {
                Some(t) if shape_ids.contains_key(t) => Some(t.to_string()),
                _ => {
                    let (px, py) = end_point(first)?;
                    let found = snap(px, py);
                    if found.is_some() {
                        snapped += 1;
                    }
                    found
                }
            }
        };
        let from = end("startBinding", true);
        let to = end("endBinding", false);
        let style = s(e, "strokeStyle").unwrap_or("solid");
        sketch.arrows.push(SketchArrow {
            from,
            to,
            label: bound_text.get(id).cloned().unwrap_or_default(),
            dotted: style == "dashed" || style == "dotted",
            at: format!("arrow {}", crate::text::one_line(id)),
        });
    }
    if snapped > 0 {
        sketch.notes.push(format!(
            "{snapped} unbound arrow end{} snapped to the nearest shape",
            if snapped == 1 { "" } else { "s" }
        ));
    }
    for (i, (t, _)) in free_texts.iter().enumerate() {
        if !used_free[i] {
            let text = s(t, "text").unwrap_or("");
            if !text.trim().is_empty() {
                sketch.unplaced.push(format!(
                    "text {}: \"{}\" is in no shape and on no arrow: not imported",
                    crate::text::one_line(s(t, "id").unwrap_or("?")),
                    super::text::short_name(&super::text::plain_label(text))
                ));
            }
        }
    }
    let mut kinds: Vec<(String, usize)> = other.into_iter().collect();
    kinds.sort();
    for (ty, n) in kinds {
        sketch.unplaced.push(format!(
            "{n} element{} of type `{}` (not a box or an arrow): not imported",
            if n == 1 { "" } else { "s" },
            crate::text::one_line(&ty)
        ));
    }
    Ok(sketch)
}
