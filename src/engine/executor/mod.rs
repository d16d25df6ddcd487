//! The executor: runs every evaluation — one statement or a program of several, reductions
//! and all — as one task graph on the pool, a graph that may grow while it runs.
//!
//! **Tasks.** The statements' trees are grouped into tasks by the grain (`grain::Plan`), each
//! statement's tasks a *block* (`block`). A task runs when everything it waits for has arrived:
//! its operand tasks, and in a program the names earlier statements bind (`program`). A task
//! that makes more work adds a block of tasks while the graph runs: a reduction, once its range
//! is known, adds its chunks and its tree of combines (`reduction`), whose root then gives the
//! reduction's task its value. So a worker never waits for another task: it runs what is
//! ready, and when a task makes its consumer ready, that consumer is ready for whoever takes it.
//!
//! **Policies.** Every ready task, planned or added, goes where the policy says. Under `lifo`
//! (rayon's own order) the worker that completes a task's last operand runs the task next, and
//! added tasks go to rayon from the worker that added them (so it runs them last-in first-out
//! and idle workers steal the oldest); under `fifo` and `critical-path` every ready task goes
//! into one shared queue (`queue`), each matched by one rayon job.
//!
//! **Errors.** Each statement keeps the failure with the smallest `Path` (the first a
//! sequential evaluation meets). A task that cannot hold an earlier failure does not start
//! once one is known, and one running sleeps no further delay; one that could, still runs,
//! so the error reported is the sequential one whatever the schedule. The cancel flag stops
//! every task: those not started never start, running ones stop at their next check. The
//! delay (simulated work) is [`Run::work`], the one place a task sleeps.
//!
//! **Trace.** Every task writes its times into its block's slots; the blocks are listed in the
//! order they were made, which the live view reads while the evaluation runs (`progress`) and
//! `assemble` turns into the trace when it ends, with the edges of the graph that ran: operands,
//! names read from other statements, and from a task to the tasks it added.
//!
//! The caller's future is fulfilled when the last job lets go of the evaluation's shared state,
//! so `result()` cannot hang.

mod assemble;
pub(crate) mod block;
mod program;
mod queue;
mod reduction;

use std::borrow::Cow;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::ast::NodeId;
use crate::engine::failure::Failure;
use crate::engine::future::{self, Promise, panic_error};
use crate::engine::grain::NO_TASK;
use crate::engine::interp::{self, Hooks, Operand, Outcome, Stretch};
use crate::engine::progress::{ELIDED, Progress, RUNNING, WORKER_BITS, pack, state_of};
use crate::engine::{CancelFlag, EvalOptions, Grain, Policy, Pool, cancel};
use crate::error::{Error, ErrorKind};
use crate::num::{Limits, Value};
use crate::trace::{Context, TaskOutcome, Trace};

use block::{Block, Deliver, TaskRef, Work};
use program::{Statement, Versions};

pub(crate) use program::Before;
use queue::ReadyQueue;

pub use program::Input;

/// What a program's evaluation produced: each statement's result, in order, and the trace.
#[derive(Debug)]
pub struct ProgramEvaluation {
    pub results: Vec<Result<Value, Error>>,
    pub trace: Trace,
}

/// The state every job of one evaluation shares.
pub(crate) struct Run {
    /// The pool's handle, to submit jobs from inside jobs; released before the caller wakes.
    threads: Option<Arc<rayon::ThreadPool>>,
    n_workers: usize,
    delay: Duration,
    limits: Limits,
    cancel: CancelFlag,
    grain: Grain,
    policy: Policy,
    /// Whether to read the clock and keep the times: off only to measure what recording costs.
    record: bool,
    started: Instant,
    /// The shared ready queue of `fifo` and `critical-path`; `None` under `lifo`.
    queue: Option<ReadyQueue>,
    /// Every block made so far, in order; shared with a live view.
    blocks: Arc<Mutex<Vec<Arc<Block>>>>,
    statements: Box<[Statement]>,
    versions: Mutex<Versions>,
    /// Set when a task stopped because of the cancel flag.
    cancelled: AtomicBool,
    /// Ready tasks run one after the other by a single starting job, once split.
    seed_chunk: usize,
    promise: Option<Promise<Finished>>,
}

/// What the last job hands back to the caller.
struct Finished {
    blocks: Vec<Arc<Block>>,
    statements: Box<[Statement]>,
    versions: Versions,
    cancelled: bool,
}

impl Drop for Run {
    /// The last job to let go of the shared state fulfils the caller's future with it. This
    /// happens after every task has resolved, and even if a job died in an unexpected way.
    fn drop(&mut self) {
        // Release the pool handle first: once the caller wakes it may drop the pool.
        drop(self.threads.take());
        if let Some(promise) = self.promise.take() {
            let blocks = std::mem::take(&mut *lock(&self.blocks));
            promise.fulfil(Ok(Finished {
                blocks,
                statements: std::mem::take(&mut self.statements),
                versions: std::mem::take(
                    self.versions
                        .get_mut()
                        .unwrap_or_else(PoisonError::into_inner),
                ),
                cancelled: *self.cancelled.get_mut(),
            }));
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while these locks are held; a poisoned one still holds valid data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Evaluates the statements `inputs` on `pool` as one graph: `source` is the program's text,
/// which each statement's offset indexes; `before` gives the values names have before the
/// program (`None`: unknown).
///
/// # Blocking
///
/// Blocks the calling thread until every statement has ended; call it from outside the pool.
///
/// # Panic handling
///
/// A panic while evaluating a node becomes an [`ErrorKind::Internal`] error of its statement.
pub(crate) fn run(
    pool: &Pool,
    inputs: Vec<Input>,
    source: &Arc<str>,
    before: &Before<'_>,
    options: &EvalOptions,
    record: bool,
) -> ProgramEvaluation {
    let n_workers = pool.n_workers();
    let mut context = Context {
        delay: options.delay,
        grain: options.grain,
        grain_used: 1,
        policy: options.policy,
    };
    let blocks: Arc<Mutex<Vec<Arc<Block>>>> = Arc::default();
    let setup = program::setup(inputs, before, options, n_workers, record, &blocks);
    context.grain_used = setup.grain_used;
    let n_statements = setup.statements.len();
    let n_ready: usize = setup.ready.iter().map(|(_, tasks)| tasks.len()).sum();
    let seed_chunk = if !options.delay.is_zero() || n_ready <= n_workers * 64 {
        1
    } else {
        n_ready.div_ceil(n_workers * 256)
    };
    let (promise, future) = future::channel();
    let started = Instant::now();
    let offsets: Vec<usize> = setup.statements.iter().map(|s| s.offset).collect();
    let node_bases: Vec<u32> = setup.statements.iter().map(|s| s.node_base).collect();
    if let Some(watch) = &options.watch
        && record
    {
        watch.publish(Some(Arc::new(Progress {
            started,
            blocks: Arc::clone(&blocks),
            n_workers,
            source: Arc::clone(source),
            context,
        })));
    }
    let run = Arc::new(Run {
        threads: Some(Arc::clone(pool.threads())),
        n_workers,
        delay: options.delay,
        limits: options.limits,
        cancel: options.cancel.clone(),
        grain: options.grain,
        policy: options.policy,
        record,
        started,
        queue: ReadyQueue::new(options.policy),
        blocks: Arc::clone(&blocks),
        statements: setup.statements,
        versions: Mutex::new(setup.versions),
        cancelled: AtomicBool::new(false),
        seed_chunk,
        promise: Some(promise),
    });
    let ready = setup.ready;
    pool.threads().spawn(move || run.start(ready));
    let outcome = future.result();
    if let Some(watch) = &options.watch {
        watch.publish(None);
    }
    let finished = match outcome {
        Ok(finished) => finished,
        Err(error) => {
            let mut trace = Trace::new(n_workers, Arc::clone(source));
            trace.context = context;
            return ProgramEvaluation {
                results: (0..n_statements).map(|_| Err(error.clone())).collect(),
                trace,
            };
        }
    };
    let mut finished = finished;
    let assembled = assemble::assemble(
        &mut finished,
        pool,
        &assemble::Layout {
            source,
            offsets: &offsets,
            node_bases: &node_bases,
            n_workers,
            record,
        },
    );
    let mut trace = assembled;
    trace.context = context;
    let results = finished
        .statements
        .iter()
        .map(|statement| statement.result(finished.cancelled))
        .collect();
    ProgramEvaluation { results, trace }
}

/// The task to run next on this worker, if finishing one made it ready.
enum Next {
    Nothing,
    /// A task of the same block.
    Here(u32),
    There(TaskRef),
}

/// What running a task left to do.
enum Ran {
    /// It ran, or was skipped, with this outcome.
    Ended(TaskOutcome),
    /// It added a block whose root will give it its value.
    Deferred,
}

impl Run {
    fn now_ns(&self) -> u64 {
        if !self.record {
            return 0;
        }
        self.started.elapsed().as_nanos() as u64
    }

    fn worker_index() -> u64 {
        rayon::current_thread_index().unwrap_or(0) as u64 & ((1 << WORKER_BITS) - 1)
    }

    /// The first job: starts the tasks ready at the start, block by block.
    // The job owns its reference to the shared state: the last job to drop one fulfils the future.
    #[allow(clippy::needless_pass_by_value)]
    fn start(self: Arc<Self>, ready: Vec<(Arc<Block>, Vec<u32>)>) {
        for (block, tasks) in ready {
            if tasks.is_empty() {
                continue;
            }
            let tasks: Arc<[u32]> = tasks.into();
            let n = tasks.len();
            Arc::clone(&self).seed(block, tasks, 0, n);
        }
    }

    /// Starts the ready tasks `tasks[lo..hi]` of `block`: halves the range, submitting one half
    /// as a new job, until it is one chunk, then runs that chunk's tasks (and whatever they make
    /// ready). Under a shared-queue policy the tasks go into the queue and the range only
    /// counts the jobs: each of them serves the queue once, in the queue's order.
    #[allow(clippy::needless_pass_by_value)]
    fn seed(self: Arc<Self>, block: Arc<Block>, tasks: Arc<[u32]>, lo: usize, mut hi: usize) {
        if let Some(queue) = &self.queue
            && lo == 0
            && hi == tasks.len()
        {
            for &task in tasks.iter() {
                queue.push(TaskRef::new(&block, task));
            }
        }
        while hi - lo > self.seed_chunk {
            let Some(threads) = self.threads.as_ref() else {
                break;
            };
            let mid = lo + (hi - lo) / 2;
            let (run, block, tasks) = (Arc::clone(&self), Arc::clone(&block), Arc::clone(&tasks));
            threads.spawn(move || run.seed(block, tasks, mid, hi));
            hi = mid;
        }
        if let Some(queue) = &self.queue {
            for _ in lo..hi {
                self.serve(queue);
            }
            return;
        }
        let mut scratch = Scratch::default();
        let mut start_ns = self.now_ns();
        for &task in &tasks[lo..hi] {
            // One clock read per chain: the next ready task starts when the previous chain
            // ended.
            start_ns = self.chain(&block, task, start_ns, &mut scratch);
        }
    }

    /// Makes newly ready tasks (of an added block, or waiting on a statement that resolved)
    /// runnable, as the policy says, from the worker that made them ready.
    fn submit(self: &Arc<Self>, tasks: Vec<TaskRef>) {
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
    fn chain<'b>(
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
    fn run_block<'b>(
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
    fn ready_at(&self, block: &Block, task: u32, end_ns: u64) -> u64 {
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
    fn serve(self: &Arc<Self>, queue: &ReadyQueue) {
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
    fn run_one<'b>(
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
    fn resolve(self: &Arc<Self>, block: &Arc<Block>, task: u32) -> Next {
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
    fn guarded(&self, block: &Block, task: u32, work: impl FnOnce() -> Ran) -> Ran {
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

    /// A statement's root has resolved: its result is known, and so is the version of the name
    /// it binds, which the tasks reading it were waiting for.
    fn end_statement(self: &Arc<Self>, block: &Arc<Block>) {
        let index = block.statement as usize;
        let statement = &self.statements[index];
        let value = block.values[block.root() as usize]
            .get()
            .filter(|_| !statement.has_failed())
            .cloned();
        statement.end(value.clone());
        let arrivals = lock(&self.versions).resolve(index, value);
        let mut ready = Vec::new();
        for (waiters, value) in arrivals {
            for (waiter, name) in waiters {
                if let Some(tree) = waiter.block.tree() {
                    tree.names[name as usize].get_or_init(|| value.clone());
                }
                if waiter.block.arrive(waiter.task) {
                    ready.push(waiter);
                }
            }
        }
        if !ready.is_empty() {
            self.submit(ready);
        }
    }

    /// Keeps the first failure (by path) of the statement of `block`, and which task raised it.
    fn record_failure(&self, block: &Block, task: u32, failure: Failure) {
        let statement = &self.statements[block.statement as usize];
        statement.record(failure, block.order, task);
    }

    /// Whether the evaluation is cancelled (noted for the trace).
    fn is_cancelled(&self) -> bool {
        if self.cancel.is_cancelled() {
            self.cancelled.store(true, Ordering::Relaxed);
            return true;
        }
        false
    }

    /// Sleeps the simulated delay of one operator (or element, or combine), checking the cancel
    /// flag and `wanted` between slices. `false` if the evaluation was cancelled or the work
    /// is no longer wanted.
    fn work(&self, wanted: impl Fn() -> bool) -> bool {
        let slept = cancel::sleep_delay(self.delay, &self.cancel, wanted);
        if self.cancel.is_cancelled() {
            self.cancelled.store(true, Ordering::Relaxed);
        }
        slept
    }

    /// Runs one task of a tree block: its group of nodes, with its operand tasks' values.
    fn run_tree_task<'b>(
        self: &Arc<Self>,
        block: &'b Arc<Block>,
        task: u32,
        scratch: &mut Scratch<'b>,
    ) -> Ran {
        let Work::Tree(tree) = &block.work else {
            return Ran::Ended(TaskOutcome::NotRun);
        };
        let statement = &self.statements[block.statement as usize];
        let ast = &*tree.ast;
        let root = tree.plan.roots[task as usize];
        let first = ast.first_of(NodeId(root)).0;
        if self.is_cancelled() || u64::from(first) > statement.first_error() {
            return Ran::Ended(TaskOutcome::NotRun);
        }
        let worked = Cell::new(false);
        let hooks = TaskHooks {
            run: self,
            statement,
            worked: &worked,
        };
        let stretch = Stretch {
            ast,
            first,
            root,
            own: None,
            env: &*tree.names,
            limits: &self.limits,
            fork: true,
            current: Cell::new(root),
        };
        let deps = block.deps(task);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            // The commonest task at grain 1, one operator of at most two operand tasks, without
            // the interpreter's loop.
            if deps.len() <= 2 {
                let mut given: [interp::Given<'_>; 2] = [(u32::MAX, None); 2];
                for (slot, &dep) in given.iter_mut().zip(deps) {
                    *slot = (
                        tree.plan.roots[dep as usize],
                        block.values[dep as usize].get(),
                    );
                }
                if let Some(outcome) = interp::run_operator(&stretch, &given[..deps.len()], &hooks)
                {
                    return outcome;
                }
            }
            let operands = &mut scratch.operands;
            operands.clear();
            for &dep in deps {
                let dep_root = tree.plan.roots[dep as usize];
                operands.push(Operand {
                    first: ast.first_of(NodeId(dep_root)).0,
                    root: dep_root,
                    value: block.values[dep as usize].get(),
                });
            }
            let mut locals = if ast.reductions.is_empty() {
                Vec::new()
            } else {
                vec![Value::Int(crate::num::Int::ZERO); ast.reductions.len()]
            };
            interp::run(&stretch, operands, &mut locals, &hooks, &mut scratch.stack)
        }))
        .unwrap_or_else(|payload| {
            let node = stretch.current.get();
            let error = panic_error(&*payload, ast.op_span(NodeId(node)));
            Err(Failure::at(node, error))
        });
        let stopped = || {
            if worked.get() {
                TaskOutcome::Cancelled
            } else {
                TaskOutcome::NotRun
            }
        };
        Ran::Ended(match outcome {
            Ok(Outcome::Value(value)) => {
                // The slot is empty: each task runs once.
                let _ = block.values[task as usize].set(value);
                TaskOutcome::Ran
            }
            Ok(Outcome::Missing | Outcome::Stopped) => stopped(),
            Ok(Outcome::Fork(bounds)) => {
                return self.guarded(block, task, || {
                    self.start_reduction(block, task, NodeId(root), &bounds)
                });
            }
            Err(failure) if failure.error.kind == ErrorKind::Cancelled => TaskOutcome::Cancelled,
            Err(failure) => {
                self.record_failure(block, task, failure);
                TaskOutcome::Failed
            }
        })
    }
}

/// What a task asks of the executor while it evaluates.
struct TaskHooks<'a> {
    run: &'a Run,
    statement: &'a Statement,
    worked: &'a Cell<bool>,
}

impl Hooks for TaskHooks<'_> {
    fn paced(&self) -> bool {
        !self.run.delay.is_zero()
    }

    #[inline]
    fn operator(&self, index: u32) -> bool {
        // Once a failure before this node is known, this node's value is not wanted.
        let wanted = || u64::from(index) <= self.statement.first_error();
        if !wanted() {
            return false;
        }
        self.worked.set(true);
        if self.run.delay.is_zero() {
            return !self.run.is_cancelled();
        }
        self.run.work(wanted)
    }

    fn element(&self) -> bool {
        self.worked.set(true);
        self.run.work(|| !self.run.cancel.is_cancelled())
    }

    fn stop(&self) -> bool {
        self.run.is_cancelled()
    }
}

/// Scratch space a worker reuses from task to task of one block: the value stack and the
/// operand list, which borrow the block's values (so that a task allocates nothing but its
/// value).
#[derive(Default)]
struct Scratch<'b> {
    stack: Vec<Cow<'b, Value>>,
    operands: Vec<Operand<'b>>,
}
