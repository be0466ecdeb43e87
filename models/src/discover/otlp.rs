//! OpenTelemetry traces (OTLP/JSON) as observed exchanges. Each line of the
//! input is one `ExportTraceServiceRequest` (what the collector's file
//! exporter writes; a single pretty-printed request is read too, up to
//! [`MAX_REQUEST_BYTES`]). Spans become exchanges in pairs:
//!
//! - a client span (kind 3) and the server span (kind 2) whose parent it is:
//!   a request from the client's `service.name` to the server's, about the
//!   resource `http.route` (else `url.path`), with `http.request.method`;
//! - a producer span (4) and a consumer span (5) whose parent (or link) it
//!   is: an event from the producer's service to the consumer's, about
//!   `messaging.destination.name`;
//! - a client or producer span naming `peer.service` is an exchange on its
//!   own, without waiting for its other half.
//!
//! A span with status code 2 (ERROR), or an HTTP status of 400 or more, is a
//! failed exchange. Optional span attributes `charter.entity` and
//! `charter.key` name the entity and its business key where the conventions
//! have none. Halves that never meet are counted as skipped at the end;
//! at most [`MAX_PENDING`] wait at a time (the oldest go first), so memory
//! stays bounded however long the trace log.

use super::read::{for_each_line_up_to, DiscoverError, ReadReport};
use super::{Discovery, Exchange, Kind};
use foldhash::HashMap;
use serde_json::Value;
use std::collections::VecDeque;
use std::io::BufRead;

/// The longest request (one line) read.
pub const MAX_REQUEST_BYTES: usize = 64 << 20;
/// Span halves waiting for their other half.
pub const MAX_PENDING: usize = 100_000;

#[derive(Debug, Clone)]
struct Half {
    service: String,
    kind: u8,
    at_ms: Option<i64>,
    ok: bool,
    resource: Option<String>,
    entity: Option<String>,
    op: String,
    key: Option<String>,
    id: String,
}

fn attr<'a>(attrs: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    attrs?
        .as_array()?
        .iter()
        .find(|a| a.get("key").and_then(Value::as_str) == Some(key))?
        .get("value")
}

fn attr_str(attrs: Option<&Value>, key: &str) -> Option<String> {
    let v = attr(attrs, key)?;
    if let Some(s) = v.get("stringValue").and_then(Value::as_str) {
        return Some(s.to_string());
    }
    v.get("intValue").map(|i| match i {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn span_kind(v: Option<&Value>) -> u8 {
    match v {
        Some(Value::Number(n)) => n.as_u64().and_then(|k| u8::try_from(k).ok()).unwrap_or(0),
        Some(Value::String(s)) => match s.as_str() {
            "SPAN_KIND_SERVER" => 2,
            "SPAN_KIND_CLIENT" => 3,
            "SPAN_KIND_PRODUCER" => 4,
            "SPAN_KIND_CONSUMER" => 5,
            _ => 1,
        },
        _ => 0,
    }
}

fn nanos_to_ms(v: Option<&Value>) -> Option<i64> {
    let n: i128 = match v? {
        Value::String(s) => s.parse().ok()?,
        Value::Number(n) => i128::from(n.as_u64()?),
        _ => return None,
    };
    i64::try_from(n / 1_000_000).ok()
}

struct Pending {
    /// Client/producer halves by span id; server/consumer halves by parent id.
    by_id: HashMap<String, Half>,
    order: VecDeque<String>,
    lost: u64,
}

impl Pending {
    fn put(&mut self, id: String, half: Half) {
        if self.by_id.len() >= MAX_PENDING {
            while let Some(old) = self.order.pop_front() {
                if self.by_id.remove(&old).is_some() {
                    self.lost += 1;
                    break;
                }
            }
        }
        self.order.push_back(id.clone());
        self.by_id.insert(id, half);
    }
}

fn emit(from: &Half, to: &Half, d: &mut Discovery) -> bool {
    let kind = if from.kind == 4 {
        Kind::Event
    } else {
        Kind::Request
    };
    // The server side knows the route; the producer side the destination.
    let resource = to.resource.as_deref().or(from.resource.as_deref());
    let named = from.entity.as_deref().or(to.entity.as_deref());
    let (entity, is_resource) = match (named, resource) {
        (Some(e), _) => (e, false),
        (None, Some(r)) => (r, kind == Kind::Request),
        (None, None) => return false,
    };
    let op = if from.op.is_empty() {
        to.op.as_str()
    } else {
        from.op.as_str()
    };
    d.add(&Exchange {
        at_ms: from.at_ms.or(to.at_ms),
        source: &from.service,
        target: &to.service,
        kind,
        entity,
        resource: is_resource,
        op,
        ok: from.ok && to.ok,
        key: from.key.as_deref().or(to.key.as_deref()),
        id: Some(&from.id),
    });
    true
}

pub fn read_otlp(reader: impl BufRead, d: &mut Discovery) -> Result<ReadReport, DiscoverError> {
    let mut report = ReadReport::default();
    let mut waiting_parent = Pending {
        by_id: HashMap::default(),
        order: VecDeque::new(),
        lost: 0,
    };
    let mut waiting_child = Pending {
        by_id: HashMap::default(),
        order: VecDeque::new(),
        lost: 0,
    };
    let mut whole: Vec<u8> = Vec::new();
    let mut multiline = false;
    let mut handle = |n: u64, text: &[u8], report: &mut ReadReport, d: &mut Discovery| {
        let req: Value = match serde_json::from_slice(text) {
            Ok(v) => v,
            Err(e) => {
                report.problem(n, &format!("not an OTLP/JSON request: {e}"));
                return;
            }
        };
        let Some(resource_spans) = req.get("resourceSpans").and_then(Value::as_array) else {
            report.problem(n, "no `resourceSpans`: not an OTLP/JSON trace request");
            return;
        };
        for rs in resource_spans {
            let attrs = rs.get("resource").and_then(|r| r.get("attributes"));
            let Some(service) = attr_str(attrs, "service.name") else {
                report.problem(
                    n,
                    "a resource without `service.name`: its spans are not placed",
                );
                continue;
            };
            let scopes = rs
                .get("scopeSpans")
                .or_else(|| rs.get("instrumentationLibrarySpans"));
            for span in scopes
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .flat_map(|s| {
                    s.get("spans")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                })
            {
                let kind = span_kind(span.get("kind"));
                if !(2..=5).contains(&kind) {
                    continue;
                }
                let a = span.get("attributes");
                let status_error = span
                    .get("status")
                    .and_then(|s| s.get("code"))
                    .is_some_and(|c| c == 2 || c == "STATUS_CODE_ERROR");
                let http_error = attr_str(a, "http.response.status_code")
                    .or_else(|| attr_str(a, "http.status_code"))
                    .and_then(|c| c.parse::<u16>().ok())
                    .is_some_and(|c| c >= 400);
                let span_id = span
                    .get("spanId")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let parent = span
                    .get("parentSpanId")
                    .and_then(Value::as_str)
                    .filter(|p| !p.is_empty())
                    .or_else(|| {
                        span.get("links")?
                            .as_array()?
                            .first()?
                            .get("spanId")?
                            .as_str()
                    })
                    .unwrap_or("")
                    .to_string();
                let half = Half {
                    service: service.clone(),
                    kind,
                    at_ms: nanos_to_ms(span.get("startTimeUnixNano")),
                    ok: !(status_error || http_error),
                    resource: if kind <= 3 {
                        attr_str(a, "http.route").or_else(|| attr_str(a, "url.path"))
                    } else {
                        attr_str(a, "messaging.destination.name")
                    },
                    entity: attr_str(a, "charter.entity"),
                    op: attr_str(a, "http.request.method")
                        .or_else(|| attr_str(a, "http.method"))
                        .or_else(|| attr_str(a, "messaging.operation.name"))
                        .or_else(|| attr_str(a, "messaging.operation"))
                        .unwrap_or_default(),
                    key: attr_str(a, "charter.key"),
                    id: span_id.clone(),
                };
                report.records += 1;
                match kind {
                    3 | 4 => {
                        if let Some(peer) = attr_str(a, "peer.service") {
                            let other = Half {
                                service: peer,
                                kind: kind - 1 + 2 * u8::from(kind == 4),
                                ..half.clone()
                            };
                            if !emit(&half, &other, d) {
                                report.problem(n, "a span with no route, path, destination or charter.entity: not placed");
                            }
                            continue;
                        }
                        match waiting_child.by_id.remove(&span_id) {
                            Some(child) => {
                                emit(&half, &child, d);
                            }
                            None => waiting_parent.put(span_id, half),
                        }
                    }
                    _ => match waiting_parent.by_id.remove(&parent) {
                        Some(p) => {
                            emit(&p, &half, d);
                        }
                        None if !parent.is_empty() => waiting_child.put(parent, half),
                        None => {}
                    },
                }
            }
        }
    };
    for_each_line_up_to(reader, MAX_REQUEST_BYTES, |n, line| {
        let line = match line {
            Ok(l) => l,
            Err(()) => {
                report.problem(n, &format!("longer than {} MiB", MAX_REQUEST_BYTES >> 20));
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
        // A pretty-printed request spans lines: gather it (bounded) and read it at the end.
        if n == 1 && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_err() {
            multiline = true;
        }
        if multiline {
            if whole.len() + line.len() < MAX_REQUEST_BYTES {
                whole.extend_from_slice(line);
                whole.push(b'\n');
            }
            return;
        }
        handle(n, line, &mut report, d);
    })?;
    if multiline {
        if whole.len() + 1 >= MAX_REQUEST_BYTES {
            report.problem(
                1,
                &format!(
                    "a single request longer than {} MiB",
                    MAX_REQUEST_BYTES >> 20
                ),
            );
        } else {
            let text = std::mem::take(&mut whole);
            handle(1, &text, &mut report, d);
        }
    }
    let unpaired = waiting_parent.by_id.len() + waiting_child.by_id.len();
    let lost = waiting_parent.lost + waiting_child.lost + unpaired as u64;
    if lost > 0 {
        report.skipped += lost;
        if report.problems.len() < 5 {
            report.problems.push(format!(
                "{lost} span(s) never met their other half (no peer.service): not placed"
            ));
        }
    }
    Ok(report)
}
