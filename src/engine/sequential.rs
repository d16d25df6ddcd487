//! The sequential evaluator: the interpreter over a whole tree on the calling thread, no pool,
//! no trace.
//!
//! It is the reference the executor is tested against and the baseline benchmarks compare
//! with, and it evaluates a statement too small to gain from the pool. Because the arena is in
//! post-order, a value stack replaces recursion (`interp`): memory is bounded by the tree's
//! depth, not its size. A program is its statements one after the other, each name bound as
//! its statement succeeds ([`run_sequential`]).

use std::collections::HashMap;

use crate::ast::{Ast, NodeId};
use crate::engine::executor::Input;
use crate::engine::interp;
use crate::error::Error;
use crate::num::{Limits, Value};

/// Evaluates the subtree rooted at `root` (the whole tree when `root` is `ast.root()`); `env`
/// holds the values of `ast.names`, `None` for a name without one.
pub fn evaluate_subtree(
    ast: &Ast,
    root: NodeId,
    env: &[Option<Value>],
    limits: &Limits,
) -> Result<Value, Error> {
    interp::evaluate_subtree(ast, root, env, limits).map_err(|failure| *failure.error)
}

/// Evaluates the whole tree, every name known.
pub fn evaluate(ast: &Ast, env: &[Value], limits: &Limits) -> Result<Value, Error> {
    interp::evaluate_subtree(ast, ast.root(), env, limits).map_err(|failure| *failure.error)
}

/// The reference for [`crate::engine::run_program`]: the statements one after the other, each
/// evaluated by the sequential evaluator, each name bound as its statement succeeds.
pub fn run_sequential(
    statements: &[Input],
    lookup: &dyn Fn(&str) -> Option<Value>,
    limits: &Limits,
) -> Vec<Result<Value, Error>> {
    let mut bound: HashMap<Box<str>, Value> = HashMap::new();
    statements
        .iter()
        .map(|statement| {
            let ast = &statement.ast;
            let env: Vec<Option<Value>> = ast
                .names
                .iter()
                .map(|name| bound.get(name).cloned().or_else(|| lookup(name)))
                .collect();
            let result = evaluate_subtree(ast, ast.root(), &env, limits);
            if let Ok(value) = &result {
                let name = statement.target.clone().unwrap_or_else(|| "_".into());
                bound.insert(name, value.clone());
            }
            result
        })
        .collect()
}
