//! Parallel parsing of large lines: big parenthesised groups parsed as independent chunks.
//!
//! The scan ([`scan::scan_emitting`]) finds the grouping parentheses and picks the largest
//! groups no longer than `Chunking::max` (and no shorter than `Chunking::min`). Each picked group
//! is parsed by pest with the grammar's `paren` rule and lowered into an arena of its own, on the
//! rayon pool, from the moment the scan knows it is final: the scan of a 6 MB line takes a
//! sixth of the time of its parse, and the other workers parse meanwhile. The rest of the line,
//! the skeleton, is the line with every picked group replaced by `(0)` and is parsed with the
//! `statement` rule like any line. The skeleton's arena is then walked once in post-order and
//! each `0` standing for a group is replaced by that group's arena, renumbered, so the result
//! is the arena a sequential parse builds, node for node. Only a window of chunks' arenas
//! exists at a time, never the whole line's pest token queue.
//!
//! Errors are those of a sequential parse too: the scan's first, then a pest error anywhere
//! over the errors found while lowering, and among errors of the same stage the first in the
//! text, which is the one a left-to-right parse meets first. Lines without large groups, with
//! deep nesting or with ranges are declined and parsed another way by `syntax`.

use std::collections::HashMap;

use pest::Parser;

use crate::ast::{Ast, Node, NodeId, Statement};
use crate::error::Error;
use crate::span::Span;
use crate::syntax::grammar::{CalcParser, Rule};
use crate::syntax::lower::Lowerer;
use crate::syntax::pipeline;
use crate::syntax::quick;
use crate::syntax::scan::{self, Chunking, Group, Shape};
use crate::syntax::{parse_pairs, pest_error};

/// What a chunk produced: its arena, or an error and whether pest raised it.
type ChunkResult = Result<Ast, (bool, Error)>;

/// Parses and lowers one group (its text is `source[group.start..group.end]`).
fn parse_group(source: &str, group: Group) -> ChunkResult {
    let text = &source[group.start..group.end];
    if let Some(tokens) = quick::group_tokens(text) {
        return Lowerer::at_offset(group.start)
            .lower_tokens(text, text.len(), tokens)
            .map_err(|error| (false, error));
    }
    let mut pairs = CalcParser::parse(Rule::paren, text).map_err(|error| {
        let mut error = pest_error(&error, text);
        error.span = Span::new(
            error.span.start as usize + group.start,
            error.span.end as usize + group.start,
        );
        (true, error)
    })?;
    let paren = pairs
        .next()
        .ok_or_else(|| (false, super::internal_error()))?;
    Lowerer::at_offset(group.start)
        .lower(paren)
        .map_err(|error| (false, error))
}

/// What [`parse_chunked`] did.
pub(crate) enum Chunked {
    /// The statement, parsed in chunks (or its error).
    Parsed(Box<Result<Option<Statement>, Error>>),
    /// No group qualifies, or the line is too deep for the pool's stacks: the caller parses it
    /// another way, with the shape the scan measured.
    Declined(Shape),
}

/// Text that the pool may parse ahead of the scan, in bytes: while the scan goes on, the other
/// workers parse up to this much of the line's groups (the join takes none yet).
const SCAN_AHEAD: usize = 1 << 20;

/// Scans `source` (see [`scan::scan_emitting`]) and parses its large groups as parallel chunks
/// of `text` (the same statement, blanked), on the current rayon pool: each group is submitted
/// as soon as the scan knows it is final, so the pool parses while the scan goes on. Only lines
/// no deeper than `max_nesting` are chunked (a group parsed on a worker recurses on its stack);
/// an error is the scan's.
pub(crate) fn parse_chunked(
    source: &str,
    text: &str,
    chunking: Chunking,
    max_nesting: usize,
) -> Result<Chunked, Error> {
    let ahead = (SCAN_AHEAD / chunking.max).max(1);
    pipeline::streamed(
        Vec::new(),
        |group| parse_group(text, group),
        |feed| {
            let (shape, groups) =
                scan::scan_emitting(source, Some(chunking), &mut |group, shape| {
                    if shape.max_nesting <= max_nesting {
                        feed.push(group, ahead);
                    }
                })?;
            if groups.is_empty() || shape.max_nesting > max_nesting {
                return Ok(Chunked::Declined(shape));
            }
            Ok(Chunked::Parsed(Box::new(join(text, &groups, feed))))
        },
    )
}

/// Parses the skeleton of `source` and stitches the groups' arenas, which `results` gives in
/// order, into it.
fn join(
    source: &str,
    groups: &[Group],
    results: &mut dyn Iterator<Item = ChunkResult>,
) -> Result<Option<Statement>, Error> {
    // The skeleton: the line with each group replaced by `(0)`.
    let mut skeleton = String::with_capacity(source.len() / 8);
    let mut copied = 0;
    for group in groups {
        skeleton.push_str(&source[copied..group.start]);
        skeleton.push_str("(0)");
        copied = group.end;
    }
    skeleton.push_str(&source[copied..]);
    let map = PositionMap::new(groups);

    // The groups are parsed on the pool while this thread parses the skeleton, then joined in
    // order as they come. A group that fails yields an empty arena and leaves its error.
    let skeleton_result = parse_pairs(&skeleton);
    let mut errors: Vec<(bool, Error)> = Vec::new();
    let mut chunks = results.map(|result| {
        result.unwrap_or_else(|error| {
            errors.push(error);
            Ast::default()
        })
    });
    let stitched = match &skeleton_result {
        Ok(Some(statement)) => Some(stitch(
            source.len(),
            &statement.expr,
            &map,
            groups,
            &mut chunks,
        )),
        _ => None,
    };
    // Groups not consumed by the stitch (after a skeleton error) are parsed for errors.
    chunks.for_each(drop);

    // Errors: pest's first, then lowering's; the first in the text within each stage.
    let skeleton_error = skeleton_result.as_ref().err().map(|(from_pest, error)| {
        let mut error = error.clone();
        error.span = map.span(error.span);
        (*from_pest, error)
    });
    let errors = errors.into_iter().chain(skeleton_error);
    if let Some((_, error)) = errors.min_by_key(|(from_pest, error)| (!from_pest, error.span.start))
    {
        return Err(error);
    }
    match (skeleton_result, stitched) {
        (Ok(Some(statement)), Some(expr)) => {
            let target = statement.target.map(|(name, span)| (name, map.span(span)));
            expr.map(|expr| Some(Statement { target, expr }))
        }
        (Ok(None), _) => Ok(None),
        _ => Err(super::internal_error()),
    }
}

/// Maps positions in the skeleton back to positions in the statement.
struct PositionMap {
    /// For each group: where its `(0)` ends in the skeleton, and how many bytes longer the
    /// statement is up to there.
    ends: Vec<(usize, usize)>,
    /// Where each group's `(0)` starts in the skeleton.
    starts: Vec<usize>,
}

impl PositionMap {
    fn new(groups: &[Group]) -> PositionMap {
        let mut ends = Vec::with_capacity(groups.len());
        let mut starts = Vec::with_capacity(groups.len());
        let mut shrink = 0;
        for group in groups {
            let start = group.start - shrink;
            starts.push(start);
            shrink += group.end - group.start - 3;
            ends.push((start + 3, shrink));
        }
        PositionMap { ends, starts }
    }

    fn position(&self, pos: usize) -> usize {
        let before = self.ends.partition_point(|&(end, _)| end <= pos);
        match before {
            0 => pos,
            k => pos + self.ends[k - 1].1,
        }
    }

    fn span(&self, span: Span) -> Span {
        Span::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }

    /// The group whose `0` starts at skeleton position `pos`, if any.
    fn group_at(&self, pos: usize) -> Option<usize> {
        let index = self.starts.partition_point(|&start| start + 1 < pos);
        (self.starts.get(index) == Some(&(pos.wrapping_sub(1)))).then_some(index)
    }
}

/// Builds the statement's arena from the skeleton's and the groups', in post-order.
fn stitch(
    source_len: usize,
    skeleton: &Ast,
    map: &PositionMap,
    groups: &[Group],
    chunks: &mut impl Iterator<Item = Ast>,
) -> Result<Ast, Error> {
    let mut ast = Ast::default();
    // Every node owns at least one byte of the text (its token or operator) and most own two or
    // more, so half the length is a close upper bound for ordinary text; the arena grows past it
    // if needed. Reserving once spares the copies of repeated growth, and pages never written
    // are never resident.
    let estimate = source_len / 2 + skeleton.len();
    ast.reserve(estimate);
    let mut names: HashMap<Box<str>, u32> = HashMap::new();
    // Final id and final first id of each skeleton node.
    let mut new_id: Vec<u32> = Vec::with_capacity(skeleton.len());
    let mut new_first: Vec<u32> = Vec::with_capacity(skeleton.len());
    let mut next_group = 0;
    for (index, node) in skeleton.nodes.iter().enumerate() {
        let span = skeleton.spans[index];
        let is_hole = matches!(node, Node::SmallInt(0))
            && span.len() == 1
            && map.group_at(span.start as usize) == Some(next_group)
            && next_group < groups.len();
        if is_hole {
            let chunk = chunks.next().unwrap_or_default();
            let base = ast.nodes.len() as u32;
            append(&mut ast, &chunk, &mut names, base);
            new_first.push(base);
            new_id.push((ast.nodes.len() as u32).saturating_sub(1));
            next_group += 1;
            continue;
        }
        let first = match skeleton.subtree_len[index] {
            1 => ast.nodes.len() as u32,
            len => new_first[index + 1 - len as usize],
        };
        let id = ast.nodes.len() as u32;
        let node = copy_node(&mut ast, skeleton, node, &mut names, &|old| {
            new_id[old as usize]
        });
        let op_span = map.span(skeleton.op_spans[index]);
        ast.push(node, map.span(span), op_span, id + 1 - first);
        new_first.push(first);
        new_id.push(id);
    }
    if next_group != groups.len() {
        return Err(super::internal_error());
    }
    Ok(ast)
}

/// Appends `chunk`'s nodes to `ast`, their operands moved up by `base`: the node ids of the
/// chunk's arena become ids in `ast` from `base` on. Spans and subtree sizes are copied whole;
/// only nodes are rewritten, most of them (numbers and operators) in place.
fn append(ast: &mut Ast, chunk: &Ast, names: &mut HashMap<Box<str>, u32>, base: u32) {
    ast.spans.extend_from_slice(&chunk.spans);
    ast.op_spans.extend_from_slice(&chunk.op_spans);
    ast.subtree_len.extend_from_slice(&chunk.subtree_len);
    ast.nodes.reserve(chunk.nodes.len());
    for node in &chunk.nodes {
        let node = match *node {
            Node::Binary { op, lhs, rhs } => Node::Binary {
                op,
                lhs: NodeId(lhs.0 + base),
                rhs: NodeId(rhs.0 + base),
            },
            Node::Unary { op, operand } => Node::Unary {
                op,
                operand: NodeId(operand.0 + base),
            },
            Node::SmallInt(value) => Node::SmallInt(value),
            ref node => copy_node(ast, chunk, node, names, &|id| id + base),
        };
        ast.nodes.push(node);
    }
}

/// `node` of `from`, ready to append to `ast`: operands renumbered, names and literals
/// re-indexed, call arguments copied.
pub(super) fn copy_node(
    ast: &mut Ast,
    from: &Ast,
    node: &Node,
    names: &mut HashMap<Box<str>, u32>,
    renumber: &dyn Fn(u32) -> u32,
) -> Node {
    match *node {
        Node::Literal(literal) => {
            ast.literals.push(from.literals[literal as usize].clone());
            Node::Literal(ast.literals.len() as u32 - 1)
        }
        Node::Name(name) => {
            let text = &from.names[name as usize];
            let next = ast.names.len() as u32;
            let index = *names.entry(text.clone()).or_insert(next);
            if index == next {
                ast.names.push(text.clone());
            }
            Node::Name(index)
        }
        Node::Unary { op, operand } => Node::Unary {
            op,
            operand: NodeId(renumber(operand.0)),
        },
        Node::Binary { op, lhs, rhs } => Node::Binary {
            op,
            lhs: NodeId(renumber(lhs.0)),
            rhs: NodeId(renumber(rhs.0)),
        },
        Node::Call {
            func,
            args_start,
            n_args,
        } => {
            let start = ast.call_args.len() as u32;
            let args = &from.call_args[args_start as usize..(args_start + n_args) as usize];
            ast.call_args
                .extend(args.iter().map(|arg| NodeId(renumber(arg.0))));
            Node::Call {
                func,
                args_start: start,
                n_args,
            }
        }
        Node::Apply { args_start, n_args } => {
            let start = ast.call_args.len() as u32;
            let args = &from.call_args[args_start as usize..=(args_start + n_args) as usize];
            ast.call_args
                .extend(args.iter().map(|arg| NodeId(renumber(arg.0))));
            Node::Apply {
                args_start: start,
                n_args,
            }
        }
        ref leaf => leaf.clone(),
    }
}
