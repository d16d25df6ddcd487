//! Bodies compiled for machine integers: `k * k % 7` evaluated on `i64`s without building a
//! single `Value`, for the hot loop of an integer reduction. Any overflow, or anything Python
//! would do differently on big integers, falls back to the general evaluator.

use crate::ast::{Ast, Node, NodeId};
use crate::engine::env::Env;
use crate::num::Value;
use crate::ops::{BinaryOp, UnaryOp};

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
    pub(crate) fn compile<E: Env + ?Sized>(ast: &Ast, slot: usize, env: &E) -> Option<SmallBody> {
        let body = ast.reductions.get(slot)?.body?;
        let first = ast.first_of(body).0;
        let mut ops = Vec::new();
        let mut depth = 0usize;
        for index in first..=body.0 {
            let op = match ast.node(NodeId(index)) {
                Node::SmallInt(i) => SmallOp::Const(*i),
                Node::Name(name) => match env.get(*name)? {
                    Value::Int(i) => SmallOp::Const(i64::try_from(i).ok()?),
                    _ => return None,
                },
                Node::Local(r) if *r as usize == slot => SmallOp::Var,
                Node::Unary { op, .. } if *op != UnaryOp::Not => SmallOp::Unary(*op),
                Node::Binary { op, .. } if *op != BinaryOp::Div && !op.is_comparison() => {
                    SmallOp::Binary(*op)
                }
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
                        UnaryOp::Not => return None,
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
                        UnaryOp::Not => false,
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
pub(crate) fn small_binary(op: BinaryOp, x: i64, y: i64) -> Option<i64> {
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
        BinaryOp::Div
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::Eq
        | BinaryOp::Ne => None,
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
