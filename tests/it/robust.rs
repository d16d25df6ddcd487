//! Robustness: whatever it is given, parcalc answers every statement with a value or a clear
//! error and exits normally (0 or 1, never a signal or a panic's 101).
//!
//! Random token soup goes through the library (one and several workers) and, as a file of
//! thousands of lines, through the real binary; hostile bytes, absurd sizes and absurd depths go
//! through the binary. Nothing here measures time: inputs that must be refused quickly are
//! checked for the refusal, and their speed is left to the benchmarks.

use std::path::PathBuf;

use parcalc::engine::EvalOptions;
use parcalc::error::ErrorKind;
use parcalc::num::Limits;
use parcalc::render::Color;
use parcalc::render::diagnostic::{WINDOW, render_error};
use parcalc::session::Session;
use proptest::prelude::*;

use crate::util::{Run, Test};

/// The pieces soup is made of: operators, digits, parentheses, names, function names, `=`,
/// `_`, commas, dots, `e`, blanks, newlines, comments, control characters, non-ASCII text and
/// bytes that are not UTF-8.
const TOKENS: &[&[u8]] = &[
    b"+",
    b"-",
    b"*",
    b"/",
    b"//",
    b"%",
    b"^",
    b"**",
    b"(",
    b"(",
    b")",
    b")",
    b"0",
    b"1",
    b"2",
    b"7",
    b"42",
    b"007",
    b"1_000",
    b"1__0",
    b"99999999999999999999",
    b"x",
    b"y",
    b"_",
    b"abs",
    b"min",
    b"max",
    b"sqrt",
    b"gcd",
    b"lcm",
    b"factorial",
    b"nosuch",
    b"=",
    b",",
    b".",
    b"e",
    b"E",
    b"1e3",
    b"1e400",
    b".5",
    b"5.",
    b" ",
    b" ",
    b"\t",
    b"\n",
    b"\r",
    b"\r\n",
    b"#",
    b"\0",
    b"\x1b[31m",
    b"\x7f",
    b"\x0c",
    "é".as_bytes(),
    "\u{202e}".as_bytes(),
    "😀".as_bytes(),
    b"\xff",
    b"\xc3",
    b"\x80",
];

fn soup(max_tokens: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..max_tokens)
        .prop_map(|tokens| tokens.concat())
}

/// A session whose results are kept small, so that soup like `99999999999999999999 ^ 42 ^ 7`
/// is refused at once instead of computed.
fn small_session(n_workers: usize) -> Session {
    let options = EvalOptions {
        limits: Limits {
            max_bits: 1 << 16,
            ..Limits::default()
        },
        ..EvalOptions::default()
    };
    match Session::new(n_workers, options) {
        Ok(session) => session,
        Err(error) => panic!("a pool of {n_workers} workers: {error}"),
    }
}

/// Is `text` blank or only a comment, the one kind of statement that yields nothing?
fn is_blank(text: &str) -> bool {
    text.lines()
        .map(|line| line.trim_matches([' ', '\t', '\r']))
        .all(|line| line.is_empty() || line.starts_with('#'))
}

/// What one statement gave, in a form comparable across pool sizes: the value as printed, or
/// the error as rendered (headline, quoted line and caret).
fn answer(session: &mut Session, text: &str) -> Result<Option<String>, String> {
    match session.eval_line(text) {
        Ok(outcome) => Ok(outcome.map(|outcome| outcome.value.to_string())),
        Err(error) => {
            assert!(
                !matches!(error.kind, ErrorKind::Internal(_)),
                "{text:?} gave an internal error: {error}"
            );
            let rendered = render_error(&error, text, Color::Never);
            check_bounded(&rendered);
            Err(rendered)
        }
    }
}

/// A rendered error is a headline, a quoted line and a caret line, none of them long.
#[track_caller]
fn check_bounded(rendered: &str) {
    let lines: Vec<&str> = rendered.lines().collect();
    assert!(lines.len() <= 3, "{rendered}");
    for line in &lines[1..] {
        assert!(line.chars().count() <= WINDOW + 4, "{rendered}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_gives_a_value_or_an_error(input in soup(80)) {
        let mut one = small_session(1);
        let mut several = small_session(3);
        for piece in parcalc::input::statements(&input) {
            let Ok(text) = piece.text else { continue };
            let sequential = answer(&mut one, text);
            let parallel = answer(&mut several, text);
            // Values and errors agree exactly: parsing and names are the same on any pool, and
            // with several failing operators the engine reports the first in arena order, as a
            // sequential evaluation meets it.
            prop_assert_eq!(&sequential, &parallel, "{:?} on 1 worker, then on 3", text);
            if let Ok(None) = sequential {
                prop_assert!(is_blank(text), "{text:?} gave neither a value nor an error");
            }
        }
        // The whole soup as one line, as a REPL paste of it would arrive.
        let _ = answer(&mut one, &String::from_utf8_lossy(&input));
    }
}

/// Deterministic soup for the file test (a small xorshift, so that a failure is reproducible).
/// A file line must yield exactly one value or error, so its soup has no newline, no comment,
/// no `=` (an assignment prints nothing) and no parenthesis left open (which would continue the
/// statement on the next line), and is never blank.
fn soup_line(state: &mut u64) -> Vec<u8> {
    soup_line_closing(state, true)
}

/// [`soup_line`] that leaves its parentheses open when `close` is false. It never closes more
/// than it opened, at any point of the line.
fn soup_line_closing(state: &mut u64, close: bool) -> Vec<u8> {
    let mut next = || {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    };
    let n_tokens = 1 + next() % 24;
    let mut line = Vec::new();
    let mut depth = 0i64;
    for _ in 0..n_tokens {
        let token = TOKENS[(next() % TOKENS.len() as u64) as usize];
        if token.contains(&b'\n') || token.contains(&b'\r') || token == b"#" || token == b"=" {
            continue;
        }
        let opened = token.iter().filter(|&&b| b == b'(').count() as i64;
        let closed = token.iter().filter(|&&b| b == b')').count() as i64;
        if depth - closed < 0 {
            continue;
        }
        depth += opened - closed;
        line.extend_from_slice(token);
    }
    if close {
        line.extend(std::iter::repeat_n(b')', depth.max(0) as usize));
    }
    if line.iter().all(u8::is_ascii_whitespace) {
        line.push(b'1');
    }
    line
}

#[test]
fn three_thousand_lines_of_soup_give_one_answer_each() {
    const N_LINES: usize = 3_000;
    let mut state = 0x9e37_79b9_7f4a_7c15;
    let mut text = Vec::new();
    for _ in 0..N_LINES {
        text.extend(soup_line(&mut state));
        text.push(b'\n');
    }
    let (n_values, n_errors) = answers_per_line("soup.calc", &text, N_LINES);
    assert!(
        n_values > 0 && n_errors > 0,
        "{n_values} values and {n_errors} errors"
    );
}

/// Runs the file `text` (written as `name`) on 2 workers and checks that each of its `n_lines`
/// lines gave exactly one answer, a value or an error, and none an internal error; returns the
/// numbers of values and errors.
#[track_caller]
fn answers_per_line(name: &str, text: &[u8], n_lines: usize) -> (usize, usize) {
    let path = scratch_file(name, text);
    let mut run = Test::new()
        .args(&["--workers", "2", "--max-bits", "65536", path_str(&path)])
        .run();
    run.stderr = without_origin(&run.stderr, &path);
    check_normal_exit(&run);
    let n_values = run.stdout.lines().count();
    let n_errors = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("error: "))
        .count();
    assert_eq!(
        n_values + n_errors,
        n_lines,
        "{n_values} values and {n_errors} errors"
    );
    assert!(!run.stderr.contains("internal error"), "{}", run.stderr);
    (n_values, n_errors)
}

/// A line that leaves a `(` open continues to the end of the file (no later line closes more
/// than it opens), fails to parse, and is reported alone: reading resumes at the next line, so
/// the file still gives one answer per line.
#[test]
fn open_parentheses_in_soup_cost_one_line_each() {
    const N_LINES: usize = 3_000;
    let mut state = 0x2545_f491_4f6c_dd1d;
    let mut text = Vec::new();
    let mut n_open = 0;
    for _ in 0..N_LINES {
        let close = state % 16 != 0;
        let line = soup_line_closing(&mut state, close);
        n_open += usize::from(lex_depth(&line) > 0);
        text.extend(line);
        text.push(b'\n');
    }
    assert!(n_open > 10, "only {n_open} lines leave a parenthesis open");
    answers_per_line("open-soup.calc", &text, N_LINES);
}

/// The parentheses a line leaves open (no line here closes more than it opened).
fn lex_depth(line: &[u8]) -> i64 {
    let opened = line.iter().filter(|&&b| b == b'(').count() as i64;
    opened - line.iter().filter(|&&b| b == b')').count() as i64
}

#[test]
fn a_statement_over_lines_that_fails_is_reported_where_it_started() {
    let run = Test::new().stdin("(1 +\n2 * 3\n4\n").expect("6\n4\n", 1);
    assert!(
        run.stderr
            .starts_with("<stdin>:1: error: syntax error: unclosed '('"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches("<stdin>:").count(), 1, "{}", run.stderr);
}

/// Exit status 0 or 1: not a usage error, not a panic (101), not a signal (no code at all).
#[track_caller]
fn check_normal_exit(run: &Run) {
    assert!(
        matches!(run.status, Some(0 | 1)),
        "status {:?}, stderr (first 2000 bytes):\n{}",
        run.status,
        &run.stderr[..floor_boundary(&run.stderr, 2000)]
    );
}

fn floor_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// A file of `bytes` in a directory of this test process.
fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("parcalc-robust-{}", std::process::id()));
    if let Err(error) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {error}", dir.display());
    }
    let path = dir.join(name);
    if let Err(error) = std::fs::write(&path, bytes) {
        panic!("cannot write {}: {error}", path.display());
    }
    path
}

fn path_str(path: &std::path::Path) -> &str {
    match path.to_str() {
        Some(text) => text,
        None => panic!("temporary path {} is not UTF-8", path.display()),
    }
}

/// The file `bytes` gives `stdout` and the exit status `status`; stderr is returned for more
/// checks and never holds a raw control character (the terminal would obey it).
#[track_caller]
fn check_file(name: &str, bytes: &[u8], stdout: &str, status: i32) -> String {
    let path = scratch_file(name, bytes);
    let run = Test::new().args(&[path_str(&path)]).expect(stdout, status);
    assert!(
        !run.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        run.stderr
    );
    without_origin(&run.stderr, &path)
}

/// `stderr` without the `FILE:LINE: ` that names where each error is (checked by the CLI's
/// tests), so that these tests read the errors themselves.
#[track_caller]
fn without_origin(stderr: &str, path: &std::path::Path) -> String {
    let prefix = format!("{}:", path_str(path));
    let mut out = String::with_capacity(stderr.len());
    for line in stderr.split_inclusive('\n') {
        let rest = line.strip_prefix(&prefix).and_then(|rest| {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            rest[digits..].strip_prefix(": ").filter(|_| digits > 0)
        });
        out.push_str(rest.unwrap_or(line));
    }
    out
}

#[test]
fn invalid_utf8_fails_its_line_only() {
    let path = scratch_file("latin1.calc", b"1 + 1\ncaf\xe9 * 2\n3\n");
    let run = Test::new().args(&[path_str(&path)]).expect("2\n3\n", 1);
    // The layout of every other error: where, the message, the line quoted, a caret.
    assert_eq!(
        run.stderr,
        format!(
            "{}:2: error: invalid UTF-8: cannot decode byte 0xe9\n  caf\u{fffd} * 2\n     ^\n",
            path_str(&path)
        )
    );
}

#[test]
fn nul_and_control_characters_are_quoted_harmlessly() {
    let stderr = check_file("nul.calc", b"1 +\0 2\n4\n", "4\n", 1);
    assert!(
        stderr.starts_with("error: syntax error: expected an operand, found '\\u{0}'\n"),
        "{stderr}"
    );
    let stderr = check_file("escape.calc", b"6 * 7\x1b[2J\n", "", 1);
    assert!(
        stderr.starts_with(
            "error: syntax error: expected an operator or end of input, found '\\u{1b}'"
        ),
        "{stderr}"
    );
    let stderr = check_file("bell.calc", b"\x07\n", "", 1);
    assert!(stderr.starts_with("error: syntax error"), "{stderr}");
}

#[test]
fn a_lone_carriage_return_is_a_blank() {
    check_file("cr-inside.calc", b"1 +\r2\n", "3\n", 0);
    // Old Mac line ends are not line ends: the file is one statement, refused once.
    let stderr = check_file("cr-only.calc", b"1\r2\r", "", 1);
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{stderr}"
    );
    // Regression: an error on the `\n` of a `\r\n` inside one statement panicked the renderer.
    let run = Test::new().args(&["-e", "1\r\n+"]).expect("", 1);
    assert!(
        run.stderr.starts_with(
            "error: syntax error: a newline is allowed only inside parentheses\n  1\n"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn crlf_error_names_the_line_and_quotes_no_carriage_return() {
    let path = scratch_file("crlf.calc", b"1\r\n2 // 0\r\n3\r\n");
    let run = Test::new().args(&[path_str(&path)]).expect("1\n3\n", 1);
    assert_eq!(
        run.stderr,
        format!(
            "{}:2: error: integer division or modulo by zero\n  2 // 0\n    ^^\n",
            path_str(&path)
        )
    );
}

#[test]
fn empty_and_blank_files_print_nothing_and_succeed() {
    check_file("empty.calc", b"", "", 0);
    check_file("blank.calc", b"\n\r\n  \t\n# only a comment", "", 0);
}

#[test]
fn enormous_results_are_refused_before_they_are_computed() {
    for expr in ["2 ^ 2 ^ 2 ^ 40", "factorial(10 ^ 9)", "(10 ^ 10 ^ 8) * 3"] {
        let run = Test::new().args(&["-e", expr]).expect("", 1);
        assert!(
            run.stderr.starts_with("error: result too large: about ")
                && run.stderr.contains("(raise it with --max-bits)"),
            "{expr}: {}",
            run.stderr
        );
    }
}

/// Runs parcalc with `args` under a limit of `limit_kib` KiB of address space (`ulimit -v`), so
/// that a test of memory exhaustion neither depends on the machine's memory nor takes any of it.
fn run_with_address_space(limit_kib: u64, args: &[&str]) -> Run {
    run_with_limit("-v", limit_kib, args)
}

/// Runs parcalc with `args` under `ulimit {option} {limit_kib}`.
fn run_with_limit(option: &str, limit_kib: u64, args: &[&str]) -> Run {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit {option} {limit_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_parcalc"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("sh runs parcalc");
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        status: output.status.code(),
    }
}

/// The largest `--max-bits`: every result passes the limit, so the memory check alone stands
/// between a huge result and a failed allocation (a panic in the big-integer crate, or an
/// abort).
const NO_LIMIT: &str = "18446744073709551615";

#[test]
fn results_beyond_memory_are_refused_under_a_raised_limit() {
    for expr in [
        "1 << 10 ^ 12",
        "factorial(10 ^ 10)",
        "2 ^ 10 ^ 12",
        "comb(10 ^ 12, 10 ^ 11)",
    ] {
        let run = run_with_address_space(1 << 22, &["--max-bits", NO_LIMIT, "-e", expr]);
        assert_eq!(
            (run.stdout.as_str(), run.status),
            ("", Some(1)),
            "{expr}: {}",
            run.stderr
        );
        assert!(
            run.stderr
                .starts_with("error: out of memory: a result of about ")
                && !run.stderr.contains("panicked"),
            "{expr}: {}",
            run.stderr
        );
    }
    // A result the memory allows is computed: 2^27 bits, twice the default limit.
    let run = run_with_address_space(
        1 << 22,
        &[
            "--max-bits",
            NO_LIMIT,
            "-e",
            "(1 << 2 ^ 27) >> (2 ^ 27 - 3)",
        ],
    );
    assert_eq!(
        (run.stdout.as_str(), run.status),
        ("8\n", Some(0)),
        "{}",
        run.stderr
    );
}

/// Runs a generated one-line file: it ends in a value or a clear error, with a normal exit and
/// under 2,000 characters of error text. Returns the run.
#[track_caller]
fn check_huge(name: &str, text: &str) -> Run {
    let path = scratch_file(name, text.as_bytes());
    let mut run = Test::new().args(&["--workers", "2", path_str(&path)]).run();
    run.stderr = without_origin(&run.stderr, &path);
    check_normal_exit(&run);
    assert!(run.stderr.chars().count() < 2_000, "{}", run.stderr);
    let n_errors = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .count();
    assert_eq!(run.stdout.lines().count() + n_errors, 1, "{}", run.stderr);
    run
}

#[test]
fn hundred_thousand_nested_parentheses() {
    let depth = 100_000;
    let text = format!("{}1{}\n", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(check_huge("nested.calc", &text).stdout, "1\n");
    let text = format!("{}1{}\n", "(".repeat(depth + 1), ")".repeat(depth + 1));
    let run = check_huge("too-nested.calc", &text);
    assert!(
        run.stderr.starts_with("error: nesting too deep"),
        "{}",
        run.stderr
    );
}

/// Regression: `--python` recursed over a reduction's body and overflowed the stack (abort,
/// exit 134) on 40,000 signs. Every view that walks a tree gives output on it.
#[test]
fn every_view_of_a_forty_thousand_sign_body_gives_output() {
    let line = format!("sum({}k for k in range(3))\n", "-".repeat(40_000));
    let path = scratch_file("signs.calc", line.as_bytes());
    let path = path_str(&path);
    let file = |name: &str| path.replace("signs.calc", name);
    for form in ["futures", "dataflow", "dask"] {
        let run = Test::new().args(&[&format!("--python={form}"), path]).run();
        check_normal_exit(&run);
        assert!(run.stdout.contains("for k in part") || run.stdout.contains("for k in range"));
    }
    let run = Test::new().args(&["--tree", path]).run();
    check_normal_exit(&run);
    assert!(run.stdout.contains("#40001"), "{}", run.stdout);
    for (flag, name) in [
        ("--trace-svg", "signs.svg"),
        ("--trace-json", "signs.json"),
        ("--trace-html", "signs.html"),
    ] {
        let run = Test::new().args(&[flag, &file(name), path]).run();
        check_normal_exit(&run);
        assert_eq!(run.stdout, "3\n", "{}", run.stderr);
        let written = std::fs::read_to_string(file(name)).unwrap();
        assert!(written.len() > 100, "{flag}: {written}");
    }
}

#[test]
fn million_term_chains() {
    let terms = 1_000_000;
    let sum = format!("1{}\n", " + 1".repeat(terms - 1));
    assert_eq!(check_huge("sum.calc", &sum).stdout, "1000000\n");
    for (name, text) in [
        ("power.calc", format!("1{}\n", " ^ 1".repeat(terms - 1))),
        ("minus.calc", format!("{}1\n", "-".repeat(terms))),
        (
            "mixed.calc",
            format!("1{}\n", " * 2 - 1 // 1".repeat(terms / 3)),
        ),
    ] {
        check_huge(name, &text);
    }
}

/// Each line of a rendered error is at most about [`WINDOW`] columns, whatever the input.
#[track_caller]
fn check_quoted_window(name: &str, text: &str, headline: &str) {
    let run = check_huge(name, text);
    assert!(run.stderr.starts_with(headline), "{}", run.stderr);
    for line in run.stderr.lines() {
        assert!(line.chars().count() <= WINDOW + 20, "{line}");
    }
}

#[test]
fn an_error_in_a_multi_megabyte_line_quotes_a_window() {
    let terms = "1 + ".repeat(1 << 19);
    check_quoted_window(
        "middle.calc",
        &format!("{terms}1 / 0 + {terms}1\n"),
        "error: division by zero",
    );
    check_quoted_window(
        "end.calc",
        &format!("{terms}1 +\n"),
        "error: syntax error: expected an operand, found end of input",
    );
    check_quoted_window(
        "wide.calc",
        &format!("{terms}{}\n", "é".repeat(1 << 20)),
        "error: syntax error: expected an operand, found 'é'",
    );
}

/// Regression: with stderr a closed pipe (`parcalc FILE 2>&1 | head -1`), the first error
/// message panicked and the process exited 101.
#[test]
fn closed_stderr_is_not_a_panic() {
    use std::process::{Command, Stdio};
    let path = scratch_file("errors.calc", "1 / 0\n".repeat(10_000).as_bytes());
    let mut child = match Command::new(env!("CARGO_BIN_EXE_parcalc"))
        .arg(path_str(&path))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => panic!("parcalc does not start: {error}"),
    };
    drop(child.stderr.take());
    let status = match child.wait() {
        Ok(status) => status,
        Err(error) => panic!("parcalc did not finish: {error}"),
    };
    assert_eq!(status.code(), Some(1), "{status}");
}

/// Regression: a float reduction over 10^12 elements aborted at once ("memory allocation of
/// 187500000000 bytes failed"), a chunk's values allocated whole. Each form runs, on every
/// door's path (one expression, a program), until SIGINT stops it: exit status 130, no abort.
#[test]
fn float_reductions_over_a_trillion_elements_run_until_interrupted() {
    use std::process::{Command, Stdio};
    let forms = [
        vec!["-e", "sum(sqrt(k) for k in range(10^12))"],
        vec!["-e", "sum(1.0 for k in range(10^12))"],
        vec!["-e", "prod(1.0 for k in range(10^12))"],
        vec![
            "-e",
            "a = 2",
            "-e",
            "sum(k * 0.5 + a for k in range(10^12))",
        ],
    ];
    for args in forms {
        let mut child = Command::new(env!("CARGO_BIN_EXE_parcalc"))
            .args(["--workers", "2"])
            .args(&args)
            .env("NO_COLOR", "1")
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the parcalc binary runs");
        // Running for a fifth of a second of CPU time is well past the allocation that failed.
        let started = std::time::Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let output = child.wait_with_output().expect("parcalc ends");
                panic!(
                    "{args:?} ended on its own ({status:?}): {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            match crate::cli::cpu_ticks(child.id()) {
                Some(ticks) if ticks >= 20 => break,
                _ if started.elapsed() >= std::time::Duration::from_secs(30) => break,
                _ => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        }
        crate::cli::send_signal("INT", child.id());
        let output = child.wait_with_output().expect("parcalc ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("memory allocation") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

/// Regression: a float reduction kept every value of its later chunks (1.2 GB for 10^8
/// elements, 120 MB for 10^7). Under 64 MiB of data (`ulimit -d`: the heap and every private
/// writable mapping) `sum(k * 0.5 for k in range(10^7))` gives Python's value; `bench/run.py`
/// measures the peak for 10^8. (`ulimit -v` would count the allocator's reserved arenas, and
/// under it the allocator retries a failing reservation on every allocation.)
#[test]
fn a_float_reduction_runs_in_bounded_memory() {
    let run = run_with_limit(
        "-d",
        64 << 10,
        &["--workers", "2", "-e", "sum(k * 0.5 for k in range(10^7))"],
    );
    assert_eq!(
        (run.stdout.as_str(), run.status),
        ("24999997500000.0\n", Some(0)),
        "{}",
        run.stderr
    );
}

/// Recursion never overflows the native stack, on either evaluator (a body of machine
/// integers is compiled; one with a float is interpreted, on a stack that grows): 50,000
/// calls deep is a value, and a recursion without end is `RecursionError` at the limit, at
/// once, with status 1.
#[test]
fn deep_recursion_is_a_value_or_a_recursion_error() {
    for (define, deep, value) in [
        (
            "f = lambda n: 0 if n == 0 else 1 + f(n - 1)",
            "f(50000)",
            "50000",
        ),
        (
            "f = lambda n: 0.5 if n == 0 else 1 + f(n - 1)",
            "f(50000)",
            "50000.5",
        ),
    ] {
        let run = Test::new()
            .args(&[
                "-e",
                define,
                "-e",
                deep,
                "-e",
                "f(10^7)",
                "-e",
                "g = lambda n: g(n)",
                "-e",
                "g(1)",
            ])
            .run();
        assert_eq!(run.stdout, format!("{value}\n"), "{define}: {}", run.stderr);
        assert_eq!(
            run.stderr
                .matches("maximum recursion depth exceeded")
                .count(),
            2,
            "{define}: {}",
            run.stderr
        );
        assert_eq!(run.status, Some(1), "{define}");
    }
    // A limit of one call: a call from a statement runs, one from its body does not.
    Test::new()
        .args(&["--max-depth", "1", "-e", "f = lambda n: n", "-e", "f(3)"])
        .expect("3\n", 0);
    let run = Test::new().args(&["--max-depth", "0", "-e", "1"]).run();
    assert_eq!(run.status, Some(2), "{}", run.stderr);
}
