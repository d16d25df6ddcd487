//! The evaluation engine: a pool of workers, futures, and the one executor that runs every
//! evaluation on them.
//!
//! [`run_program`] runs a program (one statement or several) as one task graph on the
//! [`Pool`] (`executor`), recording a [`Trace`]; [`evaluate`] is the same for one expression.
//! The graph is planned by the grain (`grain`), and each task evaluates its nodes with the
//! interpreter (`interp`), which does a node's arithmetic through `num` (`interp::node`), folds
//! reductions by the rules of `interp::reduce` and runs user functions' bodies through
//! `interp::call`. `sequential` is the reference beside it: the interpreter over a whole tree
//! on the calling thread, which the property tests compare the executor with. Nothing here
//! recurses over a tree, and no worker ever blocks on another task.

pub(crate) mod cancel;
pub(crate) mod env;
pub(crate) mod executor;
pub(crate) mod failure;
pub(crate) mod future;
pub(crate) mod grain;
pub(crate) mod interp;
pub(crate) mod pool;
pub mod sequential;
#[cfg(test)]
mod test;

use std::sync::Arc;

use crate::ast::Ast;
use crate::error::Error;
use crate::num::Value;
use crate::trace::Trace;

pub use crate::plan::{Grain, Policy};
pub use cancel::CancelFlag;
pub use executor::progress::{LIVE_MAX_TASKS, Watch};
pub use executor::{EvalOptions, Input as ProgramStatement, ProgramEvaluation};
pub use future::Future;
pub use interp::call::Globals;
pub use pool::{MAX_WORKERS, Pool, check_workers, default_workers};
pub use sequential::run_sequential;

/// Number of operators (nodes that are not leaves) of `ast`: what the grain counts.
pub fn count_operators(ast: &Ast) -> usize {
    grain::count_operators(ast)
}

/// The outcome of one evaluation: its result and its trace.
#[derive(Debug)]
pub struct Evaluation {
    pub result: Result<Value, Error>,
    pub trace: Trace,
}

/// Evaluates the statements of a program on `pool` as one task graph: `source` is the
/// program's text, which each statement's offset indexes; `lookup` gives the value a name has
/// before the program (`None`: the name is unknown, an error where it is read). The results,
/// in order, are those of [`run_sequential`]; the trace is the whole program's.
///
/// # Blocking
///
/// Blocks the calling thread until every statement has ended; call it from outside the pool,
/// never from one of its tasks.
///
/// # Panic handling
///
/// A panic while evaluating a node becomes an [`crate::error::ErrorKind::Internal`] error of
/// its statement.
pub fn run_program(
    pool: &Pool,
    statements: Vec<ProgramStatement>,
    source: &Arc<str>,
    lookup: &dyn Fn(&str) -> Option<Value>,
    options: &EvalOptions,
) -> ProgramEvaluation {
    executor::run(
        pool,
        statements,
        source,
        &executor::Before::Lookup(lookup),
        options,
        true,
    )
}

/// Evaluates the expression `ast` on `pool`: a program of one statement. `env` holds the
/// values of `ast.names`; `source` is the expression's text, which the trace's labels slice.
///
/// # Blocking
///
/// As [`run_program`].
///
/// # Panic handling
///
/// As [`run_program`].
pub fn evaluate(
    pool: &Pool,
    ast: &Arc<Ast>,
    env: &Arc<[Value]>,
    source: &Arc<str>,
    options: &EvalOptions,
) -> Evaluation {
    let env: Vec<Option<Value>> = env.iter().cloned().map(Some).collect();
    evaluate_recorded(pool, ast, &env, source, options, true)
}

/// [`evaluate`] where a name may have no value (`None` in `env`: an error where it is read).
pub fn evaluate_with(
    pool: &Pool,
    ast: &Arc<Ast>,
    env: &[Option<Value>],
    source: &Arc<str>,
    options: &EvalOptions,
) -> Evaluation {
    evaluate_recorded(pool, ast, env, source, options, true)
}

/// [`evaluate`] without reading the clock or assembling the trace (the trace it returns has
/// no tasks): the same graph otherwise, so that a benchmark can measure what recording costs.
/// Not part of the interface.
#[doc(hidden)]
pub fn evaluate_unrecorded(
    pool: &Pool,
    ast: &Arc<Ast>,
    env: &Arc<[Value]>,
    source: &Arc<str>,
    options: &EvalOptions,
) -> Evaluation {
    let env: Vec<Option<Value>> = env.iter().cloned().map(Some).collect();
    evaluate_recorded(pool, ast, &env, source, options, false)
}

fn evaluate_recorded(
    pool: &Pool,
    ast: &Arc<Ast>,
    env: &[Option<Value>],
    source: &Arc<str>,
    options: &EvalOptions,
    record: bool,
) -> Evaluation {
    let statement = ProgramStatement {
        target: None,
        ast: Arc::clone(ast),
        offset: 0,
    };
    let before = executor::Before::Given(env);
    let mut evaluation = executor::run(pool, vec![statement], source, &before, options, record);
    let result = evaluation.results.pop().unwrap_or_else(|| {
        Err(Error::unplaced(crate::error::ErrorKind::Internal(
            "no result".into(),
        )))
    });
    Evaluation {
        result,
        trace: evaluation.trace,
    }
}
