//! The legend under the chart: node id → subexpression → value, with each task's time and
//! worker, or what became of it; `*` marks the critical path, `x` the task that failed, `~` one
//! stopped part way.
//!
//! A legend lists at most [`MAX_ENTRIES`] tasks: for bigger traces, the longest ones (and any
//! that failed), and it says how many it left out. Picking them is a linear-time selection,
//! never a sort of the whole trace. Rows fit the width: the subexpression is cut in the middle
//! first, then the time and worker are written short. This module does not compute any figure
//! itself.

use std::fmt::Write as _;

use crate::render::Color;
use crate::render::label;
use crate::render::paint::{self, Hue, Style};
use crate::render::text;
use crate::trace::analysis::{Analysis, duration_ns};
use crate::trace::{Ending, TaskOutcome, Trace};
use crate::units::{format_ns, plural};

/// Most tasks a legend lists.
pub(crate) const MAX_ENTRIES: usize = 12;

/// The subexpression column is never cut below this many characters while the detail can still
/// be written short.
const MIN_LABEL: usize = 12;

/// The tasks the legend lists, by node id: all of them, or the longest [`MAX_ENTRIES`] that
/// started, those that failed among them.
pub(crate) fn entries(trace: &Trace) -> Vec<usize> {
    let mut chosen: Vec<usize> = (0..trace.tasks.len()).collect();
    if chosen.len() > MAX_ENTRIES {
        let failed: Vec<usize> = chosen
            .iter()
            .copied()
            .filter(|&index| trace.tasks[index].outcome == TaskOutcome::Failed)
            .take(MAX_ENTRIES)
            .collect();
        chosen.retain(|&index| {
            let outcome = trace.tasks[index].outcome;
            outcome.started() && outcome != TaskOutcome::Failed
        });
        let room = MAX_ENTRIES - failed.len();
        if chosen.len() > room && room > 0 {
            // Longest first; ties to the earlier task, so the choice does not depend on the sort.
            let longest_first = |&a: &usize, &b: &usize| {
                duration_ns(trace, b)
                    .cmp(&duration_ns(trace, a))
                    .then(a.cmp(&b))
            };
            chosen.select_nth_unstable_by(room - 1, longest_first);
        }
        chosen.truncate(room);
        chosen.extend(failed);
    }
    chosen.sort_by_key(|&index| (trace.tasks[index].root, index));
    chosen
}

/// One row before it is fitted: marker, id, subexpression, value, and the detail in three
/// forms: with the error's message (for the task that raised it), without, and short.
struct Row {
    marker: char,
    id: String,
    label: String,
    value: String,
    long_detail: String,
    detail: String,
    short_detail: String,
}

fn row(trace: &Trace, analysis: &Analysis, index: usize) -> Row {
    let task = &trace.tasks[index];
    let time = format_ns(duration_ns(trace, index) as f64);
    let worker = task.worker;
    let grouped = if task.n_nodes > 1 {
        format!(" ({} operators)", task.n_nodes)
    } else {
        String::new()
    };
    let reported = match &trace.ending {
        Ending::Failed { task, error, .. } if *task == index => Some(error.to_string()),
        _ => None,
    };
    let (marker, long_detail, detail, short_detail) = match task.outcome {
        TaskOutcome::Ran | TaskOutcome::Running => {
            let marker = if analysis.on_critical_path[index] {
                '*'
            } else {
                ' '
            };
            let verb = if task.outcome == TaskOutcome::Running {
                "running for "
            } else {
                ""
            };
            let detail = format!("{verb}{time} on worker {worker}{grouped}");
            (marker, detail.clone(), detail, format!("{time} w{worker}"))
        }
        TaskOutcome::Failed => {
            let detail = format!("failed after {time} on worker {worker}");
            (
                'x',
                reported.map_or_else(
                    || detail.clone(),
                    |message| format!("failed ({message}) after {time} on worker {worker}"),
                ),
                detail,
                format!("failed w{worker}"),
            )
        }
        TaskOutcome::Cancelled => {
            let detail = format!("stopped after {time} on worker {worker}");
            ('~', detail.clone(), detail, format!("stopped w{worker}"))
        }
        TaskOutcome::NotRun => {
            let detail = "not run".to_string();
            (' ', detail.clone(), detail.clone(), detail)
        }
    };
    let label = label::label(trace, index);
    Row {
        marker,
        id: label.id(),
        label: label.what.to_string(),
        value: label.value(text::MAX_CHARS),
        long_detail,
        detail,
        short_detail,
    }
}

pub(crate) fn legend(trace: &Trace, analysis: &Analysis, width: usize, color: Color) -> String {
    let width = text::view_width(width);
    let chosen = entries(trace);
    let mut out = String::new();
    if chosen.is_empty() {
        out.push_str("no tasks: the expression has no operator\n");
        return out;
    }
    let rows: Vec<Row> = chosen
        .iter()
        .map(|&index| row(trace, analysis, index))
        .collect();
    let widest = |column: fn(&Row) -> &str| {
        rows.iter()
            .map(|row| text::columns(column(row)))
            .max()
            .unwrap_or(0)
    };
    let id_width = widest(|row| &row.id);
    let value_width = widest(|row| &row.value).min((width / 5).max(6));
    let label_width = widest(|row| &row.label);
    // "m #id  label  = value  detail"
    let fixed = 2 + id_width + 2 + 2 + 2 + value_width + 2;
    let detail_width = widest(|row| &row.detail);
    let short = fixed + label_width.min(MIN_LABEL) + detail_width > width;
    let detail_width = if short {
        widest(|row| &row.short_detail)
    } else {
        detail_width
    };
    let label_width = label_width.min(width.saturating_sub(fixed + detail_width).max(5));
    let mut marks = [false; 2];
    for row in &rows {
        let detail = if short {
            &row.short_detail
        } else if fixed + label_width + text::columns(&row.long_detail) <= width {
            &row.long_detail
        } else {
            &row.detail
        };
        let line = format!(
            "  {:<label_width$}  = {:<value_width$}  {detail}",
            text::abbreviate(&row.label, label_width),
            text::abbreviate(&row.value, value_width),
        );
        let line = text::fit(line.trim_end(), width - 2 - id_width);
        out.push(row.marker);
        out.push(' ');
        let id_style = match row.marker {
            '*' => Style::fg(Hue::Red).bold(),
            'x' => Style::fg(Hue::Yellow).bold(),
            '~' => Style::fg(Hue::BrightBlack),
            _ => Style::fg(Hue::Cyan),
        };
        paint::push(&mut out, &format!("{:<id_width$}", row.id), id_style, color);
        out.push_str(&line);
        out.push('\n');
        for (mark, seen) in ['x', '~'].iter().zip(&mut marks) {
            *seen |= row.marker == *mark;
        }
    }
    let left_out = trace.tasks.len() - chosen.len();
    if left_out > 0 {
        let not_run = trace.count(TaskOutcome::NotRun);
        let note = if not_run > 0 {
            format!(
                "… {} not listed, {} of them not run (the {} longest are shown)",
                plural(text::thousands(left_out), "more task"),
                text::thousands(not_run),
                chosen.len()
            )
        } else {
            format!(
                "… {} not listed (the {} longest are shown)",
                plural(text::thousands(left_out), "more task"),
                chosen.len()
            )
        };
        for line in text::wrap(&note, width - 2, "  ") {
            let _ = writeln!(out, "  {line}");
        }
    }
    let mut keys: Vec<String> = Vec::new();
    if !analysis.critical_path.is_empty() {
        keys.push("* on the critical path (`=` blocks, `^` row)".to_string());
    }
    if marks[0] {
        keys.push("x failed (`x` blocks)".to_string());
    }
    if marks[1] {
        keys.push("~ stopped part way (`~` blocks)".to_string());
    }
    for key in keys {
        for line in text::wrap(&key, width, "  ") {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}
