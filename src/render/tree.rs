//! `:tree`: the parsed tree with node ids, drawn with box-drawing characters, so the ids of the
//! Gantt chart can be found in the expression.
//!
//! The walk is a loop with an explicit stack, never a recursion: trees may be 100,000 deep. The
//! output is capped: at most [`MAX_LINES`] nodes, and subtrees deeper than [`MAX_DEPTH`] (or than
//! the width leaves room for) are summed up in one line, so even the largest tree prints a page,
//! not gigabytes of indentation. Literals are cut in the middle to fit the width.

use std::fmt::Write as _;

use crate::ast::{Ast, Node, NodeId};
use crate::render::Color;
use crate::render::paint::{self, Hue, Style};
use crate::units::plural;

/// Most nodes drawn.
pub(crate) const MAX_LINES: usize = 500;

/// Deepest level drawn; below it, a subtree becomes `… N nodes deeper`.
pub(crate) const MAX_DEPTH: usize = 40;

/// Columns kept free right of the deepest indentation: room for `… 99999 nodes deeper`.
const MIN_TEXT_COLUMNS: usize = 24;

pub(crate) fn tree(ast: &Ast, source: &str, width: usize, color: Color) -> String {
    let width = crate::render::text::view_width(width);
    let max_depth = MAX_DEPTH.min((width - MIN_TEXT_COLUMNS) / 3);
    let mut out = String::new();
    if ast.is_empty() {
        return out;
    }
    // (node, depth, last among its siblings)
    let mut stack: Vec<(NodeId, usize, bool)> = vec![(ast.root(), 0, true)];
    // `last_at_depth[d]`: whether the ancestor at depth d was the last of its siblings.
    let mut last_at_depth: Vec<bool> = Vec::new();
    let mut n_drawn: usize = 0;
    let mut operands: Vec<NodeId> = Vec::new();
    while let Some((id, depth, is_last)) = stack.pop() {
        if n_drawn == MAX_LINES {
            // The nodes not drawn: those still on the stack, with their subtrees.
            let rest: usize = std::iter::once(id)
                .chain(stack.iter().map(|&(id, _, _)| id))
                .map(|id| ast.subtree_len[id.index()] as usize)
                .sum();
            let _ = writeln!(out, "… {} more", plural(rest, "node"));
            break;
        }
        last_at_depth.truncate(depth);
        last_at_depth.push(is_last);
        push_prefix(&mut out, &last_at_depth);
        n_drawn += 1;

        let id_text = id.to_string();
        paint::push(&mut out, &id_text, Style::fg(Hue::Cyan), color);
        out.push(' ');
        let room = width.saturating_sub(3 * depth + id_text.len() + 1);
        let (text, style) = node_text(ast, id, source, room);
        paint::push(&mut out, &text, style, color);
        out.push('\n');

        operands.clear();
        ast.for_each_operand(id, |operand| operands.push(operand));
        if operands.is_empty() {
            continue;
        }
        if depth + 1 > max_depth {
            let below = ast.subtree_len[id.index()] as usize - 1;
            last_at_depth.push(true);
            push_prefix(&mut out, &last_at_depth);
            let _ = writeln!(out, "… {} deeper", plural(below, "node"));
            continue;
        }
        let n_operands = operands.len();
        for (position, &operand) in operands.iter().enumerate().rev() {
            stack.push((operand, depth + 1, position + 1 == n_operands));
        }
    }
    out
}

/// The indentation of a node whose ancestors (and itself, last) were `last_at_depth`.
fn push_prefix(out: &mut String, last_at_depth: &[bool]) {
    let Some((&is_last, ancestors)) = last_at_depth.split_last() else {
        return;
    };
    if ancestors.is_empty() {
        return;
    }
    for &ancestor_last in &ancestors[1..] {
        out.push_str(if ancestor_last { "   " } else { "│  " });
    }
    out.push_str(if is_last { "└─ " } else { "├─ " });
}

/// What a node shows after its id: the operator, the function, or the literal's text, cut to
/// `room` characters.
fn node_text(ast: &Ast, id: NodeId, source: &str, room: usize) -> (String, Style) {
    let operator = Style::fg(Hue::Yellow).bold();
    match ast.node(id) {
        Node::Unary { op, .. } => (op.symbol().to_string(), operator),
        Node::Binary { op, .. } => (op.symbol().to_string(), operator),
        Node::Call { func, .. } => (format!("{}()", func.name()), operator),
        Node::Apply { .. } => ("call".to_string(), operator),
        Node::And { .. } => ("and".to_string(), operator),
        Node::Or { .. } => ("or".to_string(), operator),
        Node::IfElse { .. } => ("if else".to_string(), operator),
        Node::Chain(index) => {
            let ops: Vec<&str> = ast.chains[*index as usize]
                .ops
                .iter()
                .map(|op| op.symbol())
                .collect();
            (ops.join(" "), operator)
        }
        Node::Reduce(index) => {
            let reduction = &ast.reductions[*index as usize];
            let text = match &reduction.var {
                Some((var, _)) => format!("{}(… for {var} in range)", reduction.func.name()),
                None => format!("{}(range)", reduction.func.name()),
            };
            (text, operator)
        }
        Node::Local(_) => (
            source.get(ast.span(id).range()).unwrap_or("?").to_string(),
            Style::PLAIN,
        ),
        Node::SmallInt(_)
        | Node::Float(_)
        | Node::Literal(_)
        | Node::Name(_)
        | Node::Bool(_)
        | Node::Lambda(_) => {
            let literal = source.get(ast.span(id).range()).unwrap_or("?");
            (
                crate::render::text::abbreviate(literal, crate::render::text::MAX_CHARS.min(room)),
                Style::PLAIN,
            )
        }
    }
}
