//! The durable decision log of `charter serve`.
//!
//! Format: JSON Lines, one line per decision, appended in decision order:
//!
//! ```text
//! {"decision":{"line":1,"id":"m-1","decision":"accept","reason":null,"rule":null,"deliveries":[...]},"message":{...the message as received...}}
//! ```
//!
//! A gate with identities (`--identities`) adds `"by":"SYSTEM"`, the
//! authenticated caller, after `message`.
//!
//! `decision` is exactly what the HTTP response carried (`line` is the
//! message's position in its request); `message` is the message as received,
//! compacted to one line, or `null` for a body element that was not a valid
//! message. A request's lines are written together and the file is
//! `fdatasync`ed before the response is sent; concurrent requests share one
//! sync (group commit).
//!
//! Crash recovery: on start the log is read from the beginning and every
//! logged message is decided again, in order, by the same engine
//! ([`Engine::decide`](crate::engine::Engine::decide)): decisions depend only
//! on the configuration and the messages before them (never on the wall
//! clock), so this rebuilds exactly the state the gate had: the duplicate
//! memory, ordering, deliveries awaiting acks, reconciliation, alert windows,
//! incidents and counts. A line whose decision differs from the one logged
//! (a log written under another configuration) is counted in
//! [`Recovered::differing`]. A last line without its newline (a write cut by
//! a crash) was never acknowledged to a client: it is cut off before
//! appending resumes.

use crate::engine::{Engine, Reason, Verdict};
use crate::message::parse_message;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;

#[derive(Deserialize)]
struct Logged<'a> {
    #[serde(borrow)]
    decision: LoggedDecision<'a>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    /// The authenticated caller (gates with identities).
    #[serde(default, borrow)]
    by: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
struct LoggedDecision<'a> {
    decision: &'a str,
    reason: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    detail: Option<std::borrow::Cow<'a, str>>,
}

/// What recovery found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Recovered {
    /// Decisions restored.
    pub decisions: u64,
    /// Complete lines that could not be read (skipped).
    pub unreadable: u64,
    /// Bytes of a torn last line cut off.
    pub torn_bytes: u64,
    /// Messages decided differently now than logged.
    pub differing: u64,
}

/// Opens (creating) the decision log at `path`, replays it into `engine`,
/// cuts a torn tail, and returns the file positioned for appending.
pub fn open_and_recover(path: &Path, engine: &mut Engine) -> io::Result<(File, Recovered)> {
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)?;
    let mut rec = Recovered::default();
    let mut good_len: u64 = 0;
    {
        let mut reader = BufReader::with_capacity(1 << 20, &mut file);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            if line.last() != Some(&b'\n') {
                rec.torn_bytes = n as u64;
                break;
            }
            good_len += n as u64;
            match restore_line(&line, engine) {
                Some(same) => {
                    rec.decisions += 1;
                    rec.differing += u64::from(!same);
                }
                None if !line.iter().all(u8::is_ascii_whitespace) => rec.unreadable += 1,
                None => {}
            }
        }
    }
    if rec.torn_bytes > 0 {
        file.set_len(good_len)?;
        file.sync_data()?;
    }
    file.seek(SeekFrom::End(0))?;
    Ok((file, rec))
}

/// Decides a logged message again; `Some(same)`: whether the decision is
/// the one logged; `None`: not a log line.
pub(crate) fn restore_line(line: &[u8], engine: &mut Engine) -> Option<bool> {
    restore_line_verdict(line, engine).map(|(_, _, same)| same)
}

/// [`restore_line`], also giving the logged decision and reason.
pub(crate) fn restore_line_verdict(
    line: &[u8],
    engine: &mut Engine,
) -> Option<(Verdict, Option<Reason>, bool)> {
    let logged = serde_json::from_slice::<Logged>(line).ok()?;
    let verdict = Verdict::parse(logged.decision.decision)?;
    let reason = logged.decision.reason.as_deref().and_then(Reason::parse);
    match logged.message.map(|m| parse_message(m.get().as_bytes())) {
        Some(Ok(msg)) => {
            let d = crate::identity::decide_as(engine, &msg, logged.by.as_deref());
            Some((verdict, reason, d.verdict == verdict && d.reason == reason))
        }
        _ => {
            let detail = logged.decision.detail.as_deref().unwrap_or("not a message");
            engine.count_invalid(detail, logged.decision.id.as_deref());
            Some((verdict, reason, verdict == Verdict::Invalid))
        }
    }
}

/// Appends one log line for a decision to `out`.
pub fn append_line(out: &mut Vec<u8>, decision_json: &[u8], message: Option<&RawValue>) {
    append_line_by(out, decision_json, message, None);
}

/// Appends one log line for a decision on a message sent by `by` (the
/// authenticated caller, when the gate has identities).
pub fn append_line_by(
    out: &mut Vec<u8>,
    decision_json: &[u8],
    message: Option<&RawValue>,
    by: Option<&str>,
) {
    out.extend_from_slice(b"{\"decision\":");
    out.extend_from_slice(decision_json);
    out.extend_from_slice(b",\"message\":");
    match message {
        None => out.extend_from_slice(b"null"),
        Some(raw) => {
            let text = raw.get();
            if text.contains(['\n', '\r']) {
                match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(v) => {
                        let _ = serde_json::to_writer(&mut *out, &v);
                    }
                    Err(_) => out.extend_from_slice(b"null"),
                }
            } else {
                out.extend_from_slice(text.as_bytes());
            }
        }
    }
    if let Some(by) = by {
        out.extend_from_slice(b",\"by\":");
        let _ = serde_json::to_writer(&mut *out, by);
    }
    out.extend_from_slice(b"}\n");
}
