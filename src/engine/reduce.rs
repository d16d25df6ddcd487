//! Reductions: `sum`, `prod`, `min` and `max` of a generator or a `range`, as Python folds
//! them, cut into chunks that can be folded apart and combined afterwards.
//!
//! Python folds left to right: `sum` is `((0 + v0) + v1) + …`, `prod` the same from 1, `min`
//! and `max` keep the first of equal extremes and never let a nan replace the current one.
//! Ints are exact, so a sum or product of ints may be regrouped freely; floats round at every
//! step, so where a float appears the fold must follow Python's order. A chunk's result (a
//! [`Partial`]) says which case it is: the chunk that starts the range folds as Python does
//! ([`Partial::Acc`]); a later chunk of ints keeps only its exact fold ([`Partial::Exact`]);
//! a later chunk with a float keeps its values ([`Partial::Values`]), to be folded in order
//! once everything before it is known; [`combine`] joins two neighbouring partials. A chunk of
//! ints that turns out to follow a float is evaluated again when it is folded (rare: a body
//! whose type changes along the range). Extremes ([`Partial::Extreme`]) keep the best non-nan
//! value and whether the chunk starts with a nan, which is all Python's rule needs.
//!
//! [`eval_nodes`] is the one loop that evaluates a stretch of the arena with reductions inside
//! it (the sequential evaluator, a chunk's body and nested generators all use it): a stack of
//! frames, one per open reduction, instead of recursion. The parallel schedule itself (tasks,
//! trace) is `dataflow`'s; this module knows no threads.

use std::cmp::Ordering;

use dashu_int::ops::UnsignedAbs;

use crate::ast::{Ast, BodySkip, Node, NodeId, Reducer, Reduction};
use crate::engine::node::eval_node;
use crate::error::{Error, ErrorKind, NumError};
use crate::num::{self, Int, Limits, Value};
use crate::ops::{BinaryOp, UnaryOp};

/// A failure inside an evaluation: the failing node's id and the error.
pub(crate) type Failure = (u32, Error);

/// How often (in elements) a long fold checks whether it should stop.
const STOP_CHECK_ELEMENTS: u64 = 1024;

/// The integers of a `range(start, stop, step)`: `len` of them, `start + i * step`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Range {
    pub start: Int,
    pub step: Int,
    pub len: u64,
    /// `start` and `step` as machine integers, when they and every element fit.
    small: Option<(i64, i64)>,
}

impl Range {
    /// The range of `range(bounds…)`, with Python's errors for a float or a zero step.
    pub(crate) fn new(bounds: &[&Value]) -> Result<Range, NumError> {
        let int = |value: &Value| match value {
            Value::Int(i) => Ok(i.clone()),
            Value::Float(_) => Err(NumError::Type(
                "'float' object cannot be interpreted as an integer",
            )),
        };
        let (start, end, step) = match bounds {
            [end] => (Int::ZERO, int(end)?, Int::ONE),
            [start, end] => (int(start)?, int(end)?, Int::ONE),
            [start, end, stride] => (int(start)?, int(end)?, int(stride)?),
            _ => return Err(NumError::Type("range expected 1 to 3 arguments")),
        };
        if step.is_zero() {
            return Err(NumError::Domain("range() arg 3 must not be zero"));
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
    fn small_at(&self, i: u64) -> Option<i64> {
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

/// The error of `min` or `max` of an empty range, or the identity of `sum` and `prod`.
pub(crate) fn empty(func: Reducer) -> Result<Value, NumError> {
    match func {
        Reducer::Sum => Ok(Value::Int(Int::ZERO)),
        Reducer::Prod => Ok(Value::Int(Int::ONE)),
        Reducer::Min => Err(NumError::Domain("min() arg is an empty sequence")),
        Reducer::Max => Err(NumError::Domain("max() arg is an empty sequence")),
    }
}

/// One step of Python's fold: `acc op value` for `sum` and `prod`, the strictly better of the
/// two for `min` and `max` (`acc` is kept on a tie or a nan).
pub(crate) fn fold(
    func: Reducer,
    acc: Value,
    value: Value,
    limits: &Limits,
) -> Result<Value, NumError> {
    match func {
        Reducer::Sum => num::binary(BinaryOp::Add, &acc, &value, limits),
        Reducer::Prod => num::binary(BinaryOp::Mul, &acc, &value, limits),
        Reducer::Min | Reducer::Max => {
            let wanted = if func == Reducer::Min {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            Ok(if num::compare(&value, &acc) == Some(wanted) {
                value
            } else {
                acc
            })
        }
    }
}

/// What a chunk of a reduction, or several neighbouring chunks combined, leaves.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Partial {
    /// The fold from the start of the range, as Python computes it.
    Acc(Value),
    /// The exact fold (any order) of elements `lo..hi`, all ints, not at the start.
    Exact { lo: u64, hi: u64, value: Value },
    /// The values of elements `lo..`, in order, at least one of them a float.
    Values { lo: u64, values: Vec<Value> },
    /// Neighbouring pieces of the two kinds above, in order, waiting for what precedes them.
    List(Vec<Partial>),
    /// For `min` and `max`: the best value that is not a nan (the first of equal ones), and
    /// whether the piece starts with a nan (which Python never replaces at the start).
    Extreme {
        best: Option<Value>,
        first_nan: Option<Value>,
    },
}

fn is_nan(value: &Value) -> bool {
    matches!(value, Value::Float(x) if x.is_nan())
}

/// Joins two neighbouring partials, `left` before `right`. `refold(acc, lo, hi)` folds
/// elements `lo..hi` into `acc` one by one, evaluating them again: needed only when a chunk of
/// ints follows a float.
pub(crate) fn combine(
    func: Reducer,
    left: Partial,
    right: Partial,
    limits: &Limits,
    refold: &mut dyn FnMut(Value, u64, u64) -> Result<Value, Failure>,
    at: &dyn Fn(NumError) -> Failure,
) -> Result<Partial, Failure> {
    Ok(match (left, right) {
        (
            Partial::Extreme {
                best: a,
                first_nan: nan_a,
            },
            Partial::Extreme { best: b, .. },
        ) => {
            let best = match (a, b) {
                (Some(a), Some(b)) => Some(fold(func, a, b, limits).map_err(at)?),
                (a, b) => a.or(b),
            };
            Partial::Extreme {
                best,
                first_nan: nan_a,
            }
        }
        (Partial::Acc(acc), right) => {
            Partial::Acc(fold_into(func, acc, right, limits, refold, at)?)
        }
        (Partial::Exact { lo, value: a, .. }, Partial::Exact { hi, value: b, .. }) => {
            Partial::Exact {
                lo,
                hi,
                value: fold(func, a, b, limits).map_err(at)?,
            }
        }
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

/// Folds the pieces of `right` into the fold `acc` of everything before them.
fn fold_into(
    func: Reducer,
    mut acc: Value,
    right: Partial,
    limits: &Limits,
    refold: &mut dyn FnMut(Value, u64, u64) -> Result<Value, Failure>,
    at: &dyn Fn(NumError) -> Failure,
) -> Result<Value, Failure> {
    let pieces = match right {
        Partial::List(items) => items,
        other => vec![other],
    };
    for piece in pieces {
        acc = match piece {
            // Ints after ints: exact, so the chunk's own fold will do.
            Partial::Exact { value, .. } if matches!(acc, Value::Int(_)) => {
                fold(func, acc, value, limits).map_err(at)?
            }
            Partial::Exact { lo, hi, .. } => refold(acc, lo, hi)?,
            Partial::Values { values, .. } => {
                for value in values {
                    acc = fold(func, acc, value, limits).map_err(at)?;
                }
                acc
            }
            Partial::Acc(_) | Partial::List(_) | Partial::Extreme { .. } => {
                return Err(at(NumError::Type("a reduction combined out of order")));
            }
        };
    }
    Ok(acc)
}

/// The value of the reduction from the partial of its whole range.
pub(crate) fn finish(func: Reducer, partial: Partial) -> Result<Value, NumError> {
    match partial {
        Partial::Acc(value) | Partial::Exact { value, .. } => Ok(value),
        Partial::Extreme {
            first_nan: Some(nan),
            ..
        } => Ok(nan),
        Partial::Extreme {
            best: Some(best), ..
        } => Ok(best),
        Partial::Extreme { .. } => empty(func),
        Partial::Values { .. } | Partial::List(_) => {
            Err(NumError::Type("a reduction finished out of order"))
        }
    }
}

/// A body compiled for machine integers: `k * k % 7` evaluated on `i64`s without building a
/// single `Value`, falling back to the general evaluator (`None`) on any overflow.
#[derive(Clone, Debug)]
pub(crate) struct SmallBody {
    ops: Vec<SmallOp>,
}

#[derive(Clone, Copy, Debug)]
enum SmallOp {
    Const(i64),
    Var,
    Unary(UnaryOp),
    Binary(BinaryOp),
    /// A binary operator whose right operand is a leaf, applied to the top of the stack: the
    /// push and the operator in one step (`k * k % 7` is three steps, not five).
    Apply(BinaryOp, Leaf),
    /// `% d` for a constant `d > 0`, by multiplications instead of a division (Lemire's
    /// `fastmod`: `m = ceil(2^128 / d)`), for a non-negative top; the division otherwise.
    ModConst {
        d: u64,
        m: u128,
    },
}

#[derive(Clone, Copy, Debug)]
enum Leaf {
    Const(i64),
    Var,
}

/// Deepest value stack a compiled body may need.
const SMALL_STACK: usize = 16;

impl SmallBody {
    /// Compiles the body of reduction `slot`, if every node is an integer literal, the
    /// variable, a name bound to a machine integer, or an integer operator.
    pub(crate) fn compile(ast: &Ast, slot: usize, env: &[Value]) -> Option<SmallBody> {
        let body = ast.reductions.get(slot)?.body?;
        let first = ast.first_of(body).0;
        let mut ops = Vec::new();
        let mut depth = 0usize;
        for index in first..=body.0 {
            let op = match ast.node(NodeId(index)) {
                Node::SmallInt(i) => SmallOp::Const(*i),
                Node::Name(name) => match env.get(*name as usize)? {
                    Value::Int(i) => SmallOp::Const(i64::try_from(i).ok()?),
                    Value::Float(_) => return None,
                },
                Node::Local(r) if *r as usize == slot => SmallOp::Var,
                Node::Unary { op, .. } => SmallOp::Unary(*op),
                Node::Binary { op, .. } if *op != BinaryOp::Div => SmallOp::Binary(*op),
                _ => return None,
            };
            match op {
                SmallOp::Const(_) | SmallOp::Var => depth += 1,
                SmallOp::Unary(_) | SmallOp::Apply(..) | SmallOp::ModConst { .. } => {}
                SmallOp::Binary(_) => depth = depth.checked_sub(1)?,
            }
            if depth > SMALL_STACK {
                return None;
            }
            let fused = match (op, ops.last()) {
                (SmallOp::Binary(op), Some(SmallOp::Const(c))) if depth >= 1 => {
                    Some(SmallOp::Apply(op, Leaf::Const(*c)))
                }
                (SmallOp::Binary(op), Some(SmallOp::Var)) if depth >= 1 => {
                    Some(SmallOp::Apply(op, Leaf::Var))
                }
                _ => None,
            };
            if let Some(fused) = fused {
                ops.pop();
                ops.push(match fused {
                    SmallOp::Apply(BinaryOp::Mod, Leaf::Const(c)) if c > 1 => SmallOp::ModConst {
                        d: c as u64,
                        m: (u128::MAX / c as u128).wrapping_add(1),
                    },
                    other => other,
                });
            } else {
                ops.push(op);
            }
        }
        Some(SmallBody { ops })
    }

    /// The body's value at `k`, or `None` where machine integers do not suffice.
    #[inline]
    pub(crate) fn eval(&self, k: i64) -> Option<i64> {
        let mut stack = [0i64; SMALL_STACK];
        let mut top = 0usize;
        for op in &self.ops {
            match *op {
                SmallOp::Const(c) => {
                    *stack.get_mut(top)? = c;
                    top += 1;
                }
                SmallOp::Var => {
                    *stack.get_mut(top)? = k;
                    top += 1;
                }
                SmallOp::Unary(op) => {
                    let x = stack.get_mut(top.checked_sub(1)?)?;
                    *x = match op {
                        UnaryOp::Neg => x.checked_neg()?,
                        UnaryOp::Plus => *x,
                        UnaryOp::Invert => !*x,
                    };
                }
                SmallOp::Binary(op) => {
                    top = top.checked_sub(1)?;
                    let y = *stack.get(top)?;
                    let x = stack.get_mut(top.checked_sub(1)?)?;
                    *x = small_binary(op, *x, y)?;
                }
                SmallOp::ModConst { d, m } => {
                    let x = stack.get_mut(top.checked_sub(1)?)?;
                    *x = match u64::try_from(*x) {
                        Ok(a) => fast_mod(a, d, m) as i64,
                        Err(_) => small_binary(BinaryOp::Mod, *x, d as i64)?,
                    };
                }
                SmallOp::Apply(op, leaf) => {
                    let y = match leaf {
                        Leaf::Const(c) => c,
                        Leaf::Var => k,
                    };
                    let x = stack.get_mut(top.checked_sub(1)?)?;
                    *x = small_binary(op, *x, y)?;
                }
            }
        }
        (top == 1).then_some(stack[0])
    }
}

/// Elements evaluated together by [`SmallBody::sum_batch`].
pub(crate) const BATCH: usize = 256;

/// `x[j] = f(x[j], y(j))` for a whole column; false if `f` failed anywhere.
#[inline]
fn apply_column(
    x: &mut [i64],
    y: impl Fn(usize) -> i64,
    f: impl Fn(i64, i64) -> Option<i64>,
) -> bool {
    let mut ok = true;
    for (j, slot) in x.iter_mut().enumerate() {
        match f(*slot, y(j)) {
            Some(value) => *slot = value,
            None => ok = false,
        }
    }
    ok
}

/// [`apply_column`] with the operator chosen once, outside the loop.
#[inline]
fn apply_op(op: BinaryOp, x: &mut [i64], y: impl Fn(usize) -> i64) -> bool {
    match op {
        BinaryOp::Add => apply_column(x, y, i64::checked_add),
        BinaryOp::Sub => apply_column(x, y, i64::checked_sub),
        BinaryOp::Mul => apply_column(x, y, i64::checked_mul),
        BinaryOp::BitAnd => apply_column(x, y, |a, b| Some(a & b)),
        BinaryOp::BitOr => apply_column(x, y, |a, b| Some(a | b)),
        other => apply_column(x, y, |a, b| small_binary(other, a, b)),
    }
}

impl SmallBody {
    /// The sum of the body's values at `k0, k0 + step, …` (`n <= BATCH` of them), evaluated
    /// operator by operator over whole columns, so that the dispatch is paid once per batch;
    /// `None` where machine integers do not suffice somewhere in the batch. `columns` is
    /// scratch space, reused.
    pub(crate) fn sum_batch(
        &self,
        k0: i64,
        step: i64,
        n: usize,
        columns: &mut Vec<i64>,
    ) -> Option<i128> {
        columns.resize(SMALL_STACK * BATCH, 0);
        let k = |j: usize| k0 + step * j as i64;
        let mut top = 0usize;
        for op in &self.ops {
            let ok = match *op {
                SmallOp::Const(c) => {
                    columns.get_mut(top * BATCH..top * BATCH + n)?.fill(c);
                    top += 1;
                    true
                }
                SmallOp::Var => {
                    let column = columns.get_mut(top * BATCH..top * BATCH + n)?;
                    for (j, slot) in column.iter_mut().enumerate() {
                        *slot = k(j);
                    }
                    top += 1;
                    true
                }
                SmallOp::Unary(op) => {
                    let below = top.checked_sub(1)?;
                    let x = columns.get_mut(below * BATCH..below * BATCH + n)?;
                    match op {
                        UnaryOp::Neg => apply_column(x, |_| 0, |a, _| a.checked_neg()),
                        UnaryOp::Plus => true,
                        UnaryOp::Invert => apply_column(x, |_| 0, |a, _| Some(!a)),
                    }
                }
                SmallOp::Binary(op) => {
                    top = top.checked_sub(1)?;
                    let below = top.checked_sub(1)?;
                    let (lower, upper) = columns.split_at_mut(top * BATCH);
                    let x = lower.get_mut(below * BATCH..below * BATCH + n)?;
                    let y = upper.get(..n)?;
                    apply_op(op, x, |j| y[j])
                }
                SmallOp::Apply(op, leaf) => {
                    let below = top.checked_sub(1)?;
                    let x = columns.get_mut(below * BATCH..below * BATCH + n)?;
                    match leaf {
                        Leaf::Const(c) => apply_op(op, x, |_| c),
                        Leaf::Var => apply_op(op, x, k),
                    }
                }
                SmallOp::ModConst { d, m } => {
                    let below = top.checked_sub(1)?;
                    let x = columns.get_mut(below * BATCH..below * BATCH + n)?;
                    apply_column(
                        x,
                        |_| 0,
                        |a, _| match u64::try_from(a) {
                            Ok(a) => Some(fast_mod(a, d, m) as i64),
                            Err(_) => small_binary(BinaryOp::Mod, a, d as i64),
                        },
                    )
                }
            };
            if !ok {
                return None;
            }
        }
        if top != 1 {
            return None;
        }
        // At most 256 values of 64 bits: the sum fits an i128 with room to spare.
        Some(columns[..n].iter().map(|&value| i128::from(value)).sum())
    }
}

/// `a % d` from `m = ceil(2^128 / d)`: the high 64 bits of `(m * a mod 2^128) * d`, which
/// is exact for every 64-bit `a` and `d > 1` (Lemire, Kaser and Kurz, "Faster remainder by
/// direct computation", 2019).
#[inline]
fn fast_mod(a: u64, d: u64, m: u128) -> u64 {
    const LOW: u128 = u64::MAX as u128;
    let low_bits = m.wrapping_mul(u128::from(a));
    let d = u128::from(d);
    let high = (low_bits >> 64) * d;
    let low = ((low_bits & LOW) * d) >> 64;
    ((high + low) >> 64) as u64
}

/// Python's integer operators on machine integers, `None` on overflow or where Python would
/// raise or leave the integers (a negative power, a division by zero).
#[inline]
fn small_binary(op: BinaryOp, x: i64, y: i64) -> Option<i64> {
    match op {
        BinaryOp::Add => x.checked_add(y),
        BinaryOp::Sub => x.checked_sub(y),
        BinaryOp::Mul => x.checked_mul(y),
        BinaryOp::FloorDiv => {
            let q = x.checked_div(y)?;
            Some(if x % y != 0 && (x < 0) != (y < 0) {
                q - 1
            } else {
                q
            })
        }
        BinaryOp::Mod => {
            let r = x.checked_rem(y)?;
            Some(if r != 0 && (r < 0) != (y < 0) {
                r + y
            } else {
                r
            })
        }
        BinaryOp::Pow => x.checked_pow(u32::try_from(y).ok()?),
        BinaryOp::BitAnd => Some(x & y),
        BinaryOp::BitOr => Some(x | y),
        BinaryOp::Shl => {
            let shift = u32::try_from(y).ok().filter(|&s| s < 63)?;
            let shifted = x.checked_shl(shift)?;
            (shifted >> shift == x).then_some(shifted)
        }
        BinaryOp::Shr => (y >= 0).then(|| x >> y.min(63)),
        BinaryOp::Div => None,
    }
}

/// Everything a chunk needs to evaluate elements of one reduction.
pub(crate) struct Chunking<'a> {
    pub ast: &'a Ast,
    pub node: NodeId,
    pub slot: usize,
    pub reduction: &'a Reduction,
    pub range: &'a Range,
    pub env: &'a [Value],
    pub limits: &'a Limits,
    pub small: Option<&'a SmallBody>,
}

impl Chunking<'_> {
    /// The reduction's error at its own operator.
    pub(crate) fn at(&self, error: NumError) -> Failure {
        (self.node.0, Error::new(error, self.ast.op_span(self.node)))
    }

    /// The mapped value of element `i`: the body's value with the variable bound to it, or
    /// the element itself for a plain range.
    pub(crate) fn element(
        &self,
        i: u64,
        locals: &mut [Value],
        stop: &dyn Fn() -> bool,
    ) -> Result<Value, Failure> {
        if let (Some(small), Some(k)) = (self.small, self.range.small_at(i))
            && let Some(value) = small.eval(k)
        {
            return Ok(Value::Int(Int::from(value)));
        }
        let k = Value::Int(self.range.at(i));
        let Some(body) = self.reduction.body else {
            return Ok(k);
        };
        if let Some(local) = locals.get_mut(self.slot) {
            *local = k;
        }
        let first = self.ast.first_of(body).0;
        eval_nodes(
            self.ast,
            first,
            body.0,
            Some((first, body.0)),
            self.env,
            locals,
            self.limits,
            stop,
        )
    }

    /// Maps and folds elements `lo..hi`. The chunk that starts the range folds as Python does;
    /// others keep what [`combine`] needs. `stop` is asked every few elements (and before
    /// every element when `per_element` is set, which also runs before each element: the
    /// simulated delay); a chunk told to stop returns `Ok(None)`.
    pub(crate) fn map_chunk(
        &self,
        lo: u64,
        hi: u64,
        locals: &mut [Value],
        stop: &dyn Fn() -> bool,
        per_element: Option<&dyn Fn() -> bool>,
    ) -> Result<Option<Partial>, Failure> {
        let func = self.reduction.func;
        let extreme = matches!(func, Reducer::Min | Reducer::Max);
        if self.reduction.body.is_none()
            && per_element.is_none()
            && let Some(partial) = self.plain_range(lo, hi)?
        {
            return Ok(Some(partial));
        }
        // Ints summed in an i128 (exact) between values of other kinds.
        let mut small_sum: i128 = 0;
        let mut acc: Option<Value> = None;
        let mut values: Option<Vec<Value>> = None;
        let mut first_nan = None;
        let mut from = lo;
        if func == Reducer::Sum && per_element.is_none() {
            let Some((stopped_at, sum)) = self.small_sum(lo, hi, stop) else {
                return Ok(None);
            };
            (from, small_sum) = (stopped_at, sum);
        }
        for i in from..hi {
            if let Some(hook) = per_element {
                if !hook() {
                    return Ok(None);
                }
            } else if (i - lo).is_multiple_of(STOP_CHECK_ELEMENTS) && stop() {
                return Ok(None);
            }
            let value = self.element(i, locals, stop)?;
            if extreme {
                if i == lo && is_nan(&value) {
                    first_nan = Some(value);
                    continue;
                }
                if is_nan(&value) {
                    continue;
                }
                acc = Some(match acc {
                    None => value,
                    Some(acc) => fold(func, acc, value, self.limits).map_err(|e| self.at(e))?,
                });
                continue;
            }
            if let Some(values) = values.as_mut() {
                values.push(value);
                continue;
            }
            let is_int = matches!(value, Value::Int(_));
            if func == Reducer::Sum
                && let Value::Int(int) = &value
                && let Ok(small) = i64::try_from(int)
                && let Some(sum) = small_sum.checked_add(i128::from(small))
            {
                small_sum = sum;
                continue;
            }
            if !is_int && lo > 0 {
                // A float in a chunk that does not start the range: its values are kept in
                // order, the ints before it evaluated again.
                let mut kept = Vec::with_capacity((hi - lo) as usize);
                for j in lo..i {
                    kept.push(self.element(j, locals, stop)?);
                }
                kept.push(value);
                values = Some(kept);
                continue;
            }
            let mut current = acc.take().unwrap_or(empty(func).map_err(|e| self.at(e))?);
            if small_sum != 0 {
                let pending = Value::Int(Int::from(small_sum));
                current = fold(func, current, pending, self.limits).map_err(|e| self.at(e))?;
                small_sum = 0;
            }
            acc = Some(fold(func, current, value, self.limits).map_err(|e| self.at(e))?);
        }
        if extreme {
            return Ok(Some(Partial::Extreme {
                best: acc,
                first_nan,
            }));
        }
        if let Some(values) = values {
            return Ok(Some(Partial::Values { lo, values }));
        }
        let mut value = acc.unwrap_or(empty(func).map_err(|e| self.at(e))?);
        if small_sum != 0 {
            let pending = Value::Int(Int::from(small_sum));
            value = fold(func, value, pending, self.limits).map_err(|e| self.at(e))?;
        }
        Ok(Some(if lo == 0 {
            Partial::Acc(value)
        } else {
            Partial::Exact { lo, hi, value }
        }))
    }

    /// The hot loop of a sum: machine integers from the range through the compiled body to an
    /// `i128`, from `lo` for as long as they do. Returns where it stopped and the sum so far;
    /// `None` when told to stop.
    fn small_sum(&self, lo: u64, hi: u64, halt: &dyn Fn() -> bool) -> Option<(u64, i128)> {
        let mut sum: i128 = 0;
        let (Some(small), Some((first, stride))) = (self.small, self.range.small) else {
            return Some((lo, sum));
        };
        let mut columns = Vec::new();
        let mut i = lo;
        let mut since_check = 0u64;
        while i < hi {
            if since_check >= STOP_CHECK_ELEMENTS {
                if halt() {
                    return None;
                }
                since_check = 0;
            }
            let n = (hi - i).min(BATCH as u64);
            since_check += n;
            // A whole batch at once; one that fails somewhere is done element by element.
            if n == BATCH as u64
                && let Some(batch) =
                    small.sum_batch(first + stride * i as i64, stride, BATCH, &mut columns)
                && let Some(next) = sum.checked_add(batch)
            {
                sum = next;
                i += n;
                continue;
            }
            for _ in 0..n {
                let Some(next) = small
                    .eval(first + stride * i as i64)
                    .and_then(|value| sum.checked_add(i128::from(value)))
                else {
                    return Some((i, sum));
                };
                sum = next;
                i += 1;
            }
        }
        Some((hi, sum))
    }

    /// The fold of a plain `range`'s elements `lo..hi` without visiting them where a formula
    /// or a product tree does it: a sum is `n * first + step * n * (n - 1) / 2`, an extreme is
    /// an end, a product of consecutive positive ints a balanced product.
    fn plain_range(&self, lo: u64, hi: u64) -> Result<Option<Partial>, Failure> {
        if lo >= hi {
            return Ok(None);
        }
        let func = self.reduction.func;
        let first = self.range.at(lo);
        let last = self.range.at(hi - 1);
        let n = Int::from(hi - lo);
        let ascending = self.range.step > Int::ZERO;
        let value = match func {
            Reducer::Sum => {
                let twice = (&first + &last) * &n;
                Value::Int(twice / Int::from(2u8))
            }
            Reducer::Min => Value::Int(if ascending { first } else { last }),
            Reducer::Max => Value::Int(if ascending { last } else { first }),
            Reducer::Prod => {
                if self.range.step != Int::ONE || first <= Int::ZERO {
                    return Ok(None);
                }
                Value::Int(
                    num::range_product(&first, hi - lo, self.limits.max_bits)
                        .map_err(|e| self.at(e))?,
                )
            }
        };
        Ok(Some(match func {
            Reducer::Min | Reducer::Max => Partial::Extreme {
                best: Some(value),
                first_nan: None,
            },
            _ if lo == 0 => Partial::Acc(value),
            _ => Partial::Exact { lo, hi, value },
        }))
    }
}

/// A reduction being evaluated by [`eval_nodes`].
struct Frame<'a> {
    node: u32,
    slot: usize,
    func: Reducer,
    body_first: u32,
    body_root: u32,
    range: Range,
    next: u64,
    acc: Option<Value>,
    /// The cursor of the loop around the reduction, restored after it.
    outer_skip: BodySkip<'a>,
}

/// Evaluates nodes `first..=root` of `ast` (a subtree, or a reduction's body when `own` is
/// that body), reductions included, without recursion: a frame per open reduction, whose body
/// is evaluated once per element. `locals` holds the generators' variables (one slot per
/// reduction of the tree); `stop` is asked every few elements of a fold.
// One loop with the frames' three cases (end of a body, a reduction, any other node).
#[allow(clippy::too_many_arguments, clippy::too_many_lines)]
pub(crate) fn eval_nodes(
    ast: &Ast,
    first: u32,
    root: u32,
    own: Option<(u32, u32)>,
    env: &[Value],
    locals: &mut [Value],
    limits: &Limits,
    stop: &dyn Fn() -> bool,
) -> Result<Value, Failure> {
    let mut stack: Vec<Value> = Vec::new();
    let mut frames: Vec<Frame<'_>> = Vec::new();
    let mut skip = BodySkip::new(ast, first, own);
    let mut index = first;
    loop {
        let end = frames.last().map_or(root, |frame| frame.body_root);
        if index > end {
            let Some(frame) = frames.last_mut() else {
                break;
            };
            let value = stack.pop().ok_or_else(|| internal(ast, frame.node))?;
            let at = |error| {
                (
                    frame.node,
                    Error::new(error, ast.op_span(NodeId(frame.node))),
                )
            };
            // Python's fold: `min` and `max` start from the first value (a nan there stays).
            let extreme = matches!(frame.func, Reducer::Min | Reducer::Max);
            frame.acc = Some(match frame.acc.take() {
                None if extreme => value,
                None => {
                    fold(frame.func, empty(frame.func).map_err(at)?, value, limits).map_err(at)?
                }
                Some(acc) => fold(frame.func, acc, value, limits).map_err(at)?,
            });
            if frame.next < frame.range.len {
                if frame.next.is_multiple_of(STOP_CHECK_ELEMENTS) && stop() {
                    return Err(cancelled(ast, frame.node));
                }
                locals[frame.slot] = Value::Int(frame.range.at(frame.next));
                frame.next += 1;
                index = frame.body_first;
                skip = BodySkip::new(
                    ast,
                    frame.body_first,
                    Some((frame.body_first, frame.body_root)),
                );
                continue;
            }
            let Some(frame) = frames.pop() else {
                break;
            };
            stack.push(frame.acc.unwrap_or(Value::Int(Int::ZERO)));
            index = frame.node + 1;
            skip = frame.outer_skip;
            continue;
        }
        if let Some(body_root) = skip.skip_at(index) {
            index = body_root + 1;
            continue;
        }
        let id = NodeId(index);
        if let Node::Reduce(slot) = ast.node(id) {
            let slot = *slot as usize;
            let reduction = &ast.reductions[slot];
            let at = |error| (index, Error::new(error, ast.op_span(id)));
            let base = stack
                .len()
                .checked_sub(reduction.n_args as usize)
                .ok_or_else(|| internal(ast, index))?;
            let bounds: Vec<&Value> = stack[base..].iter().collect();
            let range = Range::new(&bounds).map_err(at)?;
            stack.truncate(base);
            let Some(body) = reduction.body else {
                let chunking = Chunking {
                    ast,
                    node: id,
                    slot,
                    reduction,
                    range: &range,
                    env,
                    limits,
                    small: None,
                };
                let value = match chunking.map_chunk(0, range.len, locals, stop, None)? {
                    Some(partial) => finish(reduction.func, partial).map_err(at)?,
                    None if range.len == 0 => empty(reduction.func).map_err(at)?,
                    None => return Err(cancelled(ast, index)),
                };
                stack.push(value);
                index += 1;
                continue;
            };
            if range.len == 0 {
                stack.push(empty(reduction.func).map_err(at)?);
                index += 1;
                continue;
            }
            let body_first = ast.first_of(body).0;
            locals[slot] = Value::Int(range.at(0));
            let outer_skip = std::mem::replace(
                &mut skip,
                BodySkip::new(ast, body_first, Some((body_first, body.0))),
            );
            frames.push(Frame {
                node: index,
                slot,
                func: reduction.func,
                body_first,
                body_root: body.0,
                range,
                next: 1,
                acc: None,
                outer_skip,
            });
            index = body_first;
            continue;
        }
        let base = stack
            .len()
            .checked_sub(ast.n_operands(id))
            .ok_or_else(|| internal(ast, index))?;
        let value = eval_node(ast, id, env, locals, limits, |k| &stack[base + k])
            .map_err(|error| (index, error))?;
        stack.truncate(base);
        stack.push(value);
        index += 1;
    }
    stack.pop().ok_or_else(|| internal(ast, root))
}

fn internal(ast: &Ast, node: u32) -> Failure {
    let error = Error::new(
        ErrorKind::Internal("an evaluation stack ran out".into()),
        ast.span(NodeId(node)),
    );
    (node, error)
}

fn cancelled(ast: &Ast, node: u32) -> Failure {
    (
        node,
        Error::new(ErrorKind::Cancelled, ast.op_span(NodeId(node))),
    )
}

/// A whole reduction, its range known, evaluated on the current thread as one chunk: the
/// empty range's identity (or error), else the fold of every element. `Ok(None)` when `stop`
/// (or `per_element`, the simulated delay) said to stop.
// The pieces a chunk needs, passed as they are.
#[allow(clippy::too_many_arguments)]
pub(crate) fn evaluate_whole(
    ast: &Ast,
    node: NodeId,
    slot: usize,
    range: &Range,
    env: &[Value],
    limits: &Limits,
    small: Option<&SmallBody>,
    stop: &dyn Fn() -> bool,
    per_element: Option<&dyn Fn() -> bool>,
) -> Result<Option<Value>, Failure> {
    let reduction = &ast.reductions[slot];
    let at = |error| (node.0, Error::new(error, ast.op_span(node)));
    if range.len == 0 {
        return empty(reduction.func).map(Some).map_err(at);
    }
    let chunking = Chunking {
        ast,
        node,
        slot,
        reduction,
        range,
        env,
        limits,
        small,
    };
    let mut locals = vec![Value::Int(Int::ZERO); ast.reductions.len()];
    match chunking.map_chunk(0, range.len, &mut locals, stop, per_element)? {
        Some(partial) => finish(reduction.func, partial).map(Some).map_err(at),
        None => Ok(None),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn fast_mod_is_the_remainder() {
        let divisors = [
            2u64,
            3,
            7,
            10,
            1 << 20,
            1_000_000_007,
            u64::MAX / 3,
            u64::MAX,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for &d in &divisors {
            let m = (u128::MAX / u128::from(d)).wrapping_add(1);
            for a in [
                0,
                1,
                d - 1,
                d,
                d.saturating_add(1),
                u64::MAX,
                u64::MAX - 1,
                1 << 63,
            ] {
                assert_eq!(fast_mod(a, d, m), a % d, "{a} % {d}");
            }
            for _ in 0..10_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                assert_eq!(fast_mod(x, d, m), x % d, "{x} % {d}");
            }
        }
    }
}
