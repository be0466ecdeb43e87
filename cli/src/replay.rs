//! `charter replay CONFIG EVENTS.jsonl [--report FILE] [--strict]`: runs
//! recorded traffic through the runtime's decisions (events.md), one decision
//! per input line on stdout as JSON Lines. Exit 2 when the configuration or
//! the traffic cannot be used; with `--strict`, exit 1 when any message was
//! refused (reject, quarantine, invalid).

use crate::check::{err, one_line};
use charter_runtime::{replay::replay, Compiled, Engine};
use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

pub fn run(config: &Path, events: &Path, report: Option<&Path>, strict: bool) -> u8 {
    let cfg = match Compiled::load_file(config) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            err(&one_line(&e.to_string()));
            return 2;
        }
    };
    let input = match File::open(events) {
        Ok(f) => BufReader::with_capacity(1 << 20, f),
        Err(e) => {
            err(&format!("{}: cannot read: {e}", events.display()));
            return 2;
        }
    };
    let mut engine = Engine::new(cfg);
    // `replay` writes whole batches of lines: no further buffering.
    let mut out = std::io::stdout().lock();
    let stderr = std::io::stderr();
    let mut progress = stderr.lock();
    let show_progress = std::io::stderr().is_terminal();
    let result = replay(
        &mut engine,
        input,
        &mut out,
        if show_progress {
            Some(&mut progress as &mut dyn Write)
        } else {
            None
        },
    );
    if let Err(e) = result.and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return 0;
        }
        err(&format!("{}: replay failed: {e}", events.display()));
        return 2;
    }
    let summary = engine.summary();
    if let Some(path) = report {
        let mut bytes = match serde_json::to_vec_pretty(&summary) {
            Ok(b) => b,
            Err(e) => {
                err(&format!("{}: cannot write the report: {e}", path.display()));
                return 2;
            }
        };
        bytes.push(b'\n');
        if let Err(e) = charter_model::file::write_atomically(path, &bytes) {
            err(&format!("{}: cannot write the report: {e}", path.display()));
            return 2;
        }
    }
    if strict && summary.counts.refused() > 0 {
        1
    } else {
        0
    }
}
