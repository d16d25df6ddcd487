//! User functions against `python3`: generated programs of `def`s and `lambda`s (recursion,
//! mutual recursion, higher-order calls, conditions, generators calling functions) and the
//! calls of them, run by `CPython` in one namespace and by parcalc in one session, statement by
//! statement: every value and every exception class equal, on every pool size, grain and
//! policy, and through the batch door as well.

use parcalc::engine::{EvalOptions, Grain, Policy};
use parcalc::error::{ErrorKind, NumError};
use parcalc::session::Session;

use crate::oracle::{Rng, run_oracle};
use crate::util::{Test, python_missing};

/// Statements of calls after the definitions.
const N_CALLS: usize = 2500;

/// The definitions every program starts with: recursion, mutual recursion, higher-order
/// functions, a function of generators, one that recurses forever, one reading a global.
const DEFINITIONS: &[&str] = &[
    "fib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)",
    "def fact(n): return 1 if n <= 1 else n * fact(n - 1)",
    "def even(n): return True if n == 0 else odd(n - 1)",
    "def odd(n): return False if n == 0 else even(n - 1)",
    "gcd2 = lambda a, b: a if b == 0 else gcd2(b, a % b)",
    "steps = lambda n: 0 if n <= 1 else 1 + steps(n // 2 if n % 2 == 0 else 3 * n + 1)",
    "twice = lambda g, x: g(g(x))",
    "compose = lambda f, g, x: f(g(x))",
    "def sq(x): return x * x",
    "half = lambda x: x / 2",
    "def power(b, e): return 1 if e == 0 else b * power(b, e - 1)",
    "def total(n): return sum(k * k for k in range(n) if k % 3)",
    "def tri(n): return sum(fib(k) for k in range(n))",
    "loop = lambda n: loop(n + 1)",
    "scale = 3",
    "scaled = lambda x: x * scale",
    "def pick(c, a, b): return a if c else b",
    "def clamp(x, lo, hi): return lo if x < lo else hi if x > hi else x",
    "def sign(x): return (x > 0) - (x < 0)",
    "nothing = lambda: 42",
    "def digits(n): return 1 if n < 10 else 1 + digits(n // 10)",
    "apply2 = lambda f, x, y: f(x, y)",
    "def mix(a, b): return a and b or -1",
    "bad = lambda x: 1 / x + undefined_name",
];

fn int(rng: &mut Rng, below: u64) -> String {
    let value = rng.below(below) as i64;
    if rng.below(5) == 0 {
        format!("-{value}")
    } else {
        value.to_string()
    }
}

fn operand(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("{}.5", rng.below(9)),
        _ => int(rng, 30),
    }
}

/// One statement calling the functions above.
fn call(rng: &mut Rng) -> String {
    let small = rng.below(16);
    match rng.below(34) {
        0 => format!("fib({small})"),
        1 => format!("fact({})", rng.below(25)),
        2 => format!("even({small}) != odd({small})"),
        3 => format!("gcd2({}, {})", int(rng, 1000), int(rng, 1000)),
        4 => format!("steps({})", 1 + rng.below(200)),
        5 => format!("twice(sq, {})", operand(rng)),
        6 => format!("compose(half, sq, {})", operand(rng)),
        7 => format!("power({}, {})", operand(rng), rng.below(12)),
        8 => format!("total({})", rng.below(40)),
        9 => format!("tri({})", rng.below(12)),
        10 => "loop(0)".to_owned(),
        11 => format!("scaled({}) + scale", operand(rng)),
        12 => format!("scale = {}", int(rng, 10)),
        13 => format!(
            "pick({} < {}, fib({small}), fact({small}))",
            operand(rng),
            operand(rng)
        ),
        14 => format!("clamp({}, -5, 5)", operand(rng)),
        15 => format!("sign({}) * twice(sq, 2)", operand(rng)),
        16 => "nothing()".to_owned(),
        17 => format!("digits({})", rng.below(1 << 40)),
        18 => format!("apply2(power, {}, {})", int(rng, 5), rng.below(5)),
        19 => format!("mix({}, {})", operand(rng), operand(rng)),
        20 => format!("bad({})", int(rng, 3)),
        // What Python refuses: a wrong number of arguments, a call of a non-function,
        // arithmetic on a function, an unknown function.
        21 => format!("sq({}, 1)", operand(rng)),
        22 => "fib()".to_owned(),
        23 => "scale(2)".to_owned(),
        24 => "sq + 1".to_owned(),
        25 => "undefined_function(3)".to_owned(),
        26 => format!("sum(sq(k) for k in range({}))", rng.below(50)),
        27 => format!("x = fib({small}); x * 2 if x > 10 else -x"),
        28 => "sq".to_owned(),
        // Strings out of functions, booleans in arithmetic, filters and nested generators.
        29 => format!("hex(sq({})) + bin(fib({small}))", int(rng, 40)),
        30 => format!("sum(even(k) for k in range({}))", rng.below(30)),
        31 => format!(
            "sum(gcd2(i, j) for i in range({}) for j in range(i) if (i + j) % 3)",
            rng.below(12)
        ),
        32 => format!("1 < fib({small}) <= 100 or sq(2) == 4 and not odd({small})"),
        _ => format!(
            "max(fib({}), fact({})) + (sq({}) if {} else 0)",
            rng.below(12),
            rng.below(10),
            operand(rng),
            ["True", "False", "1 < 2 < 3", "not 0"][rng.below(4) as usize]
        ),
    }
}

/// The program: the definitions, then the calls, the same every run. A line with `;` is two
/// statements (Python's REPL prints the value of the last).
fn program() -> Vec<String> {
    let mut rng = Rng(0x00f0_4c7e_d3f5_2026);
    let mut lines: Vec<String> = DEFINITIONS.iter().map(|&line| line.to_owned()).collect();
    for _ in 0..N_CALLS {
        let line = call(&mut rng);
        lines.extend(line.split("; ").map(str::to_owned));
    }
    lines
}

/// Python's class for a parcalc error, as the oracle prints it.
fn class(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::Num(NumError::ZeroDivision(_)) => "error:ZeroDivisionError",
        ErrorKind::Num(NumError::Overflow(_)) => "error:OverflowError",
        ErrorKind::Num(NumError::Domain(_)) => "error:ValueError",
        ErrorKind::Num(NumError::Type(_))
        | ErrorKind::Arity { .. }
        | ErrorKind::NotCallable { .. } => "error:TypeError",
        ErrorKind::UnknownName { .. } => "error:NameError",
        ErrorKind::Recursion { .. } => "error:RecursionError",
        _ => "error",
    }
    .to_owned()
}

/// What parcalc prints for each line, in one session with these settings.
fn run_session(lines: &[String], workers: usize, grain: Grain, policy: Policy) -> Vec<String> {
    let options = EvalOptions {
        grain,
        policy,
        ..EvalOptions::default()
    };
    let mut session = match Session::new(workers, options) {
        Ok(session) => session,
        Err(error) => panic!("cannot start a session: {error}"),
    };
    lines
        .iter()
        .map(|line| match session.eval_line(line) {
            Ok(Some(outcome)) if outcome.assigned.is_some() => "assigned".to_owned(),
            Ok(Some(outcome)) => outcome.value.to_string(),
            Ok(None) => "nothing".to_owned(),
            Err(error) => class(&error.kind),
        })
        .collect()
}

#[track_caller]
fn assert_same(lines: &[String], python: &[String], ours: &[String], what: &str) {
    let mismatches: Vec<String> = lines
        .iter()
        .zip(python.iter().zip(ours))
        .filter(|(_, (python, ours))| python != ours)
        .map(|(line, (python, ours))| format!("{line}\n  python:  {python}\n  parcalc: {ours}"))
        .collect();
    assert!(
        mismatches.is_empty(),
        "{what}: {} of {} statements differ from python3; the first ones:\n{}",
        mismatches.len(),
        lines.len(),
        mismatches[..mismatches.len().min(20)].join("\n")
    );
}

#[test]
fn functions_match_python_on_every_pool_grain_and_policy() {
    let lines = program();
    let Some(python) = run_oracle(&["--functions"], "functions", &lines) else {
        python_missing();
        return;
    };
    // Every pool size, grain and policy appears at least once.
    let settings = [
        (1, Grain::Auto, Policy::Lifo),
        (2, Grain::Fixed(1), Policy::Fifo),
        (3, Grain::Fixed(4), Policy::CriticalPath),
        (8, Grain::Auto, Policy::Fifo),
        (2, Grain::Auto, Policy::CriticalPath),
        (3, Grain::Fixed(1), Policy::Lifo),
    ];
    for (workers, grain, policy) in settings {
        let ours = run_session(&lines, workers, grain, policy);
        let what = format!("{workers} workers, grain {grain:?}, {policy:?}");
        assert_same(&lines, &python, &ours, &what);
    }
}

#[test]
fn a_program_of_functions_prints_the_same_through_the_batch_door() {
    let lines = program();
    let text = lines.join("\n") + "\n";
    let one = Test::new().args(&["-w", "1"]).stdin(text.clone()).run();
    let two = Test::new().args(&["-w", "2"]).stdin(text.clone()).run();
    let eight = Test::new()
        .args(&["-w", "8", "--policy", "critical-path"])
        .stdin(text)
        .run();
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stdout, eight.stdout);
    assert_eq!(one.stderr, two.stderr);
    assert!(one.stdout.contains("<function sq>"), "{}", one.stdout);
}

/// The figure `name` of a `--trace` printout (`span S  1.40 s  …`), in seconds.
fn figure_seconds(text: &str, name: &str) -> f64 {
    let line = text
        .lines()
        .find(|line| line.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"));
    let mut words = line[name.len()..].split_whitespace();
    let (Some(number), Some(unit)) = (words.next(), words.next()) else {
        panic!("no figure in {line:?}");
    };
    let number: f64 = number.parse().unwrap_or_else(|_| panic!("{line:?}"));
    match unit {
        "s" => number,
        "ms" => number / 1e3,
        "µs" => number / 1e6,
        _ => panic!("unit {unit} in {line:?}"),
    }
}

/// The longest chain of dependent tasks in a Chrome trace export: its total duration in
/// seconds, and how many tasks of it did work.
fn longest_chain(json: &str) -> (f64, usize) {
    let parsed: serde_json::Value = serde_json::from_str(json).expect("the export is JSON");
    let events = parsed["traceEvents"].as_array().expect("events");
    let tasks: Vec<(f64, Vec<usize>)> = events
        .iter()
        .filter(|event| event["ph"] == "X")
        .map(|event| {
            let deps = event["args"]["deps"]
                .as_array()
                .expect("deps")
                .iter()
                .map(|dep| dep.as_u64().expect("an index") as usize)
                .collect();
            (event["dur"].as_f64().expect("dur") / 1e6, deps)
        })
        .collect();
    // Longest path by Bellman–Ford rounds (a few hundred tasks): each task's chain ends there.
    let mut best: Vec<(f64, usize)> = tasks
        .iter()
        .map(|(dur, _)| (*dur, usize::from(*dur > 0.0)))
        .collect();
    for _ in 0..tasks.len() {
        let mut changed = false;
        for (task, (dur, deps)) in tasks.iter().enumerate() {
            for &dep in deps {
                let (before, steps) = best[dep];
                if before + dur > best[task].0 + 1e-12 {
                    best[task] = (before + dur, steps + usize::from(*dur > 0.0));
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    best.into_iter()
        .fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a })
}

/// The course's classic of task parallelism, with a delay: every call and operator of
/// `fib(6)` is a task of the chart (labelled by its call, `fib(4)`), four workers take less
/// than half the time of one, and the span the figures give is the longest chain of dependent
/// tasks in the exported trace.
#[test]
fn fib_with_a_delay_is_a_schedule_of_calls() {
    let dir = std::env::temp_dir().join(format!("parcalc-fib-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let json_path = dir.join("fib.json");
    let json_arg = json_path.to_string_lossy().into_owned();
    let fib = "fib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)";
    let four = Test::new()
        .args(&[
            "--workers",
            "4",
            "--delay",
            "50ms",
            "--trace",
            "--trace-json",
            &json_arg,
        ])
        .args(&["-e", fib, "-e", "fib(6)"])
        .env("COLUMNS", "100")
        .run();
    assert_eq!(four.stdout.lines().next(), Some("8"), "{}", four.stderr);
    assert!(four.stdout.contains("fib(4)"), "{}", four.stdout);
    let json = std::fs::read_to_string(&json_path).expect("the export");
    let (chain, chain_tasks) = longest_chain(&json);
    let span = figure_seconds(&four.stdout, "span S");
    assert!(
        (span - chain).abs() <= 0.05 * chain,
        "span {span} s, chain {chain} s"
    );
    let by_count = chain_tasks as f64 * 0.050;
    assert!(
        (span - by_count).abs() <= 0.05 * by_count,
        "span {span} s, {chain_tasks} tasks"
    );
    let one = Test::new()
        .args(&["--workers", "1", "--delay", "50ms", "--trace"])
        .args(&["-e", fib, "-e", "fib(6)"])
        .run();
    let (wall_four, wall_one) = (
        figure_seconds(&four.stdout, "wall time"),
        figure_seconds(&one.stdout, "wall time"),
    );
    assert!(
        wall_four <= wall_one / 2.0,
        "4 workers {wall_four} s, 1 worker {wall_one} s"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without a delay, calls fork inside their task, unrecorded: the figures say that they count
/// such a task whole, rather than claim a parallelism of 1.
#[test]
fn figures_say_when_calls_ran_inside_a_task() {
    let fib = "fib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)";
    let run = Test::new()
        .args(&["--trace", "-e", fib, "-e", "fib(15)"])
        .env("COLUMNS", "200")
        .run();
    assert_eq!(run.stdout.lines().next(), Some("610"), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("calls ran in parallel inside their tasks"),
        "{}",
        run.stdout
    );
    let plain = Test::new().args(&["--trace", "-e", "1 + 2"]).run();
    assert!(
        !plain.stdout.contains("inside their tasks"),
        "{}",
        plain.stdout
    );
}
