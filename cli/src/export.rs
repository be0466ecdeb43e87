//! `charter export`
use std::path::Path;
pub fn run(_model: &Path, _env: &str, _output: Option<&Path>) -> u8 { 2 }
