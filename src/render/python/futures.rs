//! `--python` (the course's idiom) and `--python=dask` (the same program on Dask's futures).
//!
//! Each operator is one `submit` of a small function that sleeps the delay and applies the
//! operator. The main thread takes the operators level by level: first those whose operands are
//! numbers, then those whose operands the first level computes, and so on. Under
//! `concurrent.futures` it calls `.result()` on an operand's future, already submitted, just
//! before submitting the operator that needs it: every task of a level is in flight before the
//! main thread waits on any of them, and no worker ever waits, so one worker never deadlocks.
//! Under Dask, `client.submit` takes the futures themselves, and the scheduler starts a task
//! when its operands are done; the main thread waits only for the value and for the bounds of a
//! range. A reduction is a map over chunks of its range (`e.map`, `client.map`), each chunk
//! returning its elements' values, and a fold of those values in order, so that floats round as
//! Python's own `sum` rounds them. A comment block names the future of every node of parcalc's
//! tree.
//!
//! When several operators fail, the program reports the first error its main thread meets,
//! which need not be the leftmost one parcalc reports.

use std::fmt::Write as _;

use crate::ast::{Ast, BodySkip, Node, NodeId, Reducer};
use crate::num::Value;
use crate::ops::{BinaryOp, Builtin, UnaryOp};
use crate::render::python::{
    DOCSTRING_COLUMNS, MAX_LABEL_CHARS, Setup, delay_sentence, docstring_safe, expression, inline,
    literal, quoted_text, reducer,
};
use crate::render::text;

/// What one task of the program does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Work {
    Unary(UnaryOp),
    Binary(BinaryOp),
    Call(Builtin),
    Reduce(u32),
}

/// One operator of the tree, as the program submits it.
struct Task {
    id: NodeId,
    work: Work,
    /// Steps from the leaves: 1 for an operator whose operands are all numbers.
    level: u32,
}

/// The program computing `ast` with `concurrent.futures`, or with Dask's futures when `dask`.
pub(crate) fn program(ast: &Ast, source: &str, env: &[Value], dask: bool, setup: Setup) -> String {
    let tasks = tasks(ast);
    let mut out = header(source, dask, setup, &tasks);
    functions(&mut out, ast, env, &tasks);
    evaluate(&mut out, ast, source, env, dask, &tasks);
    if dask {
        out.push_str(CONNECT);
    }
    out.push_str(MAIN);
    out
}

/// The operators outside reductions' bodies (a body is its reduction's map), sorted by level
/// and then by id. One pass over the arena, operands first.
fn tasks(ast: &Ast) -> Vec<Task> {
    let mut level = vec![0u32; ast.len()];
    let mut tasks: Vec<Task> = Vec::new();
    let mut skip = BodySkip::new(ast, 0, None);
    let mut index = 0;
    while index < ast.len() {
        if let Some(body_root) = skip.skip_at(index as u32) {
            index = body_root as usize + 1;
            continue;
        }
        let id = NodeId(index as u32);
        index += 1;
        let work = match ast.node(id) {
            Node::Unary { op, .. } => Work::Unary(*op),
            Node::Binary { op, .. } => Work::Binary(*op),
            Node::Call { func, .. } => Work::Call(*func),
            Node::Reduce(slot) if !ast.reductions[*slot as usize].in_place() => Work::Reduce(*slot),
            _ => continue,
        };
        let mut deepest = 0;
        for_each_operand(ast, id, |operand| {
            deepest = deepest.max(level[operand.index()]);
        });
        level[id.index()] = deepest + 1;
        tasks.push(Task {
            id,
            work,
            level: deepest + 1,
        });
    }
    tasks.sort_by_key(|task| (task.level, task.id));
    tasks
}

/// The operands a task waits for: a reduction's are the bounds of its range (its body is its
/// map), an operator's are its operands.
fn for_each_operand(ast: &Ast, id: NodeId, mut f: impl FnMut(NodeId)) {
    match ast.reduction(id) {
        Some(reduction) => ast.range_args(reduction).iter().copied().for_each(f),
        None => ast.for_each_operand(id, &mut f),
    }
}

/// The docstring, the imports and the settings.
fn header(source: &str, dask: bool, setup: Setup, tasks: &[Task]) -> String {
    let n_tasks = tasks.len();
    let has_reduction = tasks
        .iter()
        .any(|task| matches!(task.work, Work::Reduce(_)));
    let Setup {
        n_workers, delay, ..
    } = setup;
    let workers = format!(
        "{n_workers} worker{}",
        if n_workers == 1 { "" } else { "s" }
    );
    let paragraphs = if dask {
        vec![
            format!(
                "Every operator is a task submitted with client.submit to a Dask cluster: by \
                 default a local one of {workers}, or the scheduler at ADDRESS. client.submit \
                 takes futures as arguments, so the scheduler starts each task once its operands \
                 are done; the main thread calls .result() only for the value, and for the \
                 bounds of a range. {}",
                delay_sentence(delay)
            ),
            "A reduction is client.map over chunks of its range, each chunk a list of its \
             elements' values, and a task that folds them in order, as Python's own sum does."
                .to_string(),
        ]
    } else {
        vec![
            format!(
                "Every operator is a task submitted with e.submit to a ThreadPoolExecutor of \
                 {workers}. Only the main thread calls .result(), and only on futures already \
                 submitted, so no worker ever waits on another future and one worker is enough. \
                 The main thread goes level by level: first the operators whose operands are \
                 numbers, then those whose operands the first level computes, and so on, so \
                 every independent subtree is in flight at once. {}",
                delay_sentence(delay)
            ),
            "A reduction is e.map over chunks of its range (submit and a for loop: a map), each \
             chunk a list of its elements' values, then a fold of those values in order, as \
             Python's own sum does."
                .to_string(),
        ]
    };
    let docstring: Vec<String> = paragraphs
        .iter()
        .take(if has_reduction { 2 } else { 1 })
        .map(|paragraph| text::wrap(paragraph, DOCSTRING_COLUMNS, "").join("\n"))
        .collect();
    let expression = docstring_safe(&text::abbreviate(source.trim(), MAX_LABEL_CHARS));
    let (with, import) = if dask {
        (
            "on Dask's futures",
            "import logging\nimport math\nimport sys\nimport time\n\nfrom dask.distributed import Client\n",
        )
    } else {
        (
            "with concurrent.futures, as the course writes it",
            "import math\nimport sys\nimport time\nfrom concurrent.futures import ThreadPoolExecutor\n",
        )
    };
    let mut out = String::new();
    let _ = write!(
        out,
        r#"#!/usr/bin/env python3
"""{expression}, {with}.

{docstring}

Prints the value on stdout and the time of the evaluation on stderr.
"""
{import}
WORKERS = {n_workers}
DELAY = {delay_seconds}  # seconds slept by every operator
N_TASKS = {n_tasks}  # operators, a reduction counting as one
"#,
        docstring = docstring.join("\n\n"),
        delay_seconds = delay.as_secs_f64(),
    );
    if dask {
        out.push_str(
            "# The scheduler: None starts a local cluster of WORKERS threads on this machine; \
             the\n# address of a running scheduler (\"tcp://scheduler:8786\") runs the same \
             program on its\n# cluster, whose workers need nothing but Python.\nADDRESS = None\n",
        );
    }
    out
}

/// The function of each kind of operator the tree uses, once each, then the chunks, maps and
/// folds of its reductions.
fn functions(out: &mut String, ast: &Ast, env: &[Value], tasks: &[Task]) {
    let mut written: Vec<Work> = Vec::new();
    let mut folds: Vec<Reducer> = Vec::new();
    let mut reductions: Vec<&Task> = Vec::new();
    // In order of id, so that the functions appear as the expression reads.
    let mut by_id: Vec<&Task> = tasks.iter().collect();
    by_id.sort_by_key(|task| task.id);
    for task in by_id {
        if let Work::Reduce(slot) = task.work {
            reductions.push(task);
            let func = ast.reductions[slot as usize].func;
            if !folds.contains(&func) {
                folds.push(func);
            }
            continue;
        }
        if written.contains(&task.work) {
            continue;
        }
        written.push(task.work);
        let (parameters, body) = match task.work {
            Work::Unary(UnaryOp::Not) => ("a", "not a".to_string()),
            Work::Unary(op) => ("a", format!("{}a", op.symbol())),
            Work::Binary(op) => (
                "a, b",
                format!("a {} b", crate::render::python::binary_symbol(op)),
            ),
            Work::Call(func) => ("*args", call_body(func)),
            Work::Reduce(_) => continue,
        };
        let _ = write!(
            out,
            "\n\ndef {}({parameters}):\n    time.sleep(DELAY)\n    return {body}\n",
            function_name(task.work)
        );
    }
    if reductions.is_empty() {
        return;
    }
    out.push_str(CHUNKS);
    for func in folds {
        let _ = write!(
            out,
            "\n\ndef {}(parts):\n    \"\"\"The chunks' values, {} in order.\"\"\"\n    \
             return {}(value for part in parts for value in part)\n",
            fold_name(func),
            match func {
                Reducer::Sum => "summed",
                Reducer::Prod => "multiplied",
                Reducer::Min => "their least",
                Reducer::Max => "their greatest",
            },
            reducer(func)
        );
    }
    for task in reductions {
        let Work::Reduce(slot) = task.work else {
            continue;
        };
        let reduction = &ast.reductions[slot as usize];
        let (var, body) = match (reduction.body, &reduction.var) {
            (Some(body), Some((var, _))) => (var.to_string(), expression(ast, body, env)),
            _ => ("k".to_string(), "k".to_string()),
        };
        let _ = write!(
            out,
            "\n\ndef map_{id}(part):\n    \"\"\"One chunk of #{id}: {quoted} for each {var} of \
             part.\"\"\"\n    return [slept({body}) for {var} in part]\n",
            id = task.id.0,
            quoted = comment_body(&body),
        );
    }
}

/// A body quoted in a docstring: cut, on one line, with no triple quote.
fn comment_body(body: &str) -> String {
    docstring_safe(&text::abbreviate(body, MAX_LABEL_CHARS))
}

/// What the function of a call returns, from its `*args`.
fn call_body(func: Builtin) -> String {
    format!("{}(*args)", crate::render::python::builtin(func))
}

/// The name of the function of `work` in the program: the operator module's name of an
/// operator, the math module's name of one of its functions, a builtin's name with `_` (so
/// that the builtin itself stays usable).
fn function_name(work: Work) -> String {
    match work {
        Work::Unary(UnaryOp::Neg) => "neg".to_string(),
        Work::Unary(UnaryOp::Plus) => "pos".to_string(),
        Work::Unary(UnaryOp::Invert) => "invert".to_string(),
        Work::Unary(UnaryOp::Not) => "not_".to_string(),
        Work::Binary(op) => match op {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "truediv",
            BinaryOp::FloorDiv => "floordiv",
            BinaryOp::Mod => "mod",
            BinaryOp::Pow => "power",
            BinaryOp::BitAnd => "and_",
            BinaryOp::BitOr => "or_",
            BinaryOp::Shl => "lshift",
            BinaryOp::Shr => "rshift",
            BinaryOp::Lt => "lt",
            BinaryOp::Le => "le",
            BinaryOp::Gt => "gt",
            BinaryOp::Ge => "ge",
            BinaryOp::Eq => "eq",
            BinaryOp::Ne => "ne",
        }
        .to_string(),
        Work::Call(func) => match func {
            Builtin::Abs
            | Builtin::Min
            | Builtin::Max
            | Builtin::Round
            | Builtin::Pow
            | Builtin::Int
            | Builtin::Float
            | Builtin::Sum
            | Builtin::Prod
            | Builtin::Range => format!("{}_", func.name()),
            _ => func.name().to_string(),
        },
        Work::Reduce(_) => "map".to_string(),
    }
}

fn fold_name(func: Reducer) -> &'static str {
    match func {
        Reducer::Sum => "fold_sum",
        Reducer::Prod => "fold_prod",
        Reducer::Min => "fold_min",
        Reducer::Max => "fold_max",
    }
}

/// `evaluate()`: the comment block naming each node's future, then the submissions level by
/// level, then the value.
fn evaluate(out: &mut String, ast: &Ast, source: &str, env: &[Value], dask: bool, tasks: &[Task]) {
    let (pool, open) = if dask {
        ("client", "with connect() as client:")
    } else {
        ("e", "with ThreadPoolExecutor(max_workers=WORKERS) as e:")
    };
    out.push_str("\n\ndef evaluate():\n");
    let _ = writeln!(
        out,
        "    \"\"\"The value of the expression, computed on the {}.\"\"\"",
        if dask { "cluster" } else { "pool" }
    );
    comment_block(out, ast, source, tasks);
    let _ = writeln!(out, "    {open}");
    let mut level = 0;
    let is_reduction = |id: NodeId| ast.reduction(id).is_some();
    // An operand as the task's submission takes it: a number, a future's result (the main thread
    // waits for it, here), the fold of a map, or, under Dask, the future itself.
    let operand = |operand: NodeId, value_needed: bool| -> String {
        if inline(ast, operand) {
            return literal(ast, operand, env);
        }
        let id = operand.0;
        match (dask, is_reduction(operand)) {
            (false, true) => {
                let func = ast.reduction(operand).map_or(Reducer::Sum, |r| r.func);
                format!("{}(m{id})", fold_name(func))
            }
            (true, _) if !value_needed => format!("f{id}"),
            _ => format!("f{id}.result()"),
        }
    };
    for task in tasks {
        if task.level != level {
            level = task.level;
            let _ = writeln!(
                out,
                "        # Level {level}: {}",
                if level == 1 {
                    "operators whose operands are numbers."
                } else if dask {
                    "operands from earlier levels, passed as futures."
                } else {
                    "operands from earlier levels, waited for here."
                }
            );
        }
        let id = task.id.0;
        let mut args: Vec<String> = Vec::new();
        let is_reduce = matches!(task.work, Work::Reduce(_));
        for_each_operand(ast, task.id, |id| args.push(operand(id, is_reduce)));
        match task.work {
            Work::Reduce(slot) => {
                let func = ast.reductions[slot as usize].func;
                let chunks = format!("chunks({})", args.join(", "));
                if dask {
                    let _ = writeln!(
                        out,
                        "        m{id} = {pool}.map(map_{id}, {chunks}, key=\"node-{id}-chunk\")"
                    );
                    let _ = writeln!(
                        out,
                        "        f{id} = {pool}.submit({}, m{id}, key=\"node-{id}\")",
                        fold_name(func)
                    );
                } else {
                    let _ = writeln!(out, "        m{id} = {pool}.map(map_{id}, {chunks})");
                }
            }
            work => {
                let mut call = format!("{pool}.submit({}", function_name(work));
                for arg in &args {
                    call.push_str(", ");
                    call.push_str(arg);
                }
                if dask {
                    let _ = write!(call, ", key=\"node-{id}\"");
                }
                let _ = writeln!(out, "        f{id} = {call})");
            }
        }
    }
    let value = if ast.is_empty() {
        "None".to_string()
    } else {
        operand(ast.root(), true)
    };
    let _ = writeln!(out, "        return {value}");
}

/// The comment that names the future of each node of parcalc's tree, in order of id.
fn comment_block(out: &mut String, ast: &Ast, source: &str, tasks: &[Task]) {
    if !tasks.is_empty() {
        out.push_str(
            "    # Each future is named after the node of parcalc's tree it computes (parcalc \
         --tree\n    # shows the ids; m is a reduction's map):\n",
        );
        let name_width = tasks
            .iter()
            .map(|task| future_name(ast, task.id).len())
            .max()
            .unwrap_or(0);
        let mut by_id: Vec<&Task> = tasks.iter().collect();
        by_id.sort_by_key(|task| task.id);
        for task in by_id {
            let _ = writeln!(
                out,
                "    #   {:<name_width$}  {:<6} {}",
                future_name(ast, task.id),
                task.id.to_string(),
                quoted_text(ast, source, task.id)
            );
        }
    }
}

/// The name of the future (or map) of task `id` in the program.
fn future_name(ast: &Ast, id: NodeId) -> String {
    if ast.reduction(id).is_some() {
        format!("m{}", id.0)
    } else {
        format!("f{}", id.0)
    }
}

/// The cutting of a range into chunks, and the sleep of each element.
const CHUNKS: &str = r#"

def chunks(*bounds):
    """range(*bounds) cut into chunks for a map: one element each when tasks sleep (parcalc cuts
    a range so with a delay), else about four chunks per worker."""
    elements = range(*bounds)
    n_chunks = len(elements) if DELAY else 4 * WORKERS
    size = max(1, -(-len(elements) // max(1, n_chunks)))
    return [elements[start:start + size] for start in range(0, len(elements), size)]


def slept(value):
    """`value`, after the delay of one element."""
    time.sleep(DELAY)
    return value
"#;

/// `main`, the same in both forms.
const MAIN: &str = r##"

def main():
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    started = time.perf_counter()
    try:
        value = evaluate()
    except (ArithmeticError, ValueError, TypeError) as error:
        sys.exit(f"error: {type(error).__name__}: {error}")
    elapsed = time.perf_counter() - started
    print(value)
    tasks = f"{N_TASKS} task" + ("" if N_TASKS == 1 else "s")
    workers = f"{WORKERS} worker" + ("" if WORKERS == 1 else "s")
    print(f"# {tasks} on {workers} in {elapsed * 1000:.0f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()
"##;

/// The connection to the cluster under Dask.
const CONNECT: &str = r#"

def connect():
    """A client of the scheduler at ADDRESS, or of a local cluster of WORKERS threads."""
    if ADDRESS:
        return Client(ADDRESS)
    # One worker of WORKERS threads, in this process; its log keeps quiet about the errors
    # the program reports itself.
    return Client(
        n_workers=1,
        threads_per_worker=WORKERS,
        processes=False,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
"#;
