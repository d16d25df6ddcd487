//! Function bodies compiled for machine integers: `n if n < 2 else fib(n - 1) + fib(n - 2)`
//! run as a handful of `i64` operations per call, with the calls' frames on a heap stack.
//!
//! A body compiles when every node is an integer literal, a parameter, an integer operator
//! (`+ - * // % ^ & |`, `-x`), a comparison, `not`, `and`, `or`, a conditional expression or
//! a call of a global function with integer arguments; and when no `bool` can come out of it
//! (the value of a comparison is `True` or `False`, which prints otherwise than an int: a
//! comparison is fine as a condition or in arithmetic, not as a result or an argument). Any
//! other body runs on the interpreter.
//!
//! [`run`] gives up (`Ran::Bail`) wherever machine integers or these operations do not
//! suffice: an overflow, a division by zero, a callee that is not a compiled function or takes
//! another number of arguments, more calls open than the limit. The call is then evaluated
//! again by the interpreter, which computes the value or raises Python's error: functions have
//! no side effects, so the attempt costs only time. Without recursion in Rust and without a
//! `Value` per operation, a call costs some tens of nanoseconds (BENCHMARKS.md).

use crate::ast::{Ast, Lambda, Node, NodeId};
use crate::engine::interp::reduce::small::small_binary;
use crate::ops::{BinaryOp, UnaryOp};

/// A compiled body.
#[derive(Debug)]
pub(crate) struct Compiled {
    ops: Vec<Op>,
    n_params: usize,
    /// The names the body calls, indexed by [`Op::Call`]'s `site`.
    sites: Vec<Box<str>>,
    /// The span of each call of the body, indexed by [`Op::Call`]'s `call`: where a
    /// `RecursionError` points.
    pub(crate) calls: Vec<crate::span::Span>,
    /// The function's name and the statement that defined it, for that error.
    pub(crate) name: std::sync::Arc<str>,
    pub(crate) statement: std::sync::Arc<str>,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Const(i64),
    Param(u32),
    Binary(BinaryOp),
    Neg,
    /// A comparison: 1 if it holds, else 0.
    Compare(BinaryOp),
    /// 1 if the top is 0, else 0.
    Not,
    Jump(u32),
    /// Pops the top and jumps if it is 0.
    JumpIfZero(u32),
    /// Jumps, keeping the top, if it is 0 (`and`) or not 0 (`or`); else pops it.
    JumpKeepIfZero(u32),
    JumpKeepIfNonZero(u32),
    Call {
        site: u32,
        n_args: u32,
        call: u32,
    },
    /// `param OP constant`, pushed: `n - 1` in one step.
    ParamConst(u32, BinaryOp, i64),
    /// Jumps unless `param OP constant` holds: `n < 2` as a condition in one step.
    UnlessParamConst(u32, BinaryOp, i64, u32),
    /// A call of one argument, `param OP constant`: `fib(n - 1)` in one step.
    CallParamConst {
        site: u32,
        call: u32,
        param: u32,
        op: BinaryOp,
        constant: i64,
    },
    /// Returns a parameter.
    ReturnParam(u32),
    Return,
}

/// What a compiled expression holds: an `int`, a `bool` (0 or 1), or either.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Bool,
    Either,
}

fn join(a: Kind, b: Kind) -> Kind {
    if a == b { a } else { Kind::Either }
}

/// A jump operation to a target.
type MakeJump = fn(u32) -> Op;

/// One step of the compiler's work stack.
enum Work {
    Node(u32),
    Emit(Op),
    /// Emits a jump to a label, resolved at the end.
    Jump(fn(u32) -> Op, usize),
    Label(usize),
}

impl Compiled {
    /// Compiles `lambda`'s body, if it is of the shape described above.
    #[expect(clippy::too_many_lines, reason = "one arm per kind of node")]
    pub(crate) fn compile(lambda: &Lambda) -> Option<Compiled> {
        let ast = &lambda.body;
        if ast.is_empty() {
            return None;
        }
        let kinds = kinds(lambda)?;
        if kinds[ast.root().index()] != Kind::Int {
            return None;
        }
        let mut sites: Vec<Box<str>> = Vec::new();
        let mut calls = Vec::new();
        let mut ops = Vec::new();
        let mut labels: Vec<u32> = Vec::new();
        // Each jump: where it is, the label it goes to, and how to make it.
        let mut jumps: Vec<(usize, usize, MakeJump)> = Vec::new();
        let mut work = vec![Work::Emit(Op::Return), Work::Node(ast.root().0)];
        let new_label = |labels: &mut Vec<u32>| {
            labels.push(u32::MAX);
            labels.len() - 1
        };
        while let Some(step) = work.pop() {
            let index = match step {
                Work::Emit(op) => {
                    ops.push(op);
                    continue;
                }
                Work::Jump(make, label) => {
                    jumps.push((ops.len(), label, make));
                    ops.push(Op::Return);
                    continue;
                }
                Work::Label(label) => {
                    labels[label] = ops.len() as u32;
                    continue;
                }
                Work::Node(index) => index,
            };
            match ast.node(NodeId(index)) {
                Node::SmallInt(value) => ops.push(Op::Const(*value)),
                Node::Bool(value) => ops.push(Op::Const(i64::from(*value))),
                Node::Name(name) => ops.push(Op::Param(lambda.param_of[*name as usize]?)),
                Node::Unary { op, operand } => {
                    work.push(Work::Emit(match op {
                        UnaryOp::Neg => Op::Neg,
                        UnaryOp::Not => Op::Not,
                        UnaryOp::Plus | UnaryOp::Invert => return None,
                    }));
                    work.push(Work::Node(operand.0));
                }
                Node::Binary { op, lhs, rhs } => {
                    work.push(Work::Emit(if op.is_comparison() {
                        Op::Compare(*op)
                    } else {
                        Op::Binary(*op)
                    }));
                    work.push(Work::Node(rhs.0));
                    work.push(Work::Node(lhs.0));
                }
                Node::And { lhs, rhs } | Node::Or { lhs, rhs } => {
                    let end = new_label(&mut labels);
                    let jump = if matches!(ast.node(NodeId(index)), Node::And { .. }) {
                        Op::JumpKeepIfZero
                    } else {
                        Op::JumpKeepIfNonZero
                    };
                    work.push(Work::Label(end));
                    work.push(Work::Node(rhs.0));
                    work.push(Work::Jump(jump, end));
                    work.push(Work::Node(lhs.0));
                }
                Node::IfElse { body, cond, orelse } => {
                    let (other, end) = (new_label(&mut labels), new_label(&mut labels));
                    work.push(Work::Label(end));
                    work.push(Work::Node(orelse.0));
                    work.push(Work::Label(other));
                    work.push(Work::Jump(Op::Jump, end));
                    work.push(Work::Node(body.0));
                    work.push(Work::Jump(Op::JumpIfZero, other));
                    work.push(Work::Node(cond.0));
                }
                Node::Apply { args_start, n_args } => {
                    let start = *args_start as usize;
                    let callee = ast.call_args[start];
                    let Node::Name(name) = ast.node(callee) else {
                        return None;
                    };
                    if lambda.param_of[*name as usize].is_some() {
                        return None;
                    }
                    let callee_name = &ast.names[*name as usize];
                    let site = sites
                        .iter()
                        .position(|known| known == callee_name)
                        .unwrap_or_else(|| {
                            sites.push(callee_name.clone());
                            sites.len() - 1
                        });
                    calls.push(ast.op_span(NodeId(index)));
                    work.push(Work::Emit(Op::Call {
                        site: site as u32,
                        n_args: *n_args,
                        call: calls.len() as u32 - 1,
                    }));
                    for &arg in ast.call_args[start + 1..=start + *n_args as usize]
                        .iter()
                        .rev()
                    {
                        work.push(Work::Node(arg.0));
                    }
                }
                _ => return None,
            }
        }
        for (at, label, make) in jumps {
            ops[at] = make(*labels.get(label)?);
        }
        Some(Compiled {
            ops: fuse(&ops),
            n_params: lambda.params.len(),
            sites,
            calls,
            name: lambda.name.as_deref().unwrap_or("<lambda>").into(),
            statement: std::sync::Arc::clone(&lambda.statement),
        })
    }
}

/// The operations with the commonest sequences made one: `Param, Const, Binary` and
/// `Param, Const, Compare, JumpIfZero`. Jump targets move with the operations.
fn fuse(ops: &[Op]) -> Vec<Op> {
    // A jump to a return is a return.
    let ops: Vec<Op> = ops
        .iter()
        .map(|&op| match op {
            Op::Jump(t) if matches!(ops.get(t as usize), Some(Op::Return)) => Op::Return,
            op => op,
        })
        .collect();
    let targets: std::collections::HashSet<u32> = ops
        .iter()
        .filter_map(|op| match *op {
            Op::Jump(t) | Op::JumpIfZero(t) | Op::JumpKeepIfZero(t) | Op::JumpKeepIfNonZero(t) => {
                Some(t)
            }
            _ => None,
        })
        .collect();
    // A sequence is fused only when no jump lands inside it.
    let free = |at: usize, len: usize| (at + 1..at + len).all(|i| !targets.contains(&(i as u32)));
    let mut fused = Vec::with_capacity(ops.len());
    let mut new_at = vec![0u32; ops.len() + 1];
    let mut at = 0;
    while at < ops.len() {
        new_at[at] = fused.len() as u32;
        let window = &ops[at..];
        match *window {
            [
                Op::Param(param),
                Op::Const(constant),
                Op::Binary(op),
                Op::Call {
                    site,
                    n_args: 1,
                    call,
                },
                ..,
            ] if free(at, 4) => {
                fused.push(Op::CallParamConst {
                    site,
                    call,
                    param,
                    op,
                    constant,
                });
                at += 4;
            }
            [Op::Param(param), Op::Return, ..] if free(at, 2) => {
                fused.push(Op::ReturnParam(param));
                at += 2;
            }
            [
                Op::Param(p),
                Op::Const(c),
                Op::Compare(op),
                Op::JumpIfZero(t),
                ..,
            ] if free(at, 4) => {
                fused.push(Op::UnlessParamConst(p, op, c, t));
                at += 4;
            }
            [Op::Param(p), Op::Const(c), Op::Binary(op), ..] if free(at, 3) => {
                fused.push(Op::ParamConst(p, op, c));
                at += 3;
            }
            _ => {
                fused.push(ops[at]);
                at += 1;
            }
        }
    }
    new_at[ops.len()] = fused.len() as u32;
    // Positions inside a fused sequence are never targets, so each target maps.
    for op in &mut fused {
        match op {
            Op::Jump(t)
            | Op::JumpIfZero(t)
            | Op::JumpKeepIfZero(t)
            | Op::JumpKeepIfNonZero(t)
            | Op::UnlessParamConst(_, _, _, t) => *t = new_at[*t as usize],
            _ => {}
        }
    }
    fused
}

/// `x OP y` for a comparison: whether it holds.
#[inline]
fn compare(op: BinaryOp, x: i64, y: i64) -> Option<bool> {
    Some(match op {
        BinaryOp::Lt => x < y,
        BinaryOp::Le => x <= y,
        BinaryOp::Gt => x > y,
        BinaryOp::Ge => x >= y,
        BinaryOp::Eq => x == y,
        BinaryOp::Ne => x != y,
        _ => return None,
    })
}

/// What each node of the body holds, or `None` when the body does not compile: a node of
/// another kind, a global read as a value, a `bool` passed as an argument or to `&`, `|`.
fn kinds(lambda: &Lambda) -> Option<Vec<Kind>> {
    let ast: &Ast = &lambda.body;
    let mut kinds: Vec<Kind> = Vec::with_capacity(ast.len());
    // A number, whether an int or a bool (arithmetic makes an int of it).
    let number = |kinds: &[Kind], id: &NodeId| kinds[id.index()] != Kind::Either;
    for node in &ast.nodes {
        let kind = match node {
            Node::SmallInt(_) => Kind::Int,
            // A global is compiled only as a callee, whose kind nothing reads.
            Node::Name(name) => {
                if lambda.param_of.get(*name as usize)?.is_some() {
                    Kind::Int
                } else {
                    Kind::Either
                }
            }
            Node::Unary {
                op: UnaryOp::Neg,
                operand,
            } if number(&kinds, operand) => Kind::Int,
            Node::Bool(_)
            | Node::Unary {
                op: UnaryOp::Not, ..
            } => Kind::Bool,
            Node::Binary { op, lhs, rhs } if op.is_comparison() => {
                if !(number(&kinds, lhs) && number(&kinds, rhs)) {
                    return None;
                }
                Kind::Bool
            }
            Node::Binary { op, lhs, rhs } => {
                let ints = kinds[lhs.index()] == Kind::Int && kinds[rhs.index()] == Kind::Int;
                match op {
                    BinaryOp::Div | BinaryOp::Shl | BinaryOp::Shr => return None,
                    BinaryOp::BitAnd | BinaryOp::BitOr if !ints => return None,
                    _ if !(number(&kinds, lhs) && number(&kinds, rhs)) => return None,
                    _ => Kind::Int,
                }
            }
            Node::And { lhs, rhs } | Node::Or { lhs, rhs } => {
                join(kinds[lhs.index()], kinds[rhs.index()])
            }
            Node::IfElse { body, orelse, .. } => join(kinds[body.index()], kinds[orelse.index()]),
            Node::Apply { args_start, n_args } => {
                let start = *args_start as usize;
                let args = &ast.call_args[start + 1..=start + *n_args as usize];
                if args.iter().any(|arg| kinds[arg.index()] != Kind::Int) {
                    return None;
                }
                Kind::Int
            }
            _ => return None,
        };
        kinds.push(kind);
    }
    Some(kinds)
}

/// How a compiled call ended.
#[derive(Debug)]
pub(crate) enum Ran<'c> {
    Value(i64),
    /// Machine integers or the compiled operations do not suffice: evaluate it otherwise.
    Bail,
    /// Told to stop.
    Stopped,
    /// One call more than the limit allows, made by call `call` of `code`: Python's
    /// `RecursionError` (every operation before it was the interpreter's, in its order).
    Recursion {
        code: &'c Compiled,
        call: u32,
    },
}

/// A frame of a compiled call: its code, where it goes on, where its parameters start on the
/// value stack, and the table of its callees.
struct Frame<'c> {
    code: &'c Compiled,
    pc: usize,
    base: usize,
    table: u32,
}

impl Frame<'_> {
    /// The value of parameter `param` of this call.
    #[inline]
    fn param(&self, stack: &[i64], param: u32) -> Option<i64> {
        stack.get(self.base + param as usize).copied()
    }

    /// `param OP constant`, where machine integers suffice.
    #[inline]
    fn param_op(&self, stack: &[i64], param: u32, op: BinaryOp, constant: i64) -> Option<i64> {
        small_binary(op, self.param(stack, param)?, constant)
    }
}

/// The callees of the compiled bodies a run may reach, resolved once before it starts:
/// `tables[t][site]` is the body call `site` of body `t` calls and that body's own table, or
/// `None` when the name holds no compiled function.
type Tables<'c> = Vec<Box<[Option<(&'c Compiled, u32)>]>>;

/// The tables of the bodies reachable from `entry` (whose table is the first).
fn resolve_all<'c>(
    entry: &'c Compiled,
    resolve: &dyn Fn(&str) -> Option<&'c Compiled>,
) -> Tables<'c> {
    let mut codes: Vec<&'c Compiled> = vec![entry];
    let mut tables: Tables<'c> = Vec::new();
    while let Some(&code) = codes.get(tables.len()) {
        let table = code
            .sites
            .iter()
            .map(|name| {
                let callee = resolve(name)?;
                let index = codes
                    .iter()
                    .position(|known| std::ptr::eq(*known, callee))
                    .unwrap_or_else(|| {
                        codes.push(callee);
                        codes.len() - 1
                    });
                Some((callee, index as u32))
            })
            .collect();
        tables.push(table);
    }
    tables
}

/// A value stack taken from the thread's spares and given back when dropped: a call of a
/// small function from a reduction's body, once per element, allocates nothing.
struct Scratch(Vec<i64>);

thread_local! {
    static SPARE_STACKS: std::cell::RefCell<Vec<Vec<i64>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Scratch {
    fn take() -> Scratch {
        let spare = SPARE_STACKS.with(|spares| spares.borrow_mut().pop());
        Scratch(spare.unwrap_or_else(|| Vec::with_capacity(64)))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.0);
        stack.clear();
        // A stack grown huge by a deep recursion is not kept.
        if stack.capacity() <= 1 << 16 {
            SPARE_STACKS.with(|spares| spares.borrow_mut().push(stack));
        }
    }
}

impl std::ops::Deref for Scratch {
    type Target = Vec<i64>;
    fn deref(&self) -> &Vec<i64> {
        &self.0
    }
}

impl std::ops::DerefMut for Scratch {
    fn deref_mut(&mut self) -> &mut Vec<i64> {
        &mut self.0
    }
}

/// How often (in calls) [`run`] asks whether to stop.
const STOP_CHECK_CALLS: u32 = 1 << 12;

/// Runs `entry` on `args`, `depth` calls being open already (at most `max_depth` may be).
/// `resolve` gives the compiled body of the function a global name holds, if it has one;
/// `stop` is asked every few thousand calls.
#[expect(clippy::too_many_lines, reason = "one loop with an arm per operation")]
pub(crate) fn run<'c>(
    entry: &'c Compiled,
    args: &[i64],
    depth: u32,
    max_depth: u32,
    resolve: &dyn Fn(&str) -> Option<&'c Compiled>,
    stop: &dyn Fn() -> bool,
) -> Ran<'c> {
    if args.len() != entry.n_params {
        return Ran::Bail;
    }
    // A body that calls nothing needs no callees, and no frames: nothing to allocate.
    let (tables, mut frames): (_, Vec<Frame<'c>>) = if entry.sites.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        (resolve_all(entry, resolve), Vec::with_capacity(64))
    };
    let mut stack = Scratch::take();
    stack.extend_from_slice(args);
    let mut frame = Frame {
        code: entry,
        pc: 0,
        base: 0,
        table: 0,
    };
    let mut calls = 0u32;
    loop {
        let Some(&op) = frame.code.ops.get(frame.pc) else {
            return Ran::Bail;
        };
        frame.pc += 1;
        match op {
            Op::Const(value) => stack.push(value),
            Op::Param(param) => {
                let Some(value) = frame.param(&stack, param) else {
                    return Ran::Bail;
                };
                stack.push(value);
            }
            Op::Binary(op) => {
                let (Some(y), Some(x)) = (stack.pop(), stack.pop()) else {
                    return Ran::Bail;
                };
                // A zero divisor, an overflow, a negative exponent: not for machine ints.
                let Some(value) = small_binary(op, x, y) else {
                    return Ran::Bail;
                };
                stack.push(value);
            }
            Op::Compare(op) => {
                let (Some(y), Some(x)) = (stack.pop(), stack.pop()) else {
                    return Ran::Bail;
                };
                let Some(holds) = compare(op, x, y) else {
                    return Ran::Bail;
                };
                stack.push(i64::from(holds));
            }
            Op::ParamConst(param, op, constant) => {
                let Some(value) = frame.param_op(&stack, param, op, constant) else {
                    return Ran::Bail;
                };
                stack.push(value);
            }
            Op::UnlessParamConst(param, op, constant, target) => {
                let Some(x) = frame.param(&stack, param) else {
                    return Ran::Bail;
                };
                if compare(op, x, constant) != Some(true) {
                    frame.pc = target as usize;
                }
            }
            Op::Neg | Op::Not => {
                let Some(top) = stack.last_mut() else {
                    return Ran::Bail;
                };
                *top = if matches!(op, Op::Neg) {
                    match top.checked_neg() {
                        Some(value) => value,
                        None => return Ran::Bail,
                    }
                } else {
                    i64::from(*top == 0)
                };
            }
            Op::Jump(target) => frame.pc = target as usize,
            Op::JumpIfZero(target) => {
                if stack.pop() == Some(0) {
                    frame.pc = target as usize;
                }
            }
            Op::JumpKeepIfZero(target) | Op::JumpKeepIfNonZero(target) => {
                let Some(&top) = stack.last() else {
                    return Ran::Bail;
                };
                if (top == 0) == matches!(op, Op::JumpKeepIfZero(_)) {
                    frame.pc = target as usize;
                } else {
                    stack.pop();
                }
            }
            Op::Call { .. } | Op::CallParamConst { .. } => {
                let (site, n_args, call) = match op {
                    Op::CallParamConst {
                        site,
                        call,
                        param,
                        op,
                        constant,
                    } => {
                        let Some(value) = frame.param_op(&stack, param, op, constant) else {
                            return Ran::Bail;
                        };
                        stack.push(value);
                        (site, 1, call)
                    }
                    Op::Call { site, n_args, call } => (site, n_args, call),
                    _ => return Ran::Bail,
                };
                let Some(Some((callee, table))) = tables
                    .get(frame.table as usize)
                    .and_then(|sites| sites.get(site as usize))
                    .copied()
                else {
                    return Ran::Bail;
                };
                if callee.n_params != n_args as usize {
                    return Ran::Bail;
                }
                if depth as usize + frames.len() + 1 >= max_depth as usize {
                    return Ran::Recursion {
                        code: frame.code,
                        call,
                    };
                }
                calls += 1;
                if calls.is_multiple_of(STOP_CHECK_CALLS) && stop() {
                    return Ran::Stopped;
                }
                let base = stack.len() - n_args as usize;
                let callee_frame = Frame {
                    code: callee,
                    pc: 0,
                    base,
                    table,
                };
                frames.push(std::mem::replace(&mut frame, callee_frame));
            }
            Op::Return | Op::ReturnParam(_) => {
                let value = if let Op::ReturnParam(param) = op {
                    frame.param(&stack, param)
                } else {
                    stack.pop()
                };
                let Some(value) = value else {
                    return Ran::Bail;
                };
                let Some(caller) = frames.pop() else {
                    return Ran::Value(value);
                };
                stack.truncate(frame.base);
                stack.push(value);
                frame = caller;
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn compiled(definition: &str) -> Option<Compiled> {
        let statement = crate::syntax::parse_statement(definition)
            .ok()
            .flatten()
            .expect("a definition");
        Compiled::compile(&statement.expr.lambdas[0])
    }

    fn run_alone<'c>(code: &'c Compiled, args: &[i64]) -> Ran<'c> {
        run(code, args, 0, 1000, &|_| Some(code), &|| false)
    }

    #[test]
    fn fib_is_five_operations_a_call() {
        let fib = compiled("fib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)")
            .expect("fib compiles");
        assert_eq!(fib.ops.len(), 6, "{:?}", fib.ops);
        assert!(matches!(run_alone(&fib, &[20]), Ran::Value(6765)));
    }

    #[test]
    fn what_compiles_and_what_does_not() {
        for (definition, compiles) in [
            ("f = lambda n: (n > 0) - (n < 0)", true),
            ("f = lambda a, b: a and b or -1", true),
            ("f = lambda n: n < 2", false),
            ("f = lambda n: n / 2", false),
            ("f = lambda n: n + 0.5", false),
            ("f = lambda n: g(n < 2)", false),
            ("f = lambda g, n: g(n)", false),
            ("f = lambda n: n + k", false),
            ("f = lambda n: abs(n)", false),
            ("f = lambda n: sum(k for k in range(n))", false),
            ("f = lambda n: 1 if n < 1 < 2 else 0", false),
        ] {
            assert_eq!(compiled(definition).is_some(), compiles, "{definition}");
        }
    }

    #[test]
    fn machine_integers_give_up_where_python_leaves_them() {
        let fact = compiled("fact = lambda n: 1 if n <= 1 else n * fact(n - 1)").expect("fact");
        assert!(matches!(
            run_alone(&fact, &[20]),
            Ran::Value(2_432_902_008_176_640_000)
        ));
        assert!(matches!(run_alone(&fact, &[21]), Ran::Bail));
        let div = compiled("f = lambda n: 1 // n").expect("f");
        assert!(matches!(run_alone(&div, &[0]), Ran::Bail));
        let down = compiled("f = lambda n: 0 if n == 0 else 1 + f(n - 1)").expect("f");
        assert!(matches!(run_alone(&down, &[998]), Ran::Value(998)));
        assert!(matches!(run_alone(&down, &[1000]), Ran::Recursion { .. }));
    }
}
