//! `range(start, stop, step)`: its length and its elements, as Python computes them.

use dashu_int::ops::UnsignedAbs;

use crate::error::NumError;
use crate::num::{Int, Value};

/// The integers of a `range(start, stop, step)`: `len` of them, `start + i * step`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Range {
    pub start: Int,
    pub step: Int,
    pub len: u64,
    /// `start` and `step` as machine integers, when they and every element fit.
    pub(crate) small: Option<(i64, i64)>,
}

impl Range {
    /// The range of `range(bounds…)`, with Python's errors for a float or a zero step.
    pub(crate) fn new(bounds: &[&Value]) -> Result<Range, NumError> {
        let int = |value: &Value| match value {
            Value::Int(i) => Ok(i.clone()),
            Value::Bool(b) => Ok(Int::from(u8::from(*b))),
            other => Err(NumError::Type(
                format!(
                    "'{}' object cannot be interpreted as an integer",
                    other.type_name()
                )
                .into(),
            )),
        };
        let (start, end, step) = match bounds {
            [end] => (Int::ZERO, int(end)?, Int::ONE),
            [start, end] => (int(start)?, int(end)?, Int::ONE),
            [start, end, stride] => (int(start)?, int(end)?, int(stride)?),
            _ => return Err(NumError::Type("range expected 1 to 3 arguments".into())),
        };
        if step.is_zero() {
            return Err(NumError::Domain("range() arg 3 must not be zero".into()));
        }
        // len = max(0, ceil((end - start) / step)).
        let span = &end - &start;
        let len = if (span > Int::ZERO) == (step > Int::ZERO) && !span.is_zero() {
            let magnitude = span.unsigned_abs();
            let step_magnitude = (&step).unsigned_abs();
            let len = (&magnitude + &step_magnitude - dashu_int::UBig::ONE) / step_magnitude;
            u64::try_from(&len)
                .map_err(|_| NumError::Overflow("range() has more elements than can be counted"))?
        } else {
            0
        };
        let small = match (i64::try_from(&start), i64::try_from(&step)) {
            (Ok(a), Ok(s)) => {
                let last = i128::from(a) + i128::from(s) * i128::from(len.saturating_sub(1));
                i64::try_from(last).ok().map(|_| (a, s))
            }
            _ => None,
        };
        Ok(Range {
            start,
            step,
            len,
            small,
        })
    }

    /// Element `i` as a machine integer, if the range is small.
    #[inline]
    pub(crate) fn small_at(&self, i: u64) -> Option<i64> {
        self.small.map(|(start, step)| start + step * i as i64)
    }

    /// Element `i`.
    pub(crate) fn at(&self, i: u64) -> Int {
        match self.small_at(i) {
            Some(k) => Int::from(k),
            None => &self.start + &self.step * Int::from(i),
        }
    }
}

impl Range {
    /// The exact fold of elements `lo..hi` (not empty) where a formula or a product tree gives
    /// it without visiting them: a sum is `n * first + step * n * (n - 1) / 2`, an extreme is
    /// an end, a product with a zero factor is zero and a product of consecutive ints of one
    /// sign a balanced product tree (negative when an odd number are negative). `None` where no
    /// formula applies.
    pub(crate) fn formula(
        &self,
        func: crate::ast::Reducer,
        lo: u64,
        hi: u64,
        max_bits: u64,
    ) -> Result<Option<Int>, NumError> {
        use crate::ast::Reducer;
        if lo >= hi {
            return Ok(None);
        }
        let first = self.at(lo);
        let last = self.at(hi - 1);
        let ascending = self.step > Int::ZERO;
        Ok(Some(match func {
            Reducer::Sum => (&first + &last) * Int::from(hi - lo) / Int::from(2u8),
            Reducer::Min if ascending => first,
            Reducer::Min => last,
            Reducer::Max if ascending => last,
            Reducer::Max => first,
            Reducer::Prod => {
                let (low, high) = if ascending {
                    (&first, &last)
                } else {
                    (&last, &first)
                };
                if *low <= Int::ZERO && *high >= Int::ZERO && (&first % &self.step).is_zero() {
                    return Ok(Some(Int::ZERO));
                }
                let unit = self.step == Int::ONE || self.step == Int::NEG_ONE;
                let n = hi - lo;
                if !unit || (*low <= Int::ZERO && *high >= Int::ZERO) {
                    return Ok(None);
                }
                if *low > Int::ZERO {
                    crate::num::range_product(low, n, max_bits)?
                } else {
                    // Consecutive negative ints: the product of their magnitudes, negative when
                    // there is an odd number of them.
                    let magnitude = crate::num::range_product(&-high, n, max_bits)?;
                    if n % 2 == 1 { -magnitude } else { magnitude }
                }
            }
        }))
    }
}
