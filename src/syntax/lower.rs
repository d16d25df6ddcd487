//! Lowering: pest's token stream to the arena, in post-order, without recursion over the tree.
//!
//! The pairs of an expression are read once, in text order, as pest's flat stream of start and
//! end tokens, and turned into nodes by operator precedence (the shunting-yard method): a leaf
//! becomes a node when its token ends, an infix operator first applies the pending operators
//! that bind at least as tightly, then waits on a stack, and the end of an `expr` applies what
//! is left of its own. Parentheses and call arguments open a frame on an explicit stack, so the
//! depth of the input costs heap, not stack, and no pair is ever materialised. Nodes come out
//! children first, each subtree in one contiguous range of ids.
//!
//! Precedence and associativity are Python's, in one table ([`infix_precedence`]), from loosest
//! to tightest: `|`, `&`, `<< >>`, `+ -`, `* / // %`, the prefix `- + ~`, then `^`/`**`, which
//! is right-associative and whose right operand may itself start with a prefix operator
//! (`2 ^ -1`), as in Python's `power := primary ['**' u_expr]`. So `-2 ^ 2` is `-(2 ^ 2)`,
//! `-2 * 3` is `(-2) * 3` and `1 | 2 & 3 << 1 + 1` is `1 | (2 & (3 << (1 + 1)))`. (Python's
//! exclusive or would sit between `|` and `&`; here `^` is the power.)
//!
//! A call whose argument is a generator, `sum(BODY for k in range(A, B))`, or a single
//! `range(…)`, becomes a reduction node ([`Node::Reduce`]) whose operands are the body and the
//! bounds of the range; the range call itself leaves the arena. The generator's variable is
//! bound to its body later, once the whole statement's arena exists (`generator::bind`).
//!
//! Lowering does not check the shape of the text (the grammar did) and does not evaluate. The
//! errors it finds (an unknown function, a wrong number of arguments, a keyword used as a name,
//! a generator where none is taken) are placed on the offending name; the first in the text is
//! the one reported.

use std::collections::HashMap;

use pest::Token;
use pest::iterators::Pair;

use crate::ast::{Ast, Chain, Clause, Node, NodeId, Reducer, Reduction};
use crate::error::{Error, ErrorKind};
use crate::num;
use crate::ops::{self, BinaryOp, Builtin, UnaryOp};
use crate::span::Span;
use crate::syntax::function::{LambdaScan, make_lambda};
use crate::syntax::grammar::Rule;

/// A lowered operand waiting for its operator.
#[derive(Clone, Copy)]
struct Operand {
    id: u32,
    /// The first id of its subtree.
    first: u32,
    /// Its text including any parentheses around it, for the span of the operator above.
    outer: Span,
}

/// An operator waiting for its right operand to be complete.
#[derive(Clone, Copy)]
enum Pending {
    Infix(BinaryOp, Span),
    Prefix(UnaryOp, Span),
    /// `and` (`true`) or `or` (`false`).
    Logic(bool, Span),
    /// A conditional expression whose `else` part is being read; the span of its `if`.
    IfElse(Span),
}

impl Pending {
    /// How tightly it binds (see [`infix_precedence`]).
    fn precedence(self) -> u8 {
        match self {
            Pending::Infix(op, _) => infix_precedence(op),
            Pending::Prefix(UnaryOp::Not, _) => NOT_PRECEDENCE,
            Pending::Prefix(..) => PREFIX_PRECEDENCE,
            Pending::Logic(true, _) => 2,
            Pending::Logic(false, _) => 1,
            Pending::IfElse(_) => 0,
        }
    }
}

/// Python's whole table, loosest first: the conditional expression 0, `or` 1, `and` 2, `not`
/// 3, the comparisons 4, `|` 5, `&` 6, `<< >>` 7, `+ -` 8, `* / // %` 9, the prefix operators
/// `- + ~` 10, `^` 11. (Python's exclusive or would sit between `|` and `&`; here `^` is the
/// power.)
const NOT_PRECEDENCE: u8 = 3;
/// The prefix operators `- + ~` bind between `* / // %` and `^`.
const PREFIX_PRECEDENCE: u8 = 10;

/// How tightly each infix operator binds (see [`PREFIX_PRECEDENCE`]'s table).
fn infix_precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne => {
            4
        }
        BinaryOp::BitOr => 5,
        BinaryOp::BitAnd => 6,
        BinaryOp::Shl | BinaryOp::Shr => 7,
        BinaryOp::Add | BinaryOp::Sub => 8,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::FloorDiv | BinaryOp::Mod => 9,
        BinaryOp::Pow => 11,
    }
}

/// An open `expr`, parenthesised group or call.
enum Frame {
    /// An `expr`; its pending operators are those above `pending_base`.
    Expr { pending_base: usize },
    /// A parenthesised group opened at byte `start`: an `expr` of its own (the grammar's
    /// `paren` holds `expr`'s body, `terms`, not an `expr`).
    Paren { start: usize, pending_base: usize },
    /// The condition of a conditional expression: an `expr` of its own.
    Cond { pending_base: usize },
    /// A call; `func` is `None` until its name is read, and stays `None` for an unknown name.
    /// `generator` is set when its argument turns out to be a generator.
    Call {
        func: Option<Builtin>,
        name_span: Span,
        start: usize,
        n_args: u32,
        generator: Option<Generator>,
        /// The generator's clauses after its first `for`.
        clauses: Vec<Clause>,
    },
    /// The `for NAME in ITERABLE` of a generator; `var` is set once its name is read.
    For { var: Option<(Box<str>, Span)> },
    /// The `if COND` of a generator.
    IfClause,
}

/// A generator's `for` clause, once read: its variable and the range it runs over (whose call
/// has left the arena, its arguments staying in `call_args`).
struct Generator {
    var: (Box<str>, Span),
    args_start: u32,
    n_args: u32,
    range_span: Span,
}

/// Builds one [`Ast`] from an `expr` or `paren` pair.
#[derive(Default)]
pub(crate) struct Lowerer<'i> {
    ast: Ast,
    names: HashMap<&'i str, u32>,
    operands: Vec<Operand>,
    pending: Vec<Pending>,
    frames: Vec<Frame>,
    /// Where the current leaf or operator token started.
    token_start: usize,
    /// Added to every position: the offset in the statement of the text pest was given.
    offset: usize,
    /// The first error in the text found so far.
    error: Option<Error>,
    /// A `lambda` whose tokens are being skipped (its body is parsed on its own).
    lambda: Option<LambdaScan>,
}

impl<'i> Lowerer<'i> {
    /// A lowerer for text that starts at byte `offset` of the statement.
    pub(crate) fn at_offset(offset: usize) -> Lowerer<'i> {
        Lowerer {
            offset,
            ..Lowerer::default()
        }
    }

    /// Lowers `pair`, an `expr` or a `paren`; its root is the last node.
    pub(crate) fn lower(self, pair: Pair<'i, Rule>) -> Result<Ast, Error> {
        let input = pair.get_input();
        let span = pair.as_span();
        let tokens = pair.tokens().map(|token| match token {
            Token::Start { rule, pos } => (true, rule, pos.pos()),
            Token::End { rule, pos } => (false, rule, pos.pos()),
        });
        self.lower_tokens(input, span.end() - span.start(), tokens)
    }

    /// Lowers the start and end tokens (`true` for a start, the rule, the byte position in
    /// `input`) of an `expr` or a `paren` spanning `len` bytes, as pest lists them.
    pub(crate) fn lower_tokens(
        mut self,
        input: &'i str,
        len: usize,
        tokens: impl Iterator<Item = (bool, Rule, usize)>,
    ) -> Result<Ast, Error> {
        // Every node owns a byte of the text and most own two or more (see `chunk::stitch`):
        // reserving for half the length at once spares the copies of repeated growth.
        self.ast.reserve(len / 2);
        for (start, rule, pos) in tokens {
            if let Some(scan) = &mut self.lambda {
                if scan.feed(start, rule, pos) {
                    self.end_lambda(input, pos);
                }
                continue;
            }
            if start && rule == Rule::lambda {
                self.lambda = Some(LambdaScan::new(pos));
            } else if start {
                self.start(rule, pos);
            } else {
                self.end(rule, input, pos)?;
            }
        }
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.operands.len() != 1 || !self.frames.is_empty() {
            return Err(internal(Span::default()));
        }
        Ok(self.ast)
    }

    fn start(&mut self, rule: Rule, pos: usize) {
        match rule {
            Rule::expr => self.frames.push(Frame::Expr {
                pending_base: self.pending.len(),
            }),
            Rule::paren => self.frames.push(Frame::Paren {
                start: pos,
                pending_base: self.pending.len(),
            }),
            Rule::call => self.frames.push(Frame::Call {
                func: None,
                name_span: Span::default(),
                start: pos,
                n_args: 0,
                generator: None,
                clauses: Vec::new(),
            }),
            Rule::for_clause => self.frames.push(Frame::For { var: None }),
            Rule::if_clause => self.frames.push(Frame::IfClause),
            Rule::cond => self.frames.push(Frame::Cond {
                pending_base: self.pending.len(),
            }),
            _ => self.token_start = pos,
        }
    }

    // One arm per rule of the grammar.
    #[expect(clippy::too_many_lines, reason = "one arm per rule of the grammar")]
    fn end(&mut self, rule: Rule, input: &'i str, end: usize) -> Result<(), Error> {
        // The text and span of the token ending here (meaningful for leaves and operators).
        let span = Span::new(self.offset + self.token_start, self.offset + end);
        let text = || {
            input
                .get(self.token_start..end)
                .ok_or_else(|| internal(span))
        };
        match rule {
            Rule::kw_for | Rule::kw_in | Rule::kw_else => {}
            Rule::kw_if if matches!(self.frames.last(), Some(Frame::IfClause)) => {}
            Rule::if_clause => {
                let Some(Frame::IfClause) = self.frames.pop() else {
                    return Err(internal(span));
                };
                let cond = self.pop_operand()?;
                let Some(Frame::Call { clauses, .. }) = self.frames.last_mut() else {
                    return Err(internal(span));
                };
                clauses.push(Clause::If(NodeId(cond.id)));
            }
            Rule::kw_if => {
                // The expression before `if` is whole: apply its operators (all but the
                // conditional expressions it is the `else` part of).
                self.apply_above(0)?;
                self.pending.push(Pending::IfElse(span));
            }
            Rule::cond => {
                self.apply_pending()?;
                let Some(Frame::Cond { .. }) = self.frames.pop() else {
                    return Err(internal(span));
                };
            }
            Rule::int => {
                let text = text()?;
                let node = if let Some(value) = small_int(text) {
                    Node::SmallInt(value)
                } else {
                    self.ast.literals.push(num::parse_int(text));
                    Node::Literal(self.ast.literals.len() as u32 - 1)
                };
                self.leaf(node, span);
            }
            Rule::float => self.leaf(Node::Float(num::parse_float(text()?)), span),
            Rule::name => {
                let text = text()?;
                let in_call_or_for = match self.frames.last() {
                    Some(Frame::Call { name_span, .. }) => name_span.is_empty(),
                    Some(Frame::For { var }) => var.is_none(),
                    _ => false,
                };
                if !in_call_or_for && (text == "True" || text == "False") {
                    self.leaf(Node::Bool(text == "True"), span);
                    return Ok(());
                }
                if ops::is_keyword(text) {
                    let error = ErrorKind::Keyword { name: text.into() };
                    self.fail(Error::new(error, span));
                }
                match self.frames.last_mut() {
                    Some(Frame::Call {
                        func, name_span, ..
                    }) if name_span.is_empty() => {
                        *name_span = span;
                        *func = Builtin::from_name(text);
                        if func.is_some() {
                            return Ok(());
                        }
                        // A user function: the name is the call's first operand.
                    }
                    Some(Frame::For { var }) if var.is_none() => {
                        *var = Some((text.into(), span));
                        return Ok(());
                    }
                    _ => {}
                }
                let next = self.names.len() as u32;
                let index = *self.names.entry(text).or_insert(next);
                if index == next {
                    self.ast.names.push(text.into());
                }
                self.leaf(Node::Name(index), span);
            }
            Rule::op => {
                let text = text()?;
                let pending = match text {
                    "and" => Pending::Logic(true, span),
                    "or" => Pending::Logic(false, span),
                    _ => Pending::Infix(
                        BinaryOp::from_symbol(text).ok_or_else(|| internal(span))?,
                        span,
                    ),
                };
                let precedence = pending.precedence();
                // `^` is right-associative: it waits for an equal one to its right. So do the
                // comparisons, to be applied together as one chain (see `apply`).
                let right_assoc = matches!(pending, Pending::Infix(op, _) if op == BinaryOp::Pow || op.is_comparison());
                let base = self.pending_base();
                while let Some(&top) = self.pending.get(base..).and_then(<[_]>::last) {
                    let tighter = top.precedence() > precedence
                        || (top.precedence() == precedence && !right_assoc);
                    if !tighter {
                        break;
                    }
                    self.pending.pop();
                    self.apply(top)?;
                }
                self.pending.push(pending);
            }
            Rule::sign => {
                let op = UnaryOp::from_symbol(text()?).ok_or_else(|| internal(span))?;
                // `not` binds more loosely than the operators around it: it may only start an
                // operand of `and`, `or`, `not`, a conditional, or a whole expression (`1 +
                // not 2` and `-not 2` are Python's syntax errors).
                if op == UnaryOp::Not {
                    let base = self.pending_base();
                    let allowed = match self.pending.get(base..).and_then(<[_]>::last) {
                        None => true,
                        Some(top) => top.precedence() <= NOT_PRECEDENCE,
                    };
                    if !allowed {
                        let found = crate::error::Found::Token("not".into());
                        let kind = ErrorKind::Expected {
                            expected: vec![crate::error::Expected::Operand],
                            found,
                        };
                        self.fail(Error::new(kind, span));
                    }
                }
                self.pending.push(Pending::Prefix(op, span));
            }
            Rule::for_clause => self.for_clause(span)?,
            Rule::expr => {
                self.apply_pending()?;
                self.frames.pop();
                if let Some(Frame::Call { n_args, .. }) = self.frames.last_mut() {
                    *n_args += 1;
                }
            }
            Rule::paren => {
                self.apply_pending()?;
                let Some(Frame::Paren { start, .. }) = self.frames.pop() else {
                    return Err(internal(span));
                };
                if let Some(top) = self.operands.last_mut() {
                    top.outer = Span::new(self.offset + start, self.offset + end);
                }
            }
            Rule::call => {
                let Some(Frame::Call {
                    func,
                    name_span,
                    start,
                    n_args,
                    generator,
                    clauses,
                }) = self.frames.pop()
                else {
                    return Err(internal(span));
                };
                let span = Span::new(self.offset + start, self.offset + end);
                match (func, generator) {
                    (Some(func), Some(generator)) if func.reduces() => {
                        self.reduce(func, Some((generator, clauses)), name_span, span)?;
                    }
                    (func, Some(_)) => {
                        let error = match func {
                            Some(func) => ErrorKind::GeneratorArgument {
                                function: func.name(),
                            },
                            None => ErrorKind::FunctionFeature {
                                what: "generator arguments to user functions",
                            },
                        };
                        self.fail(Error::new(error, name_span));
                        self.call(func, name_span, span, n_args)?;
                    }
                    (Some(func), None) if func.reduces() && n_args == 1 && self.top_is_range() => {
                        self.reduce(func, None, name_span, span)?;
                    }
                    (Some(Builtin::Sum), None) if n_args == 2 && self.below_top_is_range() => {
                        self.reduce_with_start(name_span, span)?;
                    }
                    (func, None) => self.call(func, name_span, span, n_args)?,
                }
            }
            _ => return Err(internal(span)),
        }
        Ok(())
    }

    /// Where the innermost `expr`'s (or group's) pending operators start.
    fn pending_base(&self) -> usize {
        match self.frames.last() {
            Some(
                Frame::Expr { pending_base }
                | Frame::Paren { pending_base, .. }
                | Frame::Cond { pending_base },
            ) => *pending_base,
            _ => self.pending.len(),
        }
    }

    /// Applies the pending operators of the innermost `expr` or group that bind more tightly
    /// than `precedence`.
    fn apply_above(&mut self, precedence: u8) -> Result<(), Error> {
        let base = self.pending_base();
        while let Some(&top) = self.pending.get(base..).and_then(<[_]>::last) {
            if top.precedence() <= precedence {
                break;
            }
            self.pending.pop();
            self.apply(top)?;
        }
        Ok(())
    }

    /// Applies the pending operators of the innermost `expr` or group: it ends.
    fn apply_pending(&mut self) -> Result<(), Error> {
        let base = self.pending_base();
        while self.pending.len() > base {
            let Some(top) = self.pending.pop() else { break };
            self.apply(top)?;
        }
        Ok(())
    }

    /// Keeps `error` if it is the first in the text so far.
    /// Ends the `lambda` whose tokens were skipped: a leaf holding the function.
    fn end_lambda(&mut self, input: &str, end: usize) {
        let Some(lambda) = self.lambda.take() else {
            return;
        };
        let span = Span::new(self.offset + lambda.start, self.offset + end);
        let keyword = Span::new(span.start as usize, span.start as usize + "lambda".len());
        let body = (lambda.body_start.unwrap_or(end), end);
        let id = self.ast.nodes.len() as u32;
        match make_lambda(
            input,
            self.offset,
            None,
            &lambda.params,
            body,
            (lambda.start, end),
        ) {
            Ok(lambda) => {
                self.ast.lambdas.push(lambda);
                let index = self.ast.lambdas.len() as u32 - 1;
                self.push_node(Node::Lambda(index), span, keyword, id);
            }
            Err(error) => {
                self.fail(error);
                // Any leaf holds the lambda's place: the lowering has failed.
                self.push_node(Node::Bool(false), span, keyword, id);
            }
        }
    }

    fn fail(&mut self, error: Error) {
        if self
            .error
            .as_ref()
            .is_none_or(|first| error.span.start < first.span.start)
        {
            self.error = Some(error);
        }
    }

    fn leaf(&mut self, node: Node, span: Span) {
        let id = self.ast.nodes.len() as u32;
        self.push_node(node, span, span, id);
    }

    /// Applies a pending operator to the operands on top of the stack.
    fn apply(&mut self, op: Pending) -> Result<(), Error> {
        match op {
            Pending::Prefix(op, op_span) => {
                let operand = self.pop_operand()?;
                self.push_node(
                    Node::Unary {
                        op,
                        operand: NodeId(operand.id),
                    },
                    op_span.to(operand.outer),
                    op_span,
                    operand.first,
                );
            }
            Pending::Infix(op, op_span) if op.is_comparison() => self.compare(op, op_span)?,
            Pending::Infix(op, op_span) => {
                let rhs = self.pop_operand()?;
                let lhs = self.pop_operand()?;
                self.push_node(
                    Node::Binary {
                        op,
                        lhs: NodeId(lhs.id),
                        rhs: NodeId(rhs.id),
                    },
                    lhs.outer.to(rhs.outer),
                    op_span,
                    lhs.first,
                );
            }
            Pending::Logic(and, op_span) => {
                let rhs = NodeId(self.pop_operand()?.id);
                let lhs = self.pop_operand()?;
                let node = if and {
                    Node::And {
                        lhs: NodeId(lhs.id),
                        rhs,
                    }
                } else {
                    Node::Or {
                        lhs: NodeId(lhs.id),
                        rhs,
                    }
                };
                let span = lhs.outer.to(self.ast.span(rhs));
                self.push_node(node, span, op_span, lhs.first);
            }
            Pending::IfElse(op_span) => {
                let orelse = self.pop_operand()?;
                let cond = self.pop_operand()?;
                let body = self.pop_operand()?;
                self.push_node(
                    Node::IfElse {
                        body: NodeId(body.id),
                        cond: NodeId(cond.id),
                        orelse: NodeId(orelse.id),
                    },
                    body.outer.to(orelse.outer),
                    op_span,
                    body.first,
                );
            }
        }
        Ok(())
    }

    /// Applies the comparison `op` and the comparisons pending just below it, which it
    /// chains with (`a < b <= c`): one comparison is a binary node, two or more a chain.
    fn compare(&mut self, op: BinaryOp, op_span: Span) -> Result<(), Error> {
        let mut ops = vec![(op, op_span)];
        let base = self.pending_base();
        while self.pending.len() > base {
            let Some(&Pending::Infix(below, below_span)) = self.pending.last() else {
                break;
            };
            if !below.is_comparison() {
                break;
            }
            self.pending.pop();
            ops.push((below, below_span));
        }
        ops.reverse();
        let n = ops.len();
        if self.operands.len() < n + 1 {
            return Err(internal(op_span));
        }
        let operands = self.operands.split_off(self.operands.len() - (n + 1));
        let (first, last) = (operands[0], operands[n]);
        let span = first.outer.to(last.outer);
        if n == 1 {
            self.push_node(
                Node::Binary {
                    op,
                    lhs: NodeId(first.id),
                    rhs: NodeId(last.id),
                },
                span,
                op_span,
                first.first,
            );
            return Ok(());
        }
        let args_start = self.ast.call_args.len() as u32;
        self.ast
            .call_args
            .extend(operands.iter().map(|operand| NodeId(operand.id)));
        let index = self.ast.chains.len() as u32;
        self.ast.chains.push(Chain {
            args_start,
            ops: ops.iter().map(|&(op, _)| op).collect(),
            op_spans: ops.iter().map(|&(_, span)| span).collect(),
        });
        self.push_node(Node::Chain(index), span, ops[0].1, first.first);
        Ok(())
    }

    fn call(
        &mut self,
        func: Option<Builtin>,
        name_span: Span,
        span: Span,
        n_args: u32,
    ) -> Result<(), Error> {
        let Some(func) = func else {
            return self.apply_user(name_span, span, n_args);
        };
        let n = n_args as usize;
        if self.operands.len() < n {
            return Err(internal(span));
        }
        if let Err(error) = check_arity(func, n, name_span) {
            self.fail(error);
        }
        let args = self.operands.split_off(self.operands.len() - n);
        let args_start = self.ast.call_args.len() as u32;
        self.ast
            .call_args
            .extend(args.iter().map(|arg| NodeId(arg.id)));
        let first = args
            .first()
            .map_or(self.ast.nodes.len() as u32, |arg| arg.first);
        self.push_node(
            Node::Call {
                func,
                args_start,
                n_args,
            },
            span,
            name_span,
            first,
        );
        Ok(())
    }

    /// A call of a user function: the function's name, then the arguments, on the operands.
    fn apply_user(&mut self, name_span: Span, span: Span, n_args: u32) -> Result<(), Error> {
        let n = n_args as usize + 1;
        if self.operands.len() < n {
            return Err(internal(span));
        }
        let operands = self.operands.split_off(self.operands.len() - n);
        let args_start = self.ast.call_args.len() as u32;
        self.ast
            .call_args
            .extend(operands.iter().map(|operand| NodeId(operand.id)));
        let first = operands[0].first;
        self.push_node(Node::Apply { args_start, n_args }, span, name_span, first);
        Ok(())
    }

    /// Ends a `for` clause: its iterable, on top of the operands, must be a call of `range`,
    /// which leaves the arena; the enclosing call then reduces a generator.
    fn for_clause(&mut self, span: Span) -> Result<(), Error> {
        let Some(Frame::For { var }) = self.frames.pop() else {
            return Err(internal(span));
        };
        let iterable = self.pop_operand()?;
        let var = var.ok_or_else(|| internal(span))?;
        let range = self.take_range(iterable);
        if let Some(Frame::Call {
            generator: Some(_), ..
        }) = self.frames.last()
        {
            // A later `for`: its variable gets a slot of its own, an entry of the reductions
            // that no node reduces.
            let (args_start, n_args, range_span) = range.unwrap_or_else(|| {
                self.fail(Error::new(ErrorKind::IterableNotRange, iterable.outer));
                (0, 0, iterable.outer)
            });
            let slot = self.ast.reductions.len() as u32;
            self.ast.reductions.push(Reduction {
                func: Reducer::Sum,
                var: Some(var),
                body: None,
                args_start,
                n_args,
                range_span,
                clauses: Vec::new(),
                start: None,
            });
            if let Some(Frame::Call { clauses, .. }) = self.frames.last_mut() {
                clauses.push(Clause::For(slot));
            }
            return Ok(());
        }
        let Some(Frame::Call { generator, .. }) = self.frames.last_mut() else {
            return Err(internal(span));
        };
        if let Some((args_start, n_args, range_span)) = range {
            *generator = Some(Generator {
                var,
                args_start,
                n_args,
                range_span,
            });
            return Ok(());
        }
        // Some generator stands in, so that the call is still read as one.
        *generator = Some(Generator {
            var,
            args_start: 0,
            n_args: 0,
            range_span: iterable.outer,
        });
        let error = Error::new(ErrorKind::IterableNotRange, iterable.outer);
        self.fail(error);
        Ok(())
    }

    /// Whether the operand on top of the stack is a call of `range` (the last node made).
    fn top_is_range(&self) -> bool {
        self.operands.last().is_some_and(|top| {
            top.id as usize + 1 == self.ast.nodes.len()
                && matches!(
                    self.ast.nodes.last(),
                    Some(Node::Call {
                        func: Builtin::Range,
                        ..
                    })
                )
        })
    }

    /// Whether the operand below the top is a call of `range` (`sum(range(…), start)`).
    fn below_top_is_range(&self) -> bool {
        self.operands.len() >= 2
            && matches!(
                self.ast
                    .nodes
                    .get(self.operands[self.operands.len() - 2].id as usize),
                Some(Node::Call {
                    func: Builtin::Range,
                    ..
                })
            )
    }

    /// Makes the reduction node of `sum(range(…), start)`: the range call, below the start on
    /// the operands, leaves the arena (the nodes after it move down by one).
    fn reduce_with_start(&mut self, name_span: Span, span: Span) -> Result<(), Error> {
        let start = self.pop_operand()?;
        let range = self.pop_operand()?;
        let Some(&Node::Call {
            func: Builtin::Range,
            args_start,
            n_args,
        }) = self.ast.nodes.get(range.id as usize)
        else {
            return Err(internal(span));
        };
        let range_span = self.ast.spans[range.id as usize];
        self.remove_node(range.id);
        let start_id = NodeId(start.id - 1);
        let first = range.first.min(start.first - 1);
        let index = self.ast.reductions.len() as u32;
        self.ast.reductions.push(Reduction {
            func: Reducer::Sum,
            var: None,
            body: None,
            args_start,
            n_args,
            range_span,
            clauses: Vec::new(),
            start: Some(start_id),
        });
        self.push_node(Node::Reduce(index), span, name_span, first);
        Ok(())
    }

    /// Removes node `removed`, which no node has as an operand, from the arena: every id after
    /// it, and every reference to one, moves down by one.
    fn remove_node(&mut self, removed: u32) {
        let shift = |id: &mut NodeId| {
            if id.0 > removed {
                id.0 -= 1;
            }
        };
        let at = removed as usize;
        self.ast.nodes.remove(at);
        self.ast.spans.remove(at);
        self.ast.op_spans.remove(at);
        self.ast.subtree_len.remove(at);
        for node in &mut self.ast.nodes[at..] {
            match node {
                Node::Unary { operand, .. } => shift(operand),
                Node::Binary { lhs, rhs, .. } | Node::And { lhs, rhs } | Node::Or { lhs, rhs } => {
                    shift(lhs);
                    shift(rhs);
                }
                Node::IfElse { body, cond, orelse } => {
                    shift(body);
                    shift(cond);
                    shift(orelse);
                }
                _ => {}
            }
        }
        self.ast.call_args.iter_mut().for_each(shift);
        for reduction in &mut self.ast.reductions {
            if let Some(body) = &mut reduction.body {
                shift(body);
            }
            if let Some(start) = &mut reduction.start {
                shift(start);
            }
            for clause in &mut reduction.clauses {
                if let Clause::If(cond) = clause {
                    shift(cond);
                }
            }
        }
        for lazy in &mut self.ast.lazies {
            if *lazy > removed {
                *lazy -= 1;
            }
        }
        for operand in &mut self.operands {
            if operand.id > removed {
                operand.id -= 1;
            }
            if operand.first > removed {
                operand.first -= 1;
            }
        }
    }

    /// If `operand` is a call of `range` (necessarily the last node made), removes that node
    /// from the arena and returns where its arguments are and its span.
    fn take_range(&mut self, operand: Operand) -> Option<(u32, u32, Span)> {
        if operand.id as usize + 1 != self.ast.nodes.len() {
            return None;
        }
        let Some(&Node::Call {
            func: Builtin::Range,
            args_start,
            n_args,
        }) = self.ast.nodes.last()
        else {
            return None;
        };
        let span = self.ast.spans[operand.id as usize];
        self.ast.pop();
        Some((args_start, n_args, span))
    }

    /// Makes the reduction node of `func(generator)` or, without a generator, of
    /// `func(range(…))` (the range call on top of the operands).
    fn reduce(
        &mut self,
        func: Builtin,
        generator: Option<(Generator, Vec<Clause>)>,
        name_span: Span,
        span: Span,
    ) -> Result<(), Error> {
        let Some(func) = Reducer::from_builtin(func) else {
            return Err(internal(span));
        };
        let operand = self.pop_operand()?;
        let (var, body, args_start, n_args, range_span, clauses) =
            if let Some((generator, clauses)) = generator {
                (
                    Some(generator.var),
                    Some(NodeId(operand.id)),
                    generator.args_start,
                    generator.n_args,
                    generator.range_span,
                    clauses,
                )
            } else {
                let (args_start, n_args, range_span) =
                    self.take_range(operand).ok_or_else(|| internal(span))?;
                (None, None, args_start, n_args, range_span, Vec::new())
            };
        let index = self.ast.reductions.len() as u32;
        self.ast.reductions.push(Reduction {
            func,
            var,
            body,
            args_start,
            n_args,
            range_span,
            clauses,
            start: None,
        });
        self.push_node(Node::Reduce(index), span, name_span, operand.first);
        Ok(())
    }

    fn pop_operand(&mut self) -> Result<Operand, Error> {
        self.operands.pop().ok_or_else(|| internal(Span::default()))
    }

    /// Appends a node whose subtree starts at id `first` and leaves it as an operand.
    fn push_node(&mut self, node: Node, span: Span, op_span: Span, first: u32) {
        if node.is_lazy() {
            self.ast.lazies.push(self.ast.nodes.len() as u32);
        }
        let len = self.ast.nodes.len() as u32 + 1 - first;
        let id = self.ast.push(node, span, op_span, len).0;
        self.operands.push(Operand {
            id,
            first,
            outer: span,
        });
    }
}

fn internal(span: Span) -> Error {
    Error::new(
        ErrorKind::Internal("the parse tree does not have the expected shape".to_string()),
        span,
    )
}

/// The value of an integer literal (decimal digits and `_`, or `0x`, `0o`, `0b` and their
/// digits) if it fits in an `i64`.
fn small_int(text: &str) -> Option<i64> {
    let (radix, digits) = num::int_radix(text);
    let mut value: i64 = 0;
    for byte in digits.bytes() {
        if byte != b'_' {
            let digit = char::from(byte).to_digit(radix)?;
            value = value
                .checked_mul(i64::from(radix))?
                .checked_add(i64::from(digit))?;
        }
    }
    Some(value)
}

/// The error when `func` cannot take `n_args` arguments (worded as Python words it).
pub(crate) fn check_arity(func: Builtin, n_args: usize, name_span: Span) -> Result<(), Error> {
    let wanted = func.arity();
    if wanted.contains(n_args) {
        return Ok(());
    }
    let kind = ErrorKind::Arity {
        function: func,
        given: n_args,
        wanted,
    };
    Err(Error::new(kind, name_span))
}
