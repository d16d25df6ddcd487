//! True division of two ints, correctly rounded: `CPython`'s `long_true_divide`.
//!
//! Converting both operands to floats first would overflow for huge ints and round twice; this
//! computes the quotient's leading 55 or 56 bits exactly with one big-integer division, rounds
//! them once (ties to even, with the remainder as a sticky bit) and scales by a power of two.
//! `10 ^ 400 / 10 ^ 399` is therefore exactly `10.0`.

use dashu_int::Sign;
use dashu_int::ops::{BitTest, DivRem, UnsignedAbs};

use crate::error::NumError;
use crate::num::Int;
use crate::num::int::{bits, ldexp};

/// Mantissa bits of an f64, with the implicit leading bit.
const DBL_MANT_DIG: i64 = 53;
/// `frexp`'s largest exponent of a finite f64.
const DBL_MAX_EXP: i64 = 1024;
/// `frexp`'s smallest exponent of a normal f64.
const DBL_MIN_EXP: i64 = -1021;

/// `a / b` as Python computes it for two ints.
pub(super) fn true_divide(a: &Int, b: &Int) -> Result<f64, NumError> {
    if b.is_zero() {
        return Err(NumError::ZeroDivision("division by zero"));
    }
    let negate = (a.sign() == Sign::Negative) != (b.sign() == Sign::Negative);
    let signed = |x: f64| if negate { -x } else { x };
    if a.is_zero() {
        return Ok(signed(0.0));
    }
    let (a_bits, b_bits) = (bits(a) as i64, bits(b) as i64);
    if a_bits <= DBL_MANT_DIG && b_bits <= DBL_MANT_DIG {
        // Both operands are exact floats, so one IEEE division rounds correctly.
        let (x, y) = (i64::try_from(a), i64::try_from(b));
        if let (Ok(x), Ok(y)) = (x, y) {
            return Ok(x as f64 / y as f64);
        }
    }
    let diff = a_bits - b_bits;
    if diff > DBL_MAX_EXP {
        return Err(too_large());
    }
    if diff < DBL_MIN_EXP - DBL_MANT_DIG - 1 {
        return Ok(signed(0.0));
    }
    // Scale `a` so that the quotient has DBL_MANT_DIG + 2 or + 3 bits (fewer for subnormals).
    let shift = diff.max(DBL_MIN_EXP) - DBL_MANT_DIG - 2;
    let magnitude = a.unsigned_abs();
    let mut inexact = false;
    let scaled = if shift < 0 {
        magnitude << (-shift) as usize
    } else {
        inexact = magnitude
            .trailing_zeros()
            .is_some_and(|zeros| (zeros as i64) < shift);
        magnitude >> shift as usize
    };
    let (quotient, remainder) = scaled.div_rem(b.unsigned_abs());
    inexact |= !remainder.is_zero();
    let x_bits = quotient.bit_len() as i64;
    let mut low = u64::try_from(&quotient).map_err(|_| too_large())?;
    // Round half to even at the position `extra_bits` from the bottom.
    let extra_bits = x_bits.max(DBL_MIN_EXP - shift) - DBL_MANT_DIG;
    let mask = 1_u64 << (extra_bits - 1);
    low |= u64::from(inexact);
    if low & mask != 0 && low & (3 * mask - 1) != 0 {
        low += mask;
    }
    low &= !(2 * mask - 1);
    let rounded = low as f64;
    if shift + x_bits >= DBL_MAX_EXP
        && (shift + x_bits > DBL_MAX_EXP || rounded == ldexp(1.0, x_bits))
    {
        return Err(too_large());
    }
    Ok(signed(ldexp(rounded, shift)))
}

fn too_large() -> NumError {
    NumError::Overflow("integer division result too large for a float")
}
