//! Habits of other calculators, answered: what people who know bc, `bc -l`, numbat or a
//! pocket calculator type, and what parcalc, which speaks Python, wants instead.
//!
//! The errors stay Python's (`name 'ans' is not defined`); [`hint`] adds, in parentheses, the
//! spelling that works (`the last value is _`), and only when it is plausible. [`note`] is
//! the line printed after an assignment that another calculator would take for a setting
//! (`scale = 20`): the assignment binds the name, as in Python, and the note says why it
//! changes nothing.

use crate::error::{Error, ErrorKind, Expected, Found};
use crate::ops::Builtin;

/// bc's one-letter functions of `bc -l`, and the names parcalc gives them.
const BC_FUNCTIONS: &[(&str, &str)] = &[
    ("e", "exp"),
    ("l", "log"),
    ("s", "sin"),
    ("c", "cos"),
    ("a", "atan"),
];

/// Names other calculators give the last value.
const LAST_VALUE: &[&str] = &["ans", "last", "Ans", "ANS"];

/// What to write instead of what `source` has at `error`, if another calculator's habit
/// explains the error.
pub fn hint(error: &Error, source: &str) -> Option<String> {
    match &error.kind {
        ErrorKind::UnknownName { name, .. } => {
            if LAST_VALUE.contains(&&**name) {
                return Some("did you mean '_'? the last value is _".to_owned());
            }
            let rest = source.get(error.span.end as usize..).unwrap_or("");
            if let Some(hint) = bc_function(name, rest) {
                return Some(hint);
            }
            // `abs -3`: a function name without its parentheses.
            Builtin::from_name(name)?;
            let rest = source.get(error.span.end as usize..).unwrap_or("");
            Some(format!("{name} is a function: write {}", call(name, rest)))
        }
        // `e(1)`: `e` is the constant here.
        ErrorKind::NotCallable { .. } => {
            let name = source.get(error.span.range())?;
            let rest = source.get(error.span.end as usize..).unwrap_or("");
            bc_function(name, rest)
        }
        // `sin 1`: a function name, then an operand where an operator should be.
        ErrorKind::Expected { expected, found } if expects_operator(expected, found) => {
            let before = source.get(..error.span.start as usize)?.trim_end();
            let name_start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |at| at + 1);
            let name = &before[name_start..];
            Builtin::from_name(name)?;
            let rest = source.get(error.span.start as usize..).unwrap_or("");
            Some(format!("{name} is a function: write {}", call(name, rest)))
        }
        _ => None,
    }
}

/// bc's `e(1)`, `l(x)`, …: the function parcalc names otherwise, when `name` is one of them
/// and `rest` (the text after it) calls it.
fn bc_function(name: &str, rest: &str) -> Option<String> {
    let (_, ours) = BC_FUNCTIONS.iter().find(|(bc, _)| *bc == name)?;
    let rest = rest.trim();
    let inner = rest.strip_prefix('(')?;
    let arguments = inner
        .strip_suffix(')')
        .filter(|inner| {
            inner.chars().count() <= 30
                && !inner.contains(['(', ')'])
                && !inner.chars().any(char::is_control)
        })
        .unwrap_or("x");
    Some(format!(
        "bc's {name}(x) is {ours}(x): write {ours}({arguments})"
    ))
}

/// Whether a syntax error is an operand where an operator was expected.
fn expects_operator(expected: &[Expected], found: &Found) -> bool {
    expected.contains(&Expected::Operator) && !matches!(found, Found::End)
}

/// `name(rest)` for a short rest of the line, `name(…)` otherwise.
fn call(name: &str, rest: &str) -> String {
    let rest = rest.trim();
    if rest.is_empty() || rest.chars().count() > 30 || rest.contains(['\n', '=', ',']) {
        format!("{name}(…)")
    } else {
        format!("{name}({rest})")
    }
}

/// The note printed after assigning `name`, when other calculators take that name for a
/// setting.
pub fn note(name: &str) -> Option<&'static str> {
    match name {
        "scale" => Some(
            "note: parcalc has no scale setting: integers are exact, / is a float division \
             printed as Python prints floats, and round(x, n) rounds to n digits",
        ),
        "obase" => Some(
            "note: parcalc has no obase setting: values print in decimal; write 0x, 0o or 0b \
             literals to read other bases",
        ),
        "ibase" => Some(
            "note: parcalc has no ibase setting: write 0x, 0o or 0b literals to read other bases",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[track_caller]
    fn hint_of(source: &str) -> Option<String> {
        // A statement that parses fails where its first name is read: an unknown name.
        let error = if let Err(error) = crate::syntax::parse_statement(source) {
            error
        } else {
            let start = source.find(|c: char| c.is_alphabetic()).unwrap_or(0);
            let end = start
                + source[start..]
                    .find(|c: char| !c.is_alphanumeric())
                    .unwrap_or(source.len() - start);
            Error::new(
                ErrorKind::UnknownName {
                    name: source[start..end].into(),
                    suggestion: None,
                },
                crate::span::Span::new(start, end),
            )
        };
        hint(&error, source)
    }

    #[test]
    fn other_calculators_spellings_get_ours() {
        let last = Some("did you mean '_'? the last value is _");
        assert_eq!(hint_of("ans").as_deref(), last);
        assert_eq!(hint_of("last * 2").as_deref(), last);
        assert_eq!(
            hint_of("abs -3").as_deref(),
            Some("abs is a function: write abs(-3)")
        );
        assert_eq!(
            hint_of("sin 1").as_deref(),
            Some("sin is a function: write sin(1)")
        );
        assert_eq!(
            hint_of("e(1)").as_deref(),
            Some("bc's e(x) is exp(x): write exp(1)")
        );
        assert_eq!(
            hint_of("l(2) + 1").as_deref(),
            Some("bc's l(x) is log(x): write log(x)")
        );
        // Regression (fuzzing): an argument over two lines is not quoted into the hint.
        assert_eq!(
            hint_of("c(2 +\n8)").as_deref(),
            Some("bc's c(x) is cos(x): write cos(x)")
        );
    }

    #[test]
    fn no_hint_where_none_is_plausible() {
        assert_eq!(hint_of("x"), None);
        assert_eq!(hint_of("1 2"), None);
        assert_eq!(hint_of("foo(1)"), None);
        assert_eq!(note("x"), None);
        assert!(note("scale").is_some_and(|note| note.contains("round(x, n)")));
    }
}
