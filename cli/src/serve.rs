//! `charter serve CONFIG --listen ADDR [--log FILE] [--clock wall|message]`: the governance gate over
//! HTTP (see `charter_runtime::server`). Prints one line
//! `listening on http://ADDR` on stdout once it accepts connections.
//! Exit 2 when the configuration, the log or the address cannot be used.

use charter_runtime::server::{serve_blocking, Clock, ServeOptions};
use charter_runtime::Limits;
use std::io::Write;
use std::path::Path;

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

pub fn run(config: &Path, listen: &str, log: Option<&Path>, message_clock: bool) -> u8 {
    let log = match log {
        Some(l) => l.to_path_buf(),
        None => config
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join("decisions.log"),
    };
    let opts = ServeOptions {
        config: config.to_path_buf(),
        listen: listen.to_string(),
        log,
        max_body_bytes: MAX_BODY_BYTES,
        limits: Limits::default(),
        clock: if message_clock {
            Clock::Message
        } else {
            Clock::Wall
        },
    };
    let result = serve_blocking(&opts, |addr, rec| {
        if rec.decisions > 0 || rec.unreadable > 0 || rec.torn_bytes > 0 {
            eprintln!(
                "{}: recovered {} decisions ({} unreadable lines skipped, {} bytes of a torn last line cut)",
                opts.log.display(),
                rec.decisions,
                rec.unreadable,
                rec.torn_bytes
            );
        }
        if rec.differing > 0 {
            eprintln!(
                "{}: {} logged decisions differ from what this configuration decides now (was the log written under another configuration?)",
                opts.log.display(),
                rec.differing
            );
        }
        let mut out = std::io::stdout();
        let _ = writeln!(out, "listening on http://{addr}");
        let _ = out.flush();
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            crate::check::err(&crate::check::one_line(&e.to_string()));
            2
        }
    }
}
