//! `charter import FILE [--format …] [--asyncapi-v2-direction spec|reversed] [-o MODEL]`: a sketch or a spec as a
//! `charter-model/1` document, on stdout or written atomically to MODEL.
//! stderr says what was made of the input and lists what could not be
//! placed. Exit 0 when a model was written (it may still have findings: run
//! `check`), 2 when the input could not be used (one line naming the file).

use crate::check::{err, out};
use charter_model::file::{model_to_string, write_atomically};
use charter_model::import::openapi::V2Direction;
use charter_model::import::{import_file_with, Format, ImportOptions};
use std::path::Path;

pub fn run(file: &Path, format: Option<&str>, output: Option<&Path>, v2_direction: &str) -> u8 {
    let asyncapi_v2 = match v2_direction.trim() {
        "spec" => V2Direction::Spec,
        "reversed" => V2Direction::Reversed,
        other => {
            err(&format!(
                "{}: unknown --asyncapi-v2-direction `{}` (known: spec, reversed)",
                file.display(),
                charter_model::text::one_line(other)
            ));
            return 2;
        }
    };
    let format = match format {
        None => None,
        Some(name) => match Format::from_name(name) {
            Some(f) => Some(f),
            None => {
                let known: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                err(&format!(
                    "{}: unknown format `{}` (known: {})",
                    file.display(),
                    charter_model::text::one_line(name),
                    known.join(", ")
                ));
                return 2;
            }
        },
    };
    let imported = match import_file_with(file, format, ImportOptions { asyncapi_v2 }) {
        Ok(i) => i,
        Err(e) => {
            err(&format!("{}: {e}", file.display()));
            return 2;
        }
    };
    let text = model_to_string(&imported.model);
    let written = match output {
        Some(target) => {
            if same_file(file, target) {
                err(&format!(
                    "{}: refusing to write the model over the file being imported",
                    target.display()
                ));
                return 2;
            }
            match write_atomically(target, text.as_bytes()) {
                Ok(()) => true,
                Err(e) => {
                    err(&format!("{}: cannot write: {e}", target.display()));
                    return 2;
                }
            }
        }
        None => out(&text),
    };
    if !written {
        return 2;
    }
    let mut report = format!(
        "{}: read as {}: {}\n",
        file.display(),
        imported.format,
        imported.summary.first().map(String::as_str).unwrap_or("")
    );
    for line in imported.summary.iter().skip(1) {
        report.push_str(&format!("  {}\n", charter_model::text::one_line(line)));
    }
    if !imported.unplaced.is_empty() {
        report.push_str(&format!(
            "{}: {} thing{} could not be placed (not in the model):\n",
            file.display(),
            imported.unplaced.len(),
            if imported.unplaced.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
        for line in &imported.unplaced {
            report.push_str(&format!(
                "  unplaced: {}\n",
                charter_model::text::one_line(line)
            ));
        }
    }
    if let Some(target) = output {
        report.push_str(&format!(
            "{}: wrote {} (run `charter check {}`)\n",
            target.display(),
            charter_model::MODEL_FORMAT,
            target.display()
        ));
    }
    err(&report);
    0
}

/// Do both paths name the same existing file?
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
