//! Lazy nodes (`and`, `or`, a conditional expression, a chain of comparisons): which operand
//! runs next, given the value of the one before.

use crate::ast::{Ast, BodySkip, Node, NodeId};
use crate::error::Error;
use crate::num::Value;

/// A lazy node (`and`, `or`, a conditional, a chain of comparisons) running its operands one
/// at a time: `step` is the operand being evaluated (in the order of
/// [`Ast::for_each_operand`]), whose root is `end`.
pub(super) struct Lazy<'a> {
    pub(super) node: u32,
    pub(super) step: usize,
    pub(super) end: u32,
    /// In a chain, the value of the operand before the one being evaluated.
    pub(super) held: Option<Value>,
    /// The cursor of the loop around the node, restored after it.
    pub(super) outer_skip: BodySkip<'a>,
}

/// What a lazy node does once operand `step` has the value `value`.
pub(super) enum Next {
    /// Evaluate this operand next.
    Operand(usize),
    /// The node's value.
    Done(Value),
}

/// The operand of lazy node `id` evaluated first: the condition of a conditional, else the
/// first.
pub(super) fn lazy_start(ast: &Ast, id: NodeId) -> usize {
    usize::from(matches!(ast.node(id), Node::IfElse { .. }))
}

/// The `step`-th operand of lazy node `id`.
pub(super) fn lazy_operand(ast: &Ast, id: NodeId, step: usize) -> NodeId {
    match *ast.node(id) {
        Node::And { lhs, rhs } | Node::Or { lhs, rhs } => [lhs, rhs][step.min(1)],
        Node::IfElse { body, cond, orelse } => [body, cond, orelse][step.min(2)],
        Node::Chain(index) => {
            let operands = ast.chain_operands(&ast.chains[index as usize]);
            operands[step.min(operands.len() - 1)]
        }
        _ => id,
    }
}

/// Python's rule for lazy node `id` once operand `step` has the value `value`.
pub(super) fn lazy_next(
    ast: &Ast,
    id: NodeId,
    lazy: &mut Lazy<'_>,
    value: Value,
) -> Result<Next, Error> {
    let step = lazy.step;
    Ok(match ast.node(id) {
        Node::And { .. } if step == 0 && value.is_true() => Next::Operand(1),
        Node::Or { .. } if step == 0 && !value.is_true() => Next::Operand(1),
        Node::IfElse { .. } if step == 1 => Next::Operand(if value.is_true() { 0 } else { 2 }),
        Node::Chain(index) => {
            let chain = &ast.chains[*index as usize];
            let Some(held) = lazy.held.take() else {
                lazy.held = Some(value);
                return Ok(Next::Operand(1));
            };
            let holds = crate::num::compare_op(chain.ops[step - 1], &held, &value)
                .map_err(|error| Error::new(error, chain.op_spans[step - 1]))?;
            if !holds {
                Next::Done(Value::Bool(false))
            } else if step == chain.ops.len() {
                Next::Done(Value::Bool(true))
            } else {
                lazy.held = Some(value);
                Next::Operand(step + 1)
            }
        }
        _ => Next::Done(value),
    })
}
