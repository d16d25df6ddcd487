//! Programs: a FILE, stdin or several `-e` evaluated as one dataflow graph print exactly what
//! the statements print one after the other. The reference is the same binary run without a
//! delay or a trace, where each statement is evaluated on its own, in turn.

use std::sync::Arc;

use parcalc::engine::{self as program, ProgramStatement};
use parcalc::engine::{EvalOptions, Grain, Policy, Pool};
use parcalc::num::Value;
use proptest::prelude::*;

use crate::util::{Run, Test};

/// A term of a generated expression: a digit, a name (some never assigned), `_`, or a failure.
fn term() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..10u8).prop_map(|digit| digit.to_string()),
        prop::sample::select(vec!["a", "b", "c", "_", "nosuch"]).prop_map(str::to_string),
        Just("1 / 0".to_string()),
        Just("(2 ** 3)".to_string()),
    ]
}

fn expression() -> impl Strategy<Value = String> {
    (
        term(),
        prop::collection::vec(
            (
                prop::sample::select(vec![" + ", " - ", " * ", " // "]),
                term(),
            ),
            0..4,
        ),
    )
        .prop_map(|(first, rest)| {
            rest.into_iter()
                .fold(first, |text, (op, term)| text + op + &term)
        })
}

/// A sum too long for the calling thread (more than 64 operators), which batch mode evaluates
/// in a program with the statements after it even without a delay.
fn long_expression() -> impl Strategy<Value = String> {
    prop::collection::vec(term(), 66..72).prop_map(|terms| terms.join(" + "))
}

/// A reduction: a sum, product or extreme of a generator over a short range, some of whose
/// elements fail, or of floats, whose fold follows Python's order; its bounds may read names
/// (never to make a long range).
fn reduction() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["sum", "prod", "min", "max"]),
        prop::sample::select(vec![
            "k * k",
            "k * 0.5",
            "1 // (k - 3)",
            "(k - 5) * a",
            "10 ** 10 * k",
            "1 / (k - 7) + k",
            "k for j in range(k) if (j + k) % 3",
            "k * 0.5 if k % 2 else a",
            "j / (k - 5) for j in range(3) if k > 1",
        ]),
        // `a` and `b` may hold any value a statement gave them: `%` keeps the range short (the
        // sequential reference folds it element by element, and a range of 10^18 never ends).
        prop::sample::select(vec!["9", "b % 11", "a % 13 + 3", "0", "20"]),
    )
        .prop_map(|(func, body, stop)| {
            if body.starts_with("k for") && func == "sum" {
                // A sum of a plain range from a start read from a name.
                return format!("sum(range({stop}), a * 0.5)");
            }
            format!("{func}({body} for k in range({stop}))")
        })
}

/// Comparisons and the lazy forms over the terms: a conditional expression, `and` and `or`
/// (whose right side may fail, or not run), a chain of comparisons, `not`, and a reduction of
/// a condition.
fn logic() -> impl Strategy<Value = String> {
    let operand = || prop_oneof![term(), expression().prop_map(|text| format!("({text})"))];
    (
        prop::sample::select(vec![0u8, 1, 2, 3, 4, 5]),
        operand(),
        operand(),
        operand(),
        prop::sample::select(vec!["<", "<=", "==", "!=", ">"]),
    )
        .prop_map(|(form, a, b, c, op)| match form {
            0 => format!("{a} if {b} {op} {c} else {c} * 2"),
            1 => format!("{a} and {b} or {c}"),
            2 => format!("{a} {op} {b} {op} {c}"),
            3 => format!("not {a} {op} {b}"),
            4 => format!("sum(k {op} {a} for k in range(9)) + ({b} or {c})"),
            _ => format!("({a} if True else {b}) + (False or {c})"),
        })
}

/// A statement: an expression, a reduction, an assignment (reassigning the few names there
/// are), a syntax error, or a blank line.
fn statement() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => expression(),
        2 => reduction(),
        1 => (prop::sample::select(vec!["a", "b"]), reduction())
            .prop_map(|(name, expr)| format!("{name} = {expr}")),
        1 => long_expression(),
        1 => (prop::sample::select(vec!["a", "b", "c"]), long_expression())
            .prop_map(|(name, expr)| format!("{name} = {expr}")),
        4 => (prop::sample::select(vec!["a", "b", "c"]), expression())
            .prop_map(|(name, expr)| format!("{name} = {expr}")),
        3 => logic(),
        1 => (prop::sample::select(vec!["a", "b", "c"]), expression(), logic())
            .prop_map(|(name, expr, logic)| format!("{name} = {expr}; {logic}; _ + 1")),
        1 => (prop::sample::select(vec!["a", "b", "c"]), logic())
            .prop_map(|(name, expr)| format!("{name} = {expr}")),
        1 => Just("1 +".to_string()),
        1 => Just(String::new()),
    ]
}

fn program() -> impl Strategy<Value = String> {
    prop::collection::vec(statement(), 1..14).prop_map(|lines| lines.join("\n") + "\n")
}

fn run(program: &str, args: &[&str]) -> Run {
    Test::new().args(args).stdin(program).run()
}

#[track_caller]
fn check_same(program: &str, reference: &Run, args: &[&str]) {
    let run = run(program, args);
    assert_eq!(
        (&run.stdout, &run.stderr, run.status),
        (&reference.stdout, &reference.stderr, reference.status),
        "{args:?} on\n{program}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The reference runs with `--stats`, which makes batch mode evaluate every statement on
    /// its own, in turn (its figures, on stderr, are left out).
    #[test]
    fn programs_print_what_their_statements_print_in_turn(program in program()) {
        let mut reference = run(&program, &["--workers", "1", "--stats"]);
        reference.stderr = reference
            .stderr
            .lines()
            .filter(|line| !line.starts_with("parse "))
            .map(|line| line.to_string() + "\n")
            .collect();
        for workers in ["1", "2", "3", "8"] {
            for (grain, policy) in [("1", "lifo"), ("auto", "fifo"), ("4", "critical-path")] {
                check_same(&program, &reference, &["--workers", workers, "--grain", grain, "--policy", policy]);
                let paced = ["--delay", "1us", "--workers", workers, "--grain", grain, "--policy", policy];
                check_same(&program, &reference, &paced);
            }
        }
    }
}

/// The program's statements, parsed (those that parse), with their offsets in `source`.
fn parse_program(program: &str) -> (Vec<ProgramStatement>, Arc<str>) {
    let mut statements = Vec::new();
    let mut offset = 0;
    for line in program.lines() {
        if let Ok(Some(statement)) = parcalc::syntax::parse_statement(line) {
            statements.push(ProgramStatement {
                target: statement.target.map(|(name, _)| name),
                ast: Arc::new(statement.expr),
                offset,
            });
        }
        offset += line.len() + 1;
    }
    (statements, Arc::from(program))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The graph evaluator against the sequential reference beside it, on pools of 1, 2, 3
    /// and 8 workers, several grains and every policy, with `b` known before the program.
    #[test]
    fn the_graph_gives_the_sequential_results(program in program()) {
        let lookup = |name: &str| (name == "b").then(|| Value::Int(5.into()));
        let (statements, _) = parse_program(&program);
        let reference = program::run_sequential(&statements, &lookup, &EvalOptions::default().limits);
        for workers in [1, 2, 3, 8] {
            let pool = Pool::new(workers).expect("a small pool starts");
            for (grain, policy) in [
                (Grain::Fixed(1), Policy::Lifo),
                (Grain::Fixed(3), Policy::Fifo),
                (Grain::Auto, Policy::CriticalPath),
            ] {
                let (statements, source) = parse_program(&program);
                let options = EvalOptions { grain, policy, ..EvalOptions::default() };
                let evaluation = program::run_program(&pool, statements, &source, &lookup, &options);
                prop_assert_eq!(&evaluation.results, &reference, "{} workers, grain {:?}, {:?}", workers, grain, policy);
            }
        }
    }
}

#[test]
fn the_seed_as_five_statements() {
    let run = Test::new()
        .args(&[
            "--delay",
            "100ms",
            "--workers",
            "4",
            "-e",
            "a = 3 + 7",
            "-e",
            "b = 2 + 8",
            "-e",
            "c = 2 * 3",
            "-e",
            "d = c - 1",
            "-e",
            "a * b * d",
        ])
        .expect("500\n", 0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

/// `--trace` of a program draws one schedule of all its statements' tasks, each labelled with
/// its text, the later statements' tasks depending on the earlier ones they read.
#[test]
fn the_trace_of_a_program_is_one_schedule() {
    let run = Test::new()
        .args(&["--trace", "--workers", "2"])
        .stdin("a = 3 + 7\nb = a * 2\nb - a\n")
        .expect_status(0);
    assert!(
        run.stdout.starts_with("10\nschedule on 2 workers"),
        "{}",
        run.stdout
    );
    let n_charts = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("schedule on"))
        .count();
    assert_eq!(n_charts, 1, "{}", run.stdout);
    for label in ["3 + 7", "a * 2", "b - a"] {
        assert!(run.stdout.contains(label), "{label} in {}", run.stdout);
    }
    assert!(run.stdout.contains("3 tasks"), "{}", run.stdout);
}

#[test]
fn a_failed_assignment_leaves_the_name_and_later_statements_run() {
    let run = Test::new()
        .args(&["--delay", "1ms", "--workers", "3"])
        .stdin("x = 1\nx = 1 / 0\nx + 1\n_ * 10\ny\nz = y\nz\n")
        .expect("2\n20\n", 1);
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("<stdin>:"))
        .collect();
    assert_eq!(
        lines,
        [
            "<stdin>:2: error: division by zero",
            "<stdin>:5: error: name 'y' is not defined",
            "<stdin>:6: error: name 'y' is not defined",
            "<stdin>:7: error: name 'z' is not defined",
        ]
    );
}
