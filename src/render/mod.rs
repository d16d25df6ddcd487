//! Drawing: errors with carets, Gantt charts, trees, figures. The only module that makes text
//! for people out of data.
//!
//! (The schedule view lands with its own module; the functions below are its interface.)

pub mod diagnostic;

use crate::ast::Ast;
use crate::trace::Trace;

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
    let _ = (width, color);
    format!("{} tasks on {} workers", trace.tasks.len(), trace.n_workers)
}

/// The tree of `ast` with node ids, drawn with box-drawing characters.
pub fn tree(ast: &Ast, source: &str, color: Color) -> String {
    let _ = (source, color);
    format!("{} nodes", ast.len())
}

/// The trace in Chrome's Trace Event format (JSON).
pub fn chrome_json(trace: &Trace) -> String {
    let _ = trace;
    "[]".to_string()
}

/// The Gantt chart of the trace as a standalone SVG document.
pub fn svg(trace: &Trace) -> String {
    let _ = trace;
    String::from("<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
}
