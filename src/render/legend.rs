//! The legend under the chart: node id → what the task computed → value, with each task's time
//! and worker, or what became of it; `*` marks the critical path, `x` the task that failed, `~`
//! one stopped part way.
//!
//! A trace of at most [`MAX_ENTRIES`] tasks is listed whole, in the order of its nodes. A bigger
//! one is listed as a reader needs it: the critical path in full (up to [`MAX_CRITICAL`] tasks,
//! its two ends beyond), the tasks that failed, then the longest others; tasks of the same kind
//! and the same time (to two significant digits) are not listed one by one but summarised,
//! `… 7 more map chunks, 100 ms each`, and what is left after [`MAX_GROUPS`] such lines is
//! counted in one. Choosing is linear in the trace (a table of groups, then a sort of the
//! groups), never a sort of the whole trace. Rows fit the width: what the task computed is cut
//! in the middle first, then the time and worker are written short. This module does not
//! compute any figure itself.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::render::Color;
use crate::render::gantt::trim_zeros;
use crate::render::label;
use crate::render::paint::{self, Hue, Style};
use crate::render::text;
use crate::trace::analysis::{Analysis, duration_ns};
use crate::trace::{Ending, TaskOutcome, Trace};
use crate::units::{format_ns, plural};

/// A trace of at most this many tasks is listed whole; above, at most this many tasks off the
/// critical path are listed.
pub(crate) const MAX_ENTRIES: usize = 12;

/// Longest critical path listed in full; a longer one is listed by its two ends.
pub(crate) const MAX_CRITICAL: usize = 16;

/// Most lines summarising groups of equal tasks.
const MAX_GROUPS: usize = 2;

/// The subexpression column is never cut below this many characters while the detail can still
/// be written short.
const MIN_LABEL: usize = 12;

/// What a legend shows: the tasks it lists, by index, in order, and the lines that summarise
/// those it does not.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Selection {
    pub(crate) tasks: Vec<usize>,
    pub(crate) notes: Vec<String>,
}

/// The tasks a legend lists and the summary of the others.
pub(crate) fn entries(trace: &Trace, analysis: &Analysis) -> Selection {
    let n_tasks = trace.tasks.len();
    if n_tasks <= MAX_ENTRIES {
        let mut tasks: Vec<usize> = (0..n_tasks).collect();
        tasks.sort_by_key(|&index| (trace.tasks[index].root, index));
        return Selection {
            tasks,
            notes: Vec::new(),
        };
    }
    let mut selection = Selection::default();
    let mut listed = vec![false; n_tasks];
    let path = &analysis.critical_path;
    let half = MAX_CRITICAL / 2;
    for (place, &index) in path.iter().enumerate() {
        // A task of the path is accounted for here, listed or counted in the note below.
        listed[index as usize] = true;
        if path.len() <= MAX_CRITICAL || place < half || place >= path.len() - half {
            selection.tasks.push(index as usize);
        }
    }
    if path.len() > MAX_CRITICAL {
        selection.notes.push(format!(
            "… {} on the critical path between these",
            plural(text::thousands(path.len() - MAX_CRITICAL), "more task")
        ));
    }
    for (index, seen) in listed.iter_mut().enumerate() {
        if trace.tasks[index].outcome == TaskOutcome::Failed
            && !*seen
            && selection.tasks.len() < MAX_CRITICAL + MAX_ENTRIES
        {
            selection.tasks.push(index);
            *seen = true;
        }
    }
    // The others that started, by kind and time to two significant digits.
    let mut groups: HashMap<(&'static str, u64), Vec<usize>> = HashMap::new();
    for (index, &seen) in listed.iter().enumerate() {
        if !seen && trace.tasks[index].outcome.started() {
            let key = (
                label::kind_noun(trace, index),
                two_digits(duration_ns(trace, index)),
            );
            groups.entry(key).or_default().push(index);
        }
    }
    let mut groups: Vec<((&'static str, u64), Vec<usize>)> = groups.into_iter().collect();
    // Longest first; ties by the first task, so that the order does not depend on the table.
    groups.sort_by_key(|((_, ns), members)| (std::cmp::Reverse(*ns), members[0]));
    let mut room = MAX_ENTRIES;
    let mut group_lines = 0;
    let mut rest: Vec<(usize, u64)> = Vec::new();
    for ((noun, ns), members) in groups {
        if members.len() == 1 && room > 0 {
            selection.tasks.push(members[0]);
            room -= 1;
        } else if members.len() > 1 && group_lines < MAX_GROUPS {
            group_lines += 1;
            selection.notes.push(format!(
                "… {} more {noun}, {} each",
                text::thousands(members.len()),
                trim_zeros(&format_ns(ns as f64))
            ));
        } else {
            let longest = members
                .iter()
                .map(|&index| duration_ns(trace, index))
                .max()
                .unwrap_or(0);
            rest.push((members.len(), longest));
        }
    }
    let n_rest: usize = rest.iter().map(|&(count, _)| count).sum();
    if n_rest > 0 {
        let longest = rest.iter().map(|&(_, ns)| ns).max().unwrap_or(0);
        selection.notes.push(format!(
            "… {}, none longer than {}",
            plural(text::thousands(n_rest), "more task"),
            format_ns(longest as f64)
        ));
    }
    let not_run = trace.count(TaskOutcome::NotRun);
    if not_run > 0 {
        selection.notes.push(format!(
            "… {} not run",
            plural(text::thousands(not_run), "more task")
        ));
    }
    selection
}

/// `ns` rounded to two significant digits: tasks that slept the same delay fall together.
fn two_digits(ns: u64) -> u64 {
    let mut scale = 1;
    while ns / scale >= 100 {
        scale *= 10;
    }
    (ns + scale / 2) / scale * scale
}

/// One row before it is fitted: marker, id, subexpression, value, and the detail in three
/// forms: with the error's message (for the task that raised it), without, and short.
struct Row {
    marker: char,
    id: String,
    label: label::Label<'static>,
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
    let value = label.value(text::MAX_CHARS);
    Row {
        marker,
        id: label.id(),
        // The value is kept as text: the row owns what it shows.
        label: label::Label {
            what: label.what.into_owned().into(),
            short: label.short,
            node: label.node,
            value: None,
        },
        value,
        long_detail,
        detail,
        short_detail,
    }
}

pub(crate) fn legend(trace: &Trace, analysis: &Analysis, width: usize, color: Color) -> String {
    let width = text::view_width(width);
    let selection = entries(trace, analysis);
    let chosen = &selection.tasks;
    let mut out = String::new();
    if chosen.is_empty() && selection.notes.is_empty() {
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
    let label_width = rows
        .iter()
        .map(|row| text::columns(&row.label.what))
        .max()
        .unwrap_or(0);
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
            row.label.what(label_width),
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
    for note in &selection.notes {
        for line in text::wrap(note, width - 2, "  ") {
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
