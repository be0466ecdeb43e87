//! A gate worker process: holds partition leases and works them.
//!
//! Leases live in the key-value bucket `charter-gate`, whose entries expire
//! when not renewed for [`super::Layout::lease`] (the bucket's `max_age`):
//! - `w.<worker>`: each worker's heartbeat, renewed every third of the lease;
//! - `p.<partition>`: the worker holding a partition; taken with a create
//!   (refused while another holds it), renewed with a compare-and-set on its
//!   revision (refused once it expired and someone else took it).
//!
//! Every round a worker counts the live workers and aims at
//! ⌈partitions ÷ workers⌉: it takes free partitions below that and lets the
//! extra ones go above it (stopping their work first, then deleting the
//! lease). A killed worker's leases expire and the others take them; a
//! restarted one takes its share back as the others let go. A worker that
//! was only paused and comes back finds its next decisions write refused
//! (see [`super::gate`]): leases decide who works, the fence decides what
//! is kept.

use super::gate::{run_partition, PartitionOptions, Stats};
use super::{connect, ensure_layout, Connection, GateError, Layout};
use crate::engine::Limits;
use crate::load::Compiled;
use async_nats::jetstream::{self, kv};
use bytes::Bytes;
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What `charter gate` needs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub config: PathBuf,
    pub connection: Connection,
    pub layout: Layout,
    /// This worker's name (key-value key characters only).
    pub worker: String,
    /// Largest number of messages decided together.
    pub batch: usize,
    pub limits: Limits,
}

/// What a worker reports as it goes.
#[derive(Debug, Clone)]
pub enum Event {
    /// Connected, streams ready.
    Ready { server: String },
    /// The partitions held now.
    Holding(Vec<u32>),
    /// A partition's work stopped with an error (it is let go and may be
    /// taken again).
    Dropped { partition: u32, error: String },
}

struct Held {
    revision: u64,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), GateError>>,
}

/// A worker name: `w` and the process id and 32 random bits.
pub fn default_name() -> String {
    let mut r = [0u8; 4];
    let _ = getrandom::fill(&mut r);
    format!("w{}-{:08x}", std::process::id(), u32::from_le_bytes(r))
}

pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn live_workers(store: &kv::Store) -> usize {
    let Ok(mut keys) = store.keys().await else {
        return 1;
    };
    let mut n = 0;
    while let Some(k) = keys.next().await {
        if k.is_ok_and(|k| k.starts_with("w.")) {
            n += 1;
        }
    }
    n.max(1)
}

/// Lets a partition go: its work stopped first, then (when `delete`) the
/// lease released.
async fn stop(p: u32, h: Held, store: &kv::Store, delete: bool) {
    let _ = h.stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), h.task).await;
    if delete {
        release(store, p, h.revision).await;
    }
}

/// Deletes partition `p`'s lease only if it is still the one this worker
/// took (its revision): a fenced worker's lease may have been taken since.
async fn release(store: &kv::Store, p: u32, revision: u64) {
    let _ = store
        .delete_expect_revision(format!("p.{p}"), Some(revision))
        .await;
}

/// Runs a worker until SIGTERM/SIGINT; `report` hears what happens.
pub fn run_blocking(
    opts: &WorkerOptions,
    mut report: impl FnMut(Event),
) -> Result<Arc<Stats>, GateError> {
    let cfg = Arc::new(Compiled::load_file(&opts.config)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| GateError::Setup(format!("cannot start the runtime: {e}")))?;
    let stats = Arc::new(Stats::default());
    rt.block_on(async {
        let client = connect(&opts.connection).await?;
        let js = jetstream::new(client.clone());
        let store = ensure_layout(&js, &opts.layout, &cfg.system_ids).await?;
        report(Event::Ready {
            server: client.server_info().version,
        });
        let me = Bytes::from(opts.worker.clone());
        let heartbeat = format!("w.{}", opts.worker);
        let partitions = opts.layout.partitions;
        let popts = PartitionOptions {
            batch: opts.batch,
            limits: opts.limits,
        };
        // Workers start their search at different partitions.
        let offset = opts
            .worker
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        let mut held: BTreeMap<u32, Held> = BTreeMap::new();
        let mut every = tokio::time::interval(opts.layout.lease / 3);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let stopped = shutdown_signal();
        tokio::pin!(stopped);
        let mut last_report: Option<Vec<u32>> = None;
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                _ = every.tick() => {}
            }
            let _ = store.put(&heartbeat, me.clone()).await;
            // Renew; a lease found taken is lost: stop at once.
            let mut lost = Vec::new();
            for (p, h) in held.iter_mut() {
                match store.update(format!("p.{p}"), me.clone(), h.revision).await {
                    Ok(r) => h.revision = r,
                    Err(_) => lost.push(*p),
                }
            }
            for p in lost {
                if let Some(h) = held.remove(&p) {
                    stop(p, h, &store, false).await;
                }
            }
            // Work that ended by itself (an error): let the partition go.
            let ended: Vec<u32> = held
                .iter()
                .filter(|(_, h)| h.task.is_finished())
                .map(|(p, _)| *p)
                .collect();
            for p in ended {
                if let Some(h) = held.remove(&p) {
                    let revision = h.revision;
                    let error = match h.task.await {
                        Ok(Ok(())) => "stopped".to_string(),
                        Ok(Err(e)) => e.to_string(),
                        Err(e) => e.to_string(),
                    };
                    report(Event::Dropped {
                        partition: p,
                        error,
                    });
                    release(&store, p, revision).await;
                }
            }
            let live = live_workers(&store).await as u32;
            let target = partitions.div_ceil(live.max(1)) as usize;
            if held.len() < target {
                for i in 0..partitions {
                    if held.len() >= target {
                        break;
                    }
                    let p = (offset.wrapping_add(i)) % partitions;
                    if held.contains_key(&p) {
                        continue;
                    }
                    if let Ok(revision) = store.create(format!("p.{p}"), me.clone()).await {
                        let (tx, rx) = tokio::sync::watch::channel(false);
                        let task = tokio::spawn(run_partition(
                            js.clone(),
                            Arc::clone(&cfg),
                            p,
                            popts,
                            Arc::clone(&stats),
                            rx,
                        ));
                        held.insert(
                            p,
                            Held {
                                revision,
                                stop: tx,
                                task,
                            },
                        );
                    }
                }
            } else if held.len() > target {
                let extra: Vec<u32> = held
                    .keys()
                    .rev()
                    .take(held.len() - target)
                    .copied()
                    .collect();
                for p in extra {
                    if let Some(h) = held.remove(&p) {
                        stop(p, h, &store, true).await;
                    }
                }
            }
            let now: Vec<u32> = held.keys().copied().collect();
            if last_report.as_ref() != Some(&now) {
                report(Event::Holding(now.clone()));
                last_report = Some(now);
            }
        }
        for (p, h) in std::mem::take(&mut held) {
            stop(p, h, &store, true).await;
        }
        let _ = store.delete(&heartbeat).await;
        let _ = client.flush().await;
        Ok::<(), GateError>(())
    })?;
    Ok(stats)
}
