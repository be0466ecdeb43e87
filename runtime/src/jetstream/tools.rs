//! Recorded traffic into JetStream, decisions out of it
//! (`charter nats publish`, `charter nats decisions`): rehearsal on a test
//! broker and checks that the gate decided as `replay` does.

use super::gate::LAST_IN;
use super::{connect, connect_watched, subjects, Connection, GateError, ServerErrors};
use crate::message::{parse_message, Kind};
use async_nats::jetstream::{self, consumer};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::value::RawValue;
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, Write};

/// What a publish did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Published {
    pub messages: u64,
    pub first_sequence: u64,
    pub last_sequence: u64,
    /// Lines that are not messages, published to `charter.in._._._._`
    /// (the gate decides them `invalid`).
    pub not_messages: u64,
}

fn kind_str(k: Kind) -> &'static str {
    match k {
        Kind::Event => "event",
        Kind::Request => "request",
        Kind::State => "state",
        Kind::Ack => "ack",
    }
}

fn token_or_blank(s: &str) -> &str {
    if subjects::is_token(s) {
        s
    } else {
        "_"
    }
}

/// The subject of one line of traffic; `acked` maps message ids to the
/// entity and key token an ack of them is published with.
pub fn subject_of(line: &[u8], acked: &mut HashMap<String, (String, String)>) -> Option<String> {
    let msg = parse_message(line).ok()?;
    let source = token_or_blank(&msg.source);
    if msg.kind == Kind::Ack {
        let (entity, token) = msg
            .ack
            .as_ref()
            .and_then(|a| acked.get(a.reference.as_ref()))
            .cloned()
            .unwrap_or_else(|| ("_".to_string(), "_".to_string()));
        return Some(subjects::inbound(source, &entity, "ack", &token));
    }
    let entity = token_or_blank(&msg.entity).to_string();
    let token = subjects::key_token(Some(&msg.key));
    let subject = subjects::inbound(source, &entity, kind_str(msg.kind), &token);
    acked.insert(msg.id.to_string(), (entity, token));
    Some(subject)
}

/// Publishes every line of `input` in order (up to 4,096 awaiting their
/// stream acknowledgement), at most `rate` per second when given.
pub fn publish_blocking(
    connection: &Connection,
    input: impl BufRead,
    rate: Option<u32>,
) -> Result<Published, GateError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| GateError::Setup(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async {
        let (client, errors) = connect_watched(connection).await?;
        let js = jetstream::new(client);
        let failed = |what: &'static str, e: &dyn std::fmt::Display| refused_or(&errors, what, e);
        let mut acked = HashMap::new();
        let mut out = Published::default();
        let started = std::time::Instant::now();
        let mut pending = VecDeque::new();
        let settle = |ack: async_nats::jetstream::publish::PublishAck, out: &mut Published| {
            if out.first_sequence == 0 {
                out.first_sequence = ack.sequence;
            }
            out.last_sequence = ack.sequence;
        };
        for line in input.split(b'\n') {
            let line =
                line.map_err(|e| GateError::Setup(format!("cannot read the traffic: {e}")))?;
            let line = line.strip_suffix(b"\r").unwrap_or(&line).to_vec();
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let subject = match subject_of(&line, &mut acked) {
                Some(s) => s,
                None => {
                    out.not_messages += 1;
                    "charter.in._._._._".to_string()
                }
            };
            let ack = js
                .publish(subject, Bytes::from(line))
                .await
                .map_err(|e| failed("publish", &e))?;
            pending.push_back(ack);
            out.messages += 1;
            if let Some(rate) = rate.filter(|r| *r > 0) {
                // Paced: message k leaves at k / rate seconds.
                let due = started
                    + std::time::Duration::from_secs_f64(out.messages as f64 / f64::from(rate));
                let now = std::time::Instant::now();
                if due > now {
                    tokio::time::sleep(due - now).await;
                }
            }
            if pending.len() >= 4096 {
                if let Some(a) = pending.pop_front() {
                    let a = a.await.map_err(|e| failed("store a message", &e))?;
                    settle(a, &mut out);
                }
            }
        }
        while let Some(a) = pending.pop_front() {
            let a = a.await.map_err(|e| failed("store a message", &e))?;
            settle(a, &mut out);
        }
        Ok(out)
    })
}

/// A publish that failed after the server reported a permissions
/// violation was refused by the broker: say so.
fn refused_or(errors: &ServerErrors, what: &'static str, e: &dyn std::fmt::Display) -> GateError {
    // The server's error and the failed publish race; give it a moment.
    std::thread::sleep(std::time::Duration::from_millis(50));
    match errors.lock().unwrap_or_else(|p| p.into_inner()).clone() {
        Some(s) if s.to_ascii_lowercase().contains("permissions violation") => {
            GateError::Refused(s)
        }
        _ => GateError::nats(what, e),
    }
}

/// Stream counts: inbound messages, decision records, deliveries.
pub fn status_blocking(connection: &Connection) -> Result<serde_json::Value, GateError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| GateError::Setup(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async {
        let client = connect(connection).await?;
        let js = jetstream::new(client);
        let mut counts = serde_json::Map::new();
        for (name, stream) in [
            ("inbound", subjects::IN_STREAM),
            ("decisionRecords", subjects::DECISIONS_STREAM),
            ("deliveries", subjects::OUT_STREAM),
        ] {
            let n = match js.get_stream(stream).await {
                Ok(mut s) => {
                    s.info()
                        .await
                        .map_err(|e| GateError::nats("read a stream", e))?
                        .state
                        .messages
                }
                Err(_) => 0,
            };
            counts.insert(name.to_string(), n.into());
        }
        // Messages not yet decided: what the partitions' consumers have not
        // delivered or not had acknowledged (acknowledged once decided and
        // stored); absent while a partition has no worker.
        if let Ok(inbound) = js.get_stream(subjects::IN_STREAM).await {
            let info = inbound.cached_info();
            let partitions = info
                .config
                .subject_transform
                .as_ref()
                .and_then(|t| super::partitions_of(&t.destination))
                .unwrap_or(0);
            let mut undecided = Some(0u64);
            for p in 0..partitions {
                match inbound.consumer_info(format!("gate-p{p}")).await {
                    Ok(c) => {
                        undecided = undecided.map(|u| u + c.num_pending + c.num_ack_pending as u64)
                    }
                    Err(_) => undecided = None,
                }
            }
            if let Some(u) = undecided {
                counts.insert("undecided".to_string(), u.into());
            }
        }
        Ok(serde_json::Value::Object(counts))
    })
}

/// Every decision stored so far, ordered by inbound sequence (their
/// `line`), written as JSON Lines; returns how many.
pub fn decisions_blocking(connection: &Connection, mut out: impl Write) -> Result<u64, GateError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| GateError::Setup(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async {
        let client = connect(connection).await?;
        let js = jetstream::new(client);
        let mut stream = js
            .get_stream(subjects::DECISIONS_STREAM)
            .await
            .map_err(|e| GateError::nats("open the decisions stream", e))?;
        let last = stream
            .info()
            .await
            .map_err(|e| GateError::nats("read the decisions stream", e))?
            .state
            .last_sequence;
        let mut lines: Vec<(u64, Vec<u8>)> = Vec::new();
        if last > 0 {
            let ordered = stream
                .create_consumer(consumer::pull::OrderedConfig {
                    filter_subject: "charter.decisions.*".to_string(),
                    deliver_policy: consumer::DeliverPolicy::All,
                    ..Default::default()
                })
                .await
                .map_err(|e| GateError::nats("read the decisions", e))?;
            let mut messages = ordered
                .messages()
                .await
                .map_err(|e| GateError::nats("read the decisions", e))?;
            #[derive(serde::Deserialize)]
            struct Logged<'a> {
                #[serde(borrow)]
                decision: &'a RawValue,
            }
            #[derive(serde::Deserialize)]
            struct Line {
                line: u64,
            }
            while let Some(m) = messages.next().await {
                let m = m.map_err(|e| GateError::nats("read the decisions", e))?;
                let _ = m.headers.as_ref().and_then(|h| h.get(LAST_IN));
                for l in m.payload.split(|b| *b == b'\n') {
                    if let Ok(logged) = serde_json::from_slice::<Logged>(l) {
                        let d = logged.decision.get();
                        let n = serde_json::from_str::<Line>(d).map_or(0, |x| x.line);
                        lines.push((n, d.as_bytes().to_vec()));
                    }
                }
                if m.info().map_or(true, |i| i.stream_sequence >= last) {
                    break;
                }
            }
        }
        lines.sort_by_key(|(n, _)| *n);
        for (_, l) in &lines {
            out.write_all(l)
                .and_then(|()| out.write_all(b"\n"))
                .map_err(|e| GateError::Setup(format!("cannot write the decisions: {e}")))?;
        }
        Ok(lines.len() as u64)
    })
}
