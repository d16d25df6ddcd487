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

use std::process::Command;
use std::sync::OnceLock;

use parcalc::engine::EvalOptions;
use parcalc::error::{ErrorKind, NumError};
use parcalc::num::{self, Limits, Value};
use parcalc::ops::{BinaryOp, Builtin, UnaryOp};
use parcalc::session::Session;

use crate::util::python_missing;

/// How many expressions each run compares.
const N_EXPRESSIONS: usize = 2500;

/// The functions the first generator calls (the language's first seven); `language.rs`'s
/// generator covers the rest.
const ORIGINAL_FUNCTIONS: [Builtin; 7] = [
    Builtin::Abs,
    Builtin::Min,
    Builtin::Max,
    Builtin::Sqrt,
    Builtin::Gcd,
    Builtin::Lcm,
    Builtin::Factorial,
];

/// A generated expression: its text and its tree.
enum Expr {
    Int(String),
    Float(String),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, &'static str, Box<Expr>, Box<Expr>, bool),
    Call(Builtin, Vec<Expr>),
}

/// A xorshift generator: deterministic, so a failure reproduces.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
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
            let func = ORIGINAL_FUNCTIONS[rng.below(ORIGINAL_FUNCTIONS.len() as u64) as usize];
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
    fn eval(&self, limits: &Limits) -> Result<Value, NumError> {
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
                    return Err(NumError::Type("arity".into()));
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
        python_missing();
    }
    answers
}

/// Writes the expressions to a temporary file and runs `oracle.py` on it; `None` only when
/// there is no `python3` to run.
fn run_python(exprs: &[Expr]) -> Option<Vec<String>> {
    let lines: Vec<String> = exprs.iter().map(Expr::text).collect();
    run_python_lines(&lines, "expressions")
}

/// Runs `oracle.py` on `lines`, one Python answer per line; `None` only when there is no
/// `python3` to run. `name` tells apart the files of the tests running at once.
fn run_python_lines(lines: &[String], name: &str) -> Option<Vec<String>> {
    run_oracle(&[], name, lines)
}

/// Runs `oracle.py` with `args` before the file holding `lines`; one answer per line. `name`
/// tells apart the files of the tests running at once.
pub(crate) fn run_oracle(args: &[&str], name: &str, lines: &[String]) -> Option<Vec<String>> {
    let dir = std::env::temp_dir().join(format!("parcalc-oracle-{}-{name}", std::process::id()));
    let path = dir.join("lines.txt");
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

/// How an error prints in the comparison: Python's exception class where `num` raises one.
fn num_error_class(error: &NumError) -> String {
    match error {
        NumError::ZeroDivision(_) => "error:ZeroDivisionError",
        NumError::Overflow(_) => "error:OverflowError",
        NumError::Domain(_) => "error:ValueError",
        NumError::Type(_) => "error:TypeError",
        NumError::TooLarge { .. } => "error:too large",
        NumError::OutOfMemory { .. } => "error:MemoryError",
    }
    .to_owned()
}

/// As [`num_error_class`], for any error of a statement: a wrong number of arguments is
/// Python's `TypeError`, syntax and names are errors without a class.
fn error_class(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::Num(error) => num_error_class(error),
        ErrorKind::Arity { .. } => "error:TypeError".to_owned(),
        _ => "error".to_owned(),
    }
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
        Err(error) => num_error_class(&error),
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
            Err(error) => error_class(&error.kind),
        }
    });
}

// The language beyond the first seven functions: every function and constant, integer
// literals in every base, bit operations with Python's precedence, and map-reduce. These
// expressions are generated as text only (their trees are the parser's business) and
// compared through the whole pipeline.

/// How many generated expressions of the full language each run compares.
const N_LANGUAGE: usize = 6000;

/// Special arguments of the float functions: domain limits, infinities, nan, signed zeros,
/// ints beyond the float range.
const SPECIAL: &[&str] = &[
    "0", "-0.0", "0.0", "1", "-1", "0.5", "-0.5", "2", "3", "10", "1e308", "-1e308", "inf", "-inf",
    "nan", "10^400", "-10^400", "1e-320", "710", "-745", "171.5", "-2.5", "pi", "e", "tau", "1e16",
    "0.1", "100", "-3", "7.25e10", "2^53 + 1",
];

/// Functions of one float argument.
const FLOAT_FUNCTIONS: &[&str] = &[
    "sqrt", "cbrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
    "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "degrees",
    "radians", "floor", "ceil", "trunc", "fabs", "erf", "erfc", "gamma", "lgamma", "abs", "round",
    "int", "float",
];

/// Integer literals in every form Python accepts.
fn int_literal(rng: &mut Rng) -> String {
    match rng.below(9) {
        0 => format!("0x{:x}", rng.below(1 << 20)),
        1 => format!("0X{:X}_{:04x}", 1 + rng.below(255), rng.below(1 << 16)),
        2 => format!("0o{:o}", rng.below(1 << 12)),
        3 => format!("0b{:b}", rng.below(1 << 10)),
        4 => format!("0b_{:b}_{:b}", 1 + rng.below(8), rng.below(8)),
        5 => format!("0x_{:x}", rng.below(1 << 40)),
        6 => digits(rng, 20, 30),
        7 => format!("{}_{:03}", 1 + rng.below(99), rng.below(1000)),
        _ => rng.below(100).to_string(),
    }
}

/// A generated expression and whether it is certainly an int.
struct Gen {
    text: String,
    int: bool,
}

fn gen_int(text: String) -> Gen {
    Gen { text, int: true }
}

fn gen_float(text: String) -> Gen {
    Gen { text, int: false }
}

fn lang_leaf(rng: &mut Rng, vars: &[&str]) -> Gen {
    match rng.below(12) {
        0..=2 if !vars.is_empty() => gen_int(rng.pick(vars).to_owned()),
        0..=3 => gen_int(rng.below(30).to_string()),
        4 | 5 => gen_int(int_literal(rng)),
        6 => gen_float(rng.pick(&["pi", "e", "tau", "inf", "nan"]).to_owned()),
        7 => gen_int(format!("-{}", rng.below(50))),
        _ => {
            let forms = [
                "1.5", ".5", "5.", "1e3", "2.5E-3", "0.1", "3.0", "-0.0", "1e300", "0.25", "1e16",
            ];
            gen_float(rng.pick(&forms).to_owned())
        }
    }
}

/// An int expression (a leaf or a small operation on ints).
fn lang_int(rng: &mut Rng, depth: u32, vars: &[&str]) -> Gen {
    let candidate = lang_expr(rng, depth, vars);
    if candidate.int {
        return candidate;
    }
    let leaf = lang_leaf(rng, vars);
    if leaf.int {
        leaf
    } else {
        gen_int(int_literal(rng))
    }
}

/// A flat chain of int leaves and operators without parentheses: Python's precedence decides.
fn precedence_chain(rng: &mut Rng, vars: &[&str]) -> Gen {
    let ops = ["|", "&", "<<", ">>", "+", "-", "*", "//", "%"];
    let mut text = format!("{}", rng.below(16));
    for _ in 0..2 + rng.below(4) {
        let op = rng.pick(&ops);
        let operand = match rng.below(4) {
            0 if !vars.is_empty() => rng.pick(vars).to_owned(),
            1 => format!("~{}", rng.below(16)),
            2 => format!("-{}", rng.below(16)),
            _ => rng.below(16).to_string(),
        };
        text = format!("{text} {op} {operand}");
    }
    gen_int(text)
}

fn call(name: &str, args: &[String]) -> String {
    format!("{name}({})", args.join(", "))
}

/// A call of a function with arguments it is meant for (and, now and then, ones it refuses).
fn lang_call(rng: &mut Rng, depth: u32, vars: &[&str]) -> Gen {
    let sub = |rng: &mut Rng| {
        if rng.below(3) == 0 {
            rng.pick(SPECIAL).to_owned()
        } else {
            lang_expr(rng, depth - 1, vars).text
        }
    };
    let small_int = |rng: &mut Rng, lo: i64, span: u64| (lo + rng.below(span) as i64).to_string();
    match rng.below(16) {
        0..=4 => {
            let name = rng.pick(FLOAT_FUNCTIONS);
            let arg = sub(rng);
            let int = matches!(name, "floor" | "ceil" | "trunc" | "round" | "int");
            let text = call(name, &[arg]);
            Gen { text, int }
        }
        5 => {
            let name = rng.pick(&["atan2", "copysign", "fmod", "log", "hypot"]);
            gen_float(call(name, &[sub(rng), sub(rng)]))
        }
        6 => {
            let n_args = rng.below(5) as usize;
            let args: Vec<String> = (0..n_args).map(|_| sub(rng)).collect();
            gen_float(call("hypot", &args))
        }
        7 => {
            let x = sub(rng);
            let n = small_int(rng, -12, 32);
            gen_float(call("round", &[x, n]))
        }
        8 => {
            let base = lang_int(rng, depth - 1, vars).text;
            let exponent = small_int(rng, -3, 60);
            if rng.below(4) == 0 {
                return gen_float(call("pow", &[base, small_int(rng, -3, 9)]));
            }
            let modulus = match rng.below(4) {
                0 => "0".to_owned(),
                1 => format!("-{}", 1 + rng.below(1000)),
                2 => digits(rng, 5, 30),
                _ => (1 + rng.below(100)).to_string(),
            };
            gen_int(call("pow", &[base, exponent, modulus]))
        }
        9 => {
            let arg = match rng.below(4) {
                0 => format!("10^{}", rng.below(400)),
                1 => "-4".to_owned(),
                2 => "2.0".to_owned(),
                _ => lang_int(rng, depth - 1, vars).text,
            };
            gen_int(call("isqrt", &[arg]))
        }
        10 => {
            let arg = match rng.below(6) {
                0 => "-2".to_owned(),
                1 => "5.0".to_owned(),
                _ => small_int(rng, 0, 60),
            };
            gen_int(call("factorial", &[arg]))
        }
        11 => {
            let name = rng.pick(&["gcd", "lcm"]);
            let args: Vec<String> = (0..rng.below(5))
                .map(|_| lang_int(rng, depth - 1, vars).text)
                .collect();
            gen_int(call(name, &args))
        }
        12 => {
            let name = rng.pick(&["comb", "perm"]);
            let n = small_int(rng, -1, 80);
            let mut args = vec![n];
            if name == "comb" || rng.below(3) != 0 {
                args.push(small_int(rng, -1, 90));
            }
            gen_int(call(name, &args))
        }
        13 => {
            let name = rng.pick(&["min", "max"]);
            let args: Vec<String> = (0..=rng.below(4)).map(|_| sub(rng)).collect();
            gen_float(call(name, &args))
        }
        14 => {
            let name = rng.pick(&["int", "float", "sum", "prod"]);
            let args: Vec<String> = if name == "int" || name == "float" {
                (0..rng.below(2)).map(|_| sub(rng)).collect()
            } else {
                vec![sub(rng)]
            };
            gen_float(call(name, &args))
        }
        _ => lang_reduction(rng, depth, vars),
    }
}

/// The arguments of a short `range`: 1 to 3 of them, now and then a zero step or a float.
fn range_args(rng: &mut Rng, vars: &[&str]) -> String {
    let bound = |rng: &mut Rng| {
        if !vars.is_empty() && rng.below(3) == 0 {
            rng.pick(vars).to_owned()
        } else {
            (rng.below(50) as i64 - 10).to_string()
        }
    };
    match rng.below(12) {
        0 => "1.5".to_owned(),
        1 => format!("{}, {}, 0", bound(rng), bound(rng)),
        2..=5 => bound(rng),
        6..=8 => format!("{}, {}", bound(rng), bound(rng)),
        _ => {
            let step = [1, 2, 3, -1, -2, 5][rng.below(6) as usize];
            format!("{}, {}, {step}", bound(rng), bound(rng))
        }
    }
}

/// `sum`, `prod`, `min` or `max` of a generator over a short range (maybe nested), or of a
/// plain range.
fn lang_reduction(rng: &mut Rng, depth: u32, vars: &[&str]) -> Gen {
    let func = rng.pick(&["sum", "sum", "prod", "min", "max"]);
    let names = ["k", "j", "i", "e", "x"];
    let var = names[vars.len().min(names.len() - 1)];
    let args = range_args(rng, vars);
    if rng.below(4) == 0 {
        return gen_int(format!("{func}(range({args}))"));
    }
    let mut inner: Vec<&str> = vars.to_vec();
    inner.push(var);
    let body_depth = depth.saturating_sub(1).min(2);
    let body = if func == "prod" {
        // Products of small factors, so that Python never builds a giant number.
        match rng.below(3) {
            0 => format!("({var} % 5 + 1)"),
            1 => format!("(1 + {var} / 10)"),
            _ => lang_leaf(rng, &inner).text,
        }
    } else {
        lang_expr(rng, body_depth, &inner).text
    };
    gen_float(format!("{func}({body} for {var} in range({args}))"))
}

fn lang_expr(rng: &mut Rng, depth: u32, vars: &[&str]) -> Gen {
    if depth == 0 {
        return lang_leaf(rng, vars);
    }
    match rng.below(14) {
        0 | 1 => lang_leaf(rng, vars),
        2 => precedence_chain(rng, vars),
        3 => {
            let operand = lang_expr(rng, depth - 1, vars);
            let op = rng.pick(&["-", "+", "~", "~"]);
            Gen {
                text: format!("{op}({})", operand.text),
                int: operand.int,
            }
        }
        4 | 5 => {
            let (a, b) = (
                lang_int(rng, depth - 1, vars),
                lang_int(rng, depth - 1, vars),
            );
            let op = rng.pick(&["&", "|", "&", "|", "<<", ">>"]);
            let b = if op == "<<" || op == ">>" {
                // Shift counts stay small (and sometimes negative, an error).
                (rng.below(90) as i64 - 5).to_string()
            } else {
                b.text
            };
            gen_int(format!("({} {op} {b})", a.text))
        }
        6 => {
            let (a, b) = (
                lang_expr(rng, depth - 1, vars),
                lang_expr(rng, depth - 1, vars),
            );
            let op = rng.pick(&["&", "|", "<<", ">>"]);
            // A shift by any int expression, reduced to a count Python computes at once.
            if op == "<<" || op == ">>" {
                return gen_int(format!("({} {op} ({} % 90))", a.text, b.text));
            }
            gen_int(format!("({} {op} {})", a.text, b.text))
        }
        7 => {
            let base = lang_expr(rng, depth.min(2) - 1, vars);
            let exponent = (rng.below(9) as i64 - 2).to_string();
            let op = rng.pick(&["^", "**"]);
            Gen {
                text: format!("({} {op} {exponent})", base.text),
                int: base.int,
            }
        }
        8..=10 => lang_call(rng, depth, vars),
        _ => {
            let (a, b) = (
                lang_expr(rng, depth - 1, vars),
                lang_expr(rng, depth - 1, vars),
            );
            let op = rng.pick(&["+", "-", "*", "/", "//", "%"]);
            Gen {
                text: format!("({} {op} {})", a.text, b.text),
                int: a.int && b.int && op != "/",
            }
        }
    }
}

/// Hand-written cases: the examples of the language reference and the edges of each
/// function (domain limits, inf and nan, signed zeros, huge ints, empty ranges).
const EDGE_CASES: &[&str] = &[
    "pi",
    "e",
    "tau",
    "inf",
    "nan",
    "-inf",
    "sin(1)",
    "log(100)",
    "round(2.5)",
    "round(3.5)",
    "round(-2.5)",
    "round(0.125, 2)",
    "round(2.675, 2)",
    "round(1234.5, -1)",
    "round(-0.4)",
    "round(-0.0, 1)",
    "round(1e308, -308)",
    "round(1.7976931348623157e308, -308)",
    "round(inf)",
    "round(nan)",
    "round(inf, 2)",
    "round(5, -1)",
    "round(15, -1)",
    "round(25, -1)",
    "round(-25, -1)",
    "round(123456789, -3)",
    "round(5.5, 400)",
    "round(5.5, -400)",
    // An int's ndigits is never clamped: far below -400 it still rounds, half to even.
    "round(5 * 10^400, -401)",
    "round(10^500, -501)",
    "round(-5 * 10^400, -401)",
    "round(15 * 10^400, -401)",
    "round(25 * 10^400, -401)",
    "round(10^500 - 1, -500)",
    "round(5 * 10^999, -1000)",
    "round(7, 2^70)",
    "round(5.5, -2^70)",
    "round(-5.5, -2^70)",
    "round(5.5, 2^70)",
    "round(inf, -2^70)",
    "round(1e300, -309)",
    "round(1e300, -308)",
    "round(123.456, 324)",
    "round(-0.5)",
    "round(0.5, 0)",
    "round(1e-320, 320)",
    "round(2, 1.0)",
    "0xff",
    "0XFF",
    "0o17",
    "0b101",
    "0x_ff",
    "0b_1_0",
    "0xdead_beef",
    "1 << 10",
    "pow(2, 100, 7)",
    "pow(3, -1, 7)",
    "pow(2, -1, 4)",
    "pow(5, 3, -7)",
    "pow(-5, 3, 7)",
    "pow(2, 3, 0)",
    "pow(2.0, 3, 5)",
    "pow(0, -1)",
    "pow(2, 0.5)",
    "pow(3, 10^20, 10^9 + 7)",
    "pow(7, -3, -11)",
    "pow(0, 0, 1)",
    "isqrt(10^400)",
    "isqrt(0)",
    "isqrt(-1)",
    "isqrt(2.0)",
    "isqrt(2^64 - 1)",
    "sqrt(-1)",
    "sqrt(-0.0)",
    "sqrt(inf)",
    "sqrt(10^400)",
    "log(10^400)",
    "log(2^1100, 2)",
    "log(0)",
    "log(-1)",
    "log(1, 1)",
    "log(8, 2)",
    "log(0.0)",
    "log(inf)",
    "log(nan)",
    "log2(2^2000)",
    "log10(10^500)",
    "log10(-0.0)",
    "log1p(-1)",
    "log1p(-0.0)",
    "log1p(-2)",
    "exp(710)",
    "exp(-inf)",
    "exp(709)",
    "exp2(1024)",
    "exp2(-1075)",
    "expm1(710)",
    "expm1(-0.0)",
    "cosh(1000)",
    "sinh(-1000)",
    "tanh(1000)",
    "asin(2)",
    "acos(-1)",
    "atanh(1)",
    "atanh(-1)",
    "acosh(0.5)",
    "asinh(-0.0)",
    "atan(inf)",
    "sin(inf)",
    "tan(nan)",
    "atan2(0.0, -0.0)",
    "atan2(-0.0, -0.0)",
    "atan2(inf, -inf)",
    "atan2(1, 0)",
    "atan2(nan, 1)",
    "hypot()",
    "hypot(3, 4)",
    "hypot(3, 4, 12)",
    "hypot(inf, nan)",
    "hypot(nan, 1)",
    "hypot(1e308, 1e308)",
    "hypot(5e-324, 5e-324)",
    "hypot(-3)",
    "hypot(10^400)",
    "degrees(pi)",
    "radians(180)",
    "degrees(1e308)",
    "floor(-0.5)",
    "floor(1e300)",
    "floor(inf)",
    "floor(nan)",
    "ceil(-0.5)",
    "ceil(10^400)",
    "trunc(-2.7)",
    "trunc(nan)",
    "fabs(-0.0)",
    "fabs(10^400)",
    "copysign(1, -0.0)",
    "copysign(inf, -1)",
    "copysign(nan, -1)",
    "fmod(5, -3)",
    "fmod(-5, 3)",
    "fmod(1, 0)",
    "fmod(inf, 1)",
    "fmod(1, inf)",
    "fmod(-0.0, 1)",
    "erf(0.5)",
    "erf(-inf)",
    "erfc(10)",
    "erfc(-inf)",
    "erfc(30)",
    "gamma(0)",
    "gamma(-1)",
    "gamma(171.6)",
    "gamma(0.5)",
    "gamma(-0.0)",
    "gamma(5)",
    "gamma(-1.5)",
    "gamma(-inf)",
    "gamma(inf)",
    "gamma(nan)",
    "gamma(1e-310)",
    "gamma(-190.5)",
    "lgamma(0)",
    "lgamma(-1)",
    "lgamma(1e308)",
    "lgamma(-2.5)",
    "lgamma(inf)",
    "lgamma(-inf)",
    "lgamma(1)",
    "lgamma(2)",
    "factorial(0)",
    "factorial(20)",
    "factorial(-1)",
    "factorial(5.0)",
    "factorial(100)",
    "gcd()",
    "gcd(0, 0)",
    "gcd(-12, 18)",
    "gcd(2^100, 6^50)",
    "gcd(1.0, 2)",
    "lcm()",
    "lcm(0, 5)",
    "lcm(-4, 6)",
    "lcm(4, 6, 10)",
    "lcm(2^64, 3^40)",
    "comb(10, 3)",
    "comb(10, 11)",
    "comb(-1, 2)",
    "comb(10, -1)",
    "comb(100, 50)",
    "comb(10^20, 2)",
    "comb(10^20, 10^20 - 2)",
    "perm(5)",
    "perm(10, 3)",
    "perm(3, 5)",
    "perm(-1)",
    "perm(10^20, 3)",
    "comb(5.0, 2)",
    "abs(-0.0)",
    "abs(-10^30)",
    "abs(-inf)",
    "min(1, 1.0)",
    "max(1.0, 1)",
    "max(nan, 1)",
    "max(1, nan)",
    "min(5)",
    "min(2, -0.0, 0)",
    "max(10^400, inf)",
    "int(-2.7)",
    "int(1e300)",
    "int(inf)",
    "int(nan)",
    "int()",
    "float()",
    "float(10^400)",
    "float(2^1023)",
    "int(3)",
    "float(5)",
    "float(-0.0)",
    "cbrt(-27)",
    "cbrt(inf)",
    "cbrt(-0.0)",
    "1 << -1",
    "-1 >> 1",
    "-1 >> 1000",
    "-5 >> 1",
    "5 >> 70",
    "~0",
    "~-1",
    "~10^30",
    "~1.5",
    "1.5 & 1",
    "1 | 2.0",
    "1 << 2.0",
    "2.0 >> 1",
    "2 ** -1 & 3",
    "-2^63 >> 1",
    "1 << 100 >> 99",
    "6 & -3",
    "-6 | 3",
    "-2^70 & 2^70 - 1",
    "1 | 2 << 3",
    "1 << 2 + 3",
    "8 >> 1 & 3",
    "1 + 2 & 3",
    "5 & 3 | 4",
    "-5 & 3",
    "~5 ^ 2",
    "-2 ^ 2",
    "2 ^ -1",
    "~-~-3",
    "0 << 10^30",
    "1 << 64 | 1",
    "(1 << 64) - 1 & -(1 << 32)",
    "sum(k * k for k in range(8))",
    "sum(k * k % 7 for k in range(10^4))",
    "sum(range(10))",
    "sum(range(10, 0, -3))",
    "sum(range(0))",
    "prod(range(0))",
    "prod(range(1, 20))",
    "prod(range(-5, 5))",
    "prod(range(-5, 0))",
    // A zero factor decides a product, however large the rest would be.
    "prod(range(10^7))",
    "prod(range(-994, 10^7, 7))",
    "prod(k - 5 for k in range(10^6))",
    "prod(range(-6, 0))",
    "prod(range(-1, -8, -1))",
    "prod(range(3, 20, 2))",
    // A body over an empty range never runs, so the names it reads need not exist.
    "sum(x for k in range(0))",
    "prod(undefined for k in range(-1))",
    "sum(sum(x for j in range(k)) for k in range(1))",
    "sum(prod(y for j in range(k, 0)) for k in range(3))",
    "min(range(0))",
    "max(range(0))",
    "max(range(10, 0, -2))",
    "min(range(10, 0, -2))",
    "min(k % 5 for k in range(20))",
    "max(1/k for k in range(1, 10))",
    "sum(1/k for k in range(1, 1000))",
    "sum(0.1 for k in range(100))",
    "sum(2^(k - 5) for k in range(20))",
    "sum(2^(20 - k) for k in range(40))",
    "prod(1.1 for k in range(50))",
    "max(nan for k in range(3))",
    "min(k - 0.5 * k for k in range(10))",
    "sum(sum(j for j in range(k)) for k in range(100))",
    "sum(sum(k for k in range(k)) for k in range(10))",
    "sum(k for k in range(1.5))",
    "sum(k for k in range(1, 10, 0))",
    "sum(1 // (k - 3) for k in range(10))",
    "prod(range(1, 101)) - factorial(100)",
    "sum(e for e in range(5))",
    "e + sum(e for e in range(3))",
    "sum(k * pi for k in range(10))",
    "max(k * (-1)^k for k in range(10))",
    "sum(range(-10^20, 10^20, 3^30))",
    "sum(k for k in range(2^64, 2^64 + 10))",
    "min(k for k in range(2^64, 2^64 - 10, -1))",
    "sum(k / 7 for k in range(1000))",
    "sum(10^k for k in range(30)) % 9",
    "sum(1e16 * (k % 2) + 1 for k in range(3))",
    "max(nan + k for k in range(3))",
    "sum(1.0 + k for k in range(10^3))",
    "prod(k for k in range(1, 30))",
    "prod(k + 0.5 for k in range(30))",
    "sum(max(j, 3) for j in range(5))",
    "min(-0.0, 0)",
    "max(0, -0.0)",
    "min(0.0 * k for k in range(-3, 3))",
    "sum(-0.0 for k in range(3))",
    "sum(k for k in range(10)) + sum(range(10))",
    "sum(k ^ 2 for k in range(50))",
    "sum(k << k for k in range(40))",
    "sum(~k & 0xff for k in range(300))",
];

/// The generated expressions of the full language, the same every run, then the edge cases.
fn language_lines() -> Vec<String> {
    let mut rng = Rng(0x1a26_ba9e_2026_5eed);
    let mut lines: Vec<String> = (0..N_LANGUAGE)
        .map(|_| {
            let depth = 1 + rng.below(3) as u32;
            lang_expr(&mut rng, depth, &[]).text
        })
        .collect();
    lines.extend(EDGE_CASES.iter().map(|&line| line.to_owned()));
    lines
}

/// Each of `lines` evaluated in turn in one session, beside what Python answered for it: the
/// lines whose value or error class differs, each with both answers.
fn mismatches_with(lines: &[String], answers: &[String]) -> Vec<String> {
    let mut session = match Session::new(2, EvalOptions::default()) {
        Ok(session) => session,
        Err(error) => panic!("cannot start a session: {error}"),
    };
    lines
        .iter()
        .zip(answers)
        .filter_map(|(line, python)| {
            let ours = match session.eval_line(line) {
                Ok(Some(outcome)) => outcome.value.to_string(),
                Ok(None) => "nothing".to_owned(),
                Err(error) => error_class(&error.kind),
            };
            (ours != *python).then(|| format!("{line}\n  python:  {python}\n  parcalc: {ours}"))
        })
        .collect()
}

/// Fails with the first mismatches, if any, out of `n_lines` compared.
#[track_caller]
fn assert_no_mismatch(mismatches: &[String], n_lines: usize) {
    assert!(
        mismatches.is_empty(),
        "{} of {n_lines} expressions differ from python3; the first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn language_matches_python() {
    let lines = language_lines();
    let Some(answers) = run_python_lines(&lines, "language") else {
        python_missing();
        return;
    };
    let mismatches = mismatches_with(&lines, &answers);
    assert_no_mismatch(&mismatches, lines.len());
}

// Comparisons, booleans and the lazy forms: chains of comparisons, `and`, `or`, `not`,
// conditional expressions, `True` and `False` in arithmetic, Python's whole precedence table
// in flat runs of operators, and errors on the side not taken (which must not be raised).

/// How many generated expressions of comparisons and booleans each run compares.
const N_LOGIC: usize = 4000;

/// Operands that make comparisons and truth interesting: zeros of both kinds, nan, ints
/// beyond a float's precision or range, booleans, and an error that only runs when reached.
const LOGIC_LEAVES: &[&str] = &[
    "0",
    "1",
    "2",
    "-1",
    "0.0",
    "-0.0",
    "1.5",
    "nan",
    "inf",
    "-inf",
    "True",
    "False",
    "2^53 + 1",
    "2.0^53",
    "2^53",
    "10^400",
    "-10^400",
    "1e308",
    "(1/0)",
    "(1 // 0)",
    "3",
    "7",
    "0.1 + 0.2",
    "0.3",
];

fn logic_leaf(rng: &mut Rng) -> String {
    if rng.below(4) == 0 {
        lang_leaf(rng, &[]).text
    } else {
        rng.pick(LOGIC_LEAVES).to_owned()
    }
}

fn logic_expr(rng: &mut Rng, depth: u32) -> String {
    if depth == 0 {
        return logic_leaf(rng);
    }
    let sub = |rng: &mut Rng| logic_expr(rng, depth - 1);
    match rng.below(12) {
        0 => logic_leaf(rng),
        1 | 2 => {
            let n = 1 + rng.below(3);
            let mut text = sub(rng);
            for _ in 0..n {
                let op = rng.pick(&["<", "<=", ">", ">=", "==", "!="]);
                text = format!("{text} {op} {}", sub(rng));
            }
            format!("({text})")
        }
        3 => {
            let op = rng.pick(&["and", "or"]);
            format!("({} {op} {})", sub(rng), sub(rng))
        }
        4 => format!("(not {})", sub(rng)),
        5 => format!("({} if {} else {})", sub(rng), sub(rng), sub(rng)),
        6 => {
            let op = rng.pick(&["+", "-", "*", "&", "|", "//", "%", "^", "/", "<<"]);
            let rhs = if op == "^" || op == "<<" {
                rng.pick(&["True", "False", "2", "(1 < 2)"]).to_owned()
            } else {
                sub(rng)
            };
            format!("({} {op} {rhs})", sub(rng))
        }
        7 => format!("{}({})", rng.pick(&["-", "+", "~", "-"]), sub(rng)),
        8 => flat_logic(rng),
        9 => {
            let func = rng.pick(&["sum", "min", "max", "sum"]);
            let n = rng.below(12);
            let body = match rng.below(5) {
                0 => format!("k > {}", rng.below(8)),
                1 => format!("k % 3 == {}", rng.below(3)),
                2 => "(k if k % 2 else -k)".to_owned(),
                3 => "(k and 10 // k)".to_owned(),
                _ => "(k < 5 or k)".to_owned(),
            };
            // Now and then `if` filters and a second `for` over a range reading `k`.
            let clauses = match rng.below(6) {
                0 => format!(" if k % {} == 1", 2 + rng.below(3)),
                1 => format!(" for j in range(k) if (k + j) % {}", 2 + rng.below(3)),
                2 => " if k > 2 for j in range(k, 7) if j != k".to_owned(),
                3 => format!(" for j in range({}) if {}", rng.below(4), sub(rng)),
                4 if func == "sum" => {
                    return format!("sum(range({n}), {})", sub(rng));
                }
                _ => String::new(),
            };
            let body = if clauses.contains(" j ") && rng.below(2) == 0 {
                format!("({body} * j - k / (j + 1))")
            } else {
                body
            };
            format!("{func}({body} for k in range({n}){clauses})")
        }
        10 if rng.below(3) == 0 => {
            // A string of another base, and what can and cannot be done with it.
            let func = rng.pick(&["hex", "oct", "bin"]);
            let text = format!("{func}({})", sub(rng));
            match rng.below(6) {
                0 => format!("({text} + {})", sub(rng)),
                1 => format!("({text} == {text})"),
                2 => format!("({text} < {}({}))", func, sub(rng)),
                3 => format!("({text} * {})", rng.pick(&["2", "True", "0", "-1", "1.5"])),
                4 => format!("({text} if {} else {})", sub(rng), sub(rng)),
                _ => text,
            }
        }
        10 => {
            let func = rng.pick(&["abs", "int", "float", "round", "min", "max", "pow"]);
            let args = match func {
                "min" | "max" => format!("{}, {}", sub(rng), sub(rng)),
                "pow" => format!("{}, {}", sub(rng), rng.pick(&["True", "False", "2"])),
                _ => sub(rng),
            };
            format!("{func}({args})")
        }
        _ => lang_expr(rng, depth - 1, &[]).text,
    }
}

/// A flat run of operators of every level, for Python's precedence table to group: `not` only
/// where Python allows it (at the start, after `and`, `or` or `not`), and now and then a
/// conditional expression around it all.
fn flat_logic(rng: &mut Rng) -> String {
    let ops = [
        "or", "and", "<", "==", "!=", ">=", "|", "&", "+", "-", "*", "%", "<<", "^",
    ];
    let mut text = String::new();
    let mut may_not = true;
    let mut after_power = false;
    for position in 0..2 + rng.below(5) {
        if position > 0 {
            // Never two powers in a row: `20 ^ 2 ^ 3 ^ 3` is a tower Python takes minutes on.
            let op = if after_power {
                rng.pick(&ops[..ops.len() - 2])
            } else {
                rng.pick(&ops)
            };
            after_power = op == "^" || op == "<<";
            text.push(' ');
            text.push_str(op);
            text.push(' ');
            may_not = op == "or" || op == "and";
            if op == "^" || op == "<<" {
                text.push_str(rng.pick(&["2", "True", "3"]));
                continue;
            }
        }
        if may_not && rng.below(3) == 0 {
            text.push_str("not ");
        }
        // A power leaf in parentheses, so that `^ 3` after it never makes a tower.
        let leaf = logic_leaf(rng);
        if leaf.contains('^') {
            text.push('(');
            text.push_str(&leaf);
            text.push(')');
        } else {
            text.push_str(&leaf);
        }
    }
    match rng.below(4) {
        0 => format!("{} if {text} else {}", logic_leaf(rng), logic_leaf(rng)),
        1 => format!("{text} if {} else {}", logic_leaf(rng), logic_leaf(rng)),
        _ => text,
    }
}

/// The generated expressions of comparisons and booleans, then hand-written ones.
fn logic_lines() -> Vec<String> {
    let mut rng = Rng(0x0b00_1ea1_1a2e_0001);
    let mut lines: Vec<String> = (0..N_LOGIC)
        .map(|_| {
            let depth = 1 + rng.below(3) as u32;
            logic_expr(&mut rng, depth)
        })
        .collect();
    lines.extend(LOGIC_CASES.iter().map(|&line| line.to_owned()));
    lines
}

/// The examples of the language reference and the edges of comparisons and truth.
const LOGIC_CASES: &[&str] = &[
    "1 < 2",
    "1 < 2 < 3",
    "3 > 2 > 2",
    "1 == 1.0",
    "2^53 + 1 == 2.0^53",
    "2^53 + 1 > 2.0^53",
    "2^53 == 2.0^53",
    "10^400 > 1e308",
    "-10^400 < -inf",
    "10^400 < inf",
    "nan == nan",
    "nan != nan",
    "nan < 1 or nan >= 1",
    "True + True",
    "True * 3.5",
    "True / 2",
    "-True",
    "~False",
    "True & False",
    "True | False",
    "True & 3",
    "True ^ 10",
    "True << 3",
    "sum(k > 5 for k in range(10))",
    "max(k > 5 for k in range(10))",
    "0 or 5",
    "5 and 0",
    "0.0 or -0.0",
    "nan and 2",
    "-0.0 or 3",
    "not nan",
    "not -0.0",
    "not 10^400",
    "x if True else 1",
    "1 if 0 else 1/0",
    "1/0 if 1 else 0",
    "0 and 1/0",
    "1 or 1/0",
    "1 < 0 < 1/0",
    "1 < 2 < 1/0",
    "not 1 == 2",
    "not 1 and 0",
    "1 if 0 else 2 if 0 else 3",
    "1 if 2 if 3 else 4 else 5",
    "1 + not 2",
    "-not 1",
    "not not 0",
    "(1 < 2) < 3",
    "1 < (2 < 3)",
    "1 < 2 == True",
    "True == 1 == 1.0",
    "min(True, 1)",
    "max(1, True)",
    "min(False, 0.0)",
    "abs(True)",
    "int(True)",
    "float(False)",
    "round(True)",
    "factorial(True)",
    "gcd(True, 4)",
    "pow(True, 10)",
    "sqrt(True)",
    "sum(range(True))",
    "2 ^ -True",
    "True // 0",
    "True % 2",
    "1 | 2 == 3",
    "1 & 1 < 2",
    "1 < 2 and 3",
    "0 < 1 or 1/0",
    "1 if 1 < 2 else 3 or 4",
    "(1 if 0 else 2) + (3 and 4)",
    "sum(i * j for i in range(5) for j in range(i) if (i + j) % 2)",
    "sum(k for k in range(10) if k % 3)",
    "min(k for k in range(10) if k > 20)",
    "max(k for k in range(10) if k > 20 if k)",
    "sum(1 for i in range(3) for i in range(i))",
    "sum(i * 10 + j for i in range(3) if i for j in range(i, 4) if j != 2)",
    "sum(x for x in range(4) for y in range(1.5))",
    "sum(1 / (i - j) for i in range(4) for j in range(3))",
    "sum(0.1 for i in range(10) for j in range(7) if j % 2)",
    "max(i - j for i in range(4) for j in range(i))",
    "sum(k for k in range(1000) if k % 2 if k % 3 if k % 5)",
    "sum(j for k in range(3) for j in range(k) for i in range(j + 1))",
    "sum(k for k in range(3) if 1 / 0)",
    "sum(k for k in range(0) if 1 / 0)",
    "sum(k for k in range(5) for j in range(1 / (k - 3)))",
    "sum(range(10), 5)",
    "sum(range(10), 0.1)",
    "sum(range(10 ^ 6), 0.1)",
    "sum(range(1, 4), -0.0)",
    "sum(range(0), 2.5)",
    "sum(range(3), 1 / 0)",
    "sum(range(10), True)",
    "sum(range(3), hex(1))",
    "sum(range(2, 40, 3), 1e16)",
    "sum(range(-5, 5), sum(range(3), 0.5))",
    "hex(255)",
    "oct(8)",
    "bin(-5)",
    "hex(0)",
    "bin(0)",
    "hex(-2^70)",
    "hex(True)",
    "hex(1.5)",
    "hex(255) + 1",
    "1 + hex(255)",
    "hex(1) + hex(2)",
    "hex(3) * 2",
    "2 * bin(3)",
    "hex(3) * 1.5",
    "hex(3) - 1",
    "hex(3) % 2",
    "-hex(1)",
    "not hex(0)",
    "hex(0) or 5",
    "hex(1) < hex(2)",
    "hex(1) < 2",
    "hex(1) == 1",
    "hex(1) != 1",
    "int(hex(255))",
    "float(oct(1))",
    "abs(bin(1))",
    "sqrt(hex(4))",
    "min(hex(3), hex(12))",
    "max(hex(3), 2)",
    "sum(hex(k) for k in range(3))",
    "min(hex(k) for k in range(3, 20))",
];

#[test]
fn logic_matches_python() {
    let lines = logic_lines();
    let Some(answers) = run_python_lines(&lines, "logic") else {
        python_missing();
        return;
    };
    let mismatches = mismatches_with(&lines, &answers);
    let errors = answers
        .iter()
        .filter(|answer| answer.starts_with("error"))
        .count();
    assert!(
        errors < lines.len() / 3,
        "{errors} errors of {}",
        lines.len()
    );
    assert_no_mismatch(&mismatches, lines.len());
}

/// Errors whose message, not only its class, is Python's own: arguments of `perm` and `comb`,
/// and bit operations with a float operand (whatever the size of the int beside it).
const MESSAGE_CASES: &[&str] = &[
    "perm(-1)",
    "perm(-2^70)",
    "perm(-1, 2)",
    "perm(5, -1)",
    "perm(-1, -1)",
    "perm(1.0)",
    "perm(5, 1.0)",
    "perm(-1, 1.0)",
    "comb(-1, 2)",
    "comb(5, -1)",
    "comb(5.0, 2)",
    "comb(5, 2.0)",
    "comb(-1, 1.0)",
    "factorial(-1)",
    "factorial(1.5)",
    "10^400 >> 0.0",
    "10^400 << 0.0",
    "10^400 & 0.0",
    "10^400 | 1.5",
    "1.5 | 10^400",
    "-10^400 >> 1.0",
    "0.0 >> 1",
    "1 << 2.0",
    "1.0 & 2.0",
    "~1.5",
    "1.5 & True",
    "True << 1.0",
    "~True",
    "hex(255)",
    "hex(255) + 1",
    "1 + hex(255)",
    "hex(1) < 2",
    "2 >= oct(1)",
    "int(hex(255))",
    "float(bin(3))",
    "-hex(1)",
    "hex(3) * 1.5",
    "hex(3) ^ 2",
    "hex(3) - hex(1)",
    "hex(1.5)",
    "abs(hex(1))",
];

#[test]
fn messages_match_python() {
    let lines: Vec<String> = MESSAGE_CASES.iter().map(|&line| line.to_owned()).collect();
    let Some(answers) = run_oracle(&["--messages"], "messages", &lines) else {
        python_missing();
        return;
    };
    let mut session = match Session::new(1, EvalOptions::default()) {
        Ok(session) => session,
        Err(error) => panic!("cannot start a session: {error}"),
    };
    for (line, python) in lines.iter().zip(&answers) {
        let ours = match session.eval_line(line) {
            Ok(Some(outcome)) => outcome.value.to_string(),
            Ok(None) => "nothing".to_owned(),
            Err(error) => format!("{}: {}", error_class(&error.kind), error.kind),
        };
        assert_eq!(&ours, python, "{line}");
    }
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
        python_answers(&exprs).and_then(|_| run_oracle(&["--program"], "program", &lines))
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

/// Reductions that fail somewhere along their range, or beside it: the error Python reports is
/// that of the first failing element, or of a node met before the reduction. Each case is a
/// line for Python and, for programs, the assignment its line stands for.
fn failing_reductions(n: usize) -> Vec<(Option<String>, String)> {
    let mut rng = Rng(0x5eed_f00d_0bad_cafe);
    (0..n)
        .map(|_| {
            let c1 = rng.below(30);
            let c2 = rng.below(30);
            let len = 5 + rng.below(40);
            let func = rng.pick(&["sum", "prod", "min", "max"]);
            let text = match rng.below(8) {
                0 => format!("{func}(sqrt({c1} - k) + 1 // (k - {c2}) for k in range({len}))"),
                1 => {
                    format!("{func}(1 // (k - {c2}) + 0 * log({c1} - k + 1) for k in range({len}))")
                }
                2 => format!("{func}(1 / (k - {c2}) for k in range({len}))"),
                3 => format!("{func}(sqrt({c1} - k) for k in range({len}))"),
                4 => format!(
                    "sum({func}(1 // (j - {c2}) for j in range(k + 1)) for k in range({len}))"
                ),
                5 => format!("{func}(k * 0.5 + 1 // (k - {c2}) for k in range({len}))"),
                6 => format!("1 // ({c1} % 7) + {func}(sqrt({c2} - k) for k in range({len}))"),
                _ => format!("{func}(log({c1} - k) * 2 + 1 / ({c2} - k) for k in range({len}))"),
            };
            // One case in four is the second statement of a program that binds `a` first.
            if rng.below(4) == 0 {
                let bound = rng.below(20);
                let statement = text.replacen(&format!("range({len})"), "range(a)", 1);
                let python = text.replacen(&format!("range({len})"), &format!("range({bound})"), 1);
                (Some(format!("a = {bound}\u{1f}{statement}")), python)
            } else {
                (None, text)
            }
        })
        .collect()
}

/// What parcalc prints for a result, as `oracle.py --messages` prints Python's.
fn as_python_prints(
    result: &Result<Option<parcalc::session::Outcome>, parcalc::error::Error>,
) -> String {
    match result {
        Ok(Some(outcome)) => outcome.value.to_string(),
        Ok(None) => "nothing".to_owned(),
        Err(error) => format!("{}: {}", error_class(&error.kind), error.kind),
    }
}

/// Which error a reduction reports does not depend on the schedule: 1,600 reductions
/// (a quarter of them in programs), over a thousand failing at some element or beside one,
/// report Python's error — its class and message — on 1, 2 and 4 workers, at grains 1, 4 and
/// automatic, under every policy.
#[test]
fn a_failing_reduction_reports_pythons_error_whatever_the_schedule() {
    use parcalc::engine::{Grain, Policy};
    let cases = failing_reductions(1600);
    let lines: Vec<String> = cases.iter().map(|(_, line)| line.clone()).collect();
    let Some(answers) = run_oracle(&["--messages"], "reductions", &lines) else {
        python_missing();
        return;
    };
    let failing = answers
        .iter()
        .filter(|answer| answer.starts_with("error:"))
        .count();
    assert!(failing >= 1000, "{failing} of the cases fail in Python");
    for workers in [1, 2, 4] {
        for grain in [Grain::Fixed(1), Grain::Fixed(4), Grain::Auto] {
            for policy in Policy::ALL {
                let options = EvalOptions {
                    grain,
                    policy,
                    ..EvalOptions::default()
                };
                let mut session = Session::new(workers, options).expect("a small pool starts");
                let mismatches: Vec<String> = cases
                    .iter()
                    .zip(&answers)
                    .filter_map(|((program, line), python)| {
                        let ours = match program {
                            Some(program) => {
                                let statements: Vec<&str> = program.split('\u{1f}').collect();
                                let results = session.eval_program(&statements);
                                as_python_prints(&results[1])
                            }
                            None => as_python_prints(&session.eval_line(line)),
                        };
                        (ours != *python).then(|| {
                            format!(
                                "{}\n  python:  {python}\n  parcalc: {ours}",
                                program.as_deref().unwrap_or(line)
                            )
                        })
                    })
                    .collect();
                assert!(
                    mismatches.is_empty(),
                    "{workers} workers, {grain:?}, {policy:?}: {} mismatches, the first:\n{}",
                    mismatches.len(),
                    mismatches[..mismatches.len().min(5)].join("\n")
                );
            }
        }
    }
}
