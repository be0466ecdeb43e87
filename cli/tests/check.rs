//! `charter check`: exit codes, text and JSON output, unusable input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli_support;
use cli_support::*;

use serde_json::{json, Value};

fn json_findings(run: &Run) -> Vec<Value> {
    serde_json::from_str::<Value>(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", run.stdout))
        .as_array()
        .expect("a JSON array")
        .clone()
}

#[test]
fn check_good_model_exits_0_with_summary() {
    let dir = tempfile::tempdir().unwrap();
    let m = write_json(dir.path(), "shop.model.json", &good_model());
    let run = charter(["check".as_ref(), m.as_os_str()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // No error lines; the summary names the file on stderr.
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("error ")),
        "{}",
        run.stdout
    );
    let last = run.stderr.lines().last().unwrap();
    assert!(last.starts_with(&m.display().to_string()), "{last}");
    assert!(
        last.contains("no findings") || last.contains("0 errors"),
        "{last}"
    );
}

#[test]
fn check_text_and_json_agree_and_exit_code_follows_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (name, model) in [
        ("good.model.json", good_model()),
        ("ownerless.model.json", ownerless_model()),
    ] {
        let m = write_json(dir.path(), name, &model);
        let text = charter(["check".as_ref(), m.as_os_str()]);
        let js = charter([
            "check".as_ref(),
            m.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
        ]);
        let findings = json_findings(&js);
        let has_error = findings.iter().any(|f| f["severity"] == "error");
        assert_eq!(js.code, if has_error { 1 } else { 0 }, "{name}");
        assert_eq!(text.code, js.code, "{name}");
        // Exactly one text line per finding (cli.md); the fix is in the JSON.
        let lines: Vec<&str> = text.stdout.lines().collect();
        assert_eq!(lines.len(), findings.len(), "{name}: {}", text.stdout);
        for (line, f) in lines.iter().zip(&findings) {
            let expected = format!(
                "{} {} {}: {}",
                f["severity"].as_str().unwrap(),
                f["code"].as_str().unwrap(),
                f["subject"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            );
            assert_eq!(*line, expected);
            assert!(["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()));
            for key in f.as_object().unwrap().keys() {
                assert!(
                    ["severity", "code", "subject", "message", "fix"].contains(&key.as_str()),
                    "{key}"
                );
            }
        }
        if name == "ownerless.model.json" {
            assert!(
                findings
                    .iter()
                    .any(|f| f["fix"].as_str().is_some_and(|x| !x.is_empty())),
                "the JSON carries the suggested fixes"
            );
        }
    }
}

#[test]
fn check_ownerless_model_is_an_error_once_checks_report_it() {
    let dir = tempfile::tempdir().unwrap();
    let m = write_json(dir.path(), "ownerless.model.json", &ownerless_model());
    let run = charter([
        "check".as_ref(),
        m.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let findings = json_findings(&run);
    let about_price: Vec<&Value> = findings
        .iter()
        .filter(|f| f["subject"] == "price")
        .collect();
    if !findings.is_empty() {
        // The checks are in place: an undecided owner is an error about `price`.
        assert!(
            about_price.iter().any(|f| f["severity"] == "error"),
            "expected an error about price: {findings:?}"
        );
        assert_eq!(run.code, 1);
    } else {
        assert_eq!(run.code, 0);
    }
}

#[test]
fn check_missing_file_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("nope.model.json");
    let run = charter(["check".as_ref(), m.as_os_str()]);
    assert_eq!(run.code, 2);
    let first = run.first_err_line();
    assert!(
        first.starts_with(&m.display().to_string()) && first.contains("cannot read"),
        "{first}"
    );
    assert!(run.stdout.is_empty());
    // A directory is not a model either.
    let run = charter(["check".as_ref(), dir.path().as_os_str()]);
    assert_eq!(run.code, 2);
    assert!(run
        .first_err_line()
        .starts_with(&dir.path().display().to_string()));
}

#[test]
fn check_not_json_exits_2_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "broken.model.json",
        "{\n  \"format\": \"charter-model/1\",\n  \"name\": oops\n}\n",
    );
    let run = charter(["check".as_ref(), m.as_os_str()]);
    assert_eq!(run.code, 2);
    let first = run.first_err_line();
    assert!(first.starts_with(&format!("{}:3:", m.display())), "{first}");
    assert!(first.contains("not valid JSON"), "{first}");
    let bin = write(dir.path(), "binary.model.json", "");
    std::fs::write(&bin, [0xff, 0xfe, 0x00, 0x7b]).unwrap();
    let run = charter(["check".as_ref(), bin.as_os_str()]);
    assert_eq!(run.code, 2);
    assert!(run.first_err_line().starts_with(&bin.display().to_string()));
}

#[test]
fn check_reader_problems_exit_2_one_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = good_model();
    v["flows"][1]["pattern"] = json!("evnt");
    v["systems"][2]["kind"] = json!("storefront");
    let m = write_json(dir.path(), "bad.model.json", &v);
    let run = charter([
        "check".as_ref(),
        m.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.stdout);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines.len() >= 2, "{}", run.stderr);
    let prefix = format!("{}:", m.display());
    assert!(
        lines.iter().all(|l| l.starts_with(&prefix)),
        "{}",
        run.stderr
    );
    let all = run.stderr.clone();
    let pattern_line = lines
        .iter()
        .find(|l| l.contains("$.flows[1].pattern"))
        .expect(&all);
    // `file:line:col: $.flows[1].pattern: ...did you mean`
    let rest = &pattern_line[prefix.len()..];
    let mut parts = rest.splitn(3, ':');
    assert!(
        parts.next().unwrap().parse::<u32>().is_ok(),
        "{pattern_line}"
    );
    assert!(
        parts.next().unwrap().parse::<u32>().is_ok(),
        "{pattern_line}"
    );
    assert!(pattern_line.contains("event"), "{pattern_line}");
    assert!(all.contains("$.systems[2].kind"), "{all}");
}

#[test]
fn check_many_reader_problems_are_capped_and_located_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = good_model();
    v["rules"] = json!(vec![1; 60_000]);
    // Minified: every problem on line 1, so each column is far along the line.
    let m = dir.path().join("many.model.json");
    std::fs::write(&m, serde_json::to_string(&v).unwrap()).unwrap();
    let run = charter(["check".as_ref(), m.as_os_str()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 51, "{}", run.stderr);
    assert!(
        lines[0].contains("$.rules[0]: expected a rule"),
        "{}",
        lines[0]
    );
    assert!(lines[49].contains("$.rules[49]"), "{}", lines[49]);
    assert!(
        lines[50].starts_with(&format!("{}: … and 59950 more problems", m.display())),
        "{}",
        lines[50]
    );
}

#[test]
fn check_unknown_format_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = good_model();
    v["format"] = json!("charter-model/7");
    let m = write_json(dir.path(), "future.model.json", &v);
    let run = charter(["check".as_ref(), m.as_os_str()]);
    assert_eq!(run.code, 2);
    let first = run.first_err_line();
    assert!(
        first.starts_with(&m.display().to_string()) && first.contains("charter-model/7"),
        "{first}"
    );
}

#[test]
fn check_bad_arguments_exit_2() {
    assert_eq!(charter(["check"]).code, 2);
    let dir = tempfile::tempdir().unwrap();
    let m = write_json(dir.path(), "shop.model.json", &good_model());
    assert_eq!(
        charter([
            "check".as_ref(),
            m.as_os_str(),
            "--format".as_ref(),
            "yaml".as_ref()
        ])
        .code,
        2
    );
}

#[test]
fn check_every_sample_model_is_usable() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/examples");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if !p.to_string_lossy().ends_with(".model.json") {
            continue;
        }
        let run = charter([
            "check".as_ref(),
            p.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
        ]);
        assert!(
            run.code == 0 || run.code == 1,
            "{}: {}",
            p.display(),
            run.stderr
        );
        let findings = json_findings(&run);
        assert_eq!(
            run.code == 1,
            findings.iter().any(|f| f["severity"] == "error")
        );
    }
}
