//! Python's fold of a reduction, and the partial results of chunks that are folded apart.
//!
//! Python folds left to right: `sum` is `((start + v0) + v1) + …`, `prod` the same from 1,
//! `min` and `max` keep the first of equal extremes and never let a nan replace the current one.
//! [`Fold`] is that fold, one element at a time, with the size guard's rule for reductions: an
//! intermediate result over the limit is not an error until the end, because a later element
//! may bring the result back under it (a zero factor, a cancelling term). A sum keeps its exact
//! value (adding elements that are each under the limit cannot go more than 64 bits over it);
//! a product over the limit stops multiplying and waits for a zero; the final value is checked
//! against the limit. The sequential evaluator and the chunks fold by these same rules, so both
//! report the same value or error.
//!
//! Ints are exact, so a sum or product of ints may be regrouped freely; floats round at every
//! step, so where a float appears the fold must follow Python's order. A chunk's result (a
//! [`Partial`]) says which case it is: the chunk that starts the range folds as Python does
//! ([`Partial::Acc`]); a later chunk of ints keeps its exact fold ([`Partial::Exact`], or
//! an over-the-limit [`Exact`] for a product too large to keep); a later chunk with a float keeps
//! its values in order ([`Partial::Values`]), as many as the reduction's memory budget allows,
//! and names the rest of its range ([`Partial::Pending`]), which is evaluated again when it is
//! folded into what precedes it. [`combine`] joins two neighbouring partials.

use std::cmp::Ordering;

use crate::ast::Reducer;
use crate::error::NumError;
use crate::num::{self, Int, Limits, Value};
use crate::ops::BinaryOp;

/// Bits an intermediate sum may have over the limit: adding up to 2^64 elements, each under
/// the limit, stays within it.
const SUM_SLACK_BITS: u64 = 64;

/// The value of `min` or `max` of nothing is an error; `sum` and `prod` start from their
/// identity.
pub(crate) fn empty(func: Reducer) -> Result<Value, NumError> {
    match func {
        Reducer::Sum => Ok(Value::Int(Int::ZERO)),
        Reducer::Prod => Ok(Value::Int(Int::ONE)),
        Reducer::Min => Err(NumError::Domain("min() arg is an empty sequence".into())),
        Reducer::Max => Err(NumError::Domain("max() arg is an empty sequence".into())),
    }
}

pub(crate) fn is_nan(value: &Value) -> bool {
    matches!(value, Value::Float(x) if x.is_nan())
}

fn is_int_zero(value: &Value) -> bool {
    matches!(value, Value::Int(i) if i.is_zero())
}

/// The better of two values for `min` or `max`: `value` only if strictly better (Python keeps
/// the first of equal ones, and a comparison with a nan is never true).
pub(crate) fn better(func: Reducer, acc: Value, value: Value) -> Value {
    let wanted = if func == Reducer::Min {
        Ordering::Less
    } else {
        Ordering::Greater
    };
    if num::compare(&value, &acc) == Some(wanted) {
        value
    } else {
        acc
    }
}

/// Python's fold of one reduction, from the start of its range, one element at a time.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Fold {
    func: Reducer,
    /// The fold so far; `None` before the first element of `min` and `max`.
    acc: Option<Value>,
    /// A product went over the limit: `acc` is dropped until a zero factor comes.
    over_limit: bool,
}

impl Fold {
    /// A fold from `start` (`sum`'s second argument), else from the reducer's identity.
    pub(crate) fn new(func: Reducer, start: Option<Value>) -> Fold {
        let acc = match func {
            Reducer::Min | Reducer::Max => None,
            _ => Some(start.unwrap_or_else(|| empty(func).unwrap_or(Value::Int(Int::ZERO)))),
        };
        Fold {
            func,
            acc,
            over_limit: false,
        }
    }

    pub(crate) fn func(&self) -> Reducer {
        self.func
    }

    /// Whether the elements may be folded in any grouping: the fold so far is an int (or
    /// nothing), so that only exact int arithmetic follows.
    pub(crate) fn regroupable(&self) -> bool {
        matches!(self.acc, None | Some(Value::Int(_)))
    }

    /// Folds in the next element.
    pub(crate) fn push(&mut self, value: Value, limits: &Limits) -> Result<(), NumError> {
        match self.func {
            Reducer::Min | Reducer::Max => {
                self.acc = Some(match self.acc.take() {
                    None => value,
                    Some(acc) => better(self.func, acc, value),
                });
                Ok(())
            }
            Reducer::Sum => {
                let acc = self.acc.take().unwrap_or(Value::Int(Int::ZERO));
                let slack = Limits {
                    max_bits: limits.max_bits.saturating_add(SUM_SLACK_BITS),
                    ..*limits
                };
                self.acc = Some(num::binary(BinaryOp::Add, &acc, &value, &slack)?);
                Ok(())
            }
            Reducer::Prod => self.multiply(value, limits),
        }
    }

    fn multiply(&mut self, value: Value, limits: &Limits) -> Result<(), NumError> {
        if self.over_limit {
            return match value {
                // A zero factor decides the product.
                _ if is_int_zero(&value) => {
                    self.over_limit = false;
                    self.acc = Some(value);
                    Ok(())
                }
                Value::Bool(false) => {
                    self.over_limit = false;
                    self.acc = Some(Value::Int(Int::ZERO));
                    Ok(())
                }
                Value::Int(_) | Value::Bool(true) => Ok(()),
                // An int over the limit times a float: Python would need the int as a float.
                _ => Err(NumError::TooLarge {
                    estimated_bits: None,
                    limit: limits.max_bits,
                }),
            };
        }
        let acc = self.acc.take().unwrap_or(Value::Int(Int::ONE));
        match num::binary(BinaryOp::Mul, &acc, &value, limits) {
            Ok(product) => {
                self.acc = Some(product);
                Ok(())
            }
            Err(NumError::TooLarge { .. })
                if matches!((&acc, &value), (Value::Int(_), Value::Int(_))) =>
            {
                self.over_limit = true;
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    /// Folds in the exact fold of a run of int elements (a sum or a product in any order).
    pub(crate) fn push_exact(&mut self, exact: Exact, limits: &Limits) -> Result<(), NumError> {
        match exact {
            Exact::Value(value) => self.push(value, limits),
            Exact::OverLimit => {
                if self.func == Reducer::Prod && !self.acc.as_ref().is_some_and(is_int_zero) {
                    self.acc = None;
                    self.over_limit = true;
                }
                Ok(())
            }
        }
    }

    /// The fold's value, checked against the limit.
    pub(crate) fn finish(self, limits: &Limits) -> Result<Value, NumError> {
        if self.over_limit {
            return Err(NumError::TooLarge {
                estimated_bits: None,
                limit: limits.max_bits,
            });
        }
        let value = match self.acc {
            Some(value) => value,
            None => empty(self.func)?,
        };
        if let Value::Int(int) = &value {
            let bits = dashu_int::ops::BitTest::bit_len(int) as u64;
            if bits > limits.max_bits {
                return Err(NumError::TooLarge {
                    estimated_bits: Some(bits),
                    limit: limits.max_bits,
                });
            }
        }
        Ok(value)
    }
}

/// The exact fold of a run of int elements of a sum or a product.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Exact {
    Value(Value),
    /// A product too large to keep, unless a zero factor joins it.
    OverLimit,
}

impl Exact {
    /// Joins two exact folds of the same reducer.
    fn join(self, other: Exact, func: Reducer, limits: &Limits) -> Result<Exact, NumError> {
        let zero = |exact: &Exact| matches!(exact, Exact::Value(value) if is_int_zero(value));
        if func == Reducer::Prod && (zero(&self) || zero(&other)) {
            return Ok(Exact::Value(Value::Int(Int::ZERO)));
        }
        match (self, other) {
            (Exact::Value(a), Exact::Value(b)) => {
                let mut fold = Fold {
                    func,
                    acc: Some(a),
                    over_limit: false,
                };
                fold.push(b, limits)?;
                Ok(match fold.acc {
                    Some(value) if !fold.over_limit => Exact::Value(value),
                    _ => Exact::OverLimit,
                })
            }
            _ => Ok(Exact::OverLimit),
        }
    }
}

/// What a chunk of a reduction, or several neighbouring chunks combined, leaves.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Partial {
    /// The fold from the start of the range, as Python computes it.
    Acc(Fold),
    /// The exact fold (any order) of elements `lo..hi`, all ints, not at the start.
    Exact { lo: u64, hi: u64, exact: Exact },
    /// The values of elements `lo..lo + values.len()`, in order, at least one of them a float.
    Values { lo: u64, values: Vec<Value> },
    /// Elements `lo..hi`, not kept: evaluated again when they are folded in order.
    Pending { lo: u64, hi: u64 },
    /// Neighbouring pieces of the three kinds above, in order, waiting for what precedes them.
    List(Vec<Partial>),
    /// For `min` and `max`: the best value that is not a nan (the first of equal ones), and
    /// whether the piece starts with a nan (which Python never replaces at the start).
    Extreme {
        best: Option<Value>,
        first_nan: Option<Value>,
    },
}

impl Partial {
    /// The partial of `min` or `max` over `values`, in order: the best value that is not a nan,
    /// and the nan that starts them, if one does.
    pub(crate) fn extreme(func: Reducer, values: impl IntoIterator<Item = Value>) -> Partial {
        let mut best = None;
        let mut first_nan = None;
        for (index, value) in values.into_iter().enumerate() {
            if is_nan(&value) {
                if index == 0 {
                    first_nan = Some(value);
                }
                continue;
            }
            best = Some(match best {
                None => value,
                Some(acc) => better(func, acc, value),
            });
        }
        Partial::Extreme { best, first_nan }
    }

    /// Values a partial holds, for the reduction's memory budget.
    pub(crate) fn n_values(&self) -> usize {
        match self {
            Partial::Values { values, .. } => values.len(),
            Partial::List(items) => items.iter().map(Partial::n_values).sum(),
            _ => 0,
        }
    }

    /// The value a trace shows for this partial, where it is one.
    pub(crate) fn shown(&self) -> Option<Value> {
        match self {
            Partial::Acc(fold) if !fold.over_limit => fold.acc.clone(),
            Partial::Exact {
                exact: Exact::Value(value),
                ..
            } => Some(value.clone()),
            Partial::Extreme {
                first_nan: Some(nan),
                ..
            } => Some(nan.clone()),
            Partial::Extreme { best, .. } => best.clone(),
            _ => None,
        }
    }
}

/// Folds a run of elements `lo..hi` into a fold, evaluating them again in order: the work
/// [`Partial::Pending`] leaves for later. The error is the caller's (a failure with its path).
pub(crate) trait Refold<F> {
    fn refold(&mut self, fold: &mut Fold, lo: u64, hi: u64) -> Result<(), F>;
}

/// Joins two neighbouring partials, `left` before `right`. `at(element, error)` makes the
/// failure of a fold step at an element.
pub(crate) fn combine<F>(
    func: Reducer,
    left: Partial,
    right: Partial,
    limits: &Limits,
    refold: &mut dyn Refold<F>,
    at: &dyn Fn(u64, NumError) -> F,
) -> Result<Partial, F> {
    Ok(match (left, right) {
        (
            Partial::Extreme {
                best: a,
                first_nan: nan_a,
            },
            Partial::Extreme { best: b, .. },
        ) => {
            let best = match (a, b) {
                (Some(a), Some(b)) => Some(better(func, a, b)),
                (a, b) => a.or(b),
            };
            Partial::Extreme {
                best,
                first_nan: nan_a,
            }
        }
        (Partial::Acc(mut fold), right) => {
            fold_into(&mut fold, right, limits, refold, at)?;
            Partial::Acc(fold)
        }
        (
            Partial::Exact { lo, exact: a, .. },
            Partial::Exact {
                lo: right_lo,
                hi,
                exact: b,
            },
        ) => Partial::Exact {
            lo,
            hi,
            exact: a
                .join(b, func, limits)
                .map_err(|error| at(right_lo, error))?,
        },
        (left, right) => {
            let mut items = match left {
                Partial::List(items) => items,
                other => vec![other],
            };
            match right {
                Partial::List(more) => items.extend(more),
                other => items.push(other),
            }
            Partial::List(items)
        }
    })
}

/// Folds the pieces of `right` into `fold`, the fold of everything before them.
fn fold_into<F>(
    fold: &mut Fold,
    right: Partial,
    limits: &Limits,
    refold: &mut dyn Refold<F>,
    at: &dyn Fn(u64, NumError) -> F,
) -> Result<(), F> {
    let pieces = match right {
        Partial::List(items) => items,
        other => vec![other],
    };
    for piece in pieces {
        match piece {
            // Ints after ints: exact, so the run's own fold will do.
            Partial::Exact { lo, exact, .. }
                if matches!(fold.acc, Some(Value::Int(_)) | None) || fold.over_limit =>
            {
                fold.push_exact(exact, limits)
                    .map_err(|error| at(lo, error))?;
            }
            // Ints after a float: in order, evaluated again (rare: a body whose type changes
            // along the range).
            Partial::Exact { lo, hi, .. } | Partial::Pending { lo, hi } => {
                refold.refold(fold, lo, hi)?;
            }
            Partial::Values { lo, values } => {
                for (offset, value) in values.into_iter().enumerate() {
                    fold.push(value, limits)
                        .map_err(|error| at(lo + offset as u64, error))?;
                }
            }
            Partial::Acc(_) | Partial::List(_) | Partial::Extreme { .. } => {
                return Err(at(
                    0,
                    NumError::Type("a reduction combined out of order".into()),
                ));
            }
        }
    }
    Ok(())
}

/// The value of the reduction from the partial of its whole range.
pub(crate) fn finish(func: Reducer, partial: Partial, limits: &Limits) -> Result<Value, NumError> {
    match partial {
        Partial::Acc(fold) => fold.finish(limits),
        Partial::Extreme {
            first_nan: Some(nan),
            ..
        } => Ok(nan),
        Partial::Extreme {
            best: Some(best), ..
        } => Ok(best),
        Partial::Extreme { .. } => empty(func),
        Partial::Exact { .. }
        | Partial::Values { .. }
        | Partial::Pending { .. }
        | Partial::List(_) => Err(NumError::Type("a reduction finished out of order".into())),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn int(i: i64) -> Value {
        Value::Int(Int::from(i))
    }

    fn limits(max_bits: u64) -> Limits {
        Limits {
            max_bits,
            ..Limits::default()
        }
    }

    #[test]
    fn a_zero_factor_decides_a_product_over_the_limit() {
        let limits = limits(64);
        let mut fold = Fold::new(Reducer::Prod, None);
        for k in 1..40 {
            fold.push(int(1 << 40 | k), &limits).unwrap();
        }
        fold.push(int(0), &limits).unwrap();
        fold.push(int(12345), &limits).unwrap();
        assert_eq!(fold.finish(&limits), Ok(int(0)));
    }

    #[test]
    fn a_product_over_the_limit_without_a_zero_is_refused_at_the_end() {
        let limits = limits(64);
        let mut fold = Fold::new(Reducer::Prod, None);
        for _ in 0..4 {
            fold.push(int(1 << 40), &limits).unwrap();
        }
        assert!(matches!(
            fold.finish(&limits),
            Err(NumError::TooLarge {
                estimated_bits: None,
                limit: 64
            })
        ));
    }

    #[test]
    fn a_sum_may_cancel_over_the_limit() {
        let limits = limits(64);
        let big = Value::Int(Int::from(1u8) << 63);
        let mut fold = Fold::new(Reducer::Sum, None);
        fold.push(big.clone(), &limits).unwrap();
        fold.push(big.clone(), &limits).unwrap();
        let minus = num::unary(crate::ops::UnaryOp::Neg, &big).unwrap();
        fold.push(minus, &limits).unwrap();
        assert_eq!(fold.finish(&limits), Ok(big));
    }

    #[test]
    fn exact_runs_join_with_a_zero_without_multiplying() {
        let limits = limits(64);
        let over = Exact::OverLimit;
        let zero = Exact::Value(int(0));
        assert_eq!(
            over.join(zero, Reducer::Prod, &limits),
            Ok(Exact::Value(int(0)))
        );
    }
}
