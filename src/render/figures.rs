//! The figures of the work–span model under the chart: wall time, work W, span S, parallelism,
//! speedup, efficiency, per-worker busy time and Brent's bound beside the measured wall time.
//!
//! Numbers come from `trace::analysis`; this module only words and aligns them.

use crate::render::Color;
use crate::render::paint::{self, Hue, Style};
use crate::trace::Trace;
use crate::trace::analysis::Analysis;
use crate::units::{format_ns, plural};

/// Critical paths longer than this are shown by their ends.
const MAX_PATH_IDS: usize = 6;

/// Workers listed by name in the busy line; the rest are summed up.
const MAX_BUSY_WORKERS: usize = 8;

pub(crate) fn figures(trace: &Trace, analysis: &Analysis, color: Color) -> String {
    let n_workers = analysis.n_workers;
    let ratio = |value: Option<f64>| value.map_or("-".to_string(), |value| format!("{value:.2}"));
    let percent = |value: Option<f64>| {
        value.map_or("-".to_string(), |value| format!("{:.0}%", value * 100.0))
    };
    let brent = analysis.brent_bound_ns();
    let wall = analysis.wall_ns as f64;
    let verdict = if wall <= brent * (1.0 + 1e-9) {
        "within the bound"
    } else {
        "above the bound: the schedule was not greedy (or the clock was noisy)"
    };
    let rows: Vec<(&str, String, String)> = vec![
        (
            "wall time",
            format_ns(wall),
            format!(
                "{} on {}",
                plural(trace.tasks.len(), "task"),
                plural(n_workers, "worker")
            ),
        ),
        (
            "work W",
            format_ns(analysis.work_ns as f64),
            "sum of the task times".to_string(),
        ),
        (
            "span S",
            format_ns(analysis.span_ns as f64),
            format!("critical path {}", path_text(trace, analysis)),
        ),
        (
            "parallelism W/S",
            ratio(analysis.parallelism()),
            "speedup an unbounded pool could reach".to_string(),
        ),
        ("speedup W/wall", ratio(analysis.speedup()), String::new()),
        (
            "efficiency W/(P·wall)",
            percent(analysis.efficiency()),
            String::new(),
        ),
        (
            "Brent (W − S)/P + S",
            format_ns(brent),
            format!("measured wall {}: {verdict}", format_ns(wall)),
        ),
        ("busy", String::new(), busy_text(analysis)),
    ];
    let mut out = String::new();
    for (name, value, note) in rows {
        paint::push(
            &mut out,
            &format!("{name:<22}"),
            Style::fg(Hue::Green),
            color,
        );
        let line = format!("{value:>8}  {note}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The critical path as node ids, `#2 → #6 → #12`, or its ends when it is long.
fn path_text(trace: &Trace, analysis: &Analysis) -> String {
    let path = &analysis.critical_path;
    if path.is_empty() {
        return "(empty)".to_string();
    }
    let id = |&index: &u32| trace.tasks[index as usize].root.to_string();
    if path.len() <= MAX_PATH_IDS {
        return path.iter().map(id).collect::<Vec<_>>().join(" → ");
    }
    format!(
        "{} → … → {} ({})",
        id(&path[0]),
        id(&path[path.len() - 1]),
        plural(path.len(), "task")
    )
}

/// Busy share per worker: `w0 100%, w1 67%`, and the mean when there are many workers.
fn busy_text(analysis: &Analysis) -> String {
    let share = |worker: usize| {
        analysis
            .busy_fraction(worker)
            .map_or("-".to_string(), |fraction| {
                format!("{:.0}%", fraction * 100.0)
            })
    };
    let mut parts: Vec<String> = (0..analysis.n_workers.min(MAX_BUSY_WORKERS))
        .map(|worker| format!("w{worker} {}", share(worker)))
        .collect();
    if analysis.n_workers > MAX_BUSY_WORKERS {
        let more = analysis.n_workers - MAX_BUSY_WORKERS;
        parts.push(format!("… {more} more"));
    }
    parts.join(", ")
}
