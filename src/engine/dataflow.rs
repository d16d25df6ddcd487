//! The parallel evaluator: runs a [`Plan`] on a [`Pool`] as a dataflow program.
//!
//! Each task has a counter of operand tasks still pending. Tasks with no operand tasks are
//! submitted at the start; when a task finishes, it decrements its consumer's counter, and the
//! worker that brings it to zero runs the consumer next (in a loop, not a recursive call). So
//! a task only ever starts with all its operands computed, no worker ever waits on another
//! task, and one worker cannot deadlock. The last task (the root's) resolves only after every
//! other task has, and the caller's future is fulfilled when the last job lets go of the
//! shared state, handing that state over whole to build the result and the trace.
//!
//! Errors: a task that fails records its error with the failing node's id, and the smallest
//! such id wins. Tasks whose nodes all come after a known error are skipped, tasks that may
//! still hold an earlier error run on, so the error reported is the one the sequential
//! evaluator reports (the first failing node in arena order). The cancel flag skips every task
//! not yet started and stops running ones at their next check.
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
use crate::engine::{CancelFlag, EvalOptions, Evaluation, Pool};
use crate::error::{Error, ErrorKind};
use crate::num::{Limits, Value};
use crate::trace::{TaskRecord, Trace};

/// The longest single sleep of a simulated delay: the cancel flag is checked at least this
/// often, so Ctrl-C stops a slow evaluation well within 100 ms.
const DELAY_SLICE: Duration = Duration::from_millis(10);

/// Each task's instants and worker, written once by the worker that runs it.
#[derive(Debug, Default)]
struct Times {
    ready_ns: AtomicU64,
    start_ns: AtomicU64,
    end_ns: AtomicU64,
    worker: AtomicU32,
}

/// What the last job hands back to the caller.
#[derive(Debug)]
struct Finished {
    plan: Plan,
    values: Vec<OnceLock<Value>>,
    times: Vec<Times>,
    error: Option<(u32, Error)>,
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
    /// `pending[t]`: operand tasks of task `t` not yet resolved.
    pending: Vec<AtomicU32>,
    /// `values[t]`: task `t`'s value, set once when it succeeds; read by its consumer.
    values: Vec<OnceLock<Value>>,
    times: Vec<Times>,
    /// The smallest id of a node known to have failed (`u32::MAX`: none yet). A hint for
    /// skipping work; `error` holds the error itself.
    first_error: AtomicU32,
    error: Mutex<Option<(u32, Error)>>,
    /// Set when a task stopped because of the cancel flag.
    cancelled: AtomicBool,
    started: Instant,
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
                times: std::mem::take(&mut self.times),
                error,
                cancelled: *self.cancelled.get_mut(),
            }));
        }
    }
}

/// Evaluates `ast` by running `plan` (at least one task) on `pool`.
pub(crate) fn run(
    pool: &Pool,
    ast: &Arc<Ast>,
    env: &Arc<[Value]>,
    source: &Arc<str>,
    options: &EvalOptions,
    plan: Plan,
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
    let times = (0..n_tasks).map(|_| Times::default()).collect();
    // With a delay every ready task gets its own job, so the schedule shows real parallelism;
    // with many cheap ready tasks, runs of them share a job (still hundreds of jobs per worker
    // to steal from).
    let seed_chunk = if !options.delay.is_zero() || ready.len() <= n_workers * 64 {
        1
    } else {
        ready.len().div_ceil(n_workers * 256)
    };
    let (promise, future) = future::channel();
    let started = Instant::now();
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
        pending,
        values,
        times,
        first_error: AtomicU32::new(u32::MAX),
        error: Mutex::new(None),
        cancelled: AtomicBool::new(false),
        started,
        promise: Some(promise),
    });
    let n_ready = shared.ready.len();
    pool.threads().spawn(move || seed(shared, 0, n_ready));
    let root_span = ast.span(ast.root());
    let finished = match future.result() {
        Ok(finished) => finished,
        Err(error) => {
            return Evaluation {
                result: Err(error),
                trace: Trace::new(n_workers, Arc::clone(source)),
            };
        }
    };
    finish(finished, ast, source, n_workers, root_span)
}

/// Builds the result and the trace from what the jobs left.
fn finish(
    finished: Finished,
    ast: &Ast,
    source: &Arc<str>,
    n_workers: usize,
    root_span: crate::span::Span,
) -> Evaluation {
    let Finished {
        plan,
        values,
        times,
        error,
        cancelled,
    } = finished;
    let n_tasks = plan.n_tasks();
    let root_value = values.last().and_then(OnceLock::get).cloned();
    let result = if cancelled {
        Err(Error::new(ErrorKind::Cancelled, root_span))
    } else if let Some((_, error)) = error {
        Err(error)
    } else {
        root_value.ok_or_else(|| {
            Error::new(
                ErrorKind::Internal("the evaluation ended without a value".into()),
                root_span,
            )
        })
    };
    // Relaxed loads: the caller synchronised with every job through the future.
    let load = |atomic: &AtomicU64| atomic.load(Ordering::Relaxed);
    let wall_ns = times.last().map_or(0, |last| load(&last.end_ns));
    let tasks: Vec<TaskRecord> = (0..n_tasks)
        .map(|task| {
            let root = NodeId(plan.roots[task]);
            let task_times = &times[task];
            TaskRecord {
                root,
                n_nodes: plan.n_ops[task],
                span: ast.span(root),
                worker: task_times.worker.load(Ordering::Relaxed),
                ready_ns: load(&task_times.ready_ns),
                start_ns: load(&task_times.start_ns),
                end_ns: load(&task_times.end_ns),
                deps_start: plan.deps_start[task],
                deps_len: plan.deps_start[task + 1] - plan.deps_start[task],
            }
        })
        .collect();
    drop(times);
    let values: Vec<Option<Value>> = values.into_iter().map(OnceLock::into_inner).collect();
    let Plan { deps, .. } = plan;
    Evaluation {
        result,
        trace: Trace::from_parts(n_workers, Arc::clone(source), wall_ns, tasks, deps, values),
    }
}

/// Starts the ready tasks `shared.ready[lo..hi]`: halves the range, submitting one half as a
/// new job, until it is one chunk, then runs that chunk's tasks (and whatever consumers they
/// make ready).
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
    for &task in &shared.ready[lo..hi] {
        shared.run_chain(task, 0);
    }
}

impl Shared {
    fn now_ns(&self) -> u64 {
        self.started.elapsed().as_nanos() as u64
    }

    /// Runs `task`, then, as long as finishing a task makes its consumer ready, the consumer.
    fn run_chain(&self, mut task: u32, mut ready_ns: u64) {
        let worker = rayon::current_thread_index().unwrap_or(0) as u32;
        let mut start_ns = self.now_ns();
        loop {
            let index = task as usize;
            let ran = self.run_task(index);
            let end_ns = if ran { self.now_ns() } else { start_ns };
            let times = &self.times[index];
            // Relaxed stores: published to the consumer by the AcqRel decrement below, and to
            // the caller by the release of the shared state.
            times.ready_ns.store(ready_ns, Ordering::Relaxed);
            times.start_ns.store(start_ns, Ordering::Relaxed);
            times.end_ns.store(end_ns, Ordering::Relaxed);
            times.worker.store(worker, Ordering::Relaxed);
            let parent = self.plan.parent[index];
            if parent == NO_TASK {
                return;
            }
            // AcqRel: the Release half publishes this task's value to whichever worker runs the
            // consumer; the Acquire half lets the last operand's worker see every other
            // operand's value.
            if self.pending[parent as usize].fetch_sub(1, Ordering::AcqRel) != 1 {
                return;
            }
            task = parent;
            ready_ns = end_ns;
            start_ns = if ran { end_ns } else { self.now_ns() };
        }
    }

    /// Runs one task, or skips it. Returns whether it evaluated anything.
    fn run_task(&self, task: usize) -> bool {
        let root = self.plan.roots[task];
        let first = self.ast.first_of(NodeId(root)).0;
        if self.cancel.is_cancelled() {
            self.cancelled.store(true, Ordering::Relaxed);
            return false;
        }
        // Relaxed: a stale value only means running a task that could have been skipped.
        if first > self.first_error.load(Ordering::Relaxed) {
            return false;
        }
        let current = Cell::new(root);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.evaluate_group(task, root, first, &current)
        }));
        match outcome {
            Ok(Ok(Some(value))) => {
                // The slot is empty: each task runs once.
                let _ = self.values[task].set(value);
            }
            Ok(Ok(None)) => {}
            Ok(Err((node, error))) => self.record_error(node, error),
            Err(payload) => {
                let node = current.get();
                let span = self.ast.op_span(NodeId(node));
                self.record_error(node, panic_error(&*payload, span));
            }
        }
        true
    }

    /// Evaluates the nodes of task `task` in arena order, with a value stack as the sequential
    /// evaluator does, taking the values of operand tasks where their subtrees begin. `None`
    /// when it stops early: an operand task has no value, an earlier node failed, or the
    /// evaluation was cancelled.
    #[allow(clippy::type_complexity)]
    fn evaluate_group(
        &self,
        task: usize,
        root: u32,
        first: u32,
        current: &Cell<u32>,
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
        let mut stack: Vec<Cow<'_, Value>> = Vec::with_capacity(4);
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
                if !self.simulate_work() {
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

    /// Checks the cancel flag and sleeps the simulated delay in slices, checking the flag
    /// between them. Returns `false` if the evaluation was cancelled.
    fn simulate_work(&self) -> bool {
        if self.cancel.is_cancelled() {
            self.cancelled.store(true, Ordering::Relaxed);
            return false;
        }
        if self.delay.is_zero() {
            return true;
        }
        let deadline = Instant::now() + self.delay;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            std::thread::sleep((deadline - now).min(DELAY_SLICE));
            if self.cancel.is_cancelled() {
                self.cancelled.store(true, Ordering::Relaxed);
                return false;
            }
        }
    }

    /// Keeps the error of the smallest failing node.
    fn record_error(&self, node: u32, error: Error) {
        let mut slot = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_none_or(|(known, _)| node < *known) {
            *slot = Some((node, error));
        }
        // Relaxed: only a hint for skipping; the mutex decides which error is reported.
        self.first_error.fetch_min(node, Ordering::Relaxed);
    }
}
