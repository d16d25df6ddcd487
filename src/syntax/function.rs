//! User functions as parsed: `lambda x, y: BODY` and `def f(x, y): return BODY`.
//!
//! A function's body is a tree of its own ([`Lambda::body`]), since it is evaluated once per
//! call, with names of its own. The lowering of the statement around it does not descend into
//! it: it collects the parameters and the body's extent from pest's tokens ([`LambdaScan`])
//! and parses the body's text again on its own, padded with blanks so that its positions are
//! the statement's (an error inside it points where it was written). Nesting costs stack in
//! pest and here, so a statement holds at most [`MAX_LAMBDAS`] of them.
//!
//! What Python's functions have and parcalc's do not is refused here with a clear error: a
//! lambda reading a parameter of the function around it, or a variable of a generator around
//! it (a closure). After parsing, the body's *fork nodes* are listed: the nodes with two or
//! more operands that call functions, which the interpreter may evaluate in parallel.

use std::sync::Arc;

use crate::ast::{Ast, Lambda, Node, NodeId};
use crate::error::{Error, ErrorKind};
use crate::ops;
use crate::span::Span;

/// Most `lambda`s and `def`s in one statement.
pub(crate) const MAX_LAMBDAS: usize = 100;

/// What the lowering collects of a `lambda` while it skips its tokens.
pub(crate) struct LambdaScan {
    /// Where the `lambda` starts, in the text pest was given.
    pub(crate) start: usize,
    /// Nesting of `lambda` rules: 1 inside this one, more inside a lambda in its body.
    pub(crate) depth: u32,
    /// The parameters, as byte ranges of the text.
    pub(crate) params: Vec<(usize, usize)>,
    /// Where the body starts, once its `expr` begins.
    pub(crate) body_start: Option<usize>,
    name_start: usize,
}

impl LambdaScan {
    pub(crate) fn new(start: usize) -> LambdaScan {
        LambdaScan {
            start,
            depth: 1,
            params: Vec::new(),
            body_start: None,
            name_start: 0,
        }
    }

    /// Reads one token inside the lambda; `true` when it is the lambda's end.
    pub(crate) fn feed(
        &mut self,
        start: bool,
        rule: crate::syntax::grammar::Rule,
        pos: usize,
    ) -> bool {
        use crate::syntax::grammar::Rule;
        match (start, rule) {
            (true, Rule::lambda) => self.depth += 1,
            (false, Rule::lambda) => {
                self.depth -= 1;
                return self.depth == 0;
            }
            (true, Rule::expr) if self.depth == 1 && self.body_start.is_none() => {
                self.body_start = Some(pos);
            }
            (true, Rule::name) if self.depth == 1 && self.body_start.is_none() => {
                self.name_start = pos;
            }
            (false, Rule::name) if self.depth == 1 && self.body_start.is_none() => {
                self.params.push((self.name_start, pos));
            }
            _ => {}
        }
        false
    }
}

/// Makes the function defined by the text `text` (the statement, as pest was given it) whose
/// definition spans `definition`, with parameters `params` and body `body` (byte ranges of
/// `text`; `offset` is added to every position). `name`: the `def`'s.
pub(crate) fn make_lambda(
    text: &str,
    offset: usize,
    name: Option<&str>,
    params: &[(usize, usize)],
    body: (usize, usize),
    definition: (usize, usize),
) -> Result<Arc<Lambda>, Error> {
    let span_of = |(start, end): (usize, usize)| Span::new(offset + start, offset + end);
    let mut names: Vec<Box<str>> = Vec::with_capacity(params.len());
    for &(start, end) in params {
        let param = &text[start..end];
        if ops::is_keyword(param) {
            let kind = ErrorKind::Keyword { name: param.into() };
            return Err(Error::new(kind, span_of((start, end))));
        }
        if names.iter().any(|seen| &**seen == param) {
            let kind = ErrorKind::DuplicateParameter { name: param.into() };
            return Err(Error::new(kind, span_of((start, end))));
        }
        names.push(param.into());
    }
    let body_text = text[body.0..body.1].trim_end();
    let padded = format!("{}{body_text}", " ".repeat(offset + body.0));
    let Some(statement) = crate::syntax::parse_statement(&padded)? else {
        return Err(Error::new(
            ErrorKind::ExpectedExpression,
            span_of((body.0, body.1)),
        ));
    };
    let mut body_ast = statement.expr;
    // A lambda in the body that reads a parameter of this one would need a closure.
    for (index, inner) in body_ast.lambdas.iter().enumerate() {
        if let Some(read) = inner.free.iter().find(|free| names.contains(free)) {
            let at = lambda_span(&body_ast, index as u32);
            let kind = ErrorKind::Closure { name: read.clone() };
            return Err(Error::new(kind, at));
        }
    }
    let param_of: Box<[Option<u32>]> = body_ast
        .names
        .iter()
        .map(|read| {
            names
                .iter()
                .position(|param| param == read)
                .map(|param| param as u32)
        })
        .collect();
    let mut free: Vec<Box<str>> = body_ast
        .names
        .iter()
        .filter(|read| !names.contains(read))
        .cloned()
        .collect();
    for inner in &body_ast.lambdas {
        free.extend(inner.free.iter().cloned());
    }
    free.sort_unstable();
    free.dedup();
    body_ast.forks = forks(&body_ast);
    let definition_text: Arc<str> = text[definition.0..definition.1].trim_end().into();
    Ok(Arc::new(Lambda {
        name: name.map(Into::into),
        params: names.into(),
        body: body_ast,
        param_of,
        free: free.into(),
        statement: text.into(),
        source: definition_text,
        body_text: body_text.into(),
    }))
}

/// The span of the node of lambda `index` in `ast`.
fn lambda_span(ast: &Ast, index: u32) -> Span {
    ast.nodes
        .iter()
        .position(|node| *node == Node::Lambda(index))
        .map(|at| ast.spans[at])
        .unwrap_or_default()
}

/// A lambda of a statement that reads a variable of one of the statement's generators: the
/// error, if there is one.
pub(crate) fn closure_over_generators(ast: &Ast) -> Option<Error> {
    for (index, lambda) in ast.lambdas.iter().enumerate() {
        for reduction in &ast.reductions {
            if let Some((var, _)) = &reduction.var
                && lambda.free.contains(var)
            {
                let kind = ErrorKind::Closure { name: var.clone() };
                return Some(Error::new(kind, lambda_span(ast, index as u32)));
            }
        }
    }
    None
}

/// The fork nodes of a body (see [`Ast::forks`]): the operators, calls and built-in calls
/// with two or more operands whose subtrees call a function.
fn forks(ast: &Ast) -> Vec<(u32, u32)> {
    // calls[i]: the calls among nodes 0..i.
    let mut calls = Vec::with_capacity(ast.len() + 1);
    calls.push(0u32);
    for node in &ast.nodes {
        let last = calls.last().copied().unwrap_or(0);
        calls.push(last + u32::from(matches!(node, Node::Apply { .. })));
    }
    let calls_in = |root: NodeId| {
        let first = ast.first_of(root).index();
        calls[root.index() + 1] > calls[first]
    };
    let mut forks = Vec::new();
    for (index, node) in ast.nodes.iter().enumerate() {
        if !matches!(
            node,
            Node::Binary { .. } | Node::Call { .. } | Node::Apply { .. }
        ) {
            continue;
        }
        let id = NodeId(index as u32);
        let mut calling = 0;
        ast.for_each_operand(id, |operand| calling += usize::from(calls_in(operand)));
        if calling >= 2 {
            forks.push((ast.first_of(id).0, id.0));
        }
    }
    forks.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    forks
}

/// The number of `lambda` and `def` words in `text`, up to `limit + 1`.
pub(crate) fn count_definitions(text: &str, limit: usize) -> usize {
    crate::syntax::lex::tokens(text)
        .filter(|token| {
            token.kind == crate::syntax::lex::TokenKind::Name
                && matches!(token.text(text), "lambda" | "def")
        })
        .take(limit + 1)
        .count()
}
