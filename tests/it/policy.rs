//! The scheduling policies at every door: `-e`, a FILE, stdin and a paste in the REPL all run
//! through the one executor, so each honours `--policy` the same way, and none starts a task
//! once a failure is known.
//!
//! On one worker a schedule is a sequence, and each policy promises one: the task order of
//! `((1+2)*(3+4))+((5+6)*(7+8))+((9+10)*(11+12))`, eleven tasks of 5 ms, read back from the
//! Chrome trace each door writes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::util::Test;

/// Eleven tasks: six sums of two numbers, three products, two sums.
const ELEVEN: &str = "((1+2)*(3+4))+((5+6)*(7+8))+((9+10)*(11+12))";

/// `lifo`, rayon's own order: the worker that completes a task's last operand runs that task
/// next, and starts the ready tasks it was handed last in, first out within each half.
const LIFO: [&str; 11] = [
    "1+2",
    "3+4",
    "(1+2)*(3+4)",
    "5+6",
    "7+8",
    "(5+6)*(7+8)",
    "((1+2)*(3+4))+((5+6)*(7+8))",
    "9+10",
    "11+12",
    "(9+10)*(11+12)",
    ELEVEN,
];

/// `fifo`: in the order the tasks became ready, the six sums first.
const FIFO: [&str; 11] = [
    "1+2",
    "3+4",
    "5+6",
    "7+8",
    "9+10",
    "11+12",
    "(1+2)*(3+4)",
    "(5+6)*(7+8)",
    "(9+10)*(11+12)",
    "((1+2)*(3+4))+((5+6)*(7+8))",
    ELEVEN,
];

/// `critical-path`: the highest level first (the four sums four tasks from the end, then the
/// products and sums three from it), the leftmost of equal levels first.
const CRITICAL_PATH: [&str; 11] = [
    "1+2",
    "3+4",
    "5+6",
    "7+8",
    "(1+2)*(3+4)",
    "(5+6)*(7+8)",
    "9+10",
    "11+12",
    "((1+2)*(3+4))+((5+6)*(7+8))",
    "(9+10)*(11+12)",
    ELEVEN,
];

fn expected(policy: &str) -> [&'static str; 11] {
    match policy {
        "lifo" => LIFO,
        "fifo" => FIFO,
        _ => CRITICAL_PATH,
    }
}

const POLICIES: [&str; 3] = ["lifo", "fifo", "critical-path"];

/// A fresh folder for one test's files.
fn folder() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let folder = std::env::temp_dir().join(format!(
        "parcalc-policy-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// A task of a Chrome trace: its label, what became of it, its start and end in µs.
struct Event {
    name: String,
    outcome: String,
    start_us: f64,
    end_us: f64,
}

/// The tasks of the Chrome trace in `path`, in the order they started.
#[track_caller]
fn events(path: &Path) -> Vec<Event> {
    let text = std::fs::read_to_string(path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut events: Vec<Event> = json["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["ph"] == "X")
        .map(|event| {
            let start_us = event["ts"].as_f64().unwrap();
            Event {
                name: event["name"].as_str().unwrap().to_string(),
                outcome: event["args"]["outcome"].as_str().unwrap().to_string(),
                start_us,
                end_us: start_us + event["dur"].as_f64().unwrap(),
            }
        })
        .collect();
    events.sort_by(|a, b| a.start_us.total_cmp(&b.start_us));
    events
}

/// The labels of the tasks in the trace in `path`, in the order they started.
#[track_caller]
fn order(path: &Path) -> Vec<String> {
    events(path).into_iter().map(|event| event.name).collect()
}

/// The three policies on one worker, through `door`, which runs the eleven-task expression
/// under a policy, writing its trace to the path it is given: each order is the policy's, and
/// so the three differ.
#[track_caller]
fn check_door(door: impl Fn(&str, &Path)) {
    let folder = folder();
    for policy in POLICIES {
        let path = folder.join(format!("{policy}.json"));
        door(policy, &path);
        assert_eq!(order(&path), expected(policy), "{policy}");
    }
    let _ = std::fs::remove_dir_all(&folder);
}

/// The flags of one worker, 5 ms per operator, `policy`, the trace to `path`.
fn flags<'a>(policy: &'a str, path: &'a Path) -> [&'a str; 8] {
    let path = path.to_str().unwrap();
    [
        "-w",
        "1",
        "--delay",
        "5ms",
        "--policy",
        policy,
        "--trace-json",
        path,
    ]
}

#[test]
fn policies_order_the_tasks_of_an_expression() {
    check_door(|policy, path| {
        Test::new()
            .args(&flags(policy, path))
            .args(&["-e", ELEVEN])
            .expect("623\n", 0);
    });
}

#[test]
fn policies_order_the_tasks_of_a_file() {
    check_door(|policy, path| {
        let file = path.with_extension("calc");
        std::fs::write(&file, format!("x = 1\n{ELEVEN}\n")).unwrap();
        Test::new()
            .args(&flags(policy, path))
            .args(&[file.to_str().unwrap()])
            .expect("623\n", 0);
    });
}

#[test]
fn policies_order_the_tasks_of_standard_input() {
    check_door(|policy, path| {
        Test::new()
            .args(&flags(policy, path))
            .stdin(format!("{ELEVEN}\n"))
            .expect("623\n", 0);
    });
}

#[test]
fn policies_order_the_tasks_of_a_paste() {
    check_door(|policy, path| {
        let mut repl = crate::repl::Repl::start(&["-w", "1", "--delay", "5ms", "--policy", policy]);
        repl.paste(&["x = 1", ELEVEN]);
        repl.expect("623\r\n");
        repl.expect("» ");
        repl.line(&format!(":trace json {}", path.display()));
        repl.expect("» ");
        let (status, _) = repl.quit();
        assert!(
            matches!(status, expectrl::process::unix::WaitStatus::Exited(_, 0)),
            "{status:?}"
        );
    });
}

/// `(1+2)*(3/0)+(4*5)` on two workers: once `3/0` has failed no task starts (every start is
/// before the failing task's end), whichever door the expression came through.
#[test]
fn no_task_starts_after_a_failure_at_any_door() {
    const FAILING: &str = "(1+2)*(3/0)+(4*5)";
    let folder = folder();
    let check = |path: &Path| {
        let events = events(path);
        let failed = events
            .iter()
            .find(|event| event.outcome == "failed")
            .unwrap_or_else(|| panic!("a failed task in {}", path.display()));
        assert_eq!(failed.name, "3/0");
        for event in events.iter().filter(|event| event.outcome != "not run") {
            assert!(
                event.start_us <= failed.end_us,
                "{} started at {} µs, after the failure at {} µs",
                event.name,
                event.start_us,
                failed.end_us
            );
        }
    };
    let run = |extra: &[&str], stdin: Option<&str>, path: &Path| {
        let path_text = path.display().to_string();
        let mut args = vec![
            "--workers",
            "2",
            "--delay",
            "100ms",
            "--trace-json",
            &path_text,
        ];
        args.extend(extra);
        let mut test = Test::new().args(&args);
        if let Some(stdin) = stdin {
            test = test.stdin(stdin);
        }
        test.expect_status(1);
        check(path);
    };
    run(&["-e", FAILING], None, &folder.join("expr.json"));
    let file = folder.join("failing.calc");
    std::fs::write(&file, format!("{FAILING}\n")).unwrap();
    run(&[file.to_str().unwrap()], None, &folder.join("file.json"));
    run(
        &[],
        Some(&format!("{FAILING}\n")),
        &folder.join("stdin.json"),
    );
    let path = folder.join("paste.json");
    let mut repl = crate::repl::Repl::start(&["--workers", "2", "--delay", "100ms"]);
    repl.paste(&["x = 1", FAILING]);
    repl.expect("division by zero");
    repl.expect("» ");
    repl.line(&format!(":trace json {}", path.display()));
    repl.expect("» ");
    drop(repl);
    check(&path);
    let _ = std::fs::remove_dir_all(&folder);
}

/// The seed as five statements: the first tasks of independent statements start together, on
/// different workers, under every policy (the program's first job hands them out instead of
/// running them one after the other).
#[test]
fn independent_statements_start_together_under_every_policy() {
    let folder = folder();
    for policy in ["lifo", "fifo", "critical-path"] {
        let path = folder.join(format!("{policy}.json"));
        let path_text = path.to_str().unwrap();
        Test::new()
            .args(&["-w", "4", "--delay", "100ms", "--policy", policy])
            .args(&[
                "--trace-json",
                path_text,
                "-e",
                "a = 3 + 7",
                "-e",
                "b = 2 + 8",
            ])
            .args(&["-e", "c = 2 * 3", "-e", "d = c - 1", "-e", "a * b * d"])
            .expect("500\n", 0);
        let events = events(&path);
        let first: Vec<&Event> = events
            .iter()
            .filter(|event| {
                ["3 + 7", "2 + 8", "2 * 3"]
                    .iter()
                    .any(|t| event.name.starts_with(t))
            })
            .collect();
        assert_eq!(
            first.len(),
            3,
            "{policy}: {:?}",
            events.iter().map(|e| &e.name).collect::<Vec<_>>()
        );
        let overlapping = first
            .iter()
            .zip(first.iter().skip(1))
            .filter(|(a, b)| b.start_us < a.end_us)
            .count();
        assert!(
            overlapping > 0,
            "{policy}: the three ran one after the other"
        );
    }
}
