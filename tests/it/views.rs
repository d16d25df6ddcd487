//! The schedule views at the REPL, in a pseudo-terminal: the live chart never lies about time
//! and leaves no stale frame, carets stay under the token they name, `:trace` shows the user's
//! own evaluation, and `:speedup` is honest at the ceiling and says what it is doing.

use expectrl::{ControlCode, Expect};

use crate::repl::Repl;

/// The lines of `screen` (split at `\r\n`), without the ones that are only whitespace.
fn lines(screen: &str) -> Vec<&str> {
    screen
        .split("\r\n")
        .filter(|line| !line.trim().is_empty())
        .collect()
}

/// Checks that the last two lines of `screen` are a quoted source line and a caret line whose
/// carets stand under `token`; returns the quoted line.
#[track_caller]
fn check_caret_under<'a>(screen: &'a str, token: &str) -> &'a str {
    let lines = lines(screen);
    let [.., quoted, carets] = lines.as_slice() else {
        panic!("no caret in {screen:?}");
    };
    let column = carets
        .find('^')
        .unwrap_or_else(|| panic!("no caret in {screen:?}"));
    let n_carets = carets.matches('^').count();
    assert!(carets[..column].chars().all(|c| c == ' '), "{screen:?}");
    let under: String = quoted.chars().skip(column).take(n_carets).collect();
    assert_eq!(under, token, "carets not under {token:?} in {screen:?}");
    quoted
}

/// `:delay 1s`, then `1+2` ⏎ and `3+4` ⏎ typed while the first runs: the line typed ahead is
/// not echoed into the live chart (which would leave a frame behind for good); it waits for
/// the next prompt, where it is shown and run.
#[test]
fn a_line_typed_ahead_leaves_no_stale_frame() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check(":delay 1s", "delay 1.00 s per operator");
    repl.line("1+2");
    repl.expect("tasks done · Ctrl-C cancels");
    repl.line("3+4");
    let first = repl.expect("\n3\r\n");
    assert!(
        !first.contains("3+4"),
        "typed-ahead echoed in the frame: {first:?}"
    );
    // Every frame is erased by moving up exactly as many lines as it drew.
    check_frames_erased(&first);
    let prompt = repl.expect("» ");
    assert!(!prompt.contains("running"), "{prompt:?}");
    repl.expect("3+4");
    let second = repl.expect("\n7\r\n");
    check_frames_erased(&second);
}

/// Each frame of the live chart in `screen` is followed by an erase of exactly its lines.
#[track_caller]
fn check_frames_erased(screen: &str) {
    let mut frames = screen.split("\r\x1b[");
    frames.next();
    let mut drawn: Option<usize> = None;
    for frame in frames {
        let Some((count, rest)) = frame.split_once("A\x1b[J") else {
            continue;
        };
        let count: usize = count.parse().unwrap();
        if let Some(drawn) = drawn {
            assert_eq!(count, drawn, "erased {count} lines of a frame of {drawn}");
        }
        drawn = Some(rest.matches('\n').count());
    }
}

/// What happens to a line typed ahead when Ctrl-C cancels the evaluation: it is kept, shown
/// after the prompt, and run. No raw `^C` is echoed.
#[test]
fn a_line_typed_ahead_of_a_cancelled_evaluation_is_kept() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check(":delay 1s", "delay 1.00 s per operator");
    repl.line("(1 + 2) * (3 + 4)");
    repl.expect("tasks done · Ctrl-C cancels");
    repl.line("3+4");
    repl.session.send(ControlCode::EndOfText).unwrap();
    let cancelled = repl.expect("cancelled\r\n");
    assert!(!cancelled.contains("^C"), "{cancelled:?}");
    repl.expect("» ");
    repl.expect("3+4");
    repl.expect("\n7\r\n");
}

/// The clock runs while a big value is converted to digits.
#[test]
fn the_live_chart_counts_while_a_value_is_printed() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line("factorial(1000000)");
    repl.expect("printing ~5,565,70");
    repl.expect(" digits… · ");
    repl.expect("(5,565,709 digits)\r\n");
}

/// `:delay 400ms`, then a runtime error after a live chart: the source line is reprinted under
/// the chart, and the caret goes under `/`.
#[test]
fn after_a_live_chart_the_caret_is_under_its_reprinted_line() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check(":delay 400ms", "delay 400 ms per operator");
    repl.line("(1 + 2) * (3 / 0) + (4 * 5)");
    repl.expect("tasks done · Ctrl-C cancels");
    let screen = repl.expect("error: division by zero");
    let quoted = check_caret_under(&screen, "/");
    assert_eq!(quoted, "  (1 + 2) * (3 / 0) + (4 * 5)");
}

/// A line wider than the terminal wraps: its error quotes it windowed to the width, the caret
/// under the name it is about.
#[test]
fn in_a_narrow_terminal_the_caret_is_under_a_windowed_line() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.resize(40, 24);
    repl.check("1 + 1", "2");
    let line = "1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + nope + 11 + 12 + 13 + 14 + 15";
    repl.line(line);
    let screen = repl.expect("error: name 'nope' is not defined");
    let quoted = check_caret_under(&screen, "nope");
    assert!(quoted.chars().count() < 40, "{quoted:?}");
    assert!(quoted.contains('…'), "{quoted:?}");
    // The same line in a wide terminal: the caret alone, under the line typed.
    repl.resize(120, 24);
    repl.check("1 + 1", "2");
    repl.line(line);
    let screen = repl.expect("error: name 'nope' is not defined");
    let lines = lines(&screen);
    let carets = lines.last().unwrap();
    assert_eq!(carets.trim(), "^^^^", "{screen:?}");
    assert_eq!(carets.find('^'), Some(2 + line.find("nope").unwrap()));
}

/// `:trace` after `:speedup` shows the user's last evaluation, not one of the speedup's runs,
/// and does not claim the settings changed.
#[test]
fn trace_after_speedup_shows_the_last_evaluation() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check("100 + 23", "123");
    repl.line(":speedup (3 + 7) * (2 + 8) 3");
    repl.expect("(no delay set");
    repl.expect("» ");
    repl.line(":trace");
    let view = repl.expect("busy ");
    assert!(view.contains("schedule on 2 workers"), "{view:?}");
    assert!(view.contains("100 + 23"), "{view:?}");
    assert!(!view.contains("(3 + 7)"), "{view:?}");
    assert!(!view.contains("changed"), "{view:?}");
}

/// `:speedup` of the course example with a delay: the perfect speedup is the ceiling, never
/// marked as noise, in ten runs; a progress line while it runs.
#[test]
fn speedup_at_the_ceiling_is_never_marked_as_noise() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check(":delay 100ms", "delay 100 ms per operator");
    let mut judged = 0;
    for run in 0..10 {
        repl.line(":speedup (3 + 7) * (2 + 8) * ((2 * 3) - 1) 4");
        if run == 0 {
            repl.expect("running on 1 of 4 workers…");
        }
        let table = repl.expect("(delay 100 ms per operator)");
        let table = &table[table.find("workers ").unwrap_or(0)..];
        repl.expect("» ");
        // Only the mark is checked: how close each run comes to the ceiling depends on how
        // busy the machine is. A run whose one worker took more than 10% over the work W
        // (`max(W/P,S)` on one worker) was slowed by the machine, and its speedups above the
        // ceiling are rightly marked as noise: those runs are not judged.
        let one_worker: Vec<f64> = table
            .lines()
            .find(|line| line.trim_start().starts_with("1 "))
            .map(|line| {
                line.split_whitespace()
                    .filter_map(|word| word.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        // The numbers of the row: 1, the wall, 1.00, the optimum, W (in ms), …
        let (wall, work) = (one_worker[1], one_worker[4]);
        if wall > work * 1.10 {
            continue;
        }
        judged += 1;
        assert!(!table.contains('?'), "run {run}: {table}");
    }
    assert!(judged > 0, "every run was slowed by the machine");
}

/// `:speedup` of an expression with no operator has nothing to schedule.
#[test]
fn speedup_of_a_number_has_nothing_to_schedule() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line(":speedup 42");
    repl.expect("nothing to schedule");
    let after = repl.expect("» ");
    assert!(!after.contains("delay"), "{after:?}");
}

/// An error with no position draws no caret, in the REPL as in batch mode.
#[test]
fn an_error_with_no_position_draws_no_caret_in_the_repl() {
    let mut repl = Repl::start(&["--workers", "2", "--max-input", "3"]);
    repl.line("1+2+3");
    let screen = repl.expect("error: input of 5 bytes is over the limit of 3 bytes");
    let after_input = &screen[screen.find("1+2+3").unwrap_or(0)..];
    assert!(!after_input.contains('^'), "{screen:?}");
}
