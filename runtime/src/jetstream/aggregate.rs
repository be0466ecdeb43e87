//! Exceptions, incidents, alerts and metrics across gate workers
//! (`charter gate CONFIG --nats URL --aggregate --listen ADDR`).
//!
//! One small consumer reads `CHARTER_DECISIONS` from the start and restores
//! every stored decision into one engine (the same restore as `serve`'s
//! crash recovery): the messages of one entity key arrive in their
//! partition's order, so acks, ordering and reconciliation are judged as the
//! workers judged them; alert windows and incidents, which span partitions,
//! are judged here once for all of them. The HTTP view is `serve`'s,
//! read-only ([`crate::server::Observer`]).
//!
//! Time: the engine's clock is the latest message time it has seen, and
//! partitions are decided at their own pace (one taken over after a crash
//! catches up minutes behind the others). So the decisions already stored
//! when the aggregator starts are merged across partitions by message time
//! (each partition's own order kept) before they are restored: a lagging
//! partition's acks are not judged late against another's clock. What
//! arrives afterwards is restored as it arrives; live, partitions stay
//! within seconds of each other, well inside ack deadlines and windows.

use super::{connect, subjects, Connection, GateError};
use crate::engine::Limits;
use crate::load::Compiled;
use crate::server::Observer;
use async_nats::jetstream::{self, consumer};
use futures_util::StreamExt;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// Runs the aggregator until SIGTERM/SIGINT; `ready` hears the address.
pub fn run_blocking(
    config: &Path,
    connection: &Connection,
    listen: &str,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), GateError> {
    let cfg = Arc::new(Compiled::load_file(config)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| GateError::Setup(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async {
        let client = connect(connection).await?;
        let js = jetstream::new(client);
        let decisions = js
            .get_stream(subjects::DECISIONS_STREAM)
            .await
            .map_err(|e| {
                GateError::nats("open the decisions stream (start a gate worker first)", e)
            })?;
        let observer = Arc::new(Observer::new(Arc::clone(&cfg), Limits::default()));
        let ordered = decisions
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
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| GateError::Setup(format!("cannot listen on {listen}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| GateError::Setup(format!("cannot listen on {listen}: {e}")))?;
        let backlog = decisions
            .get_info()
            .await
            .map_err(|e| GateError::nats("read the decisions stream", e))?
            .state
            .last_sequence;
        let mut stored: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
        if backlog > 0 {
            while let Some(m) = messages.next().await {
                let m = m.map_err(|e| GateError::nats("read the decisions", e))?;
                let lines = stored.entry(m.subject.to_string()).or_default();
                lines.extend(
                    m.payload
                        .split(|b| *b == b'\n')
                        .filter(|l| !l.is_empty())
                        .map(<[u8]>::to_vec),
                );
                if m.info().map_or(true, |i| i.stream_sequence >= backlog) {
                    break;
                }
            }
        }
        for line in merge_by_time(stored.into_values().collect()) {
            observer.restore(&line);
        }
        let feeding = Arc::clone(&observer);
        let feeder = tokio::spawn(async move {
            while let Some(m) = messages.next().await {
                let Ok(m) = m else { continue };
                for line in m.payload.split(|b| *b == b'\n') {
                    if !line.is_empty() {
                        feeding.restore(line);
                    }
                }
            }
        });
        ready(addr);
        let served = axum::serve(listener, observer.router())
            .with_graceful_shutdown(super::worker::shutdown_signal())
            .await;
        feeder.abort();
        served.map_err(|e| GateError::Setup(format!("server error: {e}")))
    })
}

/// The message time of a decision-log line (`None`: no message).
fn at_of(line: &[u8]) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct At<'a> {
        #[serde(borrow)]
        at: std::borrow::Cow<'a, str>,
    }
    #[derive(serde::Deserialize)]
    struct Logged<'a> {
        #[serde(borrow)]
        message: Option<At<'a>>,
    }
    let l: Logged = serde_json::from_slice(line).ok()?;
    crate::time::parse_rfc3339_ms(&l.message?.at)
}

/// Merges per-partition sequences of lines by message time, keeping each
/// partition's order (a line without a time goes with the one before it).
pub fn merge_by_time(parts: Vec<Vec<Vec<u8>>>) -> Vec<Vec<u8>> {
    let total = parts.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(total);
    let mut heads: Vec<(std::vec::IntoIter<Vec<u8>>, i64)> = parts
        .into_iter()
        .map(|p| (p.into_iter(), i64::MIN))
        .collect();
    let mut heap = BinaryHeap::new();
    let mut pending: Vec<Option<Vec<u8>>> = vec![None; heads.len()];
    for (i, (it, last)) in heads.iter_mut().enumerate() {
        if let Some(line) = it.next() {
            let at = at_of(&line).unwrap_or(*last);
            *last = at;
            heap.push(Reverse((at, i)));
            pending[i] = Some(line);
        }
    }
    while let Some(Reverse((_, i))) = heap.pop() {
        if let Some(line) = pending[i].take() {
            out.push(line);
        }
        let (it, last) = &mut heads[i];
        if let Some(line) = it.next() {
            let at = at_of(&line).unwrap_or(*last).max(*last);
            *last = at;
            heap.push(Reverse((at, i)));
            pending[i] = Some(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, at: &str) -> Vec<u8> {
        format!(r#"{{"decision":{{"id":"{id}"}},"message":{{"id":"{id}","at":"{at}"}}}}"#)
            .into_bytes()
    }

    #[test]
    fn partitions_merge_by_time_keeping_their_own_order() {
        let a = vec![
            line("a1", "2026-01-01T00:00:01Z"),
            line("a2", "2026-01-01T00:00:05Z"),
        ];
        // b's second line is older than its first: it stays after it.
        let b = vec![
            line("b1", "2026-01-01T00:00:03Z"),
            line("b2", "2026-01-01T00:00:02Z"),
            br#"{"decision":{"id":null},"message":null}"#.to_vec(),
        ];
        let merged: Vec<String> = merge_by_time(vec![a, b])
            .into_iter()
            .map(|l| String::from_utf8(l).unwrap_or_default())
            .map(|l| l.split('"').nth(5).unwrap_or("").to_string())
            .collect();
        assert_eq!(merged, ["a1", "b1", "b2", "message", "a2"]);
    }
}
