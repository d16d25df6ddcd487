//! The live schedule: a frame drawn while an evaluation runs, from a [`Snapshot`] of it, and
//! the chart left on the screen when it ends.
//!
//! A frame is a status line (time so far, tasks done) and the Gantt chart of the tasks started
//! so far: a running task ends in `>`, the axis ends now, and no critical path is marked (it is
//! not known before the end). A frame fits the width and at most `height` lines, so that the
//! front door can redraw it in place by moving the cursor up as many lines as it drew. This
//! module draws; the REPL decides when, and where the text goes.

use crate::render::gantt::{self, trim_zeros};
use crate::render::{Color, header, text};
use crate::trace::analysis;
use crate::trace::{Snapshot, Trace};
use crate::units::format_ns;

/// A frame of the evaluation `snapshot` shows, at most `width` columns and `height` lines.
pub(crate) fn frame(snapshot: &Snapshot, width: usize, height: usize, color: Color) -> String {
    let width = text::view_width(width);
    let parts = [
        format!(
            "running {}",
            trim_zeros(&format_ns(snapshot.elapsed_ns as f64))
        ),
        format!(
            "{} of {} tasks done",
            text::thousands(snapshot.n_done),
            text::thousands(snapshot.n_tasks)
        ),
        "Ctrl-C cancels".to_string(),
    ];
    let mut lines = text::join_wrapped(&parts, " · ", width);
    if let Some(trace) = &snapshot.trace {
        let mut analysis = analysis::analyze(trace);
        analysis.critical_path.clear();
        analysis.on_critical_path.fill(false);
        let chart = gantt::chart(trace, &analysis, width, color);
        let chart: Vec<&str> = chart.lines().collect();
        // The axis is the last two lines; lanes go first when the frame is too tall.
        let room = height.max(5).saturating_sub(lines.len());
        if chart.len() <= room {
            lines.extend(chart.iter().map(|line| (*line).to_string()));
        } else {
            let (worker_lanes, axis) = chart.split_at(chart.len().saturating_sub(2));
            let kept = room.saturating_sub(axis.len() + 1);
            lines.extend(worker_lanes[..kept].iter().map(|line| (*line).to_string()));
            lines.push(format!("… {} more lanes", worker_lanes.len() - kept));
            lines.extend(axis.iter().map(|line| (*line).to_string()));
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The chart left when the evaluation has ended: how it ended, what it ran with, and its
/// Gantt chart with the critical path.
pub(crate) fn final_chart(trace: &Trace, width: usize, color: Color) -> String {
    let analysis = analysis::analyze(trace);
    let mut out = header::header(trace, None, width, color);
    out.push_str(&gantt::chart(trace, &analysis, width, color));
    out
}
