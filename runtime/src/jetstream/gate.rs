//! A gate worker: decides the messages of the partitions it holds.
//!
//! Per partition, in a loop ([`run_partition`]):
//! 1. the partition's decisions so far are read back from
//!    `charter.decisions.<p>` and every logged message is decided again by
//!    a fresh [`Engine`] (the same recovery as `serve`'s decision log,
//!    [`crate::declog`]): duplicate memory, ordering, awaited acks,
//!    reconciliation and alert windows are as they were;
//! 2. the partition's durable consumer on `CHARTER_IN` is made anew,
//!    starting right after the last inbound message decided (so a crash
//!    never brings an older message back behind newer ones);
//! 3. messages are taken in stream order, up to `batch` at a time, and
//!    decided; the deliveries are published (`Nats-Msg-Id` = message id and
//!    target, so a delivery published again after a crash is dropped by the
//!    stream), then the batch's decisions as one record, fenced with
//!    `Nats-Expected-Last-Subject-Sequence`: a worker that lost its lease
//!    without knowing it has its write refused whole and stops; only then is
//!    the inbound batch acknowledged to JetStream.
//!
//! A message whose subject disagrees with it (entity, kind or key token)
//! is `invalid` (a publisher computing the wrong token would break per-key
//! order); one whose subject names another source is
//! `reject`/`source-mismatch`, as at the HTTP gate.

use super::subjects::{self, Stored};
use super::GateError;
use crate::declog::{append_line_by, restore_line};
use crate::engine::{write_decision, Decision, Engine, KeyValue, Limits, Verdict};
use crate::load::Compiled;
use crate::message::{id_of_invalid, parse_message, Kind};
use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Header of a decisions record: the last inbound stream sequence it decides.
pub const LAST_IN: &str = "Charter-Last-In";
/// Header of a decisions record: the first inbound stream sequence it decides.
pub const FIRST_IN: &str = "Charter-First-In";

/// What a worker counts (shared by its partitions).
#[derive(Debug, Default)]
pub struct Stats {
    pub decided: AtomicU64,
    pub batches: AtomicU64,
    pub deliveries: AtomicU64,
    pub rebuilt: AtomicU64,
    /// Publish-to-decision latencies, microseconds (the first million).
    pub latencies_us: Mutex<Vec<u32>>,
}

impl Stats {
    fn latency(&self, us: u32) {
        let mut l = self.latencies_us.lock().unwrap_or_else(|p| p.into_inner());
        if l.len() < 1_000_000 {
            l.push(us);
        }
    }

    /// `(p50, p99)` in milliseconds, when anything was decided.
    pub fn percentiles_ms(&self) -> Option<(f64, f64)> {
        let mut l = self
            .latencies_us
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if l.is_empty() {
            return None;
        }
        l.sort_unstable();
        let at = |q: f64| {
            let i = ((l.len() as f64 * q).ceil() as usize).clamp(1, l.len()) - 1;
            f64::from(l[i]) / 1000.0
        };
        Some((at(0.5), at(0.99)))
    }
}

/// How a partition is worked.
#[derive(Debug, Clone, Copy)]
pub struct PartitionOptions {
    pub batch: usize,
    pub limits: Limits,
}

fn now_ns() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// Reads back the decisions of `partition` into `engine`; returns the
/// sequence of its last decisions record (0: none) and the last inbound
/// sequence decided.
pub async fn rebuild(
    js: &jetstream::Context,
    partition: u32,
    engine: &mut Engine,
) -> Result<(u64, u64, u64), GateError> {
    let decisions = js
        .get_stream(subjects::DECISIONS_STREAM)
        .await
        .map_err(|e| GateError::nats("open the decisions stream", e))?;
    let subject = subjects::decisions(partition);
    let last = match decisions
        .get_last_raw_message_by_subject(subject.as_str())
        .await
    {
        Ok(m) => m,
        Err(e) if e.kind() == stream::LastRawMessageErrorKind::NoMessageFound => {
            return Ok((0, 0, 0))
        }
        Err(e) => return Err(GateError::nats("read the last decisions", e)),
    };
    let last_in = header_u64(&last.headers, LAST_IN).unwrap_or(0);
    let ordered = decisions
        .create_consumer(consumer::pull::OrderedConfig {
            filter_subject: subject,
            deliver_policy: consumer::DeliverPolicy::All,
            ..Default::default()
        })
        .await
        .map_err(|e| GateError::nats("read the decisions back", e))?;
    let mut messages = ordered
        .messages()
        .await
        .map_err(|e| GateError::nats("read the decisions back", e))?;
    let mut restored = 0u64;
    while let Some(m) = messages.next().await {
        let m = m.map_err(|e| GateError::nats("read the decisions back", e))?;
        for line in m.payload.split(|b| *b == b'\n') {
            if !line.is_empty() && restore_line(line, engine).is_some() {
                restored += 1;
            }
        }
        let seq = m.info().map(|i| i.stream_sequence).unwrap_or(u64::MAX);
        if seq >= last.sequence {
            break;
        }
    }
    Ok((last.sequence, last_in, restored))
}

fn header_u64(h: &async_nats::HeaderMap, name: &str) -> Option<u64> {
    h.get(name).and_then(|v| v.as_str().parse().ok())
}

/// Works one partition until `stop` turns true or its lease is found lost
/// (a fenced write: [`GateError::Fenced`]).
pub async fn run_partition(
    js: jetstream::Context,
    cfg: Arc<Compiled>,
    partition: u32,
    opts: PartitionOptions,
    stats: Arc<Stats>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), GateError> {
    let mut engine = Engine::with_limits(Arc::clone(&cfg), opts.limits);
    let (mut last_seq, last_in, restored) = rebuild(&js, partition, &mut engine).await?;
    stats.rebuilt.fetch_add(restored, Ordering::Relaxed);
    let inbound = js
        .get_stream(subjects::IN_STREAM)
        .await
        .map_err(|e| GateError::nats("open the inbound stream", e))?;
    let name = format!("gate-p{partition}");
    let _ = inbound.delete_consumer(&name).await;
    let pull = inbound
        .create_consumer(consumer::pull::Config {
            durable_name: Some(name.clone()),
            filter_subject: subjects::partition_filter(partition),
            deliver_policy: consumer::DeliverPolicy::ByStartSequence {
                start_sequence: last_in + 1,
            },
            ack_policy: consumer::AckPolicy::All,
            ack_wait: Duration::from_secs(60),
            max_ack_pending: 100_000,
            ..Default::default()
        })
        .await
        .map_err(|e| GateError::nats("create the partition's consumer", e))?;
    let mut messages = pull
        .stream()
        .max_messages_per_batch(opts.batch.max(1))
        .messages()
        .await
        .map_err(|e| GateError::nats("consume the partition", e))?;
    let mut batch: Vec<jetstream::Message> = Vec::with_capacity(opts.batch);
    loop {
        batch.clear();
        tokio::select! {
            biased;
            _ = stop.changed() => {
                if *stop.borrow() { return Ok(()); }
                continue;
            }
            next = messages.next() => match next {
                Some(Ok(m)) => batch.push(m),
                Some(Err(e)) => return Err(GateError::nats("consume the partition", e)),
                None => return Err(GateError::Closed),
            },
        }
        while batch.len() < opts.batch {
            match messages.next().now_or_never() {
                Some(Some(Ok(m))) => batch.push(m),
                Some(Some(Err(e))) => return Err(GateError::nats("consume the partition", e)),
                _ => break,
            }
        }
        last_seq =
            decide_batch(&js, &cfg, &mut engine, partition, last_seq, &batch, &stats).await?;
        if let Some(last) = batch.last() {
            last.ack()
                .await
                .map_err(|e| GateError::nats("acknowledge the inbound batch", e))?;
        }
    }
}

struct Out {
    subject: String,
    msg_id: String,
    payload: Bytes,
    entity: String,
    token: String,
    source: String,
    key: Option<String>,
}

/// Decides one batch, publishes its deliveries and then its decisions
/// (fenced); returns the decisions record's sequence.
async fn decide_batch(
    js: &jetstream::Context,
    cfg: &Compiled,
    engine: &mut Engine,
    partition: u32,
    last_seq: u64,
    batch: &[jetstream::Message],
    stats: &Stats,
) -> Result<u64, GateError> {
    let mut lines = Vec::with_capacity(batch.len() * 384);
    let mut one = Vec::with_capacity(256);
    let mut outs: Vec<Out> = Vec::new();
    let mut first_in = 0;
    let mut last_in = 0;
    let mut published = Vec::with_capacity(batch.len());
    for m in batch {
        let (seq, at) = match m.info() {
            Ok(i) => (i.stream_sequence, i.published.unix_timestamp_nanos()),
            // Not a JetStream delivery (no stream sequence): nothing is
            // stored or acknowledged for this batch; the partition is let go
            // and taken again from the stored position.
            Err(e) => return Err(GateError::nats("read an inbound message's position", e)),
        };
        if first_in == 0 {
            first_in = seq;
        }
        last_in = seq;
        published.push(at);
        one.clear();
        let stored = subjects::parse_stored(m.subject.as_str());
        let payload: &[u8] = &m.payload;
        match (stored, parse_message(payload)) {
            (Some(st), Ok(msg)) => {
                if let Some(problem) = disagreement(&st, &msg) {
                    engine.count_invalid(&problem, Some(&msg.id));
                    write_decision(
                        &mut one,
                        cfg,
                        seq,
                        Some(&msg.id),
                        &Decision::invalid(),
                        Some(&problem),
                    );
                    append_line_by(&mut lines, &one, None, None);
                    continue;
                }
                let d = crate::identity::decide_as(engine, &msg, Some(st.source));
                write_decision(&mut one, cfg, seq, Some(&msg.id), &d, None);
                let raw = serde_json::from_slice::<&serde_json::value::RawValue>(payload).ok();
                append_line_by(&mut lines, &one, raw, Some(st.source));
                if matches!(d.verdict, Verdict::Accept | Verdict::Flag) {
                    for dl in &d.deliveries {
                        let target = cfg
                            .system_ids
                            .get(dl.to as usize)
                            .map_or("", String::as_str);
                        outs.push(Out {
                            subject: subjects::delivery(target, &msg.entity),
                            msg_id: format!("{}:{target}", msg.id),
                            payload: Bytes::copy_from_slice(payload),
                            entity: msg.entity.to_string(),
                            token: st.token.to_string(),
                            source: msg.source.to_string(),
                            key: dl.idempotency_key.map(|k| match k {
                                KeyValue::Field(serde_json::Value::String(s)) => s.clone(),
                                KeyValue::Field(v) => v.to_string(),
                                KeyValue::MessageKey(s) => s.to_string(),
                            }),
                        });
                    }
                }
            }
            (_, Err(e)) => {
                let id = id_of_invalid(payload);
                engine.count_invalid(&e.0, id.as_deref());
                write_decision(
                    &mut one,
                    cfg,
                    seq,
                    id.as_deref(),
                    &Decision::invalid(),
                    Some(&e.0),
                );
                append_line_by(&mut lines, &one, None, None);
            }
            (None, Ok(msg)) => {
                let problem = format!(
                    "subject `{}` is not a partitioned inbound subject",
                    m.subject
                );
                engine.count_invalid(&problem, Some(&msg.id));
                write_decision(
                    &mut one,
                    cfg,
                    seq,
                    Some(&msg.id),
                    &Decision::invalid(),
                    Some(&problem),
                );
                append_line_by(&mut lines, &one, None, None);
            }
        }
    }
    if first_in == 0 {
        return Ok(last_seq);
    }
    // Deliveries first, all in flight together; a crash after them and
    // before the decisions record decides the batch again and publishes
    // the same deliveries, which the stream drops as duplicates.
    let mut acks = Vec::with_capacity(outs.len());
    for o in outs {
        let mut p = jetstream::message::PublishMessage::build()
            .payload(o.payload)
            .message_id(&o.msg_id)
            .header("Charter-Entity", o.entity.as_str())
            .header("Charter-Key-Token", o.token.as_str())
            .header("Charter-Source", o.source.as_str());
        if let Some(k) = &o.key {
            if !k.contains(['\r', '\n']) {
                p = p.header("Charter-Idempotency-Key", k.as_str());
            }
        }
        acks.push(
            js.send_publish(o.subject, p)
                .await
                .map_err(|e| GateError::nats("publish a delivery", e))?,
        );
    }
    let n_out = acks.len() as u64;
    for a in acks {
        a.await
            .map_err(|e| GateError::nats("store a delivery", e))?;
    }
    let record = jetstream::message::PublishMessage::build()
        .payload(Bytes::from(lines))
        .message_id(format!("p{partition}-{last_in}"))
        .header(FIRST_IN, first_in.to_string().as_str())
        .header(LAST_IN, last_in.to_string().as_str())
        .expected_last_subject_sequence(last_seq);
    let ack = js
        .send_publish(subjects::decisions(partition), record)
        .await
        .map_err(|e| GateError::nats("publish decisions", e))?
        .await
        .map_err(|e| {
            if e.kind() == jetstream::context::PublishErrorKind::WrongLastSequence {
                GateError::Fenced(partition)
            } else {
                GateError::nats("store decisions", e)
            }
        })?;
    let now = now_ns();
    for at in published {
        stats.latency(u32::try_from(((now - at).max(0)) / 1000).unwrap_or(u32::MAX));
    }
    stats
        .decided
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    stats.batches.fetch_add(1, Ordering::Relaxed);
    stats.deliveries.fetch_add(n_out, Ordering::Relaxed);
    Ok(ack.sequence)
}

/// Why a stored subject does not match its message (`None`: it does).
fn disagreement(st: &Stored<'_>, msg: &crate::message::Message<'_>) -> Option<String> {
    let kind = match msg.kind {
        Kind::Event => "event",
        Kind::Request => "request",
        Kind::State => "state",
        Kind::Ack => "ack",
    };
    if st.kind != kind {
        return Some(format!(
            "published as `{}` on the subject but the message is a `{kind}`",
            st.kind
        ));
    }
    if msg.kind == Kind::Ack {
        return None;
    }
    if st.entity != msg.entity {
        return Some(format!(
            "published for entity `{}` on the subject but the message is about `{}`",
            st.entity, msg.entity
        ));
    }
    let token = subjects::key_token(Some(&msg.key));
    if st.token != token {
        return Some(format!(
            "subject key token `{}` is not the message key's (`{token}`)",
            st.token
        ));
    }
    None
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    fn stored<'a>(entity: &'a str, kind: &'a str, token: &'a str) -> Stored<'a> {
        Stored {
            partition: 0,
            source: "erp",
            entity,
            kind,
            token,
        }
    }

    #[test]
    fn a_subject_must_agree_with_its_message() {
        let line = br#"{"id":"m-1","at":"2026-03-01T10:00:00Z","source":"erp","kind":"event","entity":"stock","key":"SKU-1","op":"upsert","data":{}}"#;
        let msg = match parse_message(line) {
            Ok(m) => m,
            Err(e) => panic!("{}", e.0),
        };
        let token = subjects::key_token(Some("SKU-1"));
        assert_eq!(disagreement(&stored("stock", "event", &token), &msg), None);
        assert!(disagreement(&stored("order", "event", &token), &msg)
            .is_some_and(|p| p.contains("`order`")));
        assert!(disagreement(&stored("stock", "state", &token), &msg)
            .is_some_and(|p| p.contains("`state`")));
        assert!(
            disagreement(&stored("stock", "event", "k0000000000000000"), &msg)
                .is_some_and(|p| p.contains("key token"))
        );
        // An ack travels with the entity and token of the delivery it settles.
        let ack =
            br#"{"id":"a-1","at":"2026-03-01T10:00:01Z","source":"shop","kind":"ack","ref":"m-1"}"#;
        let ack = match parse_message(ack) {
            Ok(m) => m,
            Err(e) => panic!("{}", e.0),
        };
        assert_eq!(disagreement(&stored("stock", "ack", &token), &ack), None);
    }
}
