//! Drawing: errors with carets, Gantt charts, trees, figures. The only module that makes text
//! for people out of data.
//!
//! The entry points the front doors call are here; each delegates to one file: `header` (how
//! the evaluation ended and what it ran with), `gantt` (the chart), `legend`, `figures`,
//! `chrome` (Trace Event JSON), `svg`, `html` (the page with its replay), `tree`, `speedup` and
//! `python`; `label` says what a task computed, for every view. Numbers come from
//! `trace::analysis` and `trace::optimal`: nothing here measures or computes a figure of the
//! work–span model itself. Colour is the [`Color`] value passed in, never a global; every view
//! fits the width it is given, down to 40 columns.

mod bins;
mod chrome;
pub mod diagnostic;
mod figures;
mod gantt;
pub mod habits;
mod header;
mod html;
mod label;
mod legend;
mod live;
pub(crate) mod paint;
mod python;
mod speedup;
mod svg;
pub(crate) mod text;
mod tree;

#[cfg(test)]
mod test;
#[cfg(test)]
mod test_reduction;

pub use python::Form as PythonForm;
pub use speedup::{SpeedupRow, speedup};

use std::time::Duration;

use crate::ast::Ast;
use crate::plan::{Grain, Policy};
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

/// The settings a schedule is drawn against: those it ran with, or the current ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    pub n_workers: usize,
    pub delay: Duration,
    pub grain: Grain,
    pub policy: Policy,
}

impl Settings {
    /// The settings `trace` ran with.
    pub fn of(trace: &Trace) -> Settings {
        Settings {
            n_workers: trace.n_workers,
            delay: trace.context.delay,
            grain: trace.context.grain,
            policy: trace.context.policy,
        }
    }
}

/// How to draw a schedule view.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// Columns available (views are never drawn narrower than 40).
    pub width: usize,
    pub color: Color,
    /// The settings now, when they may differ from the trace's (`:trace` in the REPL): the
    /// view then says what has changed.
    pub current: Option<Settings>,
    /// How a delay is set where the view is read: `:delay` or `--delay`.
    pub delay_hint: &'a str,
}

impl View<'_> {
    /// A view for the command line: nothing to compare with, `--delay` in hints.
    pub fn new(width: usize, color: Color) -> View<'static> {
        View {
            width,
            color,
            current: None,
            delay_hint: "--delay",
        }
    }
}

/// The schedule view of a trace: header, Gantt chart, legend and work–span figures, `width`
/// columns wide, for the command line.
pub fn schedule(trace: &Trace, width: usize, color: Color) -> String {
    schedule_view(trace, &View::new(width, color))
}

/// The schedule view of a trace, drawn as `view` says.
pub fn schedule_view(trace: &Trace, view: &View<'_>) -> String {
    let analysis = analysis::analyze(trace);
    let mut out = header::header(trace, view.current.as_ref(), view.width, view.color);
    out.push_str(&gantt::chart(trace, &analysis, view.width, view.color));
    out.push('\n');
    out.push_str(&legend::legend(trace, &analysis, view.width, view.color));
    out.push('\n');
    out.push_str(&figures::figures(
        trace,
        &analysis,
        view.width,
        view.delay_hint,
        view.color,
    ));
    out
}

/// A frame of the live schedule of a running evaluation, at most `width` columns and
/// `height` lines.
pub fn live_frame(
    snapshot: &crate::trace::Snapshot,
    width: usize,
    height: usize,
    color: Color,
) -> String {
    live::frame(snapshot, width, height, color)
}

/// The header and Gantt chart of a finished evaluation, left where its live frames were.
pub fn final_chart(trace: &Trace, width: usize, color: Color) -> String {
    live::final_chart(trace, width, color)
}

/// The tree of `ast` with node ids, drawn with box-drawing characters, `width` columns wide.
pub fn tree(ast: &Ast, source: &str, width: usize, color: Color) -> String {
    tree::tree(ast, source, width, color)
}

/// A runnable Python program computing `ast` (the text `source`, its names' values `env`) in
/// `form`, on a pool of `settings.n_workers`, sleeping `settings.delay` per operator; the
/// program's docstring names `settings.policy` where its order differs.
pub fn python(
    ast: &Ast,
    source: &str,
    env: &[crate::num::Value],
    form: PythonForm,
    settings: &Settings,
) -> String {
    let setup = python::Setup {
        n_workers: settings.n_workers,
        delay: settings.delay,
        policy: settings.policy,
    };
    python::python(ast, source, env, form, setup)
}

/// The trace in Chrome's Trace Event format (JSON).
pub fn chrome_json(trace: &Trace) -> String {
    chrome::chrome_json(trace)
}

/// The schedule of the trace as a standalone SVG document: title, chart, key, critical path,
/// legend table and figures.
pub fn svg(trace: &Trace) -> String {
    svg::svg(trace, &analysis::analyze(trace))
}

/// The schedule of the trace as one self-contained HTML page, with tooltips, the tree of tasks
/// and a replay.
pub fn html(trace: &Trace) -> String {
    html::html(trace, &analysis::analyze(trace))
}
