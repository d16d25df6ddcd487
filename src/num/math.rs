//! Python's `math` module on floats, as `CPython` 3.11's `mathmodule.c` computes it: the C
//! library's function where `CPython` calls it (through `libm`), `CPython`'s own code where it
//! has its own (`gamma`, `lgamma`, `hypot`, the special cases of `atan2`, `fmod` and the
//! logarithms), and its rules for turning a result into an exception.
//!
//! Those rules, from `math_1` and `is_error`: a nan from a number is `ValueError: math domain
//! error`; an infinity from a finite number is `OverflowError: math range error` where the
//! function can overflow (`exp`, `cosh`, …) and a domain error where it has a pole (`log(0)`,
//! `atanh(1)`). An int argument is converted to the nearest float first (`OverflowError` when
//! it is too large), except for the logarithms, which take ints of any size as `loghelper`
//! does. This module works on `f64`s and `Value`s; it knows nothing of the functions' names
//! (`functions` dispatches to it).

use crate::error::NumError;
use crate::num::{Int, Value, int, libm};

pub(super) const DOMAIN: NumError =
    NumError::Domain(std::borrow::Cow::Borrowed("math domain error"));
pub(super) const RANGE: NumError = NumError::Overflow("math range error");

/// `math_1`: applies `f` to `x` and classifies a nan or an infinity it made.
pub(super) fn math_1(x: f64, f: fn(f64) -> f64, can_overflow: bool) -> Result<f64, NumError> {
    let r = f(x);
    if r.is_nan() && !x.is_nan() {
        return Err(DOMAIN);
    }
    if r.is_infinite() && x.is_finite() {
        return Err(if can_overflow { RANGE } else { DOMAIN });
    }
    Ok(r)
}

/// What a function that sets `errno` itself reported (`CPython`'s `m_tgamma`, `m_lgamma`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Errno {
    None,
    Domain,
    Range,
}

/// `math_1a` with `is_error`: the error a function's own `errno` means, if any.
fn math_1a(x: f64, f: fn(f64) -> (f64, Errno)) -> Result<f64, NumError> {
    let (r, errno) = f(x);
    match errno {
        Errno::None => Ok(r),
        Errno::Domain => Err(DOMAIN),
        // An underflow (a result below 1.5 in magnitude) is not an error.
        Errno::Range if r.abs() < 1.5 => Ok(r),
        Errno::Range => Err(RANGE),
    }
}

/// `math_2`'s rules for a function of two floats.
pub(super) fn math_2(x: f64, y: f64, f: fn(f64, f64) -> f64) -> Result<f64, NumError> {
    let r = f(x, y);
    if r.is_nan() && !x.is_nan() && !y.is_nan() {
        return Err(DOMAIN);
    }
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        // ERANGE through `is_error`: infinite, so never an underflow.
        return Err(RANGE);
    }
    Ok(r)
}

/// A float argument, as `PyFloat_AsDouble` converts it.
pub(super) fn float_arg(value: &Value) -> Result<f64, NumError> {
    value.to_float()
}

/// `m_atan2`: the special cases C99 leaves to the platform, then the C library.
pub(super) fn atan2(y: f64, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if y.is_infinite() {
        if x.is_infinite() {
            return if 1.0_f64.copysign(x) == 1.0 {
                (0.25 * PI).copysign(y)
            } else {
                (0.75 * PI).copysign(y)
            };
        }
        return (0.5 * PI).copysign(y);
    }
    if x.is_infinite() || y == 0.0 {
        return if 1.0_f64.copysign(x) == 1.0 {
            0.0_f64.copysign(y)
        } else {
            PI.copysign(y)
        };
    }
    libm::atan2(y, x)
}

/// `math.fmod`: C's `fmod`, with `fmod(x, ±inf)` = `x` for a finite `x`.
pub(super) fn fmod(x: f64, y: f64) -> Result<f64, NumError> {
    if y.is_infinite() && x.is_finite() {
        return Ok(x);
    }
    let r = libm::fmod(x, y);
    if r.is_nan() && !x.is_nan() && !y.is_nan() {
        return Err(DOMAIN);
    }
    Ok(r)
}

/// `m_log`, `m_log2` and `m_log10`: the C function for a positive finite `x`, the special
/// values directly (`-inf` for 0 and nan for a negative number, both with `EDOM`, which
/// `math_1` reports as domain errors).
fn log_special(x: f64, f: fn(f64) -> f64) -> f64 {
    if x.is_finite() {
        if x > 0.0 {
            f(x)
        } else if x == 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::NAN
        }
    } else if x.is_nan() || x > 0.0 {
        x
    } else {
        f64::NAN
    }
}

/// Which logarithm.
#[derive(Clone, Copy, Debug)]
pub(super) enum Base {
    E,
    Two,
    Ten,
}

impl Base {
    fn function(self) -> fn(f64) -> f64 {
        match self {
            Base::E => |x| libm::log(x),
            Base::Two => |x| libm::log2(x),
            Base::Ten => |x| libm::log10(x),
        }
    }
}

/// `loghelper`: the logarithm of an int of any size (of a huge one, `log(m) + log(2) * e` for
/// `x = m * 2^e`), or of a float through `math_1`.
pub(super) fn log(value: &Value, base: Base) -> Result<f64, NumError> {
    let f = base.function();
    let special = move |x: f64| log_special(x, f);
    match value {
        Value::Int(i) => {
            if i <= &Int::ZERO {
                return Err(DOMAIN);
            }
            if let Ok(x) = int::to_f64(i) {
                return Ok(special(x));
            }
            let (mantissa, exponent) = frexp_int(i);
            Ok(special(mantissa) + special(2.0) * exponent as f64)
        }
        Value::Float(x) => {
            let r = special(*x);
            if r.is_nan() && !x.is_nan() || r.is_infinite() && x.is_finite() {
                return Err(DOMAIN);
            }
            Ok(r)
        }
        Value::Bool(_) => log(&value.numeric(), base),
        Value::Str(_) | Value::Func(_) => Err(NumError::Type(
            format!("must be real number, not {}", value.type_name()).into(),
        )),
    }
}

/// `_PyLong_Frexp` of a positive int: `(m, e)` with `m` in [0.5, 1) rounded to 53 bits, ties
/// to even, and the int about `m * 2^e`.
fn frexp_int(i: &Int) -> (f64, i64) {
    let n_bits = int::bits(i);
    let shift = n_bits.saturating_sub(64);
    let magnitude = dashu_int::ops::UnsignedAbs::unsigned_abs(i);
    let top = u64::try_from(&(&magnitude >> shift as usize)).unwrap_or(u64::MAX);
    // A set bit below the top 64 only matters for ties: folded into the lowest bit, below the
    // rounding position, as `int::to_f64` does.
    let sticky = magnitude
        .trailing_zeros()
        .is_some_and(|zeros| (zeros as u64) < shift);
    let top_bits = n_bits - shift;
    let rounded = (top | u64::from(sticky)) as f64;
    let mantissa = int::ldexp(rounded, -(top_bits as i64));
    if mantissa >= 1.0 {
        (mantissa / 2.0, n_bits as i64 + 1)
    } else {
        (mantissa, n_bits as i64)
    }
}

/// `math.hypot(*coordinates)`: `vector_norm` of the absolute values.
pub(super) fn hypot(coordinates: &[f64]) -> f64 {
    let mut max = 0.0_f64;
    let mut found_nan = false;
    let mut vec: Vec<f64> = Vec::with_capacity(coordinates.len());
    for &x in coordinates {
        let x = x.abs();
        found_nan |= x.is_nan();
        if x > max {
            max = x;
        }
        vec.push(x);
    }
    vector_norm(&vec, max, found_nan)
}

/// `CPython` 3.11's `vector_norm`: the Euclidean norm with lossless scaling, Veltkamp–Dekker
/// squaring, compensated summation and a differential correction of the square root, written
/// operation for operation as in C so that every rounding is the same.
fn vector_norm(vec: &[f64], max: f64, found_nan: bool) -> f64 {
    const T27: f64 = 134_217_729.0; // ldexp(1.0, 27) + 1.0
    if max.is_infinite() {
        return max;
    }
    if found_nan {
        return f64::NAN;
    }
    if max == 0.0 || vec.len() <= 1 {
        return max;
    }
    let max_e = frexp_exponent(max);
    let (mut csum, mut frac1, mut frac2, mut frac3) = (1.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
    if max_e >= -1023 {
        let scale = int::ldexp(1.0, -i64::from(max_e));
        for &value in vec {
            let x = value * scale;
            let t = x * T27;
            let hi = t - (t - x);
            let lo = x - hi;

            let x = hi * hi;
            let old = csum;
            csum += x;
            frac1 += (old - csum) + x;

            let x = 2.0 * hi * lo;
            let old = csum;
            csum += x;
            frac2 += (old - csum) + x;

            frac3 += lo * lo;
        }
        let h = libm::sqrt(csum - 1.0 + (frac1 + frac2 + frac3));

        let x = h;
        let t = x * T27;
        let hi = t - (t - x);
        let lo = x - hi;

        let x = -hi * hi;
        let old = csum;
        csum += x;
        frac1 += (old - csum) + x;

        let x = -2.0 * hi * lo;
        let old = csum;
        csum += x;
        frac2 += (old - csum) + x;

        let x = -lo * lo;
        let old = csum;
        csum += x;
        frac3 += (old - csum) + x;

        let x = csum - 1.0 + (frac1 + frac2 + frac3);
        return (h + x / (2.0 * h)) / scale;
    }
    // When max_e < -1023, ldexp(1.0, -max_e) overflows: divide by max instead.
    for &value in vec {
        let x = value / max;
        let x = x * x;
        let old = csum;
        csum += x;
        frac1 += (old - csum) + x;
    }
    max * libm::sqrt(csum - 1.0 + frac1)
}

/// The exponent `frexp` gives a positive finite float: `x = m * 2^e` with `m` in [0.5, 1).
fn frexp_exponent(x: f64) -> i32 {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: the exponent of its leading bit.
        let mantissa = bits & ((1 << 52) - 1);
        -1022 - (mantissa.leading_zeros() as i32 - 12)
    } else {
        biased - 1022
    }
}

/// `sin(pi * x)` for a finite `x`, accurate near integers (`m_sinpi`).
fn sinpi(x: f64) -> f64 {
    use std::f64::consts::PI;
    let y = libm::fmod(x.abs(), 2.0);
    let n = libm::round(2.0 * y) as i32;
    let r = match n {
        0 => libm::sin(PI * y),
        1 => libm::cos(PI * (y - 0.5)),
        // -sin(pi*(y-1.0)) would give -0.0 instead of 0.0 when y == 1.0.
        2 => libm::sin(PI * (1.0 - y)),
        3 => -libm::cos(PI * (y - 1.5)),
        _ => libm::sin(PI * (y - 2.0)),
    };
    1.0_f64.copysign(x) * r
}

// `CPython`'s literals, digit for digit (each is exactly a float).
#[expect(
    clippy::excessive_precision,
    reason = "CPython's literals, digit for digit"
)]
const LANCZOS_G: f64 = 6.024_680_040_776_729_583_740_234_375;
#[expect(
    clippy::excessive_precision,
    reason = "CPython's literals, digit for digit"
)]
const LANCZOS_G_MINUS_HALF: f64 = 5.524_680_040_776_729_583_740_234_375;
#[expect(
    clippy::unreadable_literal,
    clippy::excessive_precision,
    reason = "CPython's literals, digit for digit"
)]
const LANCZOS_NUM_COEFFS: [f64; 13] = [
    23531376880.410759688572007674451636754734846804940,
    42919803642.649098768957899047001988850926355848959,
    35711959237.355668049440185451547166705960488635843,
    17921034426.037209699919755754458931112671403265390,
    6039542586.3520280050642916443072979210699388420708,
    1439720407.3117216736632230727949123939715485786772,
    248874557.86205415651146038641322942321632125127801,
    31426415.585400194380614231628318205362874684987640,
    2876370.6289353724412254090516208496135991145378768,
    186056.26539522349504029498971604569928220784236328,
    8071.6720023658162106380029022722506138218516325024,
    210.82427775157934587250973392071336271166969580291,
    2.5066282746310002701649081771338373386264310793408,
];
/// The denominator is x*(x+1)*...*(x+LANCZOS_N-2).
const LANCZOS_DEN_COEFFS: [f64; 13] = [
    0.0,
    39_916_800.0,
    120_543_840.0,
    150_917_976.0,
    105_258_076.0,
    45_995_730.0,
    13_339_535.0,
    2_637_558.0,
    357_423.0,
    32_670.0,
    1_925.0,
    66.0,
    1.0,
];
/// gamma(n) for n from 1 to 23.
#[expect(
    clippy::unreadable_literal,
    reason = "exact factorials, as CPython writes them"
)]
const GAMMA_INTEGRAL: [f64; 23] = [
    1.0,
    1.0,
    2.0,
    6.0,
    24.0,
    120.0,
    720.0,
    5040.0,
    40320.0,
    362880.0,
    3628800.0,
    39916800.0,
    479001600.0,
    6227020800.0,
    87178291200.0,
    1307674368000.0,
    20922789888000.0,
    355687428096000.0,
    6402373705728000.0,
    121645100408832000.0,
    2432902008176640000.0,
    51090942171709440000.0,
    1124000727777607680000.0,
];

/// Lanczos' sum `L_g(x)` for a positive x, as a rational function (in 1/x for x >= 5).
fn lanczos_sum(x: f64) -> f64 {
    let (mut num, mut den) = (0.0_f64, 0.0_f64);
    if x < 5.0 {
        for i in (0..13).rev() {
            num = num * x + LANCZOS_NUM_COEFFS[i];
            den = den * x + LANCZOS_DEN_COEFFS[i];
        }
    } else {
        for i in 0..13 {
            num = num / x + LANCZOS_NUM_COEFFS[i];
            den = den / x + LANCZOS_DEN_COEFFS[i];
        }
    }
    num / den
}

/// `CPython`'s `m_tgamma`: the Lanczos approximation with the reflection formula.
fn tgamma(x: f64) -> (f64, Errno) {
    use std::f64::consts::PI;
    if !x.is_finite() {
        if x.is_nan() || x > 0.0 {
            return (x, Errno::None);
        }
        return (f64::NAN, Errno::Domain);
    }
    if x == 0.0 {
        return (f64::INFINITY.copysign(x), Errno::Domain);
    }
    if x == x.floor() {
        if x < 0.0 {
            return (f64::NAN, Errno::Domain);
        }
        if x <= 23.0 {
            return (GAMMA_INTEGRAL[x as usize - 1], Errno::None);
        }
    }
    let absx = x.abs();
    if absx < 1e-20 {
        let r = 1.0 / x;
        let errno = if r.is_infinite() {
            Errno::Range
        } else {
            Errno::None
        };
        return (r, errno);
    }
    if absx > 200.0 {
        if x < 0.0 {
            return (0.0 / sinpi(x), Errno::None);
        }
        return (f64::INFINITY, Errno::Range);
    }
    let y = absx + LANCZOS_G_MINUS_HALF;
    let z = if absx > LANCZOS_G_MINUS_HALF {
        let q = y - absx;
        q - LANCZOS_G_MINUS_HALF
    } else {
        let q = y - LANCZOS_G_MINUS_HALF;
        q - absx
    };
    let z = z * LANCZOS_G / y;
    let mut r;
    if x < 0.0 {
        r = -PI / sinpi(absx) / absx * libm::exp(y) / lanczos_sum(absx);
        r -= z * r;
        if absx < 140.0 {
            r /= libm::pow(y, absx - 0.5);
        } else {
            let sqrtpow = libm::pow(y, absx / 2.0 - 0.25);
            r /= sqrtpow;
            r /= sqrtpow;
        }
    } else {
        r = lanczos_sum(absx) / libm::exp(y);
        r += z * r;
        if absx < 140.0 {
            r *= libm::pow(y, absx - 0.5);
        } else {
            let sqrtpow = libm::pow(y, absx / 2.0 - 0.25);
            r *= sqrtpow;
            r *= sqrtpow;
        }
    }
    let errno = if r.is_infinite() {
        Errno::Range
    } else {
        Errno::None
    };
    (r, errno)
}

/// `CPython`'s `m_lgamma`: the natural logarithm of |gamma(x)|.
fn lgamma(x: f64) -> (f64, Errno) {
    const LOG_PI: f64 = 1.144_729_885_849_400_174_143_427_351_353_058_711_647;
    if !x.is_finite() {
        if x.is_nan() {
            return (x, Errno::None);
        }
        return (f64::INFINITY, Errno::None);
    }
    if x == x.floor() && x <= 2.0 {
        if x <= 0.0 {
            return (f64::INFINITY, Errno::Domain);
        }
        return (0.0, Errno::None);
    }
    let absx = x.abs();
    if absx < 1e-20 {
        return (-libm::log(absx), Errno::None);
    }
    let mut r = libm::log(lanczos_sum(absx)) - LANCZOS_G;
    r += (absx - 0.5) * (libm::log(absx + LANCZOS_G - 0.5) - 1.0);
    if x < 0.0 {
        r = LOG_PI - libm::log(sinpi(absx).abs()) - libm::log(absx) - r;
    }
    let errno = if r.is_infinite() {
        Errno::Range
    } else {
        Errno::None
    };
    (r, errno)
}

pub(super) fn gamma(x: f64) -> Result<f64, NumError> {
    math_1a(x, tgamma)
}

pub(super) fn log_gamma(x: f64) -> Result<f64, NumError> {
    math_1a(x, lgamma)
}

/// `x * (180 / pi)`, as `math.degrees` computes it.
pub(super) fn degrees(x: f64) -> f64 {
    x * (180.0 / std::f64::consts::PI)
}

/// `x * (pi / 180)`, as `math.radians` computes it.
pub(super) fn radians(x: f64) -> f64 {
    x * (std::f64::consts::PI / 180.0)
}

/// An integral float as an int (`PyLong_FromDouble`), refusing infinities and nans as Python
/// does.
pub(super) fn integral_to_int(x: f64) -> Result<Int, NumError> {
    if x.is_infinite() {
        return Err(NumError::Overflow(
            "cannot convert float infinity to integer",
        ));
    }
    if x.is_nan() {
        return Err(NumError::Domain(
            "cannot convert float NaN to integer".into(),
        ));
    }
    Ok(int::from_integral_f64(x))
}
