//! The size guard: an integer result estimated to exceed [`Limits::max_bits`] is refused before
//! any work is done, so that `2 ^ 2 ^ 2 ^ 40` or `factorial(10 ^ 9)` fail in microseconds
//! instead of exhausting memory.
//!
//! The estimates are cheap upper bounds (or, for `^` and `factorial`, close approximations) of
//! the result's bit length; this module does not compute results.

use crate::error::NumError;
use crate::num::Limits;

/// Refuses a result estimated at `estimated_bits` bits when that exceeds the limit.
pub(super) fn check(estimated_bits: u64, limits: &Limits) -> Result<(), NumError> {
    if estimated_bits > limits.max_bits {
        Err(NumError::TooLarge {
            estimated_bits,
            limit_bits: limits.max_bits,
        })
    } else {
        Ok(())
    }
}

/// As [`check`], for an estimate computed in floating point (which may be huge or infinite).
pub(super) fn check_f64(estimated_bits: f64, limits: &Limits) -> Result<(), NumError> {
    // The `as` conversion saturates, so an infinite estimate becomes u64::MAX.
    check(estimated_bits.ceil().max(0.0) as u64, limits)
}
