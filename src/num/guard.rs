//! The size guard: an integer result estimated to exceed [`Limits::max_bits`] is refused before
//! any work is done, so that `2 ^ 2 ^ 2 ^ 40` or `factorial(10 ^ 9)` fail in microseconds
//! instead of exhausting memory.
//!
//! The estimates are cheap upper bounds (or, for `^` and `factorial`, close approximations) of
//! the result's bit length; this module does not compute results.
//!
//! A raised limit (`--max-bits` up to `u64::MAX`) lets through results the machine cannot hold:
//! `1 << 10 ^ 12` would need 116 GiB. Such a result is refused as well, before it is computed,
//! by asking the allocator for the memory its computation takes ([`WORK_PER_RESULT_BYTE`]
//! times the result's size) and giving it back at once: the request is only address space, so
//! it costs microseconds and no memory, and it fails where the system could not provide that
//! much (more than RAM and swap under Linux's default overcommit heuristic, more than a
//! `ulimit -v`). Results within the default limit are never checked this way. Without the check
//! the big-integer crate would panic on the failed allocation, or the standard library abort the
//! process.

use dashu_int::ops::BitTest;

use crate::error::NumError;
use crate::num::{Int, Limits};

/// Results up to this many bits (the default limit) are never checked against the memory that
/// can be had: the check would cost more than a small result, and the limit makes them safe.
const UNCHECKED_BITS: u64 = 64 << 20;

/// Bytes of memory asked for per byte of a result before computing it: the peak of a big power
/// or factorial, measured at 14 to 20 times its result (`3 ^ 10 ^ 9`: 2.7 GB for a result of
/// 198 MB), is mostly transforms of the operands of its last products; a shift takes twice its
/// result, and printing the decimal digits takes about 2.4 times as much again.
const WORK_PER_RESULT_BYTE: u64 = 16;

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

/// Refuses a result estimated at `estimated_bits` bits when that exceeds the limit, or when the
/// memory to compute it cannot be had.
pub(super) fn check(estimated_bits: u64, limits: &Limits) -> Result<(), NumError> {
    if estimated_bits > limits.max_bits {
        return Err(NumError::TooLarge {
            estimated_bits: Some(estimated_bits),
            limit: limits.max_bits,
        });
    }
    check_memory(estimated_bits)
}

/// Refuses a result of `bits` bits, above [`UNCHECKED_BITS`], when the allocator cannot provide
/// [`WORK_PER_RESULT_BYTE`] times its size: the memory is reserved and released at once, never
/// touched.
fn check_memory(bits: u64) -> Result<(), NumError> {
    if bits <= UNCHECKED_BITS {
        return Ok(());
    }
    let bytes = bits.div_ceil(8).saturating_mul(WORK_PER_RESULT_BYTE);
    let refused = NumError::OutOfMemory { bits, bytes };
    let Ok(size) = usize::try_from(bytes) else {
        return Err(refused);
    };
    let mut reservation: Vec<u8> = Vec::new();
    reservation.try_reserve_exact(size).map_err(|_| refused)
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
