//! Core benchmark: read (from text), check and export a large generated model
//! at several scales, and print the figures as a Markdown table for
//! `docs/performance.md` (section "Core").
//!
//! Run: `cargo bench -p charter-model --bench model`
//!
//! Scale 1x = 2,000 systems, 20,000 entities, 100,000 flows and 10,000 rules
//! (with CEL conditions). Environment variables:
//! - `CHARTER_BENCH_SCALES` (default `1,2,4`): the scales to measure;
//! - `CHARTER_BENCH_RUNS` (default `5`): runs per scale, the median is shown;
//! - `CHARTER_BENCH_EMIT=PATH`: write the 1x model to PATH and exit (for
//!   other benchmarks, e.g. the app's canvas);
//! - `CHARTER_BENCH_CLI=PATH`: also time the real process, `PATH export
//!   MODEL --env prod -o FILE` on the model written to a file (wall clock).
//!
//! Besides wall-clock medians, the read + export pipeline reports the CPU
//! time of this process (all threads, from `/proc/self/stat`), since the
//! machine may be shared and the pipeline runs parts on two threads.
//!
//! This is a plain bench binary (`harness = false`), not criterion: one run
//! at 4x takes seconds and the point is the per-phase breakdown and growth.

use charter_model::export::{export, export_preview};
use charter_model::file::{model_to_string, parse_model};
use charter_model::model::{
    AlertMetric, AlertRule, ConflictPolicy, ConflictRule, Endpoint, Endpoints, Entity, Field,
    FieldType, Flow, Model, Pattern, Protocol, ReconcileRule, Retry, RouteRule, Rule, System,
    SystemKind, Trigger, ValidateAction, ValidateRule,
};
use charter_model::{check, Severity};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const SYSTEMS_PER_SCALE: usize = 2_000;
const ENTITIES_PER_SYSTEM: usize = 10;
/// Copy holders per entity: each gets an event flow from the owner, and the
/// first asks the owner by request, so 5 flows per entity.
const COPIES: usize = 4;
const ENVS: [&str; 3] = ["dev", "test", "prod"];

/// A realistic large model: systems in domains of 20, each owning 10
/// entities copied to 4 systems of its domain and the next, owner events to
/// every copy (acknowledged, idempotent), one request per entity, and one
/// rule per two entities (validate, route, conflict, reconcile for money,
/// alert), all valid.
pub fn generate(scale: usize) -> Model {
    let n_systems = SYSTEMS_PER_SCALE * scale.max(1);
    let n_entities = n_systems * ENTITIES_PER_SYSTEM;
    let mut model = Model::new(format!("Generated model {scale}x"));
    model.description = Some(format!(
        "{n_systems} systems, {n_entities} entities, generated for the core benchmark"
    ));
    model.environments = Some(ENVS.iter().map(|e| e.to_string()).collect());

    let kinds = SystemKind::ALL;
    for i in 0..n_systems {
        let id = format!("s{i:05}");
        let mut endpoints = Endpoints::new();
        for env in ENVS {
            endpoints.insert(
                env.to_string(),
                Endpoint {
                    protocol: [Protocol::Rest, Protocol::Queue, Protocol::Sftp][i % 3],
                    url: format!("https://{env}.{id}.example.com/api"),
                    credential_ref: Some(format!("vault:{id}/{env}")),
                    rate_limit_per_minute: Some(600),
                    extra: Default::default(),
                },
            );
        }
        model.systems.push(System {
            name: format!("System {i}"),
            kind: kinds[i % kinds.len()],
            team: Some(format!("Team {}", i / 20)),
            side_effects: Some(i % 50 == 0),
            endpoints: Some(endpoints),
            extra: Default::default(),
            id,
        });
    }

    let sys = |i: usize| format!("s{:05}", i % n_systems);
    let mut rules: Vec<Rule> = Vec::with_capacity(n_entities / 2);
    for e in 0..n_entities {
        let owner_i = e / ENTITIES_PER_SYSTEM;
        let id = format!("e{e:06}");
        let monetary = e % 20 == 0;
        // Copies within the owner's domain of 20 systems, then the next one.
        let copies: Vec<String> = (1..=COPIES)
            .map(|j| sys(owner_i + j * 3 + (e % ENTITIES_PER_SYSTEM)))
            .collect();
        let fields = vec![
            field("ref", FieldType::String, true, None, false),
            field("quantity", FieldType::Integer, true, None, false),
            field("amount", FieldType::Number, true, None, false),
            field(
                "status",
                FieldType::Enum,
                true,
                Some(&["open", "held", "closed", "priority"]),
                false,
            ),
            field("updatedAt", FieldType::Datetime, false, None, false),
            field("contactEmail", FieldType::String, false, None, true),
        ];
        model.entities.push(Entity {
            name: format!("Entity {e}"),
            owner: Some(sys(owner_i)),
            steward: Some(format!("Steward {}", owner_i / 20)),
            rationale: Some("Created and changed in its owner system".to_string()),
            key: "ref".to_string(),
            monetary: Some(monetary),
            consistency_window_seconds: Some([5, 60, 300, 3600][e % 4]),
            fields,
            copies: copies.clone(),
            extra: Default::default(),
            id: id.clone(),
        });
        for (j, to) in copies.iter().enumerate() {
            model.flows.push(Flow {
                id: format!("{id}-to-{to}"),
                entity: id.clone(),
                from: sys(owner_i),
                to: to.clone(),
                pattern: Pattern::Event,
                trigger: if j == 3 {
                    Trigger::Schedule
                } else {
                    Trigger::System
                },
                ack: Some(true),
                idempotency_key: Some("ref".to_string()),
                ack_within_seconds: None,
                retry: Some(Retry {
                    extra: Default::default(),
                    attempts: 5,
                    backoff_seconds: 30,
                }),
                schedule: (j == 3).then(|| "0 */15 * * * *".to_string()),
                extra: Default::default(),
            });
        }
        model.flows.push(Flow {
            id: format!("{id}-req"),
            entity: id.clone(),
            from: copies[0].clone(),
            to: sys(owner_i),
            pattern: Pattern::Request,
            trigger: Trigger::User,
            ack: Some(true),
            idempotency_key: Some("ref".to_string()),
            ack_within_seconds: None,
            retry: Some(Retry {
                extra: Default::default(),
                attempts: 3,
                backoff_seconds: 5,
            }),
            schedule: None,
            extra: Default::default(),
        });

        // One rule per two entities; every monetary entity is reconciled.
        let r = format!("r{e:06}");
        if monetary {
            rules.push(Rule::Reconcile(ReconcileRule {
                extra: Default::default(),
                id: r,
                entity: id,
                // Over every holder (coverage is judged per holder).
                systems: std::iter::once(sys(owner_i))
                    .chain(copies.iter().cloned())
                    .collect(),
                fields: vec!["amount".to_string()],
                tolerance: Some(0.01),
                within_seconds: Some(86_400),
            }));
        } else if e % 2 == 0 {
            rules.push(match (e / 2) % 10 {
                0..=3 => Rule::Validate(ValidateRule {
                    extra: Default::default(),
                    id: r,
                    entity: id,
                    condition: format!(
                        "quantity >= 0 && amount <= {}.0 && status != \"held\"",
                        1000 + e % 9000
                    ),
                    action: [
                        ValidateAction::Reject,
                        ValidateAction::Quarantine,
                        ValidateAction::Flag,
                    ][e % 3],
                    message: Some("Quantity and amount out of range".to_string()),
                }),
                4..=5 => Rule::Route(RouteRule {
                    extra: Default::default(),
                    id: r,
                    entity: id,
                    condition: format!(
                        "status == \"priority\" || (amount > {}.0 && quantity > 10)",
                        500 + e % 5000
                    ),
                    to: vec![copies[1].clone()],
                }),
                6..=7 => Rule::Conflict(ConflictRule {
                    extra: Default::default(),
                    id: r,
                    entity: id,
                    policy: [
                        ConflictPolicy::OwnerWins,
                        ConflictPolicy::Version,
                        ConflictPolicy::LastWriteWins,
                        ConflictPolicy::Escalate,
                    ][(e / 20) % 4],
                }),
                _ => Rule::Alert(AlertRule {
                    extra: Default::default(),
                    id: r,
                    flow: format!("{id}-to-{}", copies[0]),
                    metric: AlertMetric::AckRate,
                    threshold: 0.98,
                    window_seconds: 300,
                }),
            });
        }
    }
    model.rules = Some(rules);
    model
}

fn field(name: &str, ty: FieldType, required: bool, values: Option<&[&str]>, pii: bool) -> Field {
    Field {
        name: name.to_string(),
        field_type: ty,
        required: Some(required),
        values: values.map(|v| v.iter().map(|s| s.to_string()).collect()),
        pii: pii.then_some(true),
        extra: Default::default(),
    }
}

/// Times of one run, by phase.
#[derive(Clone, Copy, Default)]
struct Run {
    read: Duration,
    check: Duration,
    build: Duration,
    pipeline: Duration,
    pipeline_cpu: Duration,
    process: Duration,
}

/// CPU time (user + system, all threads) of this process so far, from
/// `/proc/self/stat` (in clock ticks of 10 ms); zero where unavailable.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Wall time of `cli export model --env prod -o out`, or zero when it fails.
fn time_process(cli: &str, model: &std::path::Path, out: &std::path::Path) -> Duration {
    let t = Instant::now();
    let status = std::process::Command::new(cli)
        .arg("export")
        .arg(model)
        .args(["--env", "prod", "-o"])
        .arg(out)
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => t.elapsed(),
        _ => {
            eprintln!("{cli} export failed: {status:?}");
            Duration::ZERO
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|s| {
            s.split(',')
                .filter_map(|x| x.trim().trim_end_matches('x').parse().ok())
                .collect()
        })
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| default.to_vec())
}

fn main() -> ExitCode {
    // `cargo test --benches` runs bench binaries with `--test`: stay quick.
    let smoke = std::env::args().any(|a| a == "--test");
    if let Ok(path) = std::env::var("CHARTER_BENCH_EMIT") {
        let text = model_to_string(&generate(1));
        if let Err(e) = charter_model::file::write_atomically(path.as_ref(), text.as_bytes()) {
            eprintln!("{path}: cannot write: {e}");
            return ExitCode::FAILURE;
        }
        return ExitCode::SUCCESS;
    }
    let scales = if smoke {
        vec![1]
    } else {
        env_list("CHARTER_BENCH_SCALES", &[1, 2, 4])
    };
    let runs = if smoke {
        1
    } else {
        env_list("CHARTER_BENCH_RUNS", &[5])[0].max(1)
    };

    let mut rows = Vec::new();
    for &scale in &scales {
        let model = generate(scale);
        let text = model_to_string(&model);
        // The generated model must be valid, or export would stop at the checks.
        let errors: Vec<_> = check(&model)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        if let Some(f) = errors.first() {
            eprintln!(
                "generated model {scale}x has {} errors, first: {} {}: {}",
                errors.len(),
                f.code,
                f.subject,
                f.message
            );
            return ExitCode::FAILURE;
        }
        let findings = check(&model).len();
        let mut times = Vec::new();
        let mut config_bytes = 0;
        let cli = std::env::var("CHARTER_BENCH_CLI").ok();
        let model_file = match &cli {
            Some(_) => {
                let dir = std::env::temp_dir();
                let model_path = dir.join(format!("charter-bench-{scale}x.model.json"));
                let out_path = dir.join(format!("charter-bench-{scale}x.config.json"));
                if let Err(e) = std::fs::write(&model_path, &text) {
                    eprintln!("{}: cannot write: {e}", model_path.display());
                    return ExitCode::FAILURE;
                }
                Some((model_path, out_path))
            }
            None => None,
        };
        for _ in 0..runs {
            let t0 = Instant::now();
            let Ok(read) = parse_model(&text) else {
                eprintln!("generated model {scale}x does not read");
                return ExitCode::FAILURE;
            };
            let read_t = t0.elapsed();
            let t1 = Instant::now();
            let f = check(&read);
            let check_t = t1.elapsed();
            std::hint::black_box(f);
            let t2 = Instant::now();
            let built = export_preview(&read, "prod");
            let build_t = t2.elapsed();
            let _ = std::hint::black_box(built);
            drop(read);

            // The whole process, as `charter export` does it: read then export
            // (which runs the checks first).
            let c3 = cpu_time();
            let t3 = Instant::now();
            let exported = parse_model(&text)
                .map_err(|_| ())
                .and_then(|m| export(&m, "prod").map_err(|_| ()));
            let pipeline_t = t3.elapsed();
            let pipeline_cpu = cpu_time().saturating_sub(c3);
            match exported {
                Ok(x) => config_bytes = x.text.len(),
                Err(()) => {
                    eprintln!("generated model {scale}x does not export");
                    return ExitCode::FAILURE;
                }
            }
            let process = match (&cli, &model_file) {
                (Some(cli), Some((model_path, out_path))) => {
                    time_process(cli, model_path, out_path)
                }
                _ => Duration::ZERO,
            };
            times.push(Run {
                read: read_t,
                check: check_t,
                build: build_t,
                pipeline: pipeline_t,
                pipeline_cpu,
                process,
            });
        }
        let row = Run {
            read: median(times.iter().map(|r| r.read).collect()),
            check: median(times.iter().map(|r| r.check).collect()),
            build: median(times.iter().map(|r| r.build).collect()),
            pipeline: median(times.iter().map(|r| r.pipeline).collect()),
            pipeline_cpu: median(times.iter().map(|r| r.pipeline_cpu).collect()),
            process: median(times.iter().map(|r| r.process).collect()),
        };
        if let Some((model_path, out_path)) = &model_file {
            let _ = std::fs::remove_file(model_path);
            let _ = std::fs::remove_file(out_path);
        }
        eprintln!(
            "{scale}x: read {} check {} export(build) {} pipeline {} (cpu {}) process {}",
            ms(row.read),
            ms(row.check),
            ms(row.build),
            ms(row.pipeline),
            ms(row.pipeline_cpu),
            ms(row.process),
        );
        rows.push((scale, model, text.len(), config_bytes, findings, row));
    }

    println!("| scale | systems / entities / flows / rules | model text | read | check | export (build + digest) | read + export (with check) | its CPU time | `charter export` process | growth vs 1x |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let base = rows.first().map(|r| (r.0, r.5.pipeline));
    for (scale, model, text_len, config_len, findings, row) in &rows {
        let growth = match base {
            Some((s0, t0)) if !t0.is_zero() => format!(
                "{:.2}x time for {:.0}x size",
                row.pipeline.as_secs_f64() / t0.as_secs_f64(),
                *scale as f64 / s0 as f64
            ),
            _ => "-".to_string(),
        };
        println!(
            "| {scale}x | {} / {} / {} / {} | {:.1} MB (config {:.1} MB, {findings} findings) | {} | {} | {} | **{}** | {} | {} | {growth} |",
            model.systems.len(),
            model.entities.len(),
            model.flows.len(),
            model.rules().len(),
            *text_len as f64 / 1e6,
            *config_len as f64 / 1e6,
            ms(row.read),
            ms(row.check),
            ms(row.build),
            ms(row.pipeline),
            ms(row.pipeline_cpu),
            if row.process.is_zero() {
                "-".to_string()
            } else {
                ms(row.process)
            },
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\nMedian of {runs} runs per scale; load average at the end: {}.",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    ExitCode::SUCCESS
}
