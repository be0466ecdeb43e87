//! Arbitrary bytes as a deployable configuration (`charter-config/1`), then
//! as traffic for it. The input is a configuration, optionally followed by a
//! NUL byte and JSON Lines traffic.
//!
//! - `Compiled::from_slice` never panics; every refusal is one line naming
//!   the file;
//! - most inputs fail the digest check, so the same JSON is loaded again with
//!   its digest made right: it passes the digest, and either loads or is
//!   refused for its shape or its content, never for the digest or format
//!   (when its `format` is the right one);
//! - a text that reads as a structurally valid `Config` (serde) goes to
//!   `Compiled::compile` directly, which never panics and agrees with the
//!   digest-corrected `from_slice`;
//! - a configuration that compiles decides the traffic after the NUL (or a
//!   few messages of the seed traffic) without panicking, twice with the same
//!   decisions, and its summary serializes.

#![no_main]

use charter_model::config::Config;
use charter_model::export::digest_of;
use charter_runtime::engine::write_decision;
use charter_runtime::{parse_message, Compiled, Engine, LoadError, Limits};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::Arc;

const FILE: &str = "fuzz.config.json";

/// Traffic for a configuration whose input carries none: every kind.
const DEFAULT_TRAFFIC: &[u8] = include_bytes!("../../tests/traffic/green-dashboard.jsonl");

fn refused_in_one_line(e: &LoadError) {
    let text = e.to_string();
    assert!(text.starts_with(FILE), "refusal does not name the file: {text}");
    assert!(!text.contains('\n'), "multi-line refusal: {text}");
}

fn decisions(cfg: &Arc<Compiled>, traffic: &[u8], limits: Limits) -> (Vec<u8>, String) {
    let mut engine = Engine::with_limits(Arc::clone(cfg), limits);
    let mut out = Vec::new();
    for (i, line) in traffic.split(|&b| b == b'\n').enumerate() {
        match parse_message(line) {
            Ok(msg) => {
                let d = engine.decide(&msg);
                write_decision(&mut out, cfg, i as u64 + 1, Some(&msg.id), &d, None);
            }
            Err(e) => engine.count_invalid(&e.0, None),
        }
        out.push(b'\n');
    }
    if let Some(clock) = engine.clock_ms() {
        engine.tick(clock.saturating_add(5_000_000_000_000));
    }
    let summary = match serde_json::to_string(&engine.summary()) {
        Ok(s) => s,
        Err(e) => panic!("summary does not serialize: {e}"),
    };
    (out, summary)
}

fn run(cfg: Compiled, traffic: &[u8]) {
    let cfg = Arc::new(cfg);
    let traffic = if traffic.is_empty() {
        DEFAULT_TRAFFIC
    } else {
        traffic
    };
    let tiny = Limits {
        duplicate_ids: 4,
        reconcile_keys_per_rule: 2,
        outstanding_acks: 2,
        ordered_keys: 2,
    };
    let first = decisions(&cfg, traffic, tiny);
    let again = decisions(&cfg, traffic, tiny);
    assert!(first == again, "the same traffic decided twice differs");
    // The default bounds, less the duplicate memory's 64 MiB up front.
    let roomy = Limits {
        duplicate_ids: 4096,
        ..Limits::default()
    };
    let _ = decisions(&cfg, traffic, roomy);
}

fuzz_target!(|data: &[u8]| {
    let (config, traffic) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };

    // As given: almost always a digest refusal.
    if let Err(e) = Compiled::from_slice(config, FILE) {
        refused_in_one_line(&e);
    }

    let Ok(mut doc) = serde_json::from_slice::<Value>(config) else {
        return;
    };
    let format_ok = doc.get("format").and_then(Value::as_str) == Some("charter-config/1");
    if let Some(obj) = doc.as_object_mut() {
        obj.remove("digest");
        let digest = digest_of(&Value::Object(obj.clone()));
        obj.insert("digest".into(), Value::String(digest));
    }
    let corrected = match serde_json::to_vec(&doc) {
        Ok(b) => b,
        Err(e) => panic!("a JSON value does not serialize: {e}"),
    };
    let loaded = Compiled::from_slice(&corrected, FILE);
    if let Err(e) = &loaded {
        refused_in_one_line(e);
        if format_ok {
            assert!(
                !matches!(e, LoadError::Digest { .. } | LoadError::UnknownFormat { .. }),
                "a corrected digest is refused: {e}"
            );
        }
    }

    // Past the digest: the configuration's structure as serde reads it.
    let Ok(config) = serde_json::from_value::<Config>(doc) else {
        assert!(
            loaded.is_err(),
            "from_slice loaded what does not read as a configuration"
        );
        return;
    };
    let compiled = Compiled::compile(config, FILE);
    match (&loaded, &compiled) {
        (Ok(_), Err(e)) => panic!("from_slice loads what compile refuses: {e}"),
        (Err(e), Ok(_)) if format_ok => panic!("compile takes what from_slice refuses: {e}"),
        (_, Err(e)) => refused_in_one_line(e),
        _ => {}
    }
    if let Ok(c) = compiled {
        run(c, traffic);
    }
});
