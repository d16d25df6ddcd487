//! `:speedup`: one evaluation measured on 1, 2, … P workers, drawn as a table and a small
//! terminal plot of the measured speedup beside what the work–span model allows.
//!
//! For each pool size the table shows the measured wall time, the lower bound the work and span
//! laws give (max(W/P, S): no schedule is faster) and Brent's bound ((W − S)/P + S: a greedy
//! schedule is never slower); the plot shows the measured speedup as a bar, the ceiling
//! min(P, W/S) as `|` and Brent's guarantee as `:`. The measuring loop lives with the front
//! doors; this module only draws the rows it is given.

use std::fmt::Write as _;

use crate::render::Color;
use crate::render::paint::{self, Hue, Style};
use crate::trace::analysis::brent_bound_ns;
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
}

/// Width of the plot's bars at the largest speedup shown.
const PLOT_COLUMNS: usize = 48;

impl SpeedupRow {
    /// The row of one measured run.
    pub fn from_trace(trace: &crate::trace::Trace) -> SpeedupRow {
        let analysis = crate::trace::analysis::analyze(trace);
        SpeedupRow {
            n_workers: trace.n_workers,
            wall_ns: analysis.wall_ns,
            work_ns: analysis.work_ns,
            span_ns: analysis.span_ns,
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
        let parallelism = if self.span_ns == 0 {
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

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        0.0
    }
}

pub fn speedup(rows: &[SpeedupRow], color: Color) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("no runs to show\n");
        return out;
    }
    // The measured speedup is T1/TP when a one-worker run is among the rows, W/TP otherwise.
    let one_worker_wall = rows
        .iter()
        .find(|row| row.n_workers == 1)
        .map(|row| row.wall_ns as f64);
    let measured = |row: &SpeedupRow| {
        ratio(
            one_worker_wall.unwrap_or(row.work_ns as f64),
            row.wall_ns as f64,
        )
    };
    let header = format!(
        "{:>7}  {:>9}  {:>7}  {:>10}  {:>9}  {:>7}  {:>9}",
        "workers", "wall", "speedup", "max(W/P,S)", "Brent", "ceiling", "guarantee"
    );
    paint::push(&mut out, &header, Style::fg(Hue::Green), color);
    out.push('\n');
    for row in rows {
        let line = format!(
            "{:>7}  {:>9}  {:>7.2}  {:>10}  {:>9}  {:>7.2}  {:>9.2}",
            row.n_workers,
            format_ns(row.wall_ns as f64),
            measured(row),
            format_ns(row.lower_bound_ns()),
            format_ns(row.brent_ns()),
            row.ceiling(),
            row.guaranteed(),
        );
        out.push_str(&line);
        out.push('\n');
    }
    let basis = if one_worker_wall.is_some() {
        "speedup = wall on 1 worker / wall on P"
    } else {
        "speedup = W / wall"
    };
    let _ = write!(
        out,
        "{basis}; max(W/P,S): no schedule is faster; Brent (W − S)/P + S: a greedy one is never slower\n\n"
    );

    // The plot.
    let largest = rows
        .iter()
        .flat_map(|row| [measured(row), row.ceiling(), row.guaranteed()])
        .filter(|value| value.is_finite())
        .fold(1.0f64, f64::max)
        .ceil();
    let column_of =
        |value: f64| ((value / largest * PLOT_COLUMNS as f64).round() as usize).min(PLOT_COLUMNS);
    let mut axis = vec![' '; PLOT_COLUMNS + 4];
    let step = (largest / 8.0).ceil().max(1.0);
    let mut tick = 0.0;
    while tick <= largest {
        let text = format!("{tick}");
        for (offset, c) in text.chars().enumerate() {
            if let Some(cell) = axis.get_mut(column_of(tick) + offset) {
                *cell = c;
            }
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
        let mut cells = [' '; PLOT_COLUMNS + 1];
        let bar = column_of(measured(row));
        cells[..bar].fill('█');
        cells[column_of(row.guaranteed())] = ':';
        if row.ceiling().is_finite() {
            cells[column_of(row.ceiling())] = '|';
        }
        let (bar_text, rest): (String, String) =
            (cells[..bar].iter().collect(), cells[bar..].iter().collect());
        let _ = write!(out, "{:>7}  ", format!("P={}", row.n_workers));
        paint::push(&mut out, &bar_text, Style::fg(Hue::Cyan), color);
        out.push_str(rest.trim_end());
        let _ = writeln!(out, " {:.2}", measured(row));
    }
    out.push_str(
        "         █ measured   | ceiling min(P, W/S)   : Brent's guarantee W / ((W − S)/P + S)\n",
    );
    out
}
