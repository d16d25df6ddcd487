//! Lowering: pest's pairs to the arena, in post-order, without recursion over the tree.
//!
//! Each `expr` pair (one level of parentheses) goes through pest's `PrattParser` once, which
//! turns its flat sequence of operands and operators into reverse Polish order: a list of
//! `Item`s. A parenthesised operand or a call is kept as one item and not entered there, so
//! the Pratt parser never recurses into parentheses. The items are then played on an explicit
//! stack of `Frame`s: a leaf becomes a node at once, an operator pops its operands and becomes
//! a node, a parenthesised group or a call argument pushes a frame for its own `expr`. Nodes are
//! therefore emitted children first, each subtree in one contiguous range of ids, and the depth
//! of the input costs heap, not stack.
//!
//! Lowering does not check the shape of the text (the grammar did) and does not evaluate.

use std::cell::RefCell;
use std::collections::HashMap;

use pest::iterators::Pair;

use crate::ast::{Ast, BinaryOp, Builtin, Node, NodeId, UnaryOp};
use crate::error::{Error, ErrorKind};
use crate::num;
use crate::span::Span;
use crate::syntax::grammar::{PRATT, Rule};

/// One step of an `expr` in reverse Polish order.
enum Item<'i> {
    Primary(Pair<'i, Rule>),
    Prefix(Pair<'i, Rule>),
    Infix(Pair<'i, Rule>),
}

/// The reverse Polish order of one `expr` pair's operands and operators.
fn reverse_polish(expr: Pair<'_, Rule>) -> Vec<Item<'_>> {
    let items = RefCell::new(Vec::new());
    PRATT
        .map_primary(|primary| items.borrow_mut().push(Item::Primary(primary)))
        .map_prefix(|op, ()| items.borrow_mut().push(Item::Prefix(op)))
        .map_infix(|(), op, ()| items.borrow_mut().push(Item::Infix(op)))
        .parse(expr.into_inner());
    items.into_inner()
}

/// A lowered operand waiting for its operator.
#[derive(Clone, Copy)]
struct Operand {
    id: u32,
    /// The first id of its subtree.
    first: u32,
    /// Its text including any parentheses around it, for the span of the operator above.
    outer: Span,
}

/// Work in progress on the explicit stack.
enum Frame<'i> {
    /// The items of one `expr`; `group` is the span of its parentheses, if any.
    Expr {
        items: std::vec::IntoIter<Item<'i>>,
        group: Option<Span>,
    },
    /// A call whose arguments are being lowered one by one.
    Call {
        func: Builtin,
        name_span: Span,
        span: Span,
        args: std::vec::IntoIter<Pair<'i, Rule>>,
        n_args: u32,
    },
}

/// The next thing to do, decided while the top frame is borrowed.
enum Step<'i> {
    Push(Frame<'i>),
    Pop,
    Continue,
}

/// Builds one [`Ast`] from `expr` pairs.
#[derive(Default)]
pub struct Lowerer<'i> {
    ast: Ast,
    names: HashMap<&'i str, u32>,
    operands: Vec<Operand>,
}

impl<'i> Lowerer<'i> {
    /// Lowers the `expr` pair `expr`; its root is the last node.
    pub fn lower(mut self, expr: Pair<'i, Rule>) -> Result<Ast, Error> {
        let mut frames = vec![Frame::Expr {
            items: reverse_polish(expr).into_iter(),
            group: None,
        }];
        while let Some(frame) = frames.last_mut() {
            let step = match frame {
                Frame::Expr { items, group } => match items.next() {
                    Some(item) => self.item(item)?,
                    None => {
                        if let (Some(group), Some(top)) = (*group, self.operands.last_mut()) {
                            top.outer = group;
                        }
                        Step::Pop
                    }
                },
                Frame::Call {
                    func,
                    name_span,
                    span,
                    args,
                    n_args,
                } => match args.next() {
                    Some(arg) => Step::Push(Frame::Expr {
                        items: reverse_polish(arg).into_iter(),
                        group: None,
                    }),
                    None => {
                        self.call(*func, *name_span, *span, *n_args)?;
                        Step::Pop
                    }
                },
            };
            match step {
                Step::Push(frame) => frames.push(frame),
                Step::Pop => {
                    frames.pop();
                }
                Step::Continue => {}
            }
        }
        Ok(self.ast)
    }

    fn item(&mut self, item: Item<'i>) -> Result<Step<'i>, Error> {
        match item {
            Item::Primary(pair) => self.primary(pair),
            Item::Prefix(pair) => {
                let op = match pair.as_rule() {
                    Rule::neg => UnaryOp::Neg,
                    _ => UnaryOp::Plus,
                };
                let operand = self.pop_operand()?;
                let op_span = span_of(&pair);
                self.push_node(
                    Node::Unary {
                        op,
                        operand: NodeId(operand.id),
                    },
                    op_span.to(operand.outer),
                    op_span,
                    operand.first,
                );
                Ok(Step::Continue)
            }
            Item::Infix(pair) => {
                let op = match pair.as_rule() {
                    Rule::add => BinaryOp::Add,
                    Rule::sub => BinaryOp::Sub,
                    Rule::mul => BinaryOp::Mul,
                    Rule::div => BinaryOp::Div,
                    Rule::floor_div => BinaryOp::FloorDiv,
                    Rule::modulo => BinaryOp::Mod,
                    _ => BinaryOp::Pow,
                };
                let rhs = self.pop_operand()?;
                let lhs = self.pop_operand()?;
                self.push_node(
                    Node::Binary {
                        op,
                        lhs: NodeId(lhs.id),
                        rhs: NodeId(rhs.id),
                    },
                    lhs.outer.to(rhs.outer),
                    span_of(&pair),
                    lhs.first,
                );
                Ok(Step::Continue)
            }
        }
    }

    fn primary(&mut self, pair: Pair<'i, Rule>) -> Result<Step<'i>, Error> {
        let span = span_of(&pair);
        let node = match pair.as_rule() {
            Rule::int => match small_int(pair.as_str()) {
                Some(value) => Node::SmallInt(value),
                None => {
                    self.ast.literals.push(num::parse_int(pair.as_str()));
                    Node::Literal(self.ast.literals.len() as u32 - 1)
                }
            },
            Rule::float => Node::Float(num::parse_float(pair.as_str())),
            Rule::name => {
                let next = self.names.len() as u32;
                let index = *self.names.entry(pair.as_str()).or_insert(next);
                if index == next {
                    self.ast.names.push(pair.as_str().into());
                }
                Node::Name(index)
            }
            Rule::paren => {
                let inner = pair.into_inner().next().ok_or_else(|| internal(span))?;
                return Ok(Step::Push(Frame::Expr {
                    items: reverse_polish(inner).into_iter(),
                    group: Some(span),
                }));
            }
            Rule::call => {
                let mut inner = pair.into_inner();
                let name = inner.next().ok_or_else(|| internal(span))?;
                let name_span = span_of(&name);
                let func = Builtin::from_name(name.as_str()).ok_or_else(|| {
                    Error::new(
                        ErrorKind::UnknownFunction(name.as_str().to_string()),
                        name_span,
                    )
                })?;
                let args: Vec<Pair<'i, Rule>> = inner.collect();
                check_arity(func, args.len(), name_span)?;
                return Ok(Step::Push(Frame::Call {
                    func,
                    name_span,
                    span,
                    n_args: args.len() as u32,
                    args: args.into_iter(),
                }));
            }
            _ => return Err(internal(span)),
        };
        let id = self.ast.nodes.len() as u32;
        self.push_node(node, span, span, id);
        Ok(Step::Continue)
    }

    fn call(
        &mut self,
        func: Builtin,
        name_span: Span,
        span: Span,
        n_args: u32,
    ) -> Result<(), Error> {
        let n = n_args as usize;
        if self.operands.len() < n {
            return Err(internal(span));
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

    fn pop_operand(&mut self) -> Result<Operand, Error> {
        self.operands.pop().ok_or_else(|| internal(Span::default()))
    }

    /// Appends a node whose subtree starts at id `first` and leaves it as an operand.
    fn push_node(&mut self, node: Node, span: Span, op_span: Span, first: u32) {
        let id = self.ast.nodes.len() as u32;
        self.ast.nodes.push(node);
        self.ast.spans.push(span);
        self.ast.op_spans.push(op_span);
        self.ast.subtree_len.push(id + 1 - first);
        self.operands.push(Operand {
            id,
            first,
            outer: span,
        });
    }
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let span = pair.as_span();
    Span::new(span.start(), span.end())
}

fn internal(span: Span) -> Error {
    Error::new(
        ErrorKind::Internal("the parse tree does not have the expected shape".to_string()),
        span,
    )
}

/// The value of an integer literal (digits and `_`) if it fits in an `i64`.
fn small_int(text: &str) -> Option<i64> {
    let mut value: i64 = 0;
    for byte in text.bytes() {
        if byte != b'_' {
            value = value.checked_mul(10)?.checked_add(i64::from(byte - b'0'))?;
        }
    }
    Some(value)
}

/// An error worded as Python words it when `func` cannot take `n_args` arguments.
pub fn check_arity(func: Builtin, n_args: usize, name_span: Span) -> Result<(), Error> {
    let arity = func.arity();
    if arity.contains(&n_args) {
        return Ok(());
    }
    let name = func.name();
    let message = if arity.start() == arity.end() {
        format!("{name}() takes exactly one argument ({n_args} given)")
    } else {
        format!(
            "{name} expected at least {} argument{}, got {n_args}",
            arity.start(),
            if *arity.start() == 1 { "" } else { "s" }
        )
    };
    Err(Error::new(ErrorKind::Arity(message), name_span))
}
