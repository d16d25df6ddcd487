//! The figures of the work–span model under the chart: wall time, work W, span S, parallelism,
//! speedup, efficiency, the lower bound max(W/P, S), the optimal makespan when it is known
//! (Hu's), Brent's bound beside the measured wall time, the scheduling overhead, and per-worker
//! busy time.
//!
//! The figures say only what the measurement supports: when the tasks are too short to time
//! (shorter than a microsecond, or than the overhead per task), a line says so in words, and
//! Brent's row does not call the schedule "not greedy" — that verdict is left to tasks long
//! enough to tell. Numbers come from `trace::analysis` and `trace::optimal`; this module only
//! words and aligns them, wrapping notes at spaces to fit the width.

use crate::render::Color;
use crate::render::gantt::trim_zeros;
use crate::render::paint::{self, Hue, Style};
use crate::render::text;
use crate::trace::analysis::{Analysis, Verdict};
use crate::trace::{TaskOutcome, Trace, optimal};
use crate::units::format_ns;

/// Critical paths longer than this are shown by their ends.
const MAX_PATH_IDS: usize = 6;

/// Workers listed by name in the busy line; the rest are summed up.
const MAX_BUSY_WORKERS: usize = 8;

/// Width of the figure names.
const NAME_WIDTH: usize = 22;
/// Width of the values, right-aligned after the names.
const VALUE_WIDTH: usize = 8;
/// Notes narrower than this go on lines of their own under the name and value.
const MIN_NOTE_WIDTH: usize = 20;

/// The figures of `trace`, at most `width` columns wide; `delay_hint` is how a delay is set
/// where the figures are read (`:delay` in the REPL, `--delay` on the command line).
pub(crate) fn figures(
    trace: &Trace,
    analysis: &Analysis,
    width: usize,
    delay_hint: &str,
    color: Color,
) -> String {
    let width = text::view_width(width);
    let mut out = String::new();
    if analysis.tasks_too_short() {
        let line = format!(
            "tasks of ~{}: scheduling costs more than the arithmetic — set {delay_hint} to see \
             the schedule",
            trim_zeros(&format_ns(analysis.median_task_ns as f64))
        );
        for line in text::wrap(&line, width, "  ") {
            paint::push(&mut out, &line, Style::fg(Hue::Yellow), color);
            out.push('\n');
        }
    }
    if trace.calls_inside {
        let line = format!(
            "user functions' calls ran in parallel inside their tasks, which these figures count              whole — set {delay_hint} to see each call"
        );
        for line in text::wrap(&line, width, "  ") {
            paint::push(&mut out, &line, Style::fg(Hue::Yellow), color);
            out.push('\n');
        }
    }
    for (name, value, note) in rows(trace, analysis) {
        push_row(&mut out, name, &value, &note, width, color);
    }
    out
}

/// Each figure's name, value and note.
fn rows(trace: &Trace, analysis: &Analysis) -> Vec<(&'static str, String, String)> {
    let n_workers = analysis.n_workers;
    let ratio = |value: Option<f64>| value.map_or("-".to_string(), |value| format!("{value:.2}"));
    let percent = |value: Option<f64>| {
        value.map_or("-".to_string(), |value| format!("{:.0}%", value * 100.0))
    };
    let wall = analysis.wall_ns as f64;
    let measured = format!("measured wall {}", format_ns(wall));
    let verdict = match analysis.verdict() {
        Verdict::WithinBound => format!("{measured}: within the bound"),
        Verdict::Overhead => format!("{measured}: above it by the scheduling overhead"),
        Verdict::NotGreedy => format!("{measured}: above the bound, so not a greedy schedule"),
        Verdict::TooShort => format!("{measured}: the tasks are too short to tell"),
    };
    let n_tasks = trace.tasks.len();
    let tasks_note = if trace.count(TaskOutcome::Ran) == n_tasks {
        format!(
            "{} on {}",
            plural(n_tasks, "task"),
            plural_workers(n_workers)
        )
    } else {
        format!(
            "{} of {} tasks started, on {}",
            text::thousands(analysis.n_started),
            text::thousands(n_tasks),
            plural_workers(n_workers)
        )
    };
    let mut rows: Vec<(&'static str, String, String)> = vec![
        ("wall time", format_ns(wall), tasks_note),
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
            "max(W/P, S)",
            format_ns(analysis.lower_bound_ns()),
            format!("no schedule on {} is faster", plural_workers(n_workers)),
        ),
    ];
    if let Some(optimal_ns) = optimal::optimal_ns(trace, trace.n_workers) {
        let task_ns = trace.context.delay.as_nanos() as f64
            * f64::from(trace.tasks.first().map_or(1, |task| task.n_nodes));
        rows.push((
            "optimal (Hu)",
            format_ns(optimal_ns as f64),
            format!(
                "best schedule of {} tasks of {} on {}; {measured}",
                text::thousands(n_tasks),
                trim_zeros(&format_ns(task_ns)),
                plural_workers(trace.n_workers)
            ),
        ));
    }
    rows.push((
        "Brent (W − S)/P + S",
        format_ns(analysis.brent_bound_ns()),
        verdict,
    ));
    let overhead_ns = analysis.overhead_ns();
    rows.push((
        "scheduling overhead",
        if overhead_ns == 0 {
            "0".to_string()
        } else {
            format_ns(overhead_ns as f64)
        },
        "wall − the tasks' schedule with its gaps closed".to_string(),
    ));
    rows.push(("busy", String::new(), busy_text(analysis)));
    rows
}

/// One figure: the name, the value right-aligned, and the note beside them, wrapped under
/// itself; or, when the note has too little room there, on the lines below.
fn push_row(out: &mut String, name: &str, value: &str, note: &str, width: usize, color: Color) {
    paint::push(
        out,
        &format!("{name:<NAME_WIDTH$}"),
        Style::fg(Hue::Green),
        color,
    );
    let value = format!("{value:>VALUE_WIDTH$}");
    let note_column = NAME_WIDTH + VALUE_WIDTH + 2;
    if note.is_empty() {
        out.push_str(value.trim_end());
        trim_line_end(out);
        out.push('\n');
        return;
    }
    if width >= note_column + MIN_NOTE_WIDTH || note_column + text::columns(note) <= width {
        let lines = text::wrap(note, width - note_column, "");
        for (index, line) in lines.iter().enumerate() {
            if index == 0 {
                out.push_str(&value);
                out.push_str("  ");
            } else {
                out.push_str(&" ".repeat(note_column));
            }
            out.push_str(line);
            out.push('\n');
        }
    } else {
        out.push_str(value.trim_end());
        trim_line_end(out);
        out.push('\n');
        for line in text::wrap(note, width - 4, "") {
            out.push_str("    ");
            out.push_str(&line);
            out.push('\n');
        }
    }
}

/// Removes the spaces that end the text after its last newline (a name padded for a value that
/// is empty).
fn trim_line_end(out: &mut String) {
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
}

fn plural_workers(n_workers: usize) -> String {
    plural(n_workers, "worker")
}

/// `1 task`, `1,024 tasks`.
fn plural(n: usize, noun: &str) -> String {
    crate::units::plural(text::thousands(n), noun)
}

/// The critical path as node ids, `#2 → #6 → #12`, or its ends when it is long; through a
/// reduction, its length.
fn path_text(trace: &Trace, analysis: &Analysis) -> String {
    let path = &analysis.critical_path;
    if path.is_empty() {
        return "(empty)".to_string();
    }
    let id = |&index: &u32| trace.tasks[index as usize].root.to_string();
    // The pieces of a reduction share their node's id: `#2 → #4 → #4` would say nothing.
    if path
        .iter()
        .any(|&index| trace.kind(index as usize) != crate::trace::TaskKind::Nodes)
    {
        return format!("{}, `*` in the legend", plural(path.len(), "task"));
    }
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

/// Busy share per worker: `w0 100%, w1 67%`; with many workers, the busiest few and a count of
/// the idle ones.
fn busy_text(analysis: &Analysis) -> String {
    let share = |worker: usize| {
        analysis
            .busy_fraction(worker)
            .map_or("-".to_string(), |fraction| {
                format!("{:.0}%", fraction * 100.0)
            })
    };
    let n_workers = analysis.n_workers;
    let listed: Vec<usize> = if n_workers <= MAX_BUSY_WORKERS {
        (0..n_workers).collect()
    } else {
        (0..n_workers)
            .filter(|&worker| analysis.busy_ns[worker] > 0)
            .take(MAX_BUSY_WORKERS)
            .collect()
    };
    let mut parts: Vec<String> = listed
        .iter()
        .map(|&worker| format!("w{worker} {}", share(worker)))
        .collect();
    let busy = analysis.busy_ns.iter().filter(|&&ns| ns > 0).count();
    if n_workers > MAX_BUSY_WORKERS {
        let more_busy = busy - listed.len();
        if more_busy > 0 {
            parts.push(format!("… {} more", text::thousands(more_busy)));
        }
        let idle = n_workers - busy;
        if idle > 0 {
            parts.push(format!("{} idle", text::thousands(idle)));
        }
    }
    parts.join(", ")
}
