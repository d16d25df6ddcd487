//! Float operators as `CPython`'s `floatobject.c` defines them, and float `repr()`.
//!
//! `+ - *` are plain IEEE operations (overflow gives `inf`, as in Python); `/`, `//` and `%`
//! raise on a zero divisor; `//` and `%` follow `float_divmod` (the remainder takes the
//! divisor's sign, signed zeros included); `^` follows `float_pow`'s special cases before
//! handing finite cases to the platform `pow`. Where Python would return a complex number this
//! raises a domain error instead.

use crate::error::NumError;

/// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation when the
/// decimal exponent is in -4..16, else in exponent notation with at least two exponent digits.
pub fn repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // `{:e}` gives the shortest round-trip digits as `d.ddde<exp>`. When two strings of that
    // length round-trip equally near (the value lies halfway between them), Python's dtoa
    // takes the even one, as the exactly rounded form of the same length does.
    let shortest = format!("{:e}", x.abs());
    let n_digits = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.replace('.', "").len());
    let exact = format!("{:.*e}", n_digits.saturating_sub(1), x.abs());
    let scientific = if exact.parse::<f64>() == Ok(x.abs()) {
        exact
    } else {
        shortest
    };
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // Neither form has trailing zeros, but the layout below relies on it, so make sure.
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let n_digits = digits.len() as i32;
        let body = if exponent < 0 {
            format!("0.{}{}", "0".repeat((-exponent - 1) as usize), digits)
        } else if exponent + 1 >= n_digits {
            format!(
                "{}{}.0",
                digits,
                "0".repeat((exponent + 1 - n_digits) as usize)
            )
        } else {
            let (whole, fraction) = digits.split_at((exponent + 1) as usize);
            format!("{whole}.{fraction}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{first}{point}e{exp_sign}{:02}", exponent.abs())
    }
}

/// `a / b` for floats.
pub(super) fn div(a: f64, b: f64) -> Result<f64, NumError> {
    if b == 0.0 {
        return Err(NumError::ZeroDivision("float division by zero"));
    }
    Ok(a / b)
}

/// `CPython`'s `_float_div_mod`: the floor quotient and the remainder with the divisor's sign.
fn div_mod(vx: f64, wx: f64) -> (f64, f64) {
    // Rust's `%` on floats is C's `fmod`.
    let mut modulo = vx % wx;
    let mut quotient = (vx - modulo) / wx;
    if modulo == 0.0 {
        modulo = 0.0_f64.copysign(wx);
    } else if (wx < 0.0) != (modulo < 0.0) {
        modulo += wx;
        quotient -= 1.0;
    }
    let floor_quotient = if quotient == 0.0 {
        0.0_f64.copysign(vx / wx)
    } else {
        let floored = quotient.floor();
        if quotient - floored > 0.5 {
            floored + 1.0
        } else {
            floored
        }
    };
    (floor_quotient, modulo)
}

/// `a // b` for floats.
pub(super) fn floor_div(a: f64, b: f64) -> Result<f64, NumError> {
    if b == 0.0 {
        return Err(NumError::ZeroDivision("float floor division by zero"));
    }
    Ok(div_mod(a, b).0)
}

/// `a % b` for floats.
pub(super) fn modulo(a: f64, b: f64) -> Result<f64, NumError> {
    if b == 0.0 {
        return Err(NumError::ZeroDivision("float modulo"));
    }
    Ok(div_mod(a, b).1)
}

fn is_odd_integer(x: f64) -> bool {
    x.abs() % 2.0 == 1.0
}

/// `a ^ b` for floats: `CPython`'s `float_pow`.
pub(super) fn pow(iv: f64, iw: f64) -> Result<f64, NumError> {
    if iw == 0.0 {
        return Ok(1.0);
    }
    if iv.is_nan() {
        return Ok(iv);
    }
    if iw.is_nan() {
        return Ok(if iv == 1.0 { 1.0 } else { iw });
    }
    if iw.is_infinite() {
        let magnitude = iv.abs();
        return Ok(if magnitude == 1.0 {
            1.0
        } else if (iw > 0.0) == (magnitude > 1.0) {
            iw.abs()
        } else {
            0.0
        });
    }
    if iv.is_infinite() {
        let odd = is_odd_integer(iw);
        return Ok(if iw > 0.0 {
            if odd { iv } else { iv.abs() }
        } else if odd {
            0.0_f64.copysign(iv)
        } else {
            0.0
        });
    }
    if iv == 0.0 {
        if iw < 0.0 {
            return Err(NumError::ZeroDivision(
                "0.0 cannot be raised to a negative power",
            ));
        }
        return Ok(if is_odd_integer(iw) { iv } else { 0.0 });
    }
    let mut base = iv;
    let mut negate = false;
    if base < 0.0 {
        if iw != iw.floor() {
            return Err(NumError::Domain(
                "negative number cannot be raised to a fractional power".into(),
            ));
        }
        base = -base;
        negate = is_odd_integer(iw);
    }
    if base == 1.0 {
        return Ok(if negate { -1.0 } else { 1.0 });
    }
    let result = base.powf(iw);
    if result.is_infinite() {
        return Err(NumError::Overflow(
            "float overflow in ^ (numerical result out of range)",
        ));
    }
    Ok(if negate { -result } else { result })
}
