//! `charter discover LOG... [--format exchanges|otlp|csv] [--compare MODEL] [-o MODEL]`:
//! the integration map as it runs, from observed exchanges, streamed into
//! aggregates. The discovered model goes to stdout (or atomically to MODEL
//! with -o); with --compare, stdout lists `undocumented …` and `unused …`
//! one per line instead (the model still goes to -o when given). stderr
//! says what was read and suggested. Exit 0, or 2 when a log or the
//! compared model cannot be used.

use crate::check::{err, out, read_model};
use charter_model::discover::read::{read_log, LogFormat};
use charter_model::discover::{compare, Discovery};
use charter_model::file::{model_to_string, write_atomically};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

pub fn run(
    logs: &[PathBuf],
    format: Option<&str>,
    compare_with: Option<&Path>,
    output: Option<&Path>,
) -> u8 {
    let format = match format {
        None => None,
        Some(name) => match LogFormat::from_name(name) {
            Some(f) => Some(f),
            None => {
                let known: Vec<&str> = LogFormat::ALL.iter().map(|f| f.as_str()).collect();
                err(&format!(
                    "unknown log format `{}` (known: {})",
                    charter_model::text::one_line(name),
                    known.join(", ")
                ));
                return 2;
            }
        },
    };
    // The compared model is read first: a bad one stops before any work.
    let documented = match compare_with {
        Some(p) => match read_model(p) {
            Some(m) => Some(m),
            None => return 2,
        },
        None => None,
    };
    let mut d = Discovery::new();
    let mut report = String::new();
    for log in logs {
        let mut file = match std::fs::File::open(log) {
            Ok(f) => f,
            Err(e) => {
                err(&format!("{}: cannot read: {e}", log.display()));
                return 2;
            }
        };
        let fmt = match format {
            Some(f) => f,
            None => {
                let mut head = [0u8; 512];
                let n = file.read(&mut head).unwrap_or(0);
                let f = LogFormat::detect(&head[..n]);
                if let Err(e) = std::io::Seek::rewind(&mut file) {
                    err(&format!("{}: cannot read: {e}", log.display()));
                    return 2;
                }
                f
            }
        };
        match read_log(BufReader::with_capacity(1 << 16, file), fmt, &mut d) {
            Ok(r) => {
                report.push_str(&format!(
                    "{}: read {} record{} as {}{}\n",
                    log.display(),
                    r.records,
                    if r.records == 1 { "" } else { "s" },
                    fmt.as_str(),
                    if r.skipped > 0 {
                        format!(", skipped {} that are not records:", r.skipped)
                    } else {
                        String::new()
                    }
                ));
                for p in &r.problems {
                    report.push_str(&format!("  {}: {p}\n", log.display()));
                }
            }
            Err(e) => {
                err(&format!("{}: {e}", log.display()));
                return 2;
            }
        }
    }
    let name = match logs {
        [one] => format!(
            "Discovered from {}",
            one.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ),
        _ => format!("Discovered from {} logs", logs.len()),
    };
    let discovered = d.into_model(&name);
    for (i, line) in discovered.summary.iter().enumerate() {
        let line = charter_model::text::one_line(line);
        if i == 0 {
            report.push_str(&format!("discovered {line}\n"));
        } else {
            report.push_str(&format!("  {line}\n"));
        }
    }
    let text = model_to_string(&discovered.model);
    if let Some(target) = output {
        if let Err(e) = write_atomically(target, text.as_bytes()) {
            err(&format!("{}: cannot write: {e}", target.display()));
            return 2;
        }
        report.push_str(&format!(
            "{}: wrote {} (run `charter check {}`)\n",
            target.display(),
            charter_model::MODEL_FORMAT,
            target.display()
        ));
    }
    let stdout = match &documented {
        Some(m) => {
            let lines = compare(&discovered.model, m);
            let undocumented = lines
                .iter()
                .filter(|l| l.starts_with("undocumented"))
                .count();
            report.push_str(&format!(
                "compared with {}: {undocumented} undocumented, {} unused\n",
                compare_with
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                lines.len() - undocumented
            ));
            lines.iter().map(|l| format!("{l}\n")).collect::<String>()
        }
        None if output.is_none() => text,
        None => String::new(),
    };
    if !stdout.is_empty() && !out(&stdout) {
        return 2;
    }
    err(&report);
    0
}
