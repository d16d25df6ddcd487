//! The program evaluator: several statements evaluated as one dataflow graph.
//!
//! Each statement's tree is planned into tasks as [`crate::engine::evaluate`] plans it
//! (`grain`); the statements are then joined by the names they read. A statement binds one
//! name, its target or `_`, and each binding is a *version* of that name: a name read is an
//! edge to the version current where it is read (the last statement before that assigned it,
//! `_` the last expression statement), so `x = 1` … `x = x + 1` needs no ordering beyond its
//! data, and independent statements run at the same time. A version resolves once its
//! statement has ended: to the statement's value if it succeeded, to the version before it
//! if it failed (a failed assignment leaves the name as it was), to nothing if there was
//! none (the name is then unknown where it is read, as it would be one statement after
//! another). A task starts once its operand tasks have ended and the versions of the names
//! it reads have resolved, so `a * b` in the last statement runs while `d`, which it does not
//! read, is still being computed.
//!
//! The calling thread keeps the graph: it submits each ready task to the pool, and a task
//! sends back its value and times when it ends; no task waits for another. Every statement's
//! result is the one the sequential evaluator gives it, whatever the order the tasks ran in:
//! an unknown name first (in the order the tree lists its names), else the first failing node
//! in arena order, else the value. The trace is the whole program's: one task per group, in
//! statement order, its span in the program's source, its dependencies both within its
//! statement and across statements.

use std::borrow::Cow;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::ast::{Ast, BodySkip, Node, NodeId};
use crate::engine::future::panic_error;
use crate::engine::grain::{self, Plan};
use crate::engine::node::eval_node;
use crate::engine::reduce;
use crate::engine::{CancelFlag, EvalOptions, Pool, cancel};
use crate::error::{Error, ErrorKind};
use crate::num::{Limits, Value};
use crate::span::Span;
use crate::trace::{Context, Ending, TaskOutcome, TaskTiming, Trace};

/// One statement of a program, parsed.
#[derive(Debug)]
pub struct ProgramStatement {
    /// The name it binds, `None` for an expression (which binds `_`).
    pub target: Option<Box<str>>,
    pub ast: Arc<Ast>,
    /// Where the statement's text starts in the program's source.
    pub offset: usize,
}

/// What a program's evaluation produced: each statement's result, in order, and the trace.
#[derive(Debug)]
pub struct ProgramEvaluation {
    pub results: Vec<Result<Value, Error>>,
    pub trace: Trace,
}

/// Where a name's value comes from.
#[derive(Clone, Copy, Debug)]
enum Version {
    /// From before the program: the session's value, if it has one (an index into `initial`).
    Initial(usize),
    /// Bound by the statement of this index.
    Bound(usize),
}

/// A resolved version: the value and the statement that computed it (`None`: from before).
type Resolved = Option<(Arc<Value>, Option<usize>)>;

/// A task's identity: statement and task within it.
type TaskRef = (usize, u32);

/// What a task sends back when it ends.
struct Done {
    statement: usize,
    task: u32,
    outcome: Result<Option<Value>, (u32, Error)>,
    worked: bool,
    start_ns: u64,
    end_ns: u64,
    worker: u32,
}

/// The graph state of one statement.
struct StatementState {
    ast: Arc<Ast>,
    plan: Plan,
    /// The version each of `ast.names` reads.
    inputs: Vec<Version>,
    /// For each task, the statements whose versions it reads (deduplicated).
    reads: Vec<Vec<usize>>,
    /// Operand tasks and versions each task still waits for.
    pending: Vec<u32>,
    values: Vec<Option<Arc<Value>>>,
    timings: Vec<(u64, u64, u32, TaskOutcome)>,
    /// Tasks not yet ended (or skipped); for a statement without tasks, the versions it
    /// still waits for.
    n_open: usize,
    error: Option<(u32, usize, Error)>,
    result: Option<Result<Value, Error>>,
}

/// Evaluates the statements of a program on `pool`: `source` is the program's text, which
/// each statement's `offset` indexes; `lookup` gives the value a name has before the program.
///
/// # Blocking
///
/// Blocks the calling thread until every statement has ended; call it from outside the pool.
///
/// # Panic handling
///
/// A panic while evaluating a node becomes an [`ErrorKind::Internal`] error of its statement.
pub fn run(
    pool: &Pool,
    statements: Vec<ProgramStatement>,
    source: &Arc<str>,
    lookup: &dyn Fn(&str) -> Option<Value>,
    options: &EvalOptions,
) -> ProgramEvaluation {
    let mut program = Program::new(pool, statements, lookup, options);
    program.run();
    program.finish(source)
}

struct Program<'a> {
    pool: &'a Pool,
    options: &'a EvalOptions,
    statements: Vec<StatementState>,
    offsets: Vec<usize>,
    /// Values from before the program, `None` for a name it did not have.
    initial: Vec<Option<Arc<Value>>>,
    /// `previous[s]`: the version of statement `s`'s name before it.
    previous: Vec<Version>,
    /// `resolved[s]`: statement `s`'s version, once resolved.
    resolved: Vec<Option<Resolved>>,
    /// Tasks (and task-less statements, as task `u32::MAX`) waiting on statement `s`'s version.
    waiters: Vec<Vec<TaskRef>>,
    /// Versions that fall back on statement `s`'s version when their own statement failed.
    fallbacks: Vec<Vec<usize>>,
    n_ended: usize,
    in_flight: usize,
    started: Instant,
    sender: mpsc::Sender<Done>,
    receiver: mpsc::Receiver<Done>,
    grain_used: u32,
    /// Tasks ready to start.
    ready: Vec<TaskRef>,
    /// Statements that ended, whose versions are still to resolve.
    ended: Vec<usize>,
}

/// A task index standing for a statement without tasks, in a waiting list.
const WHOLE: u32 = u32::MAX;

impl<'a> Program<'a> {
    fn new(
        pool: &'a Pool,
        statements: Vec<ProgramStatement>,
        lookup: &dyn Fn(&str) -> Option<Value>,
        options: &'a EvalOptions,
    ) -> Program<'a> {
        let n = statements.len();
        let mut current: HashMap<Box<str>, Version> = HashMap::new();
        let mut initial = Vec::new();
        let mut previous = Vec::with_capacity(n);
        let mut states = Vec::with_capacity(n);
        let mut offsets = Vec::with_capacity(n);
        let mut grain_used = 1;
        let mut version_of = |name: &str, current: &mut HashMap<Box<str>, Version>| {
            *current.entry(name.into()).or_insert_with(|| {
                initial.push(lookup(name).map(Arc::new));
                Version::Initial(initial.len() - 1)
            })
        };
        for (index, statement) in statements.into_iter().enumerate() {
            let ast = statement.ast;
            let inputs: Vec<Version> = ast
                .names
                .iter()
                .map(|name| version_of(name, &mut current))
                .collect();
            let name: &str = statement.target.as_deref().unwrap_or("_");
            previous.push(version_of(name, &mut current));
            current.insert(name.into(), Version::Bound(index));
            let n_ops = grain::count_operators(&ast);
            let grain = grain::choose(options.grain, n_ops, pool.n_workers(), options.delay);
            grain_used = grain_used.max(grain);
            let plan = Plan::build(&ast, grain);
            let reads = task_reads(&ast, &plan, &inputs);
            let pending = (0..plan.n_tasks())
                .map(|task| (plan.deps(task).len() + reads[task].len()) as u32)
                .collect();
            let n_tasks = plan.n_tasks();
            states.push(StatementState {
                values: vec![None; n_tasks],
                timings: vec![(0, 0, 0, TaskOutcome::NotRun); n_tasks],
                n_open: n_tasks,
                plan,
                reads,
                pending,
                inputs,
                ast,
                error: None,
                result: None,
            });
            offsets.push(statement.offset);
        }
        let (sender, receiver) = mpsc::channel();
        Program {
            pool,
            options,
            offsets,
            initial,
            resolved: vec![None; n],
            waiters: vec![Vec::new(); n],
            fallbacks: vec![Vec::new(); n],
            previous,
            statements: states,
            n_ended: 0,
            in_flight: 0,
            started: Instant::now(),
            sender,
            receiver,
            grain_used,
            ready: Vec::new(),
            ended: Vec::new(),
        }
    }

    /// The resolution of `version`, if known.
    fn resolution(&self, version: Version) -> Option<Resolved> {
        match version {
            Version::Initial(index) => Some(self.initial[index].clone().map(|value| (value, None))),
            Version::Bound(statement) => self.resolved[statement].clone(),
        }
    }

    fn run(&mut self) {
        // Wire the waiting lists, then start whatever is ready.
        let mut ready: Vec<TaskRef> = Vec::new();
        for index in 0..self.statements.len() {
            if let Version::Bound(before) = self.previous[index] {
                self.fallbacks[before].push(index);
            }
            let state = &mut self.statements[index];
            if state.plan.n_tasks() == 0 {
                let bound: Vec<usize> = state
                    .inputs
                    .iter()
                    .filter_map(|version| match version {
                        Version::Bound(statement) => Some(*statement),
                        Version::Initial(_) => None,
                    })
                    .collect();
                state.n_open = bound.len();
                for statement in &bound {
                    self.waiters[*statement].push((index, WHOLE));
                }
                if bound.is_empty() {
                    ready.push((index, WHOLE));
                }
                continue;
            }
            for task in 0..state.plan.n_tasks() {
                for &statement in &state.reads[task] {
                    self.waiters[statement].push((index, task as u32));
                }
                if state.pending[task] == 0 {
                    ready.push((index, task as u32));
                }
            }
        }
        self.ready = ready;
        self.drain();
        while self.n_ended < self.statements.len() {
            if self.in_flight == 0 {
                // Unreachable unless the graph is wrong: end what is left with an error.
                for state in &mut self.statements {
                    if state.result.is_none() {
                        let span = state.ast.span(state.ast.root());
                        let kind = ErrorKind::Internal("a statement was never ready".into());
                        state.result = Some(Err(Error::new(kind, span)));
                    }
                }
                return;
            }
            let Ok(done) = self.receiver.recv() else {
                return;
            };
            self.in_flight -= 1;
            self.task_ended(done);
            self.drain();
        }
    }

    /// Starts task `(statement, task)`, now ready: on the pool, or skipped at once when a name
    /// it reads has no value.
    fn start(&mut self, (statement, task): TaskRef) {
        if task == WHOLE {
            self.end_leaf_statement(statement);
            return;
        }
        let index = task as usize;
        let state = &self.statements[statement];
        let deps = state.plan.deps(index);
        let mut operands = Vec::with_capacity(deps.len());
        for &dep in deps {
            // An operand task without a value failed or was skipped; this task still runs the
            // nodes before that operand, which may hold an earlier error.
            let dep = dep as usize;
            let first = state.ast.first_of(NodeId(state.plan.roots[dep])).0;
            operands.push((first, state.plan.roots[dep], state.values[dep].clone()));
        }
        let reads = &state.reads[index];
        if reads
            .iter()
            .any(|&producer| !matches!(&self.resolved[producer], Some(Some(_))))
        {
            // A name this task reads has no value: the statement fails with an unknown name.
            return self.skip(statement, task);
        }
        let env = state
            .inputs
            .iter()
            .map(|&version| match version {
                Version::Bound(producer) if !reads.contains(&producer) => None,
                version => self.resolution(version).flatten().map(|(value, _)| value),
            })
            .collect();
        let job = Job {
            ast: Arc::clone(&state.ast),
            root: state.plan.roots[index],
            operands,
            env,
            limits: self.options.limits,
            delay: self.options.delay,
            cancel: self.options.cancel.clone(),
            started: self.started,
            statement,
            task,
        };
        let sender = self.sender.clone();
        self.in_flight += 1;
        self.pool.threads().spawn(move || {
            let done = job.run();
            let _ = sender.send(done);
        });
    }

    /// Marks a task that cannot run (a name it reads has no value) as not run.
    fn skip(&mut self, statement: usize, task: u32) {
        let now = self.now_ns();
        let done = Done {
            statement,
            task,
            outcome: Ok(None),
            worked: false,
            start_ns: now,
            end_ns: now,
            worker: 0,
        };
        self.task_ended(done);
    }

    fn now_ns(&self) -> u64 {
        self.started.elapsed().as_nanos() as u64
    }

    /// Takes in a task's end: its value, its error, and the consumer it makes ready.
    fn task_ended(&mut self, done: Done) {
        let state = &mut self.statements[done.statement];
        let index = done.task as usize;
        let outcome = match done.outcome {
            Ok(Some(value)) => {
                state.values[index] = Some(Arc::new(value));
                TaskOutcome::Ran
            }
            Ok(None) if done.worked => TaskOutcome::Cancelled,
            Ok(None) => TaskOutcome::NotRun,
            Err((node, error)) => {
                if state
                    .error
                    .as_ref()
                    .is_none_or(|(known, _, _)| node < *known)
                {
                    state.error = Some((node, index, error));
                }
                TaskOutcome::Failed
            }
        };
        state.timings[index] = (done.start_ns, done.end_ns, done.worker, outcome);
        state.n_open -= 1;
        let parent = state.plan.parent[index];
        if parent != grain::NO_TASK {
            let pending = &mut state.pending[parent as usize];
            *pending -= 1;
            if *pending == 0 {
                self.ready.push((done.statement, parent));
            }
        }
        let state = &self.statements[done.statement];
        if state.n_open == 0 && state.result.is_none() {
            self.end_statement(done.statement);
        }
    }

    /// The values of `statement`'s names as resolved so far (`None`: unknown, or not yet).
    fn inputs_of(&self, statement: usize) -> Vec<Option<Arc<Value>>> {
        self.statements[statement]
            .inputs
            .iter()
            .map(|&version| self.resolution(version).flatten().map(|(value, _)| value))
            .collect()
    }

    /// A statement without tasks (a single number or name) ends once its name has resolved.
    fn end_leaf_statement(&mut self, statement: usize) {
        let state = &self.statements[statement];
        let env = self.inputs_of(statement);
        let result = if let Some(error) = unknown_name(&state.ast, &env) {
            Err(error)
        } else {
            let env: Vec<Value> = env.into_iter().flatten().map(unwrap_arc).collect();
            crate::engine::sequential::evaluate(&state.ast, &env, &self.options.limits)
        };
        self.statements[statement].result = Some(result);
        self.ended.push(statement);
    }

    /// All of a statement's tasks have ended: its result, as the sequential evaluator's.
    fn end_statement(&mut self, statement: usize) {
        let state = &self.statements[statement];
        let env = self.inputs_of(statement);
        let root_span = state.ast.span(state.ast.root());
        let cancelled = state
            .timings
            .iter()
            .any(|timing| timing.3 == TaskOutcome::Cancelled);
        let state = &mut self.statements[statement];
        let result = if let Some(error) = unknown_name(&state.ast, &env) {
            Err(error)
        } else if let Some((_, _, error)) = &state.error {
            Err(error.clone())
        } else if cancelled || self.options.cancel.is_cancelled() {
            Err(Error::new(ErrorKind::Cancelled, root_span))
        } else {
            state
                .values
                .last()
                .and_then(Option::as_ref)
                .map(|value| Value::clone(value))
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Internal("the evaluation ended without a value".into()),
                        root_span,
                    )
                })
        };
        state.result = Some(result);
        self.ended.push(statement);
    }

    /// Starts the ready tasks and resolves the versions of the statements that ended (and of
    /// the versions falling back on them), until nothing is left to do but wait for the pool.
    /// A loop over work lists, not recursion: skipping the tasks above a failed one in a deep
    /// tree must not grow the stack.
    fn drain(&mut self) {
        loop {
            if let Some(task) = self.ready.pop() {
                self.start(task);
            } else if let Some(statement) = self.ended.pop() {
                self.n_ended += 1;
                self.try_resolve(statement);
            } else {
                return;
            }
        }
    }

    fn try_resolve(&mut self, statement: usize) {
        let mut work = vec![statement];
        while let Some(statement) = work.pop() {
            if self.resolved[statement].is_some() {
                continue;
            }
            let Some(result) = &self.statements[statement].result else {
                continue;
            };
            let resolution = match result {
                Ok(value) => Some(Some((Arc::new(value.clone()), Some(statement)))),
                Err(_) => self.resolution(self.previous[statement]),
            };
            let Some(resolution) = resolution else {
                continue;
            };
            self.resolved[statement] = Some(resolution);
            work.extend(self.fallbacks[statement].iter().copied());
            for (waiting, task) in std::mem::take(&mut self.waiters[statement]) {
                let state = &mut self.statements[waiting];
                if task == WHOLE {
                    state.n_open -= 1;
                    if state.n_open == 0 {
                        self.ready.push((waiting, WHOLE));
                    }
                    continue;
                }
                let pending = &mut state.pending[task as usize];
                *pending -= 1;
                if *pending == 0 {
                    self.ready.push((waiting, task));
                }
            }
        }
    }

    /// Each statement's result and the trace of the whole program.
    fn finish(mut self, source: &Arc<str>) -> ProgramEvaluation {
        let mut trace = Trace::new(self.pool.n_workers(), Arc::clone(source));
        trace.context = Context {
            delay: self.options.delay,
            grain: self.options.grain,
            grain_used: self.grain_used,
            policy: self.options.policy,
        };
        let mut task_base = Vec::with_capacity(self.statements.len());
        let mut node_base = 0u32;
        let mut n_tasks = 0usize;
        let mut wall_ns = 0;
        let mut deps = Vec::new();
        let mut failed = None;
        let mut statements = std::mem::take(&mut self.statements);
        let tasks_of: Vec<usize> = statements
            .iter()
            .map(|state| state.plan.n_tasks())
            .collect();
        for (index, state) in statements.iter_mut().enumerate() {
            task_base.push(n_tasks as u32);
            let offset = self.offsets[index];
            for task in 0..state.plan.n_tasks() {
                deps.clear();
                deps.extend(
                    state
                        .plan
                        .deps(task)
                        .iter()
                        .map(|&dep| task_base[index] + dep),
                );
                for &producer in &state.reads[task] {
                    if let Some(Some((_, Some(provider)))) = &self.resolved[producer] {
                        let provider_tasks = tasks_of[*provider];
                        if provider_tasks > 0 {
                            deps.push(task_base[*provider] + provider_tasks as u32 - 1);
                        }
                    }
                }
                let (start_ns, end_ns, worker, outcome) = state.timings[task];
                let ready_ns = deps
                    .iter()
                    .map(|&dep| trace.tasks[dep as usize].end_ns)
                    .max()
                    .unwrap_or(0);
                wall_ns = wall_ns.max(end_ns);
                let root = state.plan.roots[task];
                let span = state.ast.span(NodeId(root));
                if outcome == TaskOutcome::Failed && failed.is_none() {
                    failed = state
                        .error
                        .as_ref()
                        .filter(|(_, failing, _)| *failing == task)
                        .map(|(node, _, error)| (n_tasks, node_base + node, error.kind.clone()));
                }
                trace.push_task(
                    TaskTiming {
                        root: NodeId(node_base + root),
                        n_nodes: state.plan.n_ops[task],
                        span: Span::new(offset + span.start as usize, offset + span.end as usize),
                        worker,
                        ready_ns,
                        start_ns,
                        end_ns,
                        outcome,
                        // The table is not needed any more: values move into the trace.
                        value: state.values[task].take().map(unwrap_arc),
                    },
                    &deps,
                );
                n_tasks += 1;
            }
            node_base += state.ast.len() as u32;
        }
        trace.wall_ns = wall_ns;
        if self.options.cancel.is_cancelled() {
            trace.ending = Ending::Cancelled;
        } else if let Some((task, node, error)) = failed {
            trace.ending = Ending::Failed {
                task,
                node: NodeId(node),
                error,
            };
        }
        let results = statements
            .into_iter()
            .map(|state| {
                state.result.unwrap_or_else(|| {
                    Err(Error::unplaced(ErrorKind::Internal(
                        "a statement did not end".into(),
                    )))
                })
            })
            .collect();
        ProgramEvaluation { results, trace }
    }
}

/// The reference for [`run`]: the statements one after the other, each evaluated by the
/// sequential evaluator, each name bound as its statement succeeds. The property tests check
/// that the graph gives every statement this result.
pub fn run_sequential(
    statements: &[ProgramStatement],
    lookup: &dyn Fn(&str) -> Option<Value>,
    limits: &Limits,
) -> Vec<Result<Value, Error>> {
    let mut bound: HashMap<Box<str>, Value> = HashMap::new();
    statements
        .iter()
        .map(|statement| {
            let ast = &statement.ast;
            let env: Vec<Option<Arc<Value>>> = ast
                .names
                .iter()
                .map(|name| {
                    bound
                        .get(name)
                        .cloned()
                        .or_else(|| lookup(name))
                        .map(Arc::new)
                })
                .collect();
            let result = if let Some(error) = unknown_name(ast, &env) {
                Err(error)
            } else {
                let env: Vec<Value> = env.into_iter().flatten().map(unwrap_arc).collect();
                crate::engine::sequential::evaluate(ast, &env, limits)
            };
            if let Ok(value) = &result {
                let name = statement.target.clone().unwrap_or_else(|| "_".into());
                bound.insert(name, value.clone());
            }
            result
        })
        .collect()
}

fn unwrap_arc(value: Arc<Value>) -> Value {
    Arc::try_unwrap(value).unwrap_or_else(|shared| Value::clone(&shared))
}

/// The error of the first name (in the order of `ast.names`) without a value, at its first use.
fn unknown_name(ast: &Ast, env: &[Option<Arc<Value>>]) -> Option<Error> {
    let index = env.iter().position(Option::is_none)?;
    let span = ast.first_use(index);
    // The session suggests a name: only it knows the names bound before the program.
    let kind = ErrorKind::UnknownName {
        name: ast.names[index].clone(),
        suggestion: None,
    };
    Some(Error::new(kind, span))
}

/// For each task of `plan`, the statements whose versions the names in its group read.
fn task_reads(ast: &Ast, plan: &Plan, inputs: &[Version]) -> Vec<Vec<usize>> {
    let mut reads = vec![Vec::new(); plan.n_tasks()];
    for (task, read) in reads.iter_mut().enumerate() {
        let root = plan.roots[task];
        let mut index = ast.first_of(NodeId(root)).0;
        let deps = plan.deps(task);
        let mut next_dep = 0;
        while index <= root {
            if let Some(&dep) = deps.get(next_dep) {
                let dep_root = plan.roots[dep as usize];
                if index == ast.first_of(NodeId(dep_root)).0 {
                    index = dep_root + 1;
                    next_dep += 1;
                    continue;
                }
            }
            if let Node::Name(name) = ast.node(NodeId(index))
                && let Version::Bound(statement) = inputs[*name as usize]
                && !read.contains(&statement)
            {
                read.push(statement);
            }
            index += 1;
        }
    }
    reads
}

/// One task, detached from the graph, to run on a worker.
struct Job {
    ast: Arc<Ast>,
    root: u32,
    /// `(first node, root, value)` of each operand task, in arena order; no value when it
    /// failed or was skipped.
    operands: Vec<(u32, u32, Option<Arc<Value>>)>,
    /// The values of the names this task reads (`None` for names it does not read).
    env: Vec<Option<Arc<Value>>>,
    limits: Limits,
    delay: Duration,
    cancel: CancelFlag,
    started: Instant,
    statement: usize,
    task: u32,
}

impl Job {
    fn run(self) -> Done {
        let worker_index = rayon::current_thread_index().unwrap_or(0) as u32;
        let start_ns = self.started.elapsed().as_nanos() as u64;
        let mut worked = false;
        let mut current = self.root;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.evaluate(&mut worked, &mut current)
        }))
        .unwrap_or_else(|payload| {
            let span = self.ast.op_span(NodeId(current));
            Err((current, panic_error(&*payload, span)))
        });
        Done {
            statement: self.statement,
            task: self.task,
            outcome,
            worked,
            start_ns,
            end_ns: self.started.elapsed().as_nanos() as u64,
            worker: worker_index,
        }
    }

    /// The nodes of the group in arena order, with a value stack, as the dataflow evaluator's
    /// tasks do. `None` when cancelled.
    fn evaluate(
        &self,
        worked: &mut bool,
        current: &mut u32,
    ) -> Result<Option<Value>, (u32, Error)> {
        let ast = &*self.ast;
        // Names this task does not read are never evaluated; a placeholder stands for them.
        let placeholder = Value::Int(0.into());
        let env: Vec<&Value> = self
            .env
            .iter()
            .map(|value| value.as_deref().unwrap_or(&placeholder))
            .collect();
        let env: Vec<Value> = env.into_iter().cloned().collect();
        let mut stack: Vec<Cow<'_, Value>> = Vec::new();
        let mut next = 0;
        let mut index = ast.first_of(NodeId(self.root)).0;
        let mut skip = BodySkip::new(ast, index, None);
        while index <= self.root {
            if let Some((first, root, value)) = self.operands.get(next)
                && *first == index
            {
                let Some(value) = value else {
                    // Not a cancellation: the statement has an error before this point.
                    *worked = false;
                    return Ok(None);
                };
                stack.push(Cow::Borrowed(&**value));
                index = root + 1;
                next += 1;
                continue;
            }
            // A reduction's body is evaluated by the reduction, never in passing.
            if let Some(body_root) = skip.skip_at(index) {
                index = body_root + 1;
                continue;
            }
            let id = NodeId(index);
            if let Some(Node::Reduce(slot)) = ast.nodes.get(id.index()) {
                // The whole reduction, here: its bounds are on the stack.
                *worked = true;
                *current = index;
                let n_args = ast.reductions[*slot as usize].n_args as usize;
                let base = stack.len().saturating_sub(n_args);
                let bounds: Vec<&Value> = stack[base..].iter().map(|value| &**value).collect();
                let range = reduce::Range::new(&bounds)
                    .map_err(|error| (index, Error::new(error, ast.op_span(id))))?;
                let small = reduce::SmallBody::compile(ast, *slot as usize, &env);
                let per_element = || self.simulate_work();
                let hook = (!self.delay.is_zero()).then_some(&per_element as &dyn Fn() -> bool);
                let stop = || self.cancel.is_cancelled();
                let Some(value) = reduce::evaluate_whole(
                    ast,
                    id,
                    *slot as usize,
                    &range,
                    &env,
                    &self.limits,
                    small.as_ref(),
                    &stop,
                    hook,
                )?
                else {
                    return Ok(None);
                };
                stack.truncate(base);
                stack.push(Cow::Owned(value));
                index += 1;
                continue;
            }
            if !ast.is_leaf(id) {
                *worked = true;
                if !self.simulate_work() {
                    return Ok(None);
                }
            }
            *current = index;
            let base = stack.len() - ast.n_operands(id);
            let value = eval_node(ast, id, &env, &[], &self.limits, |k| &*stack[base + k])
                .map_err(|error| (index, error))?;
            stack.truncate(base);
            stack.push(Cow::Owned(value));
            index += 1;
        }
        Ok(stack.pop().map(Cow::into_owned))
    }

    /// Sleeps the simulated delay in slices, checking the cancel flag; `false` if cancelled.
    fn simulate_work(&self) -> bool {
        cancel::sleep_delay(self.delay, &self.cancel, || true)
    }
}
