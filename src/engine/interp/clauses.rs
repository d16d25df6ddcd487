//! Generators with several `for` or `if` clauses: the nested loops of one reduction, run as
//! Python runs them, one operand (a condition, a bound of a range, the body) at a time.

use crate::ast::{Ast, Clause, NodeId};
use crate::engine::interp::reduce::range::Range;
use crate::num::Value;

/// The state of a generator with several `for` or `if` clauses: nested loops, run as Python
/// runs them, one operand (a condition, a bound of a range, the body) at a time.
pub(super) struct Loops {
    /// The open `for` clauses, outermost first.
    pub(super) levels: Vec<Level>,
    pub(super) phase: Phase,
    /// Bodies evaluated so far: the element a failure in the body names.
    pub(super) count: u64,
}

/// An open `for` of a generator: its range, the element its variable holds, and the clause
/// after it.
pub(super) struct Level {
    pub(super) next_clause: usize,
    pub(super) slot: usize,
    pub(super) range: Range,
    pub(super) element: u64,
}

/// What the operand a generator's frame evaluates is for.
pub(super) enum Phase {
    Body,
    /// The condition of clause `.0`.
    Cond(usize),
    /// Argument `arg` of the range of clause `clause`; `values` holds the arguments before it.
    Bound {
        clause: usize,
        arg: usize,
        values: Vec<Value>,
    },
}

/// Where a generator goes next: to evaluate the operand rooted here, or to its end.
pub(super) enum LoopStep {
    Operand(NodeId),
    Finished,
}

/// Runs the clauses of reduction `slot` from clause `from` on: the next condition or range to
/// evaluate, or the body when no clause is left.
pub(super) fn loops_advance(ast: &Ast, slot: usize, loops: &mut Loops, from: usize) -> LoopStep {
    let reduction = &ast.reductions[slot];
    match reduction.clauses.get(from) {
        Some(Clause::If(cond)) => {
            loops.phase = Phase::Cond(from);
            LoopStep::Operand(*cond)
        }
        Some(Clause::For(for_slot)) => {
            let args = ast.range_args(&ast.reductions[*for_slot as usize]);
            loops.phase = Phase::Bound {
                clause: from,
                arg: 0,
                values: Vec::with_capacity(args.len()),
            };
            match args.first() {
                Some(&arg) => LoopStep::Operand(arg),
                None => LoopStep::Finished,
            }
        }
        None => {
            loops.phase = Phase::Body;
            loops.count += 1;
            match reduction.body {
                Some(body) => LoopStep::Operand(body),
                None => LoopStep::Finished,
            }
        }
    }
}

/// The next element of the innermost open `for` (closing those that are done).
pub(super) fn loops_next(
    ast: &Ast,
    slot: usize,
    loops: &mut Loops,
    locals: &mut [Value],
) -> LoopStep {
    loop {
        let Some(level) = loops.levels.last_mut() else {
            return LoopStep::Finished;
        };
        if level.element + 1 < level.range.len {
            level.element += 1;
            locals[level.slot] = Value::Int(level.range.at(level.element));
            let next = level.next_clause;
            return loops_advance(ast, slot, loops, next);
        }
        loops.levels.pop();
    }
}
