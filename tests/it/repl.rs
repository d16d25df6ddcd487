//! The REPL in a pseudo-terminal, typed as a new user would.
//!
//! Each test starts the real binary with `HOME`, `XDG_STATE_HOME` and the working folder in a
//! fresh temporary folder (so the history file and any file written are the test's own) and
//! `NO_COLOR=1`, so the screen holds plain text. Timeouts are generous: the machine is shared,
//! and nothing here measures speed.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{ControlCode, Expect, Session};

/// How long any one expectation may wait.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A running REPL and the temporary folder holding its history.
pub(crate) struct Repl {
    pub(crate) session: OsSession,
    home: PathBuf,
}

impl Repl {
    /// Starts `parcalc` with the given extra arguments and waits for its first prompt.
    #[track_caller]
    pub(crate) fn start(args: &[&str]) -> Repl {
        Repl::start_with(args, &[("NO_COLOR", "1")])
    }

    /// [`Repl::start`] with these environment variables instead of `NO_COLOR=1`.
    #[track_caller]
    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Repl {
        Repl::start_with_history(args, env, None)
    }

    /// [`Repl::start_with`], with a history file holding `history` before the REPL starts.
    #[track_caller]
    fn start_with_history(args: &[&str], env: &[(&str, &str)], history: Option<&[u8]>) -> Repl {
        let files: Vec<(&str, &[u8])> = history
            .map(|history| ("state/parcalc/history", history))
            .into_iter()
            .collect();
        Repl::start_with_files(args, env, &files)
    }

    /// [`Repl::start_with`], with `files` (paths relative to the fresh home folder, such as
    /// `.config/parcalc/config.toml`) written before the REPL starts.
    #[track_caller]
    pub(crate) fn start_with_files(
        args: &[&str],
        env: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> Repl {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let home = std::env::temp_dir().join(format!(
            "parcalc-repl-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        for (path, bytes) in files {
            let path = home.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_parcalc"));
        command
            .args(args)
            .current_dir(&home)
            .env("HOME", &home)
            .env("XDG_STATE_HOME", home.join("state"))
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color");
        for (key, value) in env {
            command.env(key, value);
        }
        let session = spawn(command);
        let mut repl = Repl { session, home };
        repl.expect(":help");
        repl.expect("» ");
        repl
    }

    /// Waits for `text`; returns what the screen showed before it.
    #[track_caller]
    pub(crate) fn expect(&mut self, text: &str) -> String {
        match self.session.expect(text) {
            Ok(captures) => String::from_utf8_lossy(captures.before()).into_owned(),
            Err(error) => panic!("expected {text:?}: {error}"),
        }
    }

    /// Presses Ctrl-C until `text` appears, as the evaluation reports its cancellation: nothing
    /// on the screen shows the moment an evaluation begins, and a press that comes before it
    /// reaches the line editor as a keystroke (where it clears an empty line).
    #[track_caller]
    pub(crate) fn interrupt_until(&mut self, text: &str) {
        self.session
            .set_expect_timeout(Some(Duration::from_millis(200)));
        let seen = (0..100).any(|_| {
            self.session.send(ControlCode::EndOfText).unwrap();
            self.session.expect(text).is_ok()
        });
        self.session.set_expect_timeout(Some(TIMEOUT));
        assert!(seen, "Ctrl-C did not bring {text:?}");
    }

    /// Resizes the terminal to `cols` × `rows`; the REPL reads its width at every line.
    #[track_caller]
    pub(crate) fn resize(&mut self, cols: u16, rows: u16) {
        self.session
            .get_process_mut()
            .set_window_size(cols, rows)
            .unwrap();
    }

    /// Waits for the process to end; its status.
    #[track_caller]
    fn exit_status(self) -> WaitStatus {
        self.session.get_process().wait().unwrap()
    }

    /// Types a line and presses Enter.
    #[track_caller]
    pub(crate) fn line(&mut self, text: &str) {
        self.session.send_line(text).unwrap();
    }

    /// Pastes `lines` (a bracketed paste, as a terminal sends one) and presses Enter.
    #[track_caller]
    pub(crate) fn paste(&mut self, lines: &[&str]) {
        let text = lines.join("\r");
        self.session
            .send(format!("\x1b[200~{text}\x1b[201~"))
            .unwrap();
        self.line("");
    }

    /// Types a line and waits for `output` on a line of its own, then for the next prompt.
    #[track_caller]
    pub(crate) fn check(&mut self, input: &str, output: &str) {
        self.line(input);
        self.expect(&format!("\n{output}\r\n"));
        self.expect("» ");
    }

    /// Presses Ctrl-D; returns the exit status and the history file's text.
    #[track_caller]
    pub(crate) fn quit(mut self) -> (WaitStatus, String) {
        self.session.send(ControlCode::EndOfTransmission).unwrap();
        let status = self.session.get_process().wait().unwrap();
        let history = std::fs::read_to_string(self.home.join("state/parcalc/history"))
            .unwrap_or_else(|error| format!("no history: {error}"));
        (status, history)
    }
}

impl Drop for Repl {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// `command` on a terminal of its own, waiting at most [`TIMEOUT`] for what is expected.
#[track_caller]
fn spawn(command: Command) -> OsSession {
    let mut session = Session::spawn(command).unwrap();
    session.set_expect_timeout(Some(TIMEOUT));
    session
}

#[test]
fn course_expression() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check("(3 + 7) * (2 + 8) * ((2 * 3) - 1)", "500");
}

#[test]
fn workers_are_shown_and_set() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check(":workers", "2 workers");
    repl.check(":workers 4", "4 workers");
    repl.check(":workers", "4 workers");
}

#[test]
fn trace_shows_the_schedule() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check(":workers 4", "4 workers");
    repl.check(":delay 100ms", "delay 100 ms per operator");
    repl.check("(3 + 7) * (2 + 8) * ((2 * 3) - 1)", "500");
    repl.line(":trace");
    for lane in ["worker 0", "worker 1", "worker 2", "span S"] {
        repl.expect(lane);
    }
}

#[test]
fn tab_completes_a_command() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.session.send(":wor\t").unwrap();
    repl.expect(":workers");
    repl.check("3", "3 workers");
}

#[test]
fn semicolons_separate_statements() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check("x = 5; x * 2", "10");
    repl.check("x > 3 and x < 10; not x", "False");
}

#[test]
fn open_parentheses_continue_the_statement() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line("(1 + 2");
    repl.expect("… ");
    repl.check(") * 5", "15");
    repl.line("(1 + 2");
    repl.expect("… ");
    repl.check("* 5)", "11");
    // A statement typed on several lines is one line of the history.
    let (_, history) = repl.quit();
    assert!(history.contains("(1 + 2 ) * 5\n"), "{history}");
}

#[test]
fn caret_under_the_error() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line("1 +* 2");
    // The prompt is two columns wide, and `*` is the line's fourth character.
    repl.expect("\n     ^");
    repl.expect("error: ");
    repl.check("20 + 22", "42");
}

#[test]
fn misspelt_command_gets_a_suggestion() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line(":wokers");
    repl.expect("unknown command ':wokers', did you mean ':workers'?");
    repl.check(":workers", "2 workers");
}

#[test]
fn ctrl_c_cancels_a_running_evaluation() {
    let mut repl = Repl::start(&["--workers", "1"]);
    repl.check(":delay 10s", "delay 10.0 s per operator");
    repl.line("1 + 2 + 3 + 4");
    // The evaluation would take 30 s.
    repl.interrupt_until("cancelled");
    repl.expect("» ");
    repl.check(":delay 0", "no delay");
    repl.check("20 + 22", "42");
}

#[test]
fn ctrl_c_cancels_a_long_reduction() {
    let mut repl = Repl::start(&["--workers", "2"]);
    // About an hour of work without a delay: only Ctrl-C ends it (pressed until it has).
    repl.line("sum(k for k in range(10^12))");
    repl.session
        .set_expect_timeout(Some(Duration::from_millis(200)));
    let cancelled = (0..100).any(|_| {
        repl.session.send(ControlCode::EndOfText).unwrap();
        repl.session.expect("cancelled").is_ok()
    });
    repl.session.set_expect_timeout(Some(TIMEOUT));
    assert!(cancelled, "Ctrl-C did not cancel the reduction");
    repl.expect("» ");
    repl.check("sum(k * k for k in range(8))", "140");
}

#[test]
fn ctrl_c_while_editing_clears_the_line() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.session.send("1 + 99999").unwrap();
    // The preview of the whole line: every key has been read.
    repl.expect("= 100000");
    repl.session.send(ControlCode::EndOfText).unwrap();
    repl.expect("\n");
    repl.expect("» ");
    repl.check("20 + 22", "42");
}

#[test]
fn ctrl_d_quits_and_the_history_holds_the_lines() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check("x = 20", "x = 20");
    repl.check("x + 22", "42");
    repl.check(":workers", "2 workers");
    let (status, history) = repl.quit();
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
    let lines: Vec<&str> = history.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines, ["x = 20", "x + 22", ":workers"], "{history}");
}

#[test]
fn quit_command_exits_with_success() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line(":quit");
    let status = repl.session.get_process().wait().unwrap();
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
}

/// SIGTERM reaches the handler that cancels evaluations (batch mode needs it there); at the
/// prompt, where Ctrl-C is a key, it still ends the REPL.
#[test]
fn sigterm_at_the_prompt_ends_the_repl() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check("20 + 22", "42");
    // Once the prompt has waited a while, a signal cannot be a Ctrl-C typed for the
    // evaluation before.
    std::thread::sleep(Duration::from_millis(300));
    let pid = repl.session.get_process().pid().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = repl.exit_status();
    assert!(matches!(status, WaitStatus::Exited(_, 130)), "{status:?}");
}

#[test]
fn long_values_are_abbreviated_and_shown_whole() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check("10 ** 20000", "1000…0000 (20,001 digits)");
    repl.line(":show");
    repl.expect(&format!("\n1{}\r\n", "0".repeat(20_000)));
}

/// Regression: one byte that is not UTF-8 in the history file stopped the history from ever
/// being saved again, with a warning after every line.
#[test]
fn a_history_entry_that_is_not_utf8_is_dropped_and_the_history_goes_on() {
    let history = b"#V2\n1 + 1\nbad \xff entry\n2 + 2\n";
    let mut repl =
        Repl::start_with_history(&["--workers", "2"], &[("NO_COLOR", "1")], Some(history));
    let path = repl.home.join("state/parcalc/history");
    for (input, output) in [("20 + 22", "42"), ("x = 5", "x = 5"), ("3 * 3", "9")] {
        if input == "3 * 3" {
            // A bad byte written meanwhile by something else is dropped when appending.
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            std::io::Write::write_all(&mut file, b"\xfe\n").unwrap();
        }
        repl.line(input);
        // The line is redrawn as it is typed (its preview): the answer is on a line of its own.
        let screen = repl.expect(&format!("\n{output}\r\n"));
        let screen = screen + &repl.expect("» ");
        assert!(!screen.contains("warning"), "{screen}");
    }
    // The entries of the old file are recalled, the bad one is not.
    repl.session.send("\x1b[A\x1b[A\x1b[A\x1b[A").unwrap();
    repl.expect("2 + 2");
    // Its preview: the four keys have been read.
    repl.expect("= 4");
    // Ctrl-C clears the recalled line, so that Ctrl-D quits.
    repl.session.send(ControlCode::EndOfText).unwrap();
    repl.expect("\n");
    repl.expect("» ");
    let (status, history) = repl.quit();
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
    let lines: Vec<&str> = history.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        ["1 + 1", "2 + 2", "20 + 22", "x = 5", "3 * 3"],
        "{history}"
    );
}

#[test]
fn an_unwritable_history_is_only_a_warning() {
    let home = std::env::temp_dir().join(format!("parcalc-repl-ro-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    // A file where the history's folder should be.
    std::fs::write(home.join("state"), "not a folder").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_parcalc"));
    command
        .args(["--workers", "2"])
        .env("HOME", &home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("NO_COLOR", "1")
        .env("TERM", "xterm-256color");
    let mut session = spawn(command);
    session.expect("warning: no history").unwrap();
    session.expect("» ").unwrap();
    session.send_line(":workers").unwrap();
    session.expect("2 workers").unwrap();
    let _ = std::fs::remove_dir_all(&home);
}

/// Regression: a comment inside open parentheses swallowed the next line, so the statement
/// never ended; recalled from the history, it must still evaluate.
#[test]
fn a_comment_inside_parentheses_ends_at_its_line() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line("(1 + # one");
    repl.expect("… ");
    repl.check(" 2)", "3");
    // Up arrow recalls the statement, Enter evaluates it again.
    repl.session.send("\x1b[A").unwrap();
    repl.line("");
    repl.expect("\n3\r\n");
    repl.expect("» ");
    let (_, history) = repl.quit();
    assert!(history.contains("(1 + # one\\n 2)"), "{history}");
}

/// Colour follows the stream it is written to: an error on a terminal is coloured even when
/// stdout goes to a file.
#[test]
fn errors_are_coloured_on_a_terminal_with_stdout_redirected() {
    let out = std::env::temp_dir().join(format!("parcalc-colour-{}", std::process::id()));
    let script = format!(
        "{} -e '1 / 0' > {}; echo done",
        env!("CARGO_BIN_EXE_parcalc"),
        out.display()
    );
    let mut command = Command::new("sh");
    command
        .args(["-c", &script])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color");
    let mut session = spawn(command);
    session
        .expect("\x1b[1;31merror:\x1b[0m division by zero")
        .unwrap();
    session.expect("done").unwrap();
    let _ = std::fs::remove_file(out);
}

/// With stdout going to a file, a long evaluation in the REPL is not drawn while it runs: the
/// file holds the value, and no frame.
#[test]
fn no_live_schedule_when_stdout_is_not_a_terminal() {
    let home = std::env::temp_dir().join(format!("parcalc-live-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let out = home.join("out");
    let script = format!(
        "{} --workers 2 --delay 200ms > {}; echo done",
        env!("CARGO_BIN_EXE_parcalc"),
        out.display()
    );
    let mut command = Command::new("sh");
    command
        .args(["-c", &script])
        .env("HOME", &home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("NO_COLOR", "1")
        .env("TERM", "xterm-256color");
    let mut session = spawn(command);
    // The prompt goes to the file: a line typed before it would be lost.
    let prompted = |text: &str| text.matches("» ").count();
    let wait_for_prompts = |n: usize| {
        let deadline = std::time::Instant::now() + TIMEOUT;
        while prompted(&std::fs::read_to_string(&out).unwrap_or_default()) < n {
            assert!(std::time::Instant::now() < deadline, "no prompt {n}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for_prompts(1);
    session.send_line("(((1 + 1) * 2) + 1) * 2").unwrap();
    wait_for_prompts(2);
    session.send_line(":quit").unwrap();
    session.expect("done").unwrap();
    let written = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_dir_all(&home);
    assert!(written.contains("\n10\n"), "{written:?}");
    assert!(!written.contains("running"), "{written:?}");
    assert!(!written.contains("worker 0"), "{written:?}");
}

/// Regression: `quit`, `exit` and `help` as people type them, with or without `()`.
#[test]
fn quit_exit_and_help_as_words() {
    for word in ["quit", "exit", "quit()", "exit()", ":q", ":exit"] {
        let mut repl = Repl::start(&["--workers", "2"]);
        repl.line(word);
        let status = repl.exit_status();
        assert!(
            matches!(status, WaitStatus::Exited(_, 0)),
            "{word}: {status:?}"
        );
    }
    for word in ["help", "help()", ":h", ":?"] {
        let mut repl = Repl::start(&["--workers", "2"]);
        repl.line(word);
        repl.expect(":workers [N]");
        repl.expect("» ");
        repl.check("20 + 22", "42");
    }
}

/// A variable named `quit` is a variable: the word leaves only when no variable has its name.
#[test]
fn a_variable_named_quit_is_a_variable() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check("quit = 5", "quit = 5");
    repl.check("quit + 1", "6");
    repl.check("quit", "5");
    repl.line("quit()");
    repl.expect("error: 'int' object is not callable");
    repl.expect("» ");
    repl.line(":q");
    let status = repl.exit_status();
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
}

#[test]
fn an_unknown_command_suggests_the_nearest() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line(":sp (1 + 2) 2");
    repl.expect("unknown command ':sp', did you mean ':speedup'?");
    repl.expect("» ");
    repl.line(":qiut");
    repl.expect("unknown command ':qiut', did you mean ':quit'?");
    repl.expect("» ");
}

/// Regression: `parcalc -w 3 --delay 50ms --trace` printed only the value.
#[test]
fn trace_flag_draws_the_schedule_after_every_value() {
    let mut repl = Repl::start(&["--workers", "2", "--delay", "20ms", "--trace"]);
    repl.line("(1 + 2) * (3 + 4)");
    repl.expect("\n21\r\n");
    for text in ["worker 0", "worker 1", "3 tasks on 2 workers", "span S"] {
        repl.expect(text);
    }
    repl.expect("» ");
    repl.check(
        ":trace off",
        "the schedule is not shown after every evaluation",
    );
    repl.line("6 * 7");
    let shown = repl.expect("» ");
    assert!(
        shown.contains("42") && !shown.contains("worker 0"),
        "{shown}"
    );
}

#[test]
fn tree_and_stats_flags_apply_to_every_evaluation() {
    let mut repl = Repl::start(&["--workers", "1", "--tree", "--stats", "--grain", "1"]);
    repl.line("(1 + 2) * 3");
    repl.expect("#4");
    repl.expect("\n9\r\n");
    repl.expect(" · 5 nodes · 2 tasks · 1 worker\r\n");
    repl.expect("» ");
    repl.line("1 + 2");
    repl.expect("\n3\r\n");
    repl.expect(" · 3 nodes · 1 task · 1 worker\r\n");
}

#[test]
fn trace_file_flags_write_the_last_schedule() {
    let mut repl = Repl::start(&[
        "--workers",
        "2",
        "--trace-json",
        "schedule.json",
        "--trace-svg",
        "schedule.svg",
    ]);
    repl.check("(1 + 2) * (3 + 4)", "21");
    let json = std::fs::read_to_string(repl.home.join("schedule.json")).unwrap();
    assert!(json.contains("\"traceEvents\""), "{json}");
    let svg = std::fs::read_to_string(repl.home.join("schedule.svg")).unwrap();
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{svg}");
    // The files follow the last evaluation.
    repl.check("100 + 23", "123");
    let json = std::fs::read_to_string(repl.home.join("schedule.json")).unwrap();
    assert!(json.contains("100 + 23"), "{json}");
}

/// `--speedup` at the REPL times every expression; an assignment runs once.
#[test]
fn speedup_flag_times_each_expression() {
    let mut repl = Repl::start(&["--workers", "2", "--speedup=2"]);
    repl.check("x = 2 * 3", "x = 6");
    repl.line("x * 7");
    // After the progress line, erased: the value starts where it stood.
    repl.expect("42\r\n");
    repl.expect("workers");
    repl.expect("try :delay 100ms)");
    repl.expect("» ");
    repl.line("_ + 1");
    repl.expect("43\r\n");
}

/// Regression: `factorial(3000000)` then Ctrl-C printed the 18M-digit value after ~10 s. One
/// multiplication of it cannot be interrupted: the evaluation is given up on, the next one
/// runs on a fresh pool at once, and the abandoned value is never printed.
#[test]
fn ctrl_c_gives_up_on_one_long_big_integer_operation() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line("factorial(3000000)");
    repl.interrupt_until("cancelled");
    repl.expect("» ");
    repl.line("20 + 22");
    let before = repl.expect("\n42\r\n");
    assert!(!before.contains("digits"), "{before}");
    repl.expect("» ");
    repl.line(":speedup 1 + 2 2");
    let before = repl.expect("3\r\n");
    assert!(!before.contains("digits"), "{before}");
    repl.expect("workers");
    repl.expect("» ");
    repl.check(":workers", "2 workers");
    let (status, _) = repl.quit();
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
}

/// Ctrl-C during `:speedup` prints `cancelled` on a line of its own (no raw `^C` before it),
/// and the next `:speedup` works.
#[test]
fn ctrl_c_cancels_a_speedup_run() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check(":delay 10s", "delay 10.0 s per operator");
    repl.line(":speedup (1 + 2) * (3 + 4) 2");
    let before = repl.expect("running on 1 of 2 workers…");
    assert!(!before.contains("^C"), "{before:?}");
    repl.interrupt_until("cancelled\r\n");
    let before = repl.expect("» ");
    assert!(!before.contains("^C"), "{before:?}");
    repl.check(":delay off", "no delay");
    repl.line(":speedup 1 + 2 2");
    repl.expect("3\r\n");
    repl.expect("workers");
}

/// Regression: `(1 $` waited for a `)` that could not mend it.
#[test]
fn an_error_inside_open_parentheses_is_reported_at_once() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line("(1 $");
    repl.expect("\n     ^\r\nerror: syntax error: expected an operator, found '$'\r\n");
    let before = repl.expect("» ");
    assert!(!before.contains('…'), "{before}");
    // An unclosed `(` alone still continues.
    repl.line("(1 +");
    repl.expect("… ");
    repl.check("2)", "3");
}

/// Regression: `abs(` and Enter answered "takes exactly one argument" at once.
#[test]
fn an_open_call_waits_for_its_arguments() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line("abs(");
    repl.expect("… ");
    repl.check("-3)", "3");
    repl.line("pow(2,");
    repl.expect("… ");
    repl.check("10)", "1024");
}

/// An error in an earlier line of a statement: the quoted line, the caret, then the message,
/// the order of an error in the line just typed.
#[test]
fn multi_line_errors_put_the_caret_before_the_message() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line("(1 + foo");
    repl.expect("… ");
    repl.line(")");
    repl.expect("\n  (1 + foo\r\n       ^^^\r\nerror: name 'foo' is not defined\r\n");
    repl.expect("» ");
}

/// no-color.org: an empty `NO_COLOR` is as if it were not set.
#[test]
fn an_empty_no_color_is_ignored() {
    let mut repl = Repl::start_with(&["--workers", "2"], &[("NO_COLOR", "")]);
    repl.line("1 / 0");
    repl.expect("\x1b[1;31merror:\x1b[0m division by zero");
    let mut repl = Repl::start_with(&["--workers", "2"], &[("NO_COLOR", "1")]);
    repl.line("1 / 0");
    // The line editor's own escape sequences (bracketed paste on, off) are no colours.
    let before = repl.expect("division by zero");
    assert!(!before.contains("\x1b[1;31m"), "{before:?}");
    assert!(!before.contains("\x1b[36m"), "{before:?}");
}

/// The REPL cannot take a flag, so its errors never suggest one.
#[test]
fn errors_suggest_no_command_line_flag() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line("2 ^ 2 ^ 70");
    repl.expect("error: result too large");
    let shown = repl.expect("» ");
    assert!(!shown.contains("--"), "{shown}");
}

#[test]
fn settings_speak_of_operators_and_take_off_and_any_case() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check(":grain 1", "grain 1 (up to 1 operator per task)");
    repl.check(":grain 4", "grain 4 (up to 4 operators per task)");
    repl.line(":grain 0");
    repl.expect("error: grain must be 'auto' or a positive number of operators per task, not '0'");
    repl.check(":delay 100MS", "delay 100 ms per operator");
    repl.check(":delay off", "no delay");
    repl.check(":workers 1", "1 worker");
}

#[test]
fn trace_files_take_a_tilde_and_quotes() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.check("(1 + 2) * 3", "9");
    repl.line(":trace svg ~/tilde.svg");
    repl.expect("wrote ");
    repl.expect("tilde.svg\r\n");
    assert!(repl.home.join("tilde.svg").is_file());
    repl.line(":trace json \"my schedule.json\"");
    repl.expect("wrote my schedule.json\r\n");
    assert!(repl.home.join("my schedule.json").is_file());
    repl.line(":trace json 'it''s.json'");
    repl.expect("wrote its.json\r\n");
}

#[test]
fn tab_completes_file_names_after_trace_json_and_svg() {
    let mut repl = Repl::start(&["--workers", "2"]);
    std::fs::write(repl.home.join("schedule-for-tab.json"), "{}").unwrap();
    repl.check("(1 + 2) * 3", "9");
    repl.session.send(":trace json sched\t").unwrap();
    repl.expect("schedule-for-tab.json");
    repl.line("");
    repl.expect("wrote schedule-for-tab.json\r\n");
    let json = std::fs::read_to_string(repl.home.join("schedule-for-tab.json")).unwrap();
    assert!(json.contains("\"traceEvents\""), "{json}");
}

/// A byte that is not UTF-8 from the terminal is an error like any other, not the end.
#[test]
fn invalid_utf8_from_the_terminal_is_an_error_not_the_end() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.session.send(b"\xff").unwrap();
    repl.expect("error: invalid UTF-8");
    repl.expect("» ");
    repl.check("20 + 22", "42");
}

/// An evaluation of 1.2 s (six operators one after the other, 200 ms each) draws its schedule
/// while it runs: a frame (`running …`) with the workers' lanes comes before the final chart,
/// which stays above the value. Ctrl-C during a frame cancels at once, and the chart of what ran
/// stays. With `:trace live off` nothing is drawn before the value.
#[test]
fn a_long_evaluation_draws_its_schedule_while_it_runs() {
    const SIX_LEVELS: &str = "((((((1 + 1) * 2) + 1) * 2) + 1) * 2)";
    let mut repl = Repl::start(&["--workers", "2", "--delay", "200ms"]);
    repl.line(SIX_LEVELS);
    repl.expect("running ");
    repl.expect("tasks done · Ctrl-C cancels");
    let frame = repl.expect("worker 1 │");
    assert!(frame.contains("worker 0 │"), "{frame:?}");
    assert!(!frame.contains("schedule on"), "{frame:?}");
    let chart = repl.expect("\n22\r\n");
    assert!(
        chart.contains("schedule on 2 workers · delay 200 ms"),
        "{chart:?}"
    );
    assert!(chart.contains("worker 0 │"), "{chart:?}");
    repl.expect("» ");

    repl.line(SIX_LEVELS);
    repl.expect("tasks done · Ctrl-C cancels");
    repl.session.send(ControlCode::EndOfText).unwrap();
    let chart = repl.expect("\ncancelled\r\n");
    assert!(chart.contains("cancelled after"), "{chart:?}");
    repl.expect("» ");

    repl.check(
        ":trace live off",
        "the schedule of an evaluation over 300 ms is not drawn while it runs",
    );
    repl.line(SIX_LEVELS);
    let before = repl.expect("\n22\r\n");
    assert!(!before.contains("running"), "{before:?}");
    assert!(!before.contains("worker 0"), "{before:?}");
    repl.expect("» ");
}

/// A bracketed paste of several lines is a program: each line is evaluated in order, and each
/// is a history entry of its own.
#[test]
fn a_paste_of_several_lines_evaluates_each() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.session
        .send("\x1b[200~1+1\r2+2\r3+3\x1b[201~")
        .unwrap();
    repl.line("");
    repl.expect("\n2\r\n4\r\n6\r\n");
    repl.expect("» ");
    let (status, history) = repl.quit();
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
    let entries: Vec<&str> = history.lines().filter(|line| line.contains('+')).collect();
    assert_eq!(entries, ["1+1", "2+2", "3+3"], "{history}");
}

/// A line typed while an evaluation runs is read and evaluated after it.
#[test]
fn a_line_typed_during_an_evaluation_runs_after_it() {
    let mut repl = Repl::start(&["--workers", "2", "--delay", "1s"]);
    repl.line("20 + 22");
    repl.line("6 * 7 - 1");
    repl.expect("\n42\r\n");
    repl.expect("41\r\n");
    repl.expect("» ");
}

/// `:trace` after a paste shows the schedule of the whole paste, one program: the tasks of
/// every statement, each labelled with its text.
#[test]
fn trace_after_a_paste_shows_its_program() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.session
        .send("\x1b[200~a = 3 + 7\rb = a * 2\rb - a\x1b[201~")
        .unwrap();
    repl.line("");
    repl.expect("\na = 10\r\nb = 20\r\n10\r\n");
    repl.expect("» ");
    repl.line(":trace");
    for label in ["3 + 7", "a * 2", "b - a", "3 tasks"] {
        repl.expect(label);
    }
    repl.expect("» ");
}

/// The live schedule shows every task of a reduction: `sum(k*k for k in range(8))` on 4
/// workers at 100 ms per element is 15 tasks (8 chunks, 7 combines), and a frame drawn while it
/// runs counts them and shows the four lanes busy.
/// The number of tasks the first frame of a live schedule counts ("… of N tasks done").
#[track_caller]
fn live_task_count(repl: &mut Repl) -> usize {
    repl.expect("running ");
    let status = repl.expect("tasks done · Ctrl-C cancels");
    status
        .rsplit(" of ")
        .next()
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("a count of tasks in {status:?}"))
}

#[test]
fn the_live_schedule_shows_the_tasks_of_a_reduction() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line(":delay 100ms");
    repl.expect("» ");
    repl.line(":workers 4");
    repl.expect("» ");
    repl.line("sum(k*k for k in range(8))");
    assert!(live_task_count(&mut repl) > 1);
    // The first frame's lanes, above its time axis.
    let frame = repl.expect("└");
    for worker in 0..4 {
        let lane = frame
            .lines()
            .find(|line| line.contains(&format!("worker {worker} │")))
            .unwrap_or_else(|| panic!("lane {worker} in {frame:?}"));
        assert!(lane.contains('['), "worker {worker} ran nothing: {frame:?}");
    }
    repl.expect("\n140\r\n");
    repl.expect("» ");
}

/// User functions at the prompt: a `def` echoes nothing, as in Python; a recursion past the
/// limit is an error and the REPL carries on; Ctrl-C stops a long recursion at once.
#[test]
fn functions_at_the_prompt() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.line("def sq(x): return x * x");
    repl.expect("» ");
    repl.check("sq(12)", "144");
    repl.line("def cube(x):");
    repl.expect("… ");
    repl.line("    return x * sq(x)");
    repl.expect("» ");
    repl.check("cube(3)", "27");
    repl.check(
        "fib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)",
        "fib = <function <lambda>>",
    );
    repl.check("fib(20)", "6765");
    repl.line("g = lambda n: g(n)");
    repl.expect("» ");
    repl.line("g(1)");
    repl.expect("maximum recursion depth exceeded");
    repl.expect("» ");
    repl.check(
        ":max-depth 50",
        "recursion limit 50 calls (Python's is 1000)",
    );
    repl.line("f = lambda n: 0 if n == 0 else 1 + f(n - 1)");
    repl.expect("» ");
    repl.check("f(49)", "49");
    repl.line("f(50)");
    repl.expect("maximum recursion depth exceeded");
    repl.expect("» ");
    // About a minute of calls: Ctrl-C ends it, and the next line answers.
    repl.line("fib(45)");
    repl.interrupt_until("cancelled");
    repl.expect("» ");
    repl.check("sq(7)", "49");
}

/// An error's message is wrapped to the terminal's width, its later lines under the message.
#[test]
fn errors_are_wrapped_to_the_width_of_the_terminal() {
    let mut repl = Repl::start(&["--workers", "2"]);
    repl.resize(40, 24);
    repl.line("the_velocity_of_the_train * 2");
    repl.expect("error:");
    let shown = format!("error:{}", repl.expect("» "));
    let lines: Vec<&str> = shown
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        .take_while(|line| !line.is_empty())
        .collect();
    assert!(lines.len() >= 2, "{shown:?}");
    assert!(
        lines.iter().all(|line| line.chars().count() < 40),
        "{shown:?}"
    );
    assert!(lines[1].starts_with("       "), "{shown:?}");
    assert!(lines.concat().contains("defined"), "{shown:?}");
}

/// The live schedule of a call with a delay shows its steps on the workers that run them, not
/// one task for the whole call.
#[test]
fn the_live_schedule_shows_the_steps_of_calls() {
    let mut repl = Repl::start(&["--workers", "4"]);
    repl.line(":delay 100ms");
    repl.expect("» ");
    repl.line("fib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)");
    repl.expect("» ");
    repl.line("fib(6)");
    assert!(live_task_count(&mut repl) > 1);
    // The first call runs alone (its delay, then its test); once it forks, the frames show
    // its steps on more than one worker.
    let mut frames = Vec::new();
    let spread = (0..12).any(|_| {
        let frame = repl.expect("└");
        let busy = (0..4)
            .filter(|worker| {
                frame
                    .lines()
                    .find(|line| line.contains(&format!("worker {worker} │")))
                    .is_some_and(|lane| lane.contains('['))
            })
            .count();
        frames.push(frame);
        busy > 1
    });
    assert!(spread, "{frames:#?}");
    repl.expect("\n8\r\n");
    repl.expect("» ");
}
