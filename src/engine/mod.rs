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
pub mod program;
pub(crate) mod progress;
pub(crate) mod ready;
pub(crate) mod reduce;
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

pub use crate::plan::{Grain, Policy};
pub use cancel::CancelFlag;
pub use future::Future;
pub use pool::{MAX_WORKERS, Pool, check_workers, default_workers};
pub use progress::{LIVE_MAX_TASKS, Watch};

/// Number of operators (nodes that are not leaves) of `ast`: what the grain counts.
pub fn count_operators(ast: &Ast) -> usize {
    grain::count_operators(ast)
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
    /// A live view's handle on the evaluation while it runs, if one watches.
    pub watch: Option<Watch>,
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
    dataflow::run(pool, ast, env, source, options, context, plan, record)
}
