//! Rehearsal: recorded traffic through the model on the table, before
//! anything is connected. The model's current revision is exported in memory
//! (refused with its findings when it has errors, exactly like export),
//! loaded by charter-runtime and replayed with `replay_with`: the same
//! decisions as `charter replay`, never a second implementation. The app only
//! aggregates what the runtime decided into a bounded report (the UI never
//! receives the decisions themselves), reports progress and stops between two
//! lines when cancelled. Each finished rehearsal is recorded in the store.

use crate::error::{AppError, ErrorCode};
use crate::store::{NewRehearsal, Store};
use charter_model::export::export;
use charter_model::Model;
use charter_runtime::replay::{replay_with, ReplayHooks};
use charter_runtime::{Compiled, Decision, Engine, Message, Reason, Summary, Verdict};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Example refused messages kept per subject.
pub const EXAMPLES_PER_SUBJECT: usize = 5;
/// Subjects with refused messages listed at most (the rest are counted).
pub const MAX_SUBJECTS: usize = 200;
/// Reconciliation exceptions listed at most (all are in the incidents).
pub const MAX_RECONCILIATION: usize = 50;
/// Progress is reported at most this often.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// The first line is checked for being a JSON object within this many bytes.
const SNIFF_LIMIT: u64 = 16 << 20;

/// What a rehearsal's subject is on the canvas (the UI's selection kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    System,
    Entity,
    Flow,
    Rule,
}

/// Decisions by kind, and by reason (only reasons that occurred).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DecisionCounts {
    pub messages: u32,
    pub accept: u32,
    pub reject: u32,
    pub quarantine: u32,
    pub duplicate: u32,
    pub flag: u32,
    pub observe: u32,
    pub invalid: u32,
    pub reasons: BTreeMap<String, u32>,
}

/// One flow's rehearsed traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FlowTraffic {
    pub flow: String,
    pub delivered: u32,
    pub acked: u32,
    pub nacked: u32,
    pub unacknowledged: u32,
    pub pending: u32,
    pub evicted: u32,
    /// Messages from the flow's source about its entity that were refused
    /// (reject, quarantine).
    pub refused: u32,
}

/// How many messages a validate rule refused or flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RuleTraffic {
    pub rule: String,
    pub refused: u32,
    pub flagged: u32,
}

/// An alert the runtime raised (docs/formats/traffic.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RehearsalAlert {
    pub rule: String,
    pub flow: String,
    pub metric: String,
    pub value: f64,
    pub threshold: f64,
    pub from: String,
    pub to: String,
}

/// An incident as the runtime groups it, with what its subject is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RehearsalIncident {
    pub id: String,
    pub kind: String,
    pub reason: Option<String>,
    pub subject: String,
    /// What `subject` names in the model; `None` when nothing does.
    pub subject_kind: Option<SubjectKind>,
    pub source: String,
    pub field: Option<String>,
    pub count: u32,
    pub first: String,
    pub last: String,
    pub keys: Vec<String>,
    pub messages: Vec<String>,
    /// The runtime's one-line summary.
    pub summary: String,
}

/// A reconciliation exception.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReconciliationException {
    pub rule: String,
    pub key: String,
    pub cause: String,
    pub detail: String,
}

/// One refused message, as an example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RefusedExample {
    /// Its line in the traffic file, from 1.
    pub line: u32,
    pub id: Option<String>,
    pub decision: String,
    pub reason: Option<String>,
    pub rule: Option<String>,
    pub entity: Option<String>,
    pub source: Option<String>,
    pub key: Option<String>,
    pub detail: Option<String>,
}

/// The refused messages about one subject: the deciding rule, or the entity
/// (for an ack nobody awaited, the system that sent it; `""` for lines that
/// are not messages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RefusedGroup {
    pub subject: String,
    pub subject_kind: Option<SubjectKind>,
    pub count: u32,
    /// The first [`EXAMPLES_PER_SUBJECT`] of them.
    pub examples: Vec<RefusedExample>,
}

/// What the UI shows of a rehearsal: bounded, whatever the traffic's size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RehearsalReport {
    pub counts: DecisionCounts,
    /// Exceptions by kind (every kind, 0 when none).
    pub exceptions: BTreeMap<String, u32>,
    /// Incidents first: the runtime's order (largest first).
    pub incidents: Vec<RehearsalIncident>,
    /// Occurrences past the runtime's incident bound.
    pub incidents_omitted: u32,
    pub alerts: Vec<RehearsalAlert>,
    /// Every flow of the configuration, by id.
    pub flows: Vec<FlowTraffic>,
    /// Validate rules that refused or flagged something, by id.
    pub rules: Vec<RuleTraffic>,
    /// Refused messages by subject, most first.
    pub refused: Vec<RefusedGroup>,
    /// Subjects left out past [`MAX_SUBJECTS`].
    pub refused_subjects_omitted: u32,
    /// The first [`MAX_RECONCILIATION`] reconciliation exceptions.
    pub reconciliation: Vec<ReconciliationException>,
    pub reconciliation_total: u32,
}

/// A rehearsal as recorded in the workspace store (the evidence for go-live).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RehearsalRecord {
    pub id: u32,
    pub model_id: u32,
    /// The model revision rehearsed.
    pub revision: u32,
    pub environment: String,
    /// The traffic file's name, path and SHA-256 (hex).
    pub file_name: String,
    pub file_path: String,
    pub sha256: String,
    pub lines: u32,
    pub bytes: f64,
    pub seconds: f64,
    pub counts: DecisionCounts,
    /// When it finished (RFC 3339, UTC).
    pub at: String,
}

/// A finished rehearsal: its record and its report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Rehearsal {
    pub record: RehearsalRecord,
    pub report: RehearsalReport,
}

/// How far a rehearsal has come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RehearsalProgress {
    pub lines: u32,
    pub bytes: f64,
    pub total_bytes: f64,
    pub lines_per_second: f64,
    /// Estimated from the bytes left at the rate so far; `None` at first.
    pub seconds_left: Option<f64>,
    pub elapsed_seconds: f64,
    pub done: bool,
}

/// The running rehearsal's cancel flag: one rehearsal at a time.
#[derive(Debug, Default)]
pub struct Rehearsals {
    running: Mutex<Option<Arc<AtomicBool>>>,
}

/// A started rehearsal; dropping it frees the slot.
pub struct Running<'a> {
    owner: &'a Rehearsals,
    pub cancel: Arc<AtomicBool>,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut slot = self.owner.running.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|f| Arc::ptr_eq(f, &self.cancel)) {
            *slot = None;
        }
    }
}

impl Rehearsals {
    /// Takes the slot, or refuses while another rehearsal runs.
    pub fn start(&self) -> Result<Running<'_>, AppError> {
        let mut slot = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_some() {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                "a rehearsal is already running: wait for it or cancel it",
            ));
        }
        let cancel = Arc::new(AtomicBool::new(false));
        *slot = Some(Arc::clone(&cancel));
        Ok(Running {
            owner: self,
            cancel,
        })
    }

    /// Asks the running rehearsal to stop; false when none runs.
    pub fn cancel(&self) -> bool {
        let slot = self.running.lock().unwrap_or_else(|e| e.into_inner());
        match slot.as_ref() {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

fn n32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Rehearses `path` against model `model_id`'s current revision for `env`
/// and records it. `on_progress` is called from the worker thread.
pub async fn rehearse(
    store: &Store,
    model_id: u32,
    env: &str,
    path: &Path,
    cancel: Arc<AtomicBool>,
    on_progress: impl FnMut(RehearsalProgress) + Send + 'static,
) -> Result<Rehearsal, AppError> {
    let state = store.state(model_id).await?;
    let revision = state.revision;
    let env_owned = env.to_string();
    let path_owned = path.to_path_buf();
    let model = state.model;
    let done = tokio::task::spawn_blocking(move || {
        rehearse_model(&model, &env_owned, &path_owned, &cancel, on_progress)
    })
    .await
    .map_err(|e| {
        AppError::new(
            ErrorCode::Store,
            format!("the rehearsal stopped unexpectedly: {e}"),
        )
    })??;
    let record = store
        .add_rehearsal(&NewRehearsal {
            model_id,
            revision,
            environment: env.to_string(),
            file_name: file_name(path),
            file_path: path.display().to_string(),
            sha256: done.sha256.clone(),
            lines: done.lines,
            bytes: done.bytes,
            seconds: done.seconds,
            counts: done.report.counts.clone(),
            report_json: done.summary_json.clone(),
        })
        .await?;
    Ok(Rehearsal {
        record,
        report: done.report,
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A rehearsal that ran to the end, before it is recorded.
#[derive(Debug, Clone)]
pub struct Rehearsed {
    pub report: RehearsalReport,
    /// The runtime's summary as `charter replay --report` writes it.
    pub summary_json: String,
    pub sha256: String,
    pub lines: u64,
    pub bytes: u64,
    pub seconds: f64,
}

/// Rehearses `path` against `model` for `env` on this thread.
pub fn rehearse_model(
    model: &Model,
    env: &str,
    path: &Path,
    cancel: &AtomicBool,
    mut on_progress: impl FnMut(RehearsalProgress),
) -> Result<Rehearsed, AppError> {
    let exported = export(model, env)?;
    let name = format!("{} ({env})", model.name);
    let cfg = Compiled::from_slice(exported.text.as_bytes(), &name).map_err(|e| {
        AppError::new(
            ErrorCode::ExportRefused,
            format!("the runtime cannot load the exported configuration: {e}"),
        )
    })?;
    let cfg = Arc::new(cfg);
    check_json_lines(path)?;
    let file = File::open(path).map_err(|e| unreadable(path, &e))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut input = BufReader::with_capacity(
        1 << 20,
        Hashing {
            inner: file,
            hasher: Sha256::new(),
        },
    );
    let started = Instant::now();
    let mut engine = Engine::new(Arc::clone(&cfg));
    let mut hooks = Aggregate::new(&cfg, cancel, started, total, &mut on_progress);
    let finished = replay_with(&mut engine, &mut input, &mut std::io::sink(), &mut hooks)
        .map_err(|e| unreadable(path, &e))?;
    if !finished {
        return Err(AppError::new(
            ErrorCode::Cancelled,
            format!(
                "rehearsal cancelled after {} lines: nothing was recorded",
                hooks.lines
            ),
        ));
    }
    let (lines, bytes) = (hooks.lines, hooks.bytes);
    hooks.emit(lines, bytes, true);
    let summary = engine.summary();
    let report = hooks.report(&summary, engine.incidents_omitted());
    let summary_json = serde_json::to_string_pretty(&summary)
        .map_err(|e| AppError::new(ErrorCode::Store, format!("cannot keep the report: {e}")))?;
    let sha256 = format!("{:x}", input.into_inner().hasher.finalize());
    Ok(Rehearsed {
        report,
        summary_json,
        sha256,
        lines,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn unreadable(path: &Path, e: &std::io::Error) -> AppError {
    AppError::new(
        ErrorCode::Io,
        format!("{}: cannot read the traffic file: {e}", path.display()),
    )
}

fn not_json_lines(path: &Path, why: &str) -> AppError {
    AppError::new(
        ErrorCode::NotJsonLines,
        format!(
            "{}: {why}: recorded traffic is JSON Lines, one message (a JSON object) per line",
            path.display()
        ),
    )
}

/// The file's first non-blank line is a JSON object (else it is not
/// recorded traffic: a JSON document, a CSV, a binary file...). Lines after
/// it that are not messages are `invalid` decisions, as in `charter replay`.
fn check_json_lines(path: &Path) -> Result<(), AppError> {
    let file = File::open(path).map_err(|e| unreadable(path, &e))?;
    let mut reader = BufReader::new(file.take(SNIFF_LIMIT));
    let mut line = Vec::new();
    let mut n = 0u64;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| unreadable(path, &e))?;
        if read == 0 {
            return Err(not_json_lines(
                path,
                if n == 0 {
                    "the file is empty"
                } else {
                    "the file has no message"
                },
            ));
        }
        n += 1;
        let mut text: &[u8] = &line;
        if n == 1 {
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        return match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(text) {
            Ok(_) => Ok(()),
            Err(e) => Err(not_json_lines(
                path,
                &format!("line {n} is not a JSON object ({e})"),
            )),
        };
    }
}

/// Hashes what is read through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Refused messages about one subject.
struct Group {
    subject: String,
    kind: Option<SubjectKind>,
    count: u64,
    examples: Vec<RefusedExample>,
}

/// The app's aggregates of the runtime's decisions, and progress/cancel.
struct Aggregate<'a> {
    cfg: &'a Compiled,
    cancel: &'a AtomicBool,
    on_progress: &'a mut dyn FnMut(RehearsalProgress),
    started: Instant,
    last_emit: Instant,
    total: u64,
    lines: u64,
    bytes: u64,
    rule_refused: Vec<u64>,
    rule_flagged: Vec<u64>,
    flow_refused: Vec<u64>,
    /// (entity, source) → the flows from that source about that entity.
    flows_of: HashMap<(u32, u32), Vec<usize>>,
    groups: Vec<Group>,
    group_of: HashMap<(String, Option<SubjectKind>), usize>,
    groups_omitted: HashSet<(String, Option<SubjectKind>)>,
}

impl<'a> Aggregate<'a> {
    fn new(
        cfg: &'a Compiled,
        cancel: &'a AtomicBool,
        started: Instant,
        total: u64,
        on_progress: &'a mut dyn FnMut(RehearsalProgress),
    ) -> Self {
        let mut flows_of: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
        for (i, f) in cfg.flows.iter().enumerate() {
            flows_of.entry((f.entity, f.from)).or_default().push(i);
        }
        let rules = cfg.config.rules.len();
        Aggregate {
            cfg,
            cancel,
            on_progress,
            started,
            last_emit: started,
            total,
            lines: 0,
            bytes: 0,
            rule_refused: vec![0; rules],
            rule_flagged: vec![0; rules],
            flow_refused: vec![0; cfg.flows.len()],
            flows_of,
            groups: Vec::new(),
            group_of: HashMap::new(),
            groups_omitted: HashSet::new(),
        }
    }

    fn emit(&mut self, lines: u64, bytes: u64, done: bool) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 {
            lines as f64 / elapsed
        } else {
            0.0
        };
        let seconds_left = if done {
            Some(0.0)
        } else if bytes > 0 && elapsed > 0.0 {
            Some(self.total.saturating_sub(bytes) as f64 / (bytes as f64 / elapsed))
        } else {
            None
        };
        (self.on_progress)(RehearsalProgress {
            lines: n32(lines),
            bytes: bytes as f64,
            total_bytes: self.total.max(bytes) as f64,
            lines_per_second: rate,
            seconds_left,
            elapsed_seconds: elapsed,
            done,
        });
    }

    /// The subject of a refused message (see [`RefusedGroup`]).
    fn subject(
        &self,
        message: Option<&Message<'_>>,
        d: &Decision<'_>,
    ) -> (String, Option<SubjectKind>) {
        let Some(m) = message else {
            return (String::new(), None);
        };
        match d.reason {
            Some(Reason::Rule) => (
                d.rule.map_or("", |r| self.cfg.rule_id(r)).to_string(),
                Some(SubjectKind::Rule),
            ),
            Some(Reason::UnexpectedAck) | Some(Reason::UnknownSystem) => {
                let known = self.cfg.systems.contains_key(m.source.as_ref());
                (m.source.to_string(), known.then_some(SubjectKind::System))
            }
            Some(Reason::UnknownEntity) => (m.entity.to_string(), None),
            _ => (m.entity.to_string(), Some(SubjectKind::Entity)),
        }
    }

    fn refused(
        &mut self,
        line: u64,
        message: Option<&Message<'_>>,
        id: Option<&str>,
        d: &Decision<'_>,
        detail: Option<&str>,
    ) {
        if let Some(m) = message {
            let entity = self.cfg.entity_index.get(m.entity.as_ref());
            let source = self.cfg.systems.get(m.source.as_ref());
            if let (Some(&e), Some(&s)) = (entity, source) {
                if let Some(flows) = self.flows_of.get(&(e, s)) {
                    for &f in flows {
                        self.flow_refused[f] += 1;
                    }
                }
            }
        }
        let key = self.subject(message, d);
        let at = match self.group_of.get(&key) {
            Some(&i) => i,
            None if self.groups.len() >= MAX_SUBJECTS => {
                self.groups_omitted.insert(key);
                return;
            }
            None => {
                self.groups.push(Group {
                    subject: key.0.clone(),
                    kind: key.1,
                    count: 0,
                    examples: Vec::new(),
                });
                self.group_of.insert(key, self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        let cfg = self.cfg;
        let g = &mut self.groups[at];
        g.count += 1;
        if g.examples.len() < EXAMPLES_PER_SUBJECT {
            g.examples.push(RefusedExample {
                line: n32(line),
                id: id.map(str::to_string),
                decision: d.verdict.as_str().to_string(),
                reason: d.reason.map(|r| r.as_str().to_string()),
                rule: d.rule.map(|r| cfg.rule_id(r).to_string()),
                entity: message.map(|m| m.entity.to_string()),
                source: message.map(|m| m.source.to_string()),
                key: message
                    .filter(|m| !m.key.is_empty())
                    .map(|m| m.key.to_string()),
                detail: d.detail.as_deref().or(detail).map(str::to_string),
            });
        }
    }

    /// What `subject` names, for an incident of `kind`.
    fn incident_subject(
        &self,
        kind: &str,
        reason: Option<&str>,
        subject: &str,
    ) -> Option<SubjectKind> {
        if subject.is_empty() {
            return None;
        }
        let first = match (kind, reason) {
            ("alert" | "mismatch" | "silent", _) => SubjectKind::Rule,
            ("unacknowledged" | "nack", _) => SubjectKind::Flow,
            (_, Some("rule")) => SubjectKind::Rule,
            (_, Some("unexpected-ack")) => SubjectKind::System,
            _ => SubjectKind::Entity,
        };
        let order = [
            first,
            SubjectKind::Entity,
            SubjectKind::Flow,
            SubjectKind::Rule,
            SubjectKind::System,
        ];
        order.into_iter().find(|k| self.names(*k, subject))
    }

    fn names(&self, kind: SubjectKind, id: &str) -> bool {
        match kind {
            SubjectKind::System => self.cfg.systems.contains_key(id),
            SubjectKind::Entity => self.cfg.entity_index.contains_key(id),
            SubjectKind::Flow => self.cfg.flows.iter().any(|f| f.id == id),
            SubjectKind::Rule => self.cfg.config.rules.iter().any(|r| r.id() == id),
        }
    }

    fn report(&self, s: &Summary, omitted: u64) -> RehearsalReport {
        let c = &s.counts;
        let counts = DecisionCounts {
            messages: n32(c.messages),
            accept: n32(c.accept),
            reject: n32(c.reject),
            quarantine: n32(c.quarantine),
            duplicate: n32(c.duplicate),
            flag: n32(c.flag),
            observe: n32(c.observe),
            invalid: n32(c.invalid),
            reasons: c
                .reasons
                .iter()
                .map(|(k, v)| (k.clone(), n32(*v)))
                .collect(),
        };
        let flow_index: HashMap<&str, usize> = self
            .cfg
            .flows
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.as_str(), i))
            .collect();
        let flows = s
            .flows
            .iter()
            .map(|(id, f)| FlowTraffic {
                flow: id.clone(),
                delivered: n32(f.delivered),
                acked: n32(f.acked),
                nacked: n32(f.nacked),
                unacknowledged: n32(f.unacknowledged),
                pending: n32(f.pending),
                evicted: n32(f.evicted),
                refused: flow_index
                    .get(id.as_str())
                    .map_or(0, |&i| n32(self.flow_refused[i])),
            })
            .collect();
        let mut rules: Vec<RuleTraffic> = (0..self.rule_refused.len())
            .filter(|&i| self.rule_refused[i] > 0 || self.rule_flagged[i] > 0)
            .map(|i| RuleTraffic {
                rule: self.cfg.rule_id(n32(i as u64)).to_string(),
                refused: n32(self.rule_refused[i]),
                flagged: n32(self.rule_flagged[i]),
            })
            .collect();
        rules.sort_by(|a, b| a.rule.cmp(&b.rule));
        let incidents = s
            .incidents
            .iter()
            .map(|i| RehearsalIncident {
                id: i.id.clone(),
                kind: i.kind.clone(),
                reason: i.reason.clone(),
                subject: i.subject.clone(),
                subject_kind: self.incident_subject(&i.kind, i.reason.as_deref(), &i.subject),
                source: i.source.clone(),
                field: i.field.clone(),
                count: n32(i.count),
                first: i.first.clone(),
                last: i.last.clone(),
                keys: i.keys.clone(),
                messages: i.messages.clone(),
                summary: i.summary.clone(),
            })
            .collect();
        let alerts = s
            .alerts
            .iter()
            .map(|a| RehearsalAlert {
                rule: a.rule.clone(),
                flow: a.flow.clone(),
                metric: a.metric.to_string(),
                value: a.value,
                threshold: a.threshold,
                from: a.from.clone(),
                to: a.to.clone(),
            })
            .collect();
        let mut groups: Vec<&Group> = self.groups.iter().collect();
        groups.sort_by_key(|g| std::cmp::Reverse(g.count));
        let refused = groups
            .into_iter()
            .map(|g| RefusedGroup {
                subject: g.subject.clone(),
                subject_kind: g.kind,
                count: n32(g.count),
                examples: g.examples.clone(),
            })
            .collect();
        RehearsalReport {
            counts,
            exceptions: s
                .exceptions
                .iter()
                .map(|(k, v)| (k.clone(), n32(*v)))
                .collect(),
            incidents,
            incidents_omitted: n32(omitted),
            alerts,
            flows,
            rules,
            refused,
            refused_subjects_omitted: n32(self.groups_omitted.len() as u64),
            reconciliation: s
                .reconciliation
                .iter()
                .take(MAX_RECONCILIATION)
                .map(|x| ReconciliationException {
                    rule: x.rule.clone(),
                    key: x.key.clone(),
                    cause: x.cause.as_str().to_string(),
                    detail: x.detail.clone(),
                })
                .collect(),
            reconciliation_total: n32(s.reconciliation.len() as u64),
        }
    }
}

impl ReplayHooks for Aggregate<'_> {
    fn decided(
        &mut self,
        line: u64,
        message: Option<&Message<'_>>,
        id: Option<&str>,
        decision: &Decision<'_>,
        detail: Option<&str>,
    ) {
        self.lines = line;
        match decision.verdict {
            Verdict::Flag => {
                if let Some(r) = decision.rule {
                    if let Some(n) = self.rule_flagged.get_mut(r as usize) {
                        *n += 1;
                    }
                }
            }
            v if v.is_refused() => {
                if let Some(r) = decision.rule {
                    if let Some(n) = self.rule_refused.get_mut(r as usize) {
                        *n += 1;
                    }
                }
                self.refused(line, message, id, decision, detail);
            }
            _ => {}
        }
    }

    fn progress(&mut self, lines: u64, bytes: u64) -> bool {
        self.lines = lines;
        self.bytes = bytes;
        if self.cancel.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now.duration_since(self.last_emit) >= PROGRESS_INTERVAL {
            self.last_emit = now;
            self.emit(lines, bytes, false);
        }
        true
    }
}

/// A sample model's recorded traffic, shipped with the app.
struct SampleTraffic {
    model_name: &'static str,
    file_name: &'static str,
    text: &'static str,
}

const SAMPLE_TRAFFIC: &[SampleTraffic] = &[
    SampleTraffic {
        model_name: "E-commerce (governed)",
        file_name: "ecommerce.traffic.jsonl",
        text: include_str!("../../models/examples/ecommerce.traffic.jsonl"),
    },
    SampleTraffic {
        model_name: "Seafood processor",
        file_name: "seafood.traffic.jsonl",
        text: include_str!("../../models/examples/seafood.traffic.jsonl"),
    },
];

/// The sample traffic of the sample model `model_id` (matched by the model's
/// name), written beside the store (`samples/`) so it can be rehearsed like
/// any file; `None` when the model is not a sample.
pub async fn sample_traffic(store: &Store, model_id: u32) -> Result<Option<String>, AppError> {
    let model = store.state(model_id).await?.model;
    let Some(sample) = SAMPLE_TRAFFIC.iter().find(|s| s.model_name == model.name) else {
        return Ok(None);
    };
    let dir: PathBuf = store
        .path()
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        .join("samples");
    let path = dir.join(sample.file_name);
    let current = std::fs::read(&path).ok();
    if current.as_deref() != Some(sample.text.as_bytes()) {
        std::fs::create_dir_all(&dir).map_err(|e| {
            AppError::new(
                ErrorCode::Io,
                format!("{}: cannot create: {e}", dir.display()),
            )
        })?;
        charter_model::file::write_atomically(&path, sample.text.as_bytes()).map_err(|e| {
            AppError::new(
                ErrorCode::Io,
                format!("{}: cannot write: {e}", path.display()),
            )
        })?;
    }
    Ok(Some(path.display().to_string()))
}

/// Example messages kept per change of decision.
pub const EXAMPLES_PER_CHANGE: usize = 5;
/// Kinds of change listed at most (the rest are counted).
pub const MAX_CHANGES: usize = 100;

/// A message whose decision changes, as an example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChangeExample {
    pub line: u32,
    pub id: Option<String>,
    pub key: Option<String>,
}

/// Messages whose decision changes the same way between two revisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DecisionChange {
    /// The decision under the earlier revision, and why (rule id or reason).
    pub from: String,
    pub from_cause: Option<String>,
    /// The decision under the current revision, and why.
    pub to: String,
    pub to_cause: Option<String>,
    /// What to show on the canvas: the rule that decides now (else the one
    /// that decided before), else the message's entity.
    pub subject: String,
    pub subject_kind: Option<SubjectKind>,
    pub count: u32,
    pub examples: Vec<ChangeExample>,
    /// "312 messages change decision: accept → reject by `stock-not-negative`".
    pub summary: String,
}

/// The same traffic through two revisions of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WhatIf {
    pub model_id: u32,
    pub base_revision: u32,
    pub revision: u32,
    pub environment: String,
    pub file_name: String,
    pub lines: u32,
    /// Messages whose decision differs.
    pub changed: u32,
    /// Most first.
    pub changes: Vec<DecisionChange>,
    pub changes_omitted: u32,
    pub base_counts: DecisionCounts,
    pub counts: DecisionCounts,
}

/// One line's decision, compactly (verdict, reason, rule index + 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    verdict: Verdict,
    reason: Option<Reason>,
    rule: Option<u32>,
}

type ChangeKey = (Verdict, Option<String>, Verdict, Option<String>);

struct Change {
    subject: String,
    kind: Option<SubjectKind>,
    count: u64,
    examples: Vec<ChangeExample>,
}

/// Replays one pass of a what-if: records each line's decision (first pass)
/// or compares it with the first pass's (second pass).
struct Pass<'a> {
    cfg: &'a Compiled,
    base_cfg: &'a Compiled,
    cancel: &'a AtomicBool,
    on_progress: &'a mut dyn FnMut(u64, u64),
    base: Option<&'a [Packed]>,
    record: Vec<Packed>,
    changes: HashMap<ChangeKey, Change>,
    changed: u64,
    lines: u64,
}

fn cause(cfg: &Compiled, p: &Packed) -> Option<String> {
    match (p.rule, p.reason) {
        (Some(r), _) => Some(cfg.rule_id(r).to_string()),
        (None, Some(r)) => Some(r.as_str().to_string()),
        (None, None) => None,
    }
}

impl ReplayHooks for Pass<'_> {
    fn decided(
        &mut self,
        line: u64,
        message: Option<&Message<'_>>,
        id: Option<&str>,
        decision: &Decision<'_>,
        _detail: Option<&str>,
    ) {
        self.lines = line;
        let now = Packed {
            verdict: decision.verdict,
            reason: decision.reason,
            rule: decision.rule,
        };
        let Some(base) = self.base else {
            self.record.push(now);
            return;
        };
        let Some(before) = usize::try_from(line - 1).ok().and_then(|i| base.get(i)) else {
            return;
        };
        let (from_cause, to_cause) = (cause(self.base_cfg, before), cause(self.cfg, &now));
        if before.verdict == now.verdict && from_cause == to_cause {
            return;
        }
        self.changed += 1;
        let key = (before.verdict, from_cause, now.verdict, to_cause);
        if !self.changes.contains_key(&key) && self.changes.len() >= MAX_CHANGES {
            return;
        }
        let (subject, kind) = match (now.rule, before.rule) {
            (Some(r), _) => (self.cfg.rule_id(r).to_string(), Some(SubjectKind::Rule)),
            (None, Some(r)) => (
                self.base_cfg.rule_id(r).to_string(),
                // A rule gone from the current revision cannot be selected.
                self.cfg
                    .config
                    .rules
                    .iter()
                    .any(|x| x.id() == self.base_cfg.rule_id(r))
                    .then_some(SubjectKind::Rule),
            ),
            (None, None) => match message {
                Some(m) => (
                    m.entity.to_string(),
                    self.cfg
                        .entity_index
                        .contains_key(m.entity.as_ref())
                        .then_some(SubjectKind::Entity),
                ),
                None => (String::new(), None),
            },
        };
        let c = self.changes.entry(key).or_insert(Change {
            subject,
            kind,
            count: 0,
            examples: Vec::new(),
        });
        c.count += 1;
        if c.examples.len() < EXAMPLES_PER_CHANGE {
            c.examples.push(ChangeExample {
                line: n32(line),
                id: id.map(str::to_string),
                key: message
                    .filter(|m| !m.key.is_empty())
                    .map(|m| m.key.to_string()),
            });
        }
    }

    fn progress(&mut self, lines: u64, bytes: u64) -> bool {
        self.lines = lines;
        if self.cancel.load(Ordering::Relaxed) {
            return false;
        }
        (self.on_progress)(lines, bytes);
        true
    }
}

fn change_summary(
    n: u64,
    from: Verdict,
    fc: Option<&str>,
    to: Verdict,
    tc: Option<&str>,
) -> String {
    let side = |v: Verdict, c: Option<&str>, word: &str| match c {
        Some(c) if v.is_refused() || v == Verdict::Flag => format!("{} {word} `{c}`", v.as_str()),
        Some(c) => format!("{} ({c})", v.as_str()),
        None => v.as_str().to_string(),
    };
    format!(
        "{n} message{} change{} decision: {} → {}",
        if n == 1 { "" } else { "s" },
        if n == 1 { "s" } else { "" },
        side(from, fc, "by"),
        side(to, tc, "by"),
    )
}

/// Rehearses `path` against revision `base_revision` and the current
/// revision of model `model_id` for `env`, and lists the messages whose
/// decision changes, grouped by how, with examples. Nothing is recorded.
/// `on_progress` sees both passes as one run.
pub async fn what_if(
    store: &Store,
    model_id: u32,
    base_revision: u32,
    env: &str,
    path: &Path,
    cancel: Arc<AtomicBool>,
    on_progress: impl FnMut(RehearsalProgress) + Send + 'static,
) -> Result<WhatIf, AppError> {
    let state = store.state(model_id).await?;
    let base = store.model_at_revision(model_id, base_revision).await?;
    let current = state.model;
    let revision = state.revision;
    let env = env.to_string();
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        what_if_models(&base, &current, &env, &path, &cancel, on_progress).map(|mut w| {
            w.model_id = model_id;
            w.base_revision = base_revision;
            w.revision = revision;
            w
        })
    })
    .await
    .map_err(|e| {
        AppError::new(
            ErrorCode::Store,
            format!("the rehearsal stopped unexpectedly: {e}"),
        )
    })?
}

fn compiled(model: &Model, env: &str) -> Result<Arc<Compiled>, AppError> {
    let exported = export(model, env)?;
    let name = format!("{} ({env})", model.name);
    Compiled::from_slice(exported.text.as_bytes(), &name)
        .map(Arc::new)
        .map_err(|e| {
            AppError::new(
                ErrorCode::ExportRefused,
                format!("the runtime cannot load the exported configuration: {e}"),
            )
        })
}

/// [`what_if`] on two models, on this thread (ids and revisions left 0).
pub fn what_if_models(
    base: &Model,
    current: &Model,
    env: &str,
    path: &Path,
    cancel: &AtomicBool,
    mut on_progress: impl FnMut(RehearsalProgress),
) -> Result<WhatIf, AppError> {
    let base_cfg = compiled(base, env).map_err(|mut e| {
        e.message = format!("the earlier revision cannot be rehearsed: {}", e.message);
        e
    })?;
    let cfg = compiled(current, env)?;
    check_json_lines(path)?;
    let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let started = Instant::now();
    let mut last_emit = started;
    let mut emit = |pass: u64, lines: u64, bytes: u64, done: bool| {
        let now = Instant::now();
        if !done && now.duration_since(last_emit) < PROGRESS_INTERVAL {
            return;
        }
        last_emit = now;
        let elapsed = started.elapsed().as_secs_f64();
        let so_far = pass * total + bytes;
        let all = 2 * total;
        on_progress(RehearsalProgress {
            lines: n32(lines),
            bytes: so_far as f64,
            total_bytes: all.max(so_far) as f64,
            lines_per_second: if elapsed > 0.0 {
                (pass * lines + lines) as f64 / elapsed
            } else {
                0.0
            },
            seconds_left: if done {
                Some(0.0)
            } else if so_far > 0 && elapsed > 0.0 {
                Some(all.saturating_sub(so_far) as f64 / (so_far as f64 / elapsed))
            } else {
                None
            },
            elapsed_seconds: elapsed,
            done,
        });
    };
    let mut base_engine = Engine::new(Arc::clone(&base_cfg));
    let mut engine = Engine::new(Arc::clone(&cfg));
    let mut records = Vec::new();
    let mut result = None;
    for pass in 0..2u64 {
        let file = File::open(path).map_err(|e| unreadable(path, &e))?;
        let input = BufReader::with_capacity(1 << 20, file);
        let mut on_pass = |l: u64, b: u64| emit(pass, l, b, false);
        let mut hooks = Pass {
            cfg: if pass == 0 { &base_cfg } else { &cfg },
            base_cfg: &base_cfg,
            cancel,
            on_progress: &mut on_pass,
            base: (pass == 1).then_some(records.as_slice()),
            record: Vec::new(),
            changes: HashMap::new(),
            changed: 0,
            lines: 0,
        };
        let eng = if pass == 0 {
            &mut base_engine
        } else {
            &mut engine
        };
        let finished = replay_with(eng, input, &mut std::io::sink(), &mut hooks)
            .map_err(|e| unreadable(path, &e))?;
        if !finished {
            return Err(AppError::new(
                ErrorCode::Cancelled,
                format!(
                    "what-if cancelled after {} lines",
                    pass * hooks.lines + hooks.lines
                ),
            ));
        }
        if pass == 0 {
            records = std::mem::take(&mut hooks.record);
        } else {
            result = Some((hooks.changes, hooks.changed, hooks.lines));
        }
    }
    let Some((changes, changed, lines)) = result else {
        return Err(AppError::new(ErrorCode::Store, "the what-if did not run"));
    };
    emit(1, lines, total, true);
    let mut list: Vec<(ChangeKey, Change)> = changes.into_iter().collect();
    list.sort_by(|a, b| {
        b.1.count
            .cmp(&a.1.count)
            .then_with(|| a.1.examples[0].line.cmp(&b.1.examples[0].line))
    });
    let listed: u64 = list.iter().map(|c| c.1.count).sum();
    let counts_of = |e: &Engine| {
        let c = e.counts();
        DecisionCounts {
            messages: n32(c.messages),
            accept: n32(c.accept),
            reject: n32(c.reject),
            quarantine: n32(c.quarantine),
            duplicate: n32(c.duplicate),
            flag: n32(c.flag),
            observe: n32(c.observe),
            invalid: n32(c.invalid),
            reasons: c
                .reasons
                .iter()
                .map(|(k, v)| (k.clone(), n32(*v)))
                .collect(),
        }
    };
    Ok(WhatIf {
        model_id: 0,
        base_revision: 0,
        revision: 0,
        environment: env.to_string(),
        file_name: file_name(path),
        lines: n32(lines),
        changed: n32(changed),
        changes: list
            .into_iter()
            .map(|((from, fc, to, tc), c)| DecisionChange {
                summary: change_summary(c.count, from, fc.as_deref(), to, tc.as_deref()),
                from: from.as_str().to_string(),
                from_cause: fc,
                to: to.as_str().to_string(),
                to_cause: tc,
                subject: c.subject,
                subject_kind: c.kind,
                count: n32(c.count),
                examples: c.examples,
            })
            .collect(),
        changes_omitted: n32(changed - listed),
        base_counts: counts_of(&base_engine),
        counts: counts_of(&engine),
    })
}

/// Writes the decisions of recorded rehearsal `rehearsal_id` to `out` as
/// JSON Lines (`charter replay`'s output): its traffic file replayed again
/// through the revision and environment it was rehearsed with. Refused, and
/// nothing written, when the file is gone or no longer has the recorded
/// SHA-256.
pub async fn export_decisions(
    store: &Store,
    rehearsal_id: u32,
    out: &Path,
) -> Result<(), AppError> {
    let rec = store.rehearsal(rehearsal_id).await?;
    let model = store.model_at_revision(rec.model_id, rec.revision).await?;
    let out = out.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let cfg = compiled(&model, &rec.environment)?;
        let traffic = PathBuf::from(&rec.file_path);
        let file = File::open(&traffic).map_err(|e| unreadable(&traffic, &e))?;
        let mut input = BufReader::with_capacity(
            1 << 20,
            Hashing {
                inner: file,
                hasher: Sha256::new(),
            },
        );
        let mut engine = Engine::new(cfg);
        charter_model::file::write_atomically_with(&out, |f| {
            let mut w = std::io::BufWriter::new(f);
            charter_runtime::replay::replay(&mut engine, &mut input, &mut w, None)?;
            std::io::Write::flush(&mut w)?;
            let sha = format!("{:x}", input.get_ref().hasher.clone().finalize());
            if sha != rec.sha256 {
                return Err(std::io::Error::other(format!(
                    "{} has changed since the rehearsal (SHA-256 {sha}, recorded {})",
                    traffic.display(),
                    rec.sha256
                )));
            }
            Ok(())
        })
        .map_err(|e| AppError::new(ErrorCode::Io, format!("{}: {e}", out.display())))
    })
    .await
    .map_err(|e| {
        AppError::new(
            ErrorCode::Store,
            format!("the export stopped unexpectedly: {e}"),
        )
    })?
}
