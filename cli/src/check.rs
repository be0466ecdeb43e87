//! `charter check MODEL [--format text|json]`: every finding of a model.
//! Text: exactly one line per finding, `severity code subject: message`
//! (cli.md), then a summary line on stderr. JSON: an array of
//! `{severity, code, subject, message, fix?}`: the suggested fix is there.
//! Exit 1 when any finding is an error, 0 otherwise, 2 when the model cannot
//! be read.
//!
//! Also the helpers the other model commands share: reading a model with
//! every reader problem reported, printing findings, writing to stdout and
//! stderr without ever panicking (a closed pipe is not an error).

use crate::OutputFormat;
use charter_model::{check, read_model_file, Finding, Model, ModelFileError, Severity};
use std::io::Write;
use std::path::Path;

pub fn run(model: &Path, format: OutputFormat) -> u8 {
    let Some(m) = read_model(model) else {
        return 2;
    };
    let findings = check(&m);
    let text = match format {
        OutputFormat::Text => findings.iter().map(finding_line).collect::<String>(),
        OutputFormat::Json => match serde_json::to_string_pretty(&findings) {
            Ok(mut s) => {
                s.push('\n');
                s
            }
            Err(e) => {
                err(&format!(
                    "{}: cannot write the findings as JSON: {e}",
                    model.display()
                ));
                return 2;
            }
        },
    };
    if !out(&text) {
        return 2;
    }
    err(&format!("{}: {}", model.display(), summary(&findings)));
    if findings.iter().any(|f| f.severity == Severity::Error) {
        1
    } else {
        0
    }
}

/// Reads a model file; on failure prints one line per problem on stderr, the
/// first naming the file and the problem (`x.model.json:12:5: $.flows[3]...`).
pub(crate) fn read_model(path: &Path) -> Option<Model> {
    match read_model_file(path) {
        Ok(m) => Some(m),
        Err(e) => {
            err(&model_error_lines(path, &e));
            None
        }
    }
}

/// Every line describing why a model file cannot be used.
pub(crate) fn model_error_lines(path: &Path, e: &ModelFileError) -> String {
    let problems = e.problems();
    if problems.is_empty() {
        return one_line(&e.to_string());
    }
    let mut lines = String::new();
    for p in problems.iter().take(MAX_PROBLEM_LINES) {
        // A problem with a position reads `file:line:col: $.path: message`.
        let sep = if p.line.is_some() && p.column.is_some() {
            ":"
        } else {
            ": "
        };
        lines.push_str(&one_line(&format!("{}{sep}{p}", path.display())));
        lines.push('\n');
    }
    if problems.len() > MAX_PROBLEM_LINES {
        let more = problems.len() - MAX_PROBLEM_LINES;
        lines.push_str(&one_line(&format!(
            "{}: … and {more} more problem{} (fix these first)",
            path.display(),
            if more == 1 { "" } else { "s" }
        )));
        lines.push('\n');
    }
    lines.pop();
    lines
}

/// At most this many problems of an unreadable file are printed, one line
/// each, then one line saying how many more there are.
const MAX_PROBLEM_LINES: usize = 50;

/// `severity code subject: message` and a line break: one line per finding
/// (the fix is in the JSON format only).
pub(crate) fn finding_line(f: &Finding) -> String {
    let mut s = one_line(&format!(
        "{} {} {}: {}",
        f.severity.as_str(),
        f.code,
        f.subject,
        f.message
    ));
    s.push('\n');
    s
}

/// `2 errors, 1 warning, 0 info` or `no findings`.
pub(crate) fn summary(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no findings".to_string();
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{}, {}, {} info",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        count(Severity::Info)
    )
}

/// Keeps a message on one line: line breaks become spaces.
pub(crate) fn one_line(s: &str) -> String {
    if s.contains(['\n', '\r']) {
        s.split(['\n', '\r'])
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        s.to_string()
    }
}

/// Writes to stdout. A closed pipe (`charter check m | head`) is fine;
/// another write error is reported on stderr and gives `false`.
pub(crate) fn out(text: &str) -> bool {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => true,
        Err(e) => {
            err(&format!("cannot write to standard output: {e}"));
            false
        }
    }
}

/// Writes one or more lines to stderr, never panicking.
pub(crate) fn err(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = stderr.write_all(b"\n");
    }
}
