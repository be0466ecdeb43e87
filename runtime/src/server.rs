//! `charter serve`: the governance gate over HTTP (tokio + axum).
//!
//! - `POST /v1/messages`: one message (object) or a JSON array of messages →
//!   the decision (object) or decisions (array), same shape as replay output,
//!   `line` being the position in the request (1-based). Every decision is in
//!   the durable decision log (see [`crate::declog`]) before the response.
//! - `GET /v1/exceptions`: exception counts by kind, reconciliation
//!   exceptions grouped by rule and cause, and the latest exceptions raised
//!   by traffic (unacknowledged, nack, conflict, drift, alert).
//! - `GET /v1/incidents`: the incidents (events.md), most occurrences first.
//! - `GET /v1/alerts`: the alerts raised.
//! - `GET /healthz`: liveness and the configuration served.
//! - `GET /metrics`: Prometheus text: decisions per decision and reason, a
//!   decision-latency histogram, a request-latency histogram (including the
//!   log sync), per-flow delivered / acked / nacked / unacknowledged counts,
//!   the outstanding-acks gauge, exceptions by kind, incidents and alerts.
//!
//! Time: by default the gate's clock is the later of message time and the
//! wall clock (ticked every second, so a deadline passes even when no
//! traffic comes); with [`Clock::Message`] it is message time only.
//!
//! Identities ([`crate::identity`], `--identities`): every request but
//! `GET /healthz` must say who is speaking (a bearer token, or a TLS client
//! certificate, which decides when presented); otherwise 401 with
//! `{"code", "message"}`, nothing decided, nothing logged, and
//! `charter_auth_failures_total{reason}` counts it. A message whose `source`
//! is not the caller is `reject`/`source-mismatch`; the log line records the
//! caller (`"by"`). Without identities only a loopback address may be
//! listened on. TLS (`--tls-cert`, `--tls-key`; rustls) and, when the
//! identities name a `clientCa`, mutual TLS. `--admin-listen` serves
//! `/healthz` and `/metrics`, open, on a second (plain HTTP) address.
//!
//! Errors are JSON `{"code", "message"}` with a 4xx/5xx status. SIGTERM or
//! SIGINT stops accepting connections, lets in-flight requests finish (their
//! decisions are logged and synced), then the log writer drains and exits.

use crate::declog::{append_line_by, open_and_recover, Recovered};
use crate::engine::{write_decision, Decision, Engine, Limits, Reason, Verdict};
use crate::identity::{AuthFailure, Identities, IdentityError, AUTH_FAILURES};
use crate::load::{Compiled, LoadError};
use crate::message::parse_message;
use crate::reconcile::Cause;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// What the gate's clock follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The later of message time and the wall clock.
    #[default]
    Wall,
    /// Message time only (tests, replays through the gate).
    Message,
}

/// What `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub config: PathBuf,
    pub listen: String,
    pub log: PathBuf,
    /// Largest accepted request body, bytes.
    pub max_body_bytes: usize,
    pub limits: Limits,
    pub clock: Clock,
    /// The identities file (`None`: an open gate, loopback only).
    pub identities: Option<PathBuf>,
    /// The gate's TLS certificate chain and private key (PEM).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// A second, plain HTTP address serving `/healthz` and `/metrics` open.
    pub admin_listen: Option<String>,
}

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{file}: cannot open the decision log: {source}")]
    Log {
        file: String,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("refusing to listen on {addr} without --identities: any caller reaching it could speak for any system (listen on a loopback address such as 127.0.0.1, or give --identities FILE)")]
    Open { addr: String },
    #[error("{0}")]
    Setup(String),
}

/// Latency histogram (seconds), Prometheus style.
#[derive(Debug, Clone)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

const BUCKETS: [f64; 14] = [
    0.000_000_5,
    0.000_001,
    0.000_002_5,
    0.000_005,
    0.000_01,
    0.000_05,
    0.000_1,
    0.000_5,
    0.001,
    0.005,
    0.01,
    0.05,
    0.1,
    1.0,
];

impl Histogram {
    fn new() -> Self {
        Histogram {
            counts: vec![0; BUCKETS.len()],
            sum: 0.0,
            count: 0,
        }
    }
    fn observe(&mut self, secs: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.counts[i] += 1;
        }
        self.sum += secs;
        self.count += 1;
    }
    fn write(&self, out: &mut String, name: &str, help: &str) {
        use std::fmt::Write as _;
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cum = 0;
        for (b, c) in BUCKETS.iter().zip(&self.counts) {
            cum += c;
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {cum}");
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum {}\n{name}_count {}", self.sum, self.count);
    }
}

struct Batch {
    bytes: Vec<u8>,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

struct Inner {
    engine: Engine,
    log: Option<mpsc::Sender<Batch>>,
    decisions: BTreeMap<(Verdict, Option<Reason>), u64>,
    decision_latency: Histogram,
    request_latency: Histogram,
}

struct App {
    cfg: Arc<Compiled>,
    inner: Mutex<Inner>,
    clock: Clock,
    identities: Option<Arc<Identities>>,
    /// Refused requests, by [`AuthFailure`].
    auth_failures: [AtomicU64; AUTH_FAILURES.len()],
}

/// The authenticated caller of a request (a system id).
#[derive(Debug, Clone)]
struct Caller(Arc<str>);

/// The other end of a TLS connection.
#[derive(Debug, Clone)]
struct Peer {
    #[allow(dead_code)]
    addr: SocketAddr,
    /// Who the client certificate says it is, when one was presented.
    certificate: Option<Result<Arc<str>, AuthFailure>>,
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TlsListener>) -> Self {
        stream.remote_addr().clone()
    }
}

type TlsStream = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;

/// Accepts TCP connections and does the TLS handshakes beside the accept
/// loop (a slow client does not hold up the others), handing over finished
/// connections with their peer's identity.
struct TlsListener {
    incoming: tokio::sync::mpsc::Receiver<(TlsStream, Peer)>,
    local: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream;
    type Addr = Peer;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(conn) => conn,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(Peer {
            addr: self.local,
            certificate: None,
        })
    }
}

fn tls_listener(
    listener: tokio::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
    identities: Option<Arc<Identities>>,
) -> std::io::Result<TlsListener> {
    let local = listener.local_addr()?;
    let (tx, incoming) = tokio::sync::mpsc::channel(256);
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::spawn(async move {
        loop {
            let (tcp, addr) = match listener.accept().await {
                Ok(c) => c,
                Err(_) => {
                    // Out of file descriptors and the like: wait, go on.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let (acceptor, tx, ids) = (acceptor.clone(), tx.clone(), identities.clone());
            tokio::spawn(async move {
                let handshake =
                    tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp));
                let Ok(Ok(tls)) = handshake.await else {
                    return;
                };
                let certificate = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|leaf| match &ids {
                        Some(i) => i.authenticate_certificate(leaf),
                        None => Err(AuthFailure::Unknown),
                    });
                let _ = tx.send((tls, Peer { addr, certificate })).await;
            });
        }
    });
    Ok(TlsListener { incoming, local })
}

/// Who is speaking: the client certificate when one was presented, else the
/// bearer token. Refused: 401, counted, nothing decided.
async fn authenticate(
    State(app): State<Arc<App>>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let Some(ids) = &app.identities else {
        return next.run(req).await;
    };
    if req.uri().path() == "/healthz" {
        return next.run(req).await;
    }
    let from_certificate = req
        .extensions()
        .get::<axum::extract::ConnectInfo<Peer>>()
        .and_then(|p| p.0.certificate.clone());
    let who = match from_certificate {
        Some(who) => who,
        None => ids.authenticate_header(
            req.headers()
                .get(header::AUTHORIZATION)
                .map(axum::http::HeaderValue::as_bytes),
        ),
    };
    match who {
        Ok(id) => {
            req.extensions_mut().insert(Caller(id));
            next.run(req).await
        }
        Err(failure) => {
            app.auth_failures[failure as usize].fetch_add(1, AtomicOrdering::Relaxed);
            let mut resp = error(StatusCode::UNAUTHORIZED, failure.code(), failure.message());
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
            resp
        }
    }
}

impl App {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "code": code, "message": message });
    (status, axum::Json(body)).into_response()
}

fn json_bytes(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn post_messages(
    State(app): State<Arc<App>>,
    caller: Option<axum::Extension<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let by = caller.as_ref().map(|c| &*c.0 .0);
    let body = match body {
        Ok(b) => b,
        Err(rej) => {
            let code = if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "too-large"
            } else {
                "bad-body"
            };
            return error(rej.status(), code, &rej.body_text());
        }
    };
    // A UTF-8 byte order mark, as some tools write, is not part of the JSON.
    let json = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&body);
    let (items, single): (Vec<&RawValue>, bool) = if json.trim_ascii_start().first() == Some(&b'[')
    {
        match serde_json::from_slice::<Vec<&RawValue>>(json) {
            Ok(v) => (v, false),
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad-json",
                    &format!("body is not a JSON array: {e}"),
                )
            }
        }
    } else {
        match serde_json::from_slice::<&RawValue>(json) {
            Ok(v) if v.get().starts_with('{') => (vec![v], true),
            Ok(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad-body",
                    "body must be a message object or an array of messages",
                )
            }
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad-json",
                    &format!("body is not JSON: {e}"),
                )
            }
        }
    };
    let mut resp = Vec::with_capacity(items.len() * 128 + 2);
    let mut log = Vec::with_capacity(items.len() * 384);
    let mut one = Vec::with_capacity(256);
    let (tx, rx) = tokio::sync::oneshot::channel();
    {
        let mut guard = app.lock();
        let inner = &mut *guard;
        if app.clock == Clock::Wall {
            inner.engine.tick(wall_ms());
        }
        if !single {
            resp.push(b'[');
        }
        for (i, raw) in items.iter().enumerate() {
            let t0 = Instant::now();
            one.clear();
            let (verdict, reason) = match parse_message(raw.get().as_bytes()) {
                Ok(msg) => {
                    let d = crate::identity::decide_as(&mut inner.engine, &msg, by);
                    write_decision(&mut one, &app.cfg, i as u64 + 1, Some(&msg.id), &d, None);
                    append_line_by(&mut log, &one, Some(raw), by);
                    (d.verdict, d.reason)
                }
                Err(e) => {
                    let id = crate::message::id_of_invalid(raw.get().as_bytes());
                    inner.engine.count_invalid(&e.0, id.as_deref());
                    write_decision(
                        &mut one,
                        &app.cfg,
                        i as u64 + 1,
                        id.as_deref(),
                        &Decision::invalid(),
                        Some(&e.0),
                    );
                    append_line_by(&mut log, &one, None, by);
                    (Verdict::Invalid, None)
                }
            };
            inner.decision_latency.observe(t0.elapsed().as_secs_f64());
            *inner.decisions.entry((verdict, reason)).or_default() += 1;
            if !single && i > 0 {
                resp.push(b',');
            }
            resp.extend_from_slice(&one);
        }
        if !single {
            resp.push(b']');
        }
        match &inner.log {
            Some(sender) => {
                if sender
                    .send(Batch {
                        bytes: log,
                        done: tx,
                    })
                    .is_err()
                {
                    return error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "log-unavailable",
                        "the decision log is closed",
                    );
                }
            }
            None => {
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "shutting-down",
                    "the server is shutting down",
                )
            }
        }
    }
    match rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "log-unavailable",
                &format!("decision log write failed: {e}"),
            )
        }
        Err(_) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "log-unavailable",
                "decision log writer stopped",
            )
        }
    }
    app.lock()
        .request_latency
        .observe(started.elapsed().as_secs_f64());
    json_bytes(resp)
}

async fn get_exceptions(State(app): State<Arc<App>>) -> Response {
    let (exceptions, recent, counts) = {
        let inner = app.lock();
        let exceptions = inner.engine.exceptions();
        let counts = inner.engine.exception_counts(&exceptions);
        (exceptions, inner.engine.recent_exceptions(), counts)
    };
    let mut groups: Vec<(String, Cause, Vec<serde_json::Value>)> = Vec::new();
    for x in &exceptions {
        let item = serde_json::json!({ "key": x.key, "detail": x.detail });
        match groups
            .iter_mut()
            .find(|(r, c, _)| *r == x.rule && *c == x.cause)
        {
            Some(g) => g.2.push(item),
            None => groups.push((x.rule.clone(), x.cause, vec![item])),
        }
    }
    groups.sort_by_key(|g| g.1);
    let groups: Vec<_> = groups
        .into_iter()
        .map(|(rule, cause, items)| {
            serde_json::json!({ "rule": rule, "cause": cause.as_str(), "count": items.len(), "exceptions": items })
        })
        .collect();
    axum::Json(serde_json::json!({
        "total": exceptions.len(), "groups": groups, "counts": counts, "recent": recent
    }))
    .into_response()
}

async fn get_incidents(State(app): State<Arc<App>>) -> Response {
    let (incidents, omitted) = {
        let inner = app.lock();
        (inner.engine.incidents(), inner.engine.incidents_omitted())
    };
    axum::Json(serde_json::json!({
        "total": incidents.len(), "omitted": omitted, "incidents": incidents
    }))
    .into_response()
}

async fn get_alerts(State(app): State<Arc<App>>) -> Response {
    let alerts = app.lock().engine.alerts().to_vec();
    axum::Json(serde_json::json!({ "total": alerts.len(), "alerts": alerts })).into_response()
}

async fn healthz(State(app): State<Arc<App>>) -> Response {
    let c = &app.cfg.config;
    axum::Json(serde_json::json!({
        "status": "ok", "name": c.name, "environment": c.environment, "digest": c.digest
    }))
    .into_response()
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    use std::fmt::Write as _;
    let inner = app.lock();
    let mut out = String::new();
    out.push_str("# HELP charter_decisions_total Decisions since start, by decision and reason.\n# TYPE charter_decisions_total counter\n");
    for ((v, r), n) in &inner.decisions {
        let _ = writeln!(
            out,
            "charter_decisions_total{{decision=\"{}\",reason=\"{}\"}} {n}",
            v.as_str(),
            r.map(Reason::as_str).unwrap_or("")
        );
    }
    inner.decision_latency.write(
        &mut out,
        "charter_decision_duration_seconds",
        "Time to decide one message.",
    );
    inner.request_latency.write(
        &mut out,
        "charter_request_duration_seconds",
        "Time to answer POST /v1/messages, decision log sync included.",
    );
    let reconciliation = inner.engine.exceptions();
    let _ = writeln!(
        out,
        "# HELP charter_reconciliation_exceptions Current reconciliation exceptions.\n# TYPE charter_reconciliation_exceptions gauge\ncharter_reconciliation_exceptions {}",
        reconciliation.len()
    );
    out.push_str("# HELP charter_exceptions Exceptions by kind (reconciliation: current).\n# TYPE charter_exceptions gauge\n");
    for (kind, n) in inner.engine.exception_counts(&reconciliation) {
        let _ = writeln!(out, "charter_exceptions{{kind=\"{kind}\"}} {n}");
    }
    out.push_str("# HELP charter_flow_deliveries_total Deliveries per flow and how they were settled.\n# TYPE charter_flow_deliveries_total counter\n");
    for (flow, f) in inner.engine.flows() {
        for (outcome, n) in [
            ("delivered", f.delivered),
            ("acked", f.acked),
            ("nacked", f.nacked),
            ("unacknowledged", f.unacknowledged),
            ("evicted", f.evicted),
        ] {
            let _ = writeln!(
                out,
                "charter_flow_deliveries_total{{flow=\"{flow}\",outcome=\"{outcome}\"}} {n}"
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP charter_outstanding_acks Deliveries awaiting an ack now.\n# TYPE charter_outstanding_acks gauge\ncharter_outstanding_acks {}",
        inner.engine.outstanding_acks()
    );
    let _ = writeln!(
        out,
        "# HELP charter_alerts_total Alerts raised.\n# TYPE charter_alerts_total counter\ncharter_alerts_total {}",
        inner.engine.alerts().len()
    );
    drop(inner);
    if app.identities.is_some() {
        out.push_str("# HELP charter_auth_failures_total Requests refused for want of a known identity, by reason.\n# TYPE charter_auth_failures_total counter\n");
        for f in AUTH_FAILURES {
            let _ = writeln!(
                out,
                "charter_auth_failures_total{{reason=\"{}\"}} {}",
                f.as_str(),
                app.auth_failures[f as usize].load(AtomicOrdering::Relaxed)
            );
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not-found",
        "no such endpoint (POST /v1/messages, GET /v1/exceptions, /v1/incidents, /v1/alerts, /healthz, /metrics)",
    )
}

async fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "method not allowed here (POST /v1/messages; GET /v1/exceptions, /v1/incidents, /v1/alerts, /healthz, /metrics)",
    )
}

fn writer_loop(mut file: File, rx: mpsc::Receiver<Batch>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while let Ok(b) = rx.try_recv() {
            batch.push(b);
        }
        let mut result = Ok(());
        for b in &batch {
            if let Err(e) = file.write_all(&b.bytes) {
                result = Err(e.to_string());
                break;
            }
        }
        if result.is_ok() {
            if let Err(e) = file.sync_data() {
                result = Err(e.to_string());
            }
        }
        for b in batch {
            let _ = b.done.send(result.clone());
        }
    }
}

async fn shutdown_signal() {
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

/// The router, for a loaded configuration and an engine.
fn router(app: Arc<App>, max_body: usize) -> Router {
    let routes = Router::new()
        .route("/v1/messages", post(post_messages))
        .route("/v1/exceptions", get(get_exceptions))
        .route("/v1/incidents", get(get_incidents))
        .route("/v1/alerts", get(get_alerts))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body));
    let routes = if app.identities.is_some() {
        routes.layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            authenticate,
        ))
    } else {
        routes
    };
    routes.with_state(app)
}

/// The admin router (`--admin-listen`): `/healthz` and `/metrics`, open.
fn admin_router(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .with_state(app)
}

/// Refuses a non-loopback address for a gate without identities.
async fn check_open_gate(addr: &str) -> Result<(), ServeError> {
    if let Ok(addrs) = tokio::net::lookup_host(addr).await {
        if addrs.into_iter().any(|a| !a.ip().is_loopback()) {
            return Err(ServeError::Open {
                addr: addr.to_string(),
            });
        }
    }
    Ok(())
}

async fn bind(addr: &str) -> Result<tokio::net::TcpListener, ServeError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: addr.to_string(),
            source,
        })
}

async fn stopped(mut rx: tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// Loads the configuration, recovers the decision log, listens, and serves
/// until SIGTERM/SIGINT. `ready` is called with the bound address, the
/// admin address (`--admin-listen`) and what recovery found, once the server
/// accepts connections.
pub fn serve_blocking(
    opts: &ServeOptions,
    ready: impl FnOnce(SocketAddr, Option<SocketAddr>, Recovered),
) -> Result<(), ServeError> {
    let cfg = Arc::new(Compiled::load_file(&opts.config)?);
    let identities = match &opts.identities {
        None => None,
        Some(path) => {
            let ids = Identities::load(path)?;
            let missing = ids.missing_from(&cfg);
            if !missing.is_empty() {
                return Err(ServeError::Setup(format!(
                    "{}: no entry for {} of the configuration (charter identities new SYSTEM... --file {0}; an empty entry {{}} lets a system in by no means)",
                    path.display(),
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            Some(Arc::new(ids))
        }
    };
    let client_ca = identities.as_ref().and_then(|i| i.client_ca());
    let tls = match (&opts.tls, client_ca) {
        (Some((cert, key)), ca) => Some(crate::identity::server_tls_config(cert, key, ca)?),
        (None, Some(ca)) => {
            return Err(ServeError::Setup(format!(
                "the identities name a client CA ({}): mutual TLS needs --tls-cert and --tls-key",
                ca.display()
            )))
        }
        (None, None) => None,
    };
    let mut engine = Engine::with_limits(Arc::clone(&cfg), opts.limits);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        if identities.is_none() {
            check_open_gate(&opts.listen).await?;
            if let Some(admin) = &opts.admin_listen {
                check_open_gate(admin).await?;
            }
        }
        // Bind first: an address in use is refused before the log is touched.
        let listener = bind(&opts.listen).await?;
        let admin = match &opts.admin_listen {
            Some(a) => Some(bind(a).await?),
            None => None,
        };
        let log_name = opts.log.display().to_string();
        let (file, recovered) =
            open_and_recover(&opts.log, &mut engine).map_err(|source| ServeError::Log {
                file: log_name,
                source,
            })?;
        let addr = listener.local_addr()?;
        let (tx, rx) = mpsc::channel::<Batch>();
        let writer = std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(move || writer_loop(file, rx))?;
        if opts.clock == Clock::Wall {
            engine.tick(wall_ms());
        }
        let app = Arc::new(App {
            identities: identities.clone(),
            auth_failures: Default::default(),
            clock: opts.clock,
            cfg: Arc::clone(&cfg),
            inner: Mutex::new(Inner {
                engine,
                log: Some(tx),
                decisions: BTreeMap::new(),
                decision_latency: Histogram::new(),
                request_latency: Histogram::new(),
            }),
        });
        if opts.clock == Clock::Wall {
            // Deadlines and alert windows pass with time, traffic or not.
            let ticking = Arc::clone(&app);
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
                loop {
                    every.tick().await;
                    ticking.lock().engine.tick(wall_ms());
                }
            });
        }
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        let admin_addr = match &admin {
            Some(l) => Some(l.local_addr()?),
            None => None,
        };
        let admin = admin.map(|l| {
            let served = axum::serve(l, admin_router(Arc::clone(&app)))
                .with_graceful_shutdown(stopped(stop_rx.clone()));
            tokio::spawn(std::future::IntoFuture::into_future(served))
        });
        ready(addr, admin_addr, recovered);
        let routes = router(Arc::clone(&app), opts.max_body_bytes);
        let served = match tls {
            Some(config) => {
                let l = tls_listener(listener, config, identities)?;
                axum::serve(l, routes.into_make_service_with_connect_info::<Peer>())
                    .with_graceful_shutdown(stopped(stop_rx))
                    .await
            }
            None => {
                axum::serve(listener, routes)
                    .with_graceful_shutdown(stopped(stop_rx))
                    .await
            }
        };
        if let Some(task) = admin {
            if served.is_err() {
                task.abort();
            }
            let _ = task.await;
        }
        // Close the log: the writer drains what is queued, syncs, and stops.
        app.lock().log = None;
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
        served.map_err(ServeError::Io)
    })
}

/// A read-only gate view fed from elsewhere: the JetStream gate's aggregator
/// ([`crate::jetstream::aggregate`]) restores every decision the workers
/// stored into one engine and serves the same `GET /v1/exceptions`,
/// `/v1/incidents`, `/v1/alerts`, `/healthz` and `/metrics` as `serve`.
pub struct Observer {
    app: Arc<App>,
    differing: AtomicU64,
}

impl Observer {
    pub fn new(cfg: Arc<Compiled>, limits: Limits) -> Observer {
        let engine = Engine::with_limits(Arc::clone(&cfg), limits);
        Observer {
            app: Arc::new(App {
                identities: None,
                auth_failures: Default::default(),
                clock: Clock::Message,
                cfg,
                inner: Mutex::new(Inner {
                    engine,
                    log: None,
                    decisions: BTreeMap::new(),
                    decision_latency: Histogram::new(),
                    request_latency: Histogram::new(),
                }),
            }),
            differing: AtomicU64::new(0),
        }
    }

    /// Restores one decision-log line (see [`crate::declog`]); false when it
    /// is not one.
    pub fn restore(&self, line: &[u8]) -> bool {
        let mut inner = self.app.lock();
        let t0 = Instant::now();
        match crate::declog::restore_line_verdict(line, &mut inner.engine) {
            Some((verdict, reason, same)) => {
                inner.decision_latency.observe(t0.elapsed().as_secs_f64());
                *inner.decisions.entry((verdict, reason)).or_default() += 1;
                if !same {
                    self.differing.fetch_add(1, AtomicOrdering::Relaxed);
                }
                true
            }
            None => false,
        }
    }

    /// Decisions restored so far.
    pub fn decided(&self) -> u64 {
        self.app.lock().decisions.values().sum()
    }

    /// Restored decisions this engine decides otherwise (an id reused across
    /// partitions, a configuration changed under the workers).
    pub fn differing(&self) -> u64 {
        self.differing.load(AtomicOrdering::Relaxed)
    }

    /// The read-only routes.
    pub fn router(&self) -> Router {
        async fn read_only() -> Response {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                "read-only",
                "this is the JetStream gate's aggregator: it decides nothing; systems publish to NATS (charter.in.<source>.<entity>.<kind>.<keytoken>)",
            )
        }
        Router::new()
            .route("/v1/messages", post(read_only))
            .route("/v1/exceptions", get(get_exceptions))
            .route("/v1/incidents", get(get_incidents))
            .route("/v1/alerts", get(get_alerts))
            .route("/healthz", get(healthz))
            .route("/metrics", get(metrics))
            .method_not_allowed_fallback(method_not_allowed)
            .fallback(not_found)
            .with_state(Arc::clone(&self.app))
    }
}
