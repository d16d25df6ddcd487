//! Short forms for labels and values: subexpressions and numbers of any size cut to a few dozen
//! characters, in time proportional to the cut, not to the text; and lines fitted to a width:
//! cut with `…`, or wrapped at spaces, never in the middle of a word.
//!
//! Widths are counted in characters: everything the renderers draw (box-drawing characters,
//! shades, `…`, `µ`, `→`) is one column wide. This module does not colour or align; the renderers
//! do, after fitting the plain text.

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

/// Narrowest width any view is drawn to: below it, lines may be wider than asked.
pub(crate) const MIN_WIDTH: usize = 40;

/// The width a view is drawn to when asked for `width`.
pub(crate) fn view_width(width: usize) -> usize {
    width.max(MIN_WIDTH)
}

/// Number of characters (columns) of `text`.
pub(crate) fn columns(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to at most `width` characters, ending in `…` when cut.
pub(crate) fn fit(text: &str, width: usize) -> String {
    if text.chars().take(width + 1).count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` as lines of at most `width` characters, broken at spaces; a word longer than a line
/// is cut with `…`. Every line after the first starts with `indent` (counted in the width).
pub(crate) fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut line_columns = 0;
    let room = |n_lines: usize| {
        let indent_columns = if n_lines == 0 { 0 } else { columns(indent) };
        width.saturating_sub(indent_columns).max(1)
    };
    for word in unbreakable_words(text) {
        let word = word.as_str();
        if line_columns > 0 && line_columns + 1 + columns(word) > room(lines.len()) {
            lines.push(std::mem::take(&mut line));
            line_columns = 0;
        }
        let word = fit(
            word,
            room(lines.len()) - line_columns.min(room(lines.len())),
        );
        if line_columns > 0 {
            line.push(' ');
            line_columns += 1;
        }
        line_columns += columns(&word);
        line.push_str(&word);
    }
    if line_columns > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            if index == 0 {
                line
            } else {
                format!("{indent}{line}")
            }
        })
        .collect()
}

/// The words of `text` for [`wrap`]: split at spaces, except that a unit of time stays with
/// the number before it (`41.3 ms` is never cut in two).
fn unbreakable_words(text: &str) -> Vec<String> {
    const UNITS: [&str; 5] = ["ns", "µs", "ms", "s", "min"];
    let mut words: Vec<String> = Vec::new();
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        let unit = word.trim_end_matches([',', ';', ':', '.', ')']);
        match words.last_mut() {
            Some(last) if UNITS.contains(&unit) && last.ends_with(|c: char| c.is_ascii_digit()) => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
    }
    words
}

/// `parts` joined by `separator` on lines of at most `width` characters, a line breaking only
/// between parts; a part too long for a line has lines of its own, wrapped at spaces.
pub(crate) fn join_wrapped(parts: &[String], separator: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for part in parts {
        if columns(part) > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.extend(wrap(part, width, "  "));
            continue;
        }
        if !line.is_empty() && columns(&line) + columns(separator) + columns(part) > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push_str(separator);
        }
        line.push_str(part);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `1234172` as `1,234,172`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, c) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
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
    fn fitting_and_wrapping() {
        assert_eq!(fit("worker 0", 20), "worker 0");
        assert_eq!(fit("abcdefgh", 5), "abcd…");
        assert_eq!(
            wrap("measured wall 304 ms: within the bound", 16, "  "),
            ["measured wall", "  304 ms: within", "  the bound"]
        );
        assert_eq!(
            wrap("measured wall 41.3 ms: within", 18, "  "),
            ["measured wall", "  41.3 ms: within"]
        );
        assert_eq!(wrap("took 5 ms", 6, ""), ["took", "5 ms"]);
        assert_eq!(wrap("", 10, ""), [""]);
        assert_eq!(wrap("supercalifragilistic", 8, ""), ["superca…"]);
        let parts: Vec<String> = ["6 tasks on 3 workers", "delay 100 ms", "grain 1"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            join_wrapped(&parts, " · ", 36),
            ["6 tasks on 3 workers · delay 100 ms", "grain 1"]
        );
        assert_eq!(thousands(1_234_172), "1,234,172");
        assert_eq!(thousands(999), "999");
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
