//! Evaluation of one node, given its operands' values: the unit of work every evaluator shares.
//!
//! The interpreter calls [`eval_node`] for every node that is not a reduction, whichever
//! evaluator runs it (the sequential reference, a task, a chunk of a reduction); none of them
//! knows any arithmetic.

use crate::ast::{Ast, Node, NodeId};
use crate::engine::env::Env;
use crate::engine::interp::call;
use crate::error::{Error, ErrorKind};
use crate::num::{self, Limits, Value};

/// Evaluates node `id` of `ast`. `operand(k)` returns the value already computed for the
/// node's `k`-th operand, in the order [`Ast::for_each_operand`] lists them; `env` holds the
/// values of `ast.names` (a name without one is Python's `NameError`, raised here, where it is
/// read), `locals` those of the generators' variables (one per reduction). Errors carry the
/// span of the node's operator. A reduction is not one node's work: the interpreter runs it,
/// and here it is an internal error.
pub(crate) fn eval_node<'v, E: Env + ?Sized>(
    ast: &Ast,
    id: NodeId,
    env: &E,
    locals: &[Value],
    limits: &Limits,
    operand: impl Fn(usize) -> &'v Value,
) -> Result<Value, Error> {
    let at = |kind: crate::error::NumError| Error::new(kind, ast.op_span(id));
    match ast.node(id) {
        Node::SmallInt(i) => Ok(Value::Int((*i).into())),
        Node::Float(x) => Ok(Value::Float(*x)),
        Node::Bool(b) => Ok(Value::Bool(*b)),
        Node::Literal(index) => Ok(ast.literals[*index as usize].clone()),
        Node::Name(index) => env.get(*index).cloned().ok_or_else(|| {
            let kind = ErrorKind::UnknownName {
                name: ast.names[*index as usize].clone(),
                suggestion: None,
            };
            Error::new(kind, ast.span(id))
        }),
        Node::Local(slot) => locals.get(*slot as usize).cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::Internal("a generator's variable outside its body".into()),
                ast.span(id),
            )
        }),
        Node::Reduce(_) => Err(Error::new(
            ErrorKind::Internal("a reduction evaluated as one node".into()),
            ast.op_span(id),
        )),
        Node::Apply { .. } => Err(Error::new(
            ErrorKind::Internal("a call evaluated as one node".into()),
            ast.op_span(id),
        )),
        Node::Lambda(index) => Ok(call::function(&ast.lambdas[*index as usize])),
        Node::And { .. } | Node::Or { .. } | Node::IfElse { .. } | Node::Chain(_) => {
            Err(Error::new(
                ErrorKind::Internal("a lazy node evaluated as one node".into()),
                ast.op_span(id),
            ))
        }
        Node::Unary { op, .. } => num::unary(*op, operand(0)).map_err(at),
        Node::Binary { op, .. } => num::binary(*op, operand(0), operand(1), limits).map_err(at),
        Node::Call { func, n_args, .. } => {
            let args: Vec<&Value> = (0..*n_args as usize).map(operand).collect();
            num::call(*func, &args, limits).map_err(at)
        }
    }
}
