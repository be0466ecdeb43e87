//! `replay_with`: the same decisions and output as `replay`, one hook call per
//! line, progress every PROGRESS_EVERY lines, and a stop between two lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_runtime::replay::{replay, replay_with, ReplayHooks, PROGRESS_EVERY};
use charter_runtime::{Compiled, Decision, Engine, Message};
use std::path::PathBuf;
use std::sync::Arc;

fn traffic_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/traffic")
}

fn config() -> Arc<Compiled> {
    Arc::new(Compiled::load_file(&traffic_dir().join("ecommerce.config.json")).unwrap())
}

/// (line, id, decision, reason, entity or "" for an invalid line, detail)
type Decided = (
    u64,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
);

#[derive(Default)]
struct Recorder {
    decided: Vec<Decided>,
    progress: Vec<(u64, u64)>,
    stop_after: Option<u64>,
}

impl ReplayHooks for Recorder {
    fn decided(
        &mut self,
        line: u64,
        message: Option<&Message<'_>>,
        id: Option<&str>,
        decision: &Decision<'_>,
        detail: Option<&str>,
    ) {
        self.decided.push((
            line,
            id.map(str::to_string),
            decision.verdict.as_str().to_string(),
            decision.reason.map(|r| r.as_str().to_string()),
            message.map(|m| m.entity.to_string()).unwrap_or_default(),
            detail.map(str::to_string),
        ));
    }

    fn progress(&mut self, lines: u64, bytes: u64) -> bool {
        self.progress.push((lines, bytes));
        self.stop_after.is_none_or(|n| lines < n)
    }
}

/// Many distinct order events (and a broken line every 500), `n` lines.
fn many(n: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..n {
        if i % 500 == 499 {
            out.push_str("{not json\n");
        } else {
            out.push_str(&format!(
                "{{\"id\":\"o-{i}\",\"at\":\"2026-03-01T10:{:02}:{:02}Z\",\"source\":\"shop\",\"kind\":\"event\",\"entity\":\"order\",\"key\":\"O-{i}\",\"op\":\"upsert\",\"data\":{{\"orderId\":\"O-{i}\",\"total\":{},\"lines\":[],\"shipping\":\"standard\"}}}}\n",
                (i / 60) % 60,
                i % 60,
                i % 7
            ));
        }
    }
    out.into_bytes()
}

#[test]
fn replay_with_decides_and_writes_exactly_as_replay() {
    for file in [
        "green-dashboard.jsonl",
        "edge-cases.jsonl",
        "storefront-upgrade.jsonl",
    ] {
        let input = std::fs::read(traffic_dir().join(file)).unwrap();
        let mut a = Engine::new(config());
        let mut out_a = Vec::new();
        replay(&mut a, input.as_slice(), &mut out_a, None).unwrap();
        let mut b = Engine::new(config());
        let mut out_b = Vec::new();
        let mut hooks = Recorder::default();
        let finished = replay_with(&mut b, input.as_slice(), &mut out_b, &mut hooks).unwrap();
        assert!(finished, "{file}");
        assert_eq!(out_a, out_b, "{file}: same output");
        assert_eq!(a.summary(), b.summary(), "{file}: same report");
        // One hook call per output line, with the same line, id and decision.
        let lines: Vec<serde_json::Value> = String::from_utf8(out_a)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(hooks.decided.len(), lines.len(), "{file}");
        for (h, l) in hooks.decided.iter().zip(&lines) {
            assert_eq!(serde_json::json!(h.0), l["line"], "{file}");
            assert_eq!(serde_json::json!(h.1), l["id"], "{file}");
            assert_eq!(serde_json::json!(h.2), l["decision"], "{file}");
            assert_eq!(serde_json::json!(h.3), l["reason"], "{file}");
            if h.2 == "invalid" {
                assert_eq!(serde_json::json!(h.5), l["detail"], "{file}");
                assert_eq!(h.4, "", "{file}: no message for an invalid line");
            }
        }
        // Short input: one progress call at the end, with every line and byte.
        assert_eq!(
            hooks.progress,
            vec![(lines.len() as u64, input.len() as u64)],
            "{file}"
        );
    }
}

#[test]
fn progress_comes_every_so_many_lines_and_counts_bytes() {
    let input = many(2 * PROGRESS_EVERY as usize + 10);
    let mut engine = Engine::new(config());
    let mut hooks = Recorder::default();
    let finished = replay_with(
        &mut engine,
        input.as_slice(),
        &mut std::io::sink(),
        &mut hooks,
    )
    .unwrap();
    assert!(finished);
    let at: Vec<u64> = hooks.progress.iter().map(|p| p.0).collect();
    assert_eq!(
        at,
        vec![PROGRESS_EVERY, 2 * PROGRESS_EVERY, 2 * PROGRESS_EVERY + 10]
    );
    let first_bytes: usize = input
        .split_inclusive(|b| *b == b'\n')
        .take(PROGRESS_EVERY as usize)
        .map(<[u8]>::len)
        .sum();
    assert_eq!(hooks.progress[0].1, first_bytes as u64);
    assert_eq!(hooks.progress[2].1, input.len() as u64);
    assert_eq!(engine.counts().messages, 2 * PROGRESS_EVERY + 10);
    assert_eq!(engine.counts().invalid, 4, "lines 500, 1000, 1500, 2000");
}

#[test]
fn a_hook_that_says_stop_ends_the_replay_between_two_lines() {
    let input = many(5 * PROGRESS_EVERY as usize);
    let mut engine = Engine::new(config());
    let mut out = Vec::new();
    let mut hooks = Recorder {
        stop_after: Some(2 * PROGRESS_EVERY),
        ..Recorder::default()
    };
    let finished = replay_with(&mut engine, input.as_slice(), &mut out, &mut hooks).unwrap();
    assert!(!finished, "stopped, not finished");
    assert_eq!(engine.counts().messages, 2 * PROGRESS_EVERY);
    assert_eq!(hooks.decided.len() as u64, 2 * PROGRESS_EVERY);
    assert_eq!(
        String::from_utf8(out).unwrap().lines().count() as u64,
        2 * PROGRESS_EVERY,
        "every decision taken is written"
    );
    // The decisions taken so far are the first lines' decisions of a full replay.
    let mut full = Engine::new(config());
    let cut: Vec<u8> = input
        .split_inclusive(|b| *b == b'\n')
        .take(2 * PROGRESS_EVERY as usize)
        .flatten()
        .copied()
        .collect();
    replay(&mut full, cut.as_slice(), &mut std::io::sink(), None).unwrap();
    assert_eq!(full.counts(), engine.counts());
}
