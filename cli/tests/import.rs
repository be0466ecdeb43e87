//! `charter import`: a sketch in, a model out (stdout or -o, atomically),
//! what was made of the input on stderr, exit 0 / 2.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli_support;
use cli_support::*;

use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/imports")
        .join(name)
}

#[test]
fn import_to_stdout_is_a_model_check_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let run = charter([
        "import".as_ref(),
        sample("seafood-landscape.mmd").as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["format"], "charter-model/1");
    assert!(run.stderr.contains("read as mermaid"), "{}", run.stderr);
    assert!(run.stderr.contains("unplaced:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("entity stock: owner left open"),
        "{}",
        run.stderr
    );
    let m = write(dir.path(), "sea.model.json", &run.stdout);
    let check = charter(["check".as_ref(), m.as_os_str()]);
    assert!(check.code == 0 || check.code == 1, "{}", check.stderr);
    assert!(check.stdout.contains("no-owner stock"), "{}", check.stdout);
}

#[test]
fn import_with_output_writes_the_file_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("board.model.json");
    let run = charter([
        "import".as_ref(),
        sample("ecommerce-whiteboard.mmd").as_os_str(),
        "--format".as_ref(),
        "mermaid".as_ref(),
        "-o".as_ref(),
        target.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let text = std::fs::read_to_string(&target).unwrap();
    let stdout = charter([
        "import".as_ref(),
        sample("ecommerce-whiteboard.mmd").as_os_str(),
    ]);
    assert_eq!(text, stdout.stdout, "-o writes what stdout shows");
    assert!(
        run.stderr.contains("wrote charter-model/1"),
        "{}",
        run.stderr
    );
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
    let check = charter(["check".as_ref(), target.as_os_str()]);
    assert!(check.code == 0 || check.code == 1, "{}", check.stderr);
}

#[test]
fn unusable_input_exits_2_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.model.json");
    let cases = [
        ("empty.mmd", "", "empty file"),
        ("prose.txt", "just some notes\n", "cannot tell the format"),
        (
            "seq.mmd",
            "sequenceDiagram\nA->>B: hi\n",
            "cannot tell the format",
        ),
        ("cut.mmd", "flowchart LR\n  a[\"ERP", "never closed"),
    ];
    for (name, text, want) in cases {
        let f = write(dir.path(), name, text);
        let run = charter([
            "import".as_ref(),
            f.as_os_str(),
            "-o".as_ref(),
            target.as_os_str(),
        ]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{name}: {}", run.stderr);
        assert!(run.first_err_line().starts_with(&f.display().to_string()));
        assert!(run.stderr.contains(want), "{name}: {}", run.stderr);
        assert!(!target.exists(), "{name}: nothing half-written");
    }
    let bin = dir.path().join("bin.mmd");
    std::fs::write(&bin, b"flowchart LR\n\xff\xfe").unwrap();
    let run = charter(["import".as_ref(), bin.as_os_str()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not UTF-8"), "{}", run.stderr);
    let missing = charter(["import", "/nonexistent/x.mmd"]);
    assert_eq!(missing.code, 2);
    assert!(missing
        .stderr
        .starts_with("/nonexistent/x.mmd: cannot read"));
    let bad_format = charter([
        "import".as_ref(),
        sample("seafood-landscape.mmd").as_os_str(),
        "--format".as_ref(),
        "visio".as_ref(),
    ]);
    assert_eq!(bad_format.code, 2);
    assert!(bad_format.stderr.contains("unknown format `visio`"));
}

#[test]
fn a_huge_file_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.mmd");
    let f = std::fs::File::create(&big).unwrap();
    // Sparse: 40 MiB of nothing, over the import limit.
    f.set_len(40 * 1024 * 1024).unwrap();
    let run = charter(["import".as_ref(), big.as_os_str()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("too large"), "{}", run.stderr);
}

/// Every sketch and spec in tests/imports/ imports (format recognised from
/// the content) into a model `charter check` reads: exit 0 or 1, never 2.
#[test]
fn every_sample_imports_into_a_checkable_model() {
    let dir = tempfile::tempdir().unwrap();
    let samples = std::fs::read_dir(sample("")).unwrap();
    let mut n = 0;
    for entry in samples {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".jsonl") || name.starts_with("ecommerce-messages") {
            continue; // exchange logs: see tests/discover.rs
        }
        n += 1;
        let target = dir.path().join(format!("{name}.model.json"));
        let run = charter([
            "import".as_ref(),
            path.as_os_str(),
            "-o".as_ref(),
            target.as_os_str(),
        ]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let check = charter(["check".as_ref(), target.as_os_str()]);
        assert!(
            check.code == 0 || check.code == 1,
            "{name}: {}",
            check.stderr
        );
    }
    assert!(n >= 10, "{n} samples");
}

#[test]
fn asyncapi_2_direction_switch() {
    let spec = sample("transport-portal.asyncapi.yaml");
    let run = charter([
        "import".as_ref(),
        "--asyncapi-v2-direction".as_ref(),
        "reversed".as_ref(),
        spec.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let sent = v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["entity"] == "order-ready")
        .unwrap();
    assert_eq!(sent["from"], "transport-portal");
    assert!(run.stderr.contains("read reversed"), "{}", run.stderr);
    let bad = charter([
        "import".as_ref(),
        "--asyncapi-v2-direction".as_ref(),
        "sideways".as_ref(),
        spec.as_os_str(),
    ]);
    assert_eq!(bad.code, 2);
    assert_eq!(bad.stderr.lines().count(), 1, "{}", bad.stderr);
    assert!(
        bad.stderr
            .contains("unknown --asyncapi-v2-direction `sideways` (known: spec, reversed)"),
        "{}",
        bad.stderr
    );
}
