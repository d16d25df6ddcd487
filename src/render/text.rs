//! Short forms for labels and values: subexpressions and numbers of any size cut to a few dozen
//! characters, in time proportional to the cut, not to the text.
//!
//! This module does not colour or align; the renderers do.

use dashu_int::ops::BitTest;

use crate::num::Value;

/// Values and subexpressions longer than this many characters are abbreviated in the legend.
pub(crate) const MAX_CHARS: usize = 40;

/// Integers longer than this many bits are described by their size, not printed: printing a
/// million-digit number to show forty of its digits would cost more than the evaluation.
const MAX_PRINTED_BITS: usize = 4096;

/// `text` on one line (newlines and tabs as spaces), cut in the middle with `…` when longer
/// than `max_chars` characters. Reads at most `max_chars + 1` characters from each end.
pub(crate) fn abbreviate(text: &str, max_chars: usize) -> String {
    let flat = |c: char| if c.is_whitespace() { ' ' } else { c };
    let max_chars = max_chars.max(3);
    if text.chars().take(max_chars + 1).count() <= max_chars {
        return text.chars().map(flat).collect();
    }
    let head = (max_chars - 1).div_ceil(2);
    let tail = max_chars - 1 - head;
    let mut out: String = text.chars().take(head).map(flat).collect();
    out.push('…');
    let mut end: Vec<char> = text.chars().rev().take(tail).map(flat).collect();
    end.reverse();
    out.extend(end);
    out
}

/// A value for the legend: printed and abbreviated, or its size for huge integers; `—` for a
/// task that failed or was cancelled.
pub(crate) fn value(value: Option<&Value>, max_chars: usize) -> String {
    match value {
        None => "—".to_string(),
        Some(Value::Int(int)) if int.bit_len() > MAX_PRINTED_BITS => {
            // log10(2) ≈ 0.30103: the decimal digits of a number of this many bits.
            let digits = (int.bit_len() as f64 * std::f64::consts::LOG10_2).ceil() as u64;
            format!("int of about {digits} digits")
        }
        Some(value) => abbreviate(&value.to_string(), max_chars),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[track_caller]
    fn check(text: &str, max_chars: usize, expected: &str) {
        assert_eq!(abbreviate(text, max_chars), expected);
    }

    #[test]
    fn abbreviation() {
        check("3 + 7", 40, "3 + 7");
        check("1 +\n2", 40, "1 + 2");
        check("abcdefghij", 10, "abcdefghij");
        check("abcdefghijk", 10, "abcde…hijk");
        check("ααααββββγγ", 5, "αα…γγ");
    }

    #[test]
    fn values() {
        assert_eq!(value(None, 40), "—");
        assert_eq!(value(Some(&Value::Int(500.into())), 40), "500");
        assert_eq!(value(Some(&Value::Float(0.5)), 40), "0.5");
        let long = Value::Int(crate::num::Int::from(10u8).pow(60));
        assert_eq!(value(Some(&long), 11), "10000…00000");
        let huge = Value::Int(crate::num::Int::from(1u8) << 10_000);
        assert_eq!(value(Some(&huge), 40), "int of about 3011 digits");
    }
}
