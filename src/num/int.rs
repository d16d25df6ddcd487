//! Integer helpers: bit length, floor division, `^` with the size guard, and the exact bridges
//! between ints and floats (correctly rounded conversion, exact comparison).
//!
//! Conversions follow `CPython`: an int becomes the nearest float (ties to even) or raises
//! `OverflowError`; an int and a float compare by their exact values, never through a rounded
//! float. Decimal printing lives in `print.rs`, true division in `divide.rs`.

use std::cmp::Ordering;

use dashu_int::ops::{BitTest, DivRem, UnsignedAbs};
use dashu_int::{Sign, UBig};

use crate::error::NumError;
use crate::num::{Int, Limits, guard, mul};

/// The number of bits of `|x|` (0 for 0).
pub(super) fn bits(x: &Int) -> u64 {
    x.bit_len() as u64
}

/// `x * 2^exp` for an `x` whose product is exactly representable (or overflows to infinity).
pub(super) fn ldexp(x: f64, exp: i64) -> f64 {
    let pow2 = |e: i64| f64::from_bits(((e + 1023) as u64) << 52);
    if exp > 1023 {
        x * pow2(1023) * pow2((exp - 1023).min(1023))
    } else if exp < -1022 {
        // Two steps, the first keeping the value normal so that no bit is lost before the last.
        x * pow2(-54) * pow2((exp + 54).max(-1022))
    } else {
        x * pow2(exp)
    }
}

/// Converts an int to the nearest float, ties to even, as Python's `float(int)`.
pub(super) fn to_f64(x: &Int) -> Result<f64, NumError> {
    if let Ok(small) = i64::try_from(x) {
        // The cast rounds to nearest, ties to even.
        return Ok(small as f64);
    }
    let n_bits = bits(x);
    if n_bits > 1024 {
        return Err(too_large_for_float());
    }
    let magnitude = x.unsigned_abs();
    let shift = n_bits - 64;
    let top = u64::try_from(&(&magnitude >> shift as usize)).unwrap_or(u64::MAX);
    // A set bit below the top 64 only matters for ties; fold it into the lowest bit, which lies
    // below the rounding position.
    let sticky = magnitude
        .trailing_zeros()
        .is_some_and(|zeros| (zeros as u64) < shift);
    let rounded = (top | u64::from(sticky)) as f64;
    let value = ldexp(rounded, shift as i64);
    if value.is_infinite() {
        return Err(too_large_for_float());
    }
    Ok(if x.sign() == Sign::Negative {
        -value
    } else {
        value
    })
}

pub(super) fn too_large_for_float() -> NumError {
    NumError::Overflow("int too large to convert to float")
}

/// The exact integer value of a finite float with no fractional part.
pub(super) fn from_integral_f64(x: f64) -> Int {
    if x.abs() < 9.0e18 {
        return Int::from(x as i64);
    }
    let raw = x.to_bits();
    let mantissa = (raw & ((1 << 52) - 1)) | (1 << 52);
    let exponent = ((raw >> 52) & 0x7ff) as i64 - 1075;
    // |x| >= 2^63 here, so the exponent is positive.
    let magnitude = UBig::from(mantissa) << exponent.max(0) as usize;
    let sign = if x < 0.0 {
        Sign::Negative
    } else {
        Sign::Positive
    };
    Int::from_parts(sign, magnitude)
}

/// Compares an int with a float by their exact values; `None` when the float is a nan.
pub(super) fn cmp_int_float(i: &Int, x: f64) -> Option<Ordering> {
    if x.is_nan() {
        return None;
    }
    if x.is_infinite() {
        return Some(if x > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    let whole = x.trunc();
    let fraction = x - whole;
    Some(match i.cmp(&from_integral_f64(whole)) {
        Ordering::Equal => 0.0_f64.partial_cmp(&fraction).unwrap_or(Ordering::Equal),
        unequal => unequal,
    })
}

/// Floor division and modulo with the divisor's sign: Python's `divmod` on ints.
pub(super) fn floor_div_mod(
    a: &Int,
    b: &Int,
    zero_message: &'static str,
) -> Result<(Int, Int), NumError> {
    if b.is_zero() {
        return Err(NumError::ZeroDivision(zero_message));
    }
    let (mut quotient, mut remainder) = a.div_rem(b);
    if !remainder.is_zero() && (remainder.sign() != b.sign()) {
        quotient -= 1;
        remainder += b;
    }
    Ok((quotient, remainder))
}

/// `base ^ exponent` for an exponent >= 0, refused beforehand when too large.
pub(super) fn pow(base: &Int, exponent: &Int, limits: &Limits) -> Result<Int, NumError> {
    if exponent.is_zero() || base.is_one() {
        return Ok(Int::ONE);
    }
    if base.is_zero() {
        return Ok(Int::ZERO);
    }
    if *base == Int::NEG_ONE {
        let odd = exponent.bit(0);
        return Ok(if odd { Int::NEG_ONE } else { Int::ONE });
    }
    // The result has floor(e * log2|b|) + 1 bits; the float estimate may be a bit high at the
    // limit, so a result just over it is computed and measured.
    let log2_result = log2_abs(base) * to_f64(exponent).unwrap_or(f64::INFINITY);
    guard::check_f64(log2_result.floor(), limits)?;
    let exponent = usize::try_from(exponent).map_err(|_| guard::beyond_counting(limits))?;
    guard::exact(mul::pow(base, exponent), limits)
}

fn negative_shift() -> NumError {
    NumError::Domain("negative shift count".into())
}

/// `a << b`: the result has exactly `bits(a) + b` bits, checked before shifting.
pub(super) fn shift_left(a: &Int, b: &Int, limits: &Limits) -> Result<Int, NumError> {
    if b < &Int::ZERO {
        return Err(negative_shift());
    }
    if a.is_zero() {
        return Ok(Int::ZERO);
    }
    let shift = u64::try_from(b).map_err(|_| guard::beyond_counting(limits))?;
    guard::check(bits(a).saturating_add(shift), limits)?;
    Ok(a << shift as usize)
}

/// `a >> b`, rounding towards negative infinity: 0 or -1 once every bit is shifted out.
pub(super) fn shift_right(a: &Int, b: &Int) -> Result<Int, NumError> {
    if b < &Int::ZERO {
        return Err(negative_shift());
    }
    match u64::try_from(b) {
        Ok(shift) if shift < bits(a) => Ok(a >> shift as usize),
        _ => Ok(if a < &Int::ZERO {
            Int::NEG_ONE
        } else {
            Int::ZERO
        }),
    }
}

/// An approximation of `log2(|x|)` for a nonzero `x`, accurate to a few ulps.
pub(super) fn log2_abs(x: &Int) -> f64 {
    let n_bits = bits(x);
    if n_bits <= 1000 {
        return to_f64(x).map_or(n_bits as f64, |value| value.abs().log2());
    }
    let shift = n_bits - 64;
    let top = u64::try_from(&(&x.unsigned_abs() >> shift as usize)).unwrap_or(u64::MAX);
    (top as f64).log2() + shift as f64
}
