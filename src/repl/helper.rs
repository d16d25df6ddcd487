//! The rustyline helper: completion, highlighting, the live preview and the validator.
//!
//! One struct, [`ReplHelper`], implements each rustyline trait by hand. Highlighting runs on a
//! small hand-written lexer ([`tokens`]) that is linear in the line and accepts any text, so it
//! never disagrees with itself on a half-typed line and never fails; it is not the parser and
//! knows nothing about precedence. The preview (the hint) evaluates short expressions with the
//! sequential evaluator on a copy of the variables under a small size limit, so it is instant; it
//! is never accepted by the right arrow, and is off when a delay is set or colour is off (without
//! dimming a preview would look like typed text).

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};

use colored::Colorize;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use crate::ast::{Builtin, Node};
use crate::engine::sequential;
use crate::num::{Limits, Value};
use crate::render::Color;
use crate::repl::command::COMMANDS;
use crate::repl::display;
use crate::syntax;

/// Longest line, in bytes, the preview evaluates.
const PREVIEW_MAX_INPUT: usize = 120;
/// Largest integer, in bits, the preview computes (about 1,200 digits).
const PREVIEW_MAX_BITS: u64 = 4096;
/// Digits shown in a preview before it is abbreviated.
const PREVIEW_MAX_DIGITS: usize = 40;
/// Longest line, in bytes, that is highlighted; longer lines (pasted numbers) are shown plain.
const HIGHLIGHT_MAX_INPUT: usize = 10_000;

/// The helper rustyline calls while a line is edited.
#[derive(Debug)]
pub struct ReplHelper {
    color: Color,
    /// A copy of the session's variables, for completion and the preview.
    pub vars: BTreeMap<Box<str>, Value>,
    /// Whether the preview runs (off when a delay is set).
    pub preview: bool,
    /// Whether the bracket under the cursor is highlighted in the next refresh.
    show_match: Cell<bool>,
}

impl ReplHelper {
    pub fn new(color: Color) -> ReplHelper {
        ReplHelper {
            color,
            vars: BTreeMap::new(),
            preview: true,
            show_match: Cell::new(false),
        }
    }

    /// The dimmed value shown after a short expression as it is typed, or `None`.
    pub fn preview(&self, line: &str) -> Option<String> {
        if !self.preview
            || !self.color.enabled()
            || line.len() > PREVIEW_MAX_INPUT
            || line.trim_start().starts_with(':')
            || line.contains('\n')
            || has_open_parens(line)
        {
            return None;
        }
        let value = panic::catch_unwind(AssertUnwindSafe(|| self.evaluate_quietly(line)))
            .ok()
            .flatten()?;
        Some(format!(
            "  = {}",
            display::abbreviate_to(&value.to_string(), PREVIEW_MAX_DIGITS)
        ))
    }

    fn evaluate_quietly(&self, line: &str) -> Option<Value> {
        let statement = syntax::parse_statement(line).ok()??;
        let ast = statement.expr;
        // A lone literal is its own value: nothing to preview.
        if ast.len() == 1 && !matches!(ast.nodes.first(), Some(Node::Name(_))) {
            return None;
        }
        let env: Vec<Value> = ast
            .names
            .iter()
            .map(|name| self.vars.get(name).cloned())
            .collect::<Option<_>>()?;
        let limits = Limits {
            max_bits: PREVIEW_MAX_BITS,
        };
        sequential::evaluate(&ast, &env, &limits).ok()
    }

    /// Candidates for the word ending at `pos`: commands, their arguments, names.
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let before = &line[..pos];
        let trimmed = before.trim_start();
        if let Some(body) = trimmed.strip_prefix(':') {
            let start = pos - body.len();
            match body.split_once(char::is_whitespace) {
                None => {
                    let pairs = COMMANDS
                        .iter()
                        .filter(|c| c.name.starts_with(body))
                        .map(|c| Pair {
                            display: format!(":{}", c.name),
                            replacement: if c.args.is_empty() {
                                c.name.to_string()
                            } else {
                                format!("{} ", c.name)
                            },
                        })
                        .collect();
                    return (start, pairs);
                }
                Some((name, rest)) => {
                    let Some(command) = COMMANDS.iter().find(|c| c.name == name) else {
                        return (pos, Vec::new());
                    };
                    if !command.takes_expr {
                        let rest = rest.trim_start();
                        if rest.contains(char::is_whitespace) {
                            return (pos, Vec::new());
                        }
                        let pairs = command
                            .completions
                            .iter()
                            .filter(|word| word.starts_with(rest))
                            .map(|word| Pair {
                                display: word.to_string(),
                                replacement: word.to_string(),
                            })
                            .collect();
                        return (pos - rest.len(), pairs);
                    }
                }
            }
        }
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| c.is_alphanumeric() || c == '_')
            .last()
            .map_or(pos, |(i, _)| i);
        let word = &line[start..pos];
        if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
            return (pos, Vec::new());
        }
        let mut pairs: Vec<Pair> = self
            .vars
            .keys()
            .filter(|name| name.starts_with(word))
            .map(|name| Pair {
                display: name.to_string(),
                replacement: name.to_string(),
            })
            .collect();
        pairs.extend(
            Builtin::ALL
                .iter()
                .filter(|b| b.name().starts_with(word))
                .map(|b| Pair {
                    display: format!("{}()", b.name()),
                    replacement: format!("{}(", b.name()),
                }),
        );
        (start, pairs)
    }

    /// The line with ANSI colours; `matching` is the pair of brackets to emphasise.
    pub fn paint(&self, line: &str, matching: Option<(usize, usize)>) -> String {
        let mut out = String::with_capacity(line.len() * 2);
        let mut depth: i64 = 0;
        for (kind, range) in tokens(line) {
            let text = &line[range.clone()];
            let emphasised = matching.is_some_and(|(a, b)| range.start == a || range.start == b);
            let painted = match kind {
                TokenKind::Number => text.cyan(),
                TokenKind::Name => text.normal(),
                TokenKind::Function => text.blue(),
                TokenKind::Operator => text.yellow(),
                TokenKind::Comment => text.dimmed(),
                TokenKind::Command => {
                    let known = COMMANDS.iter().any(|c| c.name == &text[1..]);
                    if known {
                        text.green().bold()
                    } else {
                        text.red()
                    }
                }
                TokenKind::Paren if emphasised => text.magenta().bold().underline(),
                TokenKind::Paren => {
                    depth += if text == "(" { 1 } else { -1 };
                    if depth < 0 { text.red() } else { text.normal() }
                }
                TokenKind::Space | TokenKind::Other => text.normal(),
            };
            out.push_str(&painted.to_string());
        }
        out
    }
}

/// Whether `text` has a `(` not yet closed (outside comments): the statement continues.
pub fn has_open_parens(text: &str) -> bool {
    let mut depth: i64 = 0;
    for (kind, range) in tokens(text) {
        if kind == TokenKind::Paren {
            depth += if &text[range] == "(" { 1 } else { -1 };
        }
    }
    depth > 0
}

/// What a token of the highlighter's lexer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Number,
    Name,
    /// A name that is a built-in function.
    Function,
    Operator,
    Paren,
    Comment,
    /// `:name` at the start of the line.
    Command,
    Space,
    Other,
}

/// Splits `line` into tokens covering it entirely, in one pass.
pub fn tokens(line: &str) -> Vec<(TokenKind, Range<usize>)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let leading = line.len() - line.trim_start().len();
    while i < bytes.len() {
        let start = i;
        let byte = bytes[i];
        let kind = if i == leading && byte == b':' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            TokenKind::Command
        } else if byte == b'#' {
            i = bytes.len();
            TokenKind::Comment
        } else if byte.is_ascii_digit()
            || (byte == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i += 1;
            while i < bytes.len() {
                let c = bytes[i];
                let exponent_sign = (c == b'+' || c == b'-') && matches!(bytes[i - 1], b'e' | b'E');
                if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exponent_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            TokenKind::Number
        } else if byte.is_ascii_alphabetic() || byte == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            if Builtin::from_name(&line[start..i]).is_some() {
                TokenKind::Function
            } else {
                TokenKind::Name
            }
        } else if b"+-*/%^=".contains(&byte) {
            i += 1;
            TokenKind::Operator
        } else if byte == b'(' || byte == b')' {
            i += 1;
            TokenKind::Paren
        } else if byte.is_ascii_whitespace() {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            TokenKind::Space
        } else {
            // Any other character, whole (multi-byte characters included).
            i += line[i..].chars().next().map_or(1, char::len_utf8);
            TokenKind::Other
        };
        out.push((kind, start..i));
    }
    out
}

/// The byte offsets of the bracket at or just before the cursor and of its match.
pub fn matching_paren(line: &str, pos: usize) -> Option<(usize, usize)> {
    let parens: Vec<usize> = tokens(line)
        .into_iter()
        .filter(|(kind, _)| *kind == TokenKind::Paren)
        .map(|(_, range)| range.start)
        .collect();
    let at = parens
        .iter()
        .position(|&p| p == pos)
        .or_else(|| parens.iter().position(|&p| p + 1 == pos))?;
    let bytes = line.as_bytes();
    let mut depth: i64 = 0;
    if bytes[parens[at]] == b'(' {
        for &p in &parens[at..] {
            depth += if bytes[p] == b'(' { 1 } else { -1 };
            if depth == 0 {
                return Some((parens[at], p));
            }
        }
    } else {
        for &p in parens[..=at].iter().rev() {
            depth += if bytes[p] == b')' { 1 } else { -1 };
            if depth == 0 {
                return Some((p, parens[at]));
            }
        }
    }
    None
}

/// A preview: shown, never inserted by the right arrow.
#[derive(Debug)]
pub struct Preview(String);

impl Hint for Preview {
    fn display(&self) -> &str {
        &self.0
    }
    fn completion(&self) -> Option<&str> {
        None
    }
}

impl Hinter for ReplHelper {
    type Hint = Preview;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<Preview> {
        if pos != line.len() {
            return None;
        }
        self.preview(line).map(Preview)
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        if !self.color.enabled() || line.len() > HIGHLIGHT_MAX_INPUT {
            return Cow::Borrowed(line);
        }
        let matching = if self.show_match.get() {
            matching_paren(line, pos)
        } else {
            None
        };
        Cow::Owned(self.paint(line, matching))
    }

    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        default: bool,
    ) -> Cow<'b, str> {
        if !self.color.enabled() {
            return Cow::Borrowed(prompt);
        }
        if default && !prompt.starts_with('…') {
            Cow::Owned(prompt.green().bold().to_string())
        } else {
            Cow::Owned(prompt.dimmed().to_string())
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color.enabled() {
            Cow::Owned(hint.dimmed().to_string())
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, line: &str, _pos: usize, kind: CmdKind) -> bool {
        // The final refresh (Enter) draws the line without the bracket emphasis.
        self.show_match.set(kind != CmdKind::ForcedRefresh);
        !line.is_empty() && line.len() <= HIGHLIGHT_MAX_INPUT
    }
}

impl Validator for ReplHelper {
    /// Always `Valid`: a line with open parentheses is accepted and the REPL asks for the rest
    /// with the `… ` prompt, which rustyline's own multi-line editing cannot show.
    fn validate(&self, _ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(ValidationResult::Valid(None))
    }
}

impl Helper for ReplHelper {}

#[cfg(test)]
mod test {
    use super::*;

    #[track_caller]
    fn check_tokens(line: &str, expected: &[(TokenKind, &str)]) {
        let got: Vec<(TokenKind, &str)> = tokens(line)
            .into_iter()
            .filter(|(kind, _)| *kind != TokenKind::Space)
            .map(|(kind, range)| (kind, &line[range]))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn lexer_kinds() {
        use TokenKind::*;
        check_tokens(
            "x = sqrt(2.5e-3) ** 10 # note",
            &[
                (Name, "x"),
                (Operator, "="),
                (Function, "sqrt"),
                (Paren, "("),
                (Number, "2.5e-3"),
                (Paren, ")"),
                (Operator, "*"),
                (Operator, "*"),
                (Number, "10"),
                (Comment, "# note"),
            ],
        );
        check_tokens(" :trace on", &[(Command, ":trace"), (Name, "on")]);
        check_tokens(
            "1_000 - .5",
            &[(Number, "1_000"), (Operator, "-"), (Number, ".5")],
        );
        check_tokens("é€1", &[(Other, "é"), (Other, "€"), (Number, "1")]);
    }

    #[test]
    fn lexer_covers_any_input() {
        for line in [
            "",
            "(((",
            ")",
            "1e",
            "1e+",
            "::",
            "#",
            "\u{0}x\u{7f}",
            "  :",
            "é:",
        ] {
            let covered: usize = tokens(line).iter().map(|(_, r)| r.len()).sum();
            assert_eq!(covered, line.len(), "{line:?}");
        }
    }

    #[test]
    fn open_parens() {
        assert!(has_open_parens("(1 + 2"));
        assert!(has_open_parens("((1) + 2"));
        assert!(!has_open_parens("(1 + 2)"));
        assert!(!has_open_parens("1 + 2) * ("));
        assert!(!has_open_parens("1 # ("));
    }

    #[test]
    fn matching_brackets() {
        assert_eq!(matching_paren("(1 + (2))", 0), Some((0, 8)));
        assert_eq!(matching_paren("(1 + (2))", 9), Some((0, 8)));
        assert_eq!(matching_paren("(1 + (2))", 7), Some((5, 7)));
        assert_eq!(matching_paren("(1 + 2", 0), None);
        assert_eq!(matching_paren("1 + 2", 2), None);
    }

    #[track_caller]
    fn check_completion(helper: &ReplHelper, line: &str, expected: &[&str]) {
        let (start, pairs) = helper.candidates(line, line.len());
        let completed: Vec<String> = pairs
            .iter()
            .map(|pair| format!("{}{}", &line[..start], pair.replacement))
            .collect();
        assert_eq!(completed, expected);
    }

    #[test]
    fn completion() {
        let mut helper = ReplHelper::new(Color::Never);
        helper
            .vars
            .insert("total".into(), Value::Int(crate::num::Int::from(3)));
        check_completion(&helper, ":wor", &[":workers "]);
        check_completion(&helper, ":s", &[":speedup ", ":show"]);
        check_completion(
            &helper,
            ":trace ",
            &[":trace on", ":trace off", ":trace json", ":trace svg"],
        );
        check_completion(&helper, ":trace o", &[":trace on", ":trace off"]);
        check_completion(&helper, ":grain a", &[":grain auto"]);
        check_completion(&helper, "1 + to", &["1 + total"]);
        check_completion(&helper, "sq", &["sqrt("]);
        check_completion(&helper, ":tree fac", &[":tree factorial("]);
        check_completion(&helper, "12", &[]);
        check_completion(&helper, ":nope x", &[]);
    }

    #[test]
    fn paint_is_plain_text_under_the_colours() {
        colored::control::set_override(true);
        let helper = ReplHelper::new(Color::Always);
        let line = ":tree (1 + x) * sqrt(2) # c";
        let painted = helper.paint(line, matching_paren(line, 6));
        let mut plain = String::new();
        let mut in_escape = false;
        for c in painted.chars() {
            match c {
                '\x1b' => in_escape = true,
                'm' if in_escape => in_escape = false,
                _ if !in_escape => plain.push(c),
                _ => {}
            }
        }
        assert_eq!(plain, line);
        assert!(painted.contains('\x1b'));
    }

    #[test]
    fn no_preview_without_colour_or_with_a_delay() {
        let mut helper = ReplHelper::new(Color::Never);
        assert_eq!(helper.preview("1 + 2"), None);
        helper = ReplHelper::new(Color::Always);
        helper.preview = false;
        assert_eq!(helper.preview("1 + 2"), None);
        helper.preview = true;
        assert_eq!(helper.preview(":workers"), None);
        assert_eq!(helper.preview("(1 + 2"), None);
        assert_eq!(helper.preview("3"), None);
        assert_eq!(helper.preview(&"1 + ".repeat(100)), None);
    }

    #[test]
    fn preview_of_short_expressions() {
        let mut helper = ReplHelper::new(Color::Always);
        helper
            .vars
            .insert("x".into(), Value::Int(crate::num::Int::from(21)));
        assert_eq!(helper.preview("1 + 2").as_deref(), Some("  = 3"));
        assert_eq!(helper.preview("x * 2").as_deref(), Some("  = 42"));
        assert_eq!(helper.preview("x").as_deref(), Some("  = 21"));
        assert_eq!(helper.preview("y = x + 1").as_deref(), Some("  = 22"));
        // Errors, unknown names and results over the preview's size limit show nothing.
        assert_eq!(helper.preview("1 / 0"), None);
        assert_eq!(helper.preview("y + 1"), None);
        assert_eq!(helper.preview("1 +"), None);
        assert_eq!(helper.preview("2 ** 100000"), None);
        assert_eq!(helper.preview("factorial(100000)"), None);
        let long = helper.preview("2 ** 4000").unwrap();
        assert!(long.ends_with("digits)"), "{long}");
    }
}
