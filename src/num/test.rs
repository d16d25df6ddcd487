//! Unit tests pinning the rules of the language's arithmetic (spec §1), value by value.
//!
//! Expected strings are what `python3` prints for the same expression (its `repr()`), or
//! `error: <message>` where Python raises. Expressions are built from values directly; the
//! parsed language is tested elsewhere.

// The checks take values as the tables write them.
#![allow(clippy::needless_pass_by_value)]

use crate::error::NumError;
use crate::num::{self, Int, Limits, Value};
use crate::ops::{BinaryOp, Builtin, UnaryOp};

fn int(text: &str) -> Value {
    num::parse_int(text)
}

fn float(x: f64) -> Value {
    Value::Float(x)
}

/// `base ^ exponent` for small ints, as a value.
fn int_pow(base: i64, exponent: usize) -> Value {
    Value::Int(Int::from(base).pow(exponent))
}

fn show(result: Result<Value, NumError>) -> String {
    match result {
        Ok(value) => value.to_string(),
        Err(error) => format!("error: {error}"),
    }
}

#[track_caller]
fn check(lhs: Value, op: &str, rhs: Value, expected: &str) {
    let op = BinaryOp::from_symbol(op).unwrap_or_else(|| panic!("unknown operator {op}"));
    let got = show(num::binary(op, &lhs, &rhs, &Limits::default()));
    assert_eq!(got, expected, "{lhs} {} {rhs}", op.symbol());
}

#[track_caller]
fn check_call(func: Builtin, args: &[Value], expected: &str) {
    let refs: Vec<&Value> = args.iter().collect();
    let got = show(num::call(func, &refs, &Limits::default()));
    assert_eq!(got, expected, "{}({args:?})", func.name());
}

#[track_caller]
fn check_repr(x: f64, expected: &str) {
    assert_eq!(num::float_repr(x), expected, "repr of {x:e}");
}

#[test]
fn issue_2_edge_cases() {
    check(int_pow(10, 400), "/", int_pow(10, 399), "10.0");
    check(int("-7"), "//", int("2"), "-4");
    check(int("-7"), "%", int("3"), "2");
    check(float(7.5), "%", int("-2"), "-0.5");
    check_repr(1e16, "1e+16");
    check(
        float(10.0),
        "^",
        int("400"),
        "error: float overflow in ^ (numerical result out of range)",
    );
    check(int("2"), "^", int("-1"), "0.5");
    check(
        int("0"),
        "^",
        int("-1"),
        "error: 0.0 cannot be raised to a negative power",
    );
    let third = num::binary(BinaryOp::Div, &int("1"), &int("3"), &Limits::default());
    check(
        int("-8"),
        "^",
        third.unwrap_or(Value::Int(Int::ZERO)),
        "error: negative number cannot be raised to a fractional power",
    );
}

#[test]
fn float_repr_is_pythons() {
    check_repr(3.0, "3.0");
    check_repr(-0.0, "-0.0");
    check_repr(0.0, "0.0");
    check_repr(0.1 + 0.2, "0.30000000000000004");
    check_repr(f64::INFINITY, "inf");
    check_repr(f64::NEG_INFINITY, "-inf");
    check_repr(f64::NAN, "nan");
    check_repr(1.5e-5, "1.5e-05");
    check_repr(1e-4, "0.0001");
    check_repr(1e-5, "1e-05");
    check_repr(1e22, "1e+22");
    check_repr(9_999_999_999_999_998.0, "9999999999999998.0");
    check_repr(123_456_789_012_345_678.0, "1.2345678901234568e+17");
    check_repr(-2.5e-300, "-2.5e-300");
    check_repr(5e-324, "5e-324");
    check_repr(f64::MAX, "1.7976931348623157e+308");
    check_repr(123.456, "123.456");
    check_repr(100.0, "100.0");
    // Halfway between two 16-digit strings: Python takes the even digit.
    check_repr(1e16 / 13.0, "769230769230769.2");
}

#[test]
fn ints_are_exact() {
    check(int("2"), "^", int("100"), "1267650600228229401496703205376");
    check(int("1_000_000"), "*", int("-3"), "-3000000");
    check(
        int("99999999999999999999"),
        "+",
        int("1"),
        "100000000000000000000",
    );
    check(int("5"), "-", int("8"), "-3");
    check(int("-2"), "^", int("3"), "-8");
    check(int("0"), "^", int("0"), "1");
    check(int("-1"), "^", int("1000000000000000000001"), "-1");
    check(int("1"), "^", int("1000000000000000000000"), "1");
    check(int("0"), "^", int("1000000000000000000000"), "0");
}

#[test]
fn machine_integers_overflow_into_big_ones() {
    // `+ - *` of two i64 take a fast path; at its edges the big-integer path takes over.
    let max = "9223372036854775807";
    let min = "-9223372036854775808";
    check(int(max), "+", int("1"), "9223372036854775808");
    check(int(min), "-", int("1"), "-9223372036854775809");
    check(int(min), "*", int("-1"), "9223372036854775808");
    check(
        int(max),
        "*",
        int(max),
        "85070591730234615847396907784232501249",
    );
    check(int(max), "-", int(max), "0");
    check(int(min), "+", int(max), "-1");
    check(int("-7"), "*", int("6"), "-42");
    // A limit below 128 bits still refuses small results that exceed it.
    let tiny = Limits {
        max_bits: 10,
        ..Limits::default()
    };
    check_too_large(num::binary(
        BinaryOp::Add,
        &int("1000"),
        &int("1000"),
        &tiny,
    ));
    check_too_large(num::binary(BinaryOp::Mul, &int("100"), &int("100"), &tiny));
    assert!(num::binary(BinaryOp::Add, &int("100"), &int("100"), &tiny).is_ok());
}

#[test]
fn floor_division_and_modulo_take_the_divisors_sign() {
    check(int("7"), "//", int("2"), "3");
    check(int("7"), "//", int("-2"), "-4");
    check(int("-7"), "//", int("-2"), "3");
    check(int("7"), "%", int("-3"), "-2");
    check(int("-7"), "%", int("-3"), "-1");
    check(int("6"), "%", int("-3"), "0");
    check(
        int("1"),
        "//",
        int("0"),
        "error: integer division or modulo by zero",
    );
    check(int("1"), "%", int("0"), "error: integer modulo by zero");
    check(float(-7.5), "//", int("2"), "-4.0");
    check(float(-7.5), "%", int("2"), "0.5");
    check(float(0.0), "%", int("-2"), "-0.0");
    check(float(-0.0), "//", int("1"), "-0.0");
    check(float(5.0), "%", float(f64::INFINITY), "5.0");
    check(float(-5.0), "%", float(f64::INFINITY), "inf");
    check(float(f64::INFINITY), "//", int("1"), "nan");
    check(
        float(1.0),
        "//",
        int("0"),
        "error: float floor division by zero",
    );
    check(
        int("1"),
        "//",
        float(0.0),
        "error: float floor division by zero",
    );
    check(float(1.0), "%", float(-0.0), "error: float modulo");
}

#[test]
fn true_division_is_correctly_rounded() {
    check(int("1"), "/", int("3"), "0.3333333333333333");
    check(int("6"), "/", int("3"), "2.0");
    check(int("0"), "/", int("-5"), "-0.0");
    check(int("-1"), "/", int("0"), "error: division by zero");
    check(float(1.0), "/", int("0"), "error: float division by zero");
    check(
        int_pow(10, 1000),
        "/",
        int("3"),
        "error: integer division result too large for a float",
    );
    check(
        int_pow(2, 10000),
        "/",
        int("1"),
        "error: integer division result too large for a float",
    );
    check(int("1"), "/", int_pow(2, 1074), "5e-324");
    check(int("1"), "/", int_pow(2, 1075), "0.0");
    check(int("-1"), "/", int_pow(2, 1100), "-0.0");
    check(int_pow(3, 1000), "/", int_pow(3, 999), "3.0");
    check(int_pow(7, 500), "/", int_pow(10, 420), "354.01364944952593");
    // 2^53 + 1 over 1 is a tie between two floats: it rounds to the even one.
    check(int("9007199254740993"), "/", int("1"), "9007199254740992.0");
    check(int("9007199254740995"), "/", int("1"), "9007199254740996.0");
}

#[test]
fn mixing_converts_the_int_correctly_rounded() {
    check(int("1"), "+", float(0.5), "1.5");
    check(
        int("9007199254740993"),
        "*",
        float(1.0),
        "9007199254740992.0",
    );
    check(
        int_pow(10, 400),
        "+",
        float(1.0),
        "error: int too large to convert to float",
    );
    check(
        int_pow(2, 1024),
        "*",
        float(1.0),
        "error: int too large to convert to float",
    );
    check(int_pow(10, 300), "*", float(1.0), "1e+300");
    check(float(1e308), "*", int("10"), "inf");
    // The largest finite float, and the first int that rounds up past it.
    let max = Value::Int(Int::from(2).pow(1024) - Int::from(2).pow(971));
    check(max, "*", float(1.0), "1.7976931348623157e+308");
    let over = Value::Int(Int::from(2).pow(1024) - Int::from(2).pow(970));
    check(
        over,
        "*",
        float(1.0),
        "error: int too large to convert to float",
    );
    let halfway_up = Value::Int(Int::from(2).pow(80) + Int::from(2).pow(27) + Int::ONE);
    check(halfway_up, "-", float(0.0), "1.2089258196146294e+24");
}

#[test]
fn power_follows_float_pow() {
    check(int("2"), "^", float(0.5), "1.4142135623730951");
    check(int("-8"), "^", int("-3"), "-0.001953125");
    check(float(-2.0), "^", float(2.0), "4.0");
    check(
        float(-2.0),
        "^",
        float(0.5),
        "error: negative number cannot be raised to a fractional power",
    );
    check(
        float(0.0),
        "^",
        float(-1.0),
        "error: 0.0 cannot be raised to a negative power",
    );
    check(
        float(-0.0),
        "^",
        int("-1"),
        "error: 0.0 cannot be raised to a negative power",
    );
    check(float(-0.0), "^", int("3"), "-0.0");
    check(float(f64::NAN), "^", int("0"), "1.0");
    check(int("1"), "^", float(f64::NAN), "1.0");
    check(float(f64::INFINITY), "^", int("-1"), "0.0");
    check(float(f64::NEG_INFINITY), "^", int("3"), "-inf");
    check(float(0.5), "^", float(f64::INFINITY), "0.0");
    check(float(0.5), "^", float(f64::NEG_INFINITY), "inf");
    check(float(-1.0), "^", float(1e300), "1.0");
    check(int("10"), "^", int("-400"), "0.0");
    check(
        int_pow(10, 400),
        "^",
        int("-1"),
        "error: int too large to convert to float",
    );
}

#[test]
fn unary_operators() {
    let neg = |value: Value| show(num::unary(UnaryOp::Neg, &value));
    assert_eq!(neg(int("5")), "-5");
    assert_eq!(neg(float(0.0)), "-0.0");
    assert_eq!(show(num::unary(UnaryOp::Plus, &float(-0.0))), "-0.0");
}

#[test]
fn builtins_are_pythons() {
    use Builtin::*;
    check_call(Abs, &[int("-5")], "5");
    check_call(Abs, &[float(-0.0)], "0.0");
    check_call(Min, &[int("1"), float(1.0)], "1");
    check_call(Max, &[float(1.0), int("1")], "1.0");
    check_call(Max, &[float(f64::NAN), int("1")], "nan");
    check_call(Max, &[int("1"), float(f64::NAN)], "1");
    check_call(Min, &[int("3"), int("-2"), float(-2.0)], "-2");
    // Exact comparison: 2^53 + 1 is larger than the float 2^53, though it converts to it.
    check_call(
        Max,
        &[float(9_007_199_254_740_992.0), int("9007199254740993")],
        "9007199254740993",
    );
    check_call(
        Min,
        &[int_pow(10, 400), float(f64::INFINITY)],
        &int_pow(10, 400).to_string(),
    );
    check_call(Sqrt, &[int("16")], "4.0");
    check_call(Sqrt, &[int("2")], "1.4142135623730951");
    check_call(Sqrt, &[float(-0.0)], "-0.0");
    check_call(Sqrt, &[int("-1")], "error: math domain error");
    check_call(
        Sqrt,
        &[int_pow(10, 400)],
        "error: int too large to convert to float",
    );
    check_call(Gcd, &[], "0");
    check_call(Gcd, &[int("-4"), int("6")], "2");
    check_call(Gcd, &[int("0"), int("-7")], "7");
    check_call(
        Gcd,
        &[float(2.0), int("4")],
        "error: 'float' object cannot be interpreted as an integer",
    );
    check_call(Lcm, &[], "1");
    check_call(Lcm, &[int("-4"), int("6")], "12");
    check_call(Lcm, &[int("0"), int("5")], "0");
    check_call(Lcm, &[int("4"), int("6"), int("10")], "60");
    check_call(
        Lcm,
        &[float(2.5)],
        "error: 'float' object cannot be interpreted as an integer",
    );
    check_call(Factorial, &[int("0")], "1");
    check_call(Factorial, &[int("20")], "2432902008176640000");
    check_call(Factorial, &[int("25")], "15511210043330985984000000");
    check_call(
        Factorial,
        &[int("-1")],
        "error: factorial() not defined for negative values",
    );
    check_call(
        Factorial,
        &[float(5.0)],
        "error: 'float' object cannot be interpreted as an integer",
    );
}

#[test]
fn factorial_matches_the_plain_product() {
    let mut product = Int::ONE;
    for n in 0..300_u32 {
        if n > 0 {
            product *= Int::from(n);
        }
        let refs = [&Value::Int(Int::from(n))];
        let got = num::call(Builtin::Factorial, &refs, &Limits::default());
        assert_eq!(got, Ok(Value::Int(product.clone())), "factorial({n})");
    }
}

#[track_caller]
fn check_too_large(result: Result<Value, NumError>) {
    assert!(
        matches!(result, Err(NumError::TooLarge { .. })),
        "expected a size-limit error, got {result:?}"
    );
}

#[test]
fn huge_results_are_refused_before_computing() {
    let limits = Limits::default();
    let two = int("2");
    let two_40 = num::binary(BinaryOp::Pow, &two, &int("40"), &limits).unwrap_or(two.clone());
    check_too_large(num::binary(BinaryOp::Pow, &two, &two_40, &limits));
    check_too_large(num::binary(
        BinaryOp::Pow,
        &int("10"),
        &int_pow(10, 8),
        &limits,
    ));
    check_too_large(num::binary(
        BinaryOp::Pow,
        &int("-3"),
        &int_pow(10, 30),
        &limits,
    ));
    check_too_large(num::call(Builtin::Factorial, &[&int_pow(10, 9)], &limits));
    check_too_large(num::call(Builtin::Factorial, &[&int_pow(10, 30)], &limits));
    let small = Limits {
        max_bits: 1000,
        ..Limits::default()
    };
    check_too_large(num::binary(
        BinaryOp::Mul,
        &int_pow(2, 600),
        &int_pow(2, 600),
        &small,
    ));
    check_too_large(num::binary(
        BinaryOp::Add,
        &int_pow(2, 1000),
        &int_pow(2, 1000),
        &small,
    ));
    check_too_large(num::call(
        Builtin::Lcm,
        &[&int_pow(3, 600), &int_pow(2, 600)],
        &small,
    ));
    check_too_large(num::call(Builtin::Factorial, &[&int("200")], &small));
    // Just under the limit is allowed: 2^999 has 1000 bits.
    assert!(num::binary(BinaryOp::Pow, &two, &int("999"), &small).is_ok());
    let message = show(num::binary(BinaryOp::Pow, &two, &int("1000"), &small));
    assert_eq!(
        message,
        "error: result too large: about 1001 bits, over the limit of 1000 bits"
    );
    // An estimate beyond any number of bits is not given as one.
    let tower = num::binary(BinaryOp::Pow, &two, &int_pow(2, 70), &Limits::default());
    assert_eq!(
        show(tower),
        "error: result too large: over the limit of 67108864 bits"
    );
}

#[test]
fn literals() {
    assert_eq!(int("1_000_000").to_string(), "1000000");
    for (text, expected) in [
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("2.5E-3", 0.0025),
        ("1_0.5", 10.5),
    ] {
        assert_eq!(num::parse_float(text), expected, "{text}");
    }
    assert_eq!(num::parse_float("1e400"), f64::INFINITY);
}

#[test]
fn round_takes_any_ndigits() {
    // CPython computes 10^(2^70) here and never finishes; the nearest multiple is 0 all the
    // same, and so is it for every int smaller than half that power.
    let huge_negative = Value::Int(-(Int::ONE << 70));
    check_call(
        Builtin::Round,
        &[int_pow(10, 500), huge_negative.clone()],
        "0",
    );
    check_call(Builtin::Round, &[int("-7"), huge_negative.clone()], "0");
    check_call(Builtin::Round, &[float(5.5), huge_negative], "0.0");
    check_call(Builtin::Round, &[int("7"), Value::Int(Int::ONE << 70)], "7");
    // Just past the old clamp at -400.
    let product = num::binary(
        BinaryOp::Mul,
        &int("5"),
        &int_pow(10, 400),
        &Limits::default(),
    );
    let five_times = product.expect("5 * 10^400 is within the limit");
    check_call(Builtin::Round, &[five_times, int("-401")], "0");
}
