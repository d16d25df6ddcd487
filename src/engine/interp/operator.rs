//! The fast paths: a task of one operator whose operands are handed in or are leaves, without
//! the interpreter's loop, and the fold of a plain `range`.

use std::borrow::Cow;

use crate::ast::{Ast, Node, NodeId, Reducer};
use crate::engine::env::Env;
use crate::engine::failure::Failure;
use crate::engine::interp::node::eval_node;
use crate::engine::interp::reduce::fold::{Fold, empty};
use crate::engine::interp::reduce::range::Range;
use crate::engine::interp::{Hooks, Outcome, STOP_CHECK_ELEMENTS, Stretch};
use crate::error::{Error, NumError};
use crate::num::{Limits, Value};

/// A value handed in for the subtree rooted at `root` (see [`run_operator`]).
pub(crate) type Given<'v> = (u32, Option<&'v Value>);

/// One operand of [`run_operator`]'s operator.
pub(super) enum Fetched<'v> {
    Value(Cow<'v, Value>),
    /// Handed in without a value.
    Missing,
    Failed(Failure),
    /// Neither a leaf nor handed in: not a stretch of one operator.
    Deeper,
}

impl Fetched<'_> {
    /// What an operand that is not a value makes of the whole stretch.
    fn outcome(self) -> Option<Result<Outcome, Failure>> {
        match self {
            Fetched::Missing => Some(Ok(Outcome::Missing)),
            Fetched::Failed(failure) => Some(Err(failure)),
            Fetched::Value(_) | Fetched::Deeper => None,
        }
    }
}

/// Operand `child`: the value handed in for it, or the leaf itself.
pub(super) fn fetch<'v, E: Env + ?Sized>(
    ast: &Ast,
    child: NodeId,
    given: &[Given<'v>],
    env: &E,
    limits: &Limits,
) -> Fetched<'v> {
    if let Some(&(_, value)) = given.iter().find(|&&(root, _)| root == child.0) {
        return value.map_or(Fetched::Missing, |value| {
            Fetched::Value(Cow::Borrowed(value))
        });
    }
    if !ast.is_leaf(child) {
        return Fetched::Deeper;
    }
    match eval_node(ast, child, env, &[], limits, |_| {
        unreachable!("a leaf has no operands")
    }) {
        Ok(value) => Fetched::Value(Cow::Owned(value)),
        Err(error) => Fetched::Failed(Failure::at(child.0, error)),
    }
}

/// [`run`](super::run) for the commonest task at grain 1: one unary or binary operator whose operands are
/// leaves or handed in (`given`: the roots of operand subtrees with their values), evaluated
/// without the loop's machinery, with the same outcome. `None` for any other shape.
pub(crate) fn run_operator<E: Env + ?Sized, H: Hooks>(
    stretch: &Stretch<'_, E>,
    given: &[Given<'_>],
    hooks: &H,
) -> Option<Result<Outcome, Failure>> {
    let ast = stretch.ast;
    let id = NodeId(stretch.root);
    let (env, limits) = (stretch.env, stretch.limits);
    let at = |error| Failure::at(id.0, Error::new(error, ast.op_span(id)));
    let result = match *ast.node(id) {
        Node::Binary { op, lhs, rhs } => {
            stretch.current.set(lhs.0);
            let lhs = match fetch(ast, lhs, given, env, limits) {
                Fetched::Value(value) => value,
                other => return other.outcome(),
            };
            stretch.current.set(rhs.0);
            let rhs = match fetch(ast, rhs, given, env, limits) {
                Fetched::Value(value) => value,
                other => return other.outcome(),
            };
            stretch.current.set(id.0);
            if !hooks.operator(id.0) {
                return Some(Ok(Outcome::Stopped));
            }
            crate::num::binary(op, &lhs, &rhs, limits).map_err(at)
        }
        Node::Unary { op, operand } => {
            stretch.current.set(operand.0);
            let operand = match fetch(ast, operand, given, env, limits) {
                Fetched::Value(value) => value,
                other => return other.outcome(),
            };
            stretch.current.set(id.0);
            if !hooks.operator(id.0) {
                return Some(Ok(Outcome::Stopped));
            }
            crate::num::unary(op, &operand).map_err(at)
        }
        _ => return None,
    };
    Some(result.map(Outcome::Value))
}

/// The fold of a plain `range`'s elements: by formula where one applies, else element by
/// element. `None` when told to stop; the inner result is the fold's end (its check against
/// the limit); a failing step is `Err((element, error))`.
pub(super) fn fold_plain<H: Hooks>(
    range: &Range,
    mut fold: Fold,
    limits: &Limits,
    hooks: &H,
) -> Result<Option<Result<Value, NumError>>, (u64, NumError)> {
    let func = fold.func();
    if range.len == 0 {
        return Ok(Some(if matches!(func, Reducer::Min | Reducer::Max) {
            empty(func)
        } else {
            fold.finish(limits)
        }));
    }
    // A formula regroups the sum: exact only from an int (or no) start.
    if !hooks.paced() && fold.regroupable() {
        match range.formula(func, 0, range.len, limits.max_bits) {
            Ok(Some(value)) => {
                fold.push(Value::Int(value), limits)
                    .map_err(|error| (range.len - 1, error))?;
                return Ok(Some(fold.finish(limits)));
            }
            Ok(None) => {}
            // A product of positive ints over the limit: no zero can come to save it.
            Err(error) => return Ok(Some(Err(error))),
        }
    }
    for element in 0..range.len {
        if hooks.paced() && !hooks.element() {
            return Ok(None);
        }
        if element.is_multiple_of(STOP_CHECK_ELEMENTS) && element > 0 && hooks.stop() {
            return Ok(None);
        }
        fold.push(Value::Int(range.at(element)), limits)
            .map_err(|error| (element, error))?;
    }
    Ok(Some(fold.finish(limits)))
}
