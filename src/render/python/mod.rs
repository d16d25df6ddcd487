//! `:python` and `--python`: a runnable Python program that computes an expression with a pool
//! of workers, in one of three forms ([`Form`]):
//!
//! - `futures` (the default, `futures.rs`): the course's idiom. `with
//!   ThreadPoolExecutor(max_workers=N) as e:`, one `e.submit(op, a, b)` per operator, and
//!   `.result()` called by the main thread only, operators taken level by level (those whose
//!   operands are numbers first), so every independent subtree is in flight and one worker never
//!   deadlocks; a reduction is `e.map` over chunks of its range and a fold.
//! - `dataflow` (`dataflow.rs`): the program that reproduces parcalc's dataflow, each task
//!   submitted by the done-callback of its last operand.
//! - `dask`: the `futures` program on Dask's futures (`dask.distributed.Client`), whose `submit`
//!   takes futures as arguments, so the scheduler, not the main thread, waits for operands.
//!
//! Python's arithmetic and functions are parcalc's, so every form prints the same value; errors
//! are raised as Python raises them and reported as `error: ZeroDivisionError: …`. Integers of
//! more than 4,000 digits are written in hexadecimal (Python refuses longer decimal literals).
//! Every walk over the tree here is a loop over the post-order arena, never a recursion, so a
//! 40,000-deep tree gives a program (that Python may refuse to parse: its parser has a nesting
//! limit). This module writes programs; it runs nothing.

mod dataflow;
mod futures;

#[cfg(test)]
mod test;

use std::borrow::Cow;
use std::time::Duration;

use crate::ast::{Ast, Clause, Node, NodeId, Reducer, Reduction};
use crate::num::Value;
use crate::ops::{BinaryOp, Builtin, UnaryOp};
use crate::plan::Policy;
use crate::render::text;

/// Which program `--python` writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Form {
    /// The course's idiom: `submit` and `.result()` in the main thread, `map` for chunks.
    #[default]
    Futures,
    /// Each task submitted by its last operand's done-callback: parcalc's dataflow.
    Dataflow,
    /// The `futures` program on Dask's futures.
    Dask,
}

impl Form {
    /// Every form, by name.
    pub const ALL: [Form; 3] = [Form::Futures, Form::Dataflow, Form::Dask];

    pub fn name(self) -> &'static str {
        match self {
            Form::Futures => "futures",
            Form::Dataflow => "dataflow",
            Form::Dask => "dask",
        }
    }
}

impl std::str::FromStr for Form {
    type Err = String;

    fn from_str(text: &str) -> Result<Form, String> {
        Form::ALL
            .into_iter()
            .find(|form| form.name() == text)
            .ok_or_else(|| format!("unknown form '{text}': expected futures, dataflow or dask"))
    }
}

/// What a program is written for: the pool's size, the delay, the policy parcalc ran with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Setup {
    pub n_workers: usize,
    pub delay: Duration,
    pub policy: Policy,
}

/// The program computing `ast` (whose text is `source`, whose names have the values `env`) in
/// `form`.
pub(crate) fn python(ast: &Ast, source: &str, env: &[Value], form: Form, setup: Setup) -> String {
    match form {
        Form::Futures | Form::Dask => futures::program(ast, source, env, form == Form::Dask, setup),
        Form::Dataflow => dataflow::program(ast, source, env, setup),
    }
}

/// Decimal literals longer than this are written in hexadecimal: Python's default limit on
/// converting decimal text to an int is 4,300 digits, and it applies to source code too.
const MAX_DECIMAL_DIGITS: usize = 4000;

/// Subexpressions quoted in a program are cut to this many characters.
const MAX_LABEL_CHARS: usize = 60;

/// Width of a docstring's paragraphs.
const DOCSTRING_COLUMNS: usize = 96;

/// The text of `id`'s subexpression as a comment or docstring may quote it: cut to
/// [`MAX_LABEL_CHARS`], every control character (a newline of a multi-line statement) a space.
fn quoted_text(ast: &Ast, source: &str, id: NodeId) -> String {
    let text = source.get(ast.span(id).range()).unwrap_or("?");
    comment_safe(&text::abbreviate(text, MAX_LABEL_CHARS))
}

/// `text` with control characters as spaces, so that it stays on one line of a comment.
fn comment_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `text` inside a `"""` docstring: backslashes and triple quotes escaped.
fn docstring_safe(text: &str) -> String {
    comment_safe(text)
        .replace('\\', "\\\\")
        .replace("\"\"\"", "\\\"\\\"\\\"")
}

/// The sentence on the delay, for docstrings.
fn delay_sentence(delay: Duration) -> String {
    if delay.is_zero() {
        "No task sleeps (parcalc ran without --delay).".to_string()
    } else {
        format!(
            "Every task sleeps {} first, as parcalc's --delay.",
            crate::render::gantt::trim_zeros(&crate::units::format_duration(delay))
        )
    }
}

/// A leaf as a Python expression: a literal, or a variable's value.
fn literal(ast: &Ast, id: NodeId, env: &[Value]) -> String {
    match ast.node(id) {
        Node::SmallInt(value) => value.to_string(),
        Node::Float(value) => value_literal(&Value::Float(*value)),
        Node::Literal(index) => ast
            .literals
            .get(*index as usize)
            .map_or("None".to_string(), value_literal),
        Node::Name(index) => env
            .get(*index as usize)
            .map_or("None".to_string(), value_literal),
        Node::Local(slot) => ast.reductions[*slot as usize]
            .var
            .as_ref()
            .map_or("None".to_string(), |(var, _)| var.to_string()),
        Node::Bool(value) => if *value { "True" } else { "False" }.to_string(),
        _ if inline(ast, id) && !ast.is_leaf(id) => format!("({})", expression(ast, id, env)),
        _ => "None".to_string(),
    }
}

/// Whether node `id` is written inline, where its value is needed, rather than as a task: a
/// leaf, or a lazy node (which parcalc evaluates as one task with everything below it, and
/// which Python evaluates lazily only when written as one expression).
fn inline(ast: &Ast, id: NodeId) -> bool {
    ast.is_leaf(id) || ast.node(id).is_lazy() || ast.reduction(id).is_some_and(Reduction::in_place)
}

/// A value as Python source.
fn value_literal(value: &Value) -> String {
    match value {
        Value::Float(x) if x.is_nan() => "math.nan".to_string(),
        Value::Float(x) if x.is_infinite() => {
            if *x > 0.0 { "math.inf" } else { "-math.inf" }.to_string()
        }
        Value::Float(_) | Value::Bool(_) | Value::Str(_) => value.to_string(),
        // A function is written as the `lambda` it is.
        Value::Func(function) => format!("({})", function.lambda_source().replace('^', "**")),
        Value::Int(int) => {
            let decimal = int.to_string();
            if decimal.trim_start_matches('-').len() <= MAX_DECIMAL_DIGITS {
                decimal
            } else {
                format!("{int:#x}")
            }
        }
    }
}

/// A Python string literal (a JSON string is one).
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"?\"".to_string())
}

/// The reducer's function over an iterable, as Python names it.
fn reducer(func: Reducer) -> &'static str {
    match func {
        Reducer::Sum => "sum",
        Reducer::Prod => "math.prod",
        Reducer::Min => "min",
        Reducer::Max => "max",
    }
}

/// The operator's symbol in Python.
fn binary_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Pow => "**",
        op => op.symbol(),
    }
}

/// A function as Python calls it inside an expression: a builtin, or the math module's.
fn builtin(func: Builtin) -> Cow<'static, str> {
    match func {
        Builtin::Prod => "math.prod".into(),
        Builtin::Sum
        | Builtin::Abs
        | Builtin::Min
        | Builtin::Max
        | Builtin::Round
        | Builtin::Pow
        | Builtin::Int
        | Builtin::Float
        | Builtin::Range => func.name().into(),
        _ => format!("math.{}", func.name()).into(),
    }
}

fn unary_function(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "operator.neg",
        UnaryOp::Plus => "operator.pos",
        UnaryOp::Invert => "operator.invert",
        UnaryOp::Not => "operator.not_",
    }
}

fn binary_function(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "operator.add",
        BinaryOp::Sub => "operator.sub",
        BinaryOp::Mul => "operator.mul",
        BinaryOp::Div => "operator.truediv",
        BinaryOp::FloorDiv => "operator.floordiv",
        BinaryOp::Mod => "operator.mod",
        BinaryOp::Pow => "operator.pow",
        BinaryOp::BitAnd => "operator.and_",
        BinaryOp::BitOr => "operator.or_",
        BinaryOp::Shl => "operator.lshift",
        BinaryOp::Shr => "operator.rshift",
        BinaryOp::Lt => "operator.lt",
        BinaryOp::Le => "operator.le",
        BinaryOp::Gt => "operator.gt",
        BinaryOp::Ge => "operator.ge",
        BinaryOp::Eq => "operator.eq",
        BinaryOp::Ne => "operator.ne",
    }
}

/// One piece of an expression being written: text to copy, or a node still to write.
enum Piece {
    Text(Cow<'static, str>),
    Node(NodeId),
}

/// The subtree of `id` as one Python expression, every operation but the outermost
/// parenthesised; a reduction is a generator expression over its range.
///
/// Written with an explicit stack of pieces (text and nodes still to write), in text order, so
/// that the length of the tree's deepest path costs heap, not native stack, and the time is
/// linear in the size of the output.
#[expect(clippy::too_many_lines, reason = "one arm per kind of node")]
fn expression(ast: &Ast, id: NodeId, env: &[Value]) -> String {
    let mut out = String::new();
    let mut stack = vec![Piece::Node(id)];
    let mut operands: Vec<NodeId> = Vec::new();
    let mut outermost = true;
    while let Some(piece) = stack.pop() {
        let id = match piece {
            Piece::Text(text) => {
                out.push_str(&text);
                continue;
            }
            Piece::Node(id) => id,
        };
        // The pieces of `id`, in text order; pushed reversed at the end.
        let mut pieces: Vec<Piece> = Vec::new();
        match ast.node(id) {
            Node::Unary { op, operand } => {
                let symbol = if *op == UnaryOp::Not {
                    "not "
                } else {
                    op.symbol()
                };
                pieces.push(Piece::Text(format!("({symbol}").into()));
                pieces.push(Piece::Node(*operand));
                pieces.push(Piece::Text(")".into()));
            }
            Node::Binary { op, lhs, rhs } => {
                pieces.push(Piece::Text("(".into()));
                pieces.push(Piece::Node(*lhs));
                pieces.push(Piece::Text(format!(" {} ", binary_symbol(*op)).into()));
                pieces.push(Piece::Node(*rhs));
                pieces.push(Piece::Text(")".into()));
            }
            Node::Call { func, .. } => {
                pieces.push(Piece::Text(format!("{}(", builtin(*func)).into()));
                operands.clear();
                ast.for_each_operand(id, |operand| operands.push(operand));
                for (position, &operand) in operands.iter().enumerate() {
                    if position > 0 {
                        pieces.push(Piece::Text(", ".into()));
                    }
                    pieces.push(Piece::Node(operand));
                }
                pieces.push(Piece::Text(")".into()));
            }
            Node::Reduce(slot) => {
                let reduction = &ast.reductions[*slot as usize];
                pieces.push(Piece::Text(format!("{}(", reducer(reduction.func)).into()));
                if let (Some(body), Some((var, _))) = (reduction.body, &reduction.var) {
                    pieces.push(Piece::Node(body));
                    pieces.push(Piece::Text(format!(" for {var} in ").into()));
                }
                pieces.push(Piece::Text("range(".into()));
                for (position, &arg) in ast.range_args(reduction).iter().enumerate() {
                    if position > 0 {
                        pieces.push(Piece::Text(", ".into()));
                    }
                    pieces.push(Piece::Node(arg));
                }
                pieces.push(Piece::Text(")".into()));
                if let Some(start) = reduction.start {
                    pieces.push(Piece::Text(", ".into()));
                    pieces.push(Piece::Node(start));
                }
                for clause in &reduction.clauses {
                    match clause {
                        Clause::If(cond) => {
                            pieces.push(Piece::Text(" if ".into()));
                            pieces.push(Piece::Node(*cond));
                        }
                        Clause::For(slot) => {
                            let inner = &ast.reductions[*slot as usize];
                            let var = inner.var.as_ref().map_or("_", |(var, _)| var);
                            pieces.push(Piece::Text(format!(" for {var} in range(").into()));
                            for (position, &arg) in ast.range_args(inner).iter().enumerate() {
                                if position > 0 {
                                    pieces.push(Piece::Text(", ".into()));
                                }
                                pieces.push(Piece::Node(arg));
                            }
                            pieces.push(Piece::Text(")".into()));
                        }
                    }
                }
                pieces.push(Piece::Text(")".into()));
            }
            Node::And { lhs, rhs } | Node::Or { lhs, rhs } => {
                let word = if matches!(ast.node(id), Node::And { .. }) {
                    " and "
                } else {
                    " or "
                };
                pieces.push(Piece::Text("(".into()));
                pieces.push(Piece::Node(*lhs));
                pieces.push(Piece::Text(word.into()));
                pieces.push(Piece::Node(*rhs));
                pieces.push(Piece::Text(")".into()));
            }
            Node::IfElse { body, cond, orelse } => {
                pieces.push(Piece::Text("(".into()));
                pieces.push(Piece::Node(*body));
                pieces.push(Piece::Text(" if ".into()));
                pieces.push(Piece::Node(*cond));
                pieces.push(Piece::Text(" else ".into()));
                pieces.push(Piece::Node(*orelse));
                pieces.push(Piece::Text(")".into()));
            }
            Node::Chain(index) => {
                let chain = &ast.chains[*index as usize];
                pieces.push(Piece::Text("(".into()));
                for (position, &operand) in ast.chain_operands(chain).iter().enumerate() {
                    if position > 0 {
                        let symbol = chain.ops[position - 1].symbol();
                        pieces.push(Piece::Text(format!(" {symbol} ").into()));
                    }
                    pieces.push(Piece::Node(operand));
                }
                pieces.push(Piece::Text(")".into()));
            }
            _ => pieces.push(Piece::Text(literal(ast, id, env).into())),
        }
        if std::mem::take(&mut outermost)
            && matches!(ast.node(id), Node::Unary { .. } | Node::Binary { .. })
        {
            // The outermost operation needs no parentheses: drop its first and last piece.
            pieces.pop();
            if let Some(Piece::Text(text)) = pieces.first_mut() {
                *text = text[1..].to_string().into();
            }
        }
        stack.extend(pieces.into_iter().rev());
    }
    out
}
