//! User functions: making one from its definition, and calling it.
//!
//! A call evaluates the function's body (a tree of its own, [`Lambda::body`]) with the
//! interpreter, its parameters bound to the arguments and its other names read from the
//! globals as they are when the call runs (late binding, as Python's). A call inside the body
//! is a call of [`apply`] again: the native stack grows with the depth of the recursion, so
//! each call first makes sure there is room (`stacker` moves the rest of a deep recursion onto
//! stack segments it allocates on the heap), and the depth is counted against
//! [`Limits::max_depth`], past which the call is Python's `RecursionError`.
//!
//! **Fork–join.** Where a node of a body has two or more operands that call functions
//! (`fib(n - 1) + fib(n - 2)`), the interpreter evaluates those operands in parallel on the
//! pool and joins them before the node, as `rayon::join` does: the model of Cilk. It forks at
//! the top [`FORK_DEPTH`] levels of calls (or at every level when a delay paces the work, so
//! that each call is a unit of work of its own), which bounds the forks of `fib(30)`'s 2.7
//! million calls to about a thousand; below, calls run where they are, compiled for machine
//! integers where the body allows (`compiled`, also at any level for a body with nothing to
//! fork). Operands run in parallel report the error of the first that fails in the text's
//! order, as a sequential evaluation would, and an operand stops once one before it has
//! failed. With a delay, the steps of calls are recorded for the trace (`record`).

use std::any::Any;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::ast::{Ast, Lambda, Node, NodeId};
use crate::engine::env::Env;
use crate::engine::failure::Failure;
use crate::engine::interp::{self, Hooks, Outcome, Stretch};
use crate::error::{Error, ErrorKind, NumError, Within};
use crate::num::{Function, Limits, Value};
use crate::trace::TaskOutcome;
use record::Strand;

/// The values of the global names a function body may read: the session's variables and the
/// constants, as they are when the evaluation starts.
pub type Globals = HashMap<Box<str>, Value>;

/// The globals of an evaluation given none.
pub(crate) static NO_GLOBALS: std::sync::LazyLock<Globals> = std::sync::LazyLock::new(HashMap::new);

/// Calls at a depth below this fork their parallel operands (without a delay).
pub(crate) const FORK_DEPTH: u32 = 10;

/// Room left on the stack below which a call continues on a new segment, and the size of a
/// segment. A call takes a few KiB of native stack (the interpreter's loop and this module);
/// a segment holds some hundreds of them.
const RED_ZONE: usize = 256 << 10;
const SEGMENT: usize = 4 << 20;

mod compiled;
pub(crate) mod record;

use compiled::{Compiled, Ran};

/// What a function value runs: its definition, and its body compiled for machine integers
/// when it compiles.
struct Code {
    lambda: Arc<Lambda>,
    compiled: Option<Compiled>,
}

/// The function value a `lambda` or a `def` makes: a new object each time it is evaluated.
pub(crate) fn function(lambda: &Arc<Lambda>) -> Value {
    let name: Arc<str> = lambda.name.as_deref().unwrap_or("<lambda>").into();
    let code = Code {
        lambda: Arc::clone(lambda),
        compiled: Compiled::compile(lambda),
    };
    Value::Func(Arc::new(Function {
        name,
        params: Arc::clone(&lambda.params),
        source: Arc::clone(&lambda.source),
        body_text: Arc::clone(&lambda.body_text),
        code: Arc::new(code) as Arc<dyn Any + Send + Sync>,
    }))
}

/// The compiled body of the function `value` is, if it is one and its body compiled.
fn compiled_of(value: &Value) -> Option<&Compiled> {
    let Value::Func(function) = value else {
        return None;
    };
    function.code.downcast_ref::<Code>()?.compiled.as_ref()
}

/// The names of a call's body: its parameters' values, then the globals.
pub(crate) struct CallEnv<'a> {
    lambda: &'a Lambda,
    args: &'a [Value],
    globals: &'a Globals,
    depth: u32,
}

impl Env for CallEnv<'_> {
    #[inline]
    fn get(&self, index: u32) -> Option<&Value> {
        match self.lambda.param_of.get(index as usize)? {
            Some(param) => self.args.get(*param as usize),
            None => self
                .globals
                .get(self.lambda.body.names.get(index as usize)?.as_ref()),
        }
    }

    fn call_depth(&self) -> u32 {
        self.depth
    }
}

/// What a call inside a body asks of the evaluation around it: the hooks of the task it runs
/// in (the delay, cancellation), and, for an operand evaluated in parallel with others, when
/// to stop because an operand before it has failed.
#[derive(Clone, Copy)]
pub(crate) struct CallHooks<'a> {
    base: &'a dyn Hooks,
    fork: Option<&'a ForkStop<'a>>,
    /// Whether calls may run compiled: not below a compiled run that gave up, which would
    /// give up again at each level.
    compiled: bool,
    /// With a recorder: the strand the steps go on, and the call whose body runs.
    strand: Option<&'a Strand>,
    context: Option<&'a CallContext<'a>>,
}

/// The call whose body an interpreter runs, for the text of its recorded steps.
pub(crate) struct CallContext<'a> {
    ast: &'a Ast,
    /// The text the body's spans index.
    statement: &'a str,
    /// The call, as `fib(4)`.
    call: &'a str,
}

/// The operands of one fork: the first that failed, and this operand's place.
pub(crate) struct ForkStop<'a> {
    failed: &'a AtomicUsize,
    place: usize,
    outer: Option<&'a ForkStop<'a>>,
}

impl ForkStop<'_> {
    fn stopped(&self) -> bool {
        let mut fork = Some(self);
        while let Some(stop) = fork {
            if stop.failed.load(Ordering::Relaxed) < stop.place {
                return true;
            }
            fork = stop.outer;
        }
        false
    }
}

impl<'a> CallHooks<'a> {
    pub(crate) fn new(base: &'a dyn Hooks) -> CallHooks<'a> {
        CallHooks {
            base,
            fork: None,
            compiled: true,
            strand: None,
            context: None,
        }
    }

    fn stopped(&self) -> bool {
        self.fork.is_some_and(ForkStop::stopped)
    }
}

impl Hooks for CallHooks<'_> {
    fn paced(&self) -> bool {
        self.base.paced()
    }

    fn operator(&self, index: u32) -> bool {
        if self.stopped() {
            return false;
        }
        if !self.base.paced() {
            return !self.base.stop();
        }
        // A call is paced, and recorded, where it is made (`apply`), with its arguments.
        let context = self.context;
        if context.is_some_and(|context| {
            matches!(
                context.ast.nodes.get(index as usize),
                Some(Node::Apply { .. })
            )
        }) {
            return !self.base.stop();
        }
        let recording = self.base.recording();
        let start_ns = recording.map_or(0, |(recorder, _)| recorder.now_ns());
        let step = match (recording, self.strand, context) {
            (Some((recorder, owner)), Some(strand), Some(context)) => {
                let text_of = |id: NodeId| {
                    one_line(
                        context
                            .statement
                            .get(context.ast.span(id).range())
                            .unwrap_or("?"),
                    )
                };
                // A conditional is its test: the branches are steps of their own.
                let what = match context.ast.nodes.get(index as usize) {
                    Some(Node::IfElse { cond, .. }) => format!("if {}", text_of(*cond)),
                    _ => text_of(NodeId(index)),
                };
                let text = format!("{}: {what}", context.call);
                recorder.begin(owner, &text, start_ns);
                Some((recorder, owner, strand, text))
            }
            _ => None,
        };
        let worked = self.base.element();
        if let Some((recorder, owner, strand, text)) = step {
            recorder.step(owner, text, start_ns, outcome(worked), strand);
        }
        worked
    }

    fn element(&self) -> bool {
        !self.stopped() && self.base.element()
    }

    fn stop(&self) -> bool {
        self.stopped() || self.base.stop()
    }

    fn call_hooks(&self) -> CallHooks<'_> {
        *self
    }
}

/// `text` on one line, its runs of blanks made one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How a task's step ended, by whether it did its work.
fn outcome(worked: bool) -> TaskOutcome {
    if worked {
        TaskOutcome::Ran
    } else {
        TaskOutcome::Cancelled
    }
}

/// A call as a step's text shows it: `fib(4)`, a huge argument abbreviated.
fn call_text(name: &str, args: &[Value]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|arg| match arg {
            Value::Int(int) if dashu_int::ops::BitTest::bit_len(int) > 64 => "…".to_owned(),
            Value::Func(function) => function.name.to_string(),
            other => other.to_string(),
        })
        .collect();
    format!("{name}({})", args.join(", "))
}

/// Where a call is made: the depth of the body it is made from (0 in a statement), the
/// globals, the limits and the hooks.
pub(crate) struct Site<'a> {
    pub(crate) depth: u32,
    pub(crate) globals: &'a Globals,
    pub(crate) limits: &'a Limits,
    pub(crate) hooks: CallHooks<'a>,
    /// The call's operator in the caller's text, for the errors of the call itself.
    pub(crate) span: crate::span::Span,
    /// The name the function is called by there (`fib`), for the steps' text.
    pub(crate) name: &'a str,
}

/// Calls `callee` with `args`. Errors raised inside the body say which function raised them
/// ([`Error::within`]); a cancellation or a stop is `Ok(None)`.
pub(crate) fn apply(
    callee: &Value,
    args: &[Value],
    site: &Site<'_>,
) -> Result<Option<Value>, Error> {
    let at = |kind: ErrorKind| Error::new(kind, site.span);
    let Value::Func(function) = callee else {
        return Err(at(ErrorKind::NotCallable {
            type_name: callee.type_name(),
        }));
    };
    if let Some(message) = function.arity_error(args.len()) {
        return Err(at(NumError::Type(message.into()).into()));
    }
    if site.depth >= site.limits.max_depth {
        return Err(at(ErrorKind::Recursion {
            limit: site.limits.max_depth,
        }));
    }
    let Some(code) = function.code.downcast_ref::<Code>() else {
        return Err(at(ErrorKind::Internal("a function without a body".into())));
    };
    let lambda = &*code.lambda;
    // Below the levels that fork, a body for machine integers runs without the interpreter.
    let mut hooks = site.hooks;
    // (A body with nothing to fork runs compiled at any level.)
    if let Some(compiled) = &code.compiled
        && hooks.compiled
        && !site.hooks.paced()
        && (lambda.body.forks.is_empty() || !forks_at(site.depth + 1, false))
    {
        match run_compiled(compiled, args, site) {
            Some(done) => return done,
            // Below a run that gave up, every level would give up again.
            None => hooks.compiled = false,
        }
    }
    let env = CallEnv {
        lambda,
        args,
        globals: site.globals,
        depth: site.depth + 1,
    };
    // With a delay and a recorder, the call is a step of its caller's strand (the outermost
    // call's own delay was its task's), and its body's steps follow it.
    let recording = hooks.paced().then(|| hooks.base.recording()).flatten();
    let top_strand;
    let call = recording.map(|_| call_text(site.name, args));
    let mut call_step = None;
    let mut context = None;
    if let (Some((recorder, owner)), Some(call)) = (recording, &call) {
        let strand = if let Some(strand) = hooks.strand {
            let start_ns = recorder.now_ns();
            recorder.begin(owner, call, start_ns);
            let worked = !hooks.stopped() && hooks.base.element();
            let step = recorder.step(owner, call.clone(), start_ns, outcome(worked), strand);
            call_step = Some(step);
            if !worked {
                return Ok(None);
            }
            strand
        } else {
            top_strand = Strand::new(vec![record::Dep::Task]);
            &top_strand
        };
        context = Some(CallContext {
            ast: &lambda.body,
            statement: &lambda.statement,
            call,
        });
        hooks.strand = Some(strand);
    }
    let hooks = CallHooks {
        context: context.as_ref(),
        ..hooks
    };
    let body = &lambda.body;
    let ran = stacker::maybe_grow(RED_ZONE, SEGMENT, || {
        run_body(body, body.root().0, &env, site.globals, site.limits, &hooks)
    });
    if let (Some((recorder, owner)), None, Some(strand)) =
        (recording, site.hooks.strand, hooks.strand)
    {
        recorder.end(owner, strand);
    }
    if let (Some((recorder, _)), Some(step), Ok(Outcome::Value(value))) =
        (recording, call_step, &ran)
    {
        recorder.set_value(step, value);
    }
    match ran {
        Ok(Outcome::Value(value)) => Ok(Some(value)),
        Ok(_) => Ok(None),
        Err(failure) => {
            let mut error = *failure.error;
            if error.within.is_none() && error.placed && error.kind != ErrorKind::Cancelled {
                error.within = Some(Arc::new(Within {
                    function: Arc::clone(&function.name),
                    source: Arc::clone(&lambda.statement),
                }));
            }
            Err(error)
        }
    }
}

/// A call of a body compiled for machine integers: `None` when its arguments are not machine
/// integers or the run gave up (the interpreter then evaluates the call).
fn run_compiled(
    compiled: &Compiled,
    args: &[Value],
    site: &Site<'_>,
) -> Option<Result<Option<Value>, Error>> {
    // The arguments as machine integers, without allocating (a function of more than eight
    // parameters runs on the interpreter).
    let mut ints = [0i64; 8];
    if args.len() > ints.len() {
        return None;
    }
    for (int, arg) in ints.iter_mut().zip(args) {
        let Value::Int(value) = arg else {
            return None;
        };
        *int = i64::try_from(value).ok()?;
    }
    let ints = &ints[..args.len()];
    let globals = site.globals;
    let resolve = |name: &str| globals.get(name).and_then(compiled_of);
    let stop = || site.hooks.stop();
    let ran = compiled::run(
        compiled,
        ints,
        site.depth,
        site.limits.max_depth,
        &resolve,
        &stop,
    );
    Some(match ran {
        Ran::Value(value) => Ok(Some(Value::Int(value.into()))),
        Ran::Stopped => Ok(None),
        Ran::Recursion { code, call } => {
            let span = code.calls.get(call as usize).copied().unwrap_or_default();
            let mut error = Error::new(
                ErrorKind::Recursion {
                    limit: site.limits.max_depth,
                },
                span,
            );
            error.within = Some(Arc::new(Within {
                function: Arc::clone(&code.name),
                source: Arc::clone(&code.statement),
            }));
            Err(error)
        }
        Ran::Bail => return None,
    })
}

/// Evaluates the subtree of `body` rooted at `root` for a call.
fn run_body(
    body: &Ast,
    root: u32,
    env: &CallEnv<'_>,
    globals: &Globals,
    limits: &Limits,
    hooks: &CallHooks<'_>,
) -> Result<Outcome, Failure> {
    let mut stretch = Stretch::subtree(body, root, env, limits);
    stretch.globals = Some(globals);
    let mut locals = interp::locals(body);
    let mut stack = Vec::new();
    interp::run(&stretch, &[], &mut locals, hooks, &mut stack)
}

/// Whether the interpreter forks at a node of a body evaluated at `depth`: on a worker of the
/// pool, at the top levels of calls, or at every level when the work is paced.
pub(crate) fn forks_at(depth: u32, paced: bool) -> bool {
    (paced || depth < FORK_DEPTH) && rayon::current_thread_index().is_some()
}

/// The fork node of `ast` whose subtree starts at `first` and ends at or before `root` (the
/// outermost), if there is one.
pub(crate) fn fork_at(ast: &Ast, first: u32, root: u32) -> Option<u32> {
    let start = ast.forks.partition_point(|&(f, _)| f < first);
    ast.forks[start..]
        .iter()
        .take_while(|&&(f, _)| f == first)
        .find(|&&(_, node)| node <= root)
        .map(|&(_, node)| node)
}

/// Evaluates the operands of fork node `node` in parallel: their values in order, or the
/// failure of the first that failed. `Ok(None)`: stopped.
pub(crate) fn fork_operands<E: Env + ?Sized>(
    stretch: &Stretch<'_, E>,
    node: u32,
    hooks: &CallHooks<'_>,
) -> Result<Option<Vec<Value>>, Failure> {
    let (ast, env, limits, globals) = (stretch.ast, stretch.env, stretch.limits, stretch.globals);
    let mut roots = Vec::new();
    ast.for_each_operand(NodeId(node), |operand| roots.push(operand.0));
    let failed = AtomicUsize::new(usize::MAX);
    let results: Vec<(Result<Outcome, Failure>, Vec<record::Dep>)> = roots
        .par_iter()
        .enumerate()
        .map(|(place, &root)| {
            let stop = ForkStop {
                failed: &failed,
                place,
                outer: hooks.fork,
            };
            let strand = hooks.strand.map(|strand| Strand::new(strand.waits_for()));
            let hooks = CallHooks {
                fork: Some(&stop),
                strand: strand.as_ref(),
                ..*hooks
            };
            let mut operand = Stretch::subtree(ast, root, env, limits);
            // `own`: a body around the fork node may start where this operand does, and is
            // not to be skipped.
            operand.own = Some((operand.first, root));
            operand.globals = globals;
            let mut locals = interp::locals(ast);
            let mut stack: Vec<Cow<'_, Value>> = Vec::new();
            let result = interp::run(&operand, &[], &mut locals, &hooks, &mut stack);
            if result.is_err() {
                failed.fetch_min(place, Ordering::Relaxed);
            }
            let ends = strand.map(|strand| strand.replace(Vec::new()));
            (result, ends.unwrap_or_default())
        })
        .collect();
    // The node after the join waits for the last step of each operand.
    if let Some(strand) = hooks.strand {
        strand.replace(
            results
                .iter()
                .flat_map(|(_, ends)| ends.iter().copied())
                .collect(),
        );
    }
    let mut values = Vec::with_capacity(results.len());
    for (result, _) in results {
        match result? {
            Outcome::Value(value) => values.push(value),
            _ => return Ok(None),
        }
    }
    Ok(Some(values))
}
