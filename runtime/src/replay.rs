//! Streaming replay of recorded traffic (JSON Lines in, JSON Lines out).

use crate::engine::{write_decision, Decision, Engine};
use crate::load::Compiled;
use crate::message::{id_of_invalid, parse_message};
use std::io::{self, BufRead, Write};
use std::time::{Duration, Instant};

/// Decision lines are written to the output in batches of about this many
/// bytes (the output needs no further buffering).
const OUT_BATCH: usize = 128 * 1024;

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
    let mut buf = Vec::with_capacity(OUT_BATCH + 4096);
    let mut n: u64 = 0;
    let started = Instant::now();
    let mut last_progress = started;
    loop {
        // Lines are decided in place in the reader's buffer; only a line
        // that straddles the end of the buffer is copied.
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        n += 1;
        let used = match memchr::memchr(b'\n', chunk) {
            Some(i) => {
                decide_line(engine, &cfg, n, &chunk[..i], &mut buf);
                i + 1
            }
            None => {
                line.clear();
                input.read_until(b'\n', &mut line)?;
                decide_line(engine, &cfg, n, &line, &mut buf);
                0
            }
        };
        input.consume(used);
        if buf.len() >= OUT_BATCH {
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

/// Decides line `n` (its text, with or without the line break) and appends
/// the decision line to `buf`.
#[inline]
fn decide_line(engine: &mut Engine, cfg: &Compiled, n: u64, line: &[u8], buf: &mut Vec<u8>) {
    let mut text = line;
    if n == 1 {
        // A UTF-8 byte order mark, as some editors write, is not part of the first message.
        text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    }
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
            write_decision(buf, cfg, n, Some(&msg.id), &d, None);
        }
        Err(e) => {
            let id = id_of_invalid(text);
            let detail = if text.iter().all(u8::is_ascii_whitespace) {
                "empty line".to_string()
            } else {
                e.0
            };
            engine.count_invalid(&format!("line {n}: {detail}"), id.as_deref());
            write_decision(
                buf,
                cfg,
                n,
                id.as_deref(),
                &Decision::invalid(),
                Some(&detail),
            );
        }
    }
    buf.push(b'\n');
}
