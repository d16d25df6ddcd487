//! The size guard: an integer result estimated to exceed [`Limits::max_bits`] is refused before
//! any work is done, so that `2 ^ 2 ^ 2 ^ 40` or `factorial(10 ^ 9)` fail in microseconds
//! instead of exhausting memory.
//!
//! The estimates are cheap upper bounds (or, for `^` and `factorial`, close approximations) of
//! the result's bit length; this module does not compute results.

use dashu_int::ops::BitTest;

use crate::error::NumError;
use crate::num::{Int, Limits};

/// Refuses a computed result with more bits than the limit: the exact check after an estimate
/// that could be one or two bits high let the computation through.
pub(super) fn exact(result: Int, limits: &Limits) -> Result<Int, NumError> {
    let bits = result.bit_len() as u64;
    if bits > limits.max_bits {
        return Err(NumError::TooLarge {
            estimated_bits: Some(bits),
            limit: limits.max_bits,
        });
    }
    Ok(result)
}

/// Refuses a result estimated at `estimated_bits` bits when that exceeds the limit.
pub(super) fn check(estimated_bits: u64, limits: &Limits) -> Result<(), NumError> {
    if estimated_bits > limits.max_bits {
        Err(NumError::TooLarge {
            estimated_bits: Some(estimated_bits),
            limit: limits.max_bits,
        })
    } else {
        Ok(())
    }
}

/// The error for a result whose size is beyond any estimate (an exponent that does not fit in
/// a machine word, say).
pub(super) fn beyond_counting(limits: &Limits) -> NumError {
    NumError::TooLarge {
        estimated_bits: None,
        limit: limits.max_bits,
    }
}

/// As [`check`], for an estimate computed in floating point (which may be huge or infinite).
pub(super) fn check_f64(estimated_bits: f64, limits: &Limits) -> Result<(), NumError> {
    let estimated_bits = estimated_bits.ceil().max(0.0);
    // 2^64 and beyond (or a nan, or an infinity) is no number of bits worth printing.
    let countable = estimated_bits < 18_446_744_073_709_551_616.0;
    if countable {
        check(estimated_bits as u64, limits)
    } else {
        Err(beyond_counting(limits))
    }
}
