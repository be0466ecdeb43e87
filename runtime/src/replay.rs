//! Streaming replay of recorded traffic (JSON Lines in, JSON Lines out).

use crate::engine::{write_decision, Decision, Engine};
use crate::message::{id_of_invalid, parse_message};
use std::io::{self, BufRead, Write};
use std::time::{Duration, Instant};

/// Runs every line of `input` through `engine`, writing one decision per line
/// to `out`. Memory stays flat: one line buffer, one output buffer, plus the
/// engine's bounded state. When `progress` is given, a progress line is
/// rewritten on it about once a second.
pub fn replay<R: BufRead, W: Write>(
    engine: &mut Engine,
    mut input: R,
    out: &mut W,
    mut progress: Option<&mut dyn Write>,
) -> io::Result<()> {
    let cfg = std::sync::Arc::clone(engine.config());
    let mut line = Vec::with_capacity(1024);
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut n: u64 = 0;
    let started = Instant::now();
    let mut last_progress = started;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        n += 1;
        let mut text = line.as_slice();
        while let Some((&last, rest)) = text.split_last() {
            if last == b'\n' || last == b'\r' {
                text = rest;
            } else {
                break;
            }
        }
        match parse_message(text) {
            Ok(msg) => {
                let d = engine.decide(&msg);
                write_decision(&mut buf, &cfg, n, Some(&msg.id), &d, None);
            }
            Err(e) => {
                engine.count_invalid();
                let id = id_of_invalid(text);
                let detail = if text.iter().all(u8::is_ascii_whitespace) {
                    "empty line".to_string()
                } else {
                    e.0
                };
                write_decision(
                    &mut buf,
                    &cfg,
                    n,
                    id.as_deref(),
                    &Decision::invalid(),
                    Some(&detail),
                );
            }
        }
        buf.push(b'\n');
        if buf.len() >= 60 * 1024 {
            out.write_all(&buf)?;
            buf.clear();
        }
        if n & 0xffff == 0 {
            if let Some(p) = progress.as_deref_mut() {
                let now = Instant::now();
                if now.duration_since(last_progress) >= Duration::from_secs(1) {
                    last_progress = now;
                    let rate = n as f64 / now.duration_since(started).as_secs_f64().max(1e-9);
                    let _ = write!(p, "\rreplay: {n} messages ({rate:.0}/s)");
                    let _ = p.flush();
                }
            }
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    if let Some(p) = progress {
        if last_progress != started {
            let _ = writeln!(p, "\rreplay: {n} messages, done.              ");
        }
    }
    Ok(())
}
