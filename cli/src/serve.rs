//! `charter serve`
use std::path::Path;
pub fn run(_config: &Path, _listen: &str, _log: Option<&Path>) -> u8 { 2 }
