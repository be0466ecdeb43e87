//! `charter replay`
use std::path::Path;
pub fn run(_config: &Path, _events: &Path, _report: Option<&Path>, _strict: bool) -> u8 { 2 }
