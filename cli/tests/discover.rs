//! `charter discover`: the e-commerce exchange log gives the landscape with
//! the storefront's double write of stock named (by discovery and by
//! `charter check`), owners suggested with evidence, `--compare`, bad logs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli_support;
use cli_support::*;

use serde_json::Value;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/imports")
        .join(name)
}

fn examples(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../models/examples")
        .join(name)
}

#[test]
fn ecommerce_log_names_the_double_write_and_check_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("found.model.json");
    let run = charter([
        "discover".as_ref(),
        sample("ecommerce-exchanges.jsonl").as_os_str(),
        "-o".as_ref(),
        target.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "-o: nothing on stdout");
    assert!(
        run.stderr.contains("double write: shop writes stock")
            && run.stderr.contains("erp is its suggested owner"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("4 retries counted once"),
        "{}",
        run.stderr
    );
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    let entity = |id: &str| {
        m["entities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(entity("stock")["owner"], "erp");
    assert!(entity("stock")["rationale"]
        .as_str()
        .unwrap()
        .contains("erp wrote 20 of the 20 stock keys first"));
    let suggestions = entity("stock")["ownerSuggestions"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(suggestions[0]["system"], "erp");
    assert_eq!(suggestions[1]["system"], "shop");
    assert!(!suggestions[0]["evidence"].as_array().unwrap().is_empty());
    // Customers are created by both the shop and the ERP: contested.
    assert_eq!(entity("customer")["contested"], true);
    assert!(entity("customer").get("owner").is_none());
    assert_eq!(entity("order")["owner"], "oms");
    // Volumes, error rates, first and last seen on the flows.
    let flow = |id: &str| {
        m["flows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("no flow {id}"))
            .clone()
    };
    let ship = flow("shipment-oms-to-tpl");
    assert_eq!(ship["pattern"], "request");
    assert_eq!(ship["observed"]["count"], 40);
    assert_eq!(ship["observed"]["errors"], 4);
    assert_eq!(ship["observed"]["errorRate"], 0.1);
    assert_eq!(ship["observed"]["retries"], 4);
    assert_eq!(ship["observed"]["firstSeen"], "2026-03-02T10:04:06Z");
    // The GET of /api/v1/stock/SKU-n is a request about stock, not about SKU-n.
    assert_eq!(flow("stock-shop-to-erp-request")["pattern"], "request");
    // charter check reads it and names the double write.
    let check = charter(["check".as_ref(), target.as_os_str()]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(
        check
            .stdout
            .lines()
            .any(|l| l.starts_with("error double-write stock-shop-to-erp:")),
        "{}",
        check.stdout
    );
    assert_eq!(
        check
            .stdout
            .lines()
            .filter(|l| l.contains("double-write"))
            .count(),
        1,
        "{}",
        check.stdout
    );
}

#[test]
fn stdout_without_output_and_compare_lists() {
    let run = charter([
        "discover".as_ref(),
        sample("ecommerce-exchanges.jsonl").as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let m: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(m["format"], "charter-model/1");
    let cmp = charter([
        "discover".as_ref(),
        sample("ecommerce-exchanges.jsonl").as_os_str(),
        "--compare".as_ref(),
        examples("ecommerce-before.model.json").as_os_str(),
    ]);
    assert_eq!(cmp.code, 0, "{}", cmp.stderr);
    let lines: Vec<&str> = cmp.stdout.lines().collect();
    assert!(lines
        .iter()
        .all(|l| l.starts_with("undocumented ") || l.starts_with("unused ")));
    assert!(lines.contains(&"undocumented shop -> erp stock (request): 40 exchanges, 0.0% errors, last seen 2026-03-02T10:30:07Z"), "{}", cmp.stdout);
    assert!(
        lines.contains(&"unused refund-to-oms: psp -> oms refund (event): no traffic observed"),
        "{}",
        cmp.stdout
    );
    // The documented double write is seen, so it is not listed.
    assert!(
        !cmp.stdout.contains("shop-stock-decrement"),
        "{}",
        cmp.stdout
    );
    assert!(cmp.stderr.contains("undocumented,"), "{}", cmp.stderr);
}

#[test]
fn csv_log_with_aliased_columns() {
    let run = charter([
        "discover".as_ref(),
        sample("ecommerce-messages.csv").as_os_str(),
        "--format".as_ref(),
        "csv".as_ref(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("read 8 records as csv, skipped 1"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("line 10:"), "{}", run.stderr);
    let m: Value = serde_json::from_str(&run.stdout).unwrap();
    let order = m["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["entity"] == "order")
        .unwrap();
    // m5 twice: a retry, counted once.
    assert_eq!(order["observed"]["count"], 1);
    // Recognised without --format too.
    let auto = charter([
        "discover".as_ref(),
        sample("ecommerce-messages.csv").as_os_str(),
    ]);
    assert_eq!(auto.stdout, run.stdout);
}

#[test]
fn several_logs_add_up() {
    let one = charter([
        "discover".as_ref(),
        sample("ecommerce-exchanges.jsonl").as_os_str(),
    ]);
    let two = charter([
        "discover".as_ref(),
        sample("ecommerce-exchanges.jsonl").as_os_str(),
        sample("ecommerce-messages.csv").as_os_str(),
    ]);
    assert_eq!(two.code, 0, "{}", two.stderr);
    let count = |run: &Run, id: &str| -> u64 {
        let m: Value = serde_json::from_str(&run.stdout).unwrap();
        m["flows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap()["observed"]["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        count(&two, "stock-erp-to-shop"),
        count(&one, "stock-erp-to-shop") + 3
    );
}

#[test]
fn unusable_logs_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.model.json");
    let cases = [
        ("empty.jsonl", "", "empty"),
        (
            "prose.jsonl",
            "{not json at all\n",
            "not an exchange log (exchanges): line 1: not a JSON record",
        ),
        (
            "nosource.jsonl",
            "{\"target\":\"erp\",\"entity\":\"x\"}\n",
            "line 1: no `source`",
        ),
        (
            "badkind.jsonl",
            "{\"source\":\"a\",\"target\":\"b\",\"entity\":\"x\",\"kind\":\"gossip\"}\n",
            "`kind` is `gossip`",
        ),
        (
            "badtime.jsonl",
            "{\"source\":\"a\",\"target\":\"b\",\"entity\":\"x\",\"at\":\"monday\"}\n",
            "not an RFC 3339 time",
        ),
        (
            "cols.csv",
            "a,b,c\n1,2,3\n",
            "the header needs source, target and entity",
        ),
    ];
    for (name, text, want) in cases {
        let f = write(dir.path(), name, text);
        let run = charter([
            "discover".as_ref(),
            f.as_os_str(),
            "-o".as_ref(),
            target.as_os_str(),
        ]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{name}: {}", run.stderr);
        assert!(
            run.stderr.starts_with(&f.display().to_string()),
            "{name}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(want), "{name}: {}", run.stderr);
        assert!(!target.exists());
    }
    let missing = charter(["discover", "/nonexistent/log.jsonl"]);
    assert_eq!(missing.code, 2);
    assert!(missing
        .stderr
        .starts_with("/nonexistent/log.jsonl: cannot read"));
    let bad_cmp = charter([
        "discover".as_ref(),
        sample("ecommerce-exchanges.jsonl").as_os_str(),
        "--compare".as_ref(),
        sample("ecommerce-messages.csv").as_os_str(),
    ]);
    assert_eq!(bad_cmp.code, 2, "{}", bad_cmp.stderr);
    let none = charter(["discover"]);
    assert_eq!(none.code, 2);
    let fmt = charter([
        "discover".as_ref(),
        sample("ecommerce-exchanges.jsonl").as_os_str(),
        "--format".as_ref(),
        "otlp-xml".as_ref(),
    ]);
    assert_eq!(fmt.code, 2);
    assert!(fmt.stderr.contains("unknown log format"));
}

#[test]
fn a_mostly_good_log_skips_bad_lines_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..10 {
        text.push_str(&format!(
            "{{\"source\":\"erp\",\"target\":\"shop\",\"kind\":\"event\",\"entity\":\"stock\",\"op\":\"updated\",\"key\":\"S{i}\"}}\n"
        ));
    }
    text.push_str("{\"source\":\"erp\"\n");
    text.push_str(&format!(
        "{{\"source\":\"{}\",\"target\":\"x\",\"entity\":\"y\"}}\n",
        "z".repeat(2 << 20)
    ));
    text.push_str("{\"source\":\"erp\",\"target\":\"shop\",\"entity\":\"stock\"}");
    let f = write(dir.path(), "mixed.jsonl", &text);
    let run = charter(["discover".as_ref(), f.as_os_str()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("read 11 records as exchanges, skipped 2"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("line 12: longer than"),
        "{}",
        run.stderr
    );
}

/// A flow as (entity, from, to, pattern).
type FlowKey = (String, String, String, String);

/// The flows and owners a discovered model names.
fn map_of(stdout: &str) -> (Vec<FlowKey>, Vec<(String, Value)>) {
    let m: Value = serde_json::from_str(stdout).unwrap();
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut flows: Vec<_> = m["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                s(&f["entity"]),
                s(&f["from"]),
                s(&f["to"]),
                s(&f["pattern"]),
            )
        })
        .collect();
    flows.sort();
    let owners = m["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (s(&e["id"]), e["owner"].clone()))
        .collect();
    (flows, owners)
}

#[test]
fn otlp_traces_give_the_same_map_as_the_exchange_log() {
    // The same traffic as ecommerce-exchanges.jsonl, as OpenTelemetry spans: producer/consumer and
    // client/server halves in separate requests (some server halves first).
    let traces = charter([
        "discover".as_ref(),
        sample("ecommerce-traces.otlp.jsonl").as_os_str(),
    ]);
    assert_eq!(traces.code, 0, "{}", traces.stderr);
    assert!(
        traces.stderr.contains("as otlp"),
        "recognised from the content: {}",
        traces.stderr
    );
    assert!(
        traces.stderr.contains("double write: shop writes stock"),
        "{}",
        traces.stderr
    );
    let log = charter([
        "discover".as_ref(),
        sample("ecommerce-exchanges.jsonl").as_os_str(),
    ]);
    assert_eq!(map_of(&traces.stdout), map_of(&log.stdout));
    let named = charter([
        "discover".as_ref(),
        "--format".as_ref(),
        "otlp".as_ref(),
        sample("ecommerce-traces.otlp.jsonl").as_os_str(),
    ]);
    assert_eq!(named.code, 0, "{}", named.stderr);
}

#[test]
fn broken_otlp_is_one_line_and_halves_that_never_meet_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("broken.otlp.jsonl");
    let half = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},"scopeSpans":[{"spans":[{"spanId":"01","kind":3,"attributes":[{"key":"http.route","value":{"stringValue":"/orders"}}]}]}]}]}"#;
    let peer = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},"scopeSpans":[{"spans":[{"spanId":"02","kind":3,"attributes":[{"key":"peer.service","value":{"stringValue":"oms"}},{"key":"url.path","value":{"stringValue":"/orders/7"}},{"key":"http.request.method","value":{"stringValue":"POST"}}]}]}]}]}"#;
    std::fs::write(
        &f,
        format!("{half}\n{{\"resourceSpans\": [truncated\n{peer}\n"),
    )
    .unwrap();
    let run = charter([
        "discover".as_ref(),
        "--format".as_ref(),
        "otlp".as_ref(),
        f.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("line 2: not an OTLP/JSON request"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 span(s) never met their other half"),
        "{}",
        run.stderr
    );
    let (flows, _) = map_of(&run.stdout);
    assert_eq!(flows.len(), 1, "{flows:?}");
    assert_eq!((flows[0].1.as_str(), flows[0].2.as_str()), ("shop", "oms"));
    // Not a trace request at all: refused in one line naming the file.
    std::fs::write(&f, "{\"resourceSpans\": 5}\n").unwrap();
    let bad = charter(["discover".as_ref(), f.as_os_str()]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert_eq!(bad.stderr.lines().count(), 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("broken.otlp.jsonl"), "{}", bad.stderr);
}
