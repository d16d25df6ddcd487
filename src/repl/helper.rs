//! The rustyline helper: completion, highlighting, the live preview and the validator.
//!
//! One struct, [`ReplHelper`], implements each rustyline trait by hand. Completion offers the
//! commands, their arguments, file names after `:trace json|svg|html`, `:load` and `:save` (rustyline's own
//! file name completer, which quotes and escapes as a shell does), variables and functions.
//! Highlighting runs on the language's lexer (`syntax::lex`, through [`tokens`]), which is
//! linear in the line and accepts any text, so it never disagrees with itself on a half-typed line and never fails; it
//! is not the parser and knows nothing about precedence. The preview (the hint) evaluates short expressions with the
//! sequential evaluator on a copy of the variables under a small size limit, so it is instant; it
//! is never accepted by the right arrow, and is off when a delay is set. Without colour, where it
//! cannot be dimmed, it reads as a comment (`  # = 3`), so that it never looks typed.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};

use dashu_int::ops::BitTest;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use crate::ast::Node;
use crate::engine::sequential;
use crate::num::{Limits, Value};
use crate::ops::{self, Builtin};
use crate::render::Color;
use crate::render::paint::{self, Hue, Style};
use crate::repl::command::{self, COMMANDS};
use crate::repl::display;
use crate::syntax;
use crate::syntax::lex::{self, TokenKind, matching_paren};

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
pub(crate) struct ReplHelper {
    color: Color,
    /// The names of the session's variables, for completion.
    names: Vec<Box<str>>,
    /// Copies of the variables small enough for the preview to use (see [`Self::set_vars`]).
    small_values: BTreeMap<Box<str>, Value>,
    /// Whether the preview runs (off when a delay is set).
    pub preview: bool,
    /// Whether the bracket under the cursor is highlighted in the next refresh.
    show_match: Cell<bool>,
}

impl ReplHelper {
    pub(crate) fn new(color: Color) -> ReplHelper {
        ReplHelper {
            color,
            names: Vec::new(),
            small_values: BTreeMap::new(),
            preview: true,
            show_match: Cell::new(false),
        }
    }

    /// Takes the session's variables: every name, for completion, and copies of the values of
    /// at most `PREVIEW_MAX_BITS` bits, for the preview. A larger value is not copied (that
    /// would cost as much as the value is large at every prompt); a line that reads it gets no
    /// preview.
    pub(crate) fn set_vars<'v>(&mut self, vars: impl Iterator<Item = (&'v str, &'v Value)>) {
        self.names.clear();
        self.small_values.clear();
        for (name, value) in vars {
            self.names.push(name.into());
            let small = match value {
                Value::Int(int) => int.bit_len() as u64 <= PREVIEW_MAX_BITS,
                _ => true,
            };
            if small {
                self.small_values.insert(name.into(), value.clone());
            }
        }
    }

    /// The value shown after a short expression as it is typed (dimmed, or as a comment
    /// without colour), or `None`.
    pub(crate) fn preview(&self, line: &str) -> Option<String> {
        if !self.preview
            || line.len() > PREVIEW_MAX_INPUT
            || line.trim_start().starts_with(':')
            || line.contains('\n')
            || lex::continues(line)
        {
            return None;
        }
        let value = panic::catch_unwind(AssertUnwindSafe(|| self.evaluate_quietly(line)))
            .ok()
            .flatten()?;
        let mark = if self.color.enabled() {
            "  = "
        } else {
            "  # = "
        };
        Some(format!(
            "{mark}{}",
            display::abbreviate_to(&value.to_string(), PREVIEW_MAX_DIGITS)
        ))
    }

    fn evaluate_quietly(&self, line: &str) -> Option<Value> {
        let statement = syntax::parse_statement(line).ok()??;
        let ast = statement.expr;
        // A lone literal is its own value: nothing to preview. A reduction may run over a
        // range of any length: it is not previewed either.
        if ast.len() == 1 && !matches!(ast.nodes.first(), Some(Node::Name(_)))
            || !ast.reductions.is_empty()
        {
            return None;
        }
        let env: Vec<Value> = ast
            .names
            .iter()
            .map(|name| {
                self.small_values
                    .get(name)
                    .cloned()
                    .or_else(|| ops::constant(name).map(Value::Float))
            })
            .collect::<Option<_>>()?;
        let limits = Limits {
            max_bits: PREVIEW_MAX_BITS,
            ..Limits::default()
        };
        sequential::evaluate(&ast, &env, &limits).ok()
    }

    /// Candidates for the word ending at `pos`: commands, their arguments, names.
    pub(crate) fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
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
                    let Ok(command) = command::find(name) else {
                        return (pos, Vec::new());
                    };
                    let file_word = command::first_is_file(command.name)
                        || rest
                            .trim_start()
                            .split_once(char::is_whitespace)
                            .is_some_and(|(word, _)| command::takes_file(command.name, word));
                    if file_word {
                        return FilenameCompleter::new()
                            .complete_path(line, pos)
                            .unwrap_or((pos, Vec::new()));
                    }
                    let rest = rest.trim_start();
                    if command.takes_expr
                        && !command.completions.is_empty()
                        && !rest.contains(char::is_whitespace)
                    {
                        // The first word of `:python` may be a form or a name.
                        let (start, mut pairs) = self.complete_name(line, pos);
                        pairs.extend(
                            command
                                .completions
                                .iter()
                                .filter(|word| !rest.is_empty() && word.starts_with(rest))
                                .map(|word| Pair {
                                    display: word.to_string(),
                                    replacement: format!("{word} "),
                                }),
                        );
                        return (start.min(pos - rest.len()), pairs);
                    }
                    if !command.takes_expr {
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
        self.complete_name(line, pos)
    }

    /// Candidates for the name ending at `pos`: variables, functions, constants.
    fn complete_name(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let before = &line[..pos];
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
            .names
            .iter()
            .filter(|name| name.starts_with(word))
            .map(|name| Pair {
                display: name.to_string(),
                replacement: name.to_string(),
            })
            .collect();
        pairs.extend(
            ops::FUNCTIONS
                .iter()
                .filter(|function| function.name.starts_with(word))
                .map(|function| Pair {
                    display: format!("{}()", function.name),
                    replacement: format!("{}(", function.name),
                }),
        );
        // The words of expressions, after a space or at the start (not inside a name).
        pairs.extend(
            ops::EXPRESSION_KEYWORDS
                .iter()
                .filter(|keyword| keyword.starts_with(word) && **keyword != word)
                .map(|keyword| Pair {
                    display: (*keyword).to_string(),
                    replacement: (*keyword).to_string(),
                }),
        );
        pairs.extend(
            ops::CONSTANTS
                .iter()
                .filter(|constant| {
                    constant.name.starts_with(word)
                        && !self.names.iter().any(|n| **n == *constant.name)
                })
                .map(|constant| Pair {
                    display: constant.name.to_string(),
                    replacement: constant.name.to_string(),
                }),
        );
        (start, pairs)
    }

    /// The line with ANSI colours; `matching` is the pair of brackets to emphasise.
    pub(crate) fn paint(&self, line: &str, matching: Option<(usize, usize)>) -> String {
        let mut out = String::with_capacity(line.len() * 2);
        let mut depth: i64 = 0;
        for (kind, range) in tokens(line) {
            let text = &line[range.clone()];
            let emphasised = matching.is_some_and(|(a, b)| range.start == a || range.start == b);
            let style = match kind {
                Highlight::Number => Style::fg(Hue::Cyan),
                Highlight::Function => Style::fg(Hue::Blue),
                Highlight::Operator => Style::fg(Hue::Yellow),
                Highlight::Comment => Style::PLAIN.dimmed(),
                Highlight::Command if command::find(&text[1..]).is_ok() => {
                    Style::fg(Hue::Green).bold()
                }
                Highlight::Command => Style::fg(Hue::Red),
                Highlight::Paren if emphasised => Style::fg(Hue::Magenta).bold().underline(),
                Highlight::Paren => {
                    depth += if text == "(" { 1 } else { -1 };
                    if depth < 0 {
                        Style::fg(Hue::Red)
                    } else {
                        Style::PLAIN
                    }
                }
                Highlight::Name | Highlight::Plain => Style::PLAIN,
            };
            paint::push(&mut out, text, style, self.color);
        }
        out
    }
}

/// How the highlighter shows a token: the lexer's kinds, with built-in function names and the
/// `:command` at the start of a line told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Highlight {
    Number,
    Name,
    /// A name that is a built-in function.
    Function,
    Operator,
    Paren,
    Comment,
    /// `:name` at the start of the line.
    Command,
    /// Blanks, newlines, commas, `=`, and characters the lexer does not know.
    Plain,
}

/// Splits `line` into highlighted tokens covering it entirely, in one pass of the lexer.
pub(crate) fn tokens(line: &str) -> Vec<(Highlight, Range<usize>)> {
    let mut out = Vec::new();
    let leading = line.len() - line.trim_start().len();
    let mut from = 0;
    if line[leading..].starts_with(':') {
        let end = leading
            + 1
            + line[leading + 1..]
                .bytes()
                .take_while(|&b| b.is_ascii_alphanumeric() || b == b'?')
                .count();
        if leading > 0 {
            out.push((Highlight::Plain, 0..leading));
        }
        out.push((Highlight::Command, leading..end));
        from = end;
    }
    for token in lex::Lexer::at(line.as_bytes(), from) {
        let kind = match token.kind {
            TokenKind::Number => Highlight::Number,
            TokenKind::Name if Builtin::from_name(token.text(line)).is_some() => {
                Highlight::Function
            }
            TokenKind::Name if matches!(token.text(line), "True" | "False") => Highlight::Number,
            TokenKind::Name if ops::is_keyword(token.text(line)) => Highlight::Operator,
            TokenKind::Name if ops::constant(token.text(line)).is_some() => Highlight::Number,
            TokenKind::Name => Highlight::Name,
            TokenKind::Operator | TokenKind::Equals => Highlight::Operator,
            TokenKind::Open | TokenKind::Close => Highlight::Paren,
            TokenKind::Comment => Highlight::Comment,
            TokenKind::Blank | TokenKind::Newline | TokenKind::Comma | TokenKind::Unknown => {
                Highlight::Plain
            }
        };
        out.push((kind, token.range()));
    }
    out
}

/// A preview: shown, never inserted by the right arrow.
#[derive(Debug)]
pub(crate) struct Preview(String);

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
        let style = if default && !prompt.starts_with('…') {
            Style::fg(Hue::Green).bold()
        } else {
            Style::PLAIN.dimmed()
        };
        Cow::Owned(paint::paint(prompt, style, self.color))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color.enabled() {
            Cow::Owned(paint::paint(hint, Style::PLAIN.dimmed(), self.color))
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
    fn check_tokens(line: &str, expected: &[(Highlight, &str)]) {
        let got: Vec<(Highlight, &str)> = tokens(line)
            .into_iter()
            .filter(|(_, range)| !line[range.clone()].trim().is_empty())
            .map(|(kind, range)| (kind, &line[range]))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn highlighted_kinds() {
        use Highlight::*;
        check_tokens(
            "x = sqrt(2.5e-3) ** 10 # note",
            &[
                (Name, "x"),
                (Operator, "="),
                (Function, "sqrt"),
                (Paren, "("),
                (Number, "2.5e-3"),
                (Paren, ")"),
                (Operator, "**"),
                (Number, "10"),
                (Comment, "# note"),
            ],
        );
        check_tokens(" :trace on", &[(Command, ":trace"), (Name, "on")]);
        check_tokens(
            "x if not x <= True else False",
            &[
                (Name, "x"),
                (Operator, "if"),
                (Operator, "not"),
                (Name, "x"),
                (Operator, "<="),
                (Number, "True"),
                (Operator, "else"),
                (Number, "False"),
            ],
        );
        check_tokens(
            "1_000 - .5",
            &[(Number, "1_000"), (Operator, "-"), (Number, ".5")],
        );
        check_tokens("é€1", &[(Plain, "é"), (Plain, "€"), (Number, "1")]);
        // A comment ends at its line: the next line is highlighted again.
        check_tokens(
            "(1 + # one\n 2)",
            &[
                (Paren, "("),
                (Number, "1"),
                (Operator, "+"),
                (Comment, "# one"),
                (Number, "2"),
                (Paren, ")"),
            ],
        );
    }

    #[test]
    fn highlighting_covers_any_input() {
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
    fn the_words_of_expressions_complete() {
        let helper = ReplHelper::new(Color::Never);
        check_completion(&helper, "1 if x el", &["1 if x else"]);
        check_completion(&helper, "x an", &["x and"]);
        check_completion(&helper, "Tr", &["True"]);
    }

    #[test]
    fn completion() {
        let mut helper = ReplHelper::new(Color::Never);
        let total = Value::Int(crate::num::Int::from(3));
        helper.set_vars([("total", &total)].into_iter());
        check_completion(&helper, ":wor", &[":workers "]);
        // The first word of `:python` is a form or a name.
        check_completion(
            &helper,
            ":python da",
            &[":python dataflow ", ":python dask "],
        );
        check_completion(&helper, ":python tot", &[":python total"]);
        check_completion(&helper, ":s", &[":speedup ", ":save ", ":show"]);
        check_completion(
            &helper,
            ":trace ",
            &[
                ":trace on",
                ":trace off",
                ":trace live",
                ":trace json",
                ":trace svg",
                ":trace html",
            ],
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
    fn no_preview_with_a_delay_and_a_comment_without_colour() {
        let mut helper = ReplHelper::new(Color::Never);
        assert_eq!(helper.preview("1 + 2").as_deref(), Some("  # = 3"));
        helper = ReplHelper::new(Color::Always);
        assert_eq!(helper.preview("1 + 2").as_deref(), Some("  = 3"));
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
        let x = Value::Int(crate::num::Int::from(21));
        let huge = Value::Int(crate::num::Int::from(1) << 5000);
        helper.set_vars([("huge", &huge), ("x", &x)].into_iter());
        assert_eq!(
            helper.preview("huge % 7"),
            None,
            "too large to copy for the preview"
        );
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
