//! The evaluation engine: a pool of workers, futures, and the evaluators of an arena.
//!
//! [`evaluate`] plans the tasks of a tree (`grain`) and runs them as a dataflow program on the
//! [`Pool`] (`dataflow`), recording a [`Trace`]; `sequential` is the one-loop reference
//! evaluator beside it. Both call `node::eval_node` for the arithmetic, which lives in `num`.
//! Nothing here recurses over the tree, and no worker ever blocks on another task.

pub(crate) mod cancel;
pub(crate) mod dataflow;
pub(crate) mod future;
pub(crate) mod grain;
pub(crate) mod node;
pub(crate) mod pool;
pub(crate) mod ready;
pub mod sequential;
#[cfg(test)]
mod test;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::ast::Ast;
use crate::error::{Error, ErrorKind};
use crate::num::{Limits, Value};
use crate::span::Span;
use crate::trace::{Context, Trace};

pub use cancel::CancelFlag;
pub use future::Future;
pub use pool::{MAX_WORKERS, Pool, check_workers, default_workers};

/// How many operators one task evaluates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Grain {
    /// Chosen from the tree's size, the pool's size and the delay: one operator per task for
    /// small trees and whenever a delay is set, else about 16 tasks per worker.
    #[default]
    Auto,
    /// At most this many operators per task (1 = every operator its own task).
    Fixed(u32),
}

/// The order in which ready tasks run. Every policy is dataflow on the same pool: a task runs
/// only once its operands are ready, and no worker ever waits on another task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Rayon's own order: the worker that completes a task's last operand runs the task next,
    /// and idle workers steal the oldest jobs of busy ones.
    #[default]
    Lifo,
    /// One shared queue in the order tasks became ready, as a `ThreadPoolExecutor` serves its
    /// submissions: a worker that finishes a task takes the queue's oldest one.
    Fifo,
    /// One shared ready queue ordered by level, the operators from the task to the root: the
    /// task furthest from the end first (Hu's highest-level-first list schedule, optimal for
    /// trees of equal tasks).
    CriticalPath,
}

impl Policy {
    pub const ALL: [Policy; 3] = [Policy::Lifo, Policy::Fifo, Policy::CriticalPath];

    /// The name `--policy` and `:policy` take.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Lifo => "lifo",
            Policy::Fifo => "fifo",
            Policy::CriticalPath => "critical-path",
        }
    }

    pub fn from_name(name: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|policy| policy.name() == name)
    }
}

/// Settings of one evaluation.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    pub grain: Grain,
    pub policy: Policy,
    /// Simulated work slept by every operator.
    pub delay: Duration,
    pub limits: Limits,
    pub cancel: CancelFlag,
}

/// The outcome of one evaluation: its result and its trace.
#[derive(Debug)]
pub struct Evaluation {
    pub result: Result<Value, Error>,
    pub trace: Trace,
}

/// Evaluates `ast` on `pool`. `env` holds the values of `ast.names`; `source` is the
/// statement's text, which the trace's labels slice.
///
/// # Blocking
///
/// Blocks the calling thread until the evaluation has finished, failed or been cancelled;
/// call it from outside the pool, never from one of its tasks.
///
/// # Panic handling
///
/// A panic while evaluating a node becomes an [`ErrorKind::Internal`] error at that node.
pub fn evaluate(
    pool: &Pool,
    ast: &Arc<Ast>,
    env: &Arc<[Value]>,
    source: &Arc<str>,
    options: &EvalOptions,
) -> Evaluation {
    evaluate_recorded(pool, ast, env, source, options, true)
}

/// [`evaluate`] without reading the clock or assembling the trace (the trace it returns has
/// no tasks): the same plan and dataflow otherwise, so that a benchmark can measure what
/// recording costs. Not part of the interface.
#[doc(hidden)]
pub fn evaluate_unrecorded(
    pool: &Pool,
    ast: &Arc<Ast>,
    env: &Arc<[Value]>,
    source: &Arc<str>,
    options: &EvalOptions,
) -> Evaluation {
    evaluate_recorded(pool, ast, env, source, options, false)
}

fn evaluate_recorded(
    pool: &Pool,
    ast: &Arc<Ast>,
    env: &Arc<[Value]>,
    source: &Arc<str>,
    options: &EvalOptions,
    record: bool,
) -> Evaluation {
    let mut context = Context {
        delay: options.delay,
        grain: options.grain,
        grain_used: 1,
        policy: options.policy,
    };
    if ast.is_empty() {
        let mut trace = Trace::new(pool.n_workers(), Arc::clone(source));
        trace.context = context;
        return Evaluation {
            result: Err(Error::new(
                ErrorKind::Internal("empty expression".into()),
                Span::default(),
            )),
            trace,
        };
    }
    let n_ops = grain::count_operators(ast);
    let grain = grain::choose(options.grain, n_ops, pool.n_workers(), options.delay);
    context.grain_used = grain;
    let plan = grain::Plan::build(ast, grain);
    if plan.n_tasks() == 0 {
        // A single leaf: its value is ready at once, and there is no task to run.
        let started = Instant::now();
        let result = sequential::evaluate(ast, env, &options.limits);
        let mut trace = Trace::new(pool.n_workers(), Arc::clone(source));
        trace.wall_ns = started.elapsed().as_nanos() as u64;
        trace.context = context;
        return Evaluation { result, trace };
    }
    let mut evaluation = dataflow::run(pool, ast, env, source, options, plan, record);
    evaluation.trace.context = context;
    evaluation
}
