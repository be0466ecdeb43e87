//! The corpus of broken model files in `tests/bad-models/`: each is refused
//! with a one-line error naming the file, the JSON path and the problem, and
//! reading never panics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_model::file::{parse_model, ModelFileError};
use charter_model::read_model_file;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("bad-models")
}

/// Every `*.model.json` of the corpus with the lines of its `.expected`.
fn corpus() -> Vec<(PathBuf, Vec<String>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".model.json") else {
            continue;
        };
        let expected_path = path.with_file_name(format!("{stem}.expected"));
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        let lines: Vec<String> = expected
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        assert!(!lines.is_empty(), "{} is empty", expected_path.display());
        out.push((path, lines));
    }
    out.sort();
    out
}

fn read_refused(path: &Path) -> ModelFileError {
    let result = std::panic::catch_unwind(|| read_model_file(path));
    match result {
        Err(_) => panic!("{}: reading panicked", path.display()),
        Ok(Ok(_)) => panic!("{}: was accepted", path.display()),
        Ok(Err(e)) => e,
    }
}

#[test]
fn corpus_is_large_enough_and_every_expected_has_its_model() {
    let models = corpus();
    assert!(models.len() >= 25, "only {} bad models", models.len());
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".expected") {
            assert!(
                path.with_file_name(format!("{stem}.model.json")).exists(),
                "{name} has no model file"
            );
        }
    }
}

#[test]
fn every_bad_model_is_refused_with_one_clear_line() {
    let mut failures = Vec::new();
    for (path, expected) in corpus() {
        let err = read_refused(&path);
        let line = err.to_string();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if line.contains('\n') || line.contains('\r') {
            failures.push(format!("{name}: error spans several lines: {line:?}"));
        }
        if !line.starts_with(&format!("{}: ", path.display())) {
            failures.push(format!("{name}: error does not name the file: {line}"));
        }
        // Expectations are matched after the file path, so a file's name
        // never satisfies them by itself.
        let shown_path = path.display().to_string();
        let after_path = line.strip_prefix(shown_path.as_str()).unwrap_or(&line);
        for want in &expected {
            if !after_path.contains(want.as_str()) {
                failures.push(format!("{name}: error lacks {want:?}: {line}"));
            }
        }
        match &err {
            ModelFileError::Invalid { problems, .. } => {
                if problems.is_empty() {
                    failures.push(format!("{name}: Invalid with no problem"));
                }
                for p in problems {
                    if !p.path.starts_with('$') {
                        failures.push(format!("{name}: problem without a JSON path: {p}"));
                    }
                    let shown = p.to_string();
                    if shown.contains('\n') || p.message.trim().is_empty() {
                        failures.push(format!("{name}: problem is not one clear line: {shown:?}"));
                    }
                }
            }
            other => failures.push(format!("{name}: not an Invalid error: {other}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn problems_inside_the_document_carry_line_and_column() {
    // Structural problems (found after JSON parsing) are located in the text.
    let (path, _) = corpus()
        .into_iter()
        .find(|(p, _)| p.ends_with("pattern-evnt.model.json"))
        .unwrap();
    let err = read_refused(&path);
    let p = &err.problems()[0];
    assert_eq!(p.path, "$.flows[0].pattern");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().nth(p.line.unwrap() as usize - 1).unwrap();
    assert!(
        line.contains("\"evnt\""),
        "line {:?} is not where the value is: {line}",
        p.line
    );
}

#[test]
fn parse_model_never_panics_on_prefixes_of_the_corpus() {
    // Every prefix (by character) of a few documents: truncation anywhere is a
    // clean error, never a panic and never an accepted model.
    for (path, _) in corpus().into_iter().take(6) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(7).collect();
        for cut in cuts {
            let prefix = &text[..cut];
            let result = std::panic::catch_unwind(|| parse_model(prefix));
            assert!(
                result.is_ok(),
                "{}: panicked on prefix of {cut} bytes",
                path.display()
            );
        }
    }
}

#[test]
fn a_leading_byte_order_mark_is_tolerated() {
    // RFC 8259 lets parsers ignore a BOM; Windows editors write one.
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/ecommerce.model.json"),
    )
    .unwrap();
    let plain = parse_model(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.model.json");
    std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
    assert_eq!(read_model_file(&path).unwrap(), plain);
    // A BOM anywhere else is still not JSON.
    let err = parse_model(&format!(" \u{feff}{text}")).unwrap_err();
    assert_eq!(err[0].path, "$");
    assert!(err[0].message.contains("not valid JSON"), "{}", err[0]);
}
