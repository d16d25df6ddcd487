//! A session: variables, `_`, settings, the pool and the last trace, kept between lines.
//!
//! [`Session::eval_line`] is the whole pipeline for one line of input: parse, look names up,
//! evaluate on the pool, remember the result. Both front doors (the REPL and batch mode) go
//! through it; neither does arithmetic or parsing itself.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::ast::{Node, Statement};
use crate::engine::{self, EvalOptions, Pool};
use crate::error::{Error, ErrorKind};
use crate::num::Value;
use crate::syntax;
use crate::trace::Trace;

/// Trees of at least this many nodes are freed on the pool, off the path to the printed value.
const LARGE_TREE: usize = 1 << 16;

/// Without a delay, a speedup run repeats each pool size at least this many times...
pub const SPEEDUP_MIN_RUNS: usize = 7;
/// ...and until this much wall time has been measured...
pub const SPEEDUP_MIN_TIME: Duration = Duration::from_millis(100);
/// ...unless this many runs of a slow expression have taken [`SPEEDUP_SLOW_TIME`].
const SPEEDUP_SLOW_RUNS: usize = 3;
const SPEEDUP_SLOW_TIME: Duration = Duration::from_secs(1);
/// At most this many runs per pool size, however short.
const SPEEDUP_MAX_RUNS: usize = 10_000;

/// Has a pool size been measured enough, after `n_runs` runs taking `measured` in all?
fn speedup_stable(n_runs: usize, measured: Duration) -> bool {
    (n_runs >= SPEEDUP_MIN_RUNS && measured >= SPEEDUP_MIN_TIME)
        || (n_runs >= SPEEDUP_SLOW_RUNS && measured >= SPEEDUP_SLOW_TIME)
        || n_runs >= SPEEDUP_MAX_RUNS
}

/// What one line produced.
#[derive(Debug)]
pub struct Outcome {
    /// The value of the expression; also set for assignments.
    pub value: Value,
    /// The name bound, for `name = expr`.
    pub assigned: Option<Box<str>>,
    pub stats: Stats,
}

/// Figures of one evaluation, for `--stats`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    pub parse: Duration,
    pub eval: Duration,
    pub n_nodes: usize,
    pub n_tasks: usize,
    pub n_workers: usize,
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "parse {:.3} ms · eval {:.3} ms · {} nodes · {} tasks · {} workers",
            self.parse.as_secs_f64() * 1e3,
            self.eval.as_secs_f64() * 1e3,
            self.n_nodes,
            self.n_tasks,
            self.n_workers
        )
    }
}

/// The state carried from one line to the next.
#[derive(Debug)]
pub struct Session {
    /// Variables by name; `_` is the last expression's value.
    vars: BTreeMap<Box<str>, Value>,
    pool: Pool,
    /// Grain, delay, limits and the cancel flag used for every evaluation.
    pub options: EvalOptions,
    last_trace: Option<Trace>,
    /// Evaluations run so far: a front door compares it before and after a line to know
    /// whether the last trace is that line's (an error before evaluating leaves it as it was).
    n_evaluations: u64,
    /// The variable holding the last value computed: `_`, or the name last assigned.
    last_value: Option<Box<str>>,
    /// Longest statement accepted, in bytes.
    pub max_input_bytes: usize,
}

/// Default for [`Session::max_input_bytes`]: 64 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: usize = 64 << 20;

impl Session {
    pub fn new(n_workers: usize, options: EvalOptions) -> Result<Session, Error> {
        Ok(Session {
            vars: BTreeMap::new(),
            pool: Pool::new(n_workers)?,
            options,
            last_trace: None,
            n_evaluations: 0,
            last_value: None,
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
        })
    }

    pub fn n_workers(&self) -> usize {
        self.pool.n_workers()
    }

    /// Replaces the pool with one of `n_workers` workers.
    pub fn set_workers(&mut self, n_workers: usize) -> Result<(), Error> {
        self.pool.resize(n_workers)
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Variables in name order, `_` included once set.
    pub fn vars(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.vars.iter().map(|(name, value)| (&**name, value))
    }

    pub fn var(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }

    /// The value of the last statement that succeeded (an expression's, or the value an
    /// assignment bound), if any.
    pub fn last_value(&self) -> Option<&Value> {
        self.vars.get(self.last_value.as_deref()?)
    }

    /// Names of the variables, `_` included once set, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(|name| &**name)
    }

    /// The trace of the last evaluation that ran, if any.
    pub fn last_trace(&self) -> Option<&Trace> {
        self.last_trace.as_ref()
    }

    /// How many evaluations have run (and left a trace) so far.
    pub fn n_evaluations(&self) -> u64 {
        self.n_evaluations
    }

    /// Parses and evaluates one line. `Ok(None)` for a blank line or a comment.
    ///
    /// # Panic handling
    ///
    /// A panic anywhere in parsing or evaluation (a bug, never an input error) is caught and
    /// returned as [`ErrorKind::Internal`] quoting the input, so the REPL goes on; the
    /// session's variables are left as they were before the line.
    pub fn eval_line(&mut self, line: &str) -> Result<Option<Outcome>, Error> {
        if line.len() > self.max_input_bytes {
            return Err(Error::unplaced(ErrorKind::InputTooLong {
                length: line.len(),
                limit: self.max_input_bytes,
            }));
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.eval_line_unguarded(line)
        }));
        outcome.unwrap_or_else(|payload| {
            let message = payload
                .downcast_ref::<&str>()
                .map(std::string::ToString::to_string)
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            let mut quoted: String = line.chars().take(200).collect();
            if quoted.len() < line.len() {
                quoted.push('…');
            }
            Err(Error::new(
                ErrorKind::Internal(format!("{message} (input: {quoted:?})")),
                crate::span::Span::default(),
            ))
        })
    }

    fn eval_line_unguarded(&mut self, line: &str) -> Result<Option<Outcome>, Error> {
        let parse_started = Instant::now();
        let Some(statement) = self.pool.install(|| syntax::parse_statement(line))? else {
            return Ok(None);
        };
        let parse = parse_started.elapsed();
        self.eval_statement(statement, line, parse).map(Some)
    }

    /// Evaluates an already parsed statement whose text is `source`.
    pub fn eval_statement(
        &mut self,
        statement: Statement,
        source: &str,
        parse: Duration,
    ) -> Result<Outcome, Error> {
        // A Ctrl-C that stopped an earlier evaluation must not stop this one.
        self.options.cancel.reset();
        let Statement { target, expr } = statement;
        let env = self.resolve_names(&expr)?;
        let n_nodes = expr.len();
        let ast = Arc::new(expr);
        let source: Arc<str> = Arc::from(source);
        let eval_started = Instant::now();
        let evaluation = engine::evaluate(&self.pool, &ast, &env, &source, &self.options);
        let eval = eval_started.elapsed();
        let stats = Stats {
            parse,
            eval,
            n_nodes,
            n_tasks: evaluation.trace.tasks.len(),
            n_workers: self.pool.n_workers(),
        };
        self.last_trace = Some(evaluation.trace);
        self.n_evaluations += 1;
        // Freeing the tree of a large line takes milliseconds: a worker does it while the
        // value is printed.
        if n_nodes >= LARGE_TREE {
            let _ = self.pool.submit(move || drop(ast));
        }
        let value = evaluation.result?;
        let name: Box<str> = match &target {
            Some((name, _)) => name.clone(),
            None => "_".into(),
        };
        self.vars.insert(name.clone(), value.clone());
        self.last_value = Some(name);
        let assigned = target.map(|(name, _)| name);
        Ok(Outcome {
            value,
            assigned,
            stats,
        })
    }

    /// Evaluates the expression `line` on each pool size from 1 to `max_workers` (with the
    /// session's grain, delay and policy), for the speedup table. With a delay, once per size:
    /// the delay dominates the times. Without one, the times are microseconds of scheduling, so
    /// each size is run until the timing is stable (at least [`SPEEDUP_MIN_RUNS`] runs and
    /// [`SPEEDUP_MIN_TIME`] of measured time, or fewer runs of a slow expression), and the run
    /// with the median wall time stands for it. Variables and `_` are left as they were; the
    /// last size's median run becomes the last trace. Returns the value and one trace per size.
    pub fn speedup_runs(
        &mut self,
        line: &str,
        max_workers: usize,
    ) -> Result<(Value, Vec<Trace>), Error> {
        let statement = self
            .pool
            .install(|| syntax::parse_statement(line))?
            .ok_or_else(|| Error::unplaced(ErrorKind::ExpectedExpression))?;
        engine::check_workers(max_workers)?;
        self.options.cancel.reset();
        let env = self.resolve_names(&statement.expr)?;
        let ast = Arc::new(statement.expr);
        let source: Arc<str> = Arc::from(line);
        let mut traces = Vec::with_capacity(max_workers);
        let mut value = None;
        for n_workers in 1..=max_workers {
            let pool = Pool::new(n_workers)?;
            let mut runs: Vec<Trace> = Vec::new();
            let mut measured = Duration::ZERO;
            loop {
                let evaluation = engine::evaluate(&pool, &ast, &env, &source, &self.options);
                value = Some(evaluation.result?);
                measured += Duration::from_nanos(evaluation.trace.wall_ns);
                runs.push(evaluation.trace);
                if self.options.delay > Duration::ZERO || speedup_stable(runs.len(), measured) {
                    break;
                }
            }
            runs.sort_by_key(|trace| trace.wall_ns);
            let middle = runs.len() / 2;
            traces.push(runs.swap_remove(middle));
        }
        self.last_trace = traces.last().cloned();
        self.n_evaluations += 1;
        let value = value.ok_or_else(|| Error::unplaced(ErrorKind::Internal("no run".into())))?;
        Ok((value, traces))
    }

    /// The Python program computing the expression `line` as this session would: on as many
    /// threads as it has workers, with its delay, its variables written as their values.
    pub fn python_program(&self, line: &str) -> Result<String, Error> {
        let statement = self
            .pool
            .install(|| syntax::parse_statement(line))?
            .ok_or_else(|| Error::unplaced(ErrorKind::ExpectedExpression))?;
        let env = self.resolve_names(&statement.expr)?;
        Ok(crate::render::python(
            &statement.expr,
            line,
            &env,
            self.n_workers(),
            self.options.delay,
        ))
    }

    /// The values of `ast.names`, in order; an unknown name is an error at its first use.
    fn resolve_names(&self, ast: &crate::ast::Ast) -> Result<Arc<[Value]>, Error> {
        let mut env = Vec::with_capacity(ast.names.len());
        for (index, name) in ast.names.iter().enumerate() {
            if let Some(value) = self.vars.get(name) {
                env.push(value.clone());
            } else {
                let span = ast
                    .nodes
                    .iter()
                    .position(|node| *node == Node::Name(index as u32))
                    .map(|i| ast.spans[i])
                    .unwrap_or_default();
                let kind = ErrorKind::UnknownName { name: name.clone() };
                return Err(Error::new(kind, span));
            }
        }
        Ok(env.into())
    }
}
