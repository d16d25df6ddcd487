//! A FILE argument of the REPL's commands read as a shell reads one word ([`parse_path`]).

use std::path::PathBuf;

use crate::repl::error::CommandError;

/// The FILE argument of `:trace json|svg|html` as a shell reads one word: `'…'` and `"…"` quote
/// (inside double quotes a backslash escapes `"`, `\`, `$` and `` ` ``), a backslash outside quotes escapes the
/// next character (Tab completion writes `my\ file.svg`), and a leading unquoted `~` or `~/` is
/// the home folder. `word` is the subcommand, for the messages.
pub(crate) fn parse_path(text: &str, word: &str) -> Result<PathBuf, CommandError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut path = String::new();
    let mut quote = Quote::None;
    let mut chars = text.trim().chars().peekable();
    let home = match (chars.peek(), text.trim().chars().nth(1)) {
        (Some('~'), None | Some('/')) => std::env::var("HOME").ok(),
        _ => None,
    };
    if let Some(home) = home {
        chars.next();
        path.push_str(home.trim_end_matches('/'));
        if path.is_empty() {
            path.push('/');
        }
    }
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Quote::None, '\'') => quote = Quote::Single,
            (Quote::None, '"') => quote = Quote::Double,
            (Quote::Single, '\'') | (Quote::Double, '"') => quote = Quote::None,
            (Quote::None, '\\') => path.extend(chars.next()),
            (Quote::Double, '\\') if matches!(chars.peek(), Some('"' | '\\' | '$' | '`')) => {
                path.extend(chars.next());
            }
            (Quote::None, c) if c.is_whitespace() => {
                return Err(CommandError::TraceFiles(word.to_string()));
            }
            (_, c) => path.push(c),
        }
    }
    if quote != Quote::None {
        return Err(CommandError::UnclosedQuote(word.to_string()));
    }
    Ok(PathBuf::from(path))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn trace_files_are_read_as_a_shell_reads_a_word() {
        let in_home = std::env::var("HOME").map_or("~/x.svg".to_string(), |home| {
            format!("{}/x.svg", home.trim_end_matches('/'))
        });
        for (text, expected) in [
            ("x.svg", "x.svg".to_string()),
            ("'my file.svg'", "my file.svg".to_string()),
            ("\"my file.svg\"", "my file.svg".to_string()),
            ("my\\ file.svg", "my file.svg".to_string()),
            ("\"a\\\"b\"", "a\"b".to_string()),
            ("'~/x.svg'", "~/x.svg".to_string()),
            ("~/x.svg", in_home),
            ("~x.svg", "~x.svg".to_string()),
        ] {
            let path = parse_path(text, "svg").map(|path| path.display().to_string());
            assert_eq!(path.ok(), Some(expected), "{text}");
        }
        assert_eq!(
            parse_path("a.svg b.svg", "svg").map_err(|e| e.to_string()),
            Err(":trace svg takes one FILE (quote a name that has spaces)".to_string())
        );
        assert_eq!(
            parse_path("'a.svg", "json").map_err(|e| e.to_string()),
            Err("unclosed quote in the FILE of :trace json".to_string())
        );
    }
}
