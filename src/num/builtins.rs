//! The built-in functions by name: Python 3.11's builtins (`abs`, `min`, `max`, `round`, `pow`,
//! `int`, `float`) and the `math` functions of the same names, dispatched from [`Builtin`].
//!
//! Integer functions (`gcd`, `lcm`, `factorial`, `comb`, `perm`, `isqrt`, `pow` with a
//! modulus) are exact and go through the size guard; float functions are `math.rs`'s, which
//! follows `mathmodule.c`. `min` and `max` compare ints and floats by their exact values (never
//! through a rounded float) and keep the first of equal extremes; a nan never replaces the
//! current extreme, so `max(nan, 1)` is `nan` and `max(1, nan)` is `1`, as in Python. The arity
//! has already been checked by the parser. `sum` and `prod` of a generator or a range are
//! reductions (the engine's); called on a number they raise Python's `TypeError`.

use std::cmp::Ordering;

use dashu_int::UBig;
use dashu_int::fast_div::ConstDivisor;
use dashu_int::ops::{BitTest, Gcd, SquareRoot, UnsignedAbs};

use crate::error::NumError;
use crate::num::math::{self, Base, float_arg, math_1, math_2};
use crate::num::{Int, Limits, Value, divide, factorial, guard, int, libm};
use crate::ops::Builtin;

// One arm per function, in the order of the table.
#[expect(
    clippy::too_many_lines,
    reason = "one arm per function, in the order of the table"
)]
pub(super) fn call(func: Builtin, args: &[&Value], limits: &Limits) -> Result<Value, NumError> {
    let arg = |k: usize| args.get(k).copied().ok_or_else(missing_argument);
    let x = || float_arg(arg(0)?);
    let float1 = |f: fn(f64) -> f64, can_overflow: bool| -> Result<Value, NumError> {
        math_1(x()?, f, can_overflow).map(Value::Float)
    };
    let float2 = |f: fn(f64, f64) -> f64| -> Result<Value, NumError> {
        math_2(float_arg(arg(0)?)?, float_arg(arg(1)?)?, f).map(Value::Float)
    };
    match func {
        Builtin::Abs => Ok(match arg(0)? {
            Value::Int(i) => Value::Int(Int::from(i.unsigned_abs())),
            Value::Float(x) => Value::Float(x.abs()),
            other => return Err(not_a_number(other)),
        }),
        Builtin::Min | Builtin::Max if args.len() == 1 => Err(not_iterable(arg(0)?)),
        Builtin::Min => extreme(args, Ordering::Less),
        Builtin::Max => extreme(args, Ordering::Greater),
        Builtin::Sum | Builtin::Prod | Builtin::Range => Err(not_iterable(arg(0)?)),
        Builtin::Round => match args.get(1) {
            None => round_to_int(arg(0)?),
            Some(ndigits) => round_digits(arg(0)?, ndigits, limits),
        },
        Builtin::Pow => match args.get(2) {
            None => super::binary(crate::ops::BinaryOp::Pow, arg(0)?, arg(1)?, limits),
            Some(modulus) => pow_mod(arg(0)?, arg(1)?, modulus),
        },
        Builtin::Int => match args.first() {
            None => Ok(Value::Int(Int::ZERO)),
            Some(Value::Int(i)) => Ok(Value::Int(i.clone())),
            Some(Value::Float(x)) => math::integral_to_int(x.trunc()).map(Value::Int),
            Some(other) => Err(not_a_number(other)),
        },
        Builtin::Float => match args.first() {
            None => Ok(Value::Float(0.0)),
            Some(value) => value.to_float().map(Value::Float),
        },
        Builtin::Sqrt => float1(|x| libm::sqrt(x), false),
        Builtin::Isqrt => {
            let n = int_arg(arg(0)?)?;
            if n < &Int::ZERO {
                return Err(NumError::Domain(
                    "isqrt() argument must be nonnegative".into(),
                ));
            }
            Ok(Value::Int(Int::from(n.unsigned_abs().sqrt())))
        }
        Builtin::Cbrt => float1(|x| libm::cbrt(x), false),
        Builtin::Exp => float1(|x| libm::exp(x), true),
        Builtin::Exp2 => float1(|x| libm::exp2(x), true),
        Builtin::Expm1 => float1(|x| libm::expm1(x), true),
        Builtin::Log => {
            let num = math::log(arg(0)?, Base::E)?;
            match args.get(1) {
                None => Ok(Value::Float(num)),
                Some(base) => {
                    let den = math::log(base, Base::E)?;
                    if den == 0.0 {
                        return Err(NumError::ZeroDivision("float division by zero"));
                    }
                    Ok(Value::Float(num / den))
                }
            }
        }
        Builtin::Log2 => math::log(arg(0)?, Base::Two).map(Value::Float),
        Builtin::Log10 => math::log(arg(0)?, Base::Ten).map(Value::Float),
        Builtin::Log1p => float1(|x| libm::log1p(x), false),
        Builtin::Sin => float1(|x| libm::sin(x), false),
        Builtin::Cos => float1(|x| libm::cos(x), false),
        Builtin::Tan => float1(|x| libm::tan(x), false),
        Builtin::Asin => float1(|x| libm::asin(x), false),
        Builtin::Acos => float1(|x| libm::acos(x), false),
        Builtin::Atan => float1(|x| libm::atan(x), false),
        Builtin::Atan2 => float2(math::atan2),
        Builtin::Sinh => float1(|x| libm::sinh(x), true),
        Builtin::Cosh => float1(|x| libm::cosh(x), true),
        Builtin::Tanh => float1(|x| libm::tanh(x), false),
        Builtin::Asinh => float1(|x| libm::asinh(x), false),
        Builtin::Acosh => float1(|x| libm::acosh(x), false),
        Builtin::Atanh => float1(|x| libm::atanh(x), false),
        Builtin::Hypot => {
            let coordinates = args
                .iter()
                .map(|value| float_arg(value))
                .collect::<Result<Vec<f64>, NumError>>()?;
            Ok(Value::Float(math::hypot(&coordinates)))
        }
        Builtin::Degrees => Ok(Value::Float(math::degrees(x()?))),
        Builtin::Radians => Ok(Value::Float(math::radians(x()?))),
        Builtin::Floor => integral(arg(0)?, |x| libm::floor(x)),
        Builtin::Ceil => integral(arg(0)?, f64::ceil),
        Builtin::Trunc => integral(arg(0)?, f64::trunc),
        Builtin::Fabs => float1(f64::abs, false),
        Builtin::Copysign => float2(f64::copysign),
        Builtin::Fmod => math::fmod(float_arg(arg(0)?)?, float_arg(arg(1)?)?).map(Value::Float),
        Builtin::Erf => float1(|x| libm::erf(x), false),
        Builtin::Erfc => float1(|x| libm::erfc(x), false),
        Builtin::Gamma => math::gamma(x()?).map(Value::Float),
        Builtin::Lgamma => math::log_gamma(x()?).map(Value::Float),
        Builtin::Gcd => {
            let mut result = Int::ZERO;
            for value in ints(args)? {
                result = gcd(&result, value);
            }
            Ok(Value::Int(result))
        }
        Builtin::Lcm => {
            let mut result = Int::ONE;
            for value in ints(args)? {
                if result.is_zero() || value.is_zero() {
                    result = Int::ZERO;
                    continue;
                }
                // `result / gcd * value` has its operands' bits or one fewer.
                let divided = &result / gcd(&result, value);
                guard::check(
                    (int::bits(&divided) + int::bits(value)).saturating_sub(1),
                    limits,
                )?;
                result = guard::exact(Int::from((divided * value).unsigned_abs()), limits)?;
            }
            Ok(Value::Int(result))
        }
        Builtin::Factorial => {
            let n = int_arg(arg(0)?)?;
            if n < &Int::ZERO {
                return Err(NumError::Domain(
                    "factorial() not defined for negative values".into(),
                ));
            }
            let n = u64::try_from(n).map_err(|_| guard::beyond_counting(limits))?;
            guard::check_f64(factorial_bits(n) - 2.0, limits)?;
            guard::exact(factorial::factorial(n), limits).map(Value::Int)
        }
        Builtin::Hex | Builtin::Oct | Builtin::Bin => {
            let n = int_arg(arg(0)?)?;
            let magnitude = n.unsigned_abs();
            let digits = match func {
                Builtin::Hex => format!("0x{magnitude:x}"),
                Builtin::Oct => format!("0o{magnitude:o}"),
                _ => format!("0b{magnitude:b}"),
            };
            let sign = if n < &Int::ZERO { "-" } else { "" };
            Ok(Value::Str(format!("{sign}{digits}").into()))
        }
        Builtin::Perm | Builtin::Comb => {
            let n = int_arg(arg(0)?)?;
            let k = match args.get(1) {
                Some(k) => Some(int_arg(k)?),
                None => None,
            };
            if n < &Int::ZERO {
                // `perm(n)` is `factorial(n)`, and says so.
                return Err(NumError::Domain(
                    if k.is_none() {
                        "factorial() not defined for negative values"
                    } else {
                        "n must be a non-negative integer"
                    }
                    .into(),
                ));
            }
            if k.is_some_and(|k| k < &Int::ZERO) {
                return Err(NumError::Domain("k must be a non-negative integer".into()));
            }
            let k = k.unwrap_or(n);
            if k > n {
                return Ok(Value::Int(Int::ZERO));
            }
            choose(n, k, func == Builtin::Comb, limits).map(Value::Int)
        }
    }
}

/// The parser checks every call's arity; this stands in should a call come here without its
/// arguments.
fn missing_argument() -> NumError {
    NumError::Type("a built-in function was called with too few arguments".into())
}

fn float_not_integer() -> NumError {
    NumError::Type("'float' object cannot be interpreted as an integer".into())
}

/// Python's `TypeError` for a value that is not a number where one is wanted (`num::call`
/// hands in only numbers: this stands in should another come here).
fn not_a_number(value: &Value) -> NumError {
    NumError::Type(format!("must be real number, not {}", value.type_name()).into())
}

/// Python's `TypeError` for a number where an iterable is wanted (`min(5)`, `sum(5)`).
fn not_iterable(value: &Value) -> NumError {
    NumError::Type(format!("'{}' object is not iterable", value.type_name()).into())
}

/// An int argument, or Python's `TypeError` for a float.
fn int_arg(value: &Value) -> Result<&Int, NumError> {
    match value {
        Value::Int(i) => Ok(i),
        Value::Float(_) => Err(float_not_integer()),
        other => Err(NumError::Type(
            format!(
                "'{}' object cannot be interpreted as an integer",
                other.type_name()
            )
            .into(),
        )),
    }
}

/// The arguments as ints, or Python's `TypeError` for a float.
fn ints<'a>(args: &[&'a Value]) -> Result<Vec<&'a Int>, NumError> {
    args.iter().map(|value| int_arg(value)).collect()
}

/// The non-negative greatest common divisor; `gcd(0, 0)` is 0.
fn gcd(a: &Int, b: &Int) -> Int {
    if a.is_zero() {
        return Int::from(b.unsigned_abs());
    }
    if b.is_zero() {
        return Int::from(a.unsigned_abs());
    }
    Int::from(a.gcd(b))
}

/// `floor`, `ceil` and `trunc`: an int stays itself, a float is rounded by `f` and becomes an
/// int (`OverflowError` for an infinity, `ValueError` for a nan).
fn integral(value: &Value, f: fn(f64) -> f64) -> Result<Value, NumError> {
    match value {
        Value::Int(i) => Ok(Value::Int(i.clone())),
        Value::Float(x) => math::integral_to_int(f(*x)).map(Value::Int),
        other => Err(not_a_number(other)),
    }
}

/// `round(x)`: an int stays itself; a float is rounded half to even, to an int.
fn round_to_int(value: &Value) -> Result<Value, NumError> {
    match value {
        Value::Bool(_) | Value::Str(_) | Value::Func(_) => Err(not_a_number(value)),
        Value::Int(i) => Ok(Value::Int(i.clone())),
        Value::Float(x) => {
            // `float.__round__` without digits: C's round (half away from zero), corrected
            // to even on a tie.
            let mut rounded = libm::round(*x);
            if (x - rounded).abs() == 0.5 {
                rounded = 2.0 * libm::round(x / 2.0);
            }
            math::integral_to_int(rounded).map(Value::Int)
        }
    }
}

/// `num / den` rounded to the nearest integer, ties to even.
fn round_div(num: &UBig, den: &UBig) -> UBig {
    let (quotient, remainder) = (num / den, num % den);
    let twice = &remainder << 1;
    match twice.cmp(den) {
        Ordering::Greater => quotient + UBig::ONE,
        Ordering::Equal if quotient.bit(0) => quotient + UBig::ONE,
        _ => quotient,
    }
}

/// The exact value of a finite float as `(negative, m, e)` with `|x| = m * 2^e`.
fn float_parts(x: f64) -> (bool, UBig, i64) {
    let raw = x.to_bits();
    let biased = ((raw >> 52) & 0x7ff) as i64;
    let fraction = raw & ((1 << 52) - 1);
    let (mantissa, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    (x.is_sign_negative(), UBig::from(mantissa), exponent)
}

/// `round(x, n)`. An int is rounded to a multiple of `10^-n` (itself for `n >= 0`), half to
/// even. A float is rounded as `CPython` does it, to the decimal with `n` digits after the
/// point nearest to its exact value (ties to even), read back as the nearest float: computed
/// here exactly with integers instead of through a decimal string.
fn round_digits(value: &Value, ndigits: &Value, limits: &Limits) -> Result<Value, NumError> {
    let ndigits = int_arg(ndigits)?;
    match value {
        Value::Int(i) => round_int(i, ndigits, limits),
        Value::Float(x) => round_float(*x, ndigits),
        other => Err(not_a_number(other)),
    }
}

/// `int.__round__(n)`: `i` itself for `n >= 0`, else the multiple of `10^-n` nearest to `i`,
/// the even multiple on a tie, for any `n` (no clamping: `round(5 * 10 ^ 400, -401)` is 0).
fn round_int(i: &Int, ndigits: &Int, limits: &Limits) -> Result<Value, NumError> {
    if ndigits >= &Int::ZERO {
        return Ok(Value::Int(i.clone()));
    }
    // 10^k > 2|i|: the nearest multiple is 0 (on a tie, 10^k = 2|i|, 0 is the even one).
    // A `k` that does not fit a machine word is always that large.
    let Ok(k) = usize::try_from(ndigits.unsigned_abs()) else {
        return Ok(Value::Int(Int::ZERO));
    };
    if (k as f64) * std::f64::consts::LOG2_10 > int::bits(i) as f64 + 2.0 {
        return Ok(Value::Int(Int::ZERO));
    }
    let power = UBig::from(10u8).pow(k);
    let rounded = round_div(&i.unsigned_abs(), &power) * power;
    let rounded = guard::exact(Int::from(rounded), limits)?;
    Ok(Value::Int(if i < &Int::ZERO { -rounded } else { rounded }))
}

/// `float.__round__(n)`, as `floatobject.c` does it: `ndigits` clipped to a machine word,
/// which changes nothing since every `n` beyond `NDIGITS_MAX` (323) leaves `x` as it is and
/// every `n` below `NDIGITS_MIN` (-308) gives a zero of `x`'s sign.
fn round_float(x: f64, ndigits: &Int) -> Result<Value, NumError> {
    let n = i64::try_from(ndigits).unwrap_or(if ndigits < &Int::ZERO {
        i64::MIN
    } else {
        i64::MAX
    });
    // NDIGITS_MAX and NDIGITS_MIN of `floatobject.c`.
    if n > 323 || !x.is_finite() {
        return Ok(Value::Float(x));
    }
    if n < -308 {
        return Ok(Value::Float(0.0 * x));
    }
    let (negative, mantissa, exponent) = float_parts(x);
    let magnitude = if n >= 0 {
        if exponent >= 0 {
            return Ok(Value::Float(x));
        }
        let scaled = mantissa * UBig::from(10u8).pow(n as usize);
        let rounded = round_div(&scaled, &(UBig::ONE << exponent.unsigned_abs() as usize));
        let power = Int::from(UBig::from(10u8).pow(n as usize));
        divide::true_divide(&Int::from(rounded), &power)?
    } else {
        let power = UBig::from(10u8).pow(n.unsigned_abs() as usize);
        let rounded = if exponent >= 0 {
            round_div(&(mantissa << exponent as usize), &power)
        } else {
            round_div(
                &mantissa,
                &(power.clone() << exponent.unsigned_abs() as usize),
            )
        };
        int::to_f64(&Int::from(rounded * power))
            .map_err(|_| NumError::Overflow("rounded value too large to represent"))?
    };
    Ok(Value::Float(if negative { -magnitude } else { magnitude }))
}

/// `pow(x, y, m)` on ints: `x^y mod m` with the sign of `m`; a negative `y` takes the inverse
/// of `x` modulo `m`, as Python 3.8 and later do.
fn pow_mod(base: &Value, exponent: &Value, modulus: &Value) -> Result<Value, NumError> {
    let (Value::Int(base), Value::Int(exponent), Value::Int(modulus)) = (base, exponent, modulus)
    else {
        return Err(NumError::Type(
            "pow() 3rd argument not allowed unless all arguments are integers".into(),
        ));
    };
    if modulus.is_zero() {
        return Err(NumError::Domain("pow() 3rd argument cannot be 0".into()));
    }
    let size = modulus.unsigned_abs();
    if size == UBig::ONE {
        return Ok(Value::Int(Int::ZERO));
    }
    let ring = ConstDivisor::new(size.clone());
    let mut reduced = ring.reduce(base.clone());
    if exponent < &Int::ZERO {
        reduced = reduced.inv().ok_or(NumError::Domain(
            "base is not invertible for the given modulus".into(),
        ))?;
    }
    let residue = Int::from(reduced.pow(&exponent.unsigned_abs()).residue());
    Ok(Value::Int(if modulus < &Int::ZERO && !residue.is_zero() {
        residue - Int::from(size)
    } else {
        residue
    }))
}

/// Python's `<` between two numbers; `None` when a nan is involved.
pub(super) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Float(y)) => int::cmp_int_float(x, *y),
        (Value::Float(x), Value::Int(y)) => int::cmp_int_float(y, *x).map(Ordering::reverse),
        (Value::Bool(_), _) | (_, Value::Bool(_)) => compare(&a.numeric(), &b.numeric()),
        _ => None,
    }
}

/// `min` (`wanted` = Less) or `max` (`wanted` = Greater): an item replaces the current extreme
/// only when strictly beyond it.
fn extreme(args: &[&Value], wanted: Ordering) -> Result<Value, NumError> {
    let (first, rest) = args.split_first().ok_or_else(missing_argument)?;
    let op = if wanted == Ordering::Less {
        crate::ops::BinaryOp::Lt
    } else {
        crate::ops::BinaryOp::Gt
    };
    let mut best = *first;
    for item in rest {
        if super::compare_op(op, item, best)? {
            best = item;
        }
    }
    Ok(best.clone())
}

/// Python's error for a string given to a function of numbers.
pub(super) fn str_argument(func: Builtin, text: &str) -> NumError {
    let quoted = super::str_repr(text);
    match func {
        Builtin::Int => {
            NumError::Domain(format!("invalid literal for int() with base 10: {quoted}").into())
        }
        Builtin::Float => {
            NumError::Domain(format!("could not convert string to float: {quoted}").into())
        }
        Builtin::Abs => NumError::Type("bad operand type for abs(): 'str'".into()),
        Builtin::Round => NumError::Type("type str doesn't define __round__ method".into()),
        Builtin::Isqrt
        | Builtin::Factorial
        | Builtin::Gcd
        | Builtin::Lcm
        | Builtin::Comb
        | Builtin::Perm
        | Builtin::Hex
        | Builtin::Oct
        | Builtin::Bin
        | Builtin::Range => {
            NumError::Type("'str' object cannot be interpreted as an integer".into())
        }
        _ => NumError::Type("must be real number, not str".into()),
    }
}

/// An estimate of `log2(n!)` by Stirling's formula, rounded up by a bit.
fn factorial_bits(n: u64) -> f64 {
    if n < 2 {
        return 1.0;
    }
    let n = n as f64;
    let ln = n * n.ln() - n + 0.5 * (std::f64::consts::TAU * n).ln();
    ln / std::f64::consts::LN_2 + 1.0
}

/// An estimate of `log2(n! / (n - k)!)`, the bits of `perm(n, k)`, for `k <= n`.
fn perm_bits(n: &Int, k: u64) -> f64 {
    let top = int::log2_abs(n).max(0.0);
    if k <= 1 << 16 {
        // Factor by factor, in floating point: exact enough, and no cancellation.
        let n = int::to_f64(n).unwrap_or(f64::INFINITY);
        if n.is_finite() {
            return (0..k).map(|i| (n - i as f64).max(1.0).log2()).sum();
        }
        return k as f64 * top;
    }
    match u64::try_from(n) {
        Ok(n) => factorial_bits(n) - factorial_bits(n - k) + 2.0,
        Err(_) => k as f64 * top,
    }
}

/// `perm(n, k)` (`comb` false) or `comb(n, k)` (`comb` true), for `0 <= k <= n`.
fn choose(n: &Int, k: &Int, comb: bool, limits: &Limits) -> Result<Int, NumError> {
    let k = if comb {
        let rest = n - k;
        if &rest < k { rest } else { k.clone() }
    } else {
        k.clone()
    };
    let k = u64::try_from(&k).map_err(|_| guard::beyond_counting(limits))?;
    let mut estimate = perm_bits(n, k);
    if comb {
        estimate -= factorial_bits(k) - 1.0;
    }
    // The estimates are close but not exact: refuse only what is clearly beyond the limit, and
    // measure the rest.
    guard::check_f64(estimate * 0.999 - 64.0, limits)?;
    let low = n - Int::from(k) + Int::ONE;
    // The size of the result was checked above; the falling product is only a step of it.
    let falling = range_product(&low, k, u64::MAX)?;
    let result = if comb {
        falling / factorial::factorial(k)
    } else {
        falling
    };
    guard::exact(result, limits)
}

/// The product of the `count` consecutive integers from `low` (positive), by a balanced tree:
/// factors that fit a machine word are packed into words, then the words are multiplied
/// pairwise, so that the big multiplications are between equal sizes. Refused as soon as the
/// factors alone are known to exceed `max_bits`, or when the product does (`u64::MAX` for a
/// product that is only a step, checked by its caller).
pub(crate) fn range_product(low: &Int, count: u64, max_bits: u64) -> Result<Int, NumError> {
    let too_large = |bits: u64| NumError::TooLarge {
        estimated_bits: Some(bits),
        limit: max_bits,
    };
    let mut level: Vec<Int> = Vec::new();
    let mut bits: u64 = 0;
    let mut push = |level: &mut Vec<Int>, factor: Int| -> Result<(), NumError> {
        // A product has at least the bits of its factors, less one per factor.
        bits += (factor.bit_len() as u64).saturating_sub(1);
        if bits > max_bits {
            return Err(too_large(bits));
        }
        level.push(factor);
        Ok(())
    };
    if let Ok(start) = u64::try_from(low)
        && start.checked_add(count).is_some()
    {
        let mut word: u64 = 1;
        for k in start..start + count {
            if let Some(product) = word.checked_mul(k) {
                word = product;
            } else {
                push(&mut level, Int::from(word))?;
                word = k;
            }
        }
        push(&mut level, Int::from(word))?;
    } else {
        let mut factor = low.clone();
        for _ in 0..count {
            push(&mut level, factor.clone())?;
            factor += Int::ONE;
        }
    }
    let result = crate::num::mul::pairwise_product(level, Int::ONE);
    let result_bits = result.bit_len() as u64;
    if result_bits > max_bits {
        return Err(too_large(result_bits));
    }
    Ok(result)
}
