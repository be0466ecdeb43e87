//! `charter serve CONFIG --listen ADDR [--log FILE] [--clock wall|message]
//! [--identities FILE] [--tls-cert PEM --tls-key PEM] [--admin-listen ADDR]`:
//! the governance gate over HTTP(S) (see `charter_runtime::server`). Prints
//! one line `listening on http://ADDR` (`https://` with TLS) on stdout once
//! it accepts connections, then `admin on http://ADDR` with `--admin-listen`.
//! Exit 2 when the configuration, the log, the identities, the TLS material
//! or the address cannot be used (a non-loopback address without
//! `--identities` included).

use charter_runtime::server::{serve_blocking, Clock, ServeOptions};
use charter_runtime::Limits;
use std::io::Write;
use std::path::Path;

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// How the gate is reached and who may speak at it.
pub struct Access<'a> {
    pub identities: Option<&'a Path>,
    pub tls_cert: Option<&'a Path>,
    pub tls_key: Option<&'a Path>,
    pub admin_listen: Option<&'a str>,
}

pub fn run(
    config: &Path,
    listen: &str,
    log: Option<&Path>,
    message_clock: bool,
    access: &Access<'_>,
) -> u8 {
    let tls = match (access.tls_cert, access.tls_key) {
        (Some(c), Some(k)) => Some((c.to_path_buf(), k.to_path_buf())),
        (None, None) => None,
        _ => {
            crate::check::err("--tls-cert and --tls-key go together");
            return 2;
        }
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
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
        identities: access.identities.map(Path::to_path_buf),
        tls,
        admin_listen: access.admin_listen.map(str::to_string),
    };
    let result = serve_blocking(&opts, |addr, admin, rec| {
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
        let _ = writeln!(out, "listening on {scheme}://{addr}");
        if let Some(admin) = admin {
            let _ = writeln!(out, "admin on http://{admin}");
        }
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
