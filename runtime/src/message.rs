//! Messages: what flows through the gate (events.md).

use crate::time::parse_rfc3339_ms;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// `event`, `request`, `state` or `ack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A change announced by the owner.
    Event,
    /// Asks the owner.
    Request,
    /// A holder reports its current copy (for reconciliation).
    State,
    /// A receiver settles a delivery made to it.
    Ack,
}

/// One parsed message. Strings borrow from the input line when they can.
#[derive(Debug, Clone, PartialEq)]
pub struct Message<'a> {
    pub id: Cow<'a, str>,
    /// The `at` time, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub source: Cow<'a, str>,
    pub kind: Kind,
    pub entity: Cow<'a, str>,
    /// The entity's identity value (a JSON number is kept as its text).
    pub key: Cow<'a, str>,
    pub op: Cow<'a, str>,
    /// The optional `version` (the `version` conflict policy needs it).
    pub version: Option<i64>,
    /// The record; `{}` when absent.
    pub data: Map<String, Value>,
    /// Acks only: what it settles and how (`None` on other kinds).
    pub ack: Option<AckOf<'a>>,
}

/// What an `ack` message says: the message whose delivery to the ack's
/// source it settles, positively or not, and the receiver's reason.
#[derive(Debug, Clone, PartialEq)]
pub struct AckOf<'a> {
    pub reference: Cow<'a, str>,
    pub ok: bool,
    pub reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum KeyWire<'a> {
    #[serde(borrow)]
    Str(Cow<'a, str>),
    Num(serde_json::Number),
}

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    source: Cow<'a, str>,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    entity: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    key: Option<KeyWire<'a>>,
    #[serde(borrow, default)]
    op: Option<Cow<'a, str>>,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    data: Option<Map<String, Value>>,
    #[serde(borrow, default, rename = "ref")]
    reference: Option<Cow<'a, str>>,
    #[serde(default)]
    ok: Option<bool>,
    #[serde(borrow, default)]
    reason: Option<Cow<'a, str>>,
}

/// [`Wire`] with the key taken as raw JSON text: deserializing an untagged
/// enum buffers the value first, which costs more than the rest of the
/// message. Only for the fast path: anything it does not take as is goes
/// through [`Wire`] again, for the exact error.
#[derive(Deserialize)]
struct FastWire<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    source: Cow<'a, str>,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    entity: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    key: Option<&'a RawValue>,
    #[serde(borrow, default)]
    op: Option<Cow<'a, str>>,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default, deserialize_with = "data_presized")]
    data: Option<Map<String, Value>>,
    #[serde(borrow, default, rename = "ref")]
    reference: Option<Cow<'a, str>>,
    #[serde(default)]
    ok: Option<bool>,
    #[serde(borrow, default)]
    reason: Option<Cow<'a, str>>,
}

/// `data` as serde_json reads an `Option<Map>` (null is `None`, entries
/// inserted in order), into a map sized up front rather than grown.
fn data_presized<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Map<String, Value>>, D::Error> {
    struct Presized;
    impl<'de> serde::de::Visitor<'de> for Presized {
        type Value = Option<Map<String, Value>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map or null")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut a: A,
        ) -> Result<Self::Value, A::Error> {
            let mut m = Map::with_capacity(a.size_hint().unwrap_or(0).max(8));
            while let Some((k, v)) = a.next_entry::<String, Value>()? {
                m.insert(k, v);
            }
            Ok(Some(m))
        }
    }
    d.deserialize_any(Presized)
}

/// The key as [`KeyWire`] reads it, when it is a string or a number.
fn key_of_raw(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    match text.as_bytes().first()? {
        b'"' => match serde_json::from_str::<&str>(text) {
            Ok(s) => Some(Cow::Borrowed(s)),
            Err(_) => serde_json::from_str::<String>(text).ok().map(Cow::Owned),
        },
        b'-' | b'0'..=b'9' => serde_json::from_str::<serde_json::Number>(text)
            .ok()
            .map(|n| Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// Why a line is not a valid message; the text is the decision's `reason`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidMessage(pub String);

/// Parses one message from JSON text.
pub fn parse_message(text: &[u8]) -> Result<Message<'_>, InvalidMessage> {
    // serde reads a struct from an array too (fields in order): a message is
    // an object only.
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | None => {}
        Some(b'[') => {
            return Err(InvalidMessage(
                "not a message: a JSON array, not an object".into(),
            ))
        }
        Some(_) if serde_json::from_slice::<serde::de::IgnoredAny>(text).is_ok() => {
            return Err(InvalidMessage(
                "not a message: a JSON value that is not an object".into(),
            ))
        }
        Some(_) => {}
    }
    match parse_fast(text) {
        Some(m) => m,
        None => parse_general(text),
    }
}

/// Fast path: the line checked as UTF-8 once (serde_json then skips the
/// check per string), the key read raw, `data` presized. `None` for whatever
/// it does not take: the general path then gives the same result or the
/// exact error.
fn parse_fast(text: &[u8]) -> Option<Result<Message<'_>, InvalidMessage>> {
    let s = std::str::from_utf8(text).ok()?;
    let w = serde_json::from_str::<FastWire>(s).ok()?;
    let key = match w.key {
        Some(raw) if raw.get() != "null" => Some(KeyWire::Str(key_of_raw(raw)?)),
        _ => None,
    };
    Some(finish(Wire {
        id: w.id,
        at: w.at,
        source: w.source,
        kind: w.kind,
        entity: w.entity,
        key,
        op: w.op,
        version: w.version,
        data: w.data,
        reference: w.reference,
        ok: w.ok,
        reason: w.reason,
    }))
}

fn parse_general(text: &[u8]) -> Result<Message<'_>, InvalidMessage> {
    let w: Wire = serde_json::from_slice(text).map_err(|e| {
        let msg = e.to_string();
        InvalidMessage(if e.is_syntax() || e.is_eof() {
            format!("not JSON: {msg}")
        } else if msg.contains("KeyWire") || msg.contains("untagged enum") {
            // serde names the internal type; say it in the format's words.
            format!(
                "not a message: `key` must be a string or a number ({})",
                position(&e)
            )
        } else {
            format!("not a message: {msg}")
        })
    })?;
    // serde_json does not check the UTF-8 of what it skips (the value of a
    // member a message does not have): a message is UTF-8 throughout.
    if let Err(e) = std::str::from_utf8(text) {
        return Err(InvalidMessage(format!(
            "not JSON: invalid UTF-8 at byte {}",
            e.valid_up_to()
        )));
    }
    finish(w)
}

fn position(e: &serde_json::Error) -> String {
    format!("line {} column {}", e.line(), e.column())
}

/// The checks serde does not make, and the message.
fn finish(w: Wire<'_>) -> Result<Message<'_>, InvalidMessage> {
    let kind = match w.kind.as_ref() {
        "event" => Kind::Event,
        "request" => Kind::Request,
        "state" => Kind::State,
        "ack" => Kind::Ack,
        other => {
            return Err(InvalidMessage(format!(
                "unknown kind {other:?} (event|request|state|ack)"
            )))
        }
    };
    if w.id.is_empty() {
        return Err(InvalidMessage("empty id".into()));
    }
    let at_ms = parse_rfc3339_ms(&w.at)
        .ok_or_else(|| InvalidMessage(format!("`at` is not an RFC 3339 time: {:?}", w.at)))?;
    if kind == Kind::Ack {
        let Some(reference) = w.reference.filter(|r| !r.is_empty()) else {
            return Err(InvalidMessage(
                "an ack needs `ref`: the id of the message whose delivery it settles".into(),
            ));
        };
        return Ok(Message {
            id: w.id,
            at_ms,
            source: w.source,
            kind,
            entity: w.entity.unwrap_or_default(),
            key: Cow::Borrowed(""),
            op: Cow::Borrowed(""),
            version: w.version,
            data: w.data.unwrap_or_default(),
            ack: Some(AckOf {
                reference,
                ok: w.ok.unwrap_or(true),
                reason: w.reason,
            }),
        });
    }
    let missing = |name: &str| InvalidMessage(format!("not a message: missing field `{name}`"));
    let entity = w.entity.ok_or_else(|| missing("entity"))?;
    let op = w.op.ok_or_else(|| missing("op"))?;
    let key = match w.key.ok_or_else(|| missing("key"))? {
        KeyWire::Str(s) => s,
        KeyWire::Num(n) => Cow::Owned(n.to_string()),
    };
    if kind == Kind::Event && op != "upsert" && op != "delete" {
        return Err(InvalidMessage(format!(
            "event op must be upsert or delete, not {op:?}"
        )));
    }
    Ok(Message {
        id: w.id,
        at_ms,
        source: w.source,
        kind,
        entity,
        key,
        op,
        version: w.version,
        data: w.data.unwrap_or_default(),
        ack: None,
    })
}

/// The `id` of a line that is not a valid message, when it has one.
pub fn id_of_invalid(text: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct IdOnly {
        id: Option<String>,
    }
    serde_json::from_slice::<IdOnly>(text)
        .ok()
        .and_then(|x| x.id)
}

impl Message<'_> {
    /// A copy that owns its strings.
    pub fn into_owned(self) -> Message<'static> {
        Message {
            id: Cow::Owned(self.id.into_owned()),
            at_ms: self.at_ms,
            source: Cow::Owned(self.source.into_owned()),
            kind: self.kind,
            entity: Cow::Owned(self.entity.into_owned()),
            key: Cow::Owned(self.key.into_owned()),
            op: Cow::Owned(self.op.into_owned()),
            version: self.version,
            data: self.data,
            ack: self.ack.map(|a| AckOf {
                reference: Cow::Owned(a.reference.into_owned()),
                ok: a.ok,
                reason: a.reason.map(|r| Cow::Owned(r.into_owned())),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn parses_a_message() {
        let m = parse_message(br#"{"id":"m-1","at":"2026-03-01T10:00:00Z","source":"shop","kind":"event","entity":"stock","key":"SKU-1","op":"upsert","data":{"sku":"SKU-1","quantity":3}}"#).unwrap();
        assert_eq!(m.id, "m-1");
        assert_eq!(m.kind, Kind::Event);
        assert_eq!(m.data["quantity"], 3);
        let m = parse_message(br#"{"id":"m-2","at":"2026-03-01T10:00:00Z","source":"shop","kind":"request","entity":"stock","key":7,"op":"reserve"}"#).unwrap();
        assert_eq!(m.key, "7");
        assert!(m.data.is_empty());
    }

    /// Whatever the fast path decides, the general path decides the same;
    /// the general path only sees lines that are not messages.
    #[test]
    fn fast_path_agrees_with_the_general_path() {
        let head = r#""id":"m-1","at":"2026-03-01T10:00:00Z","source":"shop","kind":"event","entity":"stock","op":"upsert""#;
        let mut lines = vec![];
        for key in [
            r#""SKU-1""#,
            r#""Sé"q""#,
            "7",
            "-7",
            "7.5",
            "1e3",
            "18446744073709551615",
            "99999999999999999999",
            "true",
            "null",
            "[1]",
            r#"{"a":1}"#,
            r#""""#,
        ] {
            for data in [
                "",
                r#","data":null"#,
                r#","data":{}"#,
                r#","data":{"a":1,"b":"x","a":2}"#,
                r#","data":{"n":{"deep":[1,2,{"x":null}]},"s":"A
"}"#,
                r#","data":[1]"#,
                r#","data":"x""#,
                r#","data":{"a":1,}"#,
            ] {
                lines.push(format!("{{{head},\"key\":{key}{data}}}"));
                lines.push(format!("{{\"key\":{key}{data},{head}}}"));
                lines.push(format!("{{{head},\"key\":{key}{data},\"extra\":[1,{{}}]}}"));
                lines.push(format!("{{{head},\"key\":{key}{data},\"key\":\"again\"}}"));
            }
        }
        lines.push(format!("{{{head},\"key\":\"k\"}} trailing"));
        lines.push(format!("{{{head},\"key\":\"k\""));
        for line in &lines {
            let general = parse_general(line.as_bytes());
            match parse_fast(line.as_bytes()) {
                Some(fast) => assert_eq!(fast, general, "{line}"),
                // Valid lines all take the fast path.
                None => assert!(general.is_err(), "{line}"),
            }
        }
        let mut bad = lines[0].clone().into_bytes();
        bad.extend_from_slice(b"\xff");
        assert!(parse_fast(&bad).is_none());
    }

    /// Found by the `message` fuzz target: a line whose bytes are not UTF-8
    /// only inside a member the message does not have was a message on the
    /// general path (serde_json skips that value unchecked).
    #[test]
    fn a_line_that_is_not_utf8_is_not_a_message_even_in_an_unknown_member() {
        let line = b"{\"id\":\"m\",\"at\":\"2026-03-01T10:00:00Z\",\"source\":\"s\",\"kind\":\"event\",\"entity\":\"e\",\"key\":\"k\",\"op\":\"upsert\",\"extra\":{\"to\xffal\":1}}";
        assert!(parse_fast(line).is_none());
        let e = parse_message(line).unwrap_err();
        assert_eq!(e.0, "not JSON: invalid UTF-8 at byte 115");
        assert_eq!(parse_general(line), Err(e));
    }

    #[test]
    fn refuses_bad_messages() {
        for line in [
            &b"not json"[..],
            br#"[1,2]"#,
            br#"{"id":"m","at":"yesterday","source":"s","kind":"event","entity":"e","key":"k","op":"upsert"}"#,
            br#"{"id":"m","at":"2026-03-01T10:00:00Z","source":"s","kind":"gossip","entity":"e","key":"k","op":"upsert"}"#,
            br#"{"id":"m","at":"2026-03-01T10:00:00Z","source":"s","kind":"event","entity":"e","key":"k","op":"reserve"}"#,
            br#"{"id":"","at":"2026-03-01T10:00:00Z","source":"s","kind":"event","entity":"e","key":"k","op":"upsert"}"#,
            br#"{"id":"m","at":"2026-03-01T10:00:00Z","source":"s","kind":"event","entity":"e","key":"k","op":"upsert","data":[1]}"#,
            br#"{"at":"2026-03-01T10:00:00Z","source":"s","kind":"event","entity":"e","key":"k","op":"upsert"}"#,
        ] {
            assert!(parse_message(line).is_err(), "{}", String::from_utf8_lossy(line));
        }
        assert_eq!(
            id_of_invalid(br#"{"id":"m-9","kind":"x"}"#).as_deref(),
            Some("m-9")
        );
    }

    #[test]
    fn a_message_is_an_object_and_errors_use_the_format_words() {
        // serde would read these fields in order; a message is an object.
        let array = br#"["m","2026-03-01T10:00:00Z","s","event","e","k","upsert",{}]"#;
        let e = parse_message(array).unwrap_err();
        assert!(e.0.contains("array"), "{e}");
        for scalar in [&b"42"[..], br#""text""#, b"null", b"  true"] {
            let e = parse_message(scalar).unwrap_err();
            assert!(e.0.contains("not an object"), "{e}");
        }
        let key = br#"{"id":"m","at":"2026-03-01T10:00:00Z","source":"s","kind":"event","entity":"e","key":{"a":1},"op":"upsert"}"#;
        let e = parse_message(key).unwrap_err();
        assert!(
            e.0.contains("`key` must be a string or a number") && !e.0.contains("KeyWire"),
            "{e}"
        );
    }
}
