//! Runtime benchmarks (`cargo bench -p charter-runtime`):
//! - decisions/s on pre-parsed messages, one core (ownership + validate +
//!   route + deliveries + duplicate memory + reconciliation), e-commerce
//!   sample configuration;
//! - parse + decide + write one JSON line per message (replay's inner loop);
//! - side by side: the same ownership + validation policy in Rego, evaluated
//!   in-process by regorus, on the same messages (decisions checked equal).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "traffic_gen.rs"]
mod traffic_gen;

use charter_runtime::engine::write_decision;
use charter_runtime::{parse_message, Compiled, Engine, Limits, Message};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::borrow::Cow;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn sample_config() -> Compiled {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let model =
        charter_model::file::read_model_file(&root.join("models/examples/ecommerce.model.json"))
            .unwrap();
    let exported = charter_model::export::export(&model, "prod").unwrap();
    Compiled::from_slice(exported.text.as_bytes(), "ecommerce.prod.config.json").unwrap()
}

/// Time spent on the CPU by this thread, from /proc/thread-self/schedstat.
/// The benchmarks report CPU time, not wall time: the machine (2 cores) is
/// shared with other builds, whose load would otherwise be counted as ours.
fn cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        s.split_whitespace().next()?.parse().ok()?,
    ))
}

/// Runs `f`, returning its CPU time (wall time where schedstat is missing).
fn timed(f: impl FnOnce()) -> Duration {
    let (c0, w0) = (cpu_time(), Instant::now());
    f();
    match (c0, cpu_time()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => w0.elapsed(),
    }
}

const LIMITS: Limits = Limits {
    duplicate_ids: 1 << 21,
    reconcile_keys_per_rule: 1 << 18,
    outstanding_acks: 1 << 20,
    ordered_keys: 1 << 20,
};

/// Steady state: one long-lived engine (default memory bounds) and a pool of
/// pre-parsed messages whose ids are renewed before each pass (outside the
/// timing), so that every timed decision sees a new id, as in real traffic,
/// and the duplicate memory runs full with FIFO eviction after warm-up.
fn decide_steady(
    engine: &mut Engine,
    msgs: &mut [Message<'_>],
    pass: &mut u64,
    iters: u64,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        *pass += 1;
        renew(msgs, *pass);
        total += timed(|| {
            for m in msgs.iter() {
                black_box(engine.decide(black_box(m)));
            }
        });
    }
    total
}

/// New ids for a pass (acks follow the ids of the messages they settle),
/// versions that keep growing (the sample orders by version), and times
/// moved on by the pool's span, so that time passes as in real traffic:
/// deadlines and alert windows come and go.
fn renew(msgs: &mut [Message<'_>], pass: u64) {
    let n = msgs.len() as u64;
    let (lo, hi) = msgs.iter().fold((i64::MAX, i64::MIN), |(lo, hi), m| {
        (lo.min(m.at_ms), hi.max(m.at_ms))
    });
    let span = hi.saturating_sub(lo) + 1000;
    let mut last_message = String::new();
    for (i, m) in msgs.iter_mut().enumerate() {
        m.at_ms += span;
        match &mut m.ack {
            Some(ack) => {
                m.id = Cow::Owned(format!("a-{pass}-{i}"));
                ack.reference = Cow::Owned(last_message.clone());
            }
            None => {
                m.id = Cow::Owned(format!("m-{pass}-{i}"));
                last_message = m.id.to_string();
                if m.version.is_some() {
                    m.version = Some((pass * n + i as u64) as i64);
                }
            }
        }
    }
}

fn rego_engine() -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    let policy = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/policy.rego"),
    )
    .unwrap();
    engine.add_policy("policy.rego".into(), policy).unwrap();
    engine
}

fn bench(c: &mut Criterion) {
    let cfg = Arc::new(sample_config());
    assert_eq!(cfg.interpreted_conditions, 0);
    const N: u64 = 200_000;
    let texts: Vec<String> = (0..N)
        .map(|i| traffic_gen::message(i).to_string())
        .collect();
    let msgs: Vec<Message<'static>> = texts
        .iter()
        .map(|t| parse_message(t.as_bytes()).unwrap().into_owned())
        .collect();

    let mut g = c.benchmark_group("runtime");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(3));
    // Pre-parsed decisions: a pool of 10,000 messages (the traffic mix of
    // traffic_gen.rs), ids renewed per pass, one engine in steady state.
    const POOL: usize = 10_000;
    let mut pool: Vec<Message<'static>> = msgs[..POOL].to_vec();
    let mut engine = Engine::with_limits(Arc::clone(&cfg), LIMITS);
    let mut pass = 0;
    g.throughput(Throughput::Elements(POOL as u64));
    g.bench_function("decide/pre-parsed", |b| {
        b.iter_custom(|iters| decide_steady(&mut engine, &mut pool, &mut pass, iters))
    });
    // The same traffic with one ack per delivery on an ack flow (the sample's
    // flows all ask for one): about 1.3 acks per message. Throughput counts
    // every message, acks included.
    let ack_texts: Vec<String> = (0..POOL as u64)
        .flat_map(traffic_gen::with_acks)
        .map(|v| v.to_string())
        .collect();
    let mut with_acks: Vec<Message<'static>> = ack_texts
        .iter()
        .map(|t| parse_message(t.as_bytes()).unwrap().into_owned())
        .collect();
    let mut acking = Engine::with_limits(Arc::clone(&cfg), LIMITS);
    let mut pass_acks = 2_000_000;
    g.throughput(Throughput::Elements(with_acks.len() as u64));
    g.bench_function("decide/pre-parsed with acks", |b| {
        b.iter_custom(|iters| decide_steady(&mut acking, &mut with_acks, &mut pass_acks, iters))
    });
    assert_eq!(acking.outstanding_acks(), 0, "every delivery acked");
    g.throughput(Throughput::Elements(POOL as u64));
    // The same with a duplicate memory small enough to stay in cache: the
    // difference is the cost of the default 2M-id memory's cache misses.
    let mut small = Engine::with_limits(
        Arc::clone(&cfg),
        Limits {
            duplicate_ids: 1 << 14,
            ..LIMITS
        },
    );
    let mut pass_small = 1_000_000;
    g.bench_function("decide/pre-parsed, 16k-id duplicate memory", |b| {
        b.iter_custom(|iters| decide_steady(&mut small, &mut pool, &mut pass_small, iters))
    });
    g.throughput(Throughput::Elements(N));
    g.bench_function("parse+decide+write", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut out = Vec::with_capacity(1 << 16);
            for _ in 0..iters {
                let mut engine = Engine::with_limits(Arc::clone(&cfg), LIMITS);
                total += timed(|| {
                    for (i, text) in texts.iter().enumerate() {
                        let m = parse_message(text.as_bytes()).unwrap();
                        let d = engine.decide(&m);
                        write_decision(&mut out, &cfg, i as u64 + 1, Some(&m.id), &d, None);
                        out.push(b'\n');
                        if out.len() > 60_000 {
                            black_box(&out);
                            out.clear();
                        }
                    }
                });
            }
            total
        })
    });

    // Rego side by side, on the first R messages (pre-parsed for both).
    const R: usize = 20_000;
    let mut rego = rego_engine();
    let inputs: Vec<regorus::Value> = texts[..R]
        .iter()
        .map(|t| regorus::Value::from_json_str(t).unwrap())
        .collect();
    // The two agree on every decision (verdict, reason, rule).
    let mut engine = Engine::with_limits(Arc::clone(&cfg), LIMITS);
    for (m, input) in msgs[..R].iter().zip(&inputs) {
        let d = engine.decide(m);
        rego.set_input(input.clone());
        let r = rego.eval_rule("data.charter.decision".into()).unwrap();
        let r: serde_json::Value = serde_json::from_str(&r.to_json_str().unwrap()).unwrap();
        // Routes and deliveries are not in the Rego policy: compare decisions.
        assert_eq!(
            r["decision"].as_str(),
            Some(d.verdict.as_str()),
            "{} vs {:?}",
            r,
            d
        );
        assert_eq!(r["reason"].as_str(), d.reason.map(|x| x.as_str()), "{r}");
        assert_eq!(r["rule"].as_str(), d.rule.map(|x| cfg.rule_id(x)), "{r}");
    }
    g.throughput(Throughput::Elements(R as u64));
    let mut side: Vec<Message<'static>> = msgs[..R].to_vec();
    let mut engine = Engine::with_limits(Arc::clone(&cfg), LIMITS);
    let mut pass = 0;
    g.bench_function(BenchmarkId::new("side-by-side", "charter"), |b| {
        b.iter_custom(|iters| decide_steady(&mut engine, &mut side, &mut pass, iters))
    });
    g.bench_with_input(
        BenchmarkId::new("side-by-side", "rego-regorus"),
        &inputs,
        |b, inputs| {
            b.iter(|| {
                for input in inputs {
                    rego.set_input(input.clone());
                    black_box(rego.eval_rule("data.charter.decision".into()).unwrap());
                }
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
