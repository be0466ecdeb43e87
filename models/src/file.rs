//! Reading and writing model files (`charter-model/1`).
//!
//! Reading never stops at the first problem: the JSON is parsed once, then
//! walked in full against the format, and every problem found is reported with
//! its JSON path and, where the text allows, its line and column. Only a
//! document with no problem is turned into a [`Model`]. Nothing here panics on
//! any input.
//!
//! Writing is stable: two-space indentation, keys in format order, one
//! trailing newline; reading then writing a file written by Charter gives the
//! same bytes. Files are written to a temporary sibling and renamed.

use crate::model::{Model, MODEL_FORMAT};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One problem found while reading a model document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadProblem {
    /// JSON path of the offending value, e.g. `$.flows[3].pattern`.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    pub message: String,
}

impl fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{}: {}: {}", l, c, self.path, self.message),
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Why a model file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {}", first_and_count(problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<ReadProblem>,
    },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn first_and_count(problems: &[ReadProblem]) -> String {
    match problems {
        [] => "invalid model".to_string(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more problems)", rest.len()),
    }
}

impl ModelFileError {
    /// Every problem, for callers that list them all.
    pub fn problems(&self) -> &[ReadProblem] {
        match self {
            ModelFileError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

/// Reads and validates a model file.
pub fn read_model_file(path: &Path) -> Result<Model, ModelFileError> {
    let bytes = std::fs::read(path).map_err(|source| ModelFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Err(ModelFileError::Invalid {
                path: path.to_path_buf(),
                problems: vec![ReadProblem {
                    path: "$".into(),
                    line: None,
                    column: None,
                    message: format!(
                        "not UTF-8 text (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                }],
            })
        }
    };
    parse_model(&text).map_err(|problems| ModelFileError::Invalid {
        path: path.to_path_buf(),
        problems,
    })
}

/// Parses and validates a model document, reporting every problem.
pub fn parse_model(text: &str) -> Result<Model, Vec<ReadProblem>> {
    // A leading byte order mark (Windows editors) is ignored, as RFC 8259 allows.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Err(vec![ReadProblem {
                path: "$".into(),
                line: u32::try_from(e.line()).ok().filter(|l| *l > 0),
                column: u32::try_from(e.column()).ok().filter(|c| *c > 0),
                message: format!("not valid JSON: {}", strip_position(&e.to_string())),
            }])
        }
    };
    let mut problems = Vec::new();
    validate_document(&value, &mut problems);
    if problems.is_empty() {
        match serde_json::from_value::<Model>(value) {
            Ok(model) => return Ok(model),
            Err(e) => problems.push(ReadProblem {
                path: "$".into(),
                line: None,
                column: None,
                message: e.to_string(),
            }),
        }
    }
    locate(text, &mut problems);
    Err(problems)
}

/// Parses a model already held as a JSON value (e.g. from the app's store).
pub fn model_from_value(value: Value) -> Result<Model, Vec<ReadProblem>> {
    let mut problems = Vec::new();
    validate_document(&value, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_json::from_value::<Model>(value).map_err(|e| {
        vec![ReadProblem {
            path: "$".into(),
            line: None,
            column: None,
            message: e.to_string(),
        }]
    })
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// The model as the stable text Charter writes (2-space indent, trailing newline).
pub fn model_to_string(model: &Model) -> String {
    let mut out = serde_json::to_string_pretty(model).unwrap_or_else(|e| {
        // Serialization of these plain types cannot fail; keep a visible trace if it ever does.
        format!("{{\"error\": \"{e}\"}}")
    });
    out.push('\n');
    out
}

/// Writes a model file atomically (temporary sibling, then rename).
pub fn write_model_file(path: &Path, model: &Model) -> Result<(), ModelFileError> {
    write_atomically(path, model_to_string(model).as_bytes()).map_err(|source| {
        ModelFileError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Writes bytes to `path` through a temporary file in the same directory and
/// a rename, so readers see either the old file or the whole new one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "charter".to_string());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

// ---------------------------------------------------------------------------
// Structural validation: walks the whole document, collecting every problem.

/// Is `s` a valid id slug: `^[a-z0-9][a-z0-9_-]{0,63}$`.
pub fn is_valid_id(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 64 {
        return false;
    }
    let first_ok = b[0].is_ascii_lowercase() || b[0].is_ascii_digit();
    first_ok
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
}

struct Walker<'a> {
    problems: &'a mut Vec<ReadProblem>,
}

#[derive(Clone, Copy, PartialEq)]
enum Ty {
    Str,
    Bool,
    UInt,
    Num,
}

impl Walker<'_> {
    fn push(&mut self, path: String, message: String) {
        self.problems.push(ReadProblem {
            path,
            line: None,
            column: None,
            message,
        });
    }

    fn object<'v>(
        &mut self,
        v: &'v Value,
        path: &str,
        what: &str,
    ) -> Option<&'v Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            other => {
                self.push(
                    path.to_string(),
                    format!("expected {what} (an object), found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// Checks a key of an object: presence (when required) and type.
    fn key(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        ty: Ty,
        required: bool,
    ) -> bool {
        let p = format!("{path}.{key}");
        match obj.get(key) {
            None | Some(Value::Null) if !required => false,
            None => {
                self.push(p, format!("missing required key `{key}`"));
                false
            }
            Some(v) => {
                let ok = match ty {
                    Ty::Str => v.is_string(),
                    Ty::Bool => v.is_boolean(),
                    Ty::UInt => v.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)),
                    Ty::Num => v.is_number(),
                };
                if !ok {
                    let expected = match ty {
                        Ty::Str => "a string",
                        Ty::Bool => "true or false",
                        Ty::UInt => "a whole number from 0 to 4294967295",
                        Ty::Num => "a number",
                    };
                    self.push(p, format!("expected {expected}, found {}", describe(v)));
                }
                ok
            }
        }
    }

    fn id(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<String> {
        if !self.key(obj, path, key, Ty::Str, required) {
            return None;
        }
        let s = obj.get(key).and_then(Value::as_str)?;
        if !is_valid_id(s) {
            self.push(
                format!("{path}.{key}"),
                format!("`{s}` is not a valid id (lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 64 characters)"),
            );
            return None;
        }
        Some(s.to_string())
    }

    fn one_of(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        allowed: &[&str],
        required: bool,
    ) {
        if !self.key(obj, path, key, Ty::Str, required) {
            return;
        }
        if let Some(s) = obj.get(key).and_then(Value::as_str) {
            if !allowed.contains(&s) {
                let hint = did_you_mean(s, allowed.iter().copied())
                    .map(|m| format!("; did you mean `{m}`?"))
                    .unwrap_or_default();
                self.push(
                    format!("{path}.{key}"),
                    format!("`{s}` is not one of {}{hint}", allowed.join("|")),
                );
            }
        }
    }

    fn array<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<&'v Vec<Value>> {
        match obj.get(key) {
            None | Some(Value::Null) if !required => None,
            None => {
                self.push(
                    format!("{path}.{key}"),
                    format!("missing required key `{key}`"),
                );
                None
            }
            Some(Value::Array(a)) => Some(a),
            Some(other) => {
                self.push(
                    format!("{path}.{key}"),
                    format!("expected a list, found {}", describe(other)),
                );
                None
            }
        }
    }

    fn string_list(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
        ids: bool,
    ) {
        if let Some(items) = self.array(obj, path, key, required) {
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}.{key}[{i}]");
                match item.as_str() {
                    None => self.push(p, format!("expected a string, found {}", describe(item))),
                    Some(s) if ids && !is_valid_id(s) => {
                        self.push(p, format!("`{s}` is not a valid id"))
                    }
                    Some(_) => {}
                }
            }
        }
    }

    fn unique(
        &mut self,
        seen: &mut HashMap<String, usize>,
        id: Option<String>,
        list: &str,
        i: usize,
    ) {
        if let Some(id) = id {
            if let Some(first) = seen.get(&id) {
                self.push(
                    format!("$.{list}[{i}].id"),
                    format!("duplicate id `{id}` (first used at $.{list}[{first}])"),
                );
            } else {
                seen.insert(id, i);
            }
        }
    }
}

const SYSTEM_KINDS: &[&str] = &[
    "erp",
    "wms",
    "oms",
    "ecommerce",
    "3pl",
    "payments",
    "finance",
    "crm",
    "pim",
    "production",
    "quality",
    "transport",
    "analytics",
    "other",
];
const PROTOCOLS: &[&str] = &["rest", "soap", "sftp", "database", "webhook", "queue"];
const FIELD_TYPES: &[&str] = &[
    "string", "integer", "number", "boolean", "date", "datetime", "enum",
];
const RULE_KINDS: &[&str] = &["validate", "route", "conflict", "reconcile", "alert"];

fn validate_document(doc: &Value, problems: &mut Vec<ReadProblem>) {
    let mut w = Walker { problems };
    let Some(root) = w.object(doc, "$", "a model document") else {
        return;
    };
    match root.get("format") {
        None => w.push(
            "$.format".into(),
            format!("missing required key `format` (expected \"{MODEL_FORMAT}\")"),
        ),
        Some(Value::String(f)) if f == MODEL_FORMAT => {}
        Some(Value::String(f)) => {
            w.push(
                "$.format".into(),
                format!("unknown format `{f}` (this Charter reads \"{MODEL_FORMAT}\")"),
            );
            // A different format: its other keys mean something else; stop here.
            return;
        }
        Some(other) => w.push(
            "$.format".into(),
            format!(
                "expected the string \"{MODEL_FORMAT}\", found {}",
                describe(other)
            ),
        ),
    }
    if w.key(root, "$", "name", Ty::Str, true)
        && root
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|s| s.trim().is_empty())
    {
        w.push("$.name".into(), "must not be empty".into());
    }
    w.key(root, "$", "description", Ty::Str, false);
    if let Some(envs) = w.array(root, "$", "environments", false) {
        let mut seen = HashMap::new();
        for (i, e) in envs.iter().enumerate() {
            let p = format!("$.environments[{i}]");
            match e.as_str() {
                Some(s) if is_valid_id(s) => {
                    if seen.insert(s.to_string(), i).is_some() {
                        w.push(p, format!("duplicate environment `{s}`"));
                    }
                }
                Some(s) => w.push(
                    p,
                    format!("`{s}` is not a valid environment name (an id slug like `prod`)"),
                ),
                None => w.push(p, format!("expected a string, found {}", describe(e))),
            }
        }
    }

    if let Some(systems) = w.array(root, "$", "systems", true) {
        let mut seen = HashMap::new();
        for (i, s) in systems.iter().enumerate() {
            let path = format!("$.systems[{i}]");
            let Some(obj) = w.object(s, &path, "a system") else {
                continue;
            };
            let id = w.id(obj, &path, "id", true);
            w.unique(&mut seen, id, "systems", i);
            w.key(obj, &path, "name", Ty::Str, true);
            w.one_of(obj, &path, "kind", SYSTEM_KINDS, true);
            w.key(obj, &path, "team", Ty::Str, false);
            w.key(obj, &path, "sideEffects", Ty::Bool, false);
            match obj.get("endpoints") {
                None | Some(Value::Null) => {}
                Some(Value::Object(eps)) => {
                    for (env, ep) in eps {
                        let p = format!("{path}.endpoints.{env}");
                        let Some(e) = w.object(ep, &p, "an endpoint") else {
                            continue;
                        };
                        w.one_of(e, &p, "protocol", PROTOCOLS, true);
                        w.key(e, &p, "url", Ty::Str, true);
                        w.key(e, &p, "credentialRef", Ty::Str, false);
                        w.key(e, &p, "rateLimitPerMinute", Ty::UInt, false);
                    }
                }
                Some(other) => w.push(
                    format!("{path}.endpoints"),
                    format!(
                        "expected an object keyed by environment, found {}",
                        describe(other)
                    ),
                ),
            }
        }
    }

    if let Some(entities) = w.array(root, "$", "entities", true) {
        let mut seen = HashMap::new();
        for (i, e) in entities.iter().enumerate() {
            let path = format!("$.entities[{i}]");
            let Some(obj) = w.object(e, &path, "an entity") else {
                continue;
            };
            let id = w.id(obj, &path, "id", true);
            w.unique(&mut seen, id, "entities", i);
            w.key(obj, &path, "name", Ty::Str, true);
            w.key(obj, &path, "owner", Ty::Str, false);
            w.key(obj, &path, "steward", Ty::Str, false);
            w.key(obj, &path, "rationale", Ty::Str, false);
            w.key(obj, &path, "key", Ty::Str, true);
            w.key(obj, &path, "monetary", Ty::Bool, false);
            w.key(obj, &path, "consistencyWindowSeconds", Ty::UInt, false);
            w.string_list(obj, &path, "copies", false, false);
            if let Some(fields) = w.array(obj, &path, "fields", false) {
                let mut names: HashMap<String, usize> = HashMap::new();
                for (j, f) in fields.iter().enumerate() {
                    let fp = format!("{path}.fields[{j}]");
                    let Some(fo) = w.object(f, &fp, "a field") else {
                        continue;
                    };
                    if w.key(fo, &fp, "name", Ty::Str, true) {
                        if let Some(n) = fo.get("name").and_then(Value::as_str) {
                            if n.is_empty() {
                                w.push(format!("{fp}.name"), "must not be empty".into());
                            } else if let Some(first) = names.get(n) {
                                w.push(
                                    format!("{fp}.name"),
                                    format!(
                                        "duplicate field `{n}` (first at {path}.fields[{first}])"
                                    ),
                                );
                            } else {
                                names.insert(n.to_string(), j);
                            }
                        }
                    }
                    w.one_of(fo, &fp, "type", FIELD_TYPES, true);
                    w.key(fo, &fp, "required", Ty::Bool, false);
                    w.key(fo, &fp, "pii", Ty::Bool, false);
                    w.string_list(fo, &fp, "values", false, false);
                }
            }
        }
    }

    if let Some(flows) = w.array(root, "$", "flows", true) {
        let mut seen = HashMap::new();
        for (i, f) in flows.iter().enumerate() {
            let path = format!("$.flows[{i}]");
            let Some(obj) = w.object(f, &path, "a flow") else {
                continue;
            };
            let id = w.id(obj, &path, "id", true);
            w.unique(&mut seen, id, "flows", i);
            w.key(obj, &path, "entity", Ty::Str, true);
            w.key(obj, &path, "from", Ty::Str, true);
            w.key(obj, &path, "to", Ty::Str, true);
            w.one_of(obj, &path, "pattern", &["event", "request"], true);
            w.one_of(obj, &path, "trigger", &["system", "user", "schedule"], true);
            w.key(obj, &path, "ack", Ty::Bool, false);
            w.key(obj, &path, "idempotencyKey", Ty::Str, false);
            w.key(obj, &path, "schedule", Ty::Str, false);
            match obj.get("retry") {
                None | Some(Value::Null) => {}
                Some(r) => {
                    let rp = format!("{path}.retry");
                    if let Some(ro) = w.object(r, &rp, "a retry policy") {
                        w.key(ro, &rp, "attempts", Ty::UInt, true);
                        w.key(ro, &rp, "backoffSeconds", Ty::UInt, true);
                    }
                }
            }
        }
    }

    if let Some(rules) = w.array(root, "$", "rules", false) {
        let mut seen = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            let path = format!("$.rules[{i}]");
            let Some(obj) = w.object(r, &path, "a rule") else {
                continue;
            };
            let id = w.id(obj, &path, "id", true);
            w.unique(&mut seen, id, "rules", i);
            w.one_of(obj, &path, "kind", RULE_KINDS, true);
            match obj.get("kind").and_then(Value::as_str) {
                Some("validate") => {
                    w.key(obj, &path, "entity", Ty::Str, true);
                    w.key(obj, &path, "condition", Ty::Str, true);
                    w.one_of(
                        obj,
                        &path,
                        "action",
                        &["reject", "quarantine", "flag"],
                        true,
                    );
                    w.key(obj, &path, "message", Ty::Str, false);
                }
                Some("route") => {
                    w.key(obj, &path, "entity", Ty::Str, true);
                    w.key(obj, &path, "condition", Ty::Str, true);
                    w.string_list(obj, &path, "to", true, false);
                }
                Some("conflict") => {
                    w.key(obj, &path, "entity", Ty::Str, true);
                    w.one_of(
                        obj,
                        &path,
                        "policy",
                        &["owner-wins", "last-write-wins", "version", "escalate"],
                        true,
                    );
                }
                Some("reconcile") => {
                    w.key(obj, &path, "entity", Ty::Str, true);
                    w.string_list(obj, &path, "systems", true, false);
                    w.string_list(obj, &path, "fields", true, false);
                    w.key(obj, &path, "tolerance", Ty::Num, false);
                    w.key(obj, &path, "withinSeconds", Ty::UInt, false);
                }
                Some("alert") => {
                    w.key(obj, &path, "flow", Ty::Str, true);
                    w.one_of(
                        obj,
                        &path,
                        "metric",
                        &["ack-rate", "error-rate", "latency-seconds", "stall-seconds"],
                        true,
                    );
                    w.key(obj, &path, "threshold", Ty::Num, true);
                    w.key(obj, &path, "windowSeconds", Ty::UInt, true);
                }
                _ => {}
            }
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            format!("the string \"{short}\"")
        }
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("{b}"),
        other => type_name(other).to_string(),
    }
}

/// The closest candidate to `input`, if one is close enough to be a typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&input.to_lowercase(), &c.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(_, s)| score > s) {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| c)
}

// ---------------------------------------------------------------------------
// Locating JSON paths in the source text, to give line and column.

/// Fills in line and column of problems whose path names a value in `text`.
fn locate(text: &str, problems: &mut [ReadProblem]) {
    if problems.iter().all(|p| p.line.is_some()) {
        return;
    }
    let mut index = HashMap::new();
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        pos: 0,
    };
    scanner.value("$".to_string(), &mut index, 0);
    for p in problems.iter_mut().filter(|p| p.line.is_none()) {
        // A missing key is reported at its parent object.
        let mut path = p.path.as_str();
        loop {
            if let Some(&offset) = index.get(path) {
                let (l, c) = line_col(text, offset);
                p.line = Some(l);
                p.column = Some(c);
                break;
            }
            match path.rfind(['.', '[']) {
                Some(i) if i > 0 => path = &path[..i],
                _ => break,
            }
        }
    }
}

fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[col_start..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// A minimal scanner over text already known to be valid JSON, recording the
/// byte offset where each value starts, by JSON path.
struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn ws(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn string(&mut self) -> String {
        let start = self.pos + 1;
        self.pos += 1;
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'\\' => self.pos += 2,
                b'"' => break,
                _ => self.pos += 1,
            }
        }
        let end = self.pos.min(self.bytes.len());
        self.pos += 1;
        let raw = &self.bytes[start.min(end)..end];
        serde_json::from_slice::<String>(&[b"\"", raw, b"\""].concat())
            .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
    }

    fn value(&mut self, path: String, index: &mut HashMap<String, usize>, depth: usize) {
        self.ws();
        if self.pos >= self.bytes.len() || depth > 128 {
            return;
        }
        index.insert(path.clone(), self.pos);
        match self.bytes[self.pos] {
            b'{' => {
                self.pos += 1;
                loop {
                    self.ws();
                    match self.bytes.get(self.pos) {
                        Some(b'"') => {
                            let key = self.string();
                            self.ws();
                            self.pos += 1; // ':'
                            self.value(format!("{path}.{key}"), index, depth + 1);
                            self.ws();
                            if self.bytes.get(self.pos) == Some(&b',') {
                                self.pos += 1;
                            }
                        }
                        Some(b'}') => {
                            self.pos += 1;
                            return;
                        }
                        _ => return,
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                let mut i = 0;
                loop {
                    self.ws();
                    match self.bytes.get(self.pos) {
                        Some(b']') => {
                            self.pos += 1;
                            return;
                        }
                        None => return,
                        _ => {
                            let before = self.pos;
                            self.value(format!("{path}[{i}]"), index, depth + 1);
                            i += 1;
                            self.ws();
                            if self.bytes.get(self.pos) == Some(&b',') {
                                self.pos += 1;
                            }
                            if self.pos == before {
                                return;
                            }
                        }
                    }
                }
            }
            b'"' => {
                self.string();
            }
            _ => {
                while self.pos < self.bytes.len()
                    && !matches!(self.bytes[self.pos], b',' | b'}' | b']')
                    && !self.bytes[self.pos].is_ascii_whitespace()
                {
                    self.pos += 1;
                }
            }
        }
    }
}
