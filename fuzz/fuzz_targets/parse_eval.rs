//! Fuzz target: any bytes, as one or several statements, through the reader of files and
//! stdin (the continuation rule, line by line), parse, evaluation on a small pool and every
//! renderer a user sees: the error with its caret; the tree of a statement that parses and its
//! Python program in each form; and, for a small evaluation, the schedule, the SVG, the HTML
//! page and the Chrome trace. Every input must give values or errors, never a panic, a hang or
//! a crash. A statement still running after [`DEADLINE`] (a reduction over `range(10^12)`) is
//! cancelled, as Ctrl-C would: it must then stop, with the cancellation as its error.
//!
//! libFuzzer's panic hook aborts before unwinding, so a panic is reported as a crash even though
//! `Session::eval_line` would catch it and turn it into an internal error.
//!
//! Run from `fuzz/` (a stable toolchain needs `RUSTC_BOOTSTRAP=1` for the
//! sanitizer flags): `cargo fuzz run -a parse_eval -- -dict=parse_eval.dict -timeout=10
//! -rss_limit_mb=2048 -max_total_time=600`.

#![no_main]

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use parcalc::engine::{CancelFlag, EvalOptions};
use parcalc::error::ErrorKind;
use parcalc::num::Limits;
use parcalc::render::{self, Color, PythonForm, diagnostic};
use parcalc::session::Session;

/// Largest trace whose schedule is drawn (drawing is linear, but keeps the run fast).
const MAX_DRAWN_TASKS: usize = 64;

/// How long a statement may run before it is cancelled.
const DEADLINE: Duration = Duration::from_secs(1);

/// One session for the whole run: variables carry over between inputs, as in a long REPL.
fn session() -> &'static Mutex<Session> {
    static SESSION: OnceLock<Mutex<Session>> = OnceLock::new();
    SESSION.get_or_init(|| {
        let options = EvalOptions {
            // Small results keep every input fast; the limit itself is what is exercised.
            limits: Limits {
                max_bits: 1 << 16,
                max_depth: 1000,
            },
            ..EvalOptions::default()
        };
        // A 2-worker pool is a few threads: if it cannot start, nothing can be fuzzed.
        Mutex::new(Session::new(2, options).expect("a 2-worker pool"))
    })
}

fuzz_target!(|data: &[u8]| {
    let mut session = session()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // The reader of files and stdin cuts the same statements, line by line, by the
    // continuation rule (a `(` left open goes on, unless no later line can mend the error).
    let mut reader = parcalc::input::Reader::new(data);
    let mut n_read = 0;
    while let Ok(Some(_)) = reader.next_statement() {
        n_read += 1;
        assert!(n_read <= data.len() + 1, "the reader does not advance");
    }
    for piece in parcalc::input::statements(data) {
        let Ok(text) = piece.text else { continue };
        if let Ok(Some(statement)) = parcalc::syntax::parse_statement(text) {
            let _ = render::tree(&statement.expr, text, 40, Color::Never);
            for form in PythonForm::ALL {
                // An unknown name is an error, which is fine; anything else must give a program.
                let _ = session.python_program(text, form);
            }
        }
        let cancel = session.options.cancel.clone();
        let evaluated = with_deadline(&cancel, || session.eval_line(text));
        match evaluated {
            Ok(Some(_)) => {
                if let Some(trace) = session.last_trace()
                    && trace.tasks.len() <= MAX_DRAWN_TASKS
                {
                    let _ = render::schedule(trace, 80, Color::Never);
                    let _ = render::schedule(trace, 40, Color::Never);
                    let _ = render::svg(trace);
                    let _ = render::html(trace);
                    let _ = render::chrome_json(trace);
                }
            }
            Ok(None) => {}
            Err(error) => {
                assert!(
                    !matches!(error.kind, ErrorKind::Internal(_)),
                    "internal error: {error}"
                );
                let rendered = diagnostic::render_error(&error, text, Color::Never);
                assert!(rendered.lines().count() <= 3, "{rendered}");
                for line in rendered.lines().skip(1) {
                    assert!(line.chars().count() <= diagnostic::WINDOW + 4, "{rendered}");
                }
            }
        }
    }
});

/// Runs `evaluate`, setting `cancel` if it has not returned after [`DEADLINE`]: one watchdog
/// thread for the whole run looks at the statement running every few milliseconds.
fn with_deadline<T>(cancel: &CancelFlag, evaluate: impl FnOnce() -> T) -> T {
    static RUNNING: Mutex<Option<(Instant, CancelFlag)>> = Mutex::new(None);
    static WATCHDOG: OnceLock<()> = OnceLock::new();
    let running = || {
        RUNNING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    WATCHDOG.get_or_init(|| {
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(20));
                let mut running = running();
                if let Some((started, cancel)) = running.as_ref()
                    && started.elapsed() >= DEADLINE
                {
                    cancel.cancel();
                    *running = None;
                }
            }
        });
    });
    *running() = Some((Instant::now(), cancel.clone()));
    let value = evaluate();
    *running() = None;
    value
}
