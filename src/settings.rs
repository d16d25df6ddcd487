//! The settings both front doors take, parsed in one place: the number of workers, the grain,
//! the scheduling policy and the default largest pool of a speedup run (durations are in
//! `units`).
//!
//! `cli` reads them from flags and `repl` from `:commands`; both call the parsers here, so a
//! setting is spelt and refused the same way at either door (`cli` starts `repl`; `repl` does
//! not import `cli`). Errors are typed; the door that has the flag or command words the hint.

use crate::engine::{self, Grain, MAX_WORKERS, Policy};

/// A setting that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SettingError {
    #[error("'{0}' is not a number of workers")]
    NotWorkers(String),
    #[error("the number of workers must be between 1 and {MAX_WORKERS}, not {0}")]
    WorkersOutOfRange(usize),
    #[error("grain must be 'auto' or a positive number of operators per task, not '{0}'")]
    Grain(String),
    #[error("MAX must be between 1 and {MAX_WORKERS}, not {0}")]
    SpeedupMax(String),
    #[error("policy must be lifo, fifo or critical-path, not '{0}'")]
    Policy(String),
    #[error("the recursion limit must be between 1 and {MAX_DEPTH}, not '{0}'")]
    MaxDepth(String),
}

/// The largest recursion limit: deeper than any calculation needs, and a few GiB of frames.
pub(crate) const MAX_DEPTH: u32 = 10_000_000;

/// The recursion limit (`--max-depth`, `:max-depth`): most user-function calls open at once.
pub(crate) fn parse_max_depth(text: &str) -> Result<u32, SettingError> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_DEPTH).contains(n))
        .ok_or_else(|| SettingError::MaxDepth(text.to_string()))
}

/// A number of workers, from 1 to [`MAX_WORKERS`].
pub(crate) fn parse_workers(text: &str) -> Result<usize, SettingError> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| SettingError::NotWorkers(text.to_string()))?;
    engine::check_workers(n).map_err(|_| SettingError::WorkersOutOfRange(n))?;
    Ok(n)
}

/// `auto` or a positive number of operators per task.
pub(crate) fn parse_grain(text: &str) -> Result<Grain, SettingError> {
    if text == "auto" {
        return Ok(Grain::Auto);
    }
    match text.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(Grain::Fixed(n)),
        _ => Err(SettingError::Grain(text.to_string())),
    }
}

/// The largest pool of a speedup run, from 1 to [`MAX_WORKERS`].
pub(crate) fn parse_speedup_max(text: &str) -> Result<usize, SettingError> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_WORKERS).contains(n))
        .ok_or_else(|| SettingError::SpeedupMax(text.to_string()))
}

/// `lifo`, `fifo` or `critical-path`.
pub(crate) fn parse_policy(text: &str) -> Result<Policy, SettingError> {
    Policy::from_name(text.trim()).ok_or_else(|| SettingError::Policy(text.to_string()))
}

/// Default largest pool of a speedup run: the machine's parallelism, at least 4.
pub(crate) fn default_speedup_workers() -> usize {
    engine::default_workers().max(4)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn workers_and_grain() {
        assert_eq!(parse_workers("3"), Ok(3));
        assert_eq!(
            parse_workers("x"),
            Err(SettingError::NotWorkers("x".into()))
        );
        assert_eq!(
            parse_workers("0").map_err(|e| e.to_string()),
            Err("the number of workers must be between 1 and 1024, not 0".into())
        );
        assert_eq!(parse_grain("auto"), Ok(Grain::Auto));
        assert_eq!(parse_grain("4"), Ok(Grain::Fixed(4)));
        assert_eq!(parse_grain("0"), Err(SettingError::Grain("0".into())));
        assert_eq!(
            parse_grain("0").map_err(|e| e.to_string()),
            Err("grain must be 'auto' or a positive number of operators per task, not '0'".into())
        );
        assert_eq!(parse_speedup_max("3"), Ok(3));
        assert_eq!(
            parse_speedup_max("-1").map_err(|e| e.to_string()),
            Err("MAX must be between 1 and 1024, not -1".into())
        );
        assert!(parse_speedup_max("1025").is_err());
        assert_eq!(parse_policy("critical-path"), Ok(Policy::CriticalPath));
        assert_eq!(parse_policy("lifo"), Ok(Policy::Lifo));
        assert_eq!(
            parse_policy("random").map_err(|e| e.to_string()),
            Err("policy must be lifo, fifo or critical-path, not 'random'".into())
        );
    }
}
