//! The slots tasks write their times into, and the [`Watch`] through which a live view reads
//! them while the evaluation runs.
//!
//! Every task has a preallocated slot of two atomic words: its start time packed with its state
//! (running, ran, failed, stopped, not run) and its worker, and its end time. The worker that
//! runs a task writes the start word when it starts and both words when it ends, with no lock
//! and one clock read per instant. When the evaluation ends the engine assembles the trace from
//! the slots. A [`Watch`] handed in through `EvalOptions` receives a handle to the same slots
//! while the evaluation runs, and [`Watch::snapshot`] turns them into a [`Snapshot`]: a trace of
//! the tasks started so far, the running ones ending "now". With a delay the steps of user
//! functions' calls are tasks of the snapshot too, the running ones included (a task whose calls
//! have steps is drawn as its steps). Reading is racy by design: a snapshot may miss a task that
//! started a moment ago, never shows one that has not started.
//!
//! This module neither runs tasks nor draws; the rest of the executor writes the slots and
//! `render` draws the snapshots.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crate::ast::NodeId;
use crate::engine::executor::block::Block;
use crate::engine::interp::call::record::{LiveStep, Recorder};
use crate::span::Span;
use crate::trace::{Context, Snapshot, TaskKind, TaskOutcome, TaskTiming, Trace};

/// Bits of [`Times::start`] below the start time: the task's state, then the worker's index.
const TIME_SHIFT: u32 = 16;
/// Bits of [`Times::start`] holding the worker's index (a pool has at most 1024 workers).
pub(crate) const WORKER_BITS: u32 = 12;

/// The state of a task's slot, in the 4 bits of [`Times::start`] above the worker's index.
pub(crate) const NOT_STARTED: u64 = 0;
pub(crate) const RUNNING: u64 = 1;
const RAN: u64 = 2;
const FAILED: u64 = 3;
const CANCELLED: u64 = 4;
const NOT_RUN: u64 = 5;
/// A task that did no work of its own: its record is the task that gave it its value (a
/// reduction cut into chunks, whose record is its tree's root).
pub(crate) const ELIDED: u64 = 6;

/// Snapshots of evaluations with more tasks than this count the tasks instead of listing them:
/// a chart of so many tasks is shades anyway, and the copy would cost more than the frame.
pub const LIVE_MAX_TASKS: usize = 1 << 16;

/// Each task's instants, worker and state, written by the worker that runs it: 16 bytes a
/// task. A task's ready time is not stored: it is the latest end among the tasks it waited
/// for (operand tasks, the task that added its block, the statements whose names it read; 0
/// for a task without), which the trace computes when it is assembled.
#[derive(Debug, Default)]
pub(crate) struct Times {
    /// The start time shifted left by `TIME_SHIFT`, or'ed with the state and the worker's
    /// index (2^48 ns is 78 hours). Written when the task starts (`RUNNING`) and again when it
    /// ends, with its final state.
    pub(crate) start: AtomicU64,
    pub(crate) end_ns: AtomicU64,
}

/// Packs a start time, a state and a worker's index into a start word.
pub(crate) fn pack(start_ns: u64, state: u64, worker: u64) -> u64 {
    start_ns << TIME_SHIFT | state << WORKER_BITS | worker
}

/// `(start_ns, state, worker)` of a packed start word.
pub(crate) fn unpack(word: u64) -> (u64, u64, u32) {
    let low = word & ((1 << TIME_SHIFT) - 1);
    (
        word >> TIME_SHIFT,
        low >> WORKER_BITS,
        (low & ((1 << WORKER_BITS) - 1)) as u32,
    )
}

/// The outcome a state stands for (a slot never written is a task that never ran).
pub(crate) fn outcome_of(state: u64) -> TaskOutcome {
    match state {
        RAN => TaskOutcome::Ran,
        FAILED => TaskOutcome::Failed,
        CANCELLED => TaskOutcome::Cancelled,
        RUNNING => TaskOutcome::Running,
        _ => TaskOutcome::NotRun,
    }
}

/// The state an outcome is written as.
pub(crate) fn state_of(outcome: TaskOutcome) -> u64 {
    match outcome {
        TaskOutcome::Ran => RAN,
        TaskOutcome::Failed => FAILED,
        TaskOutcome::Cancelled => CANCELLED,
        TaskOutcome::Running => RUNNING,
        TaskOutcome::NotRun => NOT_RUN,
    }
}

/// What a live view may read of a running evaluation: the blocks of tasks made so far, with
/// their slots.
pub(crate) struct Progress {
    pub(crate) started: Instant,
    pub(crate) blocks: Arc<Mutex<Vec<Arc<Block>>>>,
    /// The steps of user functions' calls, recorded with a delay: each is a task of the chart,
    /// and a task whose calls have steps is drawn as its steps.
    pub(crate) steps: Option<Arc<Recorder>>,
    pub(crate) n_workers: usize,
    pub(crate) source: Arc<str>,
    pub(crate) context: Context,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("n_workers", &self.n_workers)
            .finish_non_exhaustive()
    }
}

/// A handle through which a live view watches an evaluation: given to the engine in
/// `EvalOptions::watch`, filled when the evaluation starts and emptied when it ends. Clones share
/// the same handle.
#[derive(Clone, Debug, Default)]
pub struct Watch(Arc<Mutex<Option<Arc<Progress>>>>);

impl Watch {
    /// The evaluation now, or `None` when none is running.
    pub fn snapshot(&self) -> Option<Snapshot> {
        let progress = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()?;
        Some(progress.snapshot())
    }

    pub(crate) fn publish(&self, progress: Option<Arc<Progress>>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = progress;
    }
}

impl Progress {
    fn snapshot(&self) -> Snapshot {
        let elapsed_ns = self.started.elapsed().as_nanos() as u64;
        let blocks: Vec<Arc<Block>> = self
            .blocks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let n_tasks: usize = blocks.iter().map(|block| block.times.len()).sum();
        let (n_ended, n_running) = self.steps.as_ref().map_or((0, 0), |steps| steps.counts());
        let listed = n_tasks + n_ended + n_running <= LIVE_MAX_TASKS;
        let mut trace = listed.then(|| {
            let mut trace = Trace::new(self.n_workers, Arc::clone(&self.source));
            trace.context = self.context;
            trace.wall_ns = elapsed_ns;
            trace
        });
        let mut n_done = 0;
        let mut n_listed = 0;
        // Steps are copied only for a listed snapshot; otherwise they are only counted.
        let steps = match &self.steps {
            Some(steps) if listed => steps.live(),
            _ => {
                n_listed += n_ended + n_running;
                n_done += n_ended;
                Vec::new()
            }
        };
        let callers: HashSet<(u32, u32)> = steps.iter().map(|step| step.owner).collect();
        for block in &blocks {
            for (task, slot) in block.times.iter().enumerate() {
                // Acquire: pairs with the Release of the final state, so its end is in place.
                let (start_ns, state, worker) = unpack(slot.start.load(Ordering::Acquire));
                if !block.shows(task) || state == ELIDED {
                    continue;
                }
                // A running task whose calls have steps is drawn as its steps.
                if state == RUNNING && callers.contains(&(block.order, task as u32)) {
                    continue;
                }
                n_listed += 1;
                if state == NOT_STARTED {
                    continue;
                }
                let outcome = outcome_of(state);
                if outcome != TaskOutcome::Running {
                    n_done += 1;
                }
                let Some(trace) = trace.as_mut() else {
                    continue;
                };
                let end_ns = if outcome == TaskOutcome::Running {
                    elapsed_ns.max(start_ns)
                } else {
                    slot.end_ns.load(Ordering::Relaxed)
                };
                trace.push_task(
                    TaskTiming {
                        root: NodeId(block.root_node(task)),
                        n_nodes: block.n_ops(task),
                        span: Span::default(),
                        worker,
                        ready_ns: start_ns,
                        start_ns,
                        end_ns,
                        outcome,
                        kind: TaskKind::Nodes,
                        value: None,
                    },
                    &[],
                );
            }
        }
        for step in steps {
            n_listed += 1;
            if step.outcome != TaskOutcome::Running {
                n_done += 1;
            }
            if let Some(trace) = trace.as_mut() {
                // A step is named by the node of the task that made the call, as in the trace.
                let (order, task) = step.owner;
                let root = blocks
                    .iter()
                    .find(|block| block.order == order)
                    .map_or(0, |block| block.root_node(task as usize));
                push_step(trace, step, NodeId(root), elapsed_ns);
            }
        }
        Snapshot {
            elapsed_ns,
            n_tasks: n_listed,
            n_done,
            trace,
        }
    }
}

/// Draws a step of a call as a task of the snapshot's trace, a running one ending now.
fn push_step(trace: &mut Trace, step: LiveStep, root: NodeId, elapsed_ns: u64) {
    let text = trace.call_texts.len() as u32;
    trace.call_texts.push(step.text);
    trace.push_task(
        TaskTiming {
            root,
            n_nodes: 1,
            span: Span::default(),
            worker: step.worker,
            ready_ns: step.start_ns,
            start_ns: step.start_ns,
            end_ns: step.end_ns.unwrap_or(elapsed_ns.max(step.start_ns)),
            outcome: step.outcome,
            kind: TaskKind::Call { text },
            value: None,
        },
        &[],
    );
}

#[cfg(test)]
mod test {
    use super::*;

    /// Four tasks: one ran on worker 1, one failed on worker 0, one is running on worker 1,
    /// one has not started.
    fn progress() -> Progress {
        let block = crate::engine::executor::block::test_block(&[2, 5, 6, 9]);
        let slots = [
            (0, Some((0, RAN, 1, 100))),
            (1, Some((10, FAILED, 0, 50))),
            (2, Some((100, RUNNING, 1, 0))),
            (3, None),
        ];
        for (task, slot) in slots {
            if let Some((start_ns, state, worker, end_ns)) = slot {
                let times: &Times = &block.times[task];
                times.end_ns.store(end_ns, Ordering::Relaxed);
                times
                    .start
                    .store(pack(start_ns, state, worker), Ordering::Release);
            }
        }
        Progress {
            started: Instant::now(),
            blocks: Arc::new(Mutex::new(vec![block])),
            steps: None,
            n_workers: 2,
            source: "(3 + 7) * (2 + 8)".into(),
            context: Context::default(),
        }
    }

    #[test]
    fn a_snapshot_lists_the_started_tasks_and_counts_the_ended_ones() {
        let snapshot = progress().snapshot();
        assert_eq!(snapshot.n_tasks, 4);
        assert_eq!(snapshot.n_done, 2);
        let trace = snapshot.trace.expect("a small plan is listed");
        let seen: Vec<(u32, u32, u64, TaskOutcome)> = trace
            .tasks
            .iter()
            .map(|task| (task.root.0, task.worker, task.start_ns, task.outcome))
            .collect();
        assert_eq!(
            seen,
            [
                (2, 1, 0, TaskOutcome::Ran),
                (5, 0, 10, TaskOutcome::Failed),
                (6, 1, 100, TaskOutcome::Running),
            ]
        );
        assert_eq!(trace.tasks[0].end_ns, 100);
        assert_eq!(trace.tasks[1].end_ns, 50);
        // A running task ends now, never before it started.
        assert!(trace.tasks[2].end_ns >= 100);
        assert_eq!(trace.wall_ns, snapshot.elapsed_ns);
    }

    #[test]
    fn a_watch_is_empty_unless_an_evaluation_is_published() {
        let watch = Watch::default();
        assert!(watch.snapshot().is_none());
        watch.publish(Some(Arc::new(progress())));
        assert_eq!(watch.clone().snapshot().map(|s| s.n_done), Some(2));
        watch.publish(None);
        assert!(watch.snapshot().is_none());
    }
}
