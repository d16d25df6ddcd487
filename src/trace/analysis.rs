//! The work–span model of one trace: work W, span S (the critical path), parallelism, speedup,
//! efficiency, per-worker busy time and Brent's bound; and what the model leaves out: the
//! scheduling overhead, and whether the tasks were too short to tell a schedule by.
//!
//! Only tasks that started count (a task that never ran has no duration and is on no path), so
//! the figures of a failed or cancelled evaluation cover the tasks that ran. The *scheduling
//! overhead* is the wall time minus what the tasks account for: the length of the measured
//! schedule with its gaps closed (each task moved as early as its operands and the previous task
//! on its worker allow). Tasks are *too short* when their median lasts less than a microsecond or
//! less than the overhead per task: then the chart shows the scheduler, not the arithmetic.
//!
//! Everything here is a pure function of a [`Trace`]: no clock, no threads, no drawing. The
//! span is the longest path through the task graph weighted by the measured task durations,
//! computed in one pass over the tasks in dependency order (Kahn's algorithm), without
//! recursion, so a two-million-task trace of a deep tree is as safe as a six-task one. The
//! module does not assume that submission order is topological, and it tolerates malformed
//! traces (dependency indices out of range, cycles) by ignoring the offending edges rather than
//! panicking.

use crate::trace::Trace;

/// Tasks with a median duration below this are too short to time a schedule by.
pub const SHORT_TASK_NS: u64 = 1_000;

/// How far above Brent's bound the schedule with its gaps closed may be before it is called
/// not greedy: durations measured on a shared machine carry that much noise.
const GREEDY_TOLERANCE: f64 = 0.02;

/// The figures of the work–span model for one trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// Size of the pool, P (at least the number of lanes any task used).
    pub n_workers: usize,
    /// Measured wall time of the evaluation.
    pub wall_ns: u64,
    /// Total work W: the sum of all task durations.
    pub work_ns: u64,
    /// Span S: the length of the critical path.
    pub span_ns: u64,
    /// Busy time of each worker, indexed by worker.
    pub busy_ns: Vec<u64>,
    /// `on_critical_path[i]` tells whether task `i` lies on the critical path.
    pub on_critical_path: Vec<bool>,
    /// The critical path as task indices, first task first.
    pub critical_path: Vec<u32>,
    /// Tasks that started (ran, failed or stopped part way).
    pub n_started: usize,
    /// The median duration of the tasks that started.
    pub median_task_ns: u64,
    /// What the tasks account for: the length of the measured schedule with its gaps closed.
    pub compressed_ns: u64,
}

/// What a trace's wall time says about its schedule, beside Brent's bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The tasks are too short to tell: scheduling costs more than they do.
    TooShort,
    /// Wall ≤ (W − S)/P + S.
    WithinBound,
    /// Above the bound, but only by the scheduling overhead: with the gaps closed, the schedule
    /// is within it.
    Overhead,
    /// Even with the gaps closed the schedule is above the bound: it left a worker idle while a
    /// task was ready.
    NotGreedy,
}

/// The duration of task `index`, zero if its end precedes its start.
pub fn duration_ns(trace: &Trace, index: usize) -> u64 {
    let task = &trace.tasks[index];
    task.end_ns.saturating_sub(task.start_ns)
}

/// Computes the work–span figures of `trace`.
pub fn analyze(trace: &Trace) -> Analysis {
    let n_tasks = trace.tasks.len();
    let n_workers = trace.n_lanes();

    let mut work_ns: u64 = 0;
    let mut busy_ns = vec![0u64; n_workers];
    let mut durations: Vec<u64> = Vec::new();
    for (index, task) in trace.tasks.iter().enumerate() {
        if !task.outcome.started() {
            continue;
        }
        let duration = duration_ns(trace, index);
        durations.push(duration);
        work_ns = work_ns.saturating_add(duration);
        busy_ns[task.worker as usize] = busy_ns[task.worker as usize].saturating_add(duration);
    }

    let (critical_path, span_ns) = critical_path(trace);
    let mut on_critical_path = vec![false; n_tasks];
    for &index in &critical_path {
        on_critical_path[index as usize] = true;
    }

    let n_started = durations.len();
    let median_task_ns = if durations.is_empty() {
        0
    } else {
        // The lower median: of two tasks, the shorter. The first task of an evaluation often
        // waits for a worker to wake up, and must not make tiny tasks look long enough to tell.
        let middle = (durations.len() - 1) / 2;
        *durations.select_nth_unstable(middle).1
    };
    Analysis {
        n_workers,
        wall_ns: trace.wall_ns,
        work_ns,
        span_ns,
        busy_ns,
        on_critical_path,
        critical_path,
        n_started,
        median_task_ns,
        compressed_ns: compressed_makespan(trace, n_workers),
    }
}

/// The measured schedule with its gaps closed: the tasks that started, in the order they
/// started, each on its own worker, moved as early as its operands and the previous task on its
/// worker allow. Its length is what the tasks themselves account for.
fn compressed_makespan(trace: &Trace, n_lanes: usize) -> u64 {
    let n_tasks = trace.tasks.len();
    let mut order: Vec<u32> = (0..n_tasks as u32)
        .filter(|&index| trace.tasks[index as usize].outcome.started())
        .collect();
    order.sort_unstable_by_key(|&index| (trace.tasks[index as usize].start_ns, index));
    let mut end = vec![0u64; n_tasks];
    let mut lane_free = vec![0u64; n_lanes];
    let mut makespan = 0;
    for &index in &order {
        let index = index as usize;
        let lane = trace.tasks[index].worker as usize;
        let ready = trace
            .deps(index)
            .iter()
            .filter_map(|&dep| end.get(dep as usize))
            .copied()
            .max()
            .unwrap_or(0);
        let start = ready.max(lane_free.get(lane).copied().unwrap_or(0));
        end[index] = start.saturating_add(duration_ns(trace, index));
        if let Some(free) = lane_free.get_mut(lane) {
            *free = end[index];
        }
        makespan = makespan.max(end[index]);
    }
    makespan
}

/// The longest path through the task graph, weighted by measured durations, and its length.
///
/// Dependencies are visited before dependents through a queue of tasks whose dependencies have
/// all been seen (Kahn's algorithm). Edges naming a task out of range are ignored; tasks caught
/// in a cycle are never reached and contribute nothing.
fn critical_path(trace: &Trace) -> (Vec<u32>, u64) {
    let n_tasks = trace.tasks.len();
    let valid = |dep: u32| (dep as usize) < n_tasks;
    let started = |index: usize| trace.tasks[index].outcome.started();

    // Dependents in a flat adjacency table (counting sort by dependency).
    let mut n_waiting = vec![0u32; n_tasks];
    let mut n_dependents = vec![0u32; n_tasks + 1];
    for (index, waiting) in n_waiting.iter_mut().enumerate() {
        for &dep in trace.deps(index).iter().filter(|&&dep| valid(dep)) {
            *waiting += 1;
            n_dependents[dep as usize + 1] += 1;
        }
    }
    for index in 0..n_tasks {
        n_dependents[index + 1] += n_dependents[index];
    }
    let offsets = n_dependents;
    let mut fill = offsets.clone();
    let mut dependents = vec![0u32; offsets[n_tasks] as usize];
    for index in 0..n_tasks {
        for &dep in trace.deps(index).iter().filter(|&&dep| valid(dep)) {
            dependents[fill[dep as usize] as usize] = index as u32;
            fill[dep as usize] += 1;
        }
    }

    // `finish[i]`: the longest path ending with task i, inclusive; `best_dep[i]`: the
    // dependency that path comes through.
    let mut finish = vec![0u64; n_tasks];
    let mut best_dep = vec![u32::MAX; n_tasks];
    let mut queue: Vec<u32> = (0..n_tasks as u32)
        .filter(|&index| n_waiting[index as usize] == 0)
        .collect();
    let mut head = 0;
    while head < queue.len() {
        let index = queue[head] as usize;
        head += 1;
        finish[index] = finish[index].saturating_add(duration_ns(trace, index));
        let range = offsets[index] as usize..offsets[index + 1] as usize;
        for &dependent in &dependents[range] {
            let dependent = dependent as usize;
            let better = best_dep[dependent] == u32::MAX || finish[index] > finish[dependent];
            if started(index) && better {
                finish[dependent] = finish[index];
                best_dep[dependent] = index as u32;
            }
            n_waiting[dependent] -= 1;
            if n_waiting[dependent] == 0 {
                queue.push(dependent as u32);
            }
        }
    }

    // The end of the critical path is a reached task that started with the largest finish;
    // ties go to the task submitted last (at grain 1, the root).
    let Some(last) = queue
        .iter()
        .copied()
        .filter(|&index| started(index as usize))
        .max_by_key(|&index| (finish[index as usize], index))
    else {
        return (Vec::new(), 0);
    };
    let span_ns = finish[last as usize];
    let mut path = vec![last];
    let mut current = last;
    while best_dep[current as usize] != u32::MAX {
        current = best_dep[current as usize];
        path.push(current);
    }
    path.reverse();
    (path, span_ns)
}

impl Analysis {
    /// Parallelism W/S: the speedup an unbounded pool could reach; `None` when S is zero.
    pub fn parallelism(&self) -> Option<f64> {
        ratio(self.work_ns as f64, self.span_ns as f64)
    }

    /// Achieved speedup W/wall; `None` when the wall time is zero.
    pub fn speedup(&self) -> Option<f64> {
        ratio(self.work_ns as f64, self.wall_ns as f64)
    }

    /// Efficiency W/(P·wall): the fraction of the pool's time spent on tasks.
    pub fn efficiency(&self) -> Option<f64> {
        ratio(
            self.work_ns as f64,
            self.n_workers as f64 * self.wall_ns as f64,
        )
    }

    /// Brent's bound (W − S)/P + S: a greedy schedule on P workers never takes longer.
    pub fn brent_bound_ns(&self) -> f64 {
        brent_bound_ns(self.work_ns, self.span_ns, self.n_workers)
    }

    /// The scheduling overhead: wall time minus what the tasks account for.
    pub fn overhead_ns(&self) -> u64 {
        self.wall_ns.saturating_sub(self.compressed_ns)
    }

    /// Are the tasks too short to time a schedule by? Their median lasts less than
    /// [`SHORT_TASK_NS`], or less than the scheduling overhead per task.
    pub fn tasks_too_short(&self) -> bool {
        if self.n_started == 0 {
            return false;
        }
        let overhead_per_task = self.overhead_ns() / self.n_started as u64;
        self.median_task_ns < SHORT_TASK_NS.max(overhead_per_task)
    }

    /// What the wall time says beside Brent's bound.
    pub fn verdict(&self) -> Verdict {
        let brent = self.brent_bound_ns();
        if self.tasks_too_short() {
            Verdict::TooShort
        } else if self.wall_ns as f64 <= brent * (1.0 + 1e-9) {
            Verdict::WithinBound
        } else if self.compressed_ns as f64 <= brent * (1.0 + GREEDY_TOLERANCE) {
            Verdict::Overhead
        } else {
            Verdict::NotGreedy
        }
    }

    /// max(W/P, S): the work law and the span law; no schedule on P workers is faster.
    pub fn lower_bound_ns(&self) -> f64 {
        (self.work_ns as f64 / self.n_workers.max(1) as f64).max(self.span_ns as f64)
    }

    /// Fraction of the wall time worker `worker` spent running tasks.
    pub fn busy_fraction(&self, worker: usize) -> Option<f64> {
        ratio(self.busy_ns[worker] as f64, self.wall_ns as f64)
    }
}

/// Brent's bound (W − S)/P + S for `n_workers` workers (P taken as at least 1).
pub fn brent_bound_ns(work_ns: u64, span_ns: u64, n_workers: usize) -> f64 {
    work_ns.saturating_sub(span_ns) as f64 / n_workers.max(1) as f64 + span_ns as f64
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::trace::analysis::fixtures::{self, Schedule, course_example};

    const MS: u64 = 1_000_000;

    #[test]
    fn course_example_on_three_workers() {
        let trace = course_example(Schedule::Three);
        let analysis = analyze(&trace);
        assert_eq!(analysis.work_ns, 600 * MS);
        assert_eq!(analysis.span_ns, 300 * MS);
        assert_eq!(analysis.parallelism(), Some(2.0));
        assert_eq!(analysis.brent_bound_ns(), 400.0 * MS as f64);
        assert_eq!(analysis.wall_ns, 300 * MS);
        assert_eq!(analysis.speedup(), Some(2.0));
        assert_eq!(analysis.efficiency(), Some(2.0 / 3.0));
        assert_eq!(analysis.busy_ns, vec![300 * MS, 200 * MS, 100 * MS]);
        assert_eq!(analysis.busy_fraction(2), Some(1.0 / 3.0));
    }

    #[track_caller]
    fn check_figures(schedule: Schedule, wall_ms: u64, busy_ms: &[u64]) {
        let analysis = analyze(&course_example(schedule));
        assert_eq!(analysis.work_ns, 600 * MS, "work");
        assert_eq!(analysis.span_ns, 300 * MS, "span");
        assert_eq!(analysis.wall_ns, wall_ms * MS, "wall");
        let busy: Vec<u64> = analysis.busy_ns.iter().map(|ns| ns / MS).collect();
        assert_eq!(busy, busy_ms, "busy");
        // Work law, span law and Brent's bound hold for each of these greedy schedules.
        let wall = analysis.wall_ns as f64;
        let n_workers = analysis.n_workers as f64;
        assert!(wall >= analysis.work_ns as f64 / n_workers);
        assert!(wall >= analysis.span_ns as f64);
        assert!(wall <= analysis.brent_bound_ns());
    }

    #[test]
    fn course_example_on_one_to_four_workers() {
        check_figures(Schedule::One, 600, &[600]);
        check_figures(Schedule::Two, 400, &[300, 300]);
        check_figures(Schedule::Three, 300, &[300, 200, 100]);
        check_figures(Schedule::Four, 300, &[300, 200, 100, 0]);
    }

    #[test]
    fn critical_path_of_the_course_example() {
        let trace = course_example(Schedule::Three);
        let analysis = analyze(&trace);
        // Either left operand chain has length 300 ms; the path ends at the root.
        let labels: Vec<&str> = analysis
            .critical_path
            .iter()
            .map(|&index| trace.label(index as usize))
            .collect();
        assert_eq!(labels.len(), 3);
        assert_eq!(
            labels[2], "(3 + 7) * (2 + 8) * ((2 * 3) - 1)",
            "the path ends at the root"
        );
        let marked = analysis.on_critical_path.iter().filter(|&&on| on).count();
        assert_eq!(marked, 3);
    }

    #[test]
    fn longest_path_uses_durations_not_depth() {
        // a (10) -> c (10); b (50) -> c. The heavier operand decides the span.
        let mut trace = Trace::new(2, "a b c".into());
        let a = push(&mut trace, 0, 0, 10, &[]);
        let b = push(&mut trace, 1, 0, 50, &[]);
        push(&mut trace, 0, 50, 60, &[a, b]);
        let analysis = analyze(&trace);
        assert_eq!(analysis.span_ns, 60);
        assert_eq!(analysis.critical_path, vec![1, 2]);
        assert_eq!(analysis.work_ns, 70);
    }

    #[test]
    fn submission_order_need_not_be_topological() {
        // Task 0 depends on task 2, which depends on task 1: a chain recorded out of order.
        let mut trace = Trace::new(1, "x".into());
        push(&mut trace, 0, 20, 30, &[2]);
        push(&mut trace, 0, 0, 10, &[]);
        push(&mut trace, 0, 10, 20, &[1]);
        let analysis = analyze(&trace);
        assert_eq!(analysis.span_ns, 30);
        assert_eq!(analysis.critical_path, vec![1, 2, 0]);
    }

    #[test]
    fn malformed_traces_do_not_panic() {
        let mut trace = Trace::new(1, "x".into());
        // An edge to a task that does not exist, a task whose end precedes its start, and a
        // worker index beyond the pool.
        push(&mut trace, 0, 0, 10, &[99]);
        push(&mut trace, 3, 10, 5, &[0]);
        let analysis = analyze(&trace);
        assert_eq!(analysis.work_ns, 10);
        assert_eq!(analysis.span_ns, 10);
        assert_eq!(analysis.n_workers, 4);

        let empty = analyze(&Trace::new(2, "1".into()));
        assert_eq!(empty.work_ns, 0);
        assert_eq!(empty.span_ns, 0);
        assert_eq!(empty.parallelism(), None);
        assert_eq!(empty.speedup(), None);
        assert!(empty.critical_path.is_empty());

        // A cycle is never reached and adds nothing to the span.
        let mut cycle = Trace::new(1, "x".into());
        push(&mut cycle, 0, 0, 10, &[1]);
        push(&mut cycle, 0, 10, 20, &[0]);
        assert_eq!(analyze(&cycle).span_ns, 0);
    }

    #[test]
    fn a_long_chain_is_handled_without_recursion() {
        let mut trace = Trace::new(1, "x".into());
        let n_tasks = 200_000u64;
        for index in 0..n_tasks {
            let deps: Vec<u32> = if index == 0 {
                vec![]
            } else {
                vec![index as u32 - 1]
            };
            push(&mut trace, 0, index, index + 1, &deps);
        }
        let analysis = analyze(&trace);
        assert_eq!(analysis.span_ns, n_tasks);
        assert_eq!(analysis.critical_path.len(), n_tasks as usize);
    }

    #[test]
    fn failed_runs_count_only_the_tasks_that_started() {
        let trace = fixtures::failed_example();
        let analysis = analyze(&trace);
        assert_eq!(analysis.n_started, 2);
        assert_eq!(analysis.work_ns, 100_020_000);
        // The path ends at a task that ran, never at one that was skipped.
        assert_eq!(analysis.critical_path, vec![1]);
        assert_eq!(analysis.span_ns, 50_020_000);
        assert_eq!(analysis.verdict(), Verdict::WithinBound);
    }

    #[test]
    fn tiny_tasks_are_too_short_to_tell() {
        let analysis = analyze(&fixtures::tiny_example());
        assert!(analysis.median_task_ns < SHORT_TASK_NS, "{analysis:?}");
        assert!(analysis.tasks_too_short());
        // The tasks account for well under a microsecond each: the rest of the 30 µs is
        // handing them from worker to worker.
        assert!(analysis.compressed_ns < 1_000, "{analysis:?}");
        assert_eq!(analysis.overhead_ns(), 30_000 - analysis.compressed_ns);
        assert!(analysis.wall_ns as f64 > analysis.brent_bound_ns());
        assert_eq!(analysis.verdict(), Verdict::TooShort);
    }

    #[test]
    fn a_slow_first_task_does_not_make_tiny_tasks_long_enough_to_tell() {
        // As a failed run without a delay: the first task waited 10 µs for its worker to wake
        // up, the second took 700 ns, and the wall time is mostly handing them over.
        let mut trace = Trace::new(2, "(1 + 2) * (3 / 0)".into());
        push(&mut trace, 0, 0, 10_000, &[]);
        push(&mut trace, 0, 12_000, 12_700, &[]);
        trace.wall_ns = 17_000;
        let analysis = analyze(&trace);
        assert_eq!(analysis.median_task_ns, 700);
        assert_eq!(analysis.verdict(), Verdict::TooShort);
    }

    #[test]
    fn gaps_are_overhead_and_an_idle_worker_is_not_greedy() {
        // The two-worker course schedule with a gap of 20 ms more before each task: above Brent's
        // bound only by the gaps.
        let mut gapped = course_example(Schedule::Two);
        for (index, task) in gapped.tasks.iter_mut().enumerate() {
            let shift = (index as u64 + 1) * 20 * MS;
            task.start_ns += shift;
            task.end_ns += shift;
        }
        gapped.wall_ns = gapped.tasks.iter().map(|task| task.end_ns).max().unwrap();
        let analysis = analyze(&gapped);
        assert_eq!(analysis.compressed_ns, 400 * MS);
        assert_eq!(analysis.overhead_ns(), analysis.wall_ns - 400 * MS);
        assert!(analysis.wall_ns as f64 > analysis.brent_bound_ns());
        assert_eq!(analysis.verdict(), Verdict::Overhead);

        // Every task on worker 0 of a pool of two: worker 1 idles while tasks are ready.
        let mut serial = course_example(Schedule::One);
        serial.n_workers = 2;
        let analysis = analyze(&serial);
        assert_eq!(analysis.compressed_ns, 600 * MS);
        assert_eq!(analysis.verdict(), Verdict::NotGreedy);

        assert_eq!(
            analyze(&course_example(Schedule::Three)).verdict(),
            Verdict::WithinBound
        );
    }

    fn push(trace: &mut Trace, worker: u32, start_ns: u64, end_ns: u64, deps: &[u32]) -> u32 {
        trace.push_task(
            crate::trace::TaskTiming {
                root: crate::ast::NodeId(trace.tasks.len() as u32),
                n_nodes: 1,
                span: crate::span::Span::new(0, 1),
                worker,
                ready_ns: start_ns,
                start_ns,
                end_ns,
                outcome: crate::trace::TaskOutcome::Ran,
                kind: crate::trace::TaskKind::Nodes,
                value: None,
            },
            deps,
        )
    }
}

/// Hand-made traces shared by the tests of the analysis and of the renderers: no threads, no
/// clock.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::ast::NodeId;
    use crate::error::{ErrorKind, NumError};
    use crate::num::Value;
    use crate::span::Span;
    use crate::trace::{Ending, TaskOutcome, TaskTiming, Trace};

    pub(crate) const MS: u64 = 1_000_000;

    /// The course example, whose value is 500.
    pub(crate) const COURSE_SOURCE: &str = "(3 + 7) * (2 + 8) * ((2 * 3) - 1)";

    /// Hand-made greedy schedules of the course example, one per pool size.
    #[derive(Clone, Copy, Debug)]
    pub(crate) enum Schedule {
        One,
        Two,
        Three,
        /// Three workers' schedule on a pool of four: worker 3 stays idle.
        Four,
    }

    /// The course example's six operator tasks at 100 ms each (a delay of 100 ms), scheduled as
    /// `schedule` says.
    ///
    /// Node ids are the post-order ids the parser gives: `#2` is `3 + 7`, `#5` is `2 + 8`, `#6`
    /// is `(3 + 7) * (2 + 8)`, `#9` is `2 * 3`, `#11` is `(2 * 3) - 1`, `#12` the root.
    pub(crate) fn course_example(schedule: Schedule) -> Trace {
        // (node id, span, value, dependencies as task indices)
        type Row = (u32, (usize, usize), i64, &'static [u32]);
        // (worker, start in units of 100 ms) for the tasks #2, #5, #9, #6, #11, #12.
        let placement: [(u32, u64); 6] = match schedule {
            Schedule::One => [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5)],
            Schedule::Two => [(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 3)],
            Schedule::Three | Schedule::Four => [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (0, 2)],
        };
        let n_workers = match schedule {
            Schedule::One => 1,
            Schedule::Two => 2,
            Schedule::Three => 3,
            Schedule::Four => 4,
        };
        let rows: [Row; 6] = [
            (2, (1, 6), 10, &[]),
            (5, (11, 16), 10, &[]),
            (9, (22, 27), 6, &[]),
            (6, (0, 17), 100, &[0, 1]),
            (11, (21, 32), 5, &[2]),
            (12, (0, 33), 500, &[3, 4]),
        ];
        let tasks: Vec<Task> = rows
            .into_iter()
            .zip(placement)
            .map(|((node, span, value, deps), (worker, slot))| Task {
                node,
                span,
                value: Some(value),
                deps,
                worker,
                start_ns: slot * 100 * MS,
                end_ns: (slot + 1) * 100 * MS,
                outcome: TaskOutcome::Ran,
            })
            .collect();
        let mut trace = hand_written(COURSE_SOURCE, n_workers, &tasks);
        trace.context.delay = std::time::Duration::from_millis(100);
        trace
    }

    /// A balanced reduction of `n_tasks` tasks (a heap: task k combines tasks 2k + 1 and
    /// 2k + 2), submitted leaves first and placed on the earliest free of `n_workers` workers,
    /// with uneven durations of a few microseconds.
    pub(crate) fn balanced_reduction(n_tasks: usize, n_workers: usize) -> Trace {
        let mut source = String::new();
        let mut token_spans = Vec::with_capacity(n_tasks + 1);
        for number in 1..=n_tasks + 1 {
            if number > 1 {
                source.push_str(" + ");
            }
            let start = source.len();
            source.push_str(&number.to_string());
            token_spans.push((start, source.len()));
        }
        let mut trace = Trace::new(n_workers, source.into());
        let mut free_at = vec![0u64; n_workers];
        let mut end_of = vec![0u64; n_tasks];
        let mut index_of = vec![0u32; n_tasks];
        for heap_index in (0..n_tasks).rev() {
            let deps: Vec<u32> = [2 * heap_index + 1, 2 * heap_index + 2]
                .into_iter()
                .filter(|&child| child < n_tasks)
                .map(|child| index_of[child])
                .collect();
            let ready_ns = [2 * heap_index + 1, 2 * heap_index + 2]
                .into_iter()
                .filter(|&child| child < n_tasks)
                .map(|child| end_of[child])
                .max()
                .unwrap_or(0);
            let (worker, _) = free_at
                .iter()
                .enumerate()
                .min_by_key(|&(worker, &free)| (free.max(ready_ns), worker))
                .unwrap_or((0, &0));
            let start_ns = free_at[worker].max(ready_ns);
            let duration_ns = 1_000 + (heap_index as u64 * 7_919) % 5_000;
            let end_ns = start_ns + duration_ns;
            free_at[worker] = end_ns;
            end_of[heap_index] = end_ns;
            let (start, _) = token_spans[heap_index];
            let (_, end) = token_spans[heap_index + 1];
            index_of[heap_index] = trace.push_task(
                TaskTiming {
                    root: NodeId(2 * (n_tasks - heap_index) as u32),
                    n_nodes: 1,
                    span: Span::new(start, end),
                    worker: worker as u32,
                    ready_ns,
                    start_ns,
                    end_ns,
                    outcome: crate::trace::TaskOutcome::Ran,
                    kind: crate::trace::TaskKind::Nodes,
                    value: Some(Value::Int((heap_index as i64 * 31).into())),
                },
                &deps,
            );
        }
        trace.wall_ns = end_of.first().copied().unwrap_or(0);
        trace
    }

    /// One task of a hand-written trace: node id, span, value, operand tasks, worker, start and
    /// end in nanoseconds, outcome.
    pub(crate) struct Task {
        pub(crate) node: u32,
        pub(crate) span: (usize, usize),
        pub(crate) value: Option<i64>,
        pub(crate) deps: &'static [u32],
        pub(crate) worker: u32,
        pub(crate) start_ns: u64,
        pub(crate) end_ns: u64,
        pub(crate) outcome: TaskOutcome,
    }

    /// A [`Task`] from its fields in order (times in microseconds), so that a table of tasks
    /// reads as one row each.
    #[expect(
        clippy::too_many_arguments,
        reason = "a table of tasks reads as one row each"
    )]
    pub(crate) fn task(
        node: u32,
        span: (usize, usize),
        value: Option<i64>,
        deps: &'static [u32],
        worker: u32,
        start_us: u64,
        end_us: u64,
        outcome: TaskOutcome,
    ) -> Task {
        Task {
            node,
            span,
            value,
            deps,
            worker,
            start_ns: start_us * 1_000,
            end_ns: end_us * 1_000,
            outcome,
        }
    }

    /// A trace of `tasks` on `n_workers`, its wall time the latest end.
    pub(crate) fn hand_written(source: &str, n_workers: usize, tasks: &[Task]) -> Trace {
        let mut trace = Trace::new(n_workers, source.into());
        let mut ends: Vec<u64> = Vec::new();
        for task in tasks {
            let ready_ns = task
                .deps
                .iter()
                .map(|&dep| ends[dep as usize])
                .max()
                .unwrap_or(0);
            ends.push(task.end_ns);
            trace.push_task(
                TaskTiming {
                    root: NodeId(task.node),
                    n_nodes: 1,
                    span: Span::new(task.span.0, task.span.1),
                    worker: task.worker,
                    ready_ns,
                    start_ns: task.start_ns,
                    end_ns: task.end_ns,
                    outcome: task.outcome,
                    kind: crate::trace::TaskKind::Nodes,
                    value: task.value.map(|value| Value::Int(value.into())),
                },
                task.deps,
            );
        }
        trace.wall_ns = ends.into_iter().max().unwrap_or(0);
        trace
    }

    /// `(1 + 2) * (3 / 0) + (4 * 5)` on 2 workers at 50 ms per operator: `3 / 0` fails when
    /// its delay is over, `4 * 5` and the two tasks above the failure never start.
    pub(crate) fn failed_example() -> Trace {
        use TaskOutcome::{Failed, NotRun, Ran};
        let mut trace = hand_written(
            "(1 + 2) * (3 / 0) + (4 * 5)",
            2,
            &[
                task(2, (1, 6), Some(3), &[], 0, 0, 50_000, Ran),
                task(5, (11, 16), None, &[], 1, 0, 50_020, Failed),
                task(6, (0, 17), None, &[0, 1], 1, 50_020, 50_020, NotRun),
                task(9, (21, 26), None, &[], 0, 50_030, 50_030, NotRun),
                task(10, (0, 27), None, &[2, 3], 0, 50_030, 50_030, NotRun),
            ],
        );
        trace.context.delay = std::time::Duration::from_millis(50);
        trace.ending = Ending::Failed {
            task: 1,
            node: NodeId(5),
            error: ErrorKind::Num(NumError::ZeroDivision("division by zero")),
        };
        trace
    }

    /// The course example on 2 workers at 100 ms per operator, cancelled at 150 ms: two tasks
    /// ran, two were stopped half way, two never started.
    pub(crate) fn cancelled_example() -> Trace {
        use TaskOutcome::{Cancelled, NotRun, Ran};
        let mut trace = hand_written(
            COURSE_SOURCE,
            2,
            &[
                task(2, (1, 6), Some(10), &[], 0, 0, 100_000, Ran),
                task(5, (11, 16), Some(10), &[], 1, 0, 100_000, Ran),
                task(9, (22, 27), None, &[], 0, 100_000, 150_000, Cancelled),
                task(6, (0, 17), None, &[0, 1], 1, 100_000, 150_000, Cancelled),
                task(11, (21, 32), None, &[2], 0, 150_000, 150_000, NotRun),
                task(12, (0, 33), None, &[3, 4], 0, 150_000, 150_000, NotRun),
            ],
        );
        trace.context.delay = std::time::Duration::from_millis(100);
        trace.ending = Ending::Cancelled;
        trace
    }

    /// The course example on 2 workers without a delay: tasks of about 200 ns, spread over
    /// 30 µs by the cost of handing them from worker to worker.
    pub(crate) fn tiny_example() -> Trace {
        // (node, span, value, operand tasks, worker, start in ns)
        type Tiny = (u32, (usize, usize), i64, &'static [u32], u32, u64);
        let tasks: [Tiny; 6] = [
            (2, (1, 6), 10, &[], 0, 12_000),
            (5, (11, 16), 10, &[], 1, 19_000),
            (9, (22, 27), 6, &[], 0, 12_400),
            (6, (0, 17), 100, &[0, 1], 1, 19_300),
            (11, (21, 32), 5, &[2], 0, 12_700),
            (12, (0, 33), 500, &[3, 4], 1, 29_500),
        ];
        let tasks: Vec<Task> = tasks
            .into_iter()
            .map(|(node, span, value, deps, worker, start_ns)| Task {
                node,
                span,
                value: Some(value),
                deps,
                worker,
                start_ns,
                end_ns: start_ns + 180 + u64::from(node) * 5,
                outcome: TaskOutcome::Ran,
            })
            .collect();
        let mut trace = hand_written(COURSE_SOURCE, 2, &tasks);
        trace.wall_ns = 30_000;
        trace
    }
}
