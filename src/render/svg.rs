//! The schedule as a standalone SVG document, readable on its own and on paper: a title that
//! says how the run ended (failed at which node with which error, cancelled), the settings, the
//! Gantt chart, a colour key, the critical path drawn as boxes joined by arrows, the legend table
//! (ids, subexpressions, values, workers, times) and the work–span figures. Nothing relies on
//! hover tooltips (each block still has one) or on colour alone: a failed task is hatched,
//! crossed out and labelled, one stopped part way hatched grey, the critical path drawn as
//! arcs with arrowheads above its blocks and as a row of marks under the lanes.
//!
//! The chart ([`chart`]) and the key ([`key`]) are also the HTML page's (`render::html`): every
//! block is a group carrying `data-task`, its index in the trace. Like the terminal chart, a trace with more
//! tasks than [`MAX_BLOCKS`] is drawn aggregated: each lane is cut into narrow columns whose
//! opacity is the busy fraction, so the document stays a few hundred kilobytes whatever the
//! trace. Tasks that never ran have no block. Every label is XML-escaped. Labels come from
//! `render::label`, figures from `render::figures`. This module returns text; it does not
//! write files.

use std::fmt::Write;

use crate::render::bins::busy_columns;
use crate::render::gantt::{tick_step, trim_zeros};
use crate::render::label::label;
use crate::render::legend;
use crate::render::{Color, figures, header, text};
use crate::trace::analysis::{Analysis, duration_ns};
use crate::trace::{Ending, TaskOutcome, Trace};
use crate::units::{format_ns, plural};

/// Most tasks drawn as individual blocks.
pub(crate) const MAX_BLOCKS: usize = 4000;

/// Width of the document.
pub(crate) const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 10.0;
/// Left edge of the chart (lane labels are left of it).
const LEFT: f64 = 90.0;
/// Room right of the chart, for the busy shares.
const RIGHT: f64 = 60.0;
const LANE_HEIGHT: f64 = 34.0;
/// Between lanes: room for the arcs of the critical path.
const LANE_GAP: f64 = 18.0;
const CRITICAL_ROW: f64 = 8.0;
const AXIS_HEIGHT: f64 = 34.0;
const LINE: f64 = 18.0;
/// Pixels per column when lanes are aggregated.
const AGGREGATE_COLUMN: f64 = 2.0;
/// Approximate width of a character of the 12px labels.
const CHAR_WIDTH: f64 = 7.2;

const TASK: &str = "#4e79a7";
const CRITICAL: &str = "#d62728";
const CRITICAL_DARK: &str = "#7f0000";
const LANE: &str = "#f2f2f2";

/// The patterns and the arrowhead the chart and the critical path use, inside `<defs>`.
pub(crate) const DEFS: &str = concat!(
    r##"<defs>"##,
    r##"<pattern id="hatch-failed" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#f0a30a"/><line x1="0" y1="0" x2="0" y2="8" stroke="#7f0000" stroke-width="3"/></pattern>"##,
    r##"<pattern id="hatch-cancelled" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="8" height="8" fill="#d9d9d9"/><line x1="0" y1="0" x2="0" y2="8" stroke="#616161" stroke-width="2"/></pattern>"##,
    r##"<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#7f0000"/></marker>"##,
    "</defs>\n"
);

/// The whole document.
pub(crate) fn svg(trace: &Trace, analysis: &Analysis) -> String {
    let mut body = String::new();
    let mut y = MARGIN;
    y = title(&mut body, trace, y);
    y = chart(&mut body, trace, analysis, y + 8.0);
    y = key(&mut body, trace, y + 8.0);
    y = critical_path(&mut body, trace, analysis, y + 4.0);
    y = legend_table(&mut body, trace, analysis, y + 8.0);
    y = figure_lines(&mut body, trace, analysis, y + 8.0);
    let height = (y + MARGIN).ceil();
    let mut out = String::with_capacity(body.len() + 1024);
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    out.push_str(DEFS);
    let _ = writeln!(
        out,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>"#
    );
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

/// The title: what was evaluated and on how many workers, how it ended if not with a value,
/// and the settings. Returns the y below it.
fn title(out: &mut String, trace: &Trace, top: f64) -> f64 {
    let mut y = top + 16.0;
    let _ = writeln!(
        out,
        r#"<text class="title" x="{MARGIN}" y="{y}" font-size="16" font-weight="bold">{}</text>"#,
        escape(&title_text(trace))
    );
    if let Some(ending) = header::ending_line(trace) {
        y += LINE + 2.0;
        let colour = match trace.ending {
            Ending::Failed { .. } => CRITICAL_DARK,
            _ => "#424242",
        };
        let _ = writeln!(
            out,
            r#"<text class="ending" x="{MARGIN}" y="{y}" font-size="14" font-weight="bold" fill="{colour}">{}</text>"#,
            escape(&capitalise(&ending))
        );
    }
    y += LINE;
    let _ = writeln!(
        out,
        r##"<text class="settings" x="{MARGIN}" y="{y}" fill="#424242">{}</text>"##,
        escape(&settings_line(trace))
    );
    y + 4.0
}

/// "Schedule of (3 + 7) * (2 + 8) on 3 workers".
pub(crate) fn title_text(trace: &Trace) -> String {
    format!(
        "Schedule of {} on {}",
        text::abbreviate(trace.source.trim(), 70),
        plural(trace.n_lanes(), "worker")
    )
}

/// The settings the run had, as the terminal's header words them: "schedule on 3 workers ·
/// delay 100 ms · grain auto (1) · policy lifo".
pub(crate) fn settings_line(trace: &Trace) -> String {
    let header = header::header(trace, None, 200, Color::Never);
    header.lines().last().unwrap_or("").to_string()
}

/// `text` with its first letter in capitals.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The chart's horizontal scale: where an instant is drawn.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scale {
    /// The last instant drawn.
    pub end_ns: f64,
    chart_width: f64,
}

impl Scale {
    pub(crate) fn of(trace: &Trace) -> Scale {
        let end_ns = trace
            .tasks
            .iter()
            .map(|task| task.end_ns)
            .max()
            .unwrap_or(0)
            .max(trace.wall_ns)
            .max(1) as f64;
        Scale {
            end_ns,
            chart_width: WIDTH - LEFT - RIGHT,
        }
    }

    /// The x of instant `ns`.
    pub(crate) fn x(&self, ns: f64) -> f64 {
        LEFT + ns / self.end_ns * self.chart_width
    }
}

/// The Gantt chart from `top`: lanes, blocks (each with its tooltip and `data-task`), the
/// critical path as arcs and as a row of marks, and the time axis. Returns the y below it.
pub(crate) fn chart(out: &mut String, trace: &Trace, analysis: &Analysis, top: f64) -> f64 {
    let n_lanes = analysis.n_workers;
    let scale = Scale::of(trace);
    let lanes_top = top + LANE_GAP;
    let lane_y = |worker: usize| lanes_top + worker as f64 * (LANE_HEIGHT + LANE_GAP);
    let lanes_bottom = lane_y(n_lanes) - LANE_GAP;
    let critical_y = lanes_bottom + 4.0;
    let axis_y = critical_y + CRITICAL_ROW + 6.0;

    for worker in 0..n_lanes {
        let y = lane_y(worker);
        let _ = writeln!(
            out,
            r#"<rect class="lane" x="{LEFT}" y="{y}" width="{:.2}" height="{LANE_HEIGHT}" fill="{LANE}"/>"#,
            scale.chart_width
        );
        let _ = writeln!(
            out,
            r#"<text class="lane-label" x="{MARGIN}" y="{:.1}">worker {worker}</text>"#,
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
            LEFT + scale.chart_width + 8.0,
            y + LANE_HEIGHT / 2.0 + 4.0
        );
    }

    if trace.tasks.len() <= MAX_BLOCKS {
        blocks(out, trace, analysis, &scale, &lane_y, critical_y);
        arcs(out, trace, analysis, &scale, &lane_y);
    } else {
        aggregate(out, trace, analysis, &scale, &lane_y, critical_y);
    }
    let _ = writeln!(
        out,
        r#"<text x="{MARGIN}" y="{:.1}" font-size="10" fill="{CRITICAL_DARK}">critical path</text>"#,
        critical_y + CRITICAL_ROW
    );
    axis(out, &scale, axis_y);
    axis_y + AXIS_HEIGHT
}

/// One block per task that started.
fn blocks(
    out: &mut String,
    trace: &Trace,
    analysis: &Analysis,
    scale: &Scale,
    lane_y: &dyn Fn(usize) -> f64,
    critical_y: f64,
) {
    for (index, task) in trace.tasks.iter().enumerate() {
        if !task.outcome.started() {
            continue;
        }
        let x = scale.x(task.start_ns as f64);
        let width = (scale.x(task.end_ns.max(task.start_ns) as f64) - x).max(1.0);
        let y = lane_y(task.worker as usize);
        let critical = analysis.on_critical_path[index];
        let (fill, stroke, class) = match task.outcome {
            TaskOutcome::Failed => (
                "url(#hatch-failed)",
                r##" stroke="#7f0000" stroke-width="2""##,
                "task failed",
            ),
            TaskOutcome::Cancelled => (
                "url(#hatch-cancelled)",
                r##" stroke="#616161" stroke-width="1""##,
                "task cancelled",
            ),
            _ if critical => (
                CRITICAL,
                r##" stroke="#7f0000" stroke-width="1.5""##,
                "task critical",
            ),
            _ => (TASK, r#" stroke="white" stroke-width="1""#, "task"),
        };
        let _ = write!(out, r#"<g class="block" data-task="{index}">"#);
        let _ = writeln!(
            out,
            r#"<rect class="{class}" x="{x:.2}" y="{y}" width="{width:.2}" height="{LANE_HEIGHT}" fill="{fill}"{stroke}><title>{}</title></rect>"#,
            escape(&tooltip(trace, index))
        );
        let task_label = label(trace, index);
        let id = task_label.id();
        let mid_y = y + LANE_HEIGHT / 2.0 + 4.0;
        // A chunk or a combine shares its id with its siblings: its range tells them apart,
        // written in the block when it fits.
        let room = ((width - 6.0) / CHAR_WIDTH) as usize;
        let text = match &task_label.short {
            Some(short) if room >= id.len() + 1 + text::columns(short) => {
                escape(&format!("{id} {short}"))
            }
            _ => id.clone(),
        };
        match task.outcome {
            TaskOutcome::Failed => {
                // A cross over the block, and its label, so that the failure shows in print.
                let _ = writeln!(
                    out,
                    r##"<path class="failure-mark" d="M{x:.2},{y} l{width:.2},{LANE_HEIGHT} M{x:.2},{:.2} l{width:.2},-{LANE_HEIGHT}" stroke="#7f0000" stroke-width="2"/>"##,
                    y + LANE_HEIGHT
                );
                let failed = format!("{id} failed");
                let error = match &trace.ending {
                    Ending::Failed { task, error, .. } if *task == index => error.to_string(),
                    _ => String::new(),
                };
                if room >= failed.len() {
                    // The label, and under it the error, each on a white outline.
                    let two_lines = !error.is_empty() && room >= 8;
                    let label_y = if two_lines { mid_y - 7.0 } else { mid_y };
                    let _ = writeln!(
                        out,
                        r#"<text class="task-label failure-label" x="{:.2}" y="{label_y:.1}" text-anchor="middle" font-weight="bold" fill="black" stroke="white" stroke-width="3" paint-order="stroke">{failed}</text>"#,
                        x + width / 2.0
                    );
                    if two_lines {
                        let _ = writeln!(
                            out,
                            r#"<text class="failure-error" x="{:.2}" y="{:.1}" text-anchor="middle" fill="black" stroke="white" stroke-width="3" paint-order="stroke">{}</text>"#,
                            x + width / 2.0,
                            mid_y + 8.0,
                            escape(&text::abbreviate(&error, room))
                        );
                    }
                }
            }
            _ if width >= id.len() as f64 * CHAR_WIDTH + 6.0 => {
                let colour = if task.outcome == TaskOutcome::Cancelled {
                    "black"
                } else {
                    "white"
                };
                let _ = writeln!(
                    out,
                    r#"<text class="task-label" x="{:.2}" y="{mid_y:.1}" fill="{colour}" text-anchor="middle">{text}</text>"#,
                    x + width / 2.0
                );
            }
            _ => {}
        }
        out.push_str("</g>\n");
        if critical {
            let _ = writeln!(
                out,
                r#"<rect class="critical-mark" x="{x:.2}" y="{critical_y}" width="{width:.2}" height="{CRITICAL_ROW}" fill="{CRITICAL}"/>"#
            );
        }
    }
}

/// The critical path as arcs from each of its tasks to the next, above the blocks, with an
/// arrowhead at the task that consumes the value.
fn arcs(
    out: &mut String,
    trace: &Trace,
    analysis: &Analysis,
    scale: &Scale,
    lane_y: &dyn Fn(usize) -> f64,
) {
    let centre = |index: u32| {
        let task = &trace.tasks[index as usize];
        let middle = f64::midpoint(task.start_ns as f64, task.end_ns.max(task.start_ns) as f64);
        (scale.x(middle), lane_y(task.worker as usize))
    };
    for pair in analysis.critical_path.windows(2) {
        let ((x1, y1), (x2, y2)) = (centre(pair[0]), centre(pair[1]));
        let control_y = y1.min(y2) - LANE_GAP + 2.0;
        let _ = writeln!(
            out,
            r#"<path class="critical-arrow" d="M{x1:.2},{y1:.2} Q{:.2},{control_y:.2} {x2:.2},{y2:.2}" fill="none" stroke="{CRITICAL_DARK}" stroke-width="2" marker-end="url(#arrow)"/>"#,
            f64::midpoint(x1, x2)
        );
    }
}

/// The time axis, with ticks and units.
fn axis(out: &mut String, scale: &Scale, axis_y: f64) {
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT}" y1="{axis_y}" x2="{:.1}" y2="{axis_y}" stroke="black"/>"#,
        LEFT + scale.chart_width
    );
    let step = tick_step(scale.end_ns / 8.0);
    let mut tick = 0.0;
    while tick <= scale.end_ns * (1.0 + 1e-9) {
        let x = scale.x(tick);
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
}

/// A block's tooltip: its label, what became of it, its worker and times.
pub(crate) fn tooltip(trace: &Trace, index: usize) -> String {
    let task = &trace.tasks[index];
    let what = match task.outcome {
        TaskOutcome::Failed => match &trace.ending {
            Ending::Failed { task, error, .. } if *task == index => format!("failed ({error})"),
            _ => "failed".to_string(),
        },
        TaskOutcome::Cancelled => "stopped part way".to_string(),
        TaskOutcome::NotRun => "not run".to_string(),
        TaskOutcome::Running => "running".to_string(),
        TaskOutcome::Ran => "ran".to_string(),
    };
    format!(
        "{} · {what} on worker {} · ready {}, start {}, end {} ({})",
        label(trace, index).line(text::MAX_CHARS),
        task.worker,
        instant(task.ready_ns),
        instant(task.start_ns),
        instant(task.end_ns),
        format_ns(duration_ns(trace, index) as f64)
    )
}

/// An instant as the axis labels it: `0`, `150 ms`.
pub(crate) fn instant(ns: u64) -> String {
    if ns == 0 {
        "0".to_string()
    } else {
        trim_zeros(&format_ns(ns as f64))
    }
}

/// The colour key, from `top`; only the kinds of task the trace has, and always the plain and
/// critical ones. Returns the y below it.
pub(crate) fn key(out: &mut String, trace: &Trace, top: f64) -> f64 {
    let y = top;
    let mut x = LEFT;
    let mut entries: Vec<(&str, &str, &str)> = vec![
        ("key-task", TASK, "task"),
        ("key-critical", CRITICAL, "on the critical path"),
    ];
    if trace.count(TaskOutcome::Failed) > 0 {
        entries.push(("key-failed", "url(#hatch-failed)", "failed (crossed out)"));
    }
    if trace.count(TaskOutcome::Cancelled) > 0 {
        entries.push(("key-cancelled", "url(#hatch-cancelled)", "stopped part way"));
    }
    let _ = writeln!(
        out,
        r#"<text class="key-title" x="{MARGIN}" y="{:.1}" font-weight="bold">key</text>"#,
        y + 12.0
    );
    for (class, fill, words) in entries {
        let _ = writeln!(
            out,
            r#"<g class="key-entry {class}"><rect x="{x:.1}" y="{y:.1}" width="22" height="16" fill="{fill}" stroke="black" stroke-width="0.5"/><text x="{:.1}" y="{:.1}">{}</text></g>"#,
            x + 28.0,
            y + 12.0,
            escape(words)
        );
        x += 28.0 + words.len() as f64 * CHAR_WIDTH + 24.0;
    }
    if trace.count(TaskOutcome::NotRun) > 0 {
        let _ = writeln!(
            out,
            r#"<text class="key-entry key-not-run" x="{x:.1}" y="{:.1}">not run: no block</text>"#,
            y + 12.0
        );
    }
    y + 20.0
}

/// The critical path as a row of boxes, one per task, joined by drawn arrows; a long path is
/// shown by its first and last tasks. Returns the y below it.
fn critical_path(out: &mut String, trace: &Trace, analysis: &Analysis, top: f64) -> f64 {
    const MAX_SHOWN: usize = 12;
    const BOX_HEIGHT: f64 = 20.0;
    const ARROW: f64 = 26.0;
    let path = &analysis.critical_path;
    if path.is_empty() {
        return top;
    }
    let y = top;
    let _ = writeln!(
        out,
        r#"<text class="critical-path-title" x="{MARGIN}" y="{:.1}" font-weight="bold">critical path</text>"#,
        y + 14.0
    );
    // The tasks shown, with `None` where the middle of a long path is left out.
    let shown: Vec<Option<u32>> = if path.len() <= MAX_SHOWN {
        path.iter().copied().map(Some).collect()
    } else {
        let half = MAX_SHOWN / 2;
        path[..half]
            .iter()
            .copied()
            .map(Some)
            .chain(std::iter::once(None))
            .chain(path[path.len() - half..].iter().copied().map(Some))
            .collect()
    };
    let mut x = LEFT;
    for (position, entry) in shown.iter().enumerate() {
        if position > 0 {
            let _ = writeln!(
                out,
                r#"<line class="path-arrow" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{CRITICAL_DARK}" stroke-width="2" marker-end="url(#arrow)"/>"#,
                x + 3.0,
                y + BOX_HEIGHT / 2.0,
                x + ARROW - 3.0,
                y + BOX_HEIGHT / 2.0
            );
            x += ARROW;
        }
        let text = match entry {
            Some(index) => label(trace, *index as usize).id(),
            None => format!("… {} more …", path.len() - MAX_SHOWN),
        };
        let width = text.chars().count() as f64 * CHAR_WIDTH + 12.0;
        if x + width > WIDTH - MARGIN {
            break;
        }
        let _ = writeln!(
            out,
            r#"<g class="path-step"><rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{BOX_HEIGHT}" rx="4" fill="white" stroke="{CRITICAL_DARK}" stroke-width="1.5"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text></g>"#,
            x + width / 2.0,
            y + 14.0,
            escape(&text)
        );
        x += width;
    }
    y + BOX_HEIGHT + 4.0
}

/// The legend as a table: one row per task the terminal legend lists, with its mark, id,
/// subexpression, value, worker, start, duration and what became of it. Returns the y below it.
fn legend_table(out: &mut String, trace: &Trace, analysis: &Analysis, top: f64) -> f64 {
    let selection = legend::entries(trace, analysis);
    let chosen = &selection.tasks;
    let mut y = top + 14.0;
    let _ = writeln!(
        out,
        r#"<text class="legend-title" x="{MARGIN}" y="{y:.1}" font-weight="bold">tasks</text>"#
    );
    if chosen.is_empty() && selection.notes.is_empty() {
        let _ = writeln!(
            out,
            r#"<text class="legend-row" x="{LEFT}" y="{y:.1}">no tasks: the expression has no operator</text>"#
        );
        return y + 6.0;
    }
    let columns = legend_columns();
    y += LINE;
    let _ = write!(
        out,
        r##"<g class="legend-header" font-weight="bold" fill="#424242">"##
    );
    for (x, heading, _) in &columns {
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y:.1}">{}</text>"#,
            escape(heading)
        );
    }
    out.push_str("</g>\n");
    for &index in chosen {
        y += LINE;
        let cells = legend_cells(trace, analysis, index);
        let task = &trace.tasks[index];
        let weight = if task.outcome == TaskOutcome::Failed {
            r#" font-weight="bold""#
        } else {
            ""
        };
        let _ = write!(out, r#"<g class="legend-row" data-task="{index}"{weight}>"#);
        for ((x, _, max_chars), cell) in columns.iter().zip(&cells) {
            let _ = write!(
                out,
                r#"<text x="{x:.1}" y="{y:.1}" xml:space="preserve">{}</text>"#,
                escape(&text::abbreviate(cell, *max_chars))
            );
        }
        out.push_str("</g>\n");
    }
    for note in &selection.notes {
        y += LINE;
        let _ = writeln!(
            out,
            r#"<text class="legend-more" x="{:.1}" y="{y:.1}">{}</text>"#,
            columns[1].0,
            escape(note)
        );
    }
    y + 6.0
}

/// The legend's columns: where each starts, its heading, its widest cell in characters.
pub(crate) fn legend_columns() -> Vec<(f64, &'static str, usize)> {
    vec![
        (MARGIN, "", 1),
        (30.0, "task", 7),
        (90.0, "subexpression", 44),
        (420.0, "value", 18),
        (560.0, "worker", 6),
        (620.0, "start", 10),
        (700.0, "time", 10),
        (780.0, "what happened", 30),
    ]
}

/// The cells of task `index`'s row, in the order of [`legend_columns`].
pub(crate) fn legend_cells(trace: &Trace, analysis: &Analysis, index: usize) -> Vec<String> {
    let task = &trace.tasks[index];
    let task_label = label(trace, index);
    let critical = analysis.on_critical_path.get(index) == Some(&true);
    let (mark, happened) = match task.outcome {
        TaskOutcome::Failed => (
            "x",
            match &trace.ending {
                Ending::Failed { task, error, .. } if *task == index => {
                    format!("failed: {error}")
                }
                _ => "failed".to_string(),
            },
        ),
        TaskOutcome::Cancelled => ("~", "stopped part way".to_string()),
        TaskOutcome::NotRun => (" ", "not run".to_string()),
        TaskOutcome::Running => (" ", "running".to_string()),
        TaskOutcome::Ran if critical => ("*", "ran, on the critical path".to_string()),
        TaskOutcome::Ran => (" ", "ran".to_string()),
    };
    let started = task.outcome.started();
    vec![
        mark.to_string(),
        task_label.id(),
        task_label.what.to_string(),
        task_label.value(text::MAX_CHARS),
        if started {
            task.worker.to_string()
        } else {
            "—".to_string()
        },
        if started {
            instant(task.start_ns)
        } else {
            "—".to_string()
        },
        if started {
            format_ns(duration_ns(trace, index) as f64)
        } else {
            "—".to_string()
        },
        happened,
    ]
}

/// The figures of the work–span model, as the terminal prints them at 100 columns; the arrows
/// of the critical path are written `->`, which every monospaced font has. Returns the y below.
fn figure_lines(out: &mut String, trace: &Trace, analysis: &Analysis, top: f64) -> f64 {
    let mut y = top + 14.0;
    let _ = writeln!(
        out,
        r#"<text class="figures-title" x="{MARGIN}" y="{y:.1}" font-weight="bold">figures</text>"#
    );
    for line in figure_text(trace, analysis).lines() {
        y += LINE;
        let _ = writeln!(
            out,
            r#"<text class="figure" x="{MARGIN}" y="{y:.1}" font-family="monospace" xml:space="preserve">{}</text>"#,
            escape(line)
        );
    }
    y + 6.0
}

/// The figures as plain text, 100 columns wide, arrows as `->`.
pub(crate) fn figure_text(trace: &Trace, analysis: &Analysis) -> String {
    figures::figures(trace, analysis, 100, "--delay", Color::Never).replace('→', "->")
}

/// Lanes as narrow columns whose opacity is the busy fraction, for traces too big for blocks.
fn aggregate(
    out: &mut String,
    trace: &Trace,
    analysis: &Analysis,
    scale: &Scale,
    lane_y: &dyn Fn(usize) -> f64,
    critical_y: f64,
) {
    let columns = (scale.chart_width / AGGREGATE_COLUMN) as usize;
    let column_ns = scale.end_ns / columns as f64;
    let column_of = |ns: u64| ((ns as f64 / column_ns) as usize).min(columns - 1);
    let (busy, critical_columns) = busy_columns(trace, analysis, columns, column_ns, column_of);
    for worker in 0..analysis.n_workers {
        let y = lane_y(worker);
        for (column, &ns) in busy[worker * columns..][..columns].iter().enumerate() {
            if ns > 0.0 {
                let opacity = (ns / column_ns).clamp(0.15, 1.0);
                let _ = writeln!(
                    out,
                    r#"<rect class="busy-column" x="{:.1}" y="{y}" width="{AGGREGATE_COLUMN}" height="{LANE_HEIGHT}" fill="{TASK}" fill-opacity="{opacity:.2}"/>"#,
                    LEFT + column as f64 * AGGREGATE_COLUMN,
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
            // Control characters are not allowed in XML 1.0 (newlines of a multi-line program
            // are spaces here).
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
