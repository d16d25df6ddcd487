//! Durations and counts as people type and read them: `100ms`, `1.5s`, `250us`; a bare number
//! is ms; units in any case (`100MS`), and `off` for no delay at all. Counts are written with
//! their noun in the right number (`1 task`, `2 tasks`) by [`plural`], everywhere.

use std::time::Duration;

/// Longest delay accepted: an hour per operator is already more than any lesson needs.
const MAX_SECONDS: f64 = 3600.0;

/// A duration that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DurationError {
    #[error("invalid duration '{0}': expected e.g. 100ms, 1.5s, 250us or off")]
    Invalid(String),
    #[error("invalid duration unit '{unit}' in '{text}': use s, ms, us or ns")]
    Unit { unit: String, text: String },
    #[error("duration '{0}' out of range (0 to {MAX_SECONDS} s)")]
    OutOfRange(String),
}

/// Parses `100ms`, `1.5s`, `250us` (or `250µs`), `2m` is not accepted; a bare number is
/// milliseconds. Units are read in any case (`100MS`); `off` is no delay.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .replace('_', "")
        .parse()
        .map_err(|_| DurationError::Invalid(text.to_string()))?;
    let seconds = match unit.trim().to_lowercase().as_str() {
        "" | "ms" => number / 1e3,
        "s" => number,
        "us" | "µs" => number / 1e6,
        "ns" => number / 1e9,
        _ => {
            return Err(DurationError::Unit {
                unit: unit.trim().to_string(),
                text: text.to_string(),
            });
        }
    };
    if !(0.0..=MAX_SECONDS).contains(&seconds) {
        return Err(DurationError::OutOfRange(text.to_string()));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Formats a duration with a unit that keeps three significant digits: `1.23 s`, `400 ms`,
/// `12.5 µs`, `800 ns`.
pub(crate) fn format_duration(duration: Duration) -> String {
    format_ns(duration.as_nanos() as f64)
}

/// [`format_duration`] for a number of nanoseconds.
pub(crate) fn format_ns(ns: f64) -> String {
    let (value, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {unit}")
}

/// A count and its noun, singular for one: `1 worker`, `4 workers`, `0 tasks`. Any integer
/// type: the count is compared as written.
pub(crate) fn plural(n: impl std::fmt::Display, noun: &str) -> String {
    let n = n.to_string();
    if n == "1" {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[track_caller]
    fn check(text: &str, expected: Duration) {
        assert_eq!(parse_duration(text), Ok(expected));
    }

    #[test]
    fn units() {
        check("100ms", Duration::from_millis(100));
        check("1.5s", Duration::from_millis(1500));
        check("250us", Duration::from_micros(250));
        check("250µs", Duration::from_micros(250));
        check("40", Duration::from_millis(40));
        check("0", Duration::ZERO);
    }

    #[test]
    fn units_in_any_case_and_off() {
        check("100MS", Duration::from_millis(100));
        check("1.5S", Duration::from_millis(1500));
        check("250Us", Duration::from_micros(250));
        check("250µS", Duration::from_micros(250));
        check("off", Duration::ZERO);
        check(" OFF ", Duration::ZERO);
        assert_eq!(
            parse_duration("10 Parsecs"),
            Err(DurationError::Unit {
                unit: "Parsecs".into(),
                text: "10 Parsecs".into()
            })
        );
    }

    #[test]
    fn errors() {
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("10 parsecs").is_err());
        assert!(parse_duration("-5ms").is_err());
        assert!(parse_duration("99999s").is_err());
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "task"), "1 task");
        assert_eq!(plural(0, "task"), "0 tasks");
        assert_eq!(plural(2usize, "node"), "2 nodes");
        assert_eq!(plural(1u64, "bit"), "1 bit");
        assert_eq!(plural(-1, "degree"), "-1 degrees");
    }

    #[test]
    fn formatting() {
        assert_eq!(format_ns(600e6), "600 ms");
        assert_eq!(format_ns(1.5e9), "1.50 s");
        assert_eq!(format_ns(12_500.0), "12.5 µs");
        assert_eq!(format_ns(800.0), "800 ns");
    }
}
