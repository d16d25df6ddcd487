//! How ready tasks reach the workers, as the policy says: the first job seeds the tasks ready
//! at the start, a finished task runs its consumer next on the same worker (`lifo`) or puts it
//! into the shared queue (`fifo`, `critical-path`), and a resolved task is counted as arrived
//! at its consumer, up through the blocks that added it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::ast::NodeId;
use crate::engine::executor::block::{Block, Deliver, TaskRef, Work};
use crate::engine::executor::progress::{ELIDED, RUNNING, pack, state_of};
use crate::engine::executor::queue::ReadyQueue;
use crate::engine::executor::task::Scratch;
use crate::engine::executor::{Next, Ran, Run};
use crate::engine::failure::Failure;
use crate::engine::future::panic_error;
use crate::engine::grain::NO_TASK;
use crate::trace::TaskOutcome;

impl Run {
    /// The first job: starts the tasks ready at the start, all blocks' together, so that
    /// independent statements start on different workers.
    // The job owns its reference to the shared state: the last job to drop one fulfils the future.
    pub(super) fn start(self: Arc<Self>, ready: Vec<(Arc<Block>, Vec<u32>)>) {
        let ready = Ready::new(ready);
        let n = ready.len();
        if n > 0 {
            self.seed(Arc::new(ready), 0, n);
        }
    }

    /// Starts the ready tasks `lo..hi` (in the order of [`Ready`]): halves the range,
    /// submitting one half as a new job, until it is one chunk, then runs that chunk's tasks
    /// (and whatever they make ready). Under a shared-queue policy the tasks go into the queue
    /// and the range only counts the jobs: each of them serves the queue once, in the queue's
    /// order.
    #[expect(
        clippy::needless_pass_by_value,
        reason = "the job owns its reference to the shared state"
    )]
    pub(super) fn seed(self: Arc<Self>, ready: Arc<Ready>, lo: usize, mut hi: usize) {
        if let Some(queue) = &self.queue
            && lo == 0
            && hi == ready.len()
        {
            for (block, tasks) in &ready.blocks {
                for &task in tasks {
                    queue.push(TaskRef::new(block, task));
                }
            }
        }
        while hi - lo > self.seed_chunk {
            let Some(threads) = self.threads.as_ref() else {
                break;
            };
            let mid = lo + (hi - lo) / 2;
            let (run, ready) = (Arc::clone(&self), Arc::clone(&ready));
            threads.spawn(move || run.seed(ready, mid, hi));
            hi = mid;
        }
        if let Some(queue) = &self.queue {
            for _ in lo..hi {
                self.serve(queue);
            }
            return;
        }
        let mut start_ns = self.now_ns();
        for (block, tasks) in ready.range(lo, hi) {
            // Scratch space is a block's.
            let mut scratch = Scratch::default();
            for &task in tasks {
                // One clock read per chain: the next ready task starts when the previous chain
                // ended.
                start_ns = self.chain(block, task, start_ns, &mut scratch);
            }
        }
    }

    /// Makes newly ready tasks (of an added block, or waiting on a statement that resolved)
    /// runnable, as the policy says, from the worker that made them ready.
    pub(super) fn submit(self: &Arc<Self>, tasks: Vec<TaskRef>) {
        let Some(threads) = self.threads.as_ref() else {
            return;
        };
        if let Some(queue) = &self.queue {
            for task in tasks {
                queue.push(task);
                let run = Arc::clone(self);
                threads.spawn(move || {
                    if let Some(queue) = &run.queue {
                        run.serve(queue);
                    }
                });
            }
            return;
        }
        // Last in, first out on this worker: the first task is pushed last, so it runs first,
        // and idle workers steal from the other end.
        for task in tasks.into_iter().rev() {
            let run = Arc::clone(self);
            threads.spawn(move || {
                let start_ns = run.now_ns();
                run.chain(&task.block, task.task, start_ns, &mut Scratch::default());
            });
        }
    }

    /// Runs `task`, started at `start_ns`, then, as long as finishing a task makes its consumer
    /// ready, the consumer (the `lifo` policy). Returns when the last task it ran ended.
    pub(super) fn chain<'b>(
        self: &Arc<Self>,
        block: &'b Arc<Block>,
        task: u32,
        start_ns: u64,
        scratch: &mut Scratch<'b>,
    ) -> u64 {
        let mut next = self.run_block(block, task, start_ns, scratch);
        loop {
            match next {
                Err(end_ns) => return end_ns,
                // A consumer in another block: scratch space of its own for that block.
                Ok((task, start_ns)) => {
                    next =
                        self.run_block(&task.block, task.task, start_ns, &mut Scratch::default());
                }
            }
        }
    }

    /// Runs `task` of `block`, then its consumers while they are in the same block and
    /// become ready. Returns the consumer in another block that became ready and when it
    /// became ready, or when the last task ended.
    pub(super) fn run_block<'b>(
        self: &Arc<Self>,
        block: &'b Arc<Block>,
        mut task: u32,
        mut start_ns: u64,
        scratch: &mut Scratch<'b>,
    ) -> Result<(TaskRef, u64), u64> {
        loop {
            let (next, end_ns) = self.run_one(block, task, start_ns, scratch);
            match next {
                Next::Nothing => return Err(end_ns),
                Next::Here(next) => {
                    // The consumer became ready, and starts, when its last operand ended.
                    task = next;
                    start_ns = self.ready_at(block, next, end_ns);
                }
                Next::There(next) => {
                    let start_ns = self.ready_at(&next.block, next.task, end_ns);
                    return Ok((next, start_ns));
                }
            }
        }
    }

    /// When `task` became ready, its last operand having ended at `end_ns` on this worker: the
    /// latest end among its operand tasks (another worker's clock read may be later than
    /// ours), so that a consumer run next costs no clock read of its own.
    pub(super) fn ready_at(&self, block: &Block, task: u32, end_ns: u64) -> u64 {
        if !self.record {
            return 0;
        }
        block
            .deps(task)
            .iter()
            .filter_map(|&dep| block.times.get(dep as usize))
            .map(|times| times.end_ns.load(Ordering::Relaxed))
            .fold(end_ns, u64::max)
    }

    /// Takes one task from the shared ready queue and runs it; while finishing a task makes its
    /// consumer ready, puts the consumer in and takes the queue's next task (the `fifo` and
    /// `critical-path` policies).
    pub(super) fn serve(self: &Arc<Self>, queue: &ReadyQueue) {
        let Some(mut task) = queue.pop() else {
            return;
        };
        loop {
            let block = Arc::clone(&task.block);
            let mut scratch = Scratch::default();
            loop {
                let start_ns = self.now_ns();
                let next = match self.run_one(&block, task.task, start_ns, &mut scratch).0 {
                    Next::Nothing => return,
                    Next::Here(next) => TaskRef::new(&block, next),
                    Next::There(next) => next,
                };
                task = queue.push_pop(next);
                if !Arc::ptr_eq(&task.block, &block) {
                    break;
                }
            }
        }
    }

    /// Runs (or skips) one task started at `start_ns`, records its times and outcome, and
    /// resolves it for its consumer. Returns the consumer if this made it ready, and the task's
    /// end. A task that added a block ends later, when the block's root gives it its value.
    pub(super) fn run_one<'b>(
        self: &Arc<Self>,
        block: &'b Arc<Block>,
        task: u32,
        start_ns: u64,
        scratch: &mut Scratch<'b>,
    ) -> (Next, u64) {
        let worker = Self::worker_index();
        let slot = block.times.get(task as usize);
        if let Some(times) = slot {
            // Relaxed: only a live view reads a running task's slot, and a stale read shows
            // it a moment late.
            times
                .start
                .store(pack(start_ns, RUNNING, worker), Ordering::Relaxed);
        }
        let ran = match &block.work {
            Work::Tree(_) => self.run_tree_task(block, task, scratch),
            Work::Reduction(_) => {
                self.guarded(block, task, || self.run_reduction_task(block, task))
            }
        };
        let outcome = match ran {
            Ran::Ended(outcome) => outcome,
            Ran::Deferred => {
                if let Some(times) = slot {
                    times
                        .start
                        .store(pack(start_ns, ELIDED, worker), Ordering::Release);
                }
                return (Next::Nothing, start_ns);
            }
        };
        let end_ns = if outcome.started() {
            self.now_ns()
        } else {
            start_ns
        };
        if let Some(times) = slot {
            // The end first, then the final state with Release, so that whoever sees the state
            // (Acquire) sees the end. The consumer and the caller see both through the AcqRel
            // arrival below and the release of the shared state.
            times.end_ns.store(end_ns, Ordering::Relaxed);
            times
                .start
                .store(pack(start_ns, state_of(outcome), worker), Ordering::Release);
        }
        (self.resolve(block, task), end_ns)
    }

    /// Task `task` of `block` has its value (or will never have one): counts it as arrived at
    /// its consumer, delivering a block's root to the task that made the block (and on up, as
    /// long as that task is its own block's root). Returns the consumer if it became ready.
    pub(super) fn resolve(self: &Arc<Self>, block: &Arc<Block>, task: u32) -> Next {
        // The common case, a consumer in the same block, touches no reference count.
        let parent = block.parent[task as usize];
        if parent != NO_TASK {
            return if block.arrive(parent) {
                Next::Here(parent)
            } else {
                Next::Nothing
            };
        }
        let (mut block, mut task) = (Arc::clone(block), task);
        loop {
            let parent = block.parent[task as usize];
            if parent != NO_TASK {
                return if block.arrive(parent) {
                    Next::There(TaskRef::new(&block, parent))
                } else {
                    Next::Nothing
                };
            }
            match &block.deliver {
                Deliver::Statement => {
                    self.end_statement(&block);
                    return Next::Nothing;
                }
                Deliver::Task(target) => {
                    if let Some(value) = block.values[task as usize].get() {
                        let _ = target.block.values[target.task as usize].set(value.clone());
                    }
                    target.block.delivered_by(target.task, block.order, task);
                    let next = Arc::clone(&target.block);
                    task = target.task;
                    block = next;
                }
            }
        }
    }

    /// Runs `work` for task `task` of `block`; a panic in it becomes the task's failure, an
    /// internal error at the task's node.
    ///
    /// # Panic handling
    ///
    /// The panic is caught here: a rayon job that panics would abort the process.
    pub(super) fn guarded(&self, block: &Block, task: u32, work: impl FnOnce() -> Ran) -> Ran {
        catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|payload| {
            let node = block.root_node(task as usize);
            let span = match &block.work {
                Work::Tree(tree) => tree.ast.op_span(NodeId(node)),
                Work::Reduction(work) => work.ast.op_span(NodeId(node)),
            };
            self.record_failure(block, task, Failure::at(node, panic_error(&*payload, span)));
            Ran::Ended(TaskOutcome::Failed)
        })
    }
}

/// The tasks ready at the start, block by block, numbered in that order across the blocks.
pub(super) struct Ready {
    blocks: Vec<(Arc<Block>, Vec<u32>)>,
    /// The number of the first task of each block.
    firsts: Vec<usize>,
    len: usize,
}

impl Ready {
    fn new(blocks: Vec<(Arc<Block>, Vec<u32>)>) -> Ready {
        let mut firsts = Vec::with_capacity(blocks.len());
        let mut len = 0;
        for (_, tasks) in &blocks {
            firsts.push(len);
            len += tasks.len();
        }
        Ready {
            blocks,
            firsts,
            len,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// The tasks numbered `lo..hi`, as runs of tasks of one block.
    fn range(&self, lo: usize, hi: usize) -> impl Iterator<Item = (&Arc<Block>, &[u32])> {
        // The block holding task `lo`: the last whose first task is at most `lo`.
        let first_block = self
            .firsts
            .partition_point(|&first| first <= lo)
            .saturating_sub(1);
        self.blocks[first_block..]
            .iter()
            .zip(&self.firsts[first_block..])
            .take_while(move |(_, first)| **first < hi)
            .map(move |((block, tasks), &first)| {
                let from = lo.saturating_sub(first).min(tasks.len());
                let to = (hi - first).min(tasks.len());
                (block, &tasks[from..to])
            })
    }
}
