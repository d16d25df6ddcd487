//! What an evaluation leaves in files, written the same way by both doors: a schedule as
//! Chrome's JSON, an SVG or an HTML page (`--trace-json`, `--trace-svg`, `--trace-html`, and
//! the REPL's `:trace json|svg|html`). The doors keep only where the messages go.

use std::path::{Path, PathBuf};

use crate::render;
use crate::trace::Trace;

/// The files a schedule can be written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    /// Chrome's Trace Event format.
    Json,
    Svg,
    /// One self-contained page, with a replay.
    Html,
}

impl TraceFormat {
    /// `trace` in this format.
    pub fn render(self, trace: &Trace) -> String {
        match self {
            TraceFormat::Json => render::chrome_json(trace),
            TraceFormat::Svg => render::svg(trace),
            TraceFormat::Html => render::html(trace),
        }
    }
}

/// A schedule that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    pub path: String,
    pub source: std::io::Error,
}

/// Writes `trace` to `path` in `format`.
pub fn write_trace(trace: &Trace, format: TraceFormat, path: &Path) -> Result<(), WriteError> {
    std::fs::write(path, format.render(trace)).map_err(|source| WriteError {
        path: path.display().to_string(),
        source,
    })
}

/// The files `--trace-json`, `--trace-svg` and `--trace-html` name, which hold the last
/// schedule.
#[derive(Clone, Debug, Default)]
pub struct TraceFiles {
    pub json: Option<PathBuf>,
    pub svg: Option<PathBuf>,
    pub html: Option<PathBuf>,
}

impl TraceFiles {
    /// The files asked for, with their formats.
    pub fn iter(&self) -> impl Iterator<Item = (TraceFormat, &Path)> {
        [
            (TraceFormat::Json, &self.json),
            (TraceFormat::Svg, &self.svg),
            (TraceFormat::Html, &self.html),
        ]
        .into_iter()
        .filter_map(|(format, path)| Some((format, path.as_deref()?)))
    }

    /// Whether no file is asked for.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Writes `trace` to every file asked for; the errors of those that could not be written.
    pub fn write(&self, trace: &Trace) -> Vec<WriteError> {
        self.iter()
            .filter_map(|(format, path)| write_trace(trace, format, path).err())
            .collect()
    }
}
