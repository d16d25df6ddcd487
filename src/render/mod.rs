//! Drawing: errors with carets, Gantt charts, trees, figures. The only module that makes text
//! for people out of data.
//!
//! The four entry points the front doors call are here; each delegates to one file: `gantt`
//! (the chart), `legend`, `figures`, `chrome` (Trace Event JSON), `svg`, `tree` and `speedup`.
//! Numbers come from `trace::analysis`: nothing here measures or computes a figure of the
//! work–span model itself. Colour is the [`Color`] value passed in, never a global.

mod bins;
mod chrome;
pub mod diagnostic;
mod figures;
mod gantt;
mod legend;
pub(crate) mod paint;
mod speedup;
mod svg;
mod text;
mod tree;

#[cfg(test)]
mod test;

pub use speedup::{SpeedupRow, speedup};

use crate::ast::Ast;
use crate::trace::Trace;
use crate::trace::analysis;

/// Whether output may use colour: decided once at start-up, passed down as a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Always,
    Never,
}

impl Color {
    pub fn enabled(self) -> bool {
        self == Color::Always
    }

    /// Colour when the stream is a terminal, `NO_COLOR` is unset and `--no-color` not given.
    pub fn detect(is_terminal: bool, no_color_flag: bool) -> Color {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if is_terminal && !no_color_flag && !no_color_env {
            Color::Always
        } else {
            Color::Never
        }
    }
}

/// The schedule view of a trace: Gantt chart, legend and work–span figures, `width` columns
/// wide.
pub fn schedule(trace: &Trace, width: usize, color: Color) -> String {
    let analysis = analysis::analyze(trace);
    let mut out = gantt::chart(trace, &analysis, width, color);
    out.push('\n');
    out.push_str(&legend::legend(trace, &analysis, color));
    out.push('\n');
    out.push_str(&figures::figures(trace, &analysis, color));
    out
}

/// The tree of `ast` with node ids, drawn with box-drawing characters.
pub fn tree(ast: &Ast, source: &str, color: Color) -> String {
    tree::tree(ast, source, color)
}

/// The trace in Chrome's Trace Event format (JSON).
pub fn chrome_json(trace: &Trace) -> String {
    chrome::chrome_json(trace)
}

/// The Gantt chart of the trace as a standalone SVG document.
pub fn svg(trace: &Trace) -> String {
    svg::svg(trace, &analysis::analyze(trace))
}
