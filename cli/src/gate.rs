//! `charter gate CONFIG --nats URL`: a JetStream gate worker (or, with
//! `--aggregate --listen ADDR`, the aggregator of exceptions, incidents,
//! alerts and metrics across workers); `charter nats permissions|publish|
//! decisions`. See charter_runtime::jetstream and docs/jetstream.md.

use charter_runtime::jetstream::{
    self, aggregate, permissions, tools, worker, Connection, GateError, Layout,
};
use charter_runtime::{Compiled, Limits};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How to reach NATS.
#[derive(Args, Clone)]
pub struct Nats {
    /// The NATS server(s), e.g. nats://127.0.0.1:4222 (a cluster: comma-separated).
    #[arg(long = "nats", value_name = "URL")]
    pub url: String,
    /// Connect as this user; the password is read from the environment
    /// variable CHARTER_NATS_PASSWORD (never from the command line).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
}

impl Nats {
    fn connection(&self, inbox: Option<String>) -> Result<Connection, String> {
        let mut c = Connection::new(&self.url);
        if let Some(user) = &self.user {
            let password = std::env::var("CHARTER_NATS_PASSWORD").map_err(|_| {
                format!("--user {user}: set the password in the environment variable CHARTER_NATS_PASSWORD")
            })?;
            c.credentials = Some((user.clone(), password));
        }
        if let Some(inbox) = inbox {
            c.inbox = inbox;
        }
        Ok(c)
    }
}

#[derive(Args)]
pub struct GateArgs {
    pub config: PathBuf,
    #[command(flatten)]
    pub nats: Nats,
    /// Partitions of the inbound stream (every worker the same; fixed when the
    /// stream is first made).
    #[arg(long, default_value_t = 8)]
    pub partitions: u32,
    /// This worker's name (default: w<pid>-<random>).
    #[arg(long)]
    pub worker: Option<String>,
    /// Largest number of messages decided and stored together.
    #[arg(long, default_value_t = 512)]
    pub batch: usize,
    /// Seconds after which a worker's unrenewed partitions are taken over.
    #[arg(long, default_value_t = 3)]
    pub lease_seconds: u64,
    /// Days inbound messages, decisions and deliveries are kept (a partition's
    /// state is rebuilt from its kept decisions).
    #[arg(long, default_value_t = 7)]
    pub retention_days: u64,
    /// Copies of each stream on a nats-server cluster (3 in production).
    #[arg(long, default_value_t = 1)]
    pub replicas: usize,
    /// Run the aggregator instead of a worker: exceptions, incidents, alerts
    /// and metrics of all workers over HTTP (needs --listen).
    #[arg(long)]
    pub aggregate: bool,
    /// The aggregator's HTTP address.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

#[derive(Subcommand)]
pub enum NatsAction {
    /// Write the nats-server `authorization` block compiled from ownership.
    Permissions {
        config: PathBuf,
        /// Write to FILE (atomically) instead of stdout.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Publish recorded traffic (JSON Lines) to the gate's inbound subjects.
    Publish {
        traffic: PathBuf,
        #[command(flatten)]
        nats: Nats,
        /// At most this many messages per second (default: as fast as the
        /// broker stores them).
        #[arg(long)]
        rate: Option<u32>,
    },
    /// Message counts of the gate's streams (inbound, decision records,
    /// deliveries), as JSON.
    Status {
        #[command(flatten)]
        nats: Nats,
    },
    /// Write every decision stored so far (JSON Lines, by inbound sequence).
    Decisions {
        #[command(flatten)]
        nats: Nats,
        /// Write to FILE instead of stdout.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
}

fn fail(e: &str) -> u8 {
    crate::check::err(&crate::check::one_line(e));
    2
}

pub fn run_gate(a: &GateArgs) -> u8 {
    let connection = match a.nats.connection(None) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    if a.partitions == 0 || a.partitions > 1024 {
        return fail("--partitions must be between 1 and 1024");
    }
    if a.aggregate {
        let Some(listen) = &a.listen else {
            return fail("--aggregate needs --listen ADDR");
        };
        let result = aggregate::run_blocking(&a.config, &connection, listen, |addr| {
            let mut out = std::io::stdout();
            let _ = writeln!(out, "aggregating on http://{addr}");
            let _ = out.flush();
        });
        return match result {
            Ok(()) => 0,
            Err(e) => fail(&e.to_string()),
        };
    }
    let name = a.worker.clone().unwrap_or_else(worker::default_name);
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return fail(&format!(
            "--worker `{name}`: letters, digits, `-` and `_` only"
        ));
    }
    let opts = worker::WorkerOptions {
        config: a.config.clone(),
        connection,
        layout: Layout {
            partitions: a.partitions,
            retention: Duration::from_secs(a.retention_days.max(1) * 24 * 3600),
            lease: Duration::from_secs(a.lease_seconds.max(1)),
            replicas: a.replicas.clamp(1, 5),
            ..Layout::default()
        },
        worker: name.clone(),
        batch: a.batch.clamp(1, 10_000),
        limits: per_partition(a.partitions),
    };
    let url = a.nats.url.clone();
    let result = worker::run_blocking(&opts, |event| {
        let mut out = std::io::stdout();
        match event {
            worker::Event::Ready { server } => {
                let _ = writeln!(
                    out,
                    "gate {name} on {url} (nats-server {server}, {} partitions)",
                    opts.layout.partitions
                );
            }
            worker::Event::Holding(ps) => {
                let list: Vec<String> = ps.iter().map(u32::to_string).collect();
                let _ = writeln!(out, "holding partitions [{}]", list.join(","));
            }
            worker::Event::Dropped { partition, error } => {
                eprintln!("charter gate: partition {partition} let go: {error}");
            }
        }
        let _ = out.flush();
    });
    match result {
        Ok(stats) => {
            use std::sync::atomic::Ordering::Relaxed;
            let pct = stats
                .percentiles_ms()
                .map(|(p50, p99)| format!("; publish to decision p50 {p50:.1} ms, p99 {p99:.1} ms"))
                .unwrap_or_default();
            eprintln!(
                "charter gate: {name} decided {} messages in {} batches, published {} deliveries, restored {} decisions{pct}",
                stats.decided.load(Relaxed),
                stats.batches.load(Relaxed),
                stats.deliveries.load(Relaxed),
                stats.rebuilt.load(Relaxed),
            );
            0
        }
        Err(e) => fail(&e.to_string()),
    }
}

/// One engine per partition: `serve`'s bounds shared out, so that a worker
/// holding every partition holds what one `serve` does (each bound at least
/// 65,536 entries, or 16,384 reconciliation keys per rule).
fn per_partition(partitions: u32) -> Limits {
    let d = Limits::default();
    let share = |n: usize, floor: usize| (n / partitions.max(1) as usize).max(floor);
    Limits {
        duplicate_ids: share(d.duplicate_ids, 65_536),
        reconcile_keys_per_rule: share(d.reconcile_keys_per_rule, 16_384),
        outstanding_acks: share(d.outstanding_acks, 65_536),
        ordered_keys: share(d.ordered_keys, 65_536),
    }
}

fn write_atomic(path: &Path, text: &[u8]) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile_in(dir).map_err(|e| format!("{}: {e}", path.display()))?;
    tmp.1
        .write_all(text)
        .and_then(|()| tmp.1.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    std::fs::rename(&tmp.0, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp.0);
        format!("{}: {e}", path.display())
    })
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    for i in 0..100u32 {
        let p = dir.join(format!(".charter-{}-{i}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no temporary file name free"))
}

pub fn run_nats(action: NatsAction) -> u8 {
    match action {
        NatsAction::Permissions { config, output } => {
            let cfg = match Compiled::load_file(&config) {
                Ok(c) => c,
                Err(e) => return fail(&e.to_string()),
            };
            let text = match permissions::authorization_block(&cfg) {
                Ok(t) => t,
                Err(e) => return fail(&format!("{}: {e}", config.display())),
            };
            match output {
                None => {
                    let mut out = std::io::stdout();
                    let _ = out.write_all(text.as_bytes());
                    0
                }
                Some(path) => match write_atomic(&path, text.as_bytes()) {
                    Ok(()) => 0,
                    Err(e) => fail(&e),
                },
            }
        }
        NatsAction::Publish {
            traffic,
            nats,
            rate,
        } => {
            let connection = match nats.connection(
                nats.user
                    .as_ref()
                    .map(|u| jetstream::subjects::inbox_prefix(u)),
            ) {
                Ok(c) => c,
                Err(e) => return fail(&e),
            };
            let file = match std::fs::File::open(&traffic) {
                Ok(f) => f,
                Err(e) => return fail(&format!("{}: cannot read: {e}", traffic.display())),
            };
            match tools::publish_blocking(
                &connection,
                std::io::BufReader::with_capacity(1 << 20, file),
                rate,
            ) {
                Ok(p) => {
                    println!(
                        "published {} messages from {} (stream sequences {}..{}){}",
                        p.messages,
                        traffic.display(),
                        p.first_sequence,
                        p.last_sequence,
                        if p.not_messages > 0 {
                            format!(", {} lines not messages", p.not_messages)
                        } else {
                            String::new()
                        }
                    );
                    0
                }
                Err(e) => fail(&format!("{}: {e}", traffic.display())),
            }
        }
        NatsAction::Status { nats } => {
            let connection = match nats.connection(None) {
                Ok(c) => c,
                Err(e) => return fail(&e),
            };
            match tools::status_blocking(&connection) {
                Ok(v) => {
                    println!("{v}");
                    0
                }
                Err(e) => fail(&e.to_string()),
            }
        }
        NatsAction::Decisions { nats, output } => {
            let connection = match nats.connection(None) {
                Ok(c) => c,
                Err(e) => return fail(&e),
            };
            let result: Result<u64, GateError> = match &output {
                None => tools::decisions_blocking(
                    &connection,
                    std::io::BufWriter::new(std::io::stdout().lock()),
                ),
                Some(p) => match std::fs::File::create(p) {
                    Ok(f) => tools::decisions_blocking(&connection, std::io::BufWriter::new(f)),
                    Err(e) => return fail(&format!("{}: {e}", p.display())),
                },
            };
            match result {
                Ok(_) => 0,
                Err(e) => fail(&e.to_string()),
            }
        }
    }
}
