//! `charter replay` end to end: output, report, exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn traffic(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/traffic")
        .join(file)
}

fn charter(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charter"))
        .args(args)
        .output()
        .unwrap()
}

fn p(s: &str) -> &Path {
    Path::new(s)
}

#[test]
fn replay_writes_one_decision_per_line_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = charter(&[
        p("replay"),
        &traffic("settlement-drift.jsonl"),
        p("--report"),
        &report,
    ]);
    // The config comes first: this call is wrong on purpose (events as config).
    assert_eq!(out.status.code(), Some(2));
    let out = charter(&[
        p("replay"),
        &traffic("ecommerce.config.json"),
        &traffic("settlement-drift.jsonl"),
        p("--report"),
        &report,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "no progress line when stderr is not a terminal"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 11);
    assert_eq!(
        lines[0],
        json!({"line": 1, "id": "p-1", "decision": "accept", "reason": null, "rule": null,
               "deliveries": [{"to": "oms", "idempotencyKey": "P-1"}, {"to": "accounting", "idempotencyKey": "P-1"}]})
    );
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "messages",
            "accept",
            "reject",
            "quarantine",
            "duplicate",
            "flag",
            "observe",
            "invalid",
            "reasons",
            "reconciliation",
            "exceptions",
            "flows",
            "alerts",
            "incidents"
        ]
    );
    assert_eq!(r["messages"], 11);
    assert_eq!(r["reject"], 2);
    assert_eq!(r["observe"], 4);
    assert_eq!(r["reasons"], json!({"not-owner": 1, "rule": 1}));
    assert_eq!(r["reconciliation"].as_array().unwrap().len(), 3);
    assert_eq!(r["reconciliation"][1]["key"], "P-4");
    assert_eq!(
        r["reconciliation"][1]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["rule", "key", "detail"]
    );
}

#[test]
fn strict_exits_1_only_when_traffic_was_refused() {
    let cfg = traffic("ecommerce.config.json");
    let out = charter(&[
        p("replay"),
        &cfg,
        &traffic("silent-failure.jsonl"),
        p("--strict"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let out = charter(&[p("replay"), &cfg, &traffic("silent-failure.jsonl")]);
    assert_eq!(out.status.code(), Some(0));
    // Flags are not refusals.
    let out = charter(&[
        p("replay"),
        &cfg,
        &traffic("logic-in-connector.jsonl"),
        p("--strict"),
    ]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn tampered_config_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("tampered.config.json");
    let text = std::fs::read_to_string(traffic("ecommerce.config.json")).unwrap();
    std::fs::write(
        &cfg,
        text.replacen("\"tolerance\": 0.01", "\"tolerance\": 1000.0", 1),
    )
    .unwrap();
    let out = charter(&[p("replay"), &cfg, &traffic("settlement-drift.jsonl")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("tampered.config.json") && err.contains("digest mismatch"),
        "{err}"
    );
    // Like check, export and diff: the line starts with the file, no prefix.
    assert!(err.starts_with(&cfg.display().to_string()), "{err}");
}

#[test]
fn unreadable_inputs_exit_2_naming_the_file() {
    let cfg = traffic("ecommerce.config.json");
    let out = charter(&[p("replay"), &cfg, p("/nonexistent/events.jsonl")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("/nonexistent/events.jsonl: cannot read"),
        "{err}"
    );
    let out = charter(&[
        p("replay"),
        p("/nonexistent/c.json"),
        &traffic("silent-failure.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("/nonexistent/c.json: cannot read"), "{err}");
}
