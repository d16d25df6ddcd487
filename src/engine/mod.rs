//! The evaluation engine: a pool of workers, futures, and the evaluators of an arena.
//!
//! (Placeholder: the parallel dataflow lands with the engine; for now `evaluate` runs the
//! sequential evaluator and records no tasks.)

pub mod node;
pub mod sequential;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::ast::Ast;
use crate::error::{Error, ErrorKind};
use crate::num::{Limits, Value};
use crate::span::Span;
use crate::trace::Trace;

/// Largest pool size accepted.
pub const MAX_WORKERS: usize = 1024;

/// The machine's available parallelism, the default pool size.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A shared flag that asks a running evaluation to stop.
#[derive(Clone, Debug, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn reset(&self) {
        self.0.store(false, Ordering::Relaxed);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// How many nodes one task evaluates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Grain {
    /// Chosen from the tree's size and the delay.
    #[default]
    Auto,
    /// At most this many nodes per task (1 = every operator its own task).
    Fixed(u32),
}

/// Settings of one evaluation.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    pub grain: Grain,
    /// Simulated work slept by every operator.
    pub delay: Duration,
    pub limits: Limits,
    pub cancel: CancelFlag,
}

/// A pool of workers.
#[derive(Debug)]
pub struct Pool {
    n_workers: usize,
}

impl Pool {
    pub fn new(n_workers: usize) -> Result<Pool, Error> {
        check_workers(n_workers)?;
        Ok(Pool { n_workers })
    }
    pub fn n_workers(&self) -> usize {
        self.n_workers
    }
    pub fn resize(&mut self, n_workers: usize) -> Result<(), Error> {
        *self = Pool::new(n_workers)?;
        Ok(())
    }
}

/// Checks a requested pool size.
pub fn check_workers(n_workers: usize) -> Result<(), Error> {
    if (1..=MAX_WORKERS).contains(&n_workers) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Limit(format!(
                "the number of workers must be between 1 and {MAX_WORKERS}, not {n_workers}"
            )),
            Span::default(),
        ))
    }
}

/// The outcome of one evaluation: its result and its trace.
#[derive(Debug)]
pub struct Evaluation {
    pub result: Result<Value, Error>,
    pub trace: Trace,
}

/// Evaluates `ast` on `pool`. `env` holds the values of `ast.names`.
pub fn evaluate(
    pool: &Pool,
    ast: &Arc<Ast>,
    env: &Arc<[Value]>,
    source: &Arc<str>,
    options: &EvalOptions,
) -> Evaluation {
    let started = Instant::now();
    let result = sequential::evaluate(ast, env, &options.limits);
    let mut trace = Trace::new(pool.n_workers(), source.clone());
    trace.wall_ns = started.elapsed().as_nanos() as u64;
    Evaluation { result, trace }
}
