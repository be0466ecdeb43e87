//! A loader for the cel-spec "simple" conformance tests (vendored under
//! `tests/cel-spec/`, Apache-2.0, see its LICENSE): the subset of protobuf
//! text format those files use, and the test cases read from it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A value in text format: a scalar token or a message.
#[derive(Debug, Clone)]
pub enum Node {
    /// A quoted string, its bytes unescaped.
    Str(Vec<u8>),
    /// A number, an identifier or an enum name, as written.
    Word(String),
    Msg(Msg),
}

/// A message: its fields in order (repeated fields appear repeatedly).
#[derive(Debug, Clone, Default)]
pub struct Msg {
    pub fields: Vec<(String, Node)>,
}

impl Msg {
    pub fn get(&self, name: &str) -> Option<&Node> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v)
    }

    pub fn msg(&self, name: &str) -> Option<&Msg> {
        match self.get(name)? {
            Node::Msg(m) => Some(m),
            _ => None,
        }
    }

    pub fn text(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Node::Str(b) => Some(String::from_utf8_lossy(b).into_owned()),
            Node::Word(w) => Some(w.clone()),
            Node::Msg(_) => None,
        }
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Node::Word(w)) if w == "true")
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn skip(&mut self) {
        while self.i < self.s.len() {
            match self.s[self.i] {
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b';' => self.i += 1,
                b'#' => {
                    while self.i < self.s.len() && self.s[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip();
        self.s.get(self.i).copied()
    }

    fn word(&mut self) -> String {
        let start = self.i;
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'+') {
                self.i += 1;
            } else {
                break;
            }
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    fn message(&mut self, close: Option<u8>) -> Result<Msg, String> {
        let mut m = Msg::default();
        loop {
            match self.peek() {
                None if close.is_none() => return Ok(m),
                None => return Err("unexpected end".into()),
                Some(c) if Some(c) == close => {
                    self.i += 1;
                    return Ok(m);
                }
                Some(b'[') => {
                    // An Any's type URL: `[type.googleapis.com/...] { ... }`.
                    let end = self.s[self.i..]
                        .iter()
                        .position(|&c| c == b']')
                        .ok_or("unclosed [")?;
                    let name = String::from_utf8_lossy(&self.s[self.i..self.i + end + 1]);
                    self.i += end + 1;
                    let name = name.into_owned();
                    let v = self.value()?;
                    m.fields.push((name, v));
                }
                Some(_) => {
                    let name = self.word();
                    if name.is_empty() {
                        return Err(format!("unexpected byte at {}", self.i));
                    }
                    if self.peek() == Some(b':') {
                        self.i += 1;
                    }
                    if self.peek() == Some(b'[') {
                        // A list of values.
                        self.i += 1;
                        while self.peek() != Some(b']') {
                            let v = self.value()?;
                            m.fields.push((name.clone(), v));
                        }
                        self.i += 1;
                    } else {
                        let v = self.value()?;
                        m.fields.push((name, v));
                    }
                }
            }
        }
    }

    fn value(&mut self) -> Result<Node, String> {
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                Ok(Node::Msg(self.message(Some(b'}'))?))
            }
            Some(b'<') => {
                self.i += 1;
                Ok(Node::Msg(self.message(Some(b'>'))?))
            }
            Some(q @ (b'"' | b'\'')) => {
                let mut out = Vec::new();
                // Adjacent string literals concatenate.
                while self.peek() == Some(q) || matches!(self.peek(), Some(b'"' | b'\'')) {
                    let q = self.s[self.i];
                    self.i += 1;
                    self.string(q, &mut out)?;
                }
                Ok(Node::Str(out))
            }
            Some(_) => Ok(Node::Word(self.word())),
            None => Err("missing value".into()),
        }
    }

    fn string(&mut self, q: u8, out: &mut Vec<u8>) -> Result<(), String> {
        loop {
            let c = *self.s.get(self.i).ok_or("unterminated string")?;
            self.i += 1;
            if c == q {
                return Ok(());
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let e = *self.s.get(self.i).ok_or("bad escape")?;
            self.i += 1;
            match e {
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'v' => out.push(11),
                b'x' | b'X' => {
                    let mut n = 0u32;
                    let mut k = 0;
                    while k < 2 && self.i < self.s.len() && self.s[self.i].is_ascii_hexdigit() {
                        n = n * 16 + (self.s[self.i] as char).to_digit(16).unwrap_or(0);
                        self.i += 1;
                        k += 1;
                    }
                    out.push(n as u8);
                }
                b'0'..=b'7' => {
                    let mut n = u32::from(e - b'0');
                    let mut k = 1;
                    while k < 3 && self.i < self.s.len() && (b'0'..=b'7').contains(&self.s[self.i])
                    {
                        n = n * 8 + u32::from(self.s[self.i] - b'0');
                        self.i += 1;
                        k += 1;
                    }
                    out.push(n as u8);
                }
                b'u' | b'U' => {
                    let len = if e == b'u' { 4 } else { 8 };
                    let hex = std::str::from_utf8(&self.s[self.i..self.i + len])
                        .map_err(|e| e.to_string())?;
                    self.i += len;
                    let c = u32::from_str_radix(hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or("bad \\u escape")?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                other => out.push(other),
            }
        }
    }
}

/// Parses a text-format document.
pub fn parse(text: &str) -> Result<Msg, String> {
    Parser {
        s: text.as_bytes(),
        i: 0,
    }
    .message(None)
}

/// One conformance case.
#[derive(Debug, Clone)]
pub struct Case {
    pub file: String,
    pub section: String,
    pub name: String,
    pub expr: String,
    pub disable_check: bool,
    pub container: Option<String>,
    /// Variable name → declared type (`INT64`, `DOUBLE`, ... or `other`).
    pub types: Vec<(String, String)>,
    /// Variable name → its value (a `Value` message).
    pub bindings: Vec<(String, Msg)>,
    pub expect: Expect,
}

#[derive(Debug, Clone)]
pub enum Expect {
    Value(Msg),
    Error,
    /// Neither (e.g. a typed result only): not run.
    Other,
}

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cel-spec")
}

/// The sections this project runs.
pub const FILES: &[&str] = &[
    "basic",
    "comparisons",
    "logic",
    "integer_math",
    "fp_math",
    "string",
    "lists",
    "conversions",
    "macros",
    "parse",
    "timestamps",
];

pub fn load(file: &str) -> Result<Vec<Case>, String> {
    let text = std::fs::read_to_string(dir().join(format!("{file}.textproto")))
        .map_err(|e| e.to_string())?;
    let doc = parse(&text)?;
    let mut cases = Vec::new();
    for section in doc.all("section") {
        let Node::Msg(section) = section else {
            continue;
        };
        let sname = section.text("name").unwrap_or_default();
        for test in section.all("test") {
            let Node::Msg(t) = test else { continue };
            let mut types = Vec::new();
            for te in t.all("type_env") {
                let Node::Msg(te) = te else { continue };
                let name = te.text("name").unwrap_or_default();
                let prim = te
                    .msg("ident")
                    .and_then(|i| i.msg("type"))
                    .and_then(|t| t.text("primitive"))
                    .unwrap_or_else(|| "other".to_string());
                types.push((name, prim));
            }
            let mut bindings = Vec::new();
            for b in t.all("bindings") {
                let Node::Msg(b) = b else { continue };
                let key = b.text("key").unwrap_or_default();
                if let Some(v) = b.msg("value").and_then(|v| v.msg("value")) {
                    bindings.push((key, v.clone()));
                } else {
                    bindings.push((key, Msg::default()));
                }
            }
            let expect = if let Some(v) = t.msg("value") {
                Expect::Value(v.clone())
            } else if t.get("eval_error").is_some() {
                Expect::Error
            } else {
                Expect::Other
            };
            cases.push(Case {
                file: file.to_string(),
                section: sname.clone(),
                name: t.text("name").unwrap_or_default(),
                expr: t.text("expr").unwrap_or_default(),
                disable_check: t.flag("disable_check"),
                container: t.text("container"),
                types,
                bindings,
                expect,
            });
        }
    }
    Ok(cases)
}
