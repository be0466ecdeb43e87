//! Imports: a sketch or a spec turned into a `charter-model/1` model.
//!
//! Every importer reads text (or bytes) it must distrust: a file is capped
//! at [`MAX_INPUT_BYTES`] before it is parsed, parsers never panic, and any
//! input that cannot be used gives one [`ImportError`] naming the problem;
//! nothing half-made is returned. Labels are text: markup is stripped, never
//! interpreted, control characters are dropped.
//!
//! Sketches (Mermaid, Excalidraw, draw.io) go through one builder,
//! [`sketch::Sketch`]: boxes become systems, arrow labels become a flow's
//! entity and pattern, an entity's owner comes from its events' source.
//! What cannot be placed (an arrow without a label, an arrow to nothing...)
//! is listed in [`Imported::unplaced`], never silently dropped.

pub mod csv;
pub mod drawio;
pub mod excalidraw;
pub mod mermaid;
pub mod openapi;
pub mod sketch;
pub mod text;

use crate::model::Model;
use std::io::Read;
use std::path::Path;

/// The largest input an importer reads (bigger files are refused before
/// parsing, so memory stays bounded).
pub const MAX_INPUT_BYTES: u64 = 32 * 1024 * 1024;

/// The formats `charter import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Mermaid,
    Excalidraw,
    Drawio,
    Csv,
    Openapi,
    Asyncapi,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Mermaid,
        Format::Excalidraw,
        Format::Drawio,
        Format::Csv,
        Format::Openapi,
        Format::Asyncapi,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Mermaid => "mermaid",
            Format::Excalidraw => "excalidraw",
            Format::Drawio => "drawio",
            Format::Csv => "csv",
            Format::Openapi => "openapi",
            Format::Asyncapi => "asyncapi",
        }
    }

    /// The format with this name (as `--format` gives it).
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Recognises the format from the content (not the file name).
    pub fn detect(text: &str) -> Option<Format> {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        let head = |n: usize| -> &str {
            let mut end = n.min(t.len());
            while !t.is_char_boundary(end) {
                end -= 1;
            }
            &t[..end]
        };
        if let Some(spec) = openapi::detect(head(8192)) {
            return Some(spec);
        }
        if t.starts_with('{') {
            // JSON: an Excalidraw scene says so, or at least has elements.
            let h = head(4096);
            if h.contains("\"excalidraw\"") || h.contains("\"elements\"") {
                return Some(Format::Excalidraw);
            }
            return None;
        }
        if t.starts_with('<') {
            let h = head(4096);
            if h.contains("<mxfile") || h.contains("<mxGraphModel") {
                return Some(Format::Drawio);
            }
            return None;
        }
        if mermaid::looks_like(t) {
            return Some(Format::Mermaid);
        }
        if csv::looks_like(t) {
            return Some(Format::Csv);
        }
        None
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an import made: the model, what it made of the input (one sentence
/// a line) and what it could not place (one sentence a line).
#[derive(Debug, Clone)]
pub struct Imported {
    pub format: Format,
    pub model: Model,
    pub summary: Vec<String>,
    pub unplaced: Vec<String>,
}

/// Why an input could not be imported. The message is one line; the caller
/// prefixes the file name.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("too large: more than {} MiB (the limit for an import)", MAX_INPUT_BYTES >> 20)]
    TooLarge,
    #[error("not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
    #[error("empty file: nothing to import")]
    Empty,
    #[error("cannot tell the format from the content (not Mermaid, Excalidraw, draw.io, CSV, OpenAPI or AsyncAPI); give --format")]
    UnknownFormat,
    #[error("not a usable {format} file: {message}")]
    Invalid { format: Format, message: String },
}

impl ImportError {
    pub(crate) fn invalid(format: Format, message: impl Into<String>) -> Self {
        ImportError::Invalid {
            format,
            message: crate::text::one_line(&message.into()).into_owned(),
        }
    }
}

/// Reads at most [`MAX_INPUT_BYTES`] of a file.
pub fn read_limited(path: &Path) -> Result<Vec<u8>, ImportError> {
    let f = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(ImportError::TooLarge);
    }
    Ok(bytes)
}

/// Imports a file: reads it (bounded), recognises the format unless given,
/// and builds the model, named after the file unless the input names it.
/// Choices an importer cannot make from the file alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// How AsyncAPI 2.x `publish`/`subscribe` are read.
    pub asyncapi_v2: openapi::V2Direction,
}

pub fn import_file(path: &Path, format: Option<Format>) -> Result<Imported, ImportError> {
    import_file_with(path, format, ImportOptions::default())
}

pub fn import_file_with(
    path: &Path,
    format: Option<Format>,
    options: ImportOptions,
) -> Result<Imported, ImportError> {
    let bytes = read_limited(path)?;
    let stem = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = stem.split('.').next().unwrap_or_default().to_string();
    import_bytes_with(&bytes, format, &name, options)
}

/// Imports bytes already read. `name` names the model when the input does
/// not (a file stem; "Imported" when empty).
pub fn import_bytes(
    bytes: &[u8],
    format: Option<Format>,
    name: &str,
) -> Result<Imported, ImportError> {
    import_bytes_with(bytes, format, name, ImportOptions::default())
}

/// [`import_bytes`] with the choices of [`ImportOptions`].
pub fn import_bytes_with(
    bytes: &[u8],
    format: Option<Format>,
    name: &str,
    options: ImportOptions,
) -> Result<Imported, ImportError> {
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(ImportError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| ImportError::NotUtf8(e.valid_up_to()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    let format = match format {
        Some(f) => f,
        None => Format::detect(text).ok_or(ImportError::UnknownFormat)?,
    };
    let name = if name.trim().is_empty() {
        "Imported"
    } else {
        name.trim()
    };
    match format {
        Format::Mermaid => mermaid::import(text, name),
        Format::Excalidraw => excalidraw::import(text, name),
        Format::Drawio => drawio::import(text, name),
        Format::Csv => csv::import(text, name),
        Format::Openapi => openapi::import_openapi(text, name),
        Format::Asyncapi => openapi::import_asyncapi_with(text, name, options.asyncapi_v2),
    }
}
