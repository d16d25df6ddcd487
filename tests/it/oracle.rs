//! The differential test: random expressions evaluated by `CPython` and by parcalc must print the
//! same thing, line by line (an error on both sides counts as the same).
//!
//! Expressions are generated here from a fixed seed (no external generator): big and small
//! ints, floats in every literal form, every operator including `//`, `%`, `^` and `**`, unary
//! minus, nesting with and without parentheses, and the built-in functions. Exponents and
//! factorial arguments stay small so that Python never computes giant numbers. Each generated
//! tree is checked twice: through the whole pipeline (`Session::eval_line`) and directly with
//! the `num` functions, so a mismatch says whether the numbers or the parser are at fault.
//! When `python3` is missing the test says so on stderr and passes, unless the environment
//! variable `PARCALC_REQUIRE_PYTHON` (set by `.ci/run`) or `CI` is set: then it fails.

use std::io::Write as _;
use std::process::Command;
use std::sync::OnceLock;

use parcalc::engine::EvalOptions;
use parcalc::num::{self, Limits, Value};
use parcalc::ops::{BinaryOp, Builtin, UnaryOp};
use parcalc::session::Session;

use crate::util::python_required;

/// How many expressions each run compares.
const N_EXPRESSIONS: usize = 2500;

/// A generated expression: its text and its tree.
enum Expr {
    Int(String),
    Float(String),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, &'static str, Box<Expr>, Box<Expr>, bool),
    Call(Builtin, Vec<Expr>),
}

/// A xorshift generator: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

fn digits(rng: &mut Rng, min_digits: u64, spread: u64) -> String {
    let n_digits = min_digits + rng.below(spread);
    let mut text = (1 + rng.below(9)).to_string();
    for _ in 1..n_digits {
        text.push(char::from(b'0' + rng.below(10) as u8));
    }
    text
}

fn leaf(rng: &mut Rng) -> Expr {
    match rng.below(10) {
        0..=3 => Expr::Int(rng.below(20).to_string()),
        4 => Expr::Int(digits(rng, 1, 19)),
        5 => Expr::Int(digits(rng, 20, 60)),
        6 => Expr::Int(format!("{}_{:03}", 1 + rng.below(999), rng.below(1000))),
        _ => {
            let forms = [
                "1.5", ".5", "5.", "1e3", "2.5E-3", "0.1", "3.0", "1e-5", "1e300", "7.25e10",
                "0.0", "1e16",
            ];
            Expr::Float(rng.pick(&forms).to_owned())
        }
    }
}

/// A small exponent: ints from -3 to 6 and a few floats.
fn exponent(rng: &mut Rng) -> Expr {
    match rng.below(8) {
        0 => Expr::Float(rng.pick(&["0.5", "2.0", "1.5", ".25"]).to_owned()),
        1 => Expr::Unary(
            UnaryOp::Neg,
            Box::new(Expr::Int((1 + rng.below(3)).to_string())),
        ),
        _ => Expr::Int(rng.below(7).to_string()),
    }
}

fn expr(rng: &mut Rng, depth: u32) -> Expr {
    if depth == 0 {
        return leaf(rng);
    }
    match rng.below(12) {
        0 | 1 => leaf(rng),
        2 => Expr::Unary(UnaryOp::Neg, Box::new(expr(rng, depth - 1))),
        3 => {
            let power = [(BinaryOp::Pow, "^"), (BinaryOp::Pow, "**")][rng.below(2) as usize];
            let base = expr(rng, depth.min(2) - 1);
            Expr::Binary(
                power.0,
                power.1,
                Box::new(base),
                Box::new(exponent(rng)),
                rng.below(2) == 0,
            )
        }
        4 => {
            let func = Builtin::ALL[rng.below(Builtin::ALL.len() as u64) as usize];
            let n_args = match func {
                Builtin::Abs | Builtin::Sqrt | Builtin::Factorial => 1,
                Builtin::Gcd | Builtin::Lcm => rng.below(4),
                // Python's `min(x)` wants an iterable, so the oracle only compares two or more.
                _ => 2 + rng.below(3),
            };
            let args = if func == Builtin::Factorial {
                let arg = match rng.below(6) {
                    0 => Expr::Unary(UnaryOp::Neg, Box::new(Expr::Int("3".to_owned()))),
                    1 => Expr::Float("5.0".to_owned()),
                    _ => Expr::Int(rng.below(40).to_string()),
                };
                vec![arg]
            } else {
                (0..n_args).map(|_| expr(rng, depth - 1)).collect()
            };
            Expr::Call(func, args)
        }
        _ => {
            let ops = [
                (BinaryOp::Add, "+"),
                (BinaryOp::Sub, "-"),
                (BinaryOp::Mul, "*"),
                (BinaryOp::Div, "/"),
                (BinaryOp::FloorDiv, "//"),
                (BinaryOp::Mod, "%"),
            ];
            let (op, symbol) = ops[rng.below(ops.len() as u64) as usize];
            let parenthesised = rng.below(3) != 0;
            Expr::Binary(
                op,
                symbol,
                Box::new(expr(rng, depth - 1)),
                Box::new(expr(rng, depth - 1)),
                parenthesised,
            )
        }
    }
}

impl Expr {
    /// How tightly the text binds, loosest first: `+ -`, `* / // %`, unary `-`, `^`, atoms.
    fn precedence(&self) -> u8 {
        match self {
            Expr::Binary(_, _, _, _, true) | Expr::Int(_) | Expr::Float(_) | Expr::Call(..) => 5,
            Expr::Binary(BinaryOp::Add | BinaryOp::Sub, ..) => 1,
            Expr::Binary(BinaryOp::Pow, ..) => 4,
            Expr::Binary(..) => 2,
            Expr::Unary(..) => 3,
        }
    }

    /// The source text, parenthesised wherever Python's precedence would otherwise regroup it,
    /// so that the text always means the tree.
    fn text(&self) -> String {
        let wrap = |child: &Expr, needed: bool| {
            if needed {
                format!("({})", child.text())
            } else {
                child.text()
            }
        };
        match self {
            Expr::Int(text) | Expr::Float(text) => text.clone(),
            Expr::Unary(op, operand) => {
                format!("{}{}", op.symbol(), wrap(operand, operand.precedence() < 3))
            }
            Expr::Binary(op, symbol, lhs, rhs, parenthesised) => {
                let level = match op {
                    BinaryOp::Add | BinaryOp::Sub => 1,
                    BinaryOp::Pow => 4,
                    _ => 2,
                };
                let (lhs, rhs) = if *op == BinaryOp::Pow {
                    // Right-associative, and `2 ^ -1` needs no parentheses.
                    (
                        wrap(lhs, lhs.precedence() <= level),
                        wrap(rhs, rhs.precedence() < 3),
                    )
                } else {
                    (
                        wrap(lhs, lhs.precedence() < level),
                        wrap(rhs, rhs.precedence() <= level),
                    )
                };
                if *parenthesised {
                    format!("({lhs} {symbol} {rhs})")
                } else {
                    format!("{lhs} {symbol} {rhs}")
                }
            }
            Expr::Call(func, args) => {
                let args: Vec<String> = args.iter().map(Expr::text).collect();
                format!("{}({})", func.name(), args.join(", "))
            }
        }
    }

    /// The value computed with the `num` functions directly.
    fn eval(&self, limits: &Limits) -> Result<Value, parcalc::error::NumError> {
        match self {
            Expr::Int(text) => Ok(num::parse_int(text)),
            Expr::Float(text) => Ok(Value::Float(num::parse_float(text))),
            Expr::Unary(op, operand) => num::unary(*op, &operand.eval(limits)?),
            Expr::Binary(op, _, lhs, rhs, _) => {
                num::binary(*op, &lhs.eval(limits)?, &rhs.eval(limits)?, limits)
            }
            Expr::Call(func, args) => {
                if matches!(
                    func,
                    Builtin::Abs | Builtin::Min | Builtin::Max | Builtin::Sqrt | Builtin::Factorial
                ) && args.is_empty()
                {
                    return Err(parcalc::error::NumError::Type("arity"));
                }
                let values = args
                    .iter()
                    .map(|arg| arg.eval(limits))
                    .collect::<Result<Vec<_>, _>>()?;
                let refs: Vec<&Value> = values.iter().collect();
                num::call(*func, &refs, limits)
            }
        }
    }
}

/// The generated expressions, the same every run.
fn expressions() -> Vec<Expr> {
    let mut rng = Rng(0x0005_eed0_f0dd_ba11);
    (0..N_EXPRESSIONS)
        .map(|_| {
            let depth = 1 + rng.below(4) as u32;
            expr(&mut rng, depth)
        })
        .collect()
}

/// Python's answers, one per expression, computed once for all the tests of this file; `None`
/// when python3 is not installed (said on stderr), which fails the test where python3 is
/// required.
fn python_answers(exprs: &[Expr]) -> Option<&'static [String]> {
    static ANSWERS: OnceLock<Option<Vec<String>>> = OnceLock::new();
    let answers = ANSWERS.get_or_init(|| run_python(exprs)).as_deref();
    if answers.is_none() {
        assert!(
            !python_required(),
            "python3 not found, and PARCALC_REQUIRE_PYTHON or CI is set"
        );
        // Written to the real stderr, past the test harness's capture, so that it is seen.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: python3 not found (PARCALC_REQUIRE_PYTHON=1 makes this a failure)"
        );
    }
    answers
}

/// Writes the expressions to a temporary file and runs `oracle.py` on it; `None` only when
/// there is no `python3` to run.
fn run_python(exprs: &[Expr]) -> Option<Vec<String>> {
    let lines: Vec<String> = exprs.iter().map(Expr::text).collect();
    run_oracle(&[], "expressions.txt", &lines)
}

/// Runs `oracle.py` with `args` before the file holding `lines`; one answer per line.
fn run_oracle(args: &[&str], name: &str, lines: &[String]) -> Option<Vec<String>> {
    let dir = std::env::temp_dir().join(format!("parcalc-oracle-{}", std::process::id()));
    let path = dir.join(name);
    let text: String = lines.iter().map(|line| line.clone() + "\n").collect();
    if let Err(error) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, text)) {
        panic!("cannot write {}: {error}", path.display());
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/oracle.py");
    let output = match Command::new("python3")
        .arg(script)
        .args(args)
        .arg(&path)
        .output()
    {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => panic!("cannot run python3: {error}"),
    };
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(&dir);
    assert!(
        output.status.success(),
        "oracle.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        answers.len(),
        lines.len(),
        "oracle.py printed one line per expression"
    );
    Some(answers)
}

#[track_caller]
fn check_all(exprs: &[Expr], answers: &[String], mut ours: impl FnMut(&Expr) -> String) {
    let mismatches: Vec<String> = exprs
        .iter()
        .zip(answers)
        .filter_map(|(expr, python)| {
            let parcalc = ours(expr);
            (parcalc != *python)
                .then(|| format!("{}\n  python:  {python}\n  parcalc: {parcalc}", expr.text()))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} expressions differ from python3; the first ones:\n{}",
        mismatches.len(),
        exprs.len(),
        mismatches
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn numbers_match_python() {
    let exprs = expressions();
    let Some(answers) = python_answers(&exprs) else {
        return;
    };
    let limits = Limits::default();
    check_all(&exprs, answers, |expr| match expr.eval(&limits) {
        Ok(value) => value.to_string(),
        Err(_) => "error".to_owned(),
    });
}

#[test]
fn session_matches_python() {
    let exprs = expressions();
    let Some(answers) = python_answers(&exprs) else {
        return;
    };
    let mut session = match Session::new(2, EvalOptions::default()) {
        Ok(session) => session,
        Err(error) => panic!("cannot start a session: {error}"),
    };
    check_all(&exprs, answers, |expr| {
        match session.eval_line(&expr.text()) {
            Ok(Some(outcome)) => outcome.value.to_string(),
            Ok(None) => "nothing".to_owned(),
            Err(_) => "error".to_owned(),
        }
    });
}

/// A program of statements built on the generated expressions: assignments to a few names
/// (reassigned again and again), expressions reading them (some before any assignment, or
/// after a failed one) and `_`.
fn program(exprs: &[Expr]) -> Vec<String> {
    let mut rng = Rng(0x00c0_ffee_d00d_f00d);
    exprs
        .iter()
        .take(N_PROGRAM_STATEMENTS)
        .map(|expr| {
            let text = expr.text();
            let name = rng.pick(&["v0", "v1", "v2", "v3"]);
            let op = rng.pick(&[" + ", " - ", " * "]);
            match rng.below(4) {
                0 => format!("{name} = {text}"),
                1 => text,
                2 => format!("({text}){op}{name}"),
                _ => format!("_{op}({text})"),
            }
        })
        .collect()
}

/// How many statements the program of [`program`] has.
const N_PROGRAM_STATEMENTS: usize = 1200;

/// The program evaluated as one dataflow graph gives, statement by statement, what `CPython`
/// gives running it line by line (`assigned` for an assignment that succeeded).
#[test]
fn programs_match_python() {
    let exprs = expressions();
    let lines = program(&exprs);
    let Some(answers) =
        python_answers(&exprs).and_then(|_| run_oracle(&["--program"], "program.txt", &lines))
    else {
        return;
    };
    let mut session = match Session::new(2, EvalOptions::default()) {
        Ok(session) => session,
        Err(error) => panic!("cannot start a session: {error}"),
    };
    for kind in ["assigned", "error"] {
        let count = answers.iter().filter(|answer| *answer == kind).count();
        assert!(count > 50 && count < lines.len() / 2, "{count} × {kind}");
    }
    let texts: Vec<&str> = lines.iter().map(String::as_str).collect();
    let results = session.eval_program(&texts);
    let mismatches: Vec<String> = lines
        .iter()
        .zip(&answers)
        .zip(&results)
        .filter_map(|((line, python), result)| {
            let parcalc = match result {
                Ok(Some(outcome)) if outcome.assigned.is_some() => "assigned".to_owned(),
                Ok(Some(outcome)) => outcome.value.to_string(),
                Ok(None) => "nothing".to_owned(),
                Err(_) => "error".to_owned(),
            };
            (parcalc != *python)
                .then(|| format!("{line}\n  python:  {python}\n  parcalc: {parcalc}"))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} statements differ from python3; the first ones:\n{}",
        mismatches.len(),
        lines.len(),
        mismatches[..mismatches.len().min(10)].join("\n")
    );
}
