//! The parallel evaluator: runs a [`Plan`] on a [`Pool`] as a dataflow program.
//!
//! Each task has a counter of operand tasks still pending. Tasks with no operand tasks are
//! submitted at the start; when a task finishes, it decrements its consumer's counter, and the
//! worker that brings it to zero hands the consumer on as the policy says: under `lifo` it runs
//! the consumer next (in a loop, not a recursive call); under `fifo` and `critical-path` it puts
//! the consumer into the shared ready queue (`ready`) and takes the queue's next task. So a task
//! only ever starts with all its operands computed, no worker ever waits on another task, and
//! one worker cannot deadlock. The last task (the root's) resolves only after every
//! other task has, and the caller's future is fulfilled when the last job lets go of the
//! shared state, handing that state over whole to build the result and the trace.
//!
//! Errors: a task that fails records its error with the failing node's id, and the smallest
//! such id wins. Tasks whose nodes all come after a known error are skipped, tasks that may
//! still hold an earlier error run on, so the error reported is the one the sequential
//! evaluator reports (the first failing node in arena order). The cancel flag skips every task
//! not yet started and stops running ones at their next check. Each task's slot says what
//! became of it (ran, failed, stopped part way, not run), so the trace can tell.
//!
//! Reductions: the task of a `sum(… for k in range(…))` node, once its bounds are known, cuts
//! the range into chunks (by the grain) and submits one job per chunk, which maps and folds
//! its elements; the chunk results are combined pairwise by a tree of combine tasks, run (as
//! consumers are) by the worker that finishes the second operand. These jobs go straight to
//! the pool whatever the policy: the policy orders the plan's tasks. The root of that tree
//! completes the reduction's own task, whose consumer is then handed on as the policy says.
//! The tree's tasks are made while the evaluation runs, so they have slots of their own beside
//! the plan's and are put into the trace (before the reduction's task) when it is assembled;
//! a live view sees only the plan's slots, the reduction's task running until its tree's root
//! ends. `reduce` knows how partial results combine; this module only schedules them.
//!
//! This module knows no arithmetic ([`eval_node`] does it) and draws nothing.

use std::borrow::Cow;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::ast::{Ast, BodySkip, Node, NodeId};
use crate::engine::future::{self, Promise, panic_error};
use crate::engine::grain::{self, NO_TASK, Plan};
use crate::engine::node::eval_node;
use crate::engine::progress::{
    NOT_STARTED, Progress, RUNNING, Times, WORKER_BITS, outcome_of, pack, state_of, unpack,
};
use crate::engine::ready::ReadyQueue;
use crate::engine::reduce::{self, Chunking, Partial, Range, SmallBody};
use crate::engine::{CancelFlag, EvalOptions, Evaluation, Grain, Pool, cancel};
use crate::error::{Error, ErrorKind};
use crate::num::{Int, Limits, Value};
use crate::trace::{Context, Ending, TaskOutcome, TaskRecord, TaskTiming, Trace};

/// Traces of fewer tasks are assembled on the caller's thread, larger ones on the pool.
const PARALLEL_TRACE_MIN_TASKS: usize = 4096;

/// Most chunks one reduction is cut into, whatever the grain: a trace of a few thousand tasks
/// per reduction stays readable, and a range of 10^12 elements is not 10^12 tasks.
const MAX_CHUNKS: u64 = 4096;

/// Chunks per worker of a large reduction under the automatic grain.
const REDUCTION_CHUNKS_PER_WORKER: u64 = 64;

/// Where an error was raised: a plan task, and the task of its reduction's tree if it was one
/// of those ([`NO_TASK`] for the plan task itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TaskAt {
    task: usize,
    tree: u32,
}

impl TaskAt {
    fn plan(task: usize) -> TaskAt {
        TaskAt {
            task,
            tree: NO_TASK,
        }
    }
}

/// What the last job hands back to the caller.
#[derive(Debug)]
struct Finished {
    plan: Plan,
    values: Vec<OnceLock<Value>>,
    times: Arc<[Times]>,
    /// The failing node, its task, and the error.
    error: Option<(u32, TaskAt, Error)>,
    cancelled: bool,
    reductions: Vec<Arc<ReduceRun>>,
}

/// One task of a reduction's tree: a chunk (mapping and folding a stretch of the range) or a
/// combine of two neighbours.
#[derive(Debug)]
struct TreeTask {
    /// The two tasks combined; `None` for a chunk.
    children: Option<(u32, u32)>,
    /// The combine that consumes this task; [`NO_TASK`] for the tree's root.
    parent: u32,
    /// Children not yet resolved (2 for a combine).
    pending: AtomicU32,
    /// The result, taken by the consumer; `None` after a failure or a cancellation.
    partial: Mutex<Option<Partial>>,
    /// The value shown in the trace (the fold, where the partial is one), when recording.
    shown: OnceLock<Value>,
    /// Its slot, as a plan task's: start, state and worker, end.
    times: Times,
    /// Operators evaluated (elements times the body's operators, or 1 for a combine).
    n_ops: AtomicU32,
}

/// A reduction cut into chunks, being evaluated.
#[derive(Debug)]
struct ReduceRun {
    /// The plan task of the reduction node.
    task: u32,
    node: NodeId,
    slot: usize,
    range: Range,
    small: Option<SmallBody>,
    chunk_len: u64,
    body_ops: u32,
    /// Chunks first, then the combines, each after its children.
    tree: Vec<TreeTask>,
    root: u32,
    /// When the bounds were known and the chunks submitted.
    ready_ns: u64,
    /// Tree tasks ready to run, oldest first (one job is submitted for each).
    queue: Mutex<std::collections::VecDeque<u32>>,
}

impl ReduceRun {
    fn chunk_bounds(&self, chunk: u32) -> (u64, u64) {
        let lo = u64::from(chunk) * self.chunk_len;
        (lo, (lo + self.chunk_len).min(self.range.len))
    }
}

/// What [`Shared::run_task`] did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ran {
    /// Ran or skipped the task's nodes, with this outcome.
    Ended(TaskOutcome),
    /// Submitted a reduction's chunks: the task ends when they are combined.
    Deferred,
}

/// What evaluating a task's group ended with.
enum Step {
    Value(Option<Value>),
    /// The group's root is a reduction, whose bounds these are.
    Reduce(Vec<Value>),
}

/// The state every job of one evaluation shares.
#[derive(Debug)]
struct Shared {
    ast: Arc<Ast>,
    env: Arc<[Value]>,
    limits: Limits,
    delay: Duration,
    cancel: CancelFlag,
    /// The pool's handle, to submit jobs from inside jobs; released before the caller wakes.
    threads: Option<Arc<rayon::ThreadPool>>,
    plan: Plan,
    /// Tasks without operand tasks: ready at the start.
    ready: Vec<u32>,
    /// Ready tasks run one after the other by a single starting job, once split.
    seed_chunk: usize,
    /// The shared ready queue of the `fifo` and `critical-path` policies; `None` under `lifo`.
    queue: Option<ReadyQueue>,
    /// `pending[t]`: operand tasks of task `t` not yet resolved.
    pending: Vec<AtomicU32>,
    /// `values[t]`: task `t`'s value, set once when it succeeds; read by its consumer.
    values: Vec<OnceLock<Value>>,
    /// Each task's slot; shared with a live view when one watches.
    times: Arc<[Times]>,
    /// The smallest id of a node known to have failed (`u32::MAX`: none yet). A hint for
    /// skipping work; `error` holds the error itself.
    first_error: AtomicU32,
    error: Mutex<Option<(u32, TaskAt, Error)>>,
    /// Set when a task stopped because of the cancel flag.
    cancelled: AtomicBool,
    started: Instant,
    grain: Grain,
    n_workers: usize,
    /// The reductions cut into chunks so far, for the trace.
    reductions: Mutex<Vec<Arc<ReduceRun>>>,
    /// Whether to read the clock and keep the times: off only to measure what recording costs.
    record: bool,
    promise: Option<Promise<Finished>>,
}

impl Drop for Shared {
    /// The last job to let go of the shared state fulfils the caller's future with it. This
    /// happens after every task has resolved, and even if a job died in an unexpected way.
    fn drop(&mut self) {
        // Release the pool handle first: once the caller wakes it may drop the pool.
        drop(self.threads.take());
        if let Some(promise) = self.promise.take() {
            let error = self
                .error
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            promise.fulfil(Ok(Finished {
                plan: std::mem::take(&mut self.plan),
                values: std::mem::take(&mut self.values),
                times: std::mem::replace(&mut self.times, Arc::new([])),
                error,
                cancelled: *self.cancelled.get_mut(),
                reductions: std::mem::take(
                    self.reductions
                        .get_mut()
                        .unwrap_or_else(PoisonError::into_inner),
                ),
            }));
        }
    }
}

/// Evaluates `ast` by running `plan` (at least one task) on `pool`; `context` is what the
/// trace records of the settings.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run(
    pool: &Pool,
    ast: &Arc<Ast>,
    env: &Arc<[Value]>,
    source: &Arc<str>,
    options: &EvalOptions,
    context: Context,
    plan: Plan,
    record: bool,
) -> Evaluation {
    let n_tasks = plan.n_tasks();
    let n_workers = pool.n_workers();
    let ready: Vec<u32> = (0..n_tasks)
        .filter(|&task| plan.deps(task).is_empty())
        .map(|task| task as u32)
        .collect();
    let pending = (0..n_tasks)
        .map(|task| AtomicU32::new(plan.deps(task).len() as u32))
        .collect();
    let values = (0..n_tasks).map(|_| OnceLock::new()).collect();
    let times: Arc<[Times]> = if record {
        (0..n_tasks).map(|_| Times::default()).collect()
    } else {
        Arc::new([])
    };
    // With a delay every ready task gets its own job, so the schedule shows real parallelism;
    // with many cheap ready tasks, runs of them share a job (still hundreds of jobs per worker
    // to steal from).
    let seed_chunk = if !options.delay.is_zero() || ready.len() <= n_workers * 64 {
        1
    } else {
        ready.len().div_ceil(n_workers * 256)
    };
    let queue = ReadyQueue::new(options.policy, &plan, &ready);
    let (promise, future) = future::channel();
    let started = Instant::now();
    if let Some(watch) = &options.watch
        && record
    {
        watch.publish(Some(Arc::new(Progress {
            started,
            times: Arc::clone(&times),
            roots: plan.roots.clone(),
            n_ops: plan.n_ops.clone(),
            n_workers,
            source: Arc::clone(source),
            context,
        })));
    }
    let shared = Arc::new(Shared {
        ast: Arc::clone(ast),
        env: Arc::clone(env),
        limits: options.limits,
        delay: options.delay,
        cancel: options.cancel.clone(),
        threads: Some(Arc::clone(pool.threads())),
        plan,
        ready,
        seed_chunk,
        queue,
        pending,
        values,
        times,
        first_error: AtomicU32::new(u32::MAX),
        error: Mutex::new(None),
        cancelled: AtomicBool::new(false),
        started,
        grain: options.grain,
        n_workers,
        reductions: Mutex::new(Vec::new()),
        record,
        promise: Some(promise),
    });
    let n_ready = shared.ready.len();
    pool.threads().spawn(move || seed(shared, 0, n_ready));
    let root_span = ast.span(ast.root());
    let outcome = future.result();
    if let Some(watch) = &options.watch {
        watch.publish(None);
    }
    let finished = match outcome {
        Ok(finished) => finished,
        Err(error) => {
            let mut trace = Trace::new(n_workers, Arc::clone(source));
            trace.context = context;
            return Evaluation {
                result: Err(error),
                trace,
            };
        }
    };
    let mut evaluation = finish(finished, pool, ast, source, root_span);
    evaluation.trace.context = context;
    evaluation
}

/// Builds the result and the trace from what the jobs left. The records are assembled on the
/// pool, in parallel: the caller is not one of its workers, so waiting here is safe.
fn finish(
    finished: Finished,
    pool: &Pool,
    ast: &Ast,
    source: &Arc<str>,
    root_span: crate::span::Span,
) -> Evaluation {
    use rayon::prelude::*;
    let Finished {
        plan,
        values,
        times,
        error,
        cancelled,
        reductions,
    } = finished;
    let n_workers = pool.n_workers();
    let root_value = values.last().and_then(OnceLock::get);
    // The failing task's index in the trace, given the index of each task of the plan and
    // of each reduction's tree there.
    let ending_at = |index: &dyn Fn(TaskAt) -> usize| match &error {
        _ if cancelled => Ending::Cancelled,
        Some((node, at, error)) => Ending::Failed {
            task: index(*at),
            node: NodeId(*node),
            error: error.kind.clone(),
        },
        None => Ending::Finished,
    };
    let ending = ending_at(&|at: TaskAt| at.task);
    let result = if cancelled {
        Err(Error::new(ErrorKind::Cancelled, root_span))
    } else if let Some((_, _, error)) = &error {
        Err(error.clone())
    } else {
        root_value.cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::Internal("the evaluation ended without a value".into()),
                root_span,
            )
        })
    };
    if times.is_empty() {
        // Not recorded: no trace.
        let mut trace = Trace::new(n_workers, Arc::clone(source));
        trace.ending = ending;
        return Evaluation { result, trace };
    }
    if !reductions.is_empty() {
        let (mut trace, index) =
            assemble_with_reductions(n_workers, ast, source, &plan, values, &times, reductions);
        trace.ending = ending_at(&index);
        return Evaluation { result, trace };
    }
    // Relaxed loads: the caller synchronised with every job through the future.
    let load = |atomic: &AtomicU64| atomic.load(Ordering::Relaxed);
    let record = |task: usize| {
        let root = NodeId(plan.roots[task]);
        let (start_ns, state, worker) = unpack(load(&times[task].start));
        let deps_start = plan.deps_start[task];
        let deps = plan.deps(task);
        TaskRecord {
            root,
            n_nodes: plan.n_ops[task],
            span: ast.span(root),
            worker,
            ready_ns: deps
                .iter()
                .map(|&dep| load(&times[dep as usize].end_ns))
                .max()
                .unwrap_or(0),
            start_ns,
            end_ns: load(&times[task].end_ns),
            outcome: if state == NOT_STARTED {
                TaskOutcome::NotRun
            } else {
                outcome_of(state)
            },
            deps_start,
            deps_len: deps.len() as u32,
        }
    };
    // Waking the workers costs more than a few thousand records take on the caller's thread.
    let tasks: Vec<TaskRecord> = if plan.n_tasks() < PARALLEL_TRACE_MIN_TASKS {
        (0..plan.n_tasks()).map(record).collect()
    } else {
        pool.threads()
            .install(|| (0..plan.n_tasks()).into_par_iter().map(record).collect())
    };
    // The last instant any task was seen: the root's end when the evaluation succeeded.
    let wall_ns = times
        .iter()
        .map(|slot| load(&slot.end_ns))
        .max()
        .unwrap_or(0);
    let Plan { deps, .. } = plan;
    let mut trace = Trace::from_parts(n_workers, Arc::clone(source), wall_ns, tasks, deps, values);
    trace.ending = ending;
    Evaluation { result, trace }
}

/// The outcome a slot's state word stands for.
fn slot_outcome(state: u64) -> TaskOutcome {
    if state == NOT_STARTED {
        TaskOutcome::NotRun
    } else {
        outcome_of(state)
    }
}

/// The trace of an evaluation whose reductions made tasks of their own: each reduction's
/// chunks and combines are put just before its task (whose record is the tree's root), so that
/// every task still comes after those it depends on. Also returns where each task of the plan
/// and of the trees went in the trace.
fn assemble_with_reductions(
    n_workers: usize,
    ast: &Ast,
    source: &Arc<str>,
    plan: &Plan,
    values: Vec<OnceLock<Value>>,
    times: &[Times],
    reductions: Vec<Arc<ReduceRun>>,
) -> (Trace, impl Fn(TaskAt) -> usize) {
    let load = |atomic: &AtomicU64| atomic.load(Ordering::Relaxed);
    let mut runs: Vec<Option<Arc<ReduceRun>>> = vec![None; plan.n_tasks()];
    for run in reductions {
        let task = run.task as usize;
        runs[task] = Some(run);
    }
    let mut trace = Trace::new(n_workers, Arc::clone(source));
    let mut global = vec![0u32; plan.n_tasks()];
    // Each tree's tasks' indices in the trace, by plan task.
    let mut locals: Vec<Vec<u32>> = vec![Vec::new(); plan.n_tasks()];
    let timing = |times: &Times, root: NodeId, n_nodes: u32, ready_ns: u64| {
        let (start_ns, state, worker) = unpack(load(&times.start));
        TaskTiming {
            root,
            n_nodes,
            span: ast.span(root),
            worker,
            ready_ns,
            start_ns,
            end_ns: load(&times.end_ns),
            outcome: slot_outcome(state),
            value: None,
        }
    };
    for (task, value) in values.into_iter().enumerate() {
        let root = NodeId(plan.roots[task]);
        let plan_deps: Vec<u32> = plan
            .deps(task)
            .iter()
            .map(|&d| global[d as usize])
            .collect();
        let ready_of = |trace: &Trace, deps: &[u32]| {
            deps.iter()
                .map(|&d| trace.tasks[d as usize].end_ns)
                .max()
                .unwrap_or(0)
        };
        let mut record = timing(&times[task], root, plan.n_ops[task], 0);
        let mut deps = plan_deps.clone();
        if let Some(run) = &runs[task] {
            let reduction = &ast.reductions[run.slot];
            let chunk_root = reduction.body.unwrap_or(run.node);
            let mut local = vec![0u32; run.tree.len()];
            for (id, tree_task) in run.tree.iter().enumerate() {
                let n_ops = tree_task.n_ops.load(Ordering::Relaxed);
                let (root_node, tree_deps) = match tree_task.children {
                    None => (chunk_root, plan_deps.clone()),
                    Some((a, b)) => (run.node, vec![local[a as usize], local[b as usize]]),
                };
                let ready_ns = match tree_task.children {
                    None => run.ready_ns,
                    Some(_) => ready_of(&trace, &tree_deps),
                };
                let mut tree_record = timing(&tree_task.times, root_node, n_ops, ready_ns);
                if id as u32 == run.root {
                    // The reduction's own record: the root's times and outcome.
                    tree_record.n_nodes = n_ops;
                    record = tree_record;
                    deps = tree_deps;
                    local[id] = u32::MAX;
                    continue;
                }
                if tree_task.children.is_none() && reduction.body.is_none() {
                    tree_record.span = reduction.range_span;
                }
                tree_record.value = tree_task.shown.get().cloned();
                local[id] = trace.push_task(tree_record, &tree_deps);
            }
            locals[task] = local;
        }
        record.root = root;
        record.span = ast.span(root);
        record.ready_ns = ready_of(&trace, &deps);
        record.value = value.into_inner();
        global[task] = trace.push_task(record, &deps);
    }
    trace.wall_ns = trace.tasks.iter().map(|t| t.end_ns).max().unwrap_or(0);
    let index = move |at: TaskAt| match locals[at.task].get(at.tree as usize) {
        Some(&local) if local != u32::MAX => local as usize,
        _ => global[at.task] as usize,
    };
    (trace, index)
}

/// Starts the ready tasks `shared.ready[lo..hi]`: halves the range, submitting one half as a
/// new job, until it is one chunk, then runs that chunk's tasks (and whatever consumers they
/// make ready). Under a shared-queue policy the range only counts the jobs: each of them
/// serves the queue once, in the queue's order.
// The job owns its reference to the shared state: the last job to drop one fulfils the future.
#[allow(clippy::needless_pass_by_value)]
fn seed(shared: Arc<Shared>, lo: usize, mut hi: usize) {
    while hi - lo > shared.seed_chunk {
        let Some(threads) = shared.threads.as_ref() else {
            break;
        };
        let mid = lo + (hi - lo) / 2;
        let other = Arc::clone(&shared);
        threads.spawn(move || seed(other, mid, hi));
        hi = mid;
    }
    let mut stack = Vec::new();
    if let Some(queue) = &shared.queue {
        for _ in lo..hi {
            shared.serve(queue, &mut stack);
        }
        return;
    }
    let mut start_ns = shared.now_ns();
    for &task in &shared.ready[lo..hi] {
        // One clock read per task: the next ready task starts when the previous chain ended.
        start_ns = shared.run_chain(task, start_ns, &mut stack);
    }
}

/// A task's value stack: values it computed, and borrowed values of its operand tasks. Reused
/// from task to task, so a task allocates nothing but its value.
type Stack<'s> = Vec<Cow<'s, Value>>;

impl Shared {
    fn now_ns(&self) -> u64 {
        if !self.record {
            return 0;
        }
        self.started.elapsed().as_nanos() as u64
    }

    fn worker_index() -> u64 {
        rayon::current_thread_index().unwrap_or(0) as u64 & ((1 << WORKER_BITS) - 1)
    }

    /// Runs `task`, started at `start_ns`, then, as long as finishing a task makes its consumer
    /// ready, the consumer (the `lifo` policy). Returns when the last task it ran ended.
    fn run_chain<'s>(
        self: &'s Arc<Self>,
        mut task: u32,
        mut start_ns: u64,
        stack: &mut Stack<'s>,
    ) -> u64 {
        let worker = Self::worker_index();
        loop {
            let (end_ns, consumer) = self.run_one(task, start_ns, worker, stack);
            let Some(parent) = consumer else {
                return end_ns;
            };
            // The consumer became ready, and starts, when its last operand ended: the latest
            // end among its operand tasks, whose times the Acquire in `run_one` made visible
            // (another worker's clock read may be later than ours).
            task = parent;
            start_ns = self.ready_at(parent, end_ns);
        }
    }

    /// Takes one task from the shared ready queue and runs it; while finishing a task makes its
    /// consumer ready, puts the consumer in and takes the queue's next task (the `fifo` and
    /// `critical-path` policies).
    fn serve<'s>(self: &'s Arc<Self>, queue: &ReadyQueue, stack: &mut Stack<'s>) {
        let Some(task) = queue.pop() else {
            return;
        };
        self.serve_from(queue, task, stack);
    }

    /// Runs `task`, taken from the shared ready queue, and serves the queue on as
    /// [`Shared::serve`] does.
    fn serve_from<'s>(
        self: &'s Arc<Self>,
        queue: &ReadyQueue,
        mut task: u32,
        stack: &mut Stack<'s>,
    ) {
        let worker = Self::worker_index();
        loop {
            let start_ns = self.now_ns();
            let (_, consumer) = self.run_one(task, start_ns, worker, stack);
            let Some(parent) = consumer else {
                return;
            };
            task = queue.push_pop(parent);
        }
    }

    /// Runs (or skips) one task started at `start_ns` on `worker`, records its times and
    /// outcome, and resolves it for its consumer. Returns its end and, if this made the
    /// consumer ready, the consumer. A reduction cut into chunks ends later, when its tree's
    /// root does ([`Shared::finish_reduction`]): its slot stays running, and its consumer is
    /// not resolved here.
    fn run_one<'s>(
        self: &'s Arc<Self>,
        task: u32,
        start_ns: u64,
        worker: u64,
        stack: &mut Stack<'s>,
    ) -> (u64, Option<u32>) {
        let index = task as usize;
        let slot = self.times.get(index);
        if let Some(times) = slot {
            // Relaxed: only a live view reads a running task's slot, and a stale read shows
            // it a moment late.
            times
                .start
                .store(pack(start_ns, RUNNING, worker), Ordering::Relaxed);
        }
        let outcome = match self.run_task(index, stack) {
            Ran::Ended(outcome) => outcome,
            Ran::Deferred => return (start_ns, None),
        };
        let end_ns = if outcome.started() {
            self.now_ns()
        } else {
            start_ns
        };
        if let Some(times) = slot {
            // The end first, then the final state with Release, so that whoever sees the state
            // (Acquire) sees the end. The consumer and the caller see both through the AcqRel
            // decrement below and the release of the shared state.
            times.end_ns.store(end_ns, Ordering::Relaxed);
            times
                .start
                .store(pack(start_ns, state_of(outcome), worker), Ordering::Release);
        }
        let parent = self.plan.parent[index];
        if parent == NO_TASK {
            return (end_ns, None);
        }
        // AcqRel: the Release half publishes this task's value to whichever worker runs the
        // consumer; the Acquire half lets the last operand's worker see every other operand's
        // value.
        if self.pending[parent as usize].fetch_sub(1, Ordering::AcqRel) != 1 {
            return (end_ns, None);
        }
        (end_ns, Some(parent))
    }

    /// Runs one task, or skips it, and says what became of it.
    fn run_task<'s>(self: &'s Arc<Self>, task: usize, stack: &mut Stack<'s>) -> Ran {
        let root = self.plan.roots[task];
        let first = self.ast.first_of(NodeId(root)).0;
        if self.cancel.is_cancelled() {
            self.cancelled.store(true, Ordering::Relaxed);
            return Ran::Ended(TaskOutcome::NotRun);
        }
        // Relaxed: a stale value only means running a task that could have been skipped.
        if first > self.first_error.load(Ordering::Relaxed) {
            return Ran::Ended(TaskOutcome::NotRun);
        }
        let current = Cell::new(root);
        let worked = Cell::new(false);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.evaluate_group(task, root, first, &current, &worked, stack)
        }));
        Ran::Ended(match outcome {
            Ok(Ok(Step::Value(Some(value)))) => {
                // The slot is empty: each task runs once.
                let _ = self.values[task].set(value);
                TaskOutcome::Ran
            }
            Ok(Ok(Step::Value(None))) if worked.get() => TaskOutcome::Cancelled,
            Ok(Ok(Step::Value(None))) => TaskOutcome::NotRun,
            Ok(Ok(Step::Reduce(bounds))) => {
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    self.start_reduction(task, NodeId(root), &bounds)
                }));
                match outcome {
                    Ok(ran) => return ran,
                    Err(payload) => {
                        let span = self.ast.op_span(NodeId(root));
                        self.record_error(root, task, panic_error(&*payload, span));
                        TaskOutcome::Failed
                    }
                }
            }
            Ok(Err((node, error))) => {
                self.record_error(node, task, error);
                TaskOutcome::Failed
            }
            Err(payload) => {
                let node = current.get();
                let span = self.ast.op_span(NodeId(node));
                self.record_error(node, task, panic_error(&*payload, span));
                TaskOutcome::Failed
            }
        })
    }

    /// Evaluates the nodes of task `task` in arena order, with a value stack as the sequential
    /// evaluator does, taking the values of operand tasks where their subtrees begin. `None`
    /// when it stops early: an operand task has no value, an earlier node failed, or the
    /// evaluation was cancelled. `worked` is set once it begins its first operator.
    #[allow(clippy::type_complexity)]
    fn evaluate_group<'s>(
        &'s self,
        task: usize,
        root: u32,
        first: u32,
        current: &Cell<u32>,
        worked: &Cell<bool>,
        stack: &mut Stack<'s>,
    ) -> Result<Step, (u32, Error)> {
        let ast = &*self.ast;
        let deps = self.plan.deps(task);
        let dep_first = |k: usize| {
            deps.get(k).map_or(u32::MAX, |&dep| {
                ast.first_of(NodeId(self.plan.roots[dep as usize])).0
            })
        };
        let mut next_dep = 0;
        let mut next_dep_first = dep_first(0);
        stack.clear();
        let mut skip = BodySkip::new(ast, first, None);
        let mut index = first;
        while index <= root {
            if index == next_dep_first {
                let dep = deps[next_dep] as usize;
                let Some(value) = self.values[dep].get() else {
                    return Ok(Step::Value(None));
                };
                stack.push(Cow::Borrowed(value));
                index = self.plan.roots[dep] + 1;
                next_dep += 1;
                next_dep_first = dep_first(next_dep);
                continue;
            }
            // A reduction's body is evaluated by the reduction, never in passing.
            if let Some(body_root) = skip.skip_at(index) {
                index = body_root + 1;
                continue;
            }
            let id = NodeId(index);
            if let Some(reduction) = ast.reduction(id) {
                // Always a task's root (see `grain`): its bounds are on the stack.
                worked.set(true);
                let base = stack.len().saturating_sub(reduction.n_args as usize);
                let bounds = stack.drain(base..).map(Cow::into_owned).collect();
                return Ok(Step::Reduce(bounds));
            }
            if !ast.is_leaf(id) {
                if index > self.first_error.load(Ordering::Relaxed) {
                    return Ok(Step::Value(None));
                }
                worked.set(true);
                if !self.simulate_work(index) {
                    return Ok(Step::Value(None));
                }
            }
            current.set(index);
            let base = stack.len() - ast.n_operands(id);
            let value = eval_node(ast, id, &self.env, &[], &self.limits, |k| &*stack[base + k])
                .map_err(|error| (index, error))?;
            stack.truncate(base);
            stack.push(Cow::Owned(value));
            index += 1;
        }
        Ok(Step::Value(stack.pop().map(Cow::into_owned)))
    }

    /// Whether the tasks of reduction `node` should stop: the evaluation was cancelled (noted),
    /// or a node at or before the reduction failed, so that its value is no longer wanted (an
    /// error inside the reduction stops its other chunks; one after it does not, since the
    /// reduction may still hold an earlier error).
    fn should_stop(&self, node: NodeId) -> bool {
        if self.cancel.is_cancelled() {
            self.cancelled.store(true, Ordering::Relaxed);
            return true;
        }
        // Relaxed: a stale value only means working a moment longer.
        self.first_error.load(Ordering::Relaxed) <= node.0
    }

    /// Sleeps the simulated delay of one element or one combine of reduction `node`; `false`
    /// if it should stop instead.
    fn reduction_work(&self, node: NodeId) -> bool {
        let slept = cancel::sleep_delay(self.delay, &self.cancel, || !self.should_stop(node));
        slept && !self.should_stop(node)
    }

    /// The simulated delay before each element of reduction `node`, when one is set.
    fn per_element(&self, node: NodeId) -> Option<impl Fn() -> bool + '_> {
        (!self.delay.is_zero()).then_some(move || self.reduction_work(node))
    }

    /// The reduction of task `task` (node `node`), its bounds known: an empty range or a single
    /// chunk is evaluated here and now; a longer one is cut into chunks, submitted as jobs.
    // Reads as the steps of a reduction's start, in order.
    #[allow(clippy::too_many_lines)]
    fn start_reduction(self: &Arc<Self>, task: usize, node: NodeId, bounds: &[Value]) -> Ran {
        let ast = &*self.ast;
        let Some(Node::Reduce(slot)) = ast.nodes.get(node.index()) else {
            return Ran::Ended(TaskOutcome::Ran);
        };
        let slot = *slot as usize;
        let reduction = &ast.reductions[slot];
        let failed = |failed: u32, error: Error| {
            if error.kind == ErrorKind::Cancelled {
                TaskOutcome::Cancelled
            } else {
                self.record_error(failed, task, error);
                TaskOutcome::Failed
            }
        };
        let bound_refs: Vec<&Value> = bounds.iter().collect();
        let range = match Range::new(&bound_refs) {
            Ok(range) => range,
            Err(error) => {
                return Ran::Ended(failed(node.0, Error::new(error, ast.op_span(node))));
            }
        };
        let body_ops = reduction.body.map_or(1, |body| {
            let first = ast.first_of(body).0;
            (first..=body.0)
                .filter(|&index| !ast.is_leaf(NodeId(index)))
                .count()
                .max(1) as u32
        });
        let total_ops = range.len.saturating_mul(u64::from(body_ops));
        let fine = usize::try_from(total_ops).is_ok_and(|n| n <= grain::AUTO_FINE_MAX_OPS);
        let chunk_len = if !self.delay.is_zero() {
            // Each element is one operator's worth of simulated work, and a task of its own.
            1
        } else if self.grain == Grain::Auto && !fine {
            // Chunks are cheap to make and to combine (a few microseconds each): more of them
            // than the plan's tasks per worker, so that a worker the machine takes away for a
            // while holds up little of the range.
            let n_chunks = (self.n_workers as u64).max(1) * REDUCTION_CHUNKS_PER_WORKER;
            range.len.div_ceil(n_chunks)
        } else {
            let grain = grain::choose(
                self.grain,
                usize::try_from(total_ops).unwrap_or(usize::MAX),
                self.n_workers,
                self.delay,
            );
            u64::from(grain).div_ceil(u64::from(body_ops)).max(1)
        };
        let chunk_len = chunk_len.max(range.len.div_ceil(MAX_CHUNKS)).max(1);
        let n_chunks = range.len.div_ceil(chunk_len) as u32;
        let small = SmallBody::compile(ast, slot, &self.env);
        if n_chunks <= 1 {
            let hook = self.per_element(node);
            let per_element = hook.as_ref().map(|hook| hook as &dyn Fn() -> bool);
            let stop = || self.should_stop(node);
            let outcome = reduce::evaluate_whole(
                ast,
                node,
                slot,
                &range,
                &self.env,
                &self.limits,
                small.as_ref(),
                &stop,
                per_element,
            );
            return Ran::Ended(match outcome {
                Ok(Some(value)) => {
                    let _ = self.values[task].set(value);
                    TaskOutcome::Ran
                }
                Ok(None) => TaskOutcome::Cancelled,
                Err((node, error)) => failed(node, error),
            });
        }
        // The tree: chunks, then combines level by level (an odd one out moves up a level).
        let new_task = |children: Option<(u32, u32)>| TreeTask {
            children,
            parent: NO_TASK,
            pending: AtomicU32::new(if children.is_some() { 2 } else { 0 }),
            partial: Mutex::new(None),
            shown: OnceLock::new(),
            times: Times::default(),
            n_ops: AtomicU32::new(1),
        };
        let mut tree: Vec<TreeTask> = (0..n_chunks).map(|_| new_task(None)).collect();
        let mut level: Vec<u32> = (0..n_chunks).collect();
        while level.len() > 1 {
            let mut next = Vec::with_capacity(level.len().div_ceil(2));
            for pair in level.chunks(2) {
                if let [a, b] = *pair {
                    let id = tree.len() as u32;
                    tree.push(new_task(Some((a, b))));
                    tree[a as usize].parent = id;
                    tree[b as usize].parent = id;
                    next.push(id);
                } else {
                    next.push(pair[0]);
                }
            }
            level = next;
        }
        let run = Arc::new(ReduceRun {
            task: task as u32,
            node,
            slot,
            range,
            small,
            chunk_len,
            body_ops,
            root: level[0],
            tree,
            ready_ns: self.now_ns(),
            queue: Mutex::new((0..n_chunks).collect()),
        });
        self.reductions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::clone(&run));
        // One job per chunk; each job runs the first ready task of the tree's queue, whichever
        // worker takes the job: the chunks in order, and each combine as it becomes ready.
        for _ in 0..n_chunks {
            self.submit_tree_job(&run);
        }
        Ran::Deferred
    }

    /// Runs tree task `id` of `run` and records its slot; the task that makes a combine ready
    /// submits it, and the root ends the reduction's task.
    // Reads as the steps of a tree task, in order: start, run, result, slot, hand-over.
    #[allow(clippy::too_many_lines)]
    fn run_tree(self: &Arc<Self>, run: &Arc<ReduceRun>, id: u32) {
        let worker = Self::worker_index();
        let start_ns = self.now_ns();
        let tree_task = &run.tree[id as usize];
        // Relaxed: the slot is read after the evaluation (or racily by nobody else).
        tree_task
            .times
            .start
            .store(pack(start_ns, RUNNING, worker), Ordering::Relaxed);
        let at = TaskAt {
            task: run.task as usize,
            tree: id,
        };
        let ast = &*self.ast;
        let began = Cell::new(false);
        let (mut partial, mut outcome) = if self.should_stop(run.node) {
            (None, TaskOutcome::NotRun)
        } else {
            let reduction = &ast.reductions[run.slot];
            let chunking = Chunking {
                ast,
                node: run.node,
                slot: run.slot,
                reduction,
                range: &run.range,
                env: &self.env,
                limits: &self.limits,
                small: run.small.as_ref(),
            };
            let mut locals = vec![Value::Int(Int::ZERO); ast.reductions.len()];
            let result = catch_unwind(AssertUnwindSafe(|| {
                self.run_tree_task(run, &chunking, tree_task, id, &began, &mut locals)
            }));
            match result {
                Ok(Ok(Some(partial))) => (Some(partial), TaskOutcome::Ran),
                Ok(Ok(None)) if began.get() => (None, TaskOutcome::Cancelled),
                Ok(Ok(None)) => (None, TaskOutcome::NotRun),
                Ok(Err((_, error))) if error.kind == ErrorKind::Cancelled => {
                    (None, TaskOutcome::Cancelled)
                }
                Ok(Err((node, error))) => {
                    self.record_error_at(node, at, error);
                    (None, TaskOutcome::Failed)
                }
                Err(payload) => {
                    let span = ast.op_span(run.node);
                    self.record_error_at(run.node.0, at, panic_error(&*payload, span));
                    (None, TaskOutcome::Failed)
                }
            }
        };
        if self.record
            && let Some(Partial::Acc(value) | Partial::Exact { value, .. }) = &partial
        {
            let _ = tree_task.shown.set(value.clone());
        }
        let is_root = id == run.root;
        if is_root && let Some(root) = partial.take() {
            // The tree's root: the reduction's value.
            let func = ast.reductions[run.slot].func;
            match reduce::finish(func, root) {
                Ok(value) => {
                    let _ = self.values[run.task as usize].set(value);
                }
                Err(error) => {
                    let span = ast.op_span(run.node);
                    self.record_error_at(run.node.0, at, Error::new(error, span));
                    outcome = TaskOutcome::Failed;
                }
            }
        }
        *tree_task
            .partial
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = partial;
        let end_ns = if outcome.started() {
            self.now_ns()
        } else {
            start_ns
        };
        // The end first, then the final state with Release, as for a plan task; the parent
        // sees both through the AcqRel decrement below.
        tree_task.times.end_ns.store(end_ns, Ordering::Relaxed);
        tree_task
            .times
            .start
            .store(pack(start_ns, state_of(outcome), worker), Ordering::Release);
        if is_root {
            self.finish_reduction(run, outcome, end_ns);
            return;
        }
        let parent = tree_task.parent;
        // AcqRel, as between plan tasks: publishes this partial, sees the sibling's.
        if run.tree[parent as usize]
            .pending
            .fetch_sub(1, Ordering::AcqRel)
            != 1
        {
            return;
        }
        let mut queue = run.queue.lock().unwrap_or_else(PoisonError::into_inner);
        if self.delay.is_zero() {
            // Without a delay a combine goes first: it frees its operands' results (a
            // float chunk's values) as soon as they can be folded.
            queue.push_front(parent);
        } else {
            // With one, behind the maps, as the reduction is drawn on paper.
            queue.push_back(parent);
        }
        drop(queue);
        self.submit_tree_job(run);
    }

    /// Submits a job that runs the oldest ready task of `run`'s tree.
    fn submit_tree_job(self: &Arc<Self>, run: &Arc<ReduceRun>) {
        let Some(threads) = self.threads.as_ref() else {
            return;
        };
        let (shared, run) = (Arc::clone(self), Arc::clone(run));
        threads.spawn(move || {
            let next = run
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop_front();
            if let Some(id) = next {
                shared.run_tree(&run, id);
            }
        });
    }

    /// One chunk (map and fold) or one combine; `None` when stopped (`worked` set) or an
    /// operand has no result (`worked` not set).
    fn run_tree_task(
        &self,
        run: &ReduceRun,
        chunking: &Chunking<'_>,
        tree_task: &TreeTask,
        id: u32,
        worked: &Cell<bool>,
        locals: &mut [Value],
    ) -> Result<Option<Partial>, reduce::Failure> {
        let take = |c: u32| {
            run.tree[c as usize]
                .partial
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
        };
        let stop = || self.should_stop(run.node);
        match tree_task.children {
            None => {
                worked.set(true);
                let (lo, hi) = run.chunk_bounds(id);
                let n_ops = (hi - lo).saturating_mul(u64::from(run.body_ops));
                tree_task
                    .n_ops
                    .store(u32::try_from(n_ops).unwrap_or(u32::MAX), Ordering::Relaxed);
                let hook = self.per_element(run.node);
                let per_element = hook.as_ref().map(|hook| hook as &dyn Fn() -> bool);
                chunking.map_chunk(lo, hi, locals, &stop, per_element)
            }
            Some((a, b)) => {
                let (Some(left), Some(right)) = (take(a), take(b)) else {
                    return Ok(None);
                };
                worked.set(true);
                if !self.reduction_work(run.node) {
                    return Ok(None);
                }
                let func = chunking.reduction.func;
                let mut refold = |mut acc: Value, lo: u64, hi: u64| {
                    for i in lo..hi {
                        let value = chunking.element(i, locals, &stop)?;
                        acc = reduce::fold(func, acc, value, &self.limits)
                            .map_err(|error| chunking.at(error))?;
                    }
                    Ok(acc)
                };
                reduce::combine(func, left, right, &self.limits, &mut refold, &|error| {
                    chunking.at(error)
                })
                .map(Some)
            }
        }
    }

    /// The tree's root has ended (`outcome`, at `end_ns`; its value is set already): the
    /// reduction's task ends with it, and its consumer is handed on as after any task.
    fn finish_reduction(self: &Arc<Self>, run: &ReduceRun, outcome: TaskOutcome, end_ns: u64) {
        let task = run.task as usize;
        if let Some(times) = self.times.get(task) {
            // The live view saw the task running since it started; it ends now.
            let (start_ns, _, worker) = unpack(times.start.load(Ordering::Relaxed));
            times.end_ns.store(end_ns, Ordering::Relaxed);
            times.start.store(
                pack(start_ns, state_of(outcome), u64::from(worker)),
                Ordering::Release,
            );
        }
        let parent = self.plan.parent[task];
        if parent == NO_TASK || self.pending[parent as usize].fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let mut stack = Vec::new();
        if let Some(queue) = &self.queue {
            let next = queue.push_pop(parent);
            self.serve_from(queue, next, &mut stack);
        } else {
            let start_ns = self.ready_at(parent, end_ns);
            self.run_chain(parent, start_ns, &mut stack);
        }
    }

    /// When `task` became ready, its last operand having ended at `end_ns` on this worker: the
    /// latest end among its operand tasks (another worker's clock read may be later than ours).
    fn ready_at(&self, task: u32, end_ns: u64) -> u64 {
        self.plan
            .deps(task as usize)
            .iter()
            .filter_map(|&dep| self.times.get(dep as usize))
            .map(|times| times.end_ns.load(Ordering::Relaxed))
            .fold(end_ns, u64::max)
    }

    /// Checks the cancel flag and sleeps the simulated delay of node `index` in slices,
    /// checking between them the flag and the first error: once a node before this one has
    /// failed, this node's value is not wanted. Returns `false` if the evaluation was
    /// cancelled or the node is no longer wanted.
    fn simulate_work(&self, index: u32) -> bool {
        // Relaxed: a stale value only means sleeping a slice longer.
        let wanted = || index <= self.first_error.load(Ordering::Relaxed);
        let slept = cancel::sleep_delay(self.delay, &self.cancel, wanted);
        if self.cancel.is_cancelled() {
            self.cancelled.store(true, Ordering::Relaxed);
        }
        slept
    }

    /// Keeps the error of the smallest failing node, and the task that raised it.
    fn record_error(&self, node: u32, task: usize, error: Error) {
        self.record_error_at(node, TaskAt::plan(task), error);
    }

    /// Keeps the error of the smallest failing node, and the task (of the plan or of a
    /// reduction's tree) that raised it.
    fn record_error_at(&self, node: u32, at: TaskAt, error: Error) {
        let mut slot = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_none_or(|(known, _, _)| node < *known) {
            *slot = Some((node, at, error));
        }
        // Relaxed: only a hint for skipping; the mutex decides which error is reported.
        self.first_error.fetch_min(node, Ordering::Relaxed);
    }
}
