//! `:speedup`: one evaluation measured on 1, 2, … P workers, drawn as a table and a small
//! terminal plot of the measured speedup beside what the work–span model allows.
//!
//! For each pool size the table shows the measured wall time, the optimal makespan when it is
//! known (with a delay: Hu's), the lower bound the work and span laws give (max(W/P, S): no
//! schedule is faster) and Brent's bound ((W − S)/P + S: a greedy schedule is never slower); the
//! plot shows the measured speedup as a bar, the ceiling min(P, W/S) as `|` and Brent's
//! guarantee as `:`. A measured speedup above the ceiling is not a speedup but noise in the
//! timing: it is marked `?`, drawn as a pale bar, and said so under the table. With a delay,
//! the ceiling is reached exactly (601 ms of work in 300 ms on a tree whose span is half of it),
//! and the two runs a speedup compares differ by the timer's noise: a speedup above the ceiling
//! by no more than the one-worker run's wall time exceeds the run's work W (up to
//! [`MAX_TIMER_NOISE`]) is the ceiling, printed as such. A speedup that prints as equal to the
//! ceiling is never marked. An expression with no operator has nothing to schedule, and says so
//! instead of drawing a table. Columns that do not fit the width are left out (and named), most
//! useful first kept. The measuring loop lives with the front doors; this module only draws the
//! rows it is given.

use std::fmt::Write as _;

use crate::render::Color;
use crate::render::paint::{self, Hue, Style};
use crate::render::text;
use crate::trace::analysis::brent_bound_ns;
use crate::trace::optimal;
use crate::units::format_ns;

/// One measured run of the expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpeedupRow {
    /// Size of the pool, P.
    pub n_workers: usize,
    /// Measured wall time on that pool.
    pub wall_ns: u64,
    /// Work W of that run.
    pub work_ns: u64,
    /// Span S of that run.
    pub span_ns: u64,
    /// The optimal makespan on that pool, when it is known (equal tasks with a delay).
    pub optimal_ns: Option<u64>,
    /// Tasks in the run (none for an expression without operators).
    pub n_tasks: usize,
    /// The simulated work slept per operator (zero without a delay).
    pub delay_ns: u64,
    /// Whether user functions' calls forked inside the tasks unseen: then W/S is no bound.
    pub calls_inside: bool,
}

/// Widest the plot's bars get.
const PLOT_COLUMNS: usize = 48;

/// Narrowest the plot's bars get.
const MIN_PLOT_COLUMNS: usize = 10;

/// With a delay, the largest share by which the one-worker run's wall time may exceed a run's
/// work and still be taken for the timer's noise (sleeps that overshoot, a worker woken late):
/// beyond it, something else disturbed the runs, and a speedup above the ceiling stays marked.
/// On a machine shared with a build, six sleeps of 100 ms overshoot by 40 ms together (6.7%):
/// a tenth leaves room for that and still marks a run disturbed by more.
pub(crate) const MAX_TIMER_NOISE: f64 = 0.10;

impl SpeedupRow {
    /// The row of one measured run.
    pub fn from_trace(trace: &crate::trace::Trace) -> SpeedupRow {
        let analysis = crate::trace::analysis::analyze(trace);
        SpeedupRow {
            n_workers: trace.n_workers,
            wall_ns: analysis.wall_ns,
            work_ns: analysis.work_ns,
            span_ns: analysis.span_ns,
            optimal_ns: optimal::optimal_ns(trace, trace.n_workers),
            n_tasks: trace.tasks.len(),
            delay_ns: u64::try_from(trace.context.delay.as_nanos()).unwrap_or(u64::MAX),
            calls_inside: trace.calls_inside,
        }
    }

    fn brent_ns(&self) -> f64 {
        brent_bound_ns(self.work_ns, self.span_ns, self.n_workers)
    }

    /// max(W/P, S): the work law and the span law.
    fn lower_bound_ns(&self) -> f64 {
        (self.work_ns as f64 / self.n_workers.max(1) as f64).max(self.span_ns as f64)
    }

    /// min(P, W/S): the largest speedup the laws allow.
    fn ceiling(&self) -> f64 {
        let parallelism = if self.span_ns == 0 || self.calls_inside {
            f64::INFINITY
        } else {
            self.work_ns as f64 / self.span_ns as f64
        };
        (self.n_workers.max(1) as f64).min(parallelism)
    }

    /// W / Brent: the speedup a greedy schedule is guaranteed to reach.
    fn guaranteed(&self) -> f64 {
        ratio(self.work_ns as f64, self.brent_ns())
    }
}

/// `value` in hundredths, as the table prints it.
fn hundredths(value: f64) -> f64 {
    format!("{value:.2}").parse().unwrap_or(value)
}

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        0.0
    }
}

/// One column of the table: its header, width, and rank (lower is kept first when the width
/// is short).
struct Column {
    header: &'static str,
    width: usize,
    rank: usize,
    cell: fn(&SpeedupRow, f64, bool) -> String,
}

/// The columns in the order they are shown.
const COLUMNS: [Column; 8] = [
    Column {
        header: "workers",
        width: 7,
        rank: 0,
        cell: |row, _, _| row.n_workers.to_string(),
    },
    Column {
        header: "wall",
        width: 8,
        rank: 1,
        cell: |row, _, _| format_ns(row.wall_ns as f64),
    },
    Column {
        header: "speedup",
        width: 8,
        rank: 2,
        cell: |_, measured, noise| {
            if noise {
                format!("{measured:.2}?")
            } else {
                format!("{measured:.2} ")
            }
        },
    },
    Column {
        header: "optimal",
        width: 8,
        rank: 4,
        cell: |row, _, _| {
            row.optimal_ns
                .map_or("-".to_string(), |ns| format_ns(ns as f64))
        },
    },
    Column {
        header: "max(W/P,S)",
        width: 10,
        rank: 5,
        cell: |row, _, _| format_ns(row.lower_bound_ns()),
    },
    Column {
        header: "Brent",
        width: 8,
        rank: 6,
        cell: |row, _, _| format_ns(row.brent_ns()),
    },
    Column {
        header: "ceiling",
        width: 7,
        rank: 3,
        cell: |row, _, _| format!("{:.2}", row.ceiling()),
    },
    Column {
        header: "guarantee",
        width: 9,
        rank: 7,
        cell: |row, _, _| format!("{:.2}", row.guaranteed()),
    },
];

/// The table and the plot of `rows`, at most `width` columns wide.
pub fn speedup(rows: &[SpeedupRow], width: usize, color: Color) -> String {
    let width = text::view_width(width);
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("no runs to show\n");
        return out;
    }
    if rows.iter().all(|row| row.n_tasks == 0) {
        for line in text::wrap(
            "nothing to schedule: the expression has no operator",
            width,
            "  ",
        ) {
            let _ = writeln!(out, "{line}");
        }
        return out;
    }
    // The measured speedup is T1/TP when a one-worker run is among the rows, W/TP otherwise.
    let one_worker_wall = rows
        .iter()
        .find(|row| row.n_workers == 1)
        .map(|row| row.wall_ns as f64);
    let raw = |row: &SpeedupRow| {
        ratio(
            one_worker_wall.unwrap_or(row.work_ns as f64),
            row.wall_ns as f64,
        )
    };
    // With a delay, how far T1 exceeds this run's work W: the timer's noise between the runs.
    let timer_noise = |row: &SpeedupRow| match one_worker_wall {
        Some(t1) if row.delay_ns > 0 && row.work_ns > 0 => (t1 / row.work_ns as f64 - 1.0).max(0.0),
        _ => 0.0,
    };
    let measured = |row: &SpeedupRow| {
        let speedup = raw(row);
        let ceiling = row.ceiling();
        let noise = timer_noise(row);
        if speedup > ceiling && noise <= MAX_TIMER_NOISE && speedup <= ceiling * (1.0 + noise) {
            ceiling
        } else {
            speedup
        }
    };
    // Above the ceiling as printed: a value that prints as the ceiling is the ceiling.
    let noise = |row: &SpeedupRow| hundredths(measured(row)) > hundredths(row.ceiling());
    table(&mut out, rows, width, &measured, &noise, color);
    out.push('\n');
    plot(&mut out, rows, width, &measured, &noise, color);
    out
}

/// The table, its columns chosen to fit `width`, and the notes under it.
fn table(
    out: &mut String,
    rows: &[SpeedupRow],
    width: usize,
    measured: &dyn Fn(&SpeedupRow) -> f64,
    noise: &dyn Fn(&SpeedupRow) -> bool,
    color: Color,
) {
    let one_worker = rows.iter().any(|row| row.n_workers == 1);
    let has_optimal = rows.iter().any(|row| row.optimal_ns.is_some());

    // The columns that fit, by rank.
    let mut by_rank: Vec<&Column> = COLUMNS
        .iter()
        .filter(|column| has_optimal || column.header != "optimal")
        .collect();
    by_rank.sort_by_key(|column| column.rank);
    let mut kept: Vec<&str> = Vec::new();
    let mut left_out: Vec<&str> = Vec::new();
    let mut used = 0;
    for column in by_rank {
        let extra = column.width + if kept.is_empty() { 0 } else { 2 };
        if left_out.is_empty() && used + extra <= width {
            used += extra;
            kept.push(column.header);
        } else {
            left_out.push(column.header);
        }
    }
    let shown: Vec<&Column> = COLUMNS
        .iter()
        .filter(|column| kept.contains(&column.header))
        .collect();
    let line = |cells: &mut dyn Iterator<Item = (usize, String)>| {
        cells
            .map(|(width, cell)| format!("{cell:>width$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let header = line(&mut shown.iter().map(|c| (c.width, c.header.to_string())));
    paint::push(out, &header, Style::fg(Hue::Green), color);
    out.push('\n');
    for row in rows {
        let cells = line(
            &mut shown
                .iter()
                .map(|c| (c.width, (c.cell)(row, measured(row), noise(row)))),
        );
        out.push_str(cells.trim_end());
        out.push('\n');
    }
    let mut notes: Vec<String> = vec![if one_worker {
        "speedup = wall on 1 worker / wall on P".to_string()
    } else {
        "speedup = W / wall".to_string()
    }];
    if rows.iter().any(noise) {
        notes.push(
            "? above the ceiling min(P, W/S): noise in the timing, not a speedup".to_string(),
        );
    }
    if kept.contains(&"optimal") {
        notes.push("optimal: the best schedule of these equal tasks (Hu)".to_string());
    }
    if kept.contains(&"max(W/P,S)") {
        notes.push("max(W/P,S): no schedule is faster".to_string());
    }
    if kept.contains(&"Brent") {
        notes.push("Brent (W − S)/P + S: a greedy one is never slower".to_string());
    }
    if !left_out.is_empty() {
        notes.push(format!("not shown at this width: {}", left_out.join(", ")));
    }
    for note in notes {
        for line in text::wrap(&note, width, "  ") {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// The plot: `P=4  ████…| 2.00`, each bar and its marks in `plot_columns + 1` cells.
fn plot(
    out: &mut String,
    rows: &[SpeedupRow],
    width: usize,
    measured: &dyn Fn(&SpeedupRow) -> f64,
    noise: &dyn Fn(&SpeedupRow) -> bool,
    color: Color,
) {
    let plot_columns = width
        .saturating_sub(9 + 7)
        .clamp(MIN_PLOT_COLUMNS, PLOT_COLUMNS);
    let largest = rows
        .iter()
        .flat_map(|row| [measured(row), row.ceiling(), row.guaranteed()])
        .filter(|value| value.is_finite())
        .fold(1.0f64, f64::max)
        .ceil();
    let column_of =
        |value: f64| ((value / largest * plot_columns as f64).round() as usize).min(plot_columns);
    let mut axis = vec![' '; plot_columns + 4];
    let step = (largest / 8.0).ceil().max(1.0);
    let mut tick = 0.0;
    let mut free_from = 0;
    while tick <= largest {
        let label = format!("{tick}");
        let start = column_of(tick);
        // A label that would touch the one before it is left out.
        if start >= free_from && start + label.len() <= axis.len() {
            for (offset, c) in label.chars().enumerate() {
                axis[start + offset] = c;
            }
            free_from = start + label.len() + 1;
        }
        tick += step;
    }
    let _ = writeln!(
        out,
        "{:>7}  {}",
        "speedup",
        axis.iter().collect::<String>().trim_end()
    );
    for row in rows {
        let mut cells = vec![' '; plot_columns + 1];
        let bar = column_of(measured(row));
        let above_ceiling = noise(row);
        cells[..bar].fill(if above_ceiling { '░' } else { '█' });
        cells[column_of(row.guaranteed())] = ':';
        if row.ceiling().is_finite() {
            cells[column_of(row.ceiling())] = '|';
        }
        let (bar_text, rest): (String, String) =
            (cells[..bar].iter().collect(), cells[bar..].iter().collect());
        let _ = write!(out, "{:>7}  ", format!("P={}", row.n_workers));
        paint::push(out, &bar_text, Style::fg(Hue::Cyan), color);
        out.push_str(rest.trim_end());
        let _ = writeln!(
            out,
            " {:.2}{}",
            measured(row),
            if above_ceiling { "?" } else { "" }
        );
    }
    let mut keys = vec![
        "█ measured".to_string(),
        "| ceiling min(P, W/S)".to_string(),
        ": Brent's guarantee W / ((W − S)/P + S)".to_string(),
    ];
    if rows.iter().any(noise) {
        keys.insert(1, "░ noise".to_string());
    }
    for line in text::join_wrapped(&keys, "   ", width - 9) {
        let _ = writeln!(out, "{:9}{line}", "");
    }
}
