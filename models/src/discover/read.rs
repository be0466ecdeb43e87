//! Reading observed exchanges, streaming: JSON Lines records
//! (exchanges.md) and CSV exports of a message log (columns named like the
//! record's fields, or their usual aliases). Lines that are not records are
//! counted and the first few quoted; a log with no record at all is refused.

use super::time::parse_rfc3339;
use super::{Discovery, Exchange, Kind};
use serde::Deserialize;
use std::borrow::Cow;
use std::io::BufRead;

/// The longest line read (a longer one is skipped as a problem).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The log formats `charter discover` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Exchanges,
    Csv,
    /// OpenTelemetry traces as OTLP/JSON (super::otlp).
    Otlp,
}

impl LogFormat {
    pub const ALL: [LogFormat; 3] = [LogFormat::Exchanges, LogFormat::Csv, LogFormat::Otlp];

    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Exchanges => "exchanges",
            LogFormat::Csv => "csv",
            LogFormat::Otlp => "otlp",
        }
    }

    pub fn from_name(name: &str) -> Option<LogFormat> {
        LogFormat::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// From the first bytes of a log: OTLP/JSON names `resourceSpans` at
    /// once; else `{` starts JSON Lines, else CSV.
    pub fn detect(head: &[u8]) -> LogFormat {
        let t = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
        let start = t
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(t.len());
        if t[start..].starts_with(b"{")
            && t[start..]
                .windows(15)
                .take(64)
                .any(|w| w == b"\"resourceSpans\"")
        {
            return LogFormat::Otlp;
        }
        match t.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') | None => LogFormat::Exchanges,
            _ => LogFormat::Csv,
        }
    }
}

/// Why a log could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("empty: no exchanges to discover from")]
    Empty,
    #[error("not an exchange log ({format}): {problem}")]
    NoRecords {
        format: &'static str,
        problem: String,
    },
}

/// What reading one log gave.
#[derive(Debug, Clone, Default)]
pub struct ReadReport {
    pub records: u64,
    pub skipped: u64,
    /// The first few problems, `line N: …`.
    pub problems: Vec<String>,
}

const MAX_PROBLEMS: usize = 5;

impl ReadReport {
    pub(crate) fn problem(&mut self, line: u64, message: &str) {
        self.skipped += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems
                .push(format!("line {line}: {}", crate::text::one_line(message)));
        }
    }
}

/// Reads a whole log into `d`.
pub fn read_log(
    reader: impl BufRead,
    format: LogFormat,
    d: &mut Discovery,
) -> Result<ReadReport, DiscoverError> {
    let report = match format {
        LogFormat::Exchanges => read_jsonl(reader, d)?,
        LogFormat::Csv => read_csv(reader, d)?,
        LogFormat::Otlp => super::otlp::read_otlp(reader, d)?,
    };
    if report.records == 0 {
        return Err(match report.problems.first() {
            None => DiscoverError::Empty,
            Some(p) => DiscoverError::NoRecords {
                format: format.as_str(),
                problem: p.clone(),
            },
        });
    }
    Ok(report)
}

/// A string field borrowed from the line when it has no escapes. (serde
/// borrows a `Cow<str>` field only when it is not inside an `Option`; this
/// newtype keeps the borrow: one allocation less per field and record.)
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(borrow, default)]
    at: Option<Text<'a>>,
    #[serde(borrow, default)]
    source: Option<Text<'a>>,
    #[serde(borrow, default)]
    target: Option<Text<'a>>,
    #[serde(borrow, default)]
    kind: Option<Text<'a>>,
    #[serde(borrow, default)]
    entity: Option<Text<'a>>,
    #[serde(borrow, default)]
    resource: Option<Text<'a>>,
    #[serde(borrow, default)]
    op: Option<Text<'a>>,
    #[serde(borrow, default)]
    status: Option<Text<'a>>,
    #[serde(borrow, default)]
    key: Option<Text<'a>>,
    #[serde(borrow, default)]
    id: Option<Text<'a>>,
}

fn text<'a>(t: &'a Option<Text<'_>>) -> Option<&'a str> {
    t.as_ref().map(|t| t.0.as_ref())
}

/// The fields of one record, as text, in any source format.
struct Fields<'a> {
    at: Option<&'a str>,
    source: Option<&'a str>,
    target: Option<&'a str>,
    kind: Option<&'a str>,
    entity: Option<&'a str>,
    resource: Option<&'a str>,
    op: Option<&'a str>,
    status: Option<&'a str>,
    key: Option<&'a str>,
    id: Option<&'a str>,
}

const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// A record checked against exchanges.md, folded into `d`; the problem
/// otherwise.
fn nonblank(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

fn add_fields(f: &Fields, d: &mut Discovery) -> Result<(), String> {
    let source = nonblank(f.source).ok_or("no `source`")?;
    let target = nonblank(f.target).ok_or("no `target`")?;
    let op = nonblank(f.op).unwrap_or("");
    let (entity, resource) = match (nonblank(f.entity), nonblank(f.resource)) {
        (Some(e), _) => (e, false),
        (None, Some(r)) => (r, true),
        (None, None) => return Err("no `entity` or `resource`".into()),
    };
    let kind = match nonblank(f.kind) {
        Some(k) if k.eq_ignore_ascii_case("event") => Kind::Event,
        Some(k) if k.eq_ignore_ascii_case("request") => Kind::Request,
        Some(k) => {
            return Err(format!(
                "`kind` is `{}`, expected event or request",
                k.chars().take(40).collect::<String>()
            ))
        }
        // Unsaid: an HTTP method or a resource path makes it a request.
        None if resource || HTTP_METHODS.iter().any(|m| op.eq_ignore_ascii_case(m)) => {
            Kind::Request
        }
        None => Kind::Event,
    };
    let ok = match nonblank(f.status) {
        None => true,
        Some(s) if s.eq_ignore_ascii_case("ok") => true,
        Some(s) if s.eq_ignore_ascii_case("error") => false,
        Some(s) => match s.parse::<u16>() {
            // An HTTP status code.
            Ok(code) => code < 400,
            Err(_) => {
                return Err(format!(
                    "`status` is `{}`, expected ok or error",
                    s.chars().take(40).collect::<String>()
                ))
            }
        },
    };
    let at_ms = match nonblank(f.at) {
        None => None,
        Some(t) => Some(parse_rfc3339(t).ok_or_else(|| {
            format!(
                "`at` is `{}`, not an RFC 3339 time",
                t.chars().take(40).collect::<String>()
            )
        })?),
    };
    d.add(&Exchange {
        at_ms,
        source,
        target,
        kind,
        entity,
        resource,
        op,
        ok,
        key: nonblank(f.key),
        id: nonblank(f.id),
    });
    Ok(())
}

/// Calls `each` with every line (without its line break), at most
/// [`MAX_LINE_BYTES`] long; a longer line is given as `Err(())`.
pub(crate) fn for_each_line(
    reader: impl BufRead,
    each: impl FnMut(u64, Result<&[u8], ()>),
) -> std::io::Result<()> {
    for_each_line_up_to(reader, MAX_LINE_BYTES, each)
}

/// [`for_each_line`] with another longest line.
pub(crate) fn for_each_line_up_to(
    mut reader: impl BufRead,
    max_line: usize,
    mut each: impl FnMut(u64, Result<&[u8], ()>),
) -> std::io::Result<()> {
    let mut line_no = 0u64;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut too_long = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            if !buf.is_empty() || too_long {
                line_no += 1;
                each(line_no, if too_long { Err(()) } else { Ok(&buf) });
            }
            return Ok(());
        }
        // Whole lines straight from the reader's buffer when possible.
        let mut start = 0;
        let len = chunk.len();
        while let Some(nl) = memchr::memchr(b'\n', &chunk[start..]) {
            let end = start + nl;
            line_no += 1;
            if buf.is_empty() && !too_long {
                each(line_no, Ok(trim_cr(&chunk[start..end])));
            } else {
                if !too_long && buf.len() + nl <= max_line {
                    buf.extend_from_slice(&chunk[start..end]);
                    each(line_no, Ok(trim_cr(&buf)));
                } else {
                    each(line_no, Err(()));
                }
                buf.clear();
                too_long = false;
            }
            start = end + 1;
        }
        let rest = &chunk[start..];
        if !too_long {
            if buf.len() + rest.len() > max_line {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(rest);
            }
        }
        reader.consume(len);
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn read_jsonl(reader: impl BufRead, d: &mut Discovery) -> Result<ReadReport, DiscoverError> {
    let mut report = ReadReport::default();
    for_each_line(reader, |n, line| {
        let line = match line {
            Ok(l) => l,
            Err(()) => {
                report.problem(n, &format!("longer than {MAX_LINE_BYTES} bytes"));
                return;
            }
        };
        let line = if n == 1 {
            line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line)
        } else {
            line
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let raw: RawRecord = match serde_json::from_slice(line) {
            Ok(r) => r,
            Err(e) => {
                report.problem(n, &format!("not a JSON record: {e}"));
                return;
            }
        };
        let fields = Fields {
            at: text(&raw.at),
            source: text(&raw.source),
            target: text(&raw.target),
            kind: text(&raw.kind),
            entity: text(&raw.entity),
            resource: text(&raw.resource),
            op: text(&raw.op),
            status: text(&raw.status),
            key: text(&raw.key),
            id: text(&raw.id),
        };
        match add_fields(&fields, d) {
            Ok(()) => report.records += 1,
            Err(p) => report.problem(n, &p),
        }
    })?;
    Ok(report)
}

/// The record field a CSV column header names, by its usual names.
fn column_field(header: &str) -> Option<usize> {
    let h = header.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    let i = match h.as_str() {
        "at" | "time" | "timestamp" | "date" | "datetime" | "received_at" | "sent_at" => 0,
        "source" | "from" | "sender" | "src" | "source_system" | "producer" => 1,
        "target" | "to" | "receiver" | "dst" | "destination" | "target_system" | "consumer" => 2,
        "kind" | "type" | "message_type" | "pattern" => 3,
        "entity" | "object" | "document" | "document_type" | "business_object" => 4,
        "resource" | "path" | "route" | "url" | "endpoint" => 5,
        "op" | "operation" | "method" | "verb" | "action" => 6,
        "status" | "result" | "outcome" | "http_status" => 7,
        "key" | "business_key" | "record_key" => 8,
        "id" | "message_id" | "msg_id" | "correlation_id" => 9,
        _ => return None,
    };
    Some(i)
}

fn read_csv(reader: impl BufRead, d: &mut Discovery) -> Result<ReadReport, DiscoverError> {
    let mut report = ReadReport::default();
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let headers = match rdr.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(DiscoverError::NoRecords {
                format: "csv",
                problem: format!("line 1: {e}"),
            })
        }
    };
    let mut columns: [Option<usize>; 10] = [None; 10];
    for (col, h) in headers.iter().enumerate() {
        let h = String::from_utf8_lossy(h);
        let h = h.trim_start_matches('\u{feff}');
        if let Some(f) = column_field(h) {
            columns[f].get_or_insert(col);
        }
    }
    if columns[1].is_none()
        || columns[2].is_none()
        || (columns[4].is_none() && columns[5].is_none())
    {
        return Err(DiscoverError::NoRecords {
            format: "csv",
            problem: "line 1: the header needs source, target and entity (or resource) columns (or from/to, sender/receiver, path)".into(),
        });
    }
    let mut record = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                report.problem(line, &e.to_string());
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(DiscoverError::Io(std::io::Error::other(e.to_string())));
                }
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.as_slice().len() > MAX_LINE_BYTES {
            report.problem(line, &format!("longer than {MAX_LINE_BYTES} bytes"));
            continue;
        }
        let get = |i: usize| -> Result<Option<&str>, ()> {
            match columns[i].and_then(|c| record.get(c)) {
                None => Ok(None),
                Some(b) => std::str::from_utf8(b).map(Some).map_err(|_| ()),
            }
        };
        let mut vals: [Option<&str>; 10] = [None; 10];
        let mut bad = false;
        for (i, v) in vals.iter_mut().enumerate() {
            match get(i) {
                Ok(x) => *v = x,
                Err(()) => bad = true,
            }
        }
        if bad {
            report.problem(line, "not UTF-8 text");
            continue;
        }
        let fields = Fields {
            at: vals[0],
            source: vals[1],
            target: vals[2],
            kind: vals[3],
            entity: vals[4],
            resource: vals[5],
            op: vals[6],
            status: vals[7],
            key: vals[8],
            id: vals[9],
        };
        match add_fields(&fields, d) {
            Ok(()) => report.records += 1,
            Err(p) => report.problem(line, &p),
        }
    }
    Ok(report)
}
