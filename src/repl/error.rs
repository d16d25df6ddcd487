//! Why a `:command` failed, [`CommandError`]: the commands return it, waiting on an evaluation
//! can return it (no thread to run it on), and the loop prints it (see `caret`).

use crate::error::Error;
use crate::settings::SettingError;
use crate::units::DurationError;

/// Why a command failed. The loop prints it: an error in an expression argument with its
/// caret under the argument, anything else after `error:`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CommandError {
    #[error("unknown command ':{name}', did you mean ':{suggestion}'?")]
    Misspelt {
        name: String,
        suggestion: &'static str,
    },
    #[error("unknown command ':{0}' (:help lists the commands)")]
    Unknown(String),
    #[error(":{0} takes no argument")]
    NoArgument(&'static str),
    #[error(
        "unknown :help topic '{0}': try :help, :help functions, or :help NAME for a function, \
         a constant or a command"
    )]
    HelpTopic(String),
    /// A command that needs an argument got none; the text shows how to call it.
    #[error(":{command} needs {what}")]
    MissingArgument {
        command: &'static str,
        what: &'static str,
    },
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error(transparent)]
    Duration(#[from] DurationError),
    #[error(
        "unknown :trace argument '{0}': expected on, off, live on|off, json FILE, svg FILE or \
         html FILE"
    )]
    TraceArgument(String),
    #[error(":trace {0} takes no file")]
    TraceTakesNoFile(String),
    #[error(":trace {0} needs a FILE to write")]
    TraceNeedsFile(String),
    #[error(":trace {0} takes one FILE (quote a name that has spaces)")]
    TraceFiles(String),
    #[error("unclosed quote in the FILE of :trace {0}")]
    UnclosedQuote(String),
    #[error(":{0} takes one FILE (quote a name that has spaces)")]
    OneFile(&'static str),
    #[error("unclosed quote in the FILE of :{0}")]
    FileQuote(&'static str),
    #[error("no evaluation yet: type an expression first")]
    NoTrace,
    #[error("no value yet")]
    NoValue,
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("expected an expression, not an assignment")]
    Assignment,
    /// The session refused (a pool that cannot start, say).
    #[error(transparent)]
    Session(Error),
    /// An error in the expression argument, which starts at screen column `column`.
    #[error("{error}")]
    Expr {
        error: Error,
        text: String,
        column: usize,
    },
    #[error("cancelled")]
    Cancelled,
    #[error("cannot start a thread for the evaluation: {0}")]
    NoThread(String),
}
