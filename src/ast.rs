//! The expression tree: an arena of [`Node`]s indexed by [`NodeId`], children before parents.
//!
//! Each node has an id, so the `1`s of `1 + 1` are two different nodes, and the trace, `:tree`
//! and error carets all name a node by its id. Lowering emits nodes in post-order, so every
//! subtree occupies one contiguous range of ids ending at its root: evaluating a subtree is a
//! loop over a range, never a recursive walk.
//!
//! **Invariant:** for every node, each operand id is smaller than the node's own id, and the
//! nodes of the subtree rooted at `id` are exactly `first_of(id)..=id`.

use std::sync::Arc;

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
    /// A reduction, `sum(BODY for k in range(…))` or `sum(range(…))`: an index into
    /// [`Ast::reductions`]. Its operands are the body (when there is one), which is not
    /// evaluated before the node but once per element, and the bounds of the range.
    Reduce(u32),
    /// The variable of a generator, inside its body: the value of the element being reduced by
    /// reduction `Local(r)` (an index into [`Ast::reductions`]).
    Local(u32),
    /// `True` or `False`.
    Bool(bool),
    /// `lhs and rhs`: `lhs` if it is false, else `rhs`, which runs only then. Lazy (see
    /// [`Node::is_lazy`]).
    And {
        lhs: NodeId,
        rhs: NodeId,
    },
    /// `lhs or rhs`: `lhs` if it is true, else `rhs`, which runs only then. Lazy.
    Or {
        lhs: NodeId,
        rhs: NodeId,
    },
    /// `body if cond else orelse`: `cond` runs first, then one of the two others. Lazy; the
    /// operands are in the order of the text.
    IfElse {
        body: NodeId,
        cond: NodeId,
        orelse: NodeId,
    },
    /// Two or more comparisons in a row, `a < b <= c`, as Python chains them: an index into
    /// [`Ast::chains`]. Each operand runs at most once, and the chain stops at the first false
    /// comparison. Lazy.
    Chain(u32),
    /// A call of a user function, `f(x, y)`: its operands are `Ast::call_args[args_start..
    /// args_start + 1 + n_args]`, the function (a name) first, then the arguments.
    Apply {
        args_start: u32,
        n_args: u32,
    },
    /// `lambda x: BODY` (or a `def`): an index into [`Ast::lambdas`]. A leaf: its body is a
    /// tree of its own, evaluated when the function is called.
    Lambda(u32),
}

impl Node {
    /// Whether the node is a leaf: a literal or a name, with no operands. (A call without
    /// arguments is an operator, and a reduction always has the bounds of its range.)
    pub fn is_leaf(&self) -> bool {
        matches!(
            self,
            Node::SmallInt(_)
                | Node::Float(_)
                | Node::Literal(_)
                | Node::Name(_)
                | Node::Local(_)
                | Node::Bool(_)
                | Node::Lambda(_)
        )
    }

    /// Whether the node decides which of its operands run: `and`, `or`, a conditional, a chain
    /// of comparisons. Its operands are not evaluated before it (as a reduction's body is
    /// not): the evaluator reaches the node first and runs the operands it needs, so a lazy
    /// node and everything below it are evaluated by one task.
    pub fn is_lazy(&self) -> bool {
        matches!(
            self,
            Node::And { .. } | Node::Or { .. } | Node::IfElse { .. } | Node::Chain(_)
        )
    }
}

/// A chain of comparisons: `operands[k] ops[k] operands[k + 1]` for each `k`.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    /// The operands, as [`Node::Call`] keeps its arguments: in
    /// `Ast::call_args[args_start..args_start + ops.len() + 1]`.
    pub args_start: u32,
    pub ops: Box<[BinaryOp]>,
    /// The span of each operator, where its error puts the caret.
    pub op_spans: Box<[Span]>,
}

/// What a [`Node::Reduce`] reduces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reducer {
    Sum,
    Prod,
    Min,
    Max,
}

impl Reducer {
    pub fn from_builtin(func: Builtin) -> Option<Reducer> {
        Some(match func {
            Builtin::Sum => Reducer::Sum,
            Builtin::Prod => Reducer::Prod,
            Builtin::Min => Reducer::Min,
            Builtin::Max => Reducer::Max,
            _ => return None,
        })
    }

    pub fn builtin(self) -> Builtin {
        match self {
            Reducer::Sum => Builtin::Sum,
            Reducer::Prod => Builtin::Prod,
            Reducer::Min => Builtin::Min,
            Reducer::Max => Builtin::Max,
        }
    }

    pub fn name(self) -> &'static str {
        self.builtin().name()
    }
}

/// A clause of a generator after its first `for`: another `for` (whose variable has a slot of
/// its own among the generators' variables: an entry of [`Ast::reductions`] that no node
/// reduces) or an `if`.
#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    /// `for var in range(…)`: the slot of `var` (an index into [`Ast::reductions`], which holds
    /// the range's arguments and span).
    For(u32),
    /// `if cond`: the condition's root.
    If(NodeId),
}

/// One reduction of the tree: `func(BODY for var in range(bounds…))`, or `func(range(bounds…))`
/// without a body.
#[derive(Clone, Debug, PartialEq)]
pub struct Reduction {
    pub func: Reducer,
    /// The generator's variable and its span; `None` for a plain `range`.
    pub var: Option<(Box<str>, Span)>,
    /// The root of the body: its nodes are `first_of(body)..=body`, just before the bounds.
    pub body: Option<NodeId>,
    /// The 1 to 3 arguments of `range`, as [`Node::Call`] keeps its arguments: in
    /// `Ast::call_args[args_start..args_start + n_args]`.
    pub args_start: u32,
    pub n_args: u32,
    /// The span of the whole `range(…)`, for its errors.
    pub range_span: Span,
    /// The clauses after the first `for`, in the order of the text: nested loops and filters,
    /// run in Python's order. Their operands are evaluated per element, as the body is. A
    /// reduction with clauses is folded by one task, in order (never cut into chunks).
    pub clauses: Vec<Clause>,
    /// `sum`'s start, `sum(range(…), start)`: an operand evaluated after the range's bounds.
    /// Such a reduction is folded by one task too.
    pub start: Option<NodeId>,
}

impl Reduction {
    /// Whether the reduction is folded by the task that reaches it, in order, rather than cut
    /// into chunks: a generator with clauses, or a sum with a start.
    pub fn in_place(&self) -> bool {
        !self.clauses.is_empty() || self.start.is_some()
    }
}

impl Reduction {
    /// The roots of the operands the clauses evaluate: each condition and each argument of a
    /// later range.
    pub fn clause_roots<'a>(&'a self, ast: &'a Ast) -> impl Iterator<Item = NodeId> + 'a {
        self.clauses
            .iter()
            .flat_map(move |clause| match clause {
                Clause::If(cond) => std::slice::from_ref(cond),
                Clause::For(slot) => ast.range_args(&ast.reductions[*slot as usize]),
            })
            .copied()
    }
}

/// A user function as parsed, from `lambda x, y: BODY` or `def f(x, y): return BODY`.
#[derive(Debug)]
pub struct Lambda {
    /// The `def`'s name; `None` for a `lambda` (whose name, in Python, is `<lambda>`).
    pub name: Option<Box<str>>,
    pub params: Arc<[Box<str>]>,
    /// The body, a tree of its own; its spans are positions in the defining statement.
    pub body: Ast,
    /// For each of the body's names (`body.names`), the parameter it is, or `None` for a
    /// global, read when the function is called (late binding, as Python's).
    pub param_of: Box<[Option<u32>]>,
    /// The globals the body may read, the lambdas inside it included.
    pub free: Box<[Box<str>]>,
    /// The text of the statement that defined it, which the body's spans index.
    pub statement: Arc<str>,
    /// The definition as written.
    pub source: Arc<str>,
    /// The body's expression as written.
    pub body_text: Arc<str>,
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
    /// Arguments of all calls (and the bounds of all ranges), concatenated.
    pub call_args: Vec<NodeId>,
    /// The reductions, in the order their nodes were made (an inner one before the one whose
    /// body holds it); [`Node::Reduce`] and [`Node::Local`] index this.
    pub reductions: Vec<Reduction>,
    /// The chains of comparisons; [`Node::Chain`] indexes this.
    pub chains: Vec<Chain>,
    /// The functions defined in the tree; [`Node::Lambda`] indexes this.
    pub lambdas: Vec<Arc<Lambda>>,
    /// In a function's body, the nodes whose operands the interpreter may evaluate in
    /// parallel (two or more of them call functions), as `(first, node)`: the first id of the
    /// node's subtree and the node, sorted by `first` and, for equal firsts, outermost first.
    pub forks: Vec<(u32, u32)>,
    /// The ids of the lazy nodes (see [`Node::is_lazy`]), in increasing order.
    pub lazies: Vec<u32>,
    /// The bodies of the reductions and the operands of the lazy nodes, as `(first, root)` id
    /// ranges, sorted by `first` and, for equal firsts, outermost first: what evaluators skip
    /// in passing (see [`Ast::bodies_from`]), and run only when the node that owns them asks.
    pub bodies: Vec<(u32, u32)>,
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

    /// Removes the last node (a leaf of the arena, whose operands become roots again).
    pub(crate) fn pop(&mut self) {
        self.nodes.pop();
        self.spans.pop();
        self.op_spans.pop();
        self.subtree_len.pop();
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

    /// Calls `f` with each operand of `id`, left to right. A reduction's operands are its body
    /// (if any) and then the bounds of its range.
    pub fn for_each_operand(&self, id: NodeId, mut f: impl FnMut(NodeId)) {
        match self.node(id) {
            Node::SmallInt(_)
            | Node::Float(_)
            | Node::Literal(_)
            | Node::Name(_)
            | Node::Local(_)
            | Node::Bool(_)
            | Node::Lambda(_) => {}
            Node::Unary { operand, .. } => f(*operand),
            Node::Binary { lhs, rhs, .. } | Node::And { lhs, rhs } | Node::Or { lhs, rhs } => {
                f(*lhs);
                f(*rhs);
            }
            Node::IfElse { body, cond, orelse } => {
                f(*body);
                f(*cond);
                f(*orelse);
            }
            Node::Chain(index) => {
                for &operand in self.chain_operands(&self.chains[*index as usize]) {
                    f(operand);
                }
            }
            Node::Call {
                args_start, n_args, ..
            } => {
                let start = *args_start as usize;
                for &arg in &self.call_args[start..start + *n_args as usize] {
                    f(arg);
                }
            }
            Node::Apply { args_start, n_args } => {
                let start = *args_start as usize;
                for &arg in &self.call_args[start..=start + *n_args as usize] {
                    f(arg);
                }
            }
            Node::Reduce(index) => {
                let reduction = &self.reductions[*index as usize];
                if let Some(body) = reduction.body {
                    f(body);
                }
                for &arg in self.range_args(reduction) {
                    f(arg);
                }
                if let Some(start) = reduction.start {
                    f(start);
                }
            }
        }
    }

    /// Number of operands of `id`.
    pub fn n_operands(&self, id: NodeId) -> usize {
        match self.node(id) {
            Node::SmallInt(_)
            | Node::Float(_)
            | Node::Literal(_)
            | Node::Name(_)
            | Node::Local(_)
            | Node::Bool(_)
            | Node::Lambda(_) => 0,
            Node::Unary { .. } => 1,
            Node::Binary { .. } | Node::And { .. } | Node::Or { .. } => 2,
            Node::IfElse { .. } => 3,
            Node::Chain(index) => self.chains[*index as usize].ops.len() + 1,
            Node::Call { n_args, .. } => *n_args as usize,
            Node::Apply { n_args, .. } => *n_args as usize + 1,
            Node::Reduce(index) => {
                let reduction = &self.reductions[*index as usize];
                usize::from(reduction.body.is_some())
                    + reduction.n_args as usize
                    + usize::from(reduction.start.is_some())
            }
        }
    }

    /// Number of operands whose values are on the evaluator's stack when it reaches `id`:
    /// all of them, except a reduction's body and a lazy node's operands, which the node
    /// runs itself.
    pub fn n_stacked_operands(&self, id: NodeId) -> usize {
        match self.node(id) {
            Node::Reduce(index) => {
                let reduction = &self.reductions[*index as usize];
                reduction.n_args as usize + usize::from(reduction.start.is_some())
            }
            node if node.is_lazy() => 0,
            _ => self.n_operands(id),
        }
    }

    /// The operands of a chain of comparisons.
    pub fn chain_operands(&self, chain: &Chain) -> &[NodeId] {
        let start = chain.args_start as usize;
        &self.call_args[start..=start + chain.ops.len()]
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
        self.node(id).is_leaf()
    }

    /// The name a call of a user function calls (`fib` in `fib(n - 1)`), if it is a name.
    pub fn source_name(&self, call: NodeId) -> Option<&str> {
        let Node::Apply { args_start, .. } = self.node(call) else {
            return None;
        };
        let callee = self.call_args.get(*args_start as usize)?;
        match self.node(*callee) {
            Node::Name(name) => self.names.get(*name as usize).map(|name| &**name),
            _ => None,
        }
    }

    /// Whether the tree calls or defines a user function.
    pub fn has_functions(&self) -> bool {
        !self.lambdas.is_empty()
            || self
                .nodes
                .iter()
                .any(|node| matches!(node, Node::Apply { .. }))
    }

    /// The bounds of a reduction's range, 1 to 3 node ids.
    pub fn range_args(&self, reduction: &Reduction) -> &[NodeId] {
        let start = reduction.args_start as usize;
        &self.call_args[start..start + reduction.n_args as usize]
    }

    /// The reduction of node `id`, if it is one.
    pub fn reduction(&self, id: NodeId) -> Option<&Reduction> {
        match self.node(id) {
            Node::Reduce(index) => self.reductions.get(*index as usize),
            _ => None,
        }
    }

    /// Where in [`Ast::bodies`] a loop over ids starting at `from` looks for the next body to
    /// skip: the first body starting at `from` or later, except the body `own` (the one the
    /// loop evaluates) and any body that encloses it.
    pub fn bodies_from(&self, from: u32, own: Option<(u32, u32)>) -> usize {
        match own {
            // Bodies with the same first id are sorted outermost (largest root) first.
            Some((first, root)) => self
                .bodies
                .partition_point(|&(f, r)| f < first || (f == first && r >= root)),
            None => self.bodies.partition_point(|&(f, _)| f < from),
        }
    }
}

/// A cursor over [`Ast::bodies`] for a loop over ids in increasing order: it tells the loop where
/// a reduction's body starts, so that the loop jumps over it (a body is evaluated once per
/// element by its reduction, never in passing).
#[derive(Clone, Debug)]
pub struct BodySkip<'a> {
    bodies: &'a [(u32, u32)],
    next: usize,
}

impl<'a> BodySkip<'a> {
    /// A cursor for a loop that starts at id `from`; `own` is the body the loop evaluates, if
    /// it evaluates one (see [`Ast::bodies_from`]).
    pub fn new(ast: &'a Ast, from: u32, own: Option<(u32, u32)>) -> BodySkip<'a> {
        BodySkip {
            bodies: &ast.bodies,
            next: ast.bodies_from(from, own),
        }
    }

    /// If a body to skip starts at id `index`, the id of its root (the loop goes on after it).
    #[inline]
    pub fn skip_at(&mut self, index: u32) -> Option<u32> {
        let (first, root) = loop {
            let &(first, root) = self.bodies.get(self.next)?;
            if first >= index {
                break (first, root);
            }
            // Behind the loop: a body the loop started inside of, or already passed.
            self.next += 1;
        };
        if first != index {
            return None;
        }
        // The bodies nested in this one are skipped with it.
        self.next += 1;
        while self.bodies.get(self.next).is_some_and(|&(f, _)| f <= root) {
            self.next += 1;
        }
        Some(root)
    }
}

/// One line of input: an expression, optionally bound to a name.
#[derive(Clone, Debug)]
pub struct Statement {
    /// `Some((name, span of the name))` for `name = expr`.
    pub target: Option<(Box<str>, Span)>,
    pub expr: Ast,
}
