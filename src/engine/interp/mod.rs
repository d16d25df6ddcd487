//! The interpreter: evaluates a stretch of the arena, reductions inside it included, with a
//! value stack and a stack of frames instead of recursion.
//!
//! Every evaluator runs its nodes here: the sequential reference (the whole tree), a task of
//! the executor (its group of nodes, with the values of its operand tasks handed in where their
//! subtrees begin), and a chunk of a reduction (the body, once per element). Because the arena
//! is in post-order, a node finds its operands on top of the value stack; a reduction met on
//! the way pushes a frame and evaluates its body once per element, folding as Python does
//! ([`Fold`]); the bodies it owns are skipped by the plain loop (`BodySkip`). Memory is bounded
//! by the tree's depth and the nesting of reductions, not by the tree's size.
//!
//! What is not arithmetic is asked of [`Hooks`]: the simulated work before each operator of the
//! stretch or each element of a reduction, and whether to stop (a cancellation, an earlier
//! error elsewhere). A failure carries its `Path` in the sequential order: the failing node,
//! under the reductions (and their elements) it was met in.
//!
//! This module evaluates; it neither schedules nor records. A task that may hand part of its
//! work to other tasks (a reduction cut into chunks) asks to stop before its root and gets the
//! root's operands back ([`Outcome::Fork`]); the executor does the rest.
//!
//! Beside the loop (`run`, here): `lazy` says which operand of a lazy node runs next,
//! `clauses` runs the nested loops of a generator with several clauses, `operator` holds
//! the fast paths (a task of one operator, the fold of a plain range), and `node` the
//! arithmetic of one node. What the loop recurses through lives here too: `reduce` (a chunk of
//! a reduction evaluates its body here, once per element) and `call` (a call of a user
//! function evaluates its body here).

use std::borrow::Cow;
use std::cell::Cell;

use crate::ast::{Ast, BodySkip, Clause, Node, NodeId, Reducer};
use crate::engine::env::Env;
use crate::engine::failure::Failure;
use crate::error::{Error, ErrorKind, NumError};
use crate::num::{Int, Limits, Value};

pub(crate) mod call;
mod clauses;
mod lazy;
pub(crate) mod node;
mod operator;
pub(crate) mod reduce;

use call::{CallHooks, Globals, Site};
use clauses::{Level, LoopStep, Loops, Phase, loops_advance, loops_next};
use lazy::{Lazy, Next, lazy_next, lazy_operand, lazy_start};
use node::eval_node;
use operator::fold_plain;
pub(crate) use operator::{Given, run_operator};
use reduce::fold::{Fold, empty};
use reduce::range::Range;

/// How often (in elements) a long fold asks whether to stop.
pub(crate) const STOP_CHECK_ELEMENTS: u64 = 1024;

/// What an evaluation asks of whoever runs it.
pub(crate) trait Hooks: Sync {
    /// Whether a simulated delay paces the work (then [`Hooks::element`] runs before every
    /// element of a reduction evaluated in place).
    fn paced(&self) -> bool;
    /// Runs before operator `index` of the stretch (not before the nodes of a body evaluated
    /// per element): the simulated work, and the checks. `false`: stop.
    fn operator(&self, index: u32) -> bool;
    /// Runs before each element of a reduction evaluated in place, when paced. `false`: stop.
    fn element(&self) -> bool;
    /// Asked every [`STOP_CHECK_ELEMENTS`] elements of a fold: `true` to stop.
    fn stop(&self) -> bool;
    /// Where the steps of user functions' calls made from here are recorded, and the task
    /// they are steps of (only with a delay, and only for the executor's tree tasks).
    fn recording(&self) -> Option<(&call::record::Recorder, (u32, u32))> {
        None
    }
    /// The hooks of a user function's call made from here.
    fn call_hooks(&self) -> CallHooks<'_>
    where
        Self: Sized,
    {
        CallHooks::new(self)
    }
}

/// The hooks of an evaluation that is never paced and never stopped: the sequential reference.
pub(crate) struct Unhooked;

impl Hooks for Unhooked {
    fn paced(&self) -> bool {
        false
    }
    fn operator(&self, _index: u32) -> bool {
        true
    }
    fn element(&self) -> bool {
        true
    }
    fn stop(&self) -> bool {
        false
    }
}

/// The value of an operand computed by another task: the subtree `first..=root`, whose value
/// the stretch takes instead of evaluating it (`None` when that task failed or never ran).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Operand<'v> {
    pub(crate) first: u32,
    pub(crate) root: u32,
    pub(crate) value: Option<&'v Value>,
}

/// What evaluating a stretch ended with, short of a failure.
#[derive(Debug)]
pub(crate) enum Outcome {
    Value(Value),
    /// An operand task has no value: a failure before it will be reported, not this stretch.
    Missing,
    /// The hooks said to stop.
    Stopped,
    /// The stretch's root is to be handed on (see [`Stretch::fork`]): its operands' values.
    Fork(Vec<Value>),
}

/// The part of a tree to evaluate, and what it reads.
pub(crate) struct Stretch<'a, E: ?Sized> {
    pub(crate) ast: &'a Ast,
    /// Nodes `first..=root`: a subtree, or a reduction's body (see `own`).
    pub(crate) first: u32,
    pub(crate) root: u32,
    /// The body this stretch is, when it is a reduction's (so that it is not skipped).
    pub(crate) own: Option<(u32, u32)>,
    pub(crate) env: &'a E,
    pub(crate) limits: &'a Limits,
    /// Stop before a root that is a reduction, and hand back its operands.
    pub(crate) fork: bool,
    /// The node of the stretch being evaluated (outside bodies), for the error of a panic.
    pub(crate) current: Cell<u32>,
    /// The globals a user function called here reads (none: an empty table).
    pub(crate) globals: Option<&'a Globals>,
}

impl<'a, E: Env + ?Sized> Stretch<'a, E> {
    /// The whole subtree rooted at `root`.
    pub(crate) fn subtree(ast: &'a Ast, root: u32, env: &'a E, limits: &'a Limits) -> Self {
        Stretch {
            ast,
            first: ast.first_of(NodeId(root)).0,
            root,
            own: None,
            env,
            limits,
            fork: false,
            current: Cell::new(root),
            globals: None,
        }
    }

    /// The body `first..=root` of a reduction, evaluated for one element.
    pub(crate) fn body(ast: &'a Ast, body: NodeId, env: &'a E, limits: &'a Limits) -> Self {
        let first = ast.first_of(body).0;
        Stretch {
            ast,
            first,
            root: body.0,
            own: Some((first, body.0)),
            env,
            limits,
            fork: false,
            current: Cell::new(body.0),
            globals: None,
        }
    }
}

/// A reduction being folded in place.
struct Frame<'a> {
    node: u32,
    slot: usize,
    fold: Fold,
    body_first: u32,
    body_root: u32,
    range: Range,
    /// The element being evaluated.
    element: u64,
    /// The cursor of the loop around the reduction, restored after it.
    outer_skip: BodySkip<'a>,
    /// The lazy nodes open when the reduction started (see [`Lazy`]).
    lazy_base: usize,
    /// For a generator with clauses after its first `for`: its loops and what the operand
    /// being evaluated (`body_first..=body_root`) is for.
    clauses: Option<Box<Loops>>,
}

/// Closes the innermost reduction, all its elements folded: its value goes on the stack.
/// Returns where the loop goes on (the node after the reduction) with the cursor it had
/// there, or `None` with no frame open.
fn close_frame<'a>(
    ast: &'a Ast,
    frames: &mut Vec<Frame<'a>>,
    stack: &mut Vec<Cow<'_, Value>>,
    limits: &Limits,
) -> Result<Option<(u32, BodySkip<'a>)>, Failure> {
    let Some(frame) = frames.pop() else {
        return Ok(None);
    };
    let value = frame.fold.finish(limits).map_err(|error| {
        let error = Error::new(error, ast.op_span(NodeId(frame.node)));
        under_frames(frames, Failure::after_elements(frame.node, error))
    })?;
    stack.push(Cow::Owned(value));
    Ok(Some((frame.node + 1, frame.outer_skip)))
}

/// The path of a failure at `node` under the open frames, outermost first.
fn under_frames(frames: &[Frame<'_>], failure: Failure) -> Failure {
    frames.iter().rev().fold(failure, |failure, frame| {
        failure.in_element(frame.node, frame.element)
    })
}

/// Evaluates `stretch`, taking `operands` (sorted by `first`) where their subtrees begin.
/// `locals` holds the generators' variables; `stack` is scratch space the caller may reuse.
// One loop with the frames' cases (end of a body, a reduction, an operand, any other node).
#[expect(clippy::too_many_lines, reason = "one loop with the frames' cases")]
pub(crate) fn run<'v, E: Env + ?Sized, H: Hooks>(
    stretch: &Stretch<'_, E>,
    operands: &[Operand<'v>],
    locals: &mut [Value],
    hooks: &H,
    stack: &mut Vec<Cow<'v, Value>>,
) -> Result<Outcome, Failure> {
    let ast = stretch.ast;
    let limits = stretch.limits;
    let root = stretch.root;
    stack.clear();
    let mut frames: Vec<Frame<'_>> = Vec::new();
    let mut lazies: Vec<Lazy<'_>> = Vec::new();
    let mut skip = BodySkip::new(ast, stretch.first, stretch.own);
    let mut next_operand = 0;
    let mut operand_first = operands.first().map_or(u32::MAX, |operand| operand.first);
    let mut index = stretch.first;
    let forks = !ast.forks.is_empty() && call::forks_at(stretch.env.call_depth(), hooks.paced());
    loop {
        // The innermost open thing: a lazy node opened inside the innermost reduction, or that
        // reduction.
        let lazy_open = lazies.len() > frames.last().map_or(0, |frame| frame.lazy_base);
        let end = if lazy_open {
            lazies.last().map_or(root, |lazy| lazy.end)
        } else {
            frames.last().map_or(root, |frame| frame.body_root)
        };
        if index > end && lazy_open {
            let Some(lazy) = lazies.last_mut() else {
                break;
            };
            let value = stack
                .pop()
                .ok_or_else(|| internal(ast, lazy.node))?
                .into_owned();
            let node = lazy.node;
            let next = lazy_next(ast, NodeId(node), lazy, value)
                .map_err(|error| under_frames(&frames, Failure::at(node, error)))?;
            match next {
                Next::Operand(step) => {
                    let operand = lazy_operand(ast, NodeId(node), step);
                    let first = ast.first_of(operand).0;
                    lazy.step = step;
                    lazy.end = operand.0;
                    index = first;
                    skip = BodySkip::new(ast, first, Some((first, operand.0)));
                }
                Next::Done(value) => {
                    let Some(lazy) = lazies.pop() else {
                        break;
                    };
                    stack.push(Cow::Owned(value));
                    index = node + 1;
                    skip = lazy.outer_skip;
                }
            }
            continue;
        }
        if index > end && frames.last().is_some_and(|frame| frame.clauses.is_some()) {
            let Some(frame) = frames.last_mut() else {
                break;
            };
            let Some(loops) = frame.clauses.as_deref_mut() else {
                break;
            };
            let value = stack
                .pop()
                .ok_or_else(|| internal(ast, frame.node))?
                .into_owned();
            let (node, slot) = (frame.node, frame.slot);
            let step = match std::mem::replace(&mut loops.phase, Phase::Body) {
                Phase::Body => {
                    if let Err(error) = frame.fold.push(value, limits) {
                        let error = Error::new(error, ast.op_span(NodeId(node)));
                        let failure = Failure::in_fold(node, loops.count, error);
                        frames.pop();
                        return Err(under_frames(&frames, failure));
                    }
                    loops_next(ast, slot, loops, locals)
                }
                Phase::Cond(clause) if value.is_true() => {
                    loops_advance(ast, slot, loops, clause + 1)
                }
                Phase::Cond(_) => loops_next(ast, slot, loops, locals),
                Phase::Bound {
                    clause,
                    arg,
                    mut values,
                } => {
                    values.push(value);
                    let Some(Clause::For(for_slot)) = ast.reductions[slot].clauses.get(clause)
                    else {
                        return Err(internal(ast, node));
                    };
                    let range_of = &ast.reductions[*for_slot as usize];
                    let args = ast.range_args(range_of);
                    if let Some(&next) = args.get(arg + 1) {
                        loops.phase = Phase::Bound {
                            clause,
                            arg: arg + 1,
                            values,
                        };
                        LoopStep::Operand(next)
                    } else {
                        let bounds: Vec<&Value> = values.iter().collect();
                        let range = Range::new(&bounds).map_err(|error| {
                            let error = Error::new(error, range_of.range_span);
                            under_frames(&frames[..frames.len() - 1], Failure::at(node, error))
                        })?;
                        let Some(frame) = frames.last_mut() else {
                            break;
                        };
                        let Some(loops) = frame.clauses.as_deref_mut() else {
                            break;
                        };
                        if range.len == 0 {
                            loops_next(ast, slot, loops, locals)
                        } else {
                            locals[*for_slot as usize] = Value::Int(range.at(0));
                            loops.levels.push(Level {
                                next_clause: clause + 1,
                                slot: *for_slot as usize,
                                range,
                                element: 0,
                            });
                            loops_advance(ast, slot, loops, clause + 1)
                        }
                    }
                }
            };
            let Some(frame) = frames.last_mut() else {
                break;
            };
            match step {
                LoopStep::Operand(root) => {
                    if let Some(loops) = frame.clauses.as_deref()
                        && matches!(loops.phase, Phase::Body)
                    {
                        if hooks.paced() && !hooks.element() {
                            return Ok(Outcome::Stopped);
                        }
                        if loops.count.is_multiple_of(STOP_CHECK_ELEMENTS) && hooks.stop() {
                            return Ok(Outcome::Stopped);
                        }
                    }
                    let first = ast.first_of(root).0;
                    frame.body_first = first;
                    frame.body_root = root.0;
                    frame.element = frame.clauses.as_deref().map_or(0, |loops| loops.count);
                    index = first;
                    skip = BodySkip::new(ast, first, Some((first, root.0)));
                }
                LoopStep::Finished => {
                    let Some((after, outer_skip)) = close_frame(ast, &mut frames, stack, limits)?
                    else {
                        break;
                    };
                    (index, skip) = (after, outer_skip);
                }
            }
            continue;
        }
        if index > end {
            let Some(frame) = frames.last_mut() else {
                break;
            };
            // An element's value: folded in, then the next element, or the reduction's value.
            let value = stack
                .pop()
                .ok_or_else(|| internal(ast, frame.node))?
                .into_owned();
            let (node, element) = (frame.node, frame.element);
            let folded = frame.fold.push(value, limits);
            if let Err(error) = folded {
                let error = Error::new(error, ast.op_span(NodeId(node)));
                let failure = Failure::in_fold(node, element, error);
                frames.pop();
                return Err(under_frames(&frames, failure));
            }
            let frame = frames.last_mut().ok_or_else(|| internal(ast, node))?;
            if frame.element + 1 < frame.range.len {
                frame.element += 1;
                if hooks.paced() && !hooks.element() {
                    return Ok(Outcome::Stopped);
                }
                if frame.element.is_multiple_of(STOP_CHECK_ELEMENTS) && hooks.stop() {
                    return Ok(Outcome::Stopped);
                }
                locals[frame.slot] = Value::Int(frame.range.at(frame.element));
                index = frame.body_first;
                skip = BodySkip::new(
                    ast,
                    frame.body_first,
                    Some((frame.body_first, frame.body_root)),
                );
                continue;
            }
            let Some((after, outer_skip)) = close_frame(ast, &mut frames, stack, limits)? else {
                break;
            };
            (index, skip) = (after, outer_skip);
            continue;
        }
        if index == operand_first && frames.is_empty() {
            let operand = operands[next_operand];
            let Some(value) = operand.value else {
                return Ok(Outcome::Missing);
            };
            stack.push(Cow::Borrowed(value));
            index = operand.root + 1;
            next_operand += 1;
            operand_first = operands
                .get(next_operand)
                .map_or(u32::MAX, |operand| operand.first);
            continue;
        }
        // A reduction's body is evaluated by the reduction, never in passing.
        if let Some(body_root) = skip.skip_at(index) {
            index = body_root + 1;
            continue;
        }
        // Operands that call functions, run in parallel and joined before their node.
        if forks
            && frames.is_empty()
            && let Some(node) = call::fork_at(ast, index, end)
        {
            let Some(values) = call::fork_operands(stretch, node, &hooks.call_hooks())? else {
                return Ok(Outcome::Stopped);
            };
            stack.extend(values.into_iter().map(Cow::Owned));
            index = node;
        }
        let id = NodeId(index);
        let node = ast.node(id);
        if frames.is_empty() {
            stretch.current.set(index);
        }
        if node.is_lazy() {
            if frames.is_empty() && !hooks.operator(index) {
                return Ok(Outcome::Stopped);
            }
            let step = lazy_start(ast, id);
            let operand = lazy_operand(ast, id, step);
            let first = ast.first_of(operand).0;
            let outer_skip = std::mem::replace(
                &mut skip,
                BodySkip::new(ast, first, Some((first, operand.0))),
            );
            lazies.push(Lazy {
                node: index,
                step,
                end: operand.0,
                held: None,
                outer_skip,
            });
            index = first;
            continue;
        }
        if frames.is_empty() && !node.is_leaf() {
            // A generator with clauses is folded here, in order, never cut into chunks.
            if stretch.fork
                && index == root
                && matches!(node, Node::Reduce(slot) if !ast.reductions[*slot as usize].in_place())
            {
                let values = stack.drain(..).map(Cow::into_owned).collect();
                return Ok(Outcome::Fork(values));
            }
            if !hooks.operator(index) {
                return Ok(Outcome::Stopped);
            }
        }
        if let Node::Reduce(slot) = node {
            let slot = *slot as usize;
            let reduction = &ast.reductions[slot];
            let at = |error: NumError| {
                under_frames(
                    &frames,
                    Failure::at(index, Error::new(error, ast.op_span(id))),
                )
            };
            let n_start = usize::from(reduction.start.is_some());
            let base = stack
                .len()
                .checked_sub(reduction.n_args as usize + n_start)
                .ok_or_else(|| internal(ast, index))?;
            let bounds: Vec<&Value> = stack[base..stack.len() - n_start]
                .iter()
                .map(|value| &**value)
                .collect();
            let range = Range::new(&bounds).map_err(at)?;
            let start = (n_start == 1)
                .then(|| stack.last().map(|value| (**value).clone()))
                .flatten();
            stack.truncate(base);
            let fold = Fold::new(reduction.func, start);
            let Some(body) = reduction.body else {
                // The elements themselves: a formula where one applies, else one by one.
                let value =
                    fold_plain(&range, fold, limits, hooks).map_err(|(element, error)| {
                        let error = Error::new(error, ast.op_span(id));
                        under_frames(&frames, Failure::in_fold(index, element, error))
                    })?;
                let Some(value) = value else {
                    return Ok(Outcome::Stopped);
                };
                let value = value.map_err(|error| {
                    let error = Error::new(error, ast.op_span(id));
                    under_frames(&frames, Failure::after_elements(index, error))
                })?;
                stack.push(Cow::Owned(value));
                index += 1;
                continue;
            };
            if range.len == 0 {
                let value = if matches!(reduction.func, Reducer::Min | Reducer::Max) {
                    empty(reduction.func)
                } else {
                    fold.finish(limits)
                };
                stack.push(Cow::Owned(value.map_err(at)?));
                index += 1;
                continue;
            }
            locals[slot] = Value::Int(range.at(0));
            // With clauses, the first operand to evaluate may be a condition or a range.
            let mut clauses = None;
            let mut start = body;
            if !reduction.clauses.is_empty() {
                let mut loops = Box::new(Loops {
                    levels: vec![Level {
                        next_clause: 0,
                        slot,
                        range: range.clone(),
                        element: 0,
                    }],
                    phase: Phase::Body,
                    count: 0,
                });
                if let LoopStep::Operand(root) = loops_advance(ast, slot, &mut loops, 0) {
                    start = root;
                }
                clauses = Some(loops);
            }
            let in_body = clauses
                .as_deref()
                .is_none_or(|loops| matches!(loops.phase, Phase::Body));
            if in_body && hooks.paced() && !hooks.element() {
                return Ok(Outcome::Stopped);
            }
            let body_first = ast.first_of(start).0;
            let outer_skip = std::mem::replace(
                &mut skip,
                BodySkip::new(ast, body_first, Some((body_first, start.0))),
            );
            frames.push(Frame {
                node: index,
                slot,
                fold,
                body_first,
                body_root: start.0,
                range,
                element: 0,
                outer_skip,
                lazy_base: lazies.len(),
                clauses,
            });
            index = body_first;
            continue;
        }
        let base = stack
            .len()
            .checked_sub(ast.n_stacked_operands(id))
            .ok_or_else(|| internal(ast, index))?;
        if matches!(node, Node::Apply { .. }) {
            let args: Vec<Value> = stack.drain(base + 1..).map(Cow::into_owned).collect();
            let callee = stack.pop().ok_or_else(|| internal(ast, index))?;
            let site = Site {
                depth: stretch.env.call_depth(),
                globals: stretch.globals.unwrap_or(&call::NO_GLOBALS),
                limits,
                hooks: hooks.call_hooks(),
                span: ast.op_span(id),
                name: ast.source_name(id).unwrap_or("<function>"),
            };
            match call::apply(&callee, &args, &site) {
                Ok(Some(value)) => stack.push(Cow::Owned(value)),
                Ok(None) => return Ok(Outcome::Stopped),
                Err(error) => return Err(under_frames(&frames, Failure::at(index, error))),
            }
            index += 1;
            continue;
        }
        let value = eval_node(ast, id, stretch.env, locals, limits, |k| &*stack[base + k])
            .map_err(|error| under_frames(&frames, Failure::at(index, error)))?;
        stack.truncate(base);
        stack.push(Cow::Owned(value));
        index += 1;
    }
    let value = stack.pop().ok_or_else(|| internal(ast, root))?;
    Ok(Outcome::Value(value.into_owned()))
}

/// The generators' variables of `ast`, one slot per reduction, for [`run`]'s `locals` (no
/// allocation for a tree without reductions).
pub(crate) fn locals(ast: &Ast) -> Vec<Value> {
    vec![Value::Int(Int::ZERO); ast.reductions.len()]
}

fn internal(ast: &Ast, node: u32) -> Failure {
    let error = Error::new(
        ErrorKind::Internal("an evaluation stack ran out".into()),
        ast.span(NodeId(node)),
    );
    Failure::at(node, error)
}

/// Evaluates the subtree rooted at `root` on the calling thread, unpaced and never stopped:
/// the sequential reference, and the whole evaluation of a statement too small for the pool.
pub(crate) fn evaluate_subtree<E: Env + ?Sized>(
    ast: &Ast,
    root: NodeId,
    env: &E,
    limits: &Limits,
) -> Result<Value, Failure> {
    let stretch = Stretch::subtree(ast, root.0, env, limits);
    let mut locals = locals(ast);
    let mut stack = Vec::new();
    match run(&stretch, &[], &mut locals, &Unhooked, &mut stack)? {
        Outcome::Value(value) => Ok(value),
        Outcome::Missing | Outcome::Stopped | Outcome::Fork(_) => Err(Failure::at(
            root.0,
            Error::new(
                ErrorKind::Internal("an unhooked evaluation stopped".into()),
                ast.span(root),
            ),
        )),
    }
}
