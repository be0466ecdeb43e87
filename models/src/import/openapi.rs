//! Specs: OpenAPI 3.0 / 3.1 and AsyncAPI 2.x / 3.x, JSON or YAML (YAML
//! through `yaml_serde` into the same `serde_json::Value`).
//!
//! OpenAPI: the spec's API is one provider system (`info.title`);
//! resources (paths, grouped by their last non-parameter segment:
//! `/orders` and `/orders/{id}` are Order) are entities, owned by the
//! provider, with typed fields from the request or response schemas (local
//! `$ref`s followed, depth-bounded); write operations (POST, PUT, PATCH,
//! DELETE) are requests to the provider from a placeholder system "Clients
//! of …" (replace it with the real callers); webhooks (3.1) and callbacks
//! are events the provider sends to it.
//!
//! AsyncAPI: the application (`info.title`) is a system; each message (or
//! channel when messages are unnamed) is an entity with fields from its
//! payload; what the application sends (3.x `action: send`; 2.x
//! `subscribe`, the operation its consumers perform) are events from it to
//! a placeholder "Consumers of …", what it receives are events to it from
//! "Producers of …". The 2.x direction is the specification's; some tools
//! use the opposite.

use super::sketch::{guess_kind, singular};
use super::text::{plain_label, short_name, slugify, IdSet};
use super::{Format, ImportError, Imported};
use crate::model::{
    Entity, Extra, Field, FieldType, Flow, Model, Pattern, System, SystemKind, Trigger,
};
use serde_json::Value;

/// How deep `$ref`s and nested schemas are followed.
const MAX_DEPTH: usize = 16;
/// The most paths, channels or messages read.
const MAX_ITEMS: usize = 20_000;

/// Reads the text as JSON, else as YAML.
pub fn read_document(text: &str, format: Format) -> Result<Value, ImportError> {
    let t = text.trim_start();
    if t.starts_with('{') {
        return serde_json::from_str(t)
            .map_err(|e| ImportError::invalid(format, format!("not JSON: {e}")));
    }
    yaml_serde::from_str::<Value>(text)
        .map_err(|e| ImportError::invalid(format, format!("not YAML: {e}")))
}

/// `openapi: 3.x` or `asyncapi: 2.x|3.x` at the top: which one.
pub fn detect(text: &str) -> Option<Format> {
    for line in text.lines().take(200) {
        let l = line.trim().trim_start_matches('{').trim();
        let l = l.trim_start_matches('"');
        if l.starts_with("openapi") && l.contains('3') {
            return Some(Format::Openapi);
        }
        if l.starts_with("asyncapi") {
            return Some(Format::Asyncapi);
        }
    }
    None
}

fn text_of(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(|s| short_name(&plain_label(s)))
        .filter(|s| !s.is_empty())
}

/// Follows a local `$ref` (`#/components/schemas/Order`).
fn resolve<'a>(root: &'a Value, v: &'a Value, depth: usize) -> Option<&'a Value> {
    let mut cur = v;
    for _ in depth..MAX_DEPTH {
        match cur.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let ptr = r.strip_prefix('#')?;
                cur = root.pointer(ptr)?;
            }
            None => return Some(cur),
        }
    }
    None
}

/// The name a `$ref` points at (`Order` for `#/components/schemas/Order`).
fn ref_name(v: &Value) -> Option<String> {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_string)
}

/// How many schemas one entity's fields may visit (`allOf` of `allOf`s).
const SCHEMA_BUDGET: usize = 2_000;

/// Typed fields of an object schema.
fn fields_of(root: &Value, schema: &Value, depth: usize) -> Vec<Field> {
    let mut budget = SCHEMA_BUDGET;
    fields_within(root, schema, depth, &mut budget)
}

fn fields_within(root: &Value, schema: &Value, depth: usize, budget: &mut usize) -> Vec<Field> {
    if *budget == 0 {
        return Vec::new();
    }
    *budget -= 1;
    let Some(s) = resolve(root, schema, depth) else {
        return Vec::new();
    };
    // allOf: the fields of every part.
    if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
        if depth < MAX_DEPTH {
            let mut all: Vec<Field> = Vec::new();
            for p in parts.iter().take(64) {
                for f in fields_within(root, p, depth + 1, budget) {
                    if !all.iter().any(|a| a.name == f.name) {
                        all.push(f);
                    }
                }
            }
            return all;
        }
    }
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = s.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props
        .iter()
        .take(500)
        .filter(|(name, _)| !name.trim().is_empty())
        .map(|(name, p)| {
            let p = resolve(root, p, depth).unwrap_or(p);
            let ty = p
                .get("type")
                .and_then(|t| {
                    t.as_str().or_else(|| {
                        t.as_array()?
                            .iter()
                            .find_map(|x| x.as_str().filter(|x| *x != "null"))
                    })
                })
                .unwrap_or("string");
            let values: Option<Vec<String>> = p.get("enum").and_then(Value::as_array).map(|e| {
                e.iter()
                    .take(200)
                    .map(|v| match v {
                        Value::String(s) => short_name(s),
                        other => other.to_string(),
                    })
                    .collect()
            });
            let field_type = if values.is_some() {
                FieldType::Enum
            } else {
                match (ty, p.get("format").and_then(Value::as_str)) {
                    ("integer", _) => FieldType::Integer,
                    ("number", _) => FieldType::Number,
                    ("boolean", _) => FieldType::Boolean,
                    ("string", Some("date")) => FieldType::Date,
                    ("string", Some("date-time")) => FieldType::Datetime,
                    _ => FieldType::String,
                }
            };
            let pii = ["email", "phone", "address", "birth"]
                .iter()
                .any(|w| name.to_ascii_lowercase().contains(w));
            Field {
                name: short_name(name),
                field_type,
                required: required.contains(&name.as_str()).then_some(true),
                values,
                pii: pii.then_some(true),
                extra: Extra::new(),
            }
        })
        .collect()
}

/// The key field: `id`, else a field named like an id or number, else
/// the first required field, else the first (a key must be a declared
/// field: `key-not-a-field`); `id` when there are no fields.
fn key_of(fields: &[Field]) -> String {
    let lower = |f: &Field| f.name.to_ascii_lowercase();
    fields
        .iter()
        .find(|f| lower(f) == "id")
        .or_else(|| {
            fields.iter().find(|f| {
                let l = lower(f);
                l.ends_with("id") || l.ends_with("number") || l.ends_with("no") || l == "sku"
            })
        })
        .or_else(|| fields.iter().find(|f| f.is_required()))
        .or_else(|| fields.first())
        .map(|f| f.name.clone())
        .unwrap_or_else(|| "id".into())
}

struct Builder {
    model: Model,
    entity_ids: IdSet,
    flow_ids: IdSet,
    summary: Vec<String>,
    unplaced: Vec<String>,
}

impl Builder {
    fn system(&mut self, name: &str, kind: Option<SystemKind>, ids: &mut IdSet) -> String {
        let id = ids.make(name, "system");
        self.model.systems.push(System {
            id: id.clone(),
            name: name.to_string(),
            kind: kind.unwrap_or_else(|| guess_kind(name)),
            team: None,
            side_effects: None,
            endpoints: None,
            extra: Extra::new(),
        });
        id
    }

    /// The entity with this name (made on first use), fields merged in.
    fn entity(&mut self, name: &str, fields: Vec<Field>, owner: Option<&str>, why: &str) -> String {
        let slug = slugify(name);
        if let Some(e) = self
            .model
            .entities
            .iter_mut()
            .find(|e| slugify(&e.name) == slug)
        {
            for f in fields {
                if !e.fields.iter().any(|g| g.name == f.name) {
                    e.fields.push(f);
                }
            }
            if !e.fields.iter().any(|f| f.name == e.key) {
                e.key = key_of(&e.fields);
            }
            return e.id.clone();
        }
        let id = self.entity_ids.make(name, "entity");
        self.model.entities.push(Entity {
            id: id.clone(),
            name: short_name(name),
            owner: owner.map(str::to_string),
            steward: None,
            rationale: owner.map(|_| why.to_string()),
            key: key_of(&fields),
            monetary: None,
            consistency_window_seconds: None,
            fields,
            copies: Vec::new(),
            extra: Extra::new(),
        });
        id
    }

    fn flow(&mut self, entity: &str, from: &str, to: &str, pattern: Pattern) {
        if self
            .model
            .flows
            .iter()
            .any(|f| f.entity == entity && f.from == from && f.to == to && f.pattern == pattern)
        {
            return;
        }
        let mut base = format!("{entity}-{from}-to-{to}");
        if base.len() > 50 {
            base.truncate(50);
            base = base.trim_end_matches(['-', '_']).to_string();
        }
        if pattern == Pattern::Request {
            base.push_str("-request");
        }
        let id = self.flow_ids.claim(&base);
        self.model.flows.push(Flow {
            id,
            entity: entity.to_string(),
            from: from.to_string(),
            to: to.to_string(),
            pattern,
            trigger: match pattern {
                Pattern::Event => Trigger::System,
                Pattern::Request => Trigger::User,
            },
            ack: None,
            idempotency_key: None,
            ack_within_seconds: None,
            retry: None,
            schedule: None,
            extra: Extra::new(),
        });
        if pattern == Pattern::Event {
            if let Some(e) = self.model.entities.iter_mut().find(|e| e.id == entity) {
                if e.owner.as_deref() != Some(to) && !e.copies.iter().any(|c| c == to) {
                    e.copies.push(to.to_string());
                }
            }
        }
    }

    fn done(self, format: Format) -> Imported {
        let mut summary = self.summary;
        summary.insert(
            0,
            format!(
                "{} system{}, {} entit{}, {} flow{}",
                self.model.systems.len(),
                if self.model.systems.len() == 1 {
                    ""
                } else {
                    "s"
                },
                self.model.entities.len(),
                if self.model.entities.len() == 1 {
                    "y"
                } else {
                    "ies"
                },
                self.model.flows.len(),
                if self.model.flows.len() == 1 { "" } else { "s" },
            ),
        );
        Imported {
            format,
            model: self.model,
            summary,
            unplaced: self.unplaced,
        }
    }
}

fn builder(name: &str) -> Builder {
    Builder {
        model: Model::new(name),
        entity_ids: IdSet::default(),
        flow_ids: IdSet::default(),
        summary: Vec::new(),
        unplaced: Vec::new(),
    }
}

/// The schema an operation carries: its JSON request body, else its first
/// 2xx JSON response.
fn operation_schema<'a>(root: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let body = op
        .get("requestBody")
        .and_then(|b| resolve(root, b, 0))
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
        .and_then(|c| c.values().find_map(|m| m.get("schema")));
    body.or_else(|| {
        op.get("responses")?
            .as_object()?
            .iter()
            .filter(|(code, _)| code.starts_with('2'))
            .find_map(|(_, r)| {
                resolve(root, r, 0)?
                    .get("content")?
                    .as_object()?
                    .values()
                    .find_map(|m| m.get("schema"))
            })
    })
}

/// An item schema when the schema is an array of them.
fn item_schema<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
    match resolve(root, s, 0) {
        Some(r) if r.get("type").and_then(Value::as_str) == Some("array") => {
            r.get("items").unwrap_or(s)
        }
        _ => s,
    }
}

pub fn import_openapi(text: &str, name: &str) -> Result<Imported, ImportError> {
    let doc = read_document(text, Format::Openapi)?;
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !(version.starts_with("3.0") || version.starts_with("3.1")) {
        return Err(ImportError::invalid(
            Format::Openapi,
            if doc.get("swagger").is_some() {
                "Swagger 2.0 is not read (convert it to OpenAPI 3)".to_string()
            } else {
                format!(
                    "`openapi` is `{}`, expected 3.0.x or 3.1.x",
                    version.chars().take(20).collect::<String>()
                )
            },
        ));
    }
    let info = doc.get("info").cloned().unwrap_or(Value::Null);
    let title = text_of(&info, "title").unwrap_or_else(|| name.to_string());
    let mut b = builder(&title);
    let mut sys_ids = IdSet::default();
    let provider = b.system(&title, None, &mut sys_ids);
    let clients = b.system(
        &format!("Clients of {title}"),
        Some(SystemKind::Other),
        &mut sys_ids,
    );
    b.summary.push(format!(
        "provider {provider} ({title}); write operations are requests from placeholder system {clients}: replace it with the real callers"
    ));
    let why = format!("declared as the provider of this resource in the OpenAPI spec \"{title}\"");
    let paths = doc.get("paths").and_then(Value::as_object);
    let mut reads_only = Vec::new();
    for (path, item) in paths.into_iter().flatten().take(MAX_ITEMS) {
        let Some(ent_name) = super::sketch::entity_from_path(path) else {
            b.unplaced.push(format!(
                "path {}: names no resource",
                crate::text::one_line(path)
            ));
            continue;
        };
        let Some(item) = resolve(&doc, item, 0) else {
            continue;
        };
        let mut wrote = false;
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let schema = operation_schema(&doc, op).map(|s| item_schema(&doc, s));
            let display = schema
                .and_then(ref_name)
                .unwrap_or_else(|| capitalise(&ent_name));
            let fields = schema.map(|s| fields_of(&doc, s, 0)).unwrap_or_default();
            let entity = b.entity(&display, fields, Some(&provider), &why);
            if method != "get" {
                wrote = true;
                b.flow(&entity, &clients, &provider, Pattern::Request);
            }
            // Callbacks: events the provider sends back.
            if let Some(cbs) = op.get("callbacks").and_then(Value::as_object) {
                for (cb, _) in cbs.iter().take(100) {
                    let e = b.entity(&event_entity(cb), Vec::new(), Some(&provider), &why);
                    b.flow(&e, &provider, &clients, Pattern::Event);
                }
            }
        }
        if !wrote {
            reads_only.push(path.clone());
        }
    }
    if !reads_only.is_empty() {
        b.summary.push(format!(
            "{} path{} only read (GET): entities without flows",
            reads_only.len(),
            if reads_only.len() == 1 {
                " is"
            } else {
                "s are"
            }
        ));
    }
    if let Some(hooks) = doc.get("webhooks").and_then(Value::as_object) {
        for (hook, item) in hooks.iter().take(MAX_ITEMS) {
            let schema = resolve(&doc, item, 0)
                .and_then(|i| i.get("post"))
                .and_then(|op| operation_schema(&doc, op));
            let display = schema
                .and_then(ref_name)
                .unwrap_or_else(|| event_entity(hook));
            let fields = schema.map(|s| fields_of(&doc, s, 0)).unwrap_or_default();
            let e = b.entity(&display, fields, Some(&provider), &why);
            b.flow(&e, &provider, &clients, Pattern::Event);
        }
    }
    if b.model.entities.is_empty() {
        b.unplaced
            .push("the spec has no paths or webhooks: no entities".into());
    }
    Ok(b.done(Format::Openapi))
}

/// `orderCreated`, `stock.updated` → `Order`, `Stock`.
fn event_entity(name: &str) -> String {
    let first = name
        .split(['.', '/', ':'])
        .find(|p| !p.trim().is_empty())
        .unwrap_or(name);
    let reading = super::sketch::read_label(first);
    reading
        .entities
        .first()
        .map(|e| capitalise(&singular(e)))
        .unwrap_or_else(|| capitalise(first))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub fn import_asyncapi(text: &str, name: &str) -> Result<Imported, ImportError> {
    import_asyncapi_with(text, name, V2Direction::Spec)
}

/// How to read an AsyncAPI 2.x `publish`/`subscribe` (3.x says `send` and
/// `receive`, which cannot be misread).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum V2Direction {
    /// As the 2.x specification defines it: `subscribe` is what the
    /// application's consumers do, so the application sends; `publish` is
    /// what others do to it, so it receives.
    #[default]
    Spec,
    /// The other way round, as many tools and teams write 2.x specs:
    /// `publish` means the application sends.
    Reversed,
}

pub fn import_asyncapi_with(
    text: &str,
    name: &str,
    v2: V2Direction,
) -> Result<Imported, ImportError> {
    let doc = read_document(text, Format::Asyncapi)?;
    let version = doc
        .get("asyncapi")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let v3 = version.starts_with('3');
    if !(v3 || version.starts_with('2')) {
        return Err(ImportError::invalid(
            Format::Asyncapi,
            format!(
                "`asyncapi` is `{}`, expected 2.x or 3.x",
                version.chars().take(20).collect::<String>()
            ),
        ));
    }
    let info = doc.get("info").cloned().unwrap_or(Value::Null);
    let title = text_of(&info, "title").unwrap_or_else(|| name.to_string());
    let mut b = builder(&title);
    let mut sys_ids = IdSet::default();
    let app = b.system(&title, None, &mut sys_ids);
    let mut consumers: Option<String> = None;
    let mut producers: Option<String> = None;
    let why = format!("the application \"{title}\" announces it (AsyncAPI send)");
    // (entity display name, fields, sends?)
    let mut ops: Vec<(String, Vec<Field>, bool)> = Vec::new();
    let message_entity = |doc: &Value, m: &Value, fallback: &str| -> (String, Vec<Field>) {
        let m = resolve(doc, m, 0).unwrap_or(m);
        let payload = m.get("payload");
        let display = text_of(m, "name")
            .or_else(|| text_of(m, "title"))
            .or_else(|| payload.and_then(ref_name))
            .map(|n| event_entity(&n))
            .unwrap_or_else(|| event_entity(fallback));
        let fields = payload.map(|p| fields_of(doc, p, 0)).unwrap_or_default();
        (display, fields)
    };
    if v3 {
        let operations = doc.get("operations").and_then(Value::as_object);
        for (op_id, op) in operations.into_iter().flatten().take(MAX_ITEMS) {
            let Some(op) = resolve(&doc, op, 0) else {
                continue;
            };
            let sends = match op.get("action").and_then(Value::as_str) {
                Some("send") => true,
                Some("receive") => false,
                _ => {
                    b.unplaced.push(format!(
                        "operation {}: no send/receive action: not imported",
                        crate::text::one_line(op_id)
                    ));
                    continue;
                }
            };
            let channel = op.get("channel").and_then(|c| resolve(&doc, c, 0));
            let address = channel
                .and_then(|c| c.get("address").and_then(Value::as_str))
                .unwrap_or(op_id);
            let msgs: Vec<&Value> = match op.get("messages").and_then(Value::as_array) {
                Some(ms) if !ms.is_empty() => ms.iter().take(100).collect(),
                _ => channel
                    .and_then(|c| c.get("messages"))
                    .and_then(Value::as_object)
                    .map(|m| m.values().take(100).collect())
                    .unwrap_or_default(),
            };
            if msgs.is_empty() {
                ops.push((event_entity(address), Vec::new(), sends));
            }
            for m in msgs {
                let (d, f) = message_entity(&doc, m, address);
                ops.push((d, f, sends));
            }
        }
    } else {
        let channels = doc.get("channels").and_then(Value::as_object);
        for (address, ch) in channels.into_iter().flatten().take(MAX_ITEMS) {
            // 2.x: `subscribe` is what the application's consumers do, so
            // the application sends; `publish` is what it receives (unless
            // the spec was written the other way round: V2Direction).
            let reversed = v2 == V2Direction::Reversed;
            for (verb, sends) in [("subscribe", !reversed), ("publish", reversed)] {
                let Some(op) = ch.get(verb) else { continue };
                let msgs: Vec<&Value> = match op.get("message") {
                    Some(m) => match m.get("oneOf").and_then(Value::as_array) {
                        Some(list) => list.iter().take(100).collect(),
                        None => vec![m],
                    },
                    None => Vec::new(),
                };
                if msgs.is_empty() {
                    ops.push((event_entity(address), Vec::new(), sends));
                }
                for m in msgs {
                    let (d, f) = message_entity(&doc, m, address);
                    ops.push((d, f, sends));
                }
            }
        }
    }
    for (display, fields, sends) in ops {
        if sends {
            let c = match &consumers {
                Some(c) => c.clone(),
                None => {
                    let c = b.system(
                        &format!("Consumers of {title}"),
                        Some(SystemKind::Other),
                        &mut sys_ids,
                    );
                    consumers = Some(c.clone());
                    c
                }
            };
            let e = b.entity(&display, fields, Some(&app), &why);
            b.flow(&e, &app, &c, Pattern::Event);
        } else {
            let p = match &producers {
                Some(p) => p.clone(),
                None => {
                    let p = b.system(
                        &format!("Producers for {title}"),
                        Some(SystemKind::Other),
                        &mut sys_ids,
                    );
                    producers = Some(p.clone());
                    p
                }
            };
            let e = b.entity(&display, fields, None, &why);
            b.flow(&e, &p, &app, Pattern::Event);
        }
    }
    b.summary.push(format!(
        "application {app} ({title}, AsyncAPI {version}); placeholder systems stand for its consumers and producers: replace them with the real ones{}",
        match (v3, v2) {
            (true, _) => "",
            (false, V2Direction::Spec) => " (2.x: `subscribe` read as the application sending, as the specification says; --asyncapi-v2-direction reversed reads `publish` as sending)",
            (false, V2Direction::Reversed) => " (2.x read reversed: `publish` as the application sending)",
        }
    ));
    if b.model.entities.is_empty() {
        b.unplaced
            .push("the spec has no channels or operations: no entities".into());
    }
    // Received entities have no owner here: say so.
    let open: Vec<String> = b
        .model
        .entities
        .iter()
        .filter(|e| e.owner.is_none())
        .map(|e| e.id.clone())
        .collect();
    if !open.is_empty() {
        b.summary.push(format!(
            "owner left open for what it only receives: {}",
            open.join(", ")
        ));
    }
    Ok(b.done(Format::Asyncapi))
}
