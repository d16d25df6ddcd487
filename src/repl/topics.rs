//! `:help NAME`: one function, constant or command, as numbat's `info` shows one — its
//! signature, what it does, its group, and an example with the value parcalc computes for it
//! (evaluated when asked, never written down).

use std::fmt::Write as _;

use crate::engine::sequential;
use crate::num::Limits;
use crate::ops;
use crate::repl::command::{ALIASES, COMMANDS};

/// An example call of each function whose example is worth showing, as typed at the prompt.
const EXAMPLES: &[(&str, &str)] = &[
    ("abs", "abs(-3)"),
    ("min", "min(3, 1, 2)"),
    ("max", "max(k % 7 for k in range(100))"),
    ("round", "round(2.675, 2)"),
    ("pow", "pow(3, 100, 7)"),
    ("int", "int(-2.5)"),
    ("float", "float(2 ^ 60)"),
    ("sum", "sum(k * k for k in range(8))"),
    ("prod", "prod(range(1, 11))"),
    ("sqrt", "sqrt(2)"),
    ("isqrt", "isqrt(10 ^ 20 + 1)"),
    ("exp", "exp(1)"),
    ("log", "log(8, 2)"),
    ("log2", "log2(1024)"),
    ("log10", "log10(0.001)"),
    ("sin", "sin(pi / 6)"),
    ("cos", "cos(pi)"),
    ("tan", "tan(pi / 4)"),
    ("atan", "atan(1) * 4"),
    ("atan2", "atan2(1, -1)"),
    ("hypot", "hypot(3, 4)"),
    ("factorial", "factorial(20)"),
    ("comb", "comb(10, 3)"),
    ("perm", "perm(10, 3)"),
    ("gcd", "gcd(12, 18, 27)"),
    ("lcm", "lcm(4, 6, 10)"),
    ("floor", "floor(-2.5)"),
    ("ceil", "ceil(2.1)"),
    ("trunc", "trunc(-2.7)"),
    ("cbrt", "cbrt(27)"),
    ("degrees", "degrees(pi)"),
    ("gamma", "gamma(0.5) ^ 2"),
    ("fmod", "fmod(-7, 3)"),
];

/// The text of `:help NAME`, or `None` when NAME is neither a function, a constant nor a
/// command.
pub(crate) fn topic(name: &str) -> Option<String> {
    let name = name.trim().trim_start_matches(':').trim_end_matches("()");
    if let Some(function) = ops::FUNCTIONS.iter().find(|function| function.name == name) {
        let mut out = format!(
            "{}({}) — {} ({})",
            function.name,
            function.params,
            function.summary,
            function.group.title()
        );
        if let Some((_, example)) = EXAMPLES.iter().find(|(of, _)| *of == name)
            && let Some(value) = evaluate(example)
        {
            let _ = write!(out, "\nexample: {example} = {value}");
        }
        return Some(out);
    }
    if let Some(constant) = ops::CONSTANTS.iter().find(|constant| constant.name == name) {
        return Some(format!(
            "{} — {} (a constant)",
            constant.name, constant.summary
        ));
    }
    let command_name = ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, command)| *command);
    COMMANDS
        .iter()
        .find(|command| command.name == command_name)
        .map(|command| {
            let args = if command.args.is_empty() {
                String::new()
            } else {
                format!(" {}", command.args)
            };
            format!(":{}{args} — {}", command.name, command.help)
        })
}

/// The value of an example, computed now with the sequential evaluator.
fn evaluate(example: &str) -> Option<String> {
    let statement = crate::syntax::parse_statement(example).ok()??;
    let ast = statement.expr;
    // Its names are constants (`pi`).
    let env: Vec<crate::num::Value> = ast
        .names
        .iter()
        .map(|name| ops::constant(name).map(crate::num::Value::Float))
        .collect::<Option<_>>()?;
    sequential::evaluate(&ast, &env, &Limits::default())
        .ok()
        .map(|value| value.to_string())
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn a_function_shows_its_signature_and_an_example_computed_now() {
        let shown = topic("sqrt").unwrap();
        assert!(shown.starts_with("sqrt(x) — square root"), "{shown}");
        assert!(
            shown.ends_with("example: sqrt(2) = 1.4142135623730951"),
            "{shown}"
        );
        assert!(topic("comb()").unwrap().contains("comb(10, 3) = 120"));
        assert!(topic("pi").unwrap().contains("3.141592653589793"));
        assert!(topic(":workers").unwrap().starts_with(":workers [N] —"));
        assert!(topic("q").unwrap().starts_with(":quit"));
        assert_eq!(topic("nonsense"), None);
    }

    #[test]
    fn every_example_names_a_function_and_evaluates() {
        for (name, example) in EXAMPLES {
            assert!(
                ops::FUNCTIONS.iter().any(|function| function.name == *name),
                "{name} is not a function"
            );
            assert!(evaluate(example).is_some(), "{example} does not evaluate");
        }
    }
}
