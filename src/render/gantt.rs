//! The Gantt chart in terminal text: one lane per worker of the pool, time left to right, a
//! time axis with units below.
//!
//! When every task gets its own cells (at least one, however short), each is drawn as a block
//! `[#7----]` labelled with its node id where the label fits; the blocks of the critical path
//! are filled with `=` instead of `-` (and red when colour is on), and a `critical` row marks
//! with `^` the time the critical path runs, so the path is visible without colour too. When
//! tasks outnumber the cells, each lane instead shades every column by the fraction of it the
//! worker was busy (` ░▒▓█`), which costs one pass over the tasks: a two-million-task trace
//! draws as fast as it is read.
//!
//! A task that failed is filled with `x`, one stopped part way with `~`, one still running (in a
//! live frame) ends in `>` instead of `]`; a task that never ran is not drawn. So the outcome is
//! visible without colour. A pool of more than [`ALL_LANES_MAX`] workers shows only the lanes of
//! workers that ran a task, and counts the others on one line. Every line fits the width asked
//! for (at least 40 columns); tick labels that would collide are left out.
//!
//! This module draws the chart only; the legend and the figures have their own modules, and
//! every number it shows comes from `trace::analysis`.

use std::fmt::Write as _;

use crate::render::Color;
use crate::render::bins::busy_columns;
use crate::render::paint::{self, Hue, Style};
use crate::render::text;
use crate::trace::analysis::Analysis;
use crate::trace::{TaskOutcome, Trace};
use crate::units::format_ns;

/// Pools up to this size show every lane, idle or not; larger ones only the lanes that ran.
pub(crate) const ALL_LANES_MAX: usize = 8;

/// Narrowest time axis drawn, whatever width the caller asks for.
const MIN_COLUMNS: usize = 10;

/// Columns per tick of the time axis, roughly.
const COLUMNS_PER_TICK: usize = 14;

/// Width of the busy percentage after each lane: ` 100%`.
const BUSY_WIDTH: usize = 5;

/// Background colours of ordinary blocks, chosen by node id; the critical path is red.
const BLOCK_STYLES: [Style; 4] = [
    Style::on(Hue::White, Hue::Blue),
    Style::on(Hue::Black, Hue::Cyan),
    Style::on(Hue::Black, Hue::Green),
    Style::on(Hue::White, Hue::Magenta),
];
const CRITICAL_STYLE: Style = Style::on(Hue::White, Hue::Red).bold();
const FAILED_STYLE: Style = Style::on(Hue::Black, Hue::Yellow).bold();
const CANCELLED_STYLE: Style = Style::on(Hue::White, Hue::BrightBlack);
const RUNNING_STYLE: Style = Style::on(Hue::Black, Hue::BrightCyan);
const MARKER_STYLE: Style = Style::fg(Hue::Red).bold();
const SHADE_STYLE: Style = Style::fg(Hue::Cyan);
const AXIS_STYLE: Style = Style::fg(Hue::BrightBlack);

/// How time maps onto columns, and which lanes are drawn.
struct Scale {
    /// Width of the lane labels (`worker 12`).
    label_width: usize,
    /// Columns of the time axis.
    columns: usize,
    /// The time at the right edge.
    end_ns: u64,
    /// The workers whose lanes are drawn, in order.
    lanes: Vec<usize>,
}

impl Scale {
    fn new(trace: &Trace, analysis: &Analysis, width: usize) -> Scale {
        let lanes = shown_lanes(trace, analysis.n_workers);
        let last_worker = lanes.last().copied().unwrap_or(0);
        let label_width = format!("worker {last_worker}").len().max("critical".len());
        let columns = text::view_width(width)
            .saturating_sub(label_width + 2 + BUSY_WIDTH)
            .max(MIN_COLUMNS);
        let last_end = trace.tasks.iter().map(|task| task.end_ns).max();
        let end_ns = last_end.unwrap_or(0).max(trace.wall_ns).max(1);
        Scale {
            label_width,
            columns,
            end_ns,
            lanes,
        }
    }

    /// The column time `ns` falls in (the last column for the right edge).
    fn column(&self, ns: u64) -> usize {
        let column = (u128::from(ns) * self.columns as u128 / u128::from(self.end_ns)) as usize;
        column.min(self.columns - 1)
    }

    fn column_ns(&self) -> f64 {
        self.end_ns as f64 / self.columns as f64
    }
}

/// The lanes a chart draws: every worker of a small pool; of a large one, the workers that ran
/// a task (at least one lane).
fn shown_lanes(trace: &Trace, n_workers: usize) -> Vec<usize> {
    if n_workers <= ALL_LANES_MAX {
        return (0..n_workers).collect();
    }
    let mut ran = vec![false; n_workers];
    for task in &trace.tasks {
        if task.outcome.started()
            && let Some(lane) = ran.get_mut(task.worker as usize)
        {
            *lane = true;
        }
    }
    let lanes: Vec<usize> = (0..n_workers).filter(|&worker| ran[worker]).collect();
    if lanes.is_empty() { vec![0] } else { lanes }
}

/// A task's cells in its lane: `first..end`, never empty.
struct Block {
    first: usize,
    end: usize,
    task: u32,
}

/// The chart of `trace`, `width` columns wide.
pub(crate) fn chart(trace: &Trace, analysis: &Analysis, width: usize, color: Color) -> String {
    let scale = Scale::new(trace, analysis, width);
    let mut out = String::new();
    let aggregated = if let Some(lanes) = blocks_per_lane(trace, analysis, &scale) {
        draw_blocks(&mut out, trace, analysis, &scale, &lanes, color);
        false
    } else {
        draw_shades(&mut out, trace, analysis, &scale, color);
        true
    };
    let idle = analysis.n_workers - scale.lanes.len();
    if idle > 0 {
        let line = format!(
            "{:<width$} │ {} more worker{} ran no task",
            "idle",
            text::thousands(idle),
            if idle == 1 { "" } else { "s" },
            width = scale.label_width,
        );
        out.push_str(&text::fit(&line, text::view_width(width)));
        out.push('\n');
    }
    draw_axis(&mut out, &scale, color);
    if aggregated {
        let note = format!(
            "one column = {}; shade ░▒▓█ = share of it the worker was busy",
            trim_zeros(&format_ns(scale.column_ns())),
        );
        let indent = " ".repeat(scale.label_width + 2);
        for line in text::wrap(&note, text::view_width(width) - indent.len(), "") {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
    out
}

/// Each shown lane's blocks in time order, or `None` when two tasks of a lane would share a
/// cell. Tasks that never ran have no block.
fn blocks_per_lane(trace: &Trace, analysis: &Analysis, scale: &Scale) -> Option<Vec<Vec<Block>>> {
    if trace.tasks.len() > scale.columns * analysis.n_workers.max(1) {
        return None;
    }
    let mut lanes: Vec<Vec<Block>> = (0..analysis.n_workers).map(|_| Vec::new()).collect();
    for (index, task) in trace.tasks.iter().enumerate() {
        if !task.outcome.started() {
            continue;
        }
        let first = scale.column(task.start_ns);
        let end = scale.column(task.end_ns.max(task.start_ns)).max(first + 1);
        lanes[task.worker as usize].push(Block {
            first,
            end: end.min(scale.columns).max(first + 1),
            task: index as u32,
        });
    }
    for lane in &mut lanes {
        lane.sort_by_key(|block| (block.first, block.task));
        if lane.windows(2).any(|pair| pair[1].first < pair[0].end) {
            return None;
        }
    }
    Some(lanes)
}

fn draw_blocks(
    out: &mut String,
    trace: &Trace,
    analysis: &Analysis,
    scale: &Scale,
    lanes: &[Vec<Block>],
    color: Color,
) {
    let mut critical_columns = vec![false; scale.columns];
    for &worker in &scale.lanes {
        lane_label(out, worker, scale);
        let mut column = 0;
        for block in &lanes[worker] {
            out.push_str(&" ".repeat(block.first - column));
            let task = block.task as usize;
            let record = &trace.tasks[task];
            let critical = analysis.on_critical_path[task];
            if critical {
                critical_columns[block.first..block.end].fill(true);
            }
            let look = Look::of(record.outcome, critical);
            let text = block_text(&record.root.to_string(), block.end - block.first, look);
            let style = match look {
                Look::Ran => BLOCK_STYLES[record.root.index() % BLOCK_STYLES.len()],
                Look::Critical => CRITICAL_STYLE,
                Look::Failed => FAILED_STYLE,
                Look::Cancelled => CANCELLED_STYLE,
                Look::Running => RUNNING_STYLE,
            };
            paint::push(out, &text, style, color);
            column = block.end;
        }
        out.push_str(&" ".repeat(scale.columns - column));
        busy_suffix(out, analysis, worker);
    }
    marker_row(out, &critical_columns, scale, color);
}

/// How a block is drawn, by its task's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Look {
    Ran,
    Critical,
    Failed,
    Cancelled,
    Running,
}

impl Look {
    fn of(outcome: TaskOutcome, critical: bool) -> Look {
        match outcome {
            TaskOutcome::Failed => Look::Failed,
            TaskOutcome::Cancelled => Look::Cancelled,
            TaskOutcome::Running => Look::Running,
            TaskOutcome::Ran | TaskOutcome::NotRun if critical => Look::Critical,
            TaskOutcome::Ran | TaskOutcome::NotRun => Look::Ran,
        }
    }

    fn fill(self) -> char {
        match self {
            Look::Ran | Look::Running => '-',
            Look::Critical => '=',
            Look::Failed => 'x',
            Look::Cancelled => '~',
        }
    }
}

/// A block of `cells` cells: `[#7---]`, or fewer characters when it is short; the fill says
/// the outcome (`=` on the critical path, `x` failed, `~` stopped), and a running task ends in
/// `>`.
fn block_text(label: &str, cells: usize, look: Look) -> String {
    let fill = look.fill();
    let close = if look == Look::Running { '>' } else { ']' };
    match cells {
        0 | 1 if look == Look::Running => close.to_string(),
        0 | 1 => fill.to_string(),
        2 if look == Look::Running => format!("[{close}"),
        2 => format!("[{fill}"),
        _ => {
            let inner = cells - 2;
            let mut text = String::with_capacity(cells + 2);
            text.push('[');
            let label_fits = label.len() < inner;
            if label_fits {
                text.push_str(label);
            }
            let used = if label_fits { label.len() } else { 0 };
            text.extend(std::iter::repeat_n(fill, inner - used));
            text.push(close);
            text
        }
    }
}

fn draw_shades(out: &mut String, trace: &Trace, analysis: &Analysis, scale: &Scale, color: Color) {
    let columns = scale.columns;
    let column_ns = scale.column_ns();
    let (busy, critical_columns) =
        busy_columns(trace, analysis, columns, column_ns, |ns| scale.column(ns));
    for &worker in &scale.lanes {
        lane_label(out, worker, scale);
        let shades: String = busy[worker * columns..][..columns]
            .iter()
            .map(|&ns| shade(ns / column_ns))
            .collect();
        paint::push(out, &shades, SHADE_STYLE, color);
        busy_suffix(out, analysis, worker);
    }
    marker_row(out, &critical_columns, scale, color);
}

/// The character for a column the worker was busy `fraction` of.
fn shade(fraction: f64) -> char {
    if fraction <= 0.0 {
        ' '
    } else if fraction <= 0.25 {
        '░'
    } else if fraction <= 0.5 {
        '▒'
    } else if fraction <= 0.75 {
        '▓'
    } else {
        '█'
    }
}

fn lane_label(out: &mut String, worker: usize, scale: &Scale) {
    let label = format!("worker {worker}");
    let _ = write!(out, "{label:<width$} │", width = scale.label_width);
}

fn busy_suffix(out: &mut String, analysis: &Analysis, worker: usize) {
    match analysis.busy_fraction(worker) {
        Some(fraction) => {
            let _ = writeln!(out, "│{:>3.0}%", fraction * 100.0);
        }
        None => out.push_str("│   -\n"),
    }
}

/// The `critical` row: `^` under the columns where a task of the critical path runs.
fn marker_row(out: &mut String, critical_columns: &[bool], scale: &Scale, color: Color) {
    if !critical_columns.contains(&true) {
        return;
    }
    let _ = write!(out, "{:<width$} │", "critical", width = scale.label_width);
    let mut column = 0;
    while column < critical_columns.len() {
        let on = critical_columns[column];
        let run = critical_columns[column..]
            .iter()
            .take_while(|&&other| other == on)
            .count();
        if on {
            paint::push(out, &"^".repeat(run), MARKER_STYLE, color);
        } else {
            out.push_str(&" ".repeat(run));
        }
        column += run;
    }
    out.push_str("│\n");
}

/// The axis line with ticks, and the tick labels below it. The right end is always labelled
/// with the time it stands for: a tick whose label would run into it loses its label.
fn draw_axis(out: &mut String, scale: &Scale, color: Color) {
    let columns = scale.columns;
    let step_ns = tick_step(scale.end_ns as f64 / (columns / COLUMNS_PER_TICK).max(2) as f64);
    let mut line: Vec<char> = vec!['─'; columns + 1];
    let mut labels: Vec<char> = vec![' '; columns + BUSY_WIDTH];
    let label_of = |ns: f64| {
        if ns == 0.0 {
            "0".to_string()
        } else {
            trim_zeros(&format_ns(ns))
        }
    };
    // The end's label, right-aligned under the last tick when it would run past the edge.
    line[columns] = '┬';
    let end_text = label_of(scale.end_ns as f64);
    let end_start = columns.min(labels.len().saturating_sub(end_text.chars().count()));
    let mut free_from = 0;
    let mut tick = 0.0f64;
    while tick <= scale.end_ns as f64 * (1.0 + 1e-9) {
        // The same floor as the blocks', so a tick sits where a task starting then does.
        let column = (tick as u128 * columns as u128 / u128::from(scale.end_ns)) as usize;
        let text = label_of(tick);
        let n_chars = text.chars().count();
        let start = column;
        // A tick whose label would run into the end's stands too close to it: the end
        // stands for it.
        if column + 1 >= columns || start + n_chars + 2 > end_start {
            break;
        }
        line[column] = '┬';
        if start >= free_from {
            for (offset, c) in text.chars().enumerate() {
                labels[start + offset] = c;
            }
            free_from = start + n_chars + 2;
        }
        tick += step_ns;
    }
    for (offset, c) in end_text.chars().enumerate() {
        labels[end_start + offset] = c;
    }
    let _ = write!(out, "{:width$} └", "", width = scale.label_width);
    let line: String = line.into_iter().collect();
    paint::push(out, &line, AXIS_STYLE, color);
    out.push('\n');
    let labels: String = labels.into_iter().collect();
    let _ = write!(out, "{:width$}  ", "", width = scale.label_width);
    out.push_str(labels.trim_end());
    out.push('\n');
}

/// The smallest of 1, 2 or 5 times a power of ten that is at least `raw_ns`.
pub(crate) fn tick_step(raw_ns: f64) -> f64 {
    let raw_ns = raw_ns.max(1.0);
    let magnitude = 10f64.powf(raw_ns.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * magnitude)
        .find(|&step| step >= raw_ns)
        .unwrap_or(10.0 * magnitude)
}

/// `50.0 ms` → `50 ms`, `1.50 s` → `1.5 s`.
pub(crate) fn trim_zeros(text: &str) -> String {
    match text.split_once(' ') {
        Some((number, unit)) if number.contains('.') => {
            let number = number.trim_end_matches('0').trim_end_matches('.');
            format!("{number} {unit}")
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[track_caller]
    fn check_block(label: &str, cells: usize, look: Look, expected: &str) {
        assert_eq!(block_text(label, cells, look), expected);
    }

    #[test]
    fn blocks() {
        check_block("#7", 1, Look::Ran, "-");
        check_block("#7", 1, Look::Critical, "=");
        check_block("#7", 2, Look::Ran, "[-");
        check_block("#7", 4, Look::Ran, "[--]");
        check_block("#7", 5, Look::Ran, "[#7-]");
        check_block("#7", 8, Look::Critical, "[#7====]");
        check_block("#5", 6, Look::Failed, "[#5xx]");
        check_block("#5", 6, Look::Cancelled, "[#5~~]");
        check_block("#5", 6, Look::Running, "[#5-->");
        check_block("#5", 2, Look::Running, "[>");
        check_block("#5", 1, Look::Running, ">");
    }

    /// The right end of the axis says when the chart ends, at every width.
    #[test]
    fn the_end_of_the_axis_is_labelled() {
        use crate::trace::analysis::{analyze, fixtures};
        let trace = fixtures::course_example(fixtures::Schedule::Three);
        for width in [40, 60, 80, 100] {
            let chart = chart(&trace, &analyze(&trace), width, Color::Never);
            let lines: Vec<&str> = chart.lines().collect();
            let (axis, labels) = (lines[lines.len() - 2], lines[lines.len() - 1]);
            assert!(axis.ends_with("─┬"), "{width}: {chart}");
            assert!(labels.ends_with(" 300 ms"), "{width}: {chart}");
            // The end's label ends within the chart's width, under its last tick or just past.
            assert!(labels.chars().count() <= width, "{width}: {chart}");
        }
    }

    #[test]
    fn ticks() {
        assert_eq!(tick_step(43e6), 50e6);
        assert_eq!(tick_step(100e6), 100e6);
        assert_eq!(tick_step(101e6), 200e6);
        assert_eq!(trim_zeros("50.0 ms"), "50 ms");
        assert_eq!(trim_zeros("1.50 s"), "1.5 s");
        assert_eq!(trim_zeros("12.5 µs"), "12.5 µs");
        assert_eq!(trim_zeros("300 ms"), "300 ms");
    }
}
