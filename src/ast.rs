//! The expression tree: an arena of [`Node`]s indexed by [`NodeId`], children before parents.
//!
//! Each node has an id, so the `1`s of `1 + 1` are two different nodes, and the trace, `:tree`
//! and error carets all name a node by its id. Lowering emits nodes in post-order, so every
//! subtree occupies one contiguous range of ids ending at its root: evaluating a subtree is a
//! loop over a range, never a recursive walk.
//!
//! **Invariant:** for every node, each operand id is smaller than the node's own id, and the
//! nodes of the subtree rooted at `id` are exactly `first_of(id)..=id`.

use crate::num::Value;
use crate::ops::{BinaryOp, Builtin, UnaryOp};
use crate::span::Span;

/// Index of a node in [`Ast::nodes`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One node of the arena. Operands are ids of earlier nodes.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// An integer literal that fits in an `i64`, kept inline.
    SmallInt(i64),
    /// A float literal.
    Float(f64),
    /// Any other literal: an index into [`Ast::literals`].
    Literal(u32),
    /// A variable: an index into [`Ast::names`].
    Name(u32),
    Unary {
        op: UnaryOp,
        operand: NodeId,
    },
    Binary {
        op: BinaryOp,
        lhs: NodeId,
        rhs: NodeId,
    },
    /// A function call; its arguments are `Ast::call_args[args_start..args_start + n_args]`.
    Call {
        func: Builtin,
        args_start: u32,
        n_args: u32,
    },
}

/// A parsed expression.
#[derive(Clone, Debug, Default)]
pub struct Ast {
    /// The arena, in post-order: children before parents, the root last.
    pub nodes: Vec<Node>,
    /// `spans[i]` is the source span of `nodes[i]`: for an operator node, the whole
    /// subexpression (see [`Ast::op_spans`] for the operator token itself).
    pub spans: Vec<Span>,
    /// `op_spans[i]` is the span of the operator token (or function name) of `nodes[i]`, where
    /// errors put their caret; for leaves it equals `spans[i]`.
    pub op_spans: Vec<Span>,
    /// `subtree_len[i]` is the number of nodes in the subtree rooted at `i`, so the subtree is
    /// `i + 1 - subtree_len[i] ..= i`.
    pub subtree_len: Vec<u32>,
    /// Literals too large for [`Node::SmallInt`].
    pub literals: Vec<Value>,
    /// Variable names, each once; [`Node::Name`] indexes this.
    pub names: Vec<Box<str>>,
    /// Arguments of all calls, concatenated.
    pub call_args: Vec<NodeId>,
}

impl Ast {
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Appends `node` with its spans and the size of its subtree (1 for a leaf), keeping the
    /// parallel vectors in step, and returns its id.
    pub fn push(&mut self, node: Node, span: Span, op_span: Span, subtree_len: u32) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(node);
        self.spans.push(span);
        self.op_spans.push(op_span);
        self.subtree_len.push(subtree_len);
        id
    }

    /// Reserves room for `additional` more nodes.
    pub fn reserve(&mut self, additional: usize) {
        self.nodes.reserve(additional);
        self.spans.reserve(additional);
        self.op_spans.reserve(additional);
        self.subtree_len.reserve(additional);
    }

    /// The root is the last node.
    pub fn root(&self) -> NodeId {
        NodeId(self.nodes.len() as u32 - 1)
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn span(&self, id: NodeId) -> Span {
        self.spans[id.index()]
    }

    pub fn op_span(&self, id: NodeId) -> Span {
        self.op_spans[id.index()]
    }

    /// The first node (in id order) of the subtree rooted at `id`.
    pub fn first_of(&self, id: NodeId) -> NodeId {
        NodeId(id.0 + 1 - self.subtree_len[id.index()])
    }

    /// Calls `f` with each operand of `id`, left to right.
    pub fn for_each_operand(&self, id: NodeId, mut f: impl FnMut(NodeId)) {
        match self.node(id) {
            Node::SmallInt(_) | Node::Float(_) | Node::Literal(_) | Node::Name(_) => {}
            Node::Unary { operand, .. } => f(*operand),
            Node::Binary { lhs, rhs, .. } => {
                f(*lhs);
                f(*rhs);
            }
            Node::Call {
                args_start, n_args, ..
            } => {
                let start = *args_start as usize;
                for &arg in &self.call_args[start..start + *n_args as usize] {
                    f(arg);
                }
            }
        }
    }

    /// Number of operands of `id`.
    pub fn n_operands(&self, id: NodeId) -> usize {
        match self.node(id) {
            Node::SmallInt(_) | Node::Float(_) | Node::Literal(_) | Node::Name(_) => 0,
            Node::Unary { .. } => 1,
            Node::Binary { .. } => 2,
            Node::Call { n_args, .. } => *n_args as usize,
        }
    }

    /// Where the name `names[index]` is first read (an empty span if it is not read).
    pub fn first_use(&self, index: usize) -> Span {
        self.nodes
            .iter()
            .position(|node| *node == Node::Name(index as u32))
            .map(|i| self.spans[i])
            .unwrap_or_default()
    }

    /// Is this node a leaf (a literal or a name)? Leaves are not tasks.
    pub fn is_leaf(&self, id: NodeId) -> bool {
        self.n_operands(id) == 0 && !matches!(self.node(id), Node::Call { .. })
    }
}

/// One line of input: an expression, optionally bound to a name.
#[derive(Clone, Debug)]
pub struct Statement {
    /// `Some((name, span of the name))` for `name = expr`.
    pub target: Option<(Box<str>, Span)>,
    pub expr: Ast,
}
