//! Tests of the programs' pieces: values as Python source, expressions written without
//! recursion, and the forms chosen by name. The programs themselves are run with `python3` by
//! the integration tests (`tests/it/python.rs`).

use super::*;
use crate::plan::Policy;

#[test]
fn values_as_python_source() {
    assert_eq!(value_literal(&Value::Float(0.1)), "0.1");
    assert_eq!(value_literal(&Value::Float(1e16)), "1e+16");
    assert_eq!(value_literal(&Value::Float(f64::NAN)), "math.nan");
    assert_eq!(value_literal(&Value::Float(f64::NEG_INFINITY)), "-math.inf");
    assert_eq!(value_literal(&Value::Int((-42).into())), "-42");
    let huge = Value::Int(crate::num::Int::from(1u8) << 20_000);
    assert!(value_literal(&huge).starts_with("0x1000"));
    let negative = Value::Int(-(crate::num::Int::from(1u8) << 20_000));
    assert!(value_literal(&negative).starts_with("-0x1000"));
}

fn parse(text: &str) -> Ast {
    crate::syntax::parse_statement(text)
        .expect("parses")
        .expect("an expression")
        .expr
}

#[test]
fn expressions_are_parenthesised_inside_only() {
    let ast = parse("-2 ^ 2 + sum(k * (k - 1) for k in range(1, 4)) + max(3, 4)");
    assert_eq!(
        expression(&ast, ast.root(), &[]),
        "((-(2 ** 2)) + sum((k * (k - 1)) for k in range(1, 4))) + max(3, 4)"
    );
}

/// A generator body 40,000 signs deep is written on the heap: the walk is a loop.
#[test]
fn a_deep_body_is_written_without_recursion() {
    let text = format!("sum({}k for k in range(3))", "-".repeat(40_000));
    let ast = parse(&text);
    let setup = Setup {
        n_workers: 2,
        delay: Duration::ZERO,
        policy: Policy::Lifo,
    };
    for form in Form::ALL {
        let program = python(&ast, &text, &[], form, setup);
        assert!(program.contains("(-(-(-k)))"), "{form:?}");
    }
}

#[test]
fn forms_by_name() {
    for form in Form::ALL {
        assert_eq!(form.name().parse::<Form>(), Ok(form));
    }
    assert_eq!(Form::default(), Form::Futures);
    assert!("threads".parse::<Form>().is_err());
}
