//! Fuzz target: any bytes, as one or several statements, through parse and evaluation on a
//! small pool. Every input must give values or errors, never a panic, a hang or a crash.

#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use parcalc::engine::EvalOptions;
use parcalc::num::Limits;
use parcalc::session::Session;

/// One session for the whole run: variables carry over between inputs, as in a long REPL.
fn session() -> &'static Mutex<Session> {
    static SESSION: OnceLock<Mutex<Session>> = OnceLock::new();
    SESSION.get_or_init(|| {
        let options = EvalOptions {
            // Small results keep every input fast; the limit itself is what is exercised.
            limits: Limits { max_bits: 1 << 16 },
            ..EvalOptions::default()
        };
        Mutex::new(Session::new(2, options).expect("a 2-worker pool"))
    })
}

fuzz_target!(|data: &[u8]| {
    let mut session = session().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for piece in parcalc::input::statements(data) {
        if let Ok(text) = piece.text {
            let _ = session.eval_line(text);
        }
    }
});
