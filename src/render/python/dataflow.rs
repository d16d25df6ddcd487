//! `--python=dataflow`: the program that evaluates an expression as parcalc's dataflow does.
//!
//! Every operator is a task, in arena order (operands first). A task is submitted to a
//! `ThreadPoolExecutor` of the current number of workers once its operands are done: the
//! done-callback of the last operand's future submits it, so no worker ever waits on another
//! future (the trap of nested `submit(...).result()`, which deadlocks a small pool). Each task
//! sleeps the current delay, as parcalc's `--delay`. The executor serves its queue oldest first,
//! so the schedule is that of parcalc's `--policy fifo`, and the docstring says so whatever
//! policy parcalc ran with (its default is `lifo`). A reduction's task is its generator
//! expression over the range its operands bound. When several operators fail, the first error
//! to reach a callback is reported, which need not be the leftmost one parcalc reports.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::ast::{Ast, BodySkip, Node, NodeId};
use crate::num::Value;
use crate::plan::Policy;
use crate::render::python::{
    DOCSTRING_COLUMNS, MAX_LABEL_CHARS, Setup, binary_function, builtin, delay_sentence,
    docstring_safe, expression, inline, literal, quote, reducer, unary_function,
};
use crate::render::text;

/// The program computing `ast` (whose text is `source`, whose names have the values `env`)
/// as `setup` says.
pub(crate) fn program(ast: &Ast, source: &str, env: &[Value], setup: Setup) -> String {
    let (tasks, n_tasks) = task_list(ast, source, env);
    let leaf_value = if n_tasks == 0 && !ast.is_empty() {
        literal(ast, ast.root(), env)
    } else {
        "None".to_string()
    };
    let mut out = header(source, setup);
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
        if inline(ast, id) {
            continue;
        }
        let function: Cow<'static, str> = match ast.node(id) {
            Node::Unary { op, .. } => unary_function(*op).into(),
            Node::Binary { op, .. } => binary_function(*op).into(),
            Node::Call { func, .. } => builtin(*func),
            Node::Reduce(slot) => reduction(ast, *slot, env).into(),
            _ => "None".into(),
        };
        let mut operands: Vec<String> = Vec::new();
        let operand = |operand: NodeId| {
            operands.push(if inline(ast, operand) {
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

/// The docstring, the imports and the settings.
fn header(source: &str, setup: Setup) -> String {
    let Setup {
        n_workers, delay, ..
    } = setup;
    let expression = text::abbreviate(source.trim(), MAX_LABEL_CHARS);
    let delay_seconds = delay.as_secs_f64();
    let policy = if setup.policy == Policy::Fifo {
        "the order parcalc ran with (--policy fifo)".to_string()
    } else {
        format!(
            "the order of parcalc's --policy fifo, not {}'s, which parcalc ran with{}",
            setup.policy.name(),
            if setup.policy == Policy::Lifo {
                " (its default)"
            } else {
                ""
            }
        )
    };
    let paragraph = format!(
        "Every operator is a task, submitted to a ThreadPoolExecutor of {n_workers} worker{plural} \
         once its operands are done: the done-callback of the last operand's future submits it, \
         so no worker ever waits on another future. {delay_text} The executor takes the oldest \
         submission first: {policy}.",
        plural = if n_workers == 1 { "" } else { "s" },
        delay_text = delay_sentence(delay),
    );
    let paragraph = text::wrap(&paragraph, DOCSTRING_COLUMNS, "").join("\n");
    let mut out = String::new();
    let _ = write!(
        out,
        r#"#!/usr/bin/env python3
"""{docstring_expression}, evaluated as parcalc's dataflow evaluates it, with concurrent.futures.

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
        docstring_expression = docstring_safe(&expression),
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
