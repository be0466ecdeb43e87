//! `charter export MODEL --env ENV [-o FILE]`: the `charter-config/1`
//! document for one environment, on stdout or written atomically to FILE.
//! Refused with exit 1 and the error findings (stderr) when the model has
//! errors: no file is written. Exit 2 when the model cannot be read, the
//! environment is unknown (with a "did you mean"), or FILE cannot be written.

use crate::check::{err, finding_line, out, read_model};
use charter_model::export::{export, export_to_file, ExportError, ExportFileError};
use std::path::Path;

/// The allocator of the whole `charter` binary: reading, checking and
/// exporting a large model allocates and frees millions of small strings,
/// which mimalloc does markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub fn run(model: &Path, env: &str, output: Option<&Path>) -> u8 {
    let Some(m) = read_model(model) else {
        return 2;
    };
    if let Some(target) = output {
        if same_file(model, target) {
            err(&format!(
                "{}: refusing to write the configuration over the model file itself",
                target.display()
            ));
            return 2;
        }
    }
    let code = match output {
        // Straight into the file: the text of a large model is not held.
        Some(target) => match export_to_file(&m, env, target) {
            Ok(config) => {
                err(&format!(
                    "{}: wrote {} for {} ({})",
                    target.display(),
                    config.format,
                    config.environment,
                    config.digest
                ));
                0
            }
            Err(ExportFileError::Export(e)) => refused(model, e),
            Err(e @ ExportFileError::Write(_)) => {
                err(&format!("{}: {e}", target.display()));
                2
            }
        },
        None => match export(&m, env) {
            Ok(exported) => {
                let code = if out(&exported.text) { 0 } else { 2 };
                std::mem::forget(exported);
                code
            }
            Err(e) => refused(model, e),
        },
    };
    // The process ends right after: freeing the model one string at a time
    // would only delay the exit.
    std::mem::forget(m);
    code
}

/// Reports why the export was refused; gives the exit code.
fn refused(model: &Path, e: ExportError) -> u8 {
    match e {
        ExportError::HasErrors(findings) => {
            let lines: String = findings.iter().map(finding_line).collect();
            err(&lines);
            err(&format!(
                "{}: export refused: the model has {} error{}; fix {} (see `charter check {}`)",
                model.display(),
                findings.len(),
                if findings.len() == 1 { "" } else { "s" },
                if findings.len() == 1 { "it" } else { "them" },
                model.display()
            ));
            1
        }
        e => {
            err(&format!("{}: {e}", model.display()));
            2
        }
    }
}

/// Do both paths name the same existing file?
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
