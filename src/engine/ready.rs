//! The shared ready queues of the `fifo` and `critical-path` policies.
//!
//! Under `lifo` (rayon's own order) no queue exists: the worker that completes a task's last
//! operand runs the task next. Under the other two, every ready task goes into one queue shared
//! by the evaluation's jobs, and each job takes one task out: a queue holds exactly as many tasks
//! as jobs are waiting to take them, so an idle worker always finds a job to steal when a task is
//! ready, and no job ever waits for a task. When a task makes its consumer ready, the job that ran
//! it puts the consumer in and takes the queue's next task in one step (under one lock), as a
//! `ThreadPoolExecutor` worker whose done-callback submits the next task and then takes the
//! oldest submission. `fifo` takes the task that became ready first; `critical-path` the one
//! with the highest level, the operators on the path from the task to the root (Hu's
//! highest-level-first rule).
//!
//! This module only orders task indices; `dataflow` runs them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::engine::Policy;
use crate::engine::grain::{NO_TASK, Plan};

/// The ready tasks of one evaluation, in the order a policy takes them.
#[derive(Debug)]
pub(crate) enum ReadyQueue {
    /// Oldest first.
    Fifo(Mutex<VecDeque<u32>>),
    /// Highest level first; among equal levels, the lowest task index (the leftmost subtree).
    Levels {
        heap: Mutex<BinaryHeap<(u32, Reverse<u32>)>>,
        level: Vec<u32>,
    },
}

impl ReadyQueue {
    /// The queue of `policy` holding the tasks `ready`, in that order; `None` for
    /// [`Policy::Lifo`], which has no shared queue.
    pub(crate) fn new(policy: Policy, plan: &Plan, ready: &[u32]) -> Option<ReadyQueue> {
        match policy {
            Policy::Lifo => None,
            Policy::Fifo => Some(ReadyQueue::Fifo(Mutex::new(
                ready.iter().copied().collect(),
            ))),
            Policy::CriticalPath => {
                let level = levels(plan);
                let heap = ready
                    .iter()
                    .map(|&task| (level[task as usize], Reverse(task)))
                    .collect();
                Some(ReadyQueue::Levels {
                    heap: Mutex::new(heap),
                    level,
                })
            }
        }
    }

    /// Takes the next task; `None` only if the queue is empty, which the job count rules out.
    pub(crate) fn pop(&self) -> Option<u32> {
        match self {
            ReadyQueue::Fifo(queue) => lock(queue).pop_front(),
            ReadyQueue::Levels { heap, .. } => lock(heap).pop().map(|(_, Reverse(task))| task),
        }
    }

    /// Puts `task` in and takes the next task, in one step: the job that made `task` ready
    /// serves the queue on.
    pub(crate) fn push_pop(&self, task: u32) -> u32 {
        match self {
            ReadyQueue::Fifo(queue) => {
                let mut queue = lock(queue);
                queue.push_back(task);
                queue.pop_front().unwrap_or(task)
            }
            ReadyQueue::Levels { heap, level } => {
                let mut heap = lock(heap);
                // `push_pop` on a binary heap: the new task goes straight back out when it
                // beats everything waiting.
                let entry = (level[task as usize], Reverse(task));
                if heap.peek().is_none_or(|&top| entry >= top) {
                    return task;
                }
                heap.push(entry);
                heap.pop().map_or(task, |(_, Reverse(next))| next)
            }
        }
    }
}

/// The level of every task: the operators on the path from it to the root, its own included.
/// A consumer always has a larger index than its operands, so one pass from the last task down
/// sees every consumer before its operands.
pub(crate) fn levels(plan: &Plan) -> Vec<u32> {
    let n_tasks = plan.n_tasks();
    let mut level = vec![0u32; n_tasks];
    for task in (0..n_tasks).rev() {
        let parent = plan.parent[task];
        let above = if parent == NO_TASK {
            0
        } else {
            level[parent as usize]
        };
        level[task] = above.saturating_add(plan.n_ops[task]);
    }
    level
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while a queue is locked; a poisoned lock still holds a valid queue.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
