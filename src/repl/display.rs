//! How the REPL prints values: whole when short, abbreviated past [`MAX_DIGITS`] digits.
//!
//! Only the REPL abbreviates; batch mode always prints values whole. The abbreviation keeps the
//! sign, the first and last four digits and the digit count (`1234…5678 (1,234,172 digits)`);
//! `:show` prints the last value whole.

use std::borrow::Cow;

use crate::num::print::digit_summary;
use crate::num::{Int, Value};
use crate::render::text::thousands;

/// Values with more digits than this are abbreviated.
pub(crate) const MAX_DIGITS: usize = 10_000;

/// A value as the REPL shows it: whole, or for an integer of more than [`MAX_DIGITS`] digits
/// its abbreviation, computed without converting every digit (an 18-million-digit power
/// would otherwise take many seconds to print only eight of its digits).
pub(crate) fn abbreviate_value(value: &Value) -> String {
    if let Value::Int(int) = value
        && let Some((digits, head, tail)) = digit_summary(int, 4, MAX_DIGITS)
    {
        let sign = if *int < Int::ZERO { "-" } else { "" };
        return format!("{sign}{head}…{tail} ({} digits)", thousands(digits));
    }
    value.to_string()
}

/// About how many digits `value` prints with (an integer's from its size in bits, so at once;
/// one for a float or a bool, whose repr is short; a string's length).
pub(crate) fn digits_about(value: &Value) -> u64 {
    match value {
        Value::Int(int) => {
            let bits = dashu_int::ops::BitTest::bit_len(int) as f64;
            (bits * std::f64::consts::LOG10_2).floor() as u64 + 1
        }
        Value::Float(_) | Value::Bool(_) => 1,
        Value::Str(text) => text.len() as u64,
        Value::Func(function) => function.name.len() as u64,
    }
}

/// `text` itself when it has at most `max_digits` digits, else its abbreviation.
pub(crate) fn abbreviate_to(text: &str, max_digits: usize) -> Cow<'_, str> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(digits) => ("-", digits),
        None => ("", text),
    };
    // Only integers grow long; anything else (floats, inf, nan) is printed as it is.
    if digits.len() <= max_digits.max(8) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Cow::Borrowed(text);
    }
    let head = &digits[..4];
    let tail = &digits[digits.len() - 4..];
    Cow::Owned(format!(
        "{sign}{head}…{tail} ({} digits)",
        thousands(digits.len())
    ))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn long_integers_are_abbreviated_without_full_conversion() {
        let big = Value::Int(Int::from(10).pow(20_000) - Int::ONE);
        assert_eq!(abbreviate_value(&big), "9999…9999 (20,000 digits)");
        let negative = Value::Int(-Int::from(3).pow(30_000));
        let text = negative.to_string();
        assert_eq!(
            abbreviate_value(&negative),
            format!(
                "-{}…{} (14,314 digits)",
                &text[1..5],
                &text[text.len() - 4..]
            )
        );
        let short = Value::Int(Int::from(10).pow(9_999));
        assert_eq!(abbreviate_value(&short), short.to_string());
        assert_eq!(abbreviate_value(&Value::Float(0.5)), "0.5");
    }

    #[track_caller]
    fn check(text: &str, expected: &str) {
        assert_eq!(abbreviate_to(text, MAX_DIGITS), expected);
    }

    #[test]
    fn short_values_are_whole() {
        check("500", "500");
        check("-42", "-42");
        check("0.1", "0.1");
        check(&"9".repeat(MAX_DIGITS), &"9".repeat(MAX_DIGITS));
    }

    #[test]
    fn long_values_are_abbreviated() {
        let long = format!("1234{}5678", "0".repeat(1_234_164));
        check(&long, "1234…5678 (1,234,172 digits)");
        check(
            &format!("-{}", "7".repeat(MAX_DIGITS + 1)),
            "-7777…7777 (10,001 digits)",
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_172), "1,234,172");
    }
}
