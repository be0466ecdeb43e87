//! draw.io / diagrams.net (`.drawio` XML): vertices are boxes, edges join
//! their `source` and `target` (an unattached end is snapped to the nearest
//! vertex within [`SNAP_DISTANCE`], else the edge is listed); an edge's
//! label is its `value` or the label cells drawn on it; `dashed=1` edges are
//! requests; containers (swimlanes, groups) are groups, not systems. Every
//! page (`<diagram>`) is read; compressed pages (base64 of raw deflate of
//! the URL-encoded XML) are inflated with a size cap. HTML labels are
//! stripped to text. Bounded: no DTD (so no entity expansion), a node cap,
//! a cap on inflated size.

use super::sketch::{Sketch, SketchArrow, SketchBox};
use super::{Format, ImportError, Imported, MAX_INPUT_BYTES};
use base64::Engine as _;
use std::collections::HashMap;
use std::io::Read;

/// How far an unattached edge end may be from a vertex to be snapped to it.
pub const SNAP_DISTANCE: f64 = 80.0;
/// The most XML nodes read from one document (or one inflated page).
pub const MAX_NODES: u32 = 2_000_000;
/// The most bytes a compressed page may inflate to (all pages together).
pub const MAX_INFLATED_BYTES: u64 = MAX_INPUT_BYTES;

pub fn import(text: &str, name: &str) -> Result<Imported, ImportError> {
    Ok(parse(text)?.build(Format::Drawio, name))
}

fn bad(m: impl Into<String>) -> ImportError {
    ImportError::invalid(Format::Drawio, m)
}

fn xml(text: &str) -> Result<roxmltree::Document<'_>, ImportError> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, opts).map_err(|e| match e {
        roxmltree::Error::DtdDetected => {
            bad("the XML declares a DTD (refused: entities could expand without bound)")
        }
        roxmltree::Error::NodesLimitReached => bad(format!("more than {MAX_NODES} XML nodes")),
        e => bad(format!("not well-formed XML: {e}")),
    })
}

/// A compressed page: base64 → raw deflate (capped) → URL-decoding.
fn inflate(data: &str, budget: &mut u64) -> Result<String, ImportError> {
    let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| bad(format!("a compressed page is not base64: {e}")))?;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(raw.as_slice())
        .take(*budget + 1)
        .read_to_end(&mut out)
        .map_err(|e| bad(format!("a compressed page does not inflate: {e}")))?;
    if out.len() as u64 > *budget {
        return Err(bad(format!(
            "compressed pages inflate to more than {} MiB (refused)",
            MAX_INFLATED_BYTES >> 20
        )));
    }
    *budget -= out.len() as u64;
    let decoded = percent_encoding::percent_decode(&out)
        .decode_utf8()
        .map_err(|_| bad("a compressed page is not UTF-8 once inflated"))?;
    Ok(decoded.into_owned())
}

/// x, y, width, height.
type Geo = (f64, f64, f64, f64);

#[derive(Debug, Clone, Default)]
struct Cell {
    id: String,
    value: String,
    style: String,
    vertex: bool,
    edge: bool,
    parent: Option<String>,
    source: Option<String>,
    target: Option<String>,
    geo: Option<Geo>,
    source_point: Option<(f64, f64)>,
    target_point: Option<(f64, f64)>,
}

fn attr_f(n: &roxmltree::Node, key: &str) -> Option<f64> {
    n.attribute(key)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite())
}

/// The cells of one `<mxGraphModel>` (or any element holding `<root>`).
fn cells(model: roxmltree::Node) -> Vec<Cell> {
    let mut out = Vec::new();
    for n in model.descendants() {
        if !n.is_element() {
            continue;
        }
        let tag = n.tag_name().name();
        let (wrapper, cell) = match tag {
            "mxCell" => {
                // A cell inside a UserObject / object wrapper is read with it.
                if n.parent_element()
                    .is_some_and(|p| matches!(p.tag_name().name(), "UserObject" | "object"))
                {
                    continue;
                }
                (None, n)
            }
            "UserObject" | "object" => match n
                .children()
                .find(|c| c.is_element() && c.tag_name().name() == "mxCell")
            {
                Some(c) => (Some(n), c),
                None => continue,
            },
            _ => continue,
        };
        let id = wrapper
            .and_then(|w| w.attribute("id"))
            .or_else(|| cell.attribute("id"))
            .unwrap_or("")
            .to_string();
        let value = wrapper
            .and_then(|w| w.attribute("label").or_else(|| w.attribute("value")))
            .or_else(|| cell.attribute("value"))
            .unwrap_or("")
            .to_string();
        let mut c = Cell {
            id,
            value,
            style: cell.attribute("style").unwrap_or("").to_string(),
            vertex: cell.attribute("vertex") == Some("1"),
            edge: cell.attribute("edge") == Some("1"),
            parent: cell.attribute("parent").map(str::to_string),
            source: cell.attribute("source").map(str::to_string),
            target: cell.attribute("target").map(str::to_string),
            ..Cell::default()
        };
        if let Some(g) = cell
            .children()
            .find(|g| g.is_element() && g.tag_name().name() == "mxGeometry")
        {
            c.geo = Some((
                attr_f(&g, "x").unwrap_or(0.0),
                attr_f(&g, "y").unwrap_or(0.0),
                attr_f(&g, "width").unwrap_or(0.0),
                attr_f(&g, "height").unwrap_or(0.0),
            ));
            for p in g
                .children()
                .filter(|p| p.is_element() && p.tag_name().name() == "mxPoint")
            {
                let pt = (
                    attr_f(&p, "x").unwrap_or(0.0),
                    attr_f(&p, "y").unwrap_or(0.0),
                );
                match p.attribute("as") {
                    Some("sourcePoint") => c.source_point = Some(pt),
                    Some("targetPoint") => c.target_point = Some(pt),
                    _ => {}
                }
            }
        }
        out.push(c);
    }
    out
}

fn style_has(style: &str, key: &str, value: &str) -> bool {
    style.split(';').any(|kv| {
        kv.split_once('=')
            .is_some_and(|(k, v)| k == key && v == value)
    })
}

/// A bare word of the style (`swimlane;…`, `text;html=1;…`).
fn style_word(style: &str, word: &str) -> bool {
    style.split(';').any(|kv| kv == word)
}

/// A label as plain text: HTML stripped when the cell says `html=1`,
/// otherwise `<` is literal.
fn label_text(cell: &Cell) -> String {
    if style_has(&cell.style, "html", "1") {
        cell.value.clone()
    } else {
        cell.value.replace('&', "&amp;").replace('<', "&lt;")
    }
}

/// Reads a draw.io file into boxes and arrows.
pub fn parse(text: &str) -> Result<Sketch, ImportError> {
    let doc = xml(text)?;
    let root = doc.root_element();
    let mut pages: Vec<(String, Vec<Cell>)> = Vec::new();
    let mut budget = MAX_INFLATED_BYTES;
    match root.tag_name().name() {
        "mxfile" => {
            for d in root
                .children()
                .filter(|d| d.is_element() && d.tag_name().name() == "diagram")
            {
                let name = d.attribute("name").unwrap_or("page").to_string();
                match d
                    .children()
                    .find(|m| m.is_element() && m.tag_name().name() == "mxGraphModel")
                {
                    Some(m) => pages.push((name, cells(m))),
                    None => {
                        let data = d.text().unwrap_or("").trim();
                        if data.is_empty() {
                            pages.push((name, Vec::new()));
                            continue;
                        }
                        let inflated = inflate(data, &mut budget)?;
                        let inner = xml(&inflated)?;
                        pages.push((name, cells(inner.root_element())));
                    }
                }
            }
        }
        "mxGraphModel" => pages.push(("page".into(), cells(root))),
        other => {
            return Err(bad(format!(
                "the root element is <{}>, not <mxfile> or <mxGraphModel>",
                crate::text::one_line(other)
            )))
        }
    }
    if pages.is_empty() {
        return Err(bad("no <diagram> page"));
    }
    let mut sketch = Sketch::default();
    let many = pages.len() > 1;
    for (pi, (page, cells)) in pages.iter().enumerate() {
        let key = |id: &str| {
            if many {
                format!("{pi}/{id}")
            } else {
                id.to_string()
            }
        };
        let by_id: HashMap<&str, &Cell> = cells.iter().map(|c| (c.id.as_str(), c)).collect();
        // Absolute position: geometry plus the parents' offsets (bounded walk).
        let abs = |c: &Cell| -> Option<Geo> {
            let (mut x, mut y, w, h) = c.geo?;
            let mut p = c.parent.as_deref();
            for _ in 0..64 {
                let Some(pc) = p.and_then(|id| by_id.get(id)) else {
                    break;
                };
                if !pc.vertex {
                    break;
                }
                if let Some((px, py, _, _)) = pc.geo {
                    x += px;
                    y += py;
                }
                p = pc.parent.as_deref();
            }
            Some((x, y, w, h))
        };
        let is_container = |c: &Cell| {
            style_word(&c.style, "swimlane")
                || style_word(&c.style, "group")
                || style_has(&c.style, "container", "1")
        };
        let edge_ids: std::collections::HashSet<&str> = cells
            .iter()
            .filter(|c| c.edge)
            .map(|c| c.id.as_str())
            .collect();
        let attached: std::collections::HashSet<&str> = cells
            .iter()
            .filter(|e| e.edge)
            .flat_map(|e| [e.source.as_deref(), e.target.as_deref()])
            .flatten()
            .collect();
        // Label cells drawn on edges.
        let mut edge_labels: HashMap<&str, Vec<String>> = HashMap::new();
        let mut boxes: Vec<(&Cell, Geo)> = Vec::new();
        for c in cells.iter().filter(|c| c.vertex) {
            if let Some(p) = c.parent.as_deref().filter(|p| edge_ids.contains(p)) {
                edge_labels.entry(p).or_default().push(label_text(c));
                continue;
            }
            if is_container(c) {
                let members = cells
                    .iter()
                    .filter(|m| m.vertex && m.parent.as_deref() == Some(c.id.as_str()))
                    .count();
                sketch.notes.push(format!(
                    "container \"{}\" ({members} shape{}) is a group, not a system",
                    super::text::short_name(&super::text::plain_label(&label_text(c))),
                    if members == 1 { "" } else { "s" }
                ));
                continue;
            }
            let plain = super::text::plain_label(&label_text(c));
            let is_text = style_word(&c.style, "text") || style_word(&c.style, "edgeLabel");
            let touched = attached.contains(c.id.as_str());
            if is_text && !touched {
                if !plain.is_empty() {
                    sketch.unplaced.push(format!(
                        "{page}: text \"{}\" is on no edge: not imported",
                        super::text::short_name(&plain)
                    ));
                }
                continue;
            }
            let at = abs(c).unwrap_or((0.0, 0.0, 0.0, 0.0));
            boxes.push((c, at));
            sketch.boxes.push(SketchBox {
                key: key(&c.id),
                label: label_text(c),
                group: None,
                at: format!("{page}: cell {}", crate::text::one_line(&c.id)),
            });
        }
        let snap = |pt: Option<(f64, f64)>, parent: Option<&str>| -> Option<String> {
            let (mut px, mut py) = pt?;
            // Points are relative to the edge's parent when that is a vertex.
            if let Some(pc) = parent.and_then(|p| by_id.get(p)).filter(|p| p.vertex) {
                if let Some((ax, ay, _, _)) = abs(pc) {
                    px += ax;
                    py += ay;
                }
            }
            boxes
                .iter()
                .map(|(c, (x, y, w, h))| {
                    let dx = (x - px).max(0.0).max(px - (x + w));
                    let dy = (y - py).max(0.0).max(py - (y + h));
                    (c, (dx * dx + dy * dy).sqrt())
                })
                .filter(|(_, d)| *d <= SNAP_DISTANCE)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(c, _)| key(&c.id))
        };
        let box_keys: std::collections::HashSet<String> =
            boxes.iter().map(|(c, _)| key(&c.id)).collect();
        for e in cells.iter().filter(|c| c.edge) {
            let resolve = |end: &Option<String>, pt: Option<(f64, f64)>| -> Option<String> {
                match end {
                    Some(id) if box_keys.contains(&key(id)) => Some(key(id)),
                    // Attached to a label or a shape in a container: its vertex.
                    Some(id) => by_id
                        .get(id.as_str())
                        .and_then(|c| c.parent.as_deref())
                        .map(key)
                        .filter(|k| box_keys.contains(k))
                        .or(Some(key(id))),
                    None => snap(pt, e.parent.as_deref()),
                }
            };
            let mut label = label_text(e);
            if let Some(more) = edge_labels.get(e.id.as_str()) {
                for m in more {
                    if !label.is_empty() {
                        label.push('\n');
                    }
                    label.push_str(m);
                }
            }
            sketch.arrows.push(SketchArrow {
                from: resolve(&e.source, e.source_point),
                to: resolve(&e.target, e.target_point),
                label,
                dotted: style_has(&e.style, "dashed", "1"),
                at: format!("{page}: edge {}", crate::text::one_line(&e.id)),
            });
        }
    }
    if many {
        sketch.notes.push(format!(
            "{} pages read into one model: {}",
            pages.len(),
            pages
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(sketch)
}
