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
use serde::Deserialize as _;
use serde_json::Value;
use std::borrow::Cow;
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
///
/// Two independent readings of the text run side by side: the structural
/// walk over a light, borrowed tree ([`Node`]) that finds every problem, and
/// the typed [`Model`] read straight from the text. The model is used only
/// when the walk found nothing. Should the typed reading refuse a document
/// the walk accepted (e.g. a key given twice, which a JSON value keeps once),
/// the model is read as before, from a `serde_json::Value`, so that what is
/// accepted and what is reported do not depend on the fast path.
pub fn parse_model(text: &str) -> Result<Model, Vec<ReadProblem>> {
    // A leading byte order mark (Windows editors) is ignored, as RFC 8259 allows.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Below a megabyte a second thread costs more than it saves.
    let parallel = text.len() > 1 << 20;
    let (walked, typed) = std::thread::scope(|s| {
        let typed = parallel
            .then(|| {
                std::thread::Builder::new()
                    .spawn_scoped(s, || serde_json::from_str::<Model>(text).ok())
                    .ok()
            })
            .flatten();
        let walked = walk_text(text);
        let typed = match (&walked, typed) {
            (Walked::Fine, Some(handle)) => handle.join().ok().flatten(),
            (Walked::Fine, None) => serde_json::from_str::<Model>(text).ok(),
            // Problems found: the typed reading is not needed.
            _ => None,
        };
        (walked, typed)
    });
    let mut problems = match walked {
        // Not JSON: the parser's own position, nothing to locate.
        Walked::NotJson(problem) => return Err(vec![problem]),
        Walked::Problems(problems) => problems,
        Walked::Fine => match typed {
            Some(model) => return Ok(model),
            None => {
                let mut problems = Vec::new();
                match serde_json::from_str::<Value>(text).map(serde_json::from_value::<Model>) {
                    Ok(Ok(model)) => return Ok(model),
                    Ok(Err(e)) => problems.push(ReadProblem {
                        path: "$".into(),
                        line: None,
                        column: None,
                        message: e.to_string(),
                    }),
                    Err(e) => problems.push(not_json(&e)),
                }
                problems
            }
        },
    };
    locate(text, &mut problems);
    Err(one_line_problems(problems))
}

/// Problems quote user text (keys in paths, values in messages): each stays
/// on one line, control characters shown escaped.
fn one_line_problems(mut problems: Vec<ReadProblem>) -> Vec<ReadProblem> {
    use crate::text::one_line;
    for p in &mut problems {
        if let Cow::Owned(path) = one_line(&p.path) {
            p.path = path;
        }
        if let Cow::Owned(message) = one_line(&p.message) {
            p.message = message;
        }
    }
    problems
}

enum Walked {
    Fine,
    NotJson(ReadProblem),
    /// Every problem found, not yet located in the text.
    Problems(Vec<ReadProblem>),
}

/// The structural walk of a model text.
fn walk_text(text: &str) -> Walked {
    let doc: Root<'_> = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(e) => return Walked::NotJson(not_json(&e)),
    };
    let mut problems = Vec::new();
    validate_document(doc, &mut problems);
    if problems.is_empty() {
        Walked::Fine
    } else {
        Walked::Problems(problems)
    }
}

fn not_json(e: &serde_json::Error) -> ReadProblem {
    ReadProblem {
        path: "$".into(),
        line: u32::try_from(e.line()).ok().filter(|l| *l > 0),
        column: u32::try_from(e.column()).ok().filter(|c| *c > 0),
        message: format!("not valid JSON: {}", strip_position(&e.to_string())),
    }
}

/// Parses a model already held as a JSON value (e.g. from the app's store).
pub fn model_from_value(value: Value) -> Result<Model, Vec<ReadProblem>> {
    let mut problems = Vec::new();
    match Root::deserialize(&value) {
        Ok(doc) => validate_document(doc, &mut problems),
        Err(e) => problems.push(ReadProblem {
            path: "$".into(),
            line: None,
            column: None,
            message: e.to_string(),
        }),
    }
    if !problems.is_empty() {
        return Err(one_line_problems(problems));
    }
    serde_json::from_value::<Model>(value).map_err(|e| {
        one_line_problems(vec![ReadProblem {
            path: "$".into(),
            line: None,
            column: None,
            message: e.to_string(),
        }])
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
    write_atomically_with(path, |f| f.write_all(bytes))
}

/// Like [`write_atomically`], with the content written by `write` into the
/// temporary file (which it may also seek in); nothing is renamed into place
/// unless `write` succeeds.
///
/// A symbolic link is written through (its target is replaced, the link
/// stays). A path that is not a regular file, such as `/dev/stdout` or a
/// named pipe, is written to in place: the content is made in a temporary
/// file first, then copied.
pub fn write_atomically_with<E: From<std::io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<(), E>,
) -> Result<(), E> {
    // `metadata` follows links, even the kernel's own (`/dev/stdout`).
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return write_in_place(path, write);
    }
    let target = through_links(path);
    let path = target.as_path();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "charter".to_string());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| -> Result<(), E> {
        let mut f = std::fs::File::create(&tmp)?;
        write(&mut f)?;
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

/// The file a path names once symbolic links are followed (even to a file
/// that does not exist yet); the path itself when it is no link.
fn through_links(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    // As many hops as the kernel follows, then give up (a loop).
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(&p) {
                Ok(next) if next.is_absolute() => p = next,
                Ok(next) => {
                    p = p
                        .parent()
                        .map_or_else(|| next.clone(), |dir| dir.join(&next));
                }
                Err(_) => return p,
            },
            _ => return p,
        }
    }
    path.to_path_buf()
}

/// Writes to a device or pipe: the content is made in a temporary file
/// (where `write` may seek), then copied to `path`.
fn write_in_place<E: From<std::io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<(), E>,
) -> Result<(), E> {
    use std::io::Seek;
    let mut tmp = tempfile::tempfile()?;
    write(&mut tmp)?;
    tmp.seek(std::io::SeekFrom::Start(0))?;
    let mut out = std::fs::OpenOptions::new().write(true).open(path)?;
    std::io::copy(&mut tmp, &mut out)?;
    out.flush()?;
    Ok(())
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

/// A JSON document as the structural walk sees it: strings borrowed from the
/// text where they have no escapes, objects as their members in text order.
/// Much lighter to build than a `serde_json::Value` (no map per object, no
/// copy of each key), and dropped as soon as the walk is done.
///
/// A key given twice in one object reads as a `serde_json::Value` map would:
/// [`Node::get`] gives its last value, and [`Node::members`] lists it once, at
/// its first place, with its last value.
enum Node<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

type Members<'a> = [(Cow<'a, str>, Node<'a>)];

impl<'a> Node<'a> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// The value of `key` in an object's members (the last one, as in a map).
fn get<'n, 'a>(members: &'n Members<'a>, key: &str) -> Option<&'n Node<'a>> {
    members
        .iter()
        .rev()
        .find(|(k, _)| k.as_ref() == key)
        .map(|(_, v)| v)
}

/// An object's members as a map would list them: each key once, at its
/// first place, with its last value.
fn unique_members<'n, 'a>(members: &'n Members<'a>) -> Vec<(&'n str, &'n Node<'a>)> {
    let mut seen = std::collections::HashSet::new();
    members
        .iter()
        .filter(|(k, _)| seen.insert(k.as_ref()))
        .filter_map(|(k, _)| get(members, k).map(|v| (k.as_ref(), v)))
        .collect()
}

impl<'de> serde::Deserialize<'de> for Node<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> serde::de::Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node<'de>, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Node::Null, Node::Number))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some(KeyStr(key)) = map.next_key()? {
            members.push((key, map.next_value()?));
        }
        Ok(Node::Object(members))
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct KeyStr<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for KeyStr<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = KeyStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<KeyStr<'de>, E> {
                Ok(KeyStr(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyStr<'de>, E> {
                Ok(KeyStr(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<KeyStr<'de>, E> {
                Ok(KeyStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
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

/// `path` + `.` + `key`: formatted only when a problem is reported.
fn at(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

/// Sets `buf` to the path of an item of a list, reusing its allocation.
fn item_path<'b>(buf: &'b mut String, parent: &str, list: &str, i: usize) -> &'b str {
    use std::fmt::Write as _;
    buf.clear();
    let _ = write!(buf, "{parent}.{list}[{i}]");
    buf
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

    fn object<'n, 'a>(
        &mut self,
        v: &'n Node<'a>,
        path: &str,
        what: &str,
    ) -> Option<&'n Members<'a>> {
        match v {
            Node::Object(m) => Some(m),
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
    fn key(&mut self, obj: &Members<'_>, path: &str, key: &str, ty: Ty, required: bool) -> bool {
        match get(obj, key) {
            None | Some(Node::Null) if !required => false,
            None => {
                self.push(at(path, key), format!("missing required key `{key}`"));
                false
            }
            Some(v) => {
                let ok = match (ty, v) {
                    (Ty::Str, Node::Str(_))
                    | (Ty::Bool, Node::Bool(_))
                    | (Ty::Num, Node::Number(_)) => true,
                    (Ty::UInt, Node::Number(n)) => {
                        n.as_u64().is_some_and(|n| n <= u64::from(u32::MAX))
                    }
                    _ => false,
                };
                if !ok {
                    let expected = match ty {
                        Ty::Str => "a string",
                        Ty::Bool => "true or false",
                        Ty::UInt => "a whole number from 0 to 4294967295",
                        Ty::Num => "a number",
                    };
                    self.push(
                        at(path, key),
                        format!("expected {expected}, found {}", describe(v)),
                    );
                }
                ok
            }
        }
    }

    fn id<'n>(
        &mut self,
        obj: &'n Members<'_>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<&'n str> {
        if !self.key(obj, path, key, Ty::Str, required) {
            return None;
        }
        let s = get(obj, key).and_then(Node::as_str)?;
        if !is_valid_id(s) {
            self.push(
                at(path, key),
                format!("`{s}` is not a valid id (lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 64 characters)"),
            );
            return None;
        }
        Some(s)
    }

    fn one_of(
        &mut self,
        obj: &Members<'_>,
        path: &str,
        key: &str,
        allowed: &[&str],
        required: bool,
    ) {
        if !self.key(obj, path, key, Ty::Str, required) {
            return;
        }
        if let Some(s) = get(obj, key).and_then(Node::as_str) {
            if !allowed.contains(&s) {
                let hint = did_you_mean(s, allowed.iter().copied())
                    .map(|m| format!("; did you mean `{m}`?"))
                    .unwrap_or_default();
                self.push(
                    at(path, key),
                    format!("`{s}` is not one of {}{hint}", allowed.join("|")),
                );
            }
        }
    }

    fn array<'n, 'a>(
        &mut self,
        obj: &'n Members<'a>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<&'n [Node<'a>]> {
        match get(obj, key) {
            None | Some(Node::Null) if !required => None,
            None => {
                self.push(at(path, key), format!("missing required key `{key}`"));
                None
            }
            Some(Node::Array(a)) => Some(a),
            Some(other) => {
                self.push(
                    at(path, key),
                    format!("expected a list, found {}", describe(other)),
                );
                None
            }
        }
    }

    fn string_list(&mut self, obj: &Members<'_>, path: &str, key: &str, required: bool, ids: bool) {
        if let Some(items) = self.array(obj, path, key, required) {
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    None => self.push(
                        format!("{path}.{key}[{i}]"),
                        format!("expected a string, found {}", describe(item)),
                    ),
                    Some(s) if ids && !is_valid_id(s) => self.push(
                        format!("{path}.{key}[{i}]"),
                        format!("`{s}` is not a valid id"),
                    ),
                    Some(_) => {}
                }
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

fn validate_document(doc: Root<'_>, problems: &mut Vec<ReadProblem>) {
    let mut w = Walker { problems };
    let (root, mut lists) = match doc {
        Root::Object { members, lists } => (members, lists),
        Root::Other(node) => {
            w.object(&node, "$", "a model document");
            return;
        }
    };
    let root = &root[..];
    match get(root, "format") {
        None => w.push(
            "$.format".into(),
            format!("missing required key `format` (expected \"{MODEL_FORMAT}\")"),
        ),
        Some(Node::Str(f)) if f == MODEL_FORMAT => {}
        Some(Node::Str(f)) => {
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
        && get(root, "name")
            .and_then(Node::as_str)
            .is_some_and(|s| s.trim().is_empty())
    {
        w.push("$.name".into(), "must not be empty".into());
    }
    w.key(root, "$", "description", Ty::Str, false);
    if let Some(envs) = w.array(root, "$", "environments", false) {
        if envs.is_empty() {
            w.push(
                "$.environments".into(),
                "must name at least one environment (leave it out for the default [\"prod\"])"
                    .into(),
            );
        }
        let mut seen = HashMap::new();
        for (i, e) in envs.iter().enumerate() {
            let p = || format!("$.environments[{i}]");
            match e.as_str() {
                Some(s) if is_valid_id(s) => {
                    if seen.insert(s, i).is_some() {
                        w.push(p(), format!("duplicate environment `{s}`"));
                    }
                }
                Some(s) => w.push(
                    p(),
                    format!("`{s}` is not a valid environment name (an id slug like `prod`)"),
                ),
                None => w.push(p(), format!("expected a string, found {}", describe(e))),
            }
        }
    }

    // The lists' items were checked as they were read; their problems go
    // where the list itself is accepted, in the format's order.
    for list in List::ALL {
        let required = !matches!(list, List::Rules);
        if w.array(root, "$", list.name(), required).is_some() {
            w.problems
                .extend(lists[list as usize].take().unwrap_or_default());
        }
    }
}

/// The four lists of a model, whose items are checked one at a time while
/// the text is read, so that a large model is never held whole as a tree.
#[derive(Clone, Copy)]
enum List {
    Systems,
    Entities,
    Flows,
    Rules,
}

impl List {
    const ALL: [List; 4] = [List::Systems, List::Entities, List::Flows, List::Rules];

    fn from_key(key: &str) -> Option<List> {
        List::ALL.into_iter().find(|l| l.name() == key)
    }

    fn name(self) -> &'static str {
        match self {
            List::Systems => "systems",
            List::Entities => "entities",
            List::Flows => "flows",
            List::Rules => "rules",
        }
    }

    fn what(self) -> &'static str {
        match self {
            List::Systems => "a system",
            List::Entities => "an entity",
            List::Flows => "a flow",
            List::Rules => "a rule",
        }
    }
}

/// The checks of one list's items, item after item.
struct ListWalk<'de> {
    list: List,
    problems: Vec<ReadProblem>,
    /// Each id and the index of the item that used it first.
    seen: HashMap<Cow<'de, str>, usize>,
    buf: String,
    fbuf: String,
}

impl<'de> ListWalk<'de> {
    fn new(list: List) -> Self {
        ListWalk {
            list,
            problems: Vec::new(),
            seen: HashMap::new(),
            buf: String::new(),
            fbuf: String::new(),
        }
    }

    fn item(&mut self, i: usize, item: &Node<'de>) {
        let mut w = Walker {
            problems: &mut self.problems,
        };
        let list = self.list.name();
        let path = item_path(&mut self.buf, "$", list, i);
        let Some(obj) = w.object(item, path, self.list.what()) else {
            return;
        };
        if w.id(obj, path, "id", true).is_some() {
            if let Some(Node::Str(id)) = get(obj, "id") {
                if let Some(first) = self.seen.get(id) {
                    w.push(
                        format!("$.{list}[{i}].id"),
                        format!("duplicate id `{id}` (first used at $.{list}[{first}])"),
                    );
                } else {
                    self.seen.insert(id.clone(), i);
                }
            }
        }
        match self.list {
            List::Systems => system_item(&mut w, obj, path),
            List::Entities => entity_item(&mut w, obj, path, &mut self.fbuf),
            List::Flows => flow_item(&mut w, obj, path),
            List::Rules => rule_item(&mut w, obj, path),
        }
    }
}

fn system_item(w: &mut Walker<'_>, obj: &Members<'_>, path: &str) {
    w.key(obj, path, "name", Ty::Str, true);
    w.one_of(obj, path, "kind", SYSTEM_KINDS, true);
    w.key(obj, path, "team", Ty::Str, false);
    w.key(obj, path, "sideEffects", Ty::Bool, false);
    match get(obj, "endpoints") {
        None | Some(Node::Null) => {}
        Some(Node::Object(eps)) => {
            for (env, ep) in unique_members(eps) {
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

fn entity_item(w: &mut Walker<'_>, obj: &Members<'_>, path: &str, fbuf: &mut String) {
    w.key(obj, path, "name", Ty::Str, true);
    w.key(obj, path, "owner", Ty::Str, false);
    w.key(obj, path, "steward", Ty::Str, false);
    w.key(obj, path, "rationale", Ty::Str, false);
    w.key(obj, path, "key", Ty::Str, true);
    w.key(obj, path, "monetary", Ty::Bool, false);
    w.key(obj, path, "consistencyWindowSeconds", Ty::UInt, false);
    w.string_list(obj, path, "copies", false, false);
    if let Some(fields) = w.array(obj, path, "fields", false) {
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (j, f) in fields.iter().enumerate() {
            let fp = item_path(fbuf, path, "fields", j);
            let Some(fo) = w.object(f, fp, "a field") else {
                continue;
            };
            if w.key(fo, fp, "name", Ty::Str, true) {
                if let Some(n) = get(fo, "name").and_then(Node::as_str) {
                    if n.is_empty() {
                        w.push(at(fp, "name"), "must not be empty".into());
                    } else if let Some(first) = names.get(n) {
                        w.push(
                            at(fp, "name"),
                            format!("duplicate field `{n}` (first at {path}.fields[{first}])"),
                        );
                    } else {
                        names.insert(n, j);
                    }
                }
            }
            w.one_of(fo, fp, "type", FIELD_TYPES, true);
            w.key(fo, fp, "required", Ty::Bool, false);
            w.key(fo, fp, "pii", Ty::Bool, false);
            w.string_list(fo, fp, "values", false, false);
        }
    }
}

fn flow_item(w: &mut Walker<'_>, obj: &Members<'_>, path: &str) {
    w.key(obj, path, "entity", Ty::Str, true);
    w.key(obj, path, "from", Ty::Str, true);
    w.key(obj, path, "to", Ty::Str, true);
    w.one_of(obj, path, "pattern", &["event", "request"], true);
    w.one_of(obj, path, "trigger", &["system", "user", "schedule"], true);
    w.key(obj, path, "ack", Ty::Bool, false);
    w.key(obj, path, "idempotencyKey", Ty::Str, false);
    w.key(obj, path, "ackWithinSeconds", Ty::UInt, false);
    w.key(obj, path, "schedule", Ty::Str, false);
    match get(obj, "retry") {
        None | Some(Node::Null) => {}
        Some(r) => {
            let rp = at(path, "retry");
            if let Some(ro) = w.object(r, &rp, "a retry policy") {
                w.key(ro, &rp, "attempts", Ty::UInt, true);
                w.key(ro, &rp, "backoffSeconds", Ty::UInt, true);
            }
        }
    }
}

fn rule_item(w: &mut Walker<'_>, obj: &Members<'_>, path: &str) {
    w.one_of(obj, path, "kind", RULE_KINDS, true);
    match get(obj, "kind").and_then(Node::as_str) {
        Some("validate") => {
            w.key(obj, path, "entity", Ty::Str, true);
            w.key(obj, path, "condition", Ty::Str, true);
            w.one_of(obj, path, "action", &["reject", "quarantine", "flag"], true);
            w.key(obj, path, "message", Ty::Str, false);
        }
        Some("route") => {
            w.key(obj, path, "entity", Ty::Str, true);
            w.key(obj, path, "condition", Ty::Str, true);
            w.string_list(obj, path, "to", true, false);
        }
        Some("conflict") => {
            w.key(obj, path, "entity", Ty::Str, true);
            w.one_of(
                obj,
                path,
                "policy",
                &["owner-wins", "last-write-wins", "version", "escalate"],
                true,
            );
        }
        Some("reconcile") => {
            w.key(obj, path, "entity", Ty::Str, true);
            w.string_list(obj, path, "systems", true, false);
            w.string_list(obj, path, "fields", true, false);
            w.key(obj, path, "tolerance", Ty::Num, false);
            w.key(obj, path, "withinSeconds", Ty::UInt, false);
        }
        Some("alert") => {
            w.key(obj, path, "flow", Ty::Str, true);
            w.one_of(
                obj,
                path,
                "metric",
                &["ack-rate", "error-rate", "latency-seconds", "stall-seconds"],
                true,
            );
            w.key(obj, path, "threshold", Ty::Num, true);
            w.key(obj, path, "windowSeconds", Ty::UInt, true);
        }
        _ => {}
    }
}

/// A model document as the walk keeps it: the top-level members, with each
/// list read item by item (kept as an empty list, its items' problems aside).
enum Root<'de> {
    Object {
        members: Vec<(Cow<'de, str>, Node<'de>)>,
        /// The problems of each list's items, by [`List`]; `None` when the
        /// list is absent or not a list.
        lists: [Option<Vec<ReadProblem>>; 4],
    },
    /// Not an object.
    Other(Node<'de>),
}

impl<'de> serde::Deserialize<'de> for Root<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RootVisitor)
    }
}

struct RootVisitor;

/// Forwards the visits of a value that is not the expected container to
/// [`NodeVisitor`], wrapping the node it builds.
macro_rules! forward_to_node {
    ($wrap:path) => {
        fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
            Ok($wrap(Node::Bool(v)))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            serde::de::Visitor::visit_i64(NodeVisitor, v).map($wrap)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            serde::de::Visitor::visit_u64(NodeVisitor, v).map($wrap)
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            serde::de::Visitor::visit_f64(NodeVisitor, v).map($wrap)
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok($wrap(Node::Str(Cow::Borrowed(v))))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok($wrap(Node::Str(Cow::Owned(v.to_string()))))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok($wrap(Node::Str(Cow::Owned(v))))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($wrap(Node::Null))
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok($wrap(Node::Null))
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
}

impl<'de> serde::de::Visitor<'de> for RootVisitor {
    type Value = Root<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    forward_to_node!(Root::Other);
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        NodeVisitor.visit_seq(seq).map(Root::Other)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        let mut lists: [Option<Vec<ReadProblem>>; 4] = Default::default();
        while let Some(KeyStr(key)) = map.next_key()? {
            let value = match List::from_key(&key) {
                Some(list) => match map.next_value_seed(ListSeed(list))? {
                    // A key given twice counts with its last value, as in a map.
                    Listed::Items(problems) => {
                        lists[list as usize] = Some(problems);
                        Node::Array(Vec::new())
                    }
                    Listed::Other(node) => {
                        lists[list as usize] = None;
                        node
                    }
                },
                None => map.next_value()?,
            };
            members.push((key, value));
        }
        Ok(Root::Object { members, lists })
    }
}

/// One of the model's lists, read and checked item by item.
enum Listed<'de> {
    /// A list: the problems of its items.
    Items(Vec<ReadProblem>),
    /// Not a list.
    Other(Node<'de>),
}

struct ListSeed(List);

impl<'de> serde::de::DeserializeSeed<'de> for ListSeed {
    type Value = Listed<'de>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ListSeed {
    type Value = Listed<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    forward_to_node!(Listed::Other);
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut walk = ListWalk::new(self.0);
        let mut i = 0;
        while let Some(item) = seq.next_element::<Node<'de>>()? {
            walk.item(i, &item);
            i += 1;
        }
        Ok(Listed::Items(walk.problems))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        NodeVisitor.visit_map(map).map(Listed::Other)
    }
}

fn type_name(v: &Node<'_>) -> &'static str {
    match v {
        Node::Null => "null",
        Node::Bool(_) => "a boolean",
        Node::Number(_) => "a number",
        Node::Str(_) => "a string",
        Node::Array(_) => "a list",
        Node::Object(_) => "an object",
    }
}

fn describe(v: &Node<'_>) -> String {
    match v {
        Node::Str(s) => {
            let short: String = s.chars().take(40).collect();
            format!("the string \"{short}\"")
        }
        Node::Number(n) => format!("the number {n}"),
        Node::Bool(b) => format!("{b}"),
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
    // Where each problem is, then lines and columns in one pass over the
    // text, in offset order (not one scan from the start per problem).
    let mut wanted: Vec<(usize, usize)> = Vec::new();
    for (n, p) in problems
        .iter()
        .enumerate()
        .filter(|(_, p)| p.line.is_none())
    {
        // A missing key is reported at its parent object.
        let mut path = p.path.as_str();
        loop {
            if let Some(&offset) = index.get(path) {
                wanted.push((offset, n));
                break;
            }
            match path.rfind(['.', '[']) {
                Some(i) if i > 0 => path = &path[..i],
                _ => break,
            }
        }
    }
    wanted.sort_unstable();
    let mut lines = LineCounter::new(text);
    for (offset, n) in wanted {
        let (l, c) = lines.line_col(offset);
        if let Some(p) = problems.get_mut(n) {
            p.line = Some(l);
            p.column = Some(c);
        }
    }
}

/// Lines and columns (1-based, columns in characters) of offsets asked in
/// increasing order: one pass over the text, however many are asked.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    /// Characters between the start of the line and `pos`.
    chars: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
            chars: 0,
        }
    }

    fn line_col(&mut self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.bytes.len()).max(self.pos);
        for b in &self.bytes[self.pos..offset] {
            if *b == b'\n' {
                self.line += 1;
                self.chars = 0;
            } else if (*b & 0xC0) != 0x80 {
                // A byte that starts a character (not a UTF-8 continuation).
                self.chars += 1;
            }
        }
        self.pos = offset;
        (
            u32::try_from(self.line).unwrap_or(u32::MAX),
            u32::try_from(self.chars + 1).unwrap_or(u32::MAX),
        )
    }
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// How documents were read before the fast path: a `Value` walked, then
    /// turned into a model.
    fn reference(text: &str) -> Result<Model, usize> {
        let value: Value = serde_json::from_str(text).map_err(|_| 0usize)?;
        model_from_value(value).map_err(|p| p.len())
    }

    fn doc(systems: &str) -> String {
        format!(
            r#"{{"format":"charter-model/1","name":"N","systems":[{systems}],"entities":[],"flows":[]}}"#
        )
    }

    #[test]
    fn fast_reading_gives_the_model_the_value_path_gives() {
        let cases = [
            doc(r#"{"id":"a","name":"A","kind":"erp"}"#),
            // A key given twice: a JSON value keeps the last one.
            doc(r#"{"id":"a","name":"first","kind":"erp","name":"second"}"#),
            doc(r#"{"id":"a","name":"A","kind":"erp","x-y":1,"x-y":{"z":[1,2.5,-3]}}"#),
            // Escapes in keys and values, nulls for optional keys, unknown keys.
            doc(
                r#"{"\u0069d":"a","name":"A \"q\" \u00e9 😀","kind":"erp","team":null,"x\n":true}"#,
            ),
            doc(
                r#"{"id":"a","name":"A","kind":"erp","endpoints":{"prod":{"protocol":"rest","url":"u"},"prod":{"protocol":"queue","url":"v","rateLimitPerMinute":7}}}"#,
            ),
        ];
        for text in &cases {
            let fast = parse_model(text);
            let slow = reference(text);
            assert_eq!(fast.as_ref().ok(), slow.as_ref().ok(), "{text}");
            assert!(fast.is_ok(), "{text}: {:?}", fast.err());
        }
        assert_eq!(parse_model(&cases[1]).unwrap().systems[0].name, "second");
    }

    #[test]
    fn large_documents_read_on_two_threads_the_same_way() {
        let one = r#"{"id":"sNNNNN","name":"A","kind":"erp","team":"T","x-note":"kept"}"#;
        let systems: Vec<String> = (0..20_000)
            .map(|i| one.replace("NNNNN", &format!("{i:05}")))
            .collect();
        let text = doc(&systems.join(","));
        assert!(text.len() > 1 << 20);
        let fast = parse_model(&text).unwrap();
        assert_eq!(Some(&fast), reference(&text).as_ref().ok());
        assert_eq!(fast.systems.len(), 20_000);
        // A problem in a large document is still found, with its position.
        let broken = text.replacen("\"kind\":\"erp\"", "\"kind\":\"erpp\"", 2);
        let problems = parse_model(&broken).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["$.systems[0].kind", "$.systems[1].kind"]);
        assert!(problems
            .iter()
            .all(|p| p.line == Some(1) && p.column.is_some()));
        // Not JSON: the parser's position.
        let cut = &text[..text.len() - 10];
        let problems = parse_model(cut).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.starts_with("not valid JSON"));
        assert_eq!(problems[0].line, Some(1));
    }

    /// The paths of the problems of `text`, read as a file and as a value.
    fn problem_paths(text: &str) -> Vec<String> {
        let from_text: Vec<String> = parse_model(text)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.path)
            .collect();
        let value: Value = serde_json::from_str(text).unwrap();
        let from_value: Vec<String> = model_from_value(value)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(from_text, from_value, "{text}");
        from_text
    }

    #[test]
    fn lists_checked_while_read_report_as_a_whole_document_would() {
        let bad_system = r#"{"id":"a","name":"A","kind":"erpp"}"#;
        let good_system = r#"{"id":"a","name":"A","kind":"erp"}"#;
        // Lists before `format` and in any order: problems in the format's order.
        let text = format!(
            r#"{{"flows":[{{"id":"f"}}],"systems":[{bad_system}],"entities":[],"format":"charter-model/1","name":"N"}}"#
        );
        assert_eq!(
            problem_paths(&text),
            [
                "$.systems[0].kind",
                "$.flows[0].entity",
                "$.flows[0].from",
                "$.flows[0].to",
                "$.flows[0].pattern",
                "$.flows[0].trigger"
            ]
        );
        // An unknown format given last: only the format is reported.
        let other = text.replace("charter-model/1", "charter-model/9");
        assert_eq!(problem_paths(&other), ["$.format"]);
        // A list given twice counts with its last value, as a map would.
        let twice = |first: &str, second: &str| {
            format!(
                r#"{{"format":"charter-model/1","name":"N","systems":[{first}],"entities":[],"flows":[],"systems":{second}}}"#
            )
        };
        assert!(problem_paths(&twice(bad_system, &format!("[{good_system}]"))).is_empty());
        assert!(parse_model(&twice(bad_system, &format!("[{good_system}]"))).is_ok());
        assert_eq!(
            problem_paths(&twice(good_system, &format!("[{bad_system}]"))),
            ["$.systems[0].kind"]
        );
        assert_eq!(
            problem_paths(&twice(bad_system, "{\"a\":1}")),
            ["$.systems"]
        );
        let problems = parse_model(&twice(bad_system, "7")).unwrap_err();
        assert_eq!(problems[0].message, "expected a list, found the number 7");
        // Not an object at all.
        assert_eq!(problem_paths("[1,2]"), ["$"]);
    }

    #[test]
    fn duplicate_ids_are_found_across_items_also_when_escaped() {
        let text = doc(
            r#"{"id":"ab","name":"A","kind":"erp"},{"id":"c","name":"C","kind":"erp"},{"id":"a\u0062","name":"B","kind":"erp"}"#,
        );
        let problems = parse_model(&text).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "$.systems[2].id");
        assert_eq!(
            problems[0].message,
            "duplicate id `ab` (first used at $.systems[0])"
        );
        assert_eq!(problem_paths(&text), ["$.systems[2].id"]);
    }

    #[test]
    fn problems_quoting_user_text_stay_on_one_line() {
        // Found by the fuzzer: a string value with a line break, quoted in
        // the message, and a key with one, in the path.
        let text = doc(
            r#"{"id":"a","name":"A","kind":"erp","sideEffects":"at\ni","endpoints":{"pr\nod":7}}"#,
        );
        let problems = parse_model(&text).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        for p in &problems {
            assert_eq!(p.to_string().lines().count(), 1, "{p}");
        }
        assert_eq!(
            problems[0].message,
            r#"expected true or false, found the string "at\ni""#
        );
        assert_eq!(problems[1].path, r"$.systems[0].endpoints.pr\nod");
        assert_eq!(problem_paths(&text).len(), 2);
    }
}
