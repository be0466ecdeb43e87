#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Timing of `check` on a model of the benchmark's size (printed, not
//! asserted: the machine is shared). Run with
//! `cargo test --release -p charter-model --test checks_perf -- --nocapture`.

use charter_model::{check, parse_model};
use std::fmt::Write;
use std::time::Instant;

/// 2,000 systems, 20,000 entities (4 copies each), 100,000 flows (4 events
/// and a request per entity), 10,000 rules (validate, route, reconcile, alert).
fn generate() -> String {
    let n_sys = 2000;
    let n_ent = 20_000;
    let sys = |i: usize| format!("s{:05}", i % n_sys);
    let mut t = String::from(
        r#"{"format": "charter-model/1", "name": "big", "environments": ["dev", "test", "prod"], "systems": ["#,
    );
    for i in 0..n_sys {
        if i > 0 {
            t.push(',');
        }
        let id = sys(i);
        write!(t, r#"{{"id": "{id}", "name": "System {i}", "kind": "erp", "sideEffects": {}, "endpoints": {{"#, i % 50 == 0).unwrap();
        for (k, env) in ["dev", "test", "prod"].iter().enumerate() {
            if k > 0 {
                t.push(',');
            }
            write!(t, r#""{env}": {{"protocol": "rest", "url": "https://{env}.{id}.example.com/api", "credentialRef": "vault:{id}/{env}"}}"#).unwrap();
        }
        t.push_str("}}");
    }
    t.push_str(r#"], "entities": ["#);
    let mut flows = String::new();
    let mut rules = String::new();
    for e in 0..n_ent {
        if e > 0 {
            t.push(',');
        }
        let owner = e / 10;
        let copies: Vec<String> = (1..=4).map(|j| sys(owner + j * 3 + e % 10)).collect();
        let cl = copies
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        write!(t, r#"{{"id": "e{e:06}", "name": "Entity {e}", "owner": "{}", "steward": "S", "key": "ref", "monetary": {}, "consistencyWindowSeconds": 60,
            "fields": [{{"name": "ref", "type": "string"}}, {{"name": "quantity", "type": "integer"}}, {{"name": "amount", "type": "number"}},
                       {{"name": "status", "type": "enum", "values": ["open", "held", "closed", "priority"]}}], "copies": [{cl}]}}"#, sys(owner), e % 20 == 0).unwrap();
        for c in &copies {
            if !flows.is_empty() {
                flows.push(',');
            }
            write!(flows, r#"{{"id": "e{e:06}-to-{c}", "entity": "e{e:06}", "from": "{}", "to": "{c}", "pattern": "event", "trigger": "system", "ack": true, "idempotencyKey": "ref"}}"#, sys(owner)).unwrap();
        }
        write!(flows, r#",{{"id": "e{e:06}-req", "entity": "e{e:06}", "from": "{}", "to": "{}", "pattern": "request", "trigger": "user", "ack": true, "idempotencyKey": "ref"}}"#, copies[0], sys(owner)).unwrap();
        if e % 2 == 0 {
            if !rules.is_empty() {
                rules.push(',');
            }
            match (e / 2) % 5 {
                // Money is reconciled over every holder: the owner and its 4 copies.
                _ if e % 20 == 0 => write!(rules, r#"{{"id": "r{e}", "kind": "reconcile", "entity": "e{e:06}", "systems": ["{}", {cl}], "fields": ["amount"]}}"#, sys(owner)).unwrap(),
                0 | 1 => write!(rules, r#"{{"id": "r{e}", "kind": "validate", "entity": "e{e:06}", "condition": "quantity >= 0 && amount <= {}.0 && status != \"held\"", "action": "reject"}}"#, 1000 + e % 9000).unwrap(),
                2 | 3 => write!(rules, r#"{{"id": "r{e}", "kind": "route", "entity": "e{e:06}", "condition": "status == \"priority\" || (amount > {}.0 && quantity > 10)", "to": ["{}"]}}"#, 500 + e % 5000, copies[1]).unwrap(),
                _ => write!(rules, r#"{{"id": "r{e}", "kind": "alert", "flow": "e{e:06}-to-{}", "metric": "ack-rate", "threshold": 0.98, "windowSeconds": 300}}"#, copies[0]).unwrap(),
            }
        }
    }
    write!(t, r#"], "flows": [{flows}], "rules": [{rules}]}}"#).unwrap();
    t
}

#[test]
fn check_timing_at_benchmark_size() {
    let text = generate();
    let start = Instant::now();
    let model = parse_model(&text).unwrap();
    let read = start.elapsed();
    assert_eq!(
        (
            model.systems.len(),
            model.entities.len(),
            model.flows.len(),
            model.rules().len()
        ),
        (2000, 20_000, 100_000, 10_000)
    );
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let fs = check(&model);
        times.push(start.elapsed());
        n = fs.len();
        if let Some(f) = fs.first() {
            println!("first finding: {f:?}");
        }
    }
    times.sort();
    println!(
        "read {read:?}; check: {n} findings, median {:?} (min {:?}, max {:?})",
        times[2], times[0], times[4]
    );
    assert_eq!(n, 0);
}
