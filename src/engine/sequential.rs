//! The sequential evaluator: one loop over the arena, no pool, no trace.
//!
//! It is the reference the parallel engine is tested against and the baseline benchmarks
//! compare with. Because the arena is in post-order, a value stack replaces recursion: each
//! node finds its operands on top of the stack, in order, pops them and pushes its value, so
//! memory is bounded by the tree's depth, not its size. Reductions are folded in place, one
//! element after the other, by the same loop (`reduce::eval_nodes`).

use crate::ast::{Ast, NodeId};
use crate::engine::reduce;
use crate::error::Error;
use crate::num::{Int, Limits, Value};

/// Evaluates the subtree rooted at `root` (the whole tree when `root` is `ast.root()`).
pub fn evaluate_subtree(
    ast: &Ast,
    root: NodeId,
    env: &[Value],
    limits: &Limits,
) -> Result<Value, Error> {
    let first = ast.first_of(root);
    let mut locals = vec![Value::Int(Int::ZERO); ast.reductions.len()];
    reduce::eval_nodes(
        ast,
        first.0,
        root.0,
        None,
        env,
        &mut locals,
        limits,
        &|| false,
    )
    .map_err(|(_, error)| error)
}

/// Evaluates the whole tree.
pub fn evaluate(ast: &Ast, env: &[Value], limits: &Limits) -> Result<Value, Error> {
    evaluate_subtree(ast, ast.root(), env, limits)
}
