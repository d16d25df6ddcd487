//! The sequential evaluator: one loop over the arena, no pool, no trace.
//!
//! It is the reference the parallel engine is tested against and the baseline benchmarks
//! compare with. Because the arena is in post-order, a value stack replaces recursion: each
//! node finds its operands on top of the stack, in order, pops them and pushes its value, so
//! memory is bounded by the tree's depth, not its size.

use crate::ast::{Ast, NodeId};
use crate::engine::node::eval_node;
use crate::error::{Error, ErrorKind};
use crate::num::{Limits, Value};

/// Evaluates the subtree rooted at `root` (the whole tree when `root` is `ast.root()`).
pub fn evaluate_subtree(
    ast: &Ast,
    root: NodeId,
    env: &[Value],
    limits: &Limits,
) -> Result<Value, Error> {
    let first = ast.first_of(root);
    let mut stack: Vec<Value> = Vec::new();
    for index in first.0..=root.0 {
        let id = NodeId(index);
        let base = stack.len() - ast.n_operands(id);
        let value = eval_node(ast, id, env, limits, |k| &stack[base + k])?;
        stack.truncate(base);
        stack.push(value);
    }
    stack
        .pop()
        .ok_or_else(|| Error::new(ErrorKind::Internal("empty subtree".into()), ast.span(root)))
}

/// Evaluates the whole tree.
pub fn evaluate(ast: &Ast, env: &[Value], limits: &Limits) -> Result<Value, Error> {
    evaluate_subtree(ast, ast.root(), env, limits)
}
