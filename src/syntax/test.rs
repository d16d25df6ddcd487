//! Tests of the parser: trees as s-expressions, precedence, literals, errors and their carets,
//! the arena's invariants on random input, and very deep input.

use proptest::prelude::*;

use crate::ast::{Ast, Node, NodeId};
use crate::error::{Error, ErrorKind};
use crate::num::Value;
use crate::render::Color;
use crate::render::diagnostic::render_error;
use crate::syntax::parse_statement;
use crate::syntax::scan::MAX_NESTING;

/// The tree as a compact s-expression, built without recursion: `(+ 1 (* 2 3))`.
fn sexp(ast: &Ast) -> String {
    let mut done: Vec<String> = Vec::with_capacity(ast.len());
    for (index, node) in ast.nodes.iter().enumerate() {
        let text = match node {
            Node::SmallInt(value) => value.to_string(),
            Node::Float(value) => format!("{value:?}"),
            Node::Literal(index) => format!("{}", ast.literals[*index as usize]),
            Node::Name(index) => ast.names[*index as usize].to_string(),
            _ => {
                let head = match node {
                    Node::Unary { op, .. } => format!("u{}", op.symbol()),
                    Node::Binary { op, .. } => op.symbol().to_string(),
                    Node::Call { func, .. } => func.name().to_string(),
                    _ => unreachable!(),
                };
                let mut parts = vec![head];
                ast.for_each_operand(NodeId(index as u32), |operand| {
                    parts.push(std::mem::take(&mut done[operand.index()]));
                });
                format!("({})", parts.join(" "))
            }
        };
        done.push(text);
    }
    done.pop().unwrap_or_default()
}

#[track_caller]
fn parse(source: &str) -> Ast {
    match parse_statement(source) {
        Ok(Some(statement)) => {
            check_invariants(&statement.expr, source);
            statement.expr
        }
        other => panic!("{source:?} did not parse to an expression: {other:?}"),
    }
}

/// `source` parses to the tree `expected`.
#[track_caller]
fn check(source: &str, expected: &str) {
    assert_eq!(sexp(&parse(source)), expected, "source: {source:?}");
}

/// `source` fails with a message and a span covering `at` (the text under the caret).
#[track_caller]
fn check_error(source: &str, message: &str, at: &str) {
    let error = match parse_statement(source) {
        Err(error) => error,
        Ok(other) => panic!("{source:?} parsed: {other:?}"),
    };
    assert_eq!(error.to_string(), message, "source: {source:?}");
    assert_eq!(&source[error.span.range()], at, "source: {source:?}");
}

/// The arena's invariants: operands before their operator, each subtree contiguous and ending
/// at its root, spans nested, the root spanning the whole expression.
#[track_caller]
fn check_invariants(ast: &Ast, source: &str) {
    let n = ast.len();
    assert!(n > 0);
    assert_eq!(ast.spans.len(), n);
    assert_eq!(ast.op_spans.len(), n);
    assert_eq!(ast.subtree_len.len(), n);
    let mut is_operand = vec![false; n];
    for index in 0..n {
        let id = NodeId(index as u32);
        let span = ast.span(id);
        let op_span = ast.op_span(id);
        assert!(span.end as usize <= source.len());
        assert!(
            span.start <= op_span.start && op_span.end <= span.end,
            "{id}"
        );
        if ast.is_leaf(id) {
            assert_eq!(span, op_span);
            assert_eq!(ast.subtree_len[index], 1);
        }
        // The operands' subtrees tile `first_of(id)..id`, left to right.
        let mut next = ast.first_of(id).0;
        ast.for_each_operand(id, |operand| {
            assert!(operand < id);
            assert_eq!(ast.first_of(operand).0, next, "{id} operand {operand}");
            next = operand.0 + 1;
            let inner = ast.span(operand);
            assert!(span.start <= inner.start && inner.end <= span.end, "{id}");
            assert!(!is_operand[operand.index()]);
            is_operand[operand.index()] = true;
        });
        assert_eq!(next, id.0, "{id}");
    }
    // Only the root is nobody's operand, and its subtree is the whole arena.
    assert_eq!(is_operand.iter().filter(|&&b| !b).count(), 1);
    assert_eq!(ast.subtree_len[n - 1] as usize, n);
    for (index, name) in ast.names.iter().enumerate() {
        assert!(!ast.names[..index].contains(name), "{name} twice");
    }
}

#[test]
fn precedence_and_associativity() {
    let table = [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 * 2 + 3", "(+ (* 1 2) 3)"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("1 - 2 + 3", "(+ (- 1 2) 3)"),
        ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
        ("8 // 4 * 2 % 3", "(% (* (// 8 4) 2) 3)"),
        ("-2 ^ 2", "(u- (^ 2 2))"),
        ("-2 ** 2", "(u- (^ 2 2))"),
        ("2 ^ -1", "(^ 2 (u- 1))"),
        ("2 ^ 3 ^ 2", "(^ 2 (^ 3 2))"),
        ("2 ** 3 ^ 2", "(^ 2 (^ 3 2))"),
        ("--3", "(u- (u- 3))"),
        ("-+-3", "(u- (u+ (u- 3)))"),
        ("-2 * 3", "(* (u- 2) 3)"),
        ("2 * -3", "(* 2 (u- 3))"),
        ("2 ^ -1 * 3", "(* (^ 2 (u- 1)) 3)"),
        ("2 ^ -1 ^ 2", "(^ 2 (u- (^ 1 2)))"),
        ("-2 ^ -2 ^ 2", "(u- (^ 2 (u- (^ 2 2))))"),
        ("1 - -1", "(- 1 (u- 1))"),
        ("1 + +1", "(+ 1 (u+ 1))"),
        ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
        ("(2 ^ 3) ^ 2", "(^ (^ 2 3) 2)"),
        ("(-2) ^ 2", "(^ (u- 2) 2)"),
        ("2 * 3 ^ 2", "(* 2 (^ 3 2))"),
        ("-x ^ y % z", "(% (u- (^ x y)) z)"),
        ("abs(-1) + max(1, 2, 3)", "(+ (abs (u- 1)) (max 1 2 3))"),
        ("gcd()", "(gcd)"),
        ("sqrt(2 ^ 2 + 1)", "(sqrt (+ (^ 2 2) 1))"),
        ("min((1), (2),)", "(min 1 2)"),
    ];
    for (source, expected) in table {
        check(source, expected);
    }
}

#[test]
fn several_spellings_one_tree() {
    let groups: &[&[&str]] = &[
        &[
            "1+2*3",
            "1 + 2 * 3",
            " 1\t+ 2*3 ",
            "1 + (2 * 3)",
            "((1)) + ((2 * 3))",
            "1 + 2 * 3 # c",
        ],
        &["2^3^2", "2 ** 3 ** 2", "2 ^ (3 ^ 2)", "2**(3^2)"],
        &[
            "(1 +\n 2)",
            "(1 + 2)",
            "(\n1\n+\n2\n)",
            "(1 # one\n + 2)\n",
            "1 + 2\r\n",
        ],
        &[
            "max(1,2)",
            "max( 1 , 2 )",
            "max(1, 2,)",
            "max ( 1 , 2 , )",
            "max(\n1,\n2\n)",
        ],
        &["-x", "- x", "-(x)", "(-x)"],
    ];
    for group in groups {
        let expected = sexp(&parse(group[0]));
        for source in &group[1..] {
            check(source, &expected);
        }
    }
}

#[test]
fn literals() {
    let table = [
        ("0", "0"),
        ("000", "0"),
        ("0_0", "0"),
        ("1_000_000", "1000000"),
        ("9223372036854775807", "9223372036854775807"),
        ("1.5", "1.5"),
        (".5", "0.5"),
        ("5.", "5.0"),
        ("1e3", "1000.0"),
        ("2.5E-3", "0.0025"),
        ("1E+2", "100.0"),
        ("1_0.5e1_0", "105000000000.0"),
        ("007.5", "7.5"),
        ("0e0", "0.0"),
        ("1.e2", "100.0"),
        ("x", "x"),
        ("_", "_"),
        ("_x1_", "_x1_"),
        ("sqrt_2", "sqrt_2"),
    ];
    for (source, expected) in table {
        check(source, expected);
    }
    let ast = parse("9223372036854775808 + 1_00000000000000000000");
    assert_eq!(ast.nodes[0], Node::Literal(0));
    assert_eq!(ast.nodes[1], Node::Literal(1));
    assert_eq!(ast.literals.len(), 2);
    assert!(matches!(ast.nodes[2], Node::Binary { .. }));
    let expected: Value = crate::num::parse_int("9223372036854775808");
    assert_eq!(ast.literals[0], expected);
}

#[test]
fn names_are_deduplicated() {
    let ast = parse("x * y + x - _ + y");
    assert_eq!(ast.names.len(), 3);
    let names: Vec<&str> = ast.names.iter().map(|name| &**name).collect();
    assert_eq!(names, ["x", "y", "_"]);
}

#[test]
fn spans() {
    let source = "(1 + 2) * -(3)";
    let ast = parse(source);
    let text = |span: crate::span::Span| &source[span.range()];
    let root = ast.root();
    assert_eq!(text(ast.span(root)), source);
    assert_eq!(text(ast.op_span(root)), "*");
    // The group's span is the subexpression without its parentheses.
    let Node::Binary { lhs, rhs, .. } = *ast.node(root) else {
        panic!("root is not binary")
    };
    assert_eq!(text(ast.span(lhs)), "1 + 2");
    assert_eq!(text(ast.op_span(lhs)), "+");
    assert_eq!(text(ast.span(rhs)), "-(3)");
    assert_eq!(text(ast.op_span(rhs)), "-");
    let ast = parse("max(1, 2 ** 3)");
    assert_eq!(text_of("max(1, 2 ** 3)", ast.op_span(ast.root())), "max");
    let pow = NodeId(ast.root().0 - 1);
    assert_eq!(text_of("max(1, 2 ** 3)", ast.op_span(pow)), "**");
}

fn text_of(source: &str, span: crate::span::Span) -> &str {
    &source[span.range()]
}

#[test]
fn statements() {
    for blank in ["", "   ", "# comment", "  # comment\n", "\n", "\t\r\n"] {
        assert!(
            matches!(parse_statement(blank), Ok(None)),
            "{blank:?} is not blank"
        );
    }
    let statement = parse_statement("x1 = 2 * 3").ok().flatten();
    let Some(statement) = statement else {
        panic!("assignment did not parse")
    };
    let (name, span) = statement.target.clone().unwrap_or_default();
    assert_eq!(&*name, "x1");
    assert_eq!(span.range(), 0..2);
    assert_eq!(sexp(&statement.expr), "(* 2 3)");
    assert_eq!(statement.expr.span(statement.expr.root()).range(), 5..10);
}

// One table of every syntax error and its caret.
#[expect(
    clippy::too_many_lines,
    reason = "one table of every syntax error and its caret"
)]
#[test]
fn errors() {
    let table = [
        (
            "1 +* 2",
            "syntax error: expected an operand, found '*'",
            "*",
        ),
        (
            "1 +",
            "syntax error: expected an operand, found end of input",
            "",
        ),
        (
            "1 2",
            "syntax error: expected an operator or end of input, found '2'",
            "2",
        ),
        (
            "(1 2)",
            "syntax error: expected an operator, found '2'",
            "2",
        ),
        (
            "1 $ 2",
            "syntax error: expected an operator or end of input, found '$'",
            "$",
        ),
        ("1 + 2)", "syntax error: unexpected ')'", ")"),
        ("(1 + 2", "syntax error: unclosed '('", "("),
        ("((1) + 2", "syntax error: unclosed '('", "("),
        (
            "x = ",
            "syntax error: expected an operand, found end of input",
            "",
        ),
        ("= 1", "syntax error: expected an operand, found '='", "="),
        ("f(1,", "syntax error: unclosed '('", "("),
        (
            "max(,)",
            "syntax error: expected an operand, found ','",
            ",",
        ),
        (
            "1 +\n 2",
            "syntax error: a newline is allowed only inside parentheses",
            "\n",
        ),
        (
            "007",
            "syntax error: leading zeros in decimal integer literals are not permitted",
            "007",
        ),
        (
            "1 + 0_1",
            "syntax error: leading zeros in decimal integer literals are not permitted",
            "0_1",
        ),
        (
            "1__0",
            "syntax error: expected an operand, found '1__0'",
            "1__0",
        ),
        (
            "2x",
            "syntax error: expected an operator or end of input, found 'x'",
            "x",
        ),
        ("1 + é", "syntax error: expected an operand, found 'é'", "é"),
        // Regression: control characters in the message reached the terminal raw.
        (
            "1 +\0 2",
            "syntax error: expected an operand, found '\\u{0}'",
            "\0",
        ),
        (
            "6 * 7\x1b[2J",
            "syntax error: expected an operator or end of input, found '\\u{1b}'",
            "\x1b",
        ),
        (
            "sqrt(2, 3)",
            "sqrt() takes exactly one argument (2 given)",
            "sqrt",
        ),
        ("abs()", "abs() takes exactly one argument (0 given)", "abs"),
        (
            "factorial(1, 2, 3)",
            "factorial() takes exactly one argument (3 given)",
            "factorial",
        ),
        ("max()", "max expected at least 1 argument, got 0", "max"),
        (
            "1 + min()",
            "min expected at least 1 argument, got 0",
            "min",
        ),
        (
            "sqrt = 2",
            "'sqrt' is a function name and cannot be assigned",
            "sqrt",
        ),
        (
            "gcd = 2",
            "'gcd' is a function name and cannot be assigned",
            "gcd",
        ),
    ];
    for (source, message, at) in table {
        check_error(source, message, at);
    }
}

#[test]
fn error_carets() {
    let sources = [
        "1 +* 2",
        "(1 + 2",
        "1 + 2)",
        "sqrt(2, 3)",
        "x = 1 + sqrt(2, 3)",
        "1 2",
    ];
    let rendered: Vec<String> = sources
        .iter()
        .map(|source| {
            let error = parse_statement(source)
                .err()
                .unwrap_or_else(|| Error::unplaced(ErrorKind::Internal("parsed".into())));
            render_error(&error, source, Color::Never)
        })
        .collect();
    insta::assert_snapshot!(rendered.join("\n\n"));
}

#[test]
fn deep_inputs() {
    // A left-deep chain of a million terms is one level: no recursion at all.
    let mut chain = String::from("1");
    for term in 2..=1_000_000u32 {
        chain.push_str(if term % 3 == 0 { " - " } else { " + " });
        chain.push_str(&(term % 10).to_string());
    }
    let ast = parse(&chain);
    assert_eq!(ast.len(), 1_999_999);
    assert!(matches!(ast.node(ast.root()), Node::Binary { .. }));

    // Ten thousand levels of parentheses parse, and so do 100,000 (on a deep-stack thread) or
    // they fail with a clear error, never a crash.
    for depth in [100, 10_000] {
        let nested = format!("{}1 + 2{}", "(".repeat(depth), ")".repeat(depth));
        check(&nested, "(+ 1 2)");
    }
    let depth = 100_000;
    let nested = format!("{}1 + 2{}", "(".repeat(depth), ")".repeat(depth));
    match parse_statement(&nested) {
        Ok(Some(statement)) => assert_eq!(sexp(&statement.expr), "(+ 1 2)"),
        Err(Error {
            kind: ErrorKind::TooDeepToParse { .. },
            ..
        }) => {}
        other => panic!("100,000 levels: {other:?}"),
    }
    let too_deep = format!(
        "{}1{}",
        "(".repeat(MAX_NESTING + 1),
        ")".repeat(MAX_NESTING + 1)
    );
    let error = parse_statement(&too_deep).err();
    assert_eq!(
        error.map(|error| error.to_string()),
        Some(format!("nesting too deep (limit {MAX_NESTING})"))
    );

    // Long runs of prefix operators and of `^` make deep trees without deep recursion.
    let minus = format!("{}1", "-".repeat(50_000));
    assert_eq!(parse(&minus).len(), 50_001);
    let powers = format!("2{}", " ^ 2".repeat(50_000));
    assert_eq!(parse(&powers).len(), 100_001);
    let mixed = format!("2{}", " ^ -2".repeat(20_000));
    assert_eq!(parse(&mixed).len(), 60_001);
}

/// A random expression from `seed`: every operator, literal form, call, spacing and nesting.
fn random_expression(seed: u64, size: usize) -> String {
    let mut state = seed | 1;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut out = String::new();
    // An explicit stack of pending work instead of recursion: Some(size) = an operand of that
    // size, None = emit the text `text`.
    let mut stack: Vec<Result<usize, &'static str>> = vec![Ok(size)];
    while let Some(work) = stack.pop() {
        match work {
            Err(text) => out.push_str(text),
            Ok(1) => {
                let leaves = [
                    "7",
                    "0",
                    "1_000",
                    "12345678901234567890123",
                    "1.5",
                    ".5",
                    "5.",
                    "1e3",
                    "2.5E-3",
                    "x",
                    "_",
                    "y1",
                ];
                out.push_str(leaves[next(leaves.len() as u64) as usize]);
            }
            Ok(size) => match next(6) {
                0 => {
                    stack.push(Err(")"));
                    stack.push(Ok(size - 1));
                    stack.push(Err(["(", "( ", "(\n"][next(3) as usize]));
                }
                1 => {
                    stack.push(Ok(size - 1));
                    stack.push(Err(["-", "+", "- "][next(3) as usize]));
                }
                2 => {
                    let func = ["abs(", "sqrt(", "factorial("][next(3) as usize];
                    stack.push(Err(")"));
                    stack.push(Ok(size - 1));
                    stack.push(Err(func));
                }
                3 => {
                    let left = 1 + next(size as u64 - 1) as usize;
                    stack.push(Err(")"));
                    stack.push(Ok(size - left));
                    stack.push(Err(", "));
                    stack.push(Ok(left));
                    stack.push(Err(["max(", "gcd(", "min("][next(3) as usize]));
                }
                _ => {
                    let left = 1 + next(size as u64 - 1) as usize;
                    let ops = [" + ", "-", " * ", " / ", "//", " % ", "^", " ** ", " ^ "];
                    stack.push(Ok(size - left));
                    stack.push(Err(ops[next(ops.len() as u64) as usize]));
                    stack.push(Ok(left));
                }
            },
        }
    }
    out
}

proptest! {
    #[test]
    fn invariants_hold_on_random_input(seed in any::<u64>(), size in 1usize..60) {
        let source = random_expression(seed, size);
        let ast = parse(&source);
        // Every step of the generator adds at most one node besides the leaves.
        prop_assert!(ast.len() <= 2 * size);
    }

    #[test]
    fn random_bytes_never_panic(source in "[-+*/%^() ,=.e_#\n0-9a-z]{0,40}") {
        let _ = parse_statement(&source);
    }
}

/// Chunks as small as a few bytes, so that short random lines are cut into many.
const TINY_CHUNKS: crate::syntax::scan::Chunking =
    crate::syntax::scan::Chunking { min: 3, max: 40 };

/// The chunked parse of `source` equals the sequential one: same arena, same error.
#[track_caller]
fn check_chunked(source: &str) {
    let sequential = parse_statement(source);
    let chunked = crate::syntax::parse_with_chunking(source, TINY_CHUNKS);
    match (sequential, chunked) {
        (Ok(Some(a)), Ok(Some(b))) => {
            assert_eq!(a.target.map(|t| t.1), b.target.map(|t| t.1), "{source:?}");
            let (a, b) = (a.expr, b.expr);
            assert_eq!(a.nodes, b.nodes, "{source:?}");
            assert_eq!(a.spans, b.spans, "{source:?}");
            assert_eq!(a.op_spans, b.op_spans, "{source:?}");
            assert_eq!(a.subtree_len, b.subtree_len, "{source:?}");
            assert_eq!(a.literals, b.literals, "{source:?}");
            assert_eq!(a.names, b.names, "{source:?}");
            assert_eq!(a.call_args, b.call_args, "{source:?}");
        }
        (Ok(None), Ok(None)) => {}
        (Err(a), Err(b)) => assert_eq!(a, b, "{source:?}"),
        (a, b) => panic!("{source:?}: sequential {a:?}, chunked {b:?}"),
    }
}

#[test]
fn chunked_equals_sequential_examples() {
    for source in [
        "(1 + 2) * (3 + (4 - x)) + max((1 + 2), (y * 3 * (z)))",
        "x = (1 + (2 * 3)) - (y + (4 ^ 2))",
        "(1 + (2 3)) + (4 +* 5)",
        "(1 + foo(2)) + (4 + sqrt(1, 2))",
        "(1 + (2 + 3)) 2 + (4 + 5 + 6 + 7)",
        "sqrt = (1 + (2 + 3))",
        "(((((1 + 2) * (3 + 4)) - 5) + (6 + 7)) ** (8 + 9))",
        "(1 + # one\n (2 * 3)) - ((4 + 5) # two (\n ) # three",
        "(1 + (2 * 3)) - ((4 # four\n 5) + 6)",
    ] {
        // The chunked path runs (some group qualifies) and agrees with the sequential one.
        assert!(
            matches!(
                crate::syntax::chunk::parse_chunked(
                    source,
                    &crate::syntax::scan::blank(source),
                    TINY_CHUNKS,
                    crate::syntax::INLINE_NESTING
                ),
                Ok(crate::syntax::chunk::Chunked::Parsed(_))
            ),
            "{source:?}"
        );
        check_chunked(source);
    }
}

#[test]
fn the_scan_emits_groups_before_it_ends() {
    // Groups, then a `(` never closed: the scan fails at the end, after emitting the groups
    // it had passed by more than the largest group's length.
    let source = format!("{} + (1", vec!["(1 + 2)"; 20].join(" + "));
    let mut emitted = Vec::new();
    let scanned =
        crate::syntax::scan::scan_emitting(&source, Some(TINY_CHUNKS), &mut |group, _| {
            emitted.push(group);
        });
    assert!(scanned.is_err());
    assert!(emitted.len() >= 10, "{emitted:?}");
    assert!(emitted.windows(2).all(|pair| pair[0].end <= pair[1].start));
}

proptest! {
    #[test]
    fn chunked_equals_sequential(seed in any::<u64>(), size in 1usize..80) {
        check_chunked(&random_expression(seed, size));
    }

    /// The groups emitted while scanning are those the scan picks, in the same order.
    #[test]
    fn the_scan_emits_exactly_the_groups_it_picks(seed in any::<u64>(), size in 1usize..80) {
        let source = random_expression(seed, size);
        let mut emitted = Vec::new();
        let scanned = crate::syntax::scan::scan_emitting(&source, Some(TINY_CHUNKS), &mut |group, _| {
            emitted.push(group);
        });
        let (_, groups) = scanned.expect("a random expression scans");
        prop_assert_eq!(emitted, groups);
    }

    #[test]
    fn chunked_equals_sequential_on_errors(seed in any::<u64>(), size in 2usize..60, cut in any::<u16>(), junk in "[-+*)( 0a,]") {
        // A random expression with one byte replaced or one inserted.
        let mut source = random_expression(seed, size).into_bytes();
        let at = cut as usize % source.len();
        source.insert(at, junk.as_bytes()[0]);
        if cut % 2 == 0 {
            source.remove((at + 1) % source.len());
        }
        if let Ok(source) = String::from_utf8(source) {
            check_chunked(&source);
        }
    }
}

#[test]
fn comments_tabs_and_newlines_become_spaces() {
    let source = "1 +\t# é ü\r\n 2 # end";
    let blanked = crate::syntax::scan::blank(source);
    let expected = format!("1 + {}   2 {}", " ".repeat("# é ü".len()), " ".repeat(5));
    assert_eq!(blanked, expected);
    assert_eq!(blanked.len(), source.len());
    assert!(matches!(
        crate::syntax::scan::blank("1 + 2"),
        std::borrow::Cow::Borrowed(_)
    ));
    check("(1 + # é ü\n 2)", "(+ 1 2)");
    check("(1\t+\r\n\t2)", "(+ 1 2)");
    check_error(
        "1 + # c",
        "syntax error: expected an operand, found end of input",
        "",
    );
}

#[test]
fn chain_equals_sequential_examples() {
    for source in [
        "1 + 2 - 3 + 4 - 5 + 6 - 7 + 8 - 9 + 10 - 11 + 12 - 13 + 14 - 15 + 16 - 17 + 18 - 19 + 20 + 21",
        "  (1 + 2) + 3 * 4 ** 2 - -5 + max(1, 2) - ( 6 - 7 )  + 1e+3 + x - y * 2 + (8) + 9 - 10 + 11 ",
        "-1 - -2 + +3 - 2 ^ -1 + 4 // 3 % 2 - 5 / 6 + 7 * (8 - 9) + 10 + 11 + 12 + 13 + 14 + 15",
        "1 + 2 - 3 + 4 - 5 + 6 - 7 + 8 - 9 + 10 - 11 + 12 - 13 + 14 - 15 + 16 - 17 + 18 - 19 + * 3",
        "1 + 2 - 3 + 4 - 5 + 6 - 7 + 8 - 9 + 10 - 11 + 12 - 13 + 14 - 15 + 16 + foo(1) + 2 + 3 + 4",
    ] {
        check_chunked(source);
    }
    // The chain path itself runs on a valid chain, and agrees.
    let source = "(1) + 2 * 3 - (4 - 5) + 6 + 7 - 8 + 9 - 10 + 11 - 12 + 13 - 14 + 15 - 16";
    let chain = crate::syntax::chain::parse_chain(source, TINY_CHUNKS);
    let sequential = parse_statement(source).ok().flatten().map(|s| s.expr);
    let (Some(chain), Some(sequential)) = (chain, sequential) else {
        panic!("{source:?} did not parse both ways");
    };
    assert_eq!(chain.nodes, sequential.nodes);
    assert_eq!(chain.spans, sequential.spans);
    assert_eq!(chain.op_spans, sequential.op_spans);
    assert_eq!(chain.subtree_len, sequential.subtree_len);
}

/// Pieces of text for the lexer's consumers, valid or not: operands, calls, operators,
/// parentheses, commas, `=`, comments holding parentheses, blanks, newlines and junk.
const LEXER_SOUP: &[&str] = &[
    "1", "2.5", "1e3", ".5", "0x1f", "x", "abs", "min", "(", "(", "(", ")", ")", ")", "+", "-",
    "*", "**", "//", "^", ",", "=", " ", " ", "\t", "\n", "# c (", "#)", ".", "$", "é", "e",
];

fn lexer_soup(max_tokens: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(LEXER_SOUP), 0..max_tokens)
        .prop_map(|tokens| tokens.concat())
}

/// The opening and closing offsets of every pair of parentheses pest matched in `source`:
/// groups and the argument lists of calls.
fn pest_parens(source: &str) -> Option<Vec<(usize, usize)>> {
    use crate::syntax::grammar::{CalcParser, Rule};
    use pest::Parser;
    let blanked = crate::syntax::scan::blank(source);
    let pairs = CalcParser::parse(Rule::statement, &blanked).ok()?;
    let mut parens = Vec::new();
    for pair in pairs.flatten() {
        let span = pair.as_span();
        match pair.as_rule() {
            Rule::paren => parens.push((span.start(), span.end() - 1)),
            Rule::call => {
                let open = span.start() + blanked[span.start()..].find('(')?;
                parens.push((open, span.end() - 1));
            }
            _ => {}
        }
    }
    Some(parens)
}

proptest! {
    /// Every consumer of the lexer agrees with pest on the parentheses: where pest accepts a
    /// statement, the lexer matches each of pest's pairs and sees nothing left open, and the
    /// scan reports no parenthesis error; where the lexer sees them unbalanced, pest and the
    /// scan both refuse the statement.
    #[test]
    fn lexer_agrees_with_pest_on_parentheses(source in lexer_soup(40)) {
        use crate::syntax::lex::{self, Parens};
        let mut parens = Parens::default();
        lex::tokens(&source).for_each(|token| parens.feed(token));
        let balanced = parens.depth == 0 && !parens.stray_close;
        let scanned = crate::syntax::scan::scan(&source, None).map(|(shape, _)| shape);
        let scan_paren_error = matches!(
            scanned,
            Err(Error { kind: ErrorKind::UnclosedParen | ErrorKind::UnexpectedClose, .. })
        );
        // The scan reports the first error in the text, which may be another one.
        prop_assert!(!scan_paren_error || !balanced, "{:?}", source);
        prop_assert!(balanced || scanned.is_err(), "{:?}", source);
        if let Some(pairs) = pest_parens(&source) {
            prop_assert!(balanced, "pest accepted {:?}", source);
            for (open, close) in pairs {
                prop_assert_eq!(lex::matching_paren(&source, open), Some((open, close)));
                prop_assert_eq!(lex::matching_paren(&source, close + 1), Some((open, close)));
            }
        }
        if !balanced {
            prop_assert!(pest_parens(&source).is_none(), "{:?}", source);
        }
    }

    /// Files and the REPL cut a text into the same statements: the splitter of files, and the
    /// REPL reading it line by line and continuing while a `(` is open. A statement that
    /// continues is one the scan finds unclosed; one pest and the scan accept does not.
    #[test]
    fn files_and_the_repl_cut_the_same_statements(source in lexer_soup(60)) {
        use crate::syntax::lex;
        let pieces: Vec<&str> = crate::input::statements(source.as_bytes())
            .into_iter()
            .map(|piece| piece.text.expect("the soup is UTF-8"))
            .collect();
        let mut typed: Vec<String> = Vec::new();
        let mut pending: Option<String> = None;
        for line in source.split('\n') {
            let text = match pending.take() {
                Some(previous) => previous + "\n" + line,
                None => line.to_string(),
            };
            if lex::continues(&text) {
                pending = Some(text);
            } else {
                typed.push(text);
            }
        }
        typed.extend(pending);
        // A final newline ends the last statement; the REPL would read one more, empty, line
        // (and one from an empty text).
        if (source.is_empty() || source.ends_with('\n'))
            && typed.last().is_some_and(String::is_empty)
        {
            typed.pop();
        }
        prop_assert_eq!(&pieces, &typed, "{:?}", source);
        // The splitter's fast path sees the structural tokens the lexer yields.
        let structural: Vec<lex::Token> = lex::tokens(&source)
            .filter(|token| !matches!(
                token.kind,
                lex::TokenKind::Number | lex::TokenKind::Name | lex::TokenKind::Operator
                    | lex::TokenKind::Comma | lex::TokenKind::Equals | lex::TokenKind::Blank
                    | lex::TokenKind::Unknown
            ))
            .collect();
        prop_assert_eq!(lex::structure(source.as_bytes()).collect::<Vec<_>>(), structural);
        for piece in pieces {
            let scanned = crate::syntax::scan::scan(piece, None).map(|(shape, _)| shape);
            if lex::continues(piece) {
                prop_assert!(
                    matches!(scanned, Err(Error { kind: ErrorKind::UnclosedParen, .. })),
                    "{:?}: {:?}", piece, scanned
                );
            }
            if scanned.is_ok() && pest_parens(piece).is_some() {
                prop_assert!(!lex::continues(piece), "{:?}", piece);
            }
        }
    }
}

#[test]
fn functions_parse_as_python_writes_them() {
    use crate::ast::Node;
    let def = super::parse_statement("def f(x, y): return x * y + g(x)")
        .expect("def")
        .expect("a statement");
    assert_eq!(def.target.as_ref().map(|(name, _)| &**name), Some("f"));
    let lambda = &def.expr.lambdas[0];
    assert_eq!(lambda.name.as_deref(), Some("f"));
    assert_eq!(&*lambda.params, &["x".into(), "y".into()] as &[Box<str>]);
    assert_eq!(&*lambda.free, &["g".into()] as &[Box<str>]);
    assert_eq!(&*lambda.body_text, "x * y + g(x)");
    // The body's spans are the statement's: `g` is at byte 28.
    let g = lambda.body.names.iter().position(|name| &**name == "g");
    let g_node = lambda
        .body
        .nodes
        .iter()
        .position(|node| Some(node.clone()) == g.map(|g| Node::Name(g as u32)));
    assert_eq!(g_node.map(|at| lambda.body.spans[at].start), Some(28));
    // A lambda is a leaf of the statement around it.
    let call = super::parse_statement("twice(lambda v: v + 1, 3)")
        .expect("lambda")
        .expect("a statement");
    assert!(matches!(
        call.expr.nodes.last(),
        Some(Node::Apply { n_args: 2, .. })
    ));
    assert_eq!(call.expr.lambdas.len(), 1);
    // Two calls under one `+`: a fork node of the body.
    let fib = super::parse_statement("fib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)")
        .expect("fib")
        .expect("a statement");
    assert_eq!(fib.expr.lambdas[0].body.forks.len(), 1);
}

#[test]
fn what_python_functions_have_and_parcalc_does_not_is_refused_clearly() {
    for (text, message) in [
        ("f = lambda x=1: x", "default arguments are not supported"),
        (
            "def f(x=1): return x",
            "default arguments are not supported",
        ),
        ("f(x=1)", "keyword arguments are not supported"),
        ("f = lambda *a: a", "*args and **kwargs are not supported"),
        (
            "def f(x): x * x",
            "a function body other than 'return EXPR' is not supported",
        ),
        (
            "f = lambda x: lambda y: x + y",
            "closures are not supported",
        ),
        (
            "sum(g(lambda x: x + k) for k in range(3))",
            "closures are not supported",
        ),
        (
            "f = lambda x, x: x",
            "duplicate argument 'x' in function definition",
        ),
        (
            "def abs(x): return x",
            "'abs' is a function name and cannot be assigned",
        ),
        (
            "def f(x): return x; f(2)",
            "a function body of several statements is not supported",
        ),
        ("(lambda x: x)(3)", "a lambda in parentheses"),
    ] {
        let error = super::parse_statement(text).expect_err(text);
        assert!(error.to_string().starts_with(message), "{text}: {error}");
    }
    // After a `def`'s colon, a `;` belongs to its body, as in Python.
    assert_eq!(super::split_statements("def f(x): return x; f(2)").len(), 1);
    assert_eq!(
        super::split_statements("x = 1; def f(x): return x; f(2)").len(),
        2
    );
    // A lambda that reads only its own parameters inside another is fine.
    assert!(super::parse_statement("f = lambda x: g(lambda y: y * 2, x)").is_ok());
}

#[test]
fn semicolons_split_statements_outside_parentheses_and_comments() {
    let split = |text: &str| -> Vec<(usize, String)> {
        super::split_statements(text)
            .into_iter()
            .map(|(offset, piece)| (offset, piece.to_string()))
            .collect()
    };
    let pieces = |list: &[(usize, &str)]| -> Vec<(usize, String)> {
        list.iter()
            .map(|&(offset, piece)| (offset, piece.to_string()))
            .collect()
    };
    assert_eq!(split("1 + 2"), pieces(&[(0, "1 + 2")]));
    assert_eq!(
        split("x = 5; x * 2"),
        pieces(&[(0, "x = 5"), (6, " x * 2")])
    );
    assert_eq!(split("x = 5;"), pieces(&[(0, "x = 5")]));
    assert_eq!(split("x = 5; # c"), pieces(&[(0, "x = 5")]));
    assert_eq!(split("(1; 2)"), pieces(&[(0, "(1; 2)")]));
    assert_eq!(split("1 # a; b"), pieces(&[(0, "1 # a; b")]));
    assert_eq!(split("1;; 2"), pieces(&[(0, "1"), (2, ";"), (3, " 2")]));
    assert_eq!(split(";"), pieces(&[(0, ";")]));
}
