//! The gate beyond one machine: Charter on NATS JetStream
//! (`charter gate CONFIG --nats URL`; docs/jetstream.md).
//!
//! - [`subjects`]: the subject scheme, streams and key tokens;
//! - [`gate`]: one partition decided by one worker, rebuilt from the
//!   decisions stream, fenced writes;
//! - [`worker`]: partition leases in a key-value bucket, handed over when a
//!   worker dies or joins;
//! - [`aggregate`]: exceptions, incidents, alerts and metrics across workers;
//! - [`permissions`]: ownership compiled into nats-server permissions;
//! - [`tools`]: publishing recorded traffic and reading decisions back.
//!
//! The decisions are [`crate::Engine`]'s, as in `replay` and `serve`.

pub mod aggregate;
pub mod gate;
pub mod permissions;
pub mod subjects;
pub mod tools;
pub mod worker;

use crate::load::LoadError;
use async_nats::jetstream::{self, consumer, kv, stream};
use std::time::Duration;

/// The oldest nats-server the gate runs on: stream subject transforms
/// (with `partition()`) came in 2.10; an older server would silently store
/// every message unpartitioned.
pub const MIN_SERVER: (u64, u64) = (2, 10);

/// Why the JetStream gate could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("cannot connect to NATS at {url}: {detail}")]
    Connect { url: String, detail: String },
    #[error("nats-server {found} at {url} is older than {}.{}, which the gate needs (stream subject transforms with partition()); install nats-server 2.10 or newer (scripts/setup.sh installs 2.15.1)", MIN_SERVER.0, MIN_SERVER.1)]
    OldServer { url: String, found: String },
    #[error("stream {stream} partitions into {found} but this gate was started with --partitions {asked}: every worker must use the stream's partition count")]
    Partitions {
        stream: &'static str,
        found: u32,
        asked: u32,
    },
    #[error("the server did not keep stream {0}'s subject transform (a nats-server older than 2.10 ignores it): the gate refuses to run unpartitioned")]
    NoTransform(&'static str),
    #[error("cannot {what}: {detail}")]
    Nats { what: &'static str, detail: String },
    #[error("partition {0}: another worker stored decisions first (its lease was lost); partition dropped")]
    Fenced(u32),
    #[error("the broker refused it: {0}")]
    Refused(String),
    #[error("the connection to NATS closed")]
    Closed,
    #[error("{0}")]
    Setup(String),
}

impl GateError {
    pub(crate) fn nats(what: &'static str, e: impl std::fmt::Display) -> GateError {
        GateError::Nats {
            what,
            detail: e.to_string(),
        }
    }
}

/// How to reach the broker.
#[derive(Debug, Clone)]
pub struct Connection {
    pub url: String,
    /// User and password (the password from the environment, never a file).
    pub credentials: Option<(String, String)>,
    /// Inbox prefix (replies); the gate's own by default.
    pub inbox: String,
}

impl Connection {
    pub fn new(url: &str) -> Connection {
        Connection {
            url: url.to_string(),
            credentials: None,
            inbox: subjects::GATE_INBOX.to_string(),
        }
    }
}

fn parse_version(v: &str) -> Option<(u64, u64)> {
    let mut it = v.trim_start_matches('v').split(['.', '-']);
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

/// The last error the server sent on a connection (a permissions
/// violation, say), for messages that name the real cause.
pub type ServerErrors = std::sync::Arc<std::sync::Mutex<Option<String>>>;

/// Connects and checks the server's version.
pub async fn connect(c: &Connection) -> Result<async_nats::Client, GateError> {
    connect_watched(c).await.map(|(client, _)| client)
}

/// [`connect`], keeping the server's last error.
pub async fn connect_watched(
    c: &Connection,
) -> Result<(async_nats::Client, ServerErrors), GateError> {
    let errors: ServerErrors = ServerErrors::default();
    let seen = errors.clone();
    let mut opts = async_nats::ConnectOptions::new()
        .custom_inbox_prefix(&c.inbox)
        .name("charter-gate")
        .connection_timeout(Duration::from_secs(5))
        .event_callback(move |event| {
            let seen = seen.clone();
            async move {
                if let async_nats::Event::ServerError(e) = event {
                    *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                }
            }
        });
    if let Some((user, password)) = &c.credentials {
        opts = opts.user_and_password(user.clone(), password.clone());
    }
    let client = opts
        .connect(c.url.as_str())
        .await
        .map_err(|e| GateError::Connect {
            url: c.url.clone(),
            detail: e.to_string(),
        })?;
    let found = client.server_info().version;
    match parse_version(&found) {
        Some(v) if v >= MIN_SERVER => Ok((client, errors)),
        _ => Err(GateError::OldServer {
            url: c.url.clone(),
            found,
        }),
    }
}

/// Stream and bucket settings.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub partitions: u32,
    /// How long inbound messages, decisions and deliveries are kept.
    pub retention: Duration,
    /// A lease not renewed for this long is free.
    pub lease: Duration,
    /// Deliveries published again within this window are dropped.
    pub duplicate_window: Duration,
    /// Copies of each stream and of the lease bucket in a cluster (3 in
    /// production: one server may be lost).
    pub replicas: usize,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            partitions: 8,
            retention: Duration::from_secs(7 * 24 * 3600),
            lease: Duration::from_secs(3),
            duplicate_window: Duration::from_secs(600),
            replicas: 1,
        }
    }
}

pub(crate) fn partitions_of(dest: &str) -> Option<u32> {
    let rest = dest.split("partition(").nth(1)?;
    rest.split(',').next()?.trim().parse().ok()
}

/// Makes (or checks) the streams, the systems' delivery consumers and the
/// lease bucket.
pub async fn ensure_layout(
    js: &jetstream::Context,
    layout: &Layout,
    systems: &[String],
) -> Result<kv::Store, GateError> {
    let (src, dest) = subjects::in_transform(layout.partitions);
    let inbound = stream::Config {
        name: subjects::IN_STREAM.to_string(),
        subjects: vec![subjects::IN_SUBJECTS.to_string()],
        subject_transform: Some(stream::SubjectTransform {
            source: src,
            destination: dest,
        }),
        max_age: layout.retention,
        storage: stream::StorageType::File,
        num_replicas: layout.replicas,
        ..Default::default()
    };
    let info = match js.get_stream(subjects::IN_STREAM).await {
        Ok(mut s) => s
            .info()
            .await
            .map_err(|e| GateError::nats("read the inbound stream", e))?
            .clone(),
        Err(_) => js
            .create_stream(inbound)
            .await
            .map_err(|e| GateError::nats("create the inbound stream", e))?
            .cached_info()
            .clone(),
    };
    match info.config.subject_transform.as_ref() {
        None => return Err(GateError::NoTransform(subjects::IN_STREAM)),
        Some(t) => {
            let found = partitions_of(&t.destination).unwrap_or(0);
            if found != layout.partitions {
                return Err(GateError::Partitions {
                    stream: subjects::IN_STREAM,
                    found,
                    asked: layout.partitions,
                });
            }
        }
    }
    js.get_or_create_stream(stream::Config {
        name: subjects::DECISIONS_STREAM.to_string(),
        subjects: vec!["charter.decisions.*".to_string()],
        max_age: layout.retention,
        storage: stream::StorageType::File,
        num_replicas: layout.replicas,
        ..Default::default()
    })
    .await
    .map_err(|e| GateError::nats("create the decisions stream", e))?;
    let out = js
        .get_or_create_stream(stream::Config {
            name: subjects::OUT_STREAM.to_string(),
            subjects: vec!["charter.out.*.*".to_string()],
            max_age: layout.retention,
            duplicate_window: layout.duplicate_window,
            storage: stream::StorageType::File,
            num_replicas: layout.replicas,
            ..Default::default()
        })
        .await
        .map_err(|e| GateError::nats("create the deliveries stream", e))?;
    for sys in systems {
        let name = subjects::out_consumer(sys);
        out.get_or_create_consumer(
            &name,
            consumer::pull::Config {
                durable_name: Some(name.clone()),
                filter_subject: format!("charter.out.{sys}.>"),
                ack_policy: consumer::AckPolicy::Explicit,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| GateError::nats("create a system's delivery consumer", e))?;
    }
    let store = match js.get_key_value(subjects::LEASES_BUCKET).await {
        Ok(s) => s,
        Err(_) => js
            .create_key_value(kv::Config {
                bucket: subjects::LEASES_BUCKET.to_string(),
                history: 1,
                max_age: layout.lease,
                storage: stream::StorageType::File,
                num_replicas: layout.replicas,
                ..Default::default()
            })
            .await
            .map_err(|e| GateError::nats("create the lease bucket", e))?,
    };
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_partition_counts_are_read() {
        assert_eq!(parse_version("2.15.1"), Some((2, 15)));
        assert_eq!(parse_version("v2.9.10"), Some((2, 9)));
        assert!(parse_version("2.9.10").is_some_and(|v| v < MIN_SERVER));
        assert!(parse_version("2.10.0-beta").is_some_and(|v| v >= MIN_SERVER));
        assert_eq!(parse_version("x"), None);
        let (_, dest) = subjects::in_transform(12);
        assert_eq!(partitions_of(&dest), Some(12));
    }
}
