//! The shared ready queue of the `fifo` and `critical-path` policies.
//!
//! Under `lifo` (rayon's own order) no queue exists: the worker that completes a task's last
//! operand runs the task next, and a task that adds tasks hands them to rayon on its own worker.
//! Under the other two, every ready task of the evaluation (of any statement, spawned or
//! planned) goes into one queue, and each is matched by one rayon job that takes one task out:
//! the queue holds exactly as many tasks as jobs are waiting to take them, so an idle worker
//! always finds a job to steal when a task is ready, and no job ever waits for a task. When a
//! task makes its consumer ready, the job that ran it puts the consumer in and takes the queue's
//! next task in one step (under one lock), as a `ThreadPoolExecutor` worker whose
//! done-callback submits the next task and then takes the oldest submission. `fifo` takes the
//! task that became ready first; `critical-path` the one with the highest level, the work on
//! the longest path from the task to the end (Hu's highest-level-first rule), and of equal
//! levels the first in the graph's order (the block made first, the leftmost subtree), so that
//! the same tree is always served the same way.
//!
//! This module only orders tasks; the executor runs them.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::engine::executor::block::TaskRef;
use crate::plan::Policy;

/// A ready task in the heap of `critical-path`.
pub(crate) struct Ranked {
    level: u32,
    /// Its place in the graph: its block's order, then its index; the first among equal
    /// levels goes first.
    place: u64,
    task: TaskRef,
}

impl Ranked {
    fn new(task: TaskRef) -> Ranked {
        Ranked {
            level: task.level(),
            place: u64::from(task.block.order) << 32 | u64::from(task.task),
            task,
        }
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Ranked) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Ranked) -> Ordering {
        // The largest is served first: the highest level, then the first place.
        self.level
            .cmp(&other.level)
            .then_with(|| other.place.cmp(&self.place))
    }
}

/// The ready tasks of one evaluation, in the order a policy takes them.
pub(crate) enum ReadyQueue {
    /// Oldest first.
    Fifo(Mutex<VecDeque<TaskRef>>),
    /// Highest level first; among equal levels, the first in the graph's order.
    Levels(Mutex<BinaryHeap<Ranked>>),
}

impl std::fmt::Debug for ReadyQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ReadyQueue::Fifo(_) => "ReadyQueue::Fifo",
            ReadyQueue::Levels(_) => "ReadyQueue::Levels",
        })
    }
}

impl ReadyQueue {
    /// The queue of `policy`; `None` for [`Policy::Lifo`], which has no shared queue.
    pub(crate) fn new(policy: Policy) -> Option<ReadyQueue> {
        match policy {
            Policy::Lifo => None,
            Policy::Fifo => Some(ReadyQueue::Fifo(Mutex::new(VecDeque::new()))),
            Policy::CriticalPath => Some(ReadyQueue::Levels(Mutex::new(BinaryHeap::new()))),
        }
    }

    /// Puts a ready task in.
    pub(crate) fn push(&self, task: TaskRef) {
        match self {
            ReadyQueue::Fifo(queue) => lock(queue).push_back(task),
            ReadyQueue::Levels(heap) => lock(heap).push(Ranked::new(task)),
        }
    }

    /// Takes the next task; `None` only if the queue is empty, which the job count rules out.
    pub(crate) fn pop(&self) -> Option<TaskRef> {
        match self {
            ReadyQueue::Fifo(queue) => lock(queue).pop_front(),
            ReadyQueue::Levels(heap) => lock(heap).pop().map(|ranked| ranked.task),
        }
    }

    /// Puts `task` in and takes the next task, in one step: the job that made `task` ready
    /// serves the queue on.
    pub(crate) fn push_pop(&self, task: TaskRef) -> TaskRef {
        match self {
            ReadyQueue::Fifo(queue) => {
                let mut queue = lock(queue);
                match queue.pop_front() {
                    Some(oldest) => {
                        queue.push_back(task);
                        oldest
                    }
                    None => task,
                }
            }
            ReadyQueue::Levels(heap) => {
                let mut heap = lock(heap);
                let ranked = Ranked::new(task);
                // The new task goes straight back out when it beats everything waiting;
                // otherwise it takes the place of the top, which goes out.
                match heap.peek_mut() {
                    Some(mut top) if *top > ranked => std::mem::replace(&mut *top, ranked).task,
                    _ => ranked.task,
                }
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while a queue is locked; a poisoned lock still holds a valid queue.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
