//! `charter check`
use crate::OutputFormat;
use std::path::Path;
pub fn run(_model: &Path, _format: OutputFormat) -> u8 { 2 }
