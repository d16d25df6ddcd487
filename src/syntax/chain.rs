//! Parallel parsing of long flat chains such as `1 + 2 - 3 + … + 9`, split at top-level `+`/`-`.
//!
//! `+` and `-` are the loosest operators and associate to the left, so a line `a + b - c + d`
//! is `((a + b) - c) + d`, whatever `a`, `b`, `c` and `d` hold. A chain long enough to matter
//! is cut at some of its top-level binary `+`/`-` into segments of about [`Chunking::max`]
//! bytes; each segment is parsed by pest with the grammar's `statement` rule and lowered into an
//! arena of its own, on the rayon pool (see [`pipeline`]). The segments' top-level terms are
//! then copied, in order, into the statement's arena, and the left spine of `+`/`-` nodes that
//! joins them is rebuilt over all of them, with the ids, spans and operator spans a sequential
//! parse gives. Only one segment's pest token queue exists per worker at a time, never the
//! whole line's.
//!
//! Where the split is right, every segment is a complete expression; where a segment does not
//! parse (a syntax error, an unknown function, or a cut this scan misjudged), the whole line is
//! handed back and parsed sequentially, so errors are exactly those of a sequential parse.
//! Lines with assignments or deep nesting never come here (comments are blanks by then);
//! `syntax` decides that.

use std::collections::HashMap;

use pest::Parser;

use crate::ast::{Ast, Node, NodeId};
use crate::ops::BinaryOp;
use crate::span::Span;
use crate::syntax::chunk::copy_node;
use crate::syntax::grammar::{CalcParser, Rule};
use crate::syntax::lex::{self, TokenKind};
use crate::syntax::lower::Lowerer;
use crate::syntax::pipeline;
use crate::syntax::quick;
use crate::syntax::scan::Chunking;

/// The byte ranges of the segments of `source`, and the operator (`+`/`-`) cut between each
/// segment and the next; empty when the line is too short to cut.
fn segments(source: &str, chunking: Chunking) -> (Vec<(usize, usize)>, Vec<usize>) {
    let bytes = source.as_bytes();
    let mut ranges = Vec::new();
    let mut cuts = Vec::new();
    let mut depth = 0usize;
    let mut previous = TokenKind::Open;
    let mut start = 0;
    for token in lex::tokens(source) {
        match token.kind {
            TokenKind::Open => depth += 1,
            TokenKind::Close => depth = depth.saturating_sub(1),
            TokenKind::Operator
                if depth == 0
                    && previous.ends_operand()
                    && matches!(token.bytes(bytes), b"+" | b"-")
                    && token.start - start >= chunking.max =>
            {
                ranges.push((start, token.start));
                cuts.push(token.start);
                start = token.end;
            }
            _ => {}
        }
        if token.kind.is_significant() {
            previous = token.kind;
        }
    }
    if cuts.is_empty() {
        return (Vec::new(), Vec::new());
    }
    ranges.push((start, bytes.len()));
    (ranges, cuts)
}

/// Parses and lowers one segment; `None` if it is not a complete expression.
fn parse_segment(source: &str, (start, end): (usize, usize)) -> Option<Ast> {
    let text = source.get(start..end)?;
    let mut tokens = Vec::new();
    if let Some((None, expr_start)) = quick::recognise(text, &mut tokens) {
        let len = tokens.last().map_or(0, |&(_, _, end)| end) - expr_start;
        return Lowerer::at_offset(start)
            .lower_tokens(text, len, tokens.into_iter())
            .ok();
    }
    let body = CalcParser::parse(Rule::statement, text)
        .ok()?
        .next()?
        .into_inner()
        .next()?;
    if body.as_rule() != Rule::expr {
        return None;
    }
    Lowerer::at_offset(start).lower(body).ok()
}

/// Is `id` a `+` or `-` node?
fn is_add_sub(ast: &Ast, id: u32) -> Option<(NodeId, NodeId, BinaryOp)> {
    match *ast.node(NodeId(id)) {
        Node::Binary {
            op: op @ (BinaryOp::Add | BinaryOp::Sub),
            lhs,
            rhs,
        } => Some((lhs, rhs, op)),
        _ => None,
    }
}

/// The top-level `+`/`-` nodes of a segment that starts (blanks aside) at byte `first`, from
/// the innermost (leftmost) to the root. A node is on the spine if its text starts where the
/// segment's does: a parenthesised operand's node starts after its `(`.
fn spine(ast: &Ast, first: u32) -> Vec<u32> {
    let mut spine = Vec::new();
    let Some(mut id) = (ast.len() as u32).checked_sub(1) else {
        return spine;
    };
    while let Some((lhs, _, _)) = is_add_sub(ast, id) {
        if ast.span(NodeId(id)).start != first {
            break;
        }
        spine.push(id);
        id = lhs.0;
    }
    spine.reverse();
    spine
}

/// The end of the text before byte `pos`, blanks excluded: where the operand before an
/// operator at `pos` ends, parentheses included.
fn trimmed_end(bytes: &[u8], mut pos: usize) -> u32 {
    while pos > 0 && matches!(bytes[pos - 1], b' ' | b'\t' | b'\r' | b'\n') {
        pos -= 1;
    }
    pos as u32
}

/// Appends the whole statement's arena, built from the segments in order.
struct Builder<'s> {
    bytes: &'s [u8],
    ast: Ast,
    names: HashMap<Box<str>, u32>,
    /// Where the chain's text starts: the start of every spine node's span.
    start: u32,
    /// The root of the chain built so far.
    acc: Option<u32>,
}

impl Builder<'_> {
    /// Copies the subtree rooted at `root` of `from` and returns its new id.
    fn copy_term(&mut self, from: &Ast, root: u32) -> u32 {
        let first = from.first_of(NodeId(root)).0;
        let base = self.ast.nodes.len() as u32;
        for index in first..=root {
            let i = index as usize;
            let node = copy_node(
                &mut self.ast,
                from,
                &from.nodes[i],
                &mut self.names,
                &|id| id - first + base,
            );
            self.ast
                .push(node, from.spans[i], from.op_spans[i], from.subtree_len[i]);
        }
        base + root - first
    }

    /// Adds a term: alone if it is the first, else joined to the chain by `op`.
    fn add_term(&mut self, from: &Ast, root: u32, join: Option<(BinaryOp, Span)>, outer_end: u32) {
        let rhs = self.copy_term(from, root);
        let (Some(lhs), Some((op, op_span))) = (self.acc, join) else {
            self.acc = Some(rhs);
            return;
        };
        let node = Node::Binary {
            op,
            lhs: NodeId(lhs),
            rhs: NodeId(rhs),
        };
        let span = Span {
            start: self.start,
            end: outer_end,
        };
        // The chain starts the arena: its subtree holds every node so far.
        let len = self.ast.nodes.len() as u32 + 1;
        self.acc = Some(self.ast.push(node, span, op_span, len).0);
    }

    /// Adds a segment's terms; `cut` is the operator before it, if it is not the first.
    fn add_segment(&mut self, segment: &Ast, range: (usize, usize), cut: Option<usize>) {
        let first = range.0
            + self.bytes[range.0..range.1]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .count();
        let spine = spine(segment, first as u32);
        let leftmost = match spine.first() {
            Some(&bottom) => is_add_sub(segment, bottom).map_or(0, |(lhs, _, _)| lhs.0),
            None => (segment.len() as u32).saturating_sub(1),
        };
        let leftmost_end = match spine.first() {
            Some(&bottom) => {
                trimmed_end(self.bytes, segment.op_spans[bottom as usize].start as usize)
            }
            None => trimmed_end(self.bytes, range.1),
        };
        let join = cut.map(|cut| {
            let op = if self.bytes[cut] == b'+' {
                BinaryOp::Add
            } else {
                BinaryOp::Sub
            };
            (op, Span::new(cut, cut + 1))
        });
        self.add_term(segment, leftmost, join, leftmost_end);
        for &node in &spine {
            if let Some((_, rhs, op)) = is_add_sub(segment, node) {
                let i = node as usize;
                let join = Some((op, segment.op_spans[i]));
                self.add_term(segment, rhs.0, join, segment.spans[i].end);
            }
        }
    }
}

/// Parses `source`, a long line without parentheses worth chunking, as a chain of segments on
/// the current rayon pool; `None` when it cannot be cut or a segment does not parse (the caller
/// then parses the line sequentially).
pub(crate) fn parse_chain(source: &str, chunking: Chunking) -> Option<Ast> {
    let (ranges, cuts) = segments(source, chunking);
    if ranges.len() < 2 {
        return None;
    }
    let bytes = source.as_bytes();
    let start = bytes
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .count() as u32;
    let mut builder = Builder {
        bytes,
        ast: Ast::default(),
        names: HashMap::new(),
        start,
        acc: None,
    };
    // See `chunk::stitch` for the estimate.
    let estimate = source.len() / 2;
    builder.ast.reserve(estimate);
    pipeline::in_order(
        ranges.len(),
        |index| parse_segment(source, ranges[index]),
        |segments| {
            for (index, segment) in segments.enumerate() {
                let cut = index.checked_sub(1).map(|previous| cuts[previous]);
                builder.add_segment(&segment?, ranges[index], cut);
            }
            Some(builder.ast)
        },
    )
}
