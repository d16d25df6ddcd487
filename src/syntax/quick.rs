//! The common line without pest: integer arithmetic such as `123456 * 789 + 42 // 5`, or
//! `x = (a - 1) * -b`.
//!
//! A file of such lines is most of what a calculator is fed, and pest's generic machinery was
//! three quarters of their cost. A line made only of decimal integers without `_`, names that
//! are not keywords nor called, the signs `- + ~`, the operators `+ - * / // % ** ^ & | << >>`,
//! parentheses and spaces, with at most one assignment at its start, is recognised here by one
//! pass over its bytes, which lists the start and end tokens pest would list for it; the
//! [`Lowerer`] turns them into the arena as it does pest's. Anything else (a float, a call, a
//! comparison, a comment, a syntax error, a blank) is left to pest: [`parse`] says `None`, never
//! a different answer. A long line's parenthesised groups and the segments of a long chain of
//! `+` and `-`, parsed in parallel (`chunk`, `chain`), are read the same way ([`group_tokens`],
//! [`recognise`]). The test `quick_lines_give_pest_s_tokens` holds both
//! to pest's answer, token by token, on generated lines and groups and on mangled ones.

use crate::ast::Statement;
use crate::error::Error;
use crate::ops;
use crate::span::Span;
use crate::syntax::grammar::Rule;
use crate::syntax::lower::Lowerer;

/// Parentheses deeper than this go to pest (and its scan), which measures the stack they need.
const MAX_DEPTH: usize = 64;

/// A token as the lowerer reads it: start (`true`) or end, the rule, the byte position.
pub(crate) type Token = (bool, Rule, usize);

/// The statement of `source` when it is a quick line (see the module's doc); `None` when pest
/// must parse it.
pub(crate) fn parse(source: &str) -> Option<Result<Option<Statement>, Error>> {
    let mut tokens = Vec::with_capacity(source.len());
    let (target, expr_start) = recognise(source, &mut tokens)?;
    let expr_end = tokens.last().map_or(expr_start, |&(_, _, end)| end);
    let lower =
        || Lowerer::default().lower_tokens(source, expr_end - expr_start, tokens.iter().copied());
    let statement = match target {
        None => lower().map(|expr| Statement { target: None, expr }),
        Some(span) => {
            let name = &source[span.start as usize..span.end as usize];
            super::check_target(name, span).and_then(|()| {
                lower().map(|expr| Statement {
                    target: Some((name.into(), span)),
                    expr,
                })
            })
        }
    };
    Some(statement.map(Some))
}

/// The tokens pest lists for `text` parsed as one parenthesised group (its rule `paren`), when
/// the group is quick (see the module's doc); `None` when pest must parse it.
pub(crate) fn group_tokens(text: &str) -> Option<impl Iterator<Item = Token>> {
    let mut tokens = Vec::with_capacity(text.len());
    let (None, 0) = recognise(text, &mut tokens)? else {
        return None;
    };
    // The expression must be the one group, from the first byte to the last: `(…)`, not
    // `(…) + (…)` nor ` (…)`. Its first `(` is the first token after the expression's start,
    // and closes with the last before the expression's end.
    let n = tokens.len();
    if n < 4
        || tokens[1] != (true, Rule::paren, 0)
        || tokens[n - 2] != (false, Rule::paren, text.len())
    {
        return None;
    }
    let mut depth = 0usize;
    for (k, &(start, rule, _)) in tokens[1..n - 1].iter().enumerate() {
        if rule == Rule::paren {
            if start {
                depth += 1;
            } else {
                depth -= 1;
                if depth == 0 && k != n - 3 {
                    return None;
                }
            }
        }
    }
    tokens.pop();
    Some(tokens.into_iter().skip(1))
}

/// Lists in `tokens` the tokens of the expression of `source`, from its `expr` start to its
/// end, and returns the assignment's target (if any) and where the expression starts; `None`
/// when `source` is not a quick line.
pub(crate) fn recognise(source: &str, tokens: &mut Vec<Token>) -> Option<(Option<Span>, usize)> {
    let bytes = source.as_bytes();
    let mut at = skip_spaces(bytes, 0);
    let mut target = None;
    if bytes.get(at).is_some_and(|&b| is_word_start(b)) {
        let end = word_end(bytes, at);
        let after = skip_spaces(bytes, end);
        if bytes.get(after) == Some(&b'=') && bytes.get(after + 1) != Some(&b'=') {
            if ops::is_keyword(&source[at..end]) {
                return None;
            }
            target = Some(Span::new(at, end));
            at = skip_spaces(bytes, after + 1);
        }
    }
    let expr_start = at;
    tokens.push((true, Rule::expr, at));
    let mut depth = 0;
    let mut top_operators = 0;
    loop {
        // An operand: signs, opening parentheses, then an integer or a name.
        loop {
            at = skip_spaces(bytes, at);
            match *bytes.get(at)? {
                b'-' | b'+' | b'~' => {
                    tokens.push((true, Rule::sign, at));
                    tokens.push((false, Rule::sign, at + 1));
                    at += 1;
                }
                b'(' => {
                    if depth == MAX_DEPTH {
                        return None;
                    }
                    depth += 1;
                    tokens.push((true, Rule::paren, at));
                    at += 1;
                }
                _ => break,
            }
        }
        let start = at;
        match bytes[at] {
            b'1'..=b'9' => {
                at += bytes[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                if bytes.get(at).is_some_and(|&b| is_word_byte(b) || b == b'.') {
                    return None;
                }
                tokens.push((true, Rule::int, start));
                tokens.push((false, Rule::int, at));
            }
            b'0' => {
                at += 1;
                if bytes.get(at).is_some_and(|&b| is_word_byte(b) || b == b'.') {
                    return None;
                }
                tokens.push((true, Rule::int, start));
                tokens.push((false, Rule::int, at));
            }
            b if is_word_start(b) => {
                at = word_end(bytes, at);
                if ops::is_keyword(&source[start..at])
                    || bytes.get(skip_spaces(bytes, at)) == Some(&b'(')
                {
                    return None;
                }
                tokens.push((true, Rule::name, start));
                tokens.push((false, Rule::name, at));
            }
            _ => return None,
        }
        // Closing parentheses, then an operator or the end.
        loop {
            let end = at;
            at = skip_spaces(bytes, at);
            match bytes.get(at) {
                None => {
                    if depth > 0 {
                        return None;
                    }
                    // pest's `terms` skips the spaces after its first operand before it
                    // tries for an operator: an expression of one operand ends after them.
                    let end = if top_operators == 0 { at } else { end };
                    tokens.push((false, Rule::expr, end));
                    return Some((target, expr_start));
                }
                Some(b')') => {
                    depth = depth.checked_sub(1)?;
                    at += 1;
                    tokens.push((false, Rule::paren, at));
                }
                Some(_) => break,
            }
        }
        let op_len = operator_len(&bytes[at..])?;
        if depth == 0 {
            top_operators += 1;
        }
        tokens.push((true, Rule::op, at));
        tokens.push((false, Rule::op, at + op_len));
        at += op_len;
    }
}

/// The length of the operator `rest` starts with, among those of a quick line.
fn operator_len(rest: &[u8]) -> Option<usize> {
    let first = *rest.first()?;
    let second = rest.get(1).copied();
    match first {
        b'*' | b'/' | b'<' | b'>' if second == Some(first) => Some(2),
        b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'&' | b'|' => Some(1),
        _ => None,
    }
}

fn skip_spaces(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    at
}

fn is_word_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn word_end(bytes: &[u8], at: usize) -> usize {
    at + bytes[at..].iter().take_while(|&&b| is_word_byte(b)).count()
}

#[cfg(test)]
mod test {
    use pest::{Parser, Token as PestToken};

    use super::*;
    use crate::syntax::grammar::CalcParser;

    /// pest's answer for `source`: the target's span and the expression's tokens, or `None`
    /// for a syntax error or a statement of another kind.
    fn pest_tokens(source: &str) -> Option<(Option<Span>, Vec<Token>)> {
        let statement = CalcParser::parse(Rule::statement, source).ok()?.next()?;
        let body = statement.into_inner().next()?;
        let (target, expr) = match body.as_rule() {
            Rule::expr => (None, body),
            Rule::assignment => {
                let mut inner = body.into_inner();
                let name = inner.next()?.as_span();
                (Some(Span::new(name.start(), name.end())), inner.next()?)
            }
            _ => return None,
        };
        let tokens = expr
            .tokens()
            .map(|token| match token {
                PestToken::Start { rule, pos } => (true, rule, pos.pos()),
                PestToken::End { rule, pos } => (false, rule, pos.pos()),
            })
            .collect();
        Some((target, tokens))
    }

    /// If `text` is a quick group, pest parses it as a `paren` into the same tokens; whether
    /// it was one.
    fn check_group(text: &str) -> bool {
        let Some(tokens) = group_tokens(text) else {
            return false;
        };
        let tokens: Vec<Token> = tokens.collect();
        let Some(paren) = CalcParser::parse(Rule::paren, text)
            .ok()
            .and_then(|mut pairs| pairs.next())
            .filter(|pair| pair.as_span().end() == text.len())
        else {
            panic!("{text:?}: a quick group, but pest refuses it");
        };
        let pest: Vec<Token> = paren
            .tokens()
            .map(|token| match token {
                PestToken::Start { rule, pos } => (true, rule, pos.pos()),
                PestToken::End { rule, pos } => (false, rule, pos.pos()),
            })
            .collect();
        assert_eq!(tokens, pest, "{text:?}");
        true
    }

    /// A small random number generator (xorshift), so that the cases are the same every run.
    struct Random(u64);

    impl Random {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }

        fn spaces(&mut self) -> &'static str {
            self.pick(&["", "", "", " ", "  "])
        }
    }

    const LEAVES: &[&str] = &[
        "0",
        "7",
        "42",
        "123456",
        "9223372036854775807",
        "9223372036854775808",
        "123456789012345678901234567890",
        "x",
        "_a",
        "abc1",
        "sum",
        "True",
        "not",
        "and",
        "if",
        "for",
        "lambda",
        "while",
        "x1_",
    ];
    const OPERATORS: &[&str] = &[
        "+", "-", "*", "/", "//", "%", "**", "^", "&", "|", "<<", ">>",
    ];
    /// Pieces that make a line something else than a quick line, or an error.
    const OTHERS: &[&str] = &[
        "1.5", "0x1F", "1_0", "1e3", "00", "#", ",", "f(", "(", ")", "\t", "<", "=", "==", "!=",
        "é", "~", "-", " ", "abs(1)", ":", ";", "\n", "2.", ".5", "x =", "0b1",
    ];

    /// A well-formed line: operands joined by operators, some in parentheses, some signed.
    fn line(random: &mut Random, depth: usize) -> String {
        let mut text = String::new();
        for k in 0..=random.below(4) {
            if k > 0 {
                text += random.spaces();
                text += random.pick(OPERATORS);
                text += random.spaces();
            }
            for _ in 0..random.below(3).saturating_sub(1) {
                text += random.pick(&["-", "+", "~"]);
                text += random.spaces();
            }
            if depth < 3 && random.below(4) == 0 {
                text += "(";
                text += random.spaces();
                text += &line(random, depth + 1);
                text += random.spaces();
                text += ")";
            } else {
                text += random.pick(LEAVES);
            }
        }
        text
    }

    #[test]
    fn quick_lines_give_pest_s_tokens() {
        let mut random = Random(0x2545_F491_4F6C_DD1D);
        let (mut quick, mut cases, mut groups) = (0, 0, 0);
        for case in 0..30_000 {
            let mut source = String::new();
            source += random.spaces();
            if random.below(3) == 0 {
                source += random.pick(&["x", "y_2", "sum", "if", "True", "abc"]);
                source += random.spaces();
                source += "=";
                source += random.spaces();
            }
            source += &line(&mut random, 0);
            source += random.spaces();
            // A third of the lines are mangled: a piece inserted, or one byte cut.
            if case % 3 == 1 {
                let at = random.below(source.len() + 1);
                if source.is_char_boundary(at) {
                    source.insert_str(at, random.pick(OTHERS));
                }
            } else if case % 3 == 2 && !source.is_empty() {
                let at = random.below(source.len());
                if source.is_char_boundary(at) && source.is_char_boundary(at + 1) {
                    source.remove(at);
                }
            }
            cases += 1;
            groups += usize::from(check_group(&format!("({source})")));
            check_group(&source);
            let mut tokens = Vec::new();
            let Some((target, _)) = recognise(&source, &mut tokens) else {
                continue;
            };
            quick += 1;
            let Some((pest_target, pest)) = pest_tokens(&source) else {
                panic!("{source:?}: quick, but pest refuses it or reads another statement");
            };
            assert_eq!(target, pest_target, "{source:?}");
            assert_eq!(tokens, pest, "{source:?}");
            // The statement, errors of lowering included, is the one pest's path gives.
            let slow = crate::syntax::parse_scanned(&source);
            let fast = parse(&source).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{source:?}");
        }
        // A good part of the lines are quick (a keyword among the leaves sends a line to pest).
        assert!(
            quick > cases / 6 && quick < cases * 9 / 10,
            "{quick} of {cases}"
        );
        assert!(groups > cases / 10, "{groups} groups of {cases}");
    }

    #[test]
    fn what_pest_must_see() {
        for source in [
            "",
            "   ",
            "1.5",
            "0x10",
            "1_000",
            "f(1)",
            "abs(-3)",
            "1 < 2",
            "x == 1",
            "1 + # c",
            "(1",
            "1)",
            "1 +",
            "not 1",
            "True",
            "x = y = 1",
            "1\t+ 2",
            "sum(k for k in range(3))",
            "1 if 1 else 2",
            "lambda x: x",
            "def f(x): return x",
            "00",
            "1e3",
            "1;2",
            "(",
        ] {
            assert!(
                recognise(source, &mut Vec::new()).is_none(),
                "{source:?} should go to pest"
            );
        }
        for group in [
            "(1) + (2)",
            " (1)",
            "(1) ",
            "x",
            "(1",
            "((1)",
            "(1)(2)",
            "-(1)",
        ] {
            assert!(group_tokens(group).is_none(), "{group:?} is not one group");
        }
        assert!(group_tokens("((1 + 2) * (3 - x))").is_some());
        let deep = format!(
            "{}1{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert!(recognise(&deep, &mut Vec::new()).is_none());
        for source in [
            "1",
            " 123456 * 789 + 42 // 5 ",
            "x = -(a - 1) ** ~b",
            "_ + 1",
        ] {
            assert!(recognise(source, &mut Vec::new()).is_some(), "{source:?}");
        }
    }
}
