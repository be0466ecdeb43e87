//! Streaming replay of recorded traffic (JSON Lines in, JSON Lines out).

use crate::engine::{write_decision, Decision, Engine};
use crate::load::Compiled;
use crate::message::{id_of_invalid, parse_message, Message};
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
    input: R,
    out: &mut W,
    progress: Option<&mut dyn Write>,
) -> io::Result<()> {
    let started = Instant::now();
    let mut terminal = Terminal {
        progress,
        started,
        last: started,
    };
    let (_, n) = run(engine, input, out, &mut terminal)?;
    if let Some(p) = terminal.progress {
        if terminal.last != started {
            let _ = writeln!(p, "\rreplay: {n} messages, done.              ");
        }
    }
    Ok(())
}

/// Lines between two calls of [`ReplayHooks::progress`] (a power of two).
pub const PROGRESS_EVERY: u64 = 1024;

/// What [`replay_with`] tells its caller as it goes (the app's rehearsal:
/// progress, cancellation, its own aggregates of the decisions).
pub trait ReplayHooks {
    /// After each line's decision: the line number (from 1), the message
    /// (`None` when the line is not a valid message: then `id` is its id
    /// when one can be read, and `detail` says why it is invalid), the
    /// decision.
    fn decided(
        &mut self,
        _line: u64,
        _message: Option<&Message<'_>>,
        _id: Option<&str>,
        _decision: &Decision<'_>,
        _detail: Option<&str>,
    ) {
    }

    /// Every [`PROGRESS_EVERY`] lines: the lines and bytes read so far.
    /// `false` stops the replay there (between two lines).
    fn progress(&mut self, _lines: u64, _bytes: u64) -> bool {
        true
    }
}

/// [`replay`] with hooks instead of a terminal progress line: the same
/// decisions, in the same order, written to `out` the same way. `Ok(true)`
/// when the input was read to its end, `Ok(false)` when
/// [`ReplayHooks::progress`] stopped it (the engine holds the decisions taken
/// so far; the output has all of their lines).
pub fn replay_with<R: BufRead, W: Write>(
    engine: &mut Engine,
    input: R,
    out: &mut W,
    hooks: &mut dyn ReplayHooks,
) -> io::Result<bool> {
    Ok(run(engine, input, out, hooks)?.0)
}

/// `replay`'s progress line on a terminal, about once a second.
struct Terminal<'a> {
    progress: Option<&'a mut dyn Write>,
    started: Instant,
    last: Instant,
}

impl ReplayHooks for Terminal<'_> {
    #[inline]
    fn progress(&mut self, n: u64, _bytes: u64) -> bool {
        if n & 0xffff == 0 {
            if let Some(p) = self.progress.as_deref_mut() {
                let now = Instant::now();
                if now.duration_since(self.last) >= Duration::from_secs(1) {
                    self.last = now;
                    let rate = n as f64 / now.duration_since(self.started).as_secs_f64().max(1e-9);
                    let _ = write!(p, "\rreplay: {n} messages ({rate:.0}/s)");
                    let _ = p.flush();
                }
            }
        }
        true
    }
}

/// The replay loop shared by [`replay`] and [`replay_with`]: whether the
/// input was read to its end, and the lines decided.
fn run<R: BufRead, W: Write, H: ReplayHooks + ?Sized>(
    engine: &mut Engine,
    mut input: R,
    out: &mut W,
    hooks: &mut H,
) -> io::Result<(bool, u64)> {
    let cfg = std::sync::Arc::clone(engine.config());
    let mut line = Vec::with_capacity(1024);
    let mut buf = Vec::with_capacity(OUT_BATCH + 4096);
    let mut n: u64 = 0;
    let mut bytes: u64 = 0;
    let mut finished = true;
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
                decide_line(engine, &cfg, n, &chunk[..i], &mut buf, hooks);
                bytes += i as u64 + 1;
                i + 1
            }
            None => {
                line.clear();
                input.read_until(b'\n', &mut line)?;
                decide_line(engine, &cfg, n, &line, &mut buf, hooks);
                bytes += line.len() as u64;
                0
            }
        };
        input.consume(used);
        if buf.len() >= OUT_BATCH {
            out.write_all(&buf)?;
            buf.clear();
        }
        if n & (PROGRESS_EVERY - 1) == 0 && !hooks.progress(n, bytes) {
            finished = false;
            break;
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    if finished && n & (PROGRESS_EVERY - 1) != 0 {
        hooks.progress(n, bytes);
    }
    Ok((finished, n))
}

/// Decides line `n` (its text, with or without the line break) and appends
/// the decision line to `buf`.
#[inline]
fn decide_line<H: ReplayHooks + ?Sized>(
    engine: &mut Engine,
    cfg: &Compiled,
    n: u64,
    line: &[u8],
    buf: &mut Vec<u8>,
    hooks: &mut H,
) {
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
            hooks.decided(n, Some(&msg), Some(&msg.id), &d, None);
        }
        Err(e) => {
            let id = id_of_invalid(text);
            let detail = if text.iter().all(u8::is_ascii_whitespace) {
                "empty line".to_string()
            } else {
                e.0
            };
            engine.count_invalid(&format!("line {n}: {detail}"), id.as_deref());
            let d = Decision::invalid();
            write_decision(buf, cfg, n, id.as_deref(), &d, Some(&detail));
            hooks.decided(n, None, id.as_deref(), &d, Some(&detail));
        }
    }
    buf.push(b'\n');
}
