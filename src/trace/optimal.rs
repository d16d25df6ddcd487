//! The optimal schedule of an evaluation whose tasks all take the same time: Hu's algorithm.
//!
//! With a delay, every operator takes the delay, so at grain 1 every task takes the same time,
//! and the task graph of an expression is an in-tree (each task feeds at most one consumer).
//! For unit tasks on an in-tree, Hu (1961) showed that the list schedule which, at each step,
//! runs the ready tasks of the highest *level* (the number of tasks on the path from the task to
//! the root, its own included) is optimal on any number of workers. So the best possible
//! makespan on P workers is computed exactly, by running that schedule step by step: no search,
//! `O(n log n)` for n tasks, no recursion.
//!
//! These are pure functions of a trace's task graph: they read no times but the settings the
//! trace ran with, and they refuse (return `None`) what the theorem does not cover: graphs that
//! are not in-forests, cycles, tasks of unequal sizes, runs without a delay, runs that failed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::trace::{Ending, Trace};

/// A task index meaning "no consumer".
const NONE: u32 = u32::MAX;

/// The optimal makespan of the trace's evaluation on `n_workers` workers, in nanoseconds: Hu's
/// schedule length in steps times the time of one task (the delay times the operators per
/// task). `None` unless the evaluation finished, ran with a delay, and all its tasks hold the
/// same number of operators.
pub fn optimal_ns(trace: &Trace, n_workers: usize) -> Option<u64> {
    if trace.ending != Ending::Finished || trace.context.delay.is_zero() {
        return None;
    }
    let n_nodes = trace.tasks.first()?.n_nodes;
    if trace.tasks.iter().any(|task| task.n_nodes != n_nodes) {
        return None;
    }
    let steps = hu_steps(trace, n_workers)?;
    let task_ns = trace.context.delay.as_nanos() as u64 * u64::from(n_nodes);
    Some(steps.saturating_mul(task_ns))
}

/// The length, in steps of one task time, of Hu's highest-level-first schedule of the trace's
/// task graph on `n_workers` workers (at least 1): the optimal makespan of unit tasks. `None`
/// if the graph is not an in-forest (a task feeding two consumers, an edge out of range) or has
/// a cycle. An empty trace takes 0 steps.
pub fn hu_steps(trace: &Trace, n_workers: usize) -> Option<u64> {
    let n_tasks = trace.tasks.len();
    let n_workers = n_workers.max(1);

    // Each task's consumer; a second consumer means this is not an in-forest.
    let mut consumer = vec![NONE; n_tasks];
    for task in 0..n_tasks {
        for &dep in trace.deps(task) {
            let slot = consumer.get_mut(dep as usize)?;
            if *slot != NONE || dep as usize == task {
                return None;
            }
            *slot = task as u32;
        }
    }

    // Levels, from the roots down: a root is at level 1, an operand one below its consumer.
    let mut level = vec![0u32; n_tasks];
    let mut frontier: Vec<u32> = (0..n_tasks as u32)
        .filter(|&task| consumer[task as usize] == NONE)
        .collect();
    for &root in &frontier {
        level[root as usize] = 1;
    }
    let mut n_levelled = frontier.len();
    while let Some(task) = frontier.pop() {
        let below = level[task as usize] + 1;
        for &dep in trace.deps(task as usize) {
            level[dep as usize] = below;
            frontier.push(dep);
            n_levelled += 1;
        }
    }
    if n_levelled != n_tasks {
        // Some tasks lead to no root: a cycle.
        return None;
    }

    // The list schedule: at each step, up to P ready tasks of the highest levels; the tasks
    // they make ready join at the next step.
    let mut pending: Vec<u32> = (0..n_tasks).map(|t| trace.deps(t).len() as u32).collect();
    let mut ready: BinaryHeap<(u32, Reverse<u32>)> = (0..n_tasks as u32)
        .filter(|&task| pending[task as usize] == 0)
        .map(|task| (level[task as usize], Reverse(task)))
        .collect();
    let mut steps: u64 = 0;
    let mut n_done = 0;
    let mut finished: Vec<u32> = Vec::with_capacity(n_workers.min(n_tasks));
    while !ready.is_empty() {
        finished.clear();
        while finished.len() < n_workers {
            let Some((_, Reverse(task))) = ready.pop() else {
                break;
            };
            finished.push(task);
        }
        steps += 1;
        n_done += finished.len();
        for &task in &finished {
            let next = consumer[task as usize];
            if next == NONE {
                continue;
            }
            pending[next as usize] -= 1;
            if pending[next as usize] == 0 {
                ready.push((level[next as usize], Reverse(next)));
            }
        }
    }
    (n_done == n_tasks).then_some(steps)
}

#[cfg(test)]
mod test {
    use std::time::Duration;

    use super::*;
    use crate::ast::NodeId;
    use crate::span::Span;
    use crate::trace::analysis::fixtures::{MS, Schedule, course_example};
    use crate::trace::{TaskOutcome, TaskTiming};

    /// A trace of unit tasks with the given operand lists (indices of earlier or later tasks).
    fn tree(deps: &[&[u32]]) -> Trace {
        let mut trace = Trace::new(1, "x".into());
        for (index, deps) in deps.iter().enumerate() {
            trace.push_task(
                TaskTiming {
                    root: NodeId(index as u32),
                    n_nodes: 1,
                    span: Span::new(0, 1),
                    worker: 0,
                    ready_ns: 0,
                    start_ns: 0,
                    end_ns: 0,
                    outcome: TaskOutcome::Ran,
                    kind: crate::trace::TaskKind::Nodes,
                    value: None,
                },
                deps,
            );
        }
        trace
    }

    #[track_caller]
    fn check_steps(trace: &Trace, expected: &[(usize, u64)]) {
        for &(n_workers, steps) in expected {
            assert_eq!(
                hu_steps(trace, n_workers),
                Some(steps),
                "on {n_workers} workers"
            );
        }
    }

    #[test]
    fn the_course_example() {
        // `(3 + 7) * (2 + 8) * ((2 * 3) - 1)`: three leaves' tasks, two in the middle, the root.
        // On 2 workers no schedule takes fewer than 4 steps: the root needs `#6` and `#11`
        // done, and before them all three leaf tasks, five tasks in three steps on two workers.
        let trace = course_example(Schedule::Three);
        check_steps(&trace, &[(1, 6), (2, 4), (3, 3), (4, 3), (1024, 3)]);
    }

    #[test]
    fn course_example_in_time() {
        // 200 ms on 2 workers at 50 ms per operator; 300 ms on 3 at 100 ms; 600 ms on 1.
        let mut trace = course_example(Schedule::Two);
        trace.context.delay = Duration::from_millis(50);
        assert_eq!(optimal_ns(&trace, 2), Some(200 * MS));
        trace.context.delay = Duration::from_millis(100);
        assert_eq!(optimal_ns(&trace, 2), Some(400 * MS));
        assert_eq!(optimal_ns(&trace, 3), Some(300 * MS));
        assert_eq!(optimal_ns(&trace, 1), Some(600 * MS));
    }

    #[test]
    fn only_for_finished_runs_of_equal_tasks_with_a_delay() {
        let mut trace = course_example(Schedule::Three);
        trace.context.delay = Duration::ZERO;
        assert_eq!(optimal_ns(&trace, 3), None, "no delay");
        trace.context.delay = Duration::from_millis(100);
        assert_eq!(optimal_ns(&trace, 3), Some(300 * MS));
        trace.ending = Ending::Cancelled;
        assert_eq!(optimal_ns(&trace, 3), None, "cancelled");
        trace.ending = Ending::Finished;
        trace.tasks[0].n_nodes = 2;
        assert_eq!(optimal_ns(&trace, 3), None, "unequal tasks");
    }

    #[test]
    fn highest_level_first_beats_leftmost_first() {
        // A chain of four tasks (0 → 1 → 2 → 3) and a root 6 over the chain's end and two
        // independent tasks 4, 5. On 2 workers the chain starts at once: {0, 4}, {1, 5}, {2},
        // {3}, {6}, 5 steps, the chain's length and the root's, so no schedule does better.
        let trace = tree(&[&[], &[0], &[1], &[2], &[], &[], &[3, 4, 5]]);
        check_steps(&trace, &[(1, 7), (2, 5), (3, 5)]);
    }

    #[test]
    fn where_a_naive_order_loses() {
        // Root 8 over a chain 0 → 1 → 2 and over five leaf tasks 3..=7. Hu starts the chain
        // first: on 2 workers 0+3, 1+4, 2+5, 6+7, 8 = 5 steps, which is optimal (9 tasks, two
        // workers, the root alone at the end). Running the leaves first would take 6.
        let trace = tree(&[
            &[],
            &[0],
            &[1],
            &[],
            &[],
            &[],
            &[],
            &[],
            &[2, 3, 4, 5, 6, 7],
        ]);
        check_steps(&trace, &[(1, 9), (2, 5), (3, 4), (6, 4)]);
    }

    #[test]
    fn a_balanced_tree() {
        // 15 tasks: 8 leaves, 4, 2, 1 (heap order, children of k are 2k + 1 and 2k + 2,
        // recorded leaves first). On 4 workers the leaves take two steps, then one step per
        // level: 5.
        let mut deps: Vec<Vec<u32>> = Vec::new();
        let index_of = |heap: usize| (14 - heap) as u32;
        for heap in (0..15).rev() {
            let children = [2 * heap + 1, 2 * heap + 2];
            deps.push(
                children
                    .into_iter()
                    .filter(|&child| child < 15)
                    .map(index_of)
                    .collect(),
            );
        }
        let deps: Vec<&[u32]> = deps.iter().map(Vec::as_slice).collect();
        let trace = tree(&deps);
        check_steps(&trace, &[(1, 15), (2, 8), (4, 5), (8, 4)]);
    }

    #[test]
    fn a_long_chain_without_recursion() {
        let deps: Vec<Vec<u32>> = (0..100_000u32)
            .map(|index| index.checked_sub(1).into_iter().collect())
            .collect();
        let deps: Vec<&[u32]> = deps.iter().map(Vec::as_slice).collect();
        check_steps(&tree(&deps), &[(1, 100_000), (4, 100_000)]);
    }

    #[test]
    fn not_an_in_tree() {
        // Task 0 feeds both 1 and 2; an edge out of range; a cycle; an empty trace.
        assert_eq!(hu_steps(&tree(&[&[], &[0], &[0, 1]]), 2), None);
        assert_eq!(hu_steps(&tree(&[&[7]]), 2), None);
        assert_eq!(hu_steps(&tree(&[&[1], &[0]]), 2), None);
        assert_eq!(hu_steps(&tree(&[]), 2), Some(0));
    }
}
