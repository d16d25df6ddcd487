//! A session: variables, `_`, settings, the pool and the last trace, kept between lines.
//!
//! [`Session::eval_line`] is the whole pipeline for one line of input: parse, look names up,
//! evaluate on the pool, remember the result. Both front doors (the REPL and batch mode) go
//! through the session; neither does arithmetic or parsing itself. A door parses a statement
//! once, with [`Session::parse`], routes on what it got and hands the [`Parsed`] statement on.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::ast::{Ast, Statement};
use crate::engine::{self, CancelFlag, EvalOptions, Pool, Watch};
use crate::error::{Error, ErrorKind};
use crate::num::Value;
use crate::ops;
use crate::suggest;
use crate::syntax;
use crate::trace::Trace;
use crate::units::plural;

/// Trees of at least this many nodes are freed on the pool, off the path to the printed value.
const LARGE_TREE: usize = 1 << 16;

/// Statements at most this long, with at most [`SMALL_STATEMENT_OPS`] operators, are too small
/// to gain from the pool: [`Session::eval_small`] runs them on the calling thread.
pub const SMALL_STATEMENT_BYTES: usize = 1 << 10;
/// See [`SMALL_STATEMENT_BYTES`].
pub const SMALL_STATEMENT_OPS: usize = 64;

/// Integers of fewer bits are printed on the calling thread; larger ones on the pool, whose
/// workers convert the halves of a huge number in parallel.
const SMALL_VALUE_BITS: usize = 1 << 16;

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
            "parse {:.3} ms · eval {:.3} ms · {} · {} · {}",
            self.parse.as_secs_f64() * 1e3,
            self.eval.as_secs_f64() * 1e3,
            plural(self.n_nodes, "node"),
            plural(self.n_tasks, "task"),
            plural(self.n_workers, "worker")
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
    /// Statements parsed so far (see [`Session::parse`]).
    n_parses: u64,
}

/// What [`Session::eval_small`] did with a statement.
#[derive(Debug)]
pub enum Small {
    /// The statement was small: evaluated on the calling thread.
    Done(Result<Option<Outcome>, Error>),
    /// It was not: given back, for the pool.
    Large(Box<Parsed>),
}

/// A statement as a front door parsed it, once, with [`Session::parse`]: the parser's answer
/// (`Ok(None)` for a blank or a comment) and how long it took. The door routes on it and hands
/// it to the evaluation, which does not parse again.
#[derive(Debug)]
pub struct Parsed {
    statement: Result<Option<Statement>, Error>,
    parse: Duration,
}

impl Parsed {
    /// The statement, unless the text was blank, a comment or an error.
    pub fn statement(&self) -> Option<&Statement> {
        self.statement.as_ref().ok().and_then(Option::as_ref)
    }

    /// The syntax error, if the text has one.
    pub fn error(&self) -> Option<&Error> {
        self.statement.as_ref().err()
    }

    /// Whether the statement is an assignment, `name = expr`.
    pub fn is_assignment(&self) -> bool {
        self.statement()
            .is_some_and(|statement| statement.target.is_some())
    }
}

/// A statement of a program as parsed: its target, its parse time and its number of nodes
/// (its tree goes to the program).
type ParsedStatement = (Option<Box<str>>, Duration, usize);

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
            n_parses: 0,
        })
    }

    /// [`Session::new`] with a pool whose threads start when it is first used (see
    /// [`Pool::new_lazy`]): for batch mode, where small statements never use it.
    pub fn with_lazy_pool(n_workers: usize, options: EvalOptions) -> Result<Session, Error> {
        Ok(Session {
            vars: BTreeMap::new(),
            pool: Pool::new_lazy(n_workers)?,
            options,
            last_trace: None,
            n_evaluations: 0,
            last_value: None,
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            n_parses: 0,
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

    /// Forgets every variable, `_` included (`:clear`).
    pub fn clear(&mut self) {
        self.vars.clear();
        self.last_value = None;
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
    /// The three steps, [`Session::prepare`], [`Prepared::run`] and [`Session::finish`], are
    /// public for a caller that runs the middle one on another thread (the REPL, which may give
    /// up on an evaluation).
    ///
    /// # Panic handling
    ///
    /// A panic anywhere in parsing or evaluation (a bug, never an input error) is caught and
    /// returned as [`ErrorKind::Internal`] quoting the input, so the REPL goes on; the
    /// session's variables are left as they were before the line.
    pub fn eval_line(&mut self, line: &str) -> Result<Option<Outcome>, Error> {
        let parsed = self.parse(line);
        self.eval_parsed(line, parsed)
    }

    /// [`Session::eval_line`] for the statement `line` already parsed.
    pub fn eval_parsed(&mut self, line: &str, parsed: Parsed) -> Result<Option<Outcome>, Error> {
        let Some(prepared) = self.prepare_parsed_line(line, parsed)? else {
            return Ok(None);
        };
        let ran = prepared.run();
        self.finish(ran).map(Some)
    }

    /// Parses the statement `line`: the one parse a statement gets on its way in, whichever
    /// door it comes through. A statement longer than [`Session::max_input_bytes`] is refused;
    /// a long one is parsed on the pool, in pieces.
    ///
    /// # Panic handling
    ///
    /// A panic while parsing (a bug) is returned as [`ErrorKind::Internal`] quoting the input.
    pub fn parse(&mut self, line: &str) -> Parsed {
        self.n_parses += 1;
        if line.len() > self.max_input_bytes {
            let error = Error::unplaced(ErrorKind::InputTooLong {
                length: line.len(),
                limit: self.max_input_bytes,
            });
            return Parsed {
                statement: Err(error),
                parse: Duration::ZERO,
            };
        }
        let started = Instant::now();
        let statement = guarded(line, || {
            if line.len() <= SMALL_STATEMENT_BYTES {
                syntax::parse_statement(line)
            } else {
                self.pool.install(|| syntax::parse_statement(line))
            }
        });
        Parsed {
            statement,
            parse: started.elapsed(),
        }
    }

    /// Statements parsed by [`Session::parse`] so far.
    pub fn n_parses(&self) -> u64 {
        self.n_parses
    }

    /// [`Session::eval_line`] for a statement too small to gain from the pool (at most
    /// [`SMALL_STATEMENT_BYTES`] long, at most [`SMALL_STATEMENT_OPS`] operators, no
    /// reduction, no delay): parsed, looked up and evaluated by the sequential evaluator on the
    /// calling thread, with no round trip to the pool and no trace. `None` when the statement
    /// is not small; the caller then runs it through [`Session::eval_line`]. The value and the
    /// error are those [`Session::eval_line`] gives, since both evaluators report the first
    /// failing node.
    ///
    /// # Panic handling
    ///
    /// As for [`Session::eval_line`].
    pub fn eval_small(&mut self, line: &str, parsed: Parsed) -> Small {
        if line.len() > SMALL_STATEMENT_BYTES.min(self.max_input_bytes)
            || !self.options.delay.is_zero()
        {
            return Small::Large(Box::new(parsed));
        }
        let statement = match parsed.statement {
            Ok(Some(statement)) => statement,
            Ok(None) => return Small::Done(Ok(None)),
            Err(error) => return Small::Done(Err(error)),
        };
        // A reduction is small to write but may be long to run: the pool cuts it into chunks.
        // So is a call of a user function, which the pool forks.
        if engine::count_operators(&statement.expr) > SMALL_STATEMENT_OPS
            || !statement.expr.reductions.is_empty()
            || statement.expr.has_functions()
        {
            let statement = Ok(Some(statement));
            let parse = parsed.parse;
            return Small::Large(Box::new(Parsed { statement, parse }));
        }
        Small::Done(guarded(line, || {
            let Statement { target, expr } = statement;
            let env = self.resolve_names(&expr);
            let result = engine::sequential::evaluate_subtree(
                &expr,
                expr.root(),
                &env,
                &self.options.limits,
            )
            .map_err(|error| self.with_suggestion(error));
            // Not timed: reading the clock would cost a tenth of such a statement, and
            // `--stats` evaluates every statement on the pool.
            let stats = Stats {
                parse: Duration::ZERO,
                eval: Duration::ZERO,
                n_nodes: expr.len(),
                n_tasks: 0,
                n_workers: self.pool.n_workers(),
            };
            let target = target.map(|(name, _)| name);
            result.map(|value| Some(self.bind(target, value, stats)))
        }))
    }

    /// Parses and evaluates `texts`, in order, as one program: one dataflow graph in which a
    /// name read is an edge to the statement that last assigned it and `_` an edge to the last
    /// expression statement (see `engine::executor`), so independent statements run at the
    /// same time. The results, the variables and `_` afterwards are exactly those of
    /// [`Session::eval_line`] on each text in turn; the program's trace, one chart of all its
    /// statements, becomes the last trace. `Ok(None)` for a blank or a comment.
    pub fn eval_program(&mut self, texts: &[&str]) -> Vec<Result<Option<Outcome>, Error>> {
        let parsed = texts.iter().map(|text| self.parse(text)).collect();
        self.eval_parsed_program(texts, parsed)
    }

    /// [`Session::eval_program`] for statements already parsed, `parsed[i]` being `texts[i]`.
    pub fn eval_parsed_program(
        &mut self,
        texts: &[&str],
        statements_parsed: Vec<Parsed>,
    ) -> Vec<Result<Option<Outcome>, Error>> {
        self.options.cancel.reset();
        let mut source = String::new();
        let mut parsed = Vec::with_capacity(texts.len());
        let mut statements = Vec::new();
        let mut calls_functions = false;
        for (text, Parsed { statement, parse }) in texts.iter().zip(statements_parsed) {
            let offset = source.len();
            source.push_str(text);
            source.push('\n');
            parsed.push(match statement {
                Ok(Some(Statement { target, expr })) => {
                    calls_functions |= expr.has_functions();
                    let target = target.map(|(name, _)| name);
                    let n_nodes = expr.len();
                    statements.push(engine::ProgramStatement {
                        target: target.clone(),
                        ast: Arc::new(expr),
                        offset,
                    });
                    Ok(Some((target, parse, n_nodes)))
                }
                Ok(None) => Ok(None),
                Err(error) => Err(error),
            });
        }
        // A function reads the globals as they are when it is called: a program that defines
        // or calls one runs its statements one after the other.
        if calls_functions {
            return self.eval_one_by_one(texts, parsed, statements);
        }
        let source: Arc<str> = Arc::from(source);
        let n_workers = self.pool.n_workers();
        if !statements.is_empty() {
            let n_statements = statements.len();
            let eval_started = Instant::now();
            let vars = &self.vars;
            let lookup = |name: &str| {
                vars.get(name)
                    .cloned()
                    .or_else(|| ops::constant(name).map(Value::Float))
            };
            let evaluation = guarded(&source, || {
                Ok(engine::run_program(
                    &self.pool,
                    statements,
                    &source,
                    &lookup,
                    &self.options,
                ))
            });
            let eval = eval_started.elapsed();
            let results = match evaluation {
                Ok(evaluation) => {
                    self.last_trace = Some(evaluation.trace);
                    self.n_evaluations += 1;
                    evaluation.results
                }
                Err(error) => (0..n_statements).map(|_| Err(error.clone())).collect(),
            };
            let mut results = results.into_iter();
            return parsed
                .into_iter()
                .map(|statement| {
                    let (target, parse, n_nodes) = match statement {
                        Ok(Some(statement)) => statement,
                        Ok(None) => return Ok(None),
                        Err(error) => return Err(error),
                    };
                    let result = results
                        .next()
                        .unwrap_or_else(|| {
                            Err(Error::unplaced(ErrorKind::Internal("no result".into())))
                        })
                        .map_err(|error| self.with_suggestion(error))?;
                    let stats = Stats {
                        parse,
                        eval,
                        n_nodes,
                        n_tasks: 0,
                        n_workers,
                    };
                    Ok(Some(self.bind(target, result, stats)))
                })
                .collect();
        }
        parsed
            .into_iter()
            .map(|statement| statement.map(|_| None))
            .collect()
    }

    /// A program's statements, parsed by [`Session::eval_program`], evaluated one after the
    /// other as [`Session::eval_line`] evaluates each.
    fn eval_one_by_one(
        &mut self,
        texts: &[&str],
        parsed: Vec<Result<Option<ParsedStatement>, Error>>,
        statements: Vec<engine::ProgramStatement>,
    ) -> Vec<Result<Option<Outcome>, Error>> {
        let mut statements = statements.into_iter();
        let mut results = Vec::with_capacity(texts.len());
        for (text, parsed) in texts.iter().zip(parsed) {
            let (target, parse) = match parsed {
                Ok(Some((target, parse, _))) => (target, parse),
                Ok(None) => {
                    results.push(Ok(None));
                    continue;
                }
                Err(error) => {
                    results.push(Err(error));
                    continue;
                }
            };
            let Some(statement) = statements.next() else {
                results.push(Err(Error::unplaced(ErrorKind::Internal(
                    "a parsed statement went missing".into(),
                ))));
                continue;
            };
            let prepared = guarded(text, || {
                Ok(self.prepare_parsed(target, statement.ast, text, parse))
            });
            results.push(prepared.and_then(|prepared| {
                let ran = prepared.run();
                self.finish(ran).map(Some)
            }));
        }
        results
    }

    /// The digits of `value`: on the calling thread for a small one, on the pool (in parallel
    /// halves) for a huge integer.
    pub fn format_value(&self, value: &Value) -> String {
        digits(&self.pool, value)
    }

    /// The globals a user function reads when it is called: the constants, then the
    /// variables (which may hide them), as they are now.
    fn globals(&self) -> engine::Globals {
        let mut globals: engine::Globals = ops::CONSTANTS
            .iter()
            .filter_map(|constant| {
                Some((
                    constant.name.into(),
                    Value::Float(ops::constant(constant.name)?),
                ))
            })
            .collect();
        globals.extend(
            self.vars
                .iter()
                .map(|(name, value)| (name.clone(), value.clone())),
        );
        globals
    }

    /// Binds the value of a statement that succeeded: to its target, or to `_`.
    fn bind(&mut self, target: Option<Box<str>>, value: Value, stats: Stats) -> Outcome {
        // A name already bound keeps its key: no allocation for the common `_`.
        let name = target.as_deref().unwrap_or("_");
        match self.vars.get_mut(name) {
            Some(slot) => *slot = value.clone(),
            None => {
                self.vars.insert(name.into(), value.clone());
            }
        }
        if self.last_value.as_deref() != Some(name) {
            self.last_value = Some(name.into());
        }
        Outcome {
            value,
            assigned: target,
            stats,
        }
    }

    /// Parses `line` and looks its names up: an evaluation ready to run on any thread, which
    /// shares the session's pool and cancel flag (reset here, so that a Ctrl-C that stopped an
    /// earlier evaluation does not stop this one). `Ok(None)` for a blank line or a comment.
    ///
    /// # Panic handling
    ///
    /// As for [`Session::eval_line`].
    pub fn prepare(&mut self, line: &str) -> Result<Option<Prepared>, Error> {
        let parsed = self.parse(line);
        self.prepare_parsed_line(line, parsed)
    }

    /// [`Session::prepare`] for the statement `line` already parsed.
    pub fn prepare_parsed_line(
        &mut self,
        line: &str,
        parsed: Parsed,
    ) -> Result<Option<Prepared>, Error> {
        let Some(statement) = parsed.statement? else {
            return Ok(None);
        };
        guarded(line, || {
            self.prepare_statement(statement, line, parsed.parse)
        })
        .map(Some)
    }

    /// [`Session::prepare`] for an already parsed statement whose text is `source`.
    pub fn prepare_statement(
        &mut self,
        statement: Statement,
        source: &str,
        parse: Duration,
    ) -> Result<Prepared, Error> {
        let Statement { target, expr } = statement;
        Ok(self.prepare_parsed(target.map(|(name, _)| name), Arc::new(expr), source, parse))
    }

    /// [`Session::prepare_statement`] for a statement's target and tree.
    fn prepare_parsed(
        &mut self,
        target: Option<Box<str>>,
        ast: Arc<Ast>,
        source: &str,
        parse: Duration,
    ) -> Prepared {
        self.options.cancel.reset();
        let env = self.resolve_names(&ast).into();
        let mut options = self.options.clone();
        if ast.has_functions() {
            options.globals = Some(Arc::new(self.globals()));
        }
        Prepared {
            target,
            ast,
            env,
            source: Arc::from(source),
            options,
            pool: self.pool.clone(),
            parse,
        }
    }

    /// Takes in what [`Prepared::run`] returned: the trace becomes the last trace, and the
    /// value, if any, is bound to its name (or to `_`).
    pub fn finish(&mut self, ran: Ran) -> Result<Outcome, Error> {
        let Ran {
            target,
            result,
            trace,
            stats,
        } = ran;
        if let Some(trace) = trace {
            self.last_trace = Some(trace);
            self.n_evaluations += 1;
        }
        let value = result.map_err(|error| self.with_suggestion(error))?;
        Ok(self.bind(target, value, stats))
    }

    /// Takes in only the trace of what [`Prepared::run`] returned, for an evaluation whose
    /// value is not wanted (it was cancelled): it shows which tasks ran.
    pub fn keep_trace(&mut self, ran: Ran) {
        if let Some(trace) = ran.trace {
            self.last_trace = Some(trace);
            self.n_evaluations += 1;
        }
    }

    /// Evaluates the expression `line` on each pool size from 1 to `max_workers` (with the
    /// session's grain, delay and policy), for the speedup table. With a delay, once per size:
    /// the delay dominates the times. Without one, the times are microseconds of scheduling, so
    /// each size is run until the timing is stable (at least [`SPEEDUP_MIN_RUNS`] runs and
    /// [`SPEEDUP_MIN_TIME`] of measured time, or fewer runs of a slow expression), and the run
    /// with the median wall time stands for it. Variables, `_` and the last trace are left as
    /// they were. Returns the value and one trace per size.
    pub fn speedup_runs(
        &mut self,
        line: &str,
        max_workers: usize,
    ) -> Result<(Value, Vec<Trace>), Error> {
        engine::check_workers(max_workers)?;
        let prepared = self
            .prepare(line)?
            .ok_or_else(|| Error::unplaced(ErrorKind::ExpectedExpression))?;
        let runs = prepared.run_speedup(max_workers);
        self.finish_speedup(runs)
    }

    /// Takes in what [`Prepared::run_speedup`] returned. The last trace stays the user's last
    /// evaluation's: the speedup's runs are measurements on pools the session does not have,
    /// and `:trace` after them would show one of those and call the settings changed.
    /// Variables and `_` are left as they were.
    pub fn finish_speedup(&mut self, runs: SpeedupRuns) -> Result<(Value, Vec<Trace>), Error> {
        let value = runs.result.map_err(|error| self.with_suggestion(error))?;
        Ok((value, runs.traces))
    }

    /// A statement of a program run with `--speedup`: an expression is evaluated on each pool
    /// size from 1 to `max_workers` and its value becomes `_`, as without `--speedup`; an
    /// assignment is evaluated once and binds its name. So a program means the same with and
    /// without `--speedup`. `Ok(None)` for a blank line or a comment.
    pub fn speedup_statement(
        &mut self,
        line: &str,
        parsed: Parsed,
        max_workers: usize,
    ) -> Result<Option<SpeedupOutcome>, Error> {
        engine::check_workers(max_workers)?;
        let Some(prepared) = self.prepare_parsed_line(line, parsed)? else {
            return Ok(None);
        };
        if prepared.is_assignment() {
            let ran = prepared.run();
            return self
                .finish(ran)
                .map(|outcome| Some(SpeedupOutcome::Assigned(outcome)));
        }
        let runs = prepared.run_speedup(max_workers);
        let (value, traces) = self.finish_speedup(runs)?;
        self.bind_last(value.clone());
        Ok(Some(SpeedupOutcome::Timed { value, traces }))
    }

    /// Makes `value` the last expression's value, `_`.
    pub fn bind_last(&mut self, value: Value) {
        self.vars.insert("_".into(), value);
        self.last_value = Some("_".into());
    }

    /// Gives up on an evaluation that is still running: the session takes a fresh pool of the
    /// same size and a fresh cancel flag, and leaves the old ones to the abandoned evaluation.
    /// The old flag stays set, so the abandoned evaluation starts no more tasks; the old pool's
    /// threads exit, and its memory is freed, once the task running now has ended. On error
    /// (the system refused the threads) the session keeps its pool.
    pub fn abandon_evaluation(&mut self) -> Result<(), Error> {
        self.options.cancel.cancel();
        let pool = Pool::new(self.pool.n_workers())?;
        self.pool = pool;
        self.options.cancel = CancelFlag::default();
        Ok(())
    }

    /// The Python program computing the expression `line` in `form` as this session would: on
    /// as many threads as it has workers, with its delay, its variables written as their values.
    pub fn python_program(
        &mut self,
        line: &str,
        form: crate::render::PythonForm,
    ) -> Result<String, Error> {
        let parsed = self.parse(line);
        self.python_program_parsed(line, &parsed, form)
    }

    /// [`Session::python_program`] for the statement `line` already parsed.
    pub fn python_program_parsed(
        &self,
        line: &str,
        parsed: &Parsed,
        form: crate::render::PythonForm,
    ) -> Result<String, Error> {
        if let Err(error) = &parsed.statement {
            return Err(error.clone());
        }
        let statement = parsed
            .statement()
            .ok_or_else(|| Error::unplaced(ErrorKind::ExpectedExpression))?;
        if statement.expr.has_functions() {
            return Err(Error::unplaced(ErrorKind::NotYet {
                what: "Python programs (--python, :python) of user functions are",
            }));
        }
        let env = self.resolve_known_names(&statement.expr)?;
        let settings = crate::render::Settings {
            n_workers: self.n_workers(),
            delay: self.options.delay,
            grain: self.options.grain,
            policy: self.options.policy,
        };
        Ok(crate::render::python(
            &statement.expr,
            line,
            &env,
            form,
            &settings,
        ))
    }

    /// The values of `ast.names`, in order: a variable's, a constant's, or `None` for a name
    /// without one (an error only where the evaluation reads it).
    fn resolve_names(&self, ast: &crate::ast::Ast) -> Vec<Option<Value>> {
        ast.names
            .iter()
            .map(|name| {
                self.vars
                    .get(name)
                    .cloned()
                    .or_else(|| ops::constant(name).map(Value::Float))
            })
            .collect()
    }

    /// The values of `ast.names`, in order; an unknown name is an error at its first use.
    fn resolve_known_names(&self, ast: &crate::ast::Ast) -> Result<Vec<Value>, Error> {
        let mut env = Vec::with_capacity(ast.names.len());
        for (index, value) in self.resolve_names(ast).into_iter().enumerate() {
            let Some(value) = value else {
                let kind = ErrorKind::UnknownName {
                    name: ast.names[index].clone(),
                    suggestion: None,
                };
                return Err(self.with_suggestion(Error::new(kind, ast.first_use(index))));
            };
            env.push(value);
        }
        Ok(env)
    }

    /// The known name nearest `name`: a variable or a constant.
    fn suggest_name(&self, name: &str) -> Option<Box<str>> {
        let known = self
            .vars
            .keys()
            .map(|name| &**name)
            .chain(ops::CONSTANTS.iter().map(|constant| constant.name))
            .chain(ops::FUNCTIONS.iter().map(|function| function.name));
        suggest::nearest(name, known)
            .first()
            .map(|&near| Box::from(near))
    }

    /// An unknown name's error, raised by the engine, which knows no names but the
    /// evaluation's: the suggestion among the names the session knows.
    fn with_suggestion(&self, mut error: Error) -> Error {
        if let ErrorKind::UnknownName { name, suggestion } = &mut error.kind
            && suggestion.is_none()
        {
            *suggestion = self.suggest_name(name);
        }
        error
    }
}

/// A statement parsed, its names looked up and its settings taken: everything an evaluation
/// needs, detached from the session so that it can run on another thread while the session
/// waits (or gives up, see [`Session::abandon_evaluation`]). It holds its own handle to the
/// session's pool, so a pool replaced meanwhile lives on until the evaluation ends.
#[derive(Debug)]
pub struct Prepared {
    target: Option<Box<str>>,
    ast: Arc<Ast>,
    env: Arc<[Option<Value>]>,
    source: Arc<str>,
    options: EvalOptions,
    pool: Pool,
    parse: Duration,
}

/// What [`Prepared::run`] produced, for [`Session::finish`].
#[derive(Debug)]
pub struct Ran {
    target: Option<Box<str>>,
    result: Result<Value, Error>,
    /// `None` when the evaluation panicked before it had one.
    trace: Option<Trace>,
    stats: Stats,
}

/// What [`Prepared::run_speedup`] produced, for [`Session::finish_speedup`].
#[derive(Debug)]
pub struct SpeedupRuns {
    result: Result<Value, Error>,
    /// One per pool size that ran to the end.
    traces: Vec<Trace>,
}

/// What [`Session::speedup_statement`] did.
#[derive(Debug)]
pub enum SpeedupOutcome {
    /// An assignment, run once.
    Assigned(Outcome),
    /// An expression, run on each pool size: its value and one trace per size.
    Timed { value: Value, traces: Vec<Trace> },
}

impl Prepared {
    /// The parsed tree.
    pub fn ast(&self) -> &Ast {
        &self.ast
    }

    /// Is the statement `name = expr`?
    pub fn is_assignment(&self) -> bool {
        self.target.is_some()
    }

    /// The flag that cancels this evaluation.
    pub fn cancel_flag(&self) -> &CancelFlag {
        &self.options.cancel
    }

    /// Lets a live view watch this evaluation while it runs, through `watch`.
    pub fn watch(&mut self, watch: Watch) {
        self.options.watch = Some(watch);
    }

    /// Evaluates the statement on the session's pool.
    ///
    /// # Blocking
    ///
    /// Blocks the calling thread until the evaluation has finished, failed or been cancelled;
    /// call it from outside the pool.
    ///
    /// # Panic handling
    ///
    /// A panic is caught and returned as [`ErrorKind::Internal`] quoting the input.
    pub fn run(self) -> Ran {
        let n_nodes = self.ast.len();
        let n_workers = self.pool.n_workers();
        let eval_started = Instant::now();
        let evaluation = guarded(&self.source, || {
            Ok(engine::evaluate_with(
                &self.pool,
                &self.ast,
                &self.env,
                &self.source,
                &self.options,
            ))
        });
        let eval = eval_started.elapsed();
        let (result, trace) = match evaluation {
            Ok(evaluation) => (evaluation.result, Some(evaluation.trace)),
            Err(error) => (Err(error), None),
        };
        let stats = Stats {
            parse: self.parse,
            eval,
            n_nodes,
            n_tasks: trace.as_ref().map_or(0, |trace| trace.tasks.len()),
            n_workers,
        };
        // Freeing the tree of a large line takes milliseconds: a worker does it while the
        // value is printed.
        if n_nodes >= LARGE_TREE {
            let ast = self.ast;
            let _ = self.pool.submit(move || drop(ast));
        }
        Ran {
            target: self.target,
            result,
            trace,
            stats,
        }
    }

    /// Evaluates the expression on each pool size from 1 to `max_workers`, each a pool of its
    /// own, stopping at the first error or cancellation. With a delay, once per size; without
    /// one, until the timing is stable, the run with the median wall time standing for the
    /// size (see [`Session::speedup_runs`]).
    ///
    /// # Blocking
    ///
    /// As [`Prepared::run`].
    pub fn run_speedup(self, max_workers: usize) -> SpeedupRuns {
        self.run_speedup_with(max_workers, |_| {})
    }

    /// [`Prepared::run_speedup`], calling `starting` with each pool size before its runs.
    pub fn run_speedup_with(
        self,
        max_workers: usize,
        mut starting: impl FnMut(usize),
    ) -> SpeedupRuns {
        let mut traces = Vec::with_capacity(max_workers);
        let mut result = Err(Error::unplaced(ErrorKind::Internal("no run".into())));
        let runs = guarded(&self.source, || {
            for n_workers in 1..=max_workers {
                starting(n_workers);
                let pool = match Pool::new(n_workers) {
                    Ok(pool) => pool,
                    Err(error) => {
                        result = Err(error);
                        return Ok(());
                    }
                };
                let mut runs: Vec<Trace> = Vec::new();
                let mut measured = Duration::ZERO;
                loop {
                    let evaluation = engine::evaluate_with(
                        &pool,
                        &self.ast,
                        &self.env,
                        &self.source,
                        &self.options,
                    );
                    let failed = evaluation.result.is_err();
                    result = evaluation.result;
                    if failed {
                        return Ok(());
                    }
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
            Ok(())
        });
        if let Err(error) = runs {
            result = Err(error);
        }
        SpeedupRuns { result, traces }
    }
}

impl Ran {
    /// The value, if the evaluation succeeded.
    pub fn value(&self) -> Option<&Value> {
        self.result.as_ref().ok()
    }
}

/// The error for a panic caught while handling `line`: the panic's message and the input.
/// The digits of `value`, whole: on the calling thread for a small one, on `pool` (in parallel
/// halves) for a huge integer. Batch mode prints every value so, and the REPL's `:show` the last.
pub fn digits(pool: &Pool, value: &Value) -> String {
    match value {
        Value::Int(int) if dashu_int::ops::BitTest::bit_len(int) >= SMALL_VALUE_BITS => {
            pool.install(|| value.to_string())
        }
        _ => value.to_string(),
    }
}

/// Runs `work`, the handling of the statement `text`; a panic in it (a bug, never an input
/// error) becomes [`ErrorKind::Internal`] quoting the text, so that the session and the REPL go
/// on. The one panic guard of the session.
fn guarded<T>(text: &str, work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|payload| Err(internal_error(&*payload, text)))
}

fn internal_error(payload: &(dyn std::any::Any + Send), line: &str) -> Error {
    let message = payload
        .downcast_ref::<&str>()
        .map(std::string::ToString::to_string)
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    let mut quoted: String = line.chars().take(200).collect();
    if quoted.len() < line.len() {
        quoted.push('…');
    }
    Error::new(
        ErrorKind::Internal(format!("{message} (input: {quoted:?})")),
        crate::span::Span::default(),
    )
}
