//! `charter replay CONFIG EVENTS.jsonl [--report FILE] [--strict]`: runs
//! recorded traffic through the runtime's decisions (events.md), one decision
//! per input line on stdout as JSON Lines. Exit 2 when the configuration or
//! the traffic cannot be used; with `--strict`, exit 1 when any message was
//! refused (reject, quarantine, invalid).

use charter_runtime::{replay::replay, Compiled, Engine};
use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

pub fn run(config: &Path, events: &Path, report: Option<&Path>, strict: bool) -> u8 {
    let cfg = match Compiled::load_file(config) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let input = match File::open(events) {
        Ok(f) => BufReader::with_capacity(1 << 20, f),
        Err(e) => {
            eprintln!("error: {}: cannot read: {e}", events.display());
            return 2;
        }
    };
    let mut engine = Engine::new(cfg);
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 17, stdout.lock());
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
        eprintln!("error: {}: replay failed: {e}", events.display());
        return 2;
    }
    let summary = engine.summary();
    if let Some(path) = report {
        let mut bytes = match serde_json::to_vec_pretty(&summary) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {}: cannot write the report: {e}", path.display());
                return 2;
            }
        };
        bytes.push(b'\n');
        if let Err(e) = charter_model::file::write_atomically(path, &bytes) {
            eprintln!("error: {}: cannot write the report: {e}", path.display());
            return 2;
        }
    }
    if strict && summary.counts.refused() > 0 {
        1
    } else {
        0
    }
}
