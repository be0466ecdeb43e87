//! `charter identities`: the identities file of `charter serve --identities`
//! (format: `charter_runtime::identity`).
//!
//! - `charter identities template CONFIG [-o FILE]`: the skeleton, one entry
//!   per system of the configuration, no credentials yet (a new system of the
//!   model cannot be forgotten at go-live: `serve` refuses a file that lacks
//!   one).
//! - `charter identities new SYSTEM... --file FILE`: a fresh random token for
//!   each system (creating FILE or updating its entries): the tokens are
//!   printed once on stdout, `SYSTEM TOKEN` per line; FILE gets only their
//!   SHA-256. A system's previous token stops working.
//! - `charter identities revoke SYSTEM... --file FILE`: their current tokens
//!   become revoked (refused with `revoked-credentials`).
//!
//! Exit 0, or 2 when a file cannot be read or written.

use charter_model::file::write_atomically;
use charter_runtime::identity::{issue_tokens, revoke_tokens, template};
use charter_runtime::Compiled;
use clap::Subcommand;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum Action {
    /// Write the identities file's skeleton for a configuration.
    Template {
        config: PathBuf,
        /// Write to FILE (atomically; never over an existing file) instead of stdout.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Give systems fresh tokens: printed once, only their SHA-256 kept in FILE.
    New {
        #[arg(required = true)]
        systems: Vec<String>,
        /// The identities file (created when absent).
        #[arg(long)]
        file: PathBuf,
    },
    /// Revoke the current tokens of systems.
    Revoke {
        #[arg(required = true)]
        systems: Vec<String>,
        /// The identities file.
        #[arg(long)]
        file: PathBuf,
    },
}

fn fail(text: &str) -> u8 {
    crate::check::err(&crate::check::one_line(text));
    2
}

fn read(file: &Path) -> Result<Option<String>, String> {
    match std::fs::read_to_string(file) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: cannot read: {e}", file.display())),
    }
}

fn write(file: &Path, text: &str) -> Result<(), String> {
    write_atomically(file, text.as_bytes())
        .map_err(|e| format!("{}: cannot write: {e}", file.display()))
}

pub fn run(action: Action) -> u8 {
    match action {
        Action::Template { config, output } => {
            let cfg = match Compiled::load_file(&config) {
                Ok(c) => c,
                Err(e) => return fail(&e.to_string()),
            };
            let text = template(&cfg);
            match output {
                Some(out) if out.exists() => fail(&format!(
                    "{}: exists; not overwritten (`charter identities new SYSTEM... --file {0}` adds systems to it)",
                    out.display()
                )),
                Some(out) => match write(&out, &text) {
                    Ok(()) => 0,
                    Err(e) => fail(&e),
                },
                None => {
                    let _ = std::io::stdout().write_all(text.as_bytes());
                    0
                }
            }
        }
        Action::New { systems, file } => {
            let name = file.display().to_string();
            let existing = match read(&file) {
                Ok(t) => t,
                Err(e) => return fail(&e),
            };
            let (text, issued) = match issue_tokens(existing.as_deref(), &name, &systems) {
                Ok(x) => x,
                Err(e) => return fail(&e.to_string()),
            };
            if let Err(e) = write(&file, &text) {
                return fail(&e);
            }
            let mut out = std::io::stdout().lock();
            for (system, token) in &issued {
                let _ = writeln!(out, "{system} {token}");
            }
            let _ = out.flush();
            crate::check::err(&format!(
                "{name}: {} token(s) issued; they are shown this once, the file keeps only their SHA-256",
                issued.len()
            ));
            0
        }
        Action::Revoke { systems, file } => {
            let name = file.display().to_string();
            let existing = match read(&file) {
                Ok(Some(t)) => t,
                Ok(None) => return fail(&format!("{name}: no such file")),
                Err(e) => return fail(&e),
            };
            let text = match revoke_tokens(&existing, &name, &systems) {
                Ok(t) => t,
                Err(e) => return fail(&e.to_string()),
            };
            match write(&file, &text) {
                Ok(()) => 0,
                Err(e) => fail(&e),
            }
        }
    }
}
