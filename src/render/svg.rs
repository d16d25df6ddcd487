//! The Gantt chart as a standalone SVG document: lanes with labels, blocks with node ids, a
//! time axis with ticks and units, the critical path in red (and repeated on its own row), and
//! the figures of the work–span model as text.
//!
//! Like the terminal chart, a trace with more tasks than [`MAX_BLOCKS`] is drawn aggregated: each
//! lane is cut into narrow columns whose opacity is the busy fraction, so the document stays a
//! few hundred kilobytes whatever the trace. A failed task is orange, one stopped part way grey,
//! and tasks that never ran are not drawn. Every label is XML-escaped. This module returns
//! the document; it does not write files.

use std::fmt::Write;

use crate::render::bins::busy_columns;
use crate::render::gantt::{tick_step, trim_zeros};
use crate::render::{Color, figures, text};
use crate::trace::analysis::{Analysis, duration_ns};
use crate::trace::{TaskOutcome, Trace};
use crate::units::{format_ns, plural};

/// Most tasks drawn as individual blocks.
pub(crate) const MAX_BLOCKS: usize = 4000;

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 60.0;
const TOP: f64 = 40.0;
const LANE_HEIGHT: f64 = 28.0;
const LANE_GAP: f64 = 6.0;
const CRITICAL_ROW: f64 = 8.0;
const AXIS_HEIGHT: f64 = 40.0;
const FIGURE_LINE: f64 = 18.0;
/// Pixels per column when lanes are aggregated.
const AGGREGATE_COLUMN: f64 = 2.0;
/// Approximate width of a character of the 12px labels.
const CHAR_WIDTH: f64 = 7.0;

const PALETTE: [&str; 4] = ["#4e79a7", "#59a14f", "#76b7b2", "#b07aa1"];
const CRITICAL: &str = "#d62728";
const FAILED: &str = "#f0a30a";
const CANCELLED: &str = "#9e9e9e";

// The document written top to bottom, section by section, as it is read.
#[allow(clippy::too_many_lines)]
pub(crate) fn svg(trace: &Trace, analysis: &Analysis) -> String {
    let n_lanes = analysis.n_workers;
    let chart_width = WIDTH - LEFT - RIGHT;
    let lanes_bottom = TOP + n_lanes as f64 * (LANE_HEIGHT + LANE_GAP);
    let critical_y = lanes_bottom + 2.0;
    let axis_y = critical_y + CRITICAL_ROW + 6.0;
    let figure_lines: Vec<String> = figures::figures(trace, analysis, 100, "--delay", Color::Never)
        .lines()
        .map(str::to_string)
        .collect();
    let figures_y = axis_y + AXIS_HEIGHT;
    let height = figures_y + figure_lines.len() as f64 * FIGURE_LINE + 10.0;
    let end_ns = trace
        .tasks
        .iter()
        .map(|task| task.end_ns)
        .max()
        .unwrap_or(0)
        .max(trace.wall_ns)
        .max(1) as f64;
    let x_of = |ns: f64| LEFT + ns / end_ns * chart_width;
    let lane_y = |worker: usize| TOP + worker as f64 * (LANE_HEIGHT + LANE_GAP);

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>"#
    );
    let _ = writeln!(
        out,
        r#"<text x="10" y="24" font-size="15" font-weight="bold">{}</text>"#,
        escape(&format!(
            "Schedule of {} on {}",
            text::abbreviate(&trace.source, 60),
            plural(n_lanes, "worker")
        ))
    );

    // Lanes.
    for worker in 0..n_lanes {
        let y = lane_y(worker);
        let _ = writeln!(
            out,
            r##"<rect class="lane" x="{LEFT}" y="{y}" width="{chart_width}" height="{LANE_HEIGHT}" fill="#f2f2f2"/>"##
        );
        let _ = writeln!(
            out,
            r#"<text class="lane-label" x="10" y="{:.1}">worker {worker}</text>"#,
            y + LANE_HEIGHT / 2.0 + 4.0
        );
        let busy = analysis
            .busy_fraction(worker)
            .map_or("-".to_string(), |fraction| {
                format!("{:.0}%", fraction * 100.0)
            });
        let _ = writeln!(
            out,
            r#"<text class="busy" x="{:.1}" y="{:.1}">{busy}</text>"#,
            LEFT + chart_width + 8.0,
            y + LANE_HEIGHT / 2.0 + 4.0
        );
    }

    // Tasks.
    if trace.tasks.len() <= MAX_BLOCKS {
        for (index, task) in trace.tasks.iter().enumerate() {
            if !task.outcome.started() {
                continue;
            }
            let x = x_of(task.start_ns as f64);
            let width = (x_of(task.end_ns.max(task.start_ns) as f64) - x).max(1.0);
            let y = lane_y(task.worker as usize);
            let critical = analysis.on_critical_path[index];
            let (fill, stroke, class) = match task.outcome {
                TaskOutcome::Failed => (
                    FAILED,
                    r##" stroke="#7f0000" stroke-width="1.5""##,
                    "task failed",
                ),
                TaskOutcome::Cancelled => (CANCELLED, "", "task cancelled"),
                _ if critical => (
                    CRITICAL,
                    r##" stroke="#7f0000" stroke-width="1.5""##,
                    "task critical",
                ),
                _ => (PALETTE[task.root.index() % PALETTE.len()], "", "task"),
            };
            let what = match task.outcome {
                TaskOutcome::Failed => "failed after ",
                TaskOutcome::Cancelled => "stopped after ",
                _ => "",
            };
            let tooltip = format!(
                "{} {} = {} ({what}{})",
                task.root,
                text::abbreviate(trace.label(index), text::MAX_CHARS),
                text::value(trace.value(index), text::MAX_CHARS),
                format_ns(duration_ns(trace, index) as f64)
            );
            let _ = writeln!(
                out,
                r#"<rect class="{class}" x="{x:.2}" y="{y}" width="{width:.2}" height="{LANE_HEIGHT}" fill="{fill}"{stroke}><title>{}</title></rect>"#,
                escape(&tooltip)
            );
            let label = task.root.to_string();
            if width >= label.len() as f64 * CHAR_WIDTH + 6.0 {
                let _ = writeln!(
                    out,
                    r#"<text class="task-label" x="{:.2}" y="{:.1}" fill="white" text-anchor="middle">{label}</text>"#,
                    x + width / 2.0,
                    y + LANE_HEIGHT / 2.0 + 4.0
                );
            }
            if critical {
                let _ = writeln!(
                    out,
                    r#"<rect class="critical-mark" x="{x:.2}" y="{critical_y}" width="{width:.2}" height="{CRITICAL_ROW}" fill="{CRITICAL}"/>"#
                );
            }
        }
    } else {
        aggregate(
            &mut out,
            trace,
            analysis,
            end_ns,
            chart_width,
            &lane_y,
            critical_y,
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="10" y="{:.1}" font-size="10" fill="{CRITICAL}">critical path</text>"#,
        critical_y + CRITICAL_ROW
    );

    // Time axis.
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT}" y1="{axis_y}" x2="{:.1}" y2="{axis_y}" stroke="black"/>"#,
        LEFT + chart_width
    );
    let step = tick_step(end_ns / 8.0);
    let mut tick = 0.0;
    while tick <= end_ns * (1.0 + 1e-9) {
        let x = x_of(tick);
        let label = if tick == 0.0 {
            "0".to_string()
        } else {
            trim_zeros(&format_ns(tick))
        };
        let _ = writeln!(
            out,
            r#"<line class="tick" x1="{x:.2}" y1="{axis_y}" x2="{x:.2}" y2="{:.1}" stroke="black"/>"#,
            axis_y + 5.0
        );
        let _ = writeln!(
            out,
            r#"<text class="tick-label" x="{x:.2}" y="{:.1}" text-anchor="middle">{}</text>"#,
            axis_y + 18.0,
            escape(&label)
        );
        tick += step;
    }

    // Figures.
    for (line_index, line) in figure_lines.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<text class="figure" x="10" y="{:.1}" font-family="monospace" xml:space="preserve">{}</text>"#,
            figures_y + line_index as f64 * FIGURE_LINE,
            escape(line)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Lanes as narrow columns whose opacity is the busy fraction, for traces too big for blocks.
fn aggregate(
    out: &mut String,
    trace: &Trace,
    analysis: &Analysis,
    end_ns: f64,
    chart_width: f64,
    lane_y: &dyn Fn(usize) -> f64,
    critical_y: f64,
) {
    let columns = (chart_width / AGGREGATE_COLUMN) as usize;
    let column_ns = end_ns / columns as f64;
    let column_of = |ns: u64| ((ns as f64 / column_ns) as usize).min(columns - 1);
    let (busy, critical_columns) = busy_columns(trace, analysis, columns, column_ns, column_of);
    for worker in 0..analysis.n_workers {
        let y = lane_y(worker);
        for (column, &ns) in busy[worker * columns..][..columns].iter().enumerate() {
            if ns > 0.0 {
                let opacity = (ns / column_ns).clamp(0.15, 1.0);
                let _ = writeln!(
                    out,
                    r#"<rect class="busy-column" x="{:.1}" y="{y}" width="{AGGREGATE_COLUMN}" height="{LANE_HEIGHT}" fill="{}" fill-opacity="{opacity:.2}"/>"#,
                    LEFT + column as f64 * AGGREGATE_COLUMN,
                    PALETTE[0]
                );
            }
        }
    }
    for (column, _) in critical_columns.iter().enumerate().filter(|(_, on)| **on) {
        let _ = writeln!(
            out,
            r#"<rect class="critical-mark" x="{:.1}" y="{critical_y}" width="{AGGREGATE_COLUMN}" height="{CRITICAL_ROW}" fill="{CRITICAL}"/>"#,
            LEFT + column as f64 * AGGREGATE_COLUMN
        );
    }
}

/// Escapes the five characters XML reserves.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
