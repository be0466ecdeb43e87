//! Exceptions, incidents, alerts and metrics across gate workers
//! (`charter gate CONFIG --nats URL --aggregate --listen ADDR`).
//!
//! One small consumer reads `CHARTER_DECISIONS` from the start, in stream
//! order, and restores every stored decision into one engine (the same
//! restore as `serve`'s crash recovery): the messages of one entity key
//! arrive in their partition's order, so acks, ordering and reconciliation
//! are judged as the workers judged them; alert windows and incidents,
//! which span partitions, are judged here once for all of them. The HTTP
//! view is `serve`'s, read-only ([`crate::server::Observer`]).

use super::{connect, subjects, Connection, GateError};
use crate::engine::Limits;
use crate::load::Compiled;
use crate::server::Observer;
use async_nats::jetstream::{self, consumer};
use futures_util::StreamExt;
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
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await;
        feeder.abort();
        served.map_err(|e| GateError::Setup(format!("server error: {e}")))
    })
}
