//! The command line: arguments, batch evaluation, and the choice between batch and REPL.
//!
//! [`run`] is the whole program; `main` only maps its [`ExitCode`]. Values go to stdout,
//! errors to stderr; the exit status is 0 when every statement succeeded, 1 when one failed,
//! 2 for bad usage, 130 when SIGINT, SIGTERM or SIGHUP stopped the run (every value computed
//! before it is written out all the same). A closed stdout (`parcalc … | head`) is not an
//! error.
//!
//! Several `-e` and a FILE may be given together: the `-e` run first, in order, then the FILE's
//! statements, all in one session. An error names where its statement came from, as compilers
//! do: `calc.txt:8: error: …` for line 8 of a FILE (`<stdin>` for standard input), `-e 2:
//! error: …` for the second `-e`, and a plain `error: …` when a single `-e` is all there is.
//! Without FILE or `-e` on a terminal, the REPL starts and takes the flags that show or write
//! something after every evaluation (`--trace`, `--tree`, `--stats`, `--trace-json`,
//! `--trace-svg`, `--trace-html`, `--speedup`) as its own settings.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use clap::Parser;

use crate::engine::{self, CancelFlag, EvalOptions, Grain, Policy};
use crate::error::{Error, ErrorKind, NumError};
use crate::input::{self, NotUtf8};
use crate::num::Limits;
use crate::render::{Color, PythonForm, SpeedupRow, diagnostic};
use crate::session::{Parsed, Session, Small, SpeedupOutcome};
use crate::settings::{self, default_speedup_workers};

/// parcalc — a calculator in which every evaluation is a small parallel program.
///
/// With no FILE and no -e, reads statements from stdin (the REPL when stdin is a terminal).
// Each switch of the command line is a bool, as clap derives them.
#[expect(
    clippy::struct_excessive_bools,
    reason = "each switch of the command line is a bool, as clap derives them"
)]
#[derive(Debug, Parser)]
#[command(name = "parcalc", version, about, long_about = None)]
pub struct Args {
    /// Evaluate EXPR and print its value (repeatable; evaluated in order).
    #[arg(
        short = 'e',
        long = "expr",
        value_name = "EXPR",
        allow_hyphen_values = true
    )]
    pub exprs: Vec<String>,

    /// Evaluate the statements of FILE, one per line ('-' for stdin).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    // Numbers may be negative in the space form too (`-w -1`), so that the value parser refuses
    // them with the message it gives `-w=-1`, instead of clap taking `-1` for a flag.
    /// Number of workers in the pool (1 to 1024) [default: available parallelism].
    #[arg(short = 'w', long, value_name = "N", value_parser = settings::parse_workers, allow_negative_numbers = true)]
    pub workers: Option<usize>,

    /// Simulated work slept by every operator: 100ms, 1.5s, 250us, off; a bare number is ms.
    #[arg(long, value_name = "D", value_parser = crate::units::parse_duration, allow_negative_numbers = true)]
    pub delay: Option<Duration>,

    /// Operators per task: 1 makes every operator its own task; 'auto' chooses by tree size
    /// [default: auto].
    #[arg(long, value_name = "N|auto", value_parser = settings::parse_grain, allow_negative_numbers = true)]
    pub grain: Option<Grain>,

    /// The order ready tasks run in: lifo (rayon's own), fifo (as Python's thread pool executor),
    /// critical-path (the task furthest from the end first) [default: lifo].
    #[arg(long, value_name = "P", value_parser = settings::parse_policy)]
    pub policy: Option<Policy>,

    /// Largest integer result, in bits, refused before it is computed.
    #[arg(long, value_name = "BITS", default_value_t = Limits::default().max_bits, allow_negative_numbers = true)]
    pub max_bits: u64,

    /// Most user-function calls open at once (recursion depth); one more raises
    /// `RecursionError`. Python's limit is 1,000.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth, value_parser = settings::parse_max_depth)]
    pub max_depth: u32,

    /// Longest statement accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = crate::session::DEFAULT_MAX_INPUT_BYTES, allow_negative_numbers = true)]
    pub max_input: usize,

    /// Print parse and evaluation figures to stderr after each evaluation.
    #[arg(long)]
    pub stats: bool,

    /// Print the schedule (Gantt chart, legend, work–span figures) after each value.
    #[arg(long)]
    pub trace: bool,

    /// Write the last evaluation's schedule to FILE in Chrome's Trace Event format.
    #[arg(long, value_name = "FILE")]
    pub trace_json: Option<PathBuf>,

    /// Write the last evaluation's schedule to FILE as an SVG image (chart, key, legend,
    /// figures).
    #[arg(long, value_name = "FILE")]
    pub trace_svg: Option<PathBuf>,

    /// Write the last evaluation's schedule to FILE as one self-contained HTML page, with a
    /// replay.
    #[arg(long, value_name = "FILE")]
    pub trace_html: Option<PathBuf>,

    /// Evaluate each expression on 1, 2, … MAX workers and print the speedup table
    /// [default MAX: the machine's parallelism, at least 4].
    // `Some(None)` for a bare `--speedup`. Its value needs `=` (`--speedup=4`), so that a FILE
    // after a bare `--speedup` is the FILE; `--speedup 4` is rewritten to `--speedup=4` before
    // parsing (see `join_speedup_value`).
    #[arg(long, value_name = "MAX", require_equals = true, value_parser = settings::parse_speedup_max)]
    pub speedup: Option<Option<usize>>,

    /// Print, instead of each expression's value, a Python program that computes it on the
    /// same workers with the same delay: futures (the default) with concurrent.futures' submit
    /// and result, dataflow with done-callbacks as parcalc schedules, dask on Dask's futures.
    /// Assignments still bind.
    // `Some(form)`; a bare `--python` is `futures`. Its value needs `=`, as `--speedup`'s.
    #[arg(long, value_name = "FORM", num_args = 0..=1, require_equals = true, default_missing_value = "futures", value_parser = parse_python_form)]
    pub python: Option<PythonForm>,

    /// Print the parsed tree, with node ids, before each value.
    #[arg(long)]
    pub tree: bool,

    /// Never colour the output (also: the `NO_COLOR` environment variable).
    #[arg(long)]
    pub no_color: bool,

    /// Run FILE and the -e expressions, then open the REPL with their variables (as
    /// `python -i`).
    #[arg(short = 'i', long)]
    pub interactive: bool,

    /// Do not run the startup file (init.calc in the configuration folder) when the REPL starts.
    #[arg(long)]
    pub no_init: bool,

    /// At the end, write on stderr how many statements were parsed (`parses: N`): the tests'
    /// check that every door parses a statement once.
    #[arg(long, hide = true)]
    pub count_parses: bool,
}

/// Opens the REPL: the startup file (unless `--no-init`), then with `-i` the FILE and the `-e`,
/// then the prompt.
fn run_repl(args: &Args, config: &crate::config::Config, session: Session) -> ExitCode {
    let color = Color::detect(io::stdout().is_terminal(), args.no_color);
    let mut flags = repl_flags(args);
    flags.history = config.history;
    if !args.no_init
        && let Some(init) = crate::config::init_file()
    {
        flags.first.insert(0, crate::repl::First::Init(init));
    }
    match crate::repl::run(session, color, flags) {
        Ok(session) => {
            if args.count_parses {
                report(format_args!("parses: {}", session.n_parses()));
            }
            ExitCode::from(SUCCESS)
        }
        Err(failure) => {
            report(format_args!("error: {failure}"));
            ExitCode::from(EVAL_ERROR)
        }
    }
}

impl Args {
    /// The files `--trace-json`, `--trace-svg` and `--trace-html` name.
    fn trace_files(&self) -> crate::present::TraceFiles {
        crate::present::TraceFiles {
            json: self.trace_json.clone(),
            svg: self.trace_svg.clone(),
            html: self.trace_html.clone(),
        }
    }
}

/// The FORM of `--python`: futures, dataflow or dask.
fn parse_python_form(text: &str) -> Result<PythonForm, String> {
    text.parse()
}

/// Reads the configuration file and takes its defaults for the settings `args` leaves unset.
fn with_config(args: &mut Args) -> Result<crate::config::Config, crate::config::ConfigError> {
    let config = crate::config::load()?;
    args.workers = args.workers.or(config.workers);
    args.delay = args.delay.or(config.delay);
    args.grain = args.grain.or(config.grain);
    args.policy = args.policy.or(config.policy);
    args.no_color |= config.no_color == Some(true);
    Ok(config)
}

/// Exit status of a run whose statements all succeeded.
const SUCCESS: u8 = 0;
/// Exit status when a statement failed.
const EVAL_ERROR: u8 = 1;
/// Exit status for bad usage.
const USAGE: u8 = 2;
/// Exit status after SIGINT or SIGTERM: 128 + 2, the shell's status of a command ended by
/// Ctrl-C (the handler cannot tell the two signals apart).
const INTERRUPTED: u8 = 130;

/// Runs parcalc with the given arguments (the first being the program name).
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let args = join_speedup_value(args.into_iter().map(Into::into).collect());
    let mut args = match Args::try_parse_from(args) {
        Ok(args) => args,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { USAGE } else { SUCCESS });
        }
    };
    let config = match with_config(&mut args) {
        Ok(config) => config,
        Err(error) => {
            report(format_args!("error: {error}"));
            return ExitCode::from(USAGE);
        }
    };
    let options = EvalOptions {
        grain: args.grain.unwrap_or_default(),
        policy: args.policy.unwrap_or_default(),
        delay: args.delay.unwrap_or_default(),
        limits: Limits {
            max_bits: args.max_bits,
            max_depth: args.max_depth,
        },
        ..EvalOptions::default()
    };
    let n_workers = args.workers.unwrap_or_else(engine::default_workers);
    let interactive = args.interactive
        || (args.exprs.is_empty() && args.file.is_none() && io::stdin().is_terminal());
    // In batch mode the pool starts when a statement first needs it.
    let session = if interactive {
        Session::new(n_workers, options)
    } else {
        Session::with_lazy_pool(n_workers, options)
    };
    let mut session = match session {
        Ok(mut session) => {
            session.max_input_bytes = args.max_input;
            session
        }
        Err(error) => {
            report(format_args!("error: {error}"));
            return ExitCode::from(USAGE);
        }
    };
    if interactive {
        return run_repl(&args, &config, session);
    }
    // The FILE is opened before anything runs, so a FILE that cannot be opened fails at once,
    // before the `-e` are evaluated; its statements are then read as they are evaluated.
    let input = if args.file.is_some() || args.exprs.is_empty() {
        match open_input(args.file.as_deref()) {
            Ok(reader) => Some(reader),
            Err(message) => {
                report(format_args!("error: {message}"));
                return ExitCode::from(EVAL_ERROR);
            }
        }
    } else {
        None
    };
    let out = Output::new();
    let stop = CancelFlag::default();
    on_signal(&stop, &session.options.cancel, &out);
    let mut batch = Batch {
        args: &args,
        color: Color::detect(io::stdout().is_terminal(), args.no_color),
        error_color: Color::detect(io::stderr().is_terminal(), args.no_color),
        failed: false,
        out,
        flush_every_value: io::stdout().is_terminal(),
        stop: stop.clone(),
    };
    let outcome = batch
        .run(&mut session, input)
        .and_then(|()| batch.out.flush());
    let failed = batch.failed;
    drop(batch);
    if args.count_parses {
        report(format_args!("parses: {}", session.n_parses()));
    }
    if stop.is_cancelled() {
        return ExitCode::from(INTERRUPTED);
    }
    if let Err(message) = write_trace_files(&args, &session) {
        report(format_args!("error: {message}"));
        return ExitCode::from(EVAL_ERROR);
    }
    match outcome {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
            report(format_args!("error: cannot write output: {error}"));
            ExitCode::from(EVAL_ERROR)
        }
        _ if failed => ExitCode::from(EVAL_ERROR),
        _ => ExitCode::from(SUCCESS),
    }
}

/// Writes `--trace-json`, `--trace-svg` and `--trace-html` files for the last evaluation.
fn write_trace_files(args: &Args, session: &Session) -> Result<(), String> {
    let files = args.trace_files();
    let Some((_, path)) = files.iter().next() else {
        return Ok(());
    };
    let Some(trace) = session.last_trace() else {
        return Err(format!(
            "no evaluation ran, so {} was not written",
            path.display()
        ));
    };
    match files.write(trace).into_iter().next() {
        Some(error) => Err(error.to_string()),
        None => Ok(()),
    }
}

/// How long the signal handler gives the evaluation to stop before it ends the process itself.
const SIGNAL_GRACE: Duration = Duration::from_millis(200);

/// Batch mode's answer to SIGINT and SIGTERM (and SIGHUP): nothing already computed is lost.
/// The handler raises `stop`, which the main thread reads between statements, and the session's
/// `cancel` flag, which stops a running evaluation at its next check; the main thread then
/// writes out what is buffered and exits with [`INTERRUPTED`]. One big-integer operation
/// checks no flag (a product inside `factorial(10 ^ 7)` takes seconds): if the process is still
/// there after [`SIGNAL_GRACE`], the handler writes out the buffered values itself and ends the
/// process. Without a handler (one is already set) the signals keep their default action.
fn on_signal(stop: &CancelFlag, cancel: &CancelFlag, out: &Output) {
    let (stop, cancel, out) = (stop.clone(), cancel.clone(), out.clone());
    let _ = ctrlc::set_handler(move || {
        stop.cancel();
        cancel.cancel();
        std::thread::sleep(SIGNAL_GRACE);
        // The main thread may be writing (to a pipe nobody reads, say): wait for it a while,
        // never for ever.
        let deadline = Instant::now() + SIGNAL_GRACE;
        loop {
            if let Ok(mut out) = out.0.try_lock() {
                let _ = out.flush();
                break;
            }
            if Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        std::process::exit(i32::from(INTERRUPTED));
    });
}

/// Standard output as batch mode writes it: buffered, and shared with the signal handler, which
/// writes out what is buffered when the main thread cannot (see [`on_signal`]). Each write
/// takes the lock once; nobody else holds it but for a moment.
#[derive(Clone)]
struct Output(Arc<Mutex<io::BufWriter<io::Stdout>>>);

impl Output {
    fn new() -> Output {
        Output(Arc::new(Mutex::new(io::BufWriter::with_capacity(
            OUTPUT_BUFFER,
            io::stdout(),
        ))))
    }

    fn lock(&self) -> MutexGuard<'_, io::BufWriter<io::Stdout>> {
        // A panic while writing leaves the buffer as it was: still worth writing out.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lock().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.lock().write_all(buf)
    }

    fn write_fmt(&mut self, args: std::fmt::Arguments<'_>) -> io::Result<()> {
        self.lock().write_fmt(args)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.lock().flush()
    }
}

/// The flag that would have avoided `error`, worded as a hint.
fn hint(error: &Error) -> Option<&'static str> {
    match error.kind {
        ErrorKind::Num(NumError::TooLarge { .. }) => Some("raise it with --max-bits"),
        ErrorKind::InputTooLong { .. } => Some("raise it with --max-input"),
        _ => None,
    }
}

/// Writes `message` and a newline to stderr. Unlike `eprintln!`, which panics when stderr is a
/// closed pipe (`parcalc FILE 2>&1 | head -1`), this drops the message and goes on.
fn report(message: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "{message}");
}

/// Columns available for charts: `COLUMNS` when set to a number, else the terminal's width,
/// else 80 (stdout is not a terminal).
pub fn output_width() -> usize {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|text| text.trim().parse::<usize>().ok())
        .filter(|&columns| columns > 0)
    {
        return columns;
    }
    if io::stdout().is_terminal() {
        terminal_size::terminal_size().map_or(80, |(width, _)| usize::from(width.0))
    } else {
        80
    }
}

/// The reader of a FILE, `-` or piped stdin, as a stream (stdin is read as it comes).
fn open_input(file: Option<&std::path::Path>) -> Result<Box<dyn Read>, String> {
    match file {
        None => Ok(Box::new(io::stdin())),
        Some(path) if path.as_os_str() == "-" => Ok(Box::new(io::stdin())),
        Some(path) if path.is_dir() => {
            Err(format!("{} is a directory, not a file", path.display()))
        }
        Some(path) => std::fs::File::open(path)
            .map(|file| Box::new(file) as Box<dyn Read>)
            .map_err(|error| format!("cannot read {}: {error}", path.display())),
    }
}

/// Statements evaluated as one program at most: the window in which a program is read and
/// admitted, so that memory does not grow with the input.
const PROGRAM_WINDOW: usize = 1024;
/// ...and of at most this many bytes of text (a window of long statements is cut sooner).
const PROGRAM_WINDOW_BYTES: usize = 16 << 20;

/// Integers of at least this many bits take long enough to print that what is buffered is
/// written before them.
const LONG_DIGITS_BITS: usize = 1 << 16;

/// Bytes of output kept before they are written (output is also written whenever the input
/// would block, before a statement that may take long, after every value on a terminal, before
/// an error is reported, and at the end).
const OUTPUT_BUFFER: usize = 64 << 10;

/// `--speedup N` (a value in the space form) as `--speedup=N`, when N is a number (a minus
/// sign included, so that `--speedup -1` is refused by the value parser). `--speedup` takes its
/// value only after `=`, so that in `--speedup calc.txt` the file is the FILE; this keeps the
/// space form working for numbers. The value of a `-e` is left alone, and so is everything
/// after `--`.
fn join_speedup_value(args: Vec<OsString>) -> Vec<OsString> {
    let is_number = |arg: &OsString| {
        arg.to_str().is_some_and(|text| {
            let digits = text.strip_prefix('-').unwrap_or(text);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        })
    };
    let mut joined = Vec::with_capacity(args.len());
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            joined.push(arg);
            joined.extend(args.by_ref());
            break;
        }
        if arg == "-e" || arg == "--expr" {
            joined.push(arg);
            joined.extend(args.next());
            continue;
        }
        if arg == "--speedup" {
            let mut rest = args.clone();
            if let Some(value) = rest.next().filter(is_number) {
                let mut with_value = OsString::from("--speedup=");
                with_value.push(value);
                joined.push(with_value);
                args = rest;
                continue;
            }
        }
        joined.push(arg);
    }
    joined
}

/// The flags the REPL takes over from the command line.
fn repl_flags(args: &Args) -> crate::repl::Flags {
    crate::repl::Flags {
        trace: args.trace,
        tree: args.tree,
        stats: args.stats,
        trace_files: args.trace_files(),
        speedup: args
            .speedup
            .map(|max| max.unwrap_or_else(default_speedup_workers)),
        first: args
            .file
            .iter()
            .map(|path| crate::repl::First::File(path.clone()))
            .chain(args.exprs.iter().cloned().map(crate::repl::First::Expr))
            .collect(),
        history: None,
    }
}

/// Where a statement came from, as its errors name it.
#[derive(Clone, Copy, Debug)]
enum Origin<'a> {
    /// The only `-e`, with no FILE: its errors need no name.
    OnlyExpr,
    /// The `n`-th `-e` (from 1) of several, or of one given with a FILE.
    Expr(usize),
    /// The statement starting on line `line` (from 1) of `file` (`<stdin>` for stdin).
    Line { file: &'a str, line: usize },
}

impl Origin<'_> {
    /// The prefix of an error in the statement `text` at byte `at`: `calc.txt:8: `, `-e 2: `,
    /// or nothing. In a FILE the line is the one holding the error (the one quoted).
    fn prefix(self, text: &str, at: usize) -> String {
        match self {
            Origin::OnlyExpr => String::new(),
            Origin::Expr(n) => format!("-e {n}: "),
            Origin::Line { file, line } => {
                let at = at.min(text.len());
                let newlines = text.as_bytes()[..at]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                format!("{file}:{}: ", line + newlines)
            }
        }
    }
}

/// Batch evaluation: statements in, values out.
struct Batch<'a> {
    args: &'a Args,
    color: Color,
    error_color: Color,
    failed: bool,
    /// Standard output, buffered: flushed when the input would block, before a statement that
    /// may take long (anything that goes to the pool), before anything goes to stderr (so that
    /// the two keep their order when they share a file) and at the end; shared with the signal
    /// handler.
    out: Output,
    /// Whether every value is written at once: stdout is a terminal, where someone watches.
    flush_every_value: bool,
    /// Raised by SIGINT or SIGTERM: no further statement is started.
    stop: CancelFlag,
}

/// A statement waiting in the window of a program: where it comes from, and its text with
/// what the parser made of it (or the bytes that were not UTF-8).
type Waiting<'f> = (Origin<'f>, Result<(String, Parsed), NotUtf8>);

impl Batch<'_> {
    /// Evaluates the `-e` in order, then the statements of `input` (the FILE's or stdin's), as
    /// they are read.
    fn run(&mut self, session: &mut Session, input: Option<Box<dyn Read>>) -> io::Result<()> {
        let exprs = &self.args.exprs;
        let programs = self.runs_programs();
        let mut window: Vec<Waiting<'_>> = Vec::new();
        for (index, expr) in exprs.iter().enumerate() {
            if self.stop.is_cancelled() {
                return Ok(());
            }
            let origin = if exprs.len() == 1 && input.is_none() {
                Origin::OnlyExpr
            } else {
                Origin::Expr(index + 1)
            };
            // Several statements separated by `;` are several statements.
            for (_, expr) in crate::syntax::split_statements(expr) {
                let parsed = session.parse(expr);
                let waits = if programs || !window.is_empty() {
                    Some(parsed)
                } else {
                    self.statement(session, expr, parsed, origin, true)?
                };
                if let Some(parsed) = waits {
                    window.push((origin, Ok((expr.to_string(), parsed))));
                }
            }
        }
        // The `-e` are one program, the FILE's statements the next ones.
        self.program(session, &mut window)?;
        let Some(input) = input else {
            return Ok(());
        };
        let file = match self.args.file.as_deref() {
            Some(path) if path.as_os_str() != "-" => path.display().to_string(),
            _ => "<stdin>".to_string(),
        };
        let mut reader = input::Reader::new(input);
        let mut window_bytes = 0;
        loop {
            if self.stop.is_cancelled() {
                return Ok(());
            }
            if reader.would_block()
                || window.len() >= PROGRAM_WINDOW
                || window_bytes >= PROGRAM_WINDOW_BYTES
            {
                window_bytes = 0;
                self.program(session, &mut window)?;
                self.out.flush()?;
            }
            let piece = match reader.next_statement() {
                Ok(Some(piece)) => piece,
                Ok(None) => return self.program(session, &mut window),
                Err(error) => {
                    self.program(session, &mut window)?;
                    self.failed = true;
                    let name = match self.args.file.as_deref() {
                        Some(path) if path.as_os_str() != "-" => path.display().to_string(),
                        _ => "stdin".to_string(),
                    };
                    self.report(format_args!("error: cannot read {name}: {error}"))?;
                    return Ok(());
                }
            };
            let n_lines = piece.n_lines;
            let mut statements = Self::parse_piece(session, &file, piece);
            if n_lines > 1 && !Self::read_whole(&statements) {
                // A statement over several lines that does not parse: its first line is
                // reported alone, and the lines after it are read again.
                if let Some(first) = reader.split_first_line() {
                    statements = Self::parse_piece(session, &file, first);
                }
            }
            for (origin, statement) in statements {
                // A statement too large for the calling thread starts a program: it and the
                // statements after it, up to the end of the window, are one dataflow graph.
                match statement {
                    Ok((text, parsed)) if programs || !window.is_empty() => {
                        window_bytes += text.len();
                        window.push((origin, Ok((text, parsed))));
                    }
                    Ok((text, parsed)) => {
                        if let Some(parsed) =
                            self.statement(session, &text, parsed, origin, true)?
                        {
                            window_bytes += text.len();
                            window.push((origin, Ok((text, parsed))));
                        }
                    }
                    Err(not_utf8) if programs || !window.is_empty() => {
                        window.push((origin, Err(not_utf8)));
                    }
                    Err(not_utf8) => {
                        self.report_error(&not_utf8.error, &not_utf8.text, origin)?;
                    }
                }
            }
        }
    }

    /// Whether statements run as programs, each window of them one dataflow graph whose
    /// schedule `--trace` draws once: when a delay or `--trace` makes the schedule the point,
    /// and no flag shows something per statement.
    fn runs_programs(&self) -> bool {
        let args = self.args;
        (args.delay.is_some_and(|delay| !delay.is_zero()) || args.trace)
            && !args.tree
            && !args.stats
            && args.python.is_none()
            && args.speedup.is_none()
    }

    /// Evaluates the statements of `window` as one program, prints their values and errors in
    /// order (and, with `--trace`, the program's schedule), and empties the window.
    fn program(&mut self, session: &mut Session, window: &mut Vec<Waiting<'_>>) -> io::Result<()> {
        if window.is_empty() {
            return Ok(());
        }
        if window.len() == 1 && !self.runs_programs() {
            // A lone large statement: the dataflow evaluator, as without programs.
            match window.pop() {
                Some((origin, Ok((text, parsed)))) => {
                    self.statement(session, &text, parsed, origin, false)?;
                }
                Some((origin, Err(not_utf8))) => {
                    self.report_error(&not_utf8.error, &not_utf8.text, origin)?;
                }
                None => {}
            }
            return Ok(());
        }
        if self.stop.is_cancelled() {
            window.clear();
            return Ok(());
        }
        let mut parsed = Vec::with_capacity(window.len());
        let statements: Vec<(Origin<'_>, Result<String, NotUtf8>)> = window
            .drain(..)
            .map(|(origin, statement)| {
                let text = statement.map(|(text, statement)| {
                    parsed.push(statement);
                    text
                });
                (origin, text)
            })
            .collect();
        let texts: Vec<&str> = statements
            .iter()
            .filter_map(|(_, text)| text.as_deref().ok())
            .collect();
        let evaluations_before = session.n_evaluations();
        // The program runs on the pool and may take long: what is done is written first.
        self.out.flush()?;
        let mut results = session.eval_parsed_program(&texts, parsed).into_iter();
        for (origin, text) in statements {
            let text = match text {
                Ok(text) => text,
                Err(not_utf8) => {
                    self.report_error(&not_utf8.error, &not_utf8.text, origin)?;
                    continue;
                }
            };
            match results.next() {
                Some(Ok(Some(outcome))) => match outcome.assigned.as_deref() {
                    None => self.value(session, &outcome.value)?,
                    Some(name) => self.note(name)?,
                },
                Some(Err(error)) => self.report_error(&error, &text, origin)?,
                _ => {}
            }
        }
        if self.args.trace
            && session.n_evaluations() != evaluations_before
            && let Some(trace) = session.last_trace()
        {
            let chart = crate::render::schedule(trace, output_width(), self.color);
            writeln!(self.out, "{chart}")?;
        }
        Ok(())
    }

    /// The statements of `piece` (several when `;` separates them, each from the line it
    /// starts on), each parsed.
    fn parse_piece<'f>(
        session: &mut Session,
        file: &'f str,
        piece: input::ReadStatement,
    ) -> Vec<Waiting<'f>> {
        let origin = |line| Origin::Line { file, line };
        match piece.text {
            Ok(text) if text.contains(';') => crate::syntax::split_statements(&text)
                .into_iter()
                .map(|(offset, statement)| {
                    let line = piece.line_no + text[..offset].matches('\n').count();
                    let parsed = session.parse(statement);
                    (origin(line), Ok((statement.to_string(), parsed)))
                })
                .collect(),
            Ok(text) => {
                let parsed = session.parse(&text);
                vec![(origin(piece.line_no), Ok((text, parsed)))]
            }
            Err(not_utf8) => vec![(origin(piece.line_no), Err(not_utf8))],
        }
    }

    /// Whether a statement over several lines was rightly read whole: it parses, or its error
    /// is one its later lines could have mended (a wrong number of arguments), which is then
    /// the whole statement's.
    fn read_whole(statements: &[Waiting<'_>]) -> bool {
        statements.iter().all(|(_, statement)| match statement {
            Ok((_, parsed)) => parsed
                .error()
                .is_none_or(|error| crate::syntax::continuation::lines_may_mend(&error.kind)),
            Err(_) => false,
        })
    }

    /// Writes `message` and a newline to stderr, after what stdout holds.
    fn report(&mut self, message: std::fmt::Arguments<'_>) -> io::Result<()> {
        self.out.flush()?;
        report(message);
        Ok(())
    }

    /// `--python`: the program computing the expression `text`, or its error.
    fn python(
        &mut self,
        session: &Session,
        text: &str,
        parsed: &Parsed,
        origin: Origin<'_>,
    ) -> io::Result<()> {
        if parsed.error().is_none() && parsed.statement().is_none() {
            return Ok(());
        }
        let form = self.args.python.unwrap_or_default();
        match session.python_program_parsed(text, parsed, form) {
            Ok(program) => self.out.write_all(program.as_bytes()),
            Err(error) => self.report_error(&error, text, origin),
        }
    }

    /// After assigning a name another calculator takes for a setting (`scale = 20`), the note
    /// on stderr saying what to do here instead.
    fn note(&mut self, name: &str) -> io::Result<()> {
        match crate::render::habits::note(name) {
            Some(note) => self.report(format_args!("{note}")),
            None => Ok(()),
        }
    }

    /// Reports the error of the statement `text`, named by its origin; the run will exit 1.
    fn report_error(&mut self, error: &Error, text: &str, origin: Origin<'_>) -> io::Result<()> {
        self.failed = true;
        let message =
            diagnostic::render_error_with_hint(error, text, hint(error), self.error_color);
        self.report(format_args!(
            "{}{message}",
            origin.prefix(text, error.span.start as usize)
        ))
    }

    /// `--speedup`: an expression's value, then the table of its runs on 1 to `max_workers`
    /// workers; an assignment runs once, as without `--speedup`, and prints nothing.
    fn speedup(
        &mut self,
        session: &mut Session,
        text: &str,
        parsed: Parsed,
        origin: Origin<'_>,
        max_workers: usize,
    ) -> io::Result<()> {
        match session.speedup_statement(text, parsed, max_workers) {
            Ok(None | Some(SpeedupOutcome::Assigned(_))) => Ok(()),
            Ok(Some(SpeedupOutcome::Timed { value, traces })) => {
                let rows: Vec<SpeedupRow> = traces.iter().map(SpeedupRow::from_trace).collect();
                self.value(session, &value)?;
                write!(
                    self.out,
                    "{}",
                    crate::render::speedup(&rows, output_width(), self.color)
                )
            }
            Err(error) => self.report_error(&error, text, origin),
        }
    }

    /// Evaluates one statement, printing its value or its error. With `may_defer`, a statement
    /// too large for the calling thread is left to the caller, which evaluates it in a program
    /// with the statements after it: `false` then, and nothing is printed.
    fn statement(
        &mut self,
        session: &mut Session,
        text: &str,
        parsed: Parsed,
        origin: Origin<'_>,
        may_defer: bool,
    ) -> io::Result<Option<Parsed>> {
        if self.args.tree
            && let Some(statement) = parsed.statement()
        {
            let tree = crate::render::tree(&statement.expr, text, output_width(), self.color);
            write!(self.out, "{tree}")?;
        }
        if let Some(max_workers) = self.args.speedup {
            let max_workers = max_workers.unwrap_or_else(default_speedup_workers);
            self.out.flush()?;
            return self
                .speedup(session, text, parsed, origin, max_workers)
                .map(|()| None);
        }
        if self.args.python.is_some() && !parsed.is_assignment() {
            return self.python(session, text, &parsed, origin).map(|()| None);
        }
        let evaluations_before = session.n_evaluations();
        let small = if self.shows_evaluations() {
            Small::Large(Box::new(parsed))
        } else {
            session.eval_small(text, parsed)
        };
        let result = match small {
            Small::Done(result) => result,
            // Under `--python` every statement is handled on its own, assignments included, so
            // that the expressions after them are written, not evaluated in a program.
            Small::Large(parsed)
                if may_defer
                    && !self.shows_evaluations()
                    && !self.args.tree
                    && self.args.python.is_none() =>
            {
                return Ok(Some(*parsed));
            }
            Small::Large(parsed) => {
                // On the pool, and maybe long: what is done is written first.
                self.out.flush()?;
                session.eval_parsed(text, *parsed)
            }
        };
        match result {
            Ok(None) => {}
            Ok(Some(outcome)) => {
                match outcome.assigned.as_deref() {
                    None => self.value(session, &outcome.value)?,
                    Some(name) => self.note(name)?,
                }
                if self.args.trace
                    && let Some(trace) = session.last_trace()
                {
                    let chart = crate::render::schedule(trace, output_width(), self.color);
                    writeln!(self.out, "{chart}")?;
                }
                if self.args.stats {
                    self.report(format_args!("{}", outcome.stats))?;
                }
            }
            Err(error) => {
                self.report_error(&error, text, origin)?;
                // The schedule of a failed evaluation says which task failed and which never ran.
                if self.args.trace
                    && session.n_evaluations() != evaluations_before
                    && let Some(trace) = session.last_trace()
                {
                    let chart = crate::render::schedule(trace, output_width(), self.color);
                    writeln!(self.out, "{chart}")?;
                }
            }
        }
        Ok(None)
    }

    /// Writes a value: at once on a terminal, and after what is buffered when its digits take
    /// long to compute (an integer of 64 Kbit or more, whose digits the session computes on the
    /// pool).
    fn value(&mut self, session: &Session, value: &crate::num::Value) -> io::Result<()> {
        let long_digits = match value {
            crate::num::Value::Int(int) => {
                dashu_int::ops::BitTest::bit_len(int) >= LONG_DIGITS_BITS
            }
            _ => false,
        };
        if long_digits {
            self.out.flush()?;
        }
        let digits = session.format_value(value);
        writeln!(self.out, "{digits}")?;
        if self.flush_every_value {
            self.out.flush()?;
        }
        Ok(())
    }

    /// Whether something is shown or written after each evaluation (its trace, its figures),
    /// so that every statement must run on the pool and leave a trace.
    fn shows_evaluations(&self) -> bool {
        let args = self.args;
        args.trace || args.stats || !args.trace_files().is_empty()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[track_caller]
    fn check_join(args: &[&str], expected: &[&str]) {
        let joined = join_speedup_value(args.iter().map(OsString::from).collect());
        assert_eq!(
            joined,
            expected.iter().map(OsString::from).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_speedup_number_in_the_space_form_is_its_value() {
        check_join(&["parcalc", "--speedup", "3"], &["parcalc", "--speedup=3"]);
        check_join(
            &["parcalc", "--speedup", "-1"],
            &["parcalc", "--speedup=-1"],
        );
        check_join(
            &["parcalc", "--speedup", "calc.txt"],
            &["parcalc", "--speedup", "calc.txt"],
        );
        check_join(
            &["parcalc", "-e", "--speedup", "3"],
            &["parcalc", "-e", "--speedup", "3"],
        );
        check_join(
            &["parcalc", "--", "--speedup", "3"],
            &["parcalc", "--", "--speedup", "3"],
        );
        check_join(&["parcalc", "--speedup"], &["parcalc", "--speedup"]);
    }

    #[test]
    fn errors_name_their_origin_and_line() {
        let file = Origin::Line {
            file: "calc.txt",
            line: 7,
        };
        assert_eq!(file.prefix("1 / 0", 2), "calc.txt:7: ");
        assert_eq!(file.prefix("(1 +\n 2 / 0)", 8), "calc.txt:8: ");
        assert_eq!(Origin::Expr(2).prefix("1 / 0", 2), "-e 2: ");
        assert_eq!(Origin::OnlyExpr.prefix("1 / 0", 2), "");
    }
}
