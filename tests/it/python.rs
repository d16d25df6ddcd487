//! `--python`: the program parcalc prints is run with `python3` and must print what parcalc
//! prints for the same expression (or fail where parcalc fails), with the same workers and
//! delay written into it.
//!
//! Where `python3` is missing the test says so on stderr and passes, unless
//! `PARCALC_REQUIRE_PYTHON` or `CI` is set, as for the differential test. Nothing here measures
//! time: the program's own timing line is only checked to be there.

use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::util::{Test, python_missing};

/// What `python3` printed for `program`: stdout, stderr and the exit status; `None` when there
/// is no `python3`.
fn run_python(program: &str) -> Option<(String, String, Option<i32>)> {
    let child = Command::new("python3")
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            python_missing();
            return None;
        }
        Err(error) => panic!("cannot run python3: {error}"),
    };
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(program.as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    Some((
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code(),
    ))
}

/// The program for the last of `exprs` (the others may assign variables) prints what parcalc
/// prints for it.
#[track_caller]
fn check(exprs: &[&str]) {
    let mut args = vec!["-w", "2"];
    for expr in exprs {
        args.extend(["-e", expr]);
    }
    let ours = Test::new().args(&args).expect_status(0);
    args.push("--python");
    let program = Test::new().args(&args).expect_status(0).stdout;
    let Some((stdout, stderr, status)) = run_python(&program) else {
        return;
    };
    assert_eq!(status, Some(0), "{stderr}\n{program}");
    assert_eq!(stdout, ours.stdout, "{exprs:?}\n{program}");
    assert!(stderr.contains(" on 2 workers in "), "{stderr}");
}

/// The program's timing line counts in the singular where there is one.
#[test]
fn one_task_on_one_worker_is_singular() {
    let program = Test::new()
        .args(&["-w", "1", "--python", "-e", "1 + 2"])
        .expect_status(0)
        .stdout;
    let Some((stdout, stderr, status)) = run_python(&program) else {
        return;
    };
    assert_eq!(status, Some(0), "{stderr}\n{program}");
    assert_eq!(stdout, "3\n");
    assert!(stderr.starts_with("# 1 task on 1 worker in "), "{stderr}");
}

#[test]
fn programs_print_what_parcalc_prints() {
    check(&["(3 + 7) * (2 + 8) * ((2 * 3) - 1)"]);
    check(&["0.1 + 0.2"]);
    check(&["-7 // 2 + 7.5 % -2 + 2 ^ -1 - -3"]);
    check(&["10 ^ 400 / 10 ^ 399"]);
    check(&["2 ^ 3 ^ 2 + 2 ** 0.5"]);
    check(&["1e300 * 1e10 - 1e308 * 10"]);
    check(&["abs(-3) + max(4, 1) + min(2, 3.5) + sqrt(16) + gcd(12, 18) + lcm(4, 6)"]);
    check(&["sum(k * k % 7 for k in range(100)) + max(range(5)) * prod(range(1, 6))"]);
    check(&["sum(sum(j for j in range(k)) for k in range(10)) + (1 + 2) * (3 + 4)"]);
    check(&["sin(pi / 4) + log(8, 2) + (5 & 3 | 8 << 1) + ~2"]);
    check(&["factorial(30) // max(1, 2, 3)"]);
    check(&["3 ^ 20000 + 1"]);
    check(&["42"]);
    check(&["x = 2.5", "y = 10 ^ 5000", "x * 4 + y % 7"]);
    let big_literal = format!("1{} + 1", "0".repeat(5000));
    check(&[&big_literal]);
}

#[test]
fn the_program_has_the_workers_and_the_delay() {
    let program = Test::new()
        .args(&[
            "--python",
            "-w",
            "3",
            "--delay",
            "50ms",
            "-e",
            "(1 + 2) * (3 + 4)",
        ])
        .expect_status(0)
        .stdout;
    assert!(program.contains("\nWORKERS = 3\n"), "{program}");
    assert!(program.contains("\nDELAY = 0.05  #"), "{program}");
    assert!(
        program.contains("ThreadPoolExecutor(max_workers=WORKERS)"),
        "{program}"
    );
    assert!(program.contains("add_done_callback"), "{program}");
    // Workers never wait on another task's future.
    assert!(!program.contains(".result()"), "{program}");
    if let Some((stdout, stderr, status)) = run_python(&program) {
        assert_eq!((stdout.as_str(), status), ("21\n", Some(0)), "{stderr}");
    }
}

#[test]
fn errors_are_pythons() {
    let program = Test::new()
        .args(&["--python", "-e", "(1 + 2) * (3 / 0)"])
        .expect_status(0)
        .stdout;
    if let Some((stdout, stderr, status)) = run_python(&program) {
        assert_eq!(status, Some(1), "{stdout}{stderr}");
        assert_eq!(stderr, "error: ZeroDivisionError: division by zero\n");
    }
    // An unknown name is parcalc's error, before any program is written.
    let run = Test::new()
        .args(&["--python", "-e", "y + 1"])
        .expect_status(1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("name 'y' is not defined"),
        "{}",
        run.stderr
    );
}
