#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The model file reader: every problem at once, with paths and positions.

use charter_model::file::{is_valid_id, model_to_string, parse_model, write_model_file};
use charter_model::read_model_file;

const SMALL: &str = r#"{
  "format": "charter-model/1",
  "name": "Tiny",
  "systems": [
    {
      "id": "erp",
      "name": "ERP",
      "kind": "erp"
    }
  ],
  "entities": [],
  "flows": []
}
"#;

#[test]
fn reads_and_writes_the_same_bytes() {
    let model = parse_model(SMALL).unwrap();
    assert_eq!(model.name, "Tiny");
    assert_eq!(model_to_string(&model), SMALL);
}

#[test]
fn unknown_keys_are_kept() {
    let text = SMALL.replace(
        r#""kind": "erp""#,
        r#""kind": "erp",
      "x-colour": "blue""#,
    );
    let model = parse_model(&text).unwrap();
    assert_eq!(model.systems[0].extra.get("x-colour").unwrap(), "blue");
    assert!(model_to_string(&model).contains("\"x-colour\": \"blue\""));
}

#[test]
fn unknown_keys_in_rules_and_retries_are_kept_byte_for_byte() {
    let text = r#"{
  "format": "charter-model/1",
  "name": "Tiny",
  "systems": [
    {
      "id": "erp",
      "name": "ERP",
      "kind": "erp"
    },
    {
      "id": "shop",
      "name": "Shop",
      "kind": "ecommerce"
    }
  ],
  "entities": [
    {
      "id": "stock",
      "name": "Stock",
      "owner": "erp",
      "key": "sku",
      "fields": [
        {
          "name": "sku",
          "type": "string"
        }
      ],
      "copies": [
        "shop"
      ]
    }
  ],
  "flows": [
    {
      "id": "stock-to-shop",
      "entity": "stock",
      "from": "erp",
      "to": "shop",
      "pattern": "event",
      "trigger": "system",
      "retry": {
        "attempts": 3,
        "backoffSeconds": 5,
        "x-jitter": true
      }
    }
  ],
  "rules": [
    {
      "kind": "conflict",
      "id": "stock-conflicts",
      "entity": "stock",
      "policy": "owner-wins",
      "x-note": "agreed in the March workshop"
    },
    {
      "kind": "validate",
      "id": "sku-set",
      "entity": "stock",
      "condition": "sku != \"\"",
      "action": "reject",
      "x-owner": "ops"
    }
  ]
}
"#;
    let model = parse_model(text).unwrap();
    assert_eq!(
        model.rules()[0].extra().get("x-note").unwrap(),
        "agreed in the March workshop"
    );
    assert!(!model.rules()[0].extra().contains_key("kind"));
    assert_eq!(model_to_string(&model), text);
    // A known optional key given as null is its absence, not an unknown key.
    let with_null = text.replace(
        r#""action": "reject","#,
        r#""action": "reject",
      "message": null,"#,
    );
    assert_ne!(with_null, text);
    let model = parse_model(&with_null).unwrap();
    assert_eq!(
        model.rules()[1].extra().len(),
        1,
        "{:?}",
        model.rules()[1].extra()
    );
    assert_eq!(model_to_string(&model), text);
}

#[test]
fn reports_every_problem_not_just_the_first() {
    let text = r#"{
  "format": "charter-model/1",
  "name": "",
  "systems": [
    { "id": "ERP", "name": "ERP", "kind": "erpp" },
    { "id": "wms", "kind": "wms" },
    { "id": "wms", "name": "WMS 2", "kind": "wms" }
  ],
  "entities": [ { "id": "stock", "name": "Stock", "key": 5 } ],
  "flows": [ { "id": "f1", "entity": "stock", "from": "erp", "to": "wms", "pattern": "evnt", "trigger": "system", "ack": "yes" } ]
}"#;
    let problems = parse_model(text).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    for expected in [
        "$.name",
        "$.systems[0].id",
        "$.systems[0].kind",
        "$.systems[1].name",
        "$.systems[2].id",
        "$.entities[0].key",
        "$.flows[0].pattern",
        "$.flows[0].ack",
    ] {
        assert!(paths.contains(&expected), "missing {expected} in {paths:?}");
    }
    let kind = problems
        .iter()
        .find(|p| p.path == "$.systems[0].kind")
        .unwrap();
    assert!(
        kind.message.contains("did you mean `erp`"),
        "{}",
        kind.message
    );
    assert_eq!(kind.line, Some(5), "{kind:?}");
    let pattern = problems
        .iter()
        .find(|p| p.path == "$.flows[0].pattern")
        .unwrap();
    assert!(pattern.message.contains("did you mean `event`"));
    let dup = problems
        .iter()
        .find(|p| p.path == "$.systems[2].id")
        .unwrap();
    assert!(dup.message.contains("duplicate id `wms`"));
    // A missing key is located at its parent object.
    let missing = problems
        .iter()
        .find(|p| p.path == "$.systems[1].name")
        .unwrap();
    assert_eq!(missing.line, Some(6));
}

#[test]
fn problem_columns_count_characters_on_their_own_line() {
    let text = "{\n  \"format\": \"charter-model/1\", \"name\": \"Ünïcödé\",\n  \"systems\": [{\"id\": \"a\", \"name\": \"é\", \"kind\": \"bogus\"}, {\"id\": \"b\", \"name\": \"ß\", \"kind\": \"nope\"}],\n  \"entities\": [], \"flows\": [], \"rules\": [7]\n}\n";
    let problems = parse_model(text).unwrap_err();
    let at = |path: &str| {
        let p = problems.iter().find(|p| p.path == path).unwrap();
        (p.line.unwrap(), p.column.unwrap())
    };
    let col = |line: usize, needle: &str| {
        let l = text.lines().nth(line - 1).unwrap();
        l[..l.find(needle).unwrap()].chars().count() as u32 + 1
    };
    assert_eq!(at("$.systems[0].kind"), (3, col(3, "\"bogus\"")));
    assert_eq!(at("$.systems[1].kind"), (3, col(3, "\"nope\"")));
    assert_eq!(at("$.rules[0]"), (4, col(4, "7]")));
}

#[test]
fn syntax_errors_have_line_and_column() {
    let problems = parse_model("{\n  \"format\": \"charter-model/1\",\n  \"name\": }").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, Some(3));
    assert!(problems[0].column.is_some());
    assert!(problems[0].message.starts_with("not valid JSON"));
}

#[test]
fn unknown_format_is_refused_clearly() {
    let problems = parse_model(r#"{"format": "charter-model/2", "name": "x"}"#).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0]
        .message
        .contains("unknown format `charter-model/2`"));
}

#[test]
fn ids_are_slugs() {
    assert!(is_valid_id("erp"));
    assert!(is_valid_id("3pl_main-2"));
    assert!(!is_valid_id(""));
    assert!(!is_valid_id("-erp"));
    assert!(!is_valid_id("Erp"));
    assert!(!is_valid_id(&"a".repeat(65)));
    assert!(is_valid_id(&"a".repeat(64)));
}

#[test]
fn file_errors_name_the_file_and_writes_are_atomic() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.model.json");
    std::fs::write(&bad, "[1, 2").unwrap();
    let err = read_model_file(&bad).unwrap_err().to_string();
    assert!(err.starts_with(&bad.display().to_string()), "{err}");
    assert!(err.contains("not valid JSON"));

    let good = dir.path().join("good.model.json");
    let model = parse_model(SMALL).unwrap();
    write_model_file(&good, &model).unwrap();
    assert_eq!(std::fs::read_to_string(&good).unwrap(), SMALL);
    // No temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    let missing = dir.path().join("nope.json");
    let err = read_model_file(&missing).unwrap_err().to_string();
    assert!(
        err.contains("nope.json") && err.contains("cannot read"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn writes_go_through_links_and_into_pipes() {
    use charter_model::file::write_atomically;
    use std::os::unix::fs::{symlink, FileTypeExt};
    let dir = tempfile::tempdir().unwrap();
    // A link (relative, and to a file that does not exist yet) stays a link;
    // its target gets the content.
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let link = dir.path().join("out.json");
    symlink("real/target.json", &link).unwrap();
    write_atomically(&link, b"one").unwrap();
    write_atomically(&link, b"two").unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("real/target.json")).unwrap(),
        "two"
    );
    // A named pipe stays a pipe; the reader gets the content.
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    write_atomically(&fifo, b"through the pipe").unwrap();
    assert_eq!(reader.join().unwrap(), "through the pipe");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "",
        "null",
        "1",
        "\"x\"",
        "[]",
        "{}",
        "{\"format\": 1}",
        "{\"format\":\"charter-model/1\",\"systems\":{}}",
    ] {
        assert!(parse_model(text).is_err(), "{text}");
    }
}

#[test]
fn ack_deadlines_and_reconcile_rules_over_three_systems_read_and_write_the_same_bytes() {
    let text = r#"{
  "format": "charter-model/1",
  "name": "Money",
  "systems": [
    {
      "id": "psp",
      "name": "PSP",
      "kind": "payments"
    },
    {
      "id": "oms",
      "name": "OMS",
      "kind": "oms"
    },
    {
      "id": "acct",
      "name": "Accounting",
      "kind": "finance"
    }
  ],
  "entities": [
    {
      "id": "payment",
      "name": "Payment",
      "owner": "psp",
      "key": "id",
      "monetary": true,
      "fields": [],
      "copies": [
        "oms",
        "acct"
      ]
    }
  ],
  "flows": [
    {
      "id": "payment-to-oms",
      "entity": "payment",
      "from": "psp",
      "to": "oms",
      "pattern": "event",
      "trigger": "system",
      "ack": true,
      "ackWithinSeconds": 60
    }
  ],
  "rules": [
    {
      "kind": "reconcile",
      "id": "settlement",
      "entity": "payment",
      "systems": [
        "psp",
        "oms",
        "acct"
      ],
      "fields": [
        "amount"
      ]
    }
  ]
}
"#;
    let model = parse_model(text).unwrap();
    assert_eq!(model.flows[0].ack_within_seconds, Some(60));
    match &model.rules()[0] {
        charter_model::model::Rule::Reconcile(r) => assert_eq!(r.systems, ["psp", "oms", "acct"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(model_to_string(&model), text);
    // 0 reads (the checks report it as `zero-ack-deadline`); a negative does not.
    let zero = text.replace("\"ackWithinSeconds\": 60", "\"ackWithinSeconds\": 0");
    assert_eq!(
        parse_model(&zero).unwrap().flows[0].ack_within_seconds,
        Some(0)
    );
    let negative = text.replace("\"ackWithinSeconds\": 60", "\"ackWithinSeconds\": -1");
    let problems = parse_model(&negative).unwrap_err();
    assert!(
        problems[0]
            .to_string()
            .contains("$.flows[0].ackWithinSeconds"),
        "{problems:?}"
    );
}
