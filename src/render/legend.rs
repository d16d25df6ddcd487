//! The legend under the chart: node id → subexpression → value, with each task's time and
//! worker, `*` marking the critical path.
//!
//! A legend lists at most [`MAX_ENTRIES`] tasks: for bigger traces, the longest ones, and it
//! says how many it left out. Picking them is a linear-time selection, never a sort of the
//! whole trace. This module does not compute any figure itself.

use std::fmt::Write as _;

use crate::render::Color;
use crate::render::paint::{self, Hue, Style};
use crate::render::text;
use crate::trace::Trace;
use crate::trace::analysis::{Analysis, duration_ns};
use crate::units::format_ns;

/// Most tasks a legend lists.
pub(crate) const MAX_ENTRIES: usize = 12;

/// The tasks the legend lists, by node id: all of them, or the longest [`MAX_ENTRIES`].
pub(crate) fn entries(trace: &Trace) -> Vec<usize> {
    let mut chosen: Vec<usize> = (0..trace.tasks.len()).collect();
    if chosen.len() > MAX_ENTRIES {
        // Longest first; ties to the earlier task, so the choice does not depend on the sort.
        let longest_first = |&a: &usize, &b: &usize| {
            duration_ns(trace, b)
                .cmp(&duration_ns(trace, a))
                .then(a.cmp(&b))
        };
        chosen.select_nth_unstable_by(MAX_ENTRIES - 1, longest_first);
        chosen.truncate(MAX_ENTRIES);
    }
    chosen.sort_by_key(|&index| (trace.tasks[index].root, index));
    chosen
}

pub(crate) fn legend(trace: &Trace, analysis: &Analysis, color: Color) -> String {
    let chosen = entries(trace);
    let mut out = String::new();
    if chosen.is_empty() {
        out.push_str("no tasks: the expression has no operator\n");
        return out;
    }
    let rows: Vec<[String; 4]> = chosen
        .iter()
        .map(|&index| {
            let task = &trace.tasks[index];
            let grouped = if task.n_nodes > 1 {
                format!(" ({} operators)", task.n_nodes)
            } else {
                String::new()
            };
            [
                task.root.to_string(),
                text::abbreviate(trace.label(index), text::MAX_CHARS),
                text::value(trace.value(index), text::MAX_CHARS),
                format!(
                    "{} on worker {}{grouped}",
                    format_ns(duration_ns(trace, index) as f64),
                    task.worker
                ),
            ]
        })
        .collect();
    let width = |column: usize| {
        rows.iter()
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (id_width, label_width, value_width) = (width(0), width(1), width(2));
    for (row, &index) in rows.iter().zip(&chosen) {
        let critical = analysis.on_critical_path[index];
        let marker = if critical { "*" } else { " " };
        let id = format!("{:<id_width$}", row[0]);
        out.push_str(marker);
        out.push(' ');
        let id_style = if critical {
            Style::fg(Hue::Red).bold()
        } else {
            Style::fg(Hue::Cyan)
        };
        paint::push(&mut out, &id, id_style, color);
        let line = format!(
            "  {:<label_width$}  = {:<value_width$}  {}",
            row[1], row[2], row[3]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let left_out = trace.tasks.len() - chosen.len();
    if left_out > 0 {
        let _ = writeln!(
            out,
            "  … {left_out} more {} not listed (the {} longest are shown)",
            if left_out == 1 { "task" } else { "tasks" },
            chosen.len()
        );
    }
    if analysis.critical_path.is_empty() {
        return out;
    }
    out.push_str("* on the critical path (`=` blocks, `^` row)\n");
    out
}
