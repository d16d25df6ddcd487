//! `:python` and `--python`: a runnable Python program that computes an expression with
//! `concurrent.futures` exactly as parcalc's dataflow does, so it can be compared with a
//! course solution.
//!
//! Every operator is a task, in arena order (operands first). A task is submitted to a
//! `ThreadPoolExecutor` of the current number of workers once its operands are done: the
//! done-callback of the last operand's future submits it, so no worker ever waits on another
//! future (the trap of nested `submit(...).result()`, which deadlocks a small pool). Each task
//! sleeps the current delay, as parcalc's `--delay`. The executor serves its queue oldest first,
//! so the schedule is parcalc's `--policy fifo`. Variables are written as their values.
//!
//! Python's arithmetic and functions are parcalc's, so the program prints the same value; a
//! reduction's task is its generator expression over the range its operands bound. One
//! difference is bridged: integers of more than 4,000 digits are written in hexadecimal
//! (Python refuses longer decimal literals). This module writes the program; it runs nothing.

use std::fmt::Write as _;
use std::time::Duration;

use std::borrow::Cow;

use crate::ast::{Ast, BodySkip, Node, NodeId, Reducer};
use crate::num::Value;
use crate::ops::{BinaryOp, Builtin, UnaryOp};
use crate::render::text;

/// Decimal literals longer than this are written in hexadecimal: Python's default limit on
/// converting decimal text to an int is 4,300 digits, and it applies to source code too.
const MAX_DECIMAL_DIGITS: usize = 4000;

/// Subexpressions quoted in the program are cut to this many characters.
const MAX_LABEL_CHARS: usize = 60;

/// The program computing `ast` (whose text is `source`, whose names have the values `env`)
/// on `n_workers` threads, sleeping `delay` per operator.
pub(crate) fn python(
    ast: &Ast,
    source: &str,
    env: &[Value],
    n_workers: usize,
    delay: Duration,
) -> String {
    let (tasks, n_tasks) = task_list(ast, source, env);
    let leaf_value = if n_tasks == 0 && !ast.is_empty() {
        literal(ast, ast.root(), env)
    } else {
        "None".to_string()
    };
    let mut out = header(source, n_workers, delay);
    out.push_str(TASK_CLASS);
    out.push_str(&tasks);
    let _ = write!(
        out,
        "]\n# The value of an expression without operators.\nLEAF = {leaf_value}\n"
    );
    out.push_str(RUNNER);
    out
}

/// The lines of the `TASKS` list, and how many tasks.
fn task_list(ast: &Ast, source: &str, env: &[Value]) -> (String, u32) {
    let mut task_of = vec![u32::MAX; ast.len()];
    let mut tasks = String::new();
    let mut n_tasks: u32 = 0;
    let mut skip = BodySkip::new(ast, 0, None);
    let mut index = 0;
    while index < ast.len() {
        // A reduction's body is written into the reduction's own task.
        if let Some(body_root) = skip.skip_at(index as u32) {
            index = body_root as usize + 1;
            continue;
        }
        let id = NodeId(index as u32);
        index += 1;
        if ast.is_leaf(id) {
            continue;
        }
        let function: Cow<'static, str> = match ast.node(id) {
            Node::Unary { op, .. } => unary(*op).into(),
            Node::Binary { op, .. } => binary(*op).into(),
            Node::Call { func, .. } => builtin(*func),
            Node::Reduce(slot) => reduction(ast, *slot, env).into(),
            _ => "None".into(),
        };
        let mut operands: Vec<String> = Vec::new();
        let operand = |operand: NodeId| {
            operands.push(if ast.is_leaf(operand) {
                literal(ast, operand, env)
            } else {
                format!("Task({})", task_of[operand.index()])
            });
        };
        match ast.reduction(id) {
            Some(reduction) => ast.range_args(reduction).iter().copied().for_each(operand),
            None => ast.for_each_operand(id, operand),
        }
        let label = text::abbreviate(
            source.get(ast.span(id).range()).unwrap_or("?"),
            MAX_LABEL_CHARS,
        );
        let _ = writeln!(
            tasks,
            "    ({}, {}, {function}, [{}]),",
            id.0,
            quote(&label),
            operands.join(", ")
        );
        task_of[id.index()] = n_tasks;
        n_tasks += 1;
    }
    (tasks, n_tasks)
}

/// Width of the docstring's paragraph, as the rest of the program is written.
const DOCSTRING_COLUMNS: usize = 96;

/// The docstring, the imports and the settings.
fn header(source: &str, n_workers: usize, delay: Duration) -> String {
    let expression = text::abbreviate(source.trim(), MAX_LABEL_CHARS);
    let delay_seconds = delay.as_secs_f64();
    let delay_text = if delay.is_zero() {
        "No task sleeps (parcalc ran without --delay).".to_string()
    } else {
        format!(
            "Every task sleeps {} first, as parcalc's --delay.",
            crate::render::gantt::trim_zeros(&crate::units::format_duration(delay))
        )
    };
    let paragraph = format!(
        "Every operator is a task, submitted to a ThreadPoolExecutor of {n_workers} worker{plural} \
         once its operands are done: the done-callback of the last operand's future submits it, \
         so no worker ever waits on another future. {delay_text} The executor takes the oldest \
         submission first: parcalc's --policy fifo.",
        plural = if n_workers == 1 { "" } else { "s" },
    );
    let paragraph = text::wrap(&paragraph, DOCSTRING_COLUMNS, "").join("\n");
    let mut out = String::new();
    let _ = write!(
        out,
        r#"#!/usr/bin/env python3
"""{docstring_expression}, evaluated as parcalc evaluates it, with concurrent.futures.

{paragraph}

Prints the value on stdout and the time of the evaluation on stderr.
"""
import math
import operator
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

WORKERS = {n_workers}
DELAY = {delay_seconds}  # seconds slept by every operator
"#,
        docstring_expression = expression
            .replace('\\', "\\\\")
            .replace("\"\"\"", "\\\"\\\"\\\""),
    );
    out
}

/// The class of operands that are other tasks' values, and the start of the task list.
const TASK_CLASS: &str = r#"

class Task:
    """An operand that is the value of task number `index`."""

    def __init__(self, index):
        self.index = index


# One entry per operator, operands before the operators that use them:
# (parcalc's node id, subexpression, function, operands); an operand is a number or a Task.
TASKS = [
"#;

/// The dataflow evaluation and `main`, after the task list.
const RUNNER: &str = r##"


def evaluate(pool):
    """Runs TASKS on `pool` as a dataflow program and returns the last task's value."""
    values = [None] * len(TASKS)
    consumer = [None] * len(TASKS)
    pending = [0] * len(TASKS)
    for index, (_, _, _, operands) in enumerate(TASKS):
        for operand in operands:
            if isinstance(operand, Task):
                consumer[operand.index] = index
                pending[index] += 1
    lock = threading.Lock()
    finished = threading.Event()
    errors = []

    def run(index):
        _, _, function, operands = TASKS[index]
        if DELAY:
            time.sleep(DELAY)
        args = [values[a.index] if isinstance(a, Task) else a for a in operands]
        values[index] = function(*args)

    def submit(index):
        future = pool.submit(run, index)
        future.add_done_callback(lambda future: done(index, future))

    def done(index, future):
        # Runs when the task is done, on the worker that ran it: it never waits.
        error = future.exception()
        if error is not None:
            errors.append(error)
            finished.set()
            return
        after = consumer[index]
        if after is None:
            finished.set()
            return
        with lock:
            pending[after] -= 1
            ready = pending[after] == 0
        if ready:
            submit(after)

    # The tasks ready at the start, listed before any runs: a task made ready by another
    # task is submitted by that task's callback, once.
    ready = [index for index in range(len(TASKS)) if pending[index] == 0]
    for index in ready:
        submit(index)
    finished.wait()
    if errors:
        raise errors[0]
    return values[-1]


def main():
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    started = time.perf_counter()
    try:
        if TASKS:
            with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                value = evaluate(pool)
        else:
            value = LEAF
    except (ArithmeticError, ValueError, TypeError) as error:
        sys.exit(f"error: {type(error).__name__}: {error}")
    elapsed = time.perf_counter() - started
    print(value)
    tasks = f"{len(TASKS)} task" + ("" if len(TASKS) == 1 else "s")
    workers = f"{WORKERS} worker" + ("" if WORKERS == 1 else "s")
    print(f"# {tasks} on {workers} in {elapsed * 1000:.0f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()
"##;

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
        _ => "None".to_string(),
    }
}

/// A value as Python source.
fn value_literal(value: &Value) -> String {
    match value {
        Value::Float(x) if x.is_nan() => "math.nan".to_string(),
        Value::Float(x) if x.is_infinite() => {
            if *x > 0.0 { "math.inf" } else { "-math.inf" }.to_string()
        }
        Value::Float(_) => value.to_string(),
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

fn unary(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "operator.neg",
        UnaryOp::Plus => "operator.pos",
        UnaryOp::Invert => "operator.invert",
    }
}

/// A reduction's task as a Python function of the range's bounds, the body written as one
/// expression (its own reductions as generator expressions).
fn reduction(ast: &Ast, slot: u32, env: &[Value]) -> String {
    let reduction = &ast.reductions[slot as usize];
    let generator = match (reduction.body, &reduction.var) {
        (Some(body), Some((var, _))) => {
            format!("{} for {var} in range(*bounds)", expression(ast, body, env))
        }
        _ => "range(*bounds)".to_string(),
    };
    format!("lambda *bounds: {}({generator})", reducer(reduction.func))
}

fn reducer(func: Reducer) -> &'static str {
    match func {
        Reducer::Sum => "sum",
        Reducer::Prod => "math.prod",
        Reducer::Min => "min",
        Reducer::Max => "max",
    }
}

/// The subtree of `id` as one Python expression, fully parenthesised.
fn expression(ast: &Ast, id: NodeId, env: &[Value]) -> String {
    let mut operands = Vec::new();
    let node = ast.node(id);
    if let Some(reduction) = ast.reduction(id) {
        for &arg in ast.range_args(reduction) {
            operands.push(expression(ast, arg, env));
        }
    } else {
        ast.for_each_operand(id, |operand| {
            operands.push(expression(ast, operand, env));
        });
    }
    match node {
        Node::Local(slot) => ast.reductions[*slot as usize]
            .var
            .as_ref()
            .map_or("None".to_string(), |(var, _)| var.to_string()),
        Node::Unary { op, .. } => format!("({}{})", op.symbol(), operands[0]),
        Node::Binary { op, .. } => {
            let symbol = match op {
                BinaryOp::Pow => "**",
                op => op.symbol(),
            };
            format!("({} {symbol} {})", operands[0], operands[1])
        }
        Node::Call { func, .. } => format!("{}({})", builtin(*func), operands.join(", ")),
        Node::Reduce(slot) => {
            let reduction = &ast.reductions[*slot as usize];
            let bounds = operands.join(", ");
            let generator = match (reduction.body, &reduction.var) {
                (Some(body), Some((var, _))) => format!(
                    "{} for {var} in range({bounds})",
                    expression(ast, body, env)
                ),
                _ => format!("range({bounds})"),
            };
            format!("{}({generator})", reducer(reduction.func))
        }
        _ => literal(ast, id, env),
    }
}

fn binary(op: BinaryOp) -> &'static str {
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
    }
}

/// A function as Python names it: a builtin, or one of the math module's.
fn builtin(func: Builtin) -> Cow<'static, str> {
    match func {
        Builtin::Sum => "(lambda *args: sum(args))".into(),
        Builtin::Prod => "(lambda *args: math.prod(args))".into(),
        Builtin::Abs
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

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn values_as_python_source() {
        assert_eq!(value_literal(&Value::Float(0.1)), "0.1");
        assert_eq!(value_literal(&Value::Float(1e16)), "1e+16");
        assert_eq!(value_literal(&Value::Float(f64::NAN)), "math.nan");
        assert_eq!(value_literal(&Value::Float(f64::NEG_INFINITY)), "-math.inf");
        assert_eq!(value_literal(&Value::Int((-42).into())), "-42");
        let huge = Value::Int(crate::num::Int::from(1u8) << 20_000);
        assert!(value_literal(&huge).starts_with("0x1000"));
        let negative = Value::Int(-(crate::num::Int::from(1u8) << 20_000));
        assert!(value_literal(&negative).starts_with("-0x1000"));
    }
}
