//! The batch command line: `-e`, FILE, `-`, piped stdin, exit codes, errors on stderr.

use crate::util::{Test, unindent};

const COURSE: &str = "(3 + 7) * (2 + 8) * ((2 * 3) - 1)";

#[test]
fn course_example() {
    Test::new().args(&["-e", COURSE]).expect("500\n", 0);
}

#[test]
fn repeated_expressions_in_order() {
    Test::new()
        .args(&["-e", "1 + 1", "-e", "2 ^ 100", "-e", "_ + 1"])
        .expect(
            "2\n1267650600228229401496703205376\n1267650600228229401496703205377\n",
            0,
        );
}

#[test]
fn expressions_may_start_with_a_minus() {
    Test::new()
        .args(&["-e", "-7 // 2", "-e", "--3", "-e", "-2 ^ 2"])
        .expect("-4\n3\n-4\n", 0);
}

#[test]
fn piped_statements_with_variables_and_underscore() {
    Test::new()
        .stdin("x = 6 * 7\nx + 1\n_ * 2\n")
        .expect("43\n86\n", 0);
}

#[test]
fn dash_reads_stdin() {
    Test::new().args(&["-"]).stdin("2 * 21\n").expect("42\n", 0);
}

#[test]
fn file_with_comments_blank_lines_crlf_and_no_final_newline() {
    let dir = tempdir();
    let path = dir.join("input.calc");
    std::fs::write(
        &path,
        "# a comment\r\n\r\n1 + 2\r\n(4 *\r\n  5)  # twenty\r\n10 // 3",
    )
    .unwrap();
    Test::new()
        .args(&[path.to_str().unwrap()])
        .expect("3\n20\n3\n", 0);
}

/// Regression: a call left open at the end of a line was cut there, for its wrong number of
/// arguments, and both of its lines were syntax errors.
#[test]
fn an_open_call_continues_on_the_next_line() {
    Test::new()
        .stdin("abs(\n-3)\npow(2,\n10)\nmax(1,\n  5, 2)\n")
        .expect("3\n1024\n5\n", 0);
    // Read whole, a call with the wrong number of arguments is reported once, at its start.
    let run = Test::new().stdin("abs(\n1, 2)\n7\n").expect("7\n", 1);
    assert_eq!(
        run.stderr.lines().next(),
        Some("<stdin>:1: error: abs() takes exactly one argument (2 given)"),
        "{}",
        run.stderr
    );
}

#[test]
fn error_shows_line_and_caret_and_exits_1() {
    let run = Test::new().args(&["-e", "1 +* 2"]).expect("", 1);
    assert_eq!(
        run.stderr,
        unindent(
            "
            error: syntax error: expected an operand, found '*'
              1 +* 2
                 ^
            "
        ),
    );
}

#[test]
fn evaluation_error_points_at_the_operator() {
    let run = Test::new().args(&["-e", "(1 + 2) / (3 - 3)"]).expect("", 1);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines[0], "error: division by zero");
    assert_eq!(lines[2].find('^'), Some(2 + "(1 + 2) ".len()));
}

#[test]
fn errors_do_not_stop_later_lines() {
    let run = Test::new().stdin("1 / 0\n2 + 2\n").expect("4\n", 1);
    assert!(
        run.stderr
            .starts_with("<stdin>:1: error: division by zero\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn assignment_prints_nothing_in_batch_mode() {
    Test::new().stdin("a = 5\nb = a * 2\nb\n").expect("10\n", 0);
}

#[test]
fn unknown_name_is_an_error_with_a_caret() {
    let run = Test::new().args(&["-e", "1 + foo"]).expect("", 1);
    assert!(
        run.stderr
            .starts_with("error: name 'foo' is not defined\n  1 + foo\n      ^^^\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--workers", "0", "-e", "1"][..],
        &["--workers", "1025", "-e", "1"],
        &["--workers", "many", "-e", "1"],
        &["--delay", "soon", "-e", "1"],
        &["--grain", "0", "-e", "1"],
        &["--no-such-flag"],
    ] {
        let run = Test::new().args(args).run();
        assert_eq!(run.status, Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("error"), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn help_and_version_exit_0() {
    let run = Test::new().args(&["--help"]).run();
    assert_eq!(run.status, Some(0));
    assert!(run.stdout.contains("--workers"));
    let run = Test::new().args(&["--version"]).run();
    assert_eq!(run.status, Some(0));
    assert_eq!(
        run.stdout,
        format!("parcalc {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn directory_as_file_is_a_clear_error() {
    let dir = tempdir();
    let run = Test::new().args(&[dir.to_str().unwrap()]).expect("", 1);
    assert!(run.stderr.contains("is a directory"), "{}", run.stderr);
}

#[test]
fn missing_file_is_a_clear_error() {
    let run = Test::new().args(&["/nonexistent/input.calc"]).expect("", 1);
    assert!(
        run.stderr
            .starts_with("error: cannot read /nonexistent/input.calc"),
        "{}",
        run.stderr
    );
}

#[test]
fn stats_go_to_stderr() {
    let run = Test::new()
        .args(&["--stats", "--workers", "2", "-e", COURSE])
        .expect("500\n", 0);
    let line = run.stderr.trim_end();
    assert!(line.starts_with("parse "), "{line}");
    assert!(
        line.ends_with(" · 13 nodes · 6 tasks · 2 workers"),
        "{line}"
    );
}

/// Regression: counts of one are singular everywhere.
#[test]
fn counts_of_one_are_singular() {
    let run = Test::new()
        .args(&["--stats", "--workers", "1", "--grain", "1", "-e", "1 + 2"])
        .expect("3\n", 0);
    assert!(
        run.stderr
            .trim_end()
            .ends_with(" · 3 nodes · 1 task · 1 worker"),
        "{}",
        run.stderr
    );
    let run = Test::new()
        .args(&["--stats", "--workers", "1", "-e", "7"])
        .expect("7\n", 0);
    assert!(
        run.stderr
            .trim_end()
            .ends_with(" · 1 node · 0 tasks · 1 worker"),
        "{}",
        run.stderr
    );
    let run = Test::new()
        .args(&["--trace", "--workers", "1", "-e", "1 + 2"])
        .expect_status(0);
    assert!(run.stdout.contains("1 task on 1 worker"), "{}", run.stdout);
    let run = Test::new()
        .args(&["--max-input", "1", "-e", "12"])
        .expect("", 1);
    assert!(
        run.stderr
            .starts_with("error: input of 2 bytes is over the limit of 1 byte"),
        "{}",
        run.stderr
    );
}

/// Regression: `-e` and FILE together run both, the `-e` first.
#[test]
fn expressions_run_before_the_file() {
    let dir = tempdir();
    let path = dir.join("program.calc");
    std::fs::write(&path, "n * 2\n_ + 1\n").unwrap();
    Test::new()
        .args(&["-e", "n = 20", "-e", "n + 1", path.to_str().unwrap()])
        .expect("21\n40\n41\n", 0);
    Test::new()
        .args(&["-e", "n = 5", "-"])
        .stdin("n * n\n")
        .expect("25\n", 0);
}

/// Regression: an error in a FILE names the file and the line, as compilers do; an error in a
/// `-e` says which.
#[test]
fn errors_name_their_file_and_line_or_their_expression() {
    let dir = tempdir();
    let path = dir.join("bad.calc");
    std::fs::write(&path, "1\n2 +\n(3 +\n 1 / 0)\n4\n").unwrap();
    let file = path.to_str().unwrap();
    let run = Test::new().args(&[file]).expect("1\n4\n", 1);
    assert_eq!(
        run.stderr,
        format!(
            "{file}:2: error: syntax error: expected an operand, found end of input\n  2 +\n     ^\n\
             {file}:4: error: division by zero\n   1 / 0)\n     ^\n"
        )
    );
    let run = Test::new()
        .args(&["-e", "1", "-e", "2 // 0", "-e", "3"])
        .expect("1\n3\n", 1);
    assert_eq!(
        run.stderr,
        "-e 2: error: integer division or modulo by zero\n  2 // 0\n    ^^\n"
    );
    let run = Test::new().args(&["-e", "1 / 0", file]).expect("1\n4\n", 1);
    assert!(
        run.stderr.starts_with("-e 1: error: division by zero\n"),
        "{}",
        run.stderr
    );
}

/// Regression: `--speedup` kept the value but not the program: `x = 2 * 3` was timed and not
/// bound, so `x` was not defined.
#[test]
fn speedup_keeps_the_programs_meaning() {
    let run = Test::new()
        .args(&["--speedup=2", "-e", "x = 2 * 3", "-e", "x", "-e", "_ + 1"])
        .expect_status(0);
    let values: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.parse::<i64>().is_ok())
        .collect();
    assert_eq!(values, ["6", "7"], "{}", run.stdout);
    // `x` has no operator: nothing to schedule, no table; `_ + 1` has its table.
    assert_eq!(
        run.stdout
            .matches("nothing to schedule: the expression has no operator")
            .count(),
        1,
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("workers ").count(), 1, "{}", run.stdout);
    assert_eq!(run.stderr, "");
}

/// Regression: a value-less `--speedup` before a FILE took the FILE for its value.
#[test]
fn speedup_without_a_value_before_a_file() {
    let dir = tempdir();
    let path = dir.join("speedup.calc");
    std::fs::write(&path, "(1 + 2) * (3 + 4)\n").unwrap();
    let run = Test::new()
        .args(&["--speedup", path.to_str().unwrap()])
        .expect_status(0);
    assert!(run.stdout.starts_with("21\n"), "{}", run.stdout);
    // A number after `--speedup` is still its value.
    let run = Test::new()
        .args(&["--speedup", "2", "-e", "1 + 2"])
        .expect_status(0);
    // The table's rows are indented, the value is not.
    let sizes: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with(' '))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| word.parse::<usize>().is_ok())
        .collect();
    assert!(run.stdout.starts_with("3\n"), "{}", run.stdout);
    assert_eq!(sizes, ["1", "2"], "{}", run.stdout);
}

/// Regression: `-w -1` was "unexpected argument '-1'"; now it is refused as `-w=-1` is.
#[test]
fn negative_numbers_get_the_same_message_in_both_forms() {
    for (spaced, joined) in [
        (&["-w", "-1"][..], &["-w=-1"][..]),
        (&["--grain", "-3"], &["--grain=-3"]),
        (&["--speedup", "-1"], &["--speedup=-1"]),
    ] {
        let spaced_run = Test::new().args(spaced).args(&["-e", "1"]).expect("", 2);
        let joined_run = Test::new().args(joined).args(&["-e", "1"]).expect("", 2);
        let message = |stderr: &str| stderr.lines().next().unwrap_or("").to_string();
        assert_eq!(message(&spaced_run.stderr), message(&joined_run.stderr));
        assert!(
            spaced_run.stderr.starts_with("error: invalid value '-"),
            "{}",
            spaced_run.stderr
        );
    }
}

/// Regression: `--delay off` is no delay, and units are read in any case.
#[test]
fn delay_off_and_units_in_any_case() {
    for delay in ["off", "OFF", "100MS", "1Ms", "250US"] {
        Test::new()
            .args(&["--delay", delay, "-e", "1 + 1"])
            .expect("2\n", 0);
    }
}

/// A fresh directory under the system's temp dir, unique to the calling test.
#[track_caller]
fn tempdir() -> std::path::PathBuf {
    let caller = std::panic::Location::caller();
    let dir = std::env::temp_dir().join(format!(
        "parcalc-it-{}-{}",
        std::process::id(),
        caller.line()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn no_colour_when_not_a_terminal_even_without_no_color() {
    let run = Test::new()
        .env("NO_COLOR", "")
        .args(&["-e", "1 / 0"])
        .expect("", 1);
    assert!(!run.stderr.contains('\x1b'), "{:?}", run.stderr);
}

/// Regression: an error about the input as a whole drew a caret under its first character.
#[test]
fn an_error_with_no_position_draws_no_caret() {
    let run = Test::new()
        .args(&["--max-input", "3", "-e", "1+2+3"])
        .expect("", 1);
    assert_eq!(
        run.stderr,
        "error: input of 5 bytes is over the limit of 3 bytes (raise it with --max-input)\n"
    );
}

#[test]
fn input_over_the_length_limit_is_refused_and_later_lines_go_on() {
    let run = Test::new()
        .args(&["--max-input", "10"])
        .stdin("1 + 2 + 3 + 4 + 5\n6 * 7\n")
        .expect("42\n", 1);
    assert!(
        run.stderr.starts_with(
            "<stdin>:1: error: input of 17 bytes is over the limit of 10 bytes (raise it with --max-input)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn trace_json_of_the_course_example_on_three_workers() {
    // Times are written in µs with three decimals: `ts + dur` may differ from the next `ts` in
    // the last bit of a float.
    const ROUNDING: f64 = 0.002;
    let dir = tempdir();
    let path = dir.join("trace.json");
    Test::new()
        .args(&["-w", "3", "--delay", "50ms", "--trace-json"])
        .args(&[path.to_str().unwrap(), "-e", COURSE])
        .expect("500\n", 0);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let events = json["traceEvents"].as_array().unwrap();
    // (node, worker, start, end) of every complete event.
    let tasks: Vec<(String, u64, f64, f64)> = events
        .iter()
        .filter(|event| event["ph"] == "X")
        .map(|event| {
            let start = event["ts"].as_f64().unwrap();
            let node = event["args"]["node"].as_str().unwrap().to_string();
            (
                node,
                event["tid"].as_u64().unwrap(),
                start,
                start + event["dur"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(tasks.len(), 6, "{tasks:?}");
    // Which worker runs which task is the scheduler's choice; only the pool's three are named.
    assert!(tasks.iter().all(|task| task.1 < 3), "{tasks:?}");
    for a in &tasks {
        for b in &tasks {
            if a.0 != b.0 && a.1 == b.1 {
                assert!(
                    a.3 <= b.2 + ROUNDING || b.3 <= a.2 + ROUNDING,
                    "{a:?} overlaps {b:?} on one worker"
                );
            }
        }
    }
    // The course example's tree: #6 = #2 * #5, #11 = #9 - 1, #12 = #6 * #11.
    let task = |node: &str| tasks.iter().find(|task| task.0 == node).unwrap();
    for (child, parent) in [
        ("#2", "#6"),
        ("#5", "#6"),
        ("#9", "#11"),
        ("#6", "#12"),
        ("#11", "#12"),
    ] {
        assert!(
            task(child).3 <= task(parent).2 + ROUNDING,
            "{child} ends after {parent} starts"
        );
    }
    let thread_names = events
        .iter()
        .filter(|event| event["ph"] == "M" && event["name"] == "thread_name")
        .count();
    assert_eq!(thread_names, 3);
}

#[test]
fn trace_shows_three_lanes_and_the_work_span_figures() {
    let run = Test::new()
        .args(&["-w", "3", "--delay", "50ms", "--trace", "-e", COURSE])
        .run();
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let out = run.stdout;
    assert!(out.starts_with("500\n"), "{out}");
    for lane in ["worker 0 │", "worker 1 │", "worker 2 │"] {
        assert!(out.contains(lane), "{out}");
    }
    assert!(!out.contains("worker 3"), "{out}");
    for figure in ["work W", "span S", "parallelism W/S", "Brent (W − S)/P + S"] {
        assert!(out.contains(figure), "{out}");
    }
    // Six tasks; every one lies on one of the three root-to-leaf paths of three tasks, so
    // S ≥ W / 3 however long each sleep overshoots, and S ≤ W: 1 ≤ W/S ≤ 3 on every schedule.
    let parallelism: f64 = out
        .lines()
        .find(|line| line.starts_with("parallelism W/S"))
        .and_then(|line| line.split_whitespace().nth(2))
        .and_then(|figure| figure.parse().ok())
        .unwrap();
    assert!((1.0..=3.0).contains(&parallelism), "{parallelism}");
}

#[test]
fn tree_shows_node_ids() {
    let run = Test::new().args(&["--tree", "-e", "(1 + 2) * 3"]).run();
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(run.stdout.ends_with("9\n"), "{}", run.stdout);
    assert!(run.stdout.contains("#4"), "{}", run.stdout);
    assert!(
        run.stdout.contains("├─") || run.stdout.contains("└─"),
        "{}",
        run.stdout
    );
}

#[test]
fn speedup_prints_one_row_per_pool_size() {
    let run = Test::new()
        .args(&["--speedup=3", "--delay", "10ms", "-e", COURSE])
        .run();
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(run.stdout.starts_with("500\n"), "{}", run.stdout);
    let rows = run
        .stdout
        .lines()
        .filter(|line| {
            line.split_whitespace()
                .next()
                .is_some_and(|w| ["1", "2", "3"].contains(&w))
        })
        .count();
    assert!(rows >= 3, "{}", run.stdout);
}

/// Every line of `text` is at most `width` characters wide.
#[track_caller]
fn check_fits(text: &str, width: usize) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= width,
            "wider than {width}: {line:?}\n{text}"
        );
    }
}

#[test]
fn trace_and_speedup_fit_the_columns() {
    for columns in ["40", "60", "80"] {
        let width: usize = columns.parse().unwrap();
        for args in [
            &["-w", "2", "--delay", "20ms", "--trace", "-e", COURSE][..],
            &["-w", "2", "--trace", "-e", "(1 + 2) * (3 / 0) + (4 * 5)"],
            &["--speedup=3", "--delay", "5ms", "-e", COURSE],
            &["--tree", "-e", COURSE],
        ] {
            let run = Test::new().args(args).env("COLUMNS", columns).run();
            check_fits(&run.stdout, width);
        }
    }
}

#[test]
fn a_failed_evaluation_shows_which_task_failed_and_which_never_ran() {
    let run = Test::new()
        .args(&["-w", "2", "--trace", "-e", "(1 + 2) * (3 / 0) + (4 * 5)"])
        .expect_status(1);
    assert!(
        run.stderr.starts_with("error: division by zero"),
        "{}",
        run.stderr
    );
    let out = run.stdout;
    assert!(
        out.starts_with("failed at #5 (division by zero) after "),
        "{out}"
    );
    for expected in [
        "x #5   3 / 0",
        "failed after",
        "not run",
        "x failed (`x` blocks)",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    // The task above the failure never ran, so it has no block in the chart.
    assert!(!out.contains("[#6"), "{out}");
    assert!(!out.contains("[#10"), "{out}");
}

#[test]
fn the_optimal_makespan_of_the_course_example() {
    let run = Test::new()
        .args(&["-w", "2", "--delay", "50ms", "--trace", "-e", COURSE])
        .expect_status(0);
    assert!(
        run.stdout
            .contains("optimal (Hu)            200 ms  best schedule of 6 tasks of 50 ms"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("schedule on 2 workers · delay 50 ms · grain auto (1) · policy lifo"),
        "{}",
        run.stdout
    );
}

#[test]
fn without_a_delay_no_speedup_above_the_ceiling_is_claimed() {
    let run = Test::new()
        .args(&["--speedup=4", "-e", COURSE])
        .expect_status(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let header: Vec<&str> = lines[1].split_whitespace().collect();
    let column = |name: &str| header.iter().position(|&h| h == name).unwrap();
    let speedup = column("speedup");
    assert_eq!(header[header.len() - 2..], ["ceiling", "guarantee"]);
    for row in &lines[2..6] {
        // `wall` is two words (`5.19 µs`): the speedup after it shifts by one. The times after
        // it are one or two words each, so the ceiling is read from the end of the row.
        let cells: Vec<&str> = row.split_whitespace().collect();
        let measured = cells[speedup + 1];
        let limit: f64 = cells[cells.len() - 2].parse().unwrap();
        let marked = measured.ends_with('?');
        let value: f64 = measured.trim_end_matches('?').parse().unwrap();
        assert!(value <= limit || marked, "{row}\n{}", run.stdout);
        assert!(!marked || value > limit, "{row}");
    }
}

#[test]
fn policies_are_chosen_by_name() {
    for policy in ["lifo", "fifo", "critical-path"] {
        let run = Test::new()
            .args(&[
                "--policy", policy, "-w", "2", "--delay", "10ms", "--trace", "-e", COURSE,
            ])
            .expect_status(0);
        assert!(run.stdout.starts_with("500\n"), "{}", run.stdout);
        assert!(
            run.stdout.contains(&format!("policy {policy}")),
            "{}",
            run.stdout
        );
    }
    let run = Test::new()
        .args(&["--policy", "random", "-e", "1"])
        .expect_status(2);
    assert!(
        run.stderr.contains("lifo, fifo or critical-path"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_estimate_beyond_counting_is_not_printed_as_a_number() {
    let run = Test::new().args(&["-e", "2 ^ 2 ^ 70"]).expect("", 1);
    assert!(
        run.stderr.starts_with(
            "error: result too large: over the limit of 67108864 bits (raise it with --max-bits)\n"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn trace_of_a_reduction_shows_the_maps_and_the_reduction_tree() {
    const ROUNDING: f64 = 0.002;
    const SUM: &str = "sum(k * k for k in range(8))";
    let run = Test::new()
        .args(&["--delay", "100ms", "--workers", "4", "--trace", "-e", SUM])
        .run();
    assert!(run.stdout.starts_with("140\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("15 tasks on 4 workers"),
        "{}",
        run.stdout
    );
    // Chunks by their elements, combines by what they join; the critical path in full, the
    // other equal tasks summarised.
    assert!(run.stdout.contains("#2  k * k for k = "), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("* #4  sum of 2 partials, k in 0..7  = 140"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("more map chunks, "), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("critical path 4 tasks, `*` in the legend"),
        "{}",
        run.stdout
    );

    let dir = tempdir();
    let path = dir.join("reduction.json");
    Test::new()
        .args(&["-w", "4", "--delay", "20ms", "--trace-json"])
        .args(&[path.to_str().unwrap(), "-e", SUM])
        .expect("140\n", 0);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // (label, worker, start, end, value) of every task.
    let tasks: Vec<(String, u64, f64, f64, String)> = json["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["ph"] == "X")
        .map(|event| {
            let start = event["ts"].as_f64().unwrap();
            (
                event["name"].as_str().unwrap().to_string(),
                event["tid"].as_u64().unwrap(),
                start,
                start + event["dur"].as_f64().unwrap(),
                event["args"]["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let (maps, combines): (Vec<_>, Vec<_>) = tasks
        .iter()
        .partition(|task| task.0.starts_with("k * k for k = "));
    assert!(
        combines
            .iter()
            .all(|task| task.0.starts_with("sum of 2 partials, k in ")),
        "{tasks:?}"
    );
    assert_eq!(maps.len(), 8, "{tasks:?}");
    assert_eq!(combines.len(), 7, "{tasks:?}");
    let mut squares: Vec<u32> = maps.iter().map(|task| task.4.parse().unwrap()).collect();
    squares.sort_unstable();
    assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36, 49]);
    // Every combine starts after two tasks have ended; the last one ends last, with the sum.
    for combine in &combines {
        let before = tasks
            .iter()
            .filter(|task| task.3 <= combine.2 + ROUNDING)
            .count();
        assert!(before >= 2, "{combine:?} in {tasks:?}");
    }
    let last = tasks.iter().max_by(|a, b| a.3.total_cmp(&b.3)).unwrap();
    assert_eq!(last.4, "140");
    for a in &tasks {
        for b in &tasks {
            if !std::ptr::eq(a, b) && a.1 == b.1 {
                assert!(
                    a.3 <= b.2 + ROUNDING || b.3 <= a.2 + ROUNDING,
                    "{a:?} overlaps {b:?} on one worker"
                );
            }
        }
    }
}

#[test]
fn prod_of_a_range_is_the_factorial() {
    Test::new()
        .args(&["-e", "prod(range(1, 100001)) - factorial(100000)"])
        .expect("0\n", 0);
}

/// Each value is written before parcalc waits for the next line: the first value arrives while
/// stdin is still open.
#[test]
fn piped_input_streams() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_parcalc"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the parcalc binary runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let (lines, received) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line.expect("stdout is text")).is_err() {
                break;
            }
        }
    });
    stdin
        .write_all(b"x = 20\nx + 1 + 1\n")
        .expect("parcalc reads");
    stdin.flush().expect("parcalc reads");
    let first = received.recv_timeout(std::time::Duration::from_secs(60));
    assert_eq!(first.as_deref(), Ok("22"));
    stdin.write_all(b"x * 2\n").expect("parcalc reads");
    drop(stdin);
    let second = received.recv_timeout(std::time::Duration::from_secs(60));
    assert_eq!(second.as_deref(), Ok("40"));
    assert!(child.wait().expect("parcalc ends").success());
    reader.join().expect("the reader ends");
}

/// A pool of 1,024 workers gives the values and errors of a pool of 2, in order.
#[test]
fn the_largest_pool_gives_the_same_output() {
    let mut input = String::new();
    for i in 0..300 {
        input += &(i.to_string() + " * 789 + 42 // 5\n");
        if i % 50 == 0 {
            input.push_str("1 / 0\nv = _ * 2\nv\n");
        }
    }
    let two = Test::new()
        .args(&["--workers", "2"])
        .stdin(input.clone())
        .expect_status(1);
    let many = Test::new()
        .args(&["--workers", "1024"])
        .stdin(input)
        .expect_status(1);
    assert_eq!(many.stdout, two.stdout);
    assert_eq!(many.stderr, two.stderr);
    assert_eq!(two.stdout.lines().count(), 306);
}

/// A file of 20 quick statements (`1 * 11` to `20 * 11`) and then `last`, and the values the
/// 20 print.
#[track_caller]
fn twenty_quick_then(last: &str) -> (std::path::PathBuf, Vec<String>) {
    let dir = tempdir();
    let path = dir.join("twenty.calc");
    let quick: Vec<String> = (1..=20).map(|i| format!("{i} * 11")).collect();
    std::fs::write(&path, quick.join("\n") + "\n" + last + "\n").unwrap();
    let values = (1..=20).map(|i| (i * 11).to_string()).collect();
    (path, values)
}

/// Sends `signal` (`INT`, `TERM`) to the process `pid`.
pub(crate) fn send_signal(signal: &str, pid: u32) {
    let sent = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{signal} {pid}");
}

/// Regression: values already computed stayed in the output buffer while a long statement ran,
/// and Ctrl-C lost them. A statement that goes to the pool is preceded by what is done, and
/// SIGINT stops it: the 20 values are out before it, and the exit status says interrupted.
#[test]
fn values_before_a_long_statement_are_out_and_sigint_keeps_them() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let (path, values) = twenty_quick_then("sum(k for k in range(10 ^ 12))");
    let mut child = Command::new(env!("CARGO_BIN_EXE_parcalc"))
        .args(["--workers", "2", path.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the parcalc binary runs");
    let stdout = child.stdout.take().expect("stdout is piped");
    let (lines, received) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line.expect("stdout is text")).is_err() {
                break;
            }
        }
    });
    // The 20 values arrive while the reduction runs, before any signal.
    let mut seen = Vec::new();
    while seen.len() < values.len() {
        match received.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(line) => seen.push(line),
            Err(error) => panic!("after {seen:?}: {error}"),
        }
    }
    assert_eq!(seen, values);
    send_signal("INT", child.id());
    let status = child.wait().expect("parcalc ends");
    reader.join().expect("the reader ends");
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert_eq!(
        received.try_iter().count(),
        0,
        "nothing after the 20 values"
    );
}

/// The CPU time the process `pid` has used, in clock ticks, from `/proc` (`None` where there
/// is no `/proc`).
pub(crate) fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command's name, which is in parentheses: utime and stime are the
    // 12th and 13th of them.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// One long big-integer operation checks no cancel flag, and a small statement runs on the
/// calling thread, so its values before it may still be buffered: on SIGTERM the handler
/// writes them out and ends the process after a short grace.
#[test]
fn sigterm_during_one_long_operation_keeps_the_values_before_it() {
    use std::process::{Command, Stdio};
    let (path, values) = twenty_quick_then("factorial(10 ^ 7)");
    let child = Command::new(env!("CARGO_BIN_EXE_parcalc"))
        .args(["--max-bits", "1000000000", path.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the parcalc binary runs");
    // The factorial has begun once the process has used a fifth of a second of CPU time (the
    // 20 quick statements take a few milliseconds); without `/proc`, a second is plenty.
    let started = std::time::Instant::now();
    loop {
        match cpu_ticks(child.id()) {
            Some(ticks) if ticks >= 20 => break,
            Some(_) if started.elapsed() < std::time::Duration::from_secs(60) => {}
            Some(ticks) => panic!("{ticks} ticks of CPU time in a minute"),
            None if started.elapsed() >= std::time::Duration::from_secs(1) => break,
            None => {}
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    send_signal("TERM", child.id());
    let output = child.wait_with_output().expect("parcalc ends");
    assert_eq!(output.status.code(), Some(130), "{:?}", output.status);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().collect::<Vec<_>>(), values);
}

/// On a terminal every value is written at once, also before a long statement that runs on
/// the calling thread.
#[test]
fn on_a_terminal_each_value_is_written_at_once() {
    use expectrl::Expect;
    let (path, _) = twenty_quick_then("factorial(10 ^ 8)");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_parcalc"));
    command
        .args(["--max-bits", "10000000000", path.to_str().unwrap()])
        .env("NO_COLOR", "1");
    let mut session = expectrl::Session::spawn(command).expect("parcalc starts on a terminal");
    session.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
    session
        .expect("220\r\n")
        .expect("the 20th value comes before the factorial ends");
    // The factorial would take minutes: end it.
    let pid = session.get_process().pid().to_string();
    send_signal("KILL", pid.parse().expect("a process id"));
}

/// `;` separates statements on one line at every door, as in Python: `-e`, stdin and FILE;
/// one inside parentheses is a syntax error, a trailing one is allowed.
#[test]
fn semicolons_separate_statements_at_every_door() {
    Test::new()
        .args(&["-e", "x = 5; x * 2", "-e", "_ + 1;"])
        .expect("10\n11\n", 0);
    Test::new()
        .stdin("a = 2; b = 3; a * b\n(1 +\n 2); _ + a  # c; d\n")
        .expect("6\n3\n5\n", 0);
    let dir = tempdir();
    let path = dir.join("semicolons.calc");
    std::fs::write(&path, "y = 7; y if y > 5 else -y\n").unwrap();
    Test::new().args(&[path.to_str().unwrap()]).expect("7\n", 0);
    let run = Test::new().stdin("1; 2\n(3; 4)\n5; 1 / 0\n").run();
    assert_eq!(run.stdout, "1\n2\n5\n");
    assert_eq!(run.status, Some(1));
    assert!(
        run.stderr.contains("<stdin>:2: error: syntax error"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("<stdin>:3: error: division by zero"),
        "{}",
        run.stderr
    );
}

/// The branch not taken and the right side of a short-circuit make no task and sleep no
/// delay: the trace shows only what ran.
#[test]
fn the_branch_not_taken_is_not_in_the_trace() {
    let run = Test::new()
        .args(&[
            "--workers",
            "2",
            "--delay",
            "20ms",
            "--trace",
            "-e",
            "(2 + 3 if 1 < 2 else (4 * 5) * 6) + (0 and 7 * 8)",
        ])
        .run();
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(run.stdout.starts_with("5\n"), "{}", run.stdout);
    // Three tasks: the conditional (running `<`, `+` and itself: 60 ms), the `and` (itself:
    // 20 ms) and the sum (20 ms); the branch and the side not taken would add 80 ms.
    assert!(
        run.stdout.contains("3 tasks on 2 workers"),
        "{}",
        run.stdout
    );
    let work_ms: f64 = run
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("work W"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or(f64::NAN);
    assert!((95.0..140.0).contains(&work_ms), "{}", run.stdout);
}

/// A float reduction longer than its memory budget: the elements past the budget are evaluated
/// again, in windows the pool shares, and folded in order, so the value is Python's and the
/// error is the first in order.
#[test]
fn a_long_float_reduction_folds_in_order_past_its_budget() {
    for workers in ["1", "2", "3"] {
        Test::new()
            .args(&["-w", workers, "-e", "sum(k * 0.5 for k in range(10^6))"])
            .expect("249999750000.0\n", 0);
        // Inexact terms: only Python's order gives these digits.
        Test::new()
            .args(&[
                "-w",
                workers,
                "-e",
                "sum(1 / (k % 7 + 1.5) for k in range(2 * 10^6))",
            ])
            .expect("583886.4381108123\n", 0);
        let run = Test::new()
            .args(&["-w", workers, "-e"])
            .args(&["sum(k * 0.5 if k < 800000 else 1 // (k - 900000) for k in range(10^6))"])
            .expect_status(1);
        assert!(
            run.stderr.contains("integer division or modulo by zero"),
            "{}",
            run.stderr
        );
    }
}
