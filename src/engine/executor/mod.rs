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
//! into one shared queue (`queue`), each matched by one rayon job. `dispatch` holds these
//! paths; `task` runs one task of a tree block through the interpreter.
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
mod dispatch;
mod program;
pub(crate) mod progress;
mod queue;
mod reduction;
mod task;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::engine::cancel::{self, CancelFlag};
use crate::engine::failure::Failure;
use crate::engine::future::{self, Promise};
use crate::engine::interp::call::Globals;
use crate::engine::pool::Pool;
use crate::error::Error;
use crate::num::{Limits, Value};
use crate::plan::{Grain, Policy};
use crate::trace::{Context, TaskOutcome, Trace};

use block::{Block, TaskRef};
use program::{Statement, Versions};
use progress::{Progress, WORKER_BITS, Watch};

pub(crate) use program::Before;
use queue::ReadyQueue;

pub use program::Input;

/// Settings of one evaluation.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    pub grain: Grain,
    pub policy: Policy,
    /// Simulated work slept by every operator.
    pub delay: Duration,
    pub limits: Limits,
    pub cancel: CancelFlag,
    /// A live view's handle on the evaluation while it runs, if one watches.
    pub watch: Option<Watch>,
    /// The globals (variables and constants) user functions read when they are called; `None`:
    /// a function can read only its parameters.
    pub globals: Option<Arc<Globals>>,
}

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
    /// The globals of the functions called.
    globals: Option<Arc<Globals>>,
    /// The steps of user functions' calls, recorded with a delay.
    recorder: Option<Arc<crate::engine::interp::call::record::Recorder>>,
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
/// A panic while evaluating a node becomes an [`ErrorKind::Internal`](crate::error::ErrorKind::Internal) error of its statement.
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
    let recorder = (record && !options.delay.is_zero())
        .then(|| Arc::new(crate::engine::interp::call::record::Recorder::new(started)));
    if let Some(watch) = &options.watch
        && record
    {
        watch.publish(Some(Arc::new(Progress {
            started,
            blocks: Arc::clone(&blocks),
            steps: recorder.clone(),
            n_workers,
            source: Arc::clone(source),
            context,
        })));
    }
    // Calls of user functions fork inside their tasks, seen only when a recorder is there.
    let calls_inside = recorder.is_none()
        && options.globals.is_some()
        && setup
            .statements
            .iter()
            .any(|statement| statement.ast.has_functions());
    let run = Arc::new(Run {
        threads: Some(Arc::clone(pool.threads())),
        n_workers,
        delay: options.delay,
        limits: options.limits,
        globals: options.globals.clone(),
        recorder: recorder.clone(),
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
            steps: recorder.as_deref(),
        },
    );
    let mut trace = assembled;
    trace.context = context;
    trace.calls_inside = calls_inside;
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
}
