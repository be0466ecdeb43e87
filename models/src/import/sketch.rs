//! One builder for every sketch: boxes and arrows in, a model out.
//!
//! - A box becomes a system: its name is the first line of its label, its id
//!   a slug of the name (transliterated, unique), its kind guessed from the
//!   name (`ERP` → erp, `Warehouse` → wms, `Storefront` → ecommerce...). A
//!   line `owns: A, B` (Charter's own Mermaid export) names entities it owns.
//! - An arrow's label becomes one flow per entity it names (`Order, Invoice`
//!   are two): `Order`, `Order (event)` and `OrderCreated` are events about
//!   Order; a dotted arrow, `(request)`, an HTTP verb or the words
//!   request/asks/query make it a request from the arrow's tail to its head.
//! - An entity's owner: the one system its `owns:` line names, else the one
//!   system that sends its events, else left open (a `no-owner` finding).
//!   Every other system an event reaches holds a copy.
//! - What cannot be placed (an arrow without a label, an arrow whose end is
//!   no box, an unlabelled box no arrow touches) is listed, never dropped.

use super::text::{plain_label, short_name, slugify, IdSet};
use super::{Format, Imported};
use crate::model::{Entity, Extra, Flow, Model, Pattern, System, SystemKind, Trigger};
use std::collections::HashMap;

/// A box of the sketch.
#[derive(Debug, Clone)]
pub struct SketchBox {
    /// The sketch's own id of the box (what arrows refer to).
    pub key: String,
    /// The label as written (markup allowed: it is made plain text here).
    pub label: String,
    /// The group (subgraph, container) it is drawn in, if any.
    pub group: Option<String>,
    /// Where it is in the input, for messages (`line 4`, `element abc`).
    pub at: String,
}

/// An arrow of the sketch, between two boxes' keys.
#[derive(Debug, Clone)]
pub struct SketchArrow {
    pub from: Option<String>,
    pub to: Option<String>,
    pub label: String,
    /// Drawn dotted or dashed: a request.
    pub dotted: bool,
    pub at: String,
}

/// Boxes and arrows read from a sketch, with what its reader could not place.
#[derive(Debug, Default)]
pub struct Sketch {
    pub name: Option<String>,
    pub boxes: Vec<SketchBox>,
    pub arrows: Vec<SketchArrow>,
    pub unplaced: Vec<String>,
    pub notes: Vec<String>,
}

/// What an arrow label says: the entity names, the pattern if the label
/// says it, and whether it says the flow is not acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelReading {
    pub entities: Vec<String>,
    pub pattern: Option<Pattern>,
    /// `Some(true)`: the label is Charter's own `X (event)` form without
    /// `, no ack`; `Some(false)`: it says `no ack`; `None`: it does not say.
    pub ack: Option<bool>,
}

/// Words that make a label a request.
const REQUEST_WORDS: &[&str] = &[
    "request",
    "requests",
    "asks",
    "ask",
    "asking",
    "query",
    "queries",
    "lookup",
    "get",
    "fetch",
    "fetches",
    "reads",
    "post",
    "put",
    "patch",
    "delete",
    "reserve",
    "reserves",
    "reservation",
    "call",
    "calls",
];

/// Words that make a label an event.
const EVENT_WORDS: &[&str] = &[
    "event",
    "events",
    "announces",
    "publishes",
    "notifies",
    "sync",
    "syncs",
    "push",
    "pushes",
    "feed",
    "export",
];

/// Endings of event names that are dropped to find the entity
/// (`OrderCreated` → Order).
const EVENT_SUFFIXES: &[&str] = &[
    "created",
    "updated",
    "changed",
    "deleted",
    "removed",
    "cancelled",
    "canceled",
    "confirmed",
    "shipped",
    "booked",
    "posted",
    "added",
    "captured",
    "refunded",
    "completed",
    "received",
    "released",
    "approved",
    "rejected",
    "event",
];

/// Reads an arrow label: `Order`, `Order (request)`, `OrderCreated`,
/// `GET /orders/{id}`, `Order (event), no ack`, `Order, Invoice`.
pub fn read_label(label: &str) -> LabelReading {
    let plain = plain_label(label);
    let mut text = plain.replace('\n', ", ");
    let mut ack = None;
    let lower = text.to_lowercase();
    for tail in [", no ack", " no ack", "(no ack)"] {
        if lower.ends_with(tail) {
            text.truncate(text.len() - tail.len());
            ack = Some(false);
            break;
        }
    }
    let mut pattern = None;
    let mut entities = Vec::new();
    for part in text.split([',', ';']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, p, explicit) = read_part(part);
        if explicit && ack.is_none() {
            // Charter's own form `X (event)` without `no ack`: acknowledged.
            ack = Some(true);
        }
        if let Some(p) = p {
            pattern = Some(match (pattern, p) {
                (Some(Pattern::Request), _) | (_, Pattern::Request) => Pattern::Request,
                _ => Pattern::Event,
            });
        }
        if let Some(n) = name {
            if !entities.iter().any(|e: &String| slugify(e) == slugify(&n)) {
                entities.push(n);
            }
        }
    }
    LabelReading {
        entities,
        pattern,
        ack,
    }
}

/// One entity mention: its name, the pattern it says, and whether it was
/// Charter's exact `Name (event|request)` form.
fn read_part(part: &str) -> (Option<String>, Option<Pattern>, bool) {
    let mut pattern = None;
    let mut body = part.to_string();
    let mut explicit = false;
    // A trailing parenthesis: `(request)`, `(event)`, `(GET)`.
    if let (Some(open), true) = (body.rfind('('), body.ends_with(')')) {
        let inner = body[open + 1..body.len() - 1].trim().to_lowercase();
        let said = pattern_of_words(&inner);
        if said.is_some() {
            explicit = inner == "event" || inner == "request";
            pattern = said;
            body.truncate(open);
        }
    }
    if explicit {
        // Charter's own `Name (event)`: the name is exactly what precedes.
        let name = short_name(body.trim());
        return ((!slugify(&name).is_empty()).then_some(name), pattern, true);
    }
    // Words anywhere: `asks stock`, `GET /orders/{id}`, `stock request`.
    let mut words: Vec<String> = Vec::new();
    let mut path_entity = None;
    for w in body.split_whitespace() {
        let lw = w.to_lowercase();
        if w.starts_with('/') {
            path_entity = entity_from_path(w);
            continue;
        }
        if let Some(p) = pattern_of_words(&lw) {
            if pattern.is_none() || p == Pattern::Request {
                pattern = Some(p);
            }
            continue;
        }
        words.push(w.to_string());
    }
    let mut name = words.join(" ");
    if name.is_empty() {
        if let Some(p) = path_entity {
            name = p;
        }
    }
    // `OrderCreated`, `order created`, `Order.created`: an event about Order.
    let (stripped, was_event) = strip_event_suffix(&name);
    if was_event {
        name = stripped;
        if pattern.is_none() {
            pattern = Some(Pattern::Event);
        }
    }
    let name = short_name(name.trim_matches(|c: char| !c.is_alphanumeric()));
    if slugify(&name).is_empty() {
        return (None, pattern, explicit);
    }
    (Some(name), pattern, explicit)
}

fn pattern_of_words(text: &str) -> Option<Pattern> {
    let mut found = None;
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        if REQUEST_WORDS.contains(&w) {
            return Some(Pattern::Request);
        }
        if EVENT_WORDS.contains(&w) {
            found = Some(Pattern::Event);
        }
    }
    found
}

/// `/api/v1/orders/{id}` → `order`: the last segment that is not a
/// parameter, a version or a value (a segment with a digit, such as
/// `SO-1001` or a UUID, is taken for a record's id), singular.
pub fn entity_from_path(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.split('/')
        .rev()
        .map(str::trim)
        .find(|s| {
            !s.is_empty()
                && !s.starts_with('{')
                && !s.starts_with(':')
                && !s.starts_with('<')
                && !s.chars().any(|c| c.is_ascii_digit())
                && !is_version(s)
                && *s != "api"
        })
        .map(singular)
}

fn is_version(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    s.strip_prefix('v')
        .is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// A plural resource name made singular (`orders` → `order`,
/// `categories` → `category`, `addresses` → `address`, `stock` stays).
pub fn singular(word: &str) -> String {
    let w = word.trim();
    let lower = w.to_ascii_lowercase();
    if lower.ends_with("ies") && w.len() > 4 {
        format!("{}y", &w[..w.len() - 3])
    } else if (lower.ends_with("sses") || lower.ends_with("xes") || lower.ends_with("ches"))
        && w.len() > 4
    {
        w[..w.len() - 2].to_string()
    } else if lower.ends_with('s')
        && !lower.ends_with("ss")
        && !lower.ends_with("us")
        && w.len() > 3
    {
        w[..w.len() - 1].to_string()
    } else {
        w.to_string()
    }
}

/// Drops an event ending: `OrderCreated` → (`Order`, true),
/// `stock updated` → (`stock`, true), `Order` → (`Order`, false).
fn strip_event_suffix(name: &str) -> (String, bool) {
    let trimmed = name.trim();
    for suffix in EVENT_SUFFIXES {
        if trimmed.len() <= suffix.len() || !trimmed.is_char_boundary(trimmed.len() - suffix.len())
        {
            continue;
        }
        let (head, tail) = trimmed.split_at(trimmed.len() - suffix.len());
        if !tail.eq_ignore_ascii_case(suffix) {
            continue;
        }
        let head_trim = head.trim_end_matches([' ', '.', '_', '-']);
        let separated = head_trim.len() < head.len();
        // CamelCase: the suffix starts with a capital after a lower case letter.
        let camel = tail.starts_with(|c: char| c.is_ascii_uppercase())
            && head.ends_with(|c: char| c.is_lowercase() || c.is_ascii_digit());
        if (separated || camel) && !head_trim.is_empty() {
            return (head_trim.to_string(), true);
        }
    }
    (trimmed.to_string(), false)
}

/// The kind of a system guessed from its name.
pub fn guess_kind(name: &str) -> SystemKind {
    let n = deunicode::deunicode(name).to_lowercase();
    let words: Vec<&str> = n
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    let contains = |w: &str| n.contains(w);
    if has("erp") || has("sap") || has("navision") || has("dynamics") {
        SystemKind::Erp
    } else if has("wms") || contains("warehouse") || contains("lager") || has("cold") {
        SystemKind::Wms
    } else if has("oms") || contains("order management") {
        SystemKind::Oms
    } else if contains("shop") || contains("storefront") || contains("commerce") || has("web") {
        SystemKind::Ecommerce
    } else if has("3pl") || contains("logistics") || contains("fulfil") {
        SystemKind::ThirdPartyLogistics
    } else if contains("payment") || has("psp") || contains("stripe") || contains("adyen") {
        SystemKind::Payments
    } else if contains("financ") || contains("accounting") || contains("ledger") {
        SystemKind::Finance
    } else if has("crm") || contains("salesforce") || contains("hubspot") {
        SystemKind::Crm
    } else if has("pim") || contains("product information") {
        SystemKind::Pim
    } else if contains("production") || has("mes") || contains("factory") || contains("packing") {
        SystemKind::Production
    } else if contains("quality") || has("qms") || has("lims") {
        SystemKind::Quality
    } else if contains("transport") || has("tms") || contains("carrier") || contains("shipping") {
        SystemKind::Transport
    } else if contains("analytics")
        || contains("data platform")
        || contains("warehouse bi")
        || has("bi")
        || contains("report")
        || contains("forecast")
    {
        SystemKind::Analytics
    } else {
        SystemKind::Other
    }
}

impl Sketch {
    /// Builds the model. `default_name` names it when the sketch does not.
    pub fn build(self, format: Format, default_name: &str) -> Imported {
        let mut summary = self.notes;
        let mut unplaced = self.unplaced;
        let name = self
            .name
            .map(|n| short_name(&plain_label(&n)))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| default_name.to_string());
        let mut model = Model::new(name);

        // Which boxes some arrow touches: an unlabelled box no arrow touches
        // is listed, not made a system.
        let touched: std::collections::HashSet<&str> = self
            .arrows
            .iter()
            .flat_map(|a| [a.from.as_deref(), a.to.as_deref()])
            .flatten()
            .collect();

        let mut system_ids = IdSet::default();
        let mut system_of_key: HashMap<String, String> = HashMap::new();
        // (entity name, system id) from `owns:` lines.
        let mut declared_owner: Vec<(String, String)> = Vec::new();
        let mut unnamed = 0usize;
        for b in &self.boxes {
            if system_of_key.contains_key(&b.key) {
                continue;
            }
            let plain = plain_label(&b.label);
            let is_owns = |l: &str| {
                let l = l.trim();
                l.starts_with("owns:") || l.starts_with("Owns:")
            };
            // A name written on several lines is one name.
            let mut name = short_name(
                &plain
                    .lines()
                    .filter(|l| !is_owns(l))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            let owns: Vec<String> = plain
                .lines()
                .filter_map(|l| {
                    let l = l.trim();
                    l.strip_prefix("owns:")
                        .or_else(|| l.strip_prefix("Owns:"))
                        .map(str::to_string)
                })
                .flat_map(|l| {
                    l.split(',')
                        .map(|s| short_name(s.trim()))
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                })
                .collect();
            if slugify(&name).is_empty() {
                if !touched.contains(b.key.as_str()) {
                    unplaced.push(format!(
                        "{}: a shape without a name and without arrows: not a system",
                        b.at
                    ));
                    continue;
                }
                unnamed += 1;
                name = format!("Unnamed {unnamed}");
                summary.push(format!(
                    "{}: a shape without a name became system \"{name}\" (rename it)",
                    b.at
                ));
            }
            let id = system_ids.make(&name, "system");
            for e in owns {
                declared_owner.push((e, id.clone()));
            }
            system_of_key.insert(b.key.clone(), id.clone());
            model.systems.push(System {
                id,
                kind: guess_kind(&name),
                name,
                team: None,
                side_effects: None,
                endpoints: None,
                extra: Extra::new(),
            });
        }

        // Entities by slug, in order of first mention.
        let mut entity_ids = IdSet::default();
        let mut entity_index: HashMap<String, usize> = HashMap::new();
        let mut entity_of = |model: &mut Model, name: &str| -> usize {
            let slug = slugify(name);
            if let Some(&i) = entity_index.get(&slug) {
                return i;
            }
            let id = entity_ids.make(name, "entity");
            model.entities.push(Entity {
                id,
                name: short_name(name),
                owner: None,
                steward: None,
                rationale: None,
                key: "id".into(),
                monetary: None,
                consistency_window_seconds: None,
                fields: Vec::new(),
                copies: Vec::new(),
                extra: Extra::new(),
            });
            entity_index.insert(slug, model.entities.len() - 1);
            model.entities.len() - 1
        };
        for (e, _) in &declared_owner {
            entity_of(&mut model, e);
        }

        let mut flow_ids = IdSet::default();
        for a in &self.arrows {
            let ends = (
                a.from.as_ref().and_then(|k| system_of_key.get(k)),
                a.to.as_ref().and_then(|k| system_of_key.get(k)),
            );
            let (from, to) = match ends {
                (Some(f), Some(t)) => (f.clone(), t.clone()),
                _ => {
                    let missing = match (&a.from, &a.to, ends) {
                        (None, _, _) => "its start is attached to no shape".to_string(),
                        (_, None, _) => "its end is attached to no shape".to_string(),
                        (Some(k), _, (None, _)) => format!("its start `{k}` is not a box"),
                        (_, Some(k), _) => format!("its end `{k}` is not a box"),
                    };
                    unplaced.push(format!(
                        "{}: arrow{} not imported: {missing}",
                        a.at,
                        quoted_label(&a.label)
                    ));
                    continue;
                }
            };
            let reading = read_label(&a.label);
            if reading.entities.is_empty() {
                unplaced.push(format!(
                    "{}: arrow {from} → {to}{} names no entity: not imported as a flow (label it with what it carries)",
                    a.at,
                    quoted_label(&a.label)
                ));
                continue;
            }
            let pattern = if a.dotted {
                Pattern::Request
            } else {
                reading.pattern.unwrap_or(Pattern::Event)
            };
            for name in &reading.entities {
                let ei = entity_of(&mut model, name);
                let entity_id = model.entities[ei].id.clone();
                let id = flow_ids.claim(&bounded_flow_id(&entity_id, &from, &to));
                model.flows.push(Flow {
                    id,
                    entity: entity_id,
                    from: from.clone(),
                    to: to.clone(),
                    pattern,
                    trigger: match pattern {
                        Pattern::Event => Trigger::System,
                        Pattern::Request => Trigger::User,
                    },
                    ack: reading.ack.filter(|&a| a),
                    idempotency_key: None,
                    ack_within_seconds: None,
                    retry: None,
                    schedule: None,
                    extra: Extra::new(),
                });
            }
        }

        // Owners and copies.
        for i in 0..model.entities.len() {
            let id = model.entities[i].id.clone();
            let name = model.entities[i].name.clone();
            let declared: Vec<&String> = declared_owner
                .iter()
                .filter(|(e, _)| slugify(e) == slugify(&name))
                .map(|(_, s)| s)
                .collect();
            let mut senders: Vec<&str> = Vec::new();
            for f in model.flows.iter().filter(|f| f.entity == id) {
                if f.pattern == Pattern::Event && !senders.contains(&f.from.as_str()) {
                    senders.push(&f.from);
                }
            }
            let owner = if let [one] = declared.as_slice() {
                summary.push(format!(
                    "entity {id}: owner {one} (its box says it owns it)"
                ));
                Some((*one).clone())
            } else if let [one] = senders.as_slice() {
                summary.push(format!(
                    "entity {id}: owner {one} (the one system that sends its events)"
                ));
                Some((*one).to_string())
            } else if senders.len() > 1 {
                summary.push(format!(
                    "entity {id}: owner left open: {} all send its events (decide which one owns it)",
                    senders.join(", ")
                ));
                None
            } else {
                summary.push(format!(
                    "entity {id}: owner left open (no event about it says who announces it)"
                ));
                None
            };
            let mut copies: Vec<String> = Vec::new();
            for f in model.flows.iter().filter(|f| f.entity == id) {
                if f.pattern != Pattern::Event {
                    continue;
                }
                let holder = &f.to;
                if owner.as_deref() != Some(holder.as_str()) && !copies.contains(holder) {
                    copies.push(holder.clone());
                }
            }
            let e = &mut model.entities[i];
            e.owner = owner;
            e.copies = copies;
        }

        summary.insert(
            0,
            format!(
                "read {} box{} and {} arrow{} as {} system{}, {} entit{}, {} flow{}",
                self.boxes.len(),
                if self.boxes.len() == 1 { "" } else { "es" },
                self.arrows.len(),
                plural(self.arrows.len()),
                model.systems.len(),
                plural(model.systems.len()),
                model.entities.len(),
                if model.entities.len() == 1 {
                    "y"
                } else {
                    "ies"
                },
                model.flows.len(),
                plural(model.flows.len()),
            ),
        );
        Imported {
            format,
            model,
            summary,
            unplaced,
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn quoted_label(label: &str) -> String {
    let plain = plain_label(label).replace('\n', " ");
    if plain.is_empty() {
        String::new()
    } else {
        format!(" \"{}\"", short_name(&plain))
    }
}

/// `entity-from-to`, cut to fit an id.
fn bounded_flow_id(entity: &str, from: &str, to: &str) -> String {
    let mut id = format!("{entity}-{from}-to-{to}");
    if id.len() > 56 {
        id.truncate(56);
        id = id.trim_end_matches(['-', '_']).to_string();
    }
    id
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn r(label: &str) -> (Vec<String>, Option<Pattern>, Option<bool>) {
        let l = read_label(label);
        (l.entities, l.pattern, l.ack)
    }

    #[test]
    fn labels_name_entity_and_pattern() {
        assert_eq!(r("Order"), (vec!["Order".into()], None, None));
        assert_eq!(
            r("Order (request)"),
            (vec!["Order".into()], Some(Pattern::Request), Some(true))
        );
        assert_eq!(
            r("Order (event), no ack"),
            (vec!["Order".into()], Some(Pattern::Event), Some(false))
        );
        assert_eq!(
            r("OrderCreated"),
            (vec!["Order".into()], Some(Pattern::Event), None)
        );
        assert_eq!(
            r("stock updated"),
            (vec!["stock".into()], Some(Pattern::Event), None)
        );
        assert_eq!(
            r("GET /api/v1/orders/{id}"),
            (vec!["order".into()], Some(Pattern::Request), None)
        );
        assert_eq!(
            r("asks Stock"),
            (vec!["Stock".into()], Some(Pattern::Request), None)
        );
        assert_eq!(
            r("Order, Invoice").0,
            vec!["Order".to_string(), "Invoice".to_string()]
        );
        assert_eq!(r("").0, Vec::<String>::new());
        assert_eq!(r("Batch").0, vec!["Batch".to_string()], "no false suffix");
    }

    #[test]
    fn kinds_from_names() {
        assert_eq!(guess_kind("ERP"), SystemKind::Erp);
        assert_eq!(guess_kind("Warehouse system"), SystemKind::Wms);
        assert_eq!(guess_kind("Storefront"), SystemKind::Ecommerce);
        assert_eq!(guess_kind("Data platform"), SystemKind::Analytics);
        assert_eq!(guess_kind("Transport portal"), SystemKind::Transport);
        assert_eq!(guess_kind("Payment gateway"), SystemKind::Payments);
        assert_eq!(guess_kind("Thing"), SystemKind::Other);
    }
}
