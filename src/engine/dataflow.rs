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
//! This module knows no arithmetic ([`eval_node`] does it) and draws nothing.

use std::borrow::Cow;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::ast::{Ast, NodeId};
use crate::engine::future::{self, Promise, panic_error};
use crate::engine::grain::{NO_TASK, Plan};
use crate::engine::node::eval_node;
use crate::engine::progress::{
    NOT_STARTED, Progress, RUNNING, Times, WORKER_BITS, outcome_of, pack, state_of, unpack,
};
use crate::engine::ready::ReadyQueue;
use crate::engine::{CancelFlag, EvalOptions, Evaluation, Pool, cancel};
use crate::error::{Error, ErrorKind};
use crate::num::{Limits, Value};
use crate::trace::{Context, Ending, TaskOutcome, TaskRecord, Trace};

/// Traces of fewer tasks are assembled on the caller's thread, larger ones on the pool.
const PARALLEL_TRACE_MIN_TASKS: usize = 4096;

/// What the last job hands back to the caller.
#[derive(Debug)]
struct Finished {
    plan: Plan,
    values: Vec<OnceLock<Value>>,
    times: Arc<[Times]>,
    /// The failing node, its task, and the error.
    error: Option<(u32, usize, Error)>,
    cancelled: bool,
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
    error: Mutex<Option<(u32, usize, Error)>>,
    /// Set when a task stopped because of the cancel flag.
    cancelled: AtomicBool,
    started: Instant,
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
    } = finished;
    let n_workers = pool.n_workers();
    let root_value = values.last().and_then(OnceLock::get);
    let ending = match &error {
        _ if cancelled => Ending::Cancelled,
        Some((node, task, error)) => Ending::Failed {
            task: *task,
            node: NodeId(*node),
            error: error.kind.clone(),
        },
        None => Ending::Finished,
    };
    let result = if cancelled {
        Err(Error::new(ErrorKind::Cancelled, root_span))
    } else if let Some((_, _, error)) = error {
        Err(error)
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
    fn run_chain<'s>(&'s self, mut task: u32, mut start_ns: u64, stack: &mut Stack<'s>) -> u64 {
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
            start_ns = self
                .plan
                .deps(parent as usize)
                .iter()
                .filter_map(|&dep| self.times.get(dep as usize))
                .map(|times| times.end_ns.load(Ordering::Relaxed))
                .fold(end_ns, u64::max);
        }
    }

    /// Takes one task from the shared ready queue and runs it; while finishing a task makes its
    /// consumer ready, puts the consumer in and takes the queue's next task (the `fifo` and
    /// `critical-path` policies).
    fn serve<'s>(&'s self, queue: &ReadyQueue, stack: &mut Stack<'s>) {
        let worker = Self::worker_index();
        let Some(mut task) = queue.pop() else {
            return;
        };
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
    /// consumer ready, the consumer.
    fn run_one<'s>(
        &'s self,
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
        let outcome = self.run_task(index, stack);
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
    fn run_task<'s>(&'s self, task: usize, stack: &mut Stack<'s>) -> TaskOutcome {
        let root = self.plan.roots[task];
        let first = self.ast.first_of(NodeId(root)).0;
        if self.cancel.is_cancelled() {
            self.cancelled.store(true, Ordering::Relaxed);
            return TaskOutcome::NotRun;
        }
        // Relaxed: a stale value only means running a task that could have been skipped.
        if first > self.first_error.load(Ordering::Relaxed) {
            return TaskOutcome::NotRun;
        }
        let current = Cell::new(root);
        let worked = Cell::new(false);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.evaluate_group(task, root, first, &current, &worked, stack)
        }));
        match outcome {
            Ok(Ok(Some(value))) => {
                // The slot is empty: each task runs once.
                let _ = self.values[task].set(value);
                TaskOutcome::Ran
            }
            Ok(Ok(None)) if worked.get() => TaskOutcome::Cancelled,
            Ok(Ok(None)) => TaskOutcome::NotRun,
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
        }
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
    ) -> Result<Option<Value>, (u32, Error)> {
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
        let mut index = first;
        while index <= root {
            if index == next_dep_first {
                let dep = deps[next_dep] as usize;
                let Some(value) = self.values[dep].get() else {
                    return Ok(None);
                };
                stack.push(Cow::Borrowed(value));
                index = self.plan.roots[dep] + 1;
                next_dep += 1;
                next_dep_first = dep_first(next_dep);
                continue;
            }
            let id = NodeId(index);
            if !ast.is_leaf(id) {
                if index > self.first_error.load(Ordering::Relaxed) {
                    return Ok(None);
                }
                worked.set(true);
                if !self.simulate_work(index) {
                    return Ok(None);
                }
            }
            current.set(index);
            let base = stack.len() - ast.n_operands(id);
            let value = eval_node(ast, id, &self.env, &self.limits, |k| &*stack[base + k])
                .map_err(|error| (index, error))?;
            stack.truncate(base);
            stack.push(Cow::Owned(value));
            index += 1;
        }
        Ok(stack.pop().map(Cow::into_owned))
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
        let mut slot = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_none_or(|(known, _, _)| node < *known) {
            *slot = Some((node, task, error));
        }
        // Relaxed: only a hint for skipping; the mutex decides which error is reported.
        self.first_error.fetch_min(node, Ordering::Relaxed);
    }
}
