//! `charter export MODEL --env ENV [-o FILE]`: the `charter-config/1`
//! document for one environment, on stdout or written atomically to FILE.
//! Refused with exit 1 and the error findings (stderr) when the model has
//! errors: no file is written. Exit 2 when the model cannot be read, the
//! environment is unknown (with a "did you mean"), or FILE cannot be written.

use crate::check::{err, finding_lines, out, read_model};
use charter_model::export::{export, ExportError};
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
    let exported = match export(&m, env) {
        Ok(x) => x,
        Err(ExportError::HasErrors(findings)) => {
            let lines: String = findings.iter().map(finding_lines).collect();
            err(&lines);
            err(&format!(
                "{}: export refused: the model has {} error{}; fix {} (see `charter check {}`)",
                model.display(),
                findings.len(),
                if findings.len() == 1 { "" } else { "s" },
                if findings.len() == 1 { "it" } else { "them" },
                model.display()
            ));
            return 1;
        }
        Err(e @ ExportError::UnknownEnvironment { .. }) => {
            err(&format!("{}: {e}", model.display()));
            return 2;
        }
        Err(e) => {
            err(&format!("{}: {e}", model.display()));
            return 2;
        }
    };
    let code = write_out(&exported, output);
    // The process ends right after: freeing the model and the configuration
    // one string at a time would only delay the exit.
    std::mem::forget(m);
    std::mem::forget(exported);
    code
}

fn write_out(exported: &charter_model::export::Exported, output: Option<&Path>) -> u8 {
    match output {
        None => {
            if out(&exported.text) {
                0
            } else {
                2
            }
        }
        Some(target) => {
            match charter_model::file::write_atomically(target, exported.text.as_bytes()) {
                Ok(()) => {
                    err(&format!(
                        "{}: wrote {} for {} ({})",
                        target.display(),
                        exported.config.format,
                        exported.config.environment,
                        exported.config.digest
                    ));
                    0
                }
                Err(e) => {
                    err(&format!("{}: cannot write: {e}", target.display()));
                    2
                }
            }
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
