//! Binning a trace into columns of time, for the charts drawn when tasks outnumber cells: the
//! terminal chart's shades and the SVG's bars both read [`busy_columns`].
//!
//! This is drawing arithmetic (how a lane maps onto cells), not a figure of the work–span
//! model, so it lives with the renderers; the figures come from `trace::analysis`.

use crate::trace::Trace;
use crate::trace::analysis::Analysis;

/// Busy time of each worker in each of `columns` equal columns of `column_ns` (row-major:
/// `busy[worker * columns + column]`), and the columns the critical path runs in: the data of
/// the aggregated charts drawn for traces with more tasks than cells. `column_of(ns)` is the
/// column an instant falls in. A task shorter than a column counts at least a nanosecond, so
/// it still shows; a task that never ran counts nothing.
pub(crate) fn busy_columns(
    trace: &Trace,
    analysis: &Analysis,
    columns: usize,
    column_ns: f64,
    column_of: impl Fn(u64) -> usize,
) -> (Vec<f64>, Vec<bool>) {
    let mut busy = vec![0.0f64; analysis.n_workers * columns];
    let mut critical_columns = vec![false; columns];
    for (index, task) in trace.tasks.iter().enumerate() {
        if !task.outcome.started() {
            continue;
        }
        let start = task.start_ns as f64;
        let end = task.end_ns.max(task.start_ns) as f64;
        let first = column_of(task.start_ns);
        let last = column_of(task.end_ns.max(task.start_ns));
        let lane = &mut busy[task.worker as usize * columns..][..columns];
        if first == last {
            lane[first] += (end - start).max(1.0);
        } else {
            lane[first] += (first + 1) as f64 * column_ns - start;
            for cell in &mut lane[first + 1..last] {
                *cell += column_ns;
            }
            lane[last] += end - last as f64 * column_ns;
        }
        if analysis.on_critical_path[index] {
            critical_columns[first..=last].fill(true);
        }
    }
    (busy, critical_columns)
}
