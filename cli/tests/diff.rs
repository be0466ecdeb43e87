//! `charter diff`: business changes between two exported configurations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli_support;
use cli_support::*;

use serde_json::{json, Value};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

/// Exports `model` for `env` into `dir/name` with the real binary.
fn exported(dir: &Path, name: &str, model: &Value, env: &str) -> PathBuf {
    let m = write_json(dir, &format!("{name}.model.json"), model);
    let out = dir.join(format!("{name}.config.json"));
    let run = charter([
        os("export"),
        m.as_os_str(),
        os("--env"),
        os(env),
        os("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    out
}

#[test]
fn diff_same_config_has_no_changes() {
    let dir = tempfile::tempdir().unwrap();
    let a = exported(dir.path(), "a", &good_model(), "prod");
    let run = charter([os("diff"), a.as_os_str(), a.as_os_str()]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("no changes"));
}

#[test]
fn diff_lists_business_changes_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let old = exported(dir.path(), "old", &good_model(), "prod");
    let mut v = good_model();
    // The warehouse becomes the owner of stock; the ERP keeps a copy.
    v["entities"][0]["owner"] = json!("wms");
    v["entities"][0]["copies"] = json!(["shop", "erp"]);
    v["flows"][0]["from"] = json!("wms");
    v["flows"][1] = json!({ "id": "stock-to-erp", "entity": "stock", "from": "wms", "to": "erp", "pattern": "event",
        "trigger": "system", "ack": true, "idempotencyKey": "sku", "retry": { "attempts": 5, "backoffSeconds": 30 } });
    v["rules"][0]["condition"] = json!("quantity >= 0 && quantity < 1000000");
    v["systems"][0]["endpoints"]["prod"]["url"] = json!("https://erp2.prod.example.com/api");
    let new = exported(dir.path(), "new", &v, "prod");
    let run = charter([os("diff"), old.as_os_str(), new.as_os_str()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    for expected in [
        "endpoint-changed: endpoint url of erp changed from https://erp.prod.example.com/api to https://erp2.prod.example.com/api",
        "owner-changed: owner of stock changed from erp to wms",
        "copy-removed: wms no longer holds a copy of stock",
        "copy-added: erp now holds a copy of stock",
        "flow-removed: flow stock-to-wms (stock event from erp to wms) removed",
        "flow-added: flow stock-to-erp (stock event from wms to erp) added",
        "flow-from-changed: flow stock-to-shop now comes from wms instead of erp",
        "rule-condition-changed: condition of rule qty-not-negative changed from `quantity >= 0` to `quantity >= 0 && quantity < 1000000`",
    ] {
        assert!(lines.contains(&expected), "missing {expected:?} in:\n{}", run.stdout);
    }
    assert_eq!(lines.len(), 8, "{}", run.stdout);
    assert!(run.stderr.contains("8 changes"));
    // Deterministic.
    assert_eq!(
        charter([os("diff"), old.as_os_str(), new.as_os_str()]).stdout,
        run.stdout
    );
}

#[test]
fn diff_across_environments_says_so_first() {
    let dir = tempfile::tempdir().unwrap();
    let test = exported(dir.path(), "test", &good_model(), "test");
    let prod = exported(dir.path(), "prod", &good_model(), "prod");
    let run = charter([os("diff"), test.as_os_str(), prod.as_os_str()]);
    assert_eq!(run.code, 0);
    let first = run.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("environment-differs:")
            && first.contains("test")
            && first.contains("prod"),
        "{first}"
    );
}

#[test]
fn diff_tampered_config_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let a = exported(dir.path(), "a", &good_model(), "prod");
    let text = std::fs::read_to_string(&a).unwrap();
    let tampered = write(
        dir.path(),
        "tampered.json",
        &text.replace("vault:erp/prod", "vault:erp/other"),
    );
    let run = charter([os("diff"), a.as_os_str(), tampered.as_os_str()]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    let first = run.first_err_line();
    assert!(
        first.starts_with(&format!("{}: digest mismatch", tampered.display())),
        "{first}"
    );
}

#[test]
fn diff_unusable_inputs_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = exported(dir.path(), "a", &good_model(), "prod");

    let missing = dir.path().join("missing.json");
    let run = charter([os("diff"), missing.as_os_str(), a.as_os_str()]);
    assert_eq!(run.code, 2);
    assert!(run
        .first_err_line()
        .starts_with(&missing.display().to_string()));
    assert!(run.first_err_line().contains("cannot read"));

    let broken = write(
        dir.path(),
        "broken.json",
        "{\n  \"format\": \"charter-config/1\"\n  \"name\": 1\n}",
    );
    let run = charter([os("diff"), a.as_os_str(), broken.as_os_str()]);
    assert_eq!(run.code, 2);
    let first = run.first_err_line();
    assert!(
        first.starts_with(&format!("{}:3:", broken.display())) && first.contains("not valid JSON"),
        "{first}"
    );

    let future = write(
        dir.path(),
        "future.json",
        "{\"format\": \"charter-config/2\"}",
    );
    let run = charter([os("diff"), a.as_os_str(), future.as_os_str()]);
    assert_eq!(run.code, 2);
    assert!(
        run.first_err_line()
            .contains("unknown format `charter-config/2`"),
        "{}",
        run.stderr
    );

    // A model is not a configuration; say what to do.
    let model = write_json(dir.path(), "shop.model.json", &good_model());
    let run = charter([os("diff"), model.as_os_str(), a.as_os_str()]);
    assert_eq!(run.code, 2);
    assert!(
        run.first_err_line().contains("charter export"),
        "{}",
        run.stderr
    );

    // Both unusable: both named.
    let run = charter([os("diff"), missing.as_os_str(), broken.as_os_str()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing.json") && run.stderr.contains("broken.json"));

    assert_eq!(charter([os("diff"), a.as_os_str()]).code, 2);
}
