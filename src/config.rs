//! The configuration folder, `$XDG_CONFIG_HOME/parcalc` (by default `~/.config/parcalc`):
//! `config.toml` sets the defaults of the settings a user can give as flags, and `init.calc` is
//! the startup file the REPL runs before its first prompt (as Python's `PYTHONSTARTUP` and
//! numbat's init file).
//!
//! `config.toml` is read as flat TOML: `key = value` lines, `#` comments, values a string in
//! quotes or an integer. Each value goes through the parser of its flag (`settings`, `units`),
//! so that it is spelt and refused as the flag is; an unknown key, a value the flag would
//! refuse or a line that is not `key = value` is an error naming the file and the line.
//! Flags given on the command line override the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::engine::{Grain, Policy};
use crate::settings;

/// The settings `config.toml` may set; `None` for those it leaves to the defaults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub workers: Option<usize>,
    pub delay: Option<Duration>,
    pub grain: Option<Grain>,
    pub policy: Option<Policy>,
    /// `color = "never"` turns colour off; `"auto"` (the default) colours a terminal.
    pub no_color: Option<bool>,
    /// Most lines the REPL's history keeps.
    pub history: Option<usize>,
}

/// The keys of `config.toml`, in the order README lists them.
pub const KEYS: &[&str] = &["workers", "delay", "grain", "policy", "color", "history"];

/// Largest `history` accepted.
const MAX_HISTORY: usize = 1_000_000;

/// Why `config.toml` was refused: the file, the line (from 1) and what is wrong there.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

/// The configuration folder: `$XDG_CONFIG_HOME/parcalc`, else `$HOME/.config/parcalc` (a
/// relative `XDG_CONFIG_HOME` is ignored, as the XDG specification says).
pub fn folder() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute());
    let base = match xdg {
        Some(dir) => dir,
        None => {
            PathBuf::from(std::env::var_os("HOME").filter(|home| !home.is_empty())?).join(".config")
        }
    };
    Some(base.join("parcalc"))
}

/// The startup file, if it exists.
pub fn init_file() -> Option<PathBuf> {
    folder()
        .map(|folder| folder.join("init.calc"))
        .filter(|path| path.is_file())
}

/// Reads `config.toml` from the configuration folder: the defaults when there is none.
pub fn load() -> Result<Config, ConfigError> {
    let Some(path) = folder().map(|folder| folder.join("config.toml")) else {
        return Ok(Config::default());
    };
    match std::fs::read(&path) {
        Ok(bytes) => parse(&path, &bytes),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(error) => Err(ConfigError {
            path,
            line: 0,
            message: format!("cannot read: {error}"),
        }),
    }
}

/// Parses the text of `config.toml` (read from `path`, for the messages).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Config, ConfigError> {
    let mut config = Config::default();
    for (index, line) in bytes.split(|&byte| byte == b'\n').enumerate() {
        let fail = |message: String| ConfigError {
            path: path.to_path_buf(),
            line: index + 1,
            message,
        };
        let line = std::str::from_utf8(line).map_err(|_| fail("not UTF-8".to_owned()))?;
        let line = strip_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            return Err(fail(format!(
                "tables are not read here: write the settings as key = value lines ({})",
                KEYS.join(", ")
            )));
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(fail(format!("expected key = value, found '{line}'")));
        };
        let (key, value) = (key.trim(), unquote(value.trim()).map_err(fail)?);
        set(&mut config, key, value).map_err(fail)?;
    }
    Ok(config)
}

/// Sets `key` of `config` from its text `value`, by the parser of its flag.
fn set(config: &mut Config, key: &str, value: &str) -> Result<(), String> {
    match key {
        "workers" => {
            config.workers = Some(settings::parse_workers(value).map_err(|e| e.to_string())?);
        }
        "delay" => {
            config.delay = Some(crate::units::parse_duration(value).map_err(|e| e.to_string())?);
        }
        "grain" => {
            config.grain = Some(settings::parse_grain(value).map_err(|e| e.to_string())?);
        }
        "policy" => {
            config.policy = Some(settings::parse_policy(value).map_err(|e| e.to_string())?);
        }
        "color" | "colour" => {
            config.no_color = Some(match value {
                "never" => true,
                "auto" => false,
                other => return Err(format!("color is \"auto\" or \"never\", not '{other}'")),
            });
        }
        "history" => {
            let size = value
                .parse::<usize>()
                .ok()
                .filter(|size| *size <= MAX_HISTORY)
                .ok_or_else(|| {
                    format!("history is a number of lines, 0 to {MAX_HISTORY}, not '{value}'")
                })?;
            config.history = Some(size);
        }
        other => {
            let suggestion = crate::suggest::nearest(other, KEYS.iter().copied())
                .first()
                .map(|near| format!(" (did you mean '{near}'?)"))
                .unwrap_or_default();
            return Err(format!(
                "unknown setting '{other}'{suggestion}: the settings are {}",
                KEYS.join(", ")
            ));
        }
    }
    Ok(())
}

/// `line` without its `#` comment (a `#` inside quotes is text).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), c) if c == open => quote = None,
            (None, '#') => return &line[..at],
            _ => {}
        }
    }
    line
}

/// A TOML value as text: a quoted string without its quotes, or a bare integer or word.
fn unquote(value: &str) -> Result<&str, String> {
    for quote in ['"', '\''] {
        if let Some(rest) = value.strip_prefix(quote) {
            return rest
                .strip_suffix(quote)
                .filter(|inner| !inner.contains(quote))
                .ok_or_else(|| format!("unclosed string: {value}"));
        }
    }
    if value.is_empty() {
        return Err("a value is missing after '='".to_owned());
    }
    Ok(value)
}

#[cfg(test)]
mod test {
    use super::*;

    #[track_caller]
    fn parsed(text: &str) -> Result<Config, String> {
        parse(Path::new("config.toml"), text.as_bytes()).map_err(|error| error.to_string())
    }

    #[test]
    fn every_setting_reads_as_its_flag() {
        let config = parsed(
            "# defaults\nworkers = 3\ndelay = \"100ms\"  # slow\ngrain = 'auto'\n\
             policy = \"critical-path\"\ncolor = \"never\"\nhistory = 50\n",
        )
        .unwrap();
        assert_eq!(
            config,
            Config {
                workers: Some(3),
                delay: Some(Duration::from_millis(100)),
                grain: Some(Grain::Auto),
                policy: Some(Policy::CriticalPath),
                no_color: Some(true),
                history: Some(50),
            }
        );
        assert_eq!(parsed("").unwrap(), Config::default());
    }

    #[test]
    fn a_bad_line_is_named_with_its_file_and_number() {
        let error = parsed("workers = 2\nwrokers = 3\n").unwrap_err();
        assert!(
            error.starts_with("config.toml:2: unknown setting 'wrokers' (did you mean 'workers'?)"),
            "{error}"
        );
        let error = parsed("\n\nworkers = 0\n").unwrap_err();
        assert!(error.starts_with("config.toml:3: "), "{error}");
        assert!(
            parsed("delay = \"fast\"")
                .unwrap_err()
                .starts_with("config.toml:1: ")
        );
        assert!(parsed("[parcalc]").unwrap_err().contains("key = value"));
        assert!(
            parsed("workers 3")
                .unwrap_err()
                .contains("expected key = value")
        );
        assert!(
            parsed("policy = \"lifo")
                .unwrap_err()
                .contains("unclosed string")
        );
        assert!(parsed("color = \"blue\"").unwrap_err().contains("auto"));
    }
}
