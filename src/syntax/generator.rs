//! The pass after lowering that finishes a statement's reductions: it binds each generator's
//! variable in its body, lists the bodies for the evaluators to skip, and refuses a `range`
//! that nothing reduces.
//!
//! Lowering reads the text once, left to right, so it meets the body `k * k` of
//! `sum(k * k for k in range(8))` before it learns that `k` is the generator's variable. This
//! pass runs once the whole statement's arena exists (after chunks and chain segments have been
//! stitched, so a generator may span them): for each reduction, innermost first, the names
//! `k` inside its body become [`Node::Local`] of that reduction, so an inner generator's
//! variable shadows an outer one of the same name, and the range's bounds (outside the body)
//! still read the enclosing scope, as in Python. Names left with no use are dropped, so that an
//! evaluation does not look up a generator's variable as a variable of the session. Each step is
//! a loop over id ranges: nothing here recurses.

use crate::ast::{Ast, Clause, Node, NodeId};
use crate::error::{Error, ErrorKind};
use crate::ops::Builtin;

/// Finishes the reductions of `ast` and lists the bodies (of reductions and of lazy nodes) the
/// evaluators skip in passing.
pub(crate) fn bind(ast: &mut Ast) -> Result<(), Error> {
    bind_reductions(ast)?;
    list_bodies(ast);
    Ok(())
}

/// Fills [`Ast::bodies`]: the reductions' bodies and the operands of the lazy nodes.
fn list_bodies(ast: &mut Ast) {
    if ast.reductions.is_empty() && ast.lazies.is_empty() {
        return;
    }
    let mut bodies: Vec<(u32, u32)> = ast
        .reductions
        .iter()
        .filter_map(|reduction| reduction.body)
        .map(|body| (ast.first_of(body).0, body.0))
        .collect();
    for reduction in &ast.reductions {
        bodies.extend(
            reduction
                .clause_roots(ast)
                .map(|root| (ast.first_of(root).0, root.0)),
        );
    }
    for &lazy in &ast.lazies {
        ast.for_each_operand(NodeId(lazy), |operand| {
            bodies.push((ast.first_of(operand).0, operand.0));
        });
    }
    // By first id; for equal firsts (a body that is itself a reduction), outermost first.
    bodies.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    ast.bodies = bodies;
}

/// Binds each generator's variable in its body, and refuses a `range` nothing reduces.
fn bind_reductions(ast: &mut Ast) -> Result<(), Error> {
    // Without arguments there is no call of `range` (which takes one to three): an arena of
    // millions of operators is not searched.
    if ast.call_args.is_empty() {
        return Ok(());
    }
    if let Some(index) = ast.nodes.iter().position(|node| {
        matches!(
            node,
            Node::Call {
                func: Builtin::Range,
                ..
            }
        )
    }) {
        return Err(Error::new(
            ErrorKind::RangeOutsideReduction,
            ast.op_spans[index],
        ));
    }
    if ast.reductions.is_empty() {
        return Ok(());
    }
    // Reductions are numbered as their nodes were made, an inner one before its outer one.
    for slot in 0..ast.reductions.len() {
        let reduction = &ast.reductions[slot];
        let (Some(body), Some((var, _))) = (reduction.body, &reduction.var) else {
            continue;
        };
        // Each `for` binds its variable in the body and in the clauses after it: the last
        // `for` first, so that a later variable shadows an earlier one of the same name.
        let mut regions: Vec<(u32, u32)> = vec![(ast.first_of(body).0, body.0)];
        let mut bindings: Vec<(Box<str>, u32, usize)> = vec![(var.clone(), slot as u32, 0)];
        for clause in &reduction.clauses {
            let n_regions = regions.len();
            match clause {
                Clause::If(cond) => regions.push((ast.first_of(*cond).0, cond.0)),
                Clause::For(for_slot) => {
                    let inner = &ast.reductions[*for_slot as usize];
                    for &arg in ast.range_args(inner) {
                        regions.push((ast.first_of(arg).0, arg.0));
                    }
                    if let Some((var, _)) = &inner.var {
                        // Bound in the body and in the regions after this clause's range.
                        bindings.push((var.clone(), *for_slot, regions.len()));
                    }
                }
            }
            debug_assert!(regions.len() >= n_regions);
        }
        for (var, var_slot, from) in bindings.into_iter().rev() {
            let Some(var_index) = ast.names.iter().position(|name| *name == var) else {
                continue;
            };
            // The body (region 0), and the clauses' regions from `from` on.
            let targets =
                std::iter::once(regions[0]).chain(regions.iter().skip(from.max(1)).copied());
            for (first, root) in targets {
                for node in &mut ast.nodes[first as usize..=root as usize] {
                    if *node == Node::Name(var_index as u32) {
                        *node = Node::Local(var_slot);
                    }
                }
            }
        }
    }
    drop_unused_names(ast);
    Ok(())
}

/// Removes the names no [`Node::Name`] refers to any more and renumbers the others.
fn drop_unused_names(ast: &mut Ast) {
    let mut used = vec![false; ast.names.len()];
    for node in &ast.nodes {
        if let Node::Name(index) = node {
            used[*index as usize] = true;
        }
    }
    if used.iter().all(|&used| used) {
        return;
    }
    let mut renumbered = vec![0u32; used.len()];
    let mut kept = Vec::with_capacity(used.len());
    for (index, name) in std::mem::take(&mut ast.names).into_iter().enumerate() {
        if used[index] {
            renumbered[index] = kept.len() as u32;
            kept.push(name);
        }
    }
    ast.names = kept;
    for node in &mut ast.nodes {
        if let Node::Name(index) = node {
            *index = renumbered[*index as usize];
        }
    }
}
