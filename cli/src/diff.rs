//! `charter diff OLD_CONFIG NEW_CONFIG`: what changed between two exported
//! configurations, one line per change (`kind: message`), in business terms.
//! Exit 0 whether or not anything changed; 2 when either file cannot be used
//! (unreadable, not JSON, unknown format, digest mismatch...).

use crate::check::{err, one_line, out};
use charter_model::diff::diff;
use charter_model::export::{read_config_file, ConfigError};
use charter_model::{Config, MODEL_FORMAT};
use std::path::Path;

pub fn run(old: &Path, new: &Path) -> u8 {
    let (a, b) = (read(old), read(new));
    let (Some(a), Some(b)) = (a, b) else {
        return 2;
    };
    let changes = diff(&a, &b);
    let text: String = changes
        .iter()
        .map(|c| format!("{}\n", one_line(&c.to_string())))
        .collect();
    if !out(&text) {
        return 2;
    }
    err(&match changes.len() {
        0 => "no changes".to_string(),
        1 => "1 change".to_string(),
        n => format!("{n} changes"),
    });
    0
}

fn read(path: &Path) -> Option<Config> {
    match read_config_file(path) {
        Ok(c) => Some(c),
        Err(e) => {
            let hint = match e.config_error() {
                Some(ConfigError::UnknownFormat { found }) if found == MODEL_FORMAT => {
                    "; this is a model: export it first with `charter export MODEL --env ENV`"
                }
                _ => "",
            };
            err(&format!("{}{hint}", one_line(&e.to_string())));
            None
        }
    }
}
