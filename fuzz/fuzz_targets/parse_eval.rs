//! Fuzz target: any bytes, as one or several statements, through parse, evaluation on a small
//! pool and every renderer a user sees: the error with its caret; the tree of a statement that
//! parses and its Python program in each form; and, for a small evaluation, the schedule, the
//! SVG, the HTML page and the Chrome trace. Every input must give values or errors, never a
//! panic, a hang or a crash.
//!
//! libFuzzer's panic hook aborts before unwinding, so a panic is reported as a crash even though
//! `Session::eval_line` would catch it and turn it into an internal error.
//!
//! Run from `fuzz/` (a stable toolchain needs `RUSTC_BOOTSTRAP=1` for the
//! sanitizer flags): `cargo fuzz run -a parse_eval -- -dict=parse_eval.dict -timeout=10
//! -rss_limit_mb=2048 -max_total_time=600`.

#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use parcalc::engine::EvalOptions;
use parcalc::error::ErrorKind;
use parcalc::num::Limits;
use parcalc::render::{self, Color, PythonForm, diagnostic};
use parcalc::session::Session;

/// Largest trace whose schedule is drawn (drawing is linear, but keeps the run fast).
const MAX_DRAWN_TASKS: usize = 64;

/// One session for the whole run: variables carry over between inputs, as in a long REPL.
fn session() -> &'static Mutex<Session> {
    static SESSION: OnceLock<Mutex<Session>> = OnceLock::new();
    SESSION.get_or_init(|| {
        let options = EvalOptions {
            // Small results keep every input fast; the limit itself is what is exercised.
            limits: Limits { max_bits: 1 << 16 },
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
    for piece in parcalc::input::statements(data) {
        let Ok(text) = piece.text else { continue };
        if let Ok(Some(statement)) = parcalc::syntax::parse_statement(text) {
            let _ = render::tree(&statement.expr, text, 40, Color::Never);
            for form in PythonForm::ALL {
                // An unknown name is an error, which is fine; anything else must give a program.
                let _ = session.python_program(text, form);
            }
        }
        match session.eval_line(text) {
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
