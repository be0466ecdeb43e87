//! Arbitrary bytes as a model file: reading never panics; a model that reads
//! is written back and read again to the same model; `check` never panics;
//! `export` for each declared environment never panics, is deterministic, and
//! what it writes reads back as a configuration with a valid digest. A text
//! that is JSON reads as its `serde_json::Value` does (`model_from_value`).

#![no_main]

use charter_model::export::{config_from_str, export};
use charter_model::file::{model_from_value, model_to_string, parse_model};
use charter_model::{check, Severity};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let read = parse_model(text);
    // The same document held as a JSON value reads the same way: the same
    // model, or the same problems (paths and messages, in the same order).
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let brief = |r: &Result<charter_model::Model, Vec<charter_model::ReadProblem>>| match r {
            Ok(m) => Ok(m.clone()),
            Err(ps) => Err(ps
                .iter()
                .map(|p| (p.path.clone(), p.message.clone()))
                .collect::<Vec<_>>()),
        };
        let from_value = model_from_value(value);
        assert!(
            brief(&read) == brief(&from_value),
            "text and value readings differ: {:?} vs {:?}",
            brief(&read).err(),
            brief(&from_value).err()
        );
    }
    let model = match read {
        Ok(m) => m,
        Err(problems) => {
            assert!(!problems.is_empty(), "refused without a problem");
            for p in &problems {
                assert!(p.path.starts_with('$'), "problem without a path: {p}");
                assert!(!p.to_string().contains('\n'), "multi-line problem: {p}");
            }
            return;
        }
    };

    let written = model_to_string(&model);
    match parse_model(&written) {
        Ok(again) => assert!(again == model, "round trip changed the model"),
        Err(problems) => panic!("written model does not read: {}", problems[0]),
    }

    let findings = check(&model);
    let has_errors = findings.iter().any(|f| f.severity == Severity::Error);

    for env in model.environment_names() {
        match export(&model, env) {
            Ok(exported) => {
                assert!(!has_errors, "exported a model with errors");
                let again = export(&model, env);
                assert!(
                    again.as_ref().map(|e| &e.text) == Ok(&exported.text),
                    "export is not deterministic"
                );
                if let Err(e) = config_from_str(&exported.text) {
                    panic!("exported configuration does not read back: {e}");
                }
            }
            Err(_) => {}
        }
    }
    let _ = export(&model, "no-such-env");
});
